//! Runs (PRODUCT.md §6, §8): one execution of a connector version on a site, what it said
//! (log entries at syslog levels, raw stdout / stderr) and what it wrote (output rows).
//! Pure rules: the run's status machine, the level threshold, output-row flattening, the
//! run-API limits and the ingestion batch that every producer (the run API, the local
//! runtime's stdio, CloudWatch Logs on AWS) hands to the one ingest use case. Redaction of
//! secret values lives in [`crate::redact`].

use crate::execution::EnvVar;
use crate::ids::{ConnectorId, OrgId, RunId, TokenId, UserId};
use crate::pipeline::SiteKind;
use crate::secret::SecretRef;
use crate::wizard::individual::{FieldType, FormField};
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a run is in its life. `queued` → `running` → one of the final four; a queued run
/// can also end directly (cancelled before it started, or failed to start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Cancelled, Self::TimedOut];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed-out",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }

    /// Whether a run may move from `self` to `next`. Final states are final.
    pub fn may_become(self, next: RunStatus) -> bool {
        match self {
            Self::Queued => next != Self::Queued,
            Self::Running => next.is_final(),
            _ => false,
        }
    }
}

/// Who started a run: a person in the browser (`user`) or automation with a token (`api`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunTrigger {
    pub kind: TriggerKind,
    pub user_id: UserId,
    /// The automation token that started it (`api` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<TokenId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    User,
    Api,
}

/// The last progress a run reported through the run API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunProgress {
    pub percent: u8,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// One run, as stored. Secret values are never part of it: the values of password fields
/// and the run token travel through the secret store (`values_ref`) and a hash (`token_hash`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: RunId,
    pub connector_id: ConnectorId,
    /// The connector's owner, for tenancy checks without reading the connector.
    pub owner_org_id: OrgId,
    pub version: u32,
    pub site_id: String,
    pub site_kind: SiteKind,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The process the runtime started (a fresh UUID per start, reported in monitoring).
    pub process_id: Option<uuid::Uuid>,
    pub trigger: RunTrigger,
    /// The argument vector, secrets masked (what monitoring shows).
    pub argv: Vec<String>,
    /// `argv` quoted for reading, secrets masked.
    pub command_line: String,
    /// The environment, secrets masked.
    pub environment: Vec<EnvVar>,
    /// Why a run failed, timed out or was cancelled, in words (never a secret).
    pub reason: Option<String>,
    /// Set when the portal asked the runtime to stop the run (a cancel or the time limit):
    /// the final status follows this cause, whatever the runtime calls its stop.
    pub stop_requested: Option<StopCause>,
    /// The run is stopped and ends `timed-out` when still running this long after it started.
    pub time_limit_secs: u64,
    /// The image the run executes (by digest) and the runtime's registration.
    pub digest: String,
    pub runtime_ref: String,
    /// The runtime's handle of the started process (an ECS task ARN, a local process key).
    pub handle: Option<String>,
    /// Ordering of runtime observations applied so far (ECS `detail.version`; locally a
    /// counter): an observation not newer than this is stale and ignored.
    pub observed_version: u64,
    /// SHA-256 of the run's `CDE_RUN_TOKEN` (hex); the token itself is never stored.
    pub token_hash: Option<String>,
    /// The run's secret values (password fields, auth credentials, vault fields), sealed in
    /// the secret store while the run may need them; removed when it ends.
    pub values_ref: Option<SecretRef>,
    pub has_test_input: bool,
    pub progress: Option<RunProgress>,
    pub revision: u64,
}

impl Run {
    /// Milliseconds between start and finish (or now, while running).
    pub fn duration_ms(&self, now: DateTime<Utc>) -> Option<u64> {
        let start = self.started_at?;
        let end = self.finished_at.unwrap_or(now);
        Some((end - start).num_milliseconds().max(0) as u64)
    }

    /// When a running run passes its time limit.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.started_at.map(|s| s + chrono::Duration::seconds(self.time_limit_secs as i64))
    }
}

/// Filters of the run history (`GET /runs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunQuery {
    /// Only runs of connectors owned by these organizations (the caller's).
    pub orgs: Vec<OrgId>,
    pub connector_id: Option<ConnectorId>,
    pub version: Option<u32>,
    pub site_id: Option<String>,
    pub status: Option<RunStatus>,
    pub process_id: Option<uuid::Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Exclusive: runs older than this one (newest first).
    pub before: Option<RunId>,
    pub limit: u32,
}

impl RunQuery {
    /// Whether `run` passes every filter except the page bounds.
    pub fn matches(&self, run: &Run) -> bool {
        self.orgs.contains(&run.owner_org_id)
            && self.connector_id.is_none_or(|c| c == run.connector_id)
            && self.version.is_none_or(|v| v == run.version)
            && self.site_id.as_deref().is_none_or(|s| s == run.site_id)
            && self.status.is_none_or(|s| s == run.status)
            && self.process_id.is_none_or(|p| Some(p) == run.process_id)
            && self.from.is_none_or(|f| run.created_at >= f)
            && self.to.is_none_or(|t| run.created_at < t)
    }
}

// ---------------------------------------------------------------------------------------
// Levels
// ---------------------------------------------------------------------------------------

/// A log level: syslog 0 (emergency) … 7 (debug), plus `success` and `report`.
/// On the wire a number or one of those two words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogLevel {
    Syslog(u8),
    Success,
    Report,
}

impl LogLevel {
    /// Lines a program writes to stderr count as `error` (PRODUCT.md §6).
    pub const ERROR: LogLevel = LogLevel::Syslog(3);
    pub const WARNING: LogLevel = LogLevel::Syslog(4);
    pub const INFO: LogLevel = LogLevel::Syslog(6);

    /// Where the level sits on the syslog scale for a threshold: `success` ranks with
    /// notice (5), `report` with info (6). "3 and worse" is `severity() <= 3`.
    pub fn severity(self) -> u8 {
        match self {
            Self::Syslog(n) => n,
            Self::Success => 5,
            Self::Report => 6,
        }
    }

    pub fn parse(value: &Value) -> Option<Self> {
        match value {
            Value::Number(n) => n.as_u64().filter(|n| *n <= 7).map(|n| Self::Syslog(n as u8)),
            Value::String(s) => match s.as_str() {
                "success" => Some(Self::Success),
                "report" => Some(Self::Report),
                other => other.parse::<u8>().ok().filter(|n| *n <= 7).map(Self::Syslog),
            },
            _ => None,
        }
    }

    /// A compact storage code: 0–7, success 8, report 9.
    pub fn code(self) -> u8 {
        match self {
            Self::Syslog(n) => n,
            Self::Success => 8,
            Self::Report => 9,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0..=7 => Some(Self::Syslog(code)),
            8 => Some(Self::Success),
            9 => Some(Self::Report),
            _ => None,
        }
    }

    /// The syslog name (`emergency` … `debug`, `success`, `report`), for plain-text downloads.
    pub fn name(self) -> &'static str {
        match self {
            Self::Syslog(0) => "emergency",
            Self::Syslog(1) => "alert",
            Self::Syslog(2) => "critical",
            Self::Syslog(3) => "error",
            Self::Syslog(4) => "warning",
            Self::Syslog(5) => "notice",
            Self::Syslog(6) => "info",
            Self::Syslog(_) => "debug",
            Self::Success => "success",
            Self::Report => "report",
        }
    }
}

impl Serialize for LogLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Syslog(n) => s.serialize_u8(*n),
            Self::Success => s.serialize_str("success"),
            Self::Report => s.serialize_str("report"),
        }
    }
}

impl<'de> Deserialize<'de> for LogLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Self::parse(&v).ok_or_else(|| serde::de::Error::custom("a level is 0…7, \"success\" or \"report\""))
    }
}

impl utoipa::PartialSchema for LogLevel {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(7)))
            .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["success", "report"])))
            .description(Some("syslog level 0 (emergency) … 7 (debug), or \"success\" / \"report\""))
            .into()
    }
}

impl utoipa::ToSchema for LogLevel {}

// ---------------------------------------------------------------------------------------
// What a run said and wrote
// ---------------------------------------------------------------------------------------

/// The stream of a raw output line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StdStream {
    Stdout,
    Stderr,
}

impl StdStream {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "stdout" => Some(Self::Stdout),
            "stderr" => Some(Self::Stderr),
            _ => None,
        }
    }
}

/// One stored application log entry (`GET /runs/{id}/logs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunLogEntry {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
    #[schema(value_type = Object)]
    pub context: Value,
    pub run_id: RunId,
}

/// One stored raw output line (`GET /runs/{id}/stdio`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StdioLine {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub stream: StdStream,
    pub line: String,
}

/// One stored output row, flattened (`GET /runs/{id}/output`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutputRow {
    pub seq: u64,
    pub time: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub row: Map<String, Value>,
}

/// A log entry before it is numbered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewLogEntry {
    pub time: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
    pub context: Value,
}

/// A raw output line before it is numbered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStdioLine {
    pub time: DateTime<Utc>,
    pub stream: StdStream,
    pub line: String,
}

/// What one ingestion batch carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "items", rename_all = "snake_case")]
pub enum IngestItems {
    Logs(Vec<NewLogEntry>),
    Stdio(Vec<NewStdioLine>),
    Output(Vec<(DateTime<Utc>, Map<String, Value>)>),
}

impl IngestItems {
    pub fn len(&self) -> usize {
        match self {
            Self::Logs(v) => v.len(),
            Self::Stdio(v) => v.len(),
            Self::Output(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch for the log-ingestion handler. `batch_id` is chosen by the producer and is the
/// same on every delivery, so a redelivered batch is stored once (no duplicate `seq`s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestBatch {
    pub run_id: RunId,
    pub batch_id: String,
    pub items: IngestItems,
}

/// How a batch was stored: the `seq` of its first item, and whether it had been already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IngestReceipt {
    pub first_seq: u64,
    pub count: u64,
    pub duplicate: bool,
}

/// Filters of a log query, over one run or across a connector's runs.
#[derive(Clone, Debug, PartialEq)]
pub struct LogQuery {
    pub scope: LogScope,
    /// Keep levels whose [`LogLevel::severity`] is at most this ("3 and worse").
    pub max_severity: Option<u8>,
    /// Case-insensitive substring of the message.
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Exclusive: entries after this position (a run's `seq`; across runs `(time, run, seq)`).
    pub after: Option<LogPosition>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LogScope {
    Run(RunId),
    Connector { connector: ConnectorId, version: Option<u32> },
}

/// Where a log page ended; ordered by time, then run, then seq.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogPosition {
    pub time: DateTime<Utc>,
    pub run_id: RunId,
    pub seq: u64,
}

impl LogPosition {
    pub fn of(e: &RunLogEntry) -> Self {
        Self { time: e.time, run_id: e.run_id, seq: e.seq }
    }

    /// The cursor key: `<micros>:<run>:<seq>`.
    pub fn key(&self) -> String {
        format!("{}:{}:{}", self.time.timestamp_micros(), self.run_id, self.seq)
    }

    pub fn parse_key(key: &str) -> Option<Self> {
        let mut parts = key.splitn(3, ':');
        let micros: i64 = parts.next()?.parse().ok()?;
        let run_id = parts.next()?.parse().ok()?;
        let seq = parts.next()?.parse().ok()?;
        Some(Self { time: DateTime::from_timestamp_micros(micros)?, run_id, seq })
    }
}

impl LogQuery {
    /// Whether `e` passes the level, text and time filters (not the scope or the cursor).
    pub fn matches(&self, e: &RunLogEntry) -> bool {
        self.max_severity.is_none_or(|m| e.level.severity() <= m)
            && self.from.is_none_or(|f| e.time >= f)
            && self.to.is_none_or(|t| e.time < t)
            && self.text.as_deref().is_none_or(|q| contains_ignore_case(&e.message, q))
    }
}

/// Case-insensitive (ASCII and Unicode simple lowercase) substring test.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        return haystack.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

// ---------------------------------------------------------------------------------------
// Run API rules
// ---------------------------------------------------------------------------------------

/// Limits of one run-API call (PRODUCT.md §8).
pub mod limits {
    /// Entries or rows per call.
    pub const MAX_ENTRIES: usize = 1_000;
    /// Body size of one call.
    pub const MAX_BODY_BYTES: usize = 1024 * 1024;
    /// One message; longer ones are cut (and say so).
    pub const MAX_MESSAGE_CHARS: usize = 16 * 1024;
    /// One raw output line; longer ones are cut.
    pub const MAX_STDIO_LINE_CHARS: usize = 16 * 1024;
    /// Input rows of a test run.
    pub const MAX_TEST_INPUT_ROWS: usize = 10_000;
}

/// Flattens one output row: nested objects become `parent-child` keys
/// (`{"a":{"b":1}}` → `{"a-b":1}`); arrays and scalars stay values. A row must be an object.
pub fn flatten_row(row: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(obj) = row else {
        return Err("each row must be a JSON object".into());
    };
    let mut out = Map::new();
    flatten_into(&mut out, None, obj);
    Ok(out)
}

fn flatten_into(out: &mut Map<String, Value>, prefix: Option<&str>, obj: &Map<String, Value>) {
    for (k, v) in obj {
        let key = match prefix {
            Some(p) => format!("{p}-{k}"),
            None => k.clone(),
        };
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten_into(out, Some(&key), inner),
            other => {
                out.insert(key, other.clone());
            }
        }
    }
}

/// Cuts `text` to at most `max` characters, saying so at the end.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => format!("{}… [cut at {max} characters]", &text[..i]),
    }
}

// ---------------------------------------------------------------------------------------
// The values a run is started with
// ---------------------------------------------------------------------------------------

/// Checks the values of the end-user form given to a run (`values` of `POST …/runs`) against
/// the version's fields: unknown keys, required fields, and each type's rule. Answers every
/// field's value as the program receives it (a default where none was given; checkbox `0`/`1`;
/// select_multiple comma-separated).
pub fn parse_form_values(fields: &[FormField], values: &Map<String, Value>) -> Result<BTreeMap<String, String>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for key in values.keys() {
        if !fields.iter().any(|f| &f.key == key) {
            errors.push(format!("values.{key}"), "unknown", format!("the end-user form has no field `{key}`"));
        }
    }
    let mut out = BTreeMap::new();
    for f in fields {
        let at = format!("values.{}", f.key);
        let raw = values.get(&f.key).filter(|v| !v.is_null());
        let text = match raw {
            None => match &f.default {
                Some(d) => d.clone(),
                None if f.required => {
                    errors.push(at, "required", format!("`{}` is required", f.key));
                    continue;
                }
                None => String::new(),
            },
            Some(v) => match field_text(f, v) {
                Ok(t) => t,
                Err(rule) => {
                    errors.push(at, "invalid", rule);
                    continue;
                }
            },
        };
        if f.required && text.is_empty() {
            errors.push(at, "required", format!("`{}` is required", f.key));
            continue;
        }
        out.insert(f.key.clone(), text);
    }
    errors.finish(out)
}

fn field_text(f: &FormField, v: &Value) -> Result<String, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1".into() } else { "0".into() }),
        _ => None,
    };
    match f.field_type {
        FieldType::Checkbox => match v {
            Value::Bool(b) => Ok(if *b { "1" } else { "0" }.into()),
            Value::String(s) if s == "0" || s == "1" => Ok(s.clone()),
            Value::Number(n) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => Ok(n.to_string()),
            _ => Err("a checkbox is true/false or \"0\"/\"1\"".into()),
        },
        FieldType::Number => {
            let t = scalar(v).ok_or("a number is expected")?;
            t.trim().parse::<f64>().ok().filter(|n| n.is_finite()).map(|_| t.trim().to_string()).ok_or_else(|| "a number is expected".into())
        }
        FieldType::Select => {
            let t = scalar(v).ok_or("one of the options is expected")?;
            if f.options.contains(&t) {
                Ok(t)
            } else {
                Err(format!("must be one of: {}", f.options.join(", ")))
            }
        }
        FieldType::SelectMultiple => {
            let picked: Vec<String> = match v {
                Value::Array(items) => items.iter().map(|i| scalar(i).ok_or("options are strings")).collect::<Result<_, _>>()?,
                other => {
                    scalar(other).ok_or("a list of options is expected")?.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
                }
            };
            match picked.iter().find(|p| !f.options.contains(p)) {
                Some(bad) => Err(format!("`{bad}` is not one of: {}", f.options.join(", "))),
                None => Ok(picked.join(",")),
            }
        }
        FieldType::Url => {
            let t = scalar(v).ok_or("a URL is expected")?;
            if t.is_empty() || t.starts_with("https://") || t.starts_with("http://") {
                Ok(t)
            } else {
                Err("a URL starting with http:// or https:// is expected".into())
            }
        }
        FieldType::Email => {
            let t = scalar(v).ok_or("an e-mail address is expected")?;
            let ok = t.is_empty() || t.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !t.contains(char::is_whitespace));
            if ok {
                Ok(t)
            } else {
                Err("an e-mail address is expected".into())
            }
        }
        FieldType::Input | FieldType::Textarea | FieldType::Password => {
            let t = scalar(v).ok_or("text is expected")?;
            if t.chars().count() > 64 * 1024 {
                Err("at most 65536 characters".into())
            } else if t.contains('\0') {
                Err("must not contain NUL characters".into())
            } else {
                Ok(t)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// What the runtime reports
// ---------------------------------------------------------------------------------------

/// What the runtime saw of a run's process; applied only when `version` is newer than the
/// run's `observed_version` (observations arrive at least once and out of order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunObservation {
    pub run_id: RunId,
    pub version: u64,
    pub at: DateTime<Utc>,
    pub state: ObservedState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ObservedState {
    /// The process started.
    Running,
    /// The process ended by itself with this exit code.
    Exited { code: i32 },
    /// The runtime stopped it (cancel, time limit) or could not start it.
    Stopped { cause: StopCause, reason: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    Cancelled,
    TimedOut,
    /// The image could not be pulled or the process not started; or it was killed (memory).
    Failed,
}

/// The status a run gets from an observation.
pub fn status_after(state: &ObservedState) -> RunStatus {
    match state {
        ObservedState::Running => RunStatus::Running,
        ObservedState::Exited { code: 0 } => RunStatus::Succeeded,
        ObservedState::Exited { .. } => RunStatus::Failed,
        ObservedState::Stopped { cause: StopCause::Cancelled, .. } => RunStatus::Cancelled,
        ObservedState::Stopped { cause: StopCause::TimedOut, .. } => RunStatus::TimedOut,
        ObservedState::Stopped { cause: StopCause::Failed, .. } => RunStatus::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_move_forward_only() {
        use RunStatus::*;
        assert!(Queued.may_become(Running));
        assert!(Queued.may_become(Cancelled));
        assert!(Running.may_become(TimedOut));
        assert!(!Running.may_become(Queued));
        for f in [Succeeded, Failed, Cancelled, TimedOut] {
            assert!(f.is_final());
            for s in RunStatus::ALL {
                assert!(!f.may_become(s));
            }
        }
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(serde_json::to_value(TimedOut).unwrap(), "timed-out");
    }

    #[test]
    fn levels_parse_numbers_and_the_two_words() {
        assert_eq!(LogLevel::parse(&json!(3)), Some(LogLevel::ERROR));
        assert_eq!(LogLevel::parse(&json!("success")), Some(LogLevel::Success));
        assert_eq!(LogLevel::parse(&json!("report")), Some(LogLevel::Report));
        assert_eq!(LogLevel::parse(&json!(8)), None);
        assert_eq!(LogLevel::parse(&json!(-1)), None);
        assert_eq!(LogLevel::parse(&json!("warn")), None);
        assert_eq!(serde_json::to_value(LogLevel::Success).unwrap(), "success");
        assert_eq!(serde_json::to_value(LogLevel::Syslog(4)).unwrap(), 4);
        for c in 0..10 {
            assert_eq!(LogLevel::from_code(c).unwrap().code(), c);
        }
    }

    #[test]
    fn a_threshold_keeps_that_level_and_worse() {
        let q = LogQuery { scope: LogScope::Run(RunId::new()), max_severity: Some(3), text: None, from: None, to: None, after: None, limit: 10 };
        let e = |level| RunLogEntry { seq: 1, time: Utc::now(), level, message: "m".into(), context: json!({}), run_id: RunId::new() };
        assert!(q.matches(&e(LogLevel::Syslog(0))));
        assert!(q.matches(&e(LogLevel::Syslog(3))));
        assert!(!q.matches(&e(LogLevel::Syslog(4))));
        assert!(!q.matches(&e(LogLevel::Success)));
    }

    #[test]
    fn nested_rows_are_flattened_with_dashes() {
        let row = flatten_row(&json!({"a": {"b": 1, "c": {"d": "x"}}, "e": [1, 2], "f": null, "g": {}})).unwrap();
        assert_eq!(Value::Object(row), json!({"a-b": 1, "a-c-d": "x", "e": [1, 2], "f": null, "g": {}}));
        assert!(flatten_row(&json!([1])).is_err());
    }

    #[test]
    fn text_search_ignores_case() {
        assert!(contains_ignore_case("Fetched 10 PRODUCTS", "products"));
        assert!(contains_ignore_case("Größe", "GRÖSSE") || contains_ignore_case("Größe", "größe"));
        assert!(!contains_ignore_case("abc", "abd"));
    }

    #[test]
    fn form_values_follow_each_field_rule() {
        let fields: Vec<crate::wizard::individual::FormFieldInput> = serde_json::from_value(json!([
            {"key": "shop", "type": "url", "label": "Shop", "required": true},
            {"key": "pw", "type": "password", "label": "Password"},
            {"key": "on", "type": "checkbox", "label": "On", "default": "0"},
            {"key": "n", "type": "number", "label": "N"},
            {"key": "pick", "type": "select_multiple", "label": "P", "options": ["a", "b"]}
        ]))
        .unwrap();
        let form = crate::wizard::IndividualConfig::parse(fields).unwrap();
        let ok = parse_form_values(
            &form.fields,
            json!({"shop": "https://x.example", "pw": "s3cret", "on": true, "n": 4.5, "pick": ["a", "b"]}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(ok["on"], "1");
        assert_eq!(ok["pick"], "a,b");
        assert_eq!(ok["n"], "4.5");
        let defaults = parse_form_values(&form.fields, json!({"shop": "https://x.example"}).as_object().unwrap()).unwrap();
        assert_eq!(defaults["on"], "0");
        let err = parse_form_values(&form.fields, json!({"n": "four", "pick": ["c"], "zzz": 1}).as_object().unwrap()).unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|e| e.field.clone()).collect();
        for f in ["values.shop", "values.n", "values.pick", "values.zzz"] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }
    }

    #[test]
    fn observations_map_to_statuses() {
        assert_eq!(status_after(&ObservedState::Exited { code: 0 }), RunStatus::Succeeded);
        assert_eq!(status_after(&ObservedState::Exited { code: 7 }), RunStatus::Failed);
        assert_eq!(status_after(&ObservedState::Stopped { cause: StopCause::TimedOut, reason: "x".into() }), RunStatus::TimedOut);
    }

    #[test]
    fn log_positions_round_trip() {
        let p = LogPosition { time: Utc::now(), run_id: RunId::new(), seq: 42 };
        let back = LogPosition::parse_key(&p.key()).unwrap();
        assert_eq!(back.run_id, p.run_id);
        assert_eq!(back.seq, 42);
        assert_eq!(back.time.timestamp_micros(), p.time.timestamp_micros());
    }
}
