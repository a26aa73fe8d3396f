//! Request extractors that turn every kind of bad input into an [`ApiError`] naming the
//! field or parameter and the rule, instead of axum's plain-text rejections.

use crate::access_log::record_on_request;
use crate::error::{ApiError, ErrorCode};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use axum::http::Method;
use devportal_app::idempotency::CreateRequest;
use devportal_domain::idempotency::{fingerprint, IdempotencyKey};
use devportal_domain::identity::{Principal, TokenScope};
use devportal_domain::ids::{ConnectorId, OrgId, RunId, TokenId};
use devportal_domain::pipeline::JobId;
use devportal_domain::version::VersionSelector;
use devportal_domain::wizard::Step;
use devportal_domain::FieldError;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// A JSON body: `application/json` required, size-limited, unknown fields refused by the
/// target types, and errors reported with the JSON path of the offending field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The bytes of a JSON body (content type and size checked), for handlers that choose the
/// target type after looking at the path.
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with `Content-Type: application/json`"));
        }
        let LimitedBytes(bytes) = LimitedBytes::from_request(req, state).await?;
        Ok(JsonBytes(bytes))
    }
}

/// A request body read whole, refused past [`crate::BODY_LIMIT`] (413 `payload_too_large`).
///
/// The limit is applied here, by the extractors that read a body, rather than by axum's
/// `DefaultBodyLimit` layer around the router: that layer marks every request (an extension
/// boxed into its map, which then grows) for the few that have a body to read.
pub struct LimitedBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for LimitedBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT).await.map(LimitedBytes).map_err(|e| {
            let too_large = std::error::Error::source(&e).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if too_large {
                ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than the limit of {} bytes", crate::BODY_LIMIT))
            } else {
                ApiError::new(ErrorCode::UnreadableBody, format!("the body could not be read: {e}"))
            }
        })
    }
}

/// An optional JSON body: an empty body is `None` (triggers may be posted without one);
/// anything else must be JSON of the target type.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty_declared = req.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "0");
        if empty_declared || (!req.headers().contains_key(CONTENT_TYPE) && !req.headers().contains_key(axum::http::header::TRANSFER_ENCODING)) {
            let bytes = LimitedBytes::from_request(req, state).await.map(|LimitedBytes(b)| b).unwrap_or_default();
            if bytes.is_empty() {
                return Ok(OptionalJson(None));
            }
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with `Content-Type: application/json`"));
        }
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        if bytes.is_empty() {
            return Ok(OptionalJson(None));
        }
        parse_json(&bytes).map(|v| OptionalJson(Some(v)))
    }
}

/// The `Idempotency-Key` header, if any, checked (`IdempotencyKey::parse`: 422 naming it).
fn parsed_idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let raw = v.to_str().unwrap_or("\u{fffd}");
            IdempotencyKey::parse(raw).map(Some).map_err(|e| ApiError::from(devportal_app::AppError::from(e)))
        }
    }
}

/// The `Idempotency-Key` header of a trigger, if any.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    Ok(parsed_idempotency_key(headers)?.map(|k| k.as_str().to_string()))
}

/// A create's JSON body with its `Idempotency-Key` (if sent) and the body's fingerprint, so
/// a retry answers what the first request made (`devportal_app::idempotency`).
pub struct KeyedJson<T> {
    pub body: T,
    pub key: Option<CreateRequest>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for KeyedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = parsed_idempotency_key(req.headers())?;
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        let body = parse_json(&bytes)?;
        Ok(KeyedJson { body, key: key.map(|key| CreateRequest { key, fingerprint: fingerprint(&bytes) }) })
    }
}

/// The `Idempotency-Key` of a create that takes no body (a copy, a new version).
pub struct CreateKey(pub Option<CreateRequest>);

impl<S: Send + Sync> FromRequestParts<S> for CreateKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CreateKey(parsed_idempotency_key(&parts.headers)?.map(|key| CreateRequest { key, fingerprint: fingerprint(b"") })))
    }
}

/// Deserialises JSON, mapping syntax errors to 400 and shape errors to 422 with the path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result = match serde_path_to_error::deserialize(&mut *de) {
        // Trailing garbage after the value is malformed JSON too.
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))),
        },
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." { "body".to_string() } else { path };
                    let message = strip_position(&inner.to_string());
                    Err(ApiError::new(ErrorCode::InvalidBody, format!("`{field}`: {message}")).with_fields(vec![FieldError {
                        field,
                        code: "invalid".into(),
                        message,
                    }]))
                }
                _ => Err(ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {}", inner))),
            }
        }
    };
    result
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The address a request came from, for throttling failed authentications: put into the
/// request's extensions by the Lambda `main` (API Gateway's source IP); the local host's
/// `ConnectInfo` is read when it is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

fn client_addr(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ClientAddr>().map(|c| c.0).or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
}

/// The caller, from `Authorization: Bearer <token>`. Here, before any handler runs: an
/// address that failed authentication too often is refused (429), a failure is counted
/// against its address, a read-scoped token may only `GET`, and each request is metered
/// against the caller's and its organizations' rates.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let client = client_addr(parts);
        if let Some(ip) = client {
            state.app.check_auth_throttle(ip)?;
        }
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 512);
        let authenticated = match presented {
            Some(presented) => state.app.authenticate(presented).await,
            None => Err(devportal_app::AppError::Unauthenticated),
        };
        let principal = match authenticated {
            Ok(p) => p,
            Err(e @ (devportal_app::AppError::Unauthenticated | devportal_app::AppError::TokenExpired)) => {
                if let Some(ip) = client {
                    state.app.record_auth_failure(ip);
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        record_on_request("user_id", &tracing::field::display(principal.user().id));
        if principal.scope() == TokenScope::Read && !matches!(parts.method, Method::GET | Method::HEAD) {
            return Err(devportal_app::AppError::InsufficientScope.into());
        }
        state.app.meter_request(&principal)?;
        Ok(Auth(principal))
    }
}

/// The raw path parameters (percent-decoded, not deserialised: no map is built), checked one
/// by one with named errors; read only by the typed path extractors below (handlers take those).
struct PathParams(axum::extract::RawPathParams);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(ErrorCode::InvalidPathParameter, e.body_text()))?;
        Ok(PathParams(params))
    }
}

impl PathParams {
    fn raw(&self, name: &str) -> &str {
        self.0.iter().find(|(key, _)| *key == name).map(|(_, value)| value).unwrap_or("")
    }

    fn uuid<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<T, ApiError> {
        self.raw(name).parse().map_err(|_| {
            ApiError::new(ErrorCode::InvalidPathParameter, format!("`{name}` must be the UUID of {what}")).field(
                name,
                "invalid_uuid",
                format!("`{name}` must be a UUID"),
            )
        })
    }

    fn connector(&self) -> Result<ConnectorId, ApiError> {
        let id: ConnectorId = self.uuid("id", "a connector")?;
        record_on_request("connector_id", &tracing::field::display(id));
        Ok(id)
    }

    fn version(&self) -> Result<VersionSelector, ApiError> {
        let v = VersionSelector::parse(self.raw("v")).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidPathParameter, "`v` must be a version number (1, 2, …), `latest` or `main`").field(
                "v",
                "invalid_version",
                "a version number, `latest` or `main`",
            )
        })?;
        record_on_request("version", &tracing::field::display(v));
        Ok(v)
    }
}

/// `…/connectors/{id}`: the connector a route is about (recorded on the request's span).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ConnectorPath {
    #[param(value_type = String, format = Uuid)]
    pub id: ConnectorId,
}

impl ConnectorPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { id: params.connector()? })
    }
}

/// `…/connectors/{id}/versions/{v}`: a connector and one of its versions.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    #[param(value_type = String, format = Uuid)]
    pub id: ConnectorId,
    /// A version number, `latest` or `main`.
    #[param(value_type = String)]
    pub v: VersionSelector,
}

impl VersionPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { id: params.connector()?, v: params.version()? })
    }
}

/// `…/jobs/{job}`: a job (recorded on the request's span).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct JobPath {
    #[param(value_type = String, format = Uuid)]
    pub job: JobId,
}

impl JobPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        let job: JobId = params.uuid("job", "a job")?;
        record_on_request("job_id", &tracing::field::display(job));
        Ok(Self { job })
    }
}

/// `…/runs/{id}`: a run (recorded on the request's span).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RunPath {
    #[param(value_type = String, format = Uuid)]
    pub id: RunId,
}

impl RunPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        let id: RunId = params.uuid("id", "a run")?;
        record_on_request("run_id", &tracing::field::display(id));
        Ok(Self { id })
    }
}

/// `…/versions/{v}/steps/{step}`: a wizard step of a version (an unknown step is not found).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct StepPath {
    #[param(value_type = String, format = Uuid)]
    pub id: ConnectorId,
    /// A version number, `latest` or `main`.
    #[param(value_type = String)]
    pub v: VersionSelector,
    /// vcs, application, auth, individual, execution or type-specific.
    #[param(value_type = String)]
    pub step: Step,
}

impl StepPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        let (id, v) = (params.connector()?, params.version()?);
        let raw = params.raw("step");
        let step = Step::parse(raw).filter(|s| *s != Step::Details).ok_or_else(|| {
            ApiError::not_found(format!("unknown wizard step `{raw}`: one of vcs, application, auth, individual, execution, type-specific"))
        })?;
        Ok(Self { id, v, step })
    }
}

/// `/tokens/{id}`: an API token.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The token's id (never its secret).
    #[param(value_type = String, format = Uuid)]
    pub id: TokenId,
}

impl TokenPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { id: params.uuid("id", "a token")? })
    }
}

/// `/organizations/{id}`: an organization.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrgPath {
    #[param(value_type = String, format = Uuid)]
    pub id: OrgId,
}

impl OrgPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { id: params.uuid("id", "an organization")? })
    }
}

/// `/sites/{site}`: a site by its id (checked by the use case, which names the rule).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SitePath {
    /// e.g. `dev-acme` or a production site's id.
    pub site: String,
}

impl SitePath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { site: params.raw("site").to_string() })
    }
}

/// `/vault/{path}`: a vault path (checked by the use case, which names the rule).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VaultPath {
    /// e.g. `shops/acme/api`.
    pub path: String,
}

impl VaultPath {
    fn from_params(params: &PathParams) -> Result<Self, ApiError> {
        Ok(Self { path: params.raw("path").to_string() })
    }
}

/// `FromRequestParts` for each typed path: the raw parameters are read once and handed to
/// the type's `from_params`, which checks them with named errors.
macro_rules! from_path_params {
    ($($path:ident),* $(,)?) => {$(
        impl<S: Send + Sync> FromRequestParts<S> for $path {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                Self::from_params(&PathParams::from_request_parts(parts, state).await?)
            }
        }
    )*};
}

from_path_params!(ConnectorPath, VersionPath, JobPath, RunPath, StepPath, TokenPath, OrgPath, SitePath, VaultPath);

/// Query parameters, with errors naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let field = e.path().to_string();
            let message = e.into_inner().to_string();
            ApiError::new(ErrorCode::InvalidQueryParameter, format!("query parameter `{field}`: {message}")).field(&field, "invalid", message)
        })
    }
}

/// The revision an update is guarded by: `revision` in the body, else `If-Match`.
pub fn revision(body: Option<u64>, parts: &axum::http::HeaderMap) -> Result<Option<u64>, ApiError> {
    if body.is_some() {
        return Ok(body);
    }
    let Some(raw) = parts.get(IF_MATCH) else { return Ok(None) };
    let text = raw.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<u64>().map(Some).map_err(|_| {
        ApiError::new(ErrorCode::InvalidHeader, "`If-Match` must carry the revision number, e.g. `If-Match: \"3\"`").field(
            "If-Match",
            "invalid_revision",
            "a revision number",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    async fn read(body: Body) -> Result<Bytes, ErrorCode> {
        LimitedBytes::from_request(Request::new(body), &()).await.map(|LimitedBytes(b)| b).map_err(|e| e.code())
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large_and_one_that_fails_is_unreadable() {
        assert_eq!(read(Body::from(vec![b'x'; crate::BODY_LIMIT])).await.map(|b| b.len()), Ok(crate::BODY_LIMIT));
        assert_eq!(read(Body::from(vec![b'x'; crate::BODY_LIMIT + 1])).await, Err(ErrorCode::PayloadTooLarge));
        // A body that breaks off mid-read (a client gone, say) is not reported as too large.
        let (mut sender, failing) = http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
        tokio::spawn(async move {
            sender.send_data(Bytes::from_static(b"{\"na")).await.ok();
            sender.abort(std::io::Error::other("connection reset"));
        });
        assert_eq!(read(Body::new(failing)).await, Err(ErrorCode::UnreadableBody));
    }
}
