//! Wizard use cases: read and save each step of a version, compute the execution preview,
//! and test the Git connection. Saving follows PRODUCT.md §5: refused while a step runs,
//! guarded by the version's `revision`, and a built version becomes `updated`.

use crate::error::{AppError, AppResult};
use crate::rewrite::{until_written, Tried};
use crate::views::{StepData, StepView, VcsTestView, VcsView};
use crate::App;
use chrono::Utc;
use devportal_domain::connector::Connector;
use devportal_domain::execution::{compute, sample_value, ExecutionPreview, RunContext};
use devportal_domain::identity::Principal;
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{Actor, Transition};
use devportal_domain::ports::{GitCredentials, GitProbeOutcome};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};
use devportal_domain::version::{Version, VersionSelector};
use devportal_domain::wizard::auth::AuthConfig;
use devportal_domain::wizard::individual::{FormFieldInput, IndividualConfig};
use devportal_domain::wizard::type_specific::TypeSpecificInput;
use devportal_domain::wizard::vcs::{Authorization, DeployKey, VcsConfig, VcsUpdate};
use devportal_domain::wizard::{step_statuses, ApplicationConfig, Step, TypeSpecificConfig};
use devportal_domain::ValidationErrors;

/// A wizard step as sent in a `PUT`.
#[derive(Clone, Debug)]
pub enum StepInput {
    Vcs { authorization: Option<Authorization>, url: Option<String>, branch: Option<String>, username: Option<String>, token: Option<String> },
    Application { command: Option<String>, arguments: Option<String>, health_check: Option<String> },
    Auth(AuthConfig),
    Individual(Vec<FormFieldInput>),
    TypeSpecific(TypeSpecificInput),
}

impl StepInput {
    pub fn step(&self) -> Step {
        match self {
            Self::Vcs { .. } => Step::Vcs,
            Self::Application { .. } => Step::Application,
            Self::Auth(_) => Step::Auth,
            Self::Individual(_) => Step::Individual,
            Self::TypeSpecific(_) => Step::TypeSpecific,
        }
    }
}

/// How many times a save that names no revision is tried when concurrent saves keep landing
/// first. A save loses only to another save that landed, so this many concurrent saves of one
/// version all land; past that the last refusal is answered as stale (the client may retry).
pub const UNPINNED_SAVE_ATTEMPTS: u32 = 8;

/// Sample values of the platform variables in the preview.
pub const SAMPLE_RUN_ID: &str = "00000000-0000-0000-0000-000000000000";
pub const SAMPLE_SITE_ID: &str = "dev-site";

impl App {
    pub async fn step(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector, step: Step) -> AppResult<StepView> {
        if step == Step::Details {
            return Err(AppError::NotFound("connector details are read and edited on the connector itself".into()));
        }
        let (connector, version) = self.version(principal, id, selector).await?;
        Ok(self.step_view(&connector, &version, step))
    }

    fn step_view(&self, connector: &Connector, version: &Version, step: Step) -> StepView {
        let c = &version.config;
        let data = match step {
            Step::Vcs => StepData::Vcs(c.vcs.as_ref().map(VcsView::from)),
            Step::Application => StepData::Application(c.application.clone()),
            Step::Auth => StepData::Auth(c.auth.clone()),
            Step::Individual => StepData::Individual(c.individual.clone()),
            Step::TypeSpecific => StepData::TypeSpecific(c.type_specific.clone()),
            Step::Execution | Step::Details => StepData::Execution(self.preview(connector, version)),
        };
        let status = step_statuses(connector.connector_type, c).into_iter().find(|s| s.step == step).expect("every step has a status");
        StepView { step, status, revision: version.revision, state: version.state, data }
    }

    /// The execution of a sample run of this version, or `None` until the application step is saved.
    pub fn preview(&self, connector: &Connector, version: &Version) -> Option<ExecutionPreview> {
        let application = version.config.application.as_ref()?;
        let run = RunContext {
            run_id: SAMPLE_RUN_ID.into(),
            site_id: SAMPLE_SITE_ID.into(),
            connector_version: version.number,
            run_api: self.settings.run_api_url.clone(),
        };
        Some(compute(connector.execution_mode, application, &version.config.auth, &version.config.individual, &run, &sample_value))
    }

    /// Saves one step. `revision`, when given, must be the version's current one.
    ///
    /// A save that names no revision applies to whatever revision it meets: when another save
    /// lands between its read and its write (the store refuses the write as stale), it is
    /// applied again on the version as that save left it, up to [`UNPINNED_SAVE_ATTEMPTS`]
    /// times. Only a save that names a revision is answered as stale.
    pub async fn put_step(
        &self,
        principal: &Principal,
        id: ConnectorId,
        selector: VersionSelector,
        input: StepInput,
        revision: Option<u64>,
    ) -> AppResult<StepView> {
        // A save naming a revision is tried once: its refusal is the answer.
        let attempts = if revision.is_some() { 1 } else { UNPINNED_SAVE_ATTEMPTS };
        let saved = until_written(attempts, || async {
            match self.save_step(principal, id, selector, input.clone(), revision).await {
                Err(refusal @ AppError::StaleRevision { .. }) => {
                    tracing::debug!(connector_id = %id, "another save landed between this one's read and write");
                    Ok(Tried::Stale(refusal))
                }
                answer => answer.map(Tried::Done),
            }
        });
        match saved.await? {
            Tried::Done(view) => Ok(view),
            Tried::Stale(refusal) => Err(refusal),
        }
    }

    /// One read-modify-write of a step; see [`App::put_step`].
    async fn save_step(
        &self,
        principal: &Principal,
        id: ConnectorId,
        selector: VersionSelector,
        input: StepInput,
        revision: Option<u64>,
    ) -> AppResult<StepView> {
        let step = input.step();
        let (connector, mut version) = self.version(principal, id, selector).await?;
        let expected = version.revision;
        if revision.is_some_and(|r| r != expected) {
            return Err(AppError::StaleRevision { current_revision: expected });
        }
        let Some(next_state) = version.state.after_config_edit().filter(|_| version.deployment.active_job.is_none()) else {
            return Err(AppError::TransitionRunning { state: version.state, current_revision: expected });
        };
        let before = version.config.clone();
        let mut new_secrets: Vec<SecretRef> = vec![];
        let config = &mut version.config;
        match input {
            StepInput::Vcs { authorization, url, branch, username, token } => {
                let previous = config.vcs.clone();
                let stored_token = previous.as_ref().and_then(|v| v.token.clone());
                let update = VcsUpdate::parse(
                    authorization,
                    url.as_deref(),
                    branch.as_deref(),
                    username.as_deref(),
                    token.as_deref(),
                    stored_token.is_some(),
                    self.settings.url_policy,
                )?;
                let token_ref = match (update.authorization, &update.new_token) {
                    (Authorization::Basic, Some(value)) => {
                        let r = self.ports.secrets.put(SecretKind::GitToken, id, value).await?;
                        new_secrets.push(r.clone());
                        Some(r)
                    }
                    (Authorization::Basic, None) => stored_token,
                    _ => None,
                };
                let deploy_key = match (update.authorization, previous.as_ref().and_then(|v| v.deploy_key.clone())) {
                    (Authorization::DeployKey, Some(existing)) => Some(existing),
                    (Authorization::DeployKey, None) => {
                        let (public, private) = generate_deploy_key(&connector, version.number)?;
                        let r = self.ports.secrets.put(SecretKind::DeployKey, id, &private).await?;
                        new_secrets.push(r.clone());
                        Some(DeployKey { public, private: r })
                    }
                    _ => None,
                };
                config.vcs = Some(VcsConfig {
                    authorization: update.authorization,
                    url: update.url,
                    branch: update.branch,
                    username: update.username,
                    token: token_ref,
                    deploy_key,
                });
            }
            StepInput::Application { command, arguments, health_check } => {
                config.application = Some(ApplicationConfig::parse(command.as_deref(), arguments.as_deref(), health_check.as_deref())?);
            }
            StepInput::Auth(auth) => config.auth = auth.parse()?,
            StepInput::Individual(fields) => config.individual = IndividualConfig::parse(fields)?,
            StepInput::TypeSpecific(input) => {
                config.type_specific = Some(TypeSpecificConfig::parse(connector.connector_type, input)?);
            }
        }
        if version.config == before {
            // Saving the same values again changes nothing (and does not mark a build stale).
            return Ok(self.step_view(&connector, &version, step));
        }
        let mut obsolete = obsolete_secrets(&before, &version.config);
        if !obsolete.is_empty() {
            // Versions added from this one share its Git token reference: keep what they use.
            let others = self.ports.connectors.list_versions(id).await?;
            let used: Vec<SecretRef> =
                others.iter().filter(|v| v.number != version.number).flat_map(|v| crate::lifecycle::secret_refs(&v.config)).collect();
            obsolete.retain(|r| !used.contains(r));
        }
        let previous_state = version.state;
        version.state = next_state;
        version.updated_at = Utc::now();
        version.revision = expected + 1;
        let written = if previous_state == next_state {
            self.ports.connectors.update_version(&version, expected).await
        } else {
            // A built version becomes `updated`: part of its state history.
            let transition = Transition {
                connector_id: id,
                version: version.number,
                from: previous_state,
                to: next_state,
                at: version.updated_at,
                by: Actor::User { id: principal.user().id },
                job_id: None,
                reason: Some(format!("configuration edited ({} step); rebuild needed", step.as_str())),
            };
            self.ports.pipeline.update_version_with_transition(&version, expected, &transition).await
        };
        if let Err(e) = written {
            for r in &new_secrets {
                if let Err(del) = self.ports.secrets.delete(r).await {
                    tracing::warn!(connector_id = %id, version = version.number, error = %del, "could not remove an unused secret");
                }
            }
            return Err(e.into());
        }
        for r in &obsolete {
            if let Err(e) = self.ports.secrets.delete(r).await {
                tracing::warn!(connector_id = %id, version = version.number, error = %e, "could not remove a replaced secret");
            }
        }
        tracing::info!(
            connector_id = %id, version = version.number, step = step.as_str(), state = %version.state,
            revision = version.revision, user_id = %principal.user().id, "wizard step saved"
        );
        Ok(self.step_view(&connector, &version, step))
    }

    /// Checks that the configured branch can be read with the stored credentials.
    pub async fn test_vcs(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<VcsTestView> {
        let (_, version) = self.version(principal, id, selector).await?;
        let Some(vcs) = version.config.vcs.as_ref() else {
            return Err(ValidationErrors::single("vcs", "incomplete", "save the version control step before testing the connection").into());
        };
        let credentials = match vcs.authorization {
            Authorization::Public => GitCredentials::None,
            Authorization::Basic => {
                GitCredentials::Basic { username: vcs.username.clone().unwrap_or_default(), token: self.secret(vcs.token.as_ref(), "token").await? }
            }
            Authorization::DeployKey => {
                GitCredentials::DeployKey { private_key: self.secret(vcs.deploy_key.as_ref().map(|k| &k.private), "deploy key").await? }
            }
        };
        // Each test holds a Git process (or an HTTP exchange) open: a user runs a few at once.
        let _slot = self.connection_test_slot(principal.user().id)?;
        let outcome = self.ports.git.probe(&vcs.url, &vcs.branch, &credentials).await;
        tracing::info!(connector_id = %id, version = version.number, ok = matches!(outcome, GitProbeOutcome::Reachable { .. }), "git connection tested");
        let (ok, commit, reason) = match outcome {
            GitProbeOutcome::Reachable { commit } => (true, Some(commit), None),
            GitProbeOutcome::Unreachable { reason } => (false, None, Some(reason)),
        };
        Ok(VcsTestView { ok, commit, reason, url: vcs.url.clone(), branch: vcs.branch.clone() })
    }

    async fn secret(&self, reference: Option<&SecretRef>, what: &str) -> AppResult<SecretValue> {
        let missing = || ValidationErrors::single("vcs", "incomplete", format!("the stored {what} is missing: save the version control step again"));
        let r = reference.ok_or_else(missing)?;
        self.ports.secrets.get(r).await?.ok_or_else(|| missing().into())
    }
}

/// Secret references held by `before` but no longer by `after`.
fn obsolete_secrets(before: &devportal_domain::wizard::VersionConfig, after: &devportal_domain::wizard::VersionConfig) -> Vec<SecretRef> {
    let refs = |c: &devportal_domain::wizard::VersionConfig| -> Vec<SecretRef> {
        let Some(v) = &c.vcs else { return vec![] };
        v.token.iter().cloned().chain(v.deploy_key.iter().map(|k| k.private.clone())).collect()
    };
    let kept = refs(after);
    refs(before).into_iter().filter(|r| !kept.contains(r)).collect()
}

/// A fresh Ed25519 key pair in OpenSSH format: (public line, private key).
fn generate_deploy_key(connector: &Connector, version: u32) -> AppResult<(String, SecretValue)> {
    use ssh_key::{rand_core::OsRng, Algorithm, LineEnding, PrivateKey};
    let unavailable = |e: ssh_key::Error| AppError::Unavailable { message: format!("deploy key generation failed: {e}"), retryable: true };
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).map_err(unavailable)?;
    key.set_comment(format!("devportal-{}-v{version}", connector.id));
    let private = key.to_openssh(LineEnding::LF).map_err(unavailable)?;
    let public = key.public_key().to_openssh().map_err(unavailable)?;
    Ok((public, SecretValue::new(private.as_str())))
}
