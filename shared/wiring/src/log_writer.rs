//! The local host's log writer: lines are appended to a shared buffer and a writer thread
//! writes the buffer out every few milliseconds, so a logging call costs an append under a
//! lock — no system call, no thread wake-up per line (a per-line hand-off measured a quarter
//! of a `GET`'s CPU; docs/BENCHMARKS.md, "Issue 13, third pass").
//!
//! Never lossy: a buffer past [`BatchedWriter::HIGH_WATER`] makes the logging call wait until
//! the writer thread has taken it. A line is whole in the output (each `write` call of the
//! formatter is one line, appended at once). [`BatchedGuard`]'s drop writes out what is left
//! (waiting at most [`BatchedWriter::CLOSE_WAIT`] for a sink that does not take it). An idle
//! writer thread sleeps until the first line of the next batch.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the writer thread took the buffer (for a caller waiting at the
    /// high-water mark) and when it ended (for the guard's drop).
    taken: Condvar,
    /// Signalled for the writer thread: a first line in an empty buffer, the buffer at the
    /// high-water mark, the guard dropped.
    ready: Condvar,
}

#[derive(Default)]
struct State {
    buffer: Vec<u8>,
    closing: bool,
    /// The writer thread wrote its last lines and ended.
    finished: bool,
}

/// A `MakeWriter` for `tracing_subscriber::fmt` (clones share the buffer).
#[derive(Clone)]
pub struct BatchedWriter {
    shared: Arc<Shared>,
}

/// Keeps the writer thread; dropping it writes out every line logged before the drop.
#[must_use = "dropping the guard stops the log writer"]
pub struct BatchedGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl BatchedWriter {
    /// How often the writer thread writes what has gathered.
    pub const INTERVAL: Duration = Duration::from_millis(5);
    /// Past this many bytes waiting, a logging call waits for the writer thread.
    pub const HIGH_WATER: usize = 4 << 20;
    /// How long dropping the guard waits for the last lines to be written.
    pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

    /// A writer thread writing to `sink`.
    pub fn new(mut sink: impl Write + Send + 'static) -> (Self, BatchedGuard) {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("log-writer".into())
                .spawn(move || {
                    let mut spare = Vec::new();
                    loop {
                        let closing = {
                            let state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
                            // Asleep while there is nothing to write; from the first line on,
                            // gathering for INTERVAL (or until the high-water mark).
                            let state = shared.ready.wait_while(state, |s| !s.closing && s.buffer.is_empty()).unwrap_or_else(|p| p.into_inner());
                            let (mut state, _) = shared
                                .ready
                                .wait_timeout_while(state, Self::INTERVAL, |s| !s.closing && s.buffer.len() < Self::HIGH_WATER)
                                .unwrap_or_else(|p| p.into_inner());
                            std::mem::swap(&mut state.buffer, &mut spare);
                            state.closing
                        };
                        shared.taken.notify_all();
                        if !spare.is_empty() {
                            // A failing stderr has nowhere to be reported; the lines are dropped
                            // rather than the portal stopped.
                            let _ = sink.write_all(&spare).and_then(|()| sink.flush());
                            spare.clear();
                        }
                        if closing {
                            shared.state.lock().unwrap_or_else(|p| p.into_inner()).finished = true;
                            shared.taken.notify_all();
                            return;
                        }
                    }
                })
                .expect("cannot start the log writer thread")
        };
        (Self { shared: shared.clone() }, BatchedGuard { shared, thread: Some(thread) })
    }
}

impl Write for BatchedWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        while state.buffer.len() >= Self::HIGH_WATER && !state.closing {
            self.shared.ready.notify_one();
            state = self.shared.taken.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        let first = state.buffer.is_empty();
        state.buffer.extend_from_slice(line);
        if first {
            self.shared.ready.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for BatchedWriter {
    type Writer = BatchedWriter;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

impl Drop for BatchedGuard {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.closing = true;
        self.shared.ready.notify_all();
        // Bounded: a stderr nobody reads (a full pipe) must not keep the portal from exiting.
        let (state, _) = self.shared.taken.wait_timeout_while(state, BatchedWriter::CLOSE_WAIT, |s| !s.finished).unwrap_or_else(|p| p.into_inner());
        let finished = state.finished;
        drop(state);
        if let (true, Some(thread)) = (finished, self.thread.take()) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>, Option<Duration>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Some(pause) = self.1 {
                std::thread::sleep(pause);
            }
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_arrives_whole_and_in_each_threads_order_by_the_guards_drop() {
        // A slow sink, so callers reach the high-water mark and wait instead of dropping.
        let sink = Sink(Arc::default(), Some(Duration::from_millis(20)));
        let (writer, guard) = BatchedWriter::new(sink.clone());
        let long = "x".repeat(64 << 10);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut writer = writer.clone();
                let long = long.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        writer.write_all(format!("t{t} {i} {long}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 800, "lines were lost");
        for t in 0..4 {
            let mine: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&format!("t{t} ")))
                .map(|rest| {
                    let (i, tail) = rest.split_once(' ').unwrap();
                    assert_eq!(tail, long, "a line was cut or mixed with another");
                    i.parse().unwrap()
                })
                .collect();
            assert_eq!(mine, (0..200).collect::<Vec<_>>(), "thread {t}'s lines are out of order");
        }
    }

    #[test]
    fn lines_are_written_without_waiting_for_the_guard() {
        let sink = Sink::default();
        let (mut writer, _guard) = BatchedWriter::new(sink.clone());
        writer.write_all(b"one line\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "a line waited for the guard's drop");
            std::thread::sleep(BatchedWriter::INTERVAL);
        }
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"one line\n");
    }

    /// A sink that never takes its bytes (a pipe nobody reads).
    struct Stuck;

    impl Write for Stuck {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(0)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_sink_that_never_takes_the_lines_does_not_keep_the_guard_from_returning() {
        let (mut writer, guard) = BatchedWriter::new(Stuck);
        writer.write_all(b"a line nobody will read\n").unwrap();
        std::thread::sleep(BatchedWriter::INTERVAL * 4);
        let started = std::time::Instant::now();
        drop(guard);
        assert!(started.elapsed() < BatchedWriter::CLOSE_WAIT + Duration::from_secs(5), "the guard's drop hung");
    }
}
