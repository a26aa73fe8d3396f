//! Runs (PRODUCT.md §6, §8): start a run of a version on a site, launch it on the runtime
//! (the run-launcher calls [`App::launch_run`]), apply what the runtime observed
//! ([`App::apply_observation`], out of order and at least once), store what runs say
//! ([`App::ingest`], the log-ingestion function's use case: redact, cut, number), the run
//! API a running connector calls with its own token, monitoring reads, and the reconciler
//! ([`App::reconcile_runs`]: time limits, lost launches and completions, sealed values).
//!
//! Secrets: the values a run is given (password fields, auth credentials, the run token,
//! later the vault fields) are sealed in the secret store as one JSON object referenced by
//! `Run::values_ref`; the run record holds only masked views and the token's hash. Every
//! batch of output is redacted with the run's values before it is stored.

use crate::error::{AppError, AppResult};
use crate::identity::require_write;
use crate::pipeline::WorkerError;
use crate::App;
use chrono::{DateTime, Utc};
use devportal_domain::connector::Connector;
use devportal_domain::execution::{self, RunContext, RunValues};
use devportal_domain::identity::{Principal, TokenSecret, TOKEN_PREFIX};
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::page::{decode_cursor, encode_cursor, parse_limit, Page};
use devportal_domain::pipeline::{Site, SiteKind};
use devportal_domain::ports::{KeyClaim, RunLaunch, RunSink, StageFailure, StoreError};
use devportal_domain::redact::Redactor;
use devportal_domain::run::{
    flatten_row, limits, parse_form_values, status_after, truncate_chars, IngestBatch, IngestItems, IngestReceipt, LogLevel, LogPosition, LogQuery,
    LogScope, NewLogEntry, NewStdioLine, ObservedState, OutputRow, Run, RunLogEntry, RunObservation, RunProgress, RunQuery, RunStatus, RunTrigger,
    StdStream, StdioLine, StopCause, TriggerKind,
};
use devportal_domain::secret::{SecretKind, SecretValue};
use devportal_domain::version::{Version, VersionSelector};
use devportal_domain::wizard::VersionConfig;
use devportal_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Prefix of run tokens (never valid on `/api/v1`, whose tokens are `dpt_…`).
pub const RUN_TOKEN_PREFIX: &str = "dpr_";

/// How long a queued run may wait for its launcher before the message is sent again.
const RELAUNCH_AFTER: Duration = Duration::from_secs(120);
/// A queued run that never launched in this time fails.
const GIVE_UP_QUEUED_AFTER: Duration = Duration::from_secs(3600);
/// After a stop for the time limit, how long to wait for the runtime to confirm.
const STOP_GRACE: Duration = Duration::from_secs(60);
/// How long a finished run's sealed values are kept (late output is still redacted).
const KEEP_VALUES_AFTER_END: Duration = Duration::from_secs(600);

/// `POST /sites/{site}/runs`.
#[derive(Clone, Debug)]
pub struct StartRun {
    pub connector_id: ConnectorId,
    pub version: VersionSelector,
    /// The end-user form's values by key.
    pub values: Map<String, Value>,
    /// Auth credential fields by name (the credential an end-user would choose).
    pub auth: BTreeMap<String, String>,
    /// Input rows for a test run on a dev site.
    pub test_input: Option<Vec<Value>>,
    /// Started by a person in the portal's UI (`user`), not by automation (`api`).
    pub from_ui: bool,
}

/// What the sealed `values_ref` holds.
#[derive(Serialize, Deserialize, Default)]
struct SealedValues {
    fields: BTreeMap<String, String>,
    auth: BTreeMap<String, String>,
    run_token: String,
    /// `(path, field, value)` once the launcher resolved the vault.
    #[serde(default)]
    vault: Vec<(String, String, String)>,
    /// The configuration the run was started with (secrets as references only).
    config: VersionConfig,
    execution_mode: devportal_domain::connector::ExecutionMode,
    image_ref: String,
}

impl SealedValues {
    fn run_values(&self) -> RunValues {
        RunValues {
            fields: self.fields.clone(),
            auth: self.auth.iter().map(|(k, v)| (k.clone(), SecretValue::new(v.clone()))).collect(),
            run_token: Some(SecretValue::new(self.run_token.clone())),
            vault: self.vault.iter().map(|(p, f, v)| ((p.clone(), f.clone()), SecretValue::new(v.clone()))).collect(),
        }
    }
}

/// A run as answers show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: RunId,
    /// The process id monitoring reports (set when the process started).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub process_id: Option<uuid::Uuid>,
    pub connector_id: ConnectorId,
    pub version: u32,
    pub site_id: String,
    pub site_kind: SiteKind,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub trigger: RunTrigger,
    /// The effective command line, secrets masked.
    pub command_line: String,
    pub argv: Vec<String>,
    pub environment: Vec<devportal_domain::execution::EnvVar>,
    pub reason: Option<String>,
    pub cancel_requested: bool,
    pub time_limit_secs: u64,
    pub digest: String,
    pub has_test_input: bool,
    pub progress: Option<RunProgress>,
    pub revision: u64,
}

impl RunView {
    pub fn of(run: &Run, now: DateTime<Utc>) -> Self {
        Self {
            id: run.id,
            process_id: run.process_id,
            connector_id: run.connector_id,
            version: run.version,
            site_id: run.site_id.clone(),
            site_kind: run.site_kind,
            status: run.status,
            exit_code: run.exit_code,
            created_at: run.created_at,
            started_at: run.started_at,
            finished_at: run.finished_at,
            duration_ms: run.duration_ms(now),
            trigger: run.trigger.clone(),
            command_line: run.command_line.clone(),
            argv: run.argv.clone(),
            environment: run.environment.clone(),
            reason: run.reason.clone(),
            cancel_requested: run.stop_requested == Some(StopCause::Cancelled),
            time_limit_secs: run.time_limit_secs,
            digest: run.digest.clone(),
            has_test_input: run.has_test_input,
            progress: run.progress.clone(),
            revision: run.revision,
        }
    }
}

/// Filters of `GET /runs`, as strings from the query.
#[derive(Clone, Debug, Default)]
pub struct RunFilters<'a> {
    pub connector_id: Option<&'a str>,
    pub version: Option<u32>,
    pub site_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub process_id: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub limit: Option<u32>,
    pub cursor: Option<&'a str>,
}

/// Filters of a log read, as strings from the query.
#[derive(Clone, Debug, Default)]
pub struct LogFilters<'a> {
    pub min_level: Option<&'a str>,
    pub q: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub limit: Option<u32>,
    pub cursor: Option<&'a str>,
    /// Connector-wide reads only.
    pub version: Option<u32>,
}

/// A page of log entries, with how many entries of the whole log match (first page only).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LogPage {
    pub items: Vec<RunLogEntry>,
    pub next_cursor: Option<String>,
    /// Matches in the whole log (a run's logs only; `null` across runs and on later pages).
    pub total_matches: Option<u64>,
    /// Whether `total_matches` is exact; `false` when counting a very long log stopped at its
    /// read budget and `total_matches` is a lower bound ("10 000+").
    pub total_matches_exact: Option<bool>,
}

/// The run-API call that failed, for the level-3 entry recording it.
#[derive(Clone, Copy, Debug)]
pub enum RunApiCall {
    Logs,
    Output,
    Input,
    Progress,
}

impl RunApiCall {
    fn path(self) -> &'static str {
        match self {
            Self::Logs => "POST /logs",
            Self::Output => "POST /output",
            Self::Input => "GET /input",
            Self::Progress => "POST /progress",
        }
    }
}

/// Redactors of recent runs, keyed by the sealed values they were built from.
#[derive(Default)]
pub(crate) struct RedactorCache {
    entries: Mutex<HashMap<RunId, (String, Arc<Redactor>)>>,
}

const REDACTOR_CACHE_MAX: usize = 512;

impl App {
    // -----------------------------------------------------------------------------------
    // Starting and reading runs
    // -----------------------------------------------------------------------------------

    /// Starts a run on `site_id`: the version synced to that site, with the given values.
    /// Answers the run (queued) and whether it is a replay of an `Idempotency-Key`.
    pub async fn start_run(
        &self,
        principal: &Principal,
        site_id: &str,
        input: StartRun,
        idempotency_key: Option<&str>,
    ) -> AppResult<(RunView, bool)> {
        require_write(principal)?;
        let (connector, version) = self.version(principal, input.connector_id, input.version).await?;
        if let Some(key) = idempotency_key {
            if let Some(id) = self.ports.runs.run_for_idempotency_key(connector.owner, key, Utc::now()).await? {
                let run = self.ports.runs.get_run(id).await?.ok_or_else(|| AppError::NotFound(format!("run {id} not found")))?;
                return Ok((RunView::of(&run, Utc::now()), true));
            }
        }
        let site = self.visible_site(principal, site_id).await?.ok_or_else(|| AppError::NotFound(format!("site {site_id} not found")))?;
        let (config, digest) = self.runnable_on(&connector, &version, &site).await?;
        let mut errors = ValidationErrors::new();
        let application = config.application.clone();
        if application.is_none() {
            errors.push("version", "incomplete", "the version has no application step (command) to run");
        }
        let fields = match parse_form_values(&config.individual.fields, &input.values) {
            Ok(f) => f,
            Err(e) => {
                errors.absorb("", e);
                BTreeMap::new()
            }
        };
        let known_auth: Vec<&str> = config.auth.auth_fields();
        for (k, v) in &input.auth {
            if !known_auth.contains(&k.as_str()) {
                errors.push(format!("auth.{k}"), "unknown", format!("the version has no authentication field `{k}`"));
            } else if v.len() > 64 * 1024 {
                errors.push(format!("auth.{k}"), "too_long", "at most 65536 characters");
            }
        }
        let mut input_rows = vec![];
        if let Some(rows) = &input.test_input {
            if site.kind != SiteKind::Dev {
                errors.push("test_input", "dev_site_only", "test input is only given to runs on a dev site");
            } else if rows.len() > limits::MAX_TEST_INPUT_ROWS {
                errors.push("test_input", "too_many", format!("at most {} rows", limits::MAX_TEST_INPUT_ROWS));
            } else {
                for (i, row) in rows.iter().enumerate() {
                    match row {
                        Value::Object(m) => input_rows.push(m.clone()),
                        _ => errors.push(format!("test_input[{i}]"), "invalid", "each row must be a JSON object"),
                    }
                }
            }
        }
        errors.finish(())?;
        let application = application.expect("checked above");
        let build = version.deployment.build.as_ref().filter(|b| b.digest == digest).ok_or_else(|| AppError::TransitionNotAllowed {
            message: format!("the image {digest} of version {} is no longer stored; build and sync it again", version.number),
            state: version.state,
        })?;
        let runtime_ref = version.deployment.runtime_ref.clone().unwrap_or_default();

        let id = RunId::new();
        let token = generate_run_token();
        let sealed = SealedValues {
            fields,
            auth: input.auth.clone(),
            run_token: token.clone(),
            vault: vec![],
            config: config.clone(),
            execution_mode: connector.execution_mode,
            image_ref: build.image_ref.clone(),
        };
        let plan = execution::plan(
            connector.execution_mode,
            &application,
            &config.auth,
            &config.individual,
            &self.run_context(id, &site.id, version.number),
            &sealed.run_values(),
        );
        let values_ref = self.seal_values(connector.id, &sealed).await?;
        let now = Utc::now();
        let run = Run {
            id,
            connector_id: connector.id,
            owner_org_id: connector.owner,
            version: version.number,
            site_id: site.id.clone(),
            site_kind: site.kind,
            status: RunStatus::Queued,
            exit_code: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            process_id: None,
            trigger: RunTrigger {
                kind: if input.from_ui { TriggerKind::User } else { TriggerKind::Api },
                user_id: principal.user().id,
                token_id: Some(principal.token_id()),
            },
            argv: plan.preview.argv.clone(),
            command_line: plan.preview.command_line.clone(),
            environment: plan.preview.environment.clone(),
            reason: None,
            stop_requested: None,
            time_limit_secs: self.settings.run_time_limit.as_secs(),
            digest: digest.clone(),
            runtime_ref,
            handle: None,
            observed_version: 0,
            token_hash: Some(hash_run_token(&token)),
            values_ref: Some(values_ref.clone()),
            has_test_input: input.test_input.is_some(),
            progress: None,
            revision: 1,
        };
        if !input_rows.is_empty() {
            self.ports.run_data.put_input(id, &input_rows).await?;
        }
        match self.ports.runs.create_run(&run, idempotency_key.map(|k| KeyClaim::new(k, run.created_at))).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists { .. }) if idempotency_key.is_some() => {
                // Lost a race for the same key: answer the winner's run.
                let _ = self.ports.secrets.delete(&values_ref).await;
                let winner = self.ports.runs.run_for_idempotency_key(connector.owner, idempotency_key.unwrap_or_default(), Utc::now()).await?;
                let winner = match winner {
                    Some(w) => self.ports.runs.get_run(w).await?,
                    None => None,
                };
                return winner.map(|r| (RunView::of(&r, Utc::now()), true)).ok_or_else(|| AppError::AlreadyExists("idempotency key".into()));
            }
            Err(e) => {
                let _ = self.ports.secrets.delete(&values_ref).await;
                return Err(e.into());
            }
        }
        tracing::info!(run_id = %id, connector_id = %run.connector_id, version = run.version, site_id = %run.site_id, "run queued");
        if let Err(e) = self.ports.run_queue.send_launch(id).await {
            // The record is queued: the reconciler sends the launch again.
            tracing::warn!(run_id = %id, error = %e, "could not hand the run to the launcher; the reconciler will");
        }
        Ok((RunView::of(&run, now), false))
    }

    /// What runs on `site`: the configuration and image digest of `version` there, or why not.
    async fn runnable_on(&self, connector: &Connector, version: &Version, site: &Site) -> AppResult<(VersionConfig, String)> {
        match site.kind {
            SiteKind::Dev => {
                let dev = version.deployment.dev.as_ref().filter(|d| d.site_id == site.id).ok_or_else(|| AppError::TransitionNotAllowed {
                    message: match &version.deployment.dev {
                        Some(d) => format!("version {} is synced to dev site {}, not {}", version.number, d.site_id, site.id),
                        None => format!("version {} is not synced with a dev site yet (sync with dev first)", version.number),
                    },
                    state: version.state,
                })?;
                Ok((version.config.clone(), dev.digest.clone()))
            }
            SiteKind::Production => {
                let project = self.ports.directory.project(&site.project_id).await?;
                let release = version.deployment.production.as_ref();
                let visible = release.is_some_and(|r| {
                    devportal_domain::pipeline::visible_at(
                        &r.targets,
                        &version.deployment.access,
                        Some(site),
                        project.as_ref(),
                        Some(&site.account_id),
                    )
                });
                match release {
                    Some(r) if visible && !connector.is_binned() => {
                        let config: VersionConfig = serde_json::from_value(r.configuration.clone()).unwrap_or_default();
                        Ok((config, r.digest.clone()))
                    }
                    _ => Err(AppError::TransitionNotAllowed {
                        message: format!("site {} may not use version {} (the catalog does not list it there)", site.id, version.number),
                        state: version.state,
                    }),
                }
            }
        }
    }

    fn run_context(&self, id: RunId, site_id: &str, version: u32) -> RunContext {
        RunContext { run_id: id.to_string(), site_id: site_id.to_string(), connector_version: version, run_api: self.settings.run_api_url.clone() }
    }

    /// The process a run starts, from its sealed values (`None` without an application step):
    /// the same plan for the launcher and for the redactor of its output.
    fn plan_of(&self, run: &Run, sealed: &SealedValues) -> Option<execution::RunPlan> {
        let application = sealed.config.application.as_ref()?;
        Some(execution::plan(
            sealed.execution_mode,
            application,
            &sealed.config.auth,
            &sealed.config.individual,
            &self.run_context(run.id, &run.site_id, run.version),
            &sealed.run_values(),
        ))
    }

    async fn seal_values(&self, connector: ConnectorId, sealed: &SealedValues) -> AppResult<devportal_domain::secret::SecretRef> {
        let json = serde_json::to_string(sealed)
            .map_err(|e| AppError::Unavailable { message: format!("cannot encode run values: {e}"), retryable: false })?;
        Ok(self.ports.secrets.put(SecretKind::RunValues, connector, &SecretValue::new(json)).await?)
    }

    async fn sealed_values(&self, run: &Run) -> Result<Option<SealedValues>, WorkerError> {
        let Some(reference) = &run.values_ref else { return Ok(None) };
        let Some(value) = self.ports.secrets.get(reference).await? else { return Ok(None) };
        serde_json::from_str(value.expose()).map(Some).map_err(|e| WorkerError { reason: format!("run values unreadable: {e}"), retryable: false })
    }

    /// A run of the caller's organizations (others' are not found).
    pub async fn run(&self, principal: &Principal, id: RunId) -> AppResult<Run> {
        match self.ports.runs.get_run(id).await? {
            Some(r) if principal.is_member_of(r.owner_org_id) => Ok(r),
            _ => Err(AppError::NotFound(format!("run {id} not found"))),
        }
    }

    /// The run history of the caller's organizations, newest first.
    pub async fn runs(&self, principal: &Principal, f: RunFilters<'_>) -> AppResult<Page<RunView>> {
        let mut errors = ValidationErrors::new();
        let connector_id = parse_opt(&mut errors, "connector_id", f.connector_id, "a connector id (UUID)");
        let process_id = parse_opt::<uuid::Uuid>(&mut errors, "process_id", f.process_id, "a process id (UUID)");
        let status = match f.status {
            Some(s) => RunStatus::parse(s).or_else(|| {
                errors.push("status", "invalid", "one of queued, running, succeeded, failed, cancelled, timed-out");
                None
            }),
            None => None,
        };
        let from = parse_time(&mut errors, "from", f.from);
        let to = parse_time(&mut errors, "to", f.to);
        let before = match f.cursor {
            Some(c) => decode_cursor(c).and_then(|k| k.parse::<RunId>().ok()).or_else(|| {
                errors.push("cursor", "invalid", "not a cursor this API issued");
                None
            }),
            None => None,
        };
        let limit = parse_limit(f.limit).unwrap_or_else(|e| {
            errors.absorb("", e);
            0
        });
        errors.finish(())?;
        if let Some(c) = connector_id {
            self.connector(principal, c).await?;
        }
        let query = RunQuery {
            orgs: principal.org_ids(),
            connector_id,
            version: f.version,
            site_id: f.site_id.map(str::to_string),
            status,
            process_id,
            from,
            to,
            before,
            limit,
        };
        let now = Utc::now();
        Ok(self.ports.runs.list_runs(&query).await?.map(|r| RunView::of(&r, now)))
    }

    /// Asks the runtime to stop a run; a queued run is cancelled at once.
    pub async fn cancel_run(&self, principal: &Principal, id: RunId) -> AppResult<RunView> {
        require_write(principal)?;
        let run = self.run(principal, id).await?;
        if run.status.is_final() {
            return Err(AppError::Conflict(format!("the run is already {}", run.status.as_str())));
        }
        let run = self.request_stop(run, StopCause::Cancelled, "cancelled by a user").await.map_err(worker_to_app)?;
        Ok(RunView::of(&run, Utc::now()))
    }

    /// Marks the stop on the run, then stops its process (or ends a run that never started).
    async fn request_stop(&self, run: Run, cause: StopCause, reason: &str) -> Result<Run, WorkerError> {
        let reason_text = reason.to_string();
        let updated = self
            .update_run(run.id, |r| {
                if r.status.is_final() || r.stop_requested.is_some() {
                    return false;
                }
                r.stop_requested = Some(cause);
                if r.status == RunStatus::Queued && r.handle.is_none() {
                    conclude(
                        r,
                        if cause == StopCause::TimedOut { RunStatus::TimedOut } else { RunStatus::Cancelled },
                        None,
                        Some(reason_text.clone()),
                        Utc::now(),
                    );
                }
                true
            })
            .await?;
        if let Some(handle) = updated.handle.clone().filter(|_| !updated.status.is_final()) {
            if let Err(e) = self.ports.executor.stop(updated.id, &handle, reason).await {
                tracing::warn!(run_id = %updated.id, error = %e, "stopping the run failed; the reconciler tries again");
            }
        }
        Ok(updated)
    }

    // -----------------------------------------------------------------------------------
    // The launcher, the observations, the reconciler
    // -----------------------------------------------------------------------------------

    /// Launches a queued run (the run-launcher's handler). Duplicate deliveries and runs
    /// already started or ended are skipped; retryable runtime failures are retried by the queue.
    pub async fn launch_run(&self, id: RunId) -> Result<(), WorkerError> {
        let Some(run) = self.ports.runs.get_run(id).await? else {
            return Err(WorkerError { reason: format!("run {id} does not exist"), retryable: false });
        };
        if run.status != RunStatus::Queued || run.handle.is_some() {
            tracing::debug!(run_id = %id, status = run.status.as_str(), "launch skipped: the run is not waiting");
            return Ok(());
        }
        if run.stop_requested.is_some() {
            self.update_run(id, |r| {
                conclude(r, RunStatus::Cancelled, None, Some("cancelled before it started".into()), Utc::now());
                true
            })
            .await?;
            return Ok(());
        }
        let Some(mut sealed) = self.sealed_values(&run).await? else {
            self.fail_run(id, "the run's values are gone (it was purged)").await?;
            return Ok(());
        };
        // The vault is read only now, when the run starts.
        sealed.vault.clear();
        for s in &sealed.config.auth.secrets {
            let entry = self.ports.vault.read_vault(run.owner_org_id, &s.path).await?;
            for field in &s.fields {
                match entry.as_ref().and_then(|e| e.get(field)) {
                    Some(v) => sealed.vault.push((s.path.clone(), field.clone(), v.expose().to_string())),
                    None => {
                        let reason = format!("the vault has no field `{field}` at `{}` (store it with PUT /api/v1/vault/{})", s.path, s.path);
                        self.fail_run(id, &reason).await?;
                        return Ok(());
                    }
                }
            }
        }
        let Some(plan) = self.plan_of(&run, &sealed) else {
            self.fail_run(id, "the version has no command to run").await?;
            return Ok(());
        };
        // Re-seal with the vault values, so every later batch is redacted with them too.
        let new_ref = self.seal_values(run.connector_id, &sealed).await.map_err(app_to_worker)?;
        let old_ref = run.values_ref.clone();
        let new_ref_for_update = new_ref.clone();
        let run = match self
            .update_run(id, move |r| {
                if r.status != RunStatus::Queued || r.handle.is_some() {
                    return false;
                }
                r.values_ref = Some(new_ref_for_update.clone());
                true
            })
            .await
        {
            Ok(r) if r.values_ref.as_ref() == Some(&new_ref) => r,
            other => {
                let _ = self.ports.secrets.delete(&new_ref).await;
                other?;
                return Ok(()); // someone else moved the run on
            }
        };
        if let Some(old) = old_ref {
            let _ = self.ports.secrets.delete(&old).await;
        }
        let launch = RunLaunch {
            run_id: id,
            connector_id: run.connector_id,
            version: run.version,
            site_id: run.site_id.clone(),
            digest: run.digest.clone(),
            runtime_ref: run.runtime_ref.clone(),
            image_ref: sealed.image_ref.clone(),
            owner: run.owner_org_id,
            argv: plan.argv,
            env: plan.env,
            secret_env: plan.secret_env,
            time_limit: Duration::from_secs(run.time_limit_secs),
        };
        let sink: Arc<dyn RunSink> = Arc::new(AppRunSink(self.clone()));
        match self.ports.executor.start(&launch, sink).await {
            Ok(handle) => {
                tracing::info!(run_id = %id, connector_id = %run.connector_id, version = run.version, handle = %handle, "run launched");
                let h = handle.clone();
                let run = self
                    .update_run(id, move |r| {
                        if r.handle.is_some() {
                            return false;
                        }
                        r.handle = Some(h.clone());
                        true
                    })
                    .await?;
                // A cancel that arrived while the process was starting.
                if run.stop_requested.is_some() && !run.status.is_final() {
                    let _ = self.ports.executor.stop(id, &handle, "cancelled").await;
                }
                Ok(())
            }
            Err(StageFailure { reason, retryable: true }) => Err(WorkerError { reason, retryable: true }),
            Err(StageFailure { reason, retryable: false }) => {
                self.fail_run(id, &reason).await?;
                Ok(())
            }
        }
    }

    async fn fail_run(&self, id: RunId, reason: &str) -> Result<(), WorkerError> {
        tracing::warn!(run_id = %id, reason, "run failed to start");
        let reason = reason.to_string();
        self.update_run(id, move |r| {
            if r.status.is_final() {
                return false;
            }
            conclude(r, RunStatus::Failed, None, Some(reason.clone()), Utc::now());
            true
        })
        .await?;
        Ok(())
    }

    /// Applies what the runtime saw, unless something newer was applied already.
    pub async fn apply_observation(&self, obs: RunObservation) -> Result<(), WorkerError> {
        if self.ports.runs.get_run(obs.run_id).await?.is_none() {
            tracing::warn!(run_id = %obs.run_id, "observation of an unknown run dropped");
            return Ok(());
        }
        let observation = obs.clone();
        let run = self
            .update_run(obs.run_id, move |r| {
                if observation.version <= r.observed_version || r.status.is_final() {
                    return false;
                }
                r.observed_version = observation.version;
                let mut status = status_after(&observation.state);
                let stopped_by_us = matches!(
                    observation.state,
                    ObservedState::Stopped { .. } | ObservedState::Exited { code: 1.. } | ObservedState::Exited { code: i32::MIN..=-1 }
                );
                if status.is_final() && stopped_by_us {
                    match r.stop_requested {
                        Some(StopCause::Cancelled) => status = RunStatus::Cancelled,
                        Some(StopCause::TimedOut) => status = RunStatus::TimedOut,
                        _ => {}
                    }
                }
                match (&observation.state, status) {
                    (ObservedState::Running, RunStatus::Running) => {
                        if r.status == RunStatus::Queued {
                            r.status = RunStatus::Running;
                            r.started_at = Some(observation.at);
                            r.process_id = Some(uuid::Uuid::new_v4());
                        }
                    }
                    (state, status) => {
                        let exit_code = match state {
                            ObservedState::Exited { code } => Some(*code),
                            _ => None,
                        };
                        let reason = match (state, status) {
                            (_, RunStatus::TimedOut) => Some(format!("stopped at the time limit of {} s", r.time_limit_secs)),
                            (_, RunStatus::Cancelled) => Some("cancelled".to_string()),
                            (ObservedState::Exited { code }, RunStatus::Failed) => Some(format!("exited with code {code}")),
                            (ObservedState::Stopped { reason, .. }, _) => Some(reason.clone()),
                            _ => None,
                        };
                        if r.started_at.is_none() && exit_code.is_some() {
                            r.started_at = Some(observation.at);
                        }
                        conclude(r, status, exit_code, reason, observation.at);
                    }
                }
                true
            })
            .await?;
        tracing::info!(run_id = %run.id, connector_id = %run.connector_id, version = run.version, status = run.status.as_str(), "run observed");
        Ok(())
    }

    /// Looks after runs: relaunches lost launches, stops runs past their time limit, asks
    /// the runtime about runs whose completion never came, deletes sealed values a while
    /// after the end. Called every minute or so by the host (a schedule on AWS).
    pub async fn reconcile_runs(&self, now: DateTime<Utc>) -> Result<usize, WorkerError> {
        let mut touched = 0;
        for run in self.ports.runs.unfinished_runs().await? {
            let age = (now - run.created_at).to_std().unwrap_or_default();
            if run.status.is_final() {
                let ended_long_ago = run.finished_at.is_some_and(|f| (now - f).to_std().unwrap_or_default() > KEEP_VALUES_AFTER_END);
                if let (Some(reference), true) = (run.values_ref.clone(), ended_long_ago) {
                    self.ports.secrets.delete(&reference).await?;
                    self.update_run(run.id, |r| r.values_ref.take().is_some()).await?;
                    touched += 1;
                }
                continue;
            }
            match (&run.handle, run.status) {
                (None, _) if age > GIVE_UP_QUEUED_AFTER => {
                    self.fail_run(run.id, "the run never started (the launcher did not pick it up)").await?;
                    touched += 1;
                }
                (None, _) if age > RELAUNCH_AFTER => {
                    self.ports.run_queue.send_launch(run.id).await?;
                    touched += 1;
                }
                (None, _) => {}
                (Some(handle), _) => {
                    let past_deadline = run.deadline().is_some_and(|d| now > d);
                    if past_deadline && run.stop_requested.is_none() {
                        self.request_stop(run.clone(), StopCause::TimedOut, "the run reached its time limit").await?;
                        touched += 1;
                        continue;
                    }
                    match self.ports.executor.observe(run.id, handle).await {
                        Ok(Some(obs)) => {
                            self.apply_observation(obs).await?;
                        }
                        Ok(None) => {
                            let overdue = run.deadline().is_some_and(|d| now > d + chrono::Duration::from_std(STOP_GRACE).unwrap_or_default());
                            let lost = age > Duration::from_secs(300) && run.status == RunStatus::Queued;
                            if overdue || lost || run.status == RunStatus::Running {
                                let reason = "the runtime no longer knows this run (the host restarted or the task is gone)";
                                let cause_status =
                                    if run.stop_requested == Some(StopCause::TimedOut) { RunStatus::TimedOut } else { RunStatus::Failed };
                                self.update_run(run.id, move |r| {
                                    if r.status.is_final() {
                                        return false;
                                    }
                                    conclude(r, cause_status, None, Some(reason.into()), now);
                                    true
                                })
                                .await?;
                            }
                        }
                        Err(e) => tracing::warn!(run_id = %run.id, error = %e, "asking the runtime about the run failed"),
                    }
                    touched += 1;
                }
            }
        }
        Ok(touched)
    }

    /// Reads the run, applies `change`, writes it conditionally; again on a conflict. The
    /// closure answers whether it changed anything (nothing is written otherwise).
    async fn update_run(&self, id: RunId, mut change: impl FnMut(&mut Run) -> bool) -> Result<Run, WorkerError> {
        for _ in 0..8 {
            let Some(mut run) = self.ports.runs.get_run(id).await? else {
                return Err(WorkerError { reason: format!("run {id} does not exist"), retryable: false });
            };
            if !change(&mut run) {
                return Ok(run);
            }
            let expected = run.revision;
            run.revision += 1;
            match self.ports.runs.update_run(&run, expected).await {
                Ok(()) => return Ok(run),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(WorkerError { reason: format!("run {id} kept changing; try again"), retryable: true })
    }

    // -----------------------------------------------------------------------------------
    // Ingestion
    // -----------------------------------------------------------------------------------

    /// Stores a batch of what a run said or wrote (the log-ingestion function's use case):
    /// redacts every secret value of the run, cuts overlong text, numbers the items once
    /// (a redelivered batch is not stored twice). Lines on stderr are also log entries at
    /// level 3 (`error`).
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestReceipt, WorkerError> {
        let Some(run) = self.ports.runs.get_run(batch.run_id).await? else {
            return Err(WorkerError { reason: format!("run {} does not exist", batch.run_id), retryable: false });
        };
        let redactor = self.redactor_for(&run).await?;
        let expires_at = Utc::now() + chrono::Duration::days(self.settings.run_log_retention_days as i64);
        let mut derived = None;
        let items = match batch.items {
            IngestItems::Logs(entries) => IngestItems::Logs(
                entries
                    .into_iter()
                    .map(|e| NewLogEntry {
                        time: e.time,
                        level: e.level,
                        message: redactor.text(&truncate_chars(&e.message, limits::MAX_MESSAGE_CHARS)),
                        context: redactor.json(&e.context),
                    })
                    .collect(),
            ),
            IngestItems::Stdio(lines) => {
                let lines: Vec<NewStdioLine> = lines
                    .into_iter()
                    .map(|l| NewStdioLine {
                        time: l.time,
                        stream: l.stream,
                        line: redactor.text(&truncate_chars(&l.line, limits::MAX_STDIO_LINE_CHARS)),
                    })
                    .collect();
                let errors: Vec<NewLogEntry> = lines
                    .iter()
                    .filter(|l| l.stream == StdStream::Stderr)
                    .map(|l| NewLogEntry { time: l.time, level: LogLevel::ERROR, message: l.line.clone(), context: json!({"stream": "stderr"}) })
                    .collect();
                if !errors.is_empty() {
                    derived = Some(IngestBatch { run_id: run.id, batch_id: format!("{}/stderr", batch.batch_id), items: IngestItems::Logs(errors) });
                }
                IngestItems::Stdio(lines)
            }
            IngestItems::Output(rows) => IngestItems::Output(
                rows.into_iter()
                    .map(|(t, row)| {
                        let masked = match redactor.json(&Value::Object(row)) {
                            Value::Object(m) => m,
                            _ => Map::new(),
                        };
                        (t, masked)
                    })
                    .collect(),
            ),
        };
        let batch = IngestBatch { run_id: run.id, batch_id: batch.batch_id, items };
        let receipt = self.ports.run_data.ingest(run.connector_id, run.version, &batch, expires_at).await?;
        if let Some(derived) = derived {
            self.ports.run_data.ingest(run.connector_id, run.version, &derived, expires_at).await?;
        }
        Ok(receipt)
    }

    /// Hands a batch to the log-ingestion function, or ingests it here when this host has
    /// no ingest queue.
    async fn submit(&self, batch: IngestBatch) -> AppResult<()> {
        if !self.ports.run_queue.send_ingest(&batch).await? {
            self.ingest(batch).await.map_err(worker_to_app)?;
        }
        Ok(())
    }

    async fn redactor_for(&self, run: &Run) -> Result<Arc<Redactor>, WorkerError> {
        let key = run.values_ref.as_ref().map(|r| r.0.clone()).unwrap_or_default();
        if let Some((k, r)) = self.redactors.entries.lock().expect("redactor cache").get(&run.id) {
            if *k == key {
                return Ok(r.clone());
            }
        }
        let secrets: Vec<String> = match self.sealed_values(run).await? {
            Some(sealed) => {
                let mut secrets: Vec<String> =
                    self.plan_of(run, &sealed).map(|p| p.secrets.iter().map(|s| s.expose().to_string()).collect()).unwrap_or_default();
                secrets.push(sealed.run_token.clone());
                secrets
            }
            None => vec![],
        };
        let redactor = Arc::new(Redactor::new(secrets.iter().map(String::as_str)));
        let mut cache = self.redactors.entries.lock().expect("redactor cache");
        if cache.len() >= REDACTOR_CACHE_MAX {
            cache.clear();
        }
        cache.insert(run.id, (key, redactor.clone()));
        Ok(redactor)
    }

    // -----------------------------------------------------------------------------------
    // The run API (what a running connector calls, with its own token)
    // -----------------------------------------------------------------------------------

    /// The run a run token belongs to, while it is running.
    pub async fn run_for_token(&self, bearer: Option<&str>) -> AppResult<Run> {
        let bearer = bearer.ok_or(AppError::Unauthenticated)?;
        if !bearer.starts_with(RUN_TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let run = self.ports.runs.run_by_token(&hash_run_token(bearer)).await?.ok_or(AppError::Unauthenticated)?;
        if run.status != RunStatus::Running && !(run.status == RunStatus::Queued && run.handle.is_some()) {
            return Err(AppError::RunTokenExpired(format!("the run token is no longer valid: the run is {}", run.status.as_str())));
        }
        Ok(run)
    }

    /// Records a refused run-API call in the run's own log (level 3), so the developer sees it.
    pub async fn record_run_api_error(&self, run: &Run, call: RunApiCall, error: &str) {
        let entry = NewLogEntry {
            time: Utc::now(),
            level: LogLevel::ERROR,
            message: format!("run API call {} refused: {error}", call.path()),
            context: json!({"run_api": call.path()}),
        };
        let batch = IngestBatch { run_id: run.id, batch_id: format!("api-error/{}", uuid::Uuid::now_v7()), items: IngestItems::Logs(vec![entry]) };
        if let Err(e) = self.submit(batch).await {
            tracing::warn!(run_id = %run.id, error = %e, "could not record a refused run-API call");
        }
    }

    /// `POST $CDE_RUN_API/logs`: `{"entries": [{"level", "message", "context"}]}`.
    pub async fn run_api_logs(&self, run: &Run, body: &[u8]) -> AppResult<usize> {
        let parsed = parse_log_entries(body);
        let entries = match parsed {
            Ok(e) => e,
            Err(e) => {
                self.record_run_api_error(run, RunApiCall::Logs, &describe(&e)).await;
                return Err(e.into());
            }
        };
        let n = entries.len();
        self.submit(IngestBatch { run_id: run.id, batch_id: format!("api/{}", uuid::Uuid::now_v7()), items: IngestItems::Logs(entries) }).await?;
        Ok(n)
    }

    /// `POST $CDE_RUN_API/output`: `{"rows": [{…}]}`, nested objects flattened.
    pub async fn run_api_output(&self, run: &Run, body: &[u8]) -> AppResult<usize> {
        let rows = match parse_output_rows(body) {
            Ok(r) => r,
            Err(e) => {
                self.record_run_api_error(run, RunApiCall::Output, &describe(&e)).await;
                return Err(e.into());
            }
        };
        let n = rows.len();
        let now = Utc::now();
        let items = IngestItems::Output(rows.into_iter().map(|r| (now, r)).collect());
        self.submit(IngestBatch { run_id: run.id, batch_id: format!("api/{}", uuid::Uuid::now_v7()), items }).await?;
        Ok(n)
    }

    /// `GET $CDE_RUN_API/input`: the run's test input, `limit` rows from `cursor`.
    pub async fn run_api_input(&self, run: &Run, limit: Option<u32>, cursor: Option<&str>) -> AppResult<Page<Map<String, Value>>> {
        let mut errors = ValidationErrors::new();
        let limit = parse_limit(limit).unwrap_or_else(|e| {
            errors.absorb("", e);
            0
        });
        let offset = match cursor {
            Some(c) => decode_cursor(c).and_then(|k| k.parse::<u64>().ok()).unwrap_or_else(|| {
                errors.push("cursor", "invalid", "not a cursor this API issued");
                0
            }),
            None => 0,
        };
        if let Err(e) = errors.finish(()) {
            self.record_run_api_error(run, RunApiCall::Input, &describe(&e)).await;
            return Err(e.into());
        }
        let rows = self.ports.run_data.read_input(run.id, offset, limit + 1).await?;
        let more = rows.len() > limit as usize;
        let items: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next_cursor = more.then(|| encode_cursor(&(offset + items.len() as u64).to_string()));
        Ok(Page { items, next_cursor })
    }

    /// `POST $CDE_RUN_API/progress`: `{"percent": 0…100, "message": "…"}`.
    pub async fn run_api_progress(&self, run: &Run, body: &[u8]) -> AppResult<()> {
        let progress = match parse_progress(body) {
            Ok(p) => p,
            Err(e) => {
                self.record_run_api_error(run, RunApiCall::Progress, &describe(&e)).await;
                return Err(e.into());
            }
        };
        let redactor = self.redactor_for(run).await.map_err(worker_to_app)?;
        let progress = RunProgress { message: redactor.text(&progress.message), ..progress };
        self.update_run(run.id, move |r| {
            r.progress = Some(progress.clone());
            true
        })
        .await
        .map_err(worker_to_app)?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Monitoring reads
    // -----------------------------------------------------------------------------------

    /// A page of a run's log entries, filtered.
    pub async fn run_logs(&self, principal: &Principal, id: RunId, f: LogFilters<'_>) -> AppResult<LogPage> {
        let run = self.run(principal, id).await?;
        let query = parse_log_query(LogScope::Run(run.id), &f)?;
        let total = if query.after.is_none() { Some(self.ports.run_data.count_logs(&query).await?) } else { None };
        let page = self.ports.run_data.query_logs(&query).await?;
        Ok(LogPage { items: page.items, next_cursor: page.next_cursor, total_matches: total.map(|t| t.0), total_matches_exact: total.map(|t| t.1) })
    }

    /// Every log entry of a run matching the filters, oldest first (downloads).
    pub async fn run_logs_all(&self, principal: &Principal, id: RunId, f: LogFilters<'_>) -> AppResult<Vec<RunLogEntry>> {
        let run = self.run(principal, id).await?;
        let mut query = parse_log_query(LogScope::Run(run.id), &LogFilters { limit: Some(devportal_domain::page::MAX_LIMIT), cursor: None, ..f })?;
        let mut all = vec![];
        loop {
            let page = self.ports.run_data.query_logs(&query).await?;
            all.extend(page.items);
            match page.next_cursor.and_then(|c| decode_cursor(&c)).and_then(|k| LogPosition::parse_key(&k)) {
                Some(p) => query.after = Some(p),
                None => break,
            }
        }
        Ok(all)
    }

    /// Log entries across the runs of a connector (optionally one version), filtered.
    pub async fn connector_logs(&self, principal: &Principal, connector: ConnectorId, f: LogFilters<'_>) -> AppResult<LogPage> {
        self.connector(principal, connector).await?;
        let query = parse_log_query(LogScope::Connector { connector, version: f.version }, &f)?;
        let page = self.ports.run_data.query_logs(&query).await?;
        Ok(LogPage { items: page.items, next_cursor: page.next_cursor, total_matches: None, total_matches_exact: None })
    }

    /// A run's raw output lines, optionally one stream.
    pub async fn run_stdio(
        &self,
        principal: &Principal,
        id: RunId,
        stream: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> AppResult<Page<StdioLine>> {
        let run = self.run(principal, id).await?;
        let mut errors = ValidationErrors::new();
        let stream = match stream {
            Some(s) => StdStream::parse(s).or_else(|| {
                errors.push("stream", "invalid", "`stdout` or `stderr`");
                None
            }),
            None => None,
        };
        let after = parse_seq_cursor(&mut errors, cursor);
        let limit = parse_limit(limit.or(Some(devportal_domain::page::MAX_LIMIT))).unwrap_or_else(|e| {
            errors.absorb("", e);
            0
        });
        errors.finish(())?;
        let lines = self.ports.run_data.read_stdio(run.id, stream, after, limit).await?;
        let next_cursor = (lines.len() == limit as usize).then(|| encode_cursor(&lines.last().map(|l| l.seq).unwrap_or_default().to_string()));
        Ok(Page { items: lines, next_cursor })
    }

    /// A run's output rows.
    pub async fn run_output(&self, principal: &Principal, id: RunId, cursor: Option<&str>, limit: Option<u32>) -> AppResult<Page<OutputRow>> {
        let run = self.run(principal, id).await?;
        let mut errors = ValidationErrors::new();
        let after = parse_seq_cursor(&mut errors, cursor);
        let limit = parse_limit(limit.or(Some(devportal_domain::page::MAX_LIMIT))).unwrap_or_else(|e| {
            errors.absorb("", e);
            0
        });
        errors.finish(())?;
        let rows = self.ports.run_data.read_output(run.id, after, limit).await?;
        let next_cursor = (rows.len() == limit as usize).then(|| encode_cursor(&rows.last().map(|r| r.seq).unwrap_or_default().to_string()));
        Ok(Page { items: rows, next_cursor })
    }

    /// Removes a connector's runs with their data and sealed values (permanent deletion).
    pub(crate) async fn purge_runs(&self, connector: ConnectorId, owner: OrgId) -> AppResult<()> {
        let mut before = None;
        loop {
            let query = RunQuery {
                orgs: vec![owner],
                connector_id: Some(connector),
                before,
                limit: devportal_domain::page::MAX_LIMIT,
                ..RunQuery::default()
            };
            let page = self.ports.runs.list_runs(&query).await?;
            for run in &page.items {
                if let Some(r) = &run.values_ref {
                    self.ports.secrets.delete(r).await?;
                }
                self.ports.run_data.delete_run_data(run.id).await?;
            }
            match page.items.last() {
                Some(last) if page.next_cursor.is_some() => before = Some(last.id),
                _ => break,
            }
        }
        self.ports.runs.purge_runs(connector).await?;
        Ok(())
    }
}

/// The local runtime's reports, applied by the same use cases the AWS functions call.
struct AppRunSink(App);

#[async_trait::async_trait]
impl RunSink for AppRunSink {
    async fn stdio(&self, run: RunId, lines: Vec<NewStdioLine>) {
        if lines.is_empty() {
            return;
        }
        let batch = IngestBatch { run_id: run, batch_id: format!("stdio/{}", uuid::Uuid::now_v7()), items: IngestItems::Stdio(lines) };
        if let Err(e) = self.0.submit(batch).await {
            tracing::warn!(run_id = %run, error = %e, "run output could not be stored");
        }
    }

    async fn observed(&self, observation: RunObservation) {
        let run_id = observation.run_id;
        if let Err(e) = self.0.apply_observation(observation).await {
            tracing::warn!(run_id = %run_id, error = %e, "run observation could not be applied");
        }
    }
}

/// Ends a run with `status`.
fn conclude(r: &mut Run, status: RunStatus, exit_code: Option<i32>, reason: Option<String>, at: DateTime<Utc>) {
    r.status = status;
    r.exit_code = exit_code.or(r.exit_code);
    r.reason = reason.or(r.reason.take());
    r.finished_at = Some(at);
}

/// A fresh run token: the same randomness as user tokens, under the run prefix.
fn generate_run_token() -> String {
    let user_kind = TokenSecret::generate();
    format!("{RUN_TOKEN_PREFIX}{}", &user_kind.expose()[TOKEN_PREFIX.len()..])
}

/// Hex SHA-256 of a run token (what the run record keeps), hashed as user tokens are.
pub fn hash_run_token(token: &str) -> String {
    TokenSecret::hash_of(token).0
}

fn worker_to_app(e: WorkerError) -> AppError {
    AppError::Unavailable { message: e.reason, retryable: e.retryable }
}

fn app_to_worker(e: AppError) -> WorkerError {
    let retryable = !matches!(e, AppError::Unavailable { retryable: false, .. });
    WorkerError { reason: e.to_string(), retryable }
}

fn describe(e: &ValidationErrors) -> String {
    e.fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
}

fn parse_opt<T: std::str::FromStr>(errors: &mut ValidationErrors, field: &str, raw: Option<&str>, what: &str) -> Option<T> {
    raw.and_then(|r| {
        r.parse().ok().or_else(|| {
            errors.push(field, "invalid", format!("`{field}` must be {what}"));
            None
        })
    })
}

fn parse_time(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<DateTime<Utc>> {
    raw.and_then(|r| match DateTime::parse_from_rfc3339(r) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            errors.push(field, "invalid", format!("`{field}` must be an RFC 3339 time, e.g. 2026-12-01T10:00:00Z"));
            None
        }
    })
}

fn parse_seq_cursor(errors: &mut ValidationErrors, cursor: Option<&str>) -> Option<u64> {
    cursor.and_then(|c| {
        decode_cursor(c).and_then(|k| k.parse().ok()).or_else(|| {
            errors.push("cursor", "invalid", "not a cursor this API issued");
            None
        })
    })
}

fn parse_log_query(scope: LogScope, f: &LogFilters<'_>) -> AppResult<LogQuery> {
    let mut errors = ValidationErrors::new();
    let max_severity = match f.min_level {
        Some(raw) => match LogLevel::parse(&Value::String(raw.to_string())) {
            Some(l) => Some(l.severity()),
            None => {
                errors.push("min_level", "invalid", "a level 0…7, `success` or `report` (entries at that level and worse are kept)");
                None
            }
        },
        None => None,
    };
    let text = f.q.map(str::trim).filter(|q| !q.is_empty()).map(str::to_string);
    if text.as_ref().is_some_and(|q| q.chars().count() > 200) {
        errors.push("q", "too_long", "at most 200 characters");
    }
    let from = parse_time(&mut errors, "from", f.from);
    let to = parse_time(&mut errors, "to", f.to);
    let after = match f.cursor {
        Some(c) => decode_cursor(c).and_then(|k| LogPosition::parse_key(&k)).or_else(|| {
            errors.push("cursor", "invalid", "not a cursor this API issued");
            None
        }),
        None => None,
    };
    let limit = parse_limit(f.limit).unwrap_or_else(|e| {
        errors.absorb("", e);
        0
    });
    errors.finish(LogQuery { scope, max_severity, text, from, to, after, limit }).map_err(Into::into)
}

fn body_json(body: &[u8]) -> Result<Map<String, Value>, ValidationErrors> {
    if body.len() > limits::MAX_BODY_BYTES {
        return Err(ValidationErrors::single("body", "too_large", format!("a call carries at most {} bytes", limits::MAX_BODY_BYTES)));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ValidationErrors::single("body", "invalid", "the body must be a JSON object")),
        Err(e) => Err(ValidationErrors::single("body", "malformed_json", format!("the body is not valid JSON: {e}"))),
    }
}

fn list_field<'a>(body: &'a Map<String, Value>, name: &str, errors: &mut ValidationErrors) -> Option<&'a Vec<Value>> {
    for key in body.keys() {
        if key != name {
            errors.push(key.clone(), "unknown", format!("unknown field `{key}` (expected `{name}`)"));
        }
    }
    match body.get(name) {
        Some(Value::Array(items)) if items.len() > limits::MAX_ENTRIES => {
            errors.push(name, "too_many", format!("at most {} per call", limits::MAX_ENTRIES));
            None
        }
        Some(Value::Array(items)) => Some(items),
        Some(_) => {
            errors.push(name, "invalid", format!("`{name}` must be a list"));
            None
        }
        None => {
            errors.push(name, "required", format!("`{name}` is required"));
            None
        }
    }
}

/// Parses `{"entries": [...]}`; every error names the entry and the field.
pub fn parse_log_entries(body: &[u8]) -> Result<Vec<NewLogEntry>, ValidationErrors> {
    let body = body_json(body)?;
    let mut errors = ValidationErrors::new();
    let mut out = vec![];
    let now = Utc::now();
    if let Some(items) = list_field(&body, "entries", &mut errors) {
        for (i, item) in items.iter().enumerate() {
            let at = format!("entries[{i}]");
            let Value::Object(e) = item else {
                errors.push(at, "invalid", "each entry must be an object");
                continue;
            };
            let level = match e.get("level").map(LogLevel::parse) {
                Some(Some(l)) => Some(l),
                Some(None) => {
                    errors.push(format!("{at}.level"), "invalid", "a level is 0…7, \"success\" or \"report\"");
                    None
                }
                None => {
                    errors.push(format!("{at}.level"), "required", "`level` is required");
                    None
                }
            };
            let message = match e.get("message") {
                Some(Value::String(m)) => Some(m.clone()),
                Some(_) => {
                    errors.push(format!("{at}.message"), "invalid", "`message` must be a string");
                    None
                }
                None => {
                    errors.push(format!("{at}.message"), "required", "`message` is required");
                    None
                }
            };
            let context = match e.get("context") {
                None | Some(Value::Null) => json!({}),
                Some(c @ Value::Object(_)) => c.clone(),
                Some(_) => {
                    errors.push(format!("{at}.context"), "invalid", "`context` must be an object");
                    continue;
                }
            };
            for key in e.keys() {
                if !["level", "message", "context"].contains(&key.as_str()) {
                    errors.push(format!("{at}.{key}"), "unknown", format!("unknown field `{key}`"));
                }
            }
            if let (Some(level), Some(message)) = (level, message) {
                out.push(NewLogEntry { time: now, level, message, context });
            }
        }
    }
    errors.finish(out)
}

/// Parses `{"rows": [{…}]}`, flattening nested objects.
pub fn parse_output_rows(body: &[u8]) -> Result<Vec<Map<String, Value>>, ValidationErrors> {
    let body = body_json(body)?;
    let mut errors = ValidationErrors::new();
    let mut out = vec![];
    if let Some(items) = list_field(&body, "rows", &mut errors) {
        for (i, row) in items.iter().enumerate() {
            match flatten_row(row) {
                Ok(r) => out.push(r),
                Err(rule) => errors.push(format!("rows[{i}]"), "invalid", rule),
            }
        }
    }
    errors.finish(out)
}

/// Parses `{"percent": 0…100, "message": "…"}`.
pub fn parse_progress(body: &[u8]) -> Result<RunProgress, ValidationErrors> {
    let body = body_json(body)?;
    let mut errors = ValidationErrors::new();
    let percent = match body.get("percent").and_then(Value::as_u64) {
        Some(p) if p <= 100 => p as u8,
        _ => {
            errors.push("percent", "invalid", "`percent` is a whole number from 0 to 100");
            0
        }
    };
    let message = match body.get("message") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(m)) => truncate_chars(m, 1000),
        Some(_) => {
            errors.push("message", "invalid", "`message` must be a string");
            String::new()
        }
    };
    for key in body.keys() {
        if key != "percent" && key != "message" {
            errors.push(key.clone(), "unknown", format!("unknown field `{key}`"));
        }
    }
    errors.finish(RunProgress { percent, message, at: Utc::now() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_entries_are_checked_field_by_field() {
        let ok = parse_log_entries(br#"{"entries":[{"level":3,"message":"m","context":{"a":1}},{"level":"success","message":"done"}]}"#).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].level, LogLevel::Success);
        let err = parse_log_entries(br#"{"entries":[{"level":9,"message":"m"},{"message":5},"x"]}"#).unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["entries[0].level", "entries[1].level", "entries[1].message", "entries[2]"]);
        assert_eq!(parse_log_entries(b"{not json").unwrap_err().fields[0].code, "malformed_json");
        let big = format!(r#"{{"entries":[{{"level":6,"message":"{}"}}]}}"#, "x".repeat(limits::MAX_BODY_BYTES));
        assert_eq!(parse_log_entries(big.as_bytes()).unwrap_err().fields[0].code, "too_large");
        let many = format!(r#"{{"entries":[{}]}}"#, vec![r#"{"level":6,"message":"m"}"#; limits::MAX_ENTRIES + 1].join(","));
        assert_eq!(parse_log_entries(many.as_bytes()).unwrap_err().fields[0].code, "too_many");
    }

    #[test]
    fn output_rows_are_flattened_and_progress_is_bounded() {
        let rows = parse_output_rows(br#"{"rows":[{"a":{"b":1}}]}"#).unwrap();
        assert_eq!(Value::Object(rows[0].clone()), json!({"a-b": 1}));
        assert!(parse_output_rows(br#"{"rows":[1]}"#).is_err());
        assert_eq!(parse_progress(br#"{"percent":50,"message":"half"}"#).unwrap().percent, 50);
        assert_eq!(parse_progress(br#"{"percent":101}"#).unwrap_err().fields[0].field, "percent");
    }

    #[test]
    fn run_tokens_are_distinct_from_user_tokens() {
        let t = generate_run_token();
        assert!(t.starts_with(RUN_TOKEN_PREFIX));
        assert_ne!(hash_run_token(&t), hash_run_token(&generate_run_token()));
    }
}
