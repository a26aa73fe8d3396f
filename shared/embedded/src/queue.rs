//! `JobQueue` in the embedded database: one durable queue per stage with SQS semantics —
//! a received message is invisible for the visibility timeout and comes back unless
//! acknowledged; attempts are counted; dead letters stay listed. Survives restarts because
//! it is the same crash-safe SQLite file as everything else.

use crate::db::{from_json, sql, to_json, Db};
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use devportal_domain::pipeline::{Stage, StageMessage};
use devportal_domain::ports::{DeadLetter, Delivery, JobQueue, StoreError, StoreResult};
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct SqliteQueue {
    db: Db,
    /// Wakes receivers of this process when a message is sent (long polling, as SQS's
    /// `WaitTimeSeconds`); receivers in other processes find it at their next poll.
    sent: Arc<Notify>,
}

impl SqliteQueue {
    pub fn new(db: Db) -> Self {
        Self { db, sent: Arc::new(Notify::new()) }
    }
}

/// How long `receive` waits for a message when the queue is empty.
pub const LONG_POLL: Duration = Duration::from_secs(1);

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn split_receipt(receipt: &str) -> StoreResult<(String, String)> {
    receipt.split_once(':').map(|(a, b)| (a.to_string(), b.to_string())).ok_or_else(|| StoreError::NotFound { what: "queue receipt".into() })
}

impl SqliteQueue {
    async fn receive_now(&self, stage: Stage, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        let stage = stage.as_str();
        self.db
            .write(move |tx| {
                let now = now_ms();
                let rows: Vec<(String, String, u32)> = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT id, body, attempts FROM queue WHERE stage = ?1 AND dead = 0 AND visible_at <= ?2
                             ORDER BY visible_at, id LIMIT ?3",
                        )
                        .map_err(sql)?;
                    let mapped = stmt.query_map(params![stage, now, max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(sql)?;
                    mapped.collect::<Result<_, _>>().map_err(sql)?
                };
                let mut out = Vec::with_capacity(rows.len());
                for (id, body, attempts) in rows {
                    let receipt = uuid::Uuid::new_v4().to_string();
                    tx.prepare_cached("UPDATE queue SET attempts = attempts + 1, visible_at = ?2, receipt = ?3 WHERE id = ?1")
                        .map_err(sql)?
                        .execute(params![id, now + visibility.as_millis() as i64, receipt])
                        .map_err(sql)?;
                    out.push(Delivery { receipt: format!("{id}:{receipt}"), message: from_json(&body)?, attempt: attempts + 1 });
                }
                Ok(out)
            })
            .await
    }
}

#[async_trait]
impl JobQueue for SqliteQueue {
    async fn send(&self, message: &StageMessage) -> StoreResult<()> {
        let body = to_json(message)?;
        let id = uuid::Uuid::now_v7().to_string();
        let stage = message.stage.as_str();
        self.db
            .write(move |tx| {
                tx.prepare_cached("INSERT INTO queue (id, stage, body, visible_at) VALUES (?1, ?2, ?3, ?4)")
                    .map_err(sql)?
                    .execute(params![id, stage, body, now_ms()])
                    .map_err(sql)?;
                Ok(())
            })
            .await?;
        self.sent.notify_waiters();
        Ok(())
    }

    async fn receive(&self, stage: Stage, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        // Register interest before looking, so a message sent in between is not missed.
        let notified = self.sent.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let first = self.receive_now(stage, max, visibility).await?;
        if !first.is_empty() {
            return Ok(first);
        }
        let _ = tokio::time::timeout(LONG_POLL, notified).await;
        self.receive_now(stage, max, visibility).await
    }

    async fn ack(&self, delivery: &Delivery) -> StoreResult<()> {
        let (id, receipt) = split_receipt(&delivery.receipt)?;
        self.db
            .write(move |tx| {
                // A stale receipt (the message was delivered again meanwhile) deletes nothing.
                tx.prepare_cached("DELETE FROM queue WHERE id = ?1 AND receipt = ?2").map_err(sql)?.execute(params![id, receipt]).map_err(sql)?;
                Ok(())
            })
            .await
    }

    async fn retry_later(&self, delivery: &Delivery, delay: Duration, error: &str) -> StoreResult<()> {
        let (id, receipt) = split_receipt(&delivery.receipt)?;
        let error = error.to_string();
        self.db
            .write(move |tx| {
                tx.prepare_cached("UPDATE queue SET visible_at = ?3, error = ?4 WHERE id = ?1 AND receipt = ?2")
                    .map_err(sql)?
                    .execute(params![id, receipt, now_ms() + delay.as_millis() as i64, error])
                    .map_err(sql)?;
                Ok(())
            })
            .await
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> StoreResult<()> {
        let (id, receipt) = split_receipt(&delivery.receipt)?;
        let error = error.to_string();
        self.db
            .write(move |tx| {
                tx.prepare_cached("UPDATE queue SET dead = 1, error = ?3, dead_at = ?4 WHERE id = ?1 AND receipt = ?2")
                    .map_err(sql)?
                    .execute(params![id, receipt, error, now_ms()])
                    .map_err(sql)?;
                Ok(())
            })
            .await
    }

    async fn dead_letters(&self) -> StoreResult<Vec<DeadLetter>> {
        self.db
            .read(|c| {
                let mut stmt = c
                    .prepare_cached("SELECT id, stage, body, attempts, COALESCE(error, ''), dead_at FROM queue WHERE dead = 1 ORDER BY dead_at")
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, u32>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    })
                    .map_err(sql)?;
                let mut out = vec![];
                for row in rows {
                    let (id, _stage, body, attempts, error, dead_at) = row.map_err(sql)?;
                    let m: StageMessage = from_json(&body)?;
                    out.push(DeadLetter {
                        message_id: id,
                        stage: m.stage,
                        job_id: m.job_id,
                        connector_id: m.connector_id,
                        version: m.version,
                        attempts,
                        error,
                        dead_at: Utc.timestamp_millis_opt(dead_at).single().unwrap_or_else(Utc::now),
                    });
                }
                Ok(out)
            })
            .await
    }
}

impl SqliteQueue {
    /// Makes every message visible again. The local host calls this at start: a message
    /// received by a worker of a process that died is not being handled by anyone.
    pub async fn release_leases(&self) -> StoreResult<u64> {
        self.db
            .write(|tx| {
                let n = tx
                    .execute("UPDATE queue SET visible_at = ?1 WHERE dead = 0 AND receipt IS NOT NULL AND visible_at > ?1", params![now_ms()])
                    .map_err(sql)?;
                Ok(n as u64)
            })
            .await
    }
}

/// Counts queued (not dead) messages of a stage; used by tests and the status page.
pub async fn pending_count(db: &Db, stage: Stage) -> StoreResult<u64> {
    let stage = stage.as_str();
    db.read(move |c| {
        c.query_row("SELECT COUNT(*) FROM queue WHERE stage = ?1 AND dead = 0", params![stage], |r| r.get::<_, i64>(0))
            .optional()
            .map(|n| n.unwrap_or(0) as u64)
            .map_err(sql)
    })
    .await
}
