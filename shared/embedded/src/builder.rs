//! `ImageBuilder` on the local machine, without a Docker engine: `git` clones the branch,
//! `buildah` builds the image from the repository's `Dockerfile`, runs the health check in a
//! throw-away container and stores the image as an OCI layout on disk.
//!
//! Every program runs as an argument vector (never through a shell), in its own process
//! group so that a timeout or a cancellation kills the whole tree (`buildah run` leaves its
//! child behind when only buildah itself is killed). Every output line goes to the job log
//! while the program runs, with the Git token scrubbed out.
//!
//! Names, all derived from the job so a second attempt of the same job (after a crash)
//! finds and replaces what the first one left behind:
//! - clone: `<work_dir>/<job id>` (removed after the build);
//! - image in buildah's local storage: `localhost/devportal-<connector>-v<version>:<job id>`
//!   (removed once stored, or when the build fails);
//! - health-check container: `devportal-check-<job id>` (always removed);
//! - stored image: OCI layout `<images_dir>/<connector>-v<version>`, tag `<job id>`, i.e. the
//!   reference `oci:<images_dir>/<connector>-v<version>:<job id>`.

use crate::git::{apply_credentials, explain, isolated_git_env, scrub};
use async_trait::async_trait;
use devportal_domain::pipeline::{BuildFailure, BuildFailureKind, BuiltImage, LogStream};
use devportal_domain::ports::{BuildRequest, Cancellation, GitCredentials, ImageBuilder, LogSink};
use devportal_domain::secret::MASK;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// How often a running program is checked for cancellation and its time limit.
const POLL: Duration = Duration::from_millis(200);
/// How long output is still read after a program exited (a left-over grandchild may hold
/// the pipes open).
const DRAIN_GRACE: Duration = Duration::from_secs(2);
/// How long a stopped `buildah bud` may take after SIGTERM (it then stops the step and
/// removes its working container) before its process group is killed.
const BUD_STOP_GRACE: Duration = Duration::from_secs(3);
/// Longest log line; longer output is cut into several lines.
const MAX_LINE: usize = 16 * 1024;
/// Lines of each stream kept to explain a failure.
const TAIL_LINES: usize = 200;

/// Builds images with `git` and `buildah` on this machine (see the module documentation).
#[derive(Clone, Debug)]
pub struct LocalBuilder {
    /// Parent of the temporary clones.
    pub work_dir: PathBuf,
    /// Parent of the OCI layouts the images are stored in.
    pub images_dir: PathBuf,
    /// The buildah program.
    pub buildah: String,
    /// The git program.
    pub git: String,
}

impl LocalBuilder {
    /// A builder using `buildah` and `git` from `PATH`.
    pub fn new(work_dir: impl Into<PathBuf>, images_dir: impl Into<PathBuf>) -> Self {
        Self { work_dir: work_dir.into(), images_dir: images_dir.into(), buildah: "buildah".into(), git: "git".into() }
    }

    /// The image's name in buildah's local storage while the job runs.
    pub fn image_name(request: &BuildRequest) -> String {
        format!("localhost/devportal-{}-v{}:{}", request.connector_id, request.version, request.job_id)
    }

    /// The throw-away container of the health check.
    pub fn check_container_name(request: &BuildRequest) -> String {
        format!("devportal-check-{}", request.job_id)
    }

    /// Where the job's clone lives while it runs.
    pub fn clone_dir(&self, request: &BuildRequest) -> PathBuf {
        self.work_dir.join(request.job_id.to_string())
    }

    /// The OCI layout directory of a connector version (one tag per build job).
    pub fn layout_dir(&self, request: &BuildRequest) -> PathBuf {
        let base = std::path::absolute(&self.images_dir).unwrap_or_else(|_| self.images_dir.clone());
        base.join(format!("{}-v{}", request.connector_id, request.version))
    }

    /// The stored image's reference: `oci:<layout dir>:<job id>`.
    pub fn image_ref(&self, request: &BuildRequest) -> String {
        format!("oci:{}:{}", self.layout_dir(request).display(), request.job_id)
    }

    fn buildah_cmd(&self) -> Command {
        let mut cmd = Command::new(&self.buildah);
        die_with_parent(&mut cmd);
        cmd.args(["--storage-driver", "vfs"]);
        cmd
    }

    fn git_cmd(&self) -> Command {
        let mut cmd = Command::new(&self.git);
        die_with_parent(&mut cmd);
        for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS"] {
            cmd.env_remove(var);
        }
        isolated_git_env(&mut cmd);
        cmd
    }

    /// Best-effort removal of what an earlier attempt of the same job may have left.
    async fn remove_leftovers(&self, request: &BuildRequest, ctx: &Ctx<'_>) {
        let clone_dir = self.clone_dir(request);
        if tokio::fs::symlink_metadata(&clone_dir).await.is_ok() {
            ctx.system(&format!("removing the clone left by an earlier attempt: {}", clone_dir.display())).await;
            let _ = tokio::fs::remove_dir_all(&clone_dir).await;
        }
        self.remove_container(request).await;
        self.remove_local_image(request).await;
    }

    async fn remove_container(&self, request: &BuildRequest) {
        let mut cmd = self.buildah_cmd();
        cmd.args(["rm", &Self::check_container_name(request)]);
        quiet(cmd).await;
    }

    async fn remove_local_image(&self, request: &BuildRequest) {
        let mut cmd = self.buildah_cmd();
        cmd.args(["rmi", "-f", &Self::image_name(request)]);
        quiet(cmd).await;
    }

    async fn clone(&self, request: &BuildRequest, dir: &Path, ctx: &Ctx<'_>) -> Result<String, BuildFailure> {
        let url_shown = ctx.scrub(&redact_url(&request.url));
        ctx.system(&format!(
            "$ git clone --depth 1 --branch {} --single-branch -- {} {}",
            request.branch,
            url_shown,
            dir.display()
        ))
        .await;
        let started = Instant::now();
        let mut cmd = self.git_cmd();
        cmd.args(["clone", "--depth", "1", "--branch", &request.branch, "--single-branch", "--", &request.url])
            .arg(dir)
            .current_dir(&self.work_dir);
        let _key_dir = apply_credentials(&mut cmd, &request.credentials)
            .map_err(|e| internal(format!("could not prepare the deploy key: {e}")))?;
        match run(cmd, "git", ctx, None, Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::TimedOut => unreachable!("no time limit"),
            Outcome::Exited { code: Some(0), .. } => {}
            Outcome::Exited { code, stderr, .. } => {
                let stderr = ctx.scrub(&tail_text(&stderr));
                let cause = clone_cause(&stderr, code, &request.branch, &request.credentials);
                let code_text = code.map_or("none".to_string(), |c| c.to_string());
                return Err(BuildFailure::new(
                    BuildFailureKind::CloneFailed,
                    format!("git clone failed (exit code {code_text}): {cause}"),
                    code,
                ));
            }
        }

        let mut cmd = self.git_cmd();
        cmd.args(["rev-parse", "HEAD"]).current_dir(dir);
        let commit = match run(cmd, "git", ctx, None, Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::Exited { code: Some(0), stdout, .. } => {
                stdout.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or_default().to_string()
            }
            Outcome::Exited { code, stderr, .. } => {
                return Err(internal(format!(
                    "git rev-parse HEAD failed after the clone (exit code {code:?}): {}",
                    first_line(&tail_text(&stderr))
                )))
            }
            Outcome::TimedOut => unreachable!("no time limit"),
        };
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(internal(format!("git rev-parse HEAD answered `{commit}`, not a commit id")));
        }
        ctx.system(&format!("cloned branch `{}` at commit {commit} in {}", request.branch, secs(started))).await;
        Ok(commit)
    }

    async fn build_image(&self, request: &BuildRequest, dir: &Path, ctx: &Ctx<'_>) -> Result<(), BuildFailure> {
        let image = Self::image_name(request);
        ctx.system(&format!("building image {image}…")).await;
        let args = ["bud", "--isolation", "chroot", "-t", &image, "-f", "Dockerfile", "."];
        ctx.system(&format!("$ {} --storage-driver vfs {}", self.buildah, args.join(" "))).await;
        let started = Instant::now();
        let mut cmd = self.buildah_cmd();
        cmd.args(args).current_dir(dir);
        match run(cmd, "buildah", ctx, None, BUD_STOP_GRACE).await? {
            Outcome::Cancelled => Err(cancelled()),
            Outcome::TimedOut => unreachable!("no time limit"),
            Outcome::Exited { code: Some(0), .. } => {
                ctx.system(&format!("image built in {}", secs(started))).await;
                Ok(())
            }
            Outcome::Exited { code, stderr, .. } => Err(classify_bud_failure(code, &stderr)),
        }
    }

    async fn health_check(&self, request: &BuildRequest, ctx: &Ctx<'_>) -> Result<(), BuildFailure> {
        if request.health_check_argv.is_empty() {
            return Err(BuildFailure {
                kind: BuildFailureKind::HealthCheckFailed,
                reason: "no health check command: set the application's command".into(),
                exit_code: None,
                retryable: false,
            });
        }
        let image = Self::image_name(request);
        let container = Self::check_container_name(request);
        let limit = request.health_check_timeout;
        ctx.system(&format!("health check: {} (limit {})", show_argv(&request.health_check_argv), secs_of(limit))).await;

        let mut cmd = self.buildah_cmd();
        cmd.args(["from", "--pull=never", "--name", &container, &image]);
        match run(cmd, "buildah", ctx, None, Duration::ZERO).await? {
            Outcome::Cancelled => {
                self.remove_container(request).await;
                return Err(cancelled());
            }
            Outcome::Exited { code: Some(0), .. } => {}
            Outcome::Exited { code, stderr, .. } => {
                self.remove_container(request).await;
                return Err(internal(format!(
                    "could not create the health-check container (exit code {code:?}): {}",
                    buildah_error(&stderr).unwrap_or_else(|| first_line(&tail_text(&stderr)))
                )));
            }
            Outcome::TimedOut => unreachable!("no time limit"),
        }

        let started = Instant::now();
        let mut cmd = self.buildah_cmd();
        cmd.args(["run", "--isolation", "chroot", &container, "--"]).args(&request.health_check_argv);
        // Killing the group ends the program; the container is removed by name just after.
        let outcome = run(cmd, "buildah", ctx, Some(limit), Duration::ZERO).await;
        self.remove_container(request).await;
        match outcome? {
            Outcome::Cancelled => Err(cancelled()),
            Outcome::TimedOut => Err(BuildFailure::new(
                BuildFailureKind::HealthCheckTimedOut,
                format!("health check timed out: no exit within {}", secs_of(limit)),
                None,
            )),
            Outcome::Exited { code: Some(0), .. } => {
                ctx.system(&format!("health check passed in {}", secs(started))).await;
                Ok(())
            }
            Outcome::Exited { code, stderr, .. } => {
                let stderr = tail_text(&stderr);
                if let Some(pos) = stderr.find("process failed to start with error: ") {
                    let rest = &stderr[pos + "process failed to start with error: ".len()..];
                    let why = rest.split("process exited with error").next().unwrap_or(rest).lines().next().unwrap_or("").trim();
                    return Err(BuildFailure::new(
                        BuildFailureKind::HealthCheckFailed,
                        format!("health check could not start `{}`: {why}", request.health_check_argv[0]),
                        None,
                    ));
                }
                Err(match code {
                    Some(n) => BuildFailure::new(
                        BuildFailureKind::HealthCheckFailed,
                        format!("health check exited with code {n}"),
                        Some(n),
                    ),
                    None => BuildFailure::new(BuildFailureKind::HealthCheckFailed, "health check was killed by a signal", None),
                })
            }
        }
    }

    async fn store(&self, request: &BuildRequest, commit: String, ctx: &Ctx<'_>) -> Result<BuiltImage, BuildFailure> {
        let image = Self::image_name(request);
        let layout = self.layout_dir(request);
        let tag = request.job_id.to_string();
        let image_ref = self.image_ref(request);
        tokio::fs::create_dir_all(&self.images_dir)
            .await
            .map_err(|e| internal(format!("cannot create the image store {}: {e}", self.images_dir.display())))?;
        ctx.system(&format!("$ {} --storage-driver vfs push {image} {image_ref}", self.buildah)).await;
        let started = Instant::now();
        let mut cmd = self.buildah_cmd();
        cmd.args(["push", &image, &image_ref]);
        match run(cmd, "buildah", ctx, None, Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::TimedOut => unreachable!("no time limit"),
            Outcome::Exited { code: Some(0), .. } => {}
            Outcome::Exited { code, stderr, .. } => {
                let why = buildah_error(&stderr).unwrap_or_else(|| first_line(&tail_text(&stderr)));
                let code_text = code.map_or("none".to_string(), |c| c.to_string());
                return Err(BuildFailure::new(
                    BuildFailureKind::PushFailed,
                    format!("push failed (exit code {code_text}): {why}"),
                    code,
                ));
            }
        }
        let (digest, size_bytes) = read_oci_layout(&layout, &tag)
            .await
            .map_err(|e| internal(format!("the stored image cannot be read back from {}: {e}", layout.display())))?;
        ctx.system(&format!("image stored: {digest} ({size_bytes} bytes) as {image_ref} in {}", secs(started))).await;
        Ok(BuiltImage { commit, digest, size_bytes, image_ref })
    }

    async fn build_in(&self, request: &BuildRequest, ctx: &Ctx<'_>) -> Result<BuiltImage, BuildFailure> {
        let dir = self.clone_dir(request);
        let commit = self.clone(request, &dir, ctx).await?;
        ctx.check_cancelled()?;

        let dockerfile = dir.join("Dockerfile");
        match tokio::fs::symlink_metadata(&dockerfile).await {
            Ok(m) if m.is_file() => {}
            Ok(m) if m.file_type().is_symlink() => {
                // A link may point anywhere on this machine: only follow one into the clone.
                let inside = match (tokio::fs::canonicalize(&dockerfile).await, tokio::fs::canonicalize(&dir).await) {
                    (Ok(target), Ok(root)) => target.starts_with(&root) && target.is_file(),
                    _ => false,
                };
                if !inside {
                    return Err(BuildFailure::new(
                        BuildFailureKind::DockerfileInvalid,
                        "the Dockerfile is a symbolic link to something outside the repository",
                        None,
                    ));
                }
            }
            Ok(_) => {
                return Err(BuildFailure::new(BuildFailureKind::DockerfileMissing, "`Dockerfile` at the repository root is not a file", None))
            }
            Err(_) => {
                return Err(BuildFailure::new(
                    BuildFailureKind::DockerfileMissing,
                    format!("no `Dockerfile` at the root of the repository (branch `{}`, commit {})", request.branch, short(&commit)),
                    None,
                ))
            }
        }

        self.build_image(request, &dir, ctx).await?;
        // The build context is no longer needed.
        let _ = tokio::fs::remove_dir_all(&dir).await;
        ctx.check_cancelled()?;
        self.health_check(request, ctx).await?;
        ctx.check_cancelled()?;
        self.store(request, commit, ctx).await
    }
}

/// A child the builder starts must not outlive the portal: if the portal is killed (SIGKILL
/// cannot be caught), an orphaned `git clone` or `buildah` would keep writing into the job's
/// directories while the restarted portal runs the same job again.
fn die_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[async_trait]
impl ImageBuilder for LocalBuilder {
    async fn build(&self, request: &BuildRequest, log: &dyn LogSink, cancel: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        let ctx = Ctx { log, cancel, credentials: &request.credentials, url_password: url_password(&request.url) };
        ctx.check_cancelled()?;
        tokio::fs::create_dir_all(&self.work_dir)
            .await
            .map_err(|e| internal(format!("cannot create the build directory {}: {e}", self.work_dir.display())))?;
        self.remove_leftovers(request, &ctx).await;
        let _clone = RemoveOnDrop(self.clone_dir(request));
        let result = self.build_in(request, &ctx).await;
        // The image lives on in the OCI layout; buildah's copy (a full copy per layer with
        // the vfs driver) is not kept.
        self.remove_local_image(request).await;
        let _ = tokio::fs::remove_dir_all(self.clone_dir(request)).await;
        if let Err(f) = &result {
            ctx.system(&format!("build failed: {}", f.reason)).await;
        }
        result
    }

    async fn delete_images(&self, connector: devportal_domain::ids::ConnectorId) -> Result<(), devportal_domain::ports::StageFailure> {
        // Every version's OCI layout is `<images_dir>/<connector>-v<n>`.
        let prefix = format!("{connector}-v");
        let mut entries = match tokio::fs::read_dir(&self.images_dir).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(devportal_domain::ports::StageFailure { reason: format!("cannot read the image store: {e}"), retryable: true }),
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                tokio::fs::remove_dir_all(entry.path()).await.map_err(|e| devportal_domain::ports::StageFailure {
                    reason: format!("cannot remove {}: {e}", entry.path().display()),
                    retryable: true,
                })?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Running a program with live output.
// ---------------------------------------------------------------------------------------

/// What the job log and the cancellation flag are for one build.
struct Ctx<'a> {
    log: &'a dyn LogSink,
    cancel: &'a dyn Cancellation,
    credentials: &'a GitCredentials,
    url_password: Option<String>,
}

impl Ctx<'_> {
    fn scrub(&self, text: &str) -> String {
        let text = scrub(text, self.credentials);
        match &self.url_password {
            Some(p) if !p.is_empty() => text.replace(p.as_str(), MASK),
            _ => text,
        }
    }

    async fn system(&self, text: &str) {
        self.log.line(LogStream::System, &self.scrub(text)).await;
    }

    fn check_cancelled(&self) -> Result<(), BuildFailure> {
        if self.cancel.is_cancelled() {
            Err(cancelled())
        } else {
            Ok(())
        }
    }
}

/// How a program run ended. Tails are the last lines of each stream (already scrubbed).
enum Outcome {
    Exited { code: Option<i32>, stdout: Vec<String>, stderr: Vec<String> },
    TimedOut,
    Cancelled,
}

/// Runs `cmd`, sending every output line to the log as it is produced, polling for
/// cancellation and the optional time limit. On cancellation or timeout the whole process
/// group is killed (after SIGTERM to the program and up to `stop_grace`, unless that is
/// zero). Spawn failures become `Internal` failures.
async fn run(mut cmd: Command, program: &str, ctx: &Ctx<'_>, limit: Option<Duration>, stop_grace: Duration) -> Result<Outcome, BuildFailure> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|e| spawn_failure(program, &e))?;
    let pgid = child.id();
    let mut group = GroupGuard(pgid);
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let (mut out_lines, mut err_lines) = (Lines::default(), Lines::default());
    let (mut out_tail, mut err_tail) = (VecDeque::new(), VecDeque::new());
    let (mut out_done, mut err_done) = (false, false);
    let (mut out_buf, mut err_buf) = (vec![0u8; 8192], vec![0u8; 8192]);
    let deadline = limit.map(|l| tokio::time::Instant::now() + l);
    let mut status: Option<Option<i32>> = None;
    let mut exited_at: Option<Instant> = None;
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let ended = loop {
        if status.is_some() && out_done && err_done {
            break None;
        }
        tokio::select! {
            r = read_some(&mut out, &mut out_buf), if !out_done => {
                let lines = match r {
                    Some(n) => out_lines.push(&out_buf[..n]),
                    None => { out_done = true; out_lines.finish() }
                };
                for l in lines { emit(ctx, LogStream::Stdout, &l, &mut out_tail).await; }
            }
            r = read_some(&mut err, &mut err_buf), if !err_done => {
                let lines = match r {
                    Some(n) => err_lines.push(&err_buf[..n]),
                    None => { err_done = true; err_lines.finish() }
                };
                for l in lines { emit(ctx, LogStream::Stderr, &l, &mut err_tail).await; }
            }
            s = child.wait(), if status.is_none() => {
                match s {
                    Ok(s) => {
                        status = Some(s.code());
                        exited_at = Some(Instant::now());
                        group.reaped();
                    }
                    Err(e) => break Some(Err(internal(format!("waiting for {program} failed: {e}")))),
                }
            }
            _ = tick.tick() => {
                match exited_at {
                    None => {
                        if ctx.cancel.is_cancelled() {
                            break Some(Ok(Stop::Cancelled));
                        }
                        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                            break Some(Ok(Stop::TimedOut));
                        }
                    }
                    // The program is gone but something it started holds the pipes open (and
                    // so keeps the group, whose id cannot have been reused): end it.
                    Some(at) if at.elapsed() >= DRAIN_GRACE => {
                        if let Some(pgid) = pgid {
                            kill_group(pgid);
                        }
                        break None;
                    }
                    Some(_) => {}
                }
            }
        }
    };

    match ended {
        None => {
            for l in out_lines.finish() {
                emit(ctx, LogStream::Stdout, &l, &mut out_tail).await;
            }
            for l in err_lines.finish() {
                emit(ctx, LogStream::Stderr, &l, &mut err_tail).await;
            }
            Ok(Outcome::Exited { code: status.flatten(), stdout: out_tail.into(), stderr: err_tail.into() })
        }
        Some(Err(e)) => Err(e),
        Some(Ok(stop)) => {
            // With a grace period, SIGTERM first so the program can clean up. Whatever is
            // left of the group then gets SIGKILL (`buildah run` leaves the program it ran
            // behind when only buildah is signalled).
            if !stop_grace.is_zero() {
                if let Some(pid) = pgid {
                    signal(&["-s", "TERM", "--", &pid.to_string()]);
                }
                let _ = tokio::time::timeout(stop_grace, child.wait()).await;
            }
            // Even if the leader is gone by now: a member left in the group keeps its id
            // reserved, and an empty group's id is not handed out again within moments.
            group.kill();
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            Ok(match stop {
                Stop::Cancelled => Outcome::Cancelled,
                Stop::TimedOut => Outcome::TimedOut,
            })
        }
    }
}

enum Stop {
    Cancelled,
    TimedOut,
}

/// Reads what is available; `None` at the end of the stream (or on a read error).
async fn read_some<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> Option<usize> {
    match r.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

async fn emit(ctx: &Ctx<'_>, stream: LogStream, line: &str, tail: &mut VecDeque<String>) {
    let line = ctx.scrub(line);
    ctx.log.line(stream, &line).await;
    if tail.len() == TAIL_LINES {
        tail.pop_front();
    }
    tail.push_back(line);
}

/// Splits a byte stream into lines (`\n`, with a trailing `\r` dropped), lossily decoded.
#[derive(Default)]
struct Lines {
    pending: Vec<u8>,
}

impl Lines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                lines.push(self.take());
            } else {
                self.pending.push(b);
                if self.pending.len() >= MAX_LINE {
                    lines.push(self.take());
                }
            }
        }
        lines
    }

    fn finish(&mut self) -> Vec<String> {
        if self.pending.is_empty() {
            Vec::new()
        } else {
            vec![self.take()]
        }
    }

    fn take(&mut self) -> String {
        let mut bytes = std::mem::take(&mut self.pending);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Kills the process group of a running program when told to, or when dropped before the
/// program was reaped (the build future was dropped). After the leader was reaped its id
/// may be reused, so the group is left alone.
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.0 {
            kill_group(pgid);
        }
    }

    fn reaped(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `kill -s KILL -- -PGID`.
fn kill_group(pgid: u32) {
    signal(&["-s", "KILL", "--", &format!("-{pgid}")]);
}

/// Runs the `kill` program (this crate does not link libc directly); blocking, but brief.
fn signal(args: &[&str]) {
    #[cfg(unix)]
    {
        let _ = std::process::Command::new("kill")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = args;
}

/// Runs a clean-up command, ignoring its output and outcome.
async fn quiet(mut cmd: Command) {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true);
    let _ = tokio::time::timeout(Duration::from_secs(60), cmd.status()).await;
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.exists() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Failures and their reasons.
// ---------------------------------------------------------------------------------------

fn internal(reason: impl Into<String>) -> BuildFailure {
    BuildFailure::new(BuildFailureKind::Internal, reason, None)
}

fn cancelled() -> BuildFailure {
    BuildFailure::new(BuildFailureKind::Cancelled, "cancelled", None)
}

fn spawn_failure(program: &str, e: &std::io::Error) -> BuildFailure {
    if e.kind() == std::io::ErrorKind::NotFound {
        let hint = match program {
            "buildah" => " (install it: apt-get install -y buildah)",
            "git" => " (install it: apt-get install -y git)",
            _ => "",
        };
        internal(format!("{program} is not installed on the build host{hint}"))
    } else {
        internal(format!("could not run {program}: {e}"))
    }
}

/// Why a clone failed, in words a developer can act on.
fn clone_cause(stderr: &str, code: Option<i32>, branch: &str, credentials: &GitCredentials) -> String {
    let lower = stderr.to_ascii_lowercase();
    if lower.contains("remote branch") && lower.contains("not found") {
        return format!("branch `{branch}` does not exist in the repository");
    }
    let explained = explain(stderr, code, credentials);
    if explained.starts_with("git ls-remote failed") {
        // `explain`'s catch-all names the probe's command: give git's own words instead.
        let line = first_line(stderr);
        line.strip_prefix("fatal: ").unwrap_or(&line).to_string()
    } else {
        explained
    }
}

/// Turns a failed `buildah bud` into `DockerfileInvalid` or `ImageBuildFailed`.
fn classify_bud_failure(code: Option<i32>, stderr: &[String]) -> BuildFailure {
    let message = buildah_error(stderr).unwrap_or_else(|| first_line(&tail_text(stderr)));
    let code_text = code.map_or("none".to_string(), |c| c.to_string());
    let (step, detail) = split_step(&message);
    let is_run_exit = step.is_some_and(|s| s.starts_with("RUN")) && detail.starts_with("exit status ");
    if !is_run_exit && is_dockerfile_syntax_error(detail) {
        let at = step.map(|s| format!(" at `{}`", s.trim())).unwrap_or_default();
        return BuildFailure::new(BuildFailureKind::DockerfileInvalid, format!("Dockerfile is invalid{at}: {detail}"), None);
    }
    let reason = match step {
        Some(step) if is_run_exit => format!("image build failed (exit code {code_text}): step `{}` exited with {}", step.trim(), &detail["exit status ".len()..]),
        _ => format!("image build failed (exit code {code_text}): {message}"),
    };
    BuildFailure::new(BuildFailureKind::ImageBuildFailed, reason, code)
}

/// Messages of buildah's Dockerfile parser and instruction checks (buildah 1.28).
fn is_dockerfile_syntax_error(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    [
        "unknown instruction",
        "requires at least one argument",
        "requires at least two arguments",
        "requires exactly",
        "requires either one argument",
        "requires either one or three arguments",
        "no from statement found",
        "no contents in",
        "only supports the",
        "dockerfile parse error",
        "parse error",
        "unknown flag",
        "flag provided but not defined",
        "unexpected end of",
        "invalid duration",
        "empty continuation",
        "chaining of onbuild",
        "isn't allowed as an onbuild trigger",
    ]
    .iter()
    .any(|m| d.contains(m))
}

/// `building at STEP "X": detail` → (Some("X"), "detail"); otherwise (None, message).
fn split_step(message: &str) -> (Option<&str>, &str) {
    let Some(rest) = message.strip_prefix("building at STEP \"") else { return (None, message) };
    // The step is Go-quoted: find the first unescaped quote.
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let detail = rest[i + 1..].strip_prefix(": ").unwrap_or(&rest[i + 1..]);
                return (Some(&rest[..i]), detail);
            }
            _ => i += 1,
        }
    }
    (None, message)
}

/// The last `Error: …` line buildah wrote, without debugging dumps.
fn buildah_error(stderr: &[String]) -> Option<String> {
    let line = stderr.iter().rev().find_map(|l| l.find("Error: ").map(|i| &l[i + "Error: ".len()..]))?;
    let line = line.split(" &imagebuilder.Step").next().unwrap_or(line);
    Some(line.trim().to_string())
}

fn tail_text(lines: &[String]) -> String {
    lines.join("\n")
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no output").to_string()
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn secs(since: Instant) -> String {
    secs_of(since.elapsed())
}

fn secs_of(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The argument vector as a person would type it (for the log only; never executed).
fn show_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The password of a `scheme://user:password@host/…` URL, if any.
fn url_password(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    Some(password.to_string()).filter(|p| !p.is_empty())
}

/// The URL with the password of its user information masked.
fn redact_url(url: &str) -> String {
    match url_password(url) {
        Some(p) => url.replacen(&format!(":{p}@"), &format!(":{MASK}@"), 1),
        None => url.to_string(),
    }
}

/// Digest of the manifest tagged `tag` in an OCI layout, and the sum of its layer sizes.
async fn read_oci_layout(layout: &Path, tag: &str) -> Result<(String, u64), String> {
    let index = tokio::fs::read(layout.join("index.json")).await.map_err(|e| format!("index.json: {e}"))?;
    let index: serde_json::Value = serde_json::from_slice(&index).map_err(|e| format!("index.json: {e}"))?;
    let digest = index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str() == Some(tag))
        .and_then(|m| m["digest"].as_str())
        .ok_or_else(|| format!("no manifest tagged `{tag}` in index.json"))?
        .to_string();
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("unexpected digest `{digest}`"))?;
    let manifest = tokio::fs::read(layout.join("blobs").join("sha256").join(hex)).await.map_err(|e| format!("manifest {digest}: {e}"))?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).map_err(|e| format!("manifest {digest}: {e}"))?;
    let layers = manifest["layers"].as_array().ok_or_else(|| format!("manifest {digest} lists no layers"))?;
    let size = layers.iter().map(|l| l["size"].as_u64().unwrap_or(0)).sum();
    Ok((digest, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_decoded() {
        let mut l = Lines::default();
        assert_eq!(l.push(b"one\r\ntw"), vec!["one"]);
        assert_eq!(l.push(b"o\nthree"), vec!["two"]);
        assert_eq!(l.finish(), vec!["three"]);
        assert!(l.finish().is_empty());
        assert_eq!(l.push(b"\xff\n"), vec!["\u{fffd}"]);
    }

    #[test]
    fn bud_failures_are_classified() {
        let unknown = vec![
            "Error: building at STEP \"FROBNICATE \": Build error: Unknown instruction: \"FROBNICATE\" &imagebuilder.Step{Env:[]string{}}".to_string(),
        ];
        let f = classify_bud_failure(Some(125), &unknown);
        assert_eq!(f.kind, BuildFailureKind::DockerfileInvalid, "{f:?}");
        assert!(f.reason.contains("Unknown instruction"), "{}", f.reason);
        assert!(!f.reason.contains("imagebuilder"), "{}", f.reason);

        let run = vec![
            "subprocess exited with status 7".to_string(),
            "Error: building at STEP \"RUN echo \\\"unknown instruction\\\" && exit 7\": exit status 7".to_string(),
        ];
        let f = classify_bud_failure(Some(7), &run);
        assert_eq!(f.kind, BuildFailureKind::ImageBuildFailed, "{f:?}");
        assert_eq!(f.exit_code, Some(7));
        assert!(f.reason.contains("exit code 7"), "{}", f.reason);

        let from = vec!["Error: FROM requires either one argument, or three: FROM <source> [as <name>]".to_string()];
        assert_eq!(classify_bud_failure(Some(125), &from).kind, BuildFailureKind::DockerfileInvalid);

        let copy = vec!["Error: building at STEP \"COPY nonexist /x\": checking on sources under \"/tmp/x\": copier: stat: \"/nonexist\": no such file or directory".to_string()];
        let f = classify_bud_failure(Some(125), &copy);
        assert_eq!(f.kind, BuildFailureKind::ImageBuildFailed);
        assert_eq!(f.exit_code, Some(125));
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(redact_url("https://bob:hunter2@example.com/r.git"), "https://bob:********@example.com/r.git");
        assert_eq!(redact_url("https://example.com/r.git"), "https://example.com/r.git");
        assert_eq!(url_password("git@github.com:org/repo.git"), None);
    }

    #[test]
    fn clone_causes() {
        let stderr = "warning: Could not find remote branch nope to clone.\nfatal: Remote branch nope not found in upstream origin";
        assert_eq!(clone_cause(stderr, Some(128), "nope", &GitCredentials::None), "branch `nope` does not exist in the repository");
        let odd = "fatal: something unusual";
        assert_eq!(clone_cause(odd, Some(128), "main", &GitCredentials::None), "something unusual");
    }

    #[test]
    fn argv_is_shown_quoted() {
        assert_eq!(show_argv(&["python".into(), "main.py".into(), "--health-check".into()]), "python main.py --health-check");
        assert_eq!(show_argv(&["sh".into(), "-c".into(), "echo 'hi'".into()]), r"sh -c 'echo '\''hi'\'''");
    }
}
