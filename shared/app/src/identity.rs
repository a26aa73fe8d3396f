//! Identity use cases: resolve a bearer token to a principal, manage tokens, users,
//! organizations and memberships.

use crate::error::{AppError, AppResult};
use crate::views::{MeView, OrganizationView, TokenView};
use crate::App;
use chrono::Utc;
use devportal_domain::identity::{
    parse_org_name, parse_person_name, parse_token_name, Email, Membership, Organization, Principal, Role, TokenRecord,
    TokenSecret, User,
};
use devportal_domain::ids::{OrgId, TokenId, UserId};

impl App {
    /// Resolves `Authorization: Bearer …` to who is calling.
    pub async fn authenticate(&self, presented: &str) -> AppResult<Principal> {
        let hash = TokenSecret::hash_of(presented);
        let (token, user, memberships) = self.ports.identity.principal_by_token(&hash).await?.ok_or(AppError::Unauthenticated)?;
        Ok(Principal { user, token_id: token.id, memberships })
    }

    pub async fn me(&self, principal: &Principal) -> AppResult<MeView> {
        let organizations = self.organizations(principal).await?;
        Ok(MeView { user: principal.user.clone(), token_id: principal.token_id, organizations })
    }

    pub async fn organizations(&self, principal: &Principal) -> AppResult<Vec<OrganizationView>> {
        let rows = self.ports.identity.memberships_of(principal.user.id).await?;
        Ok(rows.into_iter().map(|(m, o)| OrganizationView { id: o.id, name: o.name, role: m.role, created_at: o.created_at }).collect())
    }

    /// A new automation token for the caller; the secret is returned once.
    pub async fn create_token(&self, principal: &Principal, name: Option<&str>) -> AppResult<(TokenView, TokenSecret)> {
        let name = parse_token_name(name)?;
        let secret = TokenSecret::generate();
        let record = TokenRecord { id: TokenId::new(), user_id: principal.user.id, name, hash: secret.hash(), created_at: Utc::now() };
        self.ports.identity.create_token(&record).await?;
        tracing::info!(user_id = %principal.user.id, token_id = %record.id, "token created");
        Ok((TokenView::from(&record), secret))
    }

    pub async fn list_tokens(&self, principal: &Principal) -> AppResult<Vec<TokenView>> {
        let tokens = self.ports.identity.list_tokens(principal.user.id).await?;
        Ok(tokens.iter().map(TokenView::from).collect())
    }

    pub async fn revoke_token(&self, principal: &Principal, id: TokenId) -> AppResult<()> {
        if self.ports.identity.revoke_token(principal.user.id, id).await? {
            tracing::info!(user_id = %principal.user.id, token_id = %id, "token revoked");
            Ok(())
        } else {
            Err(AppError::NotFound(format!("token {id} not found")))
        }
    }

    /// Platform admins create users; the answer carries the user's first token, once.
    pub async fn create_user(&self, principal: &Principal, email: &str, name: &str) -> AppResult<(User, TokenSecret)> {
        if !principal.user.platform_admin {
            return Err(AppError::Forbidden("only platform admins may create users".into()));
        }
        let mut errors = devportal_domain::ValidationErrors::new();
        let email = Email::parse("email", email).map_err(|e| errors.absorb("", e)).ok();
        let name = parse_person_name(name).map_err(|e| errors.absorb("", e)).ok();
        let (Some(email), Some(name)) = (email, name) else { return Err(errors.into()) };
        let (user, secret) = new_user(email, name, false);
        let token = first_token(&user, &secret);
        match self.ports.identity.create_user(&user, &token).await {
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) => Err(AppError::Validation(
                devportal_domain::ValidationErrors::single("email", "taken", format!("a user with e-mail {} already exists", user.email)),
            )),
            other => other.map_err(AppError::from),
        }?;
        tracing::info!(user_id = %user.id, by = %principal.user.id, "user created");
        Ok((user, secret))
    }

    /// Creates an organization; the caller becomes its admin.
    pub async fn create_organization(&self, principal: &Principal, name: &str) -> AppResult<OrganizationView> {
        let name = parse_org_name(name)?;
        let now = Utc::now();
        let org = Organization { id: OrgId::new(), name, created_at: now };
        let admin = Membership { org_id: org.id, user_id: principal.user.id, role: Role::Admin, created_at: now };
        self.ports.identity.create_organization(&org, &admin).await?;
        tracing::info!(org_id = %org.id, user_id = %principal.user.id, "organization created");
        Ok(OrganizationView { id: org.id, name: org.name, role: Role::Admin, created_at: org.created_at })
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
            devportal_domain::ValidationErrors::single("email", "unknown_user", format!("no user has the e-mail {email}; a platform admin creates users first"))
        })?;
        let membership = Membership { org_id: org, user_id: user.id, role: role.unwrap_or(Role::Member), created_at: Utc::now() };
        match self.ports.identity.add_member(&membership).await {
            Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) => {
                Err(AppError::AlreadyExists(format!("{email} is already a member of this organization")))
            }
            other => other.map_err(AppError::from),
        }?;
        tracing::info!(org_id = %org, user_id = %user.id, by = %principal.user.id, "member added");
        Ok(membership)
    }
}

pub(crate) fn new_user(email: Email, name: String, platform_admin: bool) -> (User, TokenSecret) {
    let user = User { id: UserId::new(), email, name, platform_admin, created_at: Utc::now() };
    (user, TokenSecret::generate())
}

pub(crate) fn first_token(user: &User, secret: &TokenSecret) -> TokenRecord {
    TokenRecord { id: TokenId::new(), user_id: user.id, name: "first token".into(), hash: secret.hash(), created_at: Utc::now() }
}
