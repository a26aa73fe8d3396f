//! Running programs the portal does not trust to end by themselves: each in its own process
//! group, so that stopping one stops everything it started (docs/ARCHITECTURE.md, "Program
//! output"). Owns the group kill, the bounded run of a short command ([`run_bounded`], the Git
//! connection test) and the followed run of a long one ([`FollowedProcess`], the image builder's
//! steps and the run executor's programs), whose output is passed on line by line as it is
//! written.

use crate::capture::{Chunk, Followed};
use async_trait::async_trait;
use std::future::Future;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};

/// How long following waits before looking at the output files again when nothing was new.
const FOLLOW: Duration = Duration::from_millis(50);
/// Reads of 64 KiB per stream between two looks at the program's state and the stop.
const PUMP_CHUNKS: usize = 16;
/// How long a killed program's leader is waited for.
const REAP_WAIT: Duration = Duration::from_secs(5);

/// SIGKILL to every process of the group led by `pgid`.
pub fn kill_group(pgid: u32) {
    signal_group(pgid, Signal::Kill);
}

/// SIGTERM to every process of the group led by `pgid`: asks them to stop (`unshare` itself
/// blocks SIGTERM while it waits, so buildah must be told directly).
pub fn terminate_group(pgid: u32) {
    signal_group(pgid, Signal::Term);
}

enum Signal {
    Kill,
    Term,
}

fn signal_group(pgid: u32, signal: Signal) {
    #[cfg(unix)]
    {
        let signal = match signal {
            Signal::Kill => libc::SIGKILL,
            Signal::Term => libc::SIGTERM,
        };
        let Ok(pgid) = libc::pid_t::try_from(pgid) else { return };
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
    #[cfg(not(unix))]
    let _ = (pgid, signal);
}

/// Kills the process group of a running program when told to, or when dropped before the
/// program was reaped (the future that ran it was dropped). After the leader was reaped its
/// id may be reused, so the group is left alone.
pub struct GroupGuard(Option<u32>);

impl GroupGuard {
    /// Guards the group led by `pgid` (the child's id, spawned with `process_group(0)`).
    pub fn new(pgid: Option<u32>) -> Self {
        Self(pgid)
    }

    pub fn kill(&mut self) {
        if let Some(pgid) = self.0 {
            kill_group(pgid);
        }
    }

    /// The leader was reaped: its id may be handed out again.
    pub fn reaped(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Why a bounded command did not produce output.
#[derive(Debug)]
pub enum RunError {
    TimedOut,
    Io(std::io::Error),
}

/// Runs a command with small output in its own process group and kills the whole group (git
/// and the helpers it starts, such as `git-remote-http`) if it outlives `limit`.
pub async fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<std::process::Output, RunError> {
    #[cfg(unix)]
    cmd.process_group(0);
    cmd.kill_on_drop(true);
    let child = cmd.spawn().map_err(RunError::Io)?;
    let mut group = GroupGuard::new(child.id());
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(result) => {
            group.reaped();
            result.map_err(RunError::Io)
        }
        Err(_) => Err(RunError::TimedOut),
    }
}

/// One of a program's two output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// What happens to a line longer than the limit.
#[derive(Clone, Copy, Debug)]
pub enum LongLines {
    /// Split into lines of at most this many bytes: nothing is lost (build logs).
    Split(usize),
    /// Cut at this many characters, saying so; the rest of the line is dropped (run output).
    Cut(usize),
}

/// Where a followed program's output goes, line by line.
#[async_trait]
pub trait OutputSink: Send {
    async fn line(&mut self, stream: Stream, line: String);
    /// `bytes` of `stream` were passed over unread: the program wrote faster than they
    /// could be taken ([`crate::capture::MAX_UNREAD`]).
    async fn skipped(&mut self, stream: Stream, bytes: u64);
    /// Called between two looks at the output (the run executor sends its batch on time).
    async fn idle(&mut self) {}
}

/// How following a program ended.
#[derive(Debug)]
pub enum Ending<S> {
    /// The program exited and everything it wrote was passed on.
    Exited(ExitStatus),
    /// The stop completed first; the program still runs: [`FollowedProcess::kill`] it.
    Stopped(S),
}

/// A program running in its own process group, its stdout and stderr written to files that
/// are followed as they grow ([`crate::capture`]; never pipes: buildah drops the end of what
/// a program prints into a pipe that fills up).
pub struct FollowedProcess {
    child: Child,
    /// The group's id: the program's, kept after the program was reaped.
    pgid: Option<u32>,
    group: GroupGuard,
    streams: [StreamReader; 2],
}

impl FollowedProcess {
    /// Spawns `cmd` (stdin from /dev/null, its own process group, killed with its group when
    /// this is dropped before it ended).
    pub fn spawn(mut cmd: Command, long_lines: LongLines) -> std::io::Result<Self> {
        let (out, out_stdio) = Followed::new()?;
        let (err, err_stdio) = Followed::new()?;
        cmd.stdin(Stdio::null()).stdout(out_stdio).stderr(err_stdio).kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);
        let child = cmd.spawn()?;
        // The command holds the child's ends of the files until it is dropped.
        drop(cmd);
        let pgid = child.id();
        Ok(Self {
            child,
            pgid,
            group: GroupGuard::new(pgid),
            streams: [StreamReader::new(Stream::Stdout, out, long_lines), StreamReader::new(Stream::Stderr, err, long_lines)],
        })
    }

    /// The process id of the program (the leader of its group).
    pub fn id(&self) -> Option<u32> {
        self.pgid
    }

    /// Passes the program's output to `sink` as it is written, until the program exits or
    /// `stop` completes, whichever comes first. When the program exits, whatever it left
    /// running in its group is killed (it would write on unread) and the output is passed on
    /// to its last byte.
    pub async fn follow<S>(&mut self, sink: &mut dyn OutputSink, stop: impl Future<Output = S>) -> std::io::Result<Ending<S>> {
        tokio::pin!(stop);
        let mut status: Option<ExitStatus> = None;
        loop {
            let mut progressed = false;
            for stream in &mut self.streams {
                progressed |= stream.pump(sink).await?;
            }
            sink.idle().await;
            if let Some(status) = status {
                if !progressed {
                    // Ended, and everything it wrote is read.
                    self.group.kill();
                    self.group.reaped();
                    self.drain(sink).await?;
                    return Ok(Ending::Exited(status));
                }
            }
            let pause = if progressed { Duration::ZERO } else { FOLLOW };
            tokio::select! {
                s = self.child.wait(), if status.is_none() => status = Some(s?),
                s = &mut stop, if status.is_none() => return Ok(Ending::Stopped(s)),
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Stops the program: with a `grace` period, SIGTERM to the group first so it can clean
    /// up; then SIGKILL to whatever is left. The output it wrote before is passed on.
    pub async fn kill(mut self, grace: Duration, sink: &mut dyn OutputSink) {
        if !grace.is_zero() {
            if let Some(pgid) = self.pgid {
                terminate_group(pgid);
            }
            let _ = tokio::time::timeout(grace, self.child.wait()).await;
        }
        // Even if the leader is gone by now: a member left in the group keeps its id
        // reserved, and an empty group's id is not handed out again within moments.
        self.group.kill();
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(REAP_WAIT, self.child.wait()).await;
        self.group.reaped();
        if let Err(e) = self.drain(sink).await {
            tracing::warn!(error = %e, "the output of a stopped program could not be read to its end");
        }
    }

    /// Passes on everything written so far, and the last unterminated lines.
    async fn drain(&mut self, sink: &mut dyn OutputSink) -> std::io::Result<()> {
        for stream in &mut self.streams {
            while stream.pump(sink).await? {}
            stream.finish(sink).await;
        }
        sink.idle().await;
        Ok(())
    }
}

/// One output stream, followed in its file and split into lines.
struct StreamReader {
    kind: Stream,
    file: Followed,
    lines: LineSplitter,
    buf: Vec<u8>,
}

impl StreamReader {
    fn new(kind: Stream, file: Followed, long_lines: LongLines) -> Self {
        Self { kind, file, lines: LineSplitter::new(long_lines), buf: vec![0u8; 64 * 1024] }
    }

    /// Passes on the lines written since the last call, up to [`PUMP_CHUNKS`] reads (so the
    /// stop is looked at in between); whether anything was written.
    async fn pump(&mut self, sink: &mut dyn OutputSink) -> std::io::Result<bool> {
        let mut progressed = false;
        for _ in 0..PUMP_CHUNKS {
            match self.file.next(&mut self.buf)? {
                Chunk::Nothing => break,
                Chunk::Bytes(n) => {
                    for line in self.lines.push(&self.buf[..n]) {
                        sink.line(self.kind, line).await;
                    }
                }
                Chunk::Skipped(bytes) => {
                    for line in self.lines.finish() {
                        sink.line(self.kind, line).await;
                    }
                    sink.skipped(self.kind, bytes).await;
                }
            }
            progressed = true;
        }
        Ok(progressed)
    }

    /// Passes on a last unterminated line.
    async fn finish(&mut self, sink: &mut dyn OutputSink) {
        for line in self.lines.finish() {
            sink.line(self.kind, line).await;
        }
    }
}

/// Splits a byte stream into lines (`\n`, a trailing `\r` dropped), lossily decoded, with
/// overlong lines split or cut ([`LongLines`]).
pub struct LineSplitter {
    pending: Vec<u8>,
    cut: bool,
    long_lines: LongLines,
}

impl LineSplitter {
    pub fn new(long_lines: LongLines) -> Self {
        Self { pending: Vec::new(), cut: false, long_lines }
    }

    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                lines.push(self.take());
                continue;
            }
            match self.long_lines {
                LongLines::Split(max_bytes) => {
                    self.pending.push(b);
                    if self.pending.len() >= max_bytes {
                        lines.push(self.take());
                    }
                }
                // At most 4 bytes per character: beyond this the line is surely too long.
                LongLines::Cut(max_chars) if self.pending.len() < max_chars * 4 + 4 => self.pending.push(b),
                LongLines::Cut(_) => self.cut = true,
            }
        }
        lines
    }

    /// The last line, if it has no line break.
    pub fn finish(&mut self) -> Vec<String> {
        if self.pending.is_empty() && !self.cut {
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
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let cut = std::mem::take(&mut self.cut);
        let LongLines::Cut(max_chars) = self.long_lines else { return text };
        let line = devportal_domain::run::truncate_chars(&text, max_chars);
        if cut && line.len() == text.len() {
            // Cut by bytes within the character limit (wide characters): say so all the same.
            format!("{line}… [cut at {max_chars} characters]")
        } else {
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn long_lines_are_cut_and_the_rest_dropped() {
        let mut s = LineSplitter::new(LongLines::Cut(10));
        assert_eq!(s.push(b"short\r\nabc"), vec!["short"]);
        let long = vec![b'x'; 100];
        assert!(s.push(&long).is_empty());
        let lines = s.push(b"\nnext\n");
        assert_eq!(lines, vec![format!("abc{}… [cut at 10 characters]", "x".repeat(7)), "next".to_string()]);
        // Wide characters cut by bytes still say so.
        let mut s = LineSplitter::new(LongLines::Cut(2));
        let lines = s.push("ééééééééé\n".as_bytes());
        assert_eq!(lines, vec!["éé… [cut at 2 characters]".to_string()]);
        assert_eq!(s.push(b"ok"), Vec::<String>::new());
        assert_eq!(s.finish(), vec!["ok"]);
    }

    #[test]
    fn long_lines_are_split_and_nothing_is_lost() {
        let mut s = LineSplitter::new(LongLines::Split(4));
        assert_eq!(s.push(b"abcdefghij\r\nxy"), vec!["abcd", "efgh", "ij"]);
        assert_eq!(s.finish(), vec!["xy"]);
        assert!(s.finish().is_empty());
        // Lines are put together across reads and decoded lossily.
        assert_eq!(s.push(b"o"), Vec::<String>::new());
        assert_eq!(s.push(b"ne\ntw\xff\n"), vec!["one", "tw\u{fffd}"]);
    }

    /// Records what it is given.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<(Stream, String)>>>);

    #[async_trait]
    impl OutputSink for Recorded {
        async fn line(&mut self, stream: Stream, line: String) {
            self.0.lock().unwrap().push((stream, line));
        }
        async fn skipped(&mut self, stream: Stream, bytes: u64) {
            self.0.lock().unwrap().push((stream, format!("skipped {bytes}")));
        }
    }

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[tokio::test]
    async fn an_exited_program_is_followed_to_its_last_unterminated_line_on_both_streams() {
        let mut sink = Recorded::default();
        let mut p = FollowedProcess::spawn(sh("echo one; echo two >&2; printf last; exit 3"), LongLines::Split(1024)).unwrap();
        let ending = p.follow(&mut sink, std::future::pending::<()>()).await.unwrap();
        let Ending::Exited(status) = ending else { panic!("not exited") };
        assert_eq!(status.code(), Some(3));
        let lines = sink.0.lock().unwrap().clone();
        assert!(lines.contains(&(Stream::Stdout, "one".into())));
        assert!(lines.contains(&(Stream::Stderr, "two".into())));
        assert_eq!(lines.iter().rfind(|(s, _)| *s == Stream::Stdout), Some(&(Stream::Stdout, "last".into())));
    }

    #[tokio::test]
    async fn a_stopped_program_and_what_it_left_behind_are_killed_and_its_output_kept() {
        let mut sink = Recorded::default();
        let pidfile = tempfile::NamedTempFile::new().unwrap();
        let script = format!("sleep 300 & echo $! > {}; echo started; wait", pidfile.path().display());
        let mut p = FollowedProcess::spawn(sh(&script), LongLines::Split(1024)).unwrap();
        let ending = p.follow(&mut sink, tokio::time::sleep(Duration::from_millis(500))).await.unwrap();
        assert!(matches!(ending, Ending::Stopped(())));
        p.kill(Duration::ZERO, &mut sink).await;
        assert_eq!(sink.0.lock().unwrap().clone(), vec![(Stream::Stdout, "started".to_string())]);
        let background: i32 = std::fs::read_to_string(pidfile.path()).unwrap().trim().parse().unwrap();
        // The background sleep was in the program's group: it dies (a zombie at most, until
        // init reaps it) as soon as the kill is delivered, and is never left sleeping.
        let gone = || {
            let state = std::fs::read_to_string(format!("/proc/{background}/stat")).unwrap_or_default();
            state.is_empty() || state.split_whitespace().nth(2) == Some("Z")
        };
        let waited = std::time::Instant::now();
        while !gone() && waited.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(gone(), "the program's background process survived the kill");
    }
}
