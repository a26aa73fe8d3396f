//! Contract suite of the pipeline ports: ONE set of tests, written against
//! `&dyn PipelineStore`, `&dyn JobQueue` and `&dyn JobLogStore`, run against
//!
//! - the embedded adapters (`SqlitePipelineStore`, `SqliteQueue`, `SqliteJobLogs`) on a fresh
//!   temporary directory, and
//! - the AWS adapters (`DynamoPipelineStore` on DynamoDB, `SqsQueue` on SQS, `S3JobLogs` on S3)
//!   on a local `moto_server` (`devportal_tests::moto`), each test with its own table, queues and
//!   bucket.
//!
//! Timing-based queue tests use visibility timeouts of 1–2 s and poll for the message's return
//! with a generous deadline, so a slow machine makes them slower, not red.

use aws_config::SdkConfig;
use chrono::Utc;
use devportal_aws::aws_sdk_s3;
use devportal_aws::aws_sdk_sqs;
use devportal_aws::{create_bucket, create_queues, create_table, DynamoPipelineStore, DynamoStore, S3JobLogs, SqsQueue};
use devportal_domain::connector::{Connector, ConnectorType, ExecutionMode, Flow};
use devportal_domain::ids::{ConnectorId, OrgId, UserId};
use devportal_domain::pipeline::{
    Access, AccessChange, Actor, Job, JobId, JobParams, JobStatus, LogStream, ProductionRelease, Stage, StageMessage, Targets, Transition,
};
use devportal_domain::ports::{CatalogEntry, CatalogPlace, ConnectorStore, Delivery, JobLogStore, JobQueue, KeyClaim, PipelineStore, StoreError};
use devportal_domain::version::{Version, VersionState};
use devportal_embedded::{Db, SqliteJobLogs, SqlitePipelineStore, SqliteQueue, SqliteStore};
use devportal_tests::moto;
use std::any::Any;
use std::time::{Duration, Instant};

/// The pipeline ports of one adapter family, plus the connector store (jobs need a version to
/// exist) and whatever must live as long as they do.
struct Adapters {
    connectors: Box<dyn ConnectorStore>,
    pipeline: Box<dyn PipelineStore>,
    queue: Box<dyn JobQueue>,
    logs: Box<dyn JobLogStore>,
    _keep: Box<dyn Any + Send>,
}

async fn embedded() -> Adapters {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("open the embedded database");
    Adapters {
        connectors: Box::new(SqliteStore::new(db.clone())),
        pipeline: Box::new(SqlitePipelineStore::new(db.clone())),
        queue: Box::new(SqliteQueue::new(db.clone())),
        logs: Box::new(SqliteJobLogs::new(db)),
        _keep: Box::new(dir),
    }
}

/// Names of one test's AWS resources.
struct AwsNames {
    table: String,
    queue_prefix: String,
    bucket: String,
}

fn aws_names() -> AwsNames {
    let id = uuid::Uuid::new_v4().simple().to_string();
    AwsNames { table: format!("pipeline-{id}"), queue_prefix: format!("cp-{}", &id[..16]), bucket: format!("cp-{id}") }
}

async fn aws() -> Adapters {
    let config = moto::config().await;
    let names = aws_names();
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let s3 = s3_client(&config);
    create_table(&dynamo, &names.table).await.expect("create the table on moto");
    create_queues(&sqs, &names.queue_prefix).await.expect("create the queues on moto");
    create_bucket(&s3, &names.bucket).await.expect("create the bucket on moto");
    Adapters {
        connectors: Box::new(DynamoStore::new(dynamo.clone(), &names.table)),
        pipeline: Box::new(DynamoPipelineStore::new(dynamo, &names.table)),
        queue: Box::new(SqsQueue::new(sqs, &names.queue_prefix)),
        logs: Box::new(S3JobLogs::new(s3, &names.bucket)),
        _keep: Box::new(()),
    }
}

fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(true).build())
}

devportal_tests::contract_suite!(
    [embedded, aws]
    [
        start_job_writes_the_job_the_version_the_transition_and_the_key_together,
        a_used_idempotency_key_answers_already_exists_and_writes_nothing,
        a_stale_version_answers_conflict_and_writes_nothing,
        an_expired_idempotency_key_is_free_again,
        finish_job_is_conditional_on_job_and_version_and_writes_transition_and_catalog_atomically,
        update_job_is_conditional_on_its_revision,
        list_jobs_is_newest_first_per_version,
        transitions_list_oldest_first_and_a_stale_edit_records_none,
        unfinished_jobs_are_the_pending_and_running_ones,
        catalog_lists_every_production_release_once,
        a_received_message_is_invisible_and_comes_back_after_the_timeout,
        ack_removes_a_message,
        retry_later_delays_a_message,
        dead_letter_parks_a_message_and_dead_letters_lists_it_repeatedly,
        receive_returns_only_messages_of_its_stage_and_at_most_max,
        job_logs_page_in_order_with_after_and_limit,
        long_log_lines_are_cut_alike,
        batches_of_log_lines_are_numbered_on_and_read_with_any_cursor,
    ]
);

// ---------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------

/// A connector built from JSON, so fields added later with serde defaults need no change here.
fn connector() -> Connector {
    let now = Utc::now();
    serde_json::from_value(serde_json::json!({
        "id": ConnectorId::new(),
        "name": "Pipeline contract",
        "type": ConnectorType::Export,
        "description": "",
        "readme": "",
        "flow": Flow::Default,
        "execution_mode": ExecutionMode::Env,
        "owner": OrgId::new(),
        "created_by": UserId::new(),
        "created_at": now,
        "updated_at": now,
        "main_version": null,
        "latest_version": 1,
        "has_logo": false,
        "released": false,
        "revision": 1,
    }))
    .expect("a connector")
}

/// A connector with version 1 (`created`, revision 1) in the store; the version.
async fn version(a: &Adapters) -> Version {
    let c = connector();
    let v = Version::first(c.id, c.created_at);
    a.connectors.create_connector(&c, &v).await.expect("create a connector");
    v
}

fn params(stage: Stage) -> JobParams {
    match stage {
        Stage::Build => JobParams::Build,
        Stage::SyncRuntime => JobParams::SyncRuntime,
        Stage::SyncDev => JobParams::SyncDev,
        Stage::SyncProd => JobParams::SyncProd { targets: Targets { accounts: vec!["acct-1".into()], ..Default::default() } },
        Stage::Access => JobParams::Access { change: AccessChange::Release },
    }
}

fn job(v: &Version, stage: Stage) -> Job {
    Job {
        id: JobId::new(),
        connector_id: v.connector_id,
        version: v.number,
        stage,
        status: JobStatus::Pending,
        params: params(stage),
        from_state: v.state,
        running_state: stage.running_state(v.state, false),
        requested_by: UserId::new(),
        reason: None,
        exit_code: None,
        result: None,
        attempts: 0,
        retry_of: None,
        created_at: Utc::now(),
        started_at: None,
        finished_at: None,
        revision: 1,
        lease: None,
        remote_build: None,
    }
}

/// The version one step on: `state`, the next revision.
fn moved(v: &Version, state: VersionState) -> Version {
    Version { state, updated_at: Utc::now(), revision: v.revision + 1, ..v.clone() }
}

fn transition(v: &Version, to: VersionState, job: Option<&Job>) -> Transition {
    Transition {
        connector_id: v.connector_id,
        version: v.number,
        from: v.state,
        to,
        at: Utc::now(),
        by: Actor::System,
        job_id: job.map(|j| j.id),
        reason: None,
    }
}

fn catalog_entry(v: &Version, job: &Job, released: bool) -> CatalogEntry {
    CatalogEntry {
        connector_id: v.connector_id,
        version: v.number,
        release: ProductionRelease {
            release_id: format!("rel-{}", job.id),
            job_id: job.id,
            digest: "sha256:0123456789abcdef".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            configuration: serde_json::json!({"image": {"command": "run"}}),
            targets: Targets { accounts: vec!["acct-1".into()], ..Default::default() },
            released_at: Utc::now(),
        },
        access: Access { released, ..Default::default() },
    }
}

/// Starts a build job on `v` (→ `building`); the job and the version after it.
async fn start_build(a: &Adapters, v: &Version) -> (Job, Version) {
    let j = job(v, Stage::Build);
    let next = moved(v, VersionState::Building);
    a.pipeline.start_job(&j, &next, v.revision, Some(&transition(v, VersionState::Building, Some(&j))), None).await.expect("start a job");
    (j, next)
}

/// The job one step on: `status`, the next revision.
fn job_moved(j: &Job, status: JobStatus) -> Job {
    let finished = status.is_finished().then(Utc::now);
    Job { status, revision: j.revision + 1, finished_at: finished, ..j.clone() }
}

async fn stored_version(a: &Adapters, v: &Version) -> Version {
    a.connectors.get_version(v.connector_id, v.number).await.unwrap().expect("the version exists")
}

fn message(stage: Stage) -> StageMessage {
    StageMessage { job_id: JobId::new(), connector_id: ConnectorId::new(), version: 1, stage }
}

/// Receives until a message comes (every 100 ms, at most `deadline`); the delivery.
async fn receive_within(q: &dyn JobQueue, stage: Stage, visibility: Duration, deadline: Duration) -> Option<Delivery> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(d) = q.receive(stage, 1, visibility).await.unwrap().into_iter().next() {
            return Some(d);
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------
// Pipeline store.
// ---------------------------------------------------------------------------------------

async fn start_job_writes_the_job_the_version_the_transition_and_the_key_together(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;

    // With a transition, without an idempotency key.
    let build = job(&v1, Stage::Build);
    let v2 = moved(&v1, VersionState::Building);
    let t1 = transition(&v1, VersionState::Building, Some(&build));
    s.start_job(&build, &v2, 1, Some(&t1), None).await.unwrap();
    assert_eq!(s.get_job(build.id).await.unwrap(), Some(build.clone()));
    assert_eq!(stored_version(a, &v1).await, v2);
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), vec![t1.clone()]);
    assert_eq!(s.list_jobs(v1.connector_id, 1).await.unwrap(), vec![build.clone()]);
    assert_eq!(s.get_job(JobId::new()).await.unwrap(), None);

    // Without a transition (the state does not change), with an idempotency key.
    let access = job(&v2, Stage::Access);
    let v3 = moved(&v2, VersionState::Building);
    s.start_job(&access, &v3, 2, None, claim("key-1")).await.unwrap();
    assert_eq!(s.get_job(access.id).await.unwrap(), Some(access.clone()));
    assert_eq!(stored_version(a, &v1).await, v3);
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), vec![t1], "no transition was written");
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "key-1", Utc::now()).await.unwrap(), Some(access.id));
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "key-2", Utc::now()).await.unwrap(), None);
    // Keys belong to their connector.
    assert_eq!(s.job_for_idempotency_key(ConnectorId::new(), "key-1", Utc::now()).await.unwrap(), None);
}

async fn a_used_idempotency_key_answers_already_exists_and_writes_nothing(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let first = job(&v1, Stage::Build);
    let v2 = moved(&v1, VersionState::Building);
    let t1 = transition(&v1, VersionState::Building, Some(&first));
    s.start_job(&first, &v2, 1, Some(&t1), claim("deploy-42")).await.unwrap();

    // Everything else is right (the version revision too): only the key is taken.
    let second = job(&v2, Stage::Access);
    let v3 = moved(&v2, VersionState::Built);
    let t2 = transition(&v2, VersionState::Built, Some(&second));
    match s.start_job(&second, &v3, 2, Some(&t2), claim("deploy-42")).await {
        Err(StoreError::AlreadyExists { what }) => assert!(what.contains("Idempotency-Key"), "{what}"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(s.get_job(second.id).await.unwrap(), None, "the job was not written");
    assert_eq!(stored_version(a, &v1).await, v2, "the version was not written");
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), vec![t1], "the transition was not written");
    assert_eq!(s.list_jobs(v1.connector_id, 1).await.unwrap(), vec![first.clone()]);
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "deploy-42", Utc::now()).await.unwrap(), Some(first.id));

    // The same key on another connector is free.
    let other = version(a).await;
    let j = job(&other, Stage::Build);
    s.start_job(&j, &moved(&other, VersionState::Building), 1, None, claim("deploy-42")).await.unwrap();
    assert_eq!(s.job_for_idempotency_key(other.connector_id, "deploy-42", Utc::now()).await.unwrap(), Some(j.id));
}

/// A claim of `key` made now, for the usual lifetime.
fn claim(key: &str) -> Option<KeyClaim<'_>> {
    Some(KeyClaim::new(key, Utc::now()))
}

async fn an_expired_idempotency_key_is_free_again(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let first = job(&v1, Stage::Build);
    let v2 = moved(&v1, VersionState::Building);
    // A claim that expired a minute ago (TTL has not removed it yet).
    let expired = KeyClaim { key: "old-key", expires_at: Utc::now() - chrono::Duration::minutes(1) };
    s.start_job(&first, &v2, 1, None, Some(expired)).await.unwrap();
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "old-key", Utc::now()).await.unwrap(), None, "an expired claim answers nothing");
    assert_eq!(
        s.job_for_idempotency_key(v1.connector_id, "old-key", expired.expires_at - chrono::Duration::seconds(5)).await.unwrap(),
        Some(first.id),
        "before its expiry it answered the job"
    );
    // A new job may claim the key; it then answers the new job until its own expiry.
    let second = job(&v2, Stage::Access);
    s.start_job(&second, &moved(&v2, VersionState::Building), 2, None, claim("old-key")).await.unwrap();
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "old-key", Utc::now()).await.unwrap(), Some(second.id));
}

async fn a_stale_version_answers_conflict_and_writes_nothing(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let (first, v2) = start_build(a, &v1).await;
    let transitions = s.list_transitions(v1.connector_id, 1).await.unwrap();

    // Read before the first job started: revision 1 is stale, the current one is 2.
    let late = job(&v1, Stage::Build);
    let stale = moved(&v1, VersionState::Building);
    let t = transition(&v1, VersionState::Building, Some(&late));
    match s.start_job(&late, &stale, 1, Some(&t), claim("late-key")).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.get_job(late.id).await.unwrap(), None, "the job was not written");
    assert_eq!(stored_version(a, &v1).await, v2, "the version was not written");
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), transitions, "the transition was not written");
    assert_eq!(s.job_for_idempotency_key(v1.connector_id, "late-key", Utc::now()).await.unwrap(), None, "the key was not claimed");
    assert_eq!(s.list_jobs(v1.connector_id, 1).await.unwrap(), vec![first]);

    // A version that does not exist.
    let missing = Version { number: 9, ..v1.clone() };
    let j = job(&missing, Stage::Build);
    match s.start_job(&j, &moved(&missing, VersionState::Building), 1, None, None).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(s.get_job(j.id).await.unwrap(), None);
}

async fn finish_job_is_conditional_on_job_and_version_and_writes_transition_and_catalog_atomically(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let (j1, v2) = start_build(a, &v1).await;
    let running = job_moved(&j1, JobStatus::Running);
    s.update_job(&running, 1).await.unwrap();
    let before = s.list_transitions(v1.connector_id, 1).await.unwrap();
    assert_eq!(before.len(), 1);

    let done = job_moved(&running, JobStatus::Done);
    let v3 = moved(&v2, VersionState::SynchronizedToProd);
    let t = transition(&v2, VersionState::SynchronizedToProd, Some(&done));
    let entry = catalog_entry(&v3, &done, false);

    // A stale job revision: nothing is written, not even the parts whose condition held.
    match s.finish_job(&done, 1, &v3, 2, Some(&t), Some(&entry)).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2, "the job's current revision"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    // A stale version revision.
    match s.finish_job(&done, 2, &v3, 1, Some(&t), Some(&entry)).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2, "the version's current revision"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.get_job(j1.id).await.unwrap(), Some(running.clone()), "the job is untouched");
    assert_eq!(stored_version(a, &v1).await, v2, "the version is untouched");
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), before, "a conflicting finish leaves no transition");
    assert_eq!(catalog_at(s, &[acct()]).await, vec![], "nor a catalog entry");

    // Both revisions right: all four written.
    s.finish_job(&done, 2, &v3, 2, Some(&t), Some(&entry)).await.unwrap();
    assert_eq!(s.get_job(j1.id).await.unwrap(), Some(done.clone()));
    assert_eq!(stored_version(a, &v1).await, v3);
    let mut expected = before.clone();
    expected.push(t);
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), expected);
    assert_eq!(catalog_at(s, &[acct()]).await, vec![entry.clone()]);

    // An access job: no transition, the catalog entry replaced (not added); then one that
    // passes `None` keeps it.
    let access = job(&v3, Stage::Access);
    let v4 = moved(&v3, VersionState::SynchronizedToProd);
    s.start_job(&access, &v4, 3, None, None).await.unwrap();
    let access_done = job_moved(&access, JobStatus::Done);
    let v5 = moved(&v4, VersionState::SynchronizedToProd);
    let released = CatalogEntry { access: Access { released: true, ..Default::default() }, ..entry.clone() };
    s.finish_job(&access_done, 1, &v5, 4, None, Some(&released)).await.unwrap();
    assert_eq!(catalog_at(s, &[acct()]).await, vec![released.clone()]);
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), expected, "no transition without one");
    let other = job(&v5, Stage::Access);
    let v6 = moved(&v5, VersionState::SynchronizedToProd);
    s.start_job(&other, &v6, 5, None, None).await.unwrap();
    s.finish_job(&job_moved(&other, JobStatus::Failed), 1, &moved(&v6, VersionState::SynchronizedToProd), 6, None, None).await.unwrap();
    assert_eq!(catalog_at(s, &[acct()]).await, vec![released], "`None` keeps the entry");

    // A job that does not exist.
    let ghost = job(&v1, Stage::Build);
    match s.finish_job(&job_moved(&ghost, JobStatus::Done), 1, &moved(&v6, VersionState::Built), 7, None, None).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn update_job_is_conditional_on_its_revision(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let (j, _) = start_build(a, &v1).await;
    let running = job_moved(&j, JobStatus::Running);
    s.update_job(&running, 1).await.unwrap();
    match s.update_job(&job_moved(&j, JobStatus::Cancelled), 1).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.get_job(j.id).await.unwrap(), Some(running));
    match s.update_job(&job(&v1, Stage::Build), 1).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn list_jobs_is_newest_first_per_version(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v = version(a).await;
    let other = version(a).await;
    let mut current = v.clone();
    let mut ids = vec![];
    for stage in [Stage::Build, Stage::SyncRuntime, Stage::SyncDev, Stage::Access] {
        let j = job(&current, stage);
        let next = moved(&current, current.state);
        s.start_job(&j, &next, current.revision, None, None).await.unwrap();
        ids.push(j.id);
        current = next;
    }
    let (elsewhere, _) = start_build(a, &other).await;
    ids.reverse();
    let listed: Vec<JobId> = s.list_jobs(v.connector_id, 1).await.unwrap().iter().map(|j| j.id).collect();
    assert_eq!(listed, ids, "newest first");
    assert_eq!(s.list_jobs(other.connector_id, 1).await.unwrap(), vec![elsewhere]);
    assert_eq!(s.list_jobs(v.connector_id, 2).await.unwrap(), vec![]);
    assert_eq!(s.list_jobs(ConnectorId::new(), 1).await.unwrap(), vec![]);
}

async fn transitions_list_oldest_first_and_a_stale_edit_records_none(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let v1 = version(a).await;
    let other = version(a).await;
    let mut current = v1.clone();
    let mut expected = vec![];
    for to in [VersionState::Updated, VersionState::Building, VersionState::Built, VersionState::Updated, VersionState::Building] {
        let next = moved(&current, to);
        let t = transition(&current, to, None);
        s.update_version_with_transition(&next, current.revision, &t).await.unwrap();
        expected.push(t);
        current = next;
    }
    let t_other = transition(&other, VersionState::Updated, None);
    s.update_version_with_transition(&moved(&other, VersionState::Updated), 1, &t_other).await.unwrap();

    // A stale edit: Conflict, and no transition recorded.
    match s.update_version_with_transition(&moved(&v1, VersionState::Updated), 1, &transition(&v1, VersionState::Updated, None)).await {
        Err(StoreError::Conflict { current: c }) => assert_eq!(c, current.revision),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.list_transitions(v1.connector_id, 1).await.unwrap(), expected, "oldest first, no stale one");
    assert_eq!(s.list_transitions(other.connector_id, 1).await.unwrap(), vec![t_other]);
    assert_eq!(s.list_transitions(v1.connector_id, 2).await.unwrap(), vec![]);
    assert_eq!(stored_version(a, &v1).await, current);
}

async fn unfinished_jobs_are_the_pending_and_running_ones(a: &Adapters) {
    let s = a.pipeline.as_ref();
    assert_eq!(s.unfinished_jobs().await.unwrap(), vec![]);
    let mut unfinished = vec![];
    for end in [None, Some(JobStatus::Running), Some(JobStatus::Done), Some(JobStatus::Failed), Some(JobStatus::Cancelled)] {
        let v = version(a).await;
        let (j, v2) = start_build(a, &v).await;
        match end {
            None => unfinished.push(j),
            Some(JobStatus::Running) => {
                let running = job_moved(&j, JobStatus::Running);
                s.update_job(&running, 1).await.unwrap();
                unfinished.push(running);
            }
            Some(status) => {
                let back = moved(&v2, v.state);
                s.finish_job(&job_moved(&j, status), 1, &back, 2, Some(&transition(&v2, v.state, Some(&j))), None).await.unwrap();
            }
        }
    }
    let mut listed = s.unfinished_jobs().await.unwrap();
    listed.sort_by_key(|j| j.id);
    unfinished.sort_by_key(|j| j.id);
    assert_eq!(listed, unfinished);
}

async fn catalog_lists_every_production_release_once(a: &Adapters) {
    let s = a.pipeline.as_ref();
    let (site, project) = (CatalogPlace::Site("site-1".into()), CatalogPlace::Project("proj-1".into()));
    let places = [acct(), project.clone(), site.clone()];
    assert_eq!(catalog_at(s, &places).await, vec![]);
    // Released to the account; to the project; to the project and the site (two pointers).
    let targets = [
        Targets { accounts: vec!["acct-1".into()], ..Default::default() },
        Targets { projects: vec!["proj-1".into()], ..Default::default() },
        Targets { projects: vec!["proj-1".into()], sites: vec!["site-1".into()], ..Default::default() },
    ];
    let mut expected = vec![];
    for (i, t) in targets.into_iter().enumerate() {
        let v = version(a).await;
        let j = job(&v, Stage::SyncProd);
        let v2 = moved(&v, VersionState::SynchronizingToProd);
        s.start_job(&j, &v2, 1, Some(&transition(&v, VersionState::SynchronizingToProd, Some(&j))), None).await.unwrap();
        let v3 = moved(&v2, VersionState::SynchronizedToProd);
        let mut entry = catalog_entry(&v3, &j, i == 1);
        entry.release.targets = t;
        s.finish_job(&job_moved(&j, JobStatus::Done), 1, &v3, 2, None, Some(&entry)).await.unwrap();
        expected.push(entry);
    }
    // In key order: connector id (UUIDv7, creation order), then version; each entry once,
    // also the one filed under two of the places, page after page.
    expected.sort_by_key(|e| (e.connector_id.to_string(), e.version));
    assert_eq!(catalog_at(s, &places).await, expected);
    // One place: only what was released there.
    assert_eq!(catalog_at(s, &[site]).await, vec![expected[2].clone()]);
    assert_eq!(catalog_at(s, &[project]).await, expected[1..].to_vec());
    // Pages: exactly `limit` entries with a cursor while more follow, none after the last.
    let first = s.catalog_at(&places, None, 2).await.unwrap();
    assert_eq!(first.entries, expected[..2].to_vec());
    assert_eq!(first.next, Some((expected[1].connector_id, expected[1].version)));
    let last = s.catalog_at(&places, first.next, 2).await.unwrap();
    assert_eq!((last.entries, last.next), (expected[2..].to_vec(), None));
}

fn acct() -> CatalogPlace {
    CatalogPlace::Account("acct-1".into())
}

/// Every entry filed under `places`, read a page of one at a time (so the cursor is used).
async fn catalog_at(s: &dyn PipelineStore, places: &[CatalogPlace]) -> Vec<CatalogEntry> {
    let mut out = vec![];
    let mut after = None;
    loop {
        let page = s.catalog_at(places, after, 1).await.unwrap();
        assert!(page.entries.len() <= 1);
        out.extend(page.entries);
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Queue.
// ---------------------------------------------------------------------------------------

async fn a_received_message_is_invisible_and_comes_back_after_the_timeout(a: &Adapters) {
    let q = a.queue.as_ref();
    let m = message(Stage::Build);
    q.send(&m).await.unwrap();
    let timeout = Duration::from_secs(2);
    let start = Instant::now();
    let first = q.receive(Stage::Build, 10, timeout).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message, m);
    assert_eq!(first[0].attempt, 1);
    let second = q.receive(Stage::Build, 10, timeout).await.unwrap();
    let again = match second.into_iter().next() {
        // Invisibility can only be checked while the timeout runs (a loaded machine may be slower).
        None => receive_within(q, Stage::Build, Duration::from_secs(30), Duration::from_secs(10)).await.expect("comes back"),
        Some(d) => {
            assert!(start.elapsed() >= timeout, "delivered again while invisible");
            d
        }
    };
    assert!(start.elapsed() >= timeout - Duration::from_millis(50), "not before the timeout: {:?}", start.elapsed());
    assert_eq!(again.message, m);
    assert_eq!(again.attempt, 2, "the second delivery");
    assert_ne!(again.receipt, first[0].receipt, "each delivery has its own receipt");
    q.ack(&again).await.unwrap();
}

async fn ack_removes_a_message(a: &Adapters) {
    let q = a.queue.as_ref();
    let m = message(Stage::SyncDev);
    q.send(&m).await.unwrap();
    let d = q.receive(Stage::SyncDev, 1, Duration::from_secs(1)).await.unwrap().pop().expect("a delivery");
    q.ack(&d).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(q.receive(Stage::SyncDev, 10, Duration::from_secs(1)).await.unwrap().is_empty(), "acknowledged: gone");
    assert!(q.dead_letters().await.unwrap().is_empty());
}

async fn retry_later_delays_a_message(a: &Adapters) {
    let q = a.queue.as_ref();
    let m = message(Stage::SyncRuntime);
    q.send(&m).await.unwrap();
    let d = q.receive(Stage::SyncRuntime, 1, Duration::from_secs(60)).await.unwrap().pop().expect("a delivery");
    let delay = Duration::from_secs(2);
    let asked = Instant::now();
    q.retry_later(&d, delay, "runtime busy").await.unwrap();
    let early = q.receive(Stage::SyncRuntime, 10, Duration::from_secs(60)).await.unwrap();
    // Back after the delay, long before the 60 s visibility of the first receive.
    let again = match early.into_iter().next() {
        None => receive_within(q, Stage::SyncRuntime, Duration::from_secs(60), Duration::from_secs(10)).await.expect("comes back"),
        Some(d) => {
            assert!(asked.elapsed() >= delay, "delivered again before the delay");
            d
        }
    };
    assert!(asked.elapsed() >= delay - Duration::from_millis(50), "after the delay: {:?}", asked.elapsed());
    assert_eq!(again.message, m);
    assert_eq!(again.attempt, 2);
    q.ack(&again).await.unwrap();
}

async fn dead_letter_parks_a_message_and_dead_letters_lists_it_repeatedly(a: &Adapters) {
    let q = a.queue.as_ref();
    assert!(q.dead_letters().await.unwrap().is_empty());
    let m = message(Stage::SyncProd);
    let kept = message(Stage::SyncProd);
    q.send(&m).await.unwrap();
    let before = Utc::now() - chrono::Duration::seconds(1);
    let d = q.receive(Stage::SyncProd, 1, Duration::from_secs(1)).await.unwrap().pop().expect("a delivery");
    assert_eq!(d.message, m);
    q.send(&kept).await.unwrap();
    q.dead_letter(&d, "sync failed: the platform answered 500").await.unwrap();
    let after = Utc::now() + chrono::Duration::seconds(1);

    // Parked: never delivered again, even after the visibility timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rest = q.receive(Stage::SyncProd, 10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(rest.iter().map(|d| d.message.clone()).collect::<Vec<_>>(), vec![kept], "only the other message");

    for _ in 0..2 {
        let dead = q.dead_letters().await.unwrap();
        assert_eq!(dead.len(), 1, "{dead:?}");
        let l = &dead[0];
        assert_eq!((l.stage, l.job_id, l.connector_id, l.version), (m.stage, m.job_id, m.connector_id, m.version));
        assert_eq!(l.attempts, 1);
        assert_eq!(l.error, "sync failed: the platform answered 500");
        assert!(l.dead_at >= before && l.dead_at <= after, "{} in [{before}, {after}]", l.dead_at);
        assert!(!l.message_id.is_empty());
    }
}

async fn receive_returns_only_messages_of_its_stage_and_at_most_max(a: &Adapters) {
    let q = a.queue.as_ref();
    let per_stage: Vec<StageMessage> = Stage::ALL.into_iter().map(message).collect();
    for m in &per_stage {
        q.send(m).await.unwrap();
    }
    for m in &per_stage {
        let got = q.receive(m.stage, 10, Duration::from_secs(30)).await.unwrap();
        assert_eq!(got.iter().map(|d| d.message.clone()).collect::<Vec<_>>(), vec![m.clone()], "stage {}", m.stage);
        q.ack(&got[0]).await.unwrap();
    }

    let three: Vec<StageMessage> = (0..3).map(|_| message(Stage::Access)).collect();
    for m in &three {
        q.send(m).await.unwrap();
    }
    let first = q.receive(Stage::Access, 2, Duration::from_secs(30)).await.unwrap();
    assert_eq!(first.len(), 2, "at most max");
    let second = q.receive(Stage::Access, 10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(second.len(), 1, "the rest");
    let mut seen: Vec<JobId> = first.iter().chain(&second).map(|d| d.message.job_id).collect();
    seen.sort();
    let mut sent: Vec<JobId> = three.iter().map(|m| m.job_id).collect();
    sent.sort();
    assert_eq!(seen, sent, "each message once");
    assert!(q.receive(Stage::Access, 0, Duration::from_secs(30)).await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Job logs.
// ---------------------------------------------------------------------------------------

async fn job_logs_page_in_order_with_after_and_limit(a: &Adapters) {
    let logs = a.logs.as_ref();
    let (job, other) = (JobId::new(), JobId::new());
    let stream = |i: u64| match i % 3 {
        0 => LogStream::System,
        1 => LogStream::Stdout,
        _ => LogStream::Stderr,
    };
    let start = Utc::now() - chrono::Duration::seconds(1);
    for i in 1..=25u64 {
        logs.append(job, stream(i), &format!("line {i}: ünïcödé ✓")).await.unwrap();
        if i % 10 == 0 {
            logs.append(other, LogStream::Stdout, &format!("other {i}")).await.unwrap();
        }
    }
    let mut all = vec![];
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = logs.read(job, after, 10).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().map(|l| l.seq);
        all.extend(page);
        pages += 1;
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(all.iter().map(|l| l.seq).collect::<Vec<_>>(), (1..=25).collect::<Vec<_>>(), "numbered 1.. in order");
    for l in &all {
        assert_eq!(l.text, format!("line {}: ünïcödé ✓", l.seq));
        assert_eq!(l.stream, stream(l.seq));
        assert!(l.at >= start && l.at <= Utc::now());
    }
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at), "times do not go back");

    let middle = logs.read(job, Some(7), 3).await.unwrap();
    assert_eq!(middle.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![8, 9, 10]);
    assert_eq!(logs.read(job, Some(0), 2).await.unwrap().iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(logs.read(job, Some(25), 10).await.unwrap(), vec![]);
    assert_eq!(logs.read(job, None, 0).await.unwrap(), vec![]);

    // Each job numbers its own lines.
    let others = logs.read(other, None, 100).await.unwrap();
    assert_eq!(others.iter().map(|l| (l.seq, l.text.as_str())).collect::<Vec<_>>(), vec![(1, "other 10"), (2, "other 20")]);
    assert_eq!(logs.read(JobId::new(), None, 100).await.unwrap(), vec![]);

    // Appending goes on after the last line.
    logs.append(job, LogStream::System, "the end").await.unwrap();
    let last = logs.read(job, Some(25), 10).await.unwrap();
    assert_eq!(last.iter().map(|l| (l.seq, l.text.as_str())).collect::<Vec<_>>(), vec![(26, "the end")]);
}

async fn long_log_lines_are_cut_alike(a: &Adapters) {
    let logs = a.logs.as_ref();
    let job = JobId::new();
    logs.append(job, LogStream::Stdout, &"x".repeat(20_000)).await.unwrap();
    logs.append(job, LogStream::Stdout, &"é".repeat(5_000)).await.unwrap();
    logs.append(job, LogStream::Stderr, "").await.unwrap();
    let lines = logs.read(job, None, 10).await.unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].text, format!("{}…", "x".repeat(8 * 1024)));
    assert_eq!(lines[1].text, format!("{}…", "é".repeat(4 * 1024)));
    assert_eq!(lines[2].text, "");
}

async fn batches_of_log_lines_are_numbered_on_and_read_with_any_cursor(a: &Adapters) {
    let logs = a.logs.as_ref();
    let job = JobId::new();
    logs.append(job, LogStream::System, "first").await.unwrap();
    let batch: Vec<(LogStream, String)> = (2..=1600u64).map(|i| (LogStream::Stdout, format!("line {i}"))).collect();
    logs.append_batch(job, &batch).await.unwrap();
    logs.append_batch(job, &[]).await.unwrap();
    logs.append_batch(job, &[(LogStream::Stderr, "line 1601".into()), (LogStream::System, "line 1602".into())]).await.unwrap();
    logs.append(job, LogStream::System, "last").await.unwrap();
    // Every cursor, including ones inside a batch and at its edges, reads on from the next line.
    for after in [None, Some(1), Some(2), Some(500), Some(999), Some(1000), Some(1001), Some(1599), Some(1600), Some(1602), Some(1603)] {
        let page = logs.read(job, after, 300).await.unwrap();
        let from = after.unwrap_or(0) + 1;
        let expected: Vec<u64> = (from..=1603).take(300).collect();
        assert_eq!(page.iter().map(|l| l.seq).collect::<Vec<_>>(), expected, "after {after:?}");
        for l in &page {
            let text = match l.seq {
                1 => "first".to_string(),
                1603 => "last".to_string(),
                n => format!("line {n}"),
            };
            assert_eq!(l.text, text);
        }
    }
    let all = logs.read(job, None, 5000).await.unwrap();
    assert_eq!(all.len(), 1603);
    assert_eq!(all[1600].stream, LogStream::Stderr);
}

// ---------------------------------------------------------------------------------------
// AWS-only checks: queue set-up, SQS's own redrive, the item layout, concurrent log writers.
// ---------------------------------------------------------------------------------------

mod aws_only {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use aws_sdk_sqs::types::QueueAttributeName;
    use devportal_aws::queue::{dead_letter_queue_name, queue_name};

    #[tokio::test]
    async fn queues_have_a_dead_letter_queue_and_a_redrive_policy_of_max_attempts() {
        let config = moto::config().await;
        let sqs = aws_sdk_sqs::Client::new(&config);
        let prefix = aws_names().queue_prefix;
        create_queues(&sqs, &prefix).await.unwrap();
        create_queues(&sqs, &prefix).await.expect("idempotent");
        for stage in Stage::ALL {
            let url = sqs.get_queue_url().queue_name(queue_name(&prefix, stage)).send().await.unwrap().queue_url.unwrap();
            let attrs = sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::All).send().await.unwrap();
            let attrs = attrs.attributes().unwrap();
            let redrive: serde_json::Value = serde_json::from_str(&attrs[&QueueAttributeName::RedrivePolicy]).unwrap();
            let max = redrive["maxReceiveCount"].as_u64().or_else(|| redrive["maxReceiveCount"].as_str().and_then(|s| s.parse().ok()));
            assert_eq!(max, Some(u64::from(devportal_worker::MAX_ATTEMPTS)), "{stage}: {redrive}");
            let target = redrive["deadLetterTargetArn"].as_str().unwrap();
            assert!(target.ends_with(&format!(":{}", dead_letter_queue_name(&prefix, stage))), "{target}");
            let visibility: u64 = attrs[&QueueAttributeName::VisibilityTimeout].parse().unwrap();
            assert_eq!(visibility, devportal_worker::visibility(stage).as_secs(), "{stage}");
            let dlq = sqs.get_queue_url().queue_name(dead_letter_queue_name(&prefix, stage)).send().await.unwrap().queue_url.unwrap();
            let dlq_attrs = sqs.get_queue_attributes().queue_url(&dlq).attribute_names(QueueAttributeName::All).send().await.unwrap();
            assert_eq!(dlq_attrs.attributes().unwrap()[&QueueAttributeName::MessageRetentionPeriod], "1209600");
        }
    }

    #[tokio::test]
    async fn sqs_redrive_after_max_attempts_is_listed_as_a_dead_letter() {
        // The Lambda path: the worker reports a batch item failure on every delivery and SQS
        // itself moves the message after `MAX_ATTEMPTS` receives; no `dead_letter` call.
        let config = moto::config().await;
        let sqs = aws_sdk_sqs::Client::new(&config);
        let prefix = aws_names().queue_prefix;
        create_queues(&sqs, &prefix).await.unwrap();
        let q = SqsQueue::new(sqs, &prefix);
        let m = message(Stage::Build);
        q.send(&m).await.unwrap();
        for attempt in 1..=devportal_worker::MAX_ATTEMPTS {
            // Visibility 0: visible again at once, as after a reported failure.
            let d = q.receive(Stage::Build, 1, Duration::ZERO).await.unwrap().pop().expect("delivered");
            assert_eq!(d.attempt, attempt);
        }
        assert!(q.receive(Stage::Build, 10, Duration::ZERO).await.unwrap().is_empty(), "moved to the dead-letter queue");
        for _ in 0..2 {
            let dead = q.dead_letters().await.unwrap();
            assert_eq!(dead.len(), 1, "{dead:?}");
            assert_eq!((dead[0].job_id, dead[0].stage), (m.job_id, Stage::Build));
            assert_eq!(dead[0].attempts, devportal_worker::MAX_ATTEMPTS);
            assert!(dead[0].error.contains("redrive"), "{}", dead[0].error);
        }
    }

    #[tokio::test]
    async fn pipeline_items_follow_the_single_table_layout() {
        let config = moto::config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = aws_names().table;
        create_table(&client, &table).await.unwrap();
        let store = DynamoPipelineStore::new(client.clone(), &table);
        let c = connector();
        let v = Version::first(c.id, c.created_at);
        DynamoStore::new(client.clone(), &table).create_connector(&c, &v).await.unwrap();
        let j = job(&v, Stage::SyncProd);
        let v2 = moved(&v, VersionState::SynchronizingToProd);
        store.start_job(&j, &v2, 1, Some(&transition(&v, VersionState::SynchronizingToProd, Some(&j))), claim("k-1")).await.unwrap();
        let v3 = moved(&v2, VersionState::SynchronizedToProd);
        store.finish_job(&job_moved(&j, JobStatus::Done), 1, &v3, 2, None, Some(&catalog_entry(&v3, &j, true))).await.unwrap();

        let get = |pk: String, sk: String| {
            let client = client.clone();
            let table = table.clone();
            async move {
                let key = std::collections::HashMap::from([("pk".to_string(), AttributeValue::S(pk)), ("sk".to_string(), AttributeValue::S(sk))]);
                client.get_item().table_name(table).set_key(Some(key)).send().await.unwrap().item
            }
        };
        let job_item = get(format!("JOB#{}", j.id), "META".into()).await.expect("the job item");
        assert_eq!(job_item["gsi1pk"].as_s().unwrap(), &format!("CONNVER#{}#0000000001", v.connector_id));
        assert_eq!(job_item["gsi1sk"].as_s().unwrap(), &format!("JOB#{}", j.id));
        assert_eq!(job_item["revision"].as_n().unwrap(), "2");
        assert!(get(format!("CONN#{}", v.connector_id), "IDEM#k-1".into()).await.is_some(), "the idempotency claim");
        let catalog = get("CATALOG".into(), format!("{}#0000000001", v.connector_id)).await.expect("the catalog entry");
        let body: serde_json::Value = serde_json::from_str(catalog["body"].as_s().unwrap()).unwrap();
        assert_eq!(body["access"]["released"], true);
        let transitions = client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("CONN#{}", v.connector_id)))
            .expression_attribute_values(":p", AttributeValue::S("TRANS#0000000001#".into()))
            .send()
            .await
            .unwrap();
        assert_eq!(transitions.items().len(), 1);
    }

    #[tokio::test]
    async fn a_batch_of_lines_is_one_object_not_a_put_per_line() {
        let config = moto::config().await;
        let s3 = s3_client(&config);
        let bucket = aws_names().bucket;
        create_bucket(&s3, &bucket).await.unwrap();
        let logs = S3JobLogs::new(s3.clone(), &bucket);
        let job = JobId::new();
        let batch: Vec<(LogStream, String)> = (1..=500u64).map(|i| (LogStream::Stdout, format!("line {i}"))).collect();
        logs.append_batch(job, &batch).await.unwrap();
        logs.append_batch(job, &batch).await.unwrap();
        let keys = s3.list_objects_v2().bucket(&bucket).prefix(format!("job-logs/{job}/")).send().await.unwrap();
        let keys: Vec<&str> = keys.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(
            keys,
            [format!("job-logs/{job}/00000000000000000001.json"), format!("job-logs/{job}/00000000000000000501.json")],
            "one object per batch"
        );
        // A second writer (a re-delivered job elsewhere) continues after the last batch.
        let other = S3JobLogs::new(s3.clone(), &bucket);
        other.append(job, LogStream::System, "after").await.unwrap();
        let last = logs.read(job, Some(1000), 10).await.unwrap();
        assert_eq!(last.iter().map(|l| (l.seq, l.text.as_str())).collect::<Vec<_>>(), vec![(1001, "after")]);
    }

    #[tokio::test]
    async fn two_log_writers_of_one_job_never_lose_or_renumber_a_line() {
        // A re-delivered job on a second worker appends to the same log: each writer keeps its
        // own counter, and the conditional put makes the one that is behind take the next number.
        let config = moto::config().await;
        let s3 = s3_client(&config);
        let bucket = aws_names().bucket;
        create_bucket(&s3, &bucket).await.unwrap();
        create_bucket(&s3, &bucket).await.expect("idempotent");
        let (w1, w2) = (S3JobLogs::new(s3.clone(), &bucket), S3JobLogs::new(s3.clone(), &bucket));
        let job = JobId::new();
        w1.append(job, LogStream::System, "a1").await.unwrap();
        w2.append(job, LogStream::System, "b1").await.unwrap();
        w1.append(job, LogStream::System, "a2").await.unwrap(); // w1 believes 2 is next: taken
        w2.append(job, LogStream::System, "b2").await.unwrap(); // w2 believes 3 is next: taken
        let lines = w1.read(job, None, 10).await.unwrap();
        assert_eq!(lines.iter().map(|l| (l.seq, l.text.as_str())).collect::<Vec<_>>(), vec![(1, "a1"), (2, "b1"), (3, "a2"), (4, "b2")]);
        let keys = s3.list_objects_v2().bucket(&bucket).prefix(format!("job-logs/{job}/")).send().await.unwrap();
        let keys: Vec<&str> = keys.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys.first().copied(), Some(format!("job-logs/{job}/00000000000000000001.json").as_str()));
        assert_eq!(keys.len(), 4);
    }
}

// ---------------------------------------------------------------------------------------
// moto_server, once per test process (`devportal_tests::moto`).
// ---------------------------------------------------------------------------------------
