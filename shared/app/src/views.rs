//! What the use cases answer: read models shaped for the API (and documented in its
//! OpenAPI schema). Secrets appear here only as presence flags or public halves.

use chrono::{DateTime, Utc};
use devportal_domain::connector::Connector;
use devportal_domain::execution::ExecutionPreview;
use devportal_domain::identity::{Role, TokenRecord, TokenScope, User};
use devportal_domain::ids::UserId;
use devportal_domain::ids::{ConnectorId, OrgId, TokenId};
use devportal_domain::pipeline::{Access, Deployment, DevDeployment, Job, JobId, JobParams, JobStatus, ProductionRelease, Stage, Targets};
use devportal_domain::version::{Version, VersionState};
use devportal_domain::wizard::auth::AuthConfig;
use devportal_domain::wizard::individual::IndividualConfig;
use devportal_domain::wizard::vcs::{Authorization, VcsConfig};
use devportal_domain::wizard::{step_statuses, ApplicationConfig, Step, StepStatus, TypeSpecificConfig, VersionConfig};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: OrgId,
    pub name: String,
    /// The caller's role in it.
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: User,
    /// The token this request was made with.
    pub token_id: TokenId,
    /// That token's scope.
    pub token_scope: TokenScope,
    pub organizations: Vec<OrganizationView>,
}

/// A token as listed: never its secret or hash.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    /// `read`: only `GET` requests; `write`: whatever the user may do.
    pub scope: TokenScope,
    /// When it stops authenticating (`null`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether `expires_at` has passed.
    pub expired: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&TokenRecord> for TokenView {
    fn from(t: &TokenRecord) -> Self {
        Self { id: t.id, name: t.name.clone(), scope: t.scope, expires_at: t.expires_at, expired: t.is_expired(Utc::now()), created_at: t.created_at }
    }
}

/// Version control as shown: the token only as `has_token`, the deploy key only as its public half.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VcsView {
    pub authorization: Authorization,
    pub url: String,
    pub branch: String,
    pub username: Option<String>,
    pub has_token: bool,
    pub deploy_key_public: Option<String>,
}

impl From<&VcsConfig> for VcsView {
    fn from(v: &VcsConfig) -> Self {
        Self {
            authorization: v.authorization,
            url: v.url.clone(),
            branch: v.branch.clone(),
            username: v.username.clone(),
            has_token: v.token.is_some(),
            deploy_key_public: v.deploy_key.as_ref().map(|k| k.public.clone()),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConfigurationView {
    pub vcs: Option<VcsView>,
    pub application: Option<ApplicationConfig>,
    pub auth: AuthConfig,
    pub individual: IndividualConfig,
    pub type_specific: Option<TypeSpecificConfig>,
}

impl From<&VersionConfig> for ConfigurationView {
    fn from(c: &VersionConfig) -> Self {
        Self {
            vcs: c.vcs.as_ref().map(VcsView::from),
            application: c.application.clone(),
            auth: c.auth.clone(),
            individual: c.individual.clone(),
            type_specific: c.type_specific.clone(),
        }
    }
}

impl ConfigurationView {
    /// The view of a configuration snapshot stored as JSON (a production release's): secret
    /// references become flags, as in the wizard. A snapshot that no longer parses shows as
    /// empty rather than raw, so a reference can never leak through it.
    pub fn of_snapshot(snapshot: &serde_json::Value) -> Self {
        let config: VersionConfig = serde_json::from_value(snapshot.clone()).unwrap_or_default();
        Self::from(&config)
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub connector_id: ConnectorId,
    pub number: u32,
    pub state: VersionState,
    pub revision: u64,
    /// Every required wizard step is complete.
    pub buildable: bool,
    pub steps: Vec<StepStatus>,
    pub configuration: ConfigurationView,
    /// Where the version stands in the release pipeline.
    pub deployment: DeploymentView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The built image as shown: its digest, never where it is stored (a registry path or an
/// OCI layout on disk is internal).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BuiltImageView {
    pub commit: String,
    /// `sha256:…` of the image manifest.
    pub digest: String,
    pub size_bytes: u64,
    /// When the build finished (absent for builds recorded before it was kept).
    pub built_at: Option<DateTime<Utc>>,
    /// The job that built it.
    pub job_id: Option<JobId>,
}

/// The runtime registration: which digest the runtime runs (its internal reference, an ARN
/// or a path, is not shown).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuntimeView {
    pub digest: String,
}

/// A production release as shown: without its configuration snapshot (which holds secret
/// references).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReleaseSummaryView {
    pub release_id: String,
    pub job_id: JobId,
    pub digest: String,
    pub commit: String,
    pub targets: Targets,
    pub released_at: DateTime<Utc>,
}

impl From<&ProductionRelease> for ReleaseSummaryView {
    fn from(r: &ProductionRelease) -> Self {
        Self {
            release_id: r.release_id.clone(),
            job_id: r.job_id,
            digest: r.digest.clone(),
            commit: r.commit.clone(),
            targets: r.targets.clone(),
            released_at: r.released_at,
        }
    }
}

/// `VersionView::deployment`: what each pipeline step has produced for the version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeploymentView {
    /// *Build*: the image, when built.
    pub image: Option<BuiltImageView>,
    /// *Sync with runtime*: the registered image.
    pub runtime: Option<RuntimeView>,
    /// *Sync with dev*: the dev site (account, project, site) and the digest it runs.
    pub dev: Option<DevDeployment>,
    /// *Sync with prod*: the live production release.
    pub production: Option<ReleaseSummaryView>,
    /// *Enable access*: specific grants and the global release flags.
    pub access: Access,
    /// Released globally and not unreleased.
    pub released: bool,
    /// This version is the connector's main version.
    pub main: bool,
    /// The job of the step running now, if any.
    pub active_job: Option<JobId>,
}

impl DeploymentView {
    pub fn new(connector: &Connector, v: &Version) -> Self {
        let d: &Deployment = &v.deployment;
        Self {
            image: d.build.as_ref().map(|b| BuiltImageView {
                commit: b.commit.clone(),
                digest: b.digest.clone(),
                size_bytes: b.size_bytes,
                built_at: d.built_at,
                job_id: d.build_job,
            }),
            runtime: d.runtime_digest.as_ref().filter(|_| d.runtime_ref.is_some()).map(|digest| RuntimeView { digest: digest.clone() }),
            dev: d.dev.clone(),
            production: d.production.as_ref().map(ReleaseSummaryView::from),
            access: d.access.clone(),
            released: d.access.released && !d.access.unreleased,
            main: connector.main_version == Some(v.number),
            active_job: d.active_job,
        }
    }
}

impl VersionView {
    pub fn new(connector: &Connector, v: &Version) -> Self {
        let steps = step_statuses(connector.connector_type, &v.config);
        let buildable = steps.iter().all(|s| s.requirement != devportal_domain::wizard::Requirement::Required || s.complete);
        Self {
            connector_id: v.connector_id,
            number: v.number,
            state: v.state,
            revision: v.revision,
            buildable,
            steps,
            configuration: ConfigurationView::from(&v.config),
            deployment: DeploymentView::new(connector, v),
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// The body of one wizard step as stored (secrets as flags).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StepData {
    Vcs(Option<VcsView>),
    Application(Option<ApplicationConfig>),
    Auth(AuthConfig),
    Individual(IndividualConfig),
    TypeSpecific(Option<TypeSpecificConfig>),
    Execution(Option<ExecutionPreview>),
}

/// `GET`/`PUT …/steps/{step}`: the step's data with its status and the version's revision.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StepView {
    pub step: Step,
    pub status: StepStatus,
    /// The version's revision after this answer; send it back to guard the next `PUT`.
    pub revision: u64,
    pub state: VersionState,
    pub data: StepData,
}

/// The answer of `POST …/vcs/test`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VcsTestView {
    pub ok: bool,
    /// Head commit of the branch, when reachable.
    pub commit: Option<String>,
    /// Why the branch cannot be read, when not.
    pub reason: Option<String>,
    pub url: String,
    pub branch: String,
}

/// A job as shown: its outcome with host paths redacted, without the worker's lease or the
/// remote build's id and log position (how the workers coordinate, not what the job did).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(as = Job)]
pub struct JobView {
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
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        Self {
            id: j.id,
            connector_id: j.connector_id,
            version: j.version,
            stage: j.stage,
            status: j.status,
            params: j.params,
            from_state: j.from_state,
            running_state: j.running_state,
            requested_by: j.requested_by,
            reason: j.reason,
            exit_code: j.exit_code,
            result: j.result,
            attempts: j.attempts,
            retry_of: j.retry_of,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            revision: j.revision,
        }
    }
}
