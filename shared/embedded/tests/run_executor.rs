//! `LocalRunExecutor` against the real `buildah`: runs of the busybox base image (stored as an
//! OCI layout, as the builder stores connector images), reported to a recording sink.
//!
//! Needs `buildah`, `skopeo` and `busybox-static` (see `tests/builder.rs`). Nothing is
//! skipped: without them the tests fail and say so.

mod fixtures;

use async_trait::async_trait;
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::ports::{RunExecutor, RunLaunch, RunSink};
use devportal_domain::run::{NewStdioLine, ObservedState, RunObservation, StdStream, StopCause};
use devportal_domain::secret::SecretValue;
use devportal_embedded::{LocalRunExecutor, RunLimits};
use fixtures::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Collects what the executor reports, with arrival times.
#[derive(Default)]
struct RecordingRunSink {
    lines: Mutex<Vec<(Instant, RunId, NewStdioLine)>>,
    observations: Mutex<Vec<RunObservation>>,
    changed: tokio::sync::Notify,
    /// How long each delivery of lines takes (a store slower than the program).
    delay: Duration,
}

#[async_trait]
impl RunSink for RecordingRunSink {
    async fn stdio(&self, run: RunId, lines: Vec<NewStdioLine>) {
        tokio::time::sleep(self.delay).await;
        let now = Instant::now();
        self.lines.lock().unwrap().extend(lines.into_iter().map(|l| (now, run, l)));
        self.changed.notify_waiters();
    }

    async fn observed(&self, observation: RunObservation) {
        self.observations.lock().unwrap().push(observation);
        self.changed.notify_waiters();
    }
}

impl RecordingRunSink {
    fn lines_of(&self, run: RunId) -> Vec<(StdStream, String)> {
        self.lines.lock().unwrap().iter().filter(|(_, r, _)| *r == run).map(|(_, _, l)| (l.stream, l.line.clone())).collect()
    }

    fn text(&self, run: RunId, stream: StdStream) -> Vec<String> {
        self.lines_of(run).into_iter().filter(|(s, _)| *s == stream).map(|(_, l)| l).collect()
    }

    fn observations_of(&self, run: RunId) -> Vec<RunObservation> {
        self.observations.lock().unwrap().iter().filter(|o| o.run_id == run).cloned().collect()
    }

    fn dump(&self, run: RunId) -> String {
        let lines: String = self.lines_of(run).iter().map(|(s, l)| format!("[{}] {l}\n", s.as_str())).collect();
        format!("{lines}observations: {:?}", self.observations_of(run))
    }

    /// Waits until `check` holds (re-checked on every report), at most `limit`.
    async fn wait_until(&self, limit: Duration, what: &str, check: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.changed.notified();
            if check(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                assert!(check(self), "timed out waiting for {what}");
                return;
            }
        }
    }

    /// The final observation of `run`, waiting for it.
    async fn final_of(&self, run: RunId, limit: Duration) -> RunObservation {
        self.wait_until(limit, "the final observation", |s| s.observations_of(run).iter().any(|o| o.version == 2)).await;
        self.observations_of(run).into_iter().find(|o| o.version == 2).unwrap()
    }

    /// Waits for a stdout line of `run` that is exactly `text`.
    async fn wait_line(&self, run: RunId, text: &str, limit: Duration) {
        self.wait_until(limit, text, |s| s.text(run, StdStream::Stdout).iter().any(|l| l == text)).await;
    }
}

fn launch(argv: &[&str]) -> RunLaunch {
    RunLaunch {
        run_id: RunId::new(),
        connector_id: ConnectorId::new(),
        version: 3,
        site_id: "dev-site".into(),
        digest: "sha256:0".into(),
        runtime_ref: "local-runtime:test".into(),
        image_ref: base_image_layout().to_string(),
        owner: OrgId::new(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: vec![],
        secret_env: vec![],
        time_limit: Duration::from_secs(60),
    }
}

fn sh(script: &str) -> RunLaunch {
    launch(&["sh", "-c", script])
}

fn executor() -> LocalRunExecutor {
    LocalRunExecutor::new(RunLimits::default())
}

/// Starts `launch`, waits for its end and for its container to be removed; the final state.
async fn run_to_end(exec: &LocalRunExecutor, sink: &Arc<RecordingRunSink>, launch: &RunLaunch) -> ObservedState {
    exec.start(launch, sink.clone()).await.unwrap_or_else(|f| panic!("start refused: {f:?}"));
    let end = sink.final_of(launch.run_id, Duration::from_secs(60)).await;
    tokio::time::timeout(Duration::from_secs(60), exec.wait_done(launch.run_id)).await.expect("the run's clean-up did not end");
    end.state
}

/// The container is gone once the run's task is over.
fn assert_container_removed(exec: &LocalRunExecutor, run: RunId) {
    let name = exec.container_of(run).expect("the executor knows the run");
    assert!(!buildah_containers().contains(&name), "container {name} was not removed");
}

/// A stopped run ends within a few seconds (the slow programs sleep 30 s).
#[track_caller]
fn assert_prompt(took: Duration, what: &str) {
    eprintln!("{what} took {took:?}");
    assert!(took < Duration::from_secs(10), "{what} took {took:?}");
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

#[tokio::test]
async fn argv_and_environment_reach_the_program_exactly() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let script = r#"for a in "$@"; do echo "arg=[$a]"; done; echo "plain=[$PLAIN]"; echo "secret=[$API_PASSWORD]"; echo "platform=[$CDE_RUN_ID]""#;
    let tricky = ["two words", "it's \"quoted\"", "$HOME ${PATH} `id` $(id)", "--not-an-option", "*", ""];
    let mut argv = vec!["sh", "-c", script, "argv0"];
    argv.extend(tricky);
    let mut l = launch(&argv);
    l.env = vec![("PLAIN".into(), "a $HOME b \"c\" 'd'".into()), ("CDE_RUN_ID".into(), l.run_id.to_string())];
    let secret = format!("s3cr3t-$X-'y'-{}", uuid::Uuid::new_v4().simple());
    l.secret_env = vec![("API_PASSWORD".into(), SecretValue::new(secret.clone()))];

    let handle = exec.start(&l, sink.clone()).await.unwrap();
    // While it starts, the run is known (and nothing newer than what was applied).
    let early = exec.observe(l.run_id, &handle).await.unwrap().expect("a started run is known");
    assert!(early.version <= 1, "{early:?}");
    let end = sink.final_of(l.run_id, Duration::from_secs(60)).await;
    exec.wait_done(l.run_id).await;
    assert_eq!(end.state, ObservedState::Exited { code: 0 }, "{}", sink.dump(l.run_id));

    let mut expected: Vec<String> = tricky.iter().map(|a| format!("arg=[{a}]")).collect();
    expected.push("plain=[a $HOME b \"c\" 'd']".into());
    expected.push(format!("secret=[{secret}]"));
    expected.push(format!("platform=[{}]", l.run_id));
    assert_eq!(sink.text(l.run_id, StdStream::Stdout), expected, "{}", sink.dump(l.run_id));
    assert!(sink.text(l.run_id, StdStream::Stderr).is_empty(), "{}", sink.dump(l.run_id));

    // Running (1) when the process started, then the end (2); observe answers the end.
    let versions: Vec<u64> = sink.observations_of(l.run_id).iter().map(|o| o.version).collect();
    assert_eq!(versions, vec![1, 2]);
    assert_eq!(sink.observations_of(l.run_id)[0].state, ObservedState::Running);
    assert_eq!(exec.observe(l.run_id, &handle).await.unwrap(), Some(end));
    // Another handle (an earlier process of the portal) and another run are unknown.
    assert_eq!(exec.observe(l.run_id, "local-run:other").await.unwrap(), None);
    assert_eq!(exec.observe(RunId::new(), &handle).await.unwrap(), None);
    assert_container_removed(&exec, l.run_id);
}

#[tokio::test]
async fn stdout_and_stderr_arrive_line_by_line_with_the_exit_code() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    // The program's own lines that look like buildah's stay; buildah's trailer goes.
    let l = sh("echo out-1; echo err-1 >&2; echo out-2; echo 'subprocess exited with status 7' >&2; printf 'no-newline' >&2; exit 7");
    let end = run_to_end(&exec, &sink, &l).await;
    assert_eq!(end, ObservedState::Exited { code: 7 }, "{}", sink.dump(l.run_id));
    assert_eq!(sink.text(l.run_id, StdStream::Stdout), vec!["out-1", "out-2"]);
    assert_eq!(sink.text(l.run_id, StdStream::Stderr), vec!["err-1", "subprocess exited with status 7", "no-newline"], "{}", sink.dump(l.run_id));
    assert_container_removed(&exec, l.run_id);

    // Lines reach the sink while the program runs, not when it ends.
    let l = sh("echo first; sleep 2; echo second");
    let asked = Instant::now();
    exec.start(&l, sink.clone()).await.unwrap();
    sink.wait_line(l.run_id, "first", Duration::from_secs(30)).await;
    eprintln!("from start() to the first stdout line: {:?} (image already in buildah's storage)", asked.elapsed());
    assert!(!sink.text(l.run_id, StdStream::Stdout).contains(&"second".to_string()));
    assert_eq!(sink.final_of(l.run_id, Duration::from_secs(30)).await.state, ObservedState::Exited { code: 0 });
    exec.wait_done(l.run_id).await;
}

#[tokio::test]
async fn a_program_missing_from_the_image_or_a_missing_image_fails_the_run() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let l = launch(&["/app/not-there", "x"]);
    match run_to_end(&exec, &sink, &l).await {
        ObservedState::Stopped { cause: StopCause::Failed, reason } => {
            assert!(reason.contains("`/app/not-there` could not be started") && reason.contains("no such file"), "{reason}")
        }
        other => panic!("{other:?}\n{}", sink.dump(l.run_id)),
    }
    assert!(sink.text(l.run_id, StdStream::Stderr).iter().all(|line| !line.contains("exit status")), "{}", sink.dump(l.run_id));

    let mut l = sh("echo never");
    l.image_ref = format!("oci:{}:nothing", std::env::temp_dir().join(format!("devportal-no-image-{}", uuid::Uuid::new_v4().simple())).display());
    match run_to_end(&exec, &sink, &l).await {
        ObservedState::Stopped { cause: StopCause::Failed, reason } => assert!(reason.starts_with("the image could not be mounted"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(sink.lines_of(l.run_id).is_empty());
    assert_eq!(sink.observations_of(l.run_id).len(), 1, "no Running for a run that never started");
    assert_container_removed(&exec, l.run_id);
}

#[tokio::test]
async fn a_run_past_its_time_limit_is_killed_and_timed_out() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
    let mut l = launch(&["sh", "-c", "echo started; sleep 30; echo too-late", &marker]);
    l.time_limit = Duration::from_secs(2);
    let asked = Instant::now();
    exec.start(&l, sink.clone()).await.unwrap();
    sink.wait_line(l.run_id, "started", Duration::from_secs(30)).await;
    let started = Instant::now();
    assert!(!processes_with(&marker).is_empty(), "the run's process is not visible on the host");
    let end = sink.final_of(l.run_id, Duration::from_secs(30)).await;
    let took = started.elapsed();
    match end.state {
        ObservedState::Stopped { cause: StopCause::TimedOut, reason } => assert!(reason.contains("time limit of 2 s"), "{reason}"),
        other => panic!("{other:?}\n{}", sink.dump(l.run_id)),
    }
    // The limit counts from the process's start, which is after `start` was called.
    assert!(asked.elapsed() >= Duration::from_secs(2), "stopped before its limit: {:?}", asked.elapsed());
    assert_prompt(took, "stopping at the time limit");
    assert_no_process_with(&marker).await;
    assert!(!sink.text(l.run_id, StdStream::Stdout).contains(&"too-late".to_string()));
    assert!(sink.text(l.run_id, StdStream::Stderr).is_empty(), "buildah's lines after the kill are not the program's: {}", sink.dump(l.run_id));
    exec.wait_done(l.run_id).await;
    assert_container_removed(&exec, l.run_id);
}

#[tokio::test]
async fn stop_cancels_a_run_and_ends_its_processes() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
    // A child process of its own, too: the whole tree must go.
    let l = launch(&["sh", "-c", "sleep 30 & echo started; wait", &marker]);
    let handle = exec.start(&l, sink.clone()).await.unwrap();
    sink.wait_line(l.run_id, "started", Duration::from_secs(30)).await;
    assert_eq!(exec.observe(l.run_id, &handle).await.unwrap().map(|o| o.state), Some(ObservedState::Running));
    let asked = Instant::now();
    exec.stop(l.run_id, &handle, "cancelled by alice").await.unwrap();
    let end = sink.final_of(l.run_id, Duration::from_secs(30)).await;
    assert_prompt(asked.elapsed(), "cancellation");
    assert_eq!(end.state, ObservedState::Stopped { cause: StopCause::Cancelled, reason: "cancelled by alice".into() });
    assert_no_process_with(&marker).await;
    // Nothing but the program's own output.
    assert_eq!(sink.text(l.run_id, StdStream::Stdout), vec!["started"]);
    assert!(sink.text(l.run_id, StdStream::Stderr).is_empty(), "{}", sink.dump(l.run_id));
    // Stopping again, or an unknown run, is fine.
    exec.stop(l.run_id, &handle, "again").await.unwrap();
    exec.stop(RunId::new(), "local-run:unknown", "x").await.unwrap();
    exec.wait_done(l.run_id).await;
    assert_container_removed(&exec, l.run_id);
}

#[tokio::test]
async fn starting_a_run_twice_starts_one_process() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let l = sh("echo once; sleep 1");
    let (a, b) = tokio::join!(exec.start(&l, sink.clone()), exec.start(&l, sink.clone()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let end = sink.final_of(l.run_id, Duration::from_secs(60)).await;
    assert_eq!(end.state, ObservedState::Exited { code: 0 });
    // Started again after it ended: still the same run, not a second process.
    assert_eq!(exec.start(&l, sink.clone()).await.unwrap(), a);
    exec.wait_done(l.run_id).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.text(l.run_id, StdStream::Stdout), vec!["once"], "{}", sink.dump(l.run_id));
    assert_eq!(sink.observations_of(l.run_id).len(), 2, "{}", sink.dump(l.run_id));
}

#[tokio::test]
async fn a_run_has_no_capabilities_and_carries_the_limits() {
    let limits = RunLimits { memory_bytes: 1 << 30, max_file_bytes: 64 << 20, max_open_files: 1024, ..RunLimits::default() };
    let exec = LocalRunExecutor::new(limits.clone());
    let sink = Arc::new(RecordingRunSink::default());
    let l = sh("grep CapEff /proc/self/status; grep -E 'Max (data size|file size|open files)' /proc/self/limits");
    assert_eq!(run_to_end(&exec, &sink, &l).await, ObservedState::Exited { code: 0 }, "{}", sink.dump(l.run_id));
    let out = sink.text(l.run_id, StdStream::Stdout);
    let caps = out.iter().find(|l| l.starts_with("CapEff:")).unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(caps.split_whitespace().nth(1), Some("0000000000000000"), "the run kept capabilities: {caps}");
    for (name, value) in [("Max data size", limits.memory_bytes), ("Max file size", limits.max_file_bytes), ("Max open files", limits.max_open_files)]
    {
        let line = out.iter().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} line: {out:?}"));
        assert_eq!(line[name.len()..].split_whitespace().next(), Some(value.to_string().as_str()), "{line}");
    }
}

#[tokio::test]
async fn output_is_capped_and_overlong_lines_are_cut() {
    let limits = RunLimits { max_output_lines: 50, ..RunLimits::default() };
    let exec = LocalRunExecutor::new(limits);
    let sink = Arc::new(RecordingRunSink::default());
    // A 20 000-character line, then 100 short ones; the program must not block on a full
    // pipe once the cap is reached (it ends by itself). One stream only: the order of lines
    // across stdout and stderr is the order they were read, not a total order.
    let l = sh("printf '%020000d\\n' 0; i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done");
    assert_eq!(run_to_end(&exec, &sink, &l).await, ObservedState::Exited { code: 0 }, "{}", sink.dump(l.run_id));
    let lines = sink.lines_of(l.run_id);
    assert_eq!(lines.len(), 51, "50 lines and the note: {:?}", lines.iter().map(|(_, t)| t.chars().take(40).collect::<String>()).collect::<Vec<_>>());
    let short: Vec<String> = lines.iter().map(|(s, t)| format!("[{}] {}", s.as_str(), t.chars().take(60).collect::<String>())).collect();
    let first = &lines[0].1;
    assert!(first.ends_with("… [cut at 16384 characters]"), "{short:?}");
    assert_eq!(first.chars().filter(|c| *c == '0').count(), 16384);
    assert_eq!(lines[1].1, "line-0", "{short:?}");
    assert_eq!(lines[49].1, "line-48", "{short:?}");
    assert!(lines[50].1.contains("output cut") && lines[50].1.contains("50 lines"), "{}", lines[50].1);
}

#[tokio::test]
async fn a_run_printing_fast_keeps_its_last_line_and_its_exit_code() {
    // buildah drops what it still holds of a program's output when the program ends and the
    // portal reads slower than the program writes (crate::capture): the end of the output
    // and buildah's "exited with status" line must still arrive.
    let limits = RunLimits { max_output_lines: 300_000, ..RunLimits::default() };
    let exec = LocalRunExecutor::new(limits);
    let sink = Arc::new(RecordingRunSink { delay: Duration::from_millis(5), ..RecordingRunSink::default() });
    let l = sh("seq 1 200000 | sed 's/^/run-line-/'; echo the-last-line; exit 3");
    assert_eq!(run_to_end(&exec, &sink, &l).await, ObservedState::Exited { code: 3 });
    let lines = sink.lines_of(l.run_id);
    let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 200_001, "every line arrives; it ends with {:?}", &texts[texts.len().saturating_sub(3)..]);
    assert_eq!(texts[0], "run-line-1");
    assert_eq!(texts[199_999], "run-line-200000");
    assert_eq!(texts[200_000], "the-last-line");
}

// ---------------------------------------------------------------------------------------
// Isolation (docs/ARCHITECTURE.md, "Run isolation"): each test performs the attack.
// ---------------------------------------------------------------------------------------

/// Prints every command line and environment the program can read in /proc.
const SNOOP: &str = r#"for p in /proc/[0-9]*; do echo "pid ${p#/proc/}: $(tr '\0' ' ' < $p/cmdline 2>/dev/null)"; echo "env ${p#/proc/}: $(tr '\0' ' ' < $p/environ 2>/dev/null)"; done; echo snoop-done"#;

#[tokio::test]
async fn another_run_cannot_find_a_runs_secret_in_proc() {
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    // Run A (one tenant) holds a secret in its environment and its command line names a marker.
    let secret = format!("tenant-a-secret-{}", uuid::Uuid::new_v4().simple());
    let marker = format!("tenant-a-marker-{}", uuid::Uuid::new_v4().simple());
    let mut a = launch(&["sh", "-c", "echo a-ready; sleep 30", &marker]);
    a.secret_env = vec![("DB_PASSWORD".into(), SecretValue::new(secret.clone()))];
    let a_handle = exec.start(&a, sink.clone()).await.unwrap();
    sink.wait_line(a.run_id, "a-ready", Duration::from_secs(30)).await;
    assert!(!processes_with(&marker).is_empty(), "run A is not running on the host");
    // Nothing of A's secret is on any command line of the host either.
    assert!(processes_with(&secret).is_empty(), "A's secret is on a command line: {:?}", processes_with(&secret));

    // Run B (another tenant) looks through every /proc entry it can see.
    let own = format!("tenant-b-own-{}", uuid::Uuid::new_v4().simple());
    let mut b = sh(SNOOP);
    b.env = vec![("B_OWN".into(), own.clone())];
    let end = run_to_end(&exec, &sink, &b).await;
    assert_eq!(end, ObservedState::Exited { code: 0 }, "{}", sink.dump(b.run_id));
    let seen = sink.text(b.run_id, StdStream::Stdout).join("\n");
    assert!(seen.contains("snoop-done"), "{seen}");
    // The snoop works: B reads its own environment ...
    assert!(seen.contains(&own), "B could not read even its own environment:\n{seen}");
    // ... and finds nothing of A: not its secret, not its process.
    assert!(!seen.contains(&secret), "B found A's secret:\n{seen}");
    assert!(!seen.contains(&marker), "B sees A's process:\n{seen}");
    assert!(!seen.contains("DB_PASSWORD"), "B sees A's environment:\n{seen}");
    assert!(seen.contains("pid 1: "), "B is not in a PID namespace of its own:\n{seen}");

    exec.stop(a.run_id, &a_handle, "test over").await.unwrap();
    sink.final_of(a.run_id, Duration::from_secs(30)).await;
    exec.wait_done(a.run_id).await;
    assert_container_removed(&exec, a.run_id);
}

#[tokio::test]
async fn a_run_cannot_read_the_portals_data_directory() {
    let data = tempfile::Builder::new().prefix("devportal-data-").tempdir().unwrap();
    let secret = format!("portal-data-{}", uuid::Uuid::new_v4().simple());
    std::fs::write(data.path().join("devportal.db"), &secret).unwrap();
    let path = data.path().join("devportal.db").display().to_string();
    let exec = executor();
    let sink = Arc::new(RecordingRunSink::default());
    let l = launch(&["sh", "-c", r#"cat "$1"; ls -la "$2"; cat /proc/1/root"$1"; echo tried"#, "snoop", &path, &data.path().display().to_string()]);
    let end = run_to_end(&exec, &sink, &l).await;
    let all = sink.dump(l.run_id);
    assert!(!all.contains(&secret), "the run read the portal's data:\n{all}");
    assert!(!all.contains("devportal.db\n") && !all.contains(" devportal.db"), "the run listed the data directory:\n{all}");
    assert!(sink.text(l.run_id, StdStream::Stdout).contains(&"tried".to_string()), "{all}");
    assert_eq!(end, ObservedState::Exited { code: 0 }, "{all}");
}
