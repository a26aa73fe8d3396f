//! The `ImageBuilder` contract: the local builder (real git and buildah) and the CodeBuild
//! builder (moto, whose CodeBuild plays the buildspec in `tests/moto/launcher.py`) through the
//! same cases — a good connector answers a stored image with its commit and digest, each
//! failure answers its kind, exit code and "do not retry", and deleting a connector's images
//! is idempotent. The adapter-specific behaviour (isolation, re-attaching to a running build)
//! stays in `shared/embedded/tests/builder.rs` and `contract_aws_builder.rs`.

use devportal_aws::{CodeBuildBuilder, CodeBuildSettings};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{BuildCheckpoint, BuildFailureKind, JobId, LogStream};
use devportal_domain::ports::{BuildRequest, Cancellation, GitCredentials, ImageBuilder, LogSink};
use devportal_embedded::LocalBuilder;
use devportal_tests::connector_fixtures::{broken_dockerfile_repo, connector_repo, failing_check_repo, good_repo};
use devportal_tests::git_fixtures::BareRepo;
use devportal_tests::moto;
use std::time::Duration;

/// What a case builds: the connector it stands for.
#[derive(Clone, Copy, Debug)]
enum Case {
    Good,
    /// The Dockerfile's build step fails (exit code 2).
    BuildStepFails,
    /// The Dockerfile cannot be parsed / is missing: the image cannot be built.
    DockerfileInvalid,
    /// The health check exits with 3.
    HealthCheckFails,
}

/// One adapter and how it is asked to build each case.
struct Side {
    builder: Box<dyn ImageBuilder>,
    /// The repository URL and branch of a case.
    source: Box<dyn Fn(Case) -> (String, String) + Send + Sync>,
    /// Where the AWS side's images are (the local side's image reference names its layout).
    ecr: Option<devportal_aws::aws_sdk_ecr::Client>,
    _dirs: Vec<tempfile::TempDir>,
    _repos: Vec<BareRepo>,
}

async fn local() -> Side {
    let work = tempfile::Builder::new().prefix("devportal-contract-work-").tempdir().unwrap();
    let images = tempfile::Builder::new().prefix("devportal-contract-images-").tempdir().unwrap();
    let builder = LocalBuilder::new(work.path(), images.path(), devportal_domain::wizard::url_policy::UrlPolicy::LOCAL);
    let repos = [good_repo(), connector_repo("exit 0", "RUN exit 2\n"), broken_dockerfile_repo(), failing_check_repo()];
    let urls: Vec<String> = repos.iter().map(|r| r.file_url()).collect();
    let source = move |case: Case| {
        let i = match case {
            Case::Good => 0,
            Case::BuildStepFails => 1,
            Case::DockerfileInvalid => 2,
            Case::HealthCheckFails => 3,
        };
        (urls[i].clone(), "main".to_string())
    };
    Side { builder: Box::new(builder), source: Box::new(source), ecr: None, _dirs: vec![work, images], _repos: repos.into() }
}

async fn aws() -> Side {
    let config = moto::config().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let project = format!("devportal-contract-{}", &id[..12]);
    let log_group = format!("/devportal/builds/{}", &id[..12]);
    moto::create_build_project(&config, &project, &log_group).await;
    let builder = CodeBuildBuilder::new(
        &config,
        CodeBuildSettings {
            project,
            log_group,
            ecr_prefix: format!("dp-{}", &id[..12]),
            poll_interval: Duration::from_millis(20),
            url_policy: devportal_domain::wizard::url_policy::UrlPolicy::STRICT,
        },
    );
    // The fake CodeBuild picks the outcome from the branch (tests/moto/launcher.py).
    let source = |case: Case| {
        let branch = match case {
            Case::Good => "main",
            Case::BuildStepFails => "fail-build",
            Case::DockerfileInvalid => "fail-dockerfile",
            Case::HealthCheckFails => "fail-health-check",
        };
        ("https://140.82.112.3/acme/connector.git".to_string(), branch.to_string())
    };
    Side {
        builder: Box::new(builder),
        source: Box::new(source),
        ecr: Some(devportal_aws::aws_sdk_ecr::Client::new(&config)),
        _dirs: vec![],
        _repos: vec![],
    }
}

devportal_tests::contract_suite!(
    [local, aws]
    [
        a_good_connector_answers_its_commit_and_a_stored_digest,
        each_failure_answers_its_kind_and_is_not_retried,
        deleting_a_connectors_images_is_idempotent,
    ]
);

/// A job log in memory that never asks to cancel.
#[derive(Default)]
struct Log(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl LogSink for Log {
    async fn line(&self, _: LogStream, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
    async fn checkpoint(&self, _: &BuildCheckpoint) {}
}

impl Cancellation for Log {
    fn is_cancelled(&self) -> bool {
        false
    }
}

fn request(side: &Side, case: Case, connector: ConnectorId) -> BuildRequest {
    let (url, branch) = (side.source)(case);
    BuildRequest {
        job_id: JobId::new(),
        connector_id: connector,
        version: 1,
        url,
        branch,
        credentials: GitCredentials::None,
        credential_ref: None,
        health_check_argv: vec!["sh".into(), "/app/main.sh".into(), "--health-check".into()],
        health_check_timeout: Duration::from_secs(5),
        resume: None,
        deadline: None,
    }
}

/// Whether the image the builder answered is in its store: the OCI layout on disk, or the
/// digest in the connector's ECR repository.
async fn holds(side: &Side, image: &devportal_domain::pipeline::BuiltImage) -> bool {
    match &side.ecr {
        None => {
            let layout = image.image_ref.strip_prefix("oci:").and_then(|r| r.rsplit_once(':')).map(|(dir, _)| dir.to_string());
            layout.is_some_and(|dir| std::path::Path::new(&dir).join("index.json").is_file())
        }
        Some(ecr) => {
            let Some((registry_path, digest)) = image.image_ref.split_once('@') else { return false };
            let repository = registry_path.split_once('/').map(|(_, r)| r).unwrap_or_default();
            let id = devportal_aws::aws_sdk_ecr::types::ImageIdentifier::builder().image_digest(digest).build();
            ecr.describe_images().repository_name(repository).image_ids(id).send().await.is_ok_and(|o| !o.image_details().is_empty())
        }
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn a_good_connector_answers_its_commit_and_a_stored_digest(side: &Side) {
    let log = Log::default();
    let image = side.builder.build(&request(side, Case::Good, ConnectorId::new()), &log, &log).await.expect("the good connector builds");
    assert!(is_hex(&image.commit, 40), "{image:?}");
    assert!(image.digest.strip_prefix("sha256:").is_some_and(|h| is_hex(h, 64)), "{image:?}");
    assert!(holds(side, &image).await, "the builder's store holds {image:?}");
    assert!(!log.0.lock().unwrap().is_empty(), "the build wrote its log");
}

async fn each_failure_answers_its_kind_and_is_not_retried(side: &Side) {
    for (case, kind, exit_code) in [
        (Case::BuildStepFails, BuildFailureKind::ImageBuildFailed, None),
        (Case::DockerfileInvalid, BuildFailureKind::DockerfileInvalid, None),
        (Case::HealthCheckFails, BuildFailureKind::HealthCheckFailed, Some(3)),
    ] {
        let log = Log::default();
        let failure = side.builder.build(&request(side, case, ConnectorId::new()), &log, &log).await.expect_err("fails");
        // The fake names a missing Dockerfile where buildah finds an unparsable one: both are
        // the connector's Dockerfile, never a retryable failure.
        let kinds = match kind {
            BuildFailureKind::DockerfileInvalid => vec![BuildFailureKind::DockerfileInvalid, BuildFailureKind::DockerfileMissing],
            k => vec![k],
        };
        assert!(kinds.contains(&failure.kind), "{case:?}: {failure:?}");
        assert!(!failure.retryable, "{case:?}: {failure:?}");
        if exit_code.is_some() {
            assert_eq!(failure.exit_code, exit_code, "{case:?}: {failure:?}");
        }
        assert!(!failure.reason.is_empty());
    }
}

async fn deleting_a_connectors_images_is_idempotent(side: &Side) {
    let connector = ConnectorId::new();
    let log = Log::default();
    side.builder.build(&request(side, Case::Good, connector), &log, &log).await.expect("builds");
    side.builder.delete_images(connector).await.expect("delete");
    side.builder.delete_images(connector).await.expect("deleting again is a no-op");
    side.builder.delete_images(ConnectorId::new()).await.expect("a connector that never built");
}
