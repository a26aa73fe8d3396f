//! `Idempotency-Key` (PRODUCT.md §9): automation retries what it posts, so a create or a
//! trigger sent again with the same key answers what the first one made, never a second one.
//!
//! - [`IdempotencyKey`]: 1–200 printable ASCII characters (it becomes part of a store key).
//! - [`KeyClaim`]: a trigger's claim (jobs, runs), written in the same transaction as the job
//!   or run it names.
//! - [`CreateClaim`]: a create's claim (connectors, copies, versions, tokens, users,
//!   organizations), written *before* the create with the id the create will use, so a retry
//!   after a crash between the two makes the same resource under the same id; the request's
//!   [`fingerprint`] tells a retry from a different request reusing the key.
//!
//! Every claim answers for [`LIFETIME`]; after that the key is free again.

use crate::validation::ValidationErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a key answers with the original.
pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A valid `Idempotency-Key` header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let key = raw.trim();
        if key.is_empty() || key.len() > Self::MAX_LEN || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ValidationErrors::single(
                "Idempotency-Key",
                "invalid_format",
                format!("an Idempotency-Key is 1 to {} printable ASCII characters without spaces", Self::MAX_LEN),
            ));
        }
        Ok(Self(key.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A trigger's claim of a key (jobs, runs), and until when it answers with what it started.
/// A claim past `expires_at` is as if absent: lookups skip it and a new trigger may claim the
/// key again (DynamoDB's TTL removes it later; the embedded store on the next claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyClaim<'a> {
    pub key: &'a str,
    pub expires_at: DateTime<Utc>,
}

impl<'a> KeyClaim<'a> {
    /// How long a key answers with the original.
    pub const LIFETIME: chrono::TimeDelta = LIFETIME;

    /// A claim of `key` made at `now`, for [`LIFETIME`].
    pub fn new(key: &'a str, now: DateTime<Utc>) -> Self {
        Self { key, expires_at: now + LIFETIME }
    }
}

/// A create's claim of a key: which request made it and which resource it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateClaim {
    /// [`fingerprint`] of the request body.
    pub fingerprint: String,
    /// The id (or version number) the create uses.
    pub resource: String,
    /// When the claim was made: also the created resource's `created_at`, which tells a
    /// version this claim made from one another request made under the same number.
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl CreateClaim {
    pub fn new(fingerprint: String, resource: String, now: DateTime<Utc>) -> Self {
        Self { fingerprint, resource, created_at: now, expires_at: now + LIFETIME }
    }
}

/// What identifies a request's content: SHA-256 (hex) of its body as sent.
pub fn fingerprint(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_ascii() {
        assert_eq!(IdempotencyKey::parse(" deploy-42 ").unwrap().as_str(), "deploy-42");
        for bad in ["", "   ", "has space", "tab\there", "é", &"k".repeat(201)] {
            let e = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!((e.fields[0].field.as_str(), e.fields[0].code.as_str()), ("Idempotency-Key", "invalid_format"), "{bad:?}");
        }
        assert!(IdempotencyKey::parse(&"k".repeat(200)).is_ok());
    }

    #[test]
    fn fingerprints_tell_bodies_apart() {
        assert_eq!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":1}"));
        assert_ne!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":2}"));
        assert_eq!(fingerprint(b"").len(), 64);
    }
}
