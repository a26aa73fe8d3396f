//! The sweeper: housekeeping that no request triggers. On AWS an EventBridge schedule invokes
//! it hourly (`SweeperFunction` in `infra/template.yaml`); the local host runs the same
//! [`sweep`] on a timer. It owns two duties:
//!
//! - the bin's retention: connectors binned longer than the retention period are deleted
//!   permanently with everything they own (`App::purge_expired_bin`). A DynamoDB TTL cannot do
//!   this on its own: it deletes single items, not a connector's versions, jobs, logs, secrets
//!   and images, so the purge is a use case run on a schedule;
//! - lost stage messages: jobs recorded as pending whose queue message was never sent (a
//!   crash between the two) get it again (`App::resend_pending_jobs`), once they are older
//!   than [`RESEND_AFTER`] so that messages merely waiting in a queue are not doubled, and
//!   running jobs whose worker's lease ran out that long ago (a stage function that died);
//!   a job under a live lease is left alone;
//! - dead letters whose job is unfinished: SQS's redrive moves a message to the dead-letter
//!   queue when its last delivery died (timed out) before the handler could fail the job, so
//!   the sweep fails those jobs with a reason (`App::give_up`).

use chrono::{DateTime, Duration, Utc};
use devportal_app::App;

/// Default retention of the bin, in days (PRODUCT.md §7).
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// The environment variable that overrides it.
pub const RETENTION_DAYS_VAR: &str = "DEVPORTAL_BIN_RETENTION_DAYS";
/// A pending job younger than this still has its message in flight.
pub const RESEND_AFTER: Duration = Duration::minutes(15);

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub purged_connectors: usize,
    pub resent_jobs: usize,
    /// Unfinished jobs whose message was found dead-lettered, now failed.
    pub failed_dead_letters: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0} must be a whole number of days from 1 to 3650, not {1:?}")]
    Retention(&'static str, String),
    #[error("purging the bin failed: {0}")]
    Purge(String),
    #[error("re-sending pending jobs failed: {0}")]
    Resend(String),
    #[error("failing dead-lettered jobs failed: {0}")]
    DeadLetters(String),
}

impl SweepError {
    /// Whether running the sweep again may succeed (a configuration error will not).
    pub fn retryable(&self) -> bool {
        !matches!(self, SweepError::Retention(..))
    }
}

/// The retention period from `raw` (the environment's value), or the default when unset.
pub fn retention(raw: Option<&str>) -> Result<Duration, SweepError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Duration::days(DEFAULT_RETENTION_DAYS.into())),
        Some(v) => match v.parse::<u32>() {
            Ok(days @ 1..=3650) => Ok(Duration::days(days.into())),
            _ => Err(SweepError::Retention(RETENTION_DAYS_VAR, v.to_string())),
        },
    }
}

/// One sweep at `now`. Both duties run even when the first fails; the first error is answered.
pub async fn sweep(app: &App, retention: Duration, now: DateTime<Utc>) -> Result<SweepReport, SweepError> {
    let purged = app.purge_expired_bin(retention, now).await.map_err(|e| SweepError::Purge(e.to_string()));
    let resent = app.resend_pending_jobs(now - RESEND_AFTER).await.map_err(|e| SweepError::Resend(e.to_string()));
    let dead = fail_dead_lettered_jobs(app).await.map_err(|e| SweepError::DeadLetters(e.to_string()));
    let report = SweepReport {
        purged_connectors: *purged.as_ref().unwrap_or(&0),
        resent_jobs: *resent.as_ref().unwrap_or(&0),
        failed_dead_letters: *dead.as_ref().unwrap_or(&0),
    };
    if report != SweepReport::default() {
        tracing::info!(
            purged_connectors = report.purged_connectors,
            resent_jobs = report.resent_jobs,
            failed_dead_letters = report.failed_dead_letters,
            "sweep done"
        );
    }
    purged?;
    resent?;
    dead?;
    Ok(report)
}

/// Fails every unfinished job whose message is in a dead-letter queue; how many.
async fn fail_dead_lettered_jobs(app: &App) -> Result<usize, devportal_app::pipeline::WorkerError> {
    let mut failed = 0;
    for letter in app.ports.queue.dead_letters().await? {
        let Some(job) = app.ports.pipeline.get_job(letter.job_id).await? else { continue };
        if job.status.is_finished() {
            continue;
        }
        let message = devportal_domain::pipeline::StageMessage {
            stage: letter.stage,
            job_id: letter.job_id,
            connector_id: letter.connector_id,
            version: letter.version,
        };
        let why = if letter.error.is_empty() { "its message was dead-lettered".to_string() } else { letter.error.clone() };
        app.give_up(&message, &why).await?;
        // Under a live lease give_up leaves the job to its worker.
        if app.ports.pipeline.get_job(letter.job_id).await?.is_some_and(|j| j.status.is_finished()) {
            tracing::warn!(job_id = %letter.job_id, stage = %letter.stage, "job failed: its message was dead-lettered");
            failed += 1;
        }
    }
    Ok(failed)
}
