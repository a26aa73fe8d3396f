//! `moto_server`, started once per test process, for the AWS halves of the contract suites
//! (`tests/tests/contract_*.rs`).
//!
//! moto is started through `tests/moto/launcher.py` (moto_server with a CodeBuild fake that
//! advances one phase per poll, fails or stops on request and writes build logs and images; see
//! that file) and listens on 127.0.0.1 and a free port. Tests share it and stay apart by naming
//! their own resources (a table, queue, bucket or repository per test), so they run in parallel
//! without resetting it.
//! moto dies with the test process: it runs under a small shell watchdog whose standard input
//! is a pipe from this process; when this process exits (however it exits) the pipe closes and
//! the watchdog kills moto. If moto is not installed (or not the pinned version the launcher
//! patches), [`endpoint`] panics (failing the test) and says how to install it.
//!
//! The Python that runs the launcher is the project's own (`scripts/tools.sh` installs the
//! pinned moto into `target/tools/venv` and exports `DEVPORTAL_PYTHON`), never whatever
//! `python3` comes first on `PATH`: a system-wide moto of another version must not be used.
//!
//! Only the endpoint is given out: each suite builds its SDK configuration from it (the SDK
//! crates are dev-dependencies of the suites).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How to install moto, for failure messages.
pub const MOTO_INSTALL: &str = "./scripts/tools.sh (installs the pinned moto into target/tools/venv)";

struct Moto {
    endpoint: String,
    /// The watchdog shell; its stdin is the pipe whose closing (this process ending) stops moto.
    _watchdog: Child,
}

static MOTO: OnceLock<Result<Moto, String>> = OnceLock::new();

/// The endpoint (`http://127.0.0.1:PORT`) of this process's moto server, starting it on first
/// use. Blocks while moto starts; from async code use [`endpoint_async`].
pub fn endpoint() -> String {
    match MOTO.get_or_init(start_moto) {
        Ok(m) => m.endpoint.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// [`endpoint`] without blocking the async runtime.
pub async fn endpoint_async() -> String {
    tokio::task::spawn_blocking(endpoint).await.expect("moto start-up task")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port()
}

/// The project's Python: `DEVPORTAL_PYTHON` when set (scripts/tools.sh sets it), else the venv
/// `scripts/tools.sh` creates under the workspace's `target/`.
pub fn project_python() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("DEVPORTAL_PYTHON").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("DEVPORTAL_PYTHON names {}, which does not exist; run {MOTO_INSTALL}", p.display())) };
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace.join("target"));
    let venv = target.join("tools").join("venv").join("bin").join("python3");
    if venv.is_file() {
        Ok(venv)
    } else {
        Err(format!("the project's Python tools are not installed ({} is missing): run {MOTO_INSTALL}", venv.display()))
    }
}

/// The launcher script: moto_server plus the CodeBuild fake.
fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("moto").join("launcher.py")
}

/// Starts moto under a watchdog: `python3 launcher.py` in the background, then wait for either
/// moto to end (the watchdog ends too, which start-up notices) or this process's end of the
/// stdin pipe to close (then kill moto). `kill` by pid only: moto's own pid, known to the
/// watchdog.
const WATCHDOG: &str = r#"
"$1" "$2" -H 127.0.0.1 -p "$3" >"$4" 2>&1 </dev/null &
moto=$!
exec 3<&0
( cat <&3 >/dev/null; kill "$moto" 2>/dev/null ) &
exec 3<&-
trap 'kill "$moto" 2>/dev/null' TERM INT HUP
wait "$moto"
"#;

fn start_moto() -> Result<Moto, String> {
    let python = project_python()?;
    let launcher = launcher();
    let mut last_error = String::new();
    for _attempt in 0..3 {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("devportal-contract-moto-{}-{port}.log", std::process::id()));
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("moto-watchdog")
            .arg(&python)
            .arg(&launcher)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {} ({e}); install moto with `{MOTO_INSTALL}`", launcher.display()))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if answers(port) {
                return Ok(Moto { endpoint, _watchdog: child });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                last_error = format!("moto ({}) exited ({status}) before answering:\n{output}", launcher.display());
                break;
            }
            if Instant::now() > deadline {
                drop(child.stdin.take()); // the watchdog kills moto
                let _ = child.wait();
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                last_error = format!("moto_server did not answer on port {port} within 60 s:\n{output}");
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Err(format!("{last_error}\n(is moto installed? `{MOTO_INSTALL}`)"))
}

/// Whether an HTTP server answers on the port (any status: moto is up).
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 7];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/1."
}

/// The SDK configuration for an endpoint: explicit endpoint, region and dummy credentials, so
/// the tests do not depend on the caller's environment or AWS files.
pub fn sdk_config(endpoint: &str) -> devportal_aws::aws_config::SdkConfig {
    use devportal_aws::aws_config::{BehaviorVersion, Region, SdkConfig};
    use devportal_aws::aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("testing", "testing", None, None, "devportal-tests")))
        .build()
}

/// [`sdk_config`] for this process's moto server.
pub async fn config() -> devportal_aws::aws_config::SdkConfig {
    sdk_config(&endpoint_async().await)
}

/// Creates, on moto, a CodeBuild project shaped like the template's `BuildProject` (no source,
/// ARM container, logs to `log_group`) and its log group. moto's CodeBuild fake
/// (`tests/moto/launcher.py`) then plays the buildspec's part.
pub async fn create_build_project(sdk: &devportal_aws::aws_config::SdkConfig, project: &str, log_group: &str) {
    use devportal_aws::aws_sdk_codebuild::types::{
        ArtifactsType, CloudWatchLogsConfig, ComputeType, EnvironmentType, LogsConfig, LogsConfigStatusType, ProjectArtifacts, ProjectEnvironment,
        ProjectSource, SourceType,
    };
    let logs = devportal_aws::aws_sdk_cloudwatchlogs::Client::new(sdk);
    logs.create_log_group().log_group_name(log_group).send().await.expect("create the log group");
    devportal_aws::aws_sdk_codebuild::Client::new(sdk)
        .create_project()
        .name(project)
        // moto wants a location even for NO_SOURCE (CodeBuild does not).
        .source(ProjectSource::builder().r#type(SourceType::NoSource).location("none").buildspec("version: 0.2").build().unwrap())
        .artifacts(ProjectArtifacts::builder().r#type(ArtifactsType::NoArtifacts).build().unwrap())
        .environment(
            ProjectEnvironment::builder()
                .r#type(EnvironmentType::ArmContainer)
                .compute_type(ComputeType::BuildGeneral1Small)
                .image("aws/codebuild/amazonlinux-aarch64-standard:3.0")
                .privileged_mode(true)
                .build()
                .unwrap(),
        )
        .service_role("arn:aws:iam::123456789012:role/devportal-build")
        .timeout_in_minutes(13)
        .logs_config(
            LogsConfig::builder()
                .cloud_watch_logs(CloudWatchLogsConfig::builder().status(LogsConfigStatusType::Enabled).group_name(log_group).build().unwrap())
                .build(),
        )
        .send()
        .await
        .expect("create the CodeBuild project");
}

/// Pushes a small image manifest into `repository` (created if missing) with `tag`; its digest.
pub async fn push_manifest(ecr: &devportal_aws::aws_sdk_ecr::Client, repository: &str, tag: &str) -> String {
    let _ = ecr.create_repository().repository_name(repository).send().await;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": format!("sha256:{}", "c".repeat(64))},
        "layers": [],
        "annotations": {"tag": tag},
    })
    .to_string();
    // moto does not derive the digest from the manifest: name one per tag.
    let hex: String = tag.bytes().map(|b| format!("{b:02x}")).collect();
    let digest = format!("sha256:{hex:0>64}");
    let out = ecr
        .put_image()
        .repository_name(repository)
        .image_manifest(&manifest)
        .image_tag(tag)
        .image_digest(&digest)
        .send()
        .await
        .expect("put the manifest");
    out.image().and_then(|i| i.image_id()).and_then(|i| i.image_digest()).expect("a digest").to_string()
}
