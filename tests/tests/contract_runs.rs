//! Contract suite of the run ports: ONE set of tests, written against `&dyn RunStore`,
//! `&dyn RunDataStore` and `&dyn VaultStore`, run against
//!
//! - the embedded adapters (`SqliteRunStore`, `SqliteRunData`, `LocalSecrets`) on a fresh
//!   temporary directory, and
//! - the AWS adapters (`DynamoRunStore`, `DynamoRunDataStore`, `SecretsManagerSecrets`) on a
//!   local `moto_server` (`devportal_tests::moto`: one table and secret prefix per test).

use chrono::{Duration, TimeZone, Utc};
use devportal_aws::{create_table, DynamoRunDataStore, DynamoRunStore, SecretsManagerSecrets};
use devportal_domain::fixtures::running_ecs_run;
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::page::decode_cursor;
use devportal_domain::ports::{KeyClaim, RunDataStore, RunStore, StoreError, VaultStore};
use devportal_domain::run::{
    IngestBatch, IngestItems, LogLevel, LogPosition, LogQuery, LogScope, NewLogEntry, NewStdioLine, Run, RunQuery, RunStatus, StdStream,
};
use devportal_domain::secret::SecretValue;
use devportal_tests::moto;
use serde_json::json;
use std::any::Any;
use std::collections::BTreeMap;

struct Adapters {
    runs: Box<dyn RunStore>,
    data: Box<dyn RunDataStore>,
    vault: Box<dyn VaultStore>,
    _keep: Box<dyn Any + Send>,
}

/// The AWS adapters on a fresh table of this process's moto; `search_pages` is the log
/// query's read budget.
async fn aws_with(search_pages: u32) -> Adapters {
    let config = moto::config().await;
    let table = format!("runs-{}", uuid::Uuid::new_v4().simple());
    let dynamo = devportal_aws::aws_sdk_dynamodb::Client::new(&config);
    create_table(&dynamo, &table).await.expect("create the table on moto");
    Adapters {
        runs: Box::new(DynamoRunStore::new(dynamo.clone(), table.clone())),
        data: Box::new(DynamoRunDataStore::new(dynamo, table).with_search_pages(search_pages)),
        vault: Box::new(SecretsManagerSecrets::new(
            devportal_aws::aws_sdk_secretsmanager::Client::new(&config),
            format!("contract/{}", uuid::Uuid::new_v4().simple()),
        )),
        _keep: Box::new(()),
    }
}

async fn embedded() -> Adapters {
    use devportal_embedded::{Db, KeySource, LocalSecrets, SecretKey, SqliteRunData, SqliteRunStore};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("open the embedded database");
    Adapters {
        runs: Box::new(SqliteRunStore::new(db.clone())),
        data: Box::new(SqliteRunData::new(db.clone())),
        vault: Box::new(LocalSecrets::open(db, SecretKey::generate(), &KeySource::Given).await.expect("open the local secrets")),
        _keep: Box::new(dir),
    }
}

async fn aws() -> Adapters {
    aws_with(devportal_aws::run_data::DEFAULT_SEARCH_PAGES).await
}

devportal_tests::contract_suite!(
    [embedded, aws]
    [
        runs_are_created_read_and_updated_on_their_revision,
        idempotency_keys_are_scoped_by_organization,
        an_expired_run_idempotency_key_is_free_again,
        runs_are_found_by_their_token_hash_only_while_the_run_carries_it,
        the_run_history_lists_newest_first_with_filters_and_a_cursor,
        unfinished_runs_leave_the_list_when_final,
        purge_removes_a_connectors_runs_and_their_data,
        ingestion_numbers_each_kind_and_stores_a_redelivered_batch_once,
        log_queries_filter_by_level_text_and_time_with_a_cursor,
        the_connector_view_reads_across_runs_and_versions_in_time_order,
        stdio_output_and_input_round_trip,
        vault_entries_are_per_organization_listed_without_values_and_deleted_idempotently,
    ]
);

// ---------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------

fn run(org: OrgId, connector: ConnectorId, version: u32) -> Run {
    Run {
        connector_id: connector,
        owner_org_id: org,
        version,
        site_id: format!("dev-{connector}"),
        status: RunStatus::Queued,
        started_at: None,
        argv: vec!["/bin/connector".into(), "--limit".into(), "5".into()],
        command_line: "/bin/connector --limit 5".into(),
        runtime_ref: "arn:aws:ecs:us-east-1:123456789012:task-definition/dp-c-v1:1".into(),
        handle: None,
        ..running_ecs_run(RunId::new())
    }
}

fn entry(level: LogLevel, message: &str, at: chrono::DateTime<Utc>) -> NewLogEntry {
    NewLogEntry { time: at, level, message: message.into(), context: json!({"k": message}) }
}

fn logs(run: RunId, batch: &str, entries: Vec<NewLogEntry>) -> IngestBatch {
    IngestBatch { run_id: run, batch_id: batch.into(), items: IngestItems::Logs(entries) }
}

/// The position in a log cursor.
fn position(cursor: &str) -> LogPosition {
    LogPosition::parse_key(&decode_cursor(cursor).expect("a cursor")).expect("a log position")
}

fn in_a_month() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::days(30)
}

fn run_query(run: RunId) -> LogQuery {
    LogQuery { scope: LogScope::Run(run), max_severity: None, text: None, from: None, to: None, after: None, limit: 100 }
}

// ---------------------------------------------------------------------------------------
// RunStore.
// ---------------------------------------------------------------------------------------

async fn runs_are_created_read_and_updated_on_their_revision(a: &Adapters) {
    let r = run(OrgId::new(), ConnectorId::new(), 1);
    a.runs.create_run(&r, None).await.unwrap();
    assert_eq!(a.runs.get_run(r.id).await.unwrap(), Some(r.clone()));
    assert!(matches!(a.runs.create_run(&r, None).await, Err(StoreError::AlreadyExists { .. })));

    let mut running = r.clone();
    running.status = RunStatus::Running;
    running.started_at = Some(Utc::now());
    running.revision = 1;
    a.runs.update_run(&running, 0).await.unwrap();
    assert_eq!(a.runs.get_run(r.id).await.unwrap().unwrap().status, RunStatus::Running);

    // A stale writer loses and learns the current revision.
    let mut stale = r.clone();
    stale.status = RunStatus::Cancelled;
    stale.revision = 1;
    match a.runs.update_run(&stale, 0).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let missing = run(OrgId::new(), ConnectorId::new(), 1);
    assert!(matches!(a.runs.update_run(&missing, 0).await, Err(StoreError::NotFound { .. })));
    assert_eq!(a.runs.get_run(RunId::new()).await.unwrap(), None);
}

async fn idempotency_keys_are_scoped_by_organization(a: &Adapters) {
    let (org, other) = (OrgId::new(), OrgId::new());
    let first = run(org, ConnectorId::new(), 1);
    a.runs.create_run(&first, Some(KeyClaim::new("key-1", Utc::now()))).await.unwrap();
    assert_eq!(a.runs.run_for_idempotency_key(org, "key-1", Utc::now()).await.unwrap(), Some(first.id));

    // The same key again in the same organization: refused, and nothing of the second run stored.
    let second = run(org, first.connector_id, 1);
    assert!(matches!(a.runs.create_run(&second, Some(KeyClaim::new("key-1", Utc::now()))).await, Err(StoreError::AlreadyExists { .. })));
    assert_eq!(a.runs.get_run(second.id).await.unwrap(), None);
    let listed = a.runs.list_runs(&RunQuery { orgs: vec![org], limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![first.id]);

    // Another organization may use the same key.
    assert_eq!(a.runs.run_for_idempotency_key(other, "key-1", Utc::now()).await.unwrap(), None);
    let theirs = run(other, ConnectorId::new(), 1);
    a.runs.create_run(&theirs, Some(KeyClaim::new("key-1", Utc::now()))).await.unwrap();
    assert_eq!(a.runs.run_for_idempotency_key(other, "key-1", Utc::now()).await.unwrap(), Some(theirs.id));
    assert_eq!(a.runs.run_for_idempotency_key(org, "key-1", Utc::now()).await.unwrap(), Some(first.id));
}

async fn an_expired_run_idempotency_key_is_free_again(a: &Adapters) {
    let org = OrgId::new();
    let first = run(org, ConnectorId::new(), 1);
    let expired = KeyClaim { key: "old-key", expires_at: Utc::now() - Duration::minutes(1) };
    a.runs.create_run(&first, Some(expired)).await.unwrap();
    assert_eq!(a.runs.run_for_idempotency_key(org, "old-key", Utc::now()).await.unwrap(), None, "an expired claim answers nothing");
    let second = run(org, first.connector_id, 1);
    a.runs.create_run(&second, Some(KeyClaim::new("old-key", Utc::now()))).await.unwrap();
    assert_eq!(a.runs.run_for_idempotency_key(org, "old-key", Utc::now()).await.unwrap(), Some(second.id));
    // …and a live claim still refuses a third.
    let third = run(org, first.connector_id, 1);
    assert!(matches!(a.runs.create_run(&third, Some(KeyClaim::new("old-key", Utc::now()))).await, Err(StoreError::AlreadyExists { .. })));
}

async fn runs_are_found_by_their_token_hash_only_while_the_run_carries_it(a: &Adapters) {
    let mut with_token = run(OrgId::new(), ConnectorId::new(), 1);
    with_token.token_hash = Some("aa".repeat(32));
    a.runs.create_run(&with_token, None).await.unwrap();
    assert_eq!(a.runs.run_by_token(&"aa".repeat(32)).await.unwrap().map(|r| r.id), Some(with_token.id));

    // A token given at launch (an update) is found too; the replaced one is not.
    let mut later = run(OrgId::new(), ConnectorId::new(), 1);
    a.runs.create_run(&later, None).await.unwrap();
    assert_eq!(a.runs.run_by_token(&"bb".repeat(32)).await.unwrap(), None);
    later.token_hash = Some("bb".repeat(32));
    later.revision = 1;
    a.runs.update_run(&later, 0).await.unwrap();
    assert_eq!(a.runs.run_by_token(&"bb".repeat(32)).await.unwrap().map(|r| r.id), Some(later.id));
    later.token_hash = Some("cc".repeat(32));
    later.revision = 2;
    a.runs.update_run(&later, 1).await.unwrap();
    assert_eq!(a.runs.run_by_token(&"bb".repeat(32)).await.unwrap(), None);
    assert_eq!(a.runs.run_by_token(&"cc".repeat(32)).await.unwrap().map(|r| r.id), Some(later.id));

    // An update that loses its race leaves no usable lookup behind.
    let mut lost = later.clone();
    lost.token_hash = Some("dd".repeat(32));
    lost.revision = 2;
    assert!(matches!(a.runs.update_run(&lost, 1).await, Err(StoreError::Conflict { current: 2 })));
    assert_eq!(a.runs.run_by_token(&"dd".repeat(32)).await.unwrap(), None);
    // Final runs are still found (the run API refuses them itself).
    later.status = RunStatus::Succeeded;
    later.revision = 3;
    a.runs.update_run(&later, 2).await.unwrap();
    assert_eq!(a.runs.run_by_token(&"cc".repeat(32)).await.unwrap().map(|r| r.status), Some(RunStatus::Succeeded));
}

async fn the_run_history_lists_newest_first_with_filters_and_a_cursor(a: &Adapters) {
    let (org, other_org, stranger) = (OrgId::new(), OrgId::new(), OrgId::new());
    let (c1, c2) = (ConnectorId::new(), ConnectorId::new());
    let mut made = vec![];
    for i in 0..7 {
        let (o, c) = match i % 3 {
            0 => (org, c1),
            1 => (org, c2),
            _ => (other_org, ConnectorId::new()),
        };
        let mut r = run(o, c, 1 + (i % 2) as u32);
        if i == 4 {
            r.status = RunStatus::Failed;
        }
        a.runs.create_run(&r, None).await.unwrap();
        made.push(r);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    a.runs.create_run(&run(stranger, c1, 1), None).await.unwrap();
    let ids = |p: &devportal_domain::page::Page<Run>| p.items.iter().map(|r| r.id).collect::<Vec<_>>();
    let newest_first = |keep: &dyn Fn(&Run) -> bool| made.iter().rev().filter(|r| keep(r)).map(|r| r.id).collect::<Vec<_>>();

    // Both organizations, merged newest first, paged by two.
    let mut q = RunQuery { orgs: vec![org, other_org], limit: 2, ..Default::default() };
    let mut walked = vec![];
    loop {
        let page = a.runs.list_runs(&q).await.unwrap();
        assert!(page.items.len() <= 2);
        walked.extend(ids(&page));
        match page.next_cursor {
            Some(c) => q.before = Some(decode_cursor(&c).unwrap().parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(walked, newest_first(&|_| true));

    // Filters: connector (its own partition; still only the caller's organizations), version, status.
    let q = RunQuery { orgs: vec![org], connector_id: Some(c1), limit: 10, ..Default::default() };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), newest_first(&|r| r.connector_id == c1));
    let q = RunQuery { orgs: vec![org], connector_id: Some(c1), limit: 1, ..Default::default() };
    let first = a.runs.list_runs(&q).await.unwrap();
    assert_eq!(ids(&first), newest_first(&|r| r.connector_id == c1)[..1].to_vec());
    let q = RunQuery { before: Some(decode_cursor(&first.next_cursor.unwrap()).unwrap().parse().unwrap()), limit: 10, ..q };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), newest_first(&|r| r.connector_id == c1)[1..].to_vec());
    let q = RunQuery { orgs: vec![org, other_org], version: Some(2), limit: 10, ..Default::default() };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), newest_first(&|r| r.version == 2));
    let q = RunQuery { orgs: vec![org, other_org], status: Some(RunStatus::Failed), limit: 10, ..Default::default() };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), vec![made[4].id]);
    let q = RunQuery { orgs: vec![org], site_id: Some(made[1].site_id.clone()), limit: 10, ..Default::default() };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), newest_first(&|r| r.site_id == made[1].site_id));
    let from = made[3].created_at;
    let q = RunQuery { orgs: vec![org, other_org], from: Some(from), limit: 10, ..Default::default() };
    assert_eq!(ids(&a.runs.list_runs(&q).await.unwrap()), newest_first(&|r| r.created_at >= from));
}

async fn unfinished_runs_leave_the_list_when_final(a: &Adapters) {
    let org = OrgId::new();
    let mut r1 = run(org, ConnectorId::new(), 1);
    let r2 = run(org, ConnectorId::new(), 1);
    a.runs.create_run(&r1, None).await.unwrap();
    a.runs.create_run(&r2, None).await.unwrap();
    let unfinished: Vec<RunId> = a.runs.unfinished_runs().await.unwrap().into_iter().map(|r| r.id).collect();
    assert!(unfinished.contains(&r1.id) && unfinished.contains(&r2.id));
    r1.status = RunStatus::TimedOut;
    r1.revision = 1;
    a.runs.update_run(&r1, 0).await.unwrap();
    let unfinished: Vec<RunId> = a.runs.unfinished_runs().await.unwrap().into_iter().map(|r| r.id).collect();
    assert!(!unfinished.contains(&r1.id));
    assert!(unfinished.contains(&r2.id));

    // A final run still holding its sealed values stays in until they are released.
    let mut sealed = run(org, ConnectorId::new(), 1);
    sealed.values_ref = Some(devportal_domain::secret::SecretRef("local:values".into()));
    a.runs.create_run(&sealed, None).await.unwrap();
    sealed.status = RunStatus::Succeeded;
    sealed.revision = 1;
    a.runs.update_run(&sealed, 0).await.unwrap();
    assert!(a.runs.unfinished_runs().await.unwrap().iter().any(|r| r.id == sealed.id));
    sealed.values_ref = None;
    sealed.revision = 2;
    a.runs.update_run(&sealed, 1).await.unwrap();
    assert!(a.runs.unfinished_runs().await.unwrap().iter().all(|r| r.id != sealed.id));
}

async fn purge_removes_a_connectors_runs_and_their_data(a: &Adapters) {
    let org = OrgId::new();
    let (doomed, kept) = (ConnectorId::new(), ConnectorId::new());
    let mut r = run(org, doomed, 1);
    r.token_hash = Some("ee".repeat(32));
    a.runs.create_run(&r, Some(KeyClaim::new("purge-key", Utc::now()))).await.unwrap();
    let other = run(org, kept, 1);
    a.runs.create_run(&other, None).await.unwrap();
    a.data.ingest(doomed, 1, &logs(r.id, "b1", vec![entry(LogLevel::ERROR, "boom", Utc::now())]), in_a_month()).await.unwrap();
    a.data.put_input(r.id, &[json!({"a": 1}).as_object().unwrap().clone()]).await.unwrap();

    a.runs.purge_runs(doomed).await.unwrap();
    a.runs.purge_runs(doomed).await.unwrap(); // idempotent
    assert_eq!(a.runs.get_run(r.id).await.unwrap(), None);
    assert_eq!(a.runs.run_by_token(&"ee".repeat(32)).await.unwrap(), None);
    assert_eq!(a.runs.run_for_idempotency_key(org, "purge-key", Utc::now()).await.unwrap(), None);
    assert!(a.data.query_logs(&run_query(r.id)).await.unwrap().items.is_empty());
    assert!(a.data.read_input(r.id, 0, 10).await.unwrap().is_empty());
    let listed = a.runs.list_runs(&RunQuery { orgs: vec![org], limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![other.id]);
    assert!(a.runs.unfinished_runs().await.unwrap().iter().all(|u| u.id != r.id));
}

// ---------------------------------------------------------------------------------------
// RunDataStore.
// ---------------------------------------------------------------------------------------

async fn ingestion_numbers_each_kind_and_stores_a_redelivered_batch_once(a: &Adapters) {
    let r = RunId::new();
    let c = ConnectorId::new();
    let t = Utc::now();
    // 30 entries: more than one BatchWriteItem call (25).
    let many: Vec<NewLogEntry> = (0..30).map(|i| entry(LogLevel::INFO, &format!("line {i}"), t + Duration::milliseconds(i))).collect();
    let first = a.data.ingest(c, 1, &logs(r, "batch-a", many.clone()), in_a_month()).await.unwrap();
    assert_eq!((first.first_seq, first.count, first.duplicate), (1, 30, false));
    let again = a.data.ingest(c, 1, &logs(r, "batch-a", many), in_a_month()).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.first_seq, 1);
    let second = a.data.ingest(c, 1, &logs(r, "batch-b", vec![entry(LogLevel::WARNING, "w", t)]), in_a_month()).await.unwrap();
    assert_eq!((second.first_seq, second.duplicate), (31, false));

    // One numbering per run: stdio lines follow the entries.
    let stdio = IngestBatch {
        run_id: r,
        batch_id: "stdio-1".into(),
        items: IngestItems::Stdio(vec![
            NewStdioLine { time: t, stream: StdStream::Stdout, line: "out".into() },
            NewStdioLine { time: t, stream: StdStream::Stderr, line: "err".into() },
        ]),
    };
    assert_eq!(a.data.ingest(c, 1, &stdio, in_a_month()).await.unwrap().first_seq, 32);
    assert!(a.data.ingest(c, 1, &stdio, in_a_month()).await.unwrap().duplicate);

    // Every entry once, in seq order.
    let mut q = run_query(r);
    q.limit = 1000;
    let page = a.data.query_logs(&q).await.unwrap();
    assert_eq!(page.items.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=31).collect::<Vec<_>>());
    assert_eq!(page.items[0].message, "line 0");
    assert_eq!(page.items[0].context, json!({"k": "line 0"}));
    assert_eq!(page.next_cursor, None);
    assert_eq!(a.data.read_stdio(r, None, None, 10).await.unwrap().len(), 2);
}

async fn log_queries_filter_by_level_text_and_time_with_a_cursor(a: &Adapters) {
    let r = RunId::new();
    let c = ConnectorId::new();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let levels = [LogLevel::INFO, LogLevel::ERROR, LogLevel::Syslog(7), LogLevel::WARNING, LogLevel::Success, LogLevel::Syslog(2)];
    let entries: Vec<NewLogEntry> =
        (0..60).map(|i| entry(levels[i % levels.len()], &format!("Fetched {i} PRODUCTS"), t0 + Duration::seconds(i as i64))).collect();
    a.data.ingest(c, 1, &logs(r, "b", entries), in_a_month()).await.unwrap();

    // Level threshold (served by the sparse warning index): 3 and worse = levels 3 and 2.
    let mut q = run_query(r);
    q.max_severity = Some(3);
    let page = a.data.query_logs(&q).await.unwrap();
    assert_eq!(page.items.len(), 20);
    assert!(page.items.iter().all(|e| e.level.severity() <= 3));
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (20, true));
    q.max_severity = Some(4);
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (30, true));
    q.max_severity = Some(5);
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (40, true));

    // Text, case-insensitive, and a time window.
    let mut q = run_query(r);
    q.text = Some("fetched 1".into());
    let expected: Vec<u64> = (0..60u64).filter(|i| i.to_string().starts_with('1')).map(|i| i + 1).collect();
    assert_eq!(a.data.query_logs(&q).await.unwrap().items.iter().map(|e| e.seq).collect::<Vec<_>>(), expected);
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (expected.len() as u64, true));
    let mut q = run_query(r);
    q.from = Some(t0 + Duration::seconds(10));
    q.to = Some(t0 + Duration::seconds(20));
    assert_eq!(a.data.query_logs(&q).await.unwrap().items.iter().map(|e| e.seq).collect::<Vec<_>>(), (11..=20).collect::<Vec<_>>());

    // A cursor walks every entry once.
    let mut q = run_query(r);
    q.limit = 7;
    let mut seen = vec![];
    loop {
        let page = a.data.query_logs(&q).await.unwrap();
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(c) => q.after = Some(position(&c)),
            None => break,
        }
    }
    assert_eq!(seen, (1..=60).collect::<Vec<_>>());
}

async fn the_connector_view_reads_across_runs_and_versions_in_time_order(a: &Adapters) {
    let c = ConnectorId::new();
    let (r1, r2) = (RunId::new(), RunId::new());
    let day1 = Utc::now() - Duration::days(2);
    let day2 = Utc::now() - Duration::days(1);
    a.data.ingest(c, 1, &logs(r1, "x", vec![entry(LogLevel::INFO, "r1 a", day1), entry(LogLevel::ERROR, "r1 b", day2)]), in_a_month()).await.unwrap();
    a.data
        .ingest(
            c,
            2,
            &logs(r2, "y", vec![entry(LogLevel::INFO, "r2 a", day1 + Duration::seconds(1)), entry(LogLevel::INFO, "r2 b", day2)]),
            in_a_month(),
        )
        .await
        .unwrap();
    // Another connector's entries stay out.
    a.data.ingest(ConnectorId::new(), 1, &logs(RunId::new(), "z", vec![entry(LogLevel::INFO, "other", day1)]), in_a_month()).await.unwrap();

    let q = LogQuery {
        scope: LogScope::Connector { connector: c, version: None },
        max_severity: None,
        text: None,
        from: None,
        to: None,
        after: None,
        limit: 100,
    };
    let page = a.data.query_logs(&q).await.unwrap();
    let messages: Vec<&str> = page.items.iter().map(|e| e.message.as_str()).collect();
    let mut positions: Vec<LogPosition> = page.items.iter().map(LogPosition::of).collect();
    assert_eq!(messages.len(), 4);
    assert_eq!(&messages[..2], &["r1 a", "r2 a"]);
    positions.sort();
    assert_eq!(positions, page.items.iter().map(LogPosition::of).collect::<Vec<_>>(), "time, run, seq order");

    let only_v2 = LogQuery { scope: LogScope::Connector { connector: c, version: Some(2) }, ..q.clone() };
    assert_eq!(a.data.query_logs(&only_v2).await.unwrap().items.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), vec!["r2 a", "r2 b"]);
    let errors = LogQuery { max_severity: Some(3), ..q.clone() };
    assert_eq!(a.data.query_logs(&errors).await.unwrap().items.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), vec!["r1 b"]);

    // Paged one by one across the days.
    let mut paged = LogQuery { limit: 1, ..q.clone() };
    let mut seen = vec![];
    loop {
        let page = a.data.query_logs(&paged).await.unwrap();
        seen.extend(page.items.iter().map(|e| e.message.clone()));
        match page.next_cursor {
            Some(c) => paged.after = Some(position(&c)),
            None => break,
        }
    }
    assert_eq!(seen, messages);
}

/// TTL deletes late: reads skip items past `expires_at` (AWS only: the embedded store
/// deletes expired rows itself, in the host's retention purge).
#[tokio::test]
async fn expired_items_are_not_read() {
    let a = &aws().await;
    let r = RunId::new();
    let c = ConnectorId::new();
    let past = Utc::now() - Duration::seconds(5);
    a.data.ingest(c, 1, &logs(r, "old", vec![entry(LogLevel::ERROR, "expired", Utc::now())]), past).await.unwrap();
    a.data.ingest(c, 1, &logs(r, "new", vec![entry(LogLevel::ERROR, "kept", Utc::now())]), in_a_month()).await.unwrap();
    let page = a.data.query_logs(&run_query(r)).await.unwrap();
    assert_eq!(page.items.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), vec!["kept"]);
    let mut q = run_query(r);
    q.max_severity = Some(3);
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (1, true));
}

async fn stdio_output_and_input_round_trip(a: &Adapters) {
    let r = RunId::new();
    let c = ConnectorId::new();
    let t = Utc::now();
    let lines: Vec<NewStdioLine> = (0..5)
        .map(|i| NewStdioLine { time: t, stream: if i % 2 == 0 { StdStream::Stdout } else { StdStream::Stderr }, line: format!("l{i}") })
        .collect();
    a.data.ingest(c, 1, &IngestBatch { run_id: r, batch_id: "s".into(), items: IngestItems::Stdio(lines) }, in_a_month()).await.unwrap();
    let err = a.data.read_stdio(r, Some(StdStream::Stderr), None, 10).await.unwrap();
    assert_eq!(err.iter().map(|l| (l.seq, l.line.as_str())).collect::<Vec<_>>(), vec![(2, "l1"), (4, "l3")]);
    assert_eq!(a.data.read_stdio(r, None, Some(3), 10).await.unwrap().iter().map(|l| l.seq).collect::<Vec<_>>(), vec![4, 5]);
    assert_eq!(a.data.read_stdio(r, Some(StdStream::Stdout), None, 2).await.unwrap().iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 3]);

    let rows = vec![(t, json!({"a-b": 1}).as_object().unwrap().clone()), (t, json!({"c": "x"}).as_object().unwrap().clone())];
    a.data.ingest(c, 1, &IngestBatch { run_id: r, batch_id: "o".into(), items: IngestItems::Output(rows) }, in_a_month()).await.unwrap();
    // Numbered after the run's stdio lines (one sequence per run).
    let out = a.data.read_output(r, None, 10).await.unwrap();
    assert_eq!(out.iter().map(|o| o.seq).collect::<Vec<_>>(), vec![6, 7]);
    assert_eq!(out[1].row, *json!({"c": "x"}).as_object().unwrap());
    assert_eq!(a.data.read_output(r, Some(6), 10).await.unwrap().len(), 1);

    let input: Vec<_> = (0..30).map(|i| json!({"n": i}).as_object().unwrap().clone()).collect();
    a.data.put_input(r, &input).await.unwrap();
    assert_eq!(a.data.read_input(r, 0, 100).await.unwrap(), input);
    assert_eq!(a.data.read_input(r, 28, 100).await.unwrap(), input[28..].to_vec());
    assert_eq!(a.data.read_input(r, 5, 3).await.unwrap(), input[5..8].to_vec());
    a.data.delete_run_data(r).await.unwrap();
    assert!(a.data.read_output(r, None, 10).await.unwrap().is_empty());
}

/// A text search over a long log answers within its read budget with a cursor, and following
/// the cursors finds every match once (AWS adapter only: the budget is the DynamoDB page).
#[tokio::test]
async fn a_text_search_answers_within_its_budget_and_resumes_with_the_cursor() {
    let a = aws_with(1).await;
    let r = RunId::new();
    let c = ConnectorId::new();
    let t = Utc::now();
    // 2 500 entries: three pages of up to 1 000 items each.
    for b in 0..5 {
        let entries: Vec<NewLogEntry> = (0..500)
            .map(|i| {
                let n = b * 500 + i;
                let message = if n % 1000 == 999 { format!("needle {n}") } else { format!("hay {n}") };
                entry(LogLevel::INFO, &message, t)
            })
            .collect();
        a.data.ingest(c, 1, &logs(r, &format!("b{b}"), entries), in_a_month()).await.unwrap();
    }
    let mut q = run_query(r);
    q.text = Some("NEEDLE".into());
    let mut found = vec![];
    let mut calls = 0;
    loop {
        let page = a.data.query_logs(&q).await.unwrap();
        calls += 1;
        found.extend(page.items.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(cur) => q.after = Some(position(&cur)),
            None => break,
        }
    }
    assert_eq!(found, vec![1000, 2000]);
    assert!(calls >= 3, "one page per call over three pages, got {calls} calls");
    q.after = None;
    assert_eq!(a.data.count_logs(&q).await.unwrap(), (2, true));
}

// ---------------------------------------------------------------------------------------
// VaultStore.
// ---------------------------------------------------------------------------------------

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretValue> {
    pairs.iter().map(|(k, v)| (k.to_string(), SecretValue::new(*v))).collect()
}

fn exposed(f: &BTreeMap<String, SecretValue>) -> Vec<(String, String)> {
    f.iter().map(|(k, v)| (k.clone(), v.expose().to_string())).collect()
}

async fn vault_entries_are_per_organization_listed_without_values_and_deleted_idempotently(a: &Adapters) {
    let (org, other) = (OrgId::new(), OrgId::new());
    a.vault.put_vault(org, "shops/acme/api", &fields(&[("api-key", "s3cr3t-value-1"), ("user", "ada")])).await.unwrap();
    a.vault.put_vault(org, "db", &fields(&[("password", "pw-123456")])).await.unwrap();
    a.vault.put_vault(other, "shops/acme/api", &fields(&[("token", "theirs-999")])).await.unwrap();

    let listed = a.vault.list_vault(org).await.unwrap();
    assert_eq!(
        listed,
        vec![("db".to_string(), vec!["password".to_string()]), ("shops/acme/api".to_string(), vec!["api-key".to_string(), "user".to_string()])]
    );
    assert!(!format!("{listed:?}").contains("s3cr3t"), "values are never listed");
    assert_eq!(a.vault.list_vault(other).await.unwrap(), vec![("shops/acme/api".to_string(), vec!["token".to_string()])]);

    let read = a.vault.read_vault(org, "shops/acme/api").await.unwrap().unwrap();
    assert_eq!(exposed(&read), vec![("api-key".into(), "s3cr3t-value-1".into()), ("user".into(), "ada".into())]);
    assert_eq!(a.vault.read_vault(org, "missing/path").await.unwrap().map(|f| exposed(&f)), None);

    // Replacing an entry replaces its fields and what the list says of them.
    a.vault.put_vault(org, "shops/acme/api", &fields(&[("api-key", "rotated-value-2")])).await.unwrap();
    assert_eq!(exposed(&a.vault.read_vault(org, "shops/acme/api").await.unwrap().unwrap()), vec![("api-key".into(), "rotated-value-2".into())]);
    assert_eq!(a.vault.list_vault(org).await.unwrap()[1], ("shops/acme/api".to_string(), vec!["api-key".to_string()]));

    assert!(a.vault.delete_vault(org, "shops/acme/api").await.unwrap());
    assert!(!a.vault.delete_vault(org, "shops/acme/api").await.unwrap());
    assert_eq!(a.vault.read_vault(org, "shops/acme/api").await.unwrap().map(|f| exposed(&f)), None);
    assert_eq!(a.vault.list_vault(org).await.unwrap(), vec![("db".to_string(), vec!["password".to_string()])]);
    // The other organization's entry at the same path is untouched.
    assert_eq!(exposed(&a.vault.read_vault(other, "shops/acme/api").await.unwrap().unwrap()), vec![("token".into(), "theirs-999".into())]);
}

/// A delivery that died after claiming its batch (marker written, items not all stored)
/// leaves the marker incomplete; the redelivery writes the same seqs again instead of
/// numbering the batch anew (AWS adapter only: the embedded store's batch is one transaction).
#[tokio::test]
async fn a_batch_whose_first_delivery_died_half_way_is_stored_at_the_seqs_it_claimed() {
    use devportal_aws::aws_sdk_dynamodb::types::AttributeValue;
    use devportal_embedded::keys;
    let config = moto::config().await;
    let table = format!("runs-{}", uuid::Uuid::new_v4().simple());
    let dynamo = devportal_aws::aws_sdk_dynamodb::Client::new(&config);
    create_table(&dynamo, &table).await.unwrap();
    let data = DynamoRunDataStore::new(dynamo.clone(), table.clone());
    let (r, c) = (RunId::new(), ConnectorId::new());
    // The first delivery claimed seqs 5 and 6 (the counter says so too), then died.
    dynamo
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S(keys::run_data(r)))
        .item("sk", AttributeValue::S(keys::SEQ_COUNTER.into()))
        .item("last_seq", AttributeValue::N("6".into()))
        .send()
        .await
        .unwrap();
    dynamo
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S(keys::run_data(r)))
        .item("sk", AttributeValue::S(keys::ingest_batch("half")))
        .item("body", AttributeValue::S(r#"{"first_seq":5,"count":2,"complete":false}"#.into()))
        .send()
        .await
        .unwrap();
    let batch = logs(r, "half", vec![entry(LogLevel::INFO, "a", Utc::now()), entry(LogLevel::INFO, "b", Utc::now())]);
    let receipt = data.ingest(c, 1, &batch, in_a_month()).await.unwrap();
    assert_eq!((receipt.first_seq, receipt.count, receipt.duplicate), (5, 2, false));
    assert!(data.ingest(c, 1, &batch, in_a_month()).await.unwrap().duplicate, "complete now");
    let next = data.ingest(c, 1, &logs(r, "next", vec![entry(LogLevel::INFO, "c", Utc::now())]), in_a_month()).await.unwrap();
    assert_eq!(next.first_seq, 7);
    let page = data.query_logs(&run_query(r)).await.unwrap();
    assert_eq!(page.items.iter().map(|e| (e.seq, e.message.as_str())).collect::<Vec<_>>(), vec![(5, "a"), (6, "b"), (7, "c")]);
}
