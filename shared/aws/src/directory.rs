//! `Directory` on the DynamoDB single table: the platform directory (accounts, projects, sites)
//! and the dev platform's installations and site assignments, at the same keys and with the
//! same bodies as the embedded `LocalDirectory` (`devportal_table::keys`,
//! `devportal_domain::directory`), so both adapters mean the same records.
//!
//! | record | pk | sk |
//! |---|---|---|
//! | account / project / site | `DIRECTORY` | `ACCOUNT#<id>` / `PROJECT#<id>` / `SITE#<id>` |
//! | installation | `INSTALL#<id>` | `META` |
//! | assignment | `SITE#<site>` | `ASSIGN#<installation>` |
//!
//! Every write creates a record whose id is derived from what it stands for, conditional on
//! `attribute_not_exists(pk)`: a record that is already there is left as it is and counts as
//! written. So `seed`, `ensure_dev_site`, `install` and `assign` are idempotent, also when two
//! workers run them at once (one put wins, the other's condition fails, both answer the same).
//! The lists are strongly consistent queries of the `DIRECTORY` partition, in id order.

use crate::error::fatal;
use crate::items::{self, key, Attrs};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use devportal_domain::directory::{self, store_failure, Assignment, DirectoryRecord, Installation};
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::pipeline::{Account, Project, Site};
use devportal_domain::ports::{Directory, StageFailure, StoreError, StoreResult};
use devportal_table::{attr, keys};
use serde::Serialize;

/// The platform directory on DynamoDB. Clones share the client.
#[derive(Clone, Debug)]
pub struct DynamoDirectory {
    client: Client,
    table: String,
}

impl DynamoDirectory {
    /// A directory on `table` (create it with [`crate::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Seeds the example directory (idempotent; existing records are left as they are).
    pub async fn seed(&self) -> StoreResult<()> {
        let example = directory::example_directory();
        for a in &example.accounts {
            self.insert_if_missing(keys::DIRECTORY, &keys::directory_account(&a.id), a).await?;
        }
        for p in &example.projects {
            self.insert_if_missing(keys::DIRECTORY, &keys::directory_project(&p.id), p).await?;
        }
        for s in &example.sites {
            self.insert_if_missing(keys::DIRECTORY, &keys::directory_site(&s.id), s).await?;
        }
        Ok(())
    }

    /// Puts a record unless its key is taken (then the stored one stays); whether it was put.
    async fn insert_if_missing(&self, pk: &str, sk: &str, body: &impl Serialize) -> StoreResult<bool> {
        let body = serde_json::to_string(body).map_err(|e| fatal(format!("cannot encode item: {e}")))?;
        let mut item: Attrs = key(pk, sk);
        item.insert(attr::REVISION.into(), AttributeValue::N("0".into()));
        item.insert(attr::BODY.into(), AttributeValue::S(body));
        items::put_if_absent(&self.client, &self.table, item).await
    }
}

#[async_trait]
impl Directory for DynamoDirectory {
    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        items::query_prefix(&self.client, &self.table, keys::DIRECTORY, keys::ACCOUNT_PREFIX).await
    }

    async fn projects(&self) -> StoreResult<Vec<Project>> {
        items::query_prefix(&self.client, &self.table, keys::DIRECTORY, keys::PROJECT_PREFIX).await
    }

    async fn sites(&self) -> StoreResult<Vec<Site>> {
        items::query_prefix(&self.client, &self.table, keys::DIRECTORY, keys::SITE_PREFIX).await
    }

    async fn account(&self, id: &str) -> StoreResult<Option<Account>> {
        items::get(&self.client, &self.table, keys::DIRECTORY, &keys::directory_account(id)).await
    }

    async fn project(&self, id: &str) -> StoreResult<Option<Project>> {
        items::get(&self.client, &self.table, keys::DIRECTORY, &keys::directory_project(id)).await
    }

    async fn site(&self, id: &str) -> StoreResult<Option<Site>> {
        items::get(&self.client, &self.table, keys::DIRECTORY, &keys::directory_site(id)).await
    }

    async fn add(&self, record: &DirectoryRecord) -> StoreResult<()> {
        let added = match record {
            DirectoryRecord::Account(a) => self.insert_if_missing(keys::DIRECTORY, &keys::directory_account(&a.id), a).await?,
            DirectoryRecord::Project(p) => self.insert_if_missing(keys::DIRECTORY, &keys::directory_project(&p.id), p).await?,
            DirectoryRecord::Site(s) => self.insert_if_missing(keys::DIRECTORY, &keys::directory_site(&s.id), s).await?,
        };
        if added {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists { what: "directory record".into() })
        }
    }

    async fn ensure_dev_site(&self, connector: ConnectorId, owner: OrgId, version: u32) -> Result<(Account, Project, Site), StageFailure> {
        let (account, project, site) = directory::dev_site(connector, owner, version);
        // Parents first: a site is never listed without its project and account.
        self.insert_if_missing(keys::DIRECTORY, &keys::directory_account(&account.id), &account).await.map_err(store_failure)?;
        self.insert_if_missing(keys::DIRECTORY, &keys::directory_project(&project.id), &project).await.map_err(store_failure)?;
        self.insert_if_missing(keys::DIRECTORY, &keys::directory_site(&site.id), &site).await.map_err(store_failure)?;
        Ok((account, project, site))
    }

    async fn install(&self, connector: ConnectorId, version: u32, digest: &str) -> Result<String, StageFailure> {
        let installation = Installation::new(connector, version, digest);
        self.insert_if_missing(&keys::installation(&installation.id), keys::META, &installation).await.map_err(store_failure)?;
        Ok(installation.id)
    }

    async fn assign(&self, site_id: &str, installation_id: &str) -> Result<(), StageFailure> {
        let assignment = Assignment { site_id: site_id.into(), installation_id: installation_id.into() };
        self.insert_if_missing(&keys::site_assignments(site_id), &keys::assignment(installation_id), &assignment).await.map_err(store_failure)?;
        Ok(())
    }
}
