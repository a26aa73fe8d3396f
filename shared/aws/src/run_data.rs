//! `RunDataStore` on the single DynamoDB table (`docs/ARCHITECTURE.md`, "Runs on AWS"): what
//! runs said and wrote, numbered per run, with a retention time.
//!
//! - Log entries: `RUNLOG#<run>`/`<seq, 12 digits>` — one run's entries are one key-range
//!   query in seq order. Entries of warning and worse (severity ≤ 4) also carry GSI1
//!   `RUNLOGW#<run>`/`<seq>`, a sparse index, so a threshold query of 4 or lower reads no
//!   info lines. Every entry carries GSI2 `CONNLOG#<connector>#<UTC day>`/`<µs>#<run>#<seq>`,
//!   so the connector-wide view queries one partition per day, never the table.
//! - Raw stdout / stderr `RUNSTDIO#<run>`/`<seq>`, output rows `RUNOUT#<run>`/`<seq>`, test
//!   input `RUNIN#<run>`/`<index>`.
//! - Ingestion is idempotent per `batch_id`: a marker `RUNDATA#<run>`/`BATCH#<batch id>`
//!   holds the batch's `first_seq`. The first delivery reserves seqs with `ADD` on the
//!   counter `RUNDATA#<run>`/`COUNTER` (one sequence per run for entries, stdio lines and
//!   output rows, as in the embedded store), claims the marker (`attribute_not_exists`), writes the items with
//!   `BatchWriteItem` (25 per call, unprocessed items retried) and marks the batch complete.
//!   A redelivery finds the marker: complete → stored once already (`duplicate`); not
//!   complete (the first delivery died half-way) → it rewrites the same seqs, so nothing is
//!   stored twice. Two deliveries racing both reserve seqs; the loser of the marker uses the
//!   winner's, and its reservation leaves a gap in the numbering (never a duplicate).
//! - Every item carries `expires_at` (TTL); TTL deletes up to days late, so every read
//!   filters `expires_at > now`.
//! - A text search over a long log reads at most a budget of pages per call
//!   ([`DEFAULT_SEARCH_PAGES`] of up to [`SEARCH_PAGE_ITEMS`] items or 1 MB each) and answers what it found with the cursor of
//!   the last entry it examined. The cursor is a position (`LogPosition`: time, run, seq), not
//!   DynamoDB's `LastEvaluatedKey`, so it is valid whatever index the next query uses.

use crate::items::{self, body_of, query_keys, query_page, BatchWrite, IndexKey, PageRequest};
use crate::store::DynamoItem;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use devportal_domain::ids::{ConnectorId, RunId};
use devportal_domain::page::{encode_cursor, Page};
use devportal_domain::ports::{RunDataStore, StoreError, StoreResult};
use devportal_domain::run::{IngestBatch, IngestItems, IngestReceipt, LogPosition, LogQuery, LogScope, OutputRow, RunLogEntry, StdStream, StdioLine};
use devportal_table::Item;
use devportal_table::{attr, keys};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Pages (of up to 1 MB each) one log query reads at most before answering with a cursor.
pub const DEFAULT_SEARCH_PAGES: u32 = 8;
/// Items one page of a log query reads at most (before the filters).
pub const SEARCH_PAGE_ITEMS: i32 = 1000;
/// Pages the whole-log match count reads at most (then it answers a lower bound).
pub const COUNT_PAGES: u32 = 20;
/// How far back the connector-wide view looks when the query names no start (the default
/// retention is 30 days; one more for entries written near midnight).
pub const DEFAULT_LOOKBACK_DAYS: i64 = 31;
/// Retention of test input rows (`put_input` is given no expiry).
pub const DEFAULT_INPUT_RETENTION_DAYS: i64 = 30;

/// Run data on the table of a [`crate::DynamoStore`]. Clones share the client.
#[derive(Clone, Debug)]
pub struct DynamoRunDataStore {
    client: Client,
    table: String,
    search_pages: u32,
    lookback_days: i64,
}

impl DynamoRunDataStore {
    /// Run data on `table` (create it with [`crate::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), search_pages: DEFAULT_SEARCH_PAGES, lookback_days: DEFAULT_LOOKBACK_DAYS }
    }

    /// At most `pages` pages read per log query (at least one).
    pub fn with_search_pages(mut self, pages: u32) -> Self {
        self.search_pages = pages.max(1);
        self
    }
}

/// A stored log entry: the entry and the version that wrote it (the connector view's filter).
#[derive(Serialize, Deserialize)]
struct StoredLog {
    entry: RunLogEntry,
    version: u32,
}

/// The marker of an ingested batch.
#[derive(Serialize, Deserialize)]
struct BatchMarker {
    first_seq: u64,
    count: u64,
    complete: bool,
}

fn day_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn now_secs() -> i64 {
    Utc::now().timestamp()
}

/// Every item of one run's data, by key (the purge of a run; idempotent).
pub(crate) async fn delete_run_items(client: &Client, table: &str, run: RunId) -> StoreResult<()> {
    let mut doomed = vec![];
    for pk in [keys::run_logs(run), keys::run_stdio(run), keys::run_output(run), keys::run_input(run), keys::run_data(run)] {
        doomed.extend(query_keys(client, table, IndexKey::table(&pk)).await?);
    }
    items::batch_write(client, table, doomed.into_iter().map(|(pk, sk)| BatchWrite::Delete { pk, sk }).collect()).await
}

/// Where a walk over log entries stopped.
enum Walk {
    /// Every entry of the scope was examined.
    End,
    /// The caller had enough.
    Enough,
    /// The read budget ran out; more may follow after this position.
    Budget(Option<LogPosition>),
}

impl DynamoRunDataStore {
    async fn get<T: serde::de::DeserializeOwned>(&self, pk: &str, sk: &str) -> StoreResult<Option<T>> {
        items::get(&self.client, &self.table, pk, sk).await
    }

    async fn put(&self, item: Item, what: &str) -> StoreResult<()> {
        item.check_size(what)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.into_attrs()))
            .send()
            .await
            .map_err(|e| crate::error::unavailable("PutItem", e))?;
        Ok(())
    }

    /// Reserves `n` seqs for `run`; answers the first.
    async fn reserve(&self, run: RunId, n: u64, expires_at: DateTime<Utc>) -> StoreResult<u64> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::run_data(run), keys::SEQ_COUNTER)))
            .update_expression("ADD #last :n SET #exp = :exp")
            .expression_attribute_names("#last", "last_seq")
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
            .expression_attribute_values(":exp", AttributeValue::N(expires_at.timestamp().to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| crate::error::unavailable("UpdateItem", e))?;
        let last = match out.attributes().and_then(|a| a.get("last_seq")) {
            Some(AttributeValue::N(v)) => v.parse::<u64>().map_err(|_| crate::error::fatal("malformed seq counter"))?,
            _ => return Err(crate::error::fatal("UpdateItem answered no seq counter")),
        };
        Ok(last + 1 - n)
    }

    /// The items of a batch, numbered from `first`.
    fn batch_items(
        &self,
        connector: ConnectorId,
        version: u32,
        batch: &IngestBatch,
        first: u64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<Vec<BatchWrite>> {
        let run = batch.run_id;
        let mut out = Vec::with_capacity(batch.items.len());
        match &batch.items {
            IngestItems::Logs(entries) => {
                for (i, e) in entries.iter().enumerate() {
                    let seq = first + i as u64;
                    let entry =
                        RunLogEntry { seq, time: e.time, level: e.level, message: e.message.clone(), context: e.context.clone(), run_id: run };
                    let mut item = Item::new(keys::run_logs(run), keys::seq_key(seq), &StoredLog { entry, version })?
                        .gsi2(keys::connector_logs(connector, &day_of(e.time)), keys::connector_log_sort(e.time.timestamp_micros(), run, seq))
                        .expires_at(expires_at);
                    if e.level.severity() <= keys::WARNING_SEVERITY {
                        item = item.gsi1(keys::run_warnings(run), keys::seq_key(seq));
                    }
                    item.check_size("log entry")?;
                    out.push(BatchWrite::Put(item.into_attrs()));
                }
            }
            IngestItems::Stdio(lines) => {
                for (i, l) in lines.iter().enumerate() {
                    let seq = first + i as u64;
                    let line = StdioLine { seq, time: l.time, stream: l.stream, line: l.line.clone() };
                    let item = Item::new(keys::run_stdio(run), keys::seq_key(seq), &line)?.expires_at(expires_at);
                    item.check_size("output line")?;
                    out.push(BatchWrite::Put(item.into_attrs()));
                }
            }
            IngestItems::Output(rows) => {
                for (i, (time, row)) in rows.iter().enumerate() {
                    let seq = first + i as u64;
                    let row = OutputRow { seq, time: *time, row: row.clone() };
                    let item = Item::new(keys::run_output(run), keys::seq_key(seq), &row)?.expires_at(expires_at);
                    item.check_size("output row")?;
                    out.push(BatchWrite::Put(item.into_attrs()));
                }
            }
        }
        Ok(out)
    }

    /// Walks the entries of `query`'s scope in order from its cursor, handing each to `visit`
    /// (which answers whether it wants more), within `budget` pages when given.
    async fn walk_logs(&self, query: &LogQuery, budget: Option<u32>, mut visit: impl FnMut(&RunLogEntry) -> bool) -> StoreResult<Walk> {
        let now = now_secs();
        let mut pages = 0u32;
        let searching = query.text.is_some();
        // `Limit` counts items read before the filters: large pages for a text search (DynamoDB
        // still ends a page at 1 MB).
        let limit = Some(if searching { SEARCH_PAGE_ITEMS } else { (query.limit as i32 + 1).clamp(100, SEARCH_PAGE_ITEMS) });
        let mut last: Option<LogPosition> = None;
        match &query.scope {
            LogScope::Run(run) => {
                let warnings = query.max_severity.is_some_and(|m| m <= keys::WARNING_SEVERITY);
                let (pk, index) = if warnings { (keys::run_warnings(*run), true) } else { (keys::run_logs(*run), false) };
                let after = query.after.as_ref().map(|p| keys::seq_key(p.seq));
                let mut start = None;
                loop {
                    if budget.is_some_and(|b| pages >= b) {
                        return Ok(Walk::Budget(last));
                    }
                    let key = if index { IndexKey::gsi1(&pk) } else { IndexKey::table(&pk) };
                    let key = match &after {
                        Some(a) => key.sort_above(a),
                        None => key,
                    };
                    let (page, next) =
                        query_page(&self.client, &self.table, &key, PageRequest { limit, start, unexpired_at: Some(now), ..Default::default() })
                            .await?;
                    // The budget counts pages that read something (an empty day costs a request, not reads).
                    if !page.is_empty() {
                        pages += 1;
                    }
                    for item in &page {
                        let stored: StoredLog = body_of(item)?;
                        last = Some(LogPosition::of(&stored.entry));
                        if query.matches(&stored.entry) && !visit(&stored.entry) {
                            return Ok(Walk::Enough);
                        }
                    }
                    match next {
                        Some(k) => start = Some(k),
                        None => return Ok(Walk::End),
                    }
                }
            }
            LogScope::Connector { connector, version } => {
                let now_t = Utc::now();
                let mut from = query.from.unwrap_or(now_t - Duration::days(self.lookback_days));
                if let Some(after) = &query.after {
                    from = from.max(after.time);
                }
                // Entries may carry times a little ahead of this clock.
                let to = query.to.unwrap_or(now_t + Duration::days(1));
                let mut day: NaiveDate = from.date_naive();
                while day <= to.date_naive() {
                    let pk = keys::connector_logs(*connector, &day.format("%Y-%m-%d").to_string());
                    let after = query
                        .after
                        .as_ref()
                        .filter(|a| a.time.date_naive() == day)
                        .map(|a| keys::connector_log_sort(a.time.timestamp_micros(), a.run_id, a.seq));
                    let mut start = None;
                    loop {
                        if budget.is_some_and(|b| pages >= b) {
                            return Ok(Walk::Budget(last));
                        }
                        let key = match &after {
                            Some(a) => IndexKey::gsi2(&pk).sort_above(a),
                            None => IndexKey::gsi2(&pk),
                        };
                        let (page, next) =
                            query_page(&self.client, &self.table, &key, PageRequest { limit, start, unexpired_at: Some(now), ..Default::default() })
                                .await?;
                        // The budget counts pages that read something (an empty day costs a request, not reads).
                        if !page.is_empty() {
                            pages += 1;
                        }
                        for item in &page {
                            let stored: StoredLog = body_of(item)?;
                            last = Some(LogPosition::of(&stored.entry));
                            if version.is_none_or(|v| v == stored.version) && query.matches(&stored.entry) && !visit(&stored.entry) {
                                return Ok(Walk::Enough);
                            }
                        }
                        match next {
                            Some(k) => start = Some(k),
                            None => break,
                        }
                    }
                    // The whole day was read: a cursor from here starts after it.
                    let end = day.and_hms_micro_opt(23, 59, 59, 999_999).map(|t| t.and_utc());
                    if let Some(end) = end {
                        last = Some(LogPosition { time: end, run_id: RunId(uuid::Uuid::max()), seq: u64::MAX });
                    }
                    day = match day.succ_opt() {
                        Some(d) => d,
                        None => break,
                    };
                }
                Ok(Walk::End)
            }
        }
    }

    /// Items of one run partition with `seq > after`, in seq order, that `keep` keeps, at
    /// most `limit`.
    async fn read_seq<T: serde::de::DeserializeOwned>(
        &self,
        pk: &str,
        after: Option<u64>,
        limit: u32,
        keep: impl Fn(&T) -> bool,
    ) -> StoreResult<Vec<T>> {
        let now = now_secs();
        let after = after.map(keys::seq_key);
        let mut out = vec![];
        let mut start = None;
        if limit == 0 {
            return Ok(out);
        }
        loop {
            let key = match &after {
                Some(a) => IndexKey::table(pk).sort_above(a),
                None => IndexKey::table(pk),
            };
            let req = PageRequest { limit: Some((limit as i32).clamp(1, 1000)), start, unexpired_at: Some(now), ..Default::default() };
            let (page, next) = query_page(&self.client, &self.table, &key, req).await?;
            for item in &page {
                let value: T = body_of(item)?;
                if keep(&value) {
                    out.push(value);
                    if out.len() >= limit as usize {
                        return Ok(out);
                    }
                }
            }
            match next {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl RunDataStore for DynamoRunDataStore {
    async fn ingest(&self, connector: ConnectorId, version: u32, batch: &IngestBatch, expires_at: DateTime<Utc>) -> StoreResult<IngestReceipt> {
        let run = batch.run_id;
        let count = batch.items.len() as u64;
        let expires = expires_at;
        let (pk, sk) = (keys::run_data(run), keys::ingest_batch(&batch.batch_id));
        let marker: Option<BatchMarker> = self.get(&pk, &sk).await?;
        let first_seq = match marker {
            Some(m) if m.complete => return Ok(IngestReceipt { first_seq: m.first_seq, count: m.count, duplicate: true }),
            // A delivery died half-way: write the same seqs again.
            Some(m) => m.first_seq,
            None => {
                let first = self.reserve(run, count.max(1), expires).await?;
                let claim = Item::new(pk.clone(), sk.clone(), &BatchMarker { first_seq: first, count, complete: false })?.expires_at(expires);
                if items::put_if_absent(&self.client, &self.table, claim.into_attrs()).await? {
                    first
                } else {
                    // Another delivery claimed it a moment ago: its numbering wins.
                    match self.get::<BatchMarker>(&pk, &sk).await? {
                        Some(m) if m.complete => return Ok(IngestReceipt { first_seq: m.first_seq, count: m.count, duplicate: true }),
                        Some(m) => m.first_seq,
                        None => return Err(StoreError::Unavailable { message: "the batch marker vanished while ingesting".into(), retryable: true }),
                    }
                }
            }
        };
        let writes = self.batch_items(connector, version, batch, first_seq, expires)?;
        items::batch_write(&self.client, &self.table, writes).await?;
        self.put(Item::new(pk, sk, &BatchMarker { first_seq, count, complete: true })?.expires_at(expires), "batch marker").await?;
        Ok(IngestReceipt { first_seq, count, duplicate: false })
    }

    async fn query_logs(&self, query: &LogQuery) -> StoreResult<Page<RunLogEntry>> {
        let limit = query.limit as usize;
        let mut found: Vec<RunLogEntry> = vec![];
        let walk = self
            .walk_logs(query, Some(self.search_pages), |e| {
                found.push(e.clone());
                found.len() <= limit
            })
            .await?;
        let next_cursor = match walk {
            Walk::End => None,
            Walk::Enough => {
                found.truncate(limit);
                found.last().map(|e| encode_cursor(&LogPosition::of(e).key()))
            }
            // Out of budget: the last entry examined (maybe not a match) is where to go on.
            Walk::Budget(last) => last.map(|p| encode_cursor(&p.key())),
        };
        Ok(Page { items: found, next_cursor })
    }

    async fn count_logs(&self, query: &LogQuery) -> StoreResult<(u64, bool)> {
        let mut n = 0u64;
        // Within the search's page budget: a very long log answers a lower bound.
        let walk = self
            .walk_logs(query, Some(COUNT_PAGES), |_| {
                n += 1;
                true
            })
            .await?;
        Ok((n, !matches!(walk, Walk::Budget(_))))
    }

    async fn read_stdio(&self, run: RunId, stream: Option<StdStream>, after: Option<u64>, limit: u32) -> StoreResult<Vec<StdioLine>> {
        self.read_seq(&keys::run_stdio(run), after, limit, |l: &StdioLine| stream.is_none_or(|s| s == l.stream)).await
    }

    async fn read_output(&self, run: RunId, after: Option<u64>, limit: u32) -> StoreResult<Vec<OutputRow>> {
        self.read_seq(&keys::run_output(run), after, limit, |_: &OutputRow| true).await
    }

    async fn put_input(&self, run: RunId, rows: &[Map<String, Value>]) -> StoreResult<()> {
        let expires = Utc::now() + Duration::days(DEFAULT_INPUT_RETENTION_DAYS);
        let mut writes = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let item = Item::new(keys::run_input(run), keys::seq_key(i as u64), row)?.expires_at(expires);
            item.check_size("input row")?;
            writes.push(BatchWrite::Put(item.into_attrs()));
        }
        items::batch_write(&self.client, &self.table, writes).await
    }

    async fn read_input(&self, run: RunId, offset: u64, limit: u32) -> StoreResult<Vec<Map<String, Value>>> {
        let after = offset.checked_sub(1);
        self.read_seq(&keys::run_input(run), after, limit, |_: &Map<String, Value>| true).await
    }

    async fn delete_run_data(&self, run: RunId) -> StoreResult<()> {
        delete_run_items(&self.client, &self.table, run).await
    }
}
