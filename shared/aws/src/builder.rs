//! `ImageBuilder` on AWS CodeBuild + ECR: one CodeBuild build per build job, run by the
//! project's buildspec (`infra/template.yaml`, resource `BuildProject`), which clones the branch,
//! builds the image from the `Dockerfile`, health-checks it and pushes it to the connector's ECR
//! repository `<ecr_prefix>/<connector id>`.
//!
//! ## Why the build stage polls
//!
//! [`ImageBuilder::build`] is one call that answers the built image, on both hosts. The build
//! stage therefore waits for its CodeBuild build from inside the call: every `poll_interval` it
//! asks `BatchGetBuilds` for the build's status and reads the build's CloudWatch Logs stream
//! (`GetLogEvents` with the forward token) into the job log, so users watch the build live,
//! which they want anyway. The wait never passes the request's `deadline` (the stage function's
//! budget): then the builder records a [`BuildCheckpoint`] (build id, log position, markers read)
//! through [`LogSink::checkpoint`] and answers a retryable failure; the next delivery passes
//! that checkpoint as `resume` and follows the same build from there (docs/ARCHITECTURE.md,
//! "Build completion is polled").
//!
//! ## What the build is told (environment overrides of `StartBuild`)
//!
//! `GIT_URL`, `GIT_BRANCH`, `IMAGE_URI` (`<repositoryUri>:v<version>-<job id>`), `HEALTH_CHECK`
//! (the health-check argv, shell-quoted: the buildspec runs `eval "set -- $HEALTH_CHECK"`),
//! `HEALTH_CHECK_TIMEOUT` (whole seconds), `DEVPORTAL_JOB_ID`, and for private repositories
//! `GIT_USERNAME` with `GIT_TOKEN`, or `GIT_DEPLOY_KEY`. The Git secret is never a plaintext
//! variable: `GIT_TOKEN`/`GIT_DEPLOY_KEY` are `SECRETS_MANAGER` variables whose value is the
//! secret's reference (the ARN [`crate::SecretsManagerSecrets`] issued), which CodeBuild resolves
//! with its own role and masks in the build log.
//!
//! ## What the build tells (marker lines in its log)
//!
//! ```text
//! devportal: commit <40 or 64 hex>
//! devportal: digest sha256:<64 hex>
//! devportal: failure <kind> [exit code]
//! ```
//!
//! `kind` is a [`BuildFailureKind`] in snake_case (`clone_failed`, `dockerfile_missing`,
//! `dockerfile_invalid`, `image_build_failed`, `health_check_timed_out`, `health_check_failed`,
//! `push_failed`, `missing_credentials`, `internal`). Only lines that *start* with `devportal: `
//! count: CodeBuild echoes each command (`[Container] … Running command echo "devportal: …"`)
//! before running it. The final answer:
//!
//! | build status | answer |
//! |---|---|
//! | `SUCCEEDED` | the commit marker; the digest marker, confirmed and sized by ECR `DescribeImages`; `image_ref` = `<repositoryUri>@<digest>` |
//! | `FAILED` | the failure marker's kind and exit code; without one, the failed phase: `DOWNLOAD_SOURCE`/`PRE_BUILD` → clone failed, `BUILD` → image build failed, `POST_BUILD` → push failed, others → internal |
//! | `TIMED_OUT` | image build failed, "timed out" |
//! | `STOPPED` | cancelled (by the job's cancellation, or by someone in CodeBuild) |
//! | `FAULT`, AWS API errors | internal (retryable) |
//!
//! ## Idempotency (at-least-once delivery)
//!
//! The repository is created if missing (an existing one is fine). The build id is recorded on
//! the job as soon as the build started, so a redelivery re-attaches to it instead of starting
//! another. `StartBuild` also carries the job id as `idempotencyToken`, so a second start for the
//! same job within CodeBuild's token window (5 minutes) attaches to the same build; only a
//! delivery that died before the id was recorded and came back later starts a fresh build,
//! which pushes the same tag again: harmless, the tag belongs to this job only.

use crate::error::stage_failure;
use crate::secrets::is_ours;
use async_trait::async_trait;
use aws_sdk_codebuild::types::{Build, BuildPhaseType, EnvironmentVariable, EnvironmentVariableType, StatusType};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{BuildCheckpoint, BuildFailure, BuildFailureKind, BuiltImage, LogStream};
use devportal_domain::ports::{BuildRequest, Cancellation, GitCredentials, ImageBuilder, LogSink, StageFailure};
use devportal_domain::redact::Redactor;
use std::time::Duration;

/// Where the builds run and the images go.
#[derive(Clone, Debug)]
pub struct CodeBuildSettings {
    /// The CodeBuild project (name or ARN) whose buildspec builds connector images.
    pub project: String,
    /// The project's CloudWatch Logs group, used when a build does not name its own.
    pub log_group: String,
    /// ECR repositories are `<ecr_prefix>/<connector id>`.
    pub ecr_prefix: String,
    /// How often the build's status and log are read (a few seconds on AWS; short in tests).
    pub poll_interval: Duration,
    /// Which repositories builds may clone: checked here, after resolving the host, before the
    /// build starts; the build's git is pinned to the addresses checked (`GIT_RESOLVE`).
    pub url_policy: devportal_domain::wizard::url_policy::UrlPolicy,
}

/// Builds connector images with CodeBuild into ECR (see the module documentation).
#[derive(Clone, Debug)]
pub struct CodeBuildBuilder {
    codebuild: aws_sdk_codebuild::Client,
    ecr: aws_sdk_ecr::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    settings: CodeBuildSettings,
}

/// The start of every marker line the buildspec prints.
const MARKER: &str = "devportal: ";
/// Reads of the log after the build ended while a marker the answer needs is still missing
/// (CloudWatch Logs may show the last lines a moment after the build ended), one per poll.
const DRAIN_READS: u32 = 3;
/// Consecutive failed status polls tolerated before the attempt gives up (the SDK has already
/// retried each); a long build should not fail on one throttled request.
const POLL_FAILURES: u32 = 3;
/// Pages read from the log per poll at most, so a chatty build cannot starve the status poll.
const LOG_PAGES_PER_POLL: u32 = 20;

/// Days an untagged image stays in a connector's repository.
pub const UNTAGGED_IMAGE_DAYS: u32 = 7;
/// Days a build's image stays when it never reached the runtime.
pub const UNUSED_IMAGE_DAYS: u32 = 30;
/// The tag prefix of the images the lifecycle policy keeps (`runtime::keep_tag`).
pub const KEEP_TAG_PREFIX: &str = "keep-";

/// The lifecycle policy of every connector repository. Rule 1 selects the images registered
/// with the runtime (tagged `keep-<digest hex>` by `EcsRuntime::register`: what dev ran,
/// production promotes and a rollback returns to); its count is ECR's image quota, so it never
/// expires them, and an image a rule selects is out of reach of every later rule. Rule 2 expires
/// untagged images (a tag pushed again by a redelivered job leaves the earlier image untagged)
/// after [`UNTAGGED_IMAGE_DAYS`]; rule 3 every other build after [`UNUSED_IMAGE_DAYS`]. The
/// repository itself goes with its connector's purge.
pub const LIFECYCLE_POLICY: &str = concat!(
    r#"{"rules":["#,
    r#"{"rulePriority":1,"description":"keep images registered with the runtime","selection":{"tagStatus":"tagged","tagPrefixList":["keep-"],"countType":"imageCountMoreThan","countNumber":10000},"action":{"type":"expire"}},"#,
    r#"{"rulePriority":2,"description":"expire untagged images","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},"#,
    r#"{"rulePriority":3,"description":"expire builds that never reached the runtime","selection":{"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}"#,
    r#"]}"#
);

impl CodeBuildBuilder {
    /// Builds the CodeBuild, ECR and CloudWatch Logs clients once from `config`.
    pub fn new(config: &aws_config::SdkConfig, settings: CodeBuildSettings) -> Self {
        Self {
            codebuild: aws_sdk_codebuild::Client::new(config),
            ecr: aws_sdk_ecr::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            settings,
        }
    }

    /// The connector's ECR repository name: `<ecr_prefix>/<connector id>`.
    pub fn repository_name(&self, connector: ConnectorId) -> String {
        repository_name(&self.settings.ecr_prefix, connector)
    }

    /// The tag a job's image is pushed with: `v<version>-<job id>`.
    pub fn image_tag(request: &BuildRequest) -> String {
        format!("v{}-{}", request.version, request.job_id)
    }

    /// The repository's URI, creating the repository if it does not exist yet.
    async fn ensure_repository(&self, name: &str, connector: ConnectorId) -> Result<String, BuildFailure> {
        let created = self
            .ecr
            .create_repository()
            .repository_name(name)
            // The tag names one job; a redelivered job pushes it again.
            .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable)
            // Every pushed image is scanned for known vulnerabilities (results in ECR).
            .image_scanning_configuration(aws_sdk_ecr::types::ImageScanningConfiguration::builder().scan_on_push(true).build())
            .tags(aws_sdk_ecr::types::Tag::builder().key("app").value("devportal").build().map_err(|e| internal(e.to_string()))?)
            .tags(aws_sdk_ecr::types::Tag::builder().key("connector").value(connector.to_string()).build().map_err(|e| internal(e.to_string()))?)
            .send()
            .await;
        match created {
            Ok(out) => {
                self.ecr
                    .put_lifecycle_policy()
                    .repository_name(name)
                    .lifecycle_policy_text(LIFECYCLE_POLICY)
                    .send()
                    .await
                    .map_err(|e| aws_internal("ECR PutLifecyclePolicy", e))?;
                if let Some(uri) = out.repository().and_then(|r| r.repository_uri()) {
                    return Ok(uri.to_string());
                }
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_already_exists_exception()) => {}
            Err(e) => return Err(aws_internal("ECR CreateRepository", e)),
        }
        let out = self.ecr.describe_repositories().repository_names(name).send().await.map_err(|e| aws_internal("ECR DescribeRepositories", e))?;
        out.repositories()
            .iter()
            .find_map(|r| r.repository_uri())
            .map(str::to_string)
            .ok_or_else(|| internal(format!("ECR has no URI for the repository {name}")))
    }

    /// The repository URL policy at build time: the host resolved here and every address
    /// checked; the answer is the `host:port:addresses` pin the buildspec gives git
    /// (`http.curloptResolve`), so CodeBuild's own lookup cannot lead the clone elsewhere —
    /// in particular not to the metadata and credential endpoints (169.254.0.0/16).
    async fn check_repository(&self, request: &BuildRequest) -> Result<Option<String>, BuildFailure> {
        use devportal_domain::wizard::url_policy::remote_host;
        let refused = |why: String| BuildFailure::new(BuildFailureKind::CloneFailed, format!("git clone refused: {why}"), None);
        let basic = matches!(request.credentials, GitCredentials::Basic { .. });
        let policy = self.settings.url_policy;
        policy.check_url(&request.url, basic).map_err(|rule| refused(rule.to_string()))?;
        let Some(remote) = remote_host(&request.url) else { return Ok(None) };
        let addresses: Vec<std::net::IpAddr> = match remote.host.parse() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((remote.host.as_str(), remote.port)).await.map(|a| a.map(|a| a.ip()).collect()).unwrap_or_default(),
        };
        policy.check_resolved(&request.url, &addresses, basic).map_err(refused)
    }

    /// The environment overrides of the job's build (see the module documentation).
    fn environment(request: &BuildRequest, image_uri: &str, git_resolve: Option<&str>) -> Result<Vec<EnvironmentVariable>, BuildFailure> {
        let plain = |name: &str, value: &str| var(name, value, EnvironmentVariableType::Plaintext);
        let timeout = request.health_check_timeout.as_secs_f64().ceil().max(1.0) as u64;
        let mut vars = vec![
            plain("GIT_URL", &request.url)?,
            plain("GIT_BRANCH", &request.branch)?,
            plain("IMAGE_URI", image_uri)?,
            plain("HEALTH_CHECK", &shell_words::join(&request.health_check_argv))?,
            plain("HEALTH_CHECK_TIMEOUT", &timeout.to_string())?,
            plain("DEVPORTAL_JOB_ID", &request.job_id.to_string())?,
        ];
        if let Some(pin) = git_resolve {
            vars.push(plain("GIT_RESOLVE", pin)?);
        }
        let secret = |name: &str| -> Result<EnvironmentVariable, BuildFailure> {
            match &request.credential_ref {
                // CodeBuild resolves the reference with its own role; only a Secrets Manager
                // secret can be read that way (not, say, a local store's reference).
                Some(r) if is_ours(r) => var(name, &r.0, EnvironmentVariableType::SecretsManager),
                Some(_) => Err(BuildFailure::new(
                    BuildFailureKind::MissingCredentials,
                    "the Git credentials are not stored in Secrets Manager, so CodeBuild cannot read them; save them again",
                    None,
                )),
                None => Err(BuildFailure::new(
                    BuildFailureKind::MissingCredentials,
                    "the Git credentials have no stored secret to hand to the build; save them again",
                    None,
                )),
            }
        };
        match &request.credentials {
            GitCredentials::None => {}
            GitCredentials::Basic { username, .. } => {
                vars.push(plain("GIT_USERNAME", username)?);
                vars.push(secret("GIT_TOKEN")?);
            }
            GitCredentials::DeployKey { .. } => vars.push(secret("GIT_DEPLOY_KEY")?),
        }
        Ok(vars)
    }

    async fn start(&self, request: &BuildRequest, image_uri: &str, git_resolve: Option<&str>) -> Result<Build, BuildFailure> {
        let out = self
            .codebuild
            .start_build()
            .project_name(&self.settings.project)
            .idempotency_token(request.job_id.to_string())
            .set_environment_variables_override(Some(Self::environment(request, image_uri, git_resolve)?))
            .send()
            .await
            .map_err(|e| aws_internal("CodeBuild StartBuild", e))?;
        out.build_value.ok_or_else(|| internal("CodeBuild StartBuild answered without a build"))
    }

    async fn status(&self, build_id: &str) -> Result<Build, BuildFailure> {
        let out = self.codebuild.batch_get_builds().ids(build_id).send().await.map_err(|e| aws_internal("CodeBuild BatchGetBuilds", e))?;
        out.builds
            .unwrap_or_default()
            .into_iter()
            .find(|b| b.id() == Some(build_id))
            .ok_or_else(|| internal(format!("CodeBuild does not know the build {build_id}")))
    }

    /// Where the build writes its log: the build's own `logs` field, else the settings' group
    /// and the build id's part after the colon (CodeBuild's stream name).
    fn log_location(&self, build: &Build, build_id: &str) -> (String, String) {
        let logs = build.logs();
        let group = logs.and_then(|l| l.group_name()).filter(|g| !g.is_empty() && *g != "null");
        let stream = logs.and_then(|l| l.stream_name()).filter(|s| !s.is_empty() && *s != "null");
        (
            group.unwrap_or(&self.settings.log_group).to_string(),
            stream.map(str::to_string).unwrap_or_else(|| build_id.rsplit(':').next().unwrap_or(build_id).to_string()),
        )
    }

    /// The pushed image in ECR by its tag; if the tag has moved on (a later run of the same
    /// job), the image this build pushed, by the digest it printed.
    async fn pushed_image(&self, repository: &str, tag: &str, digest: Option<&str>) -> Result<(String, u64), BuildFailure> {
        use aws_sdk_ecr::types::ImageIdentifier;
        let describe = |id: ImageIdentifier| async move {
            match self.ecr.describe_images().repository_name(repository).image_ids(id).send().await {
                Ok(out) => {
                    Ok(out.image_details().first().and_then(|d| Some((d.image_digest()?.to_string(), d.image_size_in_bytes()?.max(0) as u64))))
                }
                Err(e) if e.as_service_error().is_some_and(|s| s.is_image_not_found_exception()) => Ok(None),
                Err(e) => Err(aws_internal("ECR DescribeImages", e)),
            }
        };
        let by_tag = describe(ImageIdentifier::builder().image_tag(tag).build()).await?;
        match (by_tag, digest) {
            (Some((d, size)), None) => Ok((d, size)),
            (Some((d, size)), Some(printed)) if d == printed => Ok((d, size)),
            (_, Some(printed)) => describe(ImageIdentifier::builder().image_digest(printed).build())
                .await?
                .ok_or_else(|| internal(format!("the build printed the digest {printed}, but ECR has no such image in {repository}"))),
            (None, None) => Err(internal(format!("the build succeeded, but ECR has no image tagged {tag} in {repository}"))),
        }
    }

    async fn stop(&self, build_id: &str) {
        if let Err(e) = self.codebuild.stop_build().id(build_id).send().await {
            // A build that ended meanwhile cannot be stopped; nothing else to do either way.
            tracing::warn!(build = build_id, error = %stage_failure("CodeBuild StopBuild", e), "could not stop the build");
        }
    }

    /// Polls the build until it ends (or the job is cancelled), tailing its log into `log`.
    async fn follow(&self, request: &BuildRequest, build_id: &str, tail: &mut LogTail<'_>, cancel: &dyn Cancellation) -> Result<Build, BuildFailure> {
        let mut phase: Option<String> = None;
        let mut failures = 0;
        loop {
            if cancel.is_cancelled() {
                tracing::info!(connector = %request.connector_id, version = request.version, job = %request.job_id, build = build_id, "job cancelled: stopping the build");
                tail.system(&format!("cancelled: stopping CodeBuild build {build_id}")).await;
                self.stop(build_id).await;
                let _ = tail.read(&self.logs).await;
                return Err(cancelled("cancelled"));
            }
            let build = match self.status(build_id).await {
                Ok(b) => {
                    failures = 0;
                    b
                }
                Err(f) if failures + 1 < POLL_FAILURES => {
                    failures += 1;
                    tracing::warn!(job = %request.job_id, build = build_id, error = %f.reason, "build status poll failed; trying again");
                    tokio::time::sleep(self.settings.poll_interval).await;
                    continue;
                }
                Err(f) => return Err(f),
            };
            if tail.location.is_none() {
                tail.location = Some(self.log_location(&build, build_id));
            }
            let current = build.current_phase().map(str::to_string);
            if current.is_some() && current != phase {
                tail.system(&format!("CodeBuild phase {}", current.as_deref().unwrap_or_default())).await;
                phase = current;
            }
            tail.read(&self.logs).await?;
            if !is_terminal(&build) && request.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                // The stage function's budget is spent: hand the build to the next delivery.
                tail.sink
                    .checkpoint(&BuildCheckpoint {
                        build_id: build_id.to_string(),
                        log_token: tail.token.clone(),
                        markers: tail.markers.lines.clone(),
                    })
                    .await;
                tracing::info!(job = %request.job_id, build = build_id, "time budget spent; the build goes on and the next delivery re-attaches");
                tail.system(&format!("CodeBuild build {build_id} is still running; the next delivery of this job follows it")).await;
                tail.handed_on = true;
                return Err(internal(format!("CodeBuild build {build_id} is still running past this delivery's time budget")));
            }
            if is_terminal(&build) {
                for _ in 0..DRAIN_READS {
                    if !tail.markers.missing_for(build.build_status()) {
                        break;
                    }
                    tokio::time::sleep(self.settings.poll_interval).await;
                    tail.read(&self.logs).await?;
                }
                return Ok(build);
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        }
    }

    async fn run(&self, request: &BuildRequest, tail: &mut LogTail<'_>, cancel: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        if request.health_check_argv.is_empty() {
            return Err(BuildFailure::new(BuildFailureKind::HealthCheckFailed, "no health check command: set the application's command", None));
        }
        let git_resolve = self.check_repository(request).await?;
        let repository = self.repository_name(request.connector_id);
        let repository_uri = self.ensure_repository(&repository, request.connector_id).await?;
        let tag = Self::image_tag(request);
        let image_uri = format!("{repository_uri}:{tag}");
        if cancel.is_cancelled() {
            return Err(cancelled("cancelled"));
        }
        let build_id = match &request.resume {
            // Started by an earlier delivery of this job: follow that build, and its log from
            // where the job log has it.
            Some(checkpoint) => {
                tail.token = checkpoint.log_token.clone();
                for line in &checkpoint.markers {
                    tail.markers.observe(line);
                }
                tracing::info!(connector = %request.connector_id, version = request.version, job = %request.job_id, build = %checkpoint.build_id, "re-attaching to the CodeBuild build");
                tail.system(&format!("re-attached to CodeBuild build {}", checkpoint.build_id)).await;
                checkpoint.build_id.clone()
            }
            None => {
                let build = self.start(request, &image_uri, git_resolve.as_deref()).await?;
                let build_id = build.id().ok_or_else(|| internal("CodeBuild StartBuild answered a build without an id"))?.to_string();
                tracing::info!(connector = %request.connector_id, version = request.version, job = %request.job_id, build = %build_id, image = %image_uri, "CodeBuild build started");
                tail.sink.checkpoint(&BuildCheckpoint { build_id: build_id.clone(), log_token: None, markers: vec![] }).await;
                tail.system(&format!("CodeBuild build {build_id} in project {} → {image_uri}", self.settings.project)).await;
                build_id
            }
        };

        let build = self.follow(request, &build_id, tail, cancel).await?;
        let status = build.build_status().cloned().unwrap_or(StatusType::InProgress);
        tracing::info!(connector = %request.connector_id, version = request.version, job = %request.job_id, build = %build_id, status = %status, "CodeBuild build ended");
        match status {
            StatusType::Succeeded => {
                let commit =
                    tail.markers.commit.clone().ok_or_else(|| internal(format!("the log of build {build_id} has no `{MARKER}commit` line")))?;
                let (digest, size_bytes) = self.pushed_image(&repository, &tag, tail.markers.digest.as_deref()).await?;
                let image_ref = format!("{repository_uri}@{digest}");
                tail.system(&format!("image pushed: {digest} ({size_bytes} bytes) as {image_ref}")).await;
                Ok(BuiltImage { commit, digest, size_bytes, image_ref })
            }
            status => Err(failure_of(&build, &status, &tail.markers, &request.branch)),
        }
    }
}

#[async_trait]
impl ImageBuilder for CodeBuildBuilder {
    async fn build(&self, request: &BuildRequest, log: &dyn LogSink, cancel: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        if cancel.is_cancelled() {
            return Err(cancelled("cancelled"));
        }
        let mut tail = LogTail::new(log, Scrubber::new(request));
        let result = self.run(request, &mut tail, cancel).await;
        if let (Err(f), false) = (&result, tail.handed_on) {
            tracing::info!(connector = %request.connector_id, version = request.version, job = %request.job_id, kind = ?f.kind, reason = %f.reason, "build failed");
            tail.system(&format!("build failed: {}", f.reason)).await;
        }
        result
    }

    async fn delete_images(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        delete_repository(&self.ecr, &self.settings.ecr_prefix, connector).await
    }
}

/// The connectors' ECR repositories without the builder: what deletes a connector's images in
/// a function that never builds (the API and the sweeper purge connectors), so it links the ECR
/// client only, not CodeBuild and CloudWatch Logs.
#[derive(Clone, Debug)]
pub struct EcrRepositories {
    ecr: aws_sdk_ecr::Client,
    ecr_prefix: String,
}

impl EcrRepositories {
    /// Builds the ECR client once from `config`; repositories are `<ecr_prefix>/<connector id>`.
    pub fn new(config: &aws_config::SdkConfig, ecr_prefix: &str) -> Self {
        Self { ecr: aws_sdk_ecr::Client::new(config), ecr_prefix: ecr_prefix.to_string() }
    }

    /// Deletes the connector's repository with its images, as [`CodeBuildBuilder`] does.
    pub async fn delete_images(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        delete_repository(&self.ecr, &self.ecr_prefix, connector).await
    }
}

fn repository_name(ecr_prefix: &str, connector: ConnectorId) -> String {
    format!("{}/{connector}", ecr_prefix.trim_end_matches('/'))
}

/// Deletes a connector's repository and its images; a repository already gone is success.
async fn delete_repository(ecr: &aws_sdk_ecr::Client, ecr_prefix: &str, connector: ConnectorId) -> Result<(), StageFailure> {
    let name = repository_name(ecr_prefix, connector);
    match ecr.delete_repository().repository_name(&name).force(true).send().await {
        Ok(_) => {
            tracing::info!(connector = %connector, repository = %name, "ECR repository deleted");
            Ok(())
        }
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception()) => Ok(()),
        Err(e) => Err(stage_failure("ECR DeleteRepository", e)),
    }
}

fn var(name: &str, value: &str, kind: EnvironmentVariableType) -> Result<EnvironmentVariable, BuildFailure> {
    EnvironmentVariable::builder().name(name).value(value).r#type(kind).build().map_err(|e| internal(format!("environment variable {name}: {e}")))
}

fn is_terminal(build: &Build) -> bool {
    build.build_complete() || !matches!(build.build_status(), None | Some(StatusType::InProgress))
}

// ---------------------------------------------------------------------------------------
// The build log: forwarding, scrubbing, markers.
// ---------------------------------------------------------------------------------------

/// The build's log stream as read so far.
struct LogTail<'a> {
    sink: &'a dyn LogSink,
    scrubber: Scrubber,
    /// Group and stream, known from the first status poll.
    location: Option<(String, String)>,
    /// `nextForwardToken` of the last read.
    token: Option<String>,
    markers: Markers,
    /// The build was handed to the next delivery (time budget spent), not failed.
    handed_on: bool,
}

impl<'a> LogTail<'a> {
    fn new(sink: &'a dyn LogSink, scrubber: Scrubber) -> Self {
        Self { sink, scrubber, location: None, token: None, markers: Markers::default(), handed_on: false }
    }

    async fn system(&self, text: &str) {
        self.sink.line(LogStream::System, &self.scrubber.scrub(text)).await;
    }

    /// Forwards the lines written since the last read. A stream that does not exist yet (the
    /// build has not started writing) has no lines.
    async fn read(&mut self, logs: &aws_sdk_cloudwatchlogs::Client) -> Result<(), BuildFailure> {
        let Some((group, stream)) = self.location.clone() else { return Ok(()) };
        for _ in 0..LOG_PAGES_PER_POLL {
            let res = logs
                .get_log_events()
                .log_group_name(&group)
                .log_stream_name(&stream)
                .start_from_head(true)
                .set_next_token(self.token.clone())
                .send()
                .await;
            let out = match res {
                Ok(out) => out,
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(()),
                Err(e) => return Err(aws_internal("CloudWatch Logs GetLogEvents", e)),
            };
            for event in out.events() {
                let message = event.message().unwrap_or_default();
                // CodeBuild's own lines, including the continuation lines of a multi-line
                // command it echoes, are shown but never read for markers or causes.
                let own = message.starts_with("[Container]");
                for line in message.split('\n') {
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    if line.is_empty() {
                        continue;
                    }
                    let line = self.scrubber.scrub(line);
                    self.sink.line(LogStream::Stdout, &line).await;
                    if !own {
                        self.markers.observe(&line);
                    }
                }
            }
            let next = out.next_forward_token().map(str::to_string);
            // At the end of the stream GetLogEvents answers the token it was given.
            let at_end = next.is_none() || next == self.token;
            if next.is_some() {
                self.token = next;
            }
            if at_end {
                break;
            }
        }
        Ok(())
    }
}

/// What the buildspec's marker lines said, and the last ordinary output line (the most likely
/// cause of a failure).
#[derive(Debug, Default, PartialEq)]
struct Markers {
    commit: Option<String>,
    digest: Option<String>,
    failure: Option<(BuildFailureKind, Option<i32>)>,
    last_output: Option<String>,
    /// The marker lines as read, carried in a checkpoint to the next delivery.
    lines: Vec<String>,
}

/// One marker line.
#[derive(Debug, PartialEq)]
enum Marker {
    Commit(String),
    Digest(String),
    Failure(BuildFailureKind, Option<i32>),
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A marker line, if `line` is one (it must start with `devportal: `: echoes of the command
/// that printed it start with `[Container]`). Malformed markers are not markers.
fn parse_marker(line: &str) -> Option<Marker> {
    let rest = line.trim_end().strip_prefix(MARKER)?;
    let mut words = rest.split_whitespace();
    let marker = match (words.next()?, words.next()?) {
        ("commit", sha) if (sha.len() == 40 || sha.len() == 64) && is_hex(sha) => Marker::Commit(sha.to_ascii_lowercase()),
        ("digest", d) if d.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && is_hex(h)) => Marker::Digest(d.to_string()),
        ("failure", kind) => {
            let kind: BuildFailureKind = serde_json::from_value(serde_json::Value::String(kind.to_string())).ok()?;
            if kind == BuildFailureKind::Cancelled {
                return None;
            }
            let code = match words.next() {
                Some(c) => Some(c.parse::<i32>().ok()?),
                None => None,
            };
            Marker::Failure(kind, code)
        }
        _ => return None,
    };
    words.next().is_none().then_some(marker)
}

impl Markers {
    fn observe(&mut self, line: &str) {
        let marker = parse_marker(line);
        if marker.is_some() {
            self.lines.push(line.to_string());
        }
        match marker {
            Some(Marker::Commit(c)) => self.commit = Some(c),
            Some(Marker::Digest(d)) => self.digest = Some(d),
            // The first failure is the cause; later ones are consequences.
            Some(Marker::Failure(kind, code)) => {
                self.failure.get_or_insert((kind, code));
            }
            None if !line.starts_with("[Container]") && !line.trim().is_empty() && self.failure.is_none() => {
                self.last_output = Some(line.trim().to_string());
            }
            None => {}
        }
    }

    /// Whether a marker the answer to this status needs has not been read (yet).
    fn missing_for(&self, status: Option<&StatusType>) -> bool {
        match status {
            Some(StatusType::Succeeded) => self.commit.is_none() || self.digest.is_none(),
            Some(StatusType::Failed) => self.failure.is_none(),
            _ => false,
        }
    }

    fn cause(&self) -> String {
        self.last_output.as_deref().map(|l| format!(": {l}")).unwrap_or_default()
    }
}

/// The failure a finished, unsuccessful build stands for (see the table in the module docs).
fn failure_of(build: &Build, status: &StatusType, markers: &Markers, branch: &str) -> BuildFailure {
    let phase_note = failed_phase(build)
        .map(|(phase, message)| match message {
            Some(m) => format!(" in phase {phase}: {m}"),
            None => format!(" in phase {phase}"),
        })
        .unwrap_or_default();
    match status {
        StatusType::Failed => match markers.failure {
            Some((kind, code)) => failure_from_marker(kind, code, markers, branch),
            None => {
                let (kind, what) = match failed_phase(build).map(|(p, _)| p) {
                    Some(BuildPhaseType::DownloadSource | BuildPhaseType::PreBuild) => (BuildFailureKind::CloneFailed, "git clone failed"),
                    Some(BuildPhaseType::Build) => (BuildFailureKind::ImageBuildFailed, "image build failed"),
                    Some(BuildPhaseType::PostBuild) => (BuildFailureKind::PushFailed, "push failed"),
                    _ => (BuildFailureKind::Internal, "the build host failed"),
                };
                BuildFailure::new(kind, format!("{what}{phase_note}{}", markers.cause()), None)
            }
        },
        // Waiting in CodeBuild's queue past QueuedTimeoutInMinutes: no capacity now, may work later.
        StatusType::TimedOut if matches!(failed_phase(build), Some((BuildPhaseType::Queued | BuildPhaseType::Submitted, _))) => {
            BuildFailure::new(BuildFailureKind::Internal, format!("CodeBuild could not start the build in time{phase_note}"), None)
        }
        StatusType::TimedOut => {
            let limit = build.timeout_in_minutes().map(|m| format!(" (limit {m} min)")).unwrap_or_default();
            BuildFailure::new(BuildFailureKind::ImageBuildFailed, format!("the build timed out{limit}{phase_note}"), None)
        }
        StatusType::Stopped => cancelled("the build was stopped in CodeBuild"),
        StatusType::Fault => BuildFailure::new(BuildFailureKind::Internal, format!("CodeBuild failed (FAULT){phase_note}"), None),
        other => BuildFailure::new(BuildFailureKind::Internal, format!("the build ended with status {other}"), None),
    }
}

/// Reasons in the words of the embedded builder's (PRODUCT.md §5).
fn failure_from_marker(kind: BuildFailureKind, code: Option<i32>, markers: &Markers, branch: &str) -> BuildFailure {
    let code_text = code.map_or("none".to_string(), |c| c.to_string());
    let cause = markers.cause();
    let reason = match kind {
        BuildFailureKind::CloneFailed => format!("git clone failed (exit code {code_text}){cause}"),
        BuildFailureKind::DockerfileMissing => {
            let at = markers.commit.as_deref().map(|c| format!(", commit {}", &c[..12.min(c.len())])).unwrap_or_default();
            format!("no `Dockerfile` at the root of the repository (branch `{branch}`{at})")
        }
        BuildFailureKind::DockerfileInvalid => format!("the Dockerfile is invalid{cause}"),
        BuildFailureKind::ImageBuildFailed => format!("image build failed (exit code {code_text}){cause}"),
        BuildFailureKind::HealthCheckTimedOut => "health check timed out: no exit within the limit".to_string(),
        BuildFailureKind::HealthCheckFailed => match code {
            Some(n) => format!("health check exited with code {n}"),
            None => format!("health check failed{cause}"),
        },
        BuildFailureKind::PushFailed => format!("push failed (exit code {code_text}){cause}"),
        BuildFailureKind::MissingCredentials => format!("the build could not read the Git credentials{cause}"),
        BuildFailureKind::Internal | BuildFailureKind::Cancelled => format!("the build host failed{cause}"),
    };
    BuildFailure::new(kind, reason, code)
}

/// The first phase that did not succeed, with its context message.
fn failed_phase(build: &Build) -> Option<(BuildPhaseType, Option<String>)> {
    build.phases().iter().find_map(|p| {
        let status = p.phase_status()?;
        if matches!(status, StatusType::Succeeded | StatusType::InProgress) {
            return None;
        }
        let message = p.contexts().iter().filter_map(|c| c.message()).find(|m| !m.is_empty()).map(str::to_string);
        Some((p.phase_type()?.clone(), message))
    })
}

/// Removes secret values from log lines before they reach the job log. CodeBuild masks
/// `SECRETS_MANAGER` variables itself; this also covers the values the request carries, a
/// password written into the repository URL and the domain's secret patterns
/// ([`Redactor::for_git`], docs/ARCHITECTURE.md "Secrets in logs").
struct Scrubber {
    redactor: Redactor,
}

impl Scrubber {
    fn new(request: &BuildRequest) -> Self {
        Self { redactor: Redactor::for_git(&request.url, &request.credentials) }
    }

    fn scrub(&self, text: &str) -> String {
        self.redactor.text(text)
    }
}

fn internal(reason: impl Into<String>) -> BuildFailure {
    BuildFailure::new(BuildFailureKind::Internal, reason, None)
}

fn cancelled(reason: &str) -> BuildFailure {
    BuildFailure::new(BuildFailureKind::Cancelled, reason, None)
}

fn aws_internal<E>(operation: &str, err: aws_sdk_codebuild::error::SdkError<E>) -> BuildFailure
where
    E: aws_sdk_codebuild::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    internal(stage_failure(operation, err).reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_codebuild::types::{BuildPhase, PhaseContext};
    use base64::Engine;
    use devportal_domain::pipeline::JobId;
    use devportal_domain::redact::MASK_SHORT;
    use devportal_domain::secret::{SecretRef, SecretValue};

    #[test]
    fn markers_are_whole_lines_of_their_own() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(parse_marker(&format!("devportal: commit {sha}")), Some(Marker::Commit(sha.into())));
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(parse_marker(&format!("devportal: digest {digest}")), Some(Marker::Digest(digest.clone())));
        assert_eq!(parse_marker("devportal: failure clone_failed 128"), Some(Marker::Failure(BuildFailureKind::CloneFailed, Some(128))));
        assert_eq!(parse_marker("devportal: failure dockerfile_missing"), Some(Marker::Failure(BuildFailureKind::DockerfileMissing, None)));
        assert_eq!(
            parse_marker("devportal: failure health_check_timed_out 124"),
            Some(Marker::Failure(BuildFailureKind::HealthCheckTimedOut, Some(124)))
        );
        // CodeBuild's echo of the command, unknown kinds, malformed values: not markers.
        assert_eq!(parse_marker(r#"[Container] 2025/01/01 00:00:00 Running command echo "devportal: commit $(git rev-parse HEAD)""#), None);
        assert_eq!(parse_marker("devportal: commit $(git -C src rev-parse HEAD)"), None);
        assert_eq!(parse_marker("devportal: digest sha256:abc"), None);
        assert_eq!(parse_marker("devportal: failure exploded 1"), None);
        assert_eq!(parse_marker("devportal: failure cancelled"), None);
        assert_eq!(parse_marker("devportal: failure push_failed one"), None);
        assert_eq!(parse_marker(&format!("devportal: commit {sha} extra")), None);
    }

    #[test]
    fn the_first_failure_and_the_output_before_it_explain_the_build() {
        let mut m = Markers::default();
        for line in [
            "[Container] Running command git clone",
            "Cloning into 'src'...",
            "fatal: could not read Username",
            "devportal: failure clone_failed 128",
            "devportal: failure push_failed 1",
            "later noise",
        ] {
            m.observe(line);
        }
        assert_eq!(m.failure, Some((BuildFailureKind::CloneFailed, Some(128))));
        assert_eq!(m.last_output.as_deref(), Some("fatal: could not read Username"));
    }

    fn build(status: StatusType, phases: &[(BuildPhaseType, StatusType)]) -> Build {
        let mut b = Build::builder().id("p:1").build_status(status).build_complete(true).timeout_in_minutes(14);
        for (t, s) in phases {
            b = b.phases(
                BuildPhase::builder()
                    .phase_type(t.clone())
                    .phase_status(s.clone())
                    .contexts(PhaseContext::builder().status_code("X").message("Error while executing command").build())
                    .build(),
            );
        }
        b.build()
    }

    #[test]
    fn without_a_marker_the_failed_phase_decides() {
        let none = Markers::default();
        let ok = StatusType::Succeeded;
        for (phase, kind) in [
            (BuildPhaseType::DownloadSource, BuildFailureKind::CloneFailed),
            (BuildPhaseType::PreBuild, BuildFailureKind::CloneFailed),
            (BuildPhaseType::Build, BuildFailureKind::ImageBuildFailed),
            (BuildPhaseType::PostBuild, BuildFailureKind::PushFailed),
            (BuildPhaseType::Provisioning, BuildFailureKind::Internal),
        ] {
            let b = build(StatusType::Failed, &[(BuildPhaseType::Submitted, ok.clone()), (phase.clone(), StatusType::Failed)]);
            let f = failure_of(&b, &StatusType::Failed, &none, "main");
            assert_eq!(f.kind, kind, "{phase:?}");
            assert!(f.reason.contains(phase.as_str()), "{}", f.reason);
        }
        let f = failure_of(&build(StatusType::TimedOut, &[]), &StatusType::TimedOut, &none, "main");
        assert_eq!((f.kind, f.retryable), (BuildFailureKind::ImageBuildFailed, false));
        assert!(f.reason.contains("timed out"), "{}", f.reason);
        let queued = build(StatusType::TimedOut, &[(BuildPhaseType::Queued, StatusType::TimedOut)]);
        assert_eq!(failure_of(&queued, &StatusType::TimedOut, &none, "main").kind, BuildFailureKind::Internal);
        assert_eq!(failure_of(&build(StatusType::Stopped, &[]), &StatusType::Stopped, &none, "main").kind, BuildFailureKind::Cancelled);
        let fault = failure_of(&build(StatusType::Fault, &[]), &StatusType::Fault, &none, "main");
        assert_eq!((fault.kind, fault.retryable), (BuildFailureKind::Internal, true));
    }

    fn request(credentials: GitCredentials, credential_ref: Option<&str>) -> BuildRequest {
        BuildRequest {
            job_id: JobId::new(),
            connector_id: ConnectorId::new(),
            version: 3,
            url: "https://git.example/org/repo.git".into(),
            branch: "main".into(),
            credentials,
            credential_ref: credential_ref.map(|r| SecretRef(r.into())),
            health_check_argv: vec!["python".into(), "main.py".into(), "it's ok".into()],
            health_check_timeout: Duration::from_millis(4500),
            resume: None,
            deadline: None,
        }
    }

    fn vars(request: &BuildRequest) -> Result<Vec<(String, String, EnvironmentVariableType)>, BuildFailure> {
        Ok(CodeBuildBuilder::environment(request, "repo:tag", None)?.into_iter().map(|v| (v.name, v.value, v.r#type.expect("a type"))).collect())
    }

    #[test]
    fn the_git_token_goes_by_reference_only() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dp/git-token/x-AbCdEf";
        let token = SecretValue::new("ghp_supersecret");
        let r = request(GitCredentials::Basic { username: "bot".into(), token }, Some(arn));
        let v = vars(&r).unwrap();
        assert!(v.contains(&("GIT_TOKEN".into(), arn.into(), EnvironmentVariableType::SecretsManager)));
        assert!(v.contains(&("GIT_USERNAME".into(), "bot".into(), EnvironmentVariableType::Plaintext)));
        assert!(v.iter().all(|(_, value, _)| !value.contains("ghp_supersecret")));
        assert!(v.contains(&("HEALTH_CHECK".into(), "python main.py 'it'\\''s ok'".into(), EnvironmentVariableType::Plaintext)));
        assert!(v.contains(&("HEALTH_CHECK_TIMEOUT".into(), "5".into(), EnvironmentVariableType::Plaintext)));

        let key = GitCredentials::DeployKey { private_key: SecretValue::new("k") };
        let v = vars(&request(key.clone(), Some(arn))).unwrap();
        assert!(v.contains(&("GIT_DEPLOY_KEY".into(), arn.into(), EnvironmentVariableType::SecretsManager)));
        assert_eq!(vars(&request(key.clone(), None)).unwrap_err().kind, BuildFailureKind::MissingCredentials);
        assert_eq!(vars(&request(key, Some("local:0190"))).unwrap_err().kind, BuildFailureKind::MissingCredentials);
        assert!(vars(&request(GitCredentials::None, None)).unwrap().iter().all(|(n, _, _)| !n.starts_with("GIT_TOKEN")));
    }

    #[test]
    fn scrubbing_removes_the_token_and_a_url_password() {
        let mut r = request(GitCredentials::Basic { username: "bot".into(), token: SecretValue::new("ghp_supersecret") }, None);
        r.url = "https://bot:hunter22@git.example/org/repo.git".into();
        let s = Scrubber::new(&r);
        assert_eq!(s.scrub("token ghp_supersecret and hunter22"), format!("token {MASK_SHORT} and {MASK_SHORT}"));
        assert_eq!(
            s.scrub("[Container] Running command git clone https://bot:hunter22@git.example/org/repo.git"),
            "[Container] Running command git clone https://bot:****@git.example/org/repo.git"
        );
        assert_eq!(s.scrub("curl -H 'Authorization: Bearer abc.def-123'"), "curl -H 'Authorization: Bearer ****'");
        let basic = base64::engine::general_purpose::STANDARD.encode("bot:ghp_supersecret");
        assert_eq!(s.scrub(&format!("Authorization: Basic {basic}")), "Authorization: Basic ****");
        // A registered deploy key's body, line by line.
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----";
        let s = Scrubber::new(&request(GitCredentials::DeployKey { private_key: SecretValue::new(key) }, None));
        assert_eq!(s.scrub("echo b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"), "echo ****");
    }
}
