//! The platform directory's records and rules, the same for every `Directory` adapter
//! (`LocalDirectory` in SQLite, `DynamoDirectory` on DynamoDB), so both store and answer the
//! same records: the example directory seeded at start, the dev site of a connector version,
//! installation ids, and the stored bodies of installations and site assignments.
//!
//! Everything here is deterministic: re-running a step (at-least-once delivery, two workers at
//! once) names the same records, which is what makes the adapters' writes idempotent.

use crate::ids::ConnectorId;
use crate::pipeline::{Account, Project, Site, SiteKind};
use crate::ports::{StageFailure, StoreError};
use serde::{Deserialize, Serialize};

/// The example directory seeded on first start: customer accounts with projects and
/// production sites, so that targets and grants can be chosen.
pub struct ExampleDirectory {
    pub accounts: Vec<Account>,
    pub projects: Vec<Project>,
    pub sites: Vec<Site>,
}

pub fn example_directory() -> ExampleDirectory {
    let accounts = vec![Account { id: "acme".into(), name: "Acme Retail".into() }, Account { id: "globex".into(), name: "Globex".into() }];
    let projects = vec![
        Project { id: "acme-shop".into(), account_id: "acme".into(), name: "Acme web shop".into() },
        Project { id: "acme-b2b".into(), account_id: "acme".into(), name: "Acme B2B portal".into() },
        Project { id: "globex-main".into(), account_id: "globex".into(), name: "Globex main".into() },
    ];
    let site = |id: &str, project: &str, account: &str, name: &str| Site {
        id: id.into(),
        project_id: project.into(),
        account_id: account.into(),
        name: name.into(),
        kind: SiteKind::Production,
    };
    let sites = vec![
        site("acme-shop-live", "acme-shop", "acme", "Acme shop (live)"),
        site("acme-shop-staging", "acme-shop", "acme", "Acme shop (staging)"),
        site("acme-b2b-live", "acme-b2b", "acme", "Acme B2B (live)"),
        site("globex-live", "globex-main", "globex", "Globex (live)"),
    ];
    ExampleDirectory { accounts, projects, sites }
}

/// The dev account (shared), the connector's dev project and the version's dev site.
pub fn dev_site(connector: ConnectorId, version: u32) -> (Account, Project, Site) {
    let account = Account { id: "dev".into(), name: "Connector development".into() };
    let project = Project { id: format!("dev-{connector}"), account_id: account.id.clone(), name: format!("Dev project of {connector}") };
    let site = Site {
        id: format!("dev-{connector}-v{version}"),
        project_id: project.id.clone(),
        account_id: account.id.clone(),
        name: format!("Dev site of version {version}"),
        kind: SiteKind::Dev,
    };
    (account, project, site)
}

/// An installation of a connector image on the dev platform (stored body).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installation {
    pub id: String,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub digest: String,
}

impl Installation {
    /// The installation of `digest` for a connector version; its id names all three, so
    /// installing the same image again names the same installation.
    pub fn new(connector: ConnectorId, version: u32, digest: &str) -> Self {
        let short = digest.trim_start_matches("sha256:").chars().take(12).collect::<String>();
        Self { id: format!("inst-{connector}-v{version}-{short}"), connector_id: connector, version, digest: digest.into() }
    }
}

/// An installation assigned to a site (stored body).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub site_id: String,
    pub installation_id: String,
}

/// A failure of the store behind the platform (directory, runtime registry) as a stage
/// failure, retryable when the store says so.
pub fn store_failure(e: StoreError) -> StageFailure {
    let retryable = matches!(e, StoreError::Unavailable { retryable: true, .. });
    StageFailure { reason: format!("platform store: {e}"), retryable }
}
