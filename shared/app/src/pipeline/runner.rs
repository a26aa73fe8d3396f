//! Running a job when its queue message arrives: lease, perform the stage's work, record the
//! typed result on the version (`Deployment::apply`) with the transition and the catalog entry,
//! once, whatever the number of deliveries.

use super::*;
use crate::rewrite::{until_written, Tried};

impl App {
    /// Runs the job a queue message names. `Ok` means: acknowledge the message.
    pub async fn run_job(&self, message: &StageMessage) -> Result<(), WorkerError> {
        self.run_job_until(message, None).await
    }

    /// [`App::run_job`] with a time budget (a stage function's): the job is leased to this call
    /// until `deadline` plus [`LEASE_MARGIN`], so another delivery meanwhile leaves it alone, and
    /// a build stops waiting at `deadline` (retryable: the next delivery re-attaches to it).
    pub async fn run_job_until(&self, message: &StageMessage, deadline: Option<std::time::Instant>) -> Result<(), WorkerError> {
        let Some(mut job) = self.ports.pipeline.get_job(message.job_id).await? else {
            tracing::warn!(job_id = %message.job_id, connector_id = %message.connector_id, version = message.version, "message for an unknown job; dropped");
            return Ok(());
        };
        if job.status.is_finished() {
            tracing::info!(job_id = %job.id, connector_id = %job.connector_id, version = job.version, "duplicate delivery of a finished job; nothing to do");
            return Ok(());
        }
        let now = Utc::now();
        if let Some(lease) = live_lease(&job, now) {
            tracing::info!(job_id = %job.id, owner = %lease.owner, until = %lease.until, "the job is leased by another delivery; later");
            return Err(WorkerError { reason: format!("another worker runs the job (lease until {})", lease.until), retryable: true });
        }
        // pending → running (or running again after a worker died or its lease expired); the
        // write is conditional on the revision read, so of two deliveries one wins.
        let expected = job.revision;
        job.status = JobStatus::Running;
        job.attempts += 1;
        job.started_at.get_or_insert_with(Utc::now);
        job.revision = expected + 1;
        job.lease = deadline.map(|d| JobLease {
            owner: uuid::Uuid::now_v7().to_string(),
            until: now + chrono::Duration::from_std(d.saturating_duration_since(std::time::Instant::now()) + LEASE_MARGIN).unwrap_or_default(),
        });
        match self.ports.pipeline.update_job(&job, expected).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                // Cancelled, finished or taken by another delivery meanwhile: look again next delivery.
                return Err(WorkerError { reason: "job changed while starting; will look again".into(), retryable: true });
            }
            Err(e) => return Err(e.into()),
        }
        let result = self.run_claimed(job.clone(), deadline).await;
        if result.as_ref().is_err_and(|e| e.retryable) {
            if let Some(lease) = &job.lease {
                self.release_lease(job.id, &lease.owner).await;
            }
        }
        result
    }

    /// Gives the job back after a retryable failure so the next delivery need not wait for the
    /// lease to run out. Kept if someone else changed the job meanwhile.
    async fn release_lease(&self, id: JobId, owner: &str) {
        let Ok(Some(mut job)) = self.ports.pipeline.get_job(id).await else { return };
        if job.lease.as_ref().is_some_and(|l| l.owner == owner) {
            job.lease = None;
            // Same revision: bookkeeping of the running job, not a change another writer must see.
            if let Err(e) = self.ports.pipeline.update_job(&job, job.revision).await {
                tracing::warn!(job_id = %id, error = %e, "could not release the job's lease; it runs out by itself");
            }
        }
    }

    async fn run_claimed(&self, job: Job, deadline: Option<std::time::Instant>) -> Result<(), WorkerError> {
        let span = tracing::info_span!("job", job_id = %job.id, connector_id = %job.connector_id, version = job.version, stage = %job.stage, attempt = job.attempts);
        let _enter = span.enter();
        let log = JobLog::start(self, job.id);
        log.line(LogStream::System, &format!("== {} (attempt {}) ==", job.stage, job.attempts)).await;

        let cancelled = Arc::new(AtomicBool::new(false));
        let watcher = self.watch_cancellation(job.id, cancelled.clone());
        let outcome = self.perform(&job, &log, &CancelFlag(cancelled.clone()), deadline).await;
        watcher.abort();
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) if e.retryable => {
                log.line(LogStream::System, &format!("temporary failure, will retry: {}", e.reason)).await;
                log.finish().await;
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
        // The whole log is stored before the job shows as finished.
        log.finish().await;
        self.conclude(job, outcome, status, Actor::System).await.map(|_| ())
    }

    /// Gives up on a job whose retries are exhausted: failed, version back to its previous state.
    pub async fn give_up(&self, message: &StageMessage, reason: &str) -> Result<(), WorkerError> {
        let Some(job) = self.ports.pipeline.get_job(message.job_id).await? else { return Ok(()) };
        if job.status.is_finished() {
            return Ok(());
        }
        // A duplicate delivery running out of attempts does not end a job another worker runs.
        if let Some(lease) = live_lease(&job, Utc::now()) {
            tracing::info!(job_id = %job.id, owner = %lease.owner, "not giving up: the job is leased by a live worker");
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
    async fn perform(&self, job: &Job, log: &JobLog, cancel: &CancelFlag, deadline: Option<std::time::Instant>) -> Result<Outcome, WorkerError> {
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
            JobParams::Build => self.perform_build(job, &version, log, cancel, deadline).await,
            JobParams::SyncRuntime => {
                let Some(build) = &version.deployment.build else {
                    return Ok(Outcome::Failed { reason: "no built image to register".into(), exit_code: None });
                };
                log.line(LogStream::System, &format!("registering {} with the runtime", build.digest)).await;
                match self.ports.runtime.register(job.connector_id, job.version, &build.digest, &build.image_ref).await {
                    Ok(reference) => {
                        log.line(LogStream::System, &format!("registered as {reference}")).await;
                        Ok(Outcome::Done { result: StageResult::Registered { runtime_ref: reference, digest: build.digest.clone() } })
                    }
                    Err(f) => stage_failure(f),
                }
            }
            JobParams::SyncDev => {
                let Some(digest) = version.deployment.runtime_digest.clone() else {
                    return Ok(Outcome::Failed { reason: "the image is not registered with the runtime".into(), exit_code: None });
                };
                log.line(LogStream::System, "1/3 ensuring the dev site").await;
                let Some(connector) = self.ports.connectors.get_connector(job.connector_id).await? else {
                    return Ok(Outcome::Failed { reason: "the connector no longer exists".into(), exit_code: None });
                };
                let (account, project, site) = match self.ports.directory.ensure_dev_site(job.connector_id, connector.owner, job.version).await {
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
                Ok(Outcome::Done { result: StageResult::DeployedToDev(dev) })
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
                    configuration: serde_json::to_value(&version.config)
                        .map_err(|e| WorkerError { reason: format!("cannot snapshot the configuration: {e}"), retryable: false })?,
                    targets: targets.clone(),
                    released_at: Utc::now(),
                };
                log.line(LogStream::System, &format!("production release {} of {} within {:?}", release.release_id, release.digest, targets)).await;
                Ok(Outcome::Done { result: StageResult::Released(release) })
            }
            JobParams::Access { change } => {
                log.line(LogStream::System, &format!("access change: {}", serde_json::to_string(change).unwrap_or_default())).await;
                Ok(Outcome::Done { result: StageResult::AccessChanged(change.clone()) })
            }
            JobParams::Rollback { release_id, reason } => {
                let Some(release) = version.deployment.releases.iter().find(|r| &r.release_id == release_id) else {
                    return Ok(Outcome::Failed { reason: format!("release {release_id} no longer exists"), exit_code: None });
                };
                log.line(LogStream::System, &format!("rolling production back to release {release_id} ({}): {reason}", release.digest)).await;
                Ok(Outcome::Done { result: StageResult::RolledBack(release.clone()) })
            }
        }
    }

    async fn perform_build(
        &self,
        job: &Job,
        version: &Version,
        log: &JobLog,
        cancel: &CancelFlag,
        deadline: Option<std::time::Instant>,
    ) -> Result<Outcome, WorkerError> {
        let failed =
            |kind: BuildFailureKind, reason: String| Ok(Outcome::Failed { reason: format!("{}: {reason}", kind_label(kind)), exit_code: None });
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
        log.protect(&vcs.url, &credentials);
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
            resume: job.remote_build.clone(),
            deadline,
        };
        match self.ports.builder.build(&request, log, cancel).await {
            Ok(image) => Ok(Outcome::Done { result: StageResult::Built(image) }),
            Err(f) if f.retryable => Err(WorkerError { reason: f.reason, retryable: true }),
            Err(f) => Ok(Outcome::Failed { reason: format!("{}: {}", kind_label(f.kind), f.reason), exit_code: f.exit_code }),
        }
    }

    /// Records the end of a job together with the version change and the transition, once.
    pub(super) async fn conclude(&self, mut job: Job, outcome: Outcome, status: JobStatus, by: Actor) -> Result<Job, WorkerError> {
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
                    job.result = Some(
                        serde_json::to_value(result)
                            .map_err(|e| WorkerError { reason: format!("cannot record the {} result: {e}", job.stage), retryable: false })?,
                    );
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

    /// Applies a finished job's result to its version (`Deployment::apply`, with the directory
    /// records of the current grants when production changes) and sets the catalog entry.
    async fn apply_success(
        &self,
        job: &Job,
        version: &mut Version,
        result: &StageResult,
        catalog: &mut Option<CatalogEntry>,
    ) -> Result<(), WorkerError> {
        let d = &mut version.deployment;
        let (sites, projects) = match &job.params {
            JobParams::SyncProd { .. } | JobParams::Rollback { .. } => self.parents_of(&d.access.grants).await?,
            _ => (vec![], vec![]),
        };
        let finished_at = job.finished_at.unwrap_or_else(Utc::now);
        d.apply(&job.params, result, job.id, finished_at, &sites, &projects)
            .map_err(|e| WorkerError { reason: format!("cannot apply the result: {e}"), retryable: false })?;
        if let Some(release) = &d.production {
            *catalog =
                Some(CatalogEntry { connector_id: job.connector_id, version: job.version, release: release.clone(), access: d.access.clone() });
        }
        Ok(())
    }

    /// Keeps the connector's `released` flag (a list filter) in step with its versions, and
    /// makes the first version released to production the main version.
    pub(crate) async fn refresh_connector_flags(&self, id: ConnectorId) {
        // Best effort: a read or write that fails is logged or left for the next refresh.
        let _best_effort: Result<Tried<()>, std::convert::Infallible> = until_written(5, || async {
            let Ok(Some(mut c)) = self.ports.connectors.get_connector(id).await else { return Ok(Tried::Done(())) };
            let Ok(versions) = self.ports.connectors.list_versions(id).await else { return Ok(Tried::Done(())) };
            let released = versions.iter().any(|v| v.deployment.access.released && !v.deployment.access.unreleased);
            let main = c.main_version.filter(|m| versions.iter().any(|v| v.number == *m && v.deployment.production.is_some()));
            let main = main.or_else(|| versions.iter().find(|v| v.deployment.production.is_some()).map(|v| v.number));
            if c.released == released && c.main_version == main {
                return Ok(Tried::Done(()));
            }
            let expected = c.revision;
            c.released = released;
            c.main_version = main;
            c.revision = expected + 1;
            match self.ports.connectors.update_connector(&c, expected).await {
                Err(StoreError::Conflict { .. }) => Ok(Tried::Stale(())),
                Err(e) => {
                    tracing::warn!(connector_id = %id, error = %e, "could not update the released flag");
                    Ok(Tried::Done(()))
                }
                Ok(()) => Ok(Tried::Done(())),
            }
        })
        .await;
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
