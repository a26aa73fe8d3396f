//! `/me`, `/tokens`, `/users`, `/organizations`: who is calling and what they belong to.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, PathParams};
use crate::routes::Items;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use devportal_app::views::{MeView, OrganizationView, TokenView};
use devportal_domain::identity::{Membership, Role, User};
use devportal_domain::ids::{OrgId, TokenId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<MeView>> {
    Ok(Json(s.app.me(&p).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenBody {
    /// A label, e.g. `ci`. Default `automation`.
    pub name: Option<String>,
}

/// The one answer that shows a token's secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: TokenId,
    /// The bearer token. Shown once; only its hash is stored.
    pub token: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "identity", request_body = CreateTokenBody,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<CreateTokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (view, secret) = s.app.create_token(&p, body.name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id: view.id, token: secret.expose().to_string(), name: view.name, created_at: view.created_at })))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "identity",
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<TokenView>>> {
    Ok(Json(Items::all(s.app.list_tokens(&p).await?)))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "identity",
    params(("id" = String, Path, description = "token id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<StatusCode> {
    let id: TokenId = params.uuid("id", "a token")?;
    s.app.revoke_token(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// The user's first token, shown once.
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "identity", request_body = CreateUserBody,
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let (user, secret) = s.app.create_user(&p, &body.email, &body.name).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, token: secret.expose().to_string() })))
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "identity",
    responses((status = 200, body = OrganizationList), (status = 401, body = ErrorBody)))]
pub async fn list_organizations(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<OrganizationView>>> {
    Ok(Json(Items::all(s.app.organizations(&p).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationBody {
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/organizations", tag = "identity", request_body = CreateOrganizationBody,
    responses((status = 201, body = OrganizationView), (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<CreateOrganizationBody>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_organization(&p, &body.name).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberBody {
    pub email: String,
    /// Default `member`.
    pub role: Option<Role>,
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", tag = "identity", request_body = AddMemberBody,
    params(("id" = String, Path, description = "organization id")),
    responses((status = 201, body = Membership), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    params: PathParams,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> ApiResult<(StatusCode, Json<Membership>)> {
    let org: OrgId = params.uuid("id", "an organization")?;
    Ok((StatusCode::CREATED, Json(s.app.add_member(&p, org, &body.email, body.role).await?)))
}

/// Schema names of the list answers.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenList {
    items: Vec<TokenView>,
    next_cursor: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OrganizationList {
    items: Vec<OrganizationView>,
    next_cursor: Option<String>,
}
