//! What the use cases answer: read models shaped for the API (and documented in its
//! OpenAPI schema). Secrets appear here only as presence flags or public halves.

use chrono::{DateTime, Utc};
use devportal_domain::connector::Connector;
use devportal_domain::execution::ExecutionPreview;
use devportal_domain::identity::{Role, TokenRecord, User};
use devportal_domain::ids::{ConnectorId, OrgId, TokenId};
use devportal_domain::version::{Version, VersionState};
use devportal_domain::wizard::auth::AuthConfig;
use devportal_domain::wizard::individual::IndividualConfig;
use devportal_domain::wizard::vcs::{Authorization, VcsConfig};
use devportal_domain::wizard::{step_statuses, ApplicationConfig, Step, StepStatus, TypeSpecificConfig};
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
    pub organizations: Vec<OrganizationView>,
}

/// A token as listed: never its secret or hash.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&TokenRecord> for TokenView {
    fn from(t: &TokenRecord) -> Self {
        Self { id: t.id, name: t.name.clone(), created_at: t.created_at }
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            configuration: ConfigurationView {
                vcs: v.config.vcs.as_ref().map(VcsView::from),
                application: v.config.application.clone(),
                auth: v.config.auth.clone(),
                individual: v.config.individual.clone(),
                type_specific: v.config.type_specific.clone(),
            },
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
