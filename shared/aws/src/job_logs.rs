//! `JobLogStore` on Amazon S3: one object per appended batch of lines, keyed by the job and
//! the number of the batch's first line, so that a read with a cursor is one listing from
//! about that number on.
//!
//! - Key: `job-logs/<job id>/<first seq, 20 digits>.json`; the object is a JSON array of
//!   `LogLine`s (`seq`, `at`, `stream`, `text`) numbered on from the key, at most
//!   [`MAX_BATCH_LINES`] of them (objects written before batching hold one `LogLine`, and are
//!   read alike). Zero-padding makes S3's key order the line order, so `read(after, limit)`
//!   lists from `after + 1 - MAX_BATCH_LINES` on (the object holding line `after + 1` starts
//!   there at the earliest), keeps the last object starting at or before `after` and those
//!   after it, and gets them in order (up to [`READ_CONCURRENCY`] at a time) until `limit`
//!   lines are found.
//! - S3 cannot append to an object, hence an object per batch: the app's job log writer hands
//!   over up to a few hundred lines at a time (docs/ARCHITECTURE.md, "Job logs"), so a
//!   50,000-line build is about a hundred `PUT`s, not 50,000. Numbers come from a counter per
//!   job kept in memory, started from the job's last object (a listing and one `GET`) the first
//!   time this process appends to the job; every `PutObject` is conditional
//!   (`If-None-Match: *`), so two writers of the same job (a re-delivered job on another
//!   worker) never overwrite each other: the loser (412/409) reads the last object from its
//!   number on and takes the next free number. Lines are never lost or renumbered; the numbers
//!   have no gaps.
//! - Lines longer than 8 KiB are cut, with `…`, as in the embedded store.
//! - `delete` lists the job's objects and removes them with `DeleteObjects` (1,000 a call).
//!
//! The client must address buckets by path with moto and other local endpoints
//! (`force_path_style(true)` in the S3 client configuration).

use crate::error::{fatal, unavailable};
use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use aws_sdk_s3::Client;
use chrono::Utc;
use devportal_domain::pipeline::{JobId, LogLine, LogStream};
use devportal_domain::ports::{JobLogStore, StoreError, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Longest line kept; longer ones are cut (same limit as the embedded store).
const MAX_LINE: usize = 8 * 1024;
/// `GetObject` requests in flight for one read.
pub const READ_CONCURRENCY: usize = 16;
/// Lines in one object at most (readers rely on it to find where a cursor's line lives).
pub const MAX_BATCH_LINES: u64 = 1000;
/// Tries to find a free line number when other writers keep taking them.
const MAX_APPEND_TRIES: usize = 20;
/// Jobs whose next line number is remembered (a long-running worker forgets old jobs).
const MAX_REMEMBERED_JOBS: usize = 1024;

/// The job logs in one bucket. Clones share the client and the line counters.
#[derive(Clone, Debug)]
pub struct S3JobLogs {
    client: Client,
    bucket: String,
    next: Arc<Mutex<HashMap<JobId, u64>>>,
}

/// Where a job's lines live.
pub fn job_prefix(job: JobId) -> String {
    format!("job-logs/{job}/")
}

/// The object of one line.
pub fn line_key(job: JobId, seq: u64) -> String {
    format!("job-logs/{job}/{seq:020}.json")
}

/// The line number of a key of [`line_key`]'s shape.
fn seq_of(key: &str) -> Option<u64> {
    key.rsplit('/').next()?.strip_suffix(".json")?.parse().ok()
}

fn cut(text: &str) -> String {
    if text.len() <= MAX_LINE {
        return text.to_string();
    }
    let mut end = MAX_LINE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text[..end].to_string();
    out.push('…');
    out
}

impl S3JobLogs {
    /// Writes `chunk` (at most [`MAX_BATCH_LINES`] lines) as one object at the next free number.
    async fn put_batch(&self, job: JobId, chunk: &[(LogStream, String)]) -> StoreResult<()> {
        let mut seq = match self.remembered(job) {
            Some(next) => next,
            None => self.next_free(job, 1).await?,
        };
        for _ in 0..MAX_APPEND_TRIES {
            let at = Utc::now();
            let batch: Vec<LogLine> =
                chunk.iter().enumerate().map(|(i, (stream, text))| LogLine { seq: seq + i as u64, at, stream: *stream, text: cut(text) }).collect();
            let body = serde_json::to_vec(&batch).map_err(|e| fatal(format!("cannot encode log lines: {e}")))?;
            let res = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(line_key(job, seq))
                .content_type("application/json")
                .if_none_match("*")
                .body(ByteStream::from(body))
                .send()
                .await;
            match res {
                Ok(_) => {
                    self.remember(job, seq + chunk.len() as u64);
                    return Ok(());
                }
                // The number is taken (412), or being taken right now (409): find the next free one.
                Err(e) if e.raw_response().is_some_and(|r| matches!(r.status().as_u16(), 409 | 412)) => {
                    seq = self.next_free(job, seq).await?;
                }
                Err(e) => return Err(unavailable("PutObject", e)),
            }
        }
        Err(StoreError::Unavailable { message: format!("job log {job}: no free line number after {MAX_APPEND_TRIES} tries"), retryable: true })
    }

    /// Job logs in `bucket` (create it with [`create_bucket`]).
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into(), next: Arc::default() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn remembered(&self, job: JobId) -> Option<u64> {
        self.next.lock().unwrap_or_else(|p| p.into_inner()).get(&job).copied()
    }

    fn remember(&self, job: JobId, next: u64) {
        let mut map = self.next.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_REMEMBERED_JOBS && !map.contains_key(&job) {
            map.clear();
        }
        map.insert(job, next);
    }

    /// Keys of a job's lines after `after` (all if `None`), in order, at most `limit`.
    async fn list(&self, job: JobId, after: Option<u64>, limit: usize) -> StoreResult<Vec<String>> {
        let mut keys = vec![];
        let mut token: Option<String> = None;
        while keys.len() < limit {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(job_prefix(job))
                .set_start_after(after.map(|a| line_key(job, a)))
                .max_keys((limit - keys.len()).min(1000) as i32)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| unavailable("ListObjectsV2", e))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key()).filter(|k| seq_of(k).is_some()).map(str::to_string));
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        keys.truncate(limit);
        Ok(keys)
    }

    /// The first free line number at or after `from` (≥ 1): one past the last line of the
    /// job's highest object starting at or after `from`, or `from` when there is none.
    async fn next_free(&self, job: JobId, from: u64) -> StoreResult<u64> {
        let from = from.max(1);
        let keys = self.list(job, (from > 1).then(|| from - 1), usize::MAX).await?;
        let Some(last) = keys.last() else { return Ok(from) };
        let lines = self.get_lines(last.clone()).await?;
        let end = lines.iter().map(|l| l.seq).max().or_else(|| seq_of(last)).unwrap_or(0);
        Ok((end + 1).max(from))
    }

    /// The lines of one object (a batch, or a single line written before batching).
    async fn get_lines(&self, key: String) -> StoreResult<Vec<LogLine>> {
        let out = match self.client.get_object().bucket(&self.bucket).key(&key).send().await {
            Ok(out) => out,
            // Listed, then gone (deleted meanwhile): skipped.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(vec![]),
            Err(e) => return Err(unavailable("GetObject", e)),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable { message: format!("GetObject: reading {key} failed: {e}"), retryable: true })?;
        let bytes = bytes.into_bytes();
        if bytes.first() == Some(&b'[') {
            serde_json::from_slice(&bytes).map_err(|e| StoreError::undecodable(format!("the log lines {key}"), e))
        } else {
            let line: LogLine = serde_json::from_slice(&bytes).map_err(|e| StoreError::undecodable(format!("the log line {key}"), e))?;
            Ok(vec![line])
        }
    }
}

#[async_trait]
impl JobLogStore for S3JobLogs {
    async fn append(&self, job: JobId, stream: LogStream, text: &str) -> StoreResult<()> {
        self.append_batch(job, &[(stream, text.to_string())]).await
    }

    /// One `PutObject` per [`MAX_BATCH_LINES`] lines.
    async fn append_batch(&self, job: JobId, lines: &[(LogStream, String)]) -> StoreResult<()> {
        for chunk in lines.chunks(MAX_BATCH_LINES as usize) {
            self.put_batch(job, chunk).await?;
        }
        Ok(())
    }

    async fn read(&self, job: JobId, after: Option<u64>, limit: usize) -> StoreResult<Vec<LogLine>> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let after_seq = after.unwrap_or(0);
        // The object holding line `after + 1` starts at `after + 2 - MAX_BATCH_LINES` at the earliest.
        let start_after = (after_seq + 1).checked_sub(MAX_BATCH_LINES).filter(|s| *s > 0);
        let mut keys = self.list(job, start_after, limit + MAX_BATCH_LINES as usize).await?;
        // Of the objects starting at or before `after`, only the last can hold later lines.
        if let Some(i) = keys.iter().rposition(|k| seq_of(k).is_some_and(|s| s <= after_seq)) {
            keys.drain(..i);
        }
        let mut lines = Vec::with_capacity(limit.min(4096));
        for chunk in keys.chunks(READ_CONCURRENCY) {
            let mut tasks = tokio::task::JoinSet::new();
            for key in chunk {
                let logs = self.clone();
                let key = key.clone();
                tasks.spawn(async move { logs.get_lines(key).await });
            }
            while let Some(joined) = tasks.join_next().await {
                let got = joined.map_err(|e| fatal(format!("reading a job log failed: {e}")))??;
                lines.extend(got.into_iter().filter(|l| l.seq > after_seq));
            }
            if lines.len() >= limit {
                break;
            }
        }
        lines.sort_by_key(|l| l.seq);
        lines.truncate(limit);
        Ok(lines)
    }

    async fn delete(&self, job: JobId) -> StoreResult<()> {
        self.next.lock().unwrap_or_else(|p| p.into_inner()).remove(&job);
        let keys = self.list(job, None, usize::MAX).await?;
        for chunk in keys.chunks(1000) {
            let mut objects = Vec::with_capacity(chunk.len());
            for key in chunk {
                objects.push(ObjectIdentifier::builder().key(key).build().map_err(|e| fatal(format!("cannot build an S3 request: {e}")))?);
            }
            let delete =
                Delete::builder().set_objects(Some(objects)).quiet(true).build().map_err(|e| fatal(format!("cannot build an S3 request: {e}")))?;
            let out = self.client.delete_objects().bucket(&self.bucket).delete(delete).send().await.map_err(|e| unavailable("DeleteObjects", e))?;
            if let Some(failed) = out.errors().first() {
                return Err(StoreError::Unavailable {
                    message: format!(
                        "DeleteObjects: {} of the job log's objects were not deleted ({})",
                        out.errors().len(),
                        failed.code().unwrap_or("unknown")
                    ),
                    retryable: true,
                });
            }
        }
        Ok(())
    }
}

/// Creates `bucket` if it does not exist (idempotent).
pub async fn create_bucket(client: &Client, bucket: &str) -> StoreResult<()> {
    match client.head_bucket().bucket(bucket).send().await {
        Ok(_) => return Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {}
        Err(e) => return Err(unavailable("HeadBucket", e)),
    }
    let mut req = client.create_bucket().bucket(bucket);
    // us-east-1 takes no location constraint; every other region needs its own.
    if let Some(region) = client.config().region().map(|r| r.as_ref().to_string()) {
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
    }
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_owned_by_you()) => Ok(()),
        Err(e) => Err(unavailable("CreateBucket", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_line_number() {
        let job = JobId::new();
        let (a, b, c) = (line_key(job, 9), line_key(job, 10), line_key(job, u64::MAX));
        assert!(a < b && b < c);
        assert!(a.starts_with(&job_prefix(job)));
        assert_eq!(seq_of(&b), Some(10));
        assert_eq!(seq_of(&c), Some(u64::MAX));
        assert_eq!(seq_of("job-logs/x/readme.txt"), None);
    }

    #[test]
    fn long_lines_are_cut_like_the_embedded_store() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(MAX_LINE);
        let c = cut(&long);
        assert!(c.ends_with('…'));
        assert!(c.len() <= MAX_LINE + '…'.len_utf8());
    }
}
