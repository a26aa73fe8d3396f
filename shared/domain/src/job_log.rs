//! How much of a job's output its log keeps (docs/ARCHITECTURE.md, "Job logs"): the first
//! lines up to a budget, then an explicit marker, then the last lines — the end of a failed
//! build is where its failure is explained. [`LogBudget`] decides, line by line, what is
//! written now and what is held in a ring of the latest lines until the job ends. The same
//! budget serves both hosts (the app's job log writer applies it before any store sees a line).

use crate::pipeline::LogStream;
use std::collections::VecDeque;

/// Lines one job attempt's log keeps at most (first lines + marker + last lines).
pub const MAX_LOG_LINES: usize = 50_000;
/// Bytes of text one job attempt's log keeps at most.
pub const MAX_LOG_BYTES: usize = 10 * 1024 * 1024;
/// Of those, lines kept from the end of the output.
pub const TAIL_LOG_LINES: usize = 2_000;
/// Of those, bytes kept from the end of the output.
pub const TAIL_LOG_BYTES: usize = 1024 * 1024;

/// The caps of a job log; [`LogLimits::default`] holds the constants above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogLimits {
    pub max_lines: usize,
    pub max_bytes: usize,
    pub tail_lines: usize,
    pub tail_bytes: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        Self { max_lines: MAX_LOG_LINES, max_bytes: MAX_LOG_BYTES, tail_lines: TAIL_LOG_LINES, tail_bytes: TAIL_LOG_BYTES }
    }
}

/// Lines reserved for the notice (when the head fills) and the marker (at the end).
const RESERVED_LINES: usize = 2;
/// Bytes reserved for those two lines.
const RESERVED_BYTES: usize = 512;

/// The marker that replaces omitted lines: `… N lines (M bytes) omitted …`.
pub fn omitted_marker(lines: u64, bytes: u64) -> String {
    format!("… {lines} lines ({bytes} bytes) omitted …")
}

/// Applies [`LogLimits`] to a stream of lines.
#[derive(Debug)]
pub struct LogBudget {
    limits: LogLimits,
    head_lines: usize,
    head_bytes: usize,
    head_full: bool,
    tail: VecDeque<(LogStream, String)>,
    tail_bytes: usize,
    omitted_lines: u64,
    omitted_bytes: u64,
}

impl LogBudget {
    pub fn new(limits: LogLimits) -> Self {
        Self { limits, head_lines: 0, head_bytes: 0, head_full: false, tail: VecDeque::new(), tail_bytes: 0, omitted_lines: 0, omitted_bytes: 0 }
    }

    fn head_line_cap(&self) -> usize {
        self.limits.max_lines.saturating_sub(self.limits.tail_lines + RESERVED_LINES)
    }

    fn head_byte_cap(&self) -> usize {
        self.limits.max_bytes.saturating_sub(self.limits.tail_bytes + RESERVED_BYTES)
    }

    /// The lines to write now for one line of output: the line itself while the head has
    /// room; once it is full, a notice (once) and nothing more — later lines wait in the ring.
    pub fn admit(&mut self, stream: LogStream, text: String) -> Vec<(LogStream, String)> {
        if !self.head_full {
            if self.head_lines < self.head_line_cap() && self.head_bytes + text.len() <= self.head_byte_cap() {
                self.head_lines += 1;
                self.head_bytes += text.len();
                return vec![(stream, text)];
            }
            self.head_full = true;
            self.push_tail(stream, text);
            let notice = format!(
                "the job log is full ({} lines, {} bytes): the rest of the output is held back; its last lines are written when the job ends",
                self.head_lines, self.head_bytes
            );
            return vec![(LogStream::System, notice)];
        }
        self.push_tail(stream, text);
        vec![]
    }

    fn push_tail(&mut self, stream: LogStream, text: String) {
        self.tail_bytes += text.len();
        self.tail.push_back((stream, text));
        while self.tail.len() > self.limits.tail_lines || (self.tail_bytes > self.limits.tail_bytes && !self.tail.is_empty()) {
            if let Some((_, dropped)) = self.tail.pop_front() {
                self.tail_bytes -= dropped.len();
                self.omitted_lines += 1;
                self.omitted_bytes += dropped.len() as u64;
            }
        }
    }

    /// At the end of the job: the marker (when lines were dropped) and the held lines.
    pub fn finish(&mut self) -> Vec<(LogStream, String)> {
        let mut out = Vec::with_capacity(self.tail.len() + 1);
        if self.omitted_lines > 0 {
            out.push((LogStream::System, omitted_marker(self.omitted_lines, self.omitted_bytes)));
        }
        out.extend(self.tail.drain(..));
        self.tail_bytes = 0;
        self.omitted_lines = 0;
        self.omitted_bytes = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limits: LogLimits, lines: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut b = LogBudget::new(limits);
        let mut out = vec![];
        for l in lines {
            out.extend(b.admit(LogStream::Stdout, l).into_iter().map(|(_, t)| t));
        }
        out.extend(b.finish().into_iter().map(|(_, t)| t));
        out
    }

    #[test]
    fn a_short_log_is_kept_whole() {
        let lines: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        assert_eq!(run(LogLimits::default(), lines.clone()), lines);
    }

    #[test]
    fn a_long_log_keeps_the_first_and_the_last_lines_with_a_marker() {
        let limits = LogLimits { max_lines: 1000, max_bytes: 1 << 30, tail_lines: 100, tail_bytes: 1 << 20 };
        let out = run(limits, (0..200_000).map(|i| format!("line {i}")));
        assert!(out.len() <= 1000, "{}", out.len());
        assert_eq!(out[0], "line 0");
        assert_eq!(out.last().unwrap(), "line 199999", "the end is kept");
        let head = 1000 - 100 - 2;
        assert_eq!(out[head - 1], format!("line {}", head - 1));
        assert!(out[head].starts_with("the job log is full (898 lines"), "{}", out[head]);
        let omitted = 200_000 - head - 100;
        let omitted_bytes: usize = (head..head + omitted).map(|i| format!("line {i}").len()).sum();
        assert_eq!(out[head + 1], omitted_marker(omitted as u64, omitted_bytes as u64));
        assert_eq!(out[head + 2], format!("line {}", 200_000 - 100));
    }

    #[test]
    fn the_bytes_cap_holds_for_long_lines() {
        let limits = LogLimits { max_lines: 1_000_000, max_bytes: 100_000, tail_lines: 1_000, tail_bytes: 10_000 };
        let line = |i: usize| format!("{i:06}{}", "x".repeat(994));
        let out = run(limits, (0..1000).map(line));
        let total: usize = out.iter().map(String::len).sum();
        assert!(total <= 100_000, "{total} bytes kept");
        assert_eq!(out[0], line(0));
        assert_eq!(out.last().unwrap(), &line(999));
        let marker = out.iter().find(|l| l.starts_with('…')).expect("a marker");
        assert!(marker.ends_with("bytes) omitted …"), "{marker}");
        // The first ~89 KB and the last ~10 KB.
        assert_eq!(out.iter().filter(|l| l.starts_with('0')).count(), 89 + 10);
    }
}
