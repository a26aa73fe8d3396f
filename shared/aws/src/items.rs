//! Item plumbing shared by the DynamoDB adapters (`store.rs`, `pipeline_store.rs`): keys,
//! decoding an item's body and revision, and the reads both need (consistent point reads and
//! paginated partition queries of the table and its indexes: one paging loop, `query_pages`).

use crate::error::{fatal, unavailable};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use devportal_domain::ports::{StoreError, StoreResult};
use devportal_table::attr;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub(crate) type Attrs = HashMap<String, AttributeValue>;

pub(crate) fn key(pk: &str, sk: &str) -> Attrs {
    HashMap::from([(attr::PK.to_string(), AttributeValue::S(pk.to_string())), (attr::SK.to_string(), AttributeValue::S(sk.to_string()))])
}

pub(crate) fn body_of<T: DeserializeOwned>(item: &Attrs) -> StoreResult<T> {
    serde_json::from_str(body_text(item)?).map_err(|e| StoreError::undecodable("item", e))
}

/// The item's body as stored (the JSON text of its record).
pub(crate) fn body_text(item: &Attrs) -> StoreResult<&str> {
    match item.get(attr::BODY) {
        Some(AttributeValue::S(s)) => Ok(s),
        _ => Err(fatal("item without a string `body` attribute")),
    }
}

pub(crate) fn revision_of(item: &Attrs) -> StoreResult<u64> {
    match item.get(attr::REVISION) {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| fatal("item with a malformed `revision` attribute")),
        None => Ok(0),
        _ => Err(fatal("item with a non-numeric `revision` attribute")),
    }
}

pub(crate) fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    fatal(format!("cannot build DynamoDB request: {e}"))
}

/// A consistent point read of a whole item.
pub(crate) async fn get_item(client: &Client, table: &str, pk: &str, sk: &str) -> StoreResult<Option<Attrs>> {
    let out =
        client.get_item().table_name(table).set_key(Some(key(pk, sk))).consistent_read(true).send().await.map_err(|e| unavailable("GetItem", e))?;
    Ok(out.item)
}

/// A consistent point read of an item's body.
pub(crate) async fn get<T: DeserializeOwned>(client: &Client, table: &str, pk: &str, sk: &str) -> StoreResult<Option<T>> {
    get_item(client, table, pk, sk).await?.as_ref().map(body_of).transpose()
}

/// Like [`get`], but an item whose `expires_at` (epoch seconds) is at or before `now` counts
/// as absent: TTL removes expired items up to days late.
pub(crate) async fn get_live<T: DeserializeOwned>(client: &Client, table: &str, pk: &str, sk: &str, now: i64) -> StoreResult<Option<T>> {
    match get_item(client, table, pk, sk).await? {
        Some(item) if !is_expired(&item, now) => body_of(&item).map(Some),
        _ => Ok(None),
    }
}

fn is_expired(item: &Attrs, now: i64) -> bool {
    matches!(item.get(attr::EXPIRES_AT), Some(AttributeValue::N(n)) if n.parse::<i64>().is_ok_and(|at| at <= now))
}

/// The condition of every insert: no item at the key, or only one whose `expires_at` has
/// passed (TTL has not removed it yet); with its names and values.
pub(crate) const INSERT_CONDITION: &str = "attribute_not_exists(#pk) OR #exp <= :now";

/// The stored revision of an item, or `None` when it does not exist.
pub(crate) async fn current_revision(client: &Client, table: &str, pk: &str, sk: &str) -> StoreResult<Option<u64>> {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .consistent_read(true)
        .projection_expression("#rev")
        .expression_attribute_names("#rev", attr::REVISION)
        .send()
        .await
        .map_err(|e| unavailable("GetItem", e))?;
    out.item().map(revision_of).transpose()
}

/// Items of a partition whose sort key starts with `prefix`, in sort-key order.
pub(crate) async fn query_prefix<T: DeserializeOwned>(client: &Client, table: &str, pk: &str, prefix: &str) -> StoreResult<Vec<T>> {
    query_index(client, table, IndexKey::table(pk).sort_prefix(prefix)).await
}

/// Which partition of the table or of an index a query reads, and which of its sort keys.
pub(crate) struct IndexKey<'a> {
    index: Option<&'static str>,
    pk_attr: &'static str,
    sk_attr: &'static str,
    pk: &'a str,
    sort: SortRange<'a>,
}

enum SortRange<'a> {
    All,
    Prefix(&'a str),
    Below(&'a str),
    Above(&'a str),
}

impl<'a> IndexKey<'a> {
    /// A partition of the table itself (read consistently).
    pub(crate) fn table(pk: &'a str) -> Self {
        Self { index: None, pk_attr: attr::PK, sk_attr: attr::SK, pk, sort: SortRange::All }
    }
    /// A partition of GSI1 (the lists).
    pub(crate) fn gsi1(pk: &'a str) -> Self {
        Self { index: Some(attr::GSI1), pk_attr: attr::GSI1PK, sk_attr: attr::GSI1SK, pk, sort: SortRange::All }
    }
    /// A partition of GSI2 (the sparse housekeeping index).
    pub(crate) fn gsi2(pk: &'a str) -> Self {
        Self { index: Some(attr::GSI2), pk_attr: attr::GSI2PK, sk_attr: attr::GSI2SK, pk, sort: SortRange::All }
    }
    /// Only sort keys starting with `prefix` (all of them when it is empty).
    pub(crate) fn sort_prefix(mut self, prefix: &'a str) -> Self {
        self.sort = if prefix.is_empty() { SortRange::All } else { SortRange::Prefix(prefix) };
        self
    }
    /// Only sort keys below `bound`.
    pub(crate) fn sort_below(mut self, bound: &'a str) -> Self {
        self.sort = SortRange::Below(bound);
        self
    }
    /// Only sort keys above `bound`.
    pub(crate) fn sort_above(mut self, bound: &'a str) -> Self {
        self.sort = SortRange::Above(bound);
        self
    }
}

/// How one page of a query is read: direction, page size, where it starts, and whether
/// items past their retention (`expires_at <= now`, not yet removed by TTL, which runs up to
/// days late) are filtered out.
#[derive(Default)]
pub(crate) struct PageRequest {
    pub descending: bool,
    /// Items read (before any filter), DynamoDB's `Limit`.
    pub limit: Option<i32>,
    pub start: Option<Attrs>,
    /// Epoch seconds: keep only items without `expires_at` or with `expires_at > unexpired_at`.
    pub unexpired_at: Option<i64>,
}

/// The query builder of `key` with its key condition (shared by the paging loop and single pages).
fn query_for(client: &Client, table: &str, key: &IndexKey<'_>) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    let q = client
        .query()
        .table_name(table)
        .set_index_name(key.index.map(str::to_string))
        // Index reads are eventually consistent (DynamoDB allows nothing else there).
        .consistent_read(key.index.is_none())
        .expression_attribute_names("#pk", key.pk_attr)
        .expression_attribute_values(":pk", AttributeValue::S(key.pk.to_string()));
    let sorted = |q: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder, cond: &str| {
        q.key_condition_expression(format!("#pk = :pk AND {cond}")).expression_attribute_names("#sk", key.sk_attr)
    };
    match key.sort {
        SortRange::All => q.key_condition_expression("#pk = :pk"),
        SortRange::Prefix(p) => sorted(q, "begins_with(#sk, :sk)").expression_attribute_values(":sk", AttributeValue::S(p.to_string())),
        SortRange::Below(b) => sorted(q, "#sk < :sk").expression_attribute_values(":sk", AttributeValue::S(b.to_string())),
        SortRange::Above(b) => sorted(q, "#sk > :sk").expression_attribute_values(":sk", AttributeValue::S(b.to_string())),
    }
}

/// One page of a query: the items read (after the expiry filter) and where the next page
/// starts (`None` at the end).
pub(crate) async fn query_page(client: &Client, table: &str, key: &IndexKey<'_>, req: PageRequest) -> StoreResult<(Vec<Attrs>, Option<Attrs>)> {
    let mut q = query_for(client, table, key).scan_index_forward(!req.descending).set_limit(req.limit).set_exclusive_start_key(req.start);
    if let Some(now) = req.unexpired_at {
        q = q
            .filter_expression("attribute_not_exists(#exp) OR #exp > :now")
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()));
    }
    let page = q.send().await.map_err(|e| unavailable("Query", e))?;
    let next = page.last_evaluated_key.filter(|k| !k.is_empty());
    Ok((page.items.unwrap_or_default(), next))
}

/// How [`query_pages`] reads a partition.
#[derive(Clone, Copy, Default)]
pub(crate) struct Pages {
    /// Only the table keys (`pk`, `sk`) of each item.
    pub keys_only: bool,
    /// Highest sort key first.
    pub descending: bool,
    /// Items read per request (DynamoDB's `Limit`, counted before any filter); its default
    /// is up to 1 MB.
    pub page_size: Option<i32>,
}

/// The one paging loop: the items of `key`'s partition (and sort range), in sort-key order,
/// handed to `each` until it answers `false` or the partition ends.
pub(crate) async fn query_pages(
    client: &Client,
    table: &str,
    key: &IndexKey<'_>,
    how: Pages,
    mut each: impl FnMut(&Attrs) -> StoreResult<bool>,
) -> StoreResult<()> {
    let mut start: Option<Attrs> = None;
    loop {
        let q = query_for(client, table, key).scan_index_forward(!how.descending).set_limit(how.page_size);
        let q = if how.keys_only {
            q.projection_expression("#tpk, #tsk").expression_attribute_names("#tpk", attr::PK).expression_attribute_names("#tsk", attr::SK)
        } else {
            q
        };
        let page = q.set_exclusive_start_key(start.take()).send().await.map_err(|e| unavailable("Query", e))?;
        for item in page.items() {
            if !each(item)? {
                return Ok(());
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(()),
        }
    }
}

/// The decoded bodies of every item of `key`'s partition, in sort-key order.
pub(crate) async fn query_index<T: DeserializeOwned>(client: &Client, table: &str, key: IndexKey<'_>) -> StoreResult<Vec<T>> {
    let mut out = vec![];
    query_pages(client, table, &key, Pages::default(), |item| {
        out.push(body_of(item)?);
        Ok(true)
    })
    .await?;
    Ok(out)
}

/// The table keys (`pk`, `sk`) of every item of `key`'s partition.
pub(crate) async fn query_keys(client: &Client, table: &str, key: IndexKey<'_>) -> StoreResult<Vec<(String, String)>> {
    let mut out = vec![];
    query_pages(client, table, &key, Pages { keys_only: true, ..Pages::default() }, |item| {
        if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (item.get(attr::PK), item.get(attr::SK)) {
            out.push((pk.clone(), sk.clone()));
        }
        Ok(true)
    })
    .await?;
    Ok(out)
}

/// Puts an item unless its key is taken: `true` when written, `false` when an item with that
/// key already exists (it is left as it is).
pub(crate) async fn put_if_absent(client: &Client, table: &str, item: Attrs) -> StoreResult<bool> {
    let res = client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", attr::PK)
        .send()
        .await;
    match res {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
        Err(e) => Err(unavailable("PutItem", e)),
    }
}

/// How many items one `BatchWriteItem` / `BatchGetItem` call takes (DynamoDB's limits).
const BATCH_WRITE_MAX: usize = 25;
const BATCH_GET_MAX: usize = 100;
/// Attempts at the items DynamoDB leaves unprocessed (throttling), with doubling backoff.
const BATCH_ATTEMPTS: u32 = 8;
const BATCH_BACKOFF_START: std::time::Duration = std::time::Duration::from_millis(50);

/// One write of a batch: put an item or delete a key.
pub(crate) enum BatchWrite {
    Put(Attrs),
    Delete { pk: String, sk: String },
}

/// Writes `writes` with `BatchWriteItem`, 25 per call, retrying the `UnprocessedItems` with
/// backoff. Not atomic: each item is written on its own (callers write items whose rewrite
/// is harmless, so a retry after a partial failure is safe).
pub(crate) async fn batch_write(client: &Client, table: &str, writes: Vec<BatchWrite>) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
    let mut requests = Vec::with_capacity(writes.len());
    for w in writes {
        requests.push(match w {
            BatchWrite::Put(item) => {
                WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().map_err(build_error)?).build()
            }
            BatchWrite::Delete { pk, sk } => {
                WriteRequest::builder().delete_request(DeleteRequest::builder().set_key(Some(key(&pk, &sk))).build().map_err(build_error)?).build()
            }
        });
    }
    for chunk in requests.chunks(BATCH_WRITE_MAX) {
        let mut pending = chunk.to_vec();
        let mut backoff = BATCH_BACKOFF_START;
        for attempt in 1..=BATCH_ATTEMPTS {
            let out = client.batch_write_item().request_items(table, pending.clone()).send().await.map_err(|e| unavailable("BatchWriteItem", e))?;
            pending = out.unprocessed_items.and_then(|mut m| m.remove(table)).unwrap_or_default();
            if pending.is_empty() {
                break;
            }
            if attempt == BATCH_ATTEMPTS {
                return Err(StoreError::Unavailable {
                    message: format!("BatchWriteItem: {} items still unprocessed after {BATCH_ATTEMPTS} attempts", pending.len()),
                    retryable: true,
                });
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Ok(())
}

/// Consistent reads of many items by key (`BatchGetItem`, 100 per call, unprocessed keys
/// retried with backoff), answered in the order of `keys`; missing items are left out.
pub(crate) async fn batch_get(client: &Client, table: &str, keys: &[(String, String)]) -> StoreResult<Vec<Attrs>> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut found: HashMap<(String, String), Attrs> = HashMap::new();
    for chunk in keys.chunks(BATCH_GET_MAX) {
        let mut pending: Vec<Attrs> = chunk.iter().map(|(pk, sk)| key(pk, sk)).collect();
        let mut backoff = BATCH_BACKOFF_START;
        for attempt in 1..=BATCH_ATTEMPTS {
            let request = KeysAndAttributes::builder().set_keys(Some(pending.clone())).consistent_read(true).build().map_err(build_error)?;
            let out = client.batch_get_item().request_items(table, request).send().await.map_err(|e| unavailable("BatchGetItem", e))?;
            for item in out.responses.and_then(|mut r| r.remove(table)).unwrap_or_default() {
                if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (item.get(attr::PK), item.get(attr::SK)) {
                    found.insert((pk.clone(), sk.clone()), item);
                }
            }
            pending = out.unprocessed_keys.and_then(|mut m| m.remove(table)).map(|k| k.keys).unwrap_or_default();
            if pending.is_empty() {
                break;
            }
            if attempt == BATCH_ATTEMPTS {
                return Err(StoreError::Unavailable {
                    message: format!("BatchGetItem: {} keys still unprocessed after {BATCH_ATTEMPTS} attempts", pending.len()),
                    retryable: true,
                });
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}
