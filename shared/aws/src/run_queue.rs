//! `RunQueue` on Amazon SQS: `<prefix>-run-launch` (run ids for the run-launcher function)
//! and `<prefix>-run-ingest` (batches for the log-ingest function), each with a dead-letter
//! queue `…-dlq` after [`devportal_domain::retry::MAX_ATTEMPTS`] receives ([`create_run_queues`];
//! the SAM template declares the same). The run-launcher's third input, ECS task state
//! events, arrives on `<prefix>-run-events` from an EventBridge rule (template only).
//!
//! An ingest batch larger than an SQS message (256 KiB) is split into parts, halving until
//! each fits; part `i` of batch `b` is `b.<i>`. Splitting is deterministic, so a batch sent
//! twice is split into the same parts with the same ids, and the store keeps each part once.

use crate::error::{fatal, unavailable};
use crate::queue::{ensure_queue, seconds, QueueUrls};
use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use devportal_domain::ids::RunId;
use devportal_domain::ports::{RunQueue, StoreResult};
use devportal_domain::retry::MAX_ATTEMPTS;
use devportal_domain::run::{IngestBatch, IngestItems};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// SQS's largest message body (256 KiB), less room for the envelope.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 - 1024;
/// How long a message is hidden while a function handles it: six times the functions'
/// 60-second timeout, as the template sets it (`infra/check_template.py` checks the rule).
const VISIBILITY: Duration = Duration::from_secs(6 * 60);

pub fn launch_queue_name(prefix: &str) -> String {
    format!("{prefix}-run-launch")
}
pub fn ingest_queue_name(prefix: &str) -> String {
    format!("{prefix}-run-ingest")
}
pub fn events_queue_name(prefix: &str) -> String {
    format!("{prefix}-run-events")
}

/// The body of a launch message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchMessage {
    pub run_id: RunId,
}

/// The SQS queues of runs. Clones share the client and the queue URLs.
#[derive(Clone, Debug)]
pub struct SqsRunQueue {
    client: Client,
    prefix: String,
    urls: QueueUrls,
}

impl SqsRunQueue {
    /// The queues `<prefix>-run-launch` and `<prefix>-run-ingest` (create them with
    /// [`create_run_queues`] or the template).
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self { client, prefix: prefix.into(), urls: QueueUrls::default() }
    }

    async fn send(&self, url: &str, body: String) -> StoreResult<()> {
        self.client.send_message().queue_url(url).message_body(body).send().await.map_err(|e| unavailable("SendMessage", e))?;
        Ok(())
    }
}

fn split_items(items: IngestItems) -> (IngestItems, IngestItems) {
    fn halves<T>(mut v: Vec<T>) -> (Vec<T>, Vec<T>) {
        let tail = v.split_off(v.len() / 2);
        (v, tail)
    }
    match items {
        IngestItems::Logs(v) => {
            let (a, b) = halves(v);
            (IngestItems::Logs(a), IngestItems::Logs(b))
        }
        IngestItems::Stdio(v) => {
            let (a, b) = halves(v);
            (IngestItems::Stdio(a), IngestItems::Stdio(b))
        }
        IngestItems::Output(v) => {
            let (a, b) = halves(v);
            (IngestItems::Output(a), IngestItems::Output(b))
        }
    }
}

/// The message bodies of a batch: one, or the parts of a batch too large for one message
/// (`<batch id>.<part>`), in order. A single item too large for a message is refused.
pub fn ingest_messages(batch: &IngestBatch, max_bytes: usize) -> StoreResult<Vec<String>> {
    fn parts(items: IngestItems, run: RunId, max_bytes: usize, out: &mut Vec<IngestItems>) -> StoreResult<()> {
        let size = serde_json::to_string(&IngestBatch { run_id: run, batch_id: String::new(), items: items.clone() })
            .map_err(|e| fatal(format!("cannot encode a batch: {e}")))?
            .len();
        if size + 64 <= max_bytes {
            out.push(items);
            return Ok(());
        }
        if items.len() <= 1 {
            return Err(fatal(format!("one item of the batch takes {size} bytes, over the {max_bytes}-byte limit of an SQS message")));
        }
        let (a, b) = split_items(items);
        parts(a, run, max_bytes, out)?;
        parts(b, run, max_bytes, out)
    }
    let mut out = vec![];
    parts(batch.items.clone(), batch.run_id, max_bytes, &mut out)?;
    let single = out.len() == 1;
    out.into_iter()
        .enumerate()
        .map(|(i, items)| {
            let batch_id = if single { batch.batch_id.clone() } else { format!("{}.{i}", batch.batch_id) };
            serde_json::to_string(&IngestBatch { run_id: batch.run_id, batch_id, items }).map_err(|e| fatal(format!("cannot encode a batch: {e}")))
        })
        .collect()
}

#[async_trait]
impl RunQueue for SqsRunQueue {
    async fn send_launch(&self, run: RunId) -> StoreResult<()> {
        let url = self.urls.get(&self.client, launch_queue_name(&self.prefix)).await?;
        let body = serde_json::to_string(&LaunchMessage { run_id: run }).map_err(|e| fatal(format!("cannot encode a launch: {e}")))?;
        self.send(&url, body).await
    }

    async fn send_ingest(&self, batch: &IngestBatch) -> StoreResult<bool> {
        let url = self.urls.get(&self.client, ingest_queue_name(&self.prefix)).await?;
        for body in ingest_messages(batch, MAX_MESSAGE_BYTES)? {
            self.send(&url, body).await?;
        }
        Ok(true)
    }
}

/// Creates the run queues (launch, ingest, events) and their dead-letter queues if missing.
pub async fn create_run_queues(client: &Client, prefix: &str) -> StoreResult<()> {
    for name in [launch_queue_name(prefix), ingest_queue_name(prefix), events_queue_name(prefix)] {
        let dlq = ensure_queue(client, &format!("{name}-dlq")).await?;
        let arn = client
            .get_queue_attributes()
            .queue_url(&dlq)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| unavailable("GetQueueAttributes", e))?
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| fatal(format!("GetQueueAttributes: no ARN for {name}-dlq")))?;
        let url = ensure_queue(client, &name).await?;
        let redrive = serde_json::json!({ "deadLetterTargetArn": arn, "maxReceiveCount": MAX_ATTEMPTS }).to_string();
        client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, seconds(VISIBILITY).to_string())
            .send()
            .await
            .map_err(|e| unavailable("SetQueueAttributes", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use devportal_domain::run::{NewStdioLine, StdStream};

    fn stdio(n: usize, len: usize) -> IngestBatch {
        let lines =
            (0..n).map(|i| NewStdioLine { time: Utc::now(), stream: StdStream::Stdout, line: format!("{i:05}{}", "x".repeat(len)) }).collect();
        IngestBatch { run_id: RunId::new(), batch_id: "b1".into(), items: IngestItems::Stdio(lines) }
    }

    #[test]
    fn a_small_batch_is_one_message_with_its_own_id() {
        let b = stdio(3, 10);
        let bodies = ingest_messages(&b, MAX_MESSAGE_BYTES).unwrap();
        assert_eq!(bodies.len(), 1);
        assert_eq!(serde_json::from_str::<IngestBatch>(&bodies[0]).unwrap(), b);
    }

    #[test]
    fn a_large_batch_is_split_in_order_into_parts_that_fit_with_derived_ids() {
        let b = stdio(100, 16 * 1024);
        let bodies = ingest_messages(&b, MAX_MESSAGE_BYTES).unwrap();
        assert!(bodies.len() >= 7, "1.6 MB in messages under 256 KiB: {}", bodies.len());
        assert!(bodies.iter().all(|m| m.len() <= MAX_MESSAGE_BYTES));
        let parts: Vec<IngestBatch> = bodies.iter().map(|m| serde_json::from_str(m).unwrap()).collect();
        let ids: Vec<&str> = parts.iter().map(|p| p.batch_id.as_str()).collect();
        assert_eq!(ids, (0..parts.len()).map(|i| format!("b1.{i}")).collect::<Vec<_>>());
        let lines: Vec<NewStdioLine> = parts
            .into_iter()
            .flat_map(|p| match p.items {
                IngestItems::Stdio(l) => l,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(IngestItems::Stdio(lines), b.items, "every line once, in order");
        // The same batch again: the same parts.
        assert_eq!(ingest_messages(&b, MAX_MESSAGE_BYTES).unwrap(), bodies);
    }

    #[test]
    fn one_item_over_the_limit_is_refused() {
        let err = ingest_messages(&stdio(1, 300 * 1024), MAX_MESSAGE_BYTES).unwrap_err();
        assert!(err.to_string().contains("limit of an SQS message"), "{err}");
    }
}
