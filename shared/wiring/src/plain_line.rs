//! The local host's text line when it is not written to a terminal: byte for byte the line
//! of `tracing_subscriber`'s default (`Full`) format without colours —
//! `2026-12-03T15:48:10.123456Z  INFO request{method=GET path=/api/v1/…}: target: message k=v`
//! — written piece by piece: [`PlainLine`] writes the line, [`PlainFields`] the span and
//! event fields in it.
//!
//! Why its own: the default format paints every piece (span names, braces, colons, the
//! target, each field's name and `=`) through a colour style even when colours are off, and
//! formats the timestamp's seven numbers on every line; the line was half of what logging a
//! request cost and the fields most of the rest (the request span's fields formatted when it
//! is created and on each `record`), measured with `examples/log_cost.rs` and `perf`
//! (docs/BENCHMARKS.md, "Issue 13, sixth pass" and "eighth pass"). On a terminal the default
//! format, with its colours, is used. The unit tests in `logging.rs` hold both to the default
//! format's bytes, escapes included.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::field::RecordFields;
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

/// The fields of a span or an event as the default format's `DefaultFields` writes them
/// without colours: `message` first as written, then `name=value` (the value's `Debug`)
/// separated by spaces; the `log.*` fields of a `log` record left out; a raw identifier's
/// `r#` dropped; a message's or an error's terminal control characters escaped, so a logged
/// value cannot drive the terminal that shows the log.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PlainFields;

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let escape = writer.sanitizes_ansi_escapes();
        // Gathered first and written at once, so a span's `String` is allocated once to the
        // size of its fields rather than grown piece by piece (each growth a copy).
        GATHERED.with(|gathered| match gathered.try_borrow_mut() {
            Ok(mut gathered) => {
                gathered.clear();
                let mut visitor = PlainVisitor::new(&mut *gathered, escape);
                fields.record(&mut visitor);
                visitor.result?;
                let written = writer.write_str(&gathered);
                if gathered.capacity() > GATHERED_KEPT {
                    *gathered = String::new();
                }
                written
            }
            // In use further up this thread's stack (a value whose `Debug` records on another
            // span): this inner call writes directly.
            Err(_) => {
                let mut visitor = PlainVisitor::new(&mut writer, escape);
                fields.record(&mut visitor);
                visitor.result
            }
        })
    }

    fn add_fields(&self, current: &'w mut FormattedFields<Self>, fields: &span::Record<'_>) -> fmt::Result {
        // The request span's ids are recorded one by one as the extractors learn them: room
        // for several at the first, so the later ones do not each grow (copy) the fields.
        if current.fields.capacity() - current.fields.len() < RECORD_ROOM {
            current.fields.reserve(4 * RECORD_ROOM);
        }
        if !current.fields.is_empty() {
            current.fields.push(' ');
        }
        self.format_fields(current.as_writer(), fields)
    }
}

/// What one recorded id takes (` connector_id=` and a UUID: 50 bytes).
const RECORD_ROOM: usize = 64;
/// A gathering buffer grown past this by an unusually long value is let go after it.
const GATHERED_KEPT: usize = 16 << 10;

thread_local! {
    /// Where [`PlainFields`] gathers one span's or event's fields.
    static GATHERED: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Writes one span's or event's fields into `W`; see [`PlainFields`].
struct PlainVisitor<W> {
    writer: W,
    /// Whether terminal control characters are escaped (the layer's setting, on by default).
    escape: bool,
    first: bool,
    result: fmt::Result,
}

impl<W: fmt::Write> PlainVisitor<W> {
    fn new(writer: W, escape: bool) -> Self {
        Self { writer, escape, first: true, result: Ok(()) }
    }
}

impl<W: fmt::Write> Visit for PlainVisitor<W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"))
        } else {
            self.record_debug(field, &value)
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let escape = self.escape;
        match value.source() {
            Some(source) => self.record_debug(
                field,
                &format_args!("{} {}.sources={}", Escaped::display(value, escape), field.name(), Sources { first: source, escape }),
            ),
            None => self.record_debug(field, &format_args!("{}", Escaped::display(value, escape))),
        }
    }

    // Numbers and booleans are written as their `Debug` text without going through
    // `core::fmt` (the access line's status and latency are two of them).
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_text(field, Decimal::new(false, value).as_str())
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_text(field, Decimal::new(value < 0, value.unsigned_abs()).as_str())
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record_text(field, if value { "true" } else { "false" })
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.skips(field) {
            return;
        }
        self.result = self.write_field(field.name(), value);
    }
}

impl<W: fmt::Write> PlainVisitor<W> {
    /// Whether `field` is left out: after a failed write, or a `log` record's metadata
    /// (already on the line as its target and level).
    fn skips(&self, field: &Field) -> bool {
        self.result.is_err() || field.name().starts_with("log.")
    }

    /// A field whose value's `Debug` text is `text` (which has no terminal control characters).
    fn record_text(&mut self, field: &Field, text: &str) {
        if self.skips(field) {
            return;
        }
        self.result = self.start_field(field.name()).and_then(|()| self.writer.write_str(text));
    }

    fn write_field(&mut self, name: &str, value: &dyn fmt::Debug) -> fmt::Result {
        self.start_field(name)?;
        match (name == "message", self.escape) {
            (true, true) => write!(EscapingWriter(&mut self.writer), "{value:?}"),
            _ => write!(self.writer, "{value:?}"),
        }
    }

    /// The separator and `name=` before a value; the message is written without its name.
    fn start_field(&mut self, name: &str) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.writer.write_char(' ')?;
        }
        if name != "message" {
            self.writer.write_str(name.strip_prefix("r#").unwrap_or(name))?;
            self.writer.write_char('=')?;
        }
        Ok(())
    }
}

/// An integer's decimal digits, as its `Debug` writes them, formatted on the stack.
struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// `magnitude`, with a minus sign before it when `negative` (`i64::MIN`'s magnitude fits).
    fn new(negative: bool, mut magnitude: u64) -> Self {
        // 20 digits hold u64::MAX; a negative number's are at most 19, leaving room for its sign.
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            digits[start] = b'-';
        }
        Self { digits, start }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and a minus sign were written.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or_default()
    }
}

/// A value written through [`EscapingWriter`] when `escape` is on.
struct Escaped<'a> {
    value: &'a dyn fmt::Display,
    escape: bool,
}

impl<'a> Escaped<'a> {
    fn display(value: &'a dyn fmt::Display, escape: bool) -> Self {
        Self { value, escape }
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.escape {
            true => write!(EscapingWriter(f), "{}", self.value),
            false => write!(f, "{}", self.value),
        }
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An error's sources, `[first, second]`, each escaped as the error itself is.
struct Sources<'a> {
    first: &'a (dyn std::error::Error + 'static),
    escape: bool,
}

impl fmt::Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        let mut next = Some(self.first);
        while let Some(error) = next {
            list.entry(&Escaped::display(error, self.escape));
            next = error.source();
        }
        list.finish()
    }
}

/// Writes text with the characters that start or alter a terminal escape sequence spelled
/// out (`\x1b`, `\u{9b}`), as the default format does; text without them goes through whole.
struct EscapingWriter<W>(W);

impl<W: fmt::Write> fmt::Write for EscapingWriter<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if !text.chars().any(is_terminal_control) {
            return self.0.write_str(text);
        }
        for c in text.chars() {
            match c {
                '\x1b' => self.0.write_str("\\x1b")?,
                '\x07' => self.0.write_str("\\x07")?,
                '\x08' => self.0.write_str("\\x08")?,
                '\x0c' => self.0.write_str("\\x0c")?,
                '\x7f' => self.0.write_str("\\x7f")?,
                c if is_terminal_control(c) => write!(self.0, "\\u{{{:x}}}", c as u32)?,
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// ESC, BEL, BS, FF, DEL and the C1 controls (U+0080 to U+009F).
fn is_terminal_control(c: char) -> bool {
    matches!(c, '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}')
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
    fn integers_are_written_as_their_debug_text() {
        for value in [0u64, 7, 10, 1234, u64::MAX] {
            assert_eq!(Decimal::new(false, value).as_str(), format!("{value:?}"));
        }
        for value in [-1i64, -10, -1234, i64::MIN, i64::MAX] {
            assert_eq!(Decimal::new(value < 0, value.unsigned_abs()).as_str(), format!("{value:?}"));
        }
    }

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
