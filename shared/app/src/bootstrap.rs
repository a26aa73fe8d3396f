//! First start of a local installation: a first organization, a platform-admin user and a
//! token, so a newcomer can log in. Safe to run on every start (idempotent, crash-tolerant).

use crate::error::AppResult;
use crate::identity::first_token;
use crate::App;
use chrono::Utc;
use devportal_domain::identity::{Email, Membership, Organization, Role, TokenRecord, TokenSecret, User};
use devportal_domain::ids::{OrgId, UserId};

pub const BOOTSTRAP_EMAIL: &str = "admin@localhost";

/// What the bootstrap did, so the host can tell the person at the console.
#[derive(Debug)]
pub enum BootstrapOutcome {
    /// First start: the token to print (`None` when the preset token was used).
    Created { user: User, generated_token: Option<TokenSecret> },
    /// Already bootstrapped; `preset_registered` when `DEVPORTAL_TOKEN` was new and was added,
    /// `preset_revoked` when `DEVPORTAL_TOKEN` was revoked earlier (it stays revoked).
    Existing { user: User, preset_registered: bool, preset_revoked: bool },
}

impl App {
    /// Whether the bootstrap administrator exists (a first start has happened).
    pub async fn bootstrap_user_exists(&self) -> AppResult<bool> {
        let email = Email::parse("email", BOOTSTRAP_EMAIL).expect("constant e-mail is valid");
        Ok(self.ports.identity.find_user_by_email(&email).await?.is_some())
    }

    /// Ensures the bootstrap organization, admin and token exist. `preset` is `DEVPORTAL_TOKEN`.
    pub async fn bootstrap(&self, preset: Option<TokenSecret>) -> AppResult<BootstrapOutcome> {
        let email = Email::parse("email", BOOTSTRAP_EMAIL).expect("constant e-mail is valid");
        let identity = &self.ports.identity;
        let existing = identity.find_user_by_email(&email).await?;
        let (user, outcome_created, generated) = match existing {
            Some(user) => (user, false, None),
            None => {
                let user = User { id: UserId::new(), email, name: "Administrator".into(), platform_admin: true, created_at: Utc::now() };
                let (secret, generated) = match preset.clone() {
                    Some(p) => (p, None),
                    None => {
                        let s = TokenSecret::generate();
                        (s.clone(), Some(s))
                    }
                };
                identity.create_user(&user, &first_token(&user, &secret)).await?;
                (user, true, generated)
            }
        };
        // A crash between creating the user and the organization is mended here on restart.
        if identity.memberships_of(user.id).await?.is_empty() {
            let now = Utc::now();
            let org = Organization { id: OrgId::new(), name: "Default organization".into(), created_at: now };
            let admin = Membership { org_id: org.id, user_id: user.id, role: Role::Admin, created_at: now };
            identity.create_organization(&org, &admin).await?;
        }
        if outcome_created {
            return Ok(BootstrapOutcome::Created { user, generated_token: generated });
        }
        let (mut preset_registered, mut preset_revoked) = (false, false);
        if let Some(p) = preset {
            match identity.find_token(&p.hash()).await? {
                None => {
                    let record = TokenRecord::new(user.id, "DEVPORTAL_TOKEN", p.hash(), Utc::now());
                    identity.create_token(&record).await?;
                    preset_registered = true;
                }
                // A revoked token keeps its hash record: it is not brought back.
                Some(t) if t.revoked_at.is_some() => {
                    tracing::warn!(token_id = %t.id, "DEVPORTAL_TOKEN was revoked and stays revoked; it does not authenticate");
                    preset_revoked = true;
                }
                Some(_) => {}
            }
        }
        Ok(BootstrapOutcome::Existing { user, preset_registered, preset_revoked })
    }
}
