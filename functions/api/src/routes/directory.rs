//! The platform directory and the catalog: `GET /accounts|projects|sites` (what targets and
//! grants refer to), `POST` of the same for platform admins (a deployed stack's directory
//! starts empty), and `GET /catalog` a page at a time.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::routes::{list_schema, Items};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use devportal_app::directory::{CatalogItem, ListCatalog, NewAccount, NewProject, NewSite};
use devportal_domain::pipeline::{Account, Project, Site};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[utoipa::path(get, path = "/accounts", tag = "platform", responses((status = 200, body = AccountList)))]
pub async fn accounts(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Account>>> {
    Ok(Json(Items::all(s.app.visible_directory(&p).await?.accounts)))
}

#[utoipa::path(get, path = "/projects", tag = "platform", responses((status = 200, body = ProjectList)))]
pub async fn projects(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Project>>> {
    Ok(Json(Items::all(s.app.visible_directory(&p).await?.projects)))
}

#[utoipa::path(get, path = "/sites", tag = "platform", responses((status = 200, body = SiteList)))]
pub async fn sites(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Site>>> {
    Ok(Json(Items::all(s.app.visible_directory(&p).await?.sites)))
}

/// `POST /accounts`: a customer account. Ids are the platform's own: 2–63 lowercase letters,
/// digits and hyphens; `dev` and `dev-…` are reserved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub id: String,
    pub name: String,
}

/// `POST /projects`: a customer project of an existing account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProjectBody {
    pub id: String,
    pub account_id: String,
    pub name: String,
}

/// `POST /sites`: a production site of an existing customer project (its account follows).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSiteBody {
    pub id: String,
    pub project_id: String,
    pub name: String,
}

#[utoipa::path(post, path = "/accounts", tag = "platform", request_body = NewAccountBody,
    responses((status = 201, body = Account), (status = 403, body = ErrorBody, description = "not a platform admin"),
        (status = 422, body = ErrorBody, description = "an invalid or taken id, or a blank name")))]
pub async fn add_account(State(s): State<AppState>, Auth(p): Auth, ApiJson(b): ApiJson<NewAccountBody>) -> ApiResult<(StatusCode, Json<Account>)> {
    Ok((StatusCode::CREATED, Json(s.app.add_account(&p, NewAccount { id: b.id, name: b.name }).await?)))
}

#[utoipa::path(post, path = "/projects", tag = "platform", request_body = NewProjectBody,
    responses((status = 201, body = Project), (status = 403, body = ErrorBody, description = "not a platform admin"),
        (status = 422, body = ErrorBody, description = "an invalid or taken id, an unknown account, or a blank name")))]
pub async fn add_project(State(s): State<AppState>, Auth(p): Auth, ApiJson(b): ApiJson<NewProjectBody>) -> ApiResult<(StatusCode, Json<Project>)> {
    Ok((StatusCode::CREATED, Json(s.app.add_project(&p, NewProject { id: b.id, account_id: b.account_id, name: b.name }).await?)))
}

#[utoipa::path(post, path = "/sites", tag = "platform", request_body = NewSiteBody,
    responses((status = 201, body = Site), (status = 403, body = ErrorBody, description = "not a platform admin"),
        (status = 422, body = ErrorBody, description = "an invalid or taken id, an unknown project, or a blank name")))]
pub async fn add_site(State(s): State<AppState>, Auth(p): Auth, ApiJson(b): ApiJson<NewSiteBody>) -> ApiResult<(StatusCode, Json<Site>)> {
    Ok((StatusCode::CREATED, Json(s.app.add_site(&p, NewSite { id: b.id, project_id: b.project_id, name: b.name }).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Exactly one of `account_id`, `project_id` and `site_id` (the first given wins: site,
    /// then project, then account).
    pub account_id: Option<String>,
    pub project_id: Option<String>,
    pub site_id: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/catalog", tag = "catalog", params(CatalogQuery),
    responses((status = 200, body = CatalogList, description = "a page may hold fewer than `limit` items and still have a `next_cursor`"),
        (status = 422, body = ErrorBody)))]
pub async fn catalog(State(s): State<AppState>, Auth(p): Auth, ApiQuery(q): ApiQuery<CatalogQuery>) -> ApiResult<Json<Items<CatalogItem>>> {
    let q = ListCatalog { account_id: q.account_id, project_id: q.project_id, site_id: q.site_id, limit: q.limit, cursor: q.cursor };
    let page = s.app.catalog(&p, q).await?;
    Ok(Json(page.into()))
}

list_schema!(AccountList of Account);
list_schema!(ProjectList of Project);
list_schema!(SiteList of Site);
list_schema!(CatalogList of CatalogItem);
