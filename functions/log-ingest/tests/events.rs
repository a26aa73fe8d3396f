//! The samples of `events/` as Lambda hands them to `log-ingest`, on the embedded adapters:
//! a CloudWatch Logs subscription event stored once however often it comes, and SQS ingest
//! records (a good one stored, an unreadable one and one of an unknown run reported).

use chrono::Utc;
use devportal_domain::fixtures::running_ecs_run;
use devportal_domain::ids::RunId;
use devportal_domain::ports::{RunDataStore, RunStore};
use devportal_domain::run::{IngestBatch, IngestItems, LogLevel, LogQuery, LogScope, NewLogEntry};
use devportal_embedded::SqliteRunStore;
use devportal_wiring::{embedded, EmbeddedOptions};
use serde_json::{json, Value};

const SAMPLE_RUN: &str = "01938a6e-7f00-7000-8000-000000000001";

fn sample(name: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_subscription_sample_is_stored_once_however_often_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let id: RunId = SAMPLE_RUN.parse().unwrap();
    SqliteRunStore::new(e.db.clone()).create_run(&running_ecs_run(id), None).await.unwrap();

    let event = sample("cloudwatch-logs-run-stdio.json");
    assert_eq!(log_ingest::handle(&e.app, event.clone()).await.unwrap(), json!({}));
    log_ingest::handle(&e.app, event).await.unwrap(); // redelivered
    let lines = e.run_data.read_stdio(id, None, None, 10).await.unwrap();
    assert_eq!(lines.iter().map(|l| (l.seq, l.line.as_str())).collect::<Vec<_>>(), vec![(1, "fetching 10 products"), (2, "wrote 10 rows")]);

    // A control message stores nothing and is no failure.
    let control = json!({"awslogs": {"data": "H4sIAEqaD2sC/zXMMQvCMBCG4b9y3Ozg3E1KcKkWTMFBRII9k2CTlOYQpPS/9ypx/N4PnhkD5Wwsdd+RsAKs23N3aZvHSWl9OCrcAQ7Jap7IhO0vQX0ocpZwm9H3/4O9aGzCKGEvu9g/99pAsaHYFdSOnm8fLTgyAztIL+gF8NGwTxGX+7ICjctu+qAAAAA="}});
    assert!(log_ingest::handle(&e.app, control).await.is_ok());
}

#[tokio::test]
async fn sqs_records_are_stored_and_bad_ones_reported() {
    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let r = running_ecs_run(RunId::new());
    SqliteRunStore::new(e.db.clone()).create_run(&r, None).await.unwrap();
    let batch = IngestBatch {
        run_id: r.id,
        batch_id: "api-1".into(),
        items: IngestItems::Logs(vec![NewLogEntry { time: Utc::now(), level: LogLevel::WARNING, message: "low stock".into(), context: json!({}) }]),
    };
    let unknown = IngestBatch { run_id: RunId::new(), ..batch.clone() };
    let record = |id: &str, body: String| json!({"messageId": id, "receiptHandle": "h", "body": body, "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"});
    let event = json!({"Records": [
        record("good", serde_json::to_string(&batch).unwrap()),
        record("again", serde_json::to_string(&batch).unwrap()),
        record("garbage", "{not json".into()),
        record("unknown-run", serde_json::to_string(&unknown).unwrap()),
    ]});
    let response = log_ingest::handle(&e.app, event).await.unwrap();
    let failed: Vec<&str> = response["batchItemFailures"].as_array().unwrap().iter().map(|f| f["itemIdentifier"].as_str().unwrap()).collect();
    assert_eq!(failed, vec!["garbage", "unknown-run"]);
    let q = LogQuery { scope: LogScope::Run(r.id), max_severity: None, text: None, from: None, to: None, after: None, limit: 10 };
    let page = e.run_data.query_logs(&q).await.unwrap();
    assert_eq!(page.items.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), vec!["low stock"], "stored once");
}
