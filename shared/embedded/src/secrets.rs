//! `SecretStore` for a local installation: secret values live in the private database
//! (file mode 0600 in a 0700 directory), addressed by `local:<uuid>` references.

use crate::db::{ops, Db, Item};
use devportal_table::keys;
use async_trait::async_trait;
use devportal_domain::ids::{ConnectorId, SecretId};
use devportal_domain::ports::{SecretStore, StoreResult};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};
use serde::{Deserialize, Serialize};

const REF_PREFIX: &str = "local:";

#[derive(Clone)]
pub struct LocalSecrets {
    db: Db,
}

impl LocalSecrets {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredSecret {
    kind: SecretKind,
    owner: ConnectorId,
    value: String,
}

fn parse_ref(r: &SecretRef) -> Option<SecretId> {
    r.0.strip_prefix(REF_PREFIX)?.parse().ok()
}

#[async_trait]
impl SecretStore for LocalSecrets {
    async fn put(&self, kind: SecretKind, owner: ConnectorId, value: &SecretValue) -> StoreResult<SecretRef> {
        let id = SecretId::new();
        let item = Item::new(keys::secret(id), keys::META, &StoredSecret { kind, owner, value: value.expose().to_string() })?;
        self.db.write(move |tx| ops::insert(tx, &item, "secret")).await?;
        Ok(SecretRef(format!("{REF_PREFIX}{id}")))
    }

    async fn get(&self, reference: &SecretRef) -> StoreResult<Option<SecretValue>> {
        let Some(id) = parse_ref(reference) else { return Ok(None) };
        let stored: Option<StoredSecret> = self.db.read(move |c| ops::get(c, &keys::secret(id), keys::META)).await?;
        Ok(stored.map(|s| SecretValue::new(s.value)))
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
