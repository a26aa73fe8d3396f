//! Versions (add, delete, releases, rollback), the bin, duplicate and the logo.

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::{idempotency_key, ApiJson, ApiQuery, Auth, ConnectorPath, CreateKey, LimitedBytes, VersionPath};
use crate::routes::{created_or_replayed, list_schema, Items, StoredItems};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use devportal_app::connectors::ListConnectors;
use devportal_app::lifecycle::ReleaseView;
use devportal_app::views::{JobView, VersionView};
use devportal_domain::connector::Connector;
use devportal_domain::pipeline::JobParams;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[utoipa::path(post, path = "/connectors/{id}/versions", tag = "versions",
    params(ConnectorPath, ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = VersionView, description = "a copy of the newest version's configuration, state `updated`"), (status = 200, body = VersionView, description = "the Idempotency-Key was used before: what that request made"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_version(
    State(s): State<AppState>,
    Auth(p): Auth,
    ConnectorPath { id }: ConnectorPath,
    CreateKey(key): CreateKey,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let (version, created) = s.app.add_version(&p, id, key.as_ref()).await?;
    let connector = s.app.connector(&p, id).await?;
    Ok((created_or_replayed(created), Json(VersionView::new(&connector, &version))))
}

#[utoipa::path(delete, path = "/connectors/{id}/versions/{v}", tag = "versions",
    params(VersionPath),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "used in production, or the last version")))]
pub async fn delete_version(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<StatusCode> {
    s.app.delete_version(&p, id, v).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/connectors/{id}/versions/{v}/releases", tag = "versions",
    params(VersionPath),
    responses((status = 200, body = ReleaseList), (status = 404, body = ErrorBody)))]
pub async fn releases(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<Json<Items<ReleaseView>>> {
    Ok(Json(Items::all(s.app.releases(&p, id, v).await?)))
}

/// `POST …/{v}/rollback`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    /// An earlier production release of this version (see `…/releases`).
    pub release_id: String,
    /// Why, for the history.
    pub reason: String,
}

#[utoipa::path(post, path = "/connectors/{id}/versions/{v}/rollback", tag = "versions", request_body = RollbackBody,
    params(VersionPath, ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = JobView, description = "production switches back when the job is done"), (status = 200, body = JobView),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rollback(
    State(s): State<AppState>,
    Auth(p): Auth,
    VersionPath { id, v }: VersionPath,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RollbackBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let key = idempotency_key(&headers)?;
    let (job, created) = s.app.start_stage(&p, id, v, JobParams::Rollback { release_id: b.release_id, reason: b.reason }, key.as_deref()).await?;
    Ok((if created { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(s.app.public_job(job))))
}

#[utoipa::path(delete, path = "/connectors/{id}", tag = "bin", params(ConnectorPath),
    responses((status = 200, body = Connector, description = "moved to the bin"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a version is used in production")))]
pub async fn bin_connector(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<Json<Connector>> {
    Ok(Json(s.app.bin_connector(&p, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BinQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/bin", tag = "bin", params(BinQuery),
    responses((status = 200, body = crate::routes::connectors::ConnectorPage, description = "binned connectors, with `binned_at` and `binned_by`")))]
pub async fn list_bin(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<BinQuery>) -> ApiResult<StoredItems<Connector>> {
    let page = s.app.list_bin(&p, ListConnectors { limit: q.limit, cursor: q.cursor, ..Default::default() }).await?;
    Ok(StoredItems(page))
}

#[utoipa::path(post, path = "/bin/{id}/restore", tag = "bin", params(ConnectorPath),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody)))]
pub async fn restore(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<Json<Connector>> {
    Ok(Json(s.app.restore_connector(&p, id).await?))
}

#[utoipa::path(delete, path = "/bin/{id}", tag = "bin", params(ConnectorPath),
    responses((status = 204, description = "deleted with everything it owned"),
        (status = 403, body = ErrorBody, description = "only admins of the owning organization delete permanently"), (status = 404, body = ErrorBody)))]
pub async fn delete_permanently(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<StatusCode> {
    s.app.delete_permanently(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/connectors/{id}/copy", tag = "connectors", params(ConnectorPath, ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = Connector, description = "\"<name> - Copy\", without Git credentials, version 1 `created`"), (status = 200, body = Connector, description = "the Idempotency-Key was used before: what that request made"),
        (status = 404, body = ErrorBody)))]
pub async fn duplicate(
    State(s): State<AppState>,
    Auth(p): Auth,
    ConnectorPath { id }: ConnectorPath,
    CreateKey(key): CreateKey,
) -> ApiResult<impl IntoResponse> {
    let (copy, created) = s.app.duplicate_connector(&p, id, key.as_ref()).await?;
    let location = format!("/api/v1/connectors/{}", copy.id);
    Ok((created_or_replayed(created), [(header::LOCATION, location)], Json(copy)))
}

#[utoipa::path(put, path = "/connectors/{id}/logo", tag = "connectors", params(ConnectorPath),
    request_body(content = String, content_type = "image/svg+xml", description = "an SVG image, at most 64 KiB; scripts, event handlers, external references and foreignObject are removed"),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_logo(
    State(s): State<AppState>,
    Auth(p): Auth,
    ConnectorPath { id }: ConnectorPath,
    headers: HeaderMap,
    LimitedBytes(body): LimitedBytes,
) -> ApiResult<Json<Connector>> {
    let is_svg = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("image/svg+xml"));
    if !is_svg {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "the logo must be sent as `Content-Type: image/svg+xml`"));
    }
    Ok(Json(s.app.set_logo(&p, id, &body).await?))
}

#[utoipa::path(get, path = "/connectors/{id}/logo", tag = "connectors", params(ConnectorPath),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody)))]
pub async fn get_logo(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<Response> {
    let svg = s.app.logo(&p, id).await?;
    let mut res = svg.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    // Even a sanitised SVG is served so that nothing in it could run or load.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(res)
}

list_schema!(ReleaseList of ReleaseView);
