//! Identity use cases: resolve a bearer token to a principal, manage tokens, users,
//! organizations and memberships.

use crate::error::{AppError, AppResult};
use crate::idempotency::{CreateRequest, CreateRoute};
use crate::views::{MeView, OrganizationView, TokenView};
use crate::App;
use chrono::Utc;
use devportal_domain::identity::{
    parse_org_name, parse_person_name, parse_token_expiry, parse_token_name, Email, Membership, Organization, Principal, Role, TokenRecord,
    TokenScope, TokenSecret, User,
};
use devportal_domain::ids::{OrgId, TokenId, UserId};

impl App {
    /// Resolves `Authorization: Bearer …` to who is calling.
    pub async fn authenticate(&self, presented: &str) -> AppResult<Principal> {
        let hash = TokenSecret::hash_of(presented);
        let holder = self.ports.identity.principal_by_token(&hash).await?.ok_or(AppError::Unauthenticated)?;
        if holder.token.revoked_at.is_some() {
            return Err(AppError::Unauthenticated);
        }
        if holder.token.is_expired(Utc::now()) {
            return Err(AppError::TokenExpired);
        }
        Ok(Principal::authenticated(holder))
    }

    pub async fn me(&self, principal: &Principal) -> AppResult<MeView> {
        let organizations = self.organizations(principal).await?;
        Ok(MeView { user: principal.user().clone(), token_id: principal.token_id(), token_scope: principal.scope(), organizations })
    }

    pub async fn organizations(&self, principal: &Principal) -> AppResult<Vec<OrganizationView>> {
        let rows = self.ports.identity.memberships_of(principal.user().id).await?;
        Ok(rows.into_iter().map(|(m, o)| OrganizationView { id: o.id, name: o.name, role: m.role, created_at: o.created_at }).collect())
    }

    /// A new automation token for the caller; the secret is returned once. Read-scoped
    /// tokens cannot mint tokens; a user holds at most `Limits::max_tokens_per_user` tokens.
    /// Creates a token; its secret is in the answer, once. With an `Idempotency-Key` already
    /// used for this request, answers the token it made without the secret (`None`: only its
    /// hash is stored).
    pub async fn create_token(
        &self,
        principal: &Principal,
        request: NewToken<'_>,
        key: Option<&CreateRequest>,
    ) -> AppResult<(TokenView, Option<TokenSecret>)> {
        require_write(principal)?;
        let mut errors = devportal_domain::ValidationErrors::new();
        let name = parse_token_name(request.name).map_err(|e| errors.absorb("", e)).ok();
        let expires_at = parse_token_expiry(request.expires_at, request.expires_in_days, Utc::now()).map_err(|e| errors.absorb("", e)).ok();
        let (Some(name), Some(expires_at)) = (name, expires_at) else { return Err(errors.into()) };
        let claimed = self.claim_create(principal, CreateRoute::Tokens, key, TokenId::new().to_string()).await?;
        let id: TokenId = claimed.id()?;
        let held = self.ports.identity.list_tokens(principal.user().id).await?;
        if let Some(existing) = held.iter().find(|t| t.id == id) {
            return Ok((TokenView::from(existing), None));
        }
        self.check_quota(crate::limits::Quota::TokensPerUser, held.len())?;
        let secret = TokenSecret::generate();
        let record = TokenRecord {
            id,
            scope: request.scope.unwrap_or_default(),
            expires_at,
            ..TokenRecord::new(principal.user().id, name, secret.hash(), claimed.at)
        };
        self.ports.identity.create_token(&record).await?;
        tracing::info!(user_id = %principal.user().id, token_id = %record.id, "token created");
        Ok((TokenView::from(&record), Some(secret)))
    }

    pub async fn list_tokens(&self, principal: &Principal) -> AppResult<Vec<TokenView>> {
        let tokens = self.ports.identity.list_tokens(principal.user().id).await?;
        Ok(tokens.iter().map(TokenView::from).collect())
    }

    pub async fn revoke_token(&self, principal: &Principal, id: TokenId) -> AppResult<()> {
        require_write(principal)?;
        if self.ports.identity.revoke_token(principal.user().id, id).await? {
            tracing::info!(user_id = %principal.user().id, token_id = %id, "token revoked");
            Ok(())
        } else {
            Err(AppError::NotFound(format!("token {id} not found")))
        }
    }

    /// Platform admins create users; the answer carries the user's first token, once.
    /// With an `Idempotency-Key` already used for this request, answers the user it made
    /// without the first token (`None`: shown once).
    pub async fn create_user(
        &self,
        principal: &Principal,
        email: &str,
        name: &str,
        key: Option<&CreateRequest>,
    ) -> AppResult<(User, Option<TokenSecret>)> {
        if !principal.user().platform_admin {
            return Err(AppError::Forbidden("only platform admins may create users".into()));
        }
        let mut errors = devportal_domain::ValidationErrors::new();
        let email = Email::parse("email", email).map_err(|e| errors.absorb("", e)).ok();
        let name = parse_person_name(name).map_err(|e| errors.absorb("", e)).ok();
        let (Some(email), Some(name)) = (email, name) else { return Err(errors.into()) };
        let claimed = self.claim_create(principal, CreateRoute::Users, key, UserId::new().to_string()).await?;
        let id: UserId = claimed.id()?;
        if claimed.keyed {
            if let Some(existing) = self.ports.identity.get_user(id).await? {
                return Ok((existing, None));
            }
        }
        let (user, secret) = new_user(email, name, false);
        let user = User { id, created_at: claimed.at, ..user };
        let token = first_token(&user, &secret);
        match self.ports.identity.create_user(&user, &token).await {
            // A concurrent retry with the same key made it first.
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) if claimed.keyed && self.ports.identity.get_user(id).await?.is_some() => {
                return Ok((self.ports.identity.get_user(id).await?.unwrap_or(user), None))
            }
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) => Err(AppError::Validation(devportal_domain::ValidationErrors::single(
                "email",
                "taken",
                format!("a user with e-mail {} already exists", user.email),
            ))),
            other => other.map_err(AppError::from),
        }?;
        tracing::info!(user_id = %user.id, by = %principal.user().id, "user created");
        Ok((user, Some(secret)))
    }

    /// Creates an organization; the caller becomes its admin. With an `Idempotency-Key`
    /// already used for this request, answers the organization it made (`false`).
    pub async fn create_organization(&self, principal: &Principal, name: &str, key: Option<&CreateRequest>) -> AppResult<(OrganizationView, bool)> {
        let name = parse_org_name(name)?;
        let claimed = self.claim_create(principal, CreateRoute::Organizations, key, OrgId::new().to_string()).await?;
        let id: OrgId = claimed.id()?;
        let view = |org: Organization| OrganizationView { id: org.id, name: org.name, role: Role::Admin, created_at: org.created_at };
        if claimed.keyed {
            if let Some(existing) = self.ports.identity.get_organization(id).await? {
                return Ok((view(existing), false));
            }
        }
        let now = claimed.at;
        let org = Organization { id, name, created_at: now };
        let admin = Membership { org_id: org.id, user_id: principal.user().id, role: Role::Admin, created_at: now };
        match self.ports.identity.create_organization(&org, &admin).await {
            // A concurrent retry with the same key made it first.
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) if claimed.keyed => {
                let existing =
                    self.ports.identity.get_organization(id).await?.ok_or_else(|| AppError::NotFound(format!("organization {id} not found")))?;
                return Ok((view(existing), false));
            }
            other => other?,
        }
        tracing::info!(org_id = %org.id, user_id = %principal.user().id, "organization created");
        Ok((view(org), true))
    }

    /// Adds an existing user (by e-mail) to an organization the caller administers.
    pub async fn add_member(&self, principal: &Principal, org: OrgId, email: &str, role: Option<Role>) -> AppResult<Membership> {
        if !principal.is_member_of(org) {
            return Err(AppError::NotFound(format!("organization {org} not found")));
        }
        if !principal.is_admin_of(org) {
            return Err(AppError::Forbidden("only admins of the organization may add members".into()));
        }
        let email = Email::parse("email", email)?;
        let user = self.ports.identity.find_user_by_email(&email).await?.ok_or_else(|| {
            devportal_domain::ValidationErrors::single(
                "email",
                "unknown_user",
                format!("no user has the e-mail {email}; a platform admin creates users first"),
            )
        })?;
        let membership = Membership { org_id: org, user_id: user.id, role: role.unwrap_or(Role::Member), created_at: Utc::now() };
        match self.ports.identity.add_member(&membership).await {
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) => {
                Err(AppError::AlreadyExists(format!("{email} is already a member of this organization")))
            }
            other => other.map_err(AppError::from),
        }?;
        tracing::info!(org_id = %org, user_id = %user.id, by = %principal.user().id, "member added");
        Ok(membership)
    }
}

pub(crate) fn new_user(email: Email, name: String, platform_admin: bool) -> (User, TokenSecret) {
    let user = User { id: UserId::new(), email, name, platform_admin, created_at: Utc::now() };
    (user, TokenSecret::generate())
}

pub(crate) fn first_token(user: &User, secret: &TokenSecret) -> TokenRecord {
    TokenRecord::new(user.id, "first token", secret.hash(), Utc::now())
}

/// What `POST /tokens` asks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct NewToken<'a> {
    pub name: Option<&'a str>,
    /// Default `write`.
    pub scope: Option<TokenScope>,
    pub expires_at: Option<chrono::DateTime<Utc>>,
    pub expires_in_days: Option<u32>,
}

/// Refuses callers whose token is read-scoped. The API refuses every non-`GET` request of
/// such a token before it reaches a use case; use cases that change state check again.
pub(crate) fn require_write(principal: &Principal) -> AppResult<()> {
    match principal.scope() {
        TokenScope::Write => Ok(()),
        TokenScope::Read => Err(AppError::InsufficientScope),
    }
}
