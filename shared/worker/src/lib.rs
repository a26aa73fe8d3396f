//! Stage workers. A stage function's handler is [`handle`]: check the message is for this
//! stage and run its job. Two ways to feed it, with the same retry policy:
//! - [`poll`]: the local host polls the queue port (visibility timeout, backoff, dead letters);
//! - [`handle_sqs_batch`]: on Lambda, an SQS batch, answering partial batch failures.
//!
//! After [`MAX_ATTEMPTS`] failed deliveries the job is failed (`give_up`), so the version never
//! stays stuck in a running state, and the message is dead-lettered.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devportal_app::pipeline::WorkerError;
use devportal_app::App;
use devportal_domain::pipeline::{Stage, StageMessage};
use devportal_domain::ports::Delivery;
use std::future::Future;
use std::time::Duration;

/// Deliveries of one message before it is dead-lettered (the SQS redrive policy matches).
pub const MAX_ATTEMPTS: u32 = 5;

/// How long a received message stays invisible: longer than the stage's longest work.
pub fn visibility(stage: Stage) -> Duration {
    match stage {
        Stage::Build => Duration::from_secs(30 * 60),
        _ => Duration::from_secs(5 * 60),
    }
}

/// Delay before the next delivery after a retryable failure: 2, 4, 8, … seconds, at most 5 minutes.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempt.min(8)).min(300))
}

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

/// An SQS batch on Lambda: each record is one stage message; failed records are reported as
/// partial batch failures so only they are delivered again. A record on its last delivery
/// (per `ApproximateReceiveCount`) that fails fails its job before SQS dead-letters it.
pub async fn handle_sqs_batch(app: &App, stage: Stage, event: SqsEvent) -> SqsBatchResponse {
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
        match handle(app, stage, &message).await {
            Ok(()) => {}
            Err(e) => {
                if !e.retryable || attempt >= MAX_ATTEMPTS {
                    if let Err(g) = app.give_up(&message, &e.reason).await {
                        tracing::error!(job_id = %message.job_id, error = %g, "could not fail the job");
                    }
                    if !e.retryable {
                        continue; // the job is failed; nothing to deliver again
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

fn failure(id: String) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = id;
    f
}

/// Runs a stage function on Lambda: the SQS event source hands batches to [`handle_sqs_batch`].
pub async fn run_lambda(app: App, stage: Stage) -> Result<(), lambda_runtime::Error> {
    let app = &app;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(handle_sqs_batch(app, stage, event.payload).await)
    }))
    .await
}
