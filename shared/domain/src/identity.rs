//! Organizations, users, memberships and bearer tokens (PRODUCT.md §9–10 *identity*).
//! A token's secret is shown once at creation; only its SHA-256 is stored — tokens carry
//! 256 bits of randomness, so a fast hash is enough (no password stretching needed).

use crate::ids::{OrgId, TokenId, UserId};
use crate::validation::{check_line, ValidationErrors};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Prefix of every token the portal issues, so leaked tokens are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "dpt_";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Membership {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    /// Platform admins may create users. They still see only their organizations' connectors.
    pub platform_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// A lower-cased, syntactically plausible e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Email)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let value = raw.trim().to_ascii_lowercase();
        check_line(&mut errors, field, &value, true, 254);
        if errors.is_empty() {
            let valid = match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.is_empty()
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !value[local.len() + 1..].contains('@')
                        && !value.contains(char::is_whitespace)
                }
                None => false,
            };
            if !valid {
                errors.push(field, "invalid_format", format!("`{field}` must be an e-mail address like name@example.com"));
            }
        }
        errors.finish(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates an organization name.
pub fn parse_org_name(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = raw.trim().to_string();
    check_line(&mut errors, "name", &name, true, 100);
    errors.finish(name)
}

/// Validates a person's display name.
pub fn parse_person_name(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = raw.trim().to_string();
    check_line(&mut errors, "name", &name, true, 100);
    errors.finish(name)
}

/// SHA-256 of a token secret, hex encoded. The only form in which tokens are stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(pub String);

/// A bearer token secret. Debug and Display never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// 32 random bytes, hex encoded, behind [`TOKEN_PREFIX`].
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
    }

    /// Accepts a preset token (e.g. `DEVPORTAL_TOKEN`): printable ASCII, 24–256 characters.
    pub fn parse_preset(raw: &str) -> Result<Self, ValidationErrors> {
        let ok_len = (24..=256).contains(&raw.len());
        let ok_chars = raw.chars().all(|c| c.is_ascii_graphic());
        if ok_len && ok_chars {
            Ok(Self(raw.to_string()))
        } else {
            Err(ValidationErrors::single(
                "token",
                "invalid_format",
                "a preset token must be 24 to 256 printable ASCII characters without spaces",
            ))
        }
    }

    /// The hash a presented bearer string is looked up by.
    pub fn hash_of(presented: &str) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(presented.as_bytes())))
    }

    pub fn hash(&self) -> TokenHash {
        Self::hash_of(&self.0)
    }

    /// The secret itself — only for the one answer that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(***)")
    }
}

/// A stored token: who it authenticates and its hash. Never the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub hash: TokenHash,
    pub created_at: DateTime<Utc>,
}

/// Validates a token's label.
pub fn parse_token_name(raw: Option<&str>) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = raw.unwrap_or("automation").trim().to_string();
    check_line(&mut errors, "name", &name, true, 100);
    errors.finish(name)
}

/// Who is calling: resolved from the bearer token on every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub token_id: TokenId,
    pub memberships: Vec<Membership>,
}

impl Principal {
    pub fn org_ids(&self) -> Vec<OrgId> {
        self.memberships.iter().map(|m| m.org_id).collect()
    }

    pub fn is_member_of(&self, org: OrgId) -> bool {
        self.memberships.iter().any(|m| m.org_id == org)
    }

    pub fn is_admin_of(&self, org: OrgId) -> bool {
        self.memberships.iter().any(|m| m.org_id == org && m.role == Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_unique_prefixed_and_hash_stably() {
        let a = TokenSecret::generate();
        let b = TokenSecret::generate();
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with(TOKEN_PREFIX));
        assert_eq!(a.expose().len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(a.hash(), TokenSecret::hash_of(a.expose()));
        assert_ne!(a.hash().0, a.expose());
    }

    #[test]
    fn token_debug_never_prints_the_secret() {
        let t = TokenSecret::generate();
        assert!(!format!("{t:?}").contains(&t.expose()[5..]));
    }

    #[test]
    fn preset_tokens_must_be_long_and_printable() {
        assert!(TokenSecret::parse_preset("short").is_err());
        assert!(TokenSecret::parse_preset("has a space in it which is not ok").is_err());
        assert!(TokenSecret::parse_preset("a-perfectly-fine-preset-token-123").is_ok());
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(Email::parse("email", " Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in ["", "no-at-sign", "@example.com", "a@", "a@b@c", "a b@c.d", "a@.com"] {
            let e = Email::parse("email", bad).unwrap_err();
            assert_eq!(e.fields[0].field, "email", "{bad}");
        }
    }
}
