//! Release pipeline use cases (PRODUCT.md §5): start a stage as a background job, run a job
//! when its queue message arrives (the stage functions call [`App::run_job`]), cancel and
//! retry, and read jobs, logs, transitions, the directory and the catalog.
//!
//! Delivery is at-least-once: `run_job` may see the same message twice, or a job whose worker
//! died mid-way. Finished jobs are skipped; a running one is run again (every stage's work is
//! idempotent), and the final write is conditional on the job's and the version's revisions,
//! so one job makes exactly one transition.

use crate::error::{AppError, AppResult};
use crate::App;
use chrono::Utc;
use devportal_domain::connector::Connector;
use devportal_domain::identity::Principal;
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{
    within_targets, AccessChange, Actor, BuildFailureKind, DevDeployment, Job, JobId, JobParams, JobStatus, LogLine,
    LogStream, ProductionRelease, Stage, StageMessage, Targets, Transition,
};
use devportal_domain::ports::{
    BuildRequest, Cancellation, CatalogEntry, GitCredentials, LogSink, StageFailure, StoreError,
};
use devportal_domain::version::{Version, VersionSelector};
use devportal_domain::wizard::incomplete_required_steps;
use devportal_domain::wizard::vcs::Authorization;
use devportal_domain::ValidationErrors;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    Done { result: serde_json::Value },
    Failed { reason: String, exit_code: Option<i32> },
}

/// Writes job log lines through the log port; failures to log never fail the job.
struct JobLog {
    app: App,
    job: JobId,
}

#[async_trait::async_trait]
impl LogSink for JobLog {
    async fn line(&self, stream: LogStream, text: &str) {
        if let Err(e) = self.app.ports.logs.append(self.job, stream, text).await {
            tracing::warn!(job_id = %self.job, error = %e, "could not append to the job log");
        }
    }
}

/// Set by a watcher when the job is cancelled.
struct CancelFlag(Arc<AtomicBool>);

impl Cancellation for CancelFlag {
    fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl App {
    /// Starts `params.stage()` on a version: records a pending job, moves the version to the
    /// stage's running state and enqueues the job. With an idempotency key already used,
    /// answers the original job (`false`: not newly created).
    pub async fn start_stage(
        &self,
        principal: &Principal,
        id: ConnectorId,
        selector: VersionSelector,
        params: JobParams,
        idempotency_key: Option<&str>,
    ) -> AppResult<(Job, bool)> {
        if let Some(key) = idempotency_key {
            if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
                return Err(ValidationErrors::single("Idempotency-Key", "invalid_format", "an Idempotency-Key is 1 to 200 printable ASCII characters").into());
            }
        }
        let (connector, version) = self.version(principal, id, selector).await?;
        if let Some(key) = idempotency_key {
            if let Some(existing) = self.ports.pipeline.job_for_idempotency_key(id, key).await? {
                if let Some(job) = self.ports.pipeline.get_job(existing).await? {
                    return Ok((job, false));
                }
            }
        }
        let stage = params.stage();
        if matches!(params, JobParams::Rollback { .. }) {
            self.check_no_step_running(&version)?;
        } else {
            self.check_can_start(&connector, &version, stage)?;
        }
        self.check_params(&version, &params).await?;
        let has_production = version.deployment.production.is_some();
        let running_state = running_state_of(&params, version.state, has_production);
        let now = Utc::now();
        let job = Job {
            id: JobId::new(),
            connector_id: id,
            version: version.number,
            stage,
            status: JobStatus::Pending,
            params,
            from_state: version.state,
            running_state,
            requested_by: principal.user.id,
            reason: None,
            exit_code: None,
            result: None,
            attempts: 0,
            retry_of: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            revision: 1,
        };
        self.enqueue_new_job(principal, job, version, idempotency_key).await
    }

    async fn enqueue_new_job(&self, principal: &Principal, job: Job, mut version: Version, idempotency_key: Option<&str>) -> AppResult<(Job, bool)> {
        let expected = version.revision;
        let transition = job.running_state.map(|to| Transition {
            connector_id: job.connector_id,
            version: job.version,
            from: version.state,
            to,
            at: job.created_at,
            by: Actor::User { id: principal.user.id },
            job_id: Some(job.id),
            reason: Some(format!("{} started", job.stage)),
        });
        if let Some(to) = job.running_state {
            version.state = to;
        }
        version.deployment.active_job = Some(job.id);
        version.revision = expected + 1;
        version.updated_at = job.created_at;
        match self.ports.pipeline.start_job(&job, &version, expected, transition.as_ref(), idempotency_key).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists { .. }) if idempotency_key.is_some() => {
                // A concurrent request with the same key won: answer its job.
                let key = idempotency_key.unwrap_or_default();
                let original = self.ports.pipeline.job_for_idempotency_key(job.connector_id, key).await?;
                let found = match original {
                    Some(id) => self.ports.pipeline.get_job(id).await?,
                    None => None,
                };
                return found.map(|j| (j, false)).ok_or_else(|| AppError::Unavailable { message: "idempotency key without job".into(), retryable: true });
            }
            Err(StoreError::Conflict { current }) => {
                // Someone else changed the version since it was read (another trigger, an edit).
                let state = self.ports.connectors.get_version(job.connector_id, job.version).await?.map(|v| v.state).unwrap_or(job.from_state);
                return Err(AppError::TransitionRunning { state, current_revision: current });
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(connector_id = %job.connector_id, version = job.version, job_id = %job.id, stage = %job.stage, "job started");
        let message = StageMessage { job_id: job.id, connector_id: job.connector_id, version: job.version, stage: job.stage };
        if let Err(e) = self.ports.queue.send(&message).await {
            // The job is recorded; recovery re-sends messages of pending jobs.
            tracing::warn!(connector_id = %job.connector_id, version = job.version, job_id = %job.id, error = %e, "enqueue failed; recovery will resend");
        }
        Ok((job, true))
    }

    fn check_no_step_running(&self, version: &Version) -> AppResult<()> {
        if version.state.is_transitional() || version.deployment.active_job.is_some() {
            return Err(AppError::TransitionRunning { state: version.state, current_revision: version.revision });
        }
        Ok(())
    }

    fn check_can_start(&self, connector: &Connector, version: &Version, stage: Stage) -> AppResult<()> {
        self.check_no_step_running(version)?;
        if let Err(message) = stage.check_start(version.state, version.deployment.production.is_some()) {
            return Err(AppError::TransitionNotAllowed { message, state: version.state });
        }
        if stage == Stage::Build {
            let missing = incomplete_required_steps(connector.connector_type, &version.config);
            if !missing.is_empty() {
                let mut errors = ValidationErrors::new();
                for s in missing {
                    errors.push(
                        format!("steps.{}", s.step.as_str()),
                        "incomplete",
                        format!("the {} step is incomplete: {}", s.title, s.missing.join(", ")),
                    );
                }
                return Err(errors.into());
            }
        }
        Ok(())
    }

    async fn check_params(&self, version: &Version, params: &JobParams) -> AppResult<()> {
        match params {
            JobParams::SyncProd { targets } => {
                if targets.is_empty() {
                    return Err(ValidationErrors::single("targets", "required", "choose at least one account, project or site as the production target").into());
                }
                self.check_directory_ids("targets", targets).await
            }
            JobParams::Access { change: AccessChange::Grant { grants } } => {
                self.check_directory_ids("grants", grants).await?;
                let production = version.deployment.production.as_ref().expect("checked by check_start");
                let sites = self.ports.directory.sites().await?;
                let projects = self.ports.directory.projects().await?;
                within_targets(grants, &production.targets, &sites, &projects)
                    .map_err(|m| AppError::from(ValidationErrors::single("grants", "outside_targets", m)))
            }
            JobParams::Rollback { release_id, reason } => {
                let mut errors = ValidationErrors::new();
                devportal_domain::validation::check_line(&mut errors, "reason", reason, true, 500);
                let d = &version.deployment;
                match d.releases.iter().find(|r| &r.release_id == release_id) {
                    None => errors.push("release_id", "unknown", format!("version {} has no production release `{release_id}`", version.number)),
                    Some(_) if d.production.as_ref().is_some_and(|p| &p.release_id == release_id) => {
                        errors.push("release_id", "already_live", "that release is the one in production now")
                    }
                    Some(_) => {}
                }
                if d.production.is_none() {
                    errors.push("release_id", "no_production", "the version has no production release to roll back");
                }
                errors.finish(()).map_err(Into::into)
            }
            _ => Ok(()),
        }
    }

    async fn check_directory_ids(&self, field: &str, t: &Targets) -> AppResult<()> {
        let accounts = self.ports.directory.accounts().await?;
        let projects = self.ports.directory.projects().await?;
        let sites = self.ports.directory.sites().await?;
        let mut errors = ValidationErrors::new();
        for (i, a) in t.accounts.iter().enumerate() {
            if !accounts.iter().any(|x| &x.id == a) {
                errors.push(format!("{field}.accounts[{i}]"), "unknown", format!("no account `{a}`"));
            }
        }
        for (i, p) in t.projects.iter().enumerate() {
            if !projects.iter().any(|x| &x.id == p) {
                errors.push(format!("{field}.projects[{i}]"), "unknown", format!("no project `{p}`"));
            }
        }
        for (i, s) in t.sites.iter().enumerate() {
            if !sites.iter().any(|x| &x.id == s) {
                errors.push(format!("{field}.sites[{i}]"), "unknown", format!("no site `{s}`"));
            }
        }
        errors.finish(()).map_err(Into::into)
    }

    /// The job, if the caller may see its connector.
    pub async fn job(&self, principal: &Principal, id: JobId) -> AppResult<Job> {
        let job = self.ports.pipeline.get_job(id).await?.ok_or_else(|| AppError::NotFound(format!("job {id} not found")))?;
        self.connector(principal, job.connector_id).await.map_err(|_| AppError::NotFound(format!("job {id} not found")))?;
        Ok(job)
    }

    pub async fn jobs(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<Vec<Job>> {
        let (_, version) = self.version(principal, id, selector).await?;
        Ok(self.ports.pipeline.list_jobs(id, version.number).await?)
    }

    pub async fn job_log(&self, principal: &Principal, id: JobId, after: Option<u64>, limit: usize) -> AppResult<(Job, Vec<LogLine>)> {
        let job = self.job(principal, id).await?;
        let lines = self.ports.logs.read(id, after, limit).await?;
        Ok((job, lines))
    }

    pub async fn transitions(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<Vec<Transition>> {
        let (_, version) = self.version(principal, id, selector).await?;
        Ok(self.ports.pipeline.list_transitions(id, version.number).await?)
    }

    /// Cancels a pending or running job; the version returns to the state it had before.
    pub async fn cancel_job(&self, principal: &Principal, id: JobId) -> AppResult<Job> {
        let job = self.job(principal, id).await?;
        if job.status.is_finished() {
            return Err(AppError::TransitionNotAllowed {
                message: format!("the job is already {}", serde_json::to_value(job.status).unwrap_or_default().as_str().unwrap_or("finished")),
                state: job.running_state.unwrap_or(job.from_state),
            });
        }
        let reason = format!("cancelled by {}", principal.user.email);
        match self.conclude(job, Outcome::Failed { reason, exit_code: None }, JobStatus::Cancelled, Actor::User { id: principal.user.id }).await {
            Ok(job) => Ok(job),
            Err(e) => Err(AppError::Unavailable { message: e.reason, retryable: e.retryable }),
        }
    }

    /// Starts the stage of a failed or cancelled job again, with the same parameters.
    pub async fn retry_job(&self, principal: &Principal, id: JobId) -> AppResult<Job> {
        let old = self.job(principal, id).await?;
        if !matches!(old.status, JobStatus::Failed | JobStatus::Cancelled) {
            return Err(AppError::TransitionNotAllowed {
                message: "only a failed or cancelled job can be retried".into(),
                state: old.running_state.unwrap_or(old.from_state),
            });
        }
        let (connector, version) = self.version(principal, old.connector_id, VersionSelector::Number(old.version)).await?;
        if matches!(old.params, JobParams::Rollback { .. }) {
            self.check_no_step_running(&version)?;
        } else {
            self.check_can_start(&connector, &version, old.stage)?;
        }
        self.check_params(&version, &old.params).await?;
        let now = Utc::now();
        let job = Job {
            id: JobId::new(),
            status: JobStatus::Pending,
            from_state: version.state,
            running_state: running_state_of(&old.params, version.state, version.deployment.production.is_some()),
            requested_by: principal.user.id,
            reason: None,
            exit_code: None,
            result: None,
            attempts: 0,
            retry_of: Some(old.id),
            created_at: now,
            started_at: None,
            finished_at: None,
            revision: 1,
            ..old
        };
        Ok(self.enqueue_new_job(principal, job, version, None).await?.0)
    }

    /// Re-sends the messages of jobs still pending that were created before `created_before`
    /// (a send that failed after the job was recorded). Duplicates are harmless: workers skip
    /// what is already done; the cut-off spares jobs whose message is simply still queued.
    pub async fn resend_pending_jobs(&self, created_before: chrono::DateTime<chrono::Utc>) -> Result<usize, WorkerError> {
        let mut n = 0;
        for job in self.ports.pipeline.unfinished_jobs().await? {
            if job.status == JobStatus::Pending && job.created_at < created_before {
                let message = StageMessage { job_id: job.id, connector_id: job.connector_id, version: job.version, stage: job.stage };
                self.ports.queue.send(&message).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Runs the job a queue message names. `Ok` means: acknowledge the message.
    pub async fn run_job(&self, message: &StageMessage) -> Result<(), WorkerError> {
        let Some(mut job) = self.ports.pipeline.get_job(message.job_id).await? else {
            tracing::warn!(job_id = %message.job_id, connector_id = %message.connector_id, version = message.version, "message for an unknown job; dropped");
            return Ok(());
        };
        if job.status.is_finished() {
            tracing::info!(job_id = %job.id, connector_id = %job.connector_id, version = job.version, "duplicate delivery of a finished job; nothing to do");
            return Ok(());
        }
        // pending → running (or running again after a worker died).
        let expected = job.revision;
        job.status = JobStatus::Running;
        job.attempts += 1;
        job.started_at.get_or_insert_with(Utc::now);
        job.revision = expected + 1;
        match self.ports.pipeline.update_job(&job, expected).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                // Cancelled or finished by someone else meanwhile: look again next delivery.
                return Err(WorkerError { reason: "job changed while starting; will look again".into(), retryable: true });
            }
            Err(e) => return Err(e.into()),
        }
        let span = tracing::info_span!("job", job_id = %job.id, connector_id = %job.connector_id, version = job.version, stage = %job.stage, attempt = job.attempts);
        let _enter = span.enter();
        let log = JobLog { app: self.clone(), job: job.id };
        log.line(LogStream::System, &format!("== {} (attempt {}) ==", job.stage, job.attempts)).await;

        let cancelled = Arc::new(AtomicBool::new(false));
        let watcher = self.watch_cancellation(job.id, cancelled.clone());
        let outcome = self.perform(&job, &log, &CancelFlag(cancelled.clone())).await;
        watcher.abort();
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) if e.retryable => {
                log.line(LogStream::System, &format!("temporary failure, will retry: {}", e.reason)).await;
                return Err(e);
            }
            Err(e) => Outcome::Failed { reason: e.reason, exit_code: None },
        };
        let status = match &outcome {
            Outcome::Done { .. } => JobStatus::Done,
            Outcome::Failed { .. } => JobStatus::Failed,
        };
        match &outcome {
            Outcome::Done { .. } => log.line(LogStream::System, &format!("{} succeeded", job.stage)).await,
            Outcome::Failed { reason, .. } => log.line(LogStream::System, &format!("{} failed: {reason}", job.stage)).await,
        }
        self.conclude(job, outcome, status, Actor::System).await.map(|_| ())
    }

    /// Gives up on a job whose retries are exhausted: failed, version back to its previous state.
    pub async fn give_up(&self, message: &StageMessage, reason: &str) -> Result<(), WorkerError> {
        let Some(job) = self.ports.pipeline.get_job(message.job_id).await? else { return Ok(()) };
        if job.status.is_finished() {
            return Ok(());
        }
        let reason = format!("gave up after {} attempts: {reason}", job.attempts);
        self.conclude(job, Outcome::Failed { reason, exit_code: None }, JobStatus::Failed, Actor::System).await.map(|_| ())
    }

    fn watch_cancellation(&self, job: JobId, flag: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if let Ok(Some(j)) = app.ports.pipeline.get_job(job).await {
                    if j.status == JobStatus::Cancelled {
                        flag.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        })
    }

    /// The stage's work. `Err` only for failures of the pipeline's own dependencies.
    async fn perform(&self, job: &Job, log: &JobLog, cancel: &CancelFlag) -> Result<Outcome, WorkerError> {
        let version = self
            .ports
            .connectors
            .get_version(job.connector_id, job.version)
            .await?
            .ok_or_else(|| WorkerError { reason: "the version no longer exists".into(), retryable: false })?;
        let stage_failure = |f: StageFailure| -> Result<Outcome, WorkerError> {
            if f.retryable {
                Err(WorkerError { reason: f.reason, retryable: true })
            } else {
                Ok(Outcome::Failed { reason: f.reason, exit_code: None })
            }
        };
        match &job.params {
            JobParams::Build => self.perform_build(job, &version, log, cancel).await,
            JobParams::SyncRuntime => {
                let Some(build) = &version.deployment.build else {
                    return Ok(Outcome::Failed { reason: "no built image to register".into(), exit_code: None });
                };
                log.line(LogStream::System, &format!("registering {} with the runtime", build.digest)).await;
                match self.ports.runtime.register(job.connector_id, job.version, &build.digest, &build.image_ref).await {
                    Ok(reference) => {
                        log.line(LogStream::System, &format!("registered as {reference}")).await;
                        Ok(Outcome::Done { result: serde_json::json!({"runtime_ref": reference, "digest": build.digest}) })
                    }
                    Err(f) => stage_failure(f),
                }
            }
            JobParams::SyncDev => {
                let Some(digest) = version.deployment.runtime_digest.clone() else {
                    return Ok(Outcome::Failed { reason: "the image is not registered with the runtime".into(), exit_code: None });
                };
                log.line(LogStream::System, "1/3 ensuring the dev site").await;
                let (account, project, site) = match self.ports.directory.ensure_dev_site(job.connector_id, job.version).await {
                    Ok(x) => x,
                    Err(f) => return stage_failure(f),
                };
                log.line(LogStream::System, &format!("dev site {} in project {} of account {}", site.id, project.id, account.id)).await;
                log.line(LogStream::System, "2/3 installing the connector on the dev platform").await;
                let installation = match self.ports.directory.install(job.connector_id, job.version, &digest).await {
                    Ok(i) => i,
                    Err(f) => return stage_failure(f),
                };
                log.line(LogStream::System, &format!("installation {installation}")).await;
                log.line(LogStream::System, "3/3 assigning it to the dev site").await;
                if let Err(f) = self.ports.directory.assign(&site.id, &installation).await {
                    return stage_failure(f);
                }
                let dev = DevDeployment { account_id: account.id, project_id: project.id, site_id: site.id, installation_id: installation, digest };
                Ok(Outcome::Done { result: serde_json::to_value(&dev).unwrap_or_default() })
            }
            JobParams::SyncProd { targets } => {
                let (Some(dev), Some(build)) = (&version.deployment.dev, &version.deployment.build) else {
                    return Ok(Outcome::Failed { reason: "nothing was synchronized to dev".into(), exit_code: None });
                };
                // Production promotes exactly what dev ran, with the configuration of now.
                let release = ProductionRelease {
                    release_id: uuid::Uuid::now_v7().to_string(),
                    job_id: job.id,
                    digest: dev.digest.clone(),
                    commit: build.commit.clone(),
                    configuration: serde_json::to_value(&version.config).unwrap_or_default(),
                    targets: targets.clone(),
                    released_at: Utc::now(),
                };
                log.line(LogStream::System, &format!("production release {} of {} within {:?}", release.release_id, release.digest, targets)).await;
                Ok(Outcome::Done { result: serde_json::to_value(&release).unwrap_or_default() })
            }
            JobParams::Access { change } => {
                log.line(LogStream::System, &format!("access change: {}", serde_json::to_string(change).unwrap_or_default())).await;
                Ok(Outcome::Done { result: serde_json::to_value(change).unwrap_or_default() })
            }
            JobParams::Rollback { release_id, reason } => {
                let Some(release) = version.deployment.releases.iter().find(|r| &r.release_id == release_id) else {
                    return Ok(Outcome::Failed { reason: format!("release {release_id} no longer exists"), exit_code: None });
                };
                log.line(LogStream::System, &format!("rolling production back to release {release_id} ({}): {reason}", release.digest)).await;
                Ok(Outcome::Done { result: serde_json::to_value(release).unwrap_or_default() })
            }
        }
    }

    async fn perform_build(&self, job: &Job, version: &Version, log: &JobLog, cancel: &CancelFlag) -> Result<Outcome, WorkerError> {
        let failed = |kind: BuildFailureKind, reason: String| Ok(Outcome::Failed { reason: format!("{}: {reason}", kind_label(kind)), exit_code: None });
        let (Some(vcs), Some(application)) = (&version.config.vcs, &version.config.application) else {
            return failed(BuildFailureKind::MissingCredentials, "the version control and application steps must be saved".into());
        };
        let credential_ref = match vcs.authorization {
            Authorization::Public => None,
            Authorization::Basic => vcs.token.clone(),
            Authorization::DeployKey => vcs.deploy_key.as_ref().map(|k| k.private.clone()),
        };
        let credentials = match vcs.authorization {
            Authorization::Public => GitCredentials::None,
            Authorization::Basic => match (&vcs.username, &vcs.token) {
                (Some(u), Some(r)) => match self.ports.secrets.get(r).await? {
                    Some(token) => GitCredentials::Basic { username: u.clone(), token },
                    None => return failed(BuildFailureKind::MissingCredentials, "the stored Git token is missing; save it again".into()),
                },
                _ => return failed(BuildFailureKind::MissingCredentials, "basic authorization needs a username and a token".into()),
            },
            Authorization::DeployKey => match &vcs.deploy_key {
                Some(k) => match self.ports.secrets.get(&k.private).await? {
                    Some(private_key) => GitCredentials::DeployKey { private_key },
                    None => return failed(BuildFailureKind::MissingCredentials, "the stored deploy key is missing; save the step again".into()),
                },
                None => return failed(BuildFailureKind::MissingCredentials, "no deploy key was generated".into()),
            },
        };
        let request = BuildRequest {
            job_id: job.id,
            connector_id: job.connector_id,
            version: job.version,
            url: vcs.url.clone(),
            branch: vcs.branch.clone(),
            credentials,
            credential_ref,
            health_check_argv: application.health_check_argv(),
            health_check_timeout: HEALTH_CHECK_TIMEOUT,
        };
        match self.ports.builder.build(&request, log, cancel).await {
            Ok(image) => Ok(Outcome::Done { result: serde_json::to_value(&image).unwrap_or_default() }),
            Err(f) if f.retryable => Err(WorkerError { reason: f.reason, retryable: true }),
            Err(f) => Ok(Outcome::Failed { reason: format!("{}: {}", kind_label(f.kind), f.reason), exit_code: f.exit_code }),
        }
    }

    /// Records the end of a job together with the version change and the transition, once.
    async fn conclude(&self, mut job: Job, outcome: Outcome, status: JobStatus, by: Actor) -> Result<Job, WorkerError> {
        for _ in 0..5 {
            let current_job = self.ports.pipeline.get_job(job.id).await?.unwrap_or(job.clone());
            if current_job.status.is_finished() {
                return Ok(current_job);
            }
            job = current_job;
            let Some(mut version) = self.ports.connectors.get_version(job.connector_id, job.version).await? else {
                return Err(WorkerError { reason: "the version no longer exists".into(), retryable: false });
            };
            let expected_job = job.revision;
            let expected_version = version.revision;
            let now = Utc::now();
            job.status = status;
            job.finished_at = Some(now);
            job.revision = expected_job + 1;
            let mut catalog = None;
            let owns_version = version.deployment.active_job == Some(job.id);
            let before = version.state;
            match &outcome {
                Outcome::Done { result } => {
                    job.result = Some(result.clone());
                    if owns_version {
                        self.apply_success(&job, &mut version, result, &mut catalog).await?;
                        if let Some(s) = job.stage.success_state() {
                            version.state = s;
                        }
                    }
                }
                Outcome::Failed { reason, exit_code } => {
                    job.reason = Some(reason.clone());
                    job.exit_code = *exit_code;
                    if owns_version {
                        version.state = job.from_state;
                    }
                }
            }
            if owns_version {
                version.deployment.active_job = None;
            }
            version.revision = expected_version + 1;
            version.updated_at = now;
            // A rollback changes production, not the state: its history entry names who and why.
            let rolled_back = matches!(job.params, JobParams::Rollback { .. }) && status == JobStatus::Done;
            let transition = (owns_version && (version.state != before || rolled_back)).then(|| Transition {
                connector_id: job.connector_id,
                version: job.version,
                from: before,
                to: version.state,
                at: now,
                by: if rolled_back { Actor::User { id: job.requested_by } } else { by.clone() },
                job_id: Some(job.id),
                reason: Some(match (&outcome, &job.params) {
                    (Outcome::Done { .. }, JobParams::Rollback { release_id, reason }) => {
                        format!("production rolled back to release {release_id}: {reason}")
                    }
                    (Outcome::Done { .. }, _) => format!("{} succeeded", job.stage),
                    (Outcome::Failed { reason, .. }, _) => reason.clone(),
                }),
            });
            match self.ports.pipeline.finish_job(&job, expected_job, &version, expected_version, transition.as_ref(), catalog.as_ref()).await {
                Ok(()) => {
                    tracing::info!(job_id = %job.id, connector_id = %job.connector_id, version = job.version, status = ?job.status, state = %version.state, "job finished");
                    if matches!(job.stage, Stage::Access | Stage::SyncProd) && status == JobStatus::Done {
                        self.refresh_connector_flags(job.connector_id).await;
                    }
                    return Ok(job);
                }
                Err(StoreError::Conflict { .. }) => continue, // re-read and decide again
                Err(e) => return Err(e.into()),
            }
        }
        Err(WorkerError { reason: "the job kept changing while finishing".into(), retryable: true })
    }

    async fn apply_success(
        &self,
        job: &Job,
        version: &mut Version,
        result: &serde_json::Value,
        catalog: &mut Option<CatalogEntry>,
    ) -> Result<(), WorkerError> {
        let d = &mut version.deployment;
        match &job.params {
            JobParams::Build => {
                d.build = serde_json::from_value(result.clone()).ok();
                // A new image must be registered and deployed to dev again; production stays.
                d.runtime_ref = None;
                d.runtime_digest = None;
                d.dev = None;
            }
            JobParams::SyncRuntime => {
                d.runtime_ref = result["runtime_ref"].as_str().map(str::to_string);
                d.runtime_digest = result["digest"].as_str().map(str::to_string);
            }
            JobParams::SyncDev => d.dev = serde_json::from_value(result.clone()).ok(),
            JobParams::SyncProd { .. } => {
                let release: ProductionRelease = serde_json::from_value(result.clone())
                    .map_err(|e| WorkerError { reason: format!("bad release record: {e}"), retryable: false })?;
                // Grants that fall outside new targets are dropped.
                let sites = self.ports.directory.sites().await?;
                let projects = self.ports.directory.projects().await?;
                if within_targets(&d.access.grants, &release.targets, &sites, &projects).is_err() {
                    d.access.grants = Targets::default();
                }
                d.releases.push(release.clone());
                d.production = Some(release);
            }
            JobParams::Rollback { .. } => {
                let release: ProductionRelease = serde_json::from_value(result.clone())
                    .map_err(|e| WorkerError { reason: format!("bad release record: {e}"), retryable: false })?;
                let sites = self.ports.directory.sites().await?;
                let projects = self.ports.directory.projects().await?;
                if within_targets(&d.access.grants, &release.targets, &sites, &projects).is_err() {
                    d.access.grants = Targets::default();
                }
                d.production = Some(release);
            }
            JobParams::Access { change } => match change {
                AccessChange::Grant { grants } => d.access.grants = grants.clone(),
                AccessChange::Release => {
                    d.access.released = true;
                    d.access.unreleased = false;
                    d.access.grants = Targets::default();
                }
                AccessChange::Unrelease => d.access.unreleased = true,
            },
        }
        if let Some(release) = &d.production {
            *catalog = Some(CatalogEntry { connector_id: job.connector_id, version: job.version, release: release.clone(), access: d.access.clone() });
        }
        Ok(())
    }

    /// Keeps the connector's `released` flag (a list filter) in step with its versions, and
    /// makes the first version released to production the main version.
    pub(crate) async fn refresh_connector_flags(&self, id: ConnectorId) {
        for _ in 0..5 {
            let Ok(Some(mut c)) = self.ports.connectors.get_connector(id).await else { return };
            let Ok(versions) = self.ports.connectors.list_versions(id).await else { return };
            let released = versions.iter().any(|v| v.deployment.access.released && !v.deployment.access.unreleased);
            let main = c.main_version.filter(|m| versions.iter().any(|v| v.number == *m && v.deployment.production.is_some()));
            let main = main.or_else(|| versions.iter().find(|v| v.deployment.production.is_some()).map(|v| v.number));
            if c.released == released && c.main_version == main {
                return;
            }
            let expected = c.revision;
            c.released = released;
            c.main_version = main;
            c.revision = expected + 1;
            match self.ports.connectors.update_connector(&c, expected).await {
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => {
                    tracing::warn!(connector_id = %id, error = %e, "could not update the released flag");
                    return;
                }
                Ok(()) => return,
            }
        }
    }
}

/// The version's state while a job runs (`None`: the job changes no state).
fn running_state_of(params: &JobParams, state: devportal_domain::version::VersionState, has_production: bool) -> Option<devportal_domain::version::VersionState> {
    match params {
        JobParams::Rollback { .. } => None,
        p => p.stage().running_state(state, has_production),
    }
}

fn kind_label(kind: BuildFailureKind) -> &'static str {
    match kind {
        BuildFailureKind::MissingCredentials => "missing Git credentials",
        BuildFailureKind::CloneFailed => "git clone failed",
        BuildFailureKind::DockerfileMissing => "Dockerfile missing",
        BuildFailureKind::DockerfileInvalid => "Dockerfile invalid",
        BuildFailureKind::ImageBuildFailed => "image build failed",
        BuildFailureKind::HealthCheckTimedOut => "health check timed out",
        BuildFailureKind::HealthCheckFailed => "health check failed",
        BuildFailureKind::PushFailed => "push failed",
        BuildFailureKind::Internal => "builder failure",
        BuildFailureKind::Cancelled => "cancelled",
    }
}

/// One entry of `GET /catalog`: a released or granted version and its end-user form.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CatalogItem {
    pub connector_id: ConnectorId,
    pub version: u32,
    /// "Name vN", as end-users see it.
    pub title: String,
    #[serde(rename = "type")]
    pub connector_type: devportal_domain::connector::ConnectorType,
    pub readme: String,
    pub release_id: String,
    pub digest: String,
    /// The end-user form of the released configuration.
    pub form: Vec<devportal_domain::wizard::individual::FormField>,
}

/// The platform directory, for choosing targets and grants.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DirectoryView {
    pub accounts: Vec<devportal_domain::pipeline::Account>,
    pub projects: Vec<devportal_domain::pipeline::Project>,
    pub sites: Vec<devportal_domain::pipeline::Site>,
}

impl App {
    pub async fn directory(&self) -> AppResult<DirectoryView> {
        Ok(DirectoryView {
            accounts: self.ports.directory.accounts().await?,
            projects: self.ports.directory.projects().await?,
            sites: self.ports.directory.sites().await?,
        })
    }

    /// What end-users at a site (or in a project or account) may use, from the live
    /// production releases only.
    pub async fn catalog(&self, account: Option<&str>, project: Option<&str>, site: Option<&str>) -> AppResult<Vec<CatalogItem>> {
        if account.is_none() && project.is_none() && site.is_none() {
            return Err(ValidationErrors::single("site_id", "required", "name an `account_id`, `project_id` or `site_id`").into());
        }
        let dir = self.directory().await?;
        let site = match site {
            Some(s) => Some(dir.sites.iter().find(|x| x.id == s).ok_or_else(|| ValidationErrors::single("site_id", "unknown", format!("no site `{s}`")))?),
            None => None,
        };
        let project = match project {
            Some(p) => Some(dir.projects.iter().find(|x| x.id == p).ok_or_else(|| ValidationErrors::single("project_id", "unknown", format!("no project `{p}`")))?),
            None => None,
        };
        if let Some(a) = account {
            if !dir.accounts.iter().any(|x| x.id == a) {
                return Err(ValidationErrors::single("account_id", "unknown", format!("no account `{a}`")).into());
            }
        }
        let mut items = vec![];
        for entry in self.ports.pipeline.catalog().await? {
            if !devportal_domain::pipeline::visible_at(&entry.release.targets, &entry.access, site, project, account) {
                continue;
            }
            let Some(connector) = self.ports.connectors.get_connector(entry.connector_id).await? else { continue };
            if connector.is_binned() {
                continue; // binned connectors are invisible everywhere
            }
            let config: devportal_domain::wizard::VersionConfig = serde_json::from_value(entry.release.configuration.clone()).unwrap_or_default();
            items.push(CatalogItem {
                connector_id: entry.connector_id,
                version: entry.version,
                title: format!("{} v{}", connector.name, entry.version),
                connector_type: connector.connector_type,
                readme: connector.readme.clone(),
                release_id: entry.release.release_id.clone(),
                digest: entry.release.digest.clone(),
                form: config.individual.fields,
            });
        }
        Ok(items)
    }

    /// Dead-lettered queue messages of the caller's connectors.
    pub async fn dead_letters(&self, principal: &Principal) -> AppResult<Vec<devportal_domain::ports::DeadLetter>> {
        let mut out = vec![];
        for d in self.ports.queue.dead_letters().await? {
            if self.connector(principal, d.connector_id).await.is_ok() {
                out.push(d);
            }
        }
        Ok(out)
    }
}
