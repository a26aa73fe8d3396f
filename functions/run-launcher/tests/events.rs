//! The samples of `events/` as Lambda hands them to `run-launcher`, on the embedded adapters:
//! ECS task state events applied in order of the task's version — twice and out of order
//! change nothing more — and the end releases the run's runtime resources once.

use devportal_domain::fixtures::running_ecs_run;
use devportal_domain::ids::RunId;
use devportal_domain::ports::RunStore;
use devportal_domain::run::RunStatus;
use devportal_embedded::SqliteRunStore;
use devportal_wiring::{embedded, EmbeddedOptions};
use serde_json::{json, Value};
use std::sync::Mutex;

const SAMPLE_RUN: &str = "01938a6e-7f00-7000-8000-000000000001";

fn sample(name: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Records what was released.
#[derive(Default)]
struct Released(Mutex<Vec<RunId>>);

#[async_trait::async_trait]
impl run_launcher::Release for Released {
    async fn release(&self, run: RunId) -> Result<(), String> {
        self.0.lock().unwrap().push(run);
        Ok(())
    }
}

/// An SQS batch whose one record carries `body`.
fn sqs(id: &str, body: &Value) -> Value {
    json!({"Records": [{"messageId": id, "receiptHandle": "h", "body": body.to_string(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}]})
}

#[tokio::test]
async fn ecs_events_end_a_run_once_whatever_their_order_and_repetition() {
    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let id: RunId = SAMPLE_RUN.parse().unwrap();
    let store = SqliteRunStore::new(e.db.clone());
    store.create_run(&running_ecs_run(id), None).await.unwrap();
    let released = Released::default();

    // The sample batch: the stopped event (version 6, exit code 3).
    let batch = sample("sqs-run-events.json");
    let response = run_launcher::handle(&e.app, &released, batch.clone()).await.unwrap();
    assert_eq!(response["batchItemFailures"], json!([]));
    let ended = store.get_run(id).await.unwrap().unwrap();
    assert_eq!(ended.status, RunStatus::Failed);
    assert_eq!(ended.exit_code, Some(3));
    assert_eq!(ended.observed_version, 6);
    assert!(ended.finished_at.is_some());

    // Twice, then the older running event (version 3) late: nothing changes.
    run_launcher::handle(&e.app, &released, batch).await.unwrap();
    run_launcher::handle(&e.app, &released, sqs("late", &sample("ecs-task-state-running.json"))).await.unwrap();
    let after = store.get_run(id).await.unwrap().unwrap();
    assert_eq!((after.status, after.exit_code, after.observed_version, after.revision), (RunStatus::Failed, Some(3), 6, ended.revision));
    assert!(released.0.lock().unwrap().iter().all(|r| *r == id));
    assert!(!released.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_running_event_first_then_the_stop_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let id: RunId = SAMPLE_RUN.parse().unwrap();
    let store = SqliteRunStore::new(e.db.clone());
    let mut queued = running_ecs_run(id);
    queued.status = RunStatus::Queued;
    queued.started_at = None;
    store.create_run(&queued, None).await.unwrap();
    let released = Released::default();

    run_launcher::handle(&e.app, &released, sqs("running", &sample("ecs-task-state-running.json"))).await.unwrap();
    let running = store.get_run(id).await.unwrap().unwrap();
    assert_eq!((running.status, running.observed_version), (RunStatus::Running, 3));
    assert!(released.0.lock().unwrap().is_empty(), "nothing released while it runs");
    let mut stopped = sample("ecs-task-state-stopped.json");
    stopped["detail"]["containers"][0]["exitCode"] = json!(0);
    run_launcher::handle(&e.app, &released, sqs("stopped", &stopped)).await.unwrap();
    let done = store.get_run(id).await.unwrap().unwrap();
    assert_eq!((done.status, done.exit_code), (RunStatus::Succeeded, Some(0)));
    assert_eq!(*released.0.lock().unwrap(), vec![id]);
}

#[tokio::test]
async fn unreadable_messages_are_reported_and_unknown_runs_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let released = Released::default();
    let response = run_launcher::handle(&e.app, &released, sqs("garbage", &json!("not a run message"))).await.unwrap();
    assert_eq!(response["batchItemFailures"][0]["itemIdentifier"], "garbage");
    // A launch of a run that does not exist can never succeed: acknowledged, not retried.
    let response = run_launcher::handle(&e.app, &released, sqs("missing", &json!({"run_id": RunId::new()}))).await.unwrap();
    assert_eq!(response["batchItemFailures"], json!([]));
    // The schedule reconciles (nothing to do here).
    let schedule = sample("scheduled-sweeper.json");
    assert_eq!(run_launcher::handle(&e.app, &released, schedule).await.unwrap(), json!({"reconciled": 0}));
}
