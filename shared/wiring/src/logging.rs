//! The one log setup of every binary (docs/ARCHITECTURE.md, "Logs"): a Lambda function and the
//! local host differ only in the [`LogSetup`] they pass to [`init`].
//!
//! - Lambda ([`LogSetup::lambda`]): JSON lines on stdout, written inline, no timestamp (Lambda
//!   stamps each line), the filter from `RUST_LOG`. Inline because a function's environment is
//!   frozen between invocations and may be shut down without warning: a line still queued for
//!   a writer thread would be late or lost.
//! - The local host ([`LogSetup::local`]): text (colours on a terminal, otherwise the same line
//!   uncoloured from `plain_line.rs`, which writes it for a fraction of the cost) or JSON lines on
//!   stderr with timestamps, gathered in memory and written every few milliseconds by a writer
//!   thread (`log_writer.rs`), so a request neither waits on the write nor wakes a thread for
//!   its line. Lines are never dropped: past the high-water mark the logging call waits.
//!
//! Both print the fields of the enclosing spans on every line (the request span carries the
//! user, connector, version, job and run ids), never a second copy of the current span.
//!
//! The filter ([`LogFilter`]) is a static per-target table (`tracing_subscriber`'s `Targets`)
//! whenever the directives are only `target=level` ones, which is what operators write: an
//! `EnvFilter` also tracks every span entered and left, in case a directive names a span or a
//! field: a part of what the request span and access line cost per cached `GET`
//! (docs/BENCHMARKS.md, "Issue 13, fifth pass"). Span and field directives
//! (`devportal[request]=debug`) still work: they get an `EnvFilter`.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

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
    filter: LogFilter,
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

/// Which lines are written: parsed by [`parse_filter`].
#[derive(Debug)]
pub struct LogFilter(Filter);

#[derive(Debug)]
enum Filter {
    /// Only `target=level` directives: a table looked up per callsite, nothing per span.
    Static(Box<Targets>),
    /// Directives naming spans or fields.
    Dynamic(Box<EnvFilter>),
}

impl LogFilter {
    /// Everything at `info` and above.
    pub fn info() -> Self {
        Self(Filter::Static(Box::new(Targets::new().with_default(tracing::Level::INFO))))
    }

    /// Whether the filter tracks spans (it has a directive naming a span or a field).
    #[cfg(test)]
    fn is_dynamic(&self) -> bool {
        matches!(self.0, Filter::Dynamic(_))
    }

    fn into_layer(self) -> Box<dyn Layer<Registry> + Send + Sync> {
        match self.0 {
            Filter::Static(targets) => (*targets).boxed(),
            Filter::Dynamic(env) => (*env).boxed(),
        }
    }
}

/// Parses a `tracing` filter directive such as `info` or `devportal_app=debug,warn`.
pub fn parse_filter(filter: &str) -> Result<LogFilter, InvalidLogFilter> {
    // Span and field parts are in brackets (`target[span{field=value}]=level`), which `Targets`
    // would take for part of a target name. An empty filter means "errors only" to `EnvFilter`
    // but "nothing" to `Targets`: the former, as before.
    if !filter.trim().is_empty() && !filter.contains('[') {
        if let Ok(targets) = filter.parse::<Targets>() {
            return Ok(LogFilter(Filter::Static(Box::new(targets))));
        }
    }
    EnvFilter::builder()
        .parse(filter)
        .map(|env| LogFilter(Filter::Dynamic(Box::new(env))))
        .map_err(|e| InvalidLogFilter { filter: filter.to_string(), reason: e.to_string() })
}

impl LogSetup {
    /// A Lambda function's setup; the filter is `RUST_LOG`, `info` when unset. A `RUST_LOG`
    /// that does not parse is reported on the first line and `info` is used: a function that
    /// refused to start over its log level would stop serving.
    pub fn lambda() -> Self {
        let (filter, refused) = match std::env::var("RUST_LOG") {
            Ok(value) => match parse_filter(&value) {
                Ok(filter) => (filter, None),
                Err(e) => (LogFilter::info(), Some(e)),
            },
            Err(_) => (LogFilter::info(), None),
        };
        Self { filter, format: LogFormat::Json, destination: Destination::Lambda, refused }
    }

    /// The local host's setup, from its `--log` filter (refused at start-up when it does not
    /// parse) and `--log-json` choice.
    pub fn local(filter: LogFilter, format: LogFormat) -> Self {
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
    tracing_subscriber::registry().with(setup.filter.into_layer()).with(layer).init();
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
        (LogFormat::Text, timestamps) if !ansi => {
            layer.fmt_fields(crate::plain_line::PlainFields).event_format(crate::plain_line::PlainLine { timestamps }).boxed()
        }
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

    /// Lines of nested spans, recorded and empty fields, a message with fields and without,
    /// every level and a `log` record, through the layer `layer` makes.
    fn sample_lines(layer: impl Fn() -> Box<dyn Layer<Registry> + Send + Sync>, out: &Captured) -> String {
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer()), || {
            let outer = tracing::info_span!("request", method = %"GET", path = %"/api/v1/connectors/c 1", user_id = tracing::field::Empty);
            outer.record("user_id", tracing::field::display("u-1"));
            let _outer = outer.enter();
            let inner = tracing::info_span!("job", job_id = "j \"9\"", attempt = 2u32);
            let _inner = inner.enter();
            tracing::info!(status = 200u16, latency_us = 1234u64, "answered");
            tracing::warn!(target: "devportal_app::jobs", error = %"disk full", "the job failed; retrying");
            tracing::error!("no message fields");
            tracing::debug!(quoted = "a \"b\"\n", "debug");
            tracing::trace!(flag = true, "trace");
            tracing::info!("");
            // Values of every kind, a raw identifier, and terminal control characters where
            // they are escaped (a message, an error and its sources) and where `Debug` spells
            // them out anyway (a string field).
            let error = Outer(Inner("disk \x1b[2Jfull\u{9b}"));
            tracing::warn!(
                error = &error as &(dyn std::error::Error + 'static),
                plain = &Inner("no source") as &(dyn std::error::Error + 'static),
                r#type = "cli",
                code = -3i64,
                ratio = 0.5f64,
                shown = %"a\x07b",
                bytes = &b"\x01z"[..],
                "bell\x07 esc\x1b[31m back\x08 ff\x0c del\x7f csi\u{9b} plain é"
            );
            tracing::info!(message = "\x1b]0;title\x07", noted = true);
            tracing::info!(zero = 0u64, max = u64::MAX, min = i64::MIN, negative = -7i32, off = false, message = 42u64);
            // A dependency's `log` record, as the installed log bridge passes it on.
            let record = tracing_log::log::Record::builder()
                .args(format_args!("from the log crate"))
                .level(tracing_log::log::Level::Warn)
                .target("aws_config::imds")
                .build();
            tracing_log::format_trace(&record).unwrap();
        });
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// An error with a source, both naming a terminal escape.
    #[derive(Debug)]
    struct Outer(Inner);
    #[derive(Debug)]
    struct Inner(&'static str);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "write failed \x1b[1m")
        }
    }
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl std::error::Error for Inner {}

    #[test]
    fn plain_text_lines_are_the_default_formats_lines_without_colours() {
        let stock = || tracing_subscriber::fmt::layer().with_ansi(false);
        for timestamps in [false, true] {
            let (ours, theirs) = (Captured::default(), Captured::default());
            let ours = sample_lines(|| format_layer(LogFormat::Text, timestamps, false, ours.clone()), &ours);
            let theirs = match timestamps {
                false => sample_lines(|| stock().without_time().with_writer(theirs.clone()).boxed(), &theirs),
                true => sample_lines(|| stock().with_writer(theirs.clone()).boxed(), &theirs),
            };
            assert_eq!(ours.lines().count(), 10, "{ours}");
            assert!(ours.contains("esc\\x1b[31m") && ours.contains("csi\\u{9b}") && !ours.contains('\x1b'), "{ours}");
            let from_log = ours.lines().last().unwrap();
            assert!(from_log.contains(" WARN request{") && from_log.ends_with("}: aws_config::imds: from the log crate"), "{from_log}");
            if !timestamps {
                assert_eq!(ours, theirs);
                continue;
            }
            // Stamps differ by the microseconds between the two runs; their shape and the rest
            // of each line do not.
            let split = |text: &str| -> Vec<(String, String)> { text.lines().map(|l| (l[..27].to_string(), l[27..].to_string())).collect() };
            for ((our_stamp, our_rest), (their_stamp, their_rest)) in split(&ours).iter().zip(&split(&theirs)) {
                assert_eq!(our_rest, their_rest);
                let ours = chrono::DateTime::parse_from_rfc3339(our_stamp).unwrap();
                let theirs = chrono::DateTime::parse_from_rfc3339(their_stamp).unwrap();
                assert!((ours - theirs).num_seconds().abs() < 60, "{our_stamp} {their_stamp}");
                assert!(our_stamp.ends_with('Z') && our_stamp.as_bytes()[19] == b'.', "{our_stamp}");
            }
        }
    }

    /// A value whose `Debug` records a field on another span, so the fields of that span are
    /// formatted while this value's line is.
    struct RecordsWhenFormatted(tracing::Span);

    impl std::fmt::Debug for RecordsWhenFormatted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.record("job_id", "j-2");
            f.write_str("outer value")
        }
    }

    #[test]
    fn fields_formatted_while_other_fields_are_come_out_whole() {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(format_layer(LogFormat::Text, false, false, out.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let job = tracing::info_span!("job", run_id = "r-1", job_id = tracing::field::Empty);
            tracing::info_span!("request", id = 7u8)
                .in_scope(|| tracing::info!(value = ?RecordsWhenFormatted(job.clone()), after = 1u8, "outer line"));
            job.in_scope(|| tracing::info!("inner line"));
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                " INFO request{id=7}: devportal_wiring::logging::tests: outer line value=outer value after=1",
                " INFO job{run_id=\"r-1\" job_id=\"j-2\"}: devportal_wiring::logging::tests: inner line",
            ]
        );
    }

    #[test]
    fn text_lines_name_the_span_fields() {
        let text = lines_of(LogFormat::Text, true);
        assert!(text.contains("connector_id=\"c-1\"") || text.contains("connector_id=c-1"), "{text}");
        assert!(text.contains("job_id"), "{text}");
        assert!(text.contains("answered status=200"), "{text}");
    }

    /// Lines written under `filter`: debug and info lines of two targets, inside and outside a
    /// `request` span.
    fn filtered(filter: &str) -> String {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(parse_filter(filter).unwrap().into_layer()).with(format_layer(
            LogFormat::Text,
            false,
            false,
            out.clone(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "devportal_app::jobs", "app debug outside");
            tracing::info!(target: "hyper::proto", "hyper info outside");
            tracing::info_span!("request").in_scope(|| tracing::debug!(target: "hyper::proto", "hyper debug inside"));
        });
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn target_directives_filter_without_tracking_spans_and_span_directives_still_work() {
        assert!(!parse_filter("info").unwrap().is_dynamic());
        assert!(!parse_filter("devportal_app=debug,warn").unwrap().is_dynamic());
        let lines = filtered("devportal_app=debug,warn");
        assert!(lines.contains("app debug outside"), "{lines}");
        assert!(!lines.contains("hyper"), "{lines}");

        assert!(parse_filter("warn,[request]=debug").unwrap().is_dynamic());
        let lines = filtered("warn,[request]=debug");
        assert!(lines.contains("hyper debug inside"), "{lines}");
        assert!(!lines.contains("outside"), "{lines}");

        // Empty means errors only, as it always did.
        assert!(filtered("").is_empty());
    }

    #[test]
    fn a_bad_filter_is_refused_with_the_filter_named() {
        assert!(parse_filter("info").is_ok());
        assert!(parse_filter("devportal_app=debug,warn").is_ok());
        let e = parse_filter("devportal=loud").unwrap_err().to_string();
        assert!(e.contains("`devportal=loud` is not a log filter"), "{e}");
    }
}
