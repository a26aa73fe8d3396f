//! Quotas and rate limits (docs/ARCHITECTURE.md *Quotas and rate limits*): one typed
//! configuration ([`Limits`]) and the in-process meters that enforce it ([`Meters`]).
//!
//! Rates are token buckets kept in this process: on the local host that is the whole portal;
//! on Lambda each function instance meters on its own, so the account-wide ceiling is API
//! Gateway's throttling. Counts (connectors per organization, versions per connector, tokens per
//! user) are read from the store when something is created, so they hold on every host.

use crate::error::{AppError, AppResult};
use crate::App;
use devportal_domain::identity::Principal;
use devportal_domain::ids::{OrgId, UserId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Every limit, with defaults that leave a team's normal use (the web UI polling a job, a CI
/// pipeline) well inside them. `0` for a rate or count turns that limit off.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Requests per second one user may make (sustained)…
    pub user_requests_per_second: u32,
    /// …and in a burst.
    pub user_burst: u32,
    /// Requests per second for all members of one organization together (each request counts
    /// for every organization of the caller).
    pub org_requests_per_second: u32,
    pub org_burst: u32,
    /// Failed authentications (missing, unknown, revoked or expired token) one client address
    /// may make per minute; beyond it every request from that address gets 429 until the
    /// bucket refills.
    pub auth_failures_per_minute: u32,
    /// Live connectors one organization may own.
    pub max_connectors_per_org: u32,
    /// Versions one connector may have.
    pub max_versions_per_connector: u32,
    /// Tokens one user may hold.
    pub max_tokens_per_user: u32,
    /// Git connection tests one user may have running at once.
    pub max_concurrent_connection_tests: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            user_requests_per_second: 50,
            user_burst: 200,
            org_requests_per_second: 200,
            org_burst: 1000,
            auth_failures_per_minute: 60,
            max_connectors_per_org: 500,
            max_versions_per_connector: 200,
            max_tokens_per_user: 50,
            max_concurrent_connection_tests: 2,
        }
    }
}

/// The environment variables of each limit (the local host's flags read the same names).
pub const LIMIT_VARIABLES: [&str; 9] = [
    "DEVPORTAL_USER_REQUESTS_PER_SECOND",
    "DEVPORTAL_USER_BURST",
    "DEVPORTAL_ORG_REQUESTS_PER_SECOND",
    "DEVPORTAL_ORG_BURST",
    "DEVPORTAL_AUTH_FAILURES_PER_MINUTE",
    "DEVPORTAL_MAX_CONNECTORS_PER_ORG",
    "DEVPORTAL_MAX_VERSIONS_PER_CONNECTOR",
    "DEVPORTAL_MAX_TOKENS_PER_USER",
    "DEVPORTAL_MAX_CONCURRENT_CONNECTION_TESTS",
];

impl Limits {
    /// The limits from [`LIMIT_VARIABLES`] (unset: the default); a value that is not a
    /// non-negative integer is an error naming the variable. Used by the Lambda functions.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut l = Limits::default();
        let fields: [&mut u32; 9] = [
            &mut l.user_requests_per_second,
            &mut l.user_burst,
            &mut l.org_requests_per_second,
            &mut l.org_burst,
            &mut l.auth_failures_per_minute,
            &mut l.max_connectors_per_org,
            &mut l.max_versions_per_connector,
            &mut l.max_tokens_per_user,
            &mut l.max_concurrent_connection_tests,
        ];
        for (name, field) in LIMIT_VARIABLES.iter().zip(fields) {
            if let Some(raw) = lookup(name).filter(|v| !v.trim().is_empty()) {
                *field = raw.trim().parse().map_err(|_| format!("{name} must be a whole number ≥ 0, not {raw:?}"))?;
            }
        }
        Ok(l)
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// A count limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    ConnectorsPerOrg,
    VersionsPerConnector,
    TokensPerUser,
}

impl Quota {
    pub fn name(self) -> &'static str {
        match self {
            Quota::ConnectorsPerOrg => "max_connectors_per_org",
            Quota::VersionsPerConnector => "max_versions_per_connector",
            Quota::TokensPerUser => "max_tokens_per_user",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Quota::ConnectorsPerOrg => "connectors in this organization",
            Quota::VersionsPerConnector => "versions of this connector",
            Quota::TokensPerUser => "tokens of this user",
        }
    }

    fn max(self, l: &Limits) -> u32 {
        match self {
            Quota::ConnectorsPerOrg => l.max_connectors_per_org,
            Quota::VersionsPerConnector => l.max_versions_per_connector,
            Quota::TokensPerUser => l.max_tokens_per_user,
        }
    }
}

/// A token bucket: `capacity` tokens, refilled at `per_second`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Keyed token buckets. Buckets that are full again are dropped when the map grows, so memory
/// stays bounded by the callers active within one refill period.
#[derive(Debug)]
struct Buckets<K> {
    map: HashMap<K, Bucket, foldhash::quality::RandomState>,
}

impl<K> Default for Buckets<K> {
    fn default() -> Self {
        Self { map: HashMap::default() }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Buckets<K> {
    /// Refills, then takes `cost` tokens if there are enough; else the seconds until there are.
    fn take(&mut self, key: &K, capacity: f64, per_second: f64, cost: f64, now: Instant) -> Result<(), u64> {
        if self.map.len() > 10_000 {
            self.map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity);
        }
        let bucket = self.map.entry(key.clone()).or_insert(Bucket { tokens: capacity, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(((cost - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }

    /// Whether `cost` tokens are there, without taking them; else the seconds until they are.
    fn peek(&mut self, key: &K, capacity: f64, per_second: f64, cost: f64, now: Instant) -> Result<(), u64> {
        match self.map.get(key) {
            None => Ok(()),
            Some(b) => {
                let tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_second).min(capacity);
                if tokens >= cost {
                    Ok(())
                } else {
                    Err(((cost - tokens) / per_second).ceil().max(1.0) as u64)
                }
            }
        }
    }
}

/// The in-process state behind the rate limits. Shared by the clones of an [`App`].
#[derive(Debug, Default)]
pub struct Meters {
    users: Mutex<Buckets<UserId>>,
    orgs: Mutex<Buckets<OrgId>>,
    auth_failures: Mutex<Buckets<IpAddr>>,
    connection_tests: Mutex<HashMap<UserId, u32>>,
}

/// Holds one of a user's connection-test slots; frees it when dropped.
pub struct TestSlot {
    meters: Arc<Meters>,
    user: UserId,
}

impl Drop for TestSlot {
    fn drop(&mut self) {
        let mut running = self.meters.connection_tests.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = running.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.user);
            }
        }
    }
}

fn rate_limited(message: String, retry_after_seconds: u64) -> AppError {
    AppError::RateLimited { message, retry_after_seconds }
}

impl App {
    /// Refuses a request of `principal` beyond the per-user or per-organization rate.
    pub fn meter_request(&self, principal: &Principal) -> AppResult<()> {
        let l = &self.limits;
        let now = Instant::now();
        if l.user_requests_per_second > 0 {
            let mut users = self.meters.users.lock().unwrap_or_else(|p| p.into_inner());
            let capacity = l.user_burst.max(l.user_requests_per_second) as f64;
            users.take(&principal.user().id, capacity, l.user_requests_per_second as f64, 1.0, now).map_err(|after| {
                tracing::warn!(user_id = %principal.user().id, "user request rate exceeded");
                rate_limited(format!("too many requests: at most {} per second per user", l.user_requests_per_second), after)
            })?;
        }
        if l.org_requests_per_second > 0 {
            let mut orgs = self.meters.orgs.lock().unwrap_or_else(|p| p.into_inner());
            let capacity = l.org_burst.max(l.org_requests_per_second) as f64;
            for org in principal.memberships().iter().map(|m| m.org_id) {
                orgs.take(&org, capacity, l.org_requests_per_second as f64, 1.0, now).map_err(|after| {
                    tracing::warn!(org_id = %org, user_id = %principal.user().id, "organization request rate exceeded");
                    rate_limited(format!("too many requests: at most {} per second per organization", l.org_requests_per_second), after)
                })?;
            }
        }
        Ok(())
    }

    /// Refuses every request from `client` while it has used up its failed authentications.
    pub fn check_auth_throttle(&self, client: IpAddr) -> AppResult<()> {
        let per_minute = self.limits.auth_failures_per_minute;
        if per_minute == 0 {
            return Ok(());
        }
        let mut failures = self.meters.auth_failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .peek(&client, per_minute as f64, per_minute as f64 / 60.0, 1.0, Instant::now())
            .map_err(|after| rate_limited(format!("too many failed authentications from this address: at most {per_minute} per minute"), after))
    }

    /// Counts a failed authentication of `client`.
    pub fn record_auth_failure(&self, client: IpAddr) {
        let per_minute = self.limits.auth_failures_per_minute;
        if per_minute == 0 {
            return;
        }
        let mut failures = self.meters.auth_failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.take(&client, per_minute as f64, per_minute as f64 / 60.0, 1.0, Instant::now()).is_err() {
            tracing::warn!(client = %client, "failed authentications throttled");
        }
    }

    /// One of the user's concurrent connection-test slots, or 429.
    pub(crate) fn connection_test_slot(&self, user: UserId) -> AppResult<TestSlot> {
        let max = self.limits.max_concurrent_connection_tests;
        let mut running = self.meters.connection_tests.lock().unwrap_or_else(|p| p.into_inner());
        let n = running.entry(user).or_insert(0);
        if max > 0 && *n >= max {
            return Err(rate_limited(format!("at most {max} connection tests may run at once per user; wait for the running one"), 1));
        }
        *n += 1;
        Ok(TestSlot { meters: self.meters.clone(), user })
    }

    /// Refuses creating one more of `quota` when `current` already reach the limit.
    pub(crate) fn check_quota(&self, quota: Quota, current: usize) -> AppResult<()> {
        let max = quota.max(&self.limits);
        if max > 0 && current >= max as usize {
            return Err(AppError::QuotaExceeded {
                message: format!("the limit of {max} {} is reached ({})", quota.what(), quota.name()),
                limit: quota.name().to_string(),
                max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let mut b = Buckets::<u8>::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            b.take(&1, 3.0, 1.0, 1.0, t0).unwrap();
        }
        assert_eq!(b.take(&1, 3.0, 1.0, 1.0, t0), Err(1));
        assert!(b.take(&2, 3.0, 1.0, 1.0, t0).is_ok(), "keys are metered apart");
        assert!(b.take(&1, 3.0, 1.0, 1.0, t0 + Duration::from_millis(1100)).is_ok());
        assert!(b.peek(&1, 3.0, 1.0, 1.0, t0 + Duration::from_millis(1100)).is_err());
        // 0.1 token left; one more at 0.05 per second is 18 s away (rounded up).
        assert!(matches!(b.peek(&1, 3.0, 0.05, 1.0, t0 + Duration::from_millis(1100)), Err(18..=19)));
    }

    #[test]
    fn limits_come_from_named_variables() {
        let l = Limits::from_lookup(|n| (n == "DEVPORTAL_MAX_TOKENS_PER_USER").then(|| "3".to_string())).unwrap();
        assert_eq!(l.max_tokens_per_user, 3);
        assert_eq!(l.user_burst, Limits::default().user_burst);
        let e = Limits::from_lookup(|n| (n == "DEVPORTAL_USER_BURST").then(|| "lots".to_string())).unwrap_err();
        assert!(e.contains("DEVPORTAL_USER_BURST"), "{e}");
    }
}
