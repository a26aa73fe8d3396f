//! `/connectors` and `/connectors/{id}/versions`: create, list, read, edit details, versions.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{revision, ApiJson, ApiQuery, Auth, ConnectorPath, KeyedJson, VersionPath};
use crate::routes::{created_or_replayed, list_schema, Items, Stored, StoredItems};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use devportal_app::connectors::{CreateConnector, ListConnectors};
use devportal_app::views::VersionView;
use devportal_domain::connector::{Connector, ConnectorDetailsPatch, ConnectorType, ExecutionMode, Flow};
use devportal_domain::ids::OrgId;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectorBody {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub connector_type: Option<ConnectorType>,
    pub description: Option<String>,
    /// Markdown shown to end-users.
    pub readme: Option<String>,
    /// Default `default`. Locked after creation.
    pub flow: Option<Flow>,
    /// Default `env`. Locked after creation.
    pub execution_mode: Option<ExecutionMode>,
    /// Default: your organization, if you have exactly one. Locked after creation.
    pub owner: Option<OrgId>,
}

#[utoipa::path(post, path = "/connectors", tag = "connectors", request_body = CreateConnectorBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = Connector, description = "created with version 1 in state `created`"), (status = 200, body = Connector, description = "the Idempotency-Key was used before: what that request made"),
        (status = 400, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(s): State<AppState>, Auth(p): Auth, request: KeyedJson<CreateConnectorBody>) -> ApiResult<impl IntoResponse> {
    let b = request.body;
    let input = CreateConnector {
        name: b.name,
        connector_type: b.connector_type,
        description: b.description,
        readme: b.readme,
        flow: b.flow,
        execution_mode: b.execution_mode,
        owner: b.owner,
    };
    let (connector, created) = s.app.create_connector(&p, input, request.key.as_ref()).await?;
    let location = format!("/api/v1/connectors/{}", connector.id);
    Ok((created_or_replayed(created), [(header::LOCATION, location)], Json(connector)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Case-insensitive part of the name.
    pub name: Option<String>,
    #[serde(rename = "type")]
    #[param(value_type = Option<ConnectorType>)]
    pub connector_type: Option<ConnectorType>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub owner: Option<OrgId>,
    pub released: Option<bool>,
    /// 1–200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/connectors", tag = "connectors", params(ListQuery),
    responses((status = 200, body = ConnectorPage), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<StoredItems<Connector>> {
    let page = s
        .app
        .list_connectors(
            &p,
            ListConnectors {
                name: q.name,
                connector_type: q.connector_type,
                owner: q.owner,
                released: q.released,
                limit: q.limit,
                cursor: q.cursor,
                binned: false,
            },
        )
        .await?;
    Ok(StoredItems(page))
}

#[utoipa::path(get, path = "/connectors/{id}", tag = "connectors",
    params(ConnectorPath),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<Stored<Connector>> {
    Ok(Stored(s.app.connector_json(&p, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditConnectorBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub readme: Option<String>,
    /// The revision read; may instead be sent as `If-Match`.
    pub revision: Option<u64>,
    /// Choose the main version (one released to production).
    pub main_version: Option<u32>,
    /// Locked: refused with 422.
    #[serde(rename = "type")]
    #[schema(value_type = Option<Object>)]
    pub connector_type: Option<serde_json::Value>,
    /// Locked: refused with 422.
    #[schema(value_type = Option<Object>)]
    pub flow: Option<serde_json::Value>,
    /// Locked: refused with 422.
    #[schema(value_type = Option<Object>)]
    pub execution_mode: Option<serde_json::Value>,
    /// Locked: refused with 422.
    #[schema(value_type = Option<Object>)]
    pub owner: Option<serde_json::Value>,
}

#[utoipa::path(patch, path = "/connectors/{id}", tag = "connectors", request_body = EditConnectorBody,
    params(ConnectorPath, ("If-Match" = Option<String>, Header, description = "the revision read")),
    responses((status = 200, body = Connector), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(s): State<AppState>,
    Auth(p): Auth,
    ConnectorPath { id }: ConnectorPath,
    headers: HeaderMap,
    ApiJson(b): ApiJson<EditConnectorBody>,
) -> ApiResult<Json<Connector>> {
    let locked: Vec<&str> = [
        ("type", b.connector_type.is_some()),
        ("flow", b.flow.is_some()),
        ("execution_mode", b.execution_mode.is_some()),
        ("owner", b.owner.is_some()),
    ]
    .into_iter()
    .filter_map(|(f, present)| present.then_some(f))
    .collect();
    let patch = ConnectorDetailsPatch::parse(b.name.as_deref(), b.description.as_deref(), b.readme.as_deref(), &locked)
        .map_err(devportal_app::AppError::from)?;
    let revision = revision(b.revision, &headers)?;
    if let Some(main) = b.main_version {
        let Some(rev) = revision else {
            return Err(devportal_app::AppError::from(devportal_domain::ValidationErrors::single(
                "revision",
                "required",
                "send the connector's `revision`",
            ))
            .into());
        };
        let connector = s.app.set_main_version(&p, id, main, rev).await?;
        if patch.is_empty() {
            return Ok(Json(connector));
        }
        return Ok(Json(s.app.edit_connector(&p, id, patch, Some(connector.revision)).await?));
    }
    Ok(Json(s.app.edit_connector(&p, id, patch, revision).await?))
}

#[utoipa::path(get, path = "/connectors/{id}/versions", tag = "versions",
    params(ConnectorPath),
    responses((status = 200, body = VersionList), (status = 404, body = ErrorBody)))]
pub async fn list_versions(State(s): State<AppState>, Auth(p): Auth, ConnectorPath { id }: ConnectorPath) -> ApiResult<Json<Items<VersionView>>> {
    let (connector, versions) = s.app.list_versions(&p, id).await?;
    Ok(Json(Items::all(versions.iter().map(|v| VersionView::new(&connector, v)).collect())))
}

#[utoipa::path(get, path = "/connectors/{id}/versions/{v}", tag = "versions",
    params(VersionPath),
    responses((status = 200, body = VersionView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_version(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<Json<VersionView>> {
    Ok(Json(s.app.version_view(&p, id, v).await?))
}

list_schema!(ConnectorPage of Connector);

list_schema!(VersionList of VersionView);
