//! `PipelineStore` on the single DynamoDB table, with the same keys as the embedded store
//! (`devportal_table::keys`; `docs/ARCHITECTURE.md`, "Storage layout: one table").
//!
//! - A job is `JOB#<id>`/`META`, listed per version through GSI1 (`CONNVER#<c>#<v>`, sort key
//!   `JOB#<id>`: UUIDv7, so creation order). Transitions are `CONN#<c>`/`TRANS#<v>#<uuidv7>`,
//!   idempotency claims `CONN#<c>`/`IDEM#<key>`, catalog entries `CATALOG`/`<c>#<v>` with a
//!   pointer `CATALOG#SITE#<id>` (`#PROJECT#`, `#ACCOUNT#`)/`<c>#<v>` per place the release
//!   targets, each also on GSI1 under `CATPTR#<c>` so a permanent deletion finds them all.
//! - Changes that belong together are one `TransactWriteItems`, in the same order as the
//!   embedded store's SQLite transaction, so a double failure names the same item:
//!   `start_job` = [idempotency claim `attribute_not_exists`, version `revision = :expected`,
//!   job `attribute_not_exists`, transition `attribute_not_exists`]; `finish_job` =
//!   [job `revision = :expected`, version `revision = :expected`, transition, catalog entry
//!   and pointers] (at most 100 items: a release names at most `MAX_TARGETS` places).
//!   The first cancellation reason `ConditionalCheckFailed` decides the answer: a claim, job or
//!   transition that exists → `AlreadyExists`; a revision check → `Conflict { current }`, the
//!   current revision taken from the item DynamoDB returns (`ReturnValuesOnConditionCheckFailure
//!   = ALL_OLD`), or read consistently if none came back; no item at all → `NotFound`.
//!   A cancelled transaction writes nothing.
//! - Point reads and base-table queries (transitions, catalog pointers) are strongly
//!   consistent. `list_jobs` queries GSI1 (newest first, `ScanIndexForward = false`), which is
//!   eventually consistent on real DynamoDB: a job started a moment ago may be missing for a
//!   short while.
//! - `unfinished_jobs` queries the sparse GSI2 partition `UNFINISHED` (only pending and
//!   running jobs carry it), then re-checks each job's status (the index lags).
//! - `catalog_at` reads at most `limit + 1` pointers of each place after the cursor, merges
//!   them in key order and reads the entries of the page with one `BatchGetItem`.

use crate::error::unavailable;
use crate::items::{self, batch_get, body_of, build_error, query_index, query_page, revision_of, Attrs, IndexKey, PageRequest, Pages};
use crate::store::DynamoItem;
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{Job, JobId, Transition};
use devportal_domain::ports::{CatalogEntry, CatalogPage, CatalogPlace, KeyClaim, PipelineStore, StoreError, StoreResult};
use devportal_domain::version::Version;
use devportal_table::{attr, item, keys, Item};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The pipeline store on the table of a [`crate::DynamoStore`]. Clones share the client.
#[derive(Clone, Debug)]
pub struct DynamoPipelineStore {
    client: Client,
    table: String,
}

impl DynamoPipelineStore {
    /// A pipeline store on `table` (create it with [`crate::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Same body as the embedded store's claim item.
#[derive(Serialize, Deserialize)]
struct IdempotencyClaim {
    job_id: JobId,
}

/// One item to write, and how its condition failing is answered.
struct Write {
    item: Item,
    what: &'static str,
    condition: Condition,
}

#[derive(Clone, Copy)]
enum Condition {
    /// Must not exist yet (`AlreadyExists { what }` otherwise).
    New,
    /// Its stored revision must be this (`Conflict { current }` / `NotFound { what }` otherwise).
    Revision(u64),
    /// Unconditional put.
    None,
}

impl Write {
    /// Puts `item` unconditionally (see [`Write::when`]); `what` names it in errors.
    fn of(item: Item, what: &'static str) -> Self {
        Self { item, what, condition: Condition::None }
    }

    fn when(mut self, condition: Condition) -> Self {
        self.condition = condition;
        self
    }

    fn into_put(self, table: &str) -> StoreResult<Put> {
        self.item.check_size(self.what)?;
        let put = Put::builder().table_name(table).set_item(Some(self.item.into_attrs()));
        let put = match self.condition {
            Condition::New => put
                .condition_expression(items::INSERT_CONDITION)
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":now", AttributeValue::N(chrono::Utc::now().timestamp().to_string())),
            Condition::Revision(expected) => put
                .condition_expression("#rev = :expected")
                .expression_attribute_names("#rev", attr::REVISION)
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld),
            Condition::None => put,
        };
        put.build().map_err(build_error)
    }

    /// The key and the answer to a failed condition, without the (possibly large) body.
    fn head(&self) -> Write {
        let item =
            Item { pk: self.item.pk.clone(), sk: self.item.sk.clone(), gsi1: None, gsi2: None, revision: 0, expires_at: None, body: String::new() };
        Write { item, what: self.what, condition: self.condition }
    }
}

fn job_write(job: &Job) -> StoreResult<Write> {
    Ok(Write::of(item::job(job)?, "job"))
}

fn version_write(v: &Version) -> StoreResult<Write> {
    Ok(Write::of(item::version(v)?, "version"))
}

fn transition_write(t: &Transition) -> StoreResult<Write> {
    Ok(Write::of(item::transition(t)?, "transition").when(Condition::New))
}

/// The entry and a pointer to it under every place its release targets.
fn catalog_writes(e: &CatalogEntry) -> StoreResult<Vec<Write>> {
    let items = item::catalog(e)?;
    Ok(items.into_iter().enumerate().map(|(i, item)| Write::of(item, if i == 0 { "catalog entry" } else { "catalog pointer" })).collect())
}

impl DynamoPipelineStore {
    async fn get<T: DeserializeOwned>(&self, pk: &str, sk: &str) -> StoreResult<Option<T>> {
        items::get(&self.client, &self.table, pk, sk).await
    }

    /// The stored revision of an item, or `None` when it does not exist.
    async fn current_revision(&self, pk: &str, sk: &str) -> StoreResult<Option<u64>> {
        items::current_revision(&self.client, &self.table, pk, sk).await
    }

    /// Answer to a failed condition of `w`; `old` is the item DynamoDB returned, if any.
    async fn condition_failed(&self, w: &Write, old: Option<&Attrs>) -> StoreResult<StoreError> {
        Ok(match w.condition {
            Condition::New | Condition::None => StoreError::AlreadyExists { what: w.what.to_string() },
            Condition::Revision(_) => {
                let current = match old {
                    Some(item) if !item.is_empty() => Some(revision_of(item)?),
                    _ => self.current_revision(&w.item.pk, &w.item.sk).await?,
                };
                match current {
                    Some(current) => StoreError::Conflict { current },
                    None => StoreError::NotFound { what: w.what.to_string() },
                }
            }
        })
    }

    /// Writes one item under its condition (a plain `PutItem`: half the cost of a transaction).
    async fn write_one(&self, w: Write) -> StoreResult<()> {
        let head = w.head();
        let put = w.into_put(&self.table)?;
        let res = self
            .client
            .put_item()
            .table_name(put.table_name())
            .set_item(Some(put.item().clone()))
            .set_condition_expression(put.condition_expression().map(str::to_string))
            .set_expression_attribute_names(put.expression_attribute_names().cloned())
            .set_expression_attribute_values(put.expression_attribute_values().cloned())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => Err(self.condition_failed(&head, failed.item()).await?),
                _ => Err(unavailable("PutItem", e)),
            },
        }
    }

    /// Writes items in one transaction: all or nothing. On a failed condition, the answer of
    /// the first item (in the given order) whose condition failed.
    async fn write_all(&self, writes: Vec<Write>) -> StoreResult<()> {
        let mut items = Vec::with_capacity(writes.len());
        let mut heads = Vec::with_capacity(writes.len());
        for w in writes {
            heads.push(w.head());
            items.push(TransactWriteItem::builder().put(w.into_put(&self.table)?).build());
        }
        let err = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
            let reasons = cancelled.cancellation_reasons();
            if let Some(i) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                if let Some(w) = heads.get(i) {
                    return Err(self.condition_failed(w, reasons[i].item()).await?);
                }
            }
            // Cancelled for another reason (a concurrent transaction on an item, throttling).
            let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).filter(|c| *c != "None").collect();
            let retryable = codes.iter().all(|c| crate::error::is_retryable_code(c) || c.ends_with("Conflict"));
            return Err(StoreError::Unavailable { message: format!("TransactWriteItems: transaction cancelled ({})", codes.join(", ")), retryable });
        }
        Err(unavailable("TransactWriteItems", err))
    }

    /// Items of a partition whose sort key starts with `prefix` (every item if it is empty:
    /// DynamoDB refuses an empty key value), in sort-key order.
    async fn query_prefix<T: DeserializeOwned>(&self, pk: &str, prefix: &str) -> StoreResult<Vec<T>> {
        items::query_prefix(&self.client, &self.table, pk, prefix).await
    }
}

#[async_trait]
impl PipelineStore for DynamoPipelineStore {
    async fn start_job(
        &self,
        job: &Job,
        version: &Version,
        expected_version: u64,
        transition: Option<&Transition>,
        claim: Option<KeyClaim<'_>>,
    ) -> StoreResult<()> {
        let mut writes = vec![];
        if let Some(c) = claim {
            let body = IdempotencyClaim { job_id: job.id };
            let claim = Item::new(keys::connector(job.connector_id), keys::idempotency(c.key), &body)?.expires_at(c.expires_at);
            writes.push(Write::of(claim, "a job with this Idempotency-Key").when(Condition::New));
        }
        writes.push(version_write(version)?.when(Condition::Revision(expected_version)));
        writes.push(job_write(job)?.when(Condition::New));
        if let Some(t) = transition {
            writes.push(transition_write(t)?);
        }
        self.write_all(writes).await
    }

    async fn job_for_idempotency_key(&self, connector: ConnectorId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<JobId>> {
        let claim: Option<IdempotencyClaim> =
            items::get_live(&self.client, &self.table, &keys::connector(connector), &keys::idempotency(key), now.timestamp()).await?;
        Ok(claim.map(|c| c.job_id))
    }

    async fn get_job(&self, id: JobId) -> StoreResult<Option<Job>> {
        self.get(&keys::job(id), keys::META).await
    }

    async fn list_jobs(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Job>> {
        let gsi1pk = keys::version_jobs(connector, version);
        let mut jobs = vec![];
        let newest_first = Pages { descending: true, ..Pages::default() };
        items::query_pages(&self.client, &self.table, &IndexKey::gsi1(&gsi1pk), newest_first, |item| {
            jobs.push(body_of(item)?);
            Ok(true)
        })
        .await?;
        Ok(jobs)
    }

    async fn update_job(&self, job: &Job, expected: u64) -> StoreResult<()> {
        self.write_one(job_write(job)?.when(Condition::Revision(expected))).await
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
        let mut writes =
            vec![job_write(job)?.when(Condition::Revision(expected_job)), version_write(version)?.when(Condition::Revision(expected_version))];
        if let Some(t) = transition {
            writes.push(transition_write(t)?);
        }
        if let Some(c) = catalog {
            writes.extend(catalog_writes(c)?);
        }
        self.write_all(writes).await
    }

    async fn update_version_with_transition(&self, version: &Version, expected: u64, transition: &Transition) -> StoreResult<()> {
        self.write_all(vec![version_write(version)?.when(Condition::Revision(expected)), transition_write(transition)?]).await
    }

    async fn list_transitions(&self, connector: ConnectorId, version: u32) -> StoreResult<Vec<Transition>> {
        self.query_prefix(&keys::connector(connector), &keys::transitions_of(version)).await
    }

    async fn unfinished_jobs(&self) -> StoreResult<Vec<Job>> {
        // The sparse GSI2 partition holds exactly the unfinished jobs (no scan). The index is
        // eventually consistent: a job finished a moment ago may still show; callers re-check.
        let mut out: Vec<Job> = query_index(&self.client, &self.table, IndexKey::gsi2(keys::UNFINISHED_JOBS)).await?;
        out.retain(|j| !j.status.is_finished());
        // The embedded store answers in key order (job ids are UUIDv7: creation order).
        out.sort_by_key(|j| j.id);
        Ok(out)
    }

    async fn catalog_at(&self, places: &[CatalogPlace], after: Option<(ConnectorId, u32)>, limit: usize) -> StoreResult<CatalogPage> {
        let after = after.map(|(c, v)| keys::catalog_entry(c, v));
        // One query per place (a site, its project, its account), side by side.
        let per_place = futures_util::future::try_join_all(places.iter().map(|place| async {
            let pk = keys::catalog_place(place);
            let key = match &after {
                Some(a) => IndexKey::table(&pk).sort_above(a),
                None => IndexKey::table(&pk),
            };
            let req = PageRequest { limit: Some(i32::try_from(limit + 1).unwrap_or(i32::MAX)), ..Default::default() };
            let (items, _) = query_page(&self.client, &self.table, &key, req).await?;
            StoreResult::Ok(
                items
                    .iter()
                    .filter_map(|i| match i.get(attr::SK) {
                        Some(AttributeValue::S(sk)) => Some(sk.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
        }))
        .await?;
        let (page, more) = keys::merge_catalog_pointers(per_place, limit);
        let wanted: Vec<(String, String)> = page.iter().map(|sk| (keys::CATALOG.to_string(), sk.clone())).collect();
        let entries = batch_get(&self.client, &self.table, &wanted).await?.iter().map(body_of).collect::<StoreResult<Vec<CatalogEntry>>>()?;
        let next = if more { page.last().and_then(|sk| keys::parse_catalog_entry(sk)) } else { None };
        Ok(CatalogPage { entries, next })
    }
}
