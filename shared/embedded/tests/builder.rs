//! `LocalBuilder` against the real `git` and `buildah`: fixture repositories served over
//! `file://`, images `FROM` a busybox base image the tests build first.
//!
//! Needs `buildah`, `skopeo` and `busybox-static` (`apt-get install -y buildah skopeo
//! busybox-static`, as root). Nothing is skipped: without them the tests fail and say so.

use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{BuildFailureKind, JobId, LogStream};
use devportal_domain::ports::{BuildRequest, GitCredentials, ImageBuilder};
use devportal_domain::secret::SecretValue;
use devportal_embedded::LocalBuilder;
use fixtures::*;
use std::time::{Duration, Instant};

const HEALTHY_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
  --health-check) echo "healthy"; exit 0 ;;
esac
echo "running"
"#;

/// A connector whose build step prints a line, then waits until the test has seen that line
/// in the log (it opens a port on 127.0.0.1 when it does), then prints a second one: the
/// build only succeeds if lines reach the log while buildah runs.
fn good_repo(port: u16) -> FixtureRepo {
    let dockerfile = format!(
        "FROM localhost/devportal-embedded-test-base:latest\n\
         COPY main.sh /app/main.sh\n\
         RUN echo first-build-line; i=0; until nc 127.0.0.1 {port} </dev/null; do i=$((i+1)); if [ $i -gt 600 ]; then echo 'the first line never reached the log'; exit 9; fi; sleep 0.1; done; echo second-build-line\n\
         CMD [\"sh\", \"/app/main.sh\"]\n"
    );
    fixture_repo(&[("Dockerfile", &dockerfile), ("main.sh", HEALTHY_SCRIPT)])
}

/// A repository whose health check runs `body` (a shell fragment).
fn repo_with_check(body: &str) -> FixtureRepo {
    let script = format!("#!/bin/sh\ncase \"$1\" in\n  --health-check) {body} ;;\nesac\n");
    fixture_repo(&[
        ("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nCOPY main.sh /app/main.sh\n"),
        ("main.sh", &script),
    ])
}

#[tokio::test]
async fn a_good_connector_is_cloned_built_checked_and_stored() {
    let base = base_image();
    let port = free_port();
    let repo = good_repo(port);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::opening_port_on("first-build-line", port);
    let started = Instant::now();
    let built = env.builder.build(&req, &sink, &NeverCancelled).await.unwrap_or_else(|f| panic!("build failed: {f:?}\n{}", sink.dump()));
    let total = started.elapsed();

    assert_eq!(built.commit, repo.head);
    assert!(built.digest.starts_with("sha256:") && built.digest.len() == 71, "{}", built.digest);
    assert!(built.size_bytes > 0);
    assert_eq!(built.image_ref, env.builder.image_ref(&req));
    assert!(built.image_ref.starts_with(&format!("oci:{}", env.images.path().display())), "{}", built.image_ref);

    // An independent reader of the OCI layout sees the same image.
    let inspected = skopeo_inspect(&built.image_ref);
    assert_eq!(inspected["Digest"].as_str(), Some(built.digest.as_str()), "{inspected}");
    let layers = inspected["Layers"].as_array().map_or(0, Vec::len);
    assert!(layers >= 2, "base layer + COPY layer expected: {inspected}");

    // The log: step headers, buildah's and the health check's own output.
    sink.assert_has(LogStream::System, "$ git clone --depth 1 --branch main --single-branch -- file://");
    sink.assert_has(LogStream::System, &format!("cloned branch `main` at commit {}", repo.head));
    sink.assert_has(LogStream::System, "building image localhost/devportal-");
    sink.assert_has(LogStream::Stdout, "STEP 1/4: FROM localhost/devportal-embedded-test-base:latest");
    assert!(sink.time_of_line(LogStream::Stdout, "first-build-line").is_some(), "{}", sink.dump());
    sink.assert_has(LogStream::System, "health check: sh /app/main.sh --health-check (limit 5.0 s)");
    assert!(sink.time_of_line(LogStream::Stdout, "healthy").is_some(), "{}", sink.dump());
    sink.assert_has(LogStream::System, "health check passed");
    sink.assert_has(LogStream::System, &format!("image stored: {}", built.digest));

    // Lines arrive while the program runs, not when it ends (the step waited for the first).
    let first = sink.time_of_line(LogStream::Stdout, "first-build-line").expect("first line");
    let second = sink.time_of_line(LogStream::Stdout, "second-build-line").expect("second line");
    assert!(first < second);

    // Nothing is left behind but the stored image.
    assert!(!env.builder.clone_dir(&req).exists(), "the clone was not removed");
    assert!(!buildah_has_image(&LocalBuilder::image_name(&req)), "the local image was not removed");
    assert!(!buildah_containers().contains(&LocalBuilder::check_container_name(&req)));
    assert!(buildah_has_image(base), "the base image must stay");

    let t = |a: &str, b: &str| sink.between(LogStream::System, a, b).map_or("?".into(), |d| format!("{:.2} s", d.as_secs_f64()));
    eprintln!(
        "timings: clone {}, bud {}, health check {}, push {}, total {:.2} s",
        t("$ git clone", "cloned branch"),
        t("building image", "image built"),
        t("health check:", "health check passed"),
        t("$ buildah --storage-driver vfs push", "image stored"),
        total.as_secs_f64()
    );
}

#[tokio::test]
async fn a_failing_health_check_reports_its_exit_code() {
    base_image();
    let repo = repo_with_check("echo 'not configured' >&2; exit 3");
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::HealthCheckFailed, "{f:?}\n{}", sink.dump());
    assert_eq!(f.exit_code, Some(3));
    assert_eq!(f.reason, "health check exited with code 3");
    assert!(!f.retryable);
    sink.assert_has(LogStream::Stderr, "not configured");
    assert!(!buildah_containers().contains(&LocalBuilder::check_container_name(&req)));
    assert!(!buildah_has_image(&LocalBuilder::image_name(&req)));
    assert!(!env.images_dir_has_layouts(), "a failed build stores nothing");
}

#[tokio::test]
async fn a_health_check_command_missing_from_the_image_fails_clearly() {
    base_image();
    let repo = repo_with_check("exit 0");
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv = vec!["python".into(), "main.py".into(), "--health-check".into()];
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::HealthCheckFailed, "{f:?}");
    if f.reason == "health check exited with code 1" {
        // Seen once under heavy load: buildah exited 1 without relaying the exec error.
        eprintln!("buildah did not report why the program could not start:\n{}", sink.dump());
    } else {
        assert!(f.reason.contains("could not start `python`"), "{}", f.reason);
        assert!(f.reason.contains("not found"), "{}", f.reason);
        assert_eq!(f.exit_code, None);
    }
}

#[tokio::test]
async fn a_hanging_health_check_times_out_and_is_killed() {
    base_image();
    let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
    let repo = repo_with_check("echo started; sleep 30; echo too-late");
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv.push(marker.clone());
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must time out");
    let ended = Instant::now();
    assert_eq!(f.kind, BuildFailureKind::HealthCheckTimedOut, "{f:?}\n{}", sink.dump());
    assert_eq!(f.exit_code, None);
    assert!(f.reason.contains("timed out"), "{}", f.reason);
    let check_started = sink.time_of(LogStream::System, "health check:").expect("health check header");
    // 5 s, plus stopping the program and removing the container: ~5.5 s on an idle machine.
    let took = ended.duration_since(check_started);
    assert!(took >= Duration::from_millis(4900), "stopped before the limit: {took:?}");
    assert_prompt_stop(took - Duration::from_secs(5), "stopping after the time limit");
    sink.assert_has(LogStream::Stdout, "started");
    assert!(sink.find(LogStream::Stdout, "too-late").is_none());
    assert_no_process_with(&marker).await;
    assert!(!buildah_containers().contains(&LocalBuilder::check_container_name(&req)));
}

#[tokio::test]
async fn cancelling_during_the_health_check_stops_it() {
    base_image();
    let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
    let repo = repo_with_check("echo checking; sleep 30");
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv.push(marker.clone());
    let cancel = CancelFlag::default();
    // Cancel as soon as the health check says something: it is then running.
    let sink = RecordingSink::cancelling_on("checking", cancel.clone());
    let f = env.builder.build(&req, &sink, &cancel).await.expect_err("must be cancelled");
    let ended = Instant::now();
    assert_eq!(f.kind, BuildFailureKind::Cancelled, "{f:?}\n{}", sink.dump());
    let asked = sink.time_of_line(LogStream::Stdout, "checking").expect("the check's output");
    assert_prompt_stop(ended.duration_since(asked), "cancellation");
    assert_no_process_with(&marker).await;
    assert!(!buildah_containers().contains(&LocalBuilder::check_container_name(&req)));
    assert!(!buildah_has_image(&LocalBuilder::image_name(&req)));
    assert!(!env.builder.clone_dir(&req).exists());
}

#[tokio::test]
async fn cancelling_during_the_image_build_stops_it() {
    let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
    // A base image of its own, so buildah's working container (named after the image) is
    // recognisable among those of builds running in parallel.
    let own_base = derived_image(&marker);
    let repo = fixture_repo(&[("Dockerfile", &format!("FROM {own_base}\nRUN echo build-started; sleep 30 # {marker}\n"))]);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let cancel = CancelFlag::default();
    let sink = RecordingSink::cancelling_on("build-started", cancel.clone());
    let f = env.builder.build(&req, &sink, &cancel).await.expect_err("must be cancelled");
    let ended = Instant::now();
    assert_eq!(f.kind, BuildFailureKind::Cancelled, "{f:?}\n{}", sink.dump());
    let asked = sink.time_of_line(LogStream::Stdout, "build-started").expect("the step's output");
    assert_prompt_stop(ended.duration_since(asked), "cancellation");
    assert_no_process_with(&marker).await;
    assert!(!env.builder.clone_dir(&req).exists());
    // buildah was stopped gracefully and removed its working container.
    let left: Vec<_> = buildah_containers().into_iter().filter(|c| c.contains(&marker)).collect();
    assert!(left.is_empty(), "working containers left behind: {left:?}");
}

#[tokio::test]
async fn a_job_cancelled_before_it_starts_does_nothing() {
    let env = BuildEnv::new();
    let req = request("file:///nowhere/repo.git", "main");
    let cancel = CancelFlag::default();
    cancel.cancel();
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &cancel).await.expect_err("must be cancelled");
    assert_eq!(f.kind, BuildFailureKind::Cancelled);
}

#[tokio::test]
async fn an_unknown_instruction_makes_the_dockerfile_invalid() {
    base_image();
    let repo = fixture_repo(&[("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nFROBNICATE everything\n")]);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::DockerfileInvalid, "{f:?}\n{}", sink.dump());
    assert!(f.reason.contains("Unknown instruction"), "{}", f.reason);
    assert!(f.reason.contains("FROBNICATE"), "{}", f.reason);
    assert!(!f.reason.contains("imagebuilder.Step"), "{}", f.reason);
}

#[tokio::test]
async fn a_failing_build_step_reports_buildahs_exit_code() {
    base_image();
    let repo = fixture_repo(&[("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nRUN echo about-to-fail && false\nRUN echo never\n")]);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::ImageBuildFailed, "{f:?}\n{}", sink.dump());
    assert_eq!(f.exit_code, Some(1));
    assert!(f.reason.contains("exit code 1"), "{}", f.reason);
    assert!(f.reason.contains("RUN echo about-to-fail && false"), "{}", f.reason);
    sink.assert_has(LogStream::Stdout, "about-to-fail");
    assert!(sink.find(LogStream::Stdout, "never").is_none());
    assert!(!env.builder.clone_dir(&req).exists());

    // A step that cannot run at all (a missing source) is a failed build too, not a syntax error.
    let repo = fixture_repo(&[("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nCOPY missing.txt /x\n")]);
    let f = env.builder.build(&request(&repo.url, "main"), &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::ImageBuildFailed, "{f:?}");
    assert_eq!(f.exit_code, Some(125));
    assert!(f.reason.contains("missing.txt"), "{}", f.reason);
}

#[tokio::test]
async fn a_repository_without_a_dockerfile_is_refused() {
    let repo = fixture_repo(&[("README.md", "# nothing to build\n"), ("sub/Dockerfile", "FROM scratch\n")]);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::DockerfileMissing, "{f:?}\n{}", sink.dump());
    assert!(f.reason.contains(&repo.head[..12]), "{}", f.reason);
    assert!(!env.builder.clone_dir(&req).exists());
}

#[tokio::test]
async fn a_missing_branch_or_repository_fails_the_clone() {
    let repo = good_repo(free_port());
    let env = BuildEnv::new();
    let sink = RecordingSink::default();

    let f = env.builder.build(&request(&repo.url, "no-such-branch"), &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::CloneFailed, "{f:?}");
    assert_eq!(f.exit_code, Some(128));
    assert_eq!(f.reason, "git clone failed (exit code 128): branch `no-such-branch` does not exist in the repository");
    sink.assert_has(LogStream::Stderr, "no-such-branch");

    let missing = format!("file://{}/nothing-here.git", env.work.path().display());
    let f = env.builder.build(&request(&missing, "main"), &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::CloneFailed, "{f:?}");
    assert_eq!(f.exit_code, Some(128));
    assert!(f.reason.starts_with("git clone failed (exit code 128): repository not found"), "{}", f.reason);
    assert!(!f.retryable);
}

#[tokio::test]
async fn the_git_token_never_reaches_the_log_or_the_reason() {
    let env = BuildEnv::new();
    let token = "tok-9f8e7d6c5b4a";
    let mut req = request(&format!("file:///nonexistent/{token}/repo.git"), "main");
    req.credentials = GitCredentials::Basic { username: "bob".into(), token: SecretValue::new(token) };
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::CloneFailed);
    assert!(!f.reason.contains(token), "{}", f.reason);
    assert!(!sink.dump().contains(token), "{}", sink.dump());
    sink.assert_has(LogStream::System, "file:///nonexistent/********/repo.git");

    // A password inside the URL is masked as well.
    let req = request("https://bob:pw-1a2b3c4d@127.0.0.1:1/repo.git", "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::CloneFailed);
    assert!(!f.reason.contains("pw-1a2b3c4d") && !sink.dump().contains("pw-1a2b3c4d"), "{}\n{}", f.reason, sink.dump());
}

#[tokio::test]
async fn a_missing_buildah_is_an_internal_retryable_failure() {
    let repo = good_repo(free_port());
    let mut env = BuildEnv::new();
    env.builder.buildah = "/nonexistent/bin/buildah".into();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::Internal, "{f:?}");
    assert!(f.retryable);
    assert!(f.reason.contains("buildah is not installed"), "{}", f.reason);
    assert!(!env.builder.clone_dir(&req).exists());
}

#[tokio::test]
async fn building_the_same_job_again_after_a_crash_works() {
    let base = base_image();
    let port = free_port();
    let repo = good_repo(port);
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::opening_port_on("first-build-line", port);
    let first = env.builder.build(&req, &sink, &NeverCancelled).await.unwrap_or_else(|f| panic!("{f:?}\n{}", sink.dump()));

    // What a crash in the middle of the next attempt leaves behind.
    let clone_dir = env.builder.clone_dir(&req);
    std::fs::create_dir_all(clone_dir.join(".git")).unwrap();
    std::fs::write(clone_dir.join("half-cloned"), "x").unwrap();
    buildah(&["from", "--pull=never", "--name", &LocalBuilder::check_container_name(&req), base]);
    // A new image under the job's name (`buildah tag` on the shared base would race with
    // parallel tests changing its names).
    buildah(&["commit", "--quiet", &LocalBuilder::check_container_name(&req), &LocalBuilder::image_name(&req)]);

    let sink = RecordingSink::default(); // the port stays open from the first build
    let second = env.builder.build(&req, &sink, &NeverCancelled).await.unwrap_or_else(|f| panic!("{f:?}\n{}", sink.dump()));
    assert_eq!(second.commit, first.commit);
    assert_eq!(second.image_ref, first.image_ref);
    sink.assert_has(LogStream::System, "removing the clone left by an earlier attempt");
    // The tag now names the second build.
    assert_eq!(skopeo_inspect(&second.image_ref)["Digest"].as_str(), Some(second.digest.as_str()));
    assert!(!buildah_containers().contains(&LocalBuilder::check_container_name(&req)));
    assert!(!buildah_has_image(&LocalBuilder::image_name(&req)));
    assert!(buildah_has_image(base));
}

fn request(url: &str, branch: &str) -> BuildRequest {
    BuildRequest {
        job_id: JobId::new(),
        connector_id: ConnectorId::new(),
        version: 1,
        url: url.into(),
        branch: branch.into(),
        credentials: GitCredentials::None,
        credential_ref: None,
        health_check_argv: vec!["sh".into(), "/app/main.sh".into(), "--health-check".into()],
        health_check_timeout: Duration::from_secs(5),
    }
}

/// A builder with its own clone and image directories.
struct BuildEnv {
    builder: LocalBuilder,
    work: tempfile::TempDir,
    images: tempfile::TempDir,
}

impl BuildEnv {
    fn new() -> Self {
        let work = tempfile::Builder::new().prefix("devportal-build-work-").tempdir().unwrap();
        let images = tempfile::Builder::new().prefix("devportal-build-images-").tempdir().unwrap();
        Self { builder: LocalBuilder::new(work.path(), images.path()), work, images }
    }

    fn images_dir_has_layouts(&self) -> bool {
        std::fs::read_dir(self.images.path()).unwrap().next().is_some()
    }
}

/// A stopped build returns within a few seconds (the slow programs sleep 30 s). Normally
/// ~0.5 s; generous because buildah waits for storage locks held by parallel builds.
#[track_caller]
fn assert_prompt_stop(took: Duration, what: &str) {
    eprintln!("{what} took {took:?}");
    assert!(took < Duration::from_secs(12), "{what} took {took:?}");
}

async fn assert_no_process_with(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let found = processes_with(marker);
        if found.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "processes left running: {found:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// =======================================================================================
// Fixtures, kept apart so they can move to a shared test crate: the busybox base image,
// connector repositories over file://, a recording log sink and cancellation flags,
// buildah/skopeo helpers.
// =======================================================================================
mod fixtures {
    use async_trait::async_trait;
    use devportal_domain::pipeline::LogStream;
    use devportal_domain::ports::{Cancellation, LogSink};
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::{Duration, Instant};

    /// The base image fixtures build `FROM`: busybox in an otherwise empty image. Named apart
    /// from the end-to-end tests' base (`tests/src/connector_fixtures.rs`), which rebuilds
    /// (and so untags) its own on every run while these tests may be building from it.
    pub const BASE_IMAGE: &str = "localhost/devportal-embedded-test-base:latest";
    const INSTALL_HINT: &str = "install the image tools (as root): apt-get update && apt-get install -y buildah skopeo busybox-static";

    /// `buildah --storage-driver vfs ARGS…`, panicking with the output when it fails.
    #[track_caller]
    pub fn buildah(args: &[&str]) -> String {
        let out = Command::new("buildah")
            .args(["--storage-driver", "vfs"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run buildah ({e}): {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "buildah {args:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Fails the test with an instruction when buildah, skopeo or a static busybox is missing.
    pub fn require_tools() {
        for tool in ["buildah", "skopeo"] {
            let ok = Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
            assert!(ok, "`{tool}` is not installed: {INSTALL_HINT}");
        }
        let busybox = std::fs::read("/bin/busybox").unwrap_or_else(|e| panic!("/bin/busybox: {e}: {INSTALL_HINT}"));
        // A dynamically linked busybox needs a loader (a PT_INTERP header) that an empty
        // image lacks.
        assert!(!elf64_has_interpreter(&busybox), "/bin/busybox is not statically linked: {INSTALL_HINT}");
    }

    fn elf64_has_interpreter(elf: &[u8]) -> bool {
        let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
        if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
            return false;
        }
        let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
        let (size, count) = (u16_at(0x36), u16_at(0x38));
        (0..count).any(|i| {
            let at = phoff + i * size;
            elf.get(at..at + 4).is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) == 3)
        })
    }

    /// Builds [`BASE_IMAGE`] (busybox with its applets linked in `/bin`, so `RUN` steps and
    /// scripts have a shell) at most once per test process, unless it exists already, and
    /// returns its name.
    pub fn base_image() -> &'static str {
        static BUILT: OnceLock<()> = OnceLock::new();
        BUILT.get_or_init(|| {
            require_tools();
            // Other test processes (this binary run twice, the end-to-end tests) share
            // buildah's storage and this name: reuse the image rather than untag it under them.
            if image_id(BASE_IMAGE).is_some() {
                return;
            }
            let dir = tempfile::Builder::new().prefix("devportal-base-image-").tempdir().unwrap();
            std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
            std::fs::write(
                dir.path().join("Dockerfile"),
                "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\",\"--install\",\"-s\",\"/bin\"]\n",
            )
            .unwrap();
            let out = Command::new("buildah")
                .args(["--storage-driver", "vfs", "bud", "--isolation", "chroot", "-t", BASE_IMAGE, "-f", "Dockerfile", "."])
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run buildah ({e}): {INSTALL_HINT}"));
            assert!(
                out.status.success(),
                "building the base image failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        });
        BASE_IMAGE
    }

    /// The id of a local image, if it exists.
    pub fn image_id(name: &str) -> Option<String> {
        let out = Command::new("buildah")
            .args(["--storage-driver", "vfs", "inspect", "--type", "image", "--format", "{{.FromImageID}}", name])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !id.is_empty()).then_some(id)
    }

    /// A new image (its own id, not a second name of the base) `FROM` the base with a label,
    /// named `localhost/devportal-test-<tag>:latest`; removed when the guard drops.
    pub fn derived_image(tag: &str) -> ImageGuard {
        let base = base_image();
        let name = format!("localhost/devportal-test-{tag}:latest");
        let dir = tempfile::Builder::new().prefix("devportal-derived-image-").tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), format!("FROM {base}\nLABEL devportal.test={tag}\n")).unwrap();
        let out = Command::new("buildah")
            .args(["--storage-driver", "vfs", "bud", "--isolation", "chroot", "-t", &name, "-f", "Dockerfile", "."])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run buildah ({e}): {INSTALL_HINT}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<_> = stderr.lines().rev().take(5).collect();
        assert!(out.status.success(), "building {name} failed ({}): {:?}", out.status, tail);
        ImageGuard(name)
    }

    /// Removes a test image when dropped.
    pub struct ImageGuard(pub String);

    impl std::fmt::Display for ImageGuard {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl Drop for ImageGuard {
        fn drop(&mut self) {
            let _ = Command::new("buildah")
                .args(["--storage-driver", "vfs", "rmi", &self.0])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    pub fn buildah_has_image(name: &str) -> bool {
        Command::new("buildah")
            .args(["--storage-driver", "vfs", "inspect", "--type", "image", name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Names of buildah's working containers.
    pub fn buildah_containers() -> Vec<String> {
        buildah(&["containers", "--noheading", "--format", "{{.ContainerName}}"]).lines().map(|l| l.trim().to_string()).collect()
    }

    /// `skopeo inspect REF` as JSON.
    #[track_caller]
    pub fn skopeo_inspect(reference: &str) -> serde_json::Value {
        let out = Command::new("skopeo")
            .args(["inspect", reference])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run skopeo ({e}): {INSTALL_HINT}"));
        assert!(out.status.success(), "skopeo inspect {reference} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Command lines of running processes that contain `marker`.
    pub fn processes_with(marker: &str) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            if !entry.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                if cmdline.contains(marker) {
                    found.push(format!("{}: {cmdline}", entry.file_name().to_string_lossy()));
                }
            }
        }
        found
    }

    /// A port on 127.0.0.1 that nothing listens on (at the moment).
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    /// A bare repository with one commit on `main`, reachable as `url` (`file://`).
    pub struct FixtureRepo {
        pub url: String,
        /// The commit `main` points at.
        pub head: String,
        _dir: tempfile::TempDir,
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=Fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .stdin(Stdio::null())
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Commits `files` (path, content) to `main` and serves the result as a bare repository.
    pub fn fixture_repo(files: &[(&str, &str)]) -> FixtureRepo {
        let dir = tempfile::Builder::new().prefix("devportal-connector-repo-").tempdir().unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        for (path, content) in files {
            let p = work.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content).unwrap();
        }
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", "fixture"]);
        let head = git(&work, &["rev-parse", "HEAD"]);
        git(dir.path(), &["clone", "-q", "--bare", "work", "repo.git"]);
        FixtureRepo { url: format!("file://{}", dir.path().join("repo.git").display()), head, _dir: dir }
    }

    /// Collects the log with arrival times; optionally cancels a flag when a given line
    /// arrives (the whole line, so a command echoed in a step header does not count).
    #[derive(Default)]
    pub struct RecordingSink {
        lines: Mutex<Vec<(Instant, LogStream, String)>>,
        on_line: Option<(String, Box<dyn Fn() + Send + Sync>)>,
    }

    impl RecordingSink {
        /// Runs `action` (once) when the line `text` arrives.
        pub fn on_line(text: &str, action: impl Fn() + Send + Sync + 'static) -> Self {
            Self { lines: Mutex::default(), on_line: Some((text.to_string(), Box::new(action))) }
        }

        pub fn cancelling_on(text: &str, flag: CancelFlag) -> Self {
            Self::on_line(text, move || flag.cancel())
        }

        /// Starts accepting (and closing) connections on 127.0.0.1:`port` when `text` arrives.
        pub fn opening_port_on(text: &str, port: u16) -> Self {
            let opened = AtomicBool::new(false);
            Self::on_line(text, move || {
                if opened.swap(true, Ordering::SeqCst) {
                    return;
                }
                let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the signal port");
                std::thread::spawn(move || {
                    for conn in listener.incoming() {
                        drop(conn);
                    }
                });
            })
        }

        pub fn lines(&self) -> Vec<(Instant, LogStream, String)> {
            self.lines.lock().unwrap().clone()
        }

        pub fn dump(&self) -> String {
            let lines = self.lines();
            let Some(start) = lines.first().map(|l| l.0) else { return String::new() };
            lines.iter().map(|(at, s, t)| format!("{:>7.3} [{s:?}] {t}\n", at.duration_since(start).as_secs_f64())).collect()
        }

        pub fn find(&self, stream: LogStream, needle: &str) -> Option<String> {
            self.lines().into_iter().find(|(_, s, t)| *s == stream && t.contains(needle)).map(|(_, _, t)| t)
        }

        pub fn time_of(&self, stream: LogStream, needle: &str) -> Option<Instant> {
            self.lines().into_iter().find(|(_, s, t)| *s == stream && t.contains(needle)).map(|(at, _, _)| at)
        }

        /// When the line that is exactly `text` arrived.
        pub fn time_of_line(&self, stream: LogStream, text: &str) -> Option<Instant> {
            self.lines().into_iter().find(|(_, s, t)| *s == stream && t == text).map(|(at, _, _)| at)
        }

        /// Time from the first line containing `from` to the first later one containing `to`.
        pub fn between(&self, stream: LogStream, from: &str, to: &str) -> Option<Duration> {
            let start = self.time_of(stream, from)?;
            let end = self.lines().into_iter().find(|(at, s, t)| *at >= start && *s == stream && t.contains(to))?.0;
            Some(end.duration_since(start))
        }

        #[track_caller]
        pub fn assert_has(&self, stream: LogStream, needle: &str) {
            assert!(self.find(stream, needle).is_some(), "no {stream:?} line containing {needle:?} in the log:\n{}", self.dump());
        }
    }

    #[async_trait]
    impl LogSink for RecordingSink {
        async fn line(&self, stream: LogStream, text: &str) {
            self.lines.lock().unwrap().push((Instant::now(), stream, text.to_string()));
            if let Some((needle, action)) = &self.on_line {
                if text == needle.as_str() {
                    action();
                }
            }
        }
    }

    pub struct NeverCancelled;

    impl Cancellation for NeverCancelled {
        fn is_cancelled(&self) -> bool {
            false
        }
    }

    #[derive(Clone, Default)]
    pub struct CancelFlag(Arc<AtomicBool>);

    impl CancelFlag {
        pub fn cancel(&self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    impl Cancellation for CancelFlag {
        fn is_cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst)
        }
    }
}
