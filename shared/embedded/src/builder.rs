//! `ImageBuilder` on the local machine, without a Docker engine: `git` clones the branch,
//! `buildah` builds the image from the repository's `Dockerfile`, runs the health check in a
//! throw-away container and stores the image as an OCI layout on disk.
//!
//! Every program runs as an argument vector (never through a shell), in its own process
//! group so that a timeout or a cancellation kills the whole tree (`buildah run` leaves its
//! child behind when only buildah itself is killed). Every output line goes to the job log
//! while the program runs, with the Git token scrubbed out.
//!
//! Isolation (docs/ARCHITECTURE.md, "Build isolation"; the sandbox is [`crate::sandbox`],
//! shared with the run executor): `RUN` steps and the health check run with every capability
//! dropped (`--cap-drop ALL`), so uid 0 inside cannot `chroot` out, mount, or read what its
//! root does not hold, and in a PID namespace of their own (`unshare -p`), so they see no other
//! process; `RUN` steps get per-process limits (`--ulimit`: memory, processes, file size, open
//! files); the health check runs in a new network namespace with no interfaces (`unshare -n`)
//! under the same memory/file limits (set on buildah before it starts, inherited by the
//! program). Every phase has a time limit ([`BuildLimits`]); the checkout is capped in size.
//!
//! Names, all derived from the job so a second attempt of the same job (after a crash)
//! finds and replaces what the first one left behind:
//! - clone: `<work_dir>/<job id>` (removed after the build);
//! - image in buildah's local storage: `localhost/devportal-<connector>-v<version>:<job id>`
//!   (removed once stored, or when the build fails);
//! - health-check container: `devportal-check-<job id>` (always removed);
//! - stored image: OCI layout `<images_dir>/<connector>-v<version>`, tag `<job id>`, i.e. the
//!   reference `oci:<images_dir>/<connector>-v<version>:<job id>`.

use crate::git::{apply_credentials, check_remote, explain, isolated_git_env};
use crate::process::{Ending, FollowedProcess, LongLines, OutputSink, Stream};
use crate::sandbox::{die_with_parent, quiet, set_rlimits, Network, Rlimit, Sandbox, CONFINED};
use async_trait::async_trait;
use devportal_domain::pipeline::{BuildFailure, BuildFailureKind, BuiltImage, LogStream};
use devportal_domain::ports::{BuildRequest, Cancellation, GitCredentials, ImageBuilder, LogSink};
use devportal_domain::redact::Redactor;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// The lock over buildah's storage, shared with the run executor (see [`crate::sandbox`]).
pub use crate::sandbox::STORAGE_LOCK;

/// How often a running program's cancellation and time limit are checked.
const CANCEL_POLL: Duration = Duration::from_millis(50);
/// How long a stopped `buildah bud` may take after SIGTERM (it then stops the step and
/// removes its working container) before its process group is killed.
const BUD_STOP_GRACE: Duration = Duration::from_secs(3);
/// Longest log line; longer output is cut into several lines.
const MAX_LINE: usize = 16 * 1024;
/// Lines of each stream kept to explain a failure.
const TAIL_LINES: usize = 200;

/// Limits of one build; see docs/ARCHITECTURE.md ("Build isolation") for what each one is and
/// what it is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildLimits {
    /// Whole `git clone` (a server that trickles bytes is cut off here at the latest).
    pub clone_timeout: Duration,
    /// Whole `buildah bud`.
    pub image_build_timeout: Duration,
    /// Whole `buildah push` into the image store.
    pub push_timeout: Duration,
    /// `RLIMIT_DATA` of every `RUN` step process and of the health check: heap and private
    /// writable mappings of one process.
    pub memory_bytes: u64,
    /// `RLIMIT_NPROC` of `RUN` steps. Linux does not apply it to uid 0 of the initial user
    /// namespace, which a step is: it binds only a step that switches to another user, and is
    /// no fork-bomb guard (docs/ARCHITECTURE.md, "Build isolation").
    pub max_processes: u64,
    /// `RLIMIT_FSIZE` of `RUN` steps and the health check: the largest file one can write.
    pub max_file_bytes: u64,
    /// `RLIMIT_NOFILE` of `RUN` steps and the health check.
    pub max_open_files: u64,
    /// Size of the checkout (`RLIMIT_FSIZE` of `git clone`, then the clone's total size).
    pub max_clone_bytes: u64,
}

impl Default for BuildLimits {
    /// Together (25 min) below the build queue's 30-minute visibility timeout, so a running
    /// build is never delivered a second time; CodeBuild's project has 13 minutes in all.
    fn default() -> Self {
        Self {
            clone_timeout: Duration::from_secs(5 * 60),
            image_build_timeout: Duration::from_secs(15 * 60),
            push_timeout: Duration::from_secs(5 * 60),
            memory_bytes: 4 << 30,
            max_processes: 1024,
            max_file_bytes: 2 << 30,
            max_open_files: 4096,
            max_clone_bytes: 1 << 30,
        }
    }
}

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
    /// Which repositories may be cloned (checked again at every clone, after DNS).
    pub url_policy: devportal_domain::wizard::url_policy::UrlPolicy,
    /// The `unshare` program (util-linux) that gives `RUN` steps and the health check their
    /// own PID namespace (and the health check its own network namespace).
    pub unshare: String,
    pub limits: BuildLimits,
}

impl LocalBuilder {
    /// A builder using `buildah` and `git` from `PATH`.
    pub fn new(work_dir: impl Into<PathBuf>, images_dir: impl Into<PathBuf>, url_policy: devportal_domain::wizard::url_policy::UrlPolicy) -> Self {
        Self {
            work_dir: work_dir.into(),
            images_dir: images_dir.into(),
            buildah: "buildah".into(),
            git: "git".into(),
            unshare: "unshare".into(),
            url_policy,
            limits: BuildLimits::default(),
        }
    }

    /// Parent of the clones on a portal: `<temp dir>/devportal-builds`, outside the data
    /// directory (created 0700 by the first build).
    pub fn default_work_dir() -> PathBuf {
        std::env::temp_dir().join("devportal-builds")
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

    /// The sandbox of `RUN` steps and the health check (docs/ARCHITECTURE.md, "Build isolation").
    pub fn sandbox(&self) -> Sandbox {
        Sandbox { buildah: self.buildah.clone(), unshare: self.unshare.clone() }
    }

    fn buildah_cmd(&self) -> Command {
        self.sandbox().buildah()
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
        let _storage = STORAGE_LOCK.write().await;
        let mut cmd = self.buildah_cmd();
        cmd.args(["rm", &Self::check_container_name(request)]);
        quiet(cmd).await;
    }

    async fn remove_local_image(&self, request: &BuildRequest) {
        let _storage = STORAGE_LOCK.write().await;
        let mut cmd = self.buildah_cmd();
        cmd.args(["rmi", "-f", &Self::image_name(request)]);
        quiet(cmd).await;
    }

    async fn clone(&self, request: &BuildRequest, dir: &Path, ctx: &Ctx<'_>) -> Result<String, BuildFailure> {
        let url_shown = ctx.scrub(&request.url);
        ctx.system(&format!("$ git clone --depth 1 --branch {} --single-branch -- {} {}", request.branch, url_shown, dir.display())).await;
        let started = Instant::now();
        let remote = check_remote(&request.url, self.url_policy, &request.credentials)
            .await
            .map_err(|refusal| BuildFailure::new(BuildFailureKind::CloneFailed, format!("git clone refused: {refusal}"), None))?;
        let mut cmd = self.git_cmd();
        cmd.args(["clone", "--depth", "1", "--branch", &request.branch, "--single-branch", "--", &request.url]).arg(dir).current_dir(&self.work_dir);
        let _key_dir =
            apply_credentials(&mut cmd, &request.credentials, &remote).map_err(|e| internal(format!("could not prepare the deploy key: {e}")))?;
        // No single file of the checkout (git's pack above all) may outgrow the clone limit.
        set_rlimits(&mut cmd, &[(Rlimit::Fsize, self.limits.max_clone_bytes)]);
        let limit = self.limits.clone_timeout;
        match run(cmd, "git", ctx, Some(limit), Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::TimedOut => {
                return Err(BuildFailure::new(
                    BuildFailureKind::CloneFailed,
                    format!("git clone timed out: the clone did not finish within {} (the portal's clone time limit)", secs_of(limit)),
                    None,
                ))
            }
            Outcome::Exited { code, stderr, .. }
                if code != Some(0)
                    && (stderr.iter().any(|l| l.contains("File too large")) || file_size_exceeded(dir, self.limits.max_clone_bytes)) =>
            {
                return Err(too_big_clone(self.limits.max_clone_bytes));
            }
            Outcome::Exited { code: Some(0), .. } => {}
            Outcome::Exited { code, stderr, .. } => {
                let stderr = ctx.scrub(&tail_text(&stderr));
                let cause = clone_cause(&stderr, code, &request.branch, &request.credentials);
                let code_text = code.map_or("none".to_string(), |c| c.to_string());
                return Err(BuildFailure::new(BuildFailureKind::CloneFailed, format!("git clone failed (exit code {code_text}): {cause}"), code));
            }
        }

        let mut cmd = self.git_cmd();
        cmd.args(["rev-parse", "HEAD"]).current_dir(dir);
        let commit = match run(cmd, "git", ctx, None, Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::Exited { code: Some(0), stdout, .. } => stdout.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or_default().to_string(),
            Outcome::Exited { code, stderr, .. } => {
                return Err(internal(format!("git rev-parse HEAD failed after the clone (exit code {code:?}): {}", first_line(&tail_text(&stderr)))))
            }
            Outcome::TimedOut => unreachable!("no time limit"),
        };
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(internal(format!("git rev-parse HEAD answered `{commit}`, not a commit id")));
        }
        let size = dir_size(dir.to_path_buf()).await;
        if size > self.limits.max_clone_bytes {
            return Err(too_big_clone(self.limits.max_clone_bytes));
        }
        ctx.system(&format!("cloned branch `{}` at commit {commit} in {}", request.branch, secs(started))).await;
        Ok(commit)
    }

    async fn build_image(&self, request: &BuildRequest, dir: &Path, ctx: &Ctx<'_>) -> Result<(), BuildFailure> {
        let image = Self::image_name(request);
        ctx.system(&format!("building image {image}…")).await;
        let l = &self.limits;
        let ulimit = |name: &str, v: u64| format!("{name}={v}:{v}");
        // `RUN` steps: uid 0 without capabilities (no chroot escape, no mounts, no raw
        // sockets), a PID namespace of their own (no other process in sight), the host's
        // network (package installs), per-process limits.
        let mut args = vec!["bud".to_string()];
        args.extend(CONFINED.iter().map(|a| a.to_string()));
        args.extend([
            "--ulimit".into(),
            ulimit("data", l.memory_bytes),
            "--ulimit".into(),
            ulimit("nproc", l.max_processes),
            "--ulimit".into(),
            ulimit("fsize", l.max_file_bytes),
            "--ulimit".into(),
            ulimit("nofile", l.max_open_files),
            "-t".into(),
            image.clone(),
            "-f".into(),
            "Dockerfile".into(),
            ".".into(),
        ]);
        ctx.system(&format!("$ {} -p -f --kill-child --mount-proc {} --storage-driver vfs {}", self.unshare, self.buildah, args.join(" "))).await;
        let started = Instant::now();
        let limit = l.image_build_timeout;
        let mut outcome;
        // buildah's chroot runtime now and then fails to start a step (EBUSY sealing a memfd
        // copy of itself while other builds run): the build is run once more, at once.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut cmd = self.sandbox().confined(Network::Host).map_err(|e| spawn_failure("buildah", &e))?;
            cmd.args(&args).current_dir(dir);
            let storage = STORAGE_LOCK.read().await;
            outcome = run(cmd, "unshare", ctx, Some(limit), BUD_STOP_GRACE).await;
            drop(storage);
            let transient = matches!(&outcome, Ok(Outcome::Exited { code: Some(c), stderr, .. }) if *c != 0 && is_step_start_failure(stderr));
            if !transient || attempts == 2 {
                break;
            }
            ctx.system("buildah could not start a build step (a transient failure of its runtime); building again").await;
        }
        match outcome? {
            Outcome::Cancelled => Err(cancelled()),
            Outcome::TimedOut => Err(BuildFailure::new(
                BuildFailureKind::ImageBuildFailed,
                format!("image build timed out: buildah bud did not finish within {} (the portal's image build time limit)", secs_of(limit)),
                None,
            )),
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
        let storage = STORAGE_LOCK.read().await;
        let outcome = run(cmd, "buildah", ctx, None, Duration::ZERO).await;
        drop(storage);
        match outcome? {
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
        // A network namespace of its own with no interface (not even a working loopback):
        // the check cannot reach the portal, the host's services or the internet; a PID
        // namespace of its own: it sees no other process.
        // `buildah run` has no `--ulimit`: the limits are set on it and inherited.
        let mut cmd = self.sandbox().confined(Network::None).map_err(|e| spawn_failure("buildah", &e))?;
        cmd.arg("run").args(CONFINED).args([container.as_str(), "--"]).args(&request.health_check_argv);
        let l = &self.limits;
        set_rlimits(&mut cmd, &[(Rlimit::Data, l.memory_bytes), (Rlimit::Fsize, l.max_file_bytes), (Rlimit::Nofile, l.max_open_files)]);
        // Killing the group ends the program; the container is removed by name just after.
        let outcome = run(cmd, "unshare", ctx, Some(limit), Duration::ZERO).await;
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
            Outcome::Exited { code, stderr: stderr_lines, .. } => {
                let stderr = tail_text(&stderr_lines);
                if let Some(pos) = stderr.find("process failed to start with error: ") {
                    let rest = &stderr[pos + "process failed to start with error: ".len()..];
                    let why = rest.split("process exited with error").next().unwrap_or(rest).lines().next().unwrap_or("").trim();
                    return Err(BuildFailure::new(
                        BuildFailureKind::HealthCheckFailed,
                        format!("health check could not start `{}`: {why}", request.health_check_argv[0]),
                        None,
                    ));
                }
                // buildah's own failure (its storage, the container), not the program's exit:
                // nothing the connector did, so the job is tried again.
                if let Some(error) = buildah_error(&stderr_lines).filter(|e| !e.starts_with("exit status")) {
                    return Err(BuildFailure {
                        kind: BuildFailureKind::Internal,
                        reason: format!("the health check container could not run: {error}"),
                        exit_code: None,
                        retryable: true,
                    });
                }
                Err(match code {
                    Some(n) => BuildFailure::new(BuildFailureKind::HealthCheckFailed, format!("health check exited with code {n}"), Some(n)),
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
        let limit = self.limits.push_timeout;
        match run(cmd, "buildah", ctx, Some(limit), Duration::ZERO).await? {
            Outcome::Cancelled => return Err(cancelled()),
            Outcome::TimedOut => {
                return Err(BuildFailure::new(
                    BuildFailureKind::PushFailed,
                    format!("push timed out: storing the image did not finish within {} (the portal's push time limit)", secs_of(limit)),
                    None,
                ))
            }
            Outcome::Exited { code: Some(0), .. } => {}
            Outcome::Exited { code, stderr, .. } => {
                let why = buildah_error(&stderr).unwrap_or_else(|| first_line(&tail_text(&stderr)));
                let code_text = code.map_or("none".to_string(), |c| c.to_string());
                return Err(BuildFailure::new(BuildFailureKind::PushFailed, format!("push failed (exit code {code_text}): {why}"), code));
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
            Ok(_) => return Err(BuildFailure::new(BuildFailureKind::DockerfileMissing, "`Dockerfile` at the repository root is not a file", None)),
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

/// Whether a file under `dir` reached `limit` bytes (the clone hit its file-size limit).
fn file_size_exceeded(dir: &Path, limit: u64) -> bool {
    fn walk(p: &Path, limit: u64, depth: usize) -> bool {
        let Ok(entries) = std::fs::read_dir(p) else { return false };
        entries.flatten().any(|e| match e.file_type() {
            Ok(t) if t.is_dir() && depth < 64 => walk(&e.path(), limit, depth + 1),
            Ok(t) if t.is_file() => e.metadata().is_ok_and(|m| m.len() >= limit),
            _ => false,
        })
    }
    walk(dir, limit, 0)
}

/// Total size of the regular files under `dir` (symbolic links are not followed).
async fn dir_size(dir: PathBuf) -> u64 {
    fn walk(p: &Path, depth: usize) -> u64 {
        let Ok(entries) = std::fs::read_dir(p) else { return 0 };
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() && depth < 64 => walk(&e.path(), depth + 1),
                Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
                _ => 0,
            })
            .sum()
    }
    tokio::task::spawn_blocking(move || walk(&dir, 0)).await.unwrap_or(0)
}

/// Creates `dir` (and its parents) readable by the portal's user only.
async fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

fn too_big_clone(limit: u64) -> BuildFailure {
    BuildFailure::new(
        BuildFailureKind::CloneFailed,
        format!("the repository is too large: its checkout exceeds the portal's limit of {} MiB", limit >> 20),
        None,
    )
}

#[async_trait]
impl ImageBuilder for LocalBuilder {
    async fn build(&self, request: &BuildRequest, log: &dyn LogSink, cancel: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        let ctx = Ctx { log, cancel, redactor: Redactor::for_git(&request.url, &request.credentials) };
        ctx.check_cancelled()?;
        create_private_dir(&self.work_dir)
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
    /// Built once per build: every line of git and buildah passes through it.
    redactor: Redactor,
}

impl Ctx<'_> {
    fn scrub(&self, text: &str) -> String {
        self.redactor.text(text)
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

/// Runs `cmd`, sending every output line to the log as it is produced, checking for
/// cancellation and the optional time limit ([`crate::process`]). On cancellation or timeout
/// the whole process group is killed (after SIGTERM to the program and up to `stop_grace`,
/// unless that is zero). Spawn failures become `Internal` failures.
async fn run(cmd: Command, program: &str, ctx: &Ctx<'_>, limit: Option<Duration>, stop_grace: Duration) -> Result<Outcome, BuildFailure> {
    let capture_failed = |e: std::io::Error| internal(format!("cannot capture the output of {program}: {e}"));
    let mut process = FollowedProcess::spawn(cmd, LongLines::Split(MAX_LINE)).map_err(|e| spawn_failure(program, &e))?;
    let mut log = JobLogOutput { ctx, tails: [VecDeque::new(), VecDeque::new()] };
    let deadline = limit.map(|l| tokio::time::Instant::now() + l);
    let stop = async {
        loop {
            if ctx.cancel.is_cancelled() {
                return Outcome::Cancelled;
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Outcome::TimedOut;
            }
            tokio::time::sleep(CANCEL_POLL).await;
        }
    };
    match process.follow(&mut log, stop).await.map_err(capture_failed)? {
        Ending::Exited(status) => {
            let [stdout, stderr] = log.tails.map(Vec::from);
            Ok(Outcome::Exited { code: status.code(), stdout, stderr })
        }
        Ending::Stopped(outcome) => {
            // `buildah run` leaves the program it ran behind when only buildah is signalled:
            // the whole group is stopped.
            process.kill(stop_grace, &mut log).await;
            Ok(outcome)
        }
    }
}

/// A program's output on its way to the job log: every line scrubbed, the last lines of each
/// stream kept to explain a failure.
struct JobLogOutput<'a, 'c> {
    ctx: &'a Ctx<'c>,
    tails: [VecDeque<String>; 2],
}

#[async_trait]
impl OutputSink for JobLogOutput<'_, '_> {
    async fn line(&mut self, stream: Stream, line: String) {
        let (kind, tail) = match stream {
            Stream::Stdout => (LogStream::Stdout, &mut self.tails[0]),
            Stream::Stderr => (LogStream::Stderr, &mut self.tails[1]),
        };
        let line = self.ctx.scrub(&line);
        self.ctx.log.line(kind, &line).await;
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }

    async fn skipped(&mut self, stream: Stream, bytes: u64) {
        let name = if stream == Stream::Stderr { "stderr" } else { "stdout" };
        self.ctx.system(&format!("… {bytes} bytes of {name} skipped: the program wrote faster than the log could take them …")).await;
    }
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
            "unshare" => " (install it: apt-get install -y util-linux)",
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

/// buildah's own failure to start a `RUN` step (not the step's exit).
fn is_step_start_failure(stderr: &[String]) -> bool {
    stderr.iter().any(|l| l.contains("sealing memfd copy"))
}

/// Turns a failed `buildah bud` into `DockerfileInvalid` or `ImageBuildFailed`.
fn classify_bud_failure(code: Option<i32>, stderr: &[String]) -> BuildFailure {
    // buildah's chroot runtime failing to start a step (it seals a memfd copy of itself and
    // gets EBUSY now and then while other builds run): nothing the Dockerfile did, so the job
    // is tried again rather than failed.
    if let Some(line) = stderr.iter().find(|l| is_step_start_failure(std::slice::from_ref(l))) {
        return BuildFailure {
            kind: BuildFailureKind::Internal,
            reason: format!("buildah could not start a build step ({}); the build is tried again", line.trim()),
            exit_code: None,
            retryable: true,
        };
    }
    let message = buildah_error(stderr).unwrap_or_else(|| first_line(&tail_text(stderr)));
    let code_text = code.map_or("none".to_string(), |c| c.to_string());
    let (step, detail) = split_step(&message);
    let is_run_exit = step.is_some_and(|s| s.starts_with("RUN")) && detail.starts_with("exit status ");
    if !is_run_exit && is_dockerfile_syntax_error(detail) {
        let at = step.map(|s| format!(" at `{}`", s.trim())).unwrap_or_default();
        return BuildFailure::new(BuildFailureKind::DockerfileInvalid, format!("Dockerfile is invalid{at}: {detail}"), None);
    }
    let reason = match step {
        Some(step) if is_run_exit => {
            format!("image build failed (exit code {code_text}): step `{}` exited with {}", step.trim(), &detail["exit status ".len()..])
        }
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
    fn buildahs_own_step_start_failure_is_retried() {
        let busy = vec![
            "Close_Fd sealing memfd copy: Device or resource busy".to_string(),
            "subprocess exited with status 1".to_string(),
            "Error: building at STEP \"RUN echo x\": exit status 1".to_string(),
        ];
        let f = classify_bud_failure(Some(1), &busy);
        assert!(f.retryable && f.kind == BuildFailureKind::Internal, "{f:?}");
        let own = vec!["subprocess exited with status 1".to_string(), "Error: building at STEP \"RUN false\": exit status 1".to_string()];
        assert!(!classify_bud_failure(Some(1), &own).retryable);
    }

    #[test]
    fn bud_failures_are_classified() {
        let unknown =
            vec!["Error: building at STEP \"FROBNICATE \": Build error: Unknown instruction: \"FROBNICATE\" &imagebuilder.Step{Env:[]string{}}"
                .to_string()];
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
        let shown = |url: &str| Redactor::for_git(url, &GitCredentials::None).text(url);
        assert_eq!(shown("https://bob:hunter2@example.com/r.git"), "https://bob:****@example.com/r.git");
        assert_eq!(shown("https://example.com/r.git"), "https://example.com/r.git");
        assert_eq!(shown("git@github.com:org/repo.git"), "git@github.com:org/repo.git");
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
