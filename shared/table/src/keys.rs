//! The single-table key design, shared by the embedded store (`shared/embedded`) and the
//! DynamoDB adapter. `pk`/`sk` address an item; `gsi1pk`/`gsi1sk` serve the lists.

use devportal_domain::ids::{ConnectorId, OrgId, SecretId, TokenId, UserId};

pub const META: &str = "META";

pub fn org(id: OrgId) -> String {
    format!("ORG#{id}")
}
pub fn member(user: UserId) -> String {
    format!("MEMBER#{user}")
}
pub fn user(id: UserId) -> String {
    format!("USER#{id}")
}
pub fn email(email: &str) -> String {
    format!("EMAIL#{email}")
}
pub fn token_sk(id: TokenId) -> String {
    format!("TOKEN#{id}")
}
pub fn token_hash(hash: &str) -> String {
    format!("TOKENHASH#{hash}")
}
pub fn connector(id: ConnectorId) -> String {
    format!("CONN#{id}")
}
/// GSI1 partition listing an organization's connectors (sort key: the connector id).
pub fn org_connectors(org: OrgId) -> String {
    format!("ORGCONN#{org}")
}
/// GSI1 partition listing an organization's binned connectors.
pub fn org_bin(org: OrgId) -> String {
    format!("ORGBIN#{org}")
}
/// The GSI1 partition a connector is listed in: its organization's list, or its bin.
pub fn connector_list(org: OrgId, binned: bool) -> String {
    if binned {
        org_bin(org)
    } else {
        org_connectors(org)
    }
}
/// The logo of a connector (sk under `connector(id)`).
pub const LOGO: &str = "LOGO";
/// Zero-padded so that versions sort numerically.
pub fn version(n: u32) -> String {
    format!("VER#{n:010}")
}
pub const VERSION_PREFIX: &str = "VER#";
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub const TOKEN_PREFIX: &str = "TOKEN#";
pub fn secret(id: SecretId) -> String {
    format!("SECRET#{id}")
}

// ---------------------------------------------------------------------------------------
// The release pipeline's items (same table as connectors).
// ---------------------------------------------------------------------------------------

use devportal_domain::pipeline::JobId;

/// A job (sort key [`META`]); also its GSI1 sort key under [`version_jobs`], so a version's
/// jobs list in id (= creation) order.
pub fn job(id: JobId) -> String {
    format!("JOB#{id}")
}
pub const JOB_PREFIX: &str = "JOB#";
/// GSI1 partition listing the jobs of one version.
pub fn version_jobs(connector: ConnectorId, version: u32) -> String {
    format!("CONNVER#{connector}#{version:010}")
}
/// Sort key (under [`connector`]) of the claim of an `Idempotency-Key`: the job it started.
pub fn idempotency(key: &str) -> String {
    format!("IDEM#{key}")
}
/// Sort key (under [`connector`]) of a state transition: by version, then by `time_ordered_id`
/// (a UUIDv7 made when the transition is written), so a version's transitions list oldest first.
pub fn transition(version: u32, time_ordered_id: impl std::fmt::Display) -> String {
    format!("TRANS#{version:010}#{time_ordered_id}")
}
/// Sort-key prefix of one version's transitions.
pub fn transitions_of(version: u32) -> String {
    format!("TRANS#{version:010}#")
}
/// The partition holding every production release (one item per connector version).
pub const CATALOG: &str = "CATALOG";
/// Sort key (under [`CATALOG`]) of a version's catalog entry.
pub fn catalog_entry(connector: ConnectorId, version: u32) -> String {
    format!("{connector}#{version:010}")
}

// ---------------------------------------------------------------------------------------
// The platform directory and the dev platform (`Directory` port).
// ---------------------------------------------------------------------------------------

/// The partition holding every account, project and site.
pub const DIRECTORY: &str = "DIRECTORY";
pub const ACCOUNT_PREFIX: &str = "ACCOUNT#";
pub const PROJECT_PREFIX: &str = "PROJECT#";
pub const SITE_PREFIX: &str = "SITE#";
/// Sort key (under [`DIRECTORY`]) of an account.
pub fn directory_account(id: &str) -> String {
    format!("{ACCOUNT_PREFIX}{id}")
}
/// Sort key (under [`DIRECTORY`]) of a project.
pub fn directory_project(id: &str) -> String {
    format!("{PROJECT_PREFIX}{id}")
}
/// Sort key (under [`DIRECTORY`]) of a site.
pub fn directory_site(id: &str) -> String {
    format!("{SITE_PREFIX}{id}")
}
/// An installation on the dev platform (sort key [`META`]).
pub fn installation(id: &str) -> String {
    format!("INSTALL#{id}")
}
/// The partition of a site's assignments.
pub fn site_assignments(site_id: &str) -> String {
    format!("{SITE_PREFIX}{site_id}")
}
/// Sort key (under [`site_assignments`]) of an installation assigned to the site.
pub fn assignment(installation_id: &str) -> String {
    format!("ASSIGN#{installation_id}")
}
