//! The local host's text line when it is not written to a terminal: byte for byte the line
//! of `tracing_subscriber`'s default (`Full`) format without colours —
//! `2026-12-03T15:48:10.123456Z  INFO request{method=GET path=/api/v1/…}: target: message k=v`
//! — written piece by piece.
//!
//! Why its own: the default format paints every piece (span names, braces, colons, the
//! target) through a colour style even when colours are off, and formats the timestamp's
//! seven numbers on every line; that was half of what logging a request cost (the request
//! span, the ids the extractors record, the `answered` line), measured with
//! `examples/log_cost.rs` (docs/BENCHMARKS.md, "Issue 13, sixth pass"). The span and event
//! fields are still formatted by `tracing_subscriber`'s `DefaultFields`, so a field reads
//! the same in both. On a terminal the default format, with its colours, is used.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// See the module's documentation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlainLine {
    pub(crate) timestamps: bool,
}

impl<S, N> FormatEvent<S, N> for PlainLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        // A `log` record (from a dependency) carries its real target and level here.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        if self.timestamps {
            write_timestamp(&mut writer, SystemTime::now())?;
            writer.write_char(' ')?;
        }
        writer.write_str(level_label(*meta.level()))?;
        writer.write_char(' ')?;
        if let Some(scope) = ctx.event_scope() {
            let mut seen = false;
            for span in scope.from_root() {
                seen = true;
                writer.write_str(span.metadata().name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        writer.write_char('{')?;
                        writer.write_str(fields)?;
                        writer.write_char('}')?;
                    }
                }
                writer.write_char(':')?;
            }
            if seen {
                writer.write_char(' ')?;
            }
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The level as the default format writes it: right-aligned in five columns.
fn level_label(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    }
}

thread_local! {
    /// The formatted `YYYY-MM-DDTHH:MM:SS.` of the second this thread last stamped a line in.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// RFC 3339 in UTC with microseconds, as the default format's timer writes it
/// (`2026-12-03T15:48:10.123456Z`); the date and time of day are formatted once per second.
fn write_timestamp(writer: &mut impl fmt::Write, now: SystemTime) -> fmt::Result {
    let Ok(since_epoch) = now.duration_since(UNIX_EPOCH) else {
        // A clock before 1970: rare enough to format whole.
        return write!(writer, "{}", chrono::DateTime::<chrono::Utc>::from(now).format("%Y-%m-%dT%H:%M:%S%.6fZ"));
    };
    let (seconds, micros) = (since_epoch.as_secs(), since_epoch.subsec_micros());
    SECOND.with_borrow_mut(|(second, prefix)| {
        if *second != seconds {
            prefix.clear();
            let stamp = i64::try_from(seconds).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0)).unwrap_or_default();
            write!(prefix, "{}.", stamp.format("%Y-%m-%dT%H:%M:%S"))?;
            *second = seconds;
        }
        writer.write_str(prefix)
    })?;
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    writer.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)?;
    writer.write_char('Z')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_with_microseconds_and_follow_the_clock_across_seconds() {
        let stamp = |t: SystemTime| {
            let mut s = String::new();
            write_timestamp(&mut s, t).unwrap();
            s
        };
        let at = UNIX_EPOCH + Duration::new(1_764_776_890, 123_456_789);
        assert_eq!(stamp(at), "2025-12-03T15:48:10.123456Z");
        assert_eq!(stamp(at + Duration::from_micros(7)), "2025-12-03T15:48:10.123463Z");
        // The next second, and one a day later: the cached part is formatted again.
        assert_eq!(stamp(at + Duration::from_millis(900)), "2025-12-03T15:48:11.023456Z");
        assert_eq!(stamp(at + Duration::from_secs(86_400)), "2025-12-04T15:48:10.123456Z");
        assert_eq!(stamp(UNIX_EPOCH + Duration::from_micros(5)), "1970-01-01T00:00:00.000005Z");
        assert_eq!(stamp(UNIX_EPOCH - Duration::from_micros(1)), "1969-12-31T23:59:59.999999Z");
    }
}
