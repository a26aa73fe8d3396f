//! The `run-launcher` function: where runs start and end on AWS.
//!
//! One handler ([`handle`]) for three inputs:
//! - SQS `<prefix>-run-launch`: `{"run_id"}` → `App::launch_run` (the executor's `RunTask`);
//! - SQS `<prefix>-run-events`: "ECS Task State Change" events from the EventBridge rule of
//!   the runs cluster → `App::apply_observation` (applied only when newer than what the run
//!   has seen: events come at least once and out of order); after a final state the run's
//!   task definition revision and secret are released;
//! - the reconciler schedule (an EventBridge "Scheduled Event") → `App::reconcile_runs`
//!   (time limits, runs whose events never came).
//!
//! SQS records that fail with a retryable error are reported as partial batch failures and
//! come again; records that can never succeed are logged and acknowledged, except unreadable
//! ones, which are reported so the redrive policy parks them.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devportal_app::App;
use devportal_aws::run_events;
use devportal_aws::run_queue::LaunchMessage;
use devportal_domain::ids::RunId;
use devportal_domain::run::ObservedState;
use serde_json::Value;

/// Frees what a run kept on the runtime once it has ended (`EcsRunExecutor::release`).
#[async_trait::async_trait]
pub trait Release: Send + Sync {
    async fn release(&self, run: RunId) -> Result<(), String>;
}

#[async_trait::async_trait]
impl Release for devportal_aws::EcsRunExecutor {
    async fn release(&self, run: RunId) -> Result<(), String> {
        devportal_aws::EcsRunExecutor::release(self, run).await.map_err(|e| e.reason)
    }
}

/// Why an invocation failed (Lambda retries it).
#[derive(Debug)]
pub struct RetryLater(pub String);

impl std::fmt::Display for RetryLater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RetryLater {}

/// One invocation: an SQS batch (launches or ECS events; answered with the failed records)
/// or the reconciler schedule (answered with the number of runs it touched).
pub async fn handle(app: &App, release: &dyn Release, event: Value) -> Result<Value, RetryLater> {
    if event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        let touched = app.reconcile_runs(chrono::Utc::now()).await.map_err(|e| RetryLater(e.reason))?;
        tracing::info!(touched, "runs reconciled");
        return Ok(serde_json::json!({ "reconciled": touched }));
    }
    let sqs: SqsEvent = serde_json::from_value(event).map_err(|e| RetryLater(format!("neither an SQS batch nor the schedule: {e}")))?;
    serde_json::to_value(handle_sqs(app, release, sqs).await).map_err(|e| RetryLater(e.to_string()))
}

/// What one SQS record asks for.
enum Work {
    Launch(RunId),
    Observation(Option<devportal_domain::run::RunObservation>),
}

fn work_of(body: &str) -> Result<Work, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    if value.get("detail-type").is_some() {
        return run_events::observation_from_ecs_event(body).map(Work::Observation).map_err(|e| e.0);
    }
    serde_json::from_value::<LaunchMessage>(value).map(|m| Work::Launch(m.run_id)).map_err(|e| e.to_string())
}

pub async fn handle_sqs(app: &App, release: &dyn Release, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = vec![];
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let work = match record.body.as_deref().ok_or_else(|| "no body".to_string()).and_then(work_of) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "unreadable run message");
                failures.push(failure(id));
                continue;
            }
        };
        let result = match work {
            Work::Launch(run) => app.launch_run(run).await.map(|()| None),
            Work::Observation(None) => Ok(None),
            Work::Observation(Some(obs)) => {
                let ended = (!matches!(obs.state, ObservedState::Running)).then_some(obs.run_id);
                app.apply_observation(obs).await.map(|()| ended)
            }
        };
        match result {
            Ok(Some(ended)) => {
                if let Err(e) = release.release(ended).await {
                    // The reconciler's observe releases it later; the event was applied.
                    tracing::warn!(run_id = %ended, error = %e, "the run's task definition and secret are not released yet");
                }
            }
            Ok(None) => {}
            Err(e) if e.retryable => {
                tracing::warn!(message_id = %id, error = %e.reason, "run message failed; it comes again");
                failures.push(failure(id));
            }
            Err(e) => tracing::error!(message_id = %id, error = %e.reason, "run message dropped"),
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
