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

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated for clients that only see the body.
    pub status: u16,
    /// Stable machine code, e.g. `validation_failed`, `stale_revision`, `not_found`.
    pub code: &'static str,
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
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                status: status.as_u16(),
                code,
                message: message.into(),
                fields: vec![],
                current_revision: None,
                state: None,
            },
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

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
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
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message).with_fields(v.fields)
            }
            AppError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send a valid token as `Authorization: Bearer <token>`",
            ),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::StaleRevision { current_revision } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "stale_revision",
                    format!("the resource changed since you read it: the current revision is {current_revision}"),
                );
                e.body.current_revision = Some(current_revision);
                e
            }
            AppError::TransitionRunning { state, current_revision } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "transition_not_allowed",
                    format!("transition not allowed, version is `{state}`"),
                );
                e.body.current_revision = Some(current_revision);
                e.body.state = Some(state);
                e
            }
            AppError::TransitionNotAllowed { message, state } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "transition_not_allowed", message);
                e.body.state = Some(state);
                e
            }
            AppError::AlreadyExists(m) => ApiError::new(StatusCode::CONFLICT, "already_exists", m),
            AppError::Unavailable { message, retryable } => {
                // The cause goes to the log, never to the client.
                tracing::error!(error = %message, retryable, "dependency failure");
                if retryable {
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the portal is busy; try again shortly")
                } else {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the portal failed to complete the request")
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, Json(self.body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
