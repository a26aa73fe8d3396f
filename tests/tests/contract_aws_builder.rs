//! The AWS image builder (`CodeBuildBuilder`: CodeBuild + ECR + CloudWatch Logs) and runtime
//! (`EcsRuntime`: ECS task definitions) on moto.
//!
//! moto runs through `tests/moto/launcher.py`, whose CodeBuild fake advances one phase per
//! `BatchGetBuilds`, writes the buildspec's output and marker lines into the build's CloudWatch
//! Logs stream, pushes a manifest into ECR on success, and picks the outcome from the
//! `GIT_BRANCH` override (`fail-clone`, `fail-build`, `slow`, …; see the launcher). Each test
//! creates its own CodeBuild project, log group and ECR prefix, so tests run in parallel.

use devportal_aws::aws_sdk_codebuild;
use devportal_aws::aws_sdk_codebuild::types::{EnvironmentVariableType, StatusType};
use devportal_aws::aws_sdk_ecr;
use devportal_aws::aws_sdk_ecs;
use devportal_aws::aws_sdk_secretsmanager;
use devportal_aws::{CodeBuildBuilder, CodeBuildSettings, EcsRuntime, EcsSettings, SecretsManagerSecrets};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{BuildCheckpoint, BuildFailureKind, JobId, LogStream};
use devportal_domain::ports::{BuildRequest, Cancellation, GitCredentials, ImageBuilder, LogSink, Runtime, SecretStore};
use devportal_domain::secret::{SecretKind, SecretValue};
use devportal_tests::moto;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const POLL: Duration = Duration::from_millis(20);

/// One test's CodeBuild project, log group and ECR prefix on moto, and the builder on them.
struct Fixture {
    builder: CodeBuildBuilder,
    codebuild: aws_sdk_codebuild::Client,
    ecr: aws_sdk_ecr::Client,
    config: devportal_aws::aws_config::SdkConfig,
    project: String,
    ecr_prefix: String,
}

async fn fixture() -> Fixture {
    let config = moto::config().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let project = format!("devportal-build-{}", &id[..12]);
    let log_group = format!("/devportal/builds/{}", &id[..12]);
    let ecr_prefix = format!("dp-{}", &id[..12]);
    moto::create_build_project(&config, &project, &log_group).await;
    let codebuild = aws_sdk_codebuild::Client::new(&config);
    let builder = CodeBuildBuilder::new(
        &config,
        CodeBuildSettings {
            project: project.clone(),
            log_group,
            ecr_prefix: ecr_prefix.clone(),
            poll_interval: POLL,
            url_policy: devportal_domain::wizard::url_policy::UrlPolicy::STRICT,
        },
    );
    Fixture { builder, codebuild, ecr: aws_sdk_ecr::Client::new(&config), config, project, ecr_prefix }
}

impl Fixture {
    /// The builds of this test's project, each as BatchGetBuilds shows it.
    async fn builds(&self) -> Vec<aws_sdk_codebuild::types::Build> {
        let ids = self.codebuild.list_builds_for_project().project_name(&self.project).send().await.unwrap().ids.unwrap_or_default();
        if ids.is_empty() {
            return vec![];
        }
        self.codebuild.batch_get_builds().set_ids(Some(ids)).send().await.unwrap().builds.unwrap_or_default()
    }

    async fn repository_uri(&self, connector: ConnectorId) -> String {
        let out = self.ecr.describe_repositories().repository_names(format!("{}/{connector}", self.ecr_prefix)).send().await.unwrap();
        out.repositories()[0].repository_uri().unwrap().to_string()
    }
}

fn request(branch: &str) -> BuildRequest {
    BuildRequest {
        job_id: JobId::new(),
        connector_id: ConnectorId::new(),
        version: 1,
        url: "https://140.82.112.3/acme/connector.git".into(),
        branch: branch.into(),
        credentials: GitCredentials::None,
        credential_ref: None,
        health_check_argv: vec!["python".into(), "main.py".into(), "--health-check".into()],
        health_check_timeout: Duration::from_secs(5),
        resume: None,
        deadline: None,
    }
}

/// A job log in memory; optionally sets the cancellation flag when a line containing
/// `cancel_on` arrives (a cancellation in the middle of a build, at a known point).
#[derive(Default)]
struct Recorder {
    lines: Mutex<Vec<(LogStream, String)>>,
    cancel_on: Option<String>,
    cancelled: AtomicBool,
    checkpoints: Mutex<Vec<BuildCheckpoint>>,
}

#[async_trait::async_trait]
impl LogSink for Recorder {
    async fn line(&self, stream: LogStream, text: &str) {
        if self.cancel_on.as_deref().is_some_and(|c| text.contains(c)) {
            self.cancelled.store(true, Ordering::SeqCst);
        }
        self.lines.lock().unwrap().push((stream, text.to_string()));
    }

    async fn checkpoint(&self, checkpoint: &BuildCheckpoint) {
        self.checkpoints.lock().unwrap().push(checkpoint.clone());
    }
}

impl Cancellation for Recorder {
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl Recorder {
    fn lines(&self) -> Vec<(LogStream, String)> {
        self.lines.lock().unwrap().clone()
    }

    fn position(&self, stream: LogStream, starts: &str) -> Option<usize> {
        self.lines().iter().position(|(s, t)| *s == stream && t.starts_with(starts))
    }

    fn text(&self) -> String {
        self.lines().iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n")
    }
}

fn env_of(build: &aws_sdk_codebuild::types::Build) -> Vec<(String, String, EnvironmentVariableType)> {
    build
        .environment()
        .map(|e| e.environment_variables().iter().map(|v| (v.name.clone(), v.value.clone(), v.r#type().cloned().unwrap())).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_successful_build_streams_its_log_and_answers_the_image_ecr_holds() {
    let f = fixture().await;
    let req = request("main");
    let log = Recorder::default();
    let image = f.builder.build(&req, &log, &log).await.expect("the build succeeds");

    // The build's own output and the marker lines reached the job log as stdout, in order,
    // between the phase lines the builder wrote while polling (so: live, not at the end).
    let commit_line = log.position(LogStream::Stdout, "devportal: commit ").expect("commit marker in the job log");
    let step = log.position(LogStream::Stdout, "Step 1/2 : FROM scratch").expect("docker build output in the job log");
    let digest_line = log.position(LogStream::Stdout, "devportal: digest ").expect("digest marker in the job log");
    let build_phase = log.position(LogStream::System, "CodeBuild phase BUILD").expect("phase line");
    let completed = log.position(LogStream::System, "CodeBuild phase COMPLETED").expect("phase line");
    assert!(commit_line < step && step < digest_line, "{:#?}", log.lines());
    assert!(build_phase < step && commit_line < completed && digest_line < completed, "{:#?}", log.lines());
    assert!(log.text().contains("Running command"), "CodeBuild's echo lines are shown too");

    assert_eq!(log.lines()[commit_line].1, format!("devportal: commit {}", image.commit));
    assert_eq!(image.commit.len(), 40);
    assert_eq!(log.lines()[digest_line].1, format!("devportal: digest {}", image.digest));

    // Digest and size as ECR knows the tag; the reference pins the digest.
    let tag = format!("v1-{}", req.job_id);
    let repository = format!("{}/{}", f.ecr_prefix, req.connector_id);
    let described = f
        .ecr
        .describe_images()
        .repository_name(&repository)
        .image_ids(aws_sdk_ecr::types::ImageIdentifier::builder().image_tag(&tag).build())
        .send()
        .await
        .unwrap();
    let detail = &described.image_details()[0];
    assert_eq!(detail.image_digest(), Some(image.digest.as_str()));
    assert_eq!(detail.image_size_in_bytes(), Some(image.size_bytes as i64));
    assert!(image.size_bytes > 0);
    let uri = f.repository_uri(req.connector_id).await;
    assert_eq!(image.image_ref, format!("{uri}@{}", image.digest));
    let described = f.ecr.describe_repositories().repository_names(&repository).send().await.unwrap();
    let scanning = described.repositories()[0].image_scanning_configuration().expect("scanning configuration");
    assert!(scanning.scan_on_push(), "images are scanned on push");
    // Images the runtime registered (tagged `keep-…`) are selected first and never expire;
    // then untagged images expire, then every other build.
    let policy = f.ecr.get_lifecycle_policy().repository_name(&repository).send().await.expect("a lifecycle policy");
    let policy: serde_json::Value = serde_json::from_str(policy.lifecycle_policy_text().unwrap()).unwrap();
    let rules = policy["rules"].as_array().unwrap();
    let selections: Vec<_> = rules.iter().map(|r| (r["rulePriority"].as_u64(), r["selection"]["tagStatus"].as_str())).collect();
    assert_eq!(selections, [(Some(1), Some("tagged")), (Some(2), Some("untagged")), (Some(3), Some("any"))], "{policy}");
    assert_eq!(rules[0]["selection"]["tagPrefixList"], json!([devportal_aws::KEEP_TAG_PREFIX]), "{policy}");
    assert_eq!(rules[0]["selection"]["countType"], "imageCountMoreThan", "kept images are only counted: {policy}");
    assert!(rules[0]["selection"]["countNumber"].as_u64() >= Some(10_000), "{policy}");
    assert_eq!(rules[1]["selection"]["countNumber"], devportal_aws::UNTAGGED_IMAGE_DAYS, "{policy}");
    assert_eq!(rules[2]["selection"]["countNumber"], devportal_aws::UNUSED_IMAGE_DAYS, "{policy}");
    assert!(rules.iter().all(|r| r["action"]["type"] == "expire"));

    // What the build was told.
    let builds = f.builds().await;
    assert_eq!(builds.len(), 1);
    let env = env_of(&builds[0]);
    let plain =
        |name: &str, value: &str| assert!(env.contains(&(name.into(), value.into(), EnvironmentVariableType::Plaintext)), "{name} in {env:#?}");
    plain("GIT_URL", "https://140.82.112.3/acme/connector.git");
    plain("GIT_BRANCH", "main");
    plain("IMAGE_URI", &format!("{uri}:{tag}"));
    plain("HEALTH_CHECK", "python main.py --health-check");
    plain("HEALTH_CHECK_TIMEOUT", "5");
    plain("DEVPORTAL_JOB_ID", &req.job_id.to_string());
    assert!(env.iter().all(|(n, _, _)| !n.starts_with("GIT_TOKEN") && n != "GIT_DEPLOY_KEY"), "a public repository needs no secret");
}

#[tokio::test]
async fn a_repository_that_resolves_inside_is_refused_before_codebuild_starts() {
    // CodeBuild clones with its own resolver, next to the metadata and credential endpoints
    // (169.254.169.254, 169.254.170.2): the builder resolves and checks first, and the build
    // is pinned to what was checked.
    let f = fixture().await;
    for (url, rule) in [
        ("https://169.254.170.2/v2/credentials.git", "rule `link-local`"),
        ("https://2852039166/latest/meta-data.git", "rule `link-local`"),
        ("https://localhost/acme/connector.git", "rule `loopback`"),
        ("https://2130706433/acme/connector.git", "rule `loopback`"),
        ("http://140.82.112.3/acme/connector.git", "rule `local scheme`"),
        ("git@10.1.2.3:acme/connector.git", "rule `private network`"),
    ] {
        let req = BuildRequest { url: url.into(), ..request("main") };
        let log = Recorder::default();
        let failure = f.builder.build(&req, &log, &log).await.expect_err("the build is refused");
        assert_eq!(failure.kind, BuildFailureKind::CloneFailed, "{url}: {failure:?}");
        assert!(failure.reason.contains(rule), "{url}: {}", failure.reason);
    }
    assert!(f.builds().await.is_empty(), "no CodeBuild build was started");

    // A host name that resolves to allowed addresses is pinned to them.
    let mut pinned = None;
    let policy = devportal_domain::wizard::url_policy::UrlPolicy::LOCAL;
    let local = CodeBuildBuilder::new(
        &f.config,
        CodeBuildSettings {
            project: f.project.clone(),
            log_group: format!("/aws/codebuild/{}", f.project),
            ecr_prefix: f.ecr_prefix.clone(),
            poll_interval: POLL,
            url_policy: policy,
        },
    );
    let req = BuildRequest { url: "https://localhost:8443/acme/connector.git".into(), ..request("main") };
    let log = Recorder::default();
    local.build(&req, &log, &log).await.expect("a loopback repository is allowed by --allow-local-repos");
    for build in f.builds().await {
        if let Some((_, value, _)) = env_of(&build).into_iter().find(|(n, _, _)| n == "GIT_RESOLVE") {
            pinned = Some(value);
        }
    }
    let pinned = pinned.expect("the build gets GIT_RESOLVE");
    assert!(pinned.starts_with("localhost:8443:") && pinned.contains("127.0.0.1"), "{pinned}");
    assert!(!pinned.contains("169.254"), "{pinned}");
}

#[tokio::test]
async fn a_delivery_whose_budget_runs_out_hands_the_build_on_and_the_next_re_attaches_without_starting_another() {
    let f = fixture().await;
    let req = request("main");
    // The first delivery's budget is spent at once: it starts the build, reads one status and
    // what the log has, records where it stands and hands the build on (retryable).
    let first = Recorder::default();
    let dying = BuildRequest { deadline: Some(std::time::Instant::now()), ..req.clone() };
    let err = f.builder.build(&dying, &first, &first).await.expect_err("the budget is spent before the build ends");
    assert!(err.retryable, "handed on, not failed: {}", err.reason);
    assert!(err.reason.contains("still running"), "{}", err.reason);
    assert!(!first.text().contains("build failed"), "no failure is shown: {}", first.text());
    let checkpoints = first.checkpoints.lock().unwrap().clone();
    assert_eq!(checkpoints.len(), 2, "recorded when started and when handed on: {checkpoints:?}");
    let builds = f.builds().await;
    assert_eq!(builds.len(), 1);
    assert_eq!(checkpoints[0], BuildCheckpoint { build_id: builds[0].id().unwrap().to_string(), log_token: None, markers: vec![] });
    let last = checkpoints[1].clone();
    assert_eq!(last.build_id, checkpoints[0].build_id);
    assert!(last.log_token.is_some(), "the log position is kept");
    assert!(!matches!(builds[0].build_status(), Some(StatusType::Succeeded)), "the build was still running when handed on");

    // Each next delivery, with its budget spent at once too, follows that build from where
    // the job log is, until one sees it end.
    let mut deliveries = vec![first];
    let mut last = last;
    let image = loop {
        assert!(deliveries.len() < 60, "the build never ended");
        let next = Recorder::default();
        let resumed = BuildRequest { resume: Some(last.clone()), deadline: Some(std::time::Instant::now()), ..req.clone() };
        let result = f.builder.build(&resumed, &next, &next).await;
        assert!(next.text().contains(&format!("re-attached to CodeBuild build {}", last.build_id)), "{}", next.text());
        if let Some(cp) = next.checkpoints.lock().unwrap().last() {
            last = cp.clone();
        }
        deliveries.push(next);
        match result {
            Ok(image) => break image,
            Err(e) => assert!(e.retryable && e.reason.contains("still running"), "{}", e.reason),
        }
    };
    assert!(image.image_ref.contains("@sha256:"), "{image:?}");
    assert!(deliveries.len() >= 3, "the build outlived several deliveries");
    assert_eq!(f.builds().await.len(), 1, "one CodeBuild build");
    // StartBuild was called once: only the first delivery shows the start line.
    let started = |r: &Recorder| r.lines().iter().filter(|(_, t)| t.starts_with("CodeBuild build ") && t.contains(" in project ")).count();
    assert_eq!(deliveries.iter().map(started).collect::<Vec<_>>().iter().sum::<usize>(), 1);
    assert_eq!(started(&deliveries[0]), 1);
    // Every output line reached the job log exactly once across the deliveries, markers included.
    let output: Vec<String> =
        deliveries.iter().flat_map(|r| r.lines().into_iter().filter(|(s, _)| *s != LogStream::System).map(|(_, t)| t)).collect();
    let copied_by = deliveries.iter().filter(|r| r.lines().iter().any(|(s, _)| *s != LogStream::System)).count();
    assert!(copied_by >= 2, "the log was copied by several deliveries");
    let mut unique = output.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), output.len(), "no line twice: {output:?}");
    assert!(output.iter().any(|l| l.starts_with("devportal: commit ")) && output.iter().any(|l| l.starts_with("devportal: digest ")));
}

#[tokio::test]
async fn building_the_same_job_again_attaches_to_its_build_and_answers_the_same_image() {
    let f = fixture().await;
    let req = request("main");
    let first = f.builder.build(&req, &Recorder::default(), &Recorder::default()).await.expect("first delivery");
    let log = Recorder::default();
    let second = f.builder.build(&req, &log, &log).await.expect("second delivery");
    assert_eq!(first, second);
    assert_eq!(f.builds().await.len(), 1, "one CodeBuild build per job (idempotency token)");
    assert!(log.position(LogStream::Stdout, "devportal: digest ").is_some(), "the second delivery shows the build's log too");

    // Another job of the same connector: its own build and tag in the same repository.
    let mut next = req.clone();
    next.job_id = JobId::new();
    let third = f.builder.build(&next, &Recorder::default(), &Recorder::default()).await.expect("next job");
    assert_eq!(f.builds().await.len(), 2);
    assert_ne!(third.digest, first.digest);
    assert_eq!(third.image_ref.split('@').next(), first.image_ref.split('@').next());
}

#[tokio::test]
async fn each_failure_maps_to_its_kind_reason_and_exit_code() {
    let f = fixture().await;
    let cases: &[(&str, BuildFailureKind, Option<i32>, &str)] = &[
        ("fail-clone", BuildFailureKind::CloneFailed, Some(128), "git clone failed (exit code 128): fatal: Remote branch fail-clone not found"),
        ("fail-dockerfile", BuildFailureKind::DockerfileMissing, None, "no `Dockerfile` at the root of the repository (branch `fail-dockerfile`"),
        ("fail-build", BuildFailureKind::ImageBuildFailed, Some(2), "image build failed (exit code 2): COPY failed"),
        ("fail-health-check", BuildFailureKind::HealthCheckFailed, Some(3), "health check exited with code 3"),
        ("fail-health-timeout", BuildFailureKind::HealthCheckTimedOut, Some(124), "health check timed out"),
        ("fail-push", BuildFailureKind::PushFailed, Some(1), "push failed (exit code 1): denied"),
        // No failure marker: the failed phase decides.
        ("fail-silent", BuildFailureKind::ImageBuildFailed, None, "image build failed in phase BUILD"),
        ("timeout", BuildFailureKind::ImageBuildFailed, None, "the build timed out (limit 13 min)"),
        ("stopped-elsewhere", BuildFailureKind::Cancelled, None, "stopped in CodeBuild"),
        ("fault", BuildFailureKind::Internal, None, "CodeBuild failed (FAULT)"),
    ];
    for (branch, kind, code, reason) in cases {
        let log = Recorder::default();
        let failure = f.builder.build(&request(branch), &log, &log).await.expect_err(branch);
        assert_eq!((failure.kind, failure.exit_code), (*kind, *code), "{branch}: {failure:?}");
        assert!(failure.reason.contains(reason), "{branch}: `{}` should contain `{reason}`", failure.reason);
        assert_eq!(failure.retryable, *kind == BuildFailureKind::Internal, "{branch}: only internal failures are retried");
        let last = log.lines().last().cloned().unwrap();
        assert_eq!(last, (LogStream::System, format!("build failed: {}", failure.reason)), "{branch}");
    }
}

#[tokio::test]
async fn cancelling_mid_build_stops_the_codebuild_build() {
    let f = fixture().await;
    let log = Recorder { cancel_on: Some("still building (2)".into()), ..Default::default() };
    let failure = f.builder.build(&request("slow"), &log, &log).await.expect_err("cancelled");
    assert_eq!(failure.kind, BuildFailureKind::Cancelled, "{failure:?}");
    assert!(!failure.retryable);

    let builds = f.builds().await;
    assert_eq!(builds.len(), 1);
    assert_eq!(builds[0].build_status(), Some(&StatusType::Stopped), "the CodeBuild build was stopped");
    assert!(builds[0].build_complete());
    let still = log.lines().iter().filter(|(_, t)| t.starts_with("still building")).count();
    assert!((2..=3).contains(&still), "the builder stopped following the build at once: {still} progress lines");
    assert!(log.text().contains("cancelled: stopping CodeBuild build"));

    // Cancelled before anything started: no build at all.
    let g = fixture().await;
    let early = Recorder::default();
    early.cancelled.store(true, Ordering::SeqCst);
    let failure = g.builder.build(&request("main"), &early, &early).await.expect_err("cancelled");
    assert_eq!(failure.kind, BuildFailureKind::Cancelled);
    assert!(g.builds().await.is_empty());
}

#[tokio::test]
async fn delete_images_removes_the_repository_and_is_idempotent() {
    let f = fixture().await;
    let req = request("main");
    f.builder.build(&req, &Recorder::default(), &Recorder::default()).await.expect("build");
    let repository = format!("{}/{}", f.ecr_prefix, req.connector_id);
    assert!(f.ecr.describe_repositories().repository_names(&repository).send().await.is_ok());

    f.builder.delete_images(req.connector_id).await.expect("delete");
    let gone = f.ecr.describe_repositories().repository_names(&repository).send().await.expect_err("the repository is gone");
    assert!(gone.as_service_error().is_some_and(|e| e.is_repository_not_found_exception()), "{gone:?}");
    f.builder.delete_images(req.connector_id).await.expect("deleting again is fine");
    f.builder.delete_images(ConnectorId::new()).await.expect("a connector without images is fine");
}

#[tokio::test]
async fn git_credentials_reach_codebuild_only_as_secrets_manager_references() {
    let f = fixture().await;
    let secrets = SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&f.config), format!("{}-secrets", f.ecr_prefix));
    let token = SecretValue::new("ghp_TheTokenMustNeverShow0123456789");

    let mut req = request("main");
    let token_ref = secrets.put(SecretKind::GitToken, req.connector_id, &token).await.unwrap();
    req.credentials = GitCredentials::Basic { username: "ci-bot".into(), token: token.clone() };
    req.credential_ref = Some(token_ref.clone());
    let log = Recorder::default();
    f.builder.build(&req, &log, &log).await.expect("a private repository builds");
    let env = env_of(&f.builds().await[0]);
    assert!(env.contains(&("GIT_TOKEN".into(), token_ref.0.clone(), EnvironmentVariableType::SecretsManager)), "{env:#?}");
    assert!(env.contains(&("GIT_USERNAME".into(), "ci-bot".into(), EnvironmentVariableType::Plaintext)), "{env:#?}");
    assert!(env.iter().all(|(_, v, _)| !v.contains(token.expose())), "the token is in no override: {env:#?}");
    assert!(!log.text().contains(token.expose()));

    // A deploy key goes the same way, as GIT_DEPLOY_KEY.
    let g = fixture().await;
    let mut req = request("main");
    let key =
        SecretValue::new("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n");
    let key_ref = secrets.put(SecretKind::DeployKey, req.connector_id, &key).await.unwrap();
    req.url = "git@140.82.112.3:acme/connector.git".into();
    req.credentials = GitCredentials::DeployKey { private_key: key.clone() };
    req.credential_ref = Some(key_ref.clone());
    g.builder.build(&req, &Recorder::default(), &Recorder::default()).await.expect("a deploy-key repository builds");
    let env = env_of(&g.builds().await[0]);
    assert!(env.contains(&("GIT_DEPLOY_KEY".into(), key_ref.0.clone(), EnvironmentVariableType::SecretsManager)), "{env:#?}");
    assert!(env.iter().all(|(_, v, _)| !v.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ")));

    // Credentials without a Secrets Manager reference are never sent by value: no build.
    let h = fixture().await;
    let mut req = request("main");
    req.credentials = GitCredentials::Basic { username: "ci-bot".into(), token };
    let failure = h.builder.build(&req, &Recorder::default(), &Recorder::default()).await.expect_err("no reference");
    assert_eq!(failure.kind, BuildFailureKind::MissingCredentials, "{failure:?}");
    assert!(h.builds().await.is_empty());
}

#[tokio::test]
async fn ecs_registers_one_task_definition_revision_per_image() {
    let config = moto::config().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let settings = EcsSettings {
        cluster: format!("devportal-{}", &id[..8]),
        execution_role_arn: "arn:aws:iam::123456789012:role/devportal-task-execution".into(),
        log_group: format!("/devportal/connectors/{}", &id[..8]),
        family_prefix: format!("dp{}-", &id[..8]),
    };
    let ecs = aws_sdk_ecs::Client::new(&config);
    ecs.create_cluster().cluster_name(&settings.cluster).send().await.unwrap();
    let runtime = EcsRuntime::new(&config, settings.clone());
    let ecr = aws_sdk_ecr::Client::new(&config);
    let connector = ConnectorId::new();
    let repo = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/dp/{connector}");
    let d1 = moto::push_manifest(&ecr, &format!("dp/{connector}"), "v1-job-1").await;
    let d2 = moto::push_manifest(&ecr, &format!("dp/{connector}"), "v1-job-2").await;

    let arn = runtime.register(connector, 1, &d1, &format!("{repo}@{d1}")).await.expect("register");
    let task = ecs.describe_task_definition().task_definition(&arn).send().await.unwrap().task_definition.unwrap();
    assert_eq!(task.family(), Some(format!("{}{connector}-v1", settings.family_prefix).as_str()));
    assert_eq!(task.network_mode(), Some(&aws_sdk_ecs::types::NetworkMode::Awsvpc));
    assert_eq!((task.cpu(), task.memory()), (Some("256"), Some("512")));
    assert!(task.requires_compatibilities().contains(&aws_sdk_ecs::types::Compatibility::Fargate));
    assert_eq!(task.execution_role_arn(), Some(settings.execution_role_arn.as_str()));
    let container = &task.container_definitions()[0];
    assert_eq!(container.name(), Some("connector"));
    assert_eq!(container.image(), Some(format!("{repo}@{d1}").as_str()));
    assert_eq!(container.memory(), Some(512));
    let logging = container.log_configuration().expect("awslogs");
    assert_eq!(logging.log_driver(), &aws_sdk_ecs::types::LogDriver::Awslogs);
    let options = logging.options().unwrap();
    assert_eq!(options.get("awslogs-group"), Some(&settings.log_group));
    assert_eq!(options.get("awslogs-region").map(String::as_str), Some("us-east-1"));
    assert_eq!(options.get("awslogs-stream-prefix"), Some(&format!("{connector}-v1")));
    assert_eq!(options.get("mode").map(String::as_str), Some("blocking"), "non-blocking awslogs drops lines");
    let platform = task.runtime_platform().expect("the runtime platform of the built image");
    assert_eq!(platform.cpu_architecture(), Some(&aws_sdk_ecs::types::CpuArchitecture::Arm64));
    assert_eq!(platform.operating_system_family(), Some(&aws_sdk_ecs::types::OsFamily::Linux));

    // The registered image is tagged to be kept by the repository's lifecycle policy.
    assert_eq!(tags_of(&ecr, &format!("dp/{connector}"), &d1).await, vec![devportal_aws::keep_tag(&d1), "v1-job-1".into()]);

    // Again (a redelivered job): the same revision. A tagged reference is pinned to the digest.
    assert_eq!(runtime.register(connector, 1, &d1, &format!("{repo}@{d1}")).await.unwrap(), arn);
    assert_eq!(runtime.register(connector, 1, &d1, &format!("{repo}:v1-job")).await.unwrap(), arn);

    // A new build of the version: a new revision of the same family.
    let arn2 = runtime.register(connector, 1, &d2, &format!("{repo}@{d2}")).await.expect("register the new digest");
    assert_ne!(arn2, arn);
    let task2 = ecs.describe_task_definition().task_definition(&arn2).send().await.unwrap().task_definition.unwrap();
    assert_eq!((task2.family(), task2.revision()), (task.family(), task.revision() + 1));
    assert_eq!(task2.container_definitions()[0].image(), Some(format!("{repo}@{d2}").as_str()));

    // Another version has its own family.
    let other = runtime.register(connector, 2, &d1, &format!("{repo}@{d1}")).await.unwrap();
    assert!(other.contains(&format!("{connector}-v2:1")), "{other}");

    assert_eq!(tags_of(&ecr, &format!("dp/{connector}"), &d1).await.len(), 2, "tagged once, however often registered");
    assert!(tags_of(&ecr, &format!("dp/{connector}"), &d2).await.contains(&devportal_aws::keep_tag(&d2)));
    // An image ECR does not hold is refused for good (ECS could never pull it).
    let missing = format!("sha256:{}", "9".repeat(64));
    let refused = runtime.register(connector, 3, &missing, &format!("{repo}@{missing}")).await.expect_err("no such image");
    assert!(!refused.retryable && refused.reason.contains("no image"), "{refused:?}");

    // A local OCI layout is no image ECS can run: refused for good.
    let refused = runtime.register(connector, 1, &d1, "oci:/var/lib/devportal/images/x-v1:job").await.expect_err("not a registry image");
    assert!(!refused.retryable);

    // Permanent deletion deregisters every revision of every version, and only this connector's.
    let neighbour = ConnectorId::new();
    let n1 = moto::push_manifest(&ecr, &format!("dp/{neighbour}"), "v1-job-1").await;
    let kept = runtime.register(neighbour, 1, &n1, &format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/dp/{neighbour}@{n1}")).await.unwrap();
    runtime.deregister(connector).await.expect("deregister");
    for gone in [&arn, &arn2, &other] {
        let t = ecs.describe_task_definition().task_definition(gone).send().await.unwrap().task_definition.unwrap();
        assert_eq!(t.status(), Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive), "{gone}");
    }
    let t = ecs.describe_task_definition().task_definition(&kept).send().await.unwrap().task_definition.unwrap();
    assert_eq!(t.status(), Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Active));
    runtime.deregister(connector).await.expect("deregistering again is a no-op");
}

/// The tags of one image, sorted.
async fn tags_of(ecr: &aws_sdk_ecr::Client, repository: &str, digest: &str) -> Vec<String> {
    let out = ecr.describe_images().repository_name(repository).send().await.expect("describe images");
    let mut tags: Vec<String> =
        out.image_details().iter().filter(|d| d.image_digest() == Some(digest)).flat_map(|d| d.image_tags().iter().cloned()).collect();
    tags.sort();
    tags
}
