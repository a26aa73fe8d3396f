//! The run API (PRODUCT.md §8) under `/run-api/v1`: what a running connector calls with its
//! own `CDE_RUN_TOKEN` — append log entries and output rows, read its input, report
//! progress. A run token reaches only its run and only while it runs; user tokens are refused.
//! A refused call (malformed, oversized, a bad level) answers a clear error and is recorded
//! in the run's own log at level 3.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header::AUTHORIZATION, StatusCode};
use axum::Json;
use devportal_app::runs::RunApiCall;
use devportal_domain::run::{limits, Run};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The run a request's `Authorization: Bearer <CDE_RUN_TOKEN>` belongs to, while it runs.
pub struct RunAuth(pub Run);

impl FromRequestParts<AppState> for RunAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 512);
        let run = state.app.run_for_token(bearer).await.map_err(|e| match e {
            devportal_app::AppError::Unauthenticated => {
                ApiError::new(ErrorCode::Unauthenticated, "send the run's token as `Authorization: Bearer $CDE_RUN_TOKEN`")
            }
            other => other.into(),
        })?;
        crate::access_log::record_on_request("run_id", &tracing::field::display(run.id));
        Ok(RunAuth(run))
    }
}

/// The body of a call, at most the run API's limit; an oversized one is refused and recorded.
async fn body_bytes(s: &AppState, run: &Run, call: RunApiCall, body: Body) -> ApiResult<axum::body::Bytes> {
    match axum::body::to_bytes(body, limits::MAX_BODY_BYTES).await {
        Ok(b) => Ok(b),
        Err(_) => {
            let message = format!("the body is larger than the run API's limit of {} bytes", limits::MAX_BODY_BYTES);
            s.app.record_run_api_error(run, call, &message).await;
            Err(ApiError::new(ErrorCode::PayloadTooLarge, message).field("body", "too_large", "at most 1 MiB per call"))
        }
    }
}

/// `{"accepted": n}`.
#[derive(Debug, Serialize)]
pub struct Accepted {
    accepted: usize,
}

pub async fn logs(State(s): State<AppState>, RunAuth(run): RunAuth, body: Body) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let bytes = body_bytes(&s, &run, RunApiCall::Logs, body).await?;
    let accepted = s.app.run_api_logs(&run, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted })))
}

pub async fn output(State(s): State<AppState>, RunAuth(run): RunAuth, body: Body) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let bytes = body_bytes(&s, &run, RunApiCall::Output, body).await?;
    let accepted = s.app.run_api_output(&run, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted })))
}

pub async fn progress(State(s): State<AppState>, RunAuth(run): RunAuth, body: Body) -> ApiResult<(StatusCode, Json<Value>)> {
    let bytes = body_bytes(&s, &run, RunApiCall::Progress, body).await?;
    s.app.run_api_progress(&run, &bytes).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"accepted": 1}))))
}

/// `GET /input`.
#[derive(Debug, Default, Deserialize)]
pub struct InputQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// Input rows, `{"items": [...], "next_cursor": …}`.
#[derive(Debug, Serialize)]
pub struct InputPage {
    items: Vec<Map<String, Value>>,
    next_cursor: Option<String>,
}

pub async fn input(State(s): State<AppState>, RunAuth(run): RunAuth, query: axum::extract::RawQuery) -> ApiResult<Json<InputPage>> {
    let q: InputQuery = serde_urlencoded::from_str(query.0.as_deref().unwrap_or("")).unwrap_or_default();
    let limit = match q.limit.as_deref().map(str::parse::<u32>) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(_)) => {
            s.app.record_run_api_error(&run, RunApiCall::Input, "limit: must be a whole number").await;
            return Err(ApiError::new(ErrorCode::ValidationFailed, "`limit` must be a whole number").field("limit", "invalid", "a whole number"));
        }
    };
    let page = s.app.run_api_input(&run, limit, q.cursor.as_deref()).await?;
    Ok(Json(InputPage { items: page.items, next_cursor: page.next_cursor }))
}
