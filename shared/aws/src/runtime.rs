//! `Runtime` on Amazon ECS: registering a connector version's image is registering a Fargate
//! task definition for it, and the runtime's reference is the task definition's ARN (with its
//! revision), which a run later starts with `RunTask` on the cluster.
//!
//! One family per connector version, `<family_prefix><connector id>-v<version>`, so every
//! version keeps its own revisions and a new build of a version is a new revision of the same
//! family. The task: `awsvpc` networking, 0.25 vCPU / 512 MiB on Linux/ARM64 (the architecture
//! CodeBuild builds the images for), one essential container `connector` (with its own
//! `memory`, which ECS requires of Fargate containers in practice and moto checks) running the
//! image pinned by digest, logging through `awslogs` in blocking mode (the non-blocking mode
//! drops lines when its buffer fills) into the connector log group with the stream prefix
//! `<connector id>-v<version>`. Permanent deletion deregisters every revision of the
//! connector's families.
//!
//! Registering also tags the image in ECR `keep-<digest hex>` (one tag per digest, so it never
//! moves): the repositories' lifecycle policy (`builder::LIFECYCLE_POLICY`) keeps every image
//! with that tag — what dev ran, production promotes and a rollback returns to — and expires
//! builds that never reached the runtime.
//!
//! Idempotent: if the family's latest ACTIVE revision already runs that image (with the
//! current execution role and log group), its ARN is answered and nothing is registered, so a
//! redelivered sync job makes no second revision. Two registrations racing may both register;
//! both revisions are equivalent, and the later one is answered to its job.

use crate::error::stage_failure;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, CpuArchitecture, LogConfiguration, LogDriver, NetworkMode, OsFamily, RuntimePlatform, TaskDefinition,
    TaskDefinitionFamilyStatus, TaskDefinitionStatus,
};
use devportal_domain::ids::ConnectorId;
use devportal_domain::ports::{Runtime, StageFailure};

/// The container's name in every connector task definition.
pub const CONTAINER_NAME: &str = "connector";
/// Fargate's smallest task size: enough for a command-line connector.
const TASK_CPU: &str = "256";
const TASK_MEMORY_MIB: i32 = 512;
/// The CPU architecture of the images CodeBuild builds (an ARM build environment).
const CPU_ARCHITECTURE: CpuArchitecture = CpuArchitecture::Arm64;

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
    ecr: aws_sdk_ecr::Client,
    /// For the `awslogs-region` option, which the log driver requires.
    region: String,
    settings: EcsSettings,
}

impl EcsRuntime {
    /// Builds the ECS client once from `config` (whose region the task's logs go to).
    pub fn new(config: &aws_config::SdkConfig, settings: EcsSettings) -> Self {
        let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string());
        Self { ecs: aws_sdk_ecs::Client::new(config), ecr: aws_sdk_ecr::Client::new(config), region, settings }
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

    /// Tags an ECR image `keep-<digest hex>` (see the module documentation); images of other
    /// registries are left alone. Idempotent: the tag names the digest, so it is either
    /// absent or already on this image.
    async fn keep(&self, image: &str, digest: &str) -> Result<(), StageFailure> {
        let Some(repository) = ecr_repository(image) else { return Ok(()) };
        let id = aws_sdk_ecr::types::ImageIdentifier::builder().image_digest(digest).build();
        let out =
            self.ecr.batch_get_image().repository_name(repository).image_ids(id).send().await.map_err(|e| stage_failure("ECR BatchGetImage", e))?;
        let Some(found) = out.images().first() else {
            return Err(StageFailure { reason: format!("ECR has no image {digest} in {repository}"), retryable: false });
        };
        let tag = keep_tag(digest);
        if found.image_id().and_then(|i| i.image_tag()) == Some(tag.as_str()) {
            return Ok(());
        }
        let manifest = found.image_manifest().unwrap_or_default();
        let put = self
            .ecr
            .put_image()
            .repository_name(repository)
            .image_manifest(manifest)
            .set_image_manifest_media_type(found.image_manifest_media_type().map(str::to_string))
            .image_digest(digest)
            .image_tag(&tag)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            // The tag is already on this image (a redelivered sync job).
            Err(e) if e.as_service_error().is_some_and(|s| s.is_image_already_exists_exception()) => Ok(()),
            Err(e) => Err(stage_failure("ECR PutImage", e)),
        }
    }

    /// Whether a registered revision is the one this registration would make.
    fn matches(&self, task: &TaskDefinition, image: &str) -> bool {
        let container = task.container_definitions().iter().find(|c| c.name() == Some(CONTAINER_NAME));
        let log_options = container.and_then(|c| c.log_configuration()).and_then(|l| l.options());
        container.and_then(|c| c.image()) == Some(image)
            && task.runtime_platform().and_then(|p| p.cpu_architecture()) == Some(&CPU_ARCHITECTURE)
            && log_options.and_then(|o| o.get("mode")).map(String::as_str) == Some("blocking")
            && task.execution_role_arn() == Some(self.settings.execution_role_arn.as_str())
            && container.and_then(|c| c.log_configuration()).and_then(|l| l.options()).and_then(|o| o.get("awslogs-group")).map(String::as_str)
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

/// The tag that keeps an image from the lifecycle policy: `keep-<digest hex>`.
pub fn keep_tag(digest: &str) -> String {
    format!("{}{}", crate::builder::KEEP_TAG_PREFIX, digest.trim_start_matches("sha256:"))
}

/// The ECR repository of an image pinned by digest (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>@…`);
/// `None` for another registry.
fn ecr_repository(image: &str) -> Option<&str> {
    let (registry, rest) = image.split_once('/')?;
    let repository = rest.split('@').next()?;
    (registry.contains(".dkr.ecr.") && !repository.is_empty()).then_some(repository)
}

#[async_trait]
impl Runtime for EcsRuntime {
    async fn register(&self, connector: ConnectorId, version: u32, digest: &str, image_ref: &str) -> Result<String, StageFailure> {
        let image = pinned_image(image_ref, digest)?;
        self.keep(&image, digest).await?;
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
            .options("mode", "blocking")
            .build()
            .map_err(|e| StageFailure { reason: format!("log configuration: {e}"), retryable: false })?;
        let container =
            ContainerDefinition::builder().name(CONTAINER_NAME).image(&image).essential(true).memory(TASK_MEMORY_MIB).log_configuration(logs).build();
        let out = self
            .ecs
            .register_task_definition()
            .family(&family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(TASK_CPU)
            .memory(TASK_MEMORY_MIB.to_string())
            .execution_role_arn(&self.settings.execution_role_arn)
            .runtime_platform(RuntimePlatform::builder().cpu_architecture(CPU_ARCHITECTURE).operating_system_family(OsFamily::Linux).build())
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

    async fn deregister(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        // Families are `<prefix><connector>-v<n>`: list them by prefix, then every ACTIVE revision.
        let prefix = format!("{}{connector}-v", self.settings.family_prefix);
        let mut families =
            self.ecs.list_task_definition_families().family_prefix(&prefix).status(TaskDefinitionFamilyStatus::Active).into_paginator().send();
        while let Some(page) = families.next().await {
            let page = page.map_err(|e| stage_failure("ECS ListTaskDefinitionFamilies", e))?;
            for family in page.families() {
                let mut revisions =
                    self.ecs.list_task_definitions().family_prefix(family).status(TaskDefinitionStatus::Active).into_paginator().send();
                while let Some(page) = revisions.next().await {
                    let page = page.map_err(|e| stage_failure("ECS ListTaskDefinitions", e))?;
                    for arn in page.task_definition_arns() {
                        self.ecs
                            .deregister_task_definition()
                            .task_definition(arn)
                            .send()
                            .await
                            .map_err(|e| stage_failure("ECS DeregisterTaskDefinition", e))?;
                        tracing::info!(connector = %connector, arn, "task definition deregistered");
                    }
                }
            }
        }
        Ok(())
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
