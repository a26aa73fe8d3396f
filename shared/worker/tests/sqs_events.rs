//! The SQS samples of `events/` (the single source of the sample events) handed to
//! `handle_sqs_batch` as each stage function's Lambda main does, on the embedded adapters in a
//! temporary directory: which records come back as batch item failures, and what happens to
//! the job.

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use devportal_app::connectors::CreateConnector;
use devportal_app::App;
use devportal_domain::connector::ConnectorType;
use devportal_domain::identity::TokenSecret;
use devportal_domain::pipeline::{Actor, Job, JobId, JobParams, JobStatus, Stage, StageMessage, Transition};
use devportal_domain::version::VersionState;
use devportal_wiring::{embedded, EmbeddedOptions};
use devportal_worker::{handle_sqs_batch, MAX_ATTEMPTS};
use std::path::PathBuf;

const TOKEN: &str = "worker-test-token-0123456789abcdef";

fn sample(stage: Stage) -> SqsEvent {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events").join(format!("sqs-stage-{stage}.json"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{} is not an SQS event: {e}", path.display()))
}

fn message_of(event: &SqsEvent) -> StageMessage {
    serde_json::from_str(event.records[0].body.as_deref().expect("body")).expect("body is a StageMessage")
}

async fn app(dir: &tempfile::TempDir) -> App {
    let options = EmbeddedOptions::ephemeral(dir.path().join("data"));
    embedded(options).await.expect("embedded adapters").app
}

#[test]
fn each_sample_is_one_message_for_its_stage() {
    for stage in Stage::ALL {
        let event = sample(stage);
        assert_eq!(event.records.len(), 1, "{stage}");
        let record = &event.records[0];
        assert_eq!(record.event_source.as_deref(), Some("aws:sqs"), "{stage}");
        assert!(record.message_id.as_deref().is_some_and(|id| !id.is_empty()), "{stage}: messageId");
        let count: u32 = record.attributes.get("ApproximateReceiveCount").expect("ApproximateReceiveCount").parse().expect("a number");
        assert!((1..MAX_ATTEMPTS).contains(&count), "{stage}: a first delivery");
        assert_eq!(message_of(&event).stage, stage);
    }
}

#[tokio::test]
async fn a_message_for_an_unknown_job_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    for stage in Stage::ALL {
        let event = sample(stage);
        let job = message_of(&event).job_id;
        let response = handle_sqs_batch(&app, stage, event).await;
        assert!(response.batch_item_failures.is_empty(), "{stage}: {:?}", response.batch_item_failures);
        assert!(app.ports.pipeline.get_job(job).await.unwrap().is_none(), "{stage}: nothing created");
    }
}

#[tokio::test]
async fn an_unparseable_body_is_a_batch_item_failure() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    for stage in Stage::ALL {
        // The stage's sample, plus a copy of its record with a body that is no StageMessage.
        let mut event = sample(stage);
        let mut bad = event.records[0].clone();
        bad.message_id = Some("bad-body-0001".into());
        bad.body = Some("{\"job_id\": \"not a uuid\"".into());
        let mut missing = event.records[0].clone();
        missing.message_id = Some("no-body-0002".into());
        missing.body = None;
        event.records.push(bad);
        event.records.push(missing);

        let response = handle_sqs_batch(&app, stage, event).await;
        let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["bad-body-0001", "no-body-0002"], "{stage}: only the unreadable records, by message id");
    }
}

#[tokio::test]
async fn a_message_for_the_wrong_stage_fails_the_job_and_is_not_redelivered() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    app.bootstrap(Some(TokenSecret::parse_preset(TOKEN).unwrap())).await.unwrap();
    let principal = app.authenticate(TOKEN).await.unwrap();
    let (connector, _) = app
        .create_connector(
            &principal,
            CreateConnector { name: Some("Shop".into()), connector_type: Some(ConnectorType::Datasource), ..CreateConnector::default() },
            None,
        )
        .await
        .unwrap();
    let version = app.ports.connectors.get_version(connector.id, 1).await.unwrap().expect("version 1");

    // A pending build job, recorded as the build trigger records it (version `building`).
    let now = Utc::now();
    let job = Job {
        id: JobId::new(),
        connector_id: connector.id,
        version: version.number,
        stage: Stage::Build,
        status: JobStatus::Pending,
        params: JobParams::Build,
        from_state: version.state,
        running_state: Some(VersionState::Building),
        requested_by: principal.user().id,
        reason: None,
        exit_code: None,
        result: None,
        attempts: 0,
        retry_of: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        revision: 1,
        lease: None,
        remote_build: None,
    };
    let transition = Transition {
        connector_id: connector.id,
        version: version.number,
        from: version.state,
        to: VersionState::Building,
        at: now,
        by: Actor::User { id: principal.user().id },
        job_id: Some(job.id),
        reason: Some("build started".into()),
    };
    let mut building = version.clone();
    building.state = VersionState::Building;
    building.deployment.active_job = Some(job.id);
    building.revision = version.revision + 1;
    app.ports.pipeline.start_job(&job, &building, version.revision, Some(&transition), None).await.unwrap();

    // The sync-runtime sample's record, carrying this build job's message.
    let mut event = sample(Stage::SyncRuntime);
    let message = StageMessage { job_id: job.id, connector_id: connector.id, version: version.number, stage: Stage::Build };
    event.records[0].body = Some(serde_json::to_string(&message).unwrap());

    let response = handle_sqs_batch(&app, Stage::SyncRuntime, event).await;
    assert!(response.batch_item_failures.is_empty(), "non-retryable: not delivered again ({:?})", response.batch_item_failures);

    let failed = app.ports.pipeline.get_job(job.id).await.unwrap().expect("job");
    assert_eq!(failed.status, JobStatus::Failed);
    let reason = failed.reason.unwrap_or_default();
    assert!(reason.contains("sync-runtime worker"), "{reason}");
    let after = app.ports.connectors.get_version(connector.id, version.number).await.unwrap().expect("version");
    assert_eq!(after.state, VersionState::Created, "back to the state before the job");
    assert_eq!(after.deployment.active_job, None);
}
