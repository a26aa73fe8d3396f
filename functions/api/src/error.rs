//! The API's one error type and its one JSON shape (PRODUCT.md §9). Every failure — a use
//! case error, a malformed body, a bad path or query parameter, an unknown route — leaves
//! through here, so clients meet a single format and never a bare 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use devportal_app::AppError;
use devportal_domain::version::VersionState;
use devportal_domain::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every error code the API answers, each with its status (documented in
/// docs/ARCHITECTURE.md's error table; tests hold [`ErrorCode::ALL`] to the enum and the table
/// to `ALL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON.
    MalformedJson,
    /// The body could not be read.
    UnreadableBody,
    /// A request the framework could not read otherwise.
    BadRequest,
    InvalidHeader,
    InvalidPathParameter,
    InvalidQueryParameter,
    /// No, an unknown or a revoked token.
    Unauthenticated,
    TokenExpired,
    /// A run token used after its run ended.
    RunTokenExpired,
    Forbidden,
    /// A read-scoped token on a request that changes something.
    InsufficientScope,
    /// Not found, or another organization's.
    NotFound,
    MethodNotAllowed,
    StaleRevision,
    TransitionNotAllowed,
    AlreadyExists,
    Conflict,
    QuotaExceeded,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// Wrong shape or an unknown field.
    InvalidBody,
    /// A rule broken (with `fields`).
    ValidationFailed,
    RateLimited,
    /// Any other status the framework answered itself.
    Rejected,
    /// A dependency failed, retryable.
    Unavailable,
    /// A failure the client cannot fix.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 26] = [
        Self::MalformedJson,
        Self::UnreadableBody,
        Self::BadRequest,
        Self::InvalidHeader,
        Self::InvalidPathParameter,
        Self::InvalidQueryParameter,
        Self::Unauthenticated,
        Self::TokenExpired,
        Self::RunTokenExpired,
        Self::Forbidden,
        Self::InsufficientScope,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::StaleRevision,
        Self::TransitionNotAllowed,
        Self::AlreadyExists,
        Self::Conflict,
        Self::QuotaExceeded,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::InvalidBody,
        Self::ValidationFailed,
        Self::RateLimited,
        Self::Rejected,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The status answered with the code (`Rejected` keeps the framework's own).
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedJson | UnreadableBody | BadRequest | InvalidHeader | InvalidPathParameter | InvalidQueryParameter | Rejected => {
                StatusCode::BAD_REQUEST
            }
            Unauthenticated | TokenExpired | RunTokenExpired => StatusCode::UNAUTHORIZED,
            Forbidden | InsufficientScope => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            StaleRevision | TransitionNotAllowed | AlreadyExists | Conflict | QuotaExceeded => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InvalidBody | ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated for clients that only see the body.
    pub status: u16,
    /// Stable machine code, e.g. `validation_failed`, `stale_revision`, `not_found`.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
    /// Per-field problems (validation errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// On `stale_revision` and `transition_not_allowed`: the resource's current revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<u64>,
    /// On `transition_not_allowed`: the version's current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<VersionState>,
    /// On `rate_limited` (429): seconds to wait before trying again (also the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// On `quota_exceeded`: the name of the limit that was reached, e.g. `max_tokens_per_user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// On `quota_exceeded`: the limit's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: every `Result<_, ApiError>` stays small.
    body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::with_status(code.status(), code, message)
    }

    /// An error with a status of its own (a framework rejection answered as `Rejected`).
    pub fn with_status(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody {
                status: status.as_u16(),
                code,
                message: message.into(),
                fields: vec![],
                current_revision: None,
                state: None,
                retry_after_seconds: None,
                limit: None,
                max: None,
            }),
        }
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.body.fields = fields;
        self
    }

    pub fn field(self, field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        self.with_fields(vec![FieldError { field: field.into(), code: code.into(), message }])
    }

    /// A 429's wait, in the body and in the `Retry-After` header.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.body.retry_after_seconds = Some(seconds.max(1));
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation(v) => {
                let message = match v.fields.as_slice() {
                    [one] => one.message.clone(),
                    many => format!("{} fields are invalid", many.len()),
                };
                ApiError::new(ErrorCode::ValidationFailed, message).with_fields(v.fields)
            }
            AppError::Unauthenticated => ApiError::new(ErrorCode::Unauthenticated, "send a valid token as `Authorization: Bearer <token>`"),
            AppError::TokenExpired => ApiError::new(
                ErrorCode::TokenExpired,
                "the token has expired; create a new one (`POST /api/v1/tokens`) with a token that still works",
            ),
            AppError::InsufficientScope => ApiError::new(
                ErrorCode::InsufficientScope,
                "this token is read-scoped: it may only read (GET); use a write-scoped token to change anything",
            ),
            AppError::RateLimited { message, retry_after_seconds } => ApiError::new(ErrorCode::RateLimited, message).retry_after(retry_after_seconds),
            AppError::QuotaExceeded { message, limit, max } => {
                let mut e = ApiError::new(ErrorCode::QuotaExceeded, message);
                e.body.limit = Some(limit);
                e.body.max = Some(max);
                e
            }
            AppError::Forbidden(m) => ApiError::new(ErrorCode::Forbidden, m),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::StaleRevision { current_revision } => {
                let mut e = ApiError::new(
                    ErrorCode::StaleRevision,
                    format!("the resource changed since you read it: the current revision is {current_revision}"),
                );
                e.body.current_revision = Some(current_revision);
                e
            }
            AppError::TransitionRunning { state, current_revision } => {
                let mut e = ApiError::new(ErrorCode::TransitionNotAllowed, format!("transition not allowed, version is `{state}`"));
                e.body.current_revision = Some(current_revision);
                e.body.state = Some(state);
                e
            }
            AppError::TransitionNotAllowed { message, state } => {
                let mut e = ApiError::new(ErrorCode::TransitionNotAllowed, message);
                e.body.state = Some(state);
                e
            }
            AppError::AlreadyExists(m) => ApiError::new(ErrorCode::AlreadyExists, m),
            AppError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            AppError::RunTokenExpired(m) => ApiError::new(ErrorCode::RunTokenExpired, m),
            AppError::Unavailable { message, retryable } => {
                // The cause goes to the log, never to the client.
                tracing::error!(error = %message, retryable, "dependency failure");
                if retryable {
                    ApiError::new(ErrorCode::Unavailable, "the portal is busy; try again shortly")
                } else {
                    ApiError::new(ErrorCode::Internal, "the portal failed to complete the request")
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.body.retry_after_seconds;
        let insufficient_scope = self.body.code == ErrorCode::InsufficientScope;
        let mut response = (status, Json(*self.body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if insufficient_scope {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"insufficient_scope\""));
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// `ErrorCode::ALL` (kept by hand: Rust cannot list an enum's variants) holds every code
    /// the enum has, read from the schema utoipa derives from the enum itself.
    #[test]
    fn all_lists_every_error_code_once() {
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema()).unwrap();
        let derived: std::collections::BTreeSet<String> =
            schema["enum"].as_array().expect("an enum schema").iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let listed: Vec<String> = ErrorCode::ALL.iter().map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_string()).collect();
        let listed_set: std::collections::BTreeSet<String> = listed.iter().cloned().collect();
        assert_eq!(listed.len(), listed_set.len(), "a code is listed twice in ErrorCode::ALL");
        assert_eq!(listed_set, derived, "ErrorCode::ALL and the enum differ");
    }

    /// docs/ARCHITECTURE.md's error table names every code with its status, and nothing else.
    #[test]
    fn the_documented_error_table_is_the_enum() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ARCHITECTURE.md")).unwrap();
        let table: Vec<&str> = doc
            .lines()
            .skip_while(|l| !l.starts_with("| AppError / rejection | status | code |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let mut documented = std::collections::BTreeMap::new();
        for row in &table {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let statuses: Vec<&str> = cells[2].split(" / ").collect();
            let codes: Vec<&str> = cells[3]
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|c| !c.contains(' ') && !c.contains('-') && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
                .collect();
            for (i, code) in
                codes.iter().enumerate().filter(|(_, c)| !["current_revision", "state", "limit", "max", "fields", "retry_after_seconds"].contains(c))
            {
                documented.insert(code.to_string(), statuses.get(i).or(statuses.first()).unwrap().to_string());
            }
        }
        for code in ErrorCode::ALL {
            let name = serde_json::to_value(code).unwrap().as_str().unwrap().to_string();
            let status = documented.remove(&name).unwrap_or_else(|| panic!("`{name}` is not in the error table"));
            if code != ErrorCode::Rejected {
                assert_eq!(status, code.status().as_u16().to_string(), "`{name}`");
            }
        }
        assert!(documented.is_empty(), "documented but not answered: {documented:?}");
    }
}
