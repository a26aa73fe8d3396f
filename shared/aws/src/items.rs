//! Item plumbing shared by the DynamoDB adapters (`store.rs`, `pipeline_store.rs`): keys,
//! decoding an item's body and revision, and the reads both need (consistent point reads and
//! paginated partition queries).

use crate::error::{fatal, unavailable};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use devportal_domain::ports::{StoreError, StoreResult};
use devportal_table::attr;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub(crate) type Attrs = HashMap<String, AttributeValue>;

pub(crate) fn key(pk: &str, sk: &str) -> Attrs {
    HashMap::from([
        (attr::PK.to_string(), AttributeValue::S(pk.to_string())),
        (attr::SK.to_string(), AttributeValue::S(sk.to_string())),
    ])
}

pub(crate) fn body_of<T: DeserializeOwned>(item: &Attrs) -> StoreResult<T> {
    match item.get(attr::BODY) {
        Some(AttributeValue::S(s)) => serde_json::from_str(s).map_err(|e| fatal(format!("cannot decode item: {e}"))),
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

/// A consistent point read of an item's body.
pub(crate) async fn get<T: DeserializeOwned>(client: &Client, table: &str, pk: &str, sk: &str) -> StoreResult<Option<T>> {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| unavailable("GetItem", e))?;
    out.item().map(body_of).transpose()
}

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

/// Items of a partition whose sort key starts with `prefix` (every item if it is empty:
/// DynamoDB refuses an empty key value), in sort-key order, page after page.
pub(crate) async fn query_prefix<T: DeserializeOwned>(client: &Client, table: &str, pk: &str, prefix: &str) -> StoreResult<Vec<T>> {
    let mut out = vec![];
    let mut start: Option<Attrs> = None;
    loop {
        let q = client
            .query()
            .table_name(table)
            .consistent_read(true)
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()));
        let q = if prefix.is_empty() {
            q.key_condition_expression("#pk = :pk")
        } else {
            q.key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", attr::SK)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
        };
        let page = q.set_exclusive_start_key(start.take()).send().await.map_err(|e| unavailable("Query", e))?;
        for item in page.items() {
            out.push(body_of(item)?);
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(out),
        }
    }
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
