//! `PipelineStore` on the embedded table: jobs, transitions, idempotency keys and the
//! catalog, each change written in one transaction with the version it concerns.

use crate::db::{ops, sql, Db, Item};
use crate::keys;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{Job, JobId, JobStatus, Transition};
use devportal_domain::ports::{CatalogEntry, CatalogPage, CatalogPlace, KeyClaim, PipelineStore, StoreError, StoreResult};
use devportal_domain::version::Version;
use devportal_table::item;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct IdempotencyClaim {
    job_id: JobId,
}

#[derive(Clone)]
pub struct SqlitePipelineStore {
    db: Db,
}

impl SqlitePipelineStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PipelineStore for SqlitePipelineStore {
    async fn start_job(
        &self,
        job: &Job,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        claim: Option<KeyClaim<'_>>,
    ) -> StoreResult<()> {
        let job_item = item::job(job)?;
        let version_item = item::version(version)?;
        let transition = transition.map(item::transition).transpose()?;
        let claim = claim
            .map(|c| {
                let item = Item::new(keys::connector(job.connector_id), keys::idempotency(c.key), &IdempotencyClaim { job_id: job.id })?;
                Ok::<_, StoreError>(item.expires_at(c.expires_at))
            })
            .transpose()?;
        let now = Utc::now();
        self.db
            .write(move |tx| {
                if let Some(c) = &claim {
                    ops::insert_unless_live(tx, c, now, "a job with this Idempotency-Key")?;
                }
                ops::update(tx, &version_item, expected_version, "version")?;
                ops::insert(tx, &job_item, "job")?;
                if let Some(t) = &transition {
                    ops::insert(tx, t, "transition")?;
                }
                Ok(())
            })
            .await
    }

    async fn job_for_idempotency_key(&self, connector: ConnectorId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<JobId>> {
        let (pk, sk) = (keys::connector(connector), keys::idempotency(key));
        let claim: Option<IdempotencyClaim> = self.db.read(move |c| ops::get_live(c, &pk, &sk, now)).await?;
        Ok(claim.map(|c| c.job_id))
    }

    async fn get_job(&self, id: JobId) -> StoreResult<Option<Job>> {
        self.db.read(move |c| ops::get(c, &keys::job(id), keys::META)).await
    }

    async fn list_jobs(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Job>> {
        let mut jobs: Vec<Job> = self.db.read(move |c| ops::query_gsi1(c, &keys::version_jobs(connector, version))).await?;
        jobs.reverse();
        Ok(jobs)
    }

    async fn update_job(&self, job: &Job, expected: u64) -> StoreResult<()> {
        let item = item::job(job)?;
        self.db.write(move |tx| ops::update(tx, &item, expected, "job")).await
    }

    async fn finish_job(
        &self,
        job: &Job,
        expected_job: u64,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        catalog: Option<&CatalogEntry>,
    ) -> StoreResult<()> {
        let job_item = item::job(job)?;
        let version_item = item::version(version)?;
        let transition = transition.map(item::transition).transpose()?;
        let catalog = catalog.map(item::catalog).transpose()?.unwrap_or_default();
        self.db
            .write(move |tx| {
                ops::update(tx, &job_item, expected_job, "job")?;
                ops::update(tx, &version_item, expected_version, "version")?;
                if let Some(t) = &transition {
                    ops::insert(tx, t, "transition")?;
                }
                for c in &catalog {
                    ops::put(tx, c)?;
                }
                Ok(())
            })
            .await
    }

    async fn update_version_with_transition(&self, version: &Version, expected: u64, transition: &Transition) -> StoreResult<()> {
        let version_item = item::version(version)?;
        let transition = item::transition(transition)?;
        self.db
            .write(move |tx| {
                ops::update(tx, &version_item, expected, "version")?;
                ops::insert(tx, &transition, "transition")
            })
            .await
    }

    async fn list_transitions(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Transition>> {
        self.db.read(move |c| ops::query_prefix(c, &keys::connector(connector), &keys::transitions_of(version))).await
    }

    async fn unfinished_jobs(&self) -> StoreResult<Vec<Job>> {
        let jobs: Vec<Job> = self
            .db
            .read(|c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT body FROM items WHERE pk >= 'JOB#' AND pk < 'JOB$' AND sk = 'META'
                         AND json_extract(body, '$.status') IN ('pending', 'running')",
                    )
                    .map_err(crate::db::sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(crate::db::sql)?;
                rows.map(|r| r.map_err(crate::db::sql).and_then(|b| crate::db::from_json(&b))).collect()
            })
            .await?;
        Ok(jobs.into_iter().filter(|j| !j.status.is_finished() && j.status != JobStatus::Done).collect())
    }

    async fn catalog_at(&self, places: &[CatalogPlace], after: Option<(ConnectorId, u32)>, limit: usize) -> StoreResult<CatalogPage> {
        let partitions: Vec<String> = places.iter().map(keys::catalog_place).collect();
        let after = after.map(|(c, v)| keys::catalog_entry(c, v)).unwrap_or_default();
        self.db
            .read(move |c| {
                let mut per_place = vec![];
                for pk in &partitions {
                    let mut stmt = c.prepare_cached("SELECT sk FROM items WHERE pk = ?1 AND sk > ?2 ORDER BY sk LIMIT ?3").map_err(sql)?;
                    let rows = stmt.query_map(rusqlite::params![pk, after, limit as i64 + 1], |r| r.get::<_, String>(0)).map_err(sql)?;
                    per_place.push(rows.collect::<Result<Vec<_>, _>>().map_err(sql)?);
                }
                let (page, more) = keys::merge_catalog_pointers(per_place, limit);
                let mut entries = vec![];
                for sk in &page {
                    if let Some(e) = ops::get::<CatalogEntry>(c, keys::CATALOG, sk)? {
                        entries.push(e);
                    }
                }
                let next = if more { page.last().and_then(|sk| keys::parse_catalog_entry(sk)) } else { None };
                Ok(CatalogPage { entries, next })
            })
            .await
    }
}
