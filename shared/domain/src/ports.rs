//! Ports: the narrow traits through which the application reaches the outside world.
//! Each has an embedded adapter (`shared/embedded`) and an AWS adapter (`shared/aws`);
//! the contract tests in `tests/` hold both to the same behaviour.

use crate::connector::{Connector, ConnectorType};
use crate::identity::{Membership, Organization, TokenHash, TokenRecord, User};
use crate::ids::{ConnectorId, OrgId, TokenId, UserId};
use crate::identity::Email;
use crate::page::Page;
use crate::secret::{SecretKind, SecretRef, SecretValue};
use crate::version::Version;
use async_trait::async_trait;

/// Failures of a storage adapter. `Conflict` and `AlreadyExists` are answers, not faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the record changed since it was read.
    #[error("revision conflict: the current revision is {current}")]
    Conflict { current: u64 },
    /// A create collided with an existing unique key.
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    /// The record to update does not exist (any more).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The store could not be reached or failed; `retryable` says whether trying again may help.
    #[error("storage failure: {message}")]
    Unavailable { message: String, retryable: bool },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Organizations, users, memberships and token hashes.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Creates the organization with its first admin membership, atomically.
    async fn create_organization(&self, org: &Organization, admin: &Membership) -> StoreResult<()>;
    async fn get_organization(&self, id: OrgId) -> StoreResult<Option<Organization>>;
    /// The memberships of a user, with their organizations.
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Membership, Organization)>>;
    /// Adds a member; `AlreadyExists` if they already are one.
    async fn add_member(&self, membership: &Membership) -> StoreResult<()>;

    /// Creates a user (unique e-mail) with a first token, atomically.
    async fn create_user(&self, user: &User, first_token: &TokenRecord) -> StoreResult<()>;
    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;

    /// Stores a token; `AlreadyExists` if its hash is already known.
    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()>;
    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenRecord>>;
    /// Everything authentication needs in one call: the token, its user and the user's
    /// memberships (`None` for an unknown token or a deleted user).
    async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<(TokenRecord, User, Vec<Membership>)>>;
    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token of `user`; `false` if there was none with that id.
    async fn revoke_token(&self, user: UserId, id: TokenId) -> StoreResult<bool>;
}

/// Filters of the connector list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectorQuery {
    /// Only connectors owned by these organizations (the caller's).
    pub orgs: Vec<OrgId>,
    pub name_contains: Option<String>,
    pub connector_type: Option<ConnectorType>,
    pub released: Option<bool>,
    /// Exclusive: connectors created after this one (ids are time-ordered).
    pub after: Option<ConnectorId>,
    pub limit: u32,
    /// List the bin (binned connectors) instead of the live ones.
    pub binned: bool,
}

/// Connectors and their versions.
#[async_trait]
pub trait ConnectorStore: Send + Sync {
    /// Creates a connector with its first version, atomically.
    async fn create_connector(&self, connector: &Connector, first: &Version) -> StoreResult<()>;
    async fn get_connector(&self, id: ConnectorId) -> StoreResult<Option<Connector>>;
    /// Writes `connector` if the stored revision is `expected_revision`.
    async fn update_connector(&self, connector: &Connector, expected_revision: u64) -> StoreResult<()>;
    /// Oldest first; `next_cursor` holds the last id when more may follow.
    async fn list_connectors(&self, query: &ConnectorQuery) -> StoreResult<Page<Connector>>;

    async fn get_version(&self, connector: ConnectorId, number: u32) -> StoreResult<Option<Version>>;
    async fn list_versions(&self, connector: ConnectorId) -> StoreResult<Vec<Version>>;
    /// Writes `version` if the stored revision is `expected_revision`.
    async fn update_version(&self, version: &Version, expected_revision: u64) -> StoreResult<()>;
    /// Adds a version; `AlreadyExists` if its number is taken.
    async fn create_version(&self, version: &Version) -> StoreResult<()>;
    /// Deletes a version if its stored revision is `expected_revision`.
    async fn delete_version(&self, connector: ConnectorId, number: u32, expected_revision: u64) -> StoreResult<()>;
    /// Stores the (sanitised) SVG logo, replacing any previous one.
    async fn put_logo(&self, connector: ConnectorId, svg: &str) -> StoreResult<()>;
    async fn get_logo(&self, connector: ConnectorId) -> StoreResult<Option<String>>;
    /// Connectors moved to the bin before `cutoff` (for the retention purge).
    async fn binned_before(&self, cutoff: chrono::DateTime<chrono::Utc>) -> StoreResult<Vec<ConnectorId>>;
    /// Removes the connector and every record it owns in the store: versions, jobs,
    /// transitions, idempotency keys, catalog entries, the logo. Idempotent.
    async fn purge_connector(&self, connector: ConnectorId) -> StoreResult<()>;
}

/// Secret values (Git tokens, deploy keys). Configuration stores only the returned reference.
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn put(&self, kind: SecretKind, owner: ConnectorId, value: &SecretValue) -> StoreResult<SecretRef>;
    async fn get(&self, reference: &SecretRef) -> StoreResult<Option<SecretValue>>;
    /// Idempotent: deleting a missing secret succeeds.
    async fn delete(&self, reference: &SecretRef) -> StoreResult<()>;
}

/// How to reach a Git remote for a probe or a clone.
#[derive(Clone, Debug)]
pub enum GitCredentials {
    None,
    Basic { username: String, token: SecretValue },
    DeployKey { private_key: SecretValue },
}

/// The answer of a connection test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitProbeOutcome {
    /// The branch exists; its head commit.
    Reachable { commit: String },
    /// Why not, in words a developer can act on (never containing a secret).
    Unreachable { reason: String },
}

/// Checks that a branch of a remote repository can be read (`git ls-remote`).
#[async_trait]
pub trait GitRemote: Send + Sync {
    async fn probe(&self, url: &str, branch: &str, credentials: &GitCredentials) -> GitProbeOutcome;
}

// ---------------------------------------------------------------------------------------
// Release pipeline ports.
// ---------------------------------------------------------------------------------------

use crate::pipeline::{BuildFailure, BuiltImage, JobId, LogStream};

/// Where a running job writes its log; lines are readable while the job runs.
#[async_trait]
pub trait LogSink: Send + Sync {
    async fn line(&self, stream: LogStream, text: &str);
}

/// Polled by long-running work to stop early when the job was cancelled.
pub trait Cancellation: Send + Sync {
    fn is_cancelled(&self) -> bool;
}

/// Everything a builder needs to build one version's image.
#[derive(Clone, Debug)]
pub struct BuildRequest {
    pub job_id: JobId,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub url: String,
    pub branch: String,
    pub credentials: GitCredentials,
    /// Where `credentials`' secret is stored (the version's `vcs.token` or
    /// `vcs.deploy_key.private`), for builders that hand the secret to a remote build by
    /// reference instead of by value (CodeBuild reads it from Secrets Manager itself). `None`
    /// for public repositories. Builders running Git themselves use `credentials`.
    pub credential_ref: Option<SecretRef>,
    /// `command arguments health_check`, run in a throw-away container of the new image.
    pub health_check_argv: Vec<String>,
    /// Limit of the health check (5 s by the product's rules).
    pub health_check_timeout: std::time::Duration,
}

/// Builds an image from a Git repository's `Dockerfile`: clone at the branch (recording the
/// commit), build, health-check in a throw-away container, store the image, report digest
/// and size. Must be safe to call again for the same job (at-least-once delivery).
#[async_trait]
pub trait ImageBuilder: Send + Sync {
    async fn build(&self, request: &BuildRequest, log: &dyn LogSink, cancel: &dyn Cancellation) -> Result<BuiltImage, BuildFailure>;
    /// Removes every stored image of a connector (permanent deletion). Idempotent.
    async fn delete_images(&self, connector: ConnectorId) -> Result<(), StageFailure>;
}

use crate::pipeline::{Account, Job, LogLine, Project, Site, Stage, StageMessage, Transition};

/// A production release as listed in the catalog.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogEntry {
    pub connector_id: ConnectorId,
    pub version: u32,
    pub release: crate::pipeline::ProductionRelease,
    pub access: crate::pipeline::Access,
}

/// Jobs, state transitions and the version changes they make — written together.
#[async_trait]
pub trait PipelineStore: Send + Sync {
    /// Atomically: the new job, the version (if its stored revision is `expected_version`),
    /// the transition (if the state changes) and the idempotency key → job (if given).
    /// A used idempotency key → `AlreadyExists`; a changed version → `Conflict`.
    async fn start_job(
        &self,
        job: &Job,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        idempotency_key: Option<&str>,
    ) -> StoreResult<()>;
    /// The job an idempotency key of this connector was first used for.
    async fn job_for_idempotency_key(&self, connector: ConnectorId, key: &str) -> StoreResult<Option<crate::pipeline::JobId>>;
    async fn get_job(&self, id: crate::pipeline::JobId) -> StoreResult<Option<Job>>;
    /// Newest first.
    async fn list_jobs(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Job>>;
    /// Writes `job` if its stored revision is `expected`.
    async fn update_job(&self, job: &Job, expected: u64) -> StoreResult<()>;
    /// Atomically: the job (if at `expected_job`), the version (if at `expected_version`),
    /// the transition, and the catalog entry of the version (`Some` writes, `None` keeps).
    async fn finish_job(
        &self,
        job: &Job,
        expected_job: u64,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        catalog: Option<&CatalogEntry>,
    ) -> StoreResult<()>;
    /// A version change outside a job (a configuration edit making a built version `updated`).
    async fn update_version_with_transition(&self, version: &Version, expected: u64, transition: &Transition) -> StoreResult<()>;
    /// Oldest first.
    async fn list_transitions(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Transition>>;
    /// Jobs still `pending` or `running` (for recovery of lost queue messages).
    async fn unfinished_jobs(&self) -> StoreResult<Vec<Job>>;
    /// Every production release with its access.
    async fn catalog(&self) -> StoreResult<Vec<CatalogEntry>>;
}

/// A message handed to a worker; `attempt` counts deliveries (1 = first).
#[derive(Clone, Debug)]
pub struct Delivery {
    pub receipt: String,
    pub message: StageMessage,
    pub attempt: u32,
}

/// A message that exhausted its attempts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeadLetter {
    pub message_id: String,
    pub stage: Stage,
    pub job_id: crate::pipeline::JobId,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub attempts: u32,
    pub error: String,
    pub dead_at: chrono::DateTime<chrono::Utc>,
}

/// One queue per stage, at-least-once: a received message stays invisible for the
/// visibility timeout and comes back unless acknowledged.
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn send(&self, message: &StageMessage) -> StoreResult<()>;
    async fn receive(&self, stage: Stage, max: usize, visibility: std::time::Duration) -> StoreResult<Vec<Delivery>>;
    async fn ack(&self, delivery: &Delivery) -> StoreResult<()>;
    /// Visible again after `delay` (a retryable failure).
    async fn retry_later(&self, delivery: &Delivery, delay: std::time::Duration, error: &str) -> StoreResult<()>;
    /// Parked for good; listed by [`JobQueue::dead_letters`].
    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> StoreResult<()>;
    async fn dead_letters(&self) -> StoreResult<Vec<DeadLetter>>;
}

/// Job logs, appended live and read with a cursor.
#[async_trait]
pub trait JobLogStore: Send + Sync {
    async fn append(&self, job: crate::pipeline::JobId, stream: crate::pipeline::LogStream, text: &str) -> StoreResult<()>;
    /// Lines with `seq > after`, oldest first, at most `limit`.
    async fn read(&self, job: crate::pipeline::JobId, after: Option<u64>, limit: usize) -> StoreResult<Vec<LogLine>>;
    /// Removes a job's log (permanent deletion of its connector). Idempotent.
    async fn delete(&self, job: crate::pipeline::JobId) -> StoreResult<()>;
}

/// A failure of a non-build stage: retryable ones are tried again by the queue.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct StageFailure {
    pub reason: String,
    pub retryable: bool,
}

/// The runtime that executes connector images.
#[async_trait]
pub trait Runtime: Send + Sync {
    /// Registers the image by digest; idempotent. Answers the runtime's reference.
    async fn register(&self, connector: ConnectorId, version: u32, digest: &str, image_ref: &str) -> Result<String, StageFailure>;
}

/// The platform directory (accounts, projects, sites) and the dev platform.
#[async_trait]
pub trait Directory: Send + Sync {
    async fn accounts(&self) -> StoreResult<Vec<Account>>;
    async fn projects(&self) -> StoreResult<Vec<Project>>;
    async fn sites(&self) -> StoreResult<Vec<Site>>;
    /// The version's dev account, project and site, created if missing (idempotent).
    async fn ensure_dev_site(&self, connector: ConnectorId, version: u32) -> Result<(Account, Project, Site), StageFailure>;
    /// Installs the connector image on the dev platform (idempotent); the installation id.
    async fn install(&self, connector: ConnectorId, version: u32, digest: &str) -> Result<String, StageFailure>;
    /// Assigns an installation to a site (idempotent).
    async fn assign(&self, site_id: &str, installation_id: &str) -> Result<(), StageFailure>;
}
