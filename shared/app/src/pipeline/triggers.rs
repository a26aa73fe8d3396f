//! Starting, cancelling and retrying stages: each start records a pending job and the version's
//! running state in one write, then enqueues the job's message.

use super::*;

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
            devportal_domain::idempotency::IdempotencyKey::parse(key)?;
        }
        let (connector, version) = self.version(principal, id, selector).await?;
        if let Some(key) = idempotency_key {
            if let Some(existing) = self.ports.pipeline.job_for_idempotency_key(id, key, Utc::now()).await? {
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
        self.check_params(principal, &version, &params).await?;
        let job = pending_job(&params, &version, principal, Utc::now());
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
            by: Actor::User { id: principal.user().id },
            job_id: Some(job.id),
            reason: Some(format!("{} started", job.stage)),
        });
        if let Some(to) = job.running_state {
            version.state = to;
        }
        version.deployment.active_job = Some(job.id);
        version.revision = expected + 1;
        version.updated_at = job.created_at;
        match self
            .ports
            .pipeline
            .start_job(&job, &version, expected, transition.as_ref(), idempotency_key.map(|k| KeyClaim::new(k, job.created_at)))
            .await
        {
            Ok(()) => {}
            Err(StoreError::AlreadyExists { .. }) if idempotency_key.is_some() => {
                // A concurrent request with the same key won: answer its job.
                let key = idempotency_key.unwrap_or_default();
                let original = self.ports.pipeline.job_for_idempotency_key(job.connector_id, key, Utc::now()).await?;
                let found = match original {
                    Some(id) => self.ports.pipeline.get_job(id).await?,
                    None => None,
                };
                return found
                    .map(|j| (j, false))
                    .ok_or_else(|| AppError::Unavailable { message: "idempotency key without job".into(), retryable: true });
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

    async fn check_params(&self, principal: &Principal, version: &Version, params: &JobParams) -> AppResult<()> {
        match params {
            JobParams::SyncProd { targets } => {
                if targets.is_empty() {
                    return Err(ValidationErrors::single(
                        "targets",
                        "required",
                        "choose at least one account, project or site as the production target",
                    )
                    .into());
                }
                self.check_directory_ids(principal, "targets", targets).await
            }
            JobParams::Access { change: AccessChange::Grant { grants } } => {
                self.check_directory_ids(principal, "grants", grants).await?;
                let production = version.deployment.production.as_ref().expect("checked by check_start");
                let (sites, projects) = self.parents_of(grants).await?;
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

    /// Cancels a pending or running job; the version returns to the state it had before.
    pub async fn cancel_job(&self, principal: &Principal, id: JobId) -> AppResult<Job> {
        let job = self.job(principal, id).await?;
        if job.status.is_finished() {
            return Err(AppError::TransitionNotAllowed {
                message: format!("the job is already {}", serde_json::to_value(job.status).unwrap_or_default().as_str().unwrap_or("finished")),
                state: job.running_state.unwrap_or(job.from_state),
            });
        }
        let reason = format!("cancelled by {}", principal.user().email);
        match self.conclude(job, Outcome::Failed { reason, exit_code: None }, JobStatus::Cancelled, Actor::User { id: principal.user().id }).await {
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
        self.check_params(principal, &version, &old.params).await?;
        let job = Job { retry_of: Some(old.id), ..pending_job(&old.params, &version, principal, Utc::now()) };
        Ok(self.enqueue_new_job(principal, job, version, None).await?.0)
    }

    /// Re-sends the messages of jobs still pending that were created before `created_before`
    /// (a send that failed after the job was recorded). Duplicates are harmless: workers skip
    /// what is already done; the cut-off spares jobs whose message is simply still queued.
    pub async fn resend_pending_jobs(&self, created_before: chrono::DateTime<chrono::Utc>) -> Result<usize, WorkerError> {
        let mut n = 0;
        for job in self.ports.pipeline.unfinished_jobs().await? {
            let lost_pending = job.status == JobStatus::Pending && job.created_at < created_before;
            // A running job is re-sent only once its worker's lease ran out long ago (a live
            // or local worker holds no expired lease); one without a lease is a local host's.
            let lease_expired = job.status == JobStatus::Running && job.lease.as_ref().is_some_and(|l| l.until < created_before);
            if lost_pending || lease_expired {
                let message = StageMessage { job_id: job.id, connector_id: job.connector_id, version: job.version, stage: job.stage };
                self.ports.queue.send(&message).await?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The version's state while a job runs (`None`: the job changes no state).
fn running_state_of(
    params: &JobParams,
    state: devportal_domain::version::VersionState,
    has_production: bool,
) -> Option<devportal_domain::version::VersionState> {
    match params {
        JobParams::Rollback { .. } => None,
        p => p.stage().running_state(state, has_production),
    }
}

/// A new pending job of `params` on `version`, requested by `principal` at `now`.
fn pending_job(params: &JobParams, version: &Version, principal: &Principal, now: chrono::DateTime<Utc>) -> Job {
    Job {
        id: JobId::new(),
        connector_id: version.connector_id,
        version: version.number,
        stage: params.stage(),
        status: JobStatus::Pending,
        params: params.clone(),
        from_state: version.state,
        running_state: running_state_of(params, version.state, version.deployment.production.is_some()),
        requested_by: principal.user().id,
        reason: None,
        exit_code: None,
        result: None,
        attempts: 0,
        retry_of: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        revision: 1,
        lease: None,
        remote_build: None,
    }
}
