//! Jobs, job logs, transitions and dead letters as the API answers them (host paths and
//! secret references never shown).

use super::*;

impl App {
    /// The job, if the caller may see its connector.
    pub async fn job(&self, principal: &Principal, id: JobId) -> AppResult<Job> {
        let job = self.ports.pipeline.get_job(id).await?.ok_or_else(|| AppError::NotFound(format!("job {id} not found")))?;
        self.connector(principal, job.connector_id).await.map_err(|_| AppError::NotFound(format!("job {id} not found")))?;
        Ok(job)
    }

    pub async fn jobs(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<Vec<JobView>> {
        let (_, version) = self.version(principal, id, selector).await?;
        Ok(self.ports.pipeline.list_jobs(id, version.number).await?.into_iter().map(|j| self.public_job(j)).collect())
    }

    pub async fn job_log(&self, principal: &Principal, id: JobId, after: Option<u64>, limit: usize) -> AppResult<(JobView, Vec<LogLine>)> {
        let job = self.job(principal, id).await?;
        let mut lines = self.ports.logs.read(id, after, limit).await?;
        for line in &mut lines {
            line.text = self.redact_host_paths(&line.text);
        }
        Ok((self.public_job(job), lines))
    }

    pub async fn transitions(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<Vec<Transition>> {
        let (_, version) = self.version(principal, id, selector).await?;
        let mut transitions = self.ports.pipeline.list_transitions(id, version.number).await?;
        for t in &mut transitions {
            t.reason = t.reason.as_deref().map(|r| self.redact_host_paths(r));
        }
        Ok(transitions)
    }

    /// A job as answers show it: the host's data directory hidden in its result and reason,
    /// and a release's configuration snapshot shown as the wizard shows configuration
    /// (secrets as flags, never their references).
    pub fn public_job(&self, mut job: Job) -> JobView {
        job.reason = job.reason.as_deref().map(|r| self.redact_host_paths(r));
        if let Some(result) = job.result.as_mut() {
            if let Some(snapshot) = result.get_mut("configuration") {
                let view = crate::views::ConfigurationView::of_snapshot(snapshot);
                *snapshot = serde_json::to_value(view).unwrap_or_default();
            }
            self.redact_json(result);
        }
        JobView::from(job)
    }

    fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.redact_host_paths(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
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
