//! The platform directory's records and rules, the same for every `Directory` adapter
//! (`LocalDirectory` in SQLite, `DynamoDirectory` on DynamoDB), so both store and answer the
//! same records: the example directory seeded at start, the customer records a platform admin
//! adds ([`DirectoryRecord`]), the dev site of a connector version, installation ids, and
//! the stored bodies of installations and site assignments.
//!
//! Everything here is deterministic: re-running a step (at-least-once delivery, two workers at
//! once) names the same records, which is what makes the adapters' writes idempotent.

use crate::ids::{ConnectorId, OrgId};
use crate::pipeline::{Account, Project, Site, SiteKind};
use crate::ports::{StageFailure, StoreError};
use crate::validation::{check_line, ValidationErrors};
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
        Project { id: "acme-shop".into(), account_id: "acme".into(), name: "Acme web shop".into(), owner_org_id: None },
        Project { id: "acme-b2b".into(), account_id: "acme".into(), name: "Acme B2B portal".into(), owner_org_id: None },
        Project { id: "globex-main".into(), account_id: "globex".into(), name: "Globex main".into(), owner_org_id: None },
    ];
    let site = |id: &str, project: &str, account: &str, name: &str| Site {
        id: id.into(),
        project_id: project.into(),
        account_id: account.into(),
        name: name.into(),
        kind: SiteKind::Production,
        owner_org_id: None,
    };
    let sites = vec![
        site("acme-shop-live", "acme-shop", "acme", "Acme shop (live)"),
        site("acme-shop-staging", "acme-shop", "acme", "Acme shop (staging)"),
        site("acme-b2b-live", "acme-b2b", "acme", "Acme B2B (live)"),
        site("globex-live", "globex-main", "globex", "Globex (live)"),
    ];
    ExampleDirectory { accounts, projects, sites }
}

/// The id of the dev account every dev project lives in. It is shared by all organizations,
/// so it is never a production target or grant (that would reach other organizations' dev
/// sites); its projects and sites are private to the connector's organization.
pub const DEV_ACCOUNT_ID: &str = "dev";

/// The dev account (shared), the connector's dev project and the version's dev site, both
/// recorded as owned by `owner` (the connector's organization).
pub fn dev_site(connector: ConnectorId, owner: OrgId, version: u32) -> (Account, Project, Site) {
    let account = Account { id: DEV_ACCOUNT_ID.into(), name: "Connector development".into() };
    let project = Project {
        id: format!("dev-{connector}"),
        account_id: account.id.clone(),
        name: format!("Dev project of {connector}"),
        owner_org_id: Some(owner),
    };
    let site = Site {
        id: format!("dev-{connector}-v{version}"),
        project_id: project.id.clone(),
        account_id: account.id.clone(),
        name: format!("Dev site of version {version}"),
        kind: SiteKind::Dev,
        owner_org_id: Some(owner),
    };
    (account, project, site)
}

/// The connector a dev project id (`dev-<connector>`) names: how records written before
/// dev projects carried their owner are attributed.
pub fn dev_project_connector(project_id: &str) -> Option<ConnectorId> {
    project_id.strip_prefix("dev-")?.parse().ok()
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

/// A customer record of the directory, as a platform admin adds it (`POST /accounts`,
/// `/projects`, `/sites`): the directory of a deployed stack starts empty and is filled this way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectoryRecord {
    Account(Account),
    Project(Project),
    Site(Site),
}

impl DirectoryRecord {
    pub fn id(&self) -> &str {
        match self {
            Self::Account(a) => &a.id,
            Self::Project(p) => &p.id,
            Self::Site(s) => &s.id,
        }
    }
}

/// Ids of customer records are chosen by the platform that owns them: 2–63 characters of
/// lowercase letters, digits and hyphens, starting with a letter or digit. `dev` and `dev-…`
/// are reserved for the dev platform's records.
pub const DIRECTORY_ID_MAX: usize = 63;

/// Checks a new record's id (`field` names it in the error).
pub fn check_directory_id(errors: &mut ValidationErrors, field: &str, id: &str) {
    let valid = (2..=DIRECTORY_ID_MAX).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        errors.push(
            field,
            "invalid_id",
            format!("`{field}` must be 2–{DIRECTORY_ID_MAX} lowercase letters, digits or hyphens, starting with a letter or digit"),
        );
    } else if id == DEV_ACCOUNT_ID || id.starts_with("dev-") {
        errors.push(field, "reserved", format!("`{field}`: `dev` and ids starting with `dev-` are reserved for the dev platform"));
    }
}

/// Checks a new record's own fields (its parents' existence is the use case's to check):
/// its id, and a single-line name of at most 200 characters.
pub fn check_new_record(id: &str, name: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    check_directory_id(&mut errors, "id", id);
    check_line(&mut errors, "name", name, true, 200);
    errors.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_errors(id: &str) -> Vec<String> {
        let mut errors = ValidationErrors::new();
        check_directory_id(&mut errors, "id", id);
        errors.fields.iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn directory_ids_are_short_lowercase_slugs_and_dev_is_reserved() {
        for ok in ["ab", "acme", "acme-shop-live", "9lives", &"a".repeat(DIRECTORY_ID_MAX)] {
            assert!(id_errors(ok).is_empty(), "{ok}");
        }
        for bad in ["", "a", "Acme", "-acme", "acme_shop", "acme shop", "ac/me", &"a".repeat(DIRECTORY_ID_MAX + 1)] {
            assert_eq!(id_errors(bad), ["invalid_id"], "{bad:?}");
        }
        for reserved in ["dev", "dev-acme"] {
            assert_eq!(id_errors(reserved), ["reserved"], "{reserved}");
        }
        assert!(id_errors("devops").is_empty(), "only `dev` and `dev-…` are reserved");
    }

    #[test]
    fn a_new_record_needs_a_valid_id_and_a_name() {
        assert!(check_new_record("acme", "Acme").is_ok());
        let e = check_new_record("Acme", " ").unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.code.to_string())).collect();
        assert_eq!(fields, [("id", "invalid_id".to_string()), ("name", "required".to_string())]);
    }
}
