//! The seven-step setup wizard of a version (PRODUCT.md §4): each step's configuration, its
//! parsing rules, and which steps a connector type requires before it can be built.

pub mod application;
pub mod auth;
pub mod individual;
pub mod type_specific;
pub mod url_policy;
pub mod vcs;

use crate::connector::ConnectorType;
use serde::{Deserialize, Serialize};

pub use application::ApplicationConfig;
pub use auth::AuthConfig;
pub use individual::IndividualConfig;
pub use type_specific::TypeSpecificConfig;
pub use vcs::VcsConfig;

/// Everything the wizard configures for one version. Details live on the connector.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionConfig {
    pub vcs: Option<VcsConfig>,
    pub application: Option<ApplicationConfig>,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub individual: IndividualConfig,
    pub type_specific: Option<TypeSpecificConfig>,
}

/// The wizard steps, in the order the UI shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Details,
    Vcs,
    Application,
    Auth,
    Individual,
    Execution,
    TypeSpecific,
}

impl Step {
    pub const ALL: [Step; 7] = [Self::Details, Self::Vcs, Self::Application, Self::Auth, Self::Individual, Self::Execution, Self::TypeSpecific];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Details => "details",
            Self::Vcs => "vcs",
            Self::Application => "application",
            Self::Auth => "auth",
            Self::Individual => "individual",
            Self::Execution => "execution",
            Self::TypeSpecific => "type-specific",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Details => "Connector details",
            Self::Vcs => "Version control",
            Self::Application => "Application",
            Self::Auth => "Authentication and secrets",
            Self::Individual => "Individual configuration",
            Self::Execution => "Execution",
            Self::TypeSpecific => "Type-specific",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Steps that accept `PUT` under `/steps/{step}` (details are edited on the connector,
    /// execution is computed).
    pub fn is_editable(self) -> bool {
        !matches!(self, Self::Details | Self::Execution)
    }

    pub fn requirement(self, t: ConnectorType) -> Requirement {
        match self {
            Self::Details | Self::Vcs | Self::Application => Requirement::Required,
            Self::Auth | Self::Individual => Requirement::Optional,
            Self::Execution => Requirement::Review,
            Self::TypeSpecific => match t {
                ConnectorType::Datasource | ConnectorType::Export | ConnectorType::ExportDelta => Requirement::Required,
                ConnectorType::DataService => Requirement::Optional,
                _ => Requirement::NotApplicable,
            },
        }
    }
}

/// Whether a step must be complete before a build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    Optional,
    /// Read-only review of what the other steps produce.
    Review,
    /// Hidden for this connector type.
    NotApplicable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepStatus {
    pub step: Step,
    pub title: &'static str,
    pub requirement: Requirement,
    /// Required steps: every required value is set. Optional ones: something was configured.
    pub complete: bool,
    /// What is still missing, in words (required steps only).
    pub missing: Vec<String>,
}

/// The status of every wizard step for a version of a connector of type `t`.
pub fn step_statuses(t: ConnectorType, config: &VersionConfig) -> Vec<StepStatus> {
    Step::ALL
        .into_iter()
        .map(|step| {
            let requirement = step.requirement(t);
            let missing: Vec<String> = match step {
                Step::Details => vec![],
                Step::Vcs => match &config.vcs {
                    None => vec!["repository URL".into()],
                    Some(v) => v.missing(),
                },
                Step::Application => match &config.application {
                    None => vec!["command".into()],
                    Some(_) => vec![],
                },
                Step::Auth | Step::Individual => vec![],
                Step::Execution => match &config.application {
                    None => vec!["the application step (command)".into()],
                    Some(_) => vec![],
                },
                Step::TypeSpecific => match (requirement, &config.type_specific) {
                    (Requirement::Required, None) => vec![type_specific::required_summary(t).into()],
                    _ => vec![],
                },
            };
            let complete = match step {
                Step::Auth => !config.auth.is_empty(),
                Step::Individual => !config.individual.fields.is_empty(),
                Step::TypeSpecific if requirement == Requirement::Optional => config.type_specific.is_some(),
                Step::TypeSpecific if requirement == Requirement::NotApplicable => true,
                _ => missing.is_empty(),
            };
            StepStatus { step, title: step.title(), requirement, complete, missing }
        })
        .collect()
}

/// Required steps that are not complete; empty when the version can be built.
pub fn incomplete_required_steps(t: ConnectorType, config: &VersionConfig) -> Vec<StepStatus> {
    step_statuses(t, config).into_iter().filter(|s| s.requirement == Requirement::Required && !s.complete).collect()
}

/// `true` for keys like `api-key`: a letter, then letters, digits, `-` or `_`.
pub fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The environment-variable spelling of a key: upper-cased, `-` → `_`.
pub fn env_name(key: &str) -> String {
    key.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_follow_the_type() {
        use ConnectorType::*;
        for t in ConnectorType::ALL {
            assert_eq!(Step::Vcs.requirement(t), Requirement::Required);
            assert_eq!(Step::Application.requirement(t), Requirement::Required);
            assert_eq!(Step::Auth.requirement(t), Requirement::Optional);
            assert_eq!(Step::Individual.requirement(t), Requirement::Optional);
        }
        for t in [Datasource, Export, ExportDelta] {
            assert_eq!(Step::TypeSpecific.requirement(t), Requirement::Required, "{t:?}");
        }
        assert_eq!(Step::TypeSpecific.requirement(DataService), Requirement::Optional);
        for t in [Download, Transform, Write, Upload] {
            assert_eq!(Step::TypeSpecific.requirement(t), Requirement::NotApplicable, "{t:?}");
        }
    }

    #[test]
    fn a_new_version_lacks_vcs_and_application_and_datasource_lacks_categories() {
        let missing: Vec<_> = incomplete_required_steps(ConnectorType::Datasource, &VersionConfig::default()).into_iter().map(|s| s.step).collect();
        assert_eq!(missing, [Step::Vcs, Step::Application, Step::TypeSpecific]);
        let missing: Vec<_> = incomplete_required_steps(ConnectorType::Upload, &VersionConfig::default()).into_iter().map(|s| s.step).collect();
        assert_eq!(missing, [Step::Vcs, Step::Application]);
    }

    #[test]
    fn step_names_round_trip_and_only_five_are_editable() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        let editable: Vec<_> = Step::ALL.into_iter().filter(|s| s.is_editable()).map(Step::as_str).collect();
        assert_eq!(editable, ["vcs", "application", "auth", "individual", "type-specific"]);
    }

    #[test]
    fn identifiers_and_env_names() {
        for ok in ["a", "api-key", "A_1", "x-Y-z"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "-a", "_a", "a b", "a.b", "ä"] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert_eq!(env_name("api-key_2"), "API_KEY_2");
    }
}
