//! Runs on the local host: `SqliteRunStore` (run records, idempotency keys, token lookup),
//! `SqliteRunData` (log entries, stdio, output rows, test input; numbered per run on
//! ingestion, exactly once per batch) and `LocalRunQueue` (launches handed to the host's
//! launcher task; ingestion inline).
//!
//! Runs and their output live in their own tables of the same SQLite file rather than in the
//! `items` table: monitoring filters runs on several columns and reads logs by level, text and
//! time over millions of lines, which wants real columns and indexes (a partial index holds
//! only warning-and-worse lines, so a threshold query skips the info and debug lines). Text
//! search reads the log in windows of `seq` within a time budget and answers a cursor when
//! the budget runs out, so one request never scans a whole long log (docs/ARCHITECTURE.md,
//! "Run logs").

use crate::db::{from_json, sql, to_json, Db};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::page::{encode_cursor, Page};
use devportal_domain::ports::{KeyClaim, RunDataStore, RunQueue, RunStore, StoreError, StoreResult};
use devportal_domain::run::{
    IngestBatch, IngestItems, IngestReceipt, LogLevel, LogPosition, LogQuery, LogScope, OutputRow, Run, RunLogEntry, RunQuery, StdStream, StdioLine,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, OptionalExtension};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    connector TEXT NOT NULL,
    version INTEGER NOT NULL,
    site TEXT NOT NULL,
    status TEXT NOT NULL,
    process_id TEXT,
    created_at INTEGER NOT NULL,
    token_hash TEXT,
    needs_care INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_org ON runs (org, id);
CREATE INDEX IF NOT EXISTS runs_by_connector ON runs (connector, id);
CREATE UNIQUE INDEX IF NOT EXISTS runs_by_token ON runs (token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS runs_needing_care ON runs (needs_care) WHERE needs_care = 1;
CREATE TABLE IF NOT EXISTS run_keys (
    org TEXT NOT NULL,
    key TEXT NOT NULL,
    run TEXT NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (org, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_seq (
    run TEXT PRIMARY KEY,
    next INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_seq_expiry ON run_seq (expires_at);
CREATE TABLE IF NOT EXISTS run_batches (
    run TEXT NOT NULL,
    batch TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (run, batch)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_log (
    run TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    level INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    message TEXT NOT NULL,
    context TEXT NOT NULL,
    connector TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (run, seq)
);
CREATE INDEX IF NOT EXISTS run_log_severe ON run_log (run, seq) WHERE severity <= 4;
CREATE INDEX IF NOT EXISTS run_log_by_connector ON run_log (connector, time, run, seq);
CREATE TABLE IF NOT EXISTS run_stdio (
    run TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    stream TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (run, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_output (
    run TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (run, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_input (
    run TEXT NOT NULL,
    idx INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (run, idx)
) WITHOUT ROWID;
";

/// Brings a database created by an earlier release up to [`SCHEMA`]: `run_keys.expires_at`
/// (claims written before it have none and never expire).
pub(crate) fn migrate(conn: &rusqlite::Connection) -> StoreResult<()> {
    let has_expiry: bool =
        conn.prepare("SELECT 1 FROM pragma_table_info('run_keys') WHERE name = 'expires_at'").and_then(|mut s| s.exists([])).map_err(sql)?;
    if !has_expiry {
        conn.execute_batch("ALTER TABLE run_keys ADD COLUMN expires_at INTEGER").map_err(sql)?;
    }
    Ok(())
}

/// Run records in the embedded database.
#[derive(Clone)]
pub struct SqliteRunStore {
    db: Db,
}

impl SqliteRunStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn needs_care(run: &Run) -> bool {
    !run.status.is_final() || run.values_ref.is_some()
}

fn run_row(run: &Run) -> StoreResult<Vec<SqlValue>> {
    Ok(vec![
        SqlValue::Text(run.id.to_string()),
        SqlValue::Text(run.owner_org_id.to_string()),
        SqlValue::Text(run.connector_id.to_string()),
        SqlValue::Integer(run.version as i64),
        SqlValue::Text(run.site_id.clone()),
        SqlValue::Text(run.status.as_str().to_string()),
        run.process_id.map_or(SqlValue::Null, |p| SqlValue::Text(p.to_string())),
        SqlValue::Integer(run.created_at.timestamp_micros()),
        run.token_hash.clone().map_or(SqlValue::Null, SqlValue::Text),
        SqlValue::Integer(needs_care(run) as i64),
        SqlValue::Integer(run.revision as i64),
        SqlValue::Text(to_json(run)?),
    ])
}

#[async_trait]
impl RunStore for SqliteRunStore {
    async fn create_run(&self, run: &Run, claim: Option<KeyClaim<'_>>) -> StoreResult<()> {
        let row = run_row(run)?;
        let key = claim.map(|c| (run.owner_org_id.to_string(), c.key.to_string(), run.id.to_string(), c.expires_at.timestamp()));
        let now = Utc::now().timestamp();
        self.db
            .write(move |tx| {
                if let Some((org, key, id, expires_at)) = &key {
                    // An expired claim gives the key back.
                    tx.prepare_cached("DELETE FROM run_keys WHERE org = ?1 AND key = ?2 AND expires_at IS NOT NULL AND expires_at <= ?3")
                        .map_err(sql)?
                        .execute(params![org, key, now])
                        .map_err(sql)?;
                    let taken = tx
                        .prepare_cached("INSERT OR IGNORE INTO run_keys (org, key, run, expires_at) VALUES (?1, ?2, ?3, ?4)")
                        .map_err(sql)?
                        .execute(params![org, key, id, expires_at])
                        .map_err(sql)?;
                    if taken == 0 {
                        return Err(StoreError::AlreadyExists { what: "idempotency key".into() });
                    }
                }
                tx.prepare_cached(
                    "INSERT INTO runs (id, org, connector, version, site, status, process_id, created_at, token_hash, needs_care, revision, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(sql)?
                .execute(params_from_iter(row))
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::AlreadyExists { what: "run".into() },
                    _ => sql(e),
                })?;
                Ok(())
            })
            .await
    }

    async fn run_for_idempotency_key(&self, org: OrgId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<RunId>> {
        let (org, key, now) = (org.to_string(), key.to_string(), now.timestamp());
        let id: Option<String> = self
            .db
            .read(move |c| {
                c.prepare_cached("SELECT run FROM run_keys WHERE org = ?1 AND key = ?2 AND (expires_at IS NULL OR expires_at > ?3)")
                    .map_err(sql)?
                    .query_row(params![org, key, now], |r| r.get(0))
                    .optional()
                    .map_err(sql)
            })
            .await?;
        Ok(id.and_then(|i| i.parse().ok()))
    }

    async fn get_run(&self, id: RunId) -> StoreResult<Option<Run>> {
        let id = id.to_string();
        let body: Option<String> = self
            .db
            .read(move |c| {
                c.prepare_cached("SELECT body FROM runs WHERE id = ?1").map_err(sql)?.query_row([id], |r| r.get(0)).optional().map_err(sql)
            })
            .await?;
        body.map(|b| from_json(&b)).transpose()
    }

    async fn run_by_token(&self, token_hash: &str) -> StoreResult<Option<Run>> {
        let hash = token_hash.to_string();
        let body: Option<String> = self
            .db
            .read(move |c| {
                c.prepare_cached("SELECT body FROM runs WHERE token_hash = ?1").map_err(sql)?.query_row([hash], |r| r.get(0)).optional().map_err(sql)
            })
            .await?;
        body.map(|b| from_json(&b)).transpose()
    }

    async fn update_run(&self, run: &Run, expected: u64) -> StoreResult<()> {
        let mut row = run_row(run)?;
        row.push(SqlValue::Integer(expected as i64));
        let id = run.id.to_string();
        self.db
            .write(move |tx| {
                let n = tx
                    .prepare_cached(
                        "UPDATE runs SET org = ?2, connector = ?3, version = ?4, site = ?5, status = ?6, process_id = ?7, created_at = ?8,
                         token_hash = ?9, needs_care = ?10, revision = ?11, body = ?12 WHERE id = ?1 AND revision = ?13",
                    )
                    .map_err(sql)?
                    .execute(params_from_iter(row))
                    .map_err(sql)?;
                if n == 1 {
                    return Ok(());
                }
                let current: Option<i64> = tx
                    .prepare_cached("SELECT revision FROM runs WHERE id = ?1")
                    .map_err(sql)?
                    .query_row([&id], |r| r.get(0))
                    .optional()
                    .map_err(sql)?;
                match current {
                    Some(c) => Err(StoreError::Conflict { current: c as u64 }),
                    None => Err(StoreError::NotFound { what: format!("run {id}") }),
                }
            })
            .await
    }

    async fn list_runs(&self, q: &RunQuery) -> StoreResult<Page<Run>> {
        if q.orgs.is_empty() {
            return Ok(Page { items: vec![], next_cursor: None });
        }
        let mut sql_text = format!("SELECT body FROM runs WHERE org IN ({})", vec!["?"; q.orgs.len()].join(","));
        let mut args: Vec<SqlValue> = q.orgs.iter().map(|o| SqlValue::Text(o.to_string())).collect();
        let mut cond = |clause: &str, v: SqlValue| {
            sql_text.push_str(" AND ");
            sql_text.push_str(clause);
            args.push(v);
        };
        if let Some(c) = q.connector_id {
            cond("connector = ?", SqlValue::Text(c.to_string()));
        }
        if let Some(v) = q.version {
            cond("version = ?", SqlValue::Integer(v as i64));
        }
        if let Some(s) = &q.site_id {
            cond("site = ?", SqlValue::Text(s.clone()));
        }
        if let Some(s) = q.status {
            cond("status = ?", SqlValue::Text(s.as_str().into()));
        }
        if let Some(p) = q.process_id {
            cond("process_id = ?", SqlValue::Text(p.to_string()));
        }
        if let Some(f) = q.from {
            cond("created_at >= ?", SqlValue::Integer(f.timestamp_micros()));
        }
        if let Some(t) = q.to {
            cond("created_at < ?", SqlValue::Integer(t.timestamp_micros()));
        }
        if let Some(b) = q.before {
            cond("id < ?", SqlValue::Text(b.to_string()));
        }
        sql_text.push_str(" ORDER BY id DESC LIMIT ?");
        args.push(SqlValue::Integer(q.limit as i64 + 1));
        let limit = q.limit as usize;
        let bodies: Vec<String> = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare(&sql_text).map_err(sql)?;
                let rows = stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(0)).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)
            })
            .await?;
        let more = bodies.len() > limit;
        let items: Vec<Run> = bodies.iter().take(limit).map(|b| from_json(b)).collect::<StoreResult<_>>()?;
        let next_cursor = if more { items.last().map(|r| encode_cursor(&r.id.to_string())) } else { None };
        Ok(Page { items, next_cursor })
    }

    async fn unfinished_runs(&self) -> StoreResult<Vec<Run>> {
        let bodies: Vec<String> = self
            .db
            .read(|c| {
                let mut stmt = c.prepare_cached("SELECT body FROM runs WHERE needs_care = 1").map_err(sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)
            })
            .await?;
        bodies.iter().map(|b| from_json(b)).collect()
    }

    async fn purge_runs(&self, connector: ConnectorId) -> StoreResult<()> {
        let connector = connector.to_string();
        self.db
            .write(move |tx| {
                let ids: Vec<String> = {
                    let mut stmt = tx.prepare("SELECT id FROM runs WHERE connector = ?1").map_err(sql)?;
                    let rows = stmt.query_map([&connector], |r| r.get(0)).map_err(sql)?;
                    rows.collect::<Result<_, _>>().map_err(sql)?
                };
                for id in &ids {
                    delete_data(tx, id)?;
                }
                tx.execute("DELETE FROM run_keys WHERE run IN (SELECT id FROM runs WHERE connector = ?1)", [&connector]).map_err(sql)?;
                tx.execute("DELETE FROM runs WHERE connector = ?1", [&connector]).map_err(sql)?;
                Ok(())
            })
            .await
    }
}

fn delete_data(tx: &rusqlite::Connection, run: &str) -> StoreResult<()> {
    for table in ["run_log", "run_stdio", "run_output", "run_input", "run_batches", "run_seq"] {
        tx.execute(&format!("DELETE FROM {table} WHERE run = ?1"), [run]).map_err(sql)?;
    }
    Ok(())
}

/// What runs said and wrote, in the embedded database.
#[derive(Clone)]
pub struct SqliteRunData {
    db: Db,
    /// How long one text search may read before it answers a cursor.
    search_budget: Duration,
    /// How long the whole-log match count may read before it answers a lower bound.
    count_budget: Duration,
}

/// Log rows read per window of a budgeted search.
const SEARCH_WINDOW: i64 = 20_000;

impl SqliteRunData {
    pub fn new(db: Db) -> Self {
        Self { db, search_budget: Duration::from_millis(30), count_budget: Duration::from_millis(100) }
    }

    /// Deletes the output of runs whose retention ended before `now` (the host calls this
    /// with its hourly housekeeping; DynamoDB's TTL does it on AWS). How many runs.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let cutoff = now.timestamp_micros();
        self.db
            .write(move |tx| {
                let runs: Vec<String> = {
                    let mut stmt = tx.prepare("SELECT run FROM run_seq WHERE expires_at < ?1").map_err(sql)?;
                    let rows = stmt.query_map([cutoff], |r| r.get(0)).map_err(sql)?;
                    rows.collect::<Result<_, _>>().map_err(sql)?
                };
                for run in &runs {
                    delete_data(tx, run)?;
                }
                Ok(runs.len())
            })
            .await
    }
}

fn log_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, u64, i64, u8, String, String)> {
    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?, r.get::<_, i64>(3)? as u8, r.get(4)?, r.get(5)?))
}

fn to_entry((run, seq, time, level, message, context): (String, u64, i64, u8, String, String)) -> StoreResult<RunLogEntry> {
    Ok(RunLogEntry {
        seq,
        time: DateTime::from_timestamp_micros(time).unwrap_or_default(),
        level: LogLevel::from_code(level).unwrap_or(LogLevel::INFO),
        message,
        context: serde_json::from_str(&context).unwrap_or(Value::Object(Map::new())),
        run_id: run.parse().map_err(|_| StoreError::Unavailable { message: format!("bad run id {run}"), retryable: false })?,
    })
}

/// `%text%` for LIKE, with the wildcard characters of `text` escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The filter part of a log query (level, text, time) as SQL and arguments.
fn log_filters(q: &LogQuery) -> (String, Vec<SqlValue>) {
    let mut text = String::new();
    let mut args = vec![];
    if let Some(max) = q.max_severity {
        if max <= 4 {
            // Spelled literally so SQLite can use the partial index of severe lines.
            text.push_str(" AND severity <= 4");
        }
        text.push_str(" AND severity <= ?");
        args.push(SqlValue::Integer(max as i64));
    }
    if let Some(t) = &q.text {
        text.push_str(" AND message LIKE ? ESCAPE '\\'");
        args.push(SqlValue::Text(like_pattern(t)));
    }
    if let Some(f) = q.from {
        text.push_str(" AND time >= ?");
        args.push(SqlValue::Integer(f.timestamp_micros()));
    }
    if let Some(t) = q.to {
        text.push_str(" AND time < ?");
        args.push(SqlValue::Integer(t.timestamp_micros()));
    }
    (text, args)
}

#[async_trait]
impl RunDataStore for SqliteRunData {
    async fn ingest(&self, connector: ConnectorId, version: u32, batch: &IngestBatch, expires_at: DateTime<Utc>) -> StoreResult<IngestReceipt> {
        let batch = batch.clone();
        let connector = connector.to_string();
        let expires = expires_at.timestamp_micros();
        self.db
            .write(move |tx| {
                let run = batch.run_id.to_string();
                let seen: Option<(i64, i64)> = tx
                    .prepare_cached("SELECT first_seq, count FROM run_batches WHERE run = ?1 AND batch = ?2")
                    .map_err(sql)?
                    .query_row(params![run, batch.batch_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(sql)?;
                if let Some((first_seq, count)) = seen {
                    return Ok(IngestReceipt { first_seq: first_seq as u64, count: count as u64, duplicate: true });
                }
                let next: i64 = tx.prepare_cached("SELECT next FROM run_seq WHERE run = ?1").map_err(sql)?.query_row([&run], |r| r.get(0)).optional().map_err(sql)?.unwrap_or(1);
                let n = batch.items.len() as i64;
                let mut seq = next;
                match &batch.items {
                    IngestItems::Logs(entries) => {
                        let mut stmt = tx
                            .prepare_cached(
                                "INSERT INTO run_log (run, seq, time, level, severity, message, context, connector, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            )
                            .map_err(sql)?;
                        for e in entries {
                            stmt.execute(params![
                                run,
                                seq,
                                e.time.timestamp_micros(),
                                e.level.code(),
                                e.level.severity(),
                                e.message,
                                e.context.to_string(),
                                connector,
                                version
                            ])
                            .map_err(sql)?;
                            seq += 1;
                        }
                    }
                    IngestItems::Stdio(lines) => {
                        let mut stmt = tx.prepare_cached("INSERT INTO run_stdio (run, seq, time, stream, line) VALUES (?1, ?2, ?3, ?4, ?5)").map_err(sql)?;
                        for l in lines {
                            stmt.execute(params![run, seq, l.time.timestamp_micros(), l.stream.as_str(), l.line]).map_err(sql)?;
                            seq += 1;
                        }
                    }
                    IngestItems::Output(rows) => {
                        let mut stmt = tx.prepare_cached("INSERT INTO run_output (run, seq, time, row) VALUES (?1, ?2, ?3, ?4)").map_err(sql)?;
                        for (t, row) in rows {
                            stmt.execute(params![run, seq, t.timestamp_micros(), Value::Object(row.clone()).to_string()]).map_err(sql)?;
                            seq += 1;
                        }
                    }
                }
                tx.prepare_cached(
                    "INSERT INTO run_seq (run, next, expires_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (run) DO UPDATE SET next = excluded.next, expires_at = max(expires_at, excluded.expires_at)",
                )
                .map_err(sql)?
                .execute(params![run, next + n, expires])
                .map_err(sql)?;
                tx.prepare_cached("INSERT INTO run_batches (run, batch, first_seq, count) VALUES (?1, ?2, ?3, ?4)")
                    .map_err(sql)?
                    .execute(params![run, batch.batch_id, next, n])
                    .map_err(sql)?;
                Ok(IngestReceipt { first_seq: next as u64, count: n as u64, duplicate: false })
            })
            .await
    }

    async fn query_logs(&self, q: &LogQuery) -> StoreResult<Page<RunLogEntry>> {
        let (filters, filter_args) = log_filters(q);
        let limit = q.limit as usize;
        let budget = self.search_budget;
        match q.scope.clone() {
            LogScope::Run(run) => {
                let run_text = run.to_string();
                let after = q.after.as_ref().map_or(0, |p| p.seq as i64);
                let rows = self
                    .db
                    .read(move |c| {
                        let last: i64 = c.prepare_cached("SELECT next FROM run_seq WHERE run = ?1").map_err(sql)?.query_row([&run_text], |r| r.get(0)).optional().map_err(sql)?.unwrap_or(1) - 1;
                        let sql_text = format!(
                            "SELECT run, seq, time, level, message, context FROM run_log WHERE run = ? AND seq > ? AND seq <= ?{filters} ORDER BY seq LIMIT ?"
                        );
                        let mut stmt = c.prepare(&sql_text).map_err(sql)?;
                        let started = Instant::now();
                        let mut out = vec![];
                        let mut lo = after;
                        // Windows of seq: each read is bounded, and the budget decides how many.
                        while lo < last && out.len() <= limit {
                            let hi = (lo + SEARCH_WINDOW).min(last);
                            let mut args = vec![SqlValue::Text(run_text.clone()), SqlValue::Integer(lo), SqlValue::Integer(hi)];
                            args.extend(filter_args.iter().cloned());
                            args.push(SqlValue::Integer((limit + 1 - out.len()) as i64));
                            let rows = stmt.query_map(params_from_iter(args), log_entry).map_err(sql)?;
                            for r in rows {
                                out.push(r.map_err(sql)?);
                            }
                            lo = hi;
                            if started.elapsed() > budget && out.len() <= limit && lo < last {
                                return Ok((out, Some(lo)));
                            }
                        }
                        Ok((out, None))
                    })
                    .await?;
                let (rows, stopped_at) = rows;
                let more = rows.len() > limit;
                let items: Vec<RunLogEntry> = rows.into_iter().take(limit).map(to_entry).collect::<StoreResult<_>>()?;
                let next_cursor = if more {
                    items.last().map(|e| encode_cursor(&LogPosition::of(e).key()))
                } else {
                    // Budget spent: continue after the last window read.
                    stopped_at.map(|seq| encode_cursor(&LogPosition { time: DateTime::UNIX_EPOCH, run_id: run, seq: seq as u64 }.key()))
                };
                Ok(Page { items, next_cursor })
            }
            LogScope::Connector { connector, version } => {
                let mut sql_text = String::from("SELECT run, seq, time, level, message, context FROM run_log WHERE connector = ?");
                let mut args = vec![SqlValue::Text(connector.to_string())];
                if let Some(v) = version {
                    sql_text.push_str(" AND version = ?");
                    args.push(SqlValue::Integer(v as i64));
                }
                if let Some(p) = &q.after {
                    sql_text.push_str(" AND (time, run, seq) > (?, ?, ?)");
                    args.extend([
                        SqlValue::Integer(p.time.timestamp_micros()),
                        SqlValue::Text(p.run_id.to_string()),
                        SqlValue::Integer(p.seq as i64),
                    ]);
                }
                sql_text.push_str(&filters);
                args.extend(filter_args);
                sql_text.push_str(" ORDER BY time, run, seq LIMIT ?");
                args.push(SqlValue::Integer(limit as i64 + 1));
                let rows = self
                    .db
                    .read(move |c| {
                        let mut stmt = c.prepare(&sql_text).map_err(sql)?;
                        let rows = stmt.query_map(params_from_iter(args), log_entry).map_err(sql)?;
                        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
                    })
                    .await?;
                let more = rows.len() > limit;
                let items: Vec<RunLogEntry> = rows.into_iter().take(limit).map(to_entry).collect::<StoreResult<_>>()?;
                let next_cursor = if more { items.last().map(|e| encode_cursor(&LogPosition::of(e).key())) } else { None };
                Ok(Page { items, next_cursor })
            }
        }
    }

    async fn count_logs(&self, q: &LogQuery) -> StoreResult<(u64, bool)> {
        let LogScope::Run(run) = q.scope.clone() else { return Ok((0, true)) };
        let (filters, filter_args) = log_filters(q);
        let run = run.to_string();
        let budget = self.count_budget;
        self.db
            .read(move |c| {
                let last: i64 = c
                    .prepare_cached("SELECT next FROM run_seq WHERE run = ?1")
                    .map_err(sql)?
                    .query_row([&run], |r| r.get(0))
                    .optional()
                    .map_err(sql)?
                    .unwrap_or(1)
                    - 1;
                let sql_text = format!("SELECT count(*) FROM run_log WHERE run = ? AND seq > ? AND seq <= ?{filters}");
                let mut stmt = c.prepare(&sql_text).map_err(sql)?;
                let started = Instant::now();
                let (mut lo, mut n) = (0i64, 0u64);
                // The same windows as a search: a very long log is counted as far as the budget goes.
                while lo < last {
                    if started.elapsed() > budget {
                        return Ok((n, false));
                    }
                    let hi = (lo + SEARCH_WINDOW).min(last);
                    let mut args = vec![SqlValue::Text(run.clone()), SqlValue::Integer(lo), SqlValue::Integer(hi)];
                    args.extend(filter_args.iter().cloned());
                    n += stmt.query_row(params_from_iter(args), |r| r.get::<_, i64>(0)).map_err(sql)? as u64;
                    lo = hi;
                }
                Ok((n, true))
            })
            .await
    }

    async fn read_stdio(&self, run: RunId, stream: Option<StdStream>, after: Option<u64>, limit: u32) -> StoreResult<Vec<StdioLine>> {
        let run = run.to_string();
        let after = after.unwrap_or(0) as i64;
        let stream = stream.map(|s| s.as_str().to_string());
        let rows: Vec<(i64, i64, String, String)> = self
            .db
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT seq, time, stream, line FROM run_stdio WHERE run = ?1 AND seq > ?2 AND (?3 IS NULL OR stream = ?3) ORDER BY seq LIMIT ?4")
                    .map_err(sql)?;
                let rows = stmt.query_map(params![run, after, stream, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, time, stream, line)| StdioLine {
                seq: seq as u64,
                time: DateTime::from_timestamp_micros(time).unwrap_or_default(),
                stream: StdStream::parse(&stream).unwrap_or(StdStream::Stdout),
                line,
            })
            .collect())
    }

    async fn read_output(&self, run: RunId, after: Option<u64>, limit: u32) -> StoreResult<Vec<OutputRow>> {
        let run = run.to_string();
        let after = after.unwrap_or(0) as i64;
        let rows: Vec<(i64, i64, String)> = self
            .db
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT seq, time, row FROM run_output WHERE run = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3").map_err(sql)?;
                let rows = stmt.query_map(params![run, after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)
            })
            .await?;
        rows.into_iter()
            .map(|(seq, time, row)| {
                Ok(OutputRow { seq: seq as u64, time: DateTime::from_timestamp_micros(time).unwrap_or_default(), row: from_json(&row)? })
            })
            .collect()
    }

    async fn put_input(&self, run: RunId, rows: &[Map<String, Value>]) -> StoreResult<()> {
        let run = run.to_string();
        let rows: Vec<String> = rows.iter().map(|r| Value::Object(r.clone()).to_string()).collect();
        self.db
            .write(move |tx| {
                let mut stmt = tx.prepare_cached("INSERT OR REPLACE INTO run_input (run, idx, row) VALUES (?1, ?2, ?3)").map_err(sql)?;
                for (i, row) in rows.iter().enumerate() {
                    stmt.execute(params![run, i as i64, row]).map_err(sql)?;
                }
                Ok(())
            })
            .await
    }

    async fn read_input(&self, run: RunId, offset: u64, limit: u32) -> StoreResult<Vec<Map<String, Value>>> {
        let run = run.to_string();
        let rows: Vec<String> = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT row FROM run_input WHERE run = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3").map_err(sql)?;
                let rows = stmt.query_map(params![run, offset as i64, limit as i64], |r| r.get(0)).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)
            })
            .await?;
        rows.iter().map(|r| from_json(r)).collect()
    }

    async fn delete_run_data(&self, run: RunId) -> StoreResult<()> {
        let run = run.to_string();
        self.db.write(move |tx| delete_data(tx, &run)).await
    }
}

/// Launches handed to the local host's launcher task through a channel; ingestion inline.
/// Durability does not depend on the channel: a queued run's record is in the database,
/// and the reconciler sends launches again for runs still waiting after a restart.
pub struct LocalRunQueue {
    sender: mpsc::UnboundedSender<RunId>,
    receiver: std::sync::Mutex<Option<mpsc::UnboundedReceiver<RunId>>>,
}

impl std::fmt::Debug for LocalRunQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalRunQueue")
    }
}

impl Default for LocalRunQueue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self { sender, receiver: std::sync::Mutex::new(Some(receiver)) }
    }
}

impl LocalRunQueue {
    /// The launches, for the one task that starts runs (`None` once taken).
    pub fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<RunId>> {
        self.receiver.lock().expect("run queue").take()
    }
}

#[async_trait]
impl RunQueue for LocalRunQueue {
    async fn send_launch(&self, run: RunId) -> StoreResult<()> {
        // Nobody listening (a process that serves no runs): the reconciler of the host that
        // does will find the queued run.
        let _ = self.sender.send(run);
        Ok(())
    }

    async fn send_ingest(&self, _batch: &IngestBatch) -> StoreResult<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_from_before_claim_expiry_is_migrated_and_keeps_its_claims() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The table as an earlier release created it, with one claim.
            let conn = rusqlite::Connection::open(dir.path().join("devportal.db")).unwrap();
            conn.execute_batch(
                "CREATE TABLE run_keys (org TEXT NOT NULL, key TEXT NOT NULL, run TEXT NOT NULL, PRIMARY KEY (org, key)) WITHOUT ROWID;",
            )
            .unwrap();
            let (org, run) = (OrgId::new(), RunId::new());
            conn.execute("INSERT INTO run_keys (org, key, run) VALUES (?1, 'k', ?2)", params![org.to_string(), run.to_string()]).unwrap();
            std::fs::write(dir.path().join("ids"), format!("{org} {run}")).unwrap();
        }
        let db = Db::open(dir.path()).unwrap();
        let ids = std::fs::read_to_string(dir.path().join("ids")).unwrap();
        let (org, run) = ids.split_once(' ').unwrap();
        let store = SqliteRunStore::new(db.clone());
        let found = store.run_for_idempotency_key(org.parse().unwrap(), "k", Utc::now()).await.unwrap();
        assert_eq!(found, Some(run.parse().unwrap()), "a claim without expiry never expires");
        // Opening again (the column exists now) is a no-op.
        drop(store);
        drop(db);
        Db::open(dir.path()).unwrap();
    }
}
