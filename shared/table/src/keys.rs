//! The single-table key design, shared by the embedded store (`shared/embedded`) and the
//! DynamoDB adapter. `pk`/`sk` address an item; `gsi1pk`/`gsi1sk` serve the lists.

use devportal_domain::connector::Placement;
use devportal_domain::ids::{ConnectorId, OrgId, SecretId, TokenId, UserId};
use devportal_domain::ports::CatalogPlace;

pub const META: &str = "META";

pub fn org(id: OrgId) -> String {
    id.prefixed("ORG#")
}
pub fn member(user: UserId) -> String {
    user.prefixed("MEMBER#")
}
pub fn user(id: UserId) -> String {
    id.prefixed("USER#")
}
/// Sort key (under [`user`]) of the user's claim of an `Idempotency-Key` for a create on `route`.
pub fn create_claim(route: &str, key: &str) -> String {
    format!("IDEM#{route}#{key}")
}
pub fn email(email: &str) -> String {
    format!("EMAIL#{email}")
}
pub fn token_sk(id: TokenId) -> String {
    id.prefixed("TOKEN#")
}
pub fn token_hash(hash: &str) -> String {
    format!("TOKENHASH#{hash}")
}
pub fn connector(id: ConnectorId) -> String {
    id.prefixed("CONN#")
}
/// A local runtime registration of a connector version (local only; sort key: the digest).
pub fn runtime_registration(connector: ConnectorId, version: u32) -> String {
    format!("{}{version:010}", runtime_registrations(connector))
}
/// The prefix of every runtime registration of a connector (its purge removes them).
pub fn runtime_registrations(connector: ConnectorId) -> String {
    format!("RUNTIME#{connector}#")
}
/// GSI2 partition of the binned connectors (DynamoDB), sorted by [`binned_sort_key`].
pub const BINNED_CONNECTORS: &str = "BINNED";
/// GSI2 sort key of a binned connector: when it was binned (RFC 3339, UTC, fixed width, so
/// text order is time order), then its id.
pub fn binned_sort_key(binned_at_rfc3339_micros: &str, id: ConnectorId) -> String {
    format!("{binned_at_rfc3339_micros}#{id}")
}
const ORG_CONNECTORS_PREFIX: &str = "ORGCONN#";
const ORG_BIN_PREFIX: &str = "ORGBIN#";
/// GSI1 partition listing an organization's connectors (sort key: the connector id).
pub fn org_connectors(org: OrgId) -> String {
    org.prefixed(ORG_CONNECTORS_PREFIX)
}
/// GSI1 partition listing an organization's binned connectors.
pub fn org_bin(org: OrgId) -> String {
    org.prefixed(ORG_BIN_PREFIX)
}
/// The GSI1 partition a connector is listed in: its organization's list, or its bin.
pub fn connector_list(org: OrgId, binned: bool) -> String {
    if binned {
        org_bin(org)
    } else {
        org_connectors(org)
    }
}
/// Where a connector is, from the GSI1 partition it is listed in ([`connector_list`] read
/// back); `None` for any other text.
pub fn connector_placement(list: &str) -> Option<Placement> {
    let (owner, binned) = match list.strip_prefix(ORG_CONNECTORS_PREFIX) {
        Some(owner) => (owner, false),
        None => (list.strip_prefix(ORG_BIN_PREFIX)?, true),
    };
    Some(Placement { owner: owner.parse().ok()?, binned })
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
pub const SECRET_PREFIX: &str = "SECRET#";

/// An organization's vault partition (the embedded vault: one item per path).
pub fn vault(org: OrgId) -> String {
    format!("VAULT#{org}")
}
/// The local installation's key check: a known text sealed with the secret key, so a start
/// with another key is refused before any secret is read (local only).
pub const SECRET_KEY_CHECK: &str = "SECRETKEY";

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
/// GSI2 partition of the jobs not finished yet (sort key: the job id), which start-up and
/// the sweeper re-send; a job leaves it when it finishes.
pub const UNFINISHED_JOBS: &str = "JOBS#UNFINISHED";

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
/// Sort key (under [`CATALOG`]) of a version's catalog entry; also the sort key of its
/// pointers under [`catalog_place`].
pub fn catalog_entry(connector: ConnectorId, version: u32) -> String {
    format!("{connector}#{version:010}")
}
/// The connector and version a [`catalog_entry`] sort key names.
pub fn parse_catalog_entry(sk: &str) -> Option<(ConnectorId, u32)> {
    let (c, v) = sk.split_once('#')?;
    Some((c.parse().ok()?, v.parse().ok()?))
}
/// The partition of the pointers to the catalog entries whose release targets `place`
/// (sort key: [`catalog_entry`]), so the catalog of a site reads three partitions by key.
pub fn catalog_place(place: &CatalogPlace) -> String {
    match place {
        CatalogPlace::Account(id) => format!("CATALOG#ACCOUNT#{id}"),
        CatalogPlace::Project(id) => format!("CATALOG#PROJECT#{id}"),
        CatalogPlace::Site(id) => format!("CATALOG#SITE#{id}"),
    }
}
/// GSI1 partition of one connector's catalog pointers (sort key: the pointer's partition), so
/// a permanent deletion finds every pointer, also under places no release targets any more.
pub fn catalog_pointers(connector: ConnectorId) -> String {
    format!("CATPTR#{connector}")
}
/// One page of the catalog from the pointer sort keys read per place (each in key order, at
/// most `limit + 1` after the cursor): their union in key order, cut to `limit`, and whether
/// more may follow (some place had more than what the page took).
pub fn merge_catalog_pointers(per_place: Vec<Vec<String>>, limit: usize) -> (Vec<String>, bool) {
    let mut all: Vec<String> = per_place.into_iter().flatten().collect();
    all.sort();
    all.dedup();
    let more = all.len() > limit;
    all.truncate(limit);
    (all, more)
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

// ---------------------------------------------------------------------------------------
// Runs, their data and the vault (`RunStore`, `RunDataStore`; docs/ARCHITECTURE.md, "Runs
// on AWS").
// ---------------------------------------------------------------------------------------

use devportal_domain::ids::RunId;

/// A run (sort key [`META`]); listed newest first under [`org_runs`] on GSI1 (sort key: the
/// run id, UUIDv7, so id order is creation order).
pub fn run(id: RunId) -> String {
    format!("RUN#{id}")
}
/// GSI1 partition listing an organization's runs (sort key: the run id).
pub fn org_runs(org: OrgId) -> String {
    format!("ORGRUNS#{org}")
}
/// The partition of a connector's run list entries (sort key: the run id): the connector
/// filter of the run history and the purge read it instead of the organization's whole list.
pub fn connector_runs(connector: ConnectorId) -> String {
    format!("CONNRUNS#{connector}")
}
/// GSI2 partition of the runs not final yet (sort key: the run id), for the reconciler; the
/// put that makes a run final drops the attributes.
pub const UNFINISHED_RUNS: &str = "RUNS#UNFINISHED";
/// Sort key (under [`org`]) of the claim of a run's `Idempotency-Key`: keys are scoped by
/// the organization that owns the connector.
pub fn run_idempotency(key: &str) -> String {
    format!("RUNIDEM#{key}")
}
/// The lookup of a run by the SHA-256 (hex) of its `CDE_RUN_TOKEN` (sort key [`META`]).
pub fn run_token(hash: &str) -> String {
    format!("RUNTOKEN#{hash}")
}
/// The partition of a run's log entries (sort key: [`seq`]).
pub fn run_logs(run: RunId) -> String {
    format!("RUNLOG#{run}")
}
/// GSI1 partition of a run's warning-and-worse entries (severity ≤ 4; sort key: [`seq`]):
/// only those entries carry it, so a threshold query reads no info lines.
pub fn run_warnings(run: RunId) -> String {
    format!("RUNLOGW#{run}")
}
/// The highest severity number [`run_warnings`] holds (4 = warning).
pub const WARNING_SEVERITY: u8 = 4;
/// GSI2 partition of a connector's log entries of one UTC day (`YYYY-MM-DD`; sort key:
/// [`connector_log_sort`]), for the connector-wide view without a scan.
pub fn connector_logs(connector: ConnectorId, day: &str) -> String {
    format!("CONNLOG#{connector}#{day}")
}
/// GSI2 sort key of a log entry in its connector's day: time (µs since the epoch, fixed
/// width), run, seq — the order of `LogPosition`.
pub fn connector_log_sort(micros: i64, run: RunId, seq: u64) -> String {
    format!("{micros:020}#{run}#{}", seq_key(seq))
}
/// The partition of a run's raw stdout / stderr lines (sort key: [`seq`]).
pub fn run_stdio(run: RunId) -> String {
    format!("RUNSTDIO#{run}")
}
/// The partition of a run's output rows (sort key: [`seq`]).
pub fn run_output(run: RunId) -> String {
    format!("RUNOUT#{run}")
}
/// The partition of a run's test input rows (sort key: the row's index as [`seq_key`]).
pub fn run_input(run: RunId) -> String {
    format!("RUNIN#{run}")
}
/// The partition of a run's ingestion bookkeeping: the seq counters and the batch markers.
pub fn run_data(run: RunId) -> String {
    format!("RUNDATA#{run}")
}
/// Sort key (under [`run_data`]) of the run's seq counter: log entries, stdio lines and
/// output rows are numbered in one sequence per run, like the embedded store.
pub const SEQ_COUNTER: &str = "COUNTER";
/// Sort key (under [`run_data`]) of the marker of an ingested batch (its first seq).
pub fn ingest_batch(batch_id: &str) -> String {
    format!("BATCH#{batch_id}")
}
/// A seq as a sort key: zero-padded, so text order is number order.
pub fn seq_key(seq: u64) -> String {
    format!("{seq:012}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_pages_merge_places_in_key_order_once_and_say_when_more_follow() {
        let keys = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Each place read `limit + 1` after the cursor.
        let (page, more) = merge_catalog_pointers(vec![keys(&["a", "c", "e"]), keys(&["b", "c"])], 2);
        assert_eq!((page, more), (keys(&["a", "b"]), true));
        let (page, more) = merge_catalog_pointers(vec![keys(&["a", "c"]), keys(&["c"])], 2);
        assert_eq!((page, more), (keys(&["a", "c"]), false), "the same entry under two places counts once");
        let id = ConnectorId::new();
        assert_eq!(parse_catalog_entry(&catalog_entry(id, 7)), Some((id, 7)));
        assert_eq!(parse_catalog_entry("nonsense"), None);
    }
}
