//! `JobLogStore` on Amazon S3: one object per appended line, keyed by the job and the line's
//! number, so that a read with a cursor is one listing from that number on.
//!
//! - Key: `job-logs/<job id>/<seq, 20 digits>.json`; the object is the `LogLine` as JSON
//!   (`seq`, `at`, `stream`, `text`). Zero-padding makes S3's key order the line order, so
//!   `read(after, limit)` = `ListObjectsV2(prefix, StartAfter = key(after), MaxKeys)` and one
//!   `GetObject` per line (up to [`READ_CONCURRENCY`] at a time), answered in `seq` order.
//! - S3 cannot append to an object, hence a line per object. Numbers come from a counter per
//!   job kept in memory, started from the job's last key (one listing) the first time this
//!   process appends to the job; every `PutObject` is conditional (`If-None-Match: *`), so two
//!   writers of the same job (a re-delivered job on another worker) never overwrite each other:
//!   the loser (412/409) lists the keys after its number and takes the next free one.
//!   Lines are never lost or renumbered; the numbers have no gaps.
//! - Lines longer than 8 KiB are cut, with `…`, as in the embedded store.
//! - `delete` lists the job's objects and removes them with `DeleteObjects` (1,000 a call).
//! - Costs: a `PUT` per line (a build of 10,000 lines is 10,000 requests) and a `GET` per line
//!   read; the API reads pages of lines while a job runs, which suits this shape.
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

    /// The highest line number of a job at or after `from` (`from` itself if none is higher).
    async fn last_seq(&self, job: JobId, from: u64) -> StoreResult<u64> {
        let keys = self.list(job, (from > 0).then_some(from), usize::MAX).await?;
        Ok(keys.iter().filter_map(|k| seq_of(k)).max().unwrap_or(from).max(from))
    }

    async fn get_line(&self, key: String) -> StoreResult<Option<LogLine>> {
        let out = match self.client.get_object().bucket(&self.bucket).key(&key).send().await {
            Ok(out) => out,
            // Listed, then gone (deleted meanwhile): skipped.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(unavailable("GetObject", e)),
        };
        let bytes = out.body.collect().await.map_err(|e| StoreError::Unavailable {
            message: format!("GetObject: reading {key} failed: {e}"),
            retryable: true,
        })?;
        let line: LogLine =
            serde_json::from_slice(&bytes.into_bytes()).map_err(|e| fatal(format!("cannot decode the log line {key}: {e}")))?;
        Ok(Some(line))
    }
}

#[async_trait]
impl JobLogStore for S3JobLogs {
    async fn append(&self, job: JobId, stream: LogStream, text: &str) -> StoreResult<()> {
        let text = cut(text);
        let mut seq = match self.remembered(job) {
            Some(next) => next,
            None => self.last_seq(job, 0).await? + 1,
        };
        for _ in 0..MAX_APPEND_TRIES {
            let line = LogLine { seq, at: Utc::now(), stream, text: text.clone() };
            let body = serde_json::to_vec(&line).map_err(|e| fatal(format!("cannot encode a log line: {e}")))?;
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
                    self.remember(job, seq + 1);
                    return Ok(());
                }
                // The number is taken (412), or being taken right now (409): find the next free one.
                Err(e) if e.raw_response().is_some_and(|r| matches!(r.status().as_u16(), 409 | 412)) => {
                    seq = self.last_seq(job, seq).await? + 1;
                }
                Err(e) => return Err(unavailable("PutObject", e)),
            }
        }
        Err(StoreError::Unavailable {
            message: format!("job log {job}: no free line number after {MAX_APPEND_TRIES} tries"),
            retryable: true,
        })
    }

    async fn read(&self, job: JobId, after: Option<u64>, limit: usize) -> StoreResult<Vec<LogLine>> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let keys = self.list(job, after, limit).await?;
        let mut lines = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(READ_CONCURRENCY) {
            let mut tasks = tokio::task::JoinSet::new();
            for key in chunk {
                let logs = self.clone();
                let key = key.clone();
                tasks.spawn(async move { logs.get_line(key).await });
            }
            while let Some(joined) = tasks.join_next().await {
                if let Some(line) = joined.map_err(|e| fatal(format!("reading a job log failed: {e}")))?? {
                    lines.push(line);
                }
            }
        }
        lines.sort_by_key(|l| l.seq);
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
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| fatal(format!("cannot build an S3 request: {e}")))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| unavailable("DeleteObjects", e))?;
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
