//! Who a bearer token belongs to, remembered for a few seconds (docs/ARCHITECTURE.md,
//! "Request path"): an [`IdentityStore`] decorator that answers `principal_by_token` from
//! memory, so authenticating a request is a hash and a map lookup instead of a store read.
//!
//! Every identity write that goes through it (a token created or revoked, a user, an
//! organization or a membership added) empties it, so a revoked token is refused at once.
//! That holds only where every identity write passes through the same process: the local
//! host turns it on; Lambda functions, many instances side by side, leave it off.
//! Expiry is checked on every request by the caller (the cached token record carries it).

use async_trait::async_trait;
use devportal_domain::idempotency::CreateClaim;
use devportal_domain::identity::{Email, Membership, Organization, TokenHash, TokenHolder, TokenRecord, User};
use devportal_domain::ids::{OrgId, TokenId, UserId};
use devportal_domain::ports::{IdentityStore, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept at most; beyond it the cache starts over (a flood of distinct valid tokens).
const MAX_ENTRIES: usize = 10_000;

/// An [`IdentityStore`] whose `principal_by_token` answers are remembered for `ttl`.
pub struct CachingIdentityStore {
    inner: Arc<dyn IdentityStore>,
    ttl: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Bumped by every write: an answer read before a write is not remembered after it.
    generation: u64,
    /// Each holder shared with the requests it authenticates (handed out without a copy).
    entries: HashMap<TokenHash, (Instant, Arc<TokenHolder>), foldhash::quality::RandomState>,
}

impl CachingIdentityStore {
    pub fn new(inner: Arc<dyn IdentityStore>, ttl: Duration) -> Self {
        Self { inner, ttl, state: Mutex::default() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets everything: called after every write, whatever its outcome.
    fn forget(&self) {
        let mut state = self.state();
        state.generation += 1;
        state.entries.clear();
    }
}

#[async_trait]
impl IdentityStore for CachingIdentityStore {
    async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<Arc<TokenHolder>>> {
        let generation = {
            let state = self.state();
            if let Some((at, holder)) = state.entries.get(hash) {
                if at.elapsed() < self.ttl {
                    return Ok(Some(Arc::clone(holder)));
                }
            }
            state.generation
        };
        let found = self.inner.principal_by_token(hash).await?;
        if let Some(holder) = &found {
            let mut state = self.state();
            // A revoked token is never remembered (it is refused by every request anyway), and
            // an answer older than a write made meanwhile is stale.
            if holder.token.revoked_at.is_none() && state.generation == generation {
                if state.entries.len() >= MAX_ENTRIES {
                    state.entries.clear();
                }
                state.entries.insert(hash.clone(), (Instant::now(), Arc::clone(holder)));
            }
        }
        Ok(found)
    }

    async fn create_organization(&self, org: &Organization, admin: &Membership) -> StoreResult<()> {
        let result = self.inner.create_organization(org, admin).await;
        self.forget();
        result
    }

    async fn add_member(&self, membership: &Membership) -> StoreResult<()> {
        let result = self.inner.add_member(membership).await;
        self.forget();
        result
    }

    async fn create_user(&self, user: &User, first_token: &TokenRecord) -> StoreResult<()> {
        let result = self.inner.create_user(user, first_token).await;
        self.forget();
        result
    }

    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()> {
        let result = self.inner.create_token(token).await;
        self.forget();
        result
    }

    async fn revoke_token(&self, user: UserId, id: TokenId) -> StoreResult<bool> {
        let result = self.inner.revoke_token(user, id).await;
        self.forget();
        result
    }

    async fn get_organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        self.inner.get_organization(id).await
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Membership, Organization)>> {
        self.inner.memberships_of(user).await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.inner.get_user(id).await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }

    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenRecord>> {
        self.inner.find_token(hash).await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        self.inner.list_tokens(user).await
    }

    async fn claim_create(&self, user: UserId, route: &str, key: &str, claim: &CreateClaim) -> StoreResult<CreateClaim> {
        self.inner.claim_create(user, route, key, claim).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// One token of one user, counting how often authentication reached it.
    struct OneToken {
        holder: Mutex<TokenHolder>,
        reads: AtomicUsize,
    }

    impl OneToken {
        fn new() -> Self {
            let user = User {
                id: UserId::new(),
                email: Email::parse("email", "dev@example.com").unwrap(),
                name: "Dev".into(),
                platform_admin: false,
                created_at: Utc::now(),
            };
            let token = TokenRecord {
                id: TokenId::new(),
                user_id: user.id,
                name: "ci".into(),
                hash: TokenHash("h".into()),
                created_at: Utc::now(),
                scope: Default::default(),
                expires_at: None,
                revoked_at: None,
            };
            Self { holder: Mutex::new(TokenHolder { token, user, memberships: vec![] }), reads: AtomicUsize::new(0) }
        }
    }

    #[async_trait]
    impl IdentityStore for OneToken {
        async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<Arc<TokenHolder>>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let holder = self.holder.lock().unwrap().clone();
            Ok((holder.token.hash == *hash).then(|| Arc::new(holder)))
        }
        async fn revoke_token(&self, _: UserId, _: TokenId) -> StoreResult<bool> {
            self.holder.lock().unwrap().token.revoked_at = Some(Utc::now());
            Ok(true)
        }
        async fn create_organization(&self, _: &Organization, _: &Membership) -> StoreResult<()> {
            unreachable!("not used by these tests")
        }
        async fn add_member(&self, _: &Membership) -> StoreResult<()> {
            unreachable!("not used by these tests")
        }
        async fn create_user(&self, _: &User, _: &TokenRecord) -> StoreResult<()> {
            unreachable!("not used by these tests")
        }
        async fn create_token(&self, _: &TokenRecord) -> StoreResult<()> {
            unreachable!("not used by these tests")
        }
        async fn get_organization(&self, _: OrgId) -> StoreResult<Option<Organization>> {
            unreachable!("not used by these tests")
        }
        async fn memberships_of(&self, _: UserId) -> StoreResult<Vec<(Membership, Organization)>> {
            unreachable!("not used by these tests")
        }
        async fn get_user(&self, _: UserId) -> StoreResult<Option<User>> {
            unreachable!("not used by these tests")
        }
        async fn find_user_by_email(&self, _: &Email) -> StoreResult<Option<User>> {
            unreachable!("not used by these tests")
        }
        async fn find_token(&self, _: &TokenHash) -> StoreResult<Option<TokenRecord>> {
            unreachable!("not used by these tests")
        }
        async fn list_tokens(&self, _: UserId) -> StoreResult<Vec<TokenRecord>> {
            unreachable!("not used by these tests")
        }
        async fn claim_create(&self, _: UserId, _: &str, _: &str, _: &CreateClaim) -> StoreResult<CreateClaim> {
            unreachable!("not used by these tests")
        }
    }

    #[tokio::test]
    async fn a_token_is_looked_up_once_within_the_ttl_and_again_after_a_revocation() {
        let store = Arc::new(OneToken::new());
        let cache = CachingIdentityStore::new(store.clone(), Duration::from_secs(60));
        let hash = TokenHash("h".into());
        let first = cache.principal_by_token(&hash).await.unwrap().expect("the token is known");
        for _ in 0..2 {
            let again = cache.principal_by_token(&hash).await.unwrap().expect("the token is known");
            assert!(Arc::ptr_eq(&first, &again), "the remembered holder is handed out, not a copy");
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 1, "answered from memory after the first read");
        let user = store.holder.lock().unwrap().user.id;
        cache.revoke_token(user, TokenId::new()).await.unwrap();
        let after = cache.principal_by_token(&hash).await.unwrap().unwrap();
        assert!(after.token.revoked_at.is_some(), "the revocation is seen at once");
        // A revoked token is not remembered: every request reads it again.
        cache.principal_by_token(&hash).await.unwrap();
        assert_eq!(store.reads.load(Ordering::SeqCst), 3);
        // Unknown tokens are not remembered either.
        assert!(cache.principal_by_token(&TokenHash("other".into())).await.unwrap().is_none());
        assert_eq!(store.reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let store = Arc::new(OneToken::new());
        let cache = CachingIdentityStore::new(store.clone(), Duration::from_millis(50));
        let hash = TokenHash("h".into());
        cache.principal_by_token(&hash).await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        cache.principal_by_token(&hash).await.unwrap();
        assert_eq!(store.reads.load(Ordering::SeqCst), 2);
    }
}
