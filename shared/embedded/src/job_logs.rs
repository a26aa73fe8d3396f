//! `JobLogStore` in the embedded database: numbered lines per job, readable while the job
//! still writes them.

use crate::db::{sql, Db};
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use devportal_domain::pipeline::{JobId, LogLine, LogStream};
use devportal_domain::ports::{JobLogStore, StoreResult};
use rusqlite::params;

#[derive(Clone)]
pub struct SqliteJobLogs {
    db: Db,
}

impl SqliteJobLogs {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn stream_name(s: LogStream) -> &'static str {
    match s {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
        LogStream::System => "system",
    }
}

fn parse_stream(s: &str) -> LogStream {
    match s {
        "stdout" => LogStream::Stdout,
        "stderr" => LogStream::Stderr,
        _ => LogStream::System,
    }
}

/// Longest line kept; longer ones are cut (a log is for reading, not for bulk data).
const MAX_LINE: usize = 8 * 1024;

fn cut(text: &str) -> String {
    let mut text = text.to_string();
    if text.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[async_trait]
impl JobLogStore for SqliteJobLogs {
    async fn append(&self, job: JobId, stream: LogStream, text: &str) -> StoreResult<()> {
        self.append_batch(job, &[(stream, text.to_string())]).await
    }

    /// One transaction (one fsync) for the whole batch.
    async fn append_batch(&self, job: JobId, lines: &[(LogStream, String)]) -> StoreResult<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let lines: Vec<(&'static str, String)> = lines.iter().map(|(s, t)| (stream_name(*s), cut(t))).collect();
        let job = job.to_string();
        self.db
            .write(move |tx| {
                let at = Utc::now().timestamp_millis();
                let mut stmt = tx
                    .prepare_cached(
                        "INSERT INTO job_log (job, seq, at, stream, text)
                         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_log WHERE job = ?1), ?2, ?3, ?4)",
                    )
                    .map_err(sql)?;
                for (stream, text) in &lines {
                    stmt.execute(params![job, at, stream, text]).map_err(sql)?;
                }
                Ok(())
            })
            .await
    }

    async fn delete(&self, job: JobId) -> StoreResult<()> {
        let job = job.to_string();
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM job_log WHERE job = ?1", params![job]).map_err(sql)?;
                Ok(())
            })
            .await
    }

    async fn read(&self, job: JobId, after: Option<u64>, limit: usize) -> StoreResult<Vec<LogLine>> {
        let job = job.to_string();
        self.db
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT seq, at, stream, text FROM job_log WHERE job = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3").map_err(sql)?;
                let rows = stmt
                    .query_map(params![job, after.unwrap_or(0) as i64, limit as i64], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                    })
                    .map_err(sql)?;
                rows.map(|r| {
                    r.map_err(sql).map(|(seq, at, stream, text)| LogLine {
                        seq: seq as u64,
                        at: Utc.timestamp_millis_opt(at).single().unwrap_or_else(Utc::now),
                        stream: parse_stream(&stream),
                        text,
                    })
                })
                .collect()
            })
            .await
    }
}
