//! Release pipeline use cases (PRODUCT.md §5), in three parts: `triggers` (start a stage as a
//! background job, cancel, retry, re-send lost messages), `runner` (run a job when its queue
//! message arrives — the stage functions call [`App::run_job`] — and record its typed result,
//! `StageResult`, on the version through `Deployment::apply`) and `queries` (jobs, logs,
//! transitions, dead letters as answers show them). The directory and the catalog:
//! `directory.rs`.
//!
//! Delivery is at-least-once: `run_job` may see the same message twice, or a job whose worker
//! died mid-way. Finished jobs are skipped; a running one is run again (every stage's work is
//! idempotent), and the final write is conditional on the job's and the version's revisions,
//! so one job makes exactly one transition.

use crate::error::{AppError, AppResult};
use crate::views::JobView;
use crate::App;
use chrono::Utc;
use devportal_domain::connector::Connector;
use devportal_domain::identity::Principal;
use devportal_domain::ids::ConnectorId;
use devportal_domain::job_log::LogBudget;
use devportal_domain::pipeline::{
    within_targets, AccessChange, Actor, BuildCheckpoint, BuildFailureKind, DevDeployment, Job, JobId, JobLease, JobParams, JobStatus, LogLine,
    LogStream, ProductionRelease, Stage, StageMessage, StageResult, Transition,
};
use devportal_domain::ports::{BuildRequest, Cancellation, CatalogEntry, GitCredentials, KeyClaim, LogSink, StageFailure, StoreError};
use devportal_domain::redact::Redactor;
use devportal_domain::version::{Version, VersionSelector};
use devportal_domain::wizard::incomplete_required_steps;
use devportal_domain::wizard::vcs::Authorization;
use devportal_domain::ValidationErrors;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a lease outlives its holder's deadline: the time a stage function needs after it
/// stops waiting to record where it stands and hand the message back.
pub const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// The job's lease if another delivery holds it now.
fn live_lease(job: &Job, now: chrono::DateTime<Utc>) -> Option<&JobLease> {
    job.lease.as_ref().filter(|l| job.status == JobStatus::Running && l.until > now)
}

/// The health check's limit (PRODUCT.md §5).
pub const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// A worker's failure: whether the queue should deliver the message again.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct WorkerError {
    pub reason: String,
    pub retryable: bool,
}

impl From<StoreError> for WorkerError {
    fn from(e: StoreError) -> Self {
        let retryable = !matches!(e, StoreError::Unavailable { retryable: false, .. });
        WorkerError { reason: e.to_string(), retryable }
    }
}

/// What a stage's work produced, or why it failed.
enum Outcome {
    Done { result: StageResult },
    Failed { reason: String, exit_code: Option<i32> },
}

/// Lines written to the log port in one call, at most.
const LOG_BATCH_LINES: usize = 500;
/// How long a line may wait for others to share its write (the log stays live).
const LOG_BATCH_WAIT: Duration = Duration::from_millis(200);

/// A job attempt's log (docs/ARCHITECTURE.md, "Job logs"). `line` never waits on storage:
/// it applies the [`LogBudget`] and hands the line to a writer task, which writes batches
/// (up to [`LOG_BATCH_LINES`] lines, or what arrived within [`LOG_BATCH_WAIT`]) through
/// `JobLogStore::append_batch`. [`JobLog::finish`] writes the held last lines and waits until
/// everything is stored. Failures to log never fail the job.
///
/// Every line passes the domain's [`Redactor`] before it is admitted: the secret patterns
/// always, and once a build knows them ([`JobLog::protect`]) the version's Git token and the
/// repository URL's password, whatever adapter printed them (docs/ARCHITECTURE.md, "Secrets
/// in logs").
struct JobLog {
    job: JobId,
    redactor: std::sync::RwLock<Redactor>,
    pipeline: Arc<dyn devportal_domain::ports::PipelineStore>,
    budget: std::sync::Mutex<LogBudget>,
    tx: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<(LogStream, String)>>>,
    writer: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl JobLog {
    fn start(app: &App, job: JobId) -> Self {
        // Unbounded, yet bounded by the budget: beyond it lines wait in the budget's ring.
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_log(app.ports.logs.clone(), job, rx));
        JobLog {
            job,
            redactor: std::sync::RwLock::new(Redactor::default()),
            pipeline: app.ports.pipeline.clone(),
            budget: std::sync::Mutex::new(LogBudget::new(app.settings.job_log)),
            tx: std::sync::Mutex::new(Some(tx)),
            writer: std::sync::Mutex::new(Some(writer)),
        }
    }

    /// From now on, also mask what a Git operation on `url` with `credentials` may print.
    fn protect(&self, url: &str, credentials: &GitCredentials) {
        *self.redactor.write().unwrap_or_else(|p| p.into_inner()) = Redactor::for_git(url, credentials);
    }

    fn send(&self, lines: Vec<(LogStream, String)>) {
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            for line in lines {
                let _ = tx.send(line);
            }
        }
    }

    /// Writes the marker and the held last lines, then waits for the writer to store all.
    async fn finish(&self) {
        let rest = self.budget.lock().unwrap_or_else(|p| p.into_inner()).finish();
        self.send(rest);
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = writer {
            if let Err(e) = writer.await {
                tracing::warn!(job_id = %self.job, error = %e, "the job log writer failed");
            }
        }
    }
}

#[async_trait::async_trait]
impl LogSink for JobLog {
    async fn line(&self, stream: LogStream, text: &str) {
        let text = self.redactor.read().unwrap_or_else(|p| p.into_inner()).text(text);
        let lines = self.budget.lock().unwrap_or_else(|p| p.into_inner()).admit(stream, text);
        self.send(lines);
    }

    /// Stored on the job at the same revision (bookkeeping, not a state change), so the
    /// job's conclusion, conditional on the revision, is not disturbed by it.
    async fn checkpoint(&self, checkpoint: &BuildCheckpoint) {
        let stored = async {
            let Some(mut job) = self.pipeline.get_job(self.job).await? else { return Ok(()) };
            if job.status.is_finished() || job.remote_build.as_ref() == Some(checkpoint) {
                return Ok(());
            }
            job.remote_build = Some(checkpoint.clone());
            self.pipeline.update_job(&job, job.revision).await
        };
        if let Err(e) = stored.await {
            tracing::warn!(job_id = %self.job, build = %checkpoint.build_id, error = %e, "could not record the build's checkpoint");
        }
    }
}

/// The writer task of a [`JobLog`]: batches until the channel closes.
async fn write_log(
    logs: Arc<dyn devportal_domain::ports::JobLogStore>,
    job: JobId,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<(LogStream, String)>,
) {
    let mut batch = Vec::with_capacity(LOG_BATCH_LINES);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + LOG_BATCH_WAIT;
        while batch.len() < LOG_BATCH_LINES {
            match rx.try_recv() {
                Ok(line) => batch.push(line),
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(line)) => batch.push(line),
                    Ok(None) | Err(_) => break,
                },
            }
        }
        let mut tries = 0;
        while let Err(e) = logs.append_batch(job, &batch).await {
            tries += 1;
            if tries >= 3 {
                tracing::warn!(job_id = %job, error = %e, lines = batch.len(), "could not append to the job log; lines dropped");
                break;
            }
            tokio::time::sleep(Duration::from_millis(200 * tries)).await;
        }
        batch.clear();
    }
}

/// Set by a watcher when the job is cancelled.
struct CancelFlag(Arc<AtomicBool>);

impl Cancellation for CancelFlag {
    fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

mod queries;
mod runner;
mod triggers;
