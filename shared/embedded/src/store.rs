//! `IdentityStore` and `ConnectorStore` on the embedded SQLite table.

use crate::db::{ops, sql, Db, Item};
use crate::read_cache::CachedItem;
use async_trait::async_trait;
use devportal_domain::connector::{Connector, StoredConnector};
use devportal_domain::idempotency::CreateClaim;
use devportal_domain::identity::{Email, Membership, Organization, TokenHash, TokenHolder, TokenRecord, User};
use devportal_domain::ids::{ConnectorId, OrgId, TokenId, UserId};
use devportal_domain::page::Page;
use devportal_domain::ports::{ConnectorQuery, ConnectorStore, IdentityStore, StoreResult};
use devportal_domain::stored::StoredJson;
use devportal_domain::version::Version;
use devportal_table::{item, keys};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The embedded store. Clones share the database.
#[derive(Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The item that makes e-mail addresses unique.
#[derive(Serialize, Deserialize)]
struct EmailClaim {
    user_id: UserId,
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn create_organization(&self, org: &Organization, admin: &Membership) -> StoreResult<()> {
        let items = [Item::new(keys::org(org.id), keys::META, org)?, item::membership(admin)?];
        self.db
            .write(move |tx| {
                ops::insert(tx, &items[0], "organization")?;
                ops::insert(tx, &items[1], "membership")
            })
            .await
    }

    async fn get_organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        self.db.read(move |c| ops::get(c, &keys::org(id), keys::META)).await
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Membership, Organization)>> {
        self.db
            .read(move |c| {
                let memberships: Vec<Membership> = ops::query_gsi1(c, &keys::user(user))?;
                let mut out = Vec::with_capacity(memberships.len());
                for m in memberships {
                    if let Some(org) = ops::get::<Organization>(c, &keys::org(m.org_id), keys::META)? {
                        out.push((m, org));
                    }
                }
                Ok(out)
            })
            .await
    }

    async fn add_member(&self, membership: &Membership) -> StoreResult<()> {
        let item = item::membership(membership)?;
        self.db.write(move |tx| ops::insert(tx, &item, "membership")).await
    }

    async fn create_user(&self, user: &User, first_token: &TokenRecord) -> StoreResult<()> {
        let user_item = Item::new(keys::user(user.id), keys::META, user)?;
        let claim = Item::new(keys::email(user.email.as_str()), keys::META, &EmailClaim { user_id: user.id })?;
        let tokens = item::token(first_token)?;
        self.db
            .write(move |tx| {
                ops::insert(tx, &claim, "user with this e-mail")?;
                ops::insert(tx, &user_item, "user")?;
                for t in &tokens {
                    ops::insert(tx, t, "token")?;
                }
                Ok(())
            })
            .await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.db.read(move |c| ops::get(c, &keys::user(id), keys::META)).await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let key = keys::email(email.as_str());
        self.db
            .read(move |c| match ops::get::<EmailClaim>(c, &key, keys::META)? {
                Some(claim) => ops::get(c, &keys::user(claim.user_id), keys::META),
                None => Ok(None),
            })
            .await
    }

    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()> {
        let items = item::token(token)?;
        self.db
            .write(move |tx| {
                for t in &items {
                    ops::insert(tx, t, "token")?;
                }
                Ok(())
            })
            .await
    }

    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenRecord>> {
        let key = keys::token_hash(&hash.0);
        self.db.read(move |c| ops::get(c, &key, keys::META)).await
    }

    async fn principal_by_token(&self, hash: &TokenHash) -> StoreResult<Option<Arc<TokenHolder>>> {
        let key = keys::token_hash(&hash.0);
        self.db
            .read(move |c| {
                let Some(token) = ops::get::<TokenRecord>(c, &key, keys::META)? else { return Ok(None) };
                let Some(user) = ops::get::<User>(c, &keys::user(token.user_id), keys::META)? else { return Ok(None) };
                let memberships: Vec<Membership> = ops::query_gsi1(c, &keys::user(user.id))?;
                Ok(Some(Arc::new(TokenHolder { token, user, memberships })))
            })
            .await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        self.db.read(move |c| ops::query_prefix(c, &keys::user(user), keys::TOKEN_PREFIX)).await
    }

    async fn revoke_token(&self, user: UserId, id: TokenId) -> StoreResult<bool> {
        self.db
            .write(move |tx| {
                let Some(t) = ops::get::<TokenRecord>(tx, &keys::user(user), &keys::token_sk(id))? else {
                    return Ok(false);
                };
                // The hash record stays, marked revoked, so a revoked preset token is not
                // registered again at the next start (docs/ARCHITECTURE.md *Storage layout*).
                let revoked = TokenRecord { revoked_at: Some(chrono::Utc::now()), ..t.clone() };
                ops::put(tx, &Item::new(keys::token_hash(&t.hash.0), keys::META, &revoked)?)?;
                ops::delete(tx, &keys::user(user), &keys::token_sk(id))
            })
            .await
    }

    async fn claim_create(&self, user: UserId, route: &str, key: &str, claim: &CreateClaim) -> StoreResult<CreateClaim> {
        let item = Item::new(keys::user(user), keys::create_claim(route, key), claim)?.expires_at(claim.expires_at);
        let now = chrono::Utc::now();
        let claim = claim.clone();
        self.db
            .write(move |tx| match ops::insert_unless_live(tx, &item, now, "Idempotency-Key claim") {
                Ok(()) => Ok(claim),
                Err(devportal_domain::ports::StoreError::AlreadyExists { .. }) => ops::get_live::<CreateClaim>(tx, &item.pk, &item.sk, now)?
                    .ok_or_else(|| crate::db::fatal("an Idempotency-Key claim vanished inside its transaction".into())),
                Err(e) => Err(e),
            })
            .await
    }
}

#[async_trait]
impl ConnectorStore for SqliteStore {
    async fn create_connector(&self, connector: &Connector, first: &Version) -> StoreResult<()> {
        let items = [item::connector(connector)?, item::version(first)?];
        self.db
            .write(move |tx| {
                ops::insert(tx, &items[0], "connector")?;
                ops::insert(tx, &items[1], "version")
            })
            .await
    }

    async fn get_stored_connector(&self, id: ConnectorId) -> StoreResult<Option<StoredConnector>> {
        let Some(CachedItem { body, list }) = self.db.cached_item(&keys::connector(id), keys::META).await? else { return Ok(None) };
        item::stored_connector(id, body, list.as_deref()).map(Some)
    }

    async fn update_connector(&self, connector: &Connector, expected_revision: u64) -> StoreResult<()> {
        let item = item::connector(connector)?;
        self.db.write(move |tx| ops::update(tx, &item, expected_revision, "connector")).await
    }

    async fn list_connectors(&self, query: &ConnectorQuery) -> StoreResult<Page<StoredJson<Connector>>> {
        // Partitions of GSI1, one per organization, merged in id (= creation) order.
        let q = query;
        let partitions: Vec<String> = q.orgs.iter().map(|org| keys::connector_list(*org, q.binned)).collect();
        let mut sql_text = String::from("SELECT gsi1sk, body FROM items WHERE gsi1pk IN (");
        let mut args: Vec<Value> = vec![];
        for (i, partition) in partitions.iter().enumerate() {
            sql_text.push_str(if i == 0 { "?" } else { ", ?" });
            args.push(Value::Text(partition.clone()));
        }
        sql_text.push(')');
        if let Some(after) = q.after {
            sql_text.push_str(" AND gsi1sk > ?");
            args.push(Value::Text(after.to_string()));
        }
        if let Some(t) = q.connector_type {
            sql_text.push_str(" AND json_extract(body, '$.type') = ?");
            args.push(Value::Text(t.as_str().into()));
        }
        if let Some(name) = &q.name_contains {
            sql_text.push_str(" AND instr(lower(json_extract(body, '$.name')), lower(?)) > 0");
            args.push(Value::Text(name.clone()));
        }
        if let Some(released) = q.released {
            sql_text.push_str(" AND json_extract(body, '$.released') = ?");
            args.push(Value::Integer(released as i64));
        }
        sql_text.push_str(" ORDER BY gsi1sk LIMIT ?");
        args.push(Value::Integer(q.limit as i64 + 1));
        // The statement and its arguments are everything the page depends on besides the
        // partitions' rows.
        let cache_key = format!("{sql_text} {args:?}");
        let limit = q.limit as usize;
        self.db
            .cached_query(
                cache_key,
                partitions,
                |page: &Page<StoredJson<Connector>>| page.items.iter().map(|c| c.as_str().len()).sum(),
                move |c| {
                    let mut stmt = c.prepare_cached(&sql_text).map_err(sql)?;
                    // The stored bodies as they are: the API answers them without a decode (the
                    // list sort key is the connector's id, which is also the cursor).
                    let rows =
                        stmt.query_map(rusqlite::params_from_iter(args), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql)?;
                    let mut rows: Vec<(String, String)> = rows.collect::<Result<_, _>>().map_err(sql)?;
                    let next_cursor = if rows.len() > limit {
                        rows.truncate(limit);
                        rows.last().map(|(id, _)| id.clone())
                    } else {
                        None
                    };
                    Ok(Page { items: rows.into_iter().map(|(_, body)| StoredJson::new(body)).collect(), next_cursor })
                },
            )
            .await
    }

    async fn get_version(&self, connector: ConnectorId, number: u32) -> StoreResult<Option<Version>> {
        let body = self.db.cached_body(&keys::connector(connector), &keys::version(number)).await?;
        body.map(|b| crate::db::from_json(&b)).transpose()
    }

    async fn list_versions(&self, connector: ConnectorId) -> StoreResult<Vec<Version>> {
        self.db.read(move |c| ops::query_prefix(c, &keys::connector(connector), keys::VERSION_PREFIX)).await
    }

    async fn update_version(&self, version: &Version, expected_revision: u64) -> StoreResult<()> {
        let item = item::version(version)?;
        self.db.write(move |tx| ops::update(tx, &item, expected_revision, "version")).await
    }

    async fn create_version(&self, version: &Version) -> StoreResult<()> {
        let item = item::version(version)?;
        self.db.write(move |tx| ops::insert(tx, &item, "version")).await
    }

    async fn delete_version(&self, connector: ConnectorId, number: u32, expected_revision: u64) -> StoreResult<()> {
        self.db.write(move |tx| ops::delete_if(tx, &keys::connector(connector), &keys::version(number), expected_revision, "version")).await
    }

    async fn put_logo(&self, connector: ConnectorId, svg: &str) -> StoreResult<()> {
        let item = Item::new(keys::connector(connector), keys::LOGO, &svg)?;
        self.db.write(move |tx| ops::put(tx, &item)).await
    }

    async fn get_logo(&self, connector: ConnectorId) -> StoreResult<Option<String>> {
        self.db.read(move |c| ops::get(c, &keys::connector(connector), keys::LOGO)).await
    }

    async fn binned_before(&self, cutoff: chrono::DateTime<chrono::Utc>) -> StoreResult<Vec<ConnectorId>> {
        let connectors: Vec<Connector> = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT body FROM items WHERE gsi1pk LIKE 'ORGBIN#%' AND sk = 'META'").map_err(sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(sql)?;
                rows.map(|r| r.map_err(sql).and_then(|b| crate::db::from_json(&b))).collect()
            })
            .await?;
        Ok(connectors.into_iter().filter(|c| c.binned_at.is_some_and(|t| t < cutoff)).map(|c| c.id).collect())
    }

    async fn purge_connector(&self, connector: ConnectorId) -> StoreResult<()> {
        let id = connector.to_string();
        self.db
            .write(move |tx| {
                let like = |prefix: &str| format!("{prefix}{id}%");
                // Job logs and queued messages of the connector's jobs first (they name the jobs).
                tx.execute(
                    "DELETE FROM job_log WHERE job IN (SELECT substr(pk, 5) FROM items WHERE gsi1pk LIKE ?1 AND pk LIKE 'JOB#%')",
                    rusqlite::params![like("CONNVER#")],
                )
                .map_err(sql)?;
                tx.execute("DELETE FROM queue WHERE json_extract(body, '$.connector_id') = ?1", rusqlite::params![id]).map_err(sql)?;
                tx.execute("DELETE FROM items WHERE gsi1pk LIKE ?1", rusqlite::params![like("CONNVER#")]).map_err(sql)?;
                tx.execute("DELETE FROM items WHERE pk = ?1", rusqlite::params![format!("CONN#{id}")]).map_err(sql)?;
                tx.execute("DELETE FROM items WHERE pk = 'CATALOG' AND sk LIKE ?1", rusqlite::params![like("")]).map_err(sql)?;
                tx.execute("DELETE FROM items WHERE gsi1pk = ?1", rusqlite::params![crate::keys::catalog_pointers(connector)]).map_err(sql)?;
                tx.execute("DELETE FROM items WHERE pk LIKE ?1", rusqlite::params![like("INSTALL#inst-")]).map_err(sql)?;
                tx.execute(
                    "DELETE FROM items WHERE pk = 'DIRECTORY' AND (sk LIKE ?1 OR sk LIKE ?2)",
                    rusqlite::params![like("SITE#dev-"), like("PROJECT#dev-")],
                )
                .map_err(sql)?;
                tx.execute("DELETE FROM items WHERE pk LIKE ?1 AND sk LIKE 'ASSIGN#%'", rusqlite::params![like("SITE#dev-")]).map_err(sql)?;
                Ok(())
            })
            .await
    }
}
