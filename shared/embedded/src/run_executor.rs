//! `RunExecutor` on the local machine: runs a connector version's image once per run with
//! `buildah`, in the sandbox every tenant program gets on this host ([`crate::sandbox`];
//! docs/ARCHITECTURE.md, "Run isolation"), and reports what it sees to a [`RunSink`].
//!
//! One run, in one background task:
//! 1. `buildah from --name devportal-run-<run>-<n> <image_ref>` (the OCI layout the builder
//!    stored, reached through a link under [`IMAGE_LINKS`]: buildah names its copy of the
//!    image after the layout's path) under [`STORAGE_LOCK`] (shared);
//! 2. the environment goes into the container's configuration with `buildah config`, whose
//!    **own environment** carries the values: each value under a fixed name
//!    (`DEVPORTAL_ENV_<i>`), copied to the connector's name by buildah's `${…}` expansion, the
//!    fixed name then removed — so no value (secrets above all) is on any command line, and
//!    no name a tenant chose is ever in buildah's own environment (`LD_PRELOAD`, `TMPDIR`,
//!    `CONTAINERS_*` would change what buildah does);
//! 3. `unshare -p -f --kill-child --mount-proc buildah run --isolation chroot --cap-drop ALL
//!    <container> -- <argv…>`: uid 0 without capabilities, its own PID namespace, the host's
//!    network (it calls the portal's run API on 127.0.0.1), per-process limits ([`RunLimits`]),
//!    its own process group;
//! 4. stdout and stderr are read line by line and handed to the sink in batches (up to
//!    [`BATCH_LINES`] lines or every [`BATCH_INTERVAL`]); overlong lines are cut, the run's
//!    output is capped ([`RunLimits::max_output_lines`] / `max_output_bytes`), and the lines
//!    buildah appends to stderr after a non-zero exit are dropped (they are not the program's);
//! 5. the observations: `Running` (version 1) once the process is started, then the final
//!    one (version 2): `Exited`, or `Stopped` (`TimedOut` past `time_limit`, `Cancelled`
//!    after [`RunExecutor::stop`], `Failed` when the image could not be mounted or the
//!    program not started, or it was killed);
//! 6. `buildah rm` of the container.
//!
//! `start` is idempotent per run id within this process (the same handle, one process);
//! handles of an earlier process of the portal are unknown (`observe` answers `None`).

use crate::process::{self, FollowedProcess, LongLines, OutputSink, Stream};
use crate::sandbox::{quiet, set_rlimits, Rlimit, Sandbox, CONFINED, STORAGE_LOCK};
use async_trait::async_trait;
use chrono::Utc;
use devportal_domain::ids::RunId;
use devportal_domain::ports::{RunExecutor, RunLaunch, RunSink, StageFailure};
use devportal_domain::run::{limits::MAX_STDIO_LINE_CHARS, truncate_chars, NewStdioLine, ObservedState, RunObservation, StdStream, StopCause};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::Command;
use tokio::sync::watch;
use tracing::Instrument;

/// A batch of output lines goes to the sink when it has this many lines ...
pub const BATCH_LINES: usize = 200;
/// ... or when its first line has waited this long.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(100);
/// Preparing the container (`buildah from`, `buildah config`) may take this long.
const PREPARE_TIMEOUT: Duration = Duration::from_secs(300);
/// Finished runs are remembered this long (idempotent `start`, `observe`).
const REMEMBER_FINISHED: Duration = Duration::from_secs(24 * 3600);
/// `buildah from oci:DIR:TAG` names the image it copies into its storage after DIR, which
/// must then be a valid repository name (lower case, no spaces): a layout is reached through
/// a link here, named after its path's hash.
pub const IMAGE_LINKS: &str = "/tmp/devportal-run-images";
/// The prefix of a run's container name (`devportal-run-<run id>-<n>`).
pub const CONTAINER_PREFIX: &str = "devportal-run-";

/// Limits of one run (docs/ARCHITECTURE.md, "Run isolation", says what each one is not).
///
/// No process count: `buildah run` sets `RLIMIT_NPROC` to 32768 itself and refuses to start
/// under a lower hard limit, and Linux does not apply that limit to uid 0 anyway (a run is
/// uid 0 of the host, without capabilities).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// `RLIMIT_DATA` of every process of the run: heap and private writable mappings.
    pub memory_bytes: u64,
    /// `RLIMIT_FSIZE`: the largest file one process can write.
    pub max_file_bytes: u64,
    /// `RLIMIT_NOFILE`: open files of one process.
    pub max_open_files: u64,
    /// Lines of stdout + stderr kept per run; then one line says the output was cut.
    pub max_output_lines: u64,
    /// Bytes of stdout + stderr kept per run (same rule).
    pub max_output_bytes: u64,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self { memory_bytes: 2 << 30, max_file_bytes: 1 << 30, max_open_files: 4096, max_output_lines: 200_000, max_output_bytes: 64 << 20 }
    }
}

/// Runs connector images on this machine (see the module documentation).
#[derive(Clone)]
pub struct LocalRunExecutor {
    inner: Arc<Inner>,
}

struct Inner {
    sandbox: Sandbox,
    /// Where OCI layouts are linked under names buildah accepts (see [`image_source`]).
    image_links: PathBuf,
    limits: RunLimits,
    runs: Mutex<HashMap<RunId, Arc<Entry>>>,
}

/// What this process knows of one run.
struct Entry {
    /// The run's tracing span (run, connector, version), for what `stop` logs.
    span: tracing::Span,
    handle: String,
    container: String,
    state: Mutex<EntryState>,
    /// `Some(reason)` once a stop was asked for.
    stop: watch::Sender<Option<String>>,
    /// `true` once the task is over (output delivered, final observation sent, container removed).
    done: watch::Sender<bool>,
}

#[derive(Clone)]
enum EntryState {
    /// Preparing the container; the process is not started yet.
    Starting,
    Running(RunObservation),
    Finished(RunObservation, Instant),
}

impl LocalRunExecutor {
    /// An executor using `buildah` and `unshare` from `PATH`.
    pub fn new(limits: RunLimits) -> Self {
        Self::with_sandbox(Sandbox::default(), limits)
    }

    pub fn with_sandbox(sandbox: Sandbox, limits: RunLimits) -> Self {
        Self { inner: Arc::new(Inner { sandbox, limits, image_links: PathBuf::from(IMAGE_LINKS), runs: Mutex::new(HashMap::new()) }) }
    }

    pub fn limits(&self) -> &RunLimits {
        &self.inner.limits
    }

    /// The container of a run started by this executor (for diagnostics and tests).
    pub fn container_of(&self, run: RunId) -> Option<String> {
        self.inner.runs.lock().unwrap().get(&run).map(|e| e.container.clone())
    }

    /// Waits until the run's task is over: its output delivered, its final observation sent
    /// and its container removed. At once for a run this executor does not know.
    pub async fn wait_done(&self, run: RunId) {
        let entry = self.inner.runs.lock().unwrap().get(&run).cloned();
        if let Some(entry) = entry {
            let mut done = entry.done.subscribe();
            let _ = done.wait_for(|d| *d).await;
        }
    }

    /// Removes the containers of runs an earlier process of the portal left behind (killed
    /// while runs were going on). For the host's start, before any run starts: it removes
    /// every `devportal-run-*` container of buildah's storage.
    pub async fn remove_leftovers(&self) {
        let mut cmd = self.inner.sandbox.buildah();
        cmd.args(["containers", "--noheading", "--format", "{{.ContainerName}}"]).stdin(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true);
        let Ok(Ok(out)) = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await else { return };
        for name in String::from_utf8_lossy(&out.stdout).lines().map(str::trim).filter(|n| n.starts_with(CONTAINER_PREFIX)) {
            tracing::info!(container = name, "removing a run container left by an earlier process");
            remove_container(&self.inner.sandbox, name).await;
        }
    }
}

#[async_trait]
impl RunExecutor for LocalRunExecutor {
    async fn start(&self, launch: &RunLaunch, sink: Arc<dyn RunSink>) -> Result<String, StageFailure> {
        let span = tracing::info_span!("run", run_id = %launch.run_id, connector_id = %launch.connector_id, version = launch.version);
        check_launch(launch).map_err(|reason| {
            span.in_scope(|| tracing::warn!(%reason, "run refused"));
            StageFailure { reason, retryable: false }
        })?;
        let entry = {
            let mut runs = self.inner.runs.lock().unwrap();
            runs.retain(|_, e| !matches!(&*e.state.lock().unwrap(), EntryState::Finished(_, at) if at.elapsed() > REMEMBER_FINISHED));
            if let Some(existing) = runs.get(&launch.run_id) {
                span.in_scope(|| tracing::info!(handle = %existing.handle, "run already started: same handle"));
                return Ok(existing.handle.clone());
            }
            let nonce = uuid::Uuid::new_v4().simple().to_string();
            let entry = Arc::new(Entry {
                span: span.clone(),
                handle: format!("local-run:{}:{nonce}", launch.run_id),
                container: format!("{CONTAINER_PREFIX}{}-{}", launch.run_id, &nonce[..8]),
                state: Mutex::new(EntryState::Starting),
                stop: watch::channel(None).0,
                done: watch::channel(false).0,
            });
            runs.insert(launch.run_id, entry.clone());
            entry
        };
        let handle = entry.handle.clone();
        span.in_scope(|| tracing::info!(%handle, container = %entry.container, image = %launch.image_ref, "starting run"));
        let task = Task { inner: self.inner.clone(), entry, launch: launch.clone(), sink };
        tokio::spawn(task.run().instrument(span));
        Ok(handle)
    }

    async fn stop(&self, run: RunId, handle: &str, reason: &str) -> Result<(), StageFailure> {
        let entry = self.inner.runs.lock().unwrap().get(&run).filter(|e| e.handle == handle).cloned();
        match entry {
            Some(entry) => {
                entry.span.in_scope(|| tracing::info!(%handle, reason, "stopping run"));
                entry.stop.send_if_modified(|s| {
                    if s.is_none() {
                        *s = Some(reason.to_string());
                        true
                    } else {
                        false
                    }
                });
            }
            None => tracing::info!(run_id = %run, %handle, "stop of a run this process does not know: nothing to stop"),
        }
        Ok(())
    }

    async fn observe(&self, run: RunId, handle: &str) -> Result<Option<RunObservation>, StageFailure> {
        let entry = self.inner.runs.lock().unwrap().get(&run).filter(|e| e.handle == handle).cloned();
        let Some(entry) = entry else { return Ok(None) };
        let state = entry.state.lock().unwrap().clone();
        Ok(Some(match state {
            // Known and being prepared: `Running` at version 0, never newer than what was
            // applied, so it changes nothing but says the run is not lost.
            EntryState::Starting => RunObservation { run_id: run, version: 0, at: Utc::now(), state: ObservedState::Running },
            EntryState::Running(o) | EntryState::Finished(o, _) => o,
        }))
    }
}

/// What `start` refuses before doing anything.
fn check_launch(launch: &RunLaunch) -> Result<(), String> {
    if launch.argv.is_empty() {
        return Err("the run has no command".into());
    }
    if launch.image_ref.is_empty() || launch.image_ref.starts_with('-') {
        return Err(format!("`{}` is not an image reference", launch.image_ref));
    }
    for name in launch.env.iter().map(|(n, _)| n).chain(launch.secret_env.iter().map(|(n, _)| n)) {
        let mut chars = name.chars();
        let valid = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("`{name}` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"));
        }
    }
    Ok(())
}

/// One run's background work.
struct Task {
    inner: Arc<Inner>,
    entry: Arc<Entry>,
    launch: RunLaunch,
    sink: Arc<dyn RunSink>,
}

/// How the program ended, before it becomes an observation.
enum Ending {
    Exited(Option<i32>, Trailer),
    Stopped(StopCause, String),
}

impl Task {
    async fn run(self) {
        let final_state = self.execute().await;
        let observation = RunObservation { run_id: self.launch.run_id, version: 2, at: Utc::now(), state: final_state };
        tracing::info!(state = ?observation.state, "run ended");
        *self.entry.state.lock().unwrap() = EntryState::Finished(observation.clone(), Instant::now());
        self.sink.observed(observation).await;
        remove_container(&self.inner.sandbox, &self.entry.container).await;
        tracing::debug!(container = %self.entry.container, "run container removed");
        self.entry.done.send_replace(true);
    }

    fn stop_requested(&self) -> Option<String> {
        self.entry.stop.borrow().clone()
    }

    async fn execute(&self) -> ObservedState {
        if let Some(reason) = self.stop_requested() {
            return ObservedState::Stopped { cause: StopCause::Cancelled, reason };
        }
        if let Err(state) = self.prepare().await {
            // A stop interrupts the preparation: the run was cancelled, not broken.
            return match self.stop_requested() {
                Some(reason) => ObservedState::Stopped { cause: StopCause::Cancelled, reason },
                None => state,
            };
        }
        if let Some(reason) = self.stop_requested() {
            return ObservedState::Stopped { cause: StopCause::Cancelled, reason };
        }
        match self.run_program().await {
            Ok(Ending::Stopped(cause, reason)) => ObservedState::Stopped { cause, reason },
            Ok(Ending::Exited(code, trailer)) => self.classify_exit(code, trailer),
            Err(reason) => ObservedState::Stopped { cause: StopCause::Failed, reason },
        }
    }

    /// `buildah from` and `buildah config`; `Err` is the final state.
    async fn prepare(&self) -> Result<(), ObservedState> {
        let failed = |reason: String| ObservedState::Stopped { cause: StopCause::Failed, reason };
        let container = &self.entry.container;
        let image = image_source(&self.inner.image_links, &self.launch.image_ref)
            .await
            .map_err(|e| failed(format!("the image could not be mounted: {e}")))?;
        let mut cmd = self.inner.sandbox.buildah();
        cmd.args(["from", "--name", container.as_str(), image.as_str()]);
        let storage = STORAGE_LOCK.read().await;
        let out = self.quick(cmd, "buildah from").await;
        drop(storage);
        let out = out.map_err(|e| failed(format!("the image could not be mounted: {e}")))?;
        if !out.status.success() {
            let why = buildah_error(&String::from_utf8_lossy(&out.stderr));
            tracing::warn!(image = %self.launch.image_ref, error = %why, "buildah from failed");
            return Err(failed(format!("the image could not be mounted: {why}")));
        }

        // Values travel in buildah's environment under fixed names, never on a command line;
        // see the module documentation.
        let vars: Vec<(&str, &str)> = self
            .launch
            .env
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(self.launch.secret_env.iter().map(|(n, v)| (n.as_str(), v.expose())))
            .collect();
        if vars.is_empty() {
            return Ok(());
        }
        let mut cmd = self.inner.sandbox.buildah();
        cmd.env_clear().env("PATH", host_path()).arg("config");
        for (i, (name, value)) in vars.iter().enumerate() {
            let carrier = format!("DEVPORTAL_ENV_{i}");
            cmd.env(&carrier, value).arg(format!("--env={carrier}")).arg(format!("--env={name}=${{{carrier}}}")).arg(format!("--env={carrier}-"));
        }
        cmd.arg(container.as_str());
        let storage = STORAGE_LOCK.read().await;
        let out = self.quick(cmd, "buildah config").await;
        drop(storage);
        let out = out.map_err(|e| failed(format!("the run's environment could not be set: {e}")))?;
        if !out.status.success() {
            // buildah's words could quote a value: none of the secrets leaves in a reason.
            let redactor = devportal_domain::redact::Redactor::new(self.launch.secret_env.iter().map(|(_, v)| v.expose()));
            let why = redactor.text(&buildah_error(&String::from_utf8_lossy(&out.stderr)));
            tracing::warn!(error = %why, "buildah config failed");
            return Err(failed(format!("the run's environment could not be set: {why}")));
        }
        Ok(())
    }

    /// Runs a short storage command to its end (or [`PREPARE_TIMEOUT`], or a stop).
    async fn quick(&self, mut cmd: Command, what: &str) -> Result<std::process::Output, String> {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut stop = self.entry.stop.subscribe();
        tokio::select! {
            out = tokio::time::timeout(PREPARE_TIMEOUT, cmd.output()) => match out {
                Ok(Ok(out)) => Ok(out),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(format!("{} is not installed on this host (apt-get install -y buildah)", self.inner.sandbox.buildah)),
                Ok(Err(e)) => Err(format!("could not run {what}: {e}")),
                Err(_) => Err(format!("{what} did not finish within {} s", PREPARE_TIMEOUT.as_secs())),
            },
            _ = stop.wait_for(Option::is_some) => Err(format!("{what} was interrupted: the run was stopped")),
        }
    }

    /// Starts the program and follows it to its end.
    async fn run_program(&self) -> Result<Ending, String> {
        let l = &self.inner.limits;
        let mut cmd = self.inner.sandbox.confined(crate::sandbox::Network::Host).map_err(|e| format!("the program could not be started: {e}"))?;
        cmd.arg("run").args(CONFINED).args([self.entry.container.as_str(), "--"]).args(&self.launch.argv);
        set_rlimits(&mut cmd, &[(Rlimit::Data, l.memory_bytes), (Rlimit::Fsize, l.max_file_bytes), (Rlimit::Nofile, l.max_open_files)]);
        let mut process =
            FollowedProcess::spawn(cmd, LongLines::Cut(MAX_STDIO_LINE_CHARS)).map_err(|e| format!("the program could not be started: {e}"))?;
        let started = Instant::now();
        let running = RunObservation { run_id: self.launch.run_id, version: 1, at: Utc::now(), state: ObservedState::Running };
        *self.entry.state.lock().unwrap() = EntryState::Running(running.clone());
        tracing::info!(pid = process.id(), "run process started");
        self.sink.observed(running).await;

        let mut output = Output::new(self.launch.run_id, self.sink.clone(), l);
        let mut stop = self.entry.stop.subscribe();
        let time_limit = self.launch.time_limit;
        let stop = async {
            tokio::select! {
                reason = stop_reason(&mut stop) => (StopCause::Cancelled, reason),
                _ = tokio::time::sleep(time_limit) => (StopCause::TimedOut, format!("the run passed its time limit of {}", human(time_limit))),
            }
        };
        let followed = process.follow(&mut output, stop).await.map_err(|e| format!("the program's output could not be read: {e}"))?;
        let ending = match followed {
            process::Ending::Exited(status) => {
                let trailer = output.take_trailer();
                let code = status.code();
                tracing::info!(exit_code = ?code, after_ms = started.elapsed().as_millis() as u64, "run process exited");
                Ending::Exited(code, trailer)
            }
            process::Ending::Stopped((cause, reason)) => {
                // unshare dies, `--kill-child` takes buildah (PID 1 of the namespace) and with
                // it every process of the run; the group kill covers the rest. What the
                // program wrote before it was stopped still counts.
                tracing::info!(?cause, %reason, "killing the run's processes");
                process.kill(Duration::ZERO, &mut output).await;
                // buildah's own lines after the kill are not the program's either.
                drop(output.take_trailer());
                Ending::Stopped(cause, reason)
            }
        };
        output.flush().await;
        Ok(ending)
    }

    /// The final state of a program that ended by itself.
    fn classify_exit(&self, code: Option<i32>, trailer: Trailer) -> ObservedState {
        let program = self.launch.argv.first().map(String::as_str).unwrap_or_default();
        if let Some(why) = &trailer.start_failure {
            return ObservedState::Stopped { cause: StopCause::Failed, reason: format!("`{program}` could not be started: {why}") };
        }
        if let Some(signal) = &trailer.signal {
            return ObservedState::Stopped { cause: StopCause::Failed, reason: format!("the program was killed (signal: {signal})") };
        }
        match code {
            Some(0) => ObservedState::Exited { code: 0 },
            // buildah says "subprocess exited with status N" whenever the program itself
            // exited non-zero; without that line the program never ran.
            Some(n) if trailer.exit_status.is_some() => ObservedState::Exited { code: trailer.exit_status.unwrap_or(n) },
            Some(n) => ObservedState::Stopped {
                cause: StopCause::Failed,
                reason: format!("buildah could not run the container (exit code {n}): {}", trailer.last_stderr.as_deref().unwrap_or("no message")),
            },
            None => ObservedState::Stopped { cause: StopCause::Failed, reason: "the run was killed by a signal".into() },
        }
    }
}

/// The reference `buildah from` gets for `image_ref`: an `oci:DIR:TAG` reference becomes
/// `oci:<links>/<hash of DIR>:TAG`, DIR reached through a symbolic link (see [`IMAGE_LINKS`]);
/// any other reference is used as it is. The same layout always gets the same link, so
/// buildah's copy of the image is reused by later runs.
async fn image_source(links: &Path, image_ref: &str) -> Result<String, String> {
    let Some(rest) = image_ref.strip_prefix("oci:") else { return Ok(image_ref.to_string()) };
    let (dir, tag) = match rest.rsplit_once(':') {
        Some((dir, tag)) if !tag.contains('/') => (dir, Some(tag)),
        _ => (rest, None),
    };
    if !Path::new(dir).join("index.json").is_file() {
        return Err(format!("no OCI layout at {dir}"));
    }
    private_dir(links).await.map_err(|e| format!("cannot prepare {}: {e}", links.display()))?;
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    dir.hash(&mut hasher);
    let link = links.join(format!("layout-{:016x}", hasher.finish()));
    if tokio::fs::read_link(&link).await.ok().as_deref() != Some(Path::new(dir)) {
        // A new link under a unique name, then renamed over the old one: atomic for
        // concurrent runs of the same layout.
        let tmp = links.join(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::symlink(dir, &tmp).await.map_err(|e| format!("cannot link {dir}: {e}"))?;
        tokio::fs::rename(&tmp, &link).await.map_err(|e| format!("cannot link {dir}: {e}"))?;
    }
    Ok(match tag {
        Some(tag) => format!("oci:{}:{tag}", link.display()),
        None => format!("oci:{}", link.display()),
    })
}

/// Creates `dir` (0700) or accepts it when it is a directory of this user and no one else's
/// to write (a shared temporary directory could hold someone else's links).
async fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = tokio::fs::symlink_metadata(dir).await?;
        // SAFETY: geteuid(2) cannot fail and touches no memory.
        let me = unsafe { libc::geteuid() };
        if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o022 != 0 {
            return Err(std::io::Error::other("not a private directory of the portal's user"));
        }
    }
    Ok(())
}

/// Waits for a stop to be asked for; its reason.
async fn stop_reason(stop: &mut watch::Receiver<Option<String>>) -> String {
    let asked = stop.wait_for(Option::is_some).await.map(|r| r.clone());
    match asked {
        Ok(reason) => reason.unwrap_or_default(),
        // The entry is gone (cannot happen while its task runs): never stop for that.
        Err(_) => std::future::pending().await,
    }
}

/// `buildah rm`, exclusive over the storage; waits for a free moment without queueing, so a
/// clean-up never holds up builds or starts behind it (tokio's lock serves a queued writer
/// before later readers).
async fn remove_container(sandbox: &Sandbox, name: &str) {
    let _storage = loop {
        match STORAGE_LOCK.try_write() {
            Ok(guard) => break guard,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let mut cmd = sandbox.buildah();
    cmd.args(["rm", name]);
    quiet(cmd).await;
}

/// The last `Error: …` of buildah's stderr, or its last line.
fn buildah_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("Error: "))
        .or(lines.last().copied())
        .map(|l| truncate_chars(l, 1000))
        .unwrap_or_else(|| "no message".into())
}

fn host_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into())
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

// ---------------------------------------------------------------------------------------
// Output: lines, buildah's trailer, the cap, batches.
// ---------------------------------------------------------------------------------------

/// What buildah appended to stderr after the program (`subprocess exited with status N`,
/// `subprocess exited on killed`, `process failed to start with error: …`, `Error: exit
/// status N`), read from the end of stderr.
#[derive(Debug, Default, PartialEq, Eq)]
struct Trailer {
    exit_status: Option<i32>,
    signal: Option<String>,
    start_failure: Option<String>,
    /// The program's (or buildah's) last stderr line that is not part of the trailer.
    last_stderr: Option<String>,
}

/// Whether a stderr line may be one buildah appends after the program ended.
fn is_trailer_line(line: &str) -> bool {
    line.contains("subprocess exited ") || line.starts_with("Error: exit status ") || line.contains("process failed to start with error: ")
}

/// Splits the held-back stderr lines into the program's (returned) and buildah's trailer: the
/// longest suffix ending in `Error: exit status N` made of trailer lines.
fn split_trailer(held: Vec<String>) -> (Vec<String>, Trailer) {
    let mut trailer = Trailer::default();
    let Some(last) = held.last() else { return (held, trailer) };
    let Some(n) = last.strip_prefix("Error: exit status ").and_then(|n| n.trim().parse::<i32>().ok()) else { return (held, trailer) };
    let mut start = held.len() - 1;
    while start > 0 && (held[start - 1].starts_with("subprocess exited ") || held[start - 1].contains("process failed to start with error: ")) {
        start -= 1;
    }
    let mut held = held;
    // The program's last stderr line without a line break: buildah's first trailer line is
    // glued onto it (`no-newlinesubprocess exited with status 7`).
    let mut glued: Option<String> = None;
    if start > 0 {
        if let Some((prefix, suffix)) = glued_trailer(&held[start - 1]) {
            let (prefix, suffix) = (prefix.to_string(), suffix.to_string());
            held[start - 1] = prefix;
            glued = Some(suffix);
        }
    }
    for line in glued.iter().chain(&held[start..held.len() - 1]) {
        if let Some(rest) = line.strip_prefix("subprocess exited with status ") {
            trailer.exit_status = rest.trim().parse().ok().or(trailer.exit_status);
        } else if let Some(sig) = line.strip_prefix("subprocess exited on ") {
            trailer.signal = Some(sig.trim().to_string());
        }
        if let Some(pos) = line.find("process failed to start with error: ") {
            let why = &line[pos + "process failed to start with error: ".len()..];
            // buildah glues its next messages onto this one without a line break.
            let why = why.split("process exited with error").next().unwrap_or(why).split("subprocess exited").next().unwrap_or(why);
            trailer.start_failure = Some(why.trim().to_string());
        }
    }
    if trailer.exit_status.is_none() && trailer.signal.is_none() && trailer.start_failure.is_none() {
        trailer.exit_status = Some(n);
    }
    let mut program = held;
    program.truncate(start);
    (program, trailer)
}

/// `text` + `subprocess exited with status N` (or `… on SIGNAL`) in one line: the two parts.
fn glued_trailer(line: &str) -> Option<(&str, &str)> {
    let at = line.rfind("subprocess exited ").filter(|at| *at > 0)?;
    let suffix = &line[at..];
    let rest = suffix.strip_prefix("subprocess exited ")?;
    let valid = match rest.strip_prefix("with status ") {
        Some(n) => !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        None => rest.strip_prefix("on ").is_some_and(|sig| !sig.is_empty() && !sig.contains(' ')),
    };
    valid.then(|| (&line[..at], suffix))
}

/// A run's output on its way to the sink: the cap, the held-back stderr, the batch.
struct Output {
    run: RunId,
    sink: Arc<dyn RunSink>,
    max_lines: u64,
    max_bytes: u64,
    lines: u64,
    bytes: u64,
    capped: bool,
    /// stderr lines that may be buildah's trailer, held until the next stderr line or the end.
    held: Vec<String>,
    last_stderr: Option<String>,
    batch: Vec<NewStdioLine>,
    batch_started: Option<Instant>,
}

impl Output {
    fn new(run: RunId, sink: Arc<dyn RunSink>, limits: &RunLimits) -> Self {
        Self {
            run,
            sink,
            max_lines: limits.max_output_lines,
            max_bytes: limits.max_output_bytes,
            lines: 0,
            bytes: 0,
            capped: false,
            held: Vec::new(),
            last_stderr: None,
            batch: Vec::new(),
            batch_started: None,
        }
    }

    async fn stderr(&mut self, line: String) {
        if is_trailer_line(&line) {
            self.held.push(line);
            return;
        }
        for held in std::mem::take(&mut self.held) {
            self.line(StdStream::Stderr, held).await;
        }
        self.line(StdStream::Stderr, line).await;
    }

    /// At the end: the held stderr lines that are the program's are delivered, buildah's
    /// trailer is returned.
    fn take_trailer(&mut self) -> Trailer {
        let (program, mut trailer) = split_trailer(std::mem::take(&mut self.held));
        for line in program {
            self.push(StdStream::Stderr, line);
        }
        trailer.last_stderr = self.last_stderr.clone();
        trailer
    }

    async fn line(&mut self, stream: StdStream, line: String) {
        self.push(stream, line);
        if self.batch.len() >= BATCH_LINES || self.batch_started.is_some_and(|t| t.elapsed() >= BATCH_INTERVAL) {
            self.flush().await;
        }
    }

    fn push(&mut self, stream: StdStream, line: String) {
        if stream == StdStream::Stderr {
            self.last_stderr = Some(truncate_chars(&line, 1000));
        }
        if self.capped {
            return;
        }
        let size = line.len() as u64 + 1;
        if self.lines + 1 > self.max_lines || self.bytes + size > self.max_bytes {
            self.capped = true;
            tracing::warn!(lines = self.lines, bytes = self.bytes, "run output cut at its cap");
            let note = format!(
                "[devportal] output cut: the run wrote more than {} lines or {} MiB; the rest of its output was dropped",
                self.max_lines,
                self.max_bytes >> 20
            );
            self.enqueue(stream, note);
            return;
        }
        self.lines += 1;
        self.bytes += size;
        self.enqueue(stream, line);
    }

    fn enqueue(&mut self, stream: StdStream, line: String) {
        if self.batch.is_empty() {
            self.batch_started = Some(Instant::now());
        }
        self.batch.push(NewStdioLine { time: Utc::now(), stream, line });
    }

    async fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        self.batch_started = None;
        let lines = std::mem::take(&mut self.batch);
        self.sink.stdio(self.run, lines).await;
    }
}

#[async_trait]
impl OutputSink for Output {
    async fn line(&mut self, stream: Stream, line: String) {
        match stream {
            Stream::Stdout => Output::line(self, StdStream::Stdout, line).await,
            Stream::Stderr => self.stderr(line).await,
        }
    }

    async fn skipped(&mut self, stream: Stream, bytes: u64) {
        let note = format!("… {bytes} bytes skipped: the program wrote faster than they could be stored …");
        OutputSink::line(self, stream, note).await;
    }

    /// Lines wait at most [`BATCH_INTERVAL`] for their batch.
    async fn idle(&mut self) {
        if self.batch_started.is_some_and(|t| t.elapsed() >= BATCH_INTERVAL) {
            self.flush().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devportal_domain::ids::ConnectorId;

    #[test]
    fn buildahs_trailer_is_told_from_the_programs_lines() {
        let held = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // The program printed a line that looks like buildah's, then buildah's trailer.
        let (program, t) = split_trailer(held(&[
            "Error: exit status 5",
            "subprocess exited with status 5",
            "subprocess exited with status 5",
            "Error: exit status 5",
        ]));
        assert_eq!(program, vec!["Error: exit status 5"]);
        assert_eq!(t.exit_status, Some(5));
        // Killed by a signal.
        let (program, t) = split_trailer(held(&["subprocess exited on killed", "subprocess exited with status 1", "Error: exit status 1"]));
        assert!(program.is_empty());
        assert_eq!(t.signal.as_deref(), Some("killed"));
        // The program could not be started (buildah glues its messages together).
        let (_, t) = split_trailer(held(&[
            "process failed to start with error: fork/exec /nope: no such file or directoryprocess exited with error: exec: not startedsubprocess exited with status 1",
            "Error: exit status 1",
        ]));
        assert_eq!(t.start_failure.as_deref(), Some("fork/exec /nope: no such file or directory"));
        // The program's last line had no line break.
        let (program, t) =
            split_trailer(held(&["no-newlinesubprocess exited with status 7", "subprocess exited with status 7", "Error: exit status 7"]));
        assert_eq!(program, vec!["no-newline"]);
        assert_eq!(t.exit_status, Some(7));
        // Not a trailer: nothing is taken.
        let (program, t) = split_trailer(held(&["subprocess exited with status 3"]));
        assert_eq!(program.len(), 1);
        assert_eq!(t, Trailer::default());
    }

    #[test]
    fn launches_with_bad_names_are_refused() {
        let launch = |name: &str| RunLaunch {
            run_id: RunId::new(),
            connector_id: ConnectorId::new(),
            version: 1,
            site_id: "s".into(),
            digest: "sha256:x".into(),
            runtime_ref: "r".into(),
            image_ref: "oci:/x:y".into(),
            owner: devportal_domain::ids::OrgId::new(),
            argv: vec!["true".into()],
            env: vec![(name.into(), "v".into())],
            secret_env: vec![],
            time_limit: Duration::from_secs(1),
        };
        assert!(check_launch(&launch("CDE_RUN_ID")).is_ok());
        for bad in ["", "1A", "A=B", "A-B", "-e"] {
            assert!(check_launch(&launch(bad)).is_err(), "{bad}");
        }
    }
}
