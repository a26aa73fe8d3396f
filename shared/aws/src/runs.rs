//! `RunStore` on the single DynamoDB table (`docs/ARCHITECTURE.md`, "Runs on AWS"). Keys
//! from `devportal_table::keys`:
//!
//! - The run: `RUN#<id>`/`META`, listed on GSI1 under `ORGRUNS#<owner org>` (sort key: the
//!   run id, UUIDv7, so newest first is a descending query), and while the reconciler looks
//!   after it (not final, or still holding sealed values) on the sparse GSI2 partition
//!   `RUNS#UNFINISHED` (the put that ends that drops the attributes). Updates are conditional on `revision`.
//! - A list entry per run under `CONNRUNS#<connector>` (sort key: the run id; body: the run id
//!   and its idempotency key): the connector filter of the run history reads that partition
//!   and fetches the runs with `BatchGetItem`, instead of the organization's whole list; the
//!   purge finds a connector's runs there.
//! - The idempotency claim `ORG#<org>`/`RUNIDEM#<key>` → run id (keys are scoped by the
//!   connector's organization) and the token lookup `RUNTOKEN#<sha256>`/`META` → run id.
//!   `create_run` writes run, entry, claim and token lookup in one `TransactWriteItems`.
//!   A token set later (the launcher makes it) is written by `update_run` *before* the run:
//!   `run_by_token` checks that the run still carries that hash, so a lookup whose run update
//!   then lost its race finds nothing.
//! - No scans: every read is a point read, a batch of point reads or a key-range query.

use crate::items::{self, body_of, query_index, query_page, Attrs, BatchWrite, IndexKey, PageRequest};
use crate::store::{insert_all, update_item, DynamoItem};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::page::{encode_cursor, Page};
use devportal_domain::ports::{KeyClaim, RunStore, StoreResult};
use devportal_domain::run::{Run, RunQuery};
use devportal_table::keys;
use devportal_table::Item;
use serde::{Deserialize, Serialize};

/// Runs on the table of a [`crate::DynamoStore`]. Clones share the client.
#[derive(Clone, Debug)]
pub struct DynamoRunStore {
    client: Client,
    table: String,
}

impl DynamoRunStore {
    /// A run store on `table` (create it with [`crate::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

/// A connector's list entry of a run (`CONNRUNS#<connector>`/`<run id>`).
#[derive(Serialize, Deserialize)]
struct RunEntry {
    run_id: RunId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
}

/// What the idempotency claim and the token lookup point at.
#[derive(Serialize, Deserialize)]
struct RunPointer {
    run_id: RunId,
}

fn run_item(run: &Run) -> StoreResult<Item> {
    let item = Item::new(keys::run(run.id), keys::META, run)?.gsi1(keys::org_runs(run.owner_org_id), run.id.to_string()).revision(run.revision);
    Ok(if needs_reconciler(run) { item.gsi2(keys::UNFINISHED_RUNS, run.id.to_string()) } else { item })
}

/// Whether the reconciler looks after a run: not final yet, or final but still holding its
/// sealed values (deleted a while after the end).
fn needs_reconciler(run: &Run) -> bool {
    !run.status.is_final() || run.values_ref.is_some()
}

fn token_item(hash: &str, run: RunId) -> StoreResult<Item> {
    Item::new(keys::run_token(hash), keys::META, &RunPointer { run_id: run })
}

/// Page size of list queries: `Limit` counts items read before the filters in code, so read
/// more than asked when filters may drop many.
fn page_size(query: &RunQuery, want: usize) -> i32 {
    let filtered = query.version.is_some()
        || query.site_id.is_some()
        || query.status.is_some()
        || query.process_id.is_some()
        || query.from.is_some()
        || query.to.is_some();
    (if filtered { want.max(100) } else { want }).clamp(1, 1000) as i32
}

impl DynamoRunStore {
    async fn get<T: serde::de::DeserializeOwned>(&self, pk: &str, sk: &str) -> StoreResult<Option<T>> {
        items::get(&self.client, &self.table, pk, sk).await
    }

    /// The first `want` runs of one organization passing the filters, newest first.
    async fn org_runs(&self, org: OrgId, query: &RunQuery, want: usize) -> StoreResult<Vec<Run>> {
        let pk = keys::org_runs(org);
        let before = query.before.map(|b| b.to_string());
        let mut found = vec![];
        let mut start: Option<Attrs> = None;
        loop {
            let key = match &before {
                Some(b) => IndexKey::gsi1(&pk).sort_below(b),
                None => IndexKey::gsi1(&pk),
            };
            let req = PageRequest { descending: true, limit: Some(page_size(query, want)), start: start.take(), unexpired_at: None };
            let (page, next) = query_page(&self.client, &self.table, &key, req).await?;
            for item in &page {
                let run: Run = body_of(item)?;
                if query.matches(&run) {
                    found.push(run);
                    if found.len() >= want {
                        return Ok(found);
                    }
                }
            }
            match next {
                Some(k) => start = Some(k),
                None => return Ok(found),
            }
        }
    }

    /// The first `want` runs of one connector passing the filters, newest first: its list
    /// entries (consistent, key order), then the runs by batches of point reads.
    async fn connector_runs(&self, connector: ConnectorId, query: &RunQuery, want: usize) -> StoreResult<Vec<Run>> {
        let pk = keys::connector_runs(connector);
        let before = query.before.map(|b| b.to_string());
        let mut found = vec![];
        let mut start: Option<Attrs> = None;
        loop {
            let key = match &before {
                Some(b) => IndexKey::table(&pk).sort_below(b),
                None => IndexKey::table(&pk),
            };
            let req = PageRequest { descending: true, limit: Some(page_size(query, want)), start: start.take(), unexpired_at: None };
            let (page, next) = query_page(&self.client, &self.table, &key, req).await?;
            let ids: Vec<(String, String)> = page
                .iter()
                .map(|item| body_of::<RunEntry>(item).map(|e| (keys::run(e.run_id), keys::META.to_string())))
                .collect::<StoreResult<_>>()?;
            for item in items::batch_get(&self.client, &self.table, &ids).await? {
                let run: Run = body_of(&item)?;
                if query.matches(&run) {
                    found.push(run);
                    if found.len() >= want {
                        return Ok(found);
                    }
                }
            }
            match next {
                Some(k) => start = Some(k),
                None => return Ok(found),
            }
        }
    }

    /// Deletes every item of one run: its record, lookups, list entry and data (idempotent).
    async fn purge_run(&self, connector: ConnectorId, entry: &RunEntry) -> StoreResult<()> {
        let mut doomed = vec![];
        if let Some(run) = self.get_run(entry.run_id).await? {
            if let Some(hash) = &run.token_hash {
                doomed.push((keys::run_token(hash), keys::META.to_string()));
            }
            if let Some(k) = &entry.idempotency_key {
                doomed.push((keys::org(run.owner_org_id), keys::run_idempotency(k)));
            }
        }
        crate::run_data::delete_run_items(&self.client, &self.table, entry.run_id).await?;
        // The run and its list entry last, so an interrupted purge is found and finished again.
        doomed.push((keys::run(entry.run_id), keys::META.to_string()));
        doomed.push((keys::connector_runs(connector), entry.run_id.to_string()));
        items::batch_write(&self.client, &self.table, doomed.into_iter().map(|(pk, sk)| BatchWrite::Delete { pk, sk }).collect()).await
    }
}

#[async_trait]
impl RunStore for DynamoRunStore {
    async fn create_run(&self, run: &Run, claim: Option<KeyClaim<'_>>) -> StoreResult<()> {
        let entry = RunEntry { run_id: run.id, idempotency_key: claim.map(|c| c.key.to_string()) };
        let mut writes = vec![];
        if let Some(c) = claim {
            let pointer = Item::new(keys::org(run.owner_org_id), keys::run_idempotency(c.key), &RunPointer { run_id: run.id })?;
            writes.push((pointer.expires_at(c.expires_at), "a run with this Idempotency-Key"));
        }
        writes.push((run_item(run)?, "run"));
        writes.push((Item::new(keys::connector_runs(run.connector_id), run.id.to_string(), &entry)?, "run"));
        if let Some(hash) = &run.token_hash {
            writes.push((token_item(hash, run.id)?, "run token"));
        }
        insert_all(&self.client, &self.table, writes).await
    }

    async fn run_for_idempotency_key(&self, org: OrgId, key: &str, now: DateTime<Utc>) -> StoreResult<Option<RunId>> {
        let claim: Option<RunPointer> =
            crate::items::get_live(&self.client, &self.table, &keys::org(org), &keys::run_idempotency(key), now.timestamp()).await?;
        Ok(claim.map(|c| c.run_id))
    }

    async fn get_run(&self, id: RunId) -> StoreResult<Option<Run>> {
        self.get(&keys::run(id), keys::META).await
    }

    async fn run_by_token(&self, token_hash: &str) -> StoreResult<Option<Run>> {
        let Some(pointer) = self.get::<RunPointer>(&keys::run_token(token_hash), keys::META).await? else {
            return Ok(None);
        };
        // The lookup is written before the run's update; trust it only when the run agrees.
        Ok(self.get_run(pointer.run_id).await?.filter(|r| r.token_hash.as_deref() == Some(token_hash)))
    }

    async fn update_run(&self, run: &Run, expected: u64) -> StoreResult<()> {
        if let Some(hash) = &run.token_hash {
            // Unconditional and idempotent: the same pointer on every update of the run.
            let item = token_item(hash, run.id)?;
            item.check_size("run token")?;
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.into_attrs()))
                .send()
                .await
                .map_err(|e| crate::error::unavailable("PutItem", e))?;
        }
        update_item(&self.client, &self.table, run_item(run)?, expected, "run").await
    }

    async fn list_runs(&self, query: &RunQuery) -> StoreResult<Page<Run>> {
        let limit = query.limit as usize;
        let want = limit + 1;
        let mut runs = vec![];
        if let Some(connector) = query.connector_id {
            runs = self.connector_runs(connector, query, want).await?;
        } else {
            let mut orgs = query.orgs.clone();
            orgs.sort();
            orgs.dedup();
            for org in orgs {
                runs.extend(self.org_runs(org, query, want).await?);
            }
        }
        // Newest first, merged across organizations exactly as the sort keys order them.
        runs.sort_by_key(|r: &Run| std::cmp::Reverse(r.id.to_string()));
        runs.dedup_by_key(|r| r.id);
        let next_cursor = if runs.len() > limit {
            runs.truncate(limit);
            runs.last().map(|r| encode_cursor(&r.id.to_string()))
        } else {
            None
        };
        Ok(Page { items: runs, next_cursor })
    }

    async fn unfinished_runs(&self) -> StoreResult<Vec<Run>> {
        // The sparse GSI2 partition (eventually consistent: a run released a moment ago may
        // still show; the check drops it, callers re-read before acting).
        let mut runs: Vec<Run> = query_index(&self.client, &self.table, IndexKey::gsi2(keys::UNFINISHED_RUNS)).await?;
        runs.retain(needs_reconciler);
        runs.sort_by_key(|r| r.id);
        Ok(runs)
    }

    async fn purge_runs(&self, connector: ConnectorId) -> StoreResult<()> {
        let entries: Vec<RunEntry> = query_index(&self.client, &self.table, IndexKey::table(&keys::connector_runs(connector))).await?;
        for entry in &entries {
            self.purge_run(connector, entry).await?;
        }
        Ok(())
    }
}
