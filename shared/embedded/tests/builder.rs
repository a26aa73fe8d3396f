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
mod fixtures;

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
    fixture_repo(&[("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nCOPY main.sh /app/main.sh\n"), ("main.sh", &script)])
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
    let repo =
        fixture_repo(&[("Dockerfile", "FROM localhost/devportal-embedded-test-base:latest\nRUN echo about-to-fail && false\nRUN echo never\n")]);
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
    sink.assert_has(LogStream::System, "file:///nonexistent/****/repo.git");

    // A password inside the URL is masked as well.
    let req = request("https://bob:pw-1a2b3c4d@127.0.0.1:1/repo.git", "main");
    let sink = RecordingSink::default();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    assert_eq!(f.kind, BuildFailureKind::CloneFailed);
    assert!(!f.reason.contains("pw-1a2b3c4d") && !sink.dump().contains("pw-1a2b3c4d"), "{}\n{}", f.reason, sink.dump());
    sink.assert_has(LogStream::System, "https://bob:****@127.0.0.1:1/repo.git");
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

// ---------------------------------------------------------------------------------------
// Isolation (docs/ARCHITECTURE.md, "Build isolation"): each test performs the attack.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn run_steps_have_no_capabilities_and_carry_the_limits() {
    base_image();
    let repo = fixture_repo(&[(
        "Dockerfile",
        "FROM localhost/devportal-embedded-test-base:latest\nRUN grep CapEff /proc/self/status; grep -E 'Max (processes|data size|file size|open files)' /proc/self/limits\n",
    )]);
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv = vec!["true".into()];
    let sink = RecordingSink::default();
    env.builder.build(&req, &sink, &NeverCancelled).await.unwrap_or_else(|f| panic!("{f:?}\n{}", sink.dump()));
    let caps = sink.find(LogStream::Stdout, "CapEff:").unwrap_or_else(|| panic!("no CapEff line:\n{}", sink.dump()));
    assert_eq!(caps.split_whitespace().nth(1), Some("0000000000000000"), "a RUN step kept capabilities: {caps}");
    let limits = &env.builder.limits;
    for (name, value) in [
        ("Max processes", limits.max_processes),
        ("Max data size", limits.memory_bytes),
        ("Max file size", limits.max_file_bytes),
        ("Max open files", limits.max_open_files),
    ] {
        let line = sink.find(LogStream::Stdout, name).unwrap_or_else(|| panic!("no {name} line:\n{}", sink.dump()));
        let soft = line[name.len()..].split_whitespace().next().unwrap_or_default().to_string();
        assert_eq!(soft, value.to_string(), "{line}");
    }
}

/// The chroot escape program, shared with the local host's tests (`tests/fixtures/chroot-escape.c`).
const ESCAPE_C: &str = include_str!("../../../tests/fixtures/chroot-escape.c");

#[tokio::test]
async fn a_chroot_escape_in_a_run_step_fails_to_leave_its_root() {
    let host = tempfile::Builder::new().prefix("devportal-host-only-").tempdir().unwrap();
    let secret = format!("host-secret-{}", uuid::Uuid::new_v4().simple());
    let marker = host.path().join("marker");
    std::fs::write(&marker, &secret).unwrap();
    // The program, built here as a static binary (an empty image has no loader).
    let src = host.path().join("escape.c");
    std::fs::write(&src, ESCAPE_C).unwrap();
    let out = std::process::Command::new("gcc").arg("-static").arg("-O1").arg("-o").arg(host.path().join("escape")).arg(&src).output().expect("gcc");
    assert!(out.status.success(), "gcc: {}", String::from_utf8_lossy(&out.stderr));
    let escape = std::fs::read(host.path().join("escape")).unwrap();

    let dir = tempfile::Builder::new().prefix("devportal-escape-repo-").tempdir().unwrap();
    std::fs::write(dir.path().join("escape"), &escape).unwrap();
    let dockerfile = format!("FROM scratch\nCOPY escape /escape\nRUN [\"/escape\", \"{}\"]\n", marker.display());
    let repo = fixture_repo_with_binary(&dockerfile, dir.path().join("escape"));
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv = vec!["/escape".into(), marker.display().to_string()];
    let sink = RecordingSink::default();
    let result = env.builder.build(&req, &sink, &NeverCancelled).await;
    assert!(!sink.dump().contains(&secret), "the build read a host file:\n{}", sink.dump());
    let f = result.expect_err("the escape must fail its step");
    assert_eq!(f.kind, BuildFailureKind::ImageBuildFailed, "{f:?}\n{}", sink.dump());
    assert!(!f.reason.contains(&secret));
    sink.assert_has(LogStream::Stdout, "escape: chroot failed: Operation not permitted");
}

#[tokio::test]
async fn a_health_check_cannot_reach_a_service_on_the_hosts_loopback() {
    base_image();
    // The portal (or any service) on 127.0.0.1: count who connects.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            use std::io::Write;
            let mut conn = conn;
            let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\nreached");
        }
    });
    // The check succeeds either way, so only the listener tells whether it got through.
    let repo = repo_with_check(&format!("wget -q -O- http://127.0.0.1:{port}/ && echo; echo check-done; exit 0"));
    let env = BuildEnv::new();
    let req = request(&repo.url, "main");
    let sink = RecordingSink::default();
    env.builder.build(&req, &sink, &NeverCancelled).await.unwrap_or_else(|f| panic!("{f:?}\n{}", sink.dump()));
    sink.assert_has(LogStream::Stdout, "check-done");
    assert!(sink.find(LogStream::Stdout, "reached").is_none(), "the health check reached the host:\n{}", sink.dump());
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0, "the listener on 127.0.0.1 saw a connection");
}

/// Lists every process a program can see in /proc as `<prefix> <pid>: <command line>`.
fn list_processes(prefix: &str) -> String {
    format!("for p in /proc/[0-9]*; do echo \"{prefix} ${{p#/proc/}}: $(tr '\\0' ' ' < $p/cmdline)\"; done")
}

#[tokio::test]
async fn run_steps_and_the_health_check_see_no_host_process() {
    base_image();
    // A host process with a unique command line, as another tenant's build or run would be.
    let marker = format!("host-marker-{}", uuid::Uuid::new_v4().simple());
    let mut host_process = std::process::Command::new("sh").args(["-c", "sleep 120", &marker]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while processes_with(&marker).is_empty() {
        assert!(Instant::now() < deadline, "the marker process is not running");
        std::thread::sleep(Duration::from_millis(20));
    }

    let script = format!("#!/bin/sh\n{}\n", list_processes("check-proc"));
    let dockerfile = format!("FROM {BASE_IMAGE}\nCOPY list.sh /list.sh\nRUN {}\n", list_processes("step-proc"));
    let repo = fixture_repo(&[("Dockerfile", &dockerfile), ("list.sh", &script)]);
    let env = BuildEnv::new();
    let mut req = request(&repo.url, "main");
    req.health_check_argv = vec!["sh".into(), "/list.sh".into()];
    let sink = RecordingSink::default();
    let result = env.builder.build(&req, &sink, &NeverCancelled).await;
    let _ = host_process.kill();
    let _ = host_process.wait();
    result.unwrap_or_else(|f| panic!("{f:?}\n{}", sink.dump()));

    // Each listing's own command line: the RUN step's shell, the health check's script.
    for (prefix, itself) in [("step-proc", "for p in /proc"), ("check-proc", "/list.sh")] {
        let seen: Vec<String> =
            sink.lines().into_iter().filter(|(_, s, t)| *s == LogStream::Stdout && t.starts_with(prefix)).map(|(_, _, t)| t).collect();
        // The listing ran (it sees at least itself) ...
        assert!(seen.iter().any(|l| l.contains(itself)), "{prefix}: the listing did not see itself:\n{}", sink.dump());
        // ... and nothing of the host: not the marker, not this test, not the portal.
        assert!(!seen.iter().any(|l| l.contains(&marker)), "{prefix}: a host process is visible:\n{}", seen.join("\n"));
        let me = std::env::current_exe().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        assert!(!seen.iter().any(|l| l.contains(&me)), "{prefix}: the test process is visible:\n{}", seen.join("\n"));
        // buildah (PID 1 of the namespace), its chroot runtime and the step's own processes.
        assert!(seen.len() <= 8, "{prefix}: {} processes visible:\n{}", seen.len(), seen.join("\n"));
        assert!(seen.iter().any(|l| l.starts_with(&format!("{prefix} 1: "))), "{prefix}: not a namespace of its own:\n{}", seen.join("\n"));
    }
}

#[tokio::test]
async fn a_git_server_that_trickles_bytes_is_cut_off_at_the_clone_limit() {
    // Answers every connection with an HTTP response one byte every 300 ms, forever.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut conn = conn;
                let mut buf = [0u8; 4096];
                let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = conn.read(&mut buf);
                let body = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n\r\n001e# service=git-upload-pack\n0000";
                for b in body.iter().cycle().take(1000) {
                    if conn.write_all(&[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
        }
    });
    let mut env = BuildEnv::new();
    env.builder.limits.clone_timeout = Duration::from_secs(3);
    let req = request(&format!("http://127.0.0.1:{port}/slow.git"), "main");
    let sink = RecordingSink::default();
    let started = Instant::now();
    let f = env.builder.build(&req, &sink, &NeverCancelled).await.expect_err("must fail");
    let took = started.elapsed();
    assert_eq!(f.kind, BuildFailureKind::CloneFailed, "{f:?}\n{}", sink.dump());
    assert!(f.reason.contains("timed out") && f.reason.contains("3.0 s"), "{}", f.reason);
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    assert!(!env.builder.clone_dir(&req).exists());
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
        resume: None,
        deadline: None,
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
        Self { builder: LocalBuilder::new(work.path(), images.path(), devportal_domain::wizard::url_policy::UrlPolicy::LOCAL), work, images }
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
