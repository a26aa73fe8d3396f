//! `RunExecutor` on ECS Fargate: one task per run (`docs/ARCHITECTURE.md`, "Runs on AWS").
//!
//! - **Start.** A run gets its own task definition family `<family_prefix>run-<run id>`: one
//!   revision copied from the version's registration (`Run::runtime_ref`: image by digest,
//!   ARM64, `awslogs` in blocking mode, the execution role, **no task role**: connector code
//!   gets no AWS credentials), with the log stream prefix `run-<run id>` (so log-ingest maps
//!   a CloudWatch stream back to its run), the entry point `argv[0]`, and the run's secret
//!   environment as container `secrets` pointing at the JSON keys of one per-run Secrets
//!   Manager secret `<secret_prefix>/run/<run id>` (`<arn>:<NAME>::`). Secrets never travel
//!   in overrides: ECS repeats overrides verbatim in its events and `DescribeTasks`. The plain
//!   environment and `argv[1..]` are the container override, checked against ECS's 8 192
//!   characters of overrides first (a clear, non-retryable failure). `RunTask` on the
//!   cluster with `FARGATE`, `awsvpc` (subnets and security groups from the stack),
//!   `clientToken` = `startedBy` = the run id, and tags naming run, connector, version and
//!   organization. Starting twice starts one task: a task already started by the run
//!   (`ListTasks` by `startedBy`) is answered; ECS's `clientToken` covers a race.
//! - **Stop** = `StopTask` with the reason (idempotent); the final state still comes from the
//!   ECS event.
//! - **Observe** = `DescribeTasks` mapped like the events (`run_events::TaskView`); on a final
//!   state the run's task definition and secret are released.
//! - **Release** ([`EcsRunExecutor::release`]): deregisters the per-run revision(s) and deletes
//!   the per-run secret; idempotent. The run-events handler calls it once it has applied a
//!   final observation.

use crate::error::stage_failure;
use crate::run_events::{stream_prefix, task_view, RUN_TAG};
use crate::runtime::CONTAINER_NAME;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerDefinition, ContainerOverride, DesiredStatus, KeyValuePair, LaunchType, LogConfiguration,
    NetworkConfiguration, Secret, Tag, TaskDefinition, TaskDefinitionStatus, TaskField, TaskOverride,
};
use devportal_domain::ids::RunId;
use devportal_domain::ports::{RunExecutor, RunLaunch, RunSink, StageFailure};
use devportal_domain::run::{ObservedState, RunObservation};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// ECS's limit on the container overrides of one `RunTask` (characters of their JSON).
pub const MAX_OVERRIDE_CHARS: usize = 8192;
/// ECS's limit on `startedBy`.
const MAX_STARTED_BY: usize = 36;
/// ECS's limit on a stop reason.
const MAX_STOP_REASON: usize = 255;

/// Where runs are started.
#[derive(Clone, Debug)]
pub struct EcsRunSettings {
    pub cluster: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    /// Public subnets without a NAT gateway need a public address to pull the image.
    pub assign_public_ip: bool,
    /// Run task definition families are `<family_prefix>run-<run id>`.
    pub family_prefix: String,
    /// Per-run secrets are `<secret_prefix>/run/<run id>`.
    pub secret_prefix: String,
}

/// Runs connector tasks on ECS Fargate (see the module documentation).
#[derive(Clone, Debug)]
pub struct EcsRunExecutor {
    ecs: aws_sdk_ecs::Client,
    secrets: aws_sdk_secretsmanager::Client,
    settings: EcsRunSettings,
}

fn refuse(reason: impl Into<String>) -> StageFailure {
    StageFailure { reason: reason.into(), retryable: false }
}

/// The container override of a launch (plain environment and `argv[1..]`) and its size as
/// ECS counts it (the JSON of the overrides).
fn container_override(launch: &RunLaunch) -> Result<ContainerOverride, StageFailure> {
    let args: Vec<String> = launch.argv.iter().skip(1).cloned().collect();
    let size = json!({"containerOverrides": [{
        "name": CONTAINER_NAME,
        "command": args,
        "environment": launch.env.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
    }]})
    .to_string()
    .chars()
    .count();
    if size > MAX_OVERRIDE_CHARS {
        return Err(refuse(format!(
            "the run's arguments and environment take {size} characters, over ECS's limit of {MAX_OVERRIDE_CHARS} characters of container overrides"
        )));
    }
    let mut o = ContainerOverride::builder().name(CONTAINER_NAME);
    if !args.is_empty() {
        o = o.set_command(Some(args));
    }
    for (k, v) in &launch.env {
        o = o.environment(KeyValuePair::builder().name(k).value(v).build());
    }
    Ok(o.build())
}

impl EcsRunExecutor {
    pub fn new(config: &aws_config::SdkConfig, settings: EcsRunSettings) -> Self {
        Self { ecs: aws_sdk_ecs::Client::new(config), secrets: aws_sdk_secretsmanager::Client::new(config), settings }
    }

    /// The task definition family of one run.
    pub fn family(&self, run: RunId) -> String {
        format!("{}run-{run}", self.settings.family_prefix)
    }

    /// The name of a run's secret.
    pub fn secret_name(&self, run: RunId) -> String {
        format!("{}/run/{run}", self.settings.secret_prefix.trim_end_matches('/'))
    }

    /// A task this run started already (running or stopped), if any.
    async fn started_task(&self, run: RunId) -> Result<Option<String>, StageFailure> {
        let started_by: String = run.to_string().chars().take(MAX_STARTED_BY).collect();
        for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
            let out = self
                .ecs
                .list_tasks()
                .cluster(&self.settings.cluster)
                .started_by(&started_by)
                .desired_status(status)
                .send()
                .await
                .map_err(|e| stage_failure("ECS ListTasks", e))?;
            if let Some(arn) = out.task_arns().first() {
                return Ok(Some(arn.clone()));
            }
        }
        Ok(None)
    }

    async fn describe_definition(&self, id: &str) -> Result<Option<TaskDefinition>, StageFailure> {
        match self.ecs.describe_task_definition().task_definition(id).send().await {
            Ok(out) => Ok(out.task_definition),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_client_exception()) => Ok(None),
            Err(e) => Err(stage_failure("ECS DescribeTaskDefinition", e)),
        }
    }

    /// Stores the run's secret environment as one secret (JSON object); its ARN.
    async fn put_run_secret(&self, launch: &RunLaunch) -> Result<String, StageFailure> {
        let name = self.secret_name(launch.run_id);
        let values: BTreeMap<&str, &str> = launch.secret_env.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        let value = serde_json::to_string(&values).map_err(|_| refuse("cannot encode the run's secrets"))?;
        let created = self
            .secrets
            .create_secret()
            .name(&name)
            .description(format!("Dev Portal run {} (deleted when the run ends)", launch.run_id))
            .secret_string(&value)
            .send()
            .await;
        let arn = match created {
            Ok(out) => out.arn().map(str::to_string),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_exists_exception()) => self
                .secrets
                .put_secret_value()
                .secret_id(&name)
                .secret_string(&value)
                .send()
                .await
                .map_err(|e| stage_failure("Secrets Manager PutSecretValue", e))?
                .arn()
                .map(str::to_string),
            Err(e) => return Err(stage_failure("Secrets Manager CreateSecret", e)),
        };
        arn.ok_or_else(|| StageFailure { reason: "Secrets Manager answered without an ARN".into(), retryable: true })
    }

    /// The run's own task definition revision (registered once; a retry reuses it).
    async fn run_definition(&self, launch: &RunLaunch) -> Result<String, StageFailure> {
        let family = self.family(launch.run_id);
        if let Some(existing) = self.describe_definition(&family).await?.filter(|t| t.status() == Some(&TaskDefinitionStatus::Active)) {
            if let Some(arn) = existing.task_definition_arn() {
                return Ok(arn.to_string());
            }
        }
        let base = self
            .describe_definition(&launch.runtime_ref)
            .await?
            .ok_or_else(|| refuse(format!("the version's task definition {} does not exist (sync the runtime again)", launch.runtime_ref)))?;
        let container = base
            .container_definitions()
            .iter()
            .find(|c| c.name() == Some(CONTAINER_NAME))
            .ok_or_else(|| refuse(format!("the task definition {} has no `{CONTAINER_NAME}` container", launch.runtime_ref)))?;
        let secret_arn = if launch.secret_env.is_empty() { None } else { Some(self.put_run_secret(launch).await?) };

        let logs = container.log_configuration().map(|l| {
            let mut options = l.options().cloned().unwrap_or_default();
            options.insert("awslogs-stream-prefix".into(), stream_prefix(launch.run_id));
            LogConfiguration::builder().log_driver(l.log_driver().clone()).set_options(Some(options)).build()
        });
        let logs = logs.transpose().map_err(|e| refuse(format!("log configuration: {e}")))?;
        let mut c = ContainerDefinition::builder()
            .name(CONTAINER_NAME)
            .set_image(container.image().map(str::to_string))
            .essential(true)
            .memory(container.memory().unwrap_or(512))
            .set_log_configuration(logs);
        if let Some(program) = launch.argv.first() {
            c = c.entry_point(program);
        }
        if let Some(arn) = &secret_arn {
            for (name, _) in &launch.secret_env {
                let secret =
                    Secret::builder().name(name).value_from(format!("{arn}:{name}::")).build().map_err(|e| refuse(format!("secret: {e}")))?;
                c = c.secrets(secret);
            }
        }
        let out = self
            .ecs
            .register_task_definition()
            .family(&family)
            .set_requires_compatibilities(Some(base.requires_compatibilities().to_vec()))
            .set_network_mode(base.network_mode().cloned())
            .set_cpu(base.cpu().map(str::to_string))
            .set_memory(base.memory().map(str::to_string))
            .set_execution_role_arn(base.execution_role_arn().map(str::to_string))
            .set_runtime_platform(base.runtime_platform().cloned())
            // No task role: connector code gets no AWS credentials.
            .container_definitions(c.build())
            .tags(Tag::builder().key(RUN_TAG).value(launch.run_id.to_string()).build())
            .send()
            .await
            .map_err(|e| stage_failure("ECS RegisterTaskDefinition", e))?;
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .map(str::to_string)
            .ok_or_else(|| StageFailure { reason: "ECS RegisterTaskDefinition answered without an ARN".into(), retryable: true })
    }

    /// Frees what a run that has ended kept: its task definition revisions and its secret.
    /// Idempotent.
    pub async fn release(&self, run: RunId) -> Result<(), StageFailure> {
        let family = self.family(run);
        let mut pages = self.ecs.list_task_definitions().family_prefix(&family).status(TaskDefinitionStatus::Active).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| stage_failure("ECS ListTaskDefinitions", e))?;
            // `familyPrefix` matches prefixes: keep this family's revisions only.
            for arn in
                page.task_definition_arns().iter().filter(|a| a.rsplit('/').next().and_then(|n| n.rsplit_once(':')).is_some_and(|(f, _)| f == family))
            {
                self.ecs
                    .deregister_task_definition()
                    .task_definition(arn)
                    .send()
                    .await
                    .map_err(|e| stage_failure("ECS DeregisterTaskDefinition", e))?;
            }
        }
        match self.secrets.delete_secret().secret_id(self.secret_name(run)).force_delete_without_recovery(true).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
            Err(e) => Err(stage_failure("Secrets Manager DeleteSecret", e)),
        }
    }
}

#[async_trait]
impl RunExecutor for EcsRunExecutor {
    async fn start(&self, launch: &RunLaunch, _sink: Arc<dyn RunSink>) -> Result<String, StageFailure> {
        if self.settings.subnets.is_empty() {
            return Err(refuse("no subnets are configured for runs (DEVPORTAL_RUN_SUBNETS, the stack's RunSubnets)"));
        }
        let overrides = container_override(launch)?;
        if let Some(arn) = self.started_task(launch.run_id).await? {
            tracing::info!(run = %launch.run_id, task = %arn, "run already started");
            return Ok(arn);
        }
        let definition = self.run_definition(launch).await?;
        let network = AwsVpcConfiguration::builder()
            .set_subnets(Some(self.settings.subnets.clone()))
            .set_security_groups(Some(self.settings.security_groups.clone()))
            .assign_public_ip(if self.settings.assign_public_ip { AssignPublicIp::Enabled } else { AssignPublicIp::Disabled })
            .build()
            .map_err(|e| refuse(format!("network configuration: {e}")))?;
        let tag = |k: &str, v: String| Tag::builder().key(k).value(v).build();
        let run = launch.run_id.to_string();
        let out = self
            .ecs
            .run_task()
            .cluster(&self.settings.cluster)
            .task_definition(&definition)
            .launch_type(LaunchType::Fargate)
            .client_token(&run)
            .started_by(run.chars().take(MAX_STARTED_BY).collect::<String>())
            .network_configuration(NetworkConfiguration::builder().awsvpc_configuration(network).build())
            .overrides(TaskOverride::builder().container_overrides(overrides).build())
            .tags(tag(RUN_TAG, run.clone()))
            .tags(tag("devportal-connector", launch.connector_id.to_string()))
            .tags(tag("devportal-version", launch.version.to_string()))
            .tags(tag("devportal-org", launch.owner.to_string()))
            .send()
            .await
            .map_err(|e| stage_failure("ECS RunTask", e))?;
        if let Some(arn) = out.tasks().first().and_then(|t| t.task_arn()) {
            tracing::info!(run = %launch.run_id, connector = %launch.connector_id, version = launch.version, task = %arn, "run task started");
            return Ok(arn.to_string());
        }
        let failures: Vec<String> = out
            .failures()
            .iter()
            .map(|f| format!("{}{}", f.reason().unwrap_or("unknown"), f.detail().map(|d| format!(" ({d})")).unwrap_or_default()))
            .collect();
        // Capacity and throttling pass; a missing or inactive definition does not.
        let retryable = !failures.iter().any(|f| f.contains("MISSING") || f.contains("INACTIVE"));
        Err(StageFailure { reason: format!("ECS RunTask started no task: {}", failures.join("; ")), retryable })
    }

    async fn stop(&self, run: RunId, handle: &str, reason: &str) -> Result<(), StageFailure> {
        let reason: String = reason.chars().take(MAX_STOP_REASON).collect();
        match self.ecs.stop_task().cluster(&self.settings.cluster).task(handle).reason(reason).send().await {
            Ok(_) => {
                tracing::info!(run = %run, task = handle, "stop requested");
                Ok(())
            }
            // A task ECS no longer knows has stopped already.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_invalid_parameter_exception()) => Ok(()),
            Err(e) => Err(stage_failure("ECS StopTask", e)),
        }
    }

    async fn observe(&self, run: RunId, handle: &str) -> Result<Option<RunObservation>, StageFailure> {
        let out = self
            .ecs
            .describe_tasks()
            .cluster(&self.settings.cluster)
            .tasks(handle)
            .include(TaskField::Tags)
            .send()
            .await
            .map_err(|e| stage_failure("ECS DescribeTasks", e))?;
        let Some(task) = out.tasks().first() else { return Ok(None) };
        let mut view = task_view(task);
        if view.run_id() != Some(run) {
            // The handle is the run's own task: trust it over what the task says of itself.
            view.started_by = Some(run.to_string());
        }
        let observation = view.observation(chrono::Utc::now());
        if observation.as_ref().is_some_and(|o| !matches!(o.state, ObservedState::Running)) {
            self.release(run).await?;
        }
        Ok(observation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devportal_domain::ids::{ConnectorId, OrgId};

    fn launch(env: Vec<(String, String)>) -> RunLaunch {
        RunLaunch {
            run_id: RunId::new(),
            connector_id: ConnectorId::new(),
            version: 1,
            site_id: "dev".into(),
            digest: format!("sha256:{}", "a".repeat(64)),
            runtime_ref: "arn".into(),
            image_ref: "repo/x".into(),
            owner: OrgId::new(),
            argv: vec!["/bin/c".into(), "--limit".into(), "5".into()],
            env,
            secret_env: vec![],
            time_limit: std::time::Duration::from_secs(60),
        }
    }

    #[test]
    fn overrides_carry_the_arguments_and_plain_environment_within_the_limit() {
        let o = container_override(&launch(vec![("A".into(), "b".into())])).unwrap();
        assert_eq!(o.command(), ["--limit".to_string(), "5".to_string()]);
        assert_eq!(o.environment()[0].name(), Some("A"));
        let big = launch(vec![("BIG".into(), "x".repeat(MAX_OVERRIDE_CHARS))]);
        let err = container_override(&big).unwrap_err();
        assert!(!err.retryable);
        assert!(err.reason.contains("8192 characters of container overrides"), "{}", err.reason);
    }
}
