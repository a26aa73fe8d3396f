//! Ports: the narrow traits through which the application reaches the outside world.
//! Each has an embedded adapter (`shared/embedded`) and an AWS adapter (`shared/aws`);
//! the contract tests in `tests/` hold both to the same behaviour.

use crate::connector::{Connector, ConnectorType, StoredConnector};
use crate::identity::Email;
use crate::identity::{Membership, Organization, TokenHash, TokenHolder, TokenRecord, User};
use crate::ids::{ConnectorId, OrgId, TokenId, UserId};
use crate::page::Page;
use crate::secret::{SecretKind, SecretRef, SecretValue};
use crate::stored::StoredJson;
use crate::version::Version;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

impl StoreError {
    /// A stored record that does not decode as `what`: trying again will not help.
    pub fn undecodable(what: impl std::fmt::Display, error: impl std::fmt::Display) -> Self {
        Self::Unavailable { message: format!("cannot decode {what}: {error}"), retryable: false }
    }
}

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
    /// memberships (`None` for an unknown token or a deleted user). Shared, so a cache in
    /// front of the store hands it out without copying it.
    async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<std::sync::Arc<TokenHolder>>>;
    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token of `user`; `false` if there was none with that id.
    async fn revoke_token(&self, user: UserId, id: TokenId) -> StoreResult<bool>;

    /// Claims `key` of `user` for a create on `route` (`connectors`, `tokens`, …): writes
    /// `claim` unless a live claim holds the key, and answers the claim that holds it now —
    /// `claim` itself when the key was free (or held by an expired claim).
    async fn claim_create(
        &self,
        user: UserId,
        route: &str,
        key: &str,
        claim: &crate::idempotency::CreateClaim,
    ) -> StoreResult<crate::idempotency::CreateClaim>;
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
    /// The connector as stored, with its placement (a read that answers it as it is skips the
    /// decode).
    async fn get_stored_connector(&self, id: ConnectorId) -> StoreResult<Option<StoredConnector>>;
    async fn get_connector(&self, id: ConnectorId) -> StoreResult<Option<Connector>> {
        match self.get_stored_connector(id).await? {
            Some(stored) => stored.json.decode().map(Some).map_err(|e| StoreError::undecodable(format!("connector {id}"), e)),
            None => Ok(None),
        }
    }
    /// Writes `connector` if the stored revision is `expected_revision`.
    async fn update_connector(&self, connector: &Connector, expected_revision: u64) -> StoreResult<()>;
    /// Oldest first; `next_cursor` holds the last id when more may follow.
    async fn list_connectors(&self, query: &ConnectorQuery) -> StoreResult<Page<StoredJson<Connector>>>;

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
    /// Records where a remote build stands (its id once started, its log position when the
    /// stage stops waiting), so a later delivery of the job re-attaches to it. Sinks that do
    /// not belong to a job ignore it.
    async fn checkpoint(&self, _checkpoint: &crate::pipeline::BuildCheckpoint) {}
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
    /// A build this job started on an earlier delivery: follow it instead of starting one.
    pub resume: Option<crate::pipeline::BuildCheckpoint>,
    /// When a builder that waits on a remote build stops waiting (the stage function's time
    /// budget): it records its checkpoint and answers a retryable failure.
    pub deadline: Option<std::time::Instant>,
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

pub use crate::idempotency::KeyClaim;

/// Jobs, state transitions and the version changes they make — written together.
#[async_trait]
pub trait PipelineStore: Send + Sync {
    /// Atomically: the new job, the version (if its stored revision is `expected_version`),
    /// the transition (if the state changes) and the idempotency key → job (if given).
    /// A key claimed and not expired → `AlreadyExists`; a changed version → `Conflict`.
    async fn start_job(
        &self,
        job: &Job,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        claim: Option<KeyClaim<'_>>,
    ) -> StoreResult<()>;
    /// The job an idempotency key of this connector was first used for, unless its claim
    /// expired before `now`.
    async fn job_for_idempotency_key(&self, connector: ConnectorId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<crate::pipeline::JobId>>;
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
    /// The entries whose release targets one of `places`, in (connector, version) order after
    /// `after`, at most `limit`, and whether more may follow. Found by key: `finish_job` files
    /// a pointer to the entry under every place its release targets. A pointer outlives a place
    /// a later release of the version no longer targets, so callers re-check each entry's
    /// targets (`pipeline::visible_at`).
    async fn catalog_at(&self, places: &[CatalogPlace], after: Option<(ConnectorId, u32)>, limit: usize) -> StoreResult<CatalogPage>;
}

/// A place a release can target and the catalog can be asked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CatalogPlace {
    Account(String),
    Project(String),
    Site(String),
}

impl CatalogPlace {
    /// Every place `targets` names.
    pub fn all_of(targets: &crate::pipeline::Targets) -> Vec<CatalogPlace> {
        let accounts = targets.accounts.iter().cloned().map(Self::Account);
        let projects = targets.projects.iter().cloned().map(Self::Project);
        accounts.chain(projects).chain(targets.sites.iter().cloned().map(Self::Site)).collect()
    }
}

/// The stored body of a pointer to a catalog entry (both adapters write the same).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CatalogPointer {
    pub connector_id: ConnectorId,
    pub version: u32,
}

/// One page of [`PipelineStore::catalog_at`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogPage {
    pub entries: Vec<CatalogEntry>,
    /// Where the next page starts (the last key read), when more may follow.
    pub next: Option<(ConnectorId, u32)>,
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
    /// Appends several lines in order, as one write where the store allows (one transaction
    /// locally, one object on S3). Running jobs write through this (batches of
    /// up to a few hundred lines), so a chatty build never waits on a write per line.
    async fn append_batch(&self, job: crate::pipeline::JobId, lines: &[(crate::pipeline::LogStream, String)]) -> StoreResult<()> {
        for (stream, text) in lines {
            self.append(job, *stream, text).await?;
        }
        Ok(())
    }
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
    /// Removes every registration of the connector's versions (permanent deletion); idempotent.
    async fn deregister(&self, connector: ConnectorId) -> Result<(), StageFailure>;
}

/// The platform directory (accounts, projects, sites) and the dev platform.
#[async_trait]
pub trait Directory: Send + Sync {
    async fn accounts(&self) -> StoreResult<Vec<Account>>;
    async fn projects(&self) -> StoreResult<Vec<Project>>;
    async fn sites(&self) -> StoreResult<Vec<Site>>;
    /// One record by id (a read by key).
    async fn account(&self, id: &str) -> StoreResult<Option<Account>>;
    async fn project(&self, id: &str) -> StoreResult<Option<Project>>;
    async fn site(&self, id: &str) -> StoreResult<Option<Site>>;
    /// Adds a customer record; an id already in use by a record of its kind → `AlreadyExists`.
    async fn add(&self, record: &crate::directory::DirectoryRecord) -> StoreResult<()>;
    /// The version's dev account, project and site, created if missing (idempotent); the
    /// project and site record `owner` (the connector's organization).
    async fn ensure_dev_site(&self, connector: ConnectorId, owner: OrgId, version: u32) -> Result<(Account, Project, Site), StageFailure>;
    /// Installs the connector image on the dev platform (idempotent); the installation id.
    async fn install(&self, connector: ConnectorId, version: u32, digest: &str) -> Result<String, StageFailure>;
    /// Assigns an installation to a site (idempotent).
    async fn assign(&self, site_id: &str, installation_id: &str) -> Result<(), StageFailure>;
}

// ---------------------------------------------------------------------------------------
// Runs, their logs and the vault (PRODUCT.md §6, §8).
// ---------------------------------------------------------------------------------------

use crate::ids::RunId;
use crate::run::{IngestBatch, IngestReceipt, LogQuery, OutputRow, Run, RunLogEntry, RunObservation, RunQuery, StdStream, StdioLine};
use std::collections::BTreeMap;

/// Run records: created queued, updated by conditional writes on `revision`.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Stores a new run and, when given, claims the idempotency key (scoped to the run's
    /// organization) for it, atomically. A key claimed and not expired → `AlreadyExists`.
    async fn create_run(&self, run: &Run, claim: Option<KeyClaim<'_>>) -> StoreResult<()>;
    /// The run an idempotency key of this organization was first used for, unless its claim
    /// expired before `now`.
    async fn run_for_idempotency_key(&self, org: OrgId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<RunId>>;
    async fn get_run(&self, id: RunId) -> StoreResult<Option<Run>>;
    /// The run whose token hashes to `token_hash` (hex SHA-256), whatever its status.
    async fn run_by_token(&self, token_hash: &str) -> StoreResult<Option<Run>>;
    /// Writes `run` if its stored revision is `expected` (the new one is `run.revision`).
    async fn update_run(&self, run: &Run, expected: u64) -> StoreResult<()>;
    /// Newest first, filtered; `next_cursor` holds the last id when more may follow.
    async fn list_runs(&self, query: &RunQuery) -> StoreResult<Page<Run>>;
    /// Runs the reconciler looks after: not yet final (time limits, lost completions), or
    /// final but still holding `values_ref` (their sealed values are deleted a while after
    /// the end, once late output has been redacted).
    async fn unfinished_runs(&self) -> StoreResult<Vec<Run>>;
    /// Removes every run of a connector with its logs, output and input (purge). Idempotent.
    async fn purge_runs(&self, connector: ConnectorId) -> StoreResult<()>;
}

/// What runs said and wrote: log entries, raw stdio, output rows, and the test input
/// given to a dev-site run. Ingestion numbers each run's items (`seq`) exactly once.
#[async_trait]
pub trait RunDataStore: Send + Sync {
    /// Stores a batch (already redacted), numbering its items after the run's last ones.
    /// A batch whose `batch_id` was stored before is not stored again (`duplicate`).
    /// `expires_at` is when the items may be deleted (retention).
    async fn ingest(
        &self,
        connector: ConnectorId,
        version: u32,
        batch: &IngestBatch,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<IngestReceipt>;
    /// Log entries matching `query`, oldest first, at most `query.limit`, with the cursor
    /// of the last one when more may follow. Implementations may stop early within a read
    /// budget and answer fewer items with a cursor (a text search over a long log).
    async fn query_logs(&self, query: &LogQuery) -> StoreResult<Page<RunLogEntry>>;
    /// Matches of `query` in a run (for "n matches" over the whole log), counted within a
    /// read budget: `(count, exact)`, where `exact` is false when counting stopped early (a
    /// very long log) and `count` is then a lower bound.
    async fn count_logs(&self, query: &LogQuery) -> StoreResult<(u64, bool)>;
    /// Raw output lines with `seq > after`, oldest first.
    async fn read_stdio(&self, run: RunId, stream: Option<StdStream>, after: Option<u64>, limit: u32) -> StoreResult<Vec<StdioLine>>;
    /// Output rows with `seq > after`, oldest first.
    async fn read_output(&self, run: RunId, after: Option<u64>, limit: u32) -> StoreResult<Vec<OutputRow>>;
    /// Stores the test input rows of a run (once, before it starts).
    async fn put_input(&self, run: RunId, rows: &[serde_json::Map<String, serde_json::Value>]) -> StoreResult<()>;
    /// Input rows from index `offset`, at most `limit`.
    async fn read_input(&self, run: RunId, offset: u64, limit: u32) -> StoreResult<Vec<serde_json::Map<String, serde_json::Value>>>;
    /// Removes everything of a run (purge). Idempotent.
    async fn delete_run_data(&self, run: RunId) -> StoreResult<()>;
}

/// Everything a runtime needs to start one run. `secret_env` are values it must hand to
/// the process without showing them anywhere (on ECS: never in overrides).
#[derive(Clone, Debug)]
pub struct RunLaunch {
    pub run_id: RunId,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub site_id: String,
    pub digest: String,
    /// The image as the runtime registered it (`Runtime::register`'s answer: an ECS task
    /// definition ARN, `local-runtime:…`).
    pub runtime_ref: String,
    /// Where the build stored the image (`BuiltImage::image_ref`: `oci:DIR:TAG` locally, an
    /// ECR URI on AWS).
    pub image_ref: String,
    /// The connector's organization (for fairness and tagging).
    pub owner: OrgId,
    /// The real argument vector (options mode may carry secret values: they reach only the
    /// process itself).
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub secret_env: Vec<(String, SecretValue)>,
    pub time_limit: std::time::Duration,
}

/// Where a runtime reports what it sees of a run while it runs on this host. The local
/// runtime calls it for every stdout / stderr line and state change; on AWS the same
/// reports arrive as CloudWatch Logs and ECS events instead, and nothing calls it.
#[async_trait]
pub trait RunSink: Send + Sync {
    async fn stdio(&self, run: RunId, lines: Vec<crate::run::NewStdioLine>);
    async fn observed(&self, observation: RunObservation);
}

/// Executes connector images: one process per run.
#[async_trait]
pub trait RunExecutor: Send + Sync {
    /// Starts the run; calling it again for the same run must not start a second process.
    /// Answers the runtime's handle of the process (an ECS task ARN, a local key).
    async fn start(&self, launch: &RunLaunch, sink: std::sync::Arc<dyn RunSink>) -> Result<String, StageFailure>;
    /// Stops a started run (cancel, time limit); idempotent. The final state still comes
    /// through the sink or the runtime's events.
    async fn stop(&self, run: RunId, handle: &str, reason: &str) -> Result<(), StageFailure>;
    /// What the runtime knows of a run now, for runs whose events never came (`None`: unknown).
    async fn observe(&self, run: RunId, handle: &str) -> Result<Option<RunObservation>, StageFailure>;
}

/// The vault: secret values of an organization under paths, referenced by secret
/// registrations and read only when a run starts. Values are never listed.
#[async_trait]
pub trait VaultStore: Send + Sync {
    /// Creates or replaces the fields at `path`.
    async fn put_vault(&self, org: OrgId, path: &str, fields: &BTreeMap<String, SecretValue>) -> StoreResult<()>;
    /// Paths and their field names, never values; sorted by path.
    async fn list_vault(&self, org: OrgId) -> StoreResult<Vec<(String, Vec<String>)>>;
    /// The values at `path` (only for a run being launched).
    async fn read_vault(&self, org: OrgId, path: &str) -> StoreResult<Option<BTreeMap<String, SecretValue>>>;
    /// `false` when there was nothing at `path`.
    async fn delete_vault(&self, org: OrgId, path: &str) -> StoreResult<bool>;
}

/// Hands run work to the functions that do it: a run to launch (the run-launcher), a batch
/// of run output to store (log-ingest). On AWS two SQS queues; on the local host an
/// in-process channel for launches, and ingestion inline.
#[async_trait]
pub trait RunQueue: Send + Sync {
    async fn send_launch(&self, run: RunId) -> StoreResult<()>;
    /// Queues a batch for the log-ingestion function; `false` when this host has no ingest
    /// queue, so the caller ingests inline.
    async fn send_ingest(&self, batch: &IngestBatch) -> StoreResult<bool>;
}
