//! The vault (PRODUCT.md §8): `PUT /vault/{path}` stores an organization's secret fields,
//! `GET /vault` lists paths and field names (never values), `DELETE /vault/{path}`.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, VaultPath};
use crate::routes::{list_schema, Items};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use devportal_app::vault::VaultEntryView;
use devportal_domain::ids::OrgId;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// `PUT /vault/{path}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultBody {
    /// Field name → value (write-only).
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Which organization's vault (needed when the caller belongs to several).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    #[param(value_type = Option<String>, format = Uuid)]
    org_id: Option<OrgId>,
}

list_schema!(
    /// Vault paths with their field names.
    VaultList of VaultEntryView
);

#[utoipa::path(put, path = "/vault/{path}", tag = "vault", request_body = VaultBody,
    params(VaultPath, OrgQuery),
    responses((status = 200, body = VaultEntryView, description = "stored; values are never answered"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(s): State<AppState>,
    Auth(p): Auth,
    VaultPath { path }: VaultPath,
    ApiQuery(q): ApiQuery<OrgQuery>,
    ApiJson(body): ApiJson<VaultBody>,
) -> ApiResult<Json<VaultEntryView>> {
    Ok(Json(s.app.put_vault(&p, q.org_id, &path, body.fields).await?))
}

#[utoipa::path(get, path = "/vault", operation_id = "list_vault", tag = "vault", params(OrgQuery), responses((status = 200, body = VaultList), (status = 404, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<OrgQuery>) -> ApiResult<Json<Items<VaultEntryView>>> {
    Ok(Json(Items::all(s.app.list_vault(&p, q.org_id).await?)))
}

#[utoipa::path(delete, path = "/vault/{path}", tag = "vault", params(VaultPath, OrgQuery),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    Auth(p): Auth,
    VaultPath { path }: VaultPath,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> ApiResult<StatusCode> {
    s.app.delete_vault(&p, q.org_id, &path).await?;
    Ok(StatusCode::NO_CONTENT)
}
