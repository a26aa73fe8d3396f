//! Stage workers. A stage function's handler is [`handle`]: check the message is for this
//! stage and run its job. Two ways to feed it, with the same retry policy:
//! - [`poll`]: the local host polls the queue port (visibility timeout, backoff, dead letters);
//!   [`poll_fair`] does the same with several jobs at once, taking turns across organizations;
//! - [`handle_sqs_batch`]: on Lambda, an SQS batch, answering partial batch failures.
//!
//! After [`MAX_ATTEMPTS`] failed deliveries the job is failed (`give_up`), so the version never
//! stays stuck in a running state, and the message is dead-lettered.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devportal_app::pipeline::WorkerError;
use devportal_app::App;
use devportal_domain::ids::OrgId;
use devportal_domain::pipeline::{Stage, StageMessage};
use devportal_domain::ports::{Delivery, StoreResult};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// The retry policy lives in the domain (`devportal_domain::retry`); re-exported for the
/// stage functions and tests that name it here.
pub use devportal_domain::retry::{backoff, visibility, MAX_ATTEMPTS};

/// The handler of a stage function.
pub async fn handle(app: &App, stage: Stage, message: &StageMessage) -> Result<(), WorkerError> {
    if message.stage != stage {
        return Err(WorkerError { reason: format!("a {} message reached the {stage} worker", message.stage), retryable: false });
    }
    app.run_job(message).await
}

/// Decides what happens to a delivery after the handler ran.
async fn settle(app: &App, delivery: &Delivery, result: Result<(), WorkerError>) {
    let queue = &app.ports.queue;
    let m = &delivery.message;
    let outcome = match result {
        Ok(()) => queue.ack(delivery).await,
        Err(e) if e.retryable && delivery.attempt < MAX_ATTEMPTS => {
            tracing::warn!(job_id = %m.job_id, connector_id = %m.connector_id, version = m.version, attempt = delivery.attempt, error = %e, "retrying later");
            queue.retry_later(delivery, backoff(delivery.attempt), &e.reason).await
        }
        Err(e) => {
            tracing::error!(job_id = %m.job_id, connector_id = %m.connector_id, version = m.version, attempt = delivery.attempt, error = %e, "giving up; dead-lettering");
            if let Err(g) = app.give_up(m, &e.reason).await {
                tracing::error!(job_id = %m.job_id, error = %g, "could not fail the job");
            }
            queue.dead_letter(delivery, &e.reason).await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(job_id = %m.job_id, error = %e, "could not settle the queue message; it will be delivered again");
    }
}

/// Receives and handles at most one message of the stage; whether there was one.
pub async fn run_once<F, Fut>(app: &App, stage: Stage, handler: F) -> bool
where
    F: Fn(App, StageMessage) -> Fut,
    Fut: Future<Output = Result<(), WorkerError>>,
{
    match app.ports.queue.receive(stage, 1, visibility(stage)).await {
        Ok(batch) => {
            let any = !batch.is_empty();
            for delivery in batch {
                let result = handler(app.clone(), delivery.message.clone()).await;
                settle(app, &delivery, result).await;
            }
            any
        }
        Err(e) => {
            tracing::error!(stage = %stage, error = %e, "queue receive failed");
            false
        }
    }
}

/// Polls the stage's queue until `shutdown` resolves, running one job at a time per stage.
/// A message being handled when shutdown comes is finished first (or, if the process dies,
/// delivered again after its visibility timeout).
pub async fn poll<F, Fut>(app: App, stage: Stage, handler: F, shutdown: impl Future<Output = ()>)
where
    F: Fn(App, StageMessage) -> Fut,
    Fut: Future<Output = Result<(), WorkerError>>,
{
    tokio::pin!(shutdown);
    // Empty receives wait inside the queue (long polling); this pause only follows an empty
    // answer from a queue that does not wait, so an idle loop never spins.
    let idle = Duration::from_millis(50);
    loop {
        let deliveries = tokio::select! {
            _ = &mut shutdown => return,
            r = app.ports.queue.receive(stage, 1, visibility(stage)) => r,
        };
        match deliveries {
            Ok(batch) if !batch.is_empty() => {
                for delivery in batch {
                    let m = &delivery.message;
                    tracing::info!(job_id = %m.job_id, connector_id = %m.connector_id, version = m.version, stage = %stage, attempt = delivery.attempt, "message received");
                    let result = handler(app.clone(), delivery.message.clone()).await;
                    settle(&app, &delivery, result).await;
                }
            }
            Ok(_) => {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
            Err(e) => {
                tracing::error!(stage = %stage, error = %e, "queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Messages received but not started yet, at most (a scheduler needs to see several
/// organizations' messages to choose fairly). They stay invisible to other consumers for the
/// stage's visibility timeout; one delivered again meanwhile replaces its older copy.
const MAX_WAITING: usize = 32;

/// Like [`poll`], but runs up to `slots` jobs at once. A free slot goes to the oldest waiting
/// message of the organization (the connector's owner) with the fewest jobs running, so one
/// organization's queued builds cannot hold every slot while another's wait. On shutdown no
/// new job starts; running ones finish; waiting messages come back after their visibility
/// timeout (at once on the local host, which releases its leases at start).
pub async fn poll_fair<F, Fut>(app: App, stage: Stage, handler: F, slots: usize, shutdown: impl Future<Output = ()>)
where
    F: Fn(App, StageMessage) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), WorkerError>> + Send + 'static,
{
    let slots = slots.max(1);
    tokio::pin!(shutdown);
    let mut running: tokio::task::JoinSet<Option<OrgId>> = tokio::task::JoinSet::new();
    let mut busy: HashMap<Option<OrgId>, usize> = HashMap::new();
    let mut waiting: Vec<(Delivery, Option<OrgId>)> = Vec::new();
    let mut receiving: Option<tokio::task::JoinHandle<StoreResult<Vec<Delivery>>>> = None;
    let idle = Duration::from_millis(50);
    loop {
        // Start what the free slots allow, fairest first.
        while running.len() < slots {
            let Some(i) = pick_fairest(&waiting, &busy) else { break };
            let (delivery, org) = waiting.remove(i);
            *busy.entry(org).or_default() += 1;
            let (app, handler) = (app.clone(), handler.clone());
            running.spawn(async move {
                let m = &delivery.message;
                tracing::info!(job_id = %m.job_id, connector_id = %m.connector_id, version = m.version, stage = %stage, attempt = delivery.attempt, "message received");
                let result = handler(app.clone(), delivery.message.clone()).await;
                settle(&app, &delivery, result).await;
                org
            });
        }
        // A receive runs as a task of its own, so waiting for it can be interrupted by a
        // finished job without abandoning the messages it is taking off the queue.
        if receiving.is_none() && waiting.len() < MAX_WAITING {
            let (app, want) = (app.clone(), (MAX_WAITING - waiting.len()).min(10));
            receiving = Some(tokio::spawn(async move { app.ports.queue.receive(stage, want, visibility(stage)).await }));
        }
        tokio::select! {
            _ = &mut shutdown => break,
            Some(done) = running.join_next(), if !running.is_empty() => {
                let org = done.unwrap_or_else(|e| {
                    tracing::error!(stage = %stage, error = %e, "a job's task failed");
                    None
                });
                if let Some(n) = busy.get_mut(&org) {
                    *n = n.saturating_sub(1);
                }
            }
            r = async { receiving.as_mut().expect("a receive in flight").await }, if receiving.is_some() => {
                receiving = None;
                match r {
                    Ok(Ok(batch)) if !batch.is_empty() => {
                        for delivery in batch {
                            let org = app.ports.connectors.get_connector(delivery.message.connector_id).await.ok().flatten().map(|c| c.owner);
                            // Delivered again while waiting (visibility expired): keep the newest receipt.
                            waiting.retain(|(d, _)| d.message.job_id != delivery.message.job_id);
                            waiting.push((delivery, org));
                        }
                    }
                    Ok(Ok(_)) => tokio::time::sleep(idle).await,
                    Ok(Err(e)) => {
                        tracing::error!(stage = %stage, error = %e, "queue receive failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Err(e) => tracing::error!(stage = %stage, error = %e, "the queue receive task failed"),
                }
            }
        }
    }
    // Jobs in hand finish first.
    while running.join_next().await.is_some() {}
}

/// The waiting message to start next: the oldest of the organization with the fewest jobs running.
fn pick_fairest(waiting: &[(Delivery, Option<OrgId>)], busy: &HashMap<Option<OrgId>, usize>) -> Option<usize> {
    waiting.iter().enumerate().min_by_key(|(i, (_, org))| (busy.get(org).copied().unwrap_or(0), *i)).map(|(i, _)| i)
}

/// How long before the function's deadline a stage stops waiting (a build hands itself to the
/// next delivery) so that recording its checkpoint and answering still fit in the invocation.
pub const STOP_BEFORE_DEADLINE: Duration = Duration::from_secs(60);

/// An SQS batch on Lambda: each record is one stage message; failed records are reported as
/// partial batch failures so only they are delivered again. A record on its last delivery
/// (per `ApproximateReceiveCount`) that fails fails its job before SQS dead-letters it.
pub async fn handle_sqs_batch(app: &App, stage: Stage, event: SqsEvent) -> SqsBatchResponse {
    handle_sqs_batch_until(app, stage, event, None).await
}

/// [`handle_sqs_batch`] within a time budget: each job runs until `deadline` (leased to this
/// invocation until then, see `App::run_job_until`). A record that fails retryably comes back
/// after the same backoff as on the local poller: its visibility is set to [`backoff`] of its
/// receive count (`ChangeMessageVisibility`) instead of the queue's long visibility timeout.
pub async fn handle_sqs_batch_until(app: &App, stage: Stage, event: SqsEvent, deadline: Option<std::time::Instant>) -> SqsBatchResponse {
    let mut failures = vec![];
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let attempt: u32 = record.attributes.get("ApproximateReceiveCount").and_then(|v| v.parse().ok()).unwrap_or(1);
        let message: StageMessage = match record.body.as_deref().map(serde_json::from_str) {
            Some(Ok(m)) => m,
            _ => {
                // Unparseable: retrying cannot help; report it so the redrive policy parks it.
                tracing::error!(message_id = %id, "unreadable stage message");
                failures.push(failure(id));
                continue;
            }
        };
        let result = if message.stage != stage { handle(app, stage, &message).await } else { app.run_job_until(&message, deadline).await };
        match result {
            Ok(()) => {}
            Err(e) => {
                if !e.retryable || attempt >= MAX_ATTEMPTS {
                    tracing::error!(job_id = %message.job_id, attempt, error = %e, "giving up");
                    if let Err(g) = app.give_up(&message, &e.reason).await {
                        tracing::error!(job_id = %message.job_id, error = %g, "could not fail the job");
                    }
                    if !e.retryable {
                        continue; // the job is failed; nothing to deliver again
                    }
                } else if let Some(receipt) = record.receipt_handle.clone() {
                    tracing::warn!(job_id = %message.job_id, attempt, error = %e, "retrying later");
                    let delivery = Delivery { receipt, message: message.clone(), attempt };
                    if let Err(q) = app.ports.queue.retry_later(&delivery, backoff(attempt), &e.reason).await {
                        // It still comes back, after the queue's visibility timeout.
                        tracing::warn!(job_id = %message.job_id, error = %q, "could not shorten the message's visibility");
                    }
                }
                failures.push(failure(id));
            }
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}

/// When a stage stops waiting: [`STOP_BEFORE_DEADLINE`] before the invocation's deadline
/// (milliseconds since the epoch, from the Lambda context), measured on the monotonic clock.
pub fn stop_waiting_at(deadline_ms: u64, now: std::time::SystemTime) -> std::time::Instant {
    let deadline = std::time::UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let left = deadline.duration_since(now).unwrap_or_default().saturating_sub(STOP_BEFORE_DEADLINE);
    std::time::Instant::now() + left
}

fn failure(id: String) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = id;
    f
}

/// Runs a stage function on Lambda: the SQS event source hands batches to [`handle_sqs_batch`].
pub async fn run_lambda(app: App, stage: Stage) -> Result<(), lambda_runtime::Error> {
    let app = &app;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<SqsEvent>| async move {
        let deadline = stop_waiting_at(event.context.deadline, std::time::SystemTime::now());
        Ok::<_, lambda_runtime::Error>(handle_sqs_batch_until(app, stage, event.payload, Some(deadline)).await)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use devportal_domain::ids::ConnectorId;
    use devportal_domain::pipeline::JobId;

    fn delivery() -> Delivery {
        let message = StageMessage { stage: Stage::Build, job_id: JobId::new(), connector_id: ConnectorId::new(), version: 1 };
        Delivery { receipt: String::new(), message, attempt: 1 }
    }

    #[test]
    fn a_stage_stops_waiting_a_minute_before_the_invocations_deadline() {
        let now = std::time::SystemTime::now();
        let ms = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
        let before = std::time::Instant::now();
        let at = stop_waiting_at(ms(now + Duration::from_secs(900)), now);
        let left = at.duration_since(before);
        assert!(left <= Duration::from_secs(840) && left >= Duration::from_secs(839), "{left:?}");
        // A deadline that is (almost) here: stop at once.
        let at = stop_waiting_at(ms(now + Duration::from_secs(30)), now);
        assert!(at <= std::time::Instant::now());
    }

    #[test]
    fn the_fairest_is_the_oldest_of_the_least_busy_organization() {
        let (a, b) = (Some(OrgId::new()), Some(OrgId::new()));
        let waiting = vec![(delivery(), a), (delivery(), a), (delivery(), b), (delivery(), b)];
        let mut busy = HashMap::new();
        assert_eq!(pick_fairest(&waiting, &busy), Some(0), "nothing runs: first come, first served");
        busy.insert(a, 1);
        assert_eq!(pick_fairest(&waiting, &busy), Some(2), "A holds a slot: B's oldest goes first");
        busy.insert(b, 1);
        assert_eq!(pick_fairest(&waiting, &busy), Some(0), "one each: the oldest again");
        busy.insert(a, 2);
        assert_eq!(pick_fairest(&waiting, &busy), Some(2));
        assert_eq!(pick_fairest(&[], &busy), None);
    }
}
