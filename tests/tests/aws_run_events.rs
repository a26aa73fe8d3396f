//! ECS task state events through the path they take on AWS, on moto: an EventBridge rule for
//! the runs cluster's "ECS Task State Change" (as `infra/template.yaml` declares it) delivers
//! to the run-events SQS queue (made by `create_run_queues`), and the run-launcher's handler
//! applies what it receives — a stop before the start, and the stop twice — so the run ends
//! once, with its exit code; an event of another cluster never arrives. moto never emits ECS
//! events itself: the fixtures of `events/` are put on the bus.

use devportal_aws::aws_sdk_sqs::types::QueueAttributeName;
use devportal_domain::fixtures::running_ecs_run;
use devportal_domain::ids::RunId;
use devportal_domain::ports::RunStore;
use devportal_domain::run::RunStatus;
use devportal_embedded::SqliteRunStore;
use devportal_tests::moto;
use devportal_wiring::{embedded, EmbeddedOptions};
use serde_json::{json, Value};
use std::sync::Mutex;

const SAMPLE_RUN: &str = "01938a6e-7f00-7000-8000-000000000001";

/// One EventBridge JSON call to moto (the tests have no EventBridge SDK).
async fn events(endpoint: &str, action: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("X-Amz-Target", format!("AWSEvents.{action}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"));
    assert!(answer.status().is_success(), "{action}: {}", answer.status());
    answer.json().await.unwrap()
}

fn detail(name: &str, cluster: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(name);
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["detail"]["clusterArn"] = json!(cluster);
    event["detail"].clone()
}

#[derive(Default)]
struct Released(Mutex<Vec<RunId>>);

#[async_trait::async_trait]
impl run_launcher::Release for Released {
    async fn release(&self, run: RunId) -> Result<(), String> {
        self.0.lock().unwrap().push(run);
        Ok(())
    }
}

#[tokio::test]
async fn task_state_events_reach_the_launcher_through_eventbridge_and_sqs_and_end_the_run_once() {
    let endpoint = moto::endpoint_async().await;
    let sqs = devportal_aws::aws_sdk_sqs::Client::new(&moto::sdk_config(&endpoint));
    let prefix = format!("ev{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    devportal_aws::create_run_queues(&sqs, &prefix).await.unwrap();
    let url =
        sqs.get_queue_url().queue_name(devportal_aws::run_queue::events_queue_name(&prefix)).send().await.unwrap().queue_url().unwrap().to_string();
    let arn = sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn).send().await.unwrap().attributes().unwrap()
        [&QueueAttributeName::QueueArn]
        .clone();

    let cluster = format!("arn:aws:ecs:us-east-1:123456789012:cluster/{prefix}");
    let rule = format!("{prefix}-task-state");
    let pattern = json!({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"clusterArn": [cluster]}});
    events(&endpoint, "PutRule", json!({"Name": rule, "EventPattern": pattern.to_string()})).await;
    events(&endpoint, "PutTargets", json!({"Rule": rule, "Targets": [{"Id": "run-events", "Arn": arn}]})).await;
    let entry = |d: Value| json!({"Source": "aws.ecs", "DetailType": "ECS Task State Change", "Detail": d.to_string(), "Resources": [d["taskArn"]]});
    let stopped = detail("ecs-task-state-stopped.json", &cluster);
    let put = events(
        &endpoint,
        "PutEvents",
        json!({"Entries": [
            entry(stopped.clone()),
            entry(detail("ecs-task-state-running.json", &cluster)),
            entry(stopped),
            entry(detail("ecs-task-state-stopped.json", "arn:aws:ecs:us-east-1:123456789012:cluster/someone-else")),
        ]}),
    )
    .await;
    assert_eq!(put["FailedEntryCount"], 0);

    // What the queue holds, as Lambda's SQS event source would hand it over.
    let mut records = vec![];
    for _ in 0..10 {
        let out = sqs.receive_message().queue_url(&url).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
        for m in out.messages() {
            records.push(json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}));
        }
        if records.len() >= 3 {
            break;
        }
    }
    assert_eq!(records.len(), 3, "the three events of our cluster, not the other cluster's");

    let dir = tempfile::tempdir().unwrap();
    let e = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.unwrap();
    let id: RunId = SAMPLE_RUN.parse().unwrap();
    let store = SqliteRunStore::new(e.db.clone());
    store.create_run(&running_ecs_run(id), None).await.unwrap();
    let released = Released::default();
    let response = run_launcher::handle(&e.app, &released, json!({ "Records": records })).await.unwrap();
    assert_eq!(response["batchItemFailures"], json!([]));

    let run = store.get_run(id).await.unwrap().unwrap();
    assert_eq!((run.status, run.exit_code, run.observed_version), (RunStatus::Failed, Some(3), 6));
    assert!(run.finished_at.is_some());
    let released = released.0.lock().unwrap().clone();
    assert!(!released.is_empty() && released.iter().all(|r| *r == id), "released after the end: {released:?}");
}
