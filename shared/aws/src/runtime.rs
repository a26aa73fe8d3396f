//! `Runtime` on Amazon ECS: registering a connector version's image is registering a Fargate
//! task definition for it, and the runtime's reference is the task definition's ARN (with its
//! revision), which a run later starts with `RunTask` on the cluster.
//!
//! One family per connector version, `<family_prefix><connector id>-v<version>`, so every
//! version keeps its own revisions and a new build of a version is a new revision of the same
//! family. The task: `awsvpc` networking, 0.25 vCPU / 512 MiB, one essential container
//! `connector` (with its own `memory`, which ECS requires of Fargate containers in practice and
//! moto checks) running the image pinned by digest, logging through `awslogs` into the
//! connector log group with the stream prefix `<connector id>-v<version>`.
//!
//! Idempotent: if the family's latest ACTIVE revision already runs that image (with the
//! current execution role and log group), its ARN is answered and nothing is registered, so a
//! redelivered sync job makes no second revision. Two registrations racing may both register;
//! both revisions are equivalent, and the later one is answered to its job.

use crate::error::stage_failure;
use async_trait::async_trait;
use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LogConfiguration, LogDriver, NetworkMode, TaskDefinition, TaskDefinitionStatus};
use devportal_domain::ids::ConnectorId;
use devportal_domain::ports::{Runtime, StageFailure};

/// The container's name in every connector task definition.
pub const CONTAINER_NAME: &str = "connector";
/// Fargate's smallest task size: enough for a command-line connector.
const TASK_CPU: &str = "256";
const TASK_MEMORY_MIB: i32 = 512;

/// Where connector tasks run and log.
#[derive(Clone, Debug)]
pub struct EcsSettings {
    /// The cluster runs are started on (not needed to register).
    pub cluster: String,
    /// The role ECS pulls the image and writes the logs with.
    pub execution_role_arn: String,
    /// CloudWatch Logs group of the connectors' output.
    pub log_group: String,
    /// Task definition families are `<family_prefix><connector id>-v<version>`.
    pub family_prefix: String,
}

/// Registers connector images as ECS task definitions (see the module documentation).
#[derive(Clone, Debug)]
pub struct EcsRuntime {
    ecs: aws_sdk_ecs::Client,
    /// For the `awslogs-region` option, which the log driver requires.
    region: String,
    settings: EcsSettings,
}

impl EcsRuntime {
    /// Builds the ECS client once from `config` (whose region the task's logs go to).
    pub fn new(config: &aws_config::SdkConfig, settings: EcsSettings) -> Self {
        let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string());
        Self { ecs: aws_sdk_ecs::Client::new(config), region, settings }
    }

    /// The task definition family of a connector version.
    pub fn family(&self, connector: ConnectorId, version: u32) -> String {
        format!("{}{connector}-v{version}", self.settings.family_prefix)
    }

    /// The family's latest ACTIVE revision, if there is one.
    async fn latest(&self, family: &str) -> Result<Option<TaskDefinition>, StageFailure> {
        match self.ecs.describe_task_definition().task_definition(family).send().await {
            Ok(out) => Ok(out.task_definition.filter(|t| t.status() == Some(&TaskDefinitionStatus::Active))),
            // ECS answers an unknown family with a generic ClientException.
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_client_exception() && s.meta().message().is_some_and(|m| m.contains("Unable to describe task definition"))
                }) =>
            {
                Ok(None)
            }
            Err(e) => Err(stage_failure("ECS DescribeTaskDefinition", e)),
        }
    }

    /// Whether a registered revision is the one this registration would make.
    fn matches(&self, task: &TaskDefinition, image: &str) -> bool {
        let container = task.container_definitions().iter().find(|c| c.name() == Some(CONTAINER_NAME));
        container.and_then(|c| c.image()) == Some(image)
            && task.execution_role_arn() == Some(self.settings.execution_role_arn.as_str())
            && container
                .and_then(|c| c.log_configuration())
                .and_then(|l| l.options())
                .and_then(|o| o.get("awslogs-group"))
                .map(String::as_str)
                == Some(self.settings.log_group.as_str())
    }
}

/// The image pinned by digest: `image_ref` without its tag or digest, then `@digest`. Tasks
/// must run exactly the image that was built and health-checked, never what a tag points at now.
fn pinned_image(image_ref: &str, digest: &str) -> Result<String, StageFailure> {
    let refuse = |why: String| Err(StageFailure { reason: why, retryable: false });
    if !digest.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())) {
        return refuse(format!("`{digest}` is not an image digest (sha256:<64 hex>)"));
    }
    let name = image_ref.split('@').next().unwrap_or_default();
    // A tag is a colon after the last slash (a colon before it belongs to a registry port).
    let name = match name.rfind(':') {
        Some(colon) if colon > name.rfind('/').unwrap_or(0) => &name[..colon],
        _ => name,
    };
    if name.is_empty() || image_ref.starts_with("oci:") || !name.contains('/') {
        return refuse(format!("`{image_ref}` is not a registry image reference ECS can pull"));
    }
    Ok(format!("{name}@{digest}"))
}

#[async_trait]
impl Runtime for EcsRuntime {
    async fn register(&self, connector: ConnectorId, version: u32, digest: &str, image_ref: &str) -> Result<String, StageFailure> {
        let image = pinned_image(image_ref, digest)?;
        let family = self.family(connector, version);
        if let Some(task) = self.latest(&family).await? {
            if self.matches(&task, &image) {
                if let Some(arn) = task.task_definition_arn() {
                    tracing::info!(connector = %connector, version, family = %family, arn, "image already registered");
                    return Ok(arn.to_string());
                }
            }
        }
        let logs = LogConfiguration::builder()
            .log_driver(LogDriver::Awslogs)
            .options("awslogs-group", &self.settings.log_group)
            .options("awslogs-region", &self.region)
            .options("awslogs-stream-prefix", format!("{connector}-v{version}"))
            .build()
            .map_err(|e| StageFailure { reason: format!("log configuration: {e}"), retryable: false })?;
        let container = ContainerDefinition::builder()
            .name(CONTAINER_NAME)
            .image(&image)
            .essential(true)
            .memory(TASK_MEMORY_MIB)
            .log_configuration(logs)
            .build();
        let out = self
            .ecs
            .register_task_definition()
            .family(&family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(TASK_CPU)
            .memory(TASK_MEMORY_MIB.to_string())
            .execution_role_arn(&self.settings.execution_role_arn)
            .container_definitions(container)
            .send()
            .await
            .map_err(|e| stage_failure("ECS RegisterTaskDefinition", e))?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .ok_or_else(|| StageFailure { reason: "ECS RegisterTaskDefinition answered without an ARN".into(), retryable: true })?;
        tracing::info!(connector = %connector, version, family = %family, arn, image = %image, "task definition registered");
        Ok(arn.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_pinned_by_digest() {
        let d = format!("sha256:{}", "b".repeat(64));
        let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/dp/c1";
        assert_eq!(pinned_image(&format!("{repo}@{d}"), &d).unwrap(), format!("{repo}@{d}"));
        assert_eq!(pinned_image(&format!("{repo}:v1-job"), &d).unwrap(), format!("{repo}@{d}"));
        assert_eq!(pinned_image("registry:5000/dp/c1", &d).unwrap(), format!("registry:5000/dp/c1@{d}"));
        assert!(!pinned_image("oci:/var/lib/images/c1-v1:job", &d).unwrap_err().retryable);
        assert!(pinned_image(&format!("{repo}@{d}"), "sha256:short").is_err());
    }
}
