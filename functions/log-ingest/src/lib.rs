//! The `log-ingest` function: every batch of run output reaches `App::ingest` (redaction,
//! numbering, storage with a retention) through here on AWS.
//!
//! Two event sources, one handler ([`handle`]):
//! - SQS (`<prefix>-run-ingest`): each record an `IngestBatch` (run-API calls); failures are
//!   reported per record (partial batch failures), so only they come again; a record that can
//!   never be stored (unreadable, a run that does not exist) is reported too, so the redrive
//!   policy parks it in the dead-letter queue.
//! - A CloudWatch Logs subscription on the runs log group (`{"awslogs": {"data": …}}`): one
//!   stdio batch of one run's stream (`devportal_aws::run_events`). A failure worth retrying
//!   is the invocation's error (Lambda retries asynchronous invocations); one that is not is
//!   logged and dropped.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devportal_app::App;
use devportal_aws::run_events;
use devportal_domain::run::IngestBatch;
use serde_json::Value;

/// Why an invocation failed (Lambda retries it).
#[derive(Debug)]
pub struct RetryLater(pub String);

impl std::fmt::Display for RetryLater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RetryLater {}

/// Handles one invocation: an SQS batch (answered with its failed records) or a CloudWatch
/// Logs subscription event (answered `{}`).
pub async fn handle(app: &App, event: Value) -> Result<Value, RetryLater> {
    if event.get("awslogs").is_some() {
        return handle_subscription(app, &event).await.map(|()| Value::Object(Default::default()));
    }
    let sqs: SqsEvent = serde_json::from_value(event).map_err(|e| RetryLater(format!("neither an SQS batch nor a log subscription: {e}")))?;
    let response = handle_sqs(app, sqs).await;
    serde_json::to_value(response).map_err(|e| RetryLater(e.to_string()))
}

async fn handle_subscription(app: &App, event: &Value) -> Result<(), RetryLater> {
    let batch = match run_events::batch_from_subscription(&event.to_string()) {
        Ok(Some(batch)) => batch,
        Ok(None) => return Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "unreadable log subscription event dropped");
            return Ok(());
        }
    };
    let run_id = batch.run_id;
    match app.ingest(batch).await {
        Ok(receipt) => {
            tracing::info!(run_id = %run_id, first_seq = receipt.first_seq, count = receipt.count, duplicate = receipt.duplicate, "container output stored");
            Ok(())
        }
        Err(e) if e.retryable => Err(RetryLater(e.reason)),
        Err(e) => {
            tracing::error!(run_id = %run_id, error = %e.reason, "container output dropped");
            Ok(())
        }
    }
}

/// Each record is one `IngestBatch`.
pub async fn handle_sqs(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = vec![];
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let batch: IngestBatch = match record.body.as_deref().map(serde_json::from_str) {
            Some(Ok(b)) => b,
            _ => {
                tracing::error!(message_id = %id, "unreadable ingest message");
                failures.push(failure(id));
                continue;
            }
        };
        let run_id = batch.run_id;
        if let Err(e) = app.ingest(batch).await {
            tracing::error!(message_id = %id, run_id = %run_id, retryable = e.retryable, error = %e.reason, "batch not stored");
            failures.push(failure(id));
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}

fn failure(id: String) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = id;
    f
}
