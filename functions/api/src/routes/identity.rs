//! `/me`, `/tokens`, `/users`, `/organizations`: who is calling and what they belong to.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, KeyedJson, OrgPath, TokenPath};
use crate::routes::{created_or_replayed, list_schema, Items};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use devportal_app::identity::NewToken;
use devportal_app::views::{MeView, OrganizationView, TokenView};
use devportal_domain::identity::{Membership, Role, TokenScope, User};
use devportal_domain::ids::TokenId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[utoipa::path(get, path = "/me", tag = "identity",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<MeView>> {
    Ok(Json(s.app.me(&p).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenBody {
    /// A label, e.g. `ci`. Default `automation`.
    pub name: Option<String>,
    /// `read` (only `GET` requests) or `write` (the default).
    pub scope: Option<TokenScope>,
    /// When the token stops working (RFC 3339, in the future). Or give `expires_in_days`.
    pub expires_at: Option<DateTime<Utc>>,
    /// Days until the token stops working (1–3650). Neither field: it does not expire.
    pub expires_in_days: Option<u32>,
}

/// The one answer that shows a token's secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: TokenId,
    /// The bearer token. Shown once; only its hash is stored, so a retry with the same
    /// `Idempotency-Key` answers the token without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub name: String,
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/tokens", tag = "identity", request_body = CreateTokenBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = CreatedToken), (status = 200, body = CreatedToken, description = "the Idempotency-Key was used before: what that request made"), (status = 403, body = ErrorBody, description = "a read-scoped token (`insufficient_scope`)"),
        (status = 409, body = ErrorBody, description = "`quota_exceeded`: the user holds the most tokens allowed"),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    request: KeyedJson<CreateTokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let body = &request.body;
    let new = NewToken { name: body.name.as_deref(), scope: body.scope, expires_at: body.expires_at, expires_in_days: body.expires_in_days };
    let (view, secret) = s.app.create_token(&p, new, request.key.as_ref()).await?;
    Ok((
        created_or_replayed(secret.is_some()),
        Json(CreatedToken {
            id: view.id,
            token: secret.map(|s| s.expose().to_string()),
            name: view.name,
            scope: view.scope,
            expires_at: view.expires_at,
            created_at: view.created_at,
        }),
    ))
}

#[utoipa::path(get, path = "/tokens", tag = "identity",
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<TokenView>>> {
    Ok(Json(Items::all(s.app.list_tokens(&p).await?)))
}

#[utoipa::path(delete, path = "/tokens/{id}", tag = "identity",
    params(TokenPath),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(s): State<AppState>, Auth(p): Auth, TokenPath { id }: TokenPath) -> ApiResult<StatusCode> {
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
    /// The user's first token, shown once (not in the answer to a retry with the same
    /// `Idempotency-Key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[utoipa::path(post, path = "/users", tag = "identity", request_body = CreateUserBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = CreatedUser), (status = 200, body = CreatedUser, description = "the Idempotency-Key was used before: what that request made"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(State(s): State<AppState>, Auth(p): Auth, request: KeyedJson<CreateUserBody>) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let (user, secret) = s.app.create_user(&p, &request.body.email, &request.body.name, request.key.as_ref()).await?;
    Ok((created_or_replayed(secret.is_some()), Json(CreatedUser { user, token: secret.map(|s| s.expose().to_string()) })))
}

#[utoipa::path(get, path = "/organizations", tag = "identity",
    responses((status = 200, body = OrganizationList), (status = 401, body = ErrorBody)))]
pub async fn list_organizations(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<OrganizationView>>> {
    Ok(Json(Items::all(s.app.organizations(&p).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationBody {
    pub name: String,
}

#[utoipa::path(post, path = "/organizations", tag = "identity", request_body = CreateOrganizationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers 200 with what the first request made; another body: 422 `idempotency_key_reused`")),
    responses((status = 201, body = OrganizationView), (status = 200, body = OrganizationView, description = "the Idempotency-Key was used before: what that request made"), (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(s): State<AppState>,
    Auth(p): Auth,
    request: KeyedJson<CreateOrganizationBody>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    let (org, created) = s.app.create_organization(&p, &request.body.name, request.key.as_ref()).await?;
    Ok((created_or_replayed(created), Json(org)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberBody {
    pub email: String,
    /// Default `member`.
    pub role: Option<Role>,
}

#[utoipa::path(post, path = "/organizations/{id}/members", tag = "identity", request_body = AddMemberBody,
    params(OrgPath),
    responses((status = 201, body = Membership), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    OrgPath { id: org }: OrgPath,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> ApiResult<(StatusCode, Json<Membership>)> {
    Ok((StatusCode::CREATED, Json(s.app.add_member(&p, org, &body.email, body.role).await?)))
}

list_schema!(TokenList of TokenView);

list_schema!(OrganizationList of OrganizationView);
