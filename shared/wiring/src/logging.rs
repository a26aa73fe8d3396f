//! The one log setup of every binary (docs/ARCHITECTURE.md, "Logs"): a Lambda function and the
//! local host differ only in the [`LogSetup`] they pass to [`init`].
//!
//! - Lambda ([`LogSetup::lambda`]): JSON lines on stdout, written inline, no timestamp (Lambda
//!   stamps each line), the filter from `RUST_LOG`. Inline because a function's environment is
//!   frozen between invocations and may be shut down without warning: a line still queued for
//!   a writer thread would be late or lost.
//! - The local host ([`LogSetup::local`]): text (colours on a terminal) or JSON lines on
//!   stderr with timestamps, gathered in memory and written every few milliseconds by a writer
//!   thread (`log_writer.rs`), so a request neither waits on the write nor wakes a thread for
//!   its line. Lines are never dropped: past the high-water mark the logging call waits.
//!
//! Both print the fields of the enclosing spans on every line (the request span carries the
//! user, connector, version, job and run ids), never a second copy of the current span.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How a line is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable `LEVEL target: message field=value` lines.
    Text,
    /// One JSON object per line (CloudWatch Logs Insights and `jq` read its fields).
    Json,
}

/// Everything [`init`] needs; build it with [`LogSetup::lambda`] or [`LogSetup::local`].
#[derive(Debug)]
pub struct LogSetup {
    filter: EnvFilter,
    format: LogFormat,
    destination: Destination,
    /// A filter setting that did not parse, reported once the logs work.
    refused: Option<InvalidLogFilter>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Destination {
    /// stdout, inline, no timestamps.
    Lambda,
    /// stderr through a writer thread, with timestamps.
    Local,
}

/// A log filter that does not parse (`--log`, `DEVPORTAL_LOG`, `RUST_LOG`).
#[derive(Debug, thiserror::Error)]
#[error("`{filter}` is not a log filter (examples: `info`, `devportal=debug,info`): {reason}")]
pub struct InvalidLogFilter {
    filter: String,
    reason: String,
}

/// Parses a `tracing` filter directive such as `info` or `devportal_app=debug,warn`.
pub fn parse_filter(filter: &str) -> Result<EnvFilter, InvalidLogFilter> {
    EnvFilter::builder().parse(filter).map_err(|e| InvalidLogFilter { filter: filter.to_string(), reason: e.to_string() })
}

impl LogSetup {
    /// A Lambda function's setup; the filter is `RUST_LOG`, `info` when unset. A `RUST_LOG`
    /// that does not parse is reported on the first line and `info` is used: a function that
    /// refused to start over its log level would stop serving.
    pub fn lambda() -> Self {
        let (filter, refused) = match std::env::var("RUST_LOG") {
            Ok(value) => match parse_filter(&value) {
                Ok(filter) => (filter, None),
                Err(e) => (EnvFilter::new("info"), Some(e)),
            },
            Err(_) => (EnvFilter::new("info"), None),
        };
        Self { filter, format: LogFormat::Json, destination: Destination::Lambda, refused }
    }

    /// The local host's setup, from its `--log` filter (refused at start-up when it does not
    /// parse) and `--log-json` choice.
    pub fn local(filter: EnvFilter, format: LogFormat) -> Self {
        Self { filter, format, destination: Destination::Local, refused: None }
    }
}

/// Keeps the local host's writer thread; dropping it writes out the lines still queued, so
/// hold it until the end of `main`.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: Option<crate::log_writer::BatchedGuard>,
}

/// Installs `setup` as the process's log subscriber. Call once, first thing in `main`.
pub fn init(setup: LogSetup) -> LogGuard {
    let (layer, writer) = match setup.destination {
        Destination::Lambda => (format_layer(setup.format, false, false, std::io::stdout), None),
        Destination::Local => {
            use std::io::IsTerminal;
            let ansi = setup.format == LogFormat::Text && std::io::stderr().is_terminal();
            let (writer, guard) = crate::log_writer::BatchedWriter::new(std::io::stderr());
            (format_layer(setup.format, true, ansi, writer), Some(guard))
        }
    };
    // The filter as the subscriber's own, not the layer's: with one layer a per-layer filter
    // adds only its bookkeeping, on every span and event.
    tracing_subscriber::registry().with(setup.filter).with(layer).init();
    if let Some(refused) = setup.refused {
        tracing::warn!("{refused}; logging at `info` instead");
    }
    LogGuard { _writer: writer }
}

/// The line format, one place for both destinations.
fn format_layer<S, W>(format: LogFormat, timestamps: bool, ansi: bool, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi);
    match (format, timestamps) {
        (LogFormat::Json, true) => layer.json().with_current_span(false).boxed(),
        (LogFormat::Json, false) => layer.json().with_current_span(false).without_time().boxed(),
        (LogFormat::Text, true) => layer.boxed(),
        (LogFormat::Text, false) => layer.without_time().boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Lines written by a layer, for inspection.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines_of(format: LogFormat, timestamps: bool) -> String {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(format_layer(format, timestamps, false, out.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", connector_id = "c-1", job_id = tracing::field::Empty);
            span.record("job_id", "j-9");
            let _entered = span.enter();
            tracing::info!(status = 200, "answered");
        });
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn json_lines_carry_the_span_ids_once_and_lambda_lines_no_timestamp() {
        let lambda = lines_of(LogFormat::Json, false);
        let line: serde_json::Value = serde_json::from_str(lambda.trim()).unwrap();
        assert_eq!(line["fields"]["message"], "answered");
        assert_eq!(line["spans"][0]["connector_id"], "c-1");
        assert_eq!(line["spans"][0]["job_id"], "j-9");
        assert!(line.get("span").is_none(), "the current span is not copied: {line}");
        assert!(line.get("timestamp").is_none(), "Lambda stamps lines itself: {line}");

        let local: serde_json::Value = serde_json::from_str(lines_of(LogFormat::Json, true).trim()).unwrap();
        assert!(local["timestamp"].is_string(), "{local}");
    }

    #[test]
    fn text_lines_name_the_span_fields() {
        let text = lines_of(LogFormat::Text, true);
        assert!(text.contains("connector_id=\"c-1\"") || text.contains("connector_id=c-1"), "{text}");
        assert!(text.contains("job_id"), "{text}");
        assert!(text.contains("answered status=200"), "{text}");
    }

    #[test]
    fn a_bad_filter_is_refused_with_the_filter_named() {
        assert!(parse_filter("info").is_ok());
        assert!(parse_filter("devportal_app=debug,warn").is_ok());
        let e = parse_filter("devportal=loud").unwrap_err().to_string();
        assert!(e.contains("`devportal=loud` is not a log filter"), "{e}");
    }
}
