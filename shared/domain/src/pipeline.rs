//! The release pipeline (PRODUCT.md §5): stages, background jobs, state transitions and
//! what each stage leaves on the version. Pure rules; the use cases in `shared/app` apply
//! them through the ports.

use crate::ids::{ConnectorId, UserId};
use crate::version::VersionState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A background job (one run of one stage on one version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Uuid)]
pub struct JobId(pub Uuid);

impl JobId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for JobId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// The five pipeline steps, strictly in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Build,
    SyncRuntime,
    SyncDev,
    SyncProd,
    Access,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Self::Build, Self::SyncRuntime, Self::SyncDev, Self::SyncProd, Self::Access];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Build => "build",
            Self::SyncRuntime => "sync-runtime",
            Self::SyncDev => "sync-dev",
            Self::SyncProd => "sync-prod",
            Self::Access => "access",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Position in the pipeline a version's state has reached (0 = nothing built).
    fn reached(state: VersionState) -> u8 {
        match state {
            VersionState::Built => 1,
            VersionState::SynchronizedToRuntime => 2,
            VersionState::SynchronizedToDev => 3,
            VersionState::SynchronizedToProd => 4,
            _ => 0,
        }
    }

    /// Whether this stage may start on a version in `state` (with or without a live
    /// production release). `Err` explains why not.
    pub fn check_start(self, state: VersionState, has_production: bool) -> Result<(), String> {
        if state.is_transitional() {
            return Err(format!("transition not allowed, version is `{state}`"));
        }
        let reached = Self::reached(state);
        let ok = match self {
            Self::Build => true,
            Self::SyncRuntime => reached >= 1,
            Self::SyncDev => reached >= 2,
            Self::SyncProd => reached >= 3,
            Self::Access => has_production,
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                Self::Build => unreachable!(),
                Self::SyncRuntime => format!("build the version first: sync with runtime needs a successful build (version is `{state}`)"),
                Self::SyncDev => format!("sync with runtime first (version is `{state}`)"),
                Self::SyncProd => format!("sync with dev first: production promotes what dev ran (version is `{state}`)"),
                Self::Access => "sync with prod first: access applies to a production release".to_string(),
            })
        }
    }

    /// The state while the stage runs (`None`: the stage changes flags, not the state).
    pub fn running_state(self, current: VersionState, has_production: bool) -> Option<VersionState> {
        match self {
            Self::Build => Some(VersionState::Building),
            Self::SyncRuntime => Some(VersionState::SynchronizingToRuntime),
            Self::SyncDev => Some(VersionState::SynchronizingToDev),
            Self::SyncProd if has_production || current == VersionState::SynchronizedToProd => Some(VersionState::ResynchronizingToProd),
            Self::SyncProd => Some(VersionState::SynchronizingToProd),
            Self::Access => None,
        }
    }

    /// The state after success.
    pub fn success_state(self) -> Option<VersionState> {
        match self {
            Self::Build => Some(VersionState::Built),
            Self::SyncRuntime => Some(VersionState::SynchronizedToRuntime),
            Self::SyncDev => Some(VersionState::SynchronizedToDev),
            Self::SyncProd => Some(VersionState::SynchronizedToProd),
            Self::Access => None,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Cancelled)
    }
}

/// Who caused a transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    User {
        id: UserId,
    },
    /// The pipeline itself (a stage finishing, a retry giving up).
    System,
}

/// The scope a production release may be used in, and grants within it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Targets {
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub projects: Vec<String>,
    #[serde(default)]
    pub sites: Vec<String>,
}

impl Targets {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.projects.is_empty() && self.sites.is_empty()
    }
}

/// What an access job changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AccessChange {
    /// Replace the specific grants (each must lie inside the production targets).
    Grant { grants: Targets },
    /// Release globally: visible to everyone in the targets; clears specific grants.
    Release,
    /// Hide from new users; sites already using it keep working.
    Unrelease,
}

/// Stage-specific parameters of a job, fixed when it starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum JobParams {
    Build,
    SyncRuntime,
    SyncDev,
    SyncProd {
        targets: Targets,
    },
    Access {
        change: AccessChange,
    },
    /// Switch production back to an earlier release of the version, without rebuilding.
    Rollback {
        release_id: String,
        reason: String,
    },
}

impl JobParams {
    pub fn stage(&self) -> Stage {
        match self {
            Self::Build => Stage::Build,
            Self::SyncRuntime => Stage::SyncRuntime,
            Self::SyncDev => Stage::SyncDev,
            Self::SyncProd { .. } | Self::Rollback { .. } => Stage::SyncProd,
            Self::Access { .. } => Stage::Access,
        }
    }
}

/// A background job and its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    pub id: JobId,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub stage: Stage,
    pub status: JobStatus,
    pub params: JobParams,
    /// The version's state when the job started; restored if it fails or is cancelled.
    pub from_state: VersionState,
    /// The version's state while the job runs (`None` for access changes).
    pub running_state: Option<VersionState>,
    pub requested_by: UserId,
    /// Why it failed or was cancelled.
    pub reason: Option<String>,
    /// The failing program's exit code, where there is one.
    pub exit_code: Option<i32>,
    /// Set on success: what the stage produced (commit, digest, release id, …).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// How many times a worker started it (re-deliveries after a crash count).
    pub attempts: u32,
    /// The job this one retries, if any.
    pub retry_of: Option<JobId>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub revision: u64,
    /// The worker that runs the job now and until when (stage functions on AWS): another
    /// delivery of its message leaves the job alone while the lease is live.
    #[serde(default)]
    pub lease: Option<JobLease>,
    /// The remote build this job started (CodeBuild), so a later delivery re-attaches to it
    /// instead of starting a second one.
    #[serde(default)]
    pub remote_build: Option<BuildCheckpoint>,
}

/// A worker's claim on a running job: written with the conditional `pending/running → running`
/// update, honoured by every other delivery until `until` (see docs/ARCHITECTURE.md, "The
/// release pipeline").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobLease {
    /// One id per handler invocation.
    pub owner: String,
    pub until: DateTime<Utc>,
}

/// Where a remote build stands: its id and how far its log has been copied into the job log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuildCheckpoint {
    pub build_id: String,
    /// The log reader's position (CloudWatch Logs' forward token); `None` from the start.
    pub log_token: Option<String>,
    /// The builder's marker lines read before that position (commit, digest, failure), which
    /// the answer needs and the log after it will not repeat.
    #[serde(default)]
    pub markers: Vec<String>,
}

/// One recorded state change of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transition {
    pub connector_id: ConnectorId,
    pub version: u32,
    pub from: VersionState,
    pub to: VersionState,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub job_id: Option<JobId>,
    pub reason: Option<String>,
}

/// The queue message that asks a stage worker to run a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMessage {
    pub job_id: JobId,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub stage: Stage,
}

/// Why a build failed (PRODUCT.md §5), each with a clear reason and, where a program
/// failed, its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildFailureKind {
    MissingCredentials,
    CloneFailed,
    DockerfileMissing,
    DockerfileInvalid,
    ImageBuildFailed,
    HealthCheckTimedOut,
    HealthCheckFailed,
    PushFailed,
    /// The builder itself failed (disk, tool missing): may succeed when retried.
    Internal,
    Cancelled,
}

/// A failed build: kind, reason in words, exit code, and whether retrying may help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct BuildFailure {
    pub kind: BuildFailureKind,
    pub reason: String,
    pub exit_code: Option<i32>,
    pub retryable: bool,
}

impl BuildFailure {
    pub fn new(kind: BuildFailureKind, reason: impl Into<String>, exit_code: Option<i32>) -> Self {
        Self { kind, reason: reason.into(), exit_code, retryable: kind == BuildFailureKind::Internal }
    }
}

/// What a successful build leaves on the version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuiltImage {
    /// The commit that was built.
    pub commit: String,
    /// `sha256:…` of the image manifest.
    pub digest: String,
    pub size_bytes: u64,
    /// Where the image is stored (a registry reference or an OCI layout path).
    pub image_ref: String,
}

/// The stream a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
    /// Lines the pipeline itself writes (step headers, outcomes).
    System,
}

/// One line of a job log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub stream: LogStream,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use VersionState::*;

    fn image(digest: &str) -> BuiltImage {
        BuiltImage { commit: "c0ffee".into(), digest: digest.into(), size_bytes: 1, image_ref: format!("registry/x@{digest}") }
    }

    fn release(targets: Targets) -> ProductionRelease {
        ProductionRelease {
            release_id: "r1".into(),
            job_id: JobId::new(),
            digest: "sha256:1".into(),
            commit: "c0ffee".into(),
            configuration: serde_json::json!({}),
            targets,
            released_at: Utc::now(),
        }
    }

    fn deployed() -> Deployment {
        let dev = DevDeployment {
            account_id: "dev".into(),
            project_id: "p".into(),
            site_id: "s".into(),
            installation_id: "i".into(),
            digest: "sha256:1".into(),
        };
        Deployment {
            build: Some(image("sha256:1")),
            runtime_ref: Some("task:1".into()),
            runtime_digest: Some("sha256:1".into()),
            dev: Some(dev),
            production: Some(release(Targets { accounts: vec!["acme".into()], ..Default::default() })),
            ..Default::default()
        }
    }

    #[test]
    fn a_result_that_does_not_fit_its_job_is_refused_and_changes_nothing() {
        let mut d = deployed();
        let before = d.clone();
        let wrong = d.apply(&JobParams::SyncDev, &StageResult::Built(image("sha256:2")), JobId::new(), Utc::now(), &[], &[]);
        assert_eq!(wrong, Err(MismatchedResult { job: "sync-dev", result: "build" }));
        let wrong =
            d.apply(&JobParams::Build, &StageResult::Registered { runtime_ref: "t".into(), digest: "d".into() }, JobId::new(), Utc::now(), &[], &[]);
        assert!(wrong.is_err());
        assert_eq!(d, before, "the build record and everything else are untouched");
    }

    #[test]
    fn a_new_image_must_be_registered_and_deployed_again_while_production_stays() {
        let mut d = deployed();
        let production = d.production.clone();
        let (job, at) = (JobId::new(), Utc::now());
        d.apply(&JobParams::Build, &StageResult::Built(image("sha256:2")), job, at, &[], &[]).unwrap();
        assert_eq!(d.build, Some(image("sha256:2")));
        assert_eq!((d.build_job, d.built_at), (Some(job), Some(at)));
        assert_eq!((d.runtime_ref, d.runtime_digest, d.dev), (None, None, None));
        assert_eq!(d.production, production, "production keeps running the old image");
    }

    #[test]
    fn a_new_release_drops_grants_outside_its_targets() {
        let site = Site {
            id: "acme-live".into(),
            project_id: "acme-shop".into(),
            account_id: "acme".into(),
            name: "Live".into(),
            kind: SiteKind::Production,
            owner_org_id: None,
        };
        let mut d = deployed();
        d.access.grants = Targets { sites: vec!["acme-live".into()], ..Default::default() };
        // Still inside (the site's account is targeted): kept.
        let inside = release(Targets { accounts: vec!["acme".into()], ..Default::default() });
        d.apply(
            &JobParams::SyncProd { targets: inside.targets.clone() },
            &StageResult::Released(inside.clone()),
            JobId::new(),
            Utc::now(),
            std::slice::from_ref(&site),
            &[],
        )
        .unwrap();
        assert_eq!(d.access.grants.sites, ["acme-live"]);
        assert_eq!((d.production.as_ref(), d.releases.len()), (Some(&inside), 1));
        // Outside: dropped.
        let elsewhere = release(Targets { accounts: vec!["globex".into()], ..Default::default() });
        let params = JobParams::SyncProd { targets: elsewhere.targets.clone() };
        d.apply(&params, &StageResult::Released(elsewhere.clone()), JobId::new(), Utc::now(), &[site], &[]).unwrap();
        assert_eq!(d.access.grants, Targets::default());
        assert_eq!(d.releases.len(), 2);
    }

    #[test]
    fn results_show_as_their_records_own_fields() {
        let built = serde_json::to_value(StageResult::Built(image("sha256:2"))).unwrap();
        assert_eq!(built, serde_json::to_value(image("sha256:2")).unwrap());
        let registered = serde_json::to_value(StageResult::Registered { runtime_ref: "t".into(), digest: "d".into() }).unwrap();
        assert_eq!(registered, serde_json::json!({"runtime_ref": "t", "digest": "d"}));
    }

    #[test]
    fn stages_run_strictly_in_order() {
        assert!(Stage::Build.check_start(Created, false).is_ok());
        assert!(Stage::SyncRuntime.check_start(Created, false).is_err());
        assert!(Stage::SyncRuntime.check_start(Built, false).is_ok());
        assert!(Stage::SyncDev.check_start(Built, false).is_err());
        assert!(Stage::SyncDev.check_start(SynchronizedToRuntime, false).is_ok());
        assert!(Stage::SyncProd.check_start(SynchronizedToRuntime, false).is_err());
        assert!(Stage::SyncProd.check_start(SynchronizedToDev, false).is_ok());
        assert!(Stage::Access.check_start(SynchronizedToDev, false).is_err());
        assert!(Stage::Access.check_start(SynchronizedToProd, true).is_ok());
        // A configuration edit (`updated`) means: build again before anything else.
        assert!(Stage::SyncRuntime.check_start(Updated, true).is_err());
        assert!(Stage::Build.check_start(Updated, true).is_ok());
    }

    #[test]
    fn nothing_starts_while_a_step_runs() {
        for s in Stage::ALL {
            let e = s.check_start(Building, true).unwrap_err();
            assert_eq!(e, "transition not allowed, version is `building`");
        }
    }

    #[test]
    fn running_and_success_states() {
        assert_eq!(Stage::Build.running_state(Created, false), Some(Building));
        assert_eq!(Stage::Build.success_state(), Some(Built));
        assert_eq!(Stage::SyncProd.running_state(SynchronizedToDev, false), Some(SynchronizingToProd));
        assert_eq!(Stage::SyncProd.running_state(SynchronizedToDev, true), Some(ResynchronizingToProd));
        assert_eq!(Stage::SyncProd.running_state(SynchronizedToProd, true), Some(ResynchronizingToProd));
        assert_eq!(Stage::Access.running_state(SynchronizedToProd, true), None);
        assert_eq!(Stage::Access.success_state(), None);
    }

    #[test]
    fn only_internal_build_failures_are_retryable() {
        assert!(BuildFailure::new(BuildFailureKind::Internal, "disk full", None).retryable);
        assert!(!BuildFailure::new(BuildFailureKind::HealthCheckFailed, "exited with code 3", Some(3)).retryable);
    }

    #[test]
    fn stage_names() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(serde_json::to_value(Stage::SyncRuntime).unwrap(), "sync-runtime");
    }
}

/// An account of the platform hierarchy (Account → Project → Site).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Project {
    pub id: String,
    pub account_id: String,
    pub name: String,
    /// A dev project's organization (the connector's owner): only its members see it.
    /// `None` for the platform's customer projects, which everyone may target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_org_id: Option<crate::ids::OrgId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Dev,
    Production,
}

/// Where connectors run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Site {
    pub id: String,
    pub project_id: String,
    pub account_id: String,
    pub name: String,
    pub kind: SiteKind,
    /// A dev site's organization (the connector's owner): only its members see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_org_id: Option<crate::ids::OrgId>,
}

/// The version's dev deployment, made by *Sync with dev*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DevDeployment {
    pub account_id: String,
    pub project_id: String,
    pub site_id: String,
    pub installation_id: String,
    pub digest: String,
}

/// A production release: the configuration and image digest promoted, within targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductionRelease {
    pub release_id: String,
    pub job_id: JobId,
    pub digest: String,
    pub commit: String,
    /// The version's configuration when the release was made (secrets as references only).
    #[schema(value_type = Object)]
    pub configuration: serde_json::Value,
    pub targets: Targets,
    pub released_at: DateTime<Utc>,
}

/// Who may use a production release (PRODUCT.md §5 *Enable access*).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Access {
    /// Specific grants, each inside the production targets.
    pub grants: Targets,
    /// Released globally to everyone within the targets.
    pub released: bool,
    /// Hidden from new users (sites already using it keep working).
    pub unreleased: bool,
}

/// What the pipeline has produced for a version, stage by stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deployment {
    pub build: Option<BuiltImage>,
    /// The job that built `build` (absent on records written before it was kept).
    #[serde(default)]
    pub build_job: Option<JobId>,
    /// When `build` finished.
    #[serde(default)]
    pub built_at: Option<DateTime<Utc>>,
    /// The runtime's reference for the registered image.
    pub runtime_ref: Option<String>,
    pub runtime_digest: Option<String>,
    pub dev: Option<DevDeployment>,
    pub production: Option<ProductionRelease>,
    /// Every production release ever made of this version, oldest first (for rollback).
    #[serde(default)]
    pub releases: Vec<ProductionRelease>,
    #[serde(default)]
    pub access: Access,
    /// The job of the step running now, if any.
    pub active_job: Option<JobId>,
}

/// What a stage produced: the typed record a finished job applies to its version
/// ([`Deployment::apply`]) and shows, as JSON, in the job's `result` (untagged, so each kind
/// is its record's own fields).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StageResult {
    /// Build: the image, health-checked and stored.
    Built(BuiltImage),
    /// Sync with runtime: the runtime's reference for the registered image.
    Registered { runtime_ref: String, digest: String },
    /// Sync with dev: where the image now runs for testing.
    DeployedToDev(DevDeployment),
    /// Sync with prod: the new production release.
    Released(ProductionRelease),
    /// Enable access: the change made.
    AccessChanged(AccessChange),
    /// Rollback: the earlier release production switches back to.
    RolledBack(ProductionRelease),
}

impl StageResult {
    fn kind(&self) -> &'static str {
        match self {
            Self::Built(_) => "build",
            Self::Registered { .. } => "sync-runtime",
            Self::DeployedToDev(_) => "sync-dev",
            Self::Released(_) => "sync-prod",
            Self::AccessChanged(_) => "access",
            Self::RolledBack(_) => "rollback",
        }
    }
}

/// A stage result that does not belong to the job it would finish: applying it is refused and
/// the deployment stays as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {result} result cannot finish a {job} job")]
pub struct MismatchedResult {
    pub job: &'static str,
    pub result: &'static str,
}

impl Deployment {
    /// Applies what a finished job produced: a new image must be registered and deployed to
    /// dev again (production stays); a new or rolled-back production release drops grants that
    /// fall outside its targets (`grant_sites` / `grant_projects`: the directory records of the
    /// current grants, for [`within_targets`]); an access change sets the access flags.
    pub fn apply(
        &mut self,
        params: &JobParams,
        result: &StageResult,
        job: JobId,
        finished_at: DateTime<Utc>,
        grant_sites: &[Site],
        grant_projects: &[Project],
    ) -> Result<(), MismatchedResult> {
        let trim_grants = |access: &mut Access, release: &ProductionRelease| {
            if within_targets(&access.grants, &release.targets, grant_sites, grant_projects).is_err() {
                access.grants = Targets::default();
            }
        };
        match (params, result) {
            (JobParams::Build, StageResult::Built(image)) => {
                self.build = Some(image.clone());
                self.build_job = Some(job);
                self.built_at = Some(finished_at);
                self.runtime_ref = None;
                self.runtime_digest = None;
                self.dev = None;
            }
            (JobParams::SyncRuntime, StageResult::Registered { runtime_ref, digest }) => {
                self.runtime_ref = Some(runtime_ref.clone());
                self.runtime_digest = Some(digest.clone());
            }
            (JobParams::SyncDev, StageResult::DeployedToDev(dev)) => self.dev = Some(dev.clone()),
            (JobParams::SyncProd { .. }, StageResult::Released(release)) => {
                trim_grants(&mut self.access, release);
                self.releases.push(release.clone());
                self.production = Some(release.clone());
            }
            (JobParams::Rollback { .. }, StageResult::RolledBack(release)) => {
                trim_grants(&mut self.access, release);
                self.production = Some(release.clone());
            }
            (JobParams::Access { .. }, StageResult::AccessChanged(change)) => match change {
                AccessChange::Grant { grants } => self.access.grants = grants.clone(),
                AccessChange::Release => {
                    self.access.released = true;
                    self.access.unreleased = false;
                    self.access.grants = Targets::default();
                }
                AccessChange::Unrelease => self.access.unreleased = true,
            },
            (params, result) => {
                let job = match params {
                    JobParams::Rollback { .. } => "rollback",
                    p => p.stage().as_str(),
                };
                return Err(MismatchedResult { job, result: result.kind() });
            }
        }
        Ok(())
    }
}

/// Whether `inner` lies inside `outer` given the directory (a site is inside a target
/// project/account; a project inside a target account).
pub fn within_targets(grants: &Targets, targets: &Targets, sites: &[Site], projects: &[Project]) -> Result<(), String> {
    for a in &grants.accounts {
        if !targets.accounts.contains(a) {
            return Err(format!("account `{a}` is outside the production targets"));
        }
    }
    for p in &grants.projects {
        let account = projects.iter().find(|x| &x.id == p).map(|x| x.account_id.clone());
        let inside = targets.projects.contains(p) || account.is_some_and(|a| targets.accounts.contains(&a));
        if !inside {
            return Err(format!("project `{p}` is outside the production targets"));
        }
    }
    for s in &grants.sites {
        let site = sites.iter().find(|x| &x.id == s);
        let inside =
            targets.sites.contains(s) || site.is_some_and(|x| targets.projects.contains(&x.project_id) || targets.accounts.contains(&x.account_id));
        if !inside {
            return Err(format!("site `{s}` is outside the production targets"));
        }
    }
    Ok(())
}

/// The most places (accounts, projects and sites together) one release's targets or one
/// access change's grants may name: a release's catalog pointers are written with it in one
/// transaction (DynamoDB takes 100 items per transaction).
pub const MAX_TARGETS: usize = 50;

/// Whether a release with `targets` and `access` may be used at the given place.
pub fn visible_at(targets: &Targets, access: &Access, site: Option<&Site>, project: Option<&Project>, account: Option<&str>) -> bool {
    let covers = |t: &Targets| -> bool {
        if let Some(s) = site {
            return t.sites.contains(&s.id) || t.projects.contains(&s.project_id) || t.accounts.contains(&s.account_id);
        }
        if let Some(p) = project {
            return t.projects.contains(&p.id) || t.accounts.contains(&p.account_id);
        }
        if let Some(a) = account {
            return t.accounts.iter().any(|x| x == a);
        }
        false
    };
    if !covers(targets) {
        return false;
    }
    if access.released && !access.unreleased {
        return true;
    }
    covers(&access.grants)
}
