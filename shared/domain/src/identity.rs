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
use std::sync::Arc;

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
            Err(ValidationErrors::single("token", "invalid_format", "a preset token must be 24 to 256 printable ASCII characters without spaces"))
        }
    }

    /// The hash a presented bearer string is looked up by.
    pub fn hash_of(presented: &str) -> TokenHash {
        // Into a buffer rather than `hex::encode`, which builds the string a `char` at a time
        // (every authenticated request hashes its token).
        let mut hex = [0u8; 64];
        hex::encode_to_slice(Sha256::digest(presented.as_bytes()), &mut hex).expect("a SHA-256 digest is 32 bytes");
        TokenHash(String::from_utf8(hex.to_vec()).expect("hex digits are ASCII"))
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

/// What a token may do: `read` tokens may only read (`GET`); `write` tokens (the default)
/// may do whatever their user may.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    #[default]
    Write,
}

/// A stored token: who it authenticates and its hash. Never the secret.
///
/// Revoking a token removes its listing but keeps its hash record with `revoked_at` set, so a
/// preset token (`DEVPORTAL_TOKEN`) that was revoked is recognised and not registered again
/// at the next start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub hash: TokenHash,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub scope: TokenScope,
    /// After this instant the token no longer authenticates (`None`: never expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Set on the hash record when the token is revoked (the listing is removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRecord {
    /// A write-scoped token without expiry.
    pub fn new(user_id: UserId, name: impl Into<String>, hash: TokenHash, created_at: DateTime<Utc>) -> Self {
        Self { id: TokenId::new(), user_id, name: name.into(), hash, created_at, scope: TokenScope::Write, expires_at: None, revoked_at: None }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// Longest lifetime a token may be given, in days (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// The expiry of a new token from `expires_at` or `expires_in_days` (at most one of them;
/// neither: the token does not expire). The instant must lie in the future and within
/// [`MAX_TOKEN_DAYS`].
pub fn parse_token_expiry(
    expires_at: Option<DateTime<Utc>>,
    expires_in_days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ValidationErrors> {
    let latest = now + chrono::Duration::days(MAX_TOKEN_DAYS as i64);
    match (expires_at, expires_in_days) {
        (Some(_), Some(_)) => Err(ValidationErrors::single("expires_at", "conflict", "give either `expires_at` or `expires_in_days`, not both")),
        (Some(at), None) if at <= now => Err(ValidationErrors::single("expires_at", "in_the_past", "`expires_at` must lie in the future")),
        (Some(at), None) if at > latest => {
            Err(ValidationErrors::single("expires_at", "too_far", format!("`expires_at` must lie within {MAX_TOKEN_DAYS} days")))
        }
        (Some(at), None) => Ok(Some(at)),
        (None, Some(days)) if days == 0 || days > MAX_TOKEN_DAYS => {
            Err(ValidationErrors::single("expires_in_days", "out_of_range", format!("`expires_in_days` must be between 1 and {MAX_TOKEN_DAYS}")))
        }
        (None, Some(days)) => Ok(Some(now + chrono::Duration::days(days as i64))),
        (None, None) => Ok(None),
    }
}

/// Validates a token's label.
pub fn parse_token_name(raw: Option<&str>) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = raw.unwrap_or("automation").trim().to_string();
    check_line(&mut errors, "name", &name, true, 100);
    errors.finish(name)
}

/// What a token's hash resolves to in the identity store: the token, its user and the
/// user's memberships — everything authenticating a request needs, read in one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenHolder {
    pub token: TokenRecord,
    pub user: User,
    pub memberships: Vec<Membership>,
}

/// Who is calling: resolved from the bearer token on every request.
///
/// The resolved [`TokenHolder`] is shared, not copied: the principal cache hands the same
/// record to every request made with a token (copying its strings and memberships was five
/// allocations per request, docs/BENCHMARKS.md "Issue 13, tenth pass").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal(Arc<TokenHolder>);

impl Principal {
    /// The principal of `holder`, whose token the caller found neither revoked nor expired.
    pub fn authenticated(holder: Arc<TokenHolder>) -> Self {
        Self(holder)
    }

    pub fn user(&self) -> &User {
        &self.0.user
    }

    pub fn token_id(&self) -> TokenId {
        self.0.token.id
    }

    /// The scope of the token this request was made with.
    pub fn scope(&self) -> TokenScope {
        self.0.token.scope
    }

    pub fn memberships(&self) -> &[Membership] {
        &self.0.memberships
    }

    pub fn org_ids(&self) -> Vec<OrgId> {
        self.memberships().iter().map(|m| m.org_id).collect()
    }

    pub fn is_member_of(&self, org: OrgId) -> bool {
        self.memberships().iter().any(|m| m.org_id == org)
    }

    pub fn is_admin_of(&self, org: OrgId) -> bool {
        self.memberships().iter().any(|m| m.org_id == org && m.role == Role::Admin)
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
        // Stored hashes are lowercase hex SHA-256: the format must not change under them.
        assert_eq!(TokenSecret::hash_of("abc").0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
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
    fn token_expiry_is_one_of_two_forms_in_the_future() {
        let now = Utc::now();
        assert_eq!(parse_token_expiry(None, None, now).unwrap(), None);
        assert_eq!(parse_token_expiry(None, Some(2), now).unwrap(), Some(now + chrono::Duration::days(2)));
        let at = now + chrono::Duration::hours(1);
        assert_eq!(parse_token_expiry(Some(at), None, now).unwrap(), Some(at));
        let field = |r: Result<Option<DateTime<Utc>>, ValidationErrors>| r.unwrap_err().fields[0].code.clone();
        assert_eq!(field(parse_token_expiry(Some(at), Some(1), now)), "conflict");
        assert_eq!(field(parse_token_expiry(Some(now - chrono::Duration::seconds(1)), None, now)), "in_the_past");
        assert_eq!(field(parse_token_expiry(None, Some(0), now)), "out_of_range");
        assert_eq!(field(parse_token_expiry(None, Some(MAX_TOKEN_DAYS + 1), now)), "out_of_range");
    }

    #[test]
    fn token_records_without_scope_are_write_tokens() {
        let json = r#"{"id":"0190a0a0-0000-7000-8000-000000000000","user_id":"0190a0a0-0000-7000-8000-000000000001","name":"x","hash":"ab","created_at":"2026-01-01T00:00:00Z"}"#;
        let t: TokenRecord = serde_json::from_str(json).unwrap();
        assert_eq!(t.scope, TokenScope::Write);
        assert_eq!(t.expires_at, None);
        assert_eq!(t.revoked_at, None);
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
