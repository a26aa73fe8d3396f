//! Creates honour `Idempotency-Key` like the triggers do (docs/ARCHITECTURE.md,
//! "Idempotency"): the key is claimed, per user and route, *before* the create, with the id the
//! create then uses. A retry finds the claim and answers the resource under that id — or
//! makes it, if the first request died between the claim and the create — so one key never
//! makes two resources. The same key with another body is refused
//! (`idempotency_key_reused`).

use crate::error::{AppError, AppResult};
use crate::App;
use chrono::{DateTime, Utc};
use devportal_domain::idempotency::{CreateClaim, IdempotencyKey};
use devportal_domain::identity::Principal;
use devportal_domain::ValidationErrors;

/// A create's `Idempotency-Key` and the fingerprint of its body (`idempotency::fingerprint`).
#[derive(Clone, Debug)]
pub struct CreateRequest {
    pub key: IdempotencyKey,
    pub fingerprint: String,
}

/// The routes whose creates claim keys (part of the claim's store key).
#[derive(Clone, Copy, Debug)]
pub(crate) enum CreateRoute {
    Connectors,
    Copies,
    Versions,
    Tokens,
    Users,
    Organizations,
}

impl CreateRoute {
    fn as_str(self) -> &'static str {
        match self {
            Self::Connectors => "connectors",
            Self::Copies => "copies",
            Self::Versions => "versions",
            Self::Tokens => "tokens",
            Self::Users => "users",
            Self::Organizations => "organizations",
        }
    }
}

/// Where a create stands after its key was claimed.
pub(crate) struct Claimed {
    /// The id (or version number) to create under.
    pub resource: String,
    /// The creation time to record (the claim's: a retry makes the same record).
    pub at: DateTime<Utc>,
    /// Whether a claim was involved: then the resource may already exist (a retry).
    pub keyed: bool,
}

impl Claimed {
    /// The resource id parsed as `T` (a claim's resource is always one this code wrote).
    pub fn id<T: std::str::FromStr>(&self) -> AppResult<T> {
        self.resource.parse().map_err(|_| AppError::Unavailable {
            message: format!("an Idempotency-Key claim names `{}`, not an id", self.resource),
            retryable: false,
        })
    }
}

impl App {
    /// Claims `request`'s key (if any) for a create on `route` that would use `proposed` now.
    /// Without a key: `proposed`, now. With a key: the claim's resource and time — `proposed`
    /// for the first request, the first request's for a retry.
    pub(crate) async fn claim_create(
        &self,
        principal: &Principal,
        route: CreateRoute,
        request: Option<&CreateRequest>,
        proposed: String,
    ) -> AppResult<Claimed> {
        let now = Utc::now();
        let Some(request) = request else { return Ok(Claimed { resource: proposed, at: now, keyed: false }) };
        let claim = CreateClaim::new(request.fingerprint.clone(), proposed, now);
        let held = self.ports.identity.claim_create(principal.user().id, route.as_str(), request.key.as_str(), &claim).await?;
        if held.fingerprint != claim.fingerprint {
            return Err(ValidationErrors::single(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request within the last 24 hours; use a new key",
            )
            .into());
        }
        Ok(Claimed { resource: held.resource, at: held.created_at, keyed: true })
    }
}
