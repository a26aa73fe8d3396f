//! `JobQueue` on Amazon SQS: one standard queue per stage, `<prefix>-<stage>`, each with a
//! dead-letter queue `<prefix>-<stage>-dlq` and a redrive policy whose `maxReceiveCount` is
//! [`devportal_domain::retry::MAX_ATTEMPTS`] (create them with [`create_queues`]).
//!
//! - `send` = `SendMessage` with the `StageMessage` as JSON; `receive` = `ReceiveMessage`
//!   (long poll of [`LONG_POLL_SECS`] when the queue is empty, like the embedded queue's; this
//!   also spares SQS's short-poll sampling, which may answer "empty" while messages wait; at
//!   most 10 per call, repeated up to `max`) with the given visibility timeout,
//!   rounded *up* to whole seconds (SQS counts seconds; the embedded queue milliseconds);
//!   `attempt` = `ApproximateReceiveCount`; the receipt is the receipt handle.
//!   A message whose body is not a `StageMessage` is skipped with a warning and left to the
//!   redrive policy, which parks it in the dead-letter queue after the last attempt.
//! - `ack` = `DeleteMessage`; `retry_later` = `ChangeMessageVisibility(delay)`. A stale receipt
//!   (the message was received again meanwhile) is no error, as in the embedded queue; but
//!   where the embedded queue then changes nothing, SQS may still act on an older receipt
//!   handle (AWS documents that deleting with one "might not" delete; moto always does).
//!   `retry_later`'s error text is not kept: an SQS message cannot be annotated.
//! - `dead_letter` = `SendMessage` of the same body to the stage's dead-letter queue, with
//!   message attributes `DevPortalError`, `DevPortalAttempts` and `DevPortalDeadAt` (epoch ms),
//!   then `DeleteMessage` from the stage queue. Messages that SQS moved there itself (a Lambda
//!   that failed on the last delivery: the worker reports a batch item failure and lets the
//!   redrive policy park it) carry no such attributes and are listed with
//!   `attempts = MAX_ATTEMPTS`, a generic error and `dead_at` = when they were first sent.
//! - `dead_letters` reads the dead-letter queues **without consuming them**, so it can be
//!   called again and again and lists the same messages: it receives every message of each
//!   dead-letter queue under a short lease ([`LIST_LEASE`]), long-polling one second so a
//!   small queue is not reported empty by SQS's server sampling, then makes them all visible
//!   again at once (`ChangeMessageVisibilityBatch` to 0). The queues are read concurrently;
//!   a listing takes about a second. While one listing runs, a second one running at the same
//!   moment may miss the messages the first holds; a listing whose process dies leaves them
//!   hidden for at most the lease. Dead-letter queues keep messages 14 days (the SQS maximum),
//!   so older dead letters are gone; the embedded queue keeps them forever.
//!   Why not a record in DynamoDB: on Lambda, SQS itself moves messages to the dead-letter
//!   queue, without this adapter seeing them, so only reading the queues lists them all.

use crate::error::{fatal, unavailable};
use async_trait::async_trait;
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;
use chrono::{TimeZone, Utc};
use devportal_domain::pipeline::{Stage, StageMessage};
use devportal_domain::ports::{DeadLetter, Delivery, JobQueue, StoreResult};
use devportal_domain::retry::MAX_ATTEMPTS;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long `receive` waits for a message when the queue is empty (the embedded queue's
/// `LONG_POLL` too).
pub const LONG_POLL_SECS: i32 = 1;
/// How long `dead_letters` holds the messages it is listing (they are released right after).
pub const LIST_LEASE: Duration = Duration::from_secs(30);
/// How long dead-letter queues keep messages: 14 days, the SQS maximum.
pub const DEAD_LETTER_RETENTION_SECS: u32 = 14 * 24 * 60 * 60;
/// SQS's largest visibility timeout (12 hours).
const MAX_VISIBILITY_SECS: u64 = 12 * 60 * 60;
/// Longest error text kept on a dead letter (a message's attributes count towards its 256 KB).
const MAX_ERROR_BYTES: usize = 16 * 1024;
/// Upper bound of receive calls per dead-letter queue and listing (10 messages each).
const MAX_LIST_CALLS: usize = 1000;

const ATTR_ERROR: &str = "DevPortalError";
const ATTR_ATTEMPTS: &str = "DevPortalAttempts";
const ATTR_DEAD_AT: &str = "DevPortalDeadAt";

/// The stage queue's name.
pub fn queue_name(prefix: &str, stage: Stage) -> String {
    format!("{prefix}-{}", stage.as_str())
}

/// The stage's dead-letter queue's name.
pub fn dead_letter_queue_name(prefix: &str, stage: Stage) -> String {
    format!("{prefix}-{}-dlq", stage.as_str())
}

/// The SQS queues of the pipeline. Clones share the client and the cache of queue URLs.
#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    prefix: String,
    urls: QueueUrls,
}

/// Queue URLs by queue name, each looked up once with `GetQueueUrl` and shared by clones
/// (the stage queues' and the run queues' adapters both use it).
#[derive(Clone, Debug, Default)]
pub(crate) struct QueueUrls(Arc<Mutex<HashMap<String, String>>>);

impl QueueUrls {
    /// The URL of the existing queue `name`; a missing queue is a fatal error telling the
    /// operator to create the queues (they are never created on the send path).
    pub(crate) async fn get(&self, client: &Client, name: String) -> StoreResult<String> {
        if let Some(url) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&name) {
            return Ok(url.clone());
        }
        let url =
            lookup_queue_url(client, &name).await?.ok_or_else(|| fatal(format!("the SQS queue {name} does not exist (create the queues first)")))?;
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(name, url.clone());
        Ok(url)
    }
}

/// `GetQueueUrl`: the queue's URL, or `None` when no queue has that name.
async fn lookup_queue_url(client: &Client, name: &str) -> StoreResult<Option<String>> {
    match client.get_queue_url().queue_name(name).send().await {
        Ok(out) => out.queue_url().map(|url| Some(url.to_string())).ok_or_else(|| fatal(format!("GetQueueUrl: no URL for {name}"))),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_queue_does_not_exist()) => Ok(None),
        Err(e) => Err(unavailable("GetQueueUrl", e)),
    }
}

impl SqsQueue {
    /// The queues named `<prefix>-<stage>` (and `-dlq`); create them with [`create_queues`].
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self { client, prefix: prefix.into(), urls: QueueUrls::default() }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    async fn stage_url(&self, stage: Stage) -> StoreResult<String> {
        self.urls.get(&self.client, queue_name(&self.prefix, stage)).await
    }

    async fn dead_letter_url(&self, stage: Stage) -> StoreResult<String> {
        self.urls.get(&self.client, dead_letter_queue_name(&self.prefix, stage)).await
    }

    /// Every dead letter of one stage, read under a lease and released again.
    async fn list_dead_letters(&self, stage: Stage) -> StoreResult<Vec<DeadLetter>> {
        let url = self.dead_letter_url(stage).await?;
        let mut held: Vec<Message> = vec![];
        let mut result = Ok(());
        for _ in 0..MAX_LIST_CALLS {
            let out = self
                .client
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .visibility_timeout(LIST_LEASE.as_secs() as i32)
                .wait_time_seconds(LONG_POLL_SECS)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .message_attribute_names("All")
                .send()
                .await;
            match out {
                Ok(out) if out.messages().is_empty() => break,
                Ok(out) => held.extend(out.messages.unwrap_or_default()),
                Err(e) => {
                    result = Err(unavailable("ReceiveMessage", e));
                    break;
                }
            }
        }
        // Release what was read, whatever happened (else it comes back after the lease).
        let released = self.release(&url, &held).await;
        result?;
        released?;
        let mut out = vec![];
        for m in &held {
            match dead_letter_of(m) {
                Some(d) => out.push(d),
                None => {
                    tracing::warn!(stage = %stage, message_id = m.message_id().unwrap_or(""), "unreadable message in the dead-letter queue; not listed")
                }
            }
        }
        // A message seen twice (SQS delivers at least once): listed once.
        out.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        out.dedup_by(|a, b| a.message_id == b.message_id);
        Ok(out)
    }

    /// Makes messages visible again.
    async fn release(&self, url: &str, messages: &[Message]) -> StoreResult<()> {
        for chunk in messages.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, m) in chunk.iter().enumerate() {
                entries.push(
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle().unwrap_or_default())
                        .visibility_timeout(0)
                        .build()
                        .map_err(|e| fatal(format!("cannot build an SQS request: {e}")))?,
                );
            }
            let out = self
                .client
                .change_message_visibility_batch()
                .queue_url(url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| unavailable("ChangeMessageVisibilityBatch", e))?;
            for failed in out.failed() {
                tracing::warn!(code = failed.code(), "a dead letter could not be released; it is visible again after the lease");
            }
        }
        Ok(())
    }
}

/// Seconds for SQS, rounded up (never earlier than asked) and capped at SQS's maximum.
pub(crate) fn seconds(d: Duration) -> i32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.min(MAX_VISIBILITY_SECS) as i32
}

fn string_attribute(value: impl Into<String>) -> StoreResult<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| fatal(format!("cannot build an SQS message attribute: {e}")))
}

fn number_attribute(value: impl ToString) -> StoreResult<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("Number")
        .string_value(value.to_string())
        .build()
        .map_err(|e| fatal(format!("cannot build an SQS message attribute: {e}")))
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// A message of a dead-letter queue as a `DeadLetter`; `None` if its body is not a stage message.
fn dead_letter_of(m: &Message) -> Option<DeadLetter> {
    let message: StageMessage = serde_json::from_str(m.body()?).ok()?;
    let attrs = m.message_attributes();
    let attr = |name: &str| attrs.and_then(|a| a.get(name)).and_then(|v| v.string_value());
    let sent = m.attributes().and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp)).and_then(|t| t.parse::<i64>().ok());
    let dead_at_ms = attr(ATTR_DEAD_AT).and_then(|t| t.parse::<i64>().ok()).or(sent);
    let (attempts, error) = match attr(ATTR_ERROR) {
        Some(error) => (attr(ATTR_ATTEMPTS).and_then(|n| n.parse().ok()).unwrap_or(MAX_ATTEMPTS), error.to_string()),
        None => (MAX_ATTEMPTS, format!("delivered {MAX_ATTEMPTS} times without success; moved to the dead-letter queue by the SQS redrive policy")),
    };
    Some(DeadLetter {
        message_id: m.message_id().unwrap_or_default().to_string(),
        stage: message.stage,
        job_id: message.job_id,
        connector_id: message.connector_id,
        version: message.version,
        attempts,
        error,
        dead_at: dead_at_ms.and_then(|ms| Utc.timestamp_millis_opt(ms).single()).unwrap_or_else(Utc::now),
    })
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn send(&self, message: &StageMessage) -> StoreResult<()> {
        let url = self.stage_url(message.stage).await?;
        let body = serde_json::to_string(message).map_err(|e| fatal(format!("cannot encode the stage message: {e}")))?;
        self.client.send_message().queue_url(url).message_body(body).send().await.map_err(|e| unavailable("SendMessage", e))?;
        Ok(())
    }

    async fn receive(&self, stage: Stage, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        let url = self.stage_url(stage).await?;
        let mut out = Vec::new();
        while out.len() < max {
            let want = (max - out.len()).min(10);
            let res = self
                .client
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(want as i32)
                .visibility_timeout(seconds(visibility))
                // Only the first call waits: later ones just fill up to `max`.
                .wait_time_seconds(if out.is_empty() { LONG_POLL_SECS } else { 0 })
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(|e| unavailable("ReceiveMessage", e))?;
            let messages = res.messages.unwrap_or_default();
            let got = messages.len();
            for m in messages {
                let Some(receipt) = m.receipt_handle() else { continue };
                let message: StageMessage = match m.body().map(serde_json::from_str) {
                    Some(Ok(message)) => message,
                    _ => {
                        tracing::warn!(stage = %stage, message_id = m.message_id().unwrap_or(""), "unreadable stage message; left for the redrive policy");
                        continue;
                    }
                };
                let attempt = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                out.push(Delivery { receipt: receipt.to_string(), message, attempt });
            }
            if got < want {
                break;
            }
        }
        Ok(out)
    }

    async fn ack(&self, delivery: &Delivery) -> StoreResult<()> {
        let url = self.stage_url(delivery.message.stage).await?;
        match self.client.delete_message().queue_url(url).receipt_handle(&delivery.receipt).send().await {
            Ok(_) => Ok(()),
            // Stale: the message was delivered again (or deleted) meanwhile.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_receipt_handle_is_invalid()) => Ok(()),
            Err(e) => Err(unavailable("DeleteMessage", e)),
        }
    }

    async fn retry_later(&self, delivery: &Delivery, delay: Duration, error: &str) -> StoreResult<()> {
        let url = self.stage_url(delivery.message.stage).await?;
        let m = &delivery.message;
        tracing::debug!(job_id = %m.job_id, stage = %m.stage, attempt = delivery.attempt, error, "delivery delayed");
        let res =
            self.client.change_message_visibility().queue_url(url).receipt_handle(&delivery.receipt).visibility_timeout(seconds(delay)).send().await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_message_not_inflight() || s.is_receipt_handle_is_invalid()) => Ok(()),
            Err(e) => Err(unavailable("ChangeMessageVisibility", e)),
        }
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> StoreResult<()> {
        let dlq = self.dead_letter_url(delivery.message.stage).await?;
        let body = serde_json::to_string(&delivery.message).map_err(|e| fatal(format!("cannot encode the stage message: {e}")))?;
        let error = if error.is_empty() { "dead-lettered" } else { truncate(error, MAX_ERROR_BYTES) };
        self.client
            .send_message()
            .queue_url(dlq)
            .message_body(body)
            .message_attributes(ATTR_ERROR, string_attribute(error)?)
            .message_attributes(ATTR_ATTEMPTS, number_attribute(delivery.attempt)?)
            .message_attributes(ATTR_DEAD_AT, number_attribute(Utc::now().timestamp_millis())?)
            .send()
            .await
            .map_err(|e| unavailable("SendMessage", e))?;
        // Parked: now off the stage queue (if this fails, it is delivered again and parked twice).
        self.ack(delivery).await
    }

    async fn dead_letters(&self) -> StoreResult<Vec<DeadLetter>> {
        let mut tasks = tokio::task::JoinSet::new();
        for stage in Stage::ALL {
            let queue = self.clone();
            tasks.spawn(async move { queue.list_dead_letters(stage).await });
        }
        let mut out = vec![];
        while let Some(joined) = tasks.join_next().await {
            out.extend(joined.map_err(|e| fatal(format!("listing dead letters failed: {e}")))??);
        }
        out.sort_by(|a, b| a.dead_at.cmp(&b.dead_at).then_with(|| a.message_id.cmp(&b.message_id)));
        Ok(out)
    }
}

/// Creates, for every stage, the dead-letter queue (kept 14 days) and the stage queue with its
/// redrive policy (`maxReceiveCount` = [`MAX_ATTEMPTS`]) and a visibility timeout that covers
/// the stage's work ([`devportal_domain::retry::visibility`]). Idempotent: existing queues get the
/// same attributes set again.
pub async fn create_queues(client: &Client, prefix: &str) -> StoreResult<()> {
    for stage in Stage::ALL {
        let dlq_url = ensure_queue(client, &dead_letter_queue_name(prefix, stage)).await?;
        client
            .set_queue_attributes()
            .queue_url(&dlq_url)
            .attributes(QueueAttributeName::MessageRetentionPeriod, DEAD_LETTER_RETENTION_SECS.to_string())
            .send()
            .await
            .map_err(|e| unavailable("SetQueueAttributes", e))?;
        let arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| unavailable("GetQueueAttributes", e))?
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| fatal(format!("GetQueueAttributes: no ARN for {}", dead_letter_queue_name(prefix, stage))))?;
        let url = ensure_queue(client, &queue_name(prefix, stage)).await?;
        let redrive = serde_json::json!({ "deadLetterTargetArn": arn, "maxReceiveCount": MAX_ATTEMPTS }).to_string();
        client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, seconds(devportal_domain::retry::visibility(stage)).to_string())
            .send()
            .await
            .map_err(|e| unavailable("SetQueueAttributes", e))?;
    }
    Ok(())
}

/// The URL of the queue `name`, created (standard, default attributes) if missing.
pub(crate) async fn ensure_queue(client: &Client, name: &str) -> StoreResult<String> {
    if let Some(url) = lookup_queue_url(client, name).await? {
        return Ok(url);
    }
    match client.create_queue().queue_name(name).send().await {
        Ok(out) => out.queue_url().map(str::to_string).ok_or_else(|| fatal(format!("CreateQueue: no URL for {name}"))),
        // Created concurrently by someone else: use it.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_queue_name_exists()) => {
            lookup_queue_url(client, name).await?.ok_or_else(|| fatal(format!("the SQS queue {name} vanished while being created")))
        }
        Err(e) => Err(unavailable("CreateQueue", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_rounds_up_to_whole_seconds_and_caps_at_twelve_hours() {
        assert_eq!(seconds(Duration::ZERO), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_secs(2)), 2);
        assert_eq!(seconds(Duration::from_millis(2001)), 3);
        assert_eq!(seconds(Duration::from_secs(100_000)), 43_200);
    }

    #[test]
    fn queue_names_follow_the_prefix() {
        assert_eq!(queue_name("dp", Stage::SyncRuntime), "dp-sync-runtime");
        assert_eq!(dead_letter_queue_name("dp", Stage::Build), "dp-build-dlq");
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let e = "é".repeat(10);
        assert_eq!(truncate(&e, 5), "éé");
        assert_eq!(truncate("short", 100), "short");
    }
}
