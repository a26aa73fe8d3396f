//! Connector versions (PRODUCT.md §3, §5): numbering, addressing and the deployment state.

use crate::ids::ConnectorId;
use crate::wizard::VersionConfig;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Deployment state of a version (PRODUCT.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VersionState {
    Created,
    Updated,
    Building,
    Built,
    SynchronizingToRuntime,
    SynchronizedToRuntime,
    SynchronizingToDev,
    SynchronizedToDev,
    SynchronizingToProd,
    ResynchronizingToProd,
    SynchronizedToProd,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Building => "building",
            Self::Built => "built",
            Self::SynchronizingToRuntime => "synchronizing-to-runtime",
            Self::SynchronizedToRuntime => "synchronized-to-runtime",
            Self::SynchronizingToDev => "synchronizing-to-dev",
            Self::SynchronizedToDev => "synchronized-to-dev",
            Self::SynchronizingToProd => "synchronizing-to-prod",
            Self::ResynchronizingToProd => "resynchronizing-to-prod",
            Self::SynchronizedToProd => "synchronized-to-prod",
        }
    }

    /// A pipeline step is running: no other transition and no configuration edit may start.
    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            Self::Building | Self::SynchronizingToRuntime | Self::SynchronizingToDev | Self::SynchronizingToProd | Self::ResynchronizingToProd
        )
    }

    /// The state after a configuration edit: anything built needs a rebuild (`updated`);
    /// a version never built stays `created`. `None` while a step runs (edit refused).
    pub fn after_config_edit(self) -> Option<Self> {
        if self.is_transitional() {
            None
        } else if self == Self::Created {
            Some(Self::Created)
        } else {
            Some(Self::Updated)
        }
    }
}

impl fmt::Display for VersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a request names a version: a number, `latest` (highest) or `main` (released main).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionSelector {
    Number(u32),
    Latest,
    Main,
}

impl VersionSelector {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "latest" => Some(Self::Latest),
            "main" => Some(Self::Main),
            n if !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()) => {
                n.parse::<u32>().ok().filter(|n| *n >= 1).map(Self::Number)
            }
            _ => None,
        }
    }
}

impl fmt::Display for VersionSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Latest => f.write_str("latest"),
            Self::Main => f.write_str("main"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub connector_id: ConnectorId,
    pub number: u32,
    pub state: VersionState,
    pub config: VersionConfig,
    /// What the release pipeline produced for this version.
    #[serde(default)]
    pub deployment: crate::pipeline::Deployment,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: u64,
}

impl Version {
    pub fn first(connector_id: ConnectorId, now: DateTime<Utc>) -> Self {
        Self {
            connector_id,
            number: 1,
            state: VersionState::Created,
            config: VersionConfig::default(),
            deployment: Default::default(),
            created_at: now,
            updated_at: now,
            revision: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_numbers_latest_and_main_only() {
        assert_eq!(VersionSelector::parse("1"), Some(VersionSelector::Number(1)));
        assert_eq!(VersionSelector::parse("42"), Some(VersionSelector::Number(42)));
        assert_eq!(VersionSelector::parse("latest"), Some(VersionSelector::Latest));
        assert_eq!(VersionSelector::parse("main"), Some(VersionSelector::Main));
        for bad in ["0", "-1", "1.0", "v1", "", "LATEST", "9999999999", "+1"] {
            assert_eq!(VersionSelector::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn states_serialise_as_the_product_names() {
        let json = serde_json::to_string(&VersionState::SynchronizingToRuntime).unwrap();
        assert_eq!(json, "\"synchronizing-to-runtime\"");
        assert_eq!(VersionState::ResynchronizingToProd.as_str(), "resynchronizing-to-prod");
    }

    #[test]
    fn editing_a_built_version_marks_it_updated_and_a_created_one_stays_created() {
        assert_eq!(VersionState::Created.after_config_edit(), Some(VersionState::Created));
        for s in [
            VersionState::Built,
            VersionState::SynchronizedToRuntime,
            VersionState::SynchronizedToDev,
            VersionState::SynchronizedToProd,
            VersionState::Updated,
        ] {
            assert_eq!(s.after_config_edit(), Some(VersionState::Updated), "{s}");
        }
    }

    #[test]
    fn editing_is_refused_while_a_step_runs() {
        for s in [
            VersionState::Building,
            VersionState::SynchronizingToRuntime,
            VersionState::SynchronizingToDev,
            VersionState::SynchronizingToProd,
            VersionState::ResynchronizingToProd,
        ] {
            assert!(s.is_transitional());
            assert_eq!(s.after_config_edit(), None, "{s}");
        }
    }
}
