//! Runs and monitoring (PRODUCT.md §6, §10 *runs*): start a run on a site, the run history,
//! cancel, a run's logs (filtered, paginated, downloadable as NDJSON or plain text), its raw
//! stdout / stderr, its output rows, and logs across a connector's runs.

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::{idempotency_key, ApiJson, ApiQuery, Auth, ConnectorPath, RunPath, SitePath};
use crate::routes::{list_schema, Items};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use devportal_app::runs::{LogFilters, LogPage, RunFilters, RunView, StartRun};
use devportal_domain::ids::ConnectorId;
use devportal_domain::run::{OutputRow, StdioLine};
use devportal_domain::version::VersionSelector;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// `POST /sites/{site}/runs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRunBody {
    #[schema(value_type = String, format = Uuid)]
    pub connector_id: ConnectorId,
    /// A version number, `latest` or `main`; the version synced to the site.
    #[schema(value_type = Object)]
    pub version: Value,
    /// The end-user form's values by key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// Authentication credential fields by name.
    #[serde(default)]
    pub auth: BTreeMap<String, String>,
    /// Input rows for a test run on a dev site.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub test_input: Option<Vec<Value>>,
}

/// The header the portal's web UI sends, so runs it starts count as started by a person.
pub const UI_CLIENT_HEADER: &str = "x-devportal-client";

#[utoipa::path(post, path = "/sites/{site}/runs", tag = "runs", request_body = StartRunBody,
    params(SitePath, ("Idempotency-Key" = Option<String>, Header, description = "a repeated key answers the original run")),
    responses((status = 202, body = RunView, description = "the run is queued"), (status = 200, body = RunView, description = "the Idempotency-Key was used before"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(s): State<AppState>,
    Auth(p): Auth,
    SitePath { site }: SitePath,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartRunBody>,
) -> ApiResult<(StatusCode, Json<RunView>)> {
    let version = match &body.version {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0).map(VersionSelector::Number),
        Value::String(s) => VersionSelector::parse(s),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::new(ErrorCode::ValidationFailed, "`version` must be a version number, `latest` or `main`").field(
            "version",
            "invalid_version",
            "a version number, `latest` or `main`",
        )
    })?;
    let key = idempotency_key(&headers)?;
    let from_ui = headers.get(UI_CLIENT_HEADER).is_some_and(|v| v == "web");
    let input = StartRun { connector_id: body.connector_id, version, values: body.values, auth: body.auth, test_input: body.test_input, from_ui };
    let (run, replayed) = s.app.start_run(&p, &site, input, key.as_deref()).await?;
    Ok((if replayed { StatusCode::OK } else { StatusCode::ACCEPTED }, Json(run)))
}

/// Filters of `GET /runs`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    connector_id: Option<String>,
    version: Option<u32>,
    site_id: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed`, `cancelled` or `timed-out`.
    status: Option<String>,
    process_id: Option<String>,
    /// RFC 3339: runs created at or after.
    from: Option<String>,
    /// RFC 3339: runs created before.
    to: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

list_schema!(
    /// A page of runs, newest first.
    RunPage of RunView
);

#[utoipa::path(get, path = "/runs", operation_id = "list_runs", tag = "runs", params(RunListQuery),
    responses((status = 200, body = RunPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<RunListQuery>) -> ApiResult<Json<Items<RunView>>> {
    let filters = RunFilters {
        connector_id: q.connector_id.as_deref(),
        version: q.version,
        site_id: q.site_id.as_deref(),
        status: q.status.as_deref(),
        process_id: q.process_id.as_deref(),
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        limit: q.limit,
        cursor: q.cursor.as_deref(),
    };
    let page = s.app.runs(&p, filters).await?;
    Ok(Json(page.into()))
}

#[utoipa::path(get, path = "/runs/{id}", operation_id = "get_run", tag = "runs", params(RunPath),
    responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, RunPath { id }: RunPath) -> ApiResult<Json<RunView>> {
    let run = s.app.run(&p, id).await?;
    Ok(Json(RunView::of(&run, chrono::Utc::now())))
}

#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "runs", params(RunPath),
    responses((status = 200, body = RunView, description = "the stop was requested (a queued run is cancelled at once)"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(State(s): State<AppState>, Auth(p): Auth, RunPath { id }: RunPath) -> ApiResult<Json<RunView>> {
    Ok(Json(s.app.cancel_run(&p, id).await?))
}

/// Filters of a log read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQueryParams {
    /// Keep this level and worse: 0…7, `success` or `report` (e.g. `3` = error and worse).
    min_level: Option<String>,
    /// Text the message contains (case-insensitive).
    q: Option<String>,
    /// RFC 3339: entries at or after.
    from: Option<String>,
    /// RFC 3339: entries before.
    to: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    /// Connector-wide logs only: one version.
    version: Option<u32>,
}

impl LogQueryParams {
    fn filters(&self) -> LogFilters<'_> {
        LogFilters {
            min_level: self.min_level.as_deref(),
            q: self.q.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            limit: self.limit,
            cursor: self.cursor.as_deref(),
            version: self.version,
        }
    }
}

#[utoipa::path(get, path = "/runs/{id}/logs", tag = "runs", params(RunPath, LogQueryParams),
    responses((status = 200, body = LogPage, description = "a page (JSON); with `Accept: application/x-ndjson` or `text/plain` every matching entry as a download",
            content((LogPage = "application/json"), (String = "application/x-ndjson"), (String = "text/plain"))),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn logs(
    State(s): State<AppState>,
    Auth(p): Auth,
    RunPath { id }: RunPath,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LogQueryParams>,
) -> ApiResult<Response> {
    if q.version.is_some() {
        return Err(ApiError::new(ErrorCode::ValidationFailed, "`version` filters connector-wide logs only").field(
            "version",
            "not_applicable",
            "not a filter of one run's logs",
        ));
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let download = if accept.contains("application/x-ndjson") {
        Some("application/x-ndjson")
    } else if accept.contains("text/plain") {
        Some("text/plain")
    } else {
        None
    };
    let Some(kind) = download else {
        return Ok(Json(s.app.run_logs(&p, id, q.filters()).await?).into_response());
    };
    let entries = s.app.run_logs_all(&p, id, q.filters()).await?;
    let mut text = String::new();
    for e in &entries {
        if kind == "text/plain" {
            let context = if e.context.as_object().is_some_and(|c| !c.is_empty()) { format!(" {}", e.context) } else { String::new() };
            text.push_str(&format!(
                "{} [{}] {}{}\n",
                e.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                e.level.name(),
                e.message,
                context
            ));
        } else {
            text.push_str(&serde_json::to_string(e).unwrap_or_default());
            text.push('\n');
        }
    }
    let ext = if kind == "text/plain" { "log" } else { "ndjson" };
    let mut response = text.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(if kind == "text/plain" { "text/plain; charset=utf-8" } else { "application/x-ndjson" }));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"run-{id}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[utoipa::path(get, path = "/connectors/{id}/logs", tag = "runs", params(ConnectorPath, LogQueryParams),
    responses((status = 200, body = LogPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn connector_logs(
    State(s): State<AppState>,
    Auth(p): Auth,
    ConnectorPath { id }: ConnectorPath,
    ApiQuery(q): ApiQuery<LogQueryParams>,
) -> ApiResult<Json<LogPage>> {
    Ok(Json(s.app.connector_logs(&p, id, q.filters()).await?))
}

/// `GET /runs/{id}/stdio`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StdioQuery {
    /// `stdout` or `stderr`; both when absent.
    stream: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

list_schema!(
    /// Raw output lines, oldest first.
    StdioPage of StdioLine
);

#[utoipa::path(get, path = "/runs/{id}/stdio", tag = "runs", params(RunPath, StdioQuery),
    responses((status = 200, body = StdioPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stdio(
    State(s): State<AppState>,
    Auth(p): Auth,
    RunPath { id }: RunPath,
    ApiQuery(q): ApiQuery<StdioQuery>,
) -> ApiResult<Json<Items<StdioLine>>> {
    let page = s.app.run_stdio(&p, id, q.stream.as_deref(), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(page.into()))
}

/// `GET /runs/{id}/output`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

list_schema!(
    /// Output rows, flattened, oldest first.
    OutputPage of OutputRow
);

#[utoipa::path(get, path = "/runs/{id}/output", tag = "runs", params(RunPath, PageQuery),
    responses((status = 200, body = OutputPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn output(
    State(s): State<AppState>,
    Auth(p): Auth,
    RunPath { id }: RunPath,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Items<OutputRow>>> {
    let page = s.app.run_output(&p, id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(page.into()))
}
