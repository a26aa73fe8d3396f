//! One item of the table as both stores write it, and the mapping of each record to its
//! items (`docs/ARCHITECTURE.md`, "Storage layout: one table"). The SQLite store writes an
//! item as a row, the DynamoDB store as attribute values; neither builds items of its own
//! for these records, so a record is stored under the same keys, indexes and body by both.

use chrono::{DateTime, SecondsFormat, Utc};
use devportal_domain::connector::{Connector, StoredConnector};
use devportal_domain::identity::{Membership, TokenRecord};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{Job, Transition};
use devportal_domain::ports::{CatalogEntry, CatalogPlace, CatalogPointer, StoreError, StoreResult};
use devportal_domain::stored::StoredJson;
use devportal_domain::version::Version;
use serde::Serialize;
use std::sync::Arc;

use crate::keys;

/// One item: its keys, its index entries, its revision and expiry, and the record as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    /// (`gsi1pk`, `gsi1sk`): the lists.
    pub gsi1: Option<(String, String)>,
    /// (`gsi2pk`, `gsi2sk`): the sparse housekeeping index. The SQLite store answers those
    /// queries from its own columns and does not store it.
    pub gsi2: Option<(String, String)>,
    pub revision: u64,
    /// Epoch seconds after which the item counts as gone (DynamoDB's TTL attribute).
    pub expires_at: Option<i64>,
    pub body: String,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, body: &impl Serialize) -> StoreResult<Self> {
        let (pk, sk) = (pk.into(), sk.into());
        let body = serde_json::to_string(body)
            .map_err(|e| StoreError::Unavailable { message: format!("cannot encode the item {pk} / {sk}: {e}"), retryable: false })?;
        Ok(Self { pk, sk, gsi1: None, gsi2: None, revision: 0, expires_at: None, body })
    }

    pub fn gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some((pk.into(), sk.into()));
        self
    }

    pub fn gsi2(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi2 = Some((pk.into(), sk.into()));
        self
    }

    pub fn revision(mut self, revision: u64) -> Self {
        self.revision = revision;
        self
    }

    /// Past `at` the item counts as gone (and DynamoDB deletes it some time later).
    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at.timestamp());
        self
    }
}

/// A membership, listed under its user (`gsi1`).
pub fn membership(m: &Membership) -> StoreResult<Item> {
    Ok(Item::new(keys::org(m.org_id), keys::member(m.user_id), m)?.gsi1(keys::user(m.user_id), keys::org(m.org_id)))
}

/// A token: its listing under its user, and the record found by its hash.
pub fn token(t: &TokenRecord) -> StoreResult<[Item; 2]> {
    Ok([Item::new(keys::user(t.user_id), keys::token_sk(t.id), t)?, Item::new(keys::token_hash(&t.hash.0), keys::META, t)?])
}

/// A connector, listed under its owner's live or binned partition (`gsi1`); a binned one is
/// also in the housekeeping index, by when it was binned.
pub fn connector(c: &Connector) -> StoreResult<Item> {
    let item =
        Item::new(keys::connector(c.id), keys::META, c)?.gsi1(keys::connector_list(c.owner, c.is_binned()), c.id.to_string()).revision(c.revision);
    Ok(match c.binned_at {
        Some(at) => item.gsi2(keys::BINNED_CONNECTORS, keys::binned_sort_key(&sort_time(at), c.id)),
        None => item,
    })
}

/// A connector's item read back: its body and the GSI1 partition [`connector`] listed it in,
/// which says its placement without decoding the body.
pub fn stored_connector(id: ConnectorId, body: impl Into<Arc<str>>, list: Option<&str>) -> StoreResult<StoredConnector> {
    let placement = list
        .and_then(keys::connector_placement)
        .ok_or_else(|| StoreError::undecodable(format!("connector {id}"), format!("its list key {list:?} names no organization's list or bin")))?;
    Ok(StoredConnector { placement, json: StoredJson::new(body) })
}

/// A version, beside its connector.
pub fn version(v: &Version) -> StoreResult<Item> {
    Ok(Item::new(keys::connector(v.connector_id), keys::version(v.number), v)?.revision(v.revision))
}

/// A job, listed under its version (`gsi1`); an unfinished one is also in the housekeeping
/// index (a finished job's put drops it from there).
pub fn job(job: &Job) -> StoreResult<Item> {
    let item = Item::new(keys::job(job.id), keys::META, job)?
        .gsi1(keys::version_jobs(job.connector_id, job.version), keys::job(job.id))
        .revision(job.revision);
    Ok(if job.status.is_finished() { item } else { item.gsi2(keys::UNFINISHED_JOBS, keys::job(job.id)) })
}

/// A transition, beside its connector, in time order.
pub fn transition(t: &Transition) -> StoreResult<Item> {
    Item::new(keys::connector(t.connector_id), keys::transition(t.version, uuid::Uuid::now_v7()), t)
}

/// A catalog entry, and a pointer to it under every place its release targets (listed by
/// connector in `gsi1`, so a new release can remove the old pointers).
pub fn catalog(e: &CatalogEntry) -> StoreResult<Vec<Item>> {
    let sk = keys::catalog_entry(e.connector_id, e.version);
    let mut items = vec![Item::new(keys::CATALOG, sk.clone(), e)?];
    for place in CatalogPlace::all_of(&e.release.targets) {
        let pk = keys::catalog_place(&place);
        let pointer = CatalogPointer { connector_id: e.connector_id, version: e.version };
        items.push(Item::new(pk.clone(), sk.clone(), &pointer)?.gsi1(keys::catalog_pointers(e.connector_id), pk));
    }
    Ok(items)
}

/// Fixed-width UTC time, so the text order of sort keys is time order.
pub fn sort_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use devportal_domain::connector::Placement;

    #[test]
    fn a_connector_read_back_is_placed_where_its_item_lists_it() {
        let mut record: Connector = serde_json::from_value(serde_json::json!({
            "id": ConnectorId::new(), "name": "c", "type": "datasource", "description": "", "readme": "",
            "flow": "default", "execution_mode": "env", "owner": devportal_domain::ids::OrgId::new(),
            "created_by": devportal_domain::ids::UserId::new(), "created_at": "2026-12-03T00:00:00Z",
            "updated_at": "2026-12-03T00:00:00Z", "main_version": null, "latest_version": 1, "has_logo": false,
            "released": false, "binned_at": null, "binned_by": null, "revision": 1
        }))
        .unwrap();
        for binned_at in [None, Some(Utc::now())] {
            record.binned_at = binned_at;
            let item = connector(&record).unwrap();
            let list = item.gsi1.as_ref().map(|(pk, _)| pk.as_str());
            let stored = stored_connector(record.id, item.body.clone(), list).unwrap();
            assert_eq!(stored.placement, Placement { owner: record.owner, binned: binned_at.is_some() });
            assert_eq!(stored.placement, record.placement(), "the list key and the record disagree");
            assert_eq!(stored.json.as_str(), item.body);
        }
        for list in [None, Some("ORGCONN#not-a-uuid"), Some(format!("USER#{}", record.owner).as_str())] {
            let error = stored_connector(record.id, "{}", list).unwrap_err();
            assert!(error.to_string().contains(&record.id.to_string()), "{error}");
        }
    }
}
