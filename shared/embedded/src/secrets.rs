//! `SecretStore` for a local installation: secret values live in the private database
//! (file mode 0600 in a 0700 directory), addressed by `local:<uuid>` references, and are
//! encrypted there with a [`SecretKey`] that is not in the database (`secret_key.rs`).
//!
//! [`LocalSecrets::open`] checks the key before anything else: the database keeps a known
//! text sealed with the key it was first used with, so starting with another key (or none)
//! fails with a clear error instead of reading garbage. A database written before secrets were
//! encrypted has its plain values sealed in place, once, at that first open.

use crate::db::{ops, sql, Db, Item};
use crate::secret_key::{KeySource, OpenError, SecretKey};
use async_trait::async_trait;
use devportal_domain::ids::{ConnectorId, OrgId, SecretId};
use devportal_domain::ports::{SecretStore, StoreError, StoreResult, VaultStore};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};
use devportal_table::keys;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

const REF_PREFIX: &str = "local:";
/// What the key check item seals.
const KEY_CHECK_TEXT: &[u8] = b"devportal secret key check";
const KEY_CHECK_CONTEXT: &str = "devportal:key-check";

/// Why the secrets could not be opened with a key.
#[derive(Debug, thiserror::Error)]
pub enum SecretsOpenError {
    #[error(
        "the secret key from {source_name} is not the key this data directory's secrets were encrypted with; \
         start with the original key (DEVPORTAL_SECRET_KEY or --secret-key-file), or move the data directory aside to start over"
    )]
    WrongKey { source_name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct LocalSecrets {
    db: Db,
    key: Arc<SecretKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredSecret {
    kind: SecretKind,
    owner: ConnectorId,
    /// The value sealed with the key, bound to this secret's id, kind and owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
    /// A value stored in plain text before encryption at rest (sealed at the next open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct KeyCheck {
    sealed: String,
}

/// The associated data a secret's value is sealed with.
fn context(id: SecretId, kind: SecretKind, owner: ConnectorId) -> String {
    format!("devportal:secret:{id}:{}:{owner}", kind.as_str())
}

fn parse_ref(r: &SecretRef) -> Option<SecretId> {
    r.0.strip_prefix(REF_PREFIX)?.parse().ok()
}

fn decrypt_failure(id: SecretId, e: OpenError) -> StoreError {
    StoreError::Unavailable { message: format!("secret {id}: {e}"), retryable: false }
}

impl LocalSecrets {
    /// The secrets of `db`, sealed with `key`; refuses a key other than the one the database
    /// was first used with (`source` names where the key came from, for that message).
    pub async fn open(db: Db, key: SecretKey, source: &KeySource) -> Result<Self, SecretsOpenError> {
        let key = Arc::new(key);
        let k = key.clone();
        let outcome = db
            .write(move |tx| {
                let check: Option<KeyCheck> = ops::get(tx, keys::SECRET_KEY_CHECK, keys::META)?;
                if let Some(check) = check {
                    return Ok(k.open(&check.sealed, KEY_CHECK_CONTEXT).map(|_| 0usize).map_err(|_| ()));
                }
                // First open with a key: seal what an earlier version stored in plain text.
                let plain: Vec<(String, String)> = {
                    let mut stmt = tx.prepare("SELECT pk, body FROM items WHERE pk >= ?1 AND pk < ?1 || x'ff' AND sk = ?2").map_err(sql)?;
                    let rows = stmt.query_map(rusqlite::params![keys::SECRET_PREFIX, keys::META], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql)?;
                    rows.collect::<Result<_, _>>().map_err(sql)?
                };
                let mut sealed = 0;
                for (pk, body) in plain {
                    let mut stored: StoredSecret = crate::db::from_json(&body)?;
                    let (Some(value), Some(id)) = (stored.value.take(), pk.strip_prefix(keys::SECRET_PREFIX).and_then(|i| i.parse().ok())) else {
                        continue;
                    };
                    stored.sealed = Some(k.seal(value.as_bytes(), &context(id, stored.kind, stored.owner)));
                    ops::put(tx, &Item::new(pk, keys::META, &stored)?)?;
                    sealed += 1;
                }
                let check = KeyCheck { sealed: k.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT) };
                ops::put(tx, &Item::new(keys::SECRET_KEY_CHECK, keys::META, &check)?)?;
                Ok(Ok(sealed))
            })
            .await?;
        match outcome {
            Err(()) => Err(SecretsOpenError::WrongKey { source_name: source.to_string() }),
            Ok(sealed) => {
                if sealed > 0 {
                    tracing::info!(sealed, "encrypted secrets stored in plain text by an earlier version");
                    // The plain values must not linger in the write-ahead log.
                    let _ = db.checkpoint().await;
                }
                Ok(Self { db, key })
            }
        }
    }
}

#[async_trait]
impl SecretStore for LocalSecrets {
    async fn put(&self, kind: SecretKind, owner: ConnectorId, value: &SecretValue) -> StoreResult<SecretRef> {
        let id = SecretId::new();
        let sealed = self.key.seal(value.expose().as_bytes(), &context(id, kind, owner));
        let item = Item::new(keys::secret(id), keys::META, &StoredSecret { kind, owner, sealed: Some(sealed), value: None })?;
        self.db.write(move |tx| ops::insert(tx, &item, "secret")).await?;
        Ok(SecretRef(format!("{REF_PREFIX}{id}")))
    }

    async fn get(&self, reference: &SecretRef) -> StoreResult<Option<SecretValue>> {
        let Some(id) = parse_ref(reference) else { return Ok(None) };
        let stored: Option<StoredSecret> = self.db.read(move |c| ops::get(c, &keys::secret(id), keys::META)).await?;
        let Some(stored) = stored else { return Ok(None) };
        let sealed = stored.sealed.ok_or_else(|| decrypt_failure(id, OpenError))?;
        let plain = self.key.open(&sealed, &context(id, stored.kind, stored.owner)).map_err(|e| decrypt_failure(id, e))?;
        let text = String::from_utf8(plain).map_err(|_| decrypt_failure(id, OpenError))?;
        Ok(Some(SecretValue::new(text)))
    }

    async fn delete(&self, reference: &SecretRef) -> StoreResult<()> {
        let Some(id) = parse_ref(reference) else { return Ok(()) };
        self.db.write(move |tx| ops::delete(tx, &keys::secret(id), keys::META).map(|_| ())).await?;
        // Readers may hold the WAL open; a failed checkpoint is retried with the next one.
        if let Err(e) = self.db.checkpoint().await {
            tracing::debug!(error = %e, "checkpoint after deleting a secret did not complete");
        }
        Ok(())
    }
}

/// A vault entry as stored: field names in the clear (listings), values sealed together.
#[derive(Serialize, Deserialize)]
struct StoredVaultEntry {
    fields: Vec<String>,
    sealed: String,
}

fn vault_context(org: OrgId, path: &str) -> String {
    format!("devportal:vault:{org}:{path}")
}

#[async_trait]
impl VaultStore for LocalSecrets {
    async fn put_vault(&self, org: OrgId, path: &str, fields: &BTreeMap<String, SecretValue>) -> StoreResult<()> {
        let plain: BTreeMap<&str, &str> = fields.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        let json = serde_json::to_vec(&plain).map_err(|e| StoreError::Unavailable { message: format!("vault entry: {e}"), retryable: false })?;
        let entry = StoredVaultEntry { fields: fields.keys().cloned().collect(), sealed: self.key.seal(&json, &vault_context(org, path)) };
        let item = Item::new(keys::vault(org), path, &entry)?;
        self.db.write(move |tx| ops::put(tx, &item)).await?;
        let _ = self.db.checkpoint().await;
        Ok(())
    }

    async fn list_vault(&self, org: OrgId) -> StoreResult<Vec<(String, Vec<String>)>> {
        let pk = keys::vault(org);
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT sk, body FROM items WHERE pk = ?1 ORDER BY sk").map_err(sql)?;
                let rows = stmt.query_map([&pk], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql)?;
                let mut out = vec![];
                for row in rows {
                    let (path, body) = row.map_err(sql)?;
                    let entry: StoredVaultEntry = crate::db::from_json(&body)?;
                    out.push((path, entry.fields));
                }
                Ok(out)
            })
            .await
    }

    async fn read_vault(&self, org: OrgId, path: &str) -> StoreResult<Option<BTreeMap<String, SecretValue>>> {
        let (pk, sk) = (keys::vault(org), path.to_string());
        let entry: Option<StoredVaultEntry> = self.db.read(move |c| ops::get(c, &pk, &sk)).await?;
        let Some(entry) = entry else { return Ok(None) };
        let plain = self
            .key
            .open(&entry.sealed, &vault_context(org, path))
            .map_err(|e| StoreError::Unavailable { message: format!("vault entry `{path}`: {e}"), retryable: false })?;
        let map: BTreeMap<String, String> = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Unavailable { message: format!("vault entry `{path}`: {e}"), retryable: false })?;
        Ok(Some(map.into_iter().map(|(k, v)| (k, SecretValue::new(v))).collect()))
    }

    async fn delete_vault(&self, org: OrgId, path: &str) -> StoreResult<bool> {
        let (pk, sk) = (keys::vault(org), path.to_string());
        let existed = self.db.write(move |tx| ops::delete(tx, &pk, &sk)).await?;
        let _ = self.db.checkpoint().await;
        Ok(existed)
    }
}
