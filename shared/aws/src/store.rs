//! `IdentityStore` and `ConnectorStore` on one DynamoDB table, with the same single-table key
//! design as the embedded SQLite store (`devportal_table::keys`).
//!
//! Item attributes: `pk`, `sk` (the key), `gsi1pk`/`gsi1sk` (GSI `gsi1`), `revision` (N),
//! `expires_at` (N, the TTL attribute), `body` (S, the record as JSON).
//!
//! - Creates are conditional on `attribute_not_exists(pk)`; records created together are written
//!   in one `TransactWriteItems`, whose cancellation reasons say which item already existed.
//! - Updates replace the item on condition `revision = :expected`; when that fails, a consistent
//!   read of the current revision tells `Conflict { current }` from `NotFound`.
//! - Point reads and base-table queries are strongly consistent (like SQLite: a write is seen by
//!   the next read). Queries on `gsi1` (a user's memberships, the connector list) cannot be: on
//!   real DynamoDB a record written a moment ago may be missing from them for a short while.
//! - The connector list filters item bodies in code (the body is one JSON string), so each
//!   organization's GSI partition is paged until `limit + 1` matching connectors or its end;
//!   the organizations' results are merged by id.
//! - Items over DynamoDB's 400 KB limit are refused before any request, with sizes only in the
//!   message (SQLite has no such limit). The domain's text limits count characters, so a
//!   connector whose 100,000-character readme is made of 4-byte characters (about 409 KB of
//!   JSON) is valid but too large here; one in 3-byte characters (about 306 KB) fits.

use crate::error::{fatal, unavailable};
use crate::items::{self, body_of, build_error, key, query_index, query_keys, Attrs, IndexKey, Pages};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use devportal_domain::connector::{Connector, StoredConnector};
use devportal_domain::idempotency::CreateClaim;
use devportal_domain::identity::{Email, Membership, Organization, TokenHash, TokenHolder, TokenRecord, User};
use devportal_domain::ids::{ConnectorId, OrgId, TokenId, UserId};
use devportal_domain::page::Page;
use devportal_domain::ports::{ConnectorQuery, ConnectorStore, IdentityStore, StoreError, StoreResult};
use devportal_domain::stored::StoredJson;
use devportal_domain::version::Version;
use devportal_table::attr;
use devportal_table::{item, keys, Item};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The largest item this adapter writes (attribute names and values, UTF-8 bytes): DynamoDB's
/// documented 400 KB, read as 400,000 bytes. DynamoDB itself refuses a little above 409,000 and
/// moto above 405,000; checking first gives one clear answer on both.
pub const MAX_ITEM_BYTES: usize = 400_000;

/// The DynamoDB store. Clones share the client.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table` (create it with [`crate::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// The item that makes e-mail addresses unique (same body as in the embedded store).
#[derive(Serialize, Deserialize)]
struct EmailClaim {
    user_id: UserId,
}

/// The table's items as DynamoDB stores them: attribute values, sized as DynamoDB counts.
/// (The item type and each record's items are `devportal-table`'s, shared with SQLite.)
pub(crate) trait DynamoItem {
    fn size(&self) -> usize;
    fn check_size(&self, what: &str) -> StoreResult<()>;
    fn into_attrs(self) -> Attrs;
}

impl DynamoItem for Item {
    /// The item's size as DynamoDB counts it (numbers slightly over-estimated).
    fn size(&self) -> usize {
        let string = |name: &str, value: &str| name.len() + value.len();
        let number = |name: &str, digits: usize| name.len() + digits / 2 + 2;
        let mut n = string(attr::PK, &self.pk) + string(attr::SK, &self.sk) + string(attr::BODY, &self.body);
        if let Some((p, s)) = &self.gsi1 {
            n += string(attr::GSI1PK, p) + string(attr::GSI1SK, s);
        }
        if let Some((p, s)) = &self.gsi2 {
            n += string(attr::GSI2PK, p) + string(attr::GSI2SK, s);
        }
        n += number(attr::REVISION, self.revision.to_string().len());
        if let Some(t) = self.expires_at {
            n += number(attr::EXPIRES_AT, t.to_string().len());
        }
        n
    }

    /// Refuses, before any request, an item DynamoDB would refuse: a record of that size is a
    /// permanent failure, told in sizes only (never the content).
    fn check_size(&self, what: &str) -> StoreResult<()> {
        let size = self.size();
        if size > MAX_ITEM_BYTES {
            return Err(fatal(format!("the {what} is too large to store: {size} bytes, over DynamoDB's item limit of {MAX_ITEM_BYTES} bytes")));
        }
        Ok(())
    }

    fn into_attrs(self) -> Attrs {
        let mut a = key(&self.pk, &self.sk);
        if let Some((p, s)) = self.gsi1 {
            a.insert(attr::GSI1PK.into(), AttributeValue::S(p));
            a.insert(attr::GSI1SK.into(), AttributeValue::S(s));
        }
        if let Some((p, s)) = self.gsi2 {
            a.insert(attr::GSI2PK.into(), AttributeValue::S(p));
            a.insert(attr::GSI2SK.into(), AttributeValue::S(s));
        }
        a.insert(attr::REVISION.into(), AttributeValue::N(self.revision.to_string()));
        if let Some(t) = self.expires_at {
            a.insert(attr::EXPIRES_AT.into(), AttributeValue::N(t.to_string()));
        }
        a.insert(attr::BODY.into(), AttributeValue::S(self.body));
        a
    }
}

/// Whether a connector passes the list's filters. The name match folds ASCII case only, like
/// SQLite's `lower()` in the embedded store, so both adapters answer the same.
fn matches(c: &Connector, q: &ConnectorQuery) -> bool {
    if q.connector_type.is_some_and(|t| t != c.connector_type) {
        return false;
    }
    if q.released.is_some_and(|r| r != c.released) {
        return false;
    }
    if let Some(needle) = &q.name_contains {
        if !c.name.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()) {
            return false;
        }
    }
    true
}

/// Puts new items in one transaction; `AlreadyExists { what }` of the first item whose key
/// was taken, and then nothing is written.
pub(crate) async fn insert_all(client: &Client, table: &str, items: Vec<(Item, &str)>) -> StoreResult<()> {
    let mut whats = Vec::with_capacity(items.len());
    let mut writes = Vec::with_capacity(items.len());
    let now = chrono::Utc::now().timestamp();
    for (item, what) in items {
        item.check_size(what)?;
        whats.push(what);
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item.into_attrs()))
            .condition_expression(crate::items::INSERT_CONDITION)
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .build()
            .map_err(build_error)?;
        writes.push(TransactWriteItem::builder().put(put).build());
    }
    match client.transact_write_items().set_transact_items(Some(writes)).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                e.as_service_error()
            {
                let reasons = cancelled.cancellation_reasons();
                if let Some(i) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                    let what = whats.get(i).copied().unwrap_or("item");
                    return Err(StoreError::AlreadyExists { what: what.to_string() });
                }
                // Cancelled for another reason (a concurrent transaction, throttling).
                let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).filter(|c| *c != "None").collect();
                let retryable = codes.iter().all(|c| crate::error::is_retryable_code(c) || c.ends_with("Conflict"));
                return Err(StoreError::Unavailable {
                    message: format!("TransactWriteItems: transaction cancelled ({})", codes.join(", ")),
                    retryable,
                });
            }
            Err(unavailable("TransactWriteItems", e))
        }
    }
}

/// Replaces an item whose stored revision is `expected`.
pub(crate) async fn update_item(client: &Client, table: &str, item: Item, expected: u64, what: &str) -> StoreResult<()> {
    item.check_size(what)?;
    let (pk, sk) = (item.pk.clone(), item.sk.clone());
    let res = client
        .put_item()
        .table_name(table)
        .set_item(Some(item.into_attrs()))
        .condition_expression("#rev = :expected")
        .expression_attribute_names("#rev", attr::REVISION)
        .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        .send()
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Err(lost_revision_check(client, table, &pk, &sk, what).await?)
        }
        Err(e) => Err(unavailable("PutItem", e)),
    }
}

/// What a failed `revision = :expected` condition means: the item moved on (`Conflict` with
/// its current revision) or is gone (`NotFound`).
pub(crate) async fn lost_revision_check(client: &Client, table: &str, pk: &str, sk: &str, what: &str) -> StoreResult<StoreError> {
    Ok(match items::current_revision(client, table, pk, sk).await? {
        Some(current) => StoreError::Conflict { current },
        None => StoreError::NotFound { what: what.to_string() },
    })
}

impl DynamoStore {
    async fn get<T: DeserializeOwned>(&self, pk: &str, sk: &str) -> StoreResult<Option<T>> {
        items::get(&self.client, &self.table, pk, sk).await
    }

    /// What a failed `revision = :expected` condition means: the item moved on (`Conflict`
    /// with its current revision) or is gone (`NotFound`).
    async fn lost_revision_check(&self, pk: &str, sk: &str, what: &str) -> StoreResult<StoreError> {
        lost_revision_check(&self.client, &self.table, pk, sk, what).await
    }

    /// Puts a new item; `AlreadyExists { what }` if its key is taken.
    async fn insert(&self, item: Item, what: &str) -> StoreResult<()> {
        item.check_size(what)?;
        if items::put_if_absent(&self.client, &self.table, item.into_attrs()).await? {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists { what: what.to_string() })
        }
    }

    /// Puts new items in one transaction (see [`insert_all`]).
    async fn insert_all(&self, items: Vec<(Item, &str)>) -> StoreResult<()> {
        insert_all(&self.client, &self.table, items).await
    }

    /// Replaces an item whose stored revision is `expected` (see [`update_item`]).
    async fn update(&self, item: Item, expected: u64, what: &str) -> StoreResult<()> {
        update_item(&self.client, &self.table, item, expected, what).await
    }

    /// Writes an item whatever was there.
    async fn put(&self, item: Item, what: &str) -> StoreResult<()> {
        item.check_size(what)?;
        self.client.put_item().table_name(&self.table).set_item(Some(item.into_attrs())).send().await.map_err(|e| unavailable("PutItem", e))?;
        Ok(())
    }

    /// Deletes an item whatever it holds (idempotent).
    async fn delete_key(&self, pk: &str, sk: &str) -> StoreResult<()> {
        self.client.delete_item().table_name(&self.table).set_key(Some(key(pk, sk))).send().await.map_err(|e| unavailable("DeleteItem", e))?;
        Ok(())
    }

    /// Items of a partition whose sort key starts with `prefix`, in sort-key order.
    async fn query_prefix<T: DeserializeOwned>(&self, pk: &str, prefix: &str) -> StoreResult<Vec<T>> {
        items::query_prefix(&self.client, &self.table, pk, prefix).await
    }

    /// Items of a GSI1 partition, in GSI1 sort-key order.
    async fn query_gsi1<T: DeserializeOwned>(&self, gsi1pk: &str) -> StoreResult<Vec<T>> {
        items::query_index(&self.client, &self.table, IndexKey::gsi1(gsi1pk)).await
    }

    /// The first `want` connectors of one organization that pass the filters, in id order:
    /// each one's id (as its sort key) and stored body.
    async fn org_connectors(&self, org: OrgId, q: &ConnectorQuery, want: usize) -> StoreResult<Vec<(String, StoredJson<Connector>)>> {
        let filtered = q.name_contains.is_some() || q.connector_type.is_some() || q.released.is_some();
        // `Limit` counts items read, before filtering: read larger pages when filters may drop many.
        let page_size = if filtered { want.max(100) } else { want }.clamp(1, 1000) as i32;
        let pk = keys::connector_list(org, q.binned);
        let after = q.after.map(|a| a.to_string());
        let key = match &after {
            Some(after) => IndexKey::gsi1(&pk).sort_above(after),
            None => IndexKey::gsi1(&pk),
        };
        let mut found = Vec::new();
        items::query_pages(&self.client, &self.table, &key, Pages { page_size: Some(page_size), ..Pages::default() }, |item| {
            let c: Connector = body_of(item)?;
            if matches(&c, q) {
                found.push((c.id.to_string(), StoredJson::new(items::body_text(item)?)));
            }
            Ok(found.len() < want)
        })
        .await?;
        Ok(found)
    }
}

#[async_trait]
impl IdentityStore for DynamoStore {
    async fn create_organization(&self, org: &Organization, admin: &Membership) -> StoreResult<()> {
        self.insert_all(vec![(Item::new(keys::org(org.id), keys::META, org)?, "organization"), (item::membership(admin)?, "membership")]).await
    }

    async fn get_organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        self.get(&keys::org(id), keys::META).await
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Membership, Organization)>> {
        let memberships: Vec<Membership> = self.query_gsi1(&keys::user(user)).await?;
        let mut out = Vec::with_capacity(memberships.len());
        for m in memberships {
            if let Some(org) = self.get::<Organization>(&keys::org(m.org_id), keys::META).await? {
                out.push((m, org));
            }
        }
        Ok(out)
    }

    async fn add_member(&self, membership: &Membership) -> StoreResult<()> {
        self.insert(item::membership(membership)?, "membership").await
    }

    async fn create_user(&self, user: &User, first_token: &TokenRecord) -> StoreResult<()> {
        let [listing, by_hash] = item::token(first_token)?;
        // Same order as the embedded store, so a double conflict names the same item.
        self.insert_all(vec![
            (Item::new(keys::email(user.email.as_str()), keys::META, &EmailClaim { user_id: user.id })?, "user with this e-mail"),
            (Item::new(keys::user(user.id), keys::META, user)?, "user"),
            (listing, "token"),
            (by_hash, "token"),
        ])
        .await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.get(&keys::user(id), keys::META).await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        match self.get::<EmailClaim>(&keys::email(email.as_str()), keys::META).await? {
            Some(claim) => self.get(&keys::user(claim.user_id), keys::META).await,
            None => Ok(None),
        }
    }

    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()> {
        let [listing, by_hash] = item::token(token)?;
        self.insert_all(vec![(listing, "token"), (by_hash, "token")]).await
    }

    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenRecord>> {
        self.get(&keys::token_hash(&hash.0), keys::META).await
    }

    async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<Arc<TokenHolder>>> {
        let Some(token) = self.find_token(hash).await? else { return Ok(None) };
        let Some(user) = self.get_user(token.user_id).await? else { return Ok(None) };
        let memberships = self.query_gsi1::<Membership>(&keys::user(user.id)).await?;
        Ok(Some(Arc::new(TokenHolder { token, user, memberships })))
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        self.query_prefix(&keys::user(user), keys::TOKEN_PREFIX).await
    }

    async fn revoke_token(&self, user: UserId, id: TokenId) -> StoreResult<bool> {
        let (pk, sk) = (keys::user(user), keys::token_sk(id));
        let Some(token) = self.get::<TokenRecord>(&pk, &sk).await? else {
            return Ok(false);
        };
        let listing = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(&pk, &sk)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .build()
            .map_err(build_error)?;
        // The hash record stays, marked revoked, so a revoked preset token is not registered
        // again at the next start (docs/ARCHITECTURE.md *Storage layout*).
        let revoked = TokenRecord { revoked_at: Some(chrono::Utc::now()), ..token.clone() };
        let tombstone = Item::new(keys::token_hash(&token.hash.0), keys::META, &revoked)?;
        let by_hash = Put::builder().table_name(&self.table).set_item(Some(tombstone.into_attrs())).build().map_err(build_error)?;
        let res = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(listing).build())
            .transact_items(TransactWriteItem::builder().put(by_hash).build())
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) => {
                let gone = matches!(
                    e.as_service_error(),
                    Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c))
                        if c.cancellation_reasons().first().and_then(|r| r.code()) == Some("ConditionalCheckFailed")
                );
                // Revoked concurrently between the read and the delete: there is none any more.
                if gone {
                    Ok(false)
                } else {
                    Err(unavailable("TransactWriteItems", e))
                }
            }
        }
    }

    async fn claim_create(&self, user: UserId, route: &str, key: &str, claim: &CreateClaim) -> StoreResult<CreateClaim> {
        let (pk, sk) = (keys::user(user), keys::create_claim(route, key));
        let item = Item::new(pk.clone(), sk.clone(), claim)?.expires_at(claim.expires_at);
        match insert_all(&self.client, &self.table, vec![(item, "Idempotency-Key claim")]).await {
            Ok(()) => Ok(claim.clone()),
            // A live claim holds the key (strongly consistent read of it).
            Err(StoreError::AlreadyExists { .. }) => {
                items::get_live(&self.client, &self.table, &pk, &sk, chrono::Utc::now().timestamp()).await?.ok_or_else(|| StoreError::Unavailable {
                    message: "an Idempotency-Key claim expired while it was read; try again".into(),
                    retryable: true,
                })
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl ConnectorStore for DynamoStore {
    async fn create_connector(&self, connector: &Connector, first: &Version) -> StoreResult<()> {
        self.insert_all(vec![(item::connector(connector)?, "connector"), (item::version(first)?, "version")]).await
    }

    async fn get_stored_connector(&self, id: ConnectorId) -> StoreResult<Option<StoredConnector>> {
        let Some(found) = items::get_item(&self.client, &self.table, &keys::connector(id), keys::META).await? else { return Ok(None) };
        let list = found.get(attr::GSI1PK).and_then(|v| v.as_s().ok());
        item::stored_connector(id, items::body_text(&found)?, list.map(String::as_str)).map(Some)
    }

    async fn update_connector(&self, connector: &Connector, expected_revision: u64) -> StoreResult<()> {
        self.update(item::connector(connector)?, expected_revision, "connector").await
    }

    async fn list_connectors(&self, query: &ConnectorQuery) -> StoreResult<Page<StoredJson<Connector>>> {
        let limit = query.limit as usize;
        let want = limit + 1;
        let mut orgs = query.orgs.clone();
        orgs.sort();
        orgs.dedup();
        let mut items = Vec::new();
        for org in orgs {
            items.extend(self.org_connectors(org, query, want).await?);
        }
        // Merge by id (= creation order), exactly as the string sort key orders them.
        items.sort_by(|(a, _), (b, _)| a.cmp(b));
        items.dedup_by(|(a, _), (b, _)| a == b);
        items.truncate(want);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|(id, _)| id.clone())
        } else {
            None
        };
        Ok(Page { items: items.into_iter().map(|(_, body)| body).collect(), next_cursor })
    }

    async fn get_version(&self, connector: ConnectorId, number: u32) -> StoreResult<Option<Version>> {
        self.get(&keys::connector(connector), &keys::version(number)).await
    }

    async fn list_versions(&self, connector: ConnectorId) -> StoreResult<Vec<Version>> {
        self.query_prefix(&keys::connector(connector), keys::VERSION_PREFIX).await
    }

    async fn create_version(&self, version: &Version) -> StoreResult<()> {
        self.insert(item::version(version)?, "version").await
    }

    async fn delete_version(&self, connector: ConnectorId, number: u32, expected_revision: u64) -> StoreResult<()> {
        let (pk, sk) = (keys::connector(connector), keys::version(number));
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(&pk, &sk)))
            .condition_expression("#rev = :expected")
            .expression_attribute_names("#rev", attr::REVISION)
            .expression_attribute_values(":expected", AttributeValue::N(expected_revision.to_string()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(self.lost_revision_check(&pk, &sk, "version").await?)
            }
            Err(e) => Err(unavailable("DeleteItem", e)),
        }
    }

    async fn put_logo(&self, connector: ConnectorId, svg: &str) -> StoreResult<()> {
        self.put(Item::new(keys::connector(connector), keys::LOGO, &svg)?, "logo").await
    }

    async fn get_logo(&self, connector: ConnectorId) -> StoreResult<Option<String>> {
        self.get(&keys::connector(connector), keys::LOGO).await
    }

    async fn binned_before(&self, cutoff: chrono::DateTime<chrono::Utc>) -> StoreResult<Vec<ConnectorId>> {
        // The sparse GSI2 partition of binned connectors, up to the cutoff: no scan.
        let below = format!("{}#", item::sort_time(cutoff));
        let binned: Vec<Connector> = query_index(&self.client, &self.table, IndexKey::gsi2(keys::BINNED_CONNECTORS).sort_below(&below)).await?;
        Ok(binned.into_iter().filter(|c| c.binned_at.is_some_and(|t| t < cutoff)).map(|c| c.id).collect())
    }

    async fn purge_connector(&self, connector: ConnectorId) -> StoreResult<()> {
        // Everything the connector owns, found by key: its partition (connector, versions,
        // logo, transitions, idempotency claims), each version's jobs (GSI1), its catalog
        // entries and their pointers (GSI1). Queries only, never a scan.
        let mut doomed = query_keys(&self.client, &self.table, IndexKey::table(&keys::connector(connector))).await?;
        let versions = doomed.iter().filter_map(|(_, sk)| sk.strip_prefix(keys::VERSION_PREFIX)?.parse::<u32>().ok()).collect::<Vec<_>>();
        for n in versions {
            doomed.extend(query_keys(&self.client, &self.table, IndexKey::gsi1(&keys::version_jobs(connector, n))).await?);
        }
        doomed.extend(query_keys(&self.client, &self.table, IndexKey::table(keys::CATALOG).sort_prefix(&format!("{connector}#"))).await?);
        doomed.extend(query_keys(&self.client, &self.table, IndexKey::gsi1(&keys::catalog_pointers(connector))).await?);
        doomed.sort();
        doomed.dedup();
        for (pk, sk) in doomed {
            self.delete_key(&pk, &sk).await?;
        }
        Ok(())
    }

    async fn update_version(&self, version: &Version, expected_revision: u64) -> StoreResult<()> {
        self.update(item::version(version)?, expected_revision, "version").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::revision_of;
    use devportal_domain::connector::{ConnectorType, ExecutionMode, Flow};

    fn connector(name: &str, t: ConnectorType, released: bool) -> Connector {
        let now = "2024-01-01T00:00:00Z".parse().unwrap();
        Connector {
            id: ConnectorId::new(),
            name: name.into(),
            connector_type: t,
            description: String::new(),
            readme: String::new(),
            flow: Flow::Default,
            execution_mode: ExecutionMode::Env,
            owner: OrgId::new(),
            created_by: UserId::new(),
            created_at: now,
            updated_at: now,
            main_version: None,
            latest_version: 1,
            has_logo: false,
            released,
            binned_at: None,
            binned_by: None,
            revision: 1,
        }
    }

    #[test]
    fn filters_fold_ascii_case_and_combine() {
        let c = connector("Shopify Orders", ConnectorType::Datasource, false);
        let q = |n: Option<&str>, t: Option<ConnectorType>, r: Option<bool>| ConnectorQuery {
            name_contains: n.map(str::to_string),
            connector_type: t,
            released: r,
            ..Default::default()
        };
        assert!(matches(&c, &q(None, None, None)));
        assert!(matches(&c, &q(Some("fy ord"), None, None)));
        assert!(matches(&c, &q(Some("SHOPIFY"), Some(ConnectorType::Datasource), Some(false))));
        assert!(!matches(&c, &q(Some("amazon"), None, None)));
        assert!(!matches(&c, &q(None, Some(ConnectorType::Export), None)));
        assert!(!matches(&c, &q(None, None, Some(true))));
    }

    #[test]
    fn items_carry_keys_gsi_revision_and_body() {
        let c = connector("x", ConnectorType::Write, true);
        let attrs = item::connector(&c).unwrap().into_attrs();
        assert_eq!(attrs[attr::PK], AttributeValue::S(keys::connector(c.id)));
        assert_eq!(attrs[attr::SK], AttributeValue::S(keys::META.into()));
        assert_eq!(attrs[attr::GSI1PK], AttributeValue::S(keys::org_connectors(c.owner)));
        assert_eq!(attrs[attr::GSI1SK], AttributeValue::S(c.id.to_string()));
        assert_eq!(attrs[attr::REVISION], AttributeValue::N("1".into()));
        assert!(!attrs.contains_key(attr::EXPIRES_AT));
        let back: Connector = body_of(&attrs).unwrap();
        assert_eq!(back, c);
        assert_eq!(revision_of(&attrs).unwrap(), 1);
    }

    #[test]
    fn item_size_counts_names_and_utf8_bytes() {
        let small = Item::new("pk1", "META", &"é").unwrap();
        // pk+pk1, sk+META, body+"é" in quotes (4 bytes), revision+number.
        assert_eq!(small.size(), 2 + 3 + 2 + 4 + 4 + 4 + 8 + 2);
        let big = Item::new("p", "s", &"😀".repeat(102_400)).unwrap();
        assert!(big.size() > MAX_ITEM_BYTES);
        assert!(big.check_size("connector").unwrap_err().to_string().contains("too large"));
        assert!(Item::new("p", "s", &"字".repeat(100_000)).unwrap().check_size("connector").is_ok());
    }
}
