//! Versions (add, delete, releases, rollback), the bin, duplicate and the logo.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{idempotency_key, ApiJson, ApiQuery, Auth, PathParams};
use crate::routes::Items;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use devportal_app::connectors::ListConnectors;
use devportal_app::lifecycle::ReleaseView;
use devportal_app::views::VersionView;
use devportal_domain::connector::Connector;
use devportal_domain::pipeline::{Job, JobParams};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[utoipa::path(post, path = "/api/v1/connectors/{id}/versions", tag = "versions",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = VersionView, description = "a copy of the newest version's configuration, state `updated`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_version(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<(StatusCode, Json<VersionView>)> {
    let id = params.connector()?;
    let version = s.app.add_version(&p, id).await?;
    let connector = s.app.connector(&p, id).await?;
    Ok((StatusCode::CREATED, Json(VersionView::new(&connector, &version))))
}

#[utoipa::path(delete, path = "/api/v1/connectors/{id}/versions/{v}", tag = "versions",
    params(("id" = String, Path, format = Uuid), ("v" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "used in production, or the last version")))]
pub async fn delete_version(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<StatusCode> {
    let id = params.connector()?;
    let v = params.version()?;
    s.app.delete_version(&p, id, v).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/versions/{v}/releases", tag = "versions",
    params(("id" = String, Path, format = Uuid), ("v" = String, Path)),
    responses((status = 200, body = ReleaseList), (status = 404, body = ErrorBody)))]
pub async fn releases(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Items<ReleaseView>>> {
    let id = params.connector()?;
    let v = params.version()?;
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

#[utoipa::path(post, path = "/api/v1/connectors/{id}/versions/{v}/rollback", tag = "versions", request_body = RollbackBody,
    params(("id" = String, Path, format = Uuid), ("v" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = Job, description = "production switches back when the job is done"), (status = 200, body = Job),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rollback(
    State(s): State<AppState>,
    Auth(p): Auth,
    params: PathParams,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RollbackBody>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let id = params.connector()?;
    let v = params.version()?;
    let key = idempotency_key(&headers)?;
    let (job, created) = s.app.start_stage(&p, id, v, JobParams::Rollback { release_id: b.release_id, reason: b.reason }, key.as_deref()).await?;
    Ok((if created { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(job)))
}

#[utoipa::path(delete, path = "/api/v1/connectors/{id}", tag = "bin", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Connector, description = "moved to the bin"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a version is used in production")))]
pub async fn bin_connector(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Connector>> {
    Ok(Json(s.app.bin_connector(&p, params.connector()?).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BinQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/bin", tag = "bin", params(BinQuery),
    responses((status = 200, body = crate::routes::connectors::ConnectorPage, description = "binned connectors, with `binned_at` and `binned_by`")))]
pub async fn list_bin(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<BinQuery>) -> ApiResult<Json<Items<Connector>>> {
    let page = s.app.list_bin(&p, ListConnectors { limit: q.limit, cursor: q.cursor, ..Default::default() }).await?;
    Ok(Json(Items { items: page.items, next_cursor: page.next_cursor }))
}

#[utoipa::path(post, path = "/api/v1/bin/{id}/restore", tag = "bin", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody)))]
pub async fn restore(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Connector>> {
    let id = params.uuid("id", "a connector")?;
    Ok(Json(s.app.restore_connector(&p, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/bin/{id}", tag = "bin", params(("id" = String, Path, format = Uuid)),
    responses((status = 204, description = "deleted with everything it owned"), (status = 404, body = ErrorBody)))]
pub async fn delete_permanently(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<StatusCode> {
    let id = params.uuid("id", "a connector")?;
    s.app.delete_permanently(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/connectors/{id}/copy", tag = "connectors", params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = Connector, description = "\"<name> - Copy\", without Git credentials, version 1 `created`"),
        (status = 404, body = ErrorBody)))]
pub async fn duplicate(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<impl IntoResponse> {
    let copy = s.app.duplicate_connector(&p, params.connector()?).await?;
    let location = format!("/api/v1/connectors/{}", copy.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(copy)))
}

#[utoipa::path(put, path = "/api/v1/connectors/{id}/logo", tag = "connectors", params(("id" = String, Path, format = Uuid)),
    request_body(content = String, content_type = "image/svg+xml", description = "an SVG image, at most 64 KiB; scripts, event handlers, external references and foreignObject are removed"),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_logo(State(s): State<AppState>, Auth(p): Auth, params: PathParams, headers: HeaderMap, body: Bytes) -> ApiResult<Json<Connector>> {
    let id = params.connector()?;
    let is_svg = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("image/svg+xml"));
    if !is_svg {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "the logo must be sent as `Content-Type: image/svg+xml`"));
    }
    Ok(Json(s.app.set_logo(&p, id, &body).await?))
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/logo", tag = "connectors", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody)))]
pub async fn get_logo(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Response> {
    let svg = s.app.logo(&p, params.connector()?).await?;
    let mut res = svg.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    // Even a sanitised SVG is served so that nothing in it could run or load.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(res)
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReleaseList {
    items: Vec<ReleaseView>,
    next_cursor: Option<String>,
}
