//! The local platform: a runtime registry of image digests and a directory of accounts,
//! projects and sites (seeded with a small example directory so targets can be chosen),
//! plus the dev platform's installations and site assignments. All in the embedded table.

use crate::db::{ops, Db, Item};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use devportal_domain::directory::{self, store_failure, Assignment, DirectoryRecord, Installation};
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::pipeline::{Account, Project, Site};
use devportal_domain::ports::{Directory, Runtime, StageFailure, StoreError, StoreResult};
use devportal_table::keys;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Registers images (by digest) for execution on this machine.
#[derive(Clone)]
pub struct LocalRuntime {
    db: Db,
}

impl LocalRuntime {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[derive(Serialize, Deserialize)]
struct Registration {
    connector_id: ConnectorId,
    version: u32,
    digest: String,
    image_ref: String,
    registered_at: DateTime<Utc>,
}

#[async_trait]
impl Runtime for LocalRuntime {
    async fn register(&self, connector: ConnectorId, version: u32, digest: &str, image_ref: &str) -> Result<String, StageFailure> {
        // The image must really be there: an OCI layout reference `oci:DIR:TAG`.
        if let Some(rest) = image_ref.strip_prefix("oci:") {
            let dir = rest.rsplit_once(':').map(|(d, _)| d).unwrap_or(rest);
            if !Path::new(dir).join("index.json").is_file() {
                return Err(StageFailure { reason: format!("the image {image_ref} is not in the local image store"), retryable: false });
            }
        }
        let reference = format!("local-runtime:{connector}/v{version}@{digest}");
        let item = Item::new(
            keys::runtime_registration(connector, version),
            digest.to_string(),
            &Registration { connector_id: connector, version, digest: digest.into(), image_ref: image_ref.into(), registered_at: Utc::now() },
        )
        .map_err(store_failure)?;
        self.db.write(move |tx| ops::put(tx, &item)).await.map_err(store_failure)?;
        Ok(reference)
    }

    async fn deregister(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        let prefix = keys::runtime_registrations(connector);
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM items WHERE pk >= ?1 AND pk < ?1 || x'ff'", [&prefix]).map_err(crate::db::sql)?;
                Ok(())
            })
            .await
            .map_err(store_failure)
    }
}

/// The directory of accounts, projects and sites, and the dev platform, in the embedded
/// table (keys in `devportal_table::keys`, records in `devportal_domain::directory`, the same as
/// the DynamoDB adapter's).
#[derive(Clone)]
pub struct LocalDirectory {
    db: Db,
}

impl LocalDirectory {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Seeds the example directory once (idempotent): two customer accounts with projects
    /// and production sites.
    pub async fn seed(&self) -> StoreResult<()> {
        let example = directory::example_directory();
        let mut items = vec![];
        for a in &example.accounts {
            items.push(Item::new(keys::DIRECTORY, keys::directory_account(&a.id), a)?);
        }
        for p in &example.projects {
            items.push(Item::new(keys::DIRECTORY, keys::directory_project(&p.id), p)?);
        }
        for s in &example.sites {
            items.push(Item::new(keys::DIRECTORY, keys::directory_site(&s.id), s)?);
        }
        self.db
            .write(move |tx| {
                for item in &items {
                    match ops::insert(tx, item, "directory entry") {
                        Ok(()) | Err(StoreError::AlreadyExists { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            })
            .await
    }

    async fn insert_if_missing(&self, item: Item) -> Result<(), StageFailure> {
        self.db
            .write(move |tx| match ops::insert(tx, &item, "entry") {
                Ok(()) | Err(StoreError::AlreadyExists { .. }) => Ok(()),
                Err(e) => Err(e),
            })
            .await
            .map_err(store_failure)
    }
}

#[async_trait]
impl Directory for LocalDirectory {
    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.db.read(|c| ops::query_prefix(c, keys::DIRECTORY, keys::ACCOUNT_PREFIX)).await
    }

    async fn projects(&self) -> StoreResult<Vec<Project>> {
        self.db.read(|c| ops::query_prefix(c, keys::DIRECTORY, keys::PROJECT_PREFIX)).await
    }

    async fn sites(&self) -> StoreResult<Vec<Site>> {
        self.db.read(|c| ops::query_prefix(c, keys::DIRECTORY, keys::SITE_PREFIX)).await
    }

    async fn account(&self, id: &str) -> StoreResult<Option<Account>> {
        let sk = keys::directory_account(id);
        self.db.read(move |c| ops::get(c, keys::DIRECTORY, &sk)).await
    }

    async fn project(&self, id: &str) -> StoreResult<Option<Project>> {
        let sk = keys::directory_project(id);
        self.db.read(move |c| ops::get(c, keys::DIRECTORY, &sk)).await
    }

    async fn site(&self, id: &str) -> StoreResult<Option<Site>> {
        let sk = keys::directory_site(id);
        self.db.read(move |c| ops::get(c, keys::DIRECTORY, &sk)).await
    }

    async fn add(&self, record: &DirectoryRecord) -> StoreResult<()> {
        let item = match record {
            DirectoryRecord::Account(a) => Item::new(keys::DIRECTORY, keys::directory_account(&a.id), a)?,
            DirectoryRecord::Project(p) => Item::new(keys::DIRECTORY, keys::directory_project(&p.id), p)?,
            DirectoryRecord::Site(s) => Item::new(keys::DIRECTORY, keys::directory_site(&s.id), s)?,
        };
        self.db.write(move |tx| ops::insert(tx, &item, "directory record")).await
    }

    async fn ensure_dev_site(&self, connector: ConnectorId, owner: OrgId, version: u32) -> Result<(Account, Project, Site), StageFailure> {
        // Deterministic ids make this idempotent under re-delivery.
        let (account, project, site) = directory::dev_site(connector, owner, version);
        self.insert_if_missing(Item::new(keys::DIRECTORY, keys::directory_account(&account.id), &account).map_err(store_failure)?).await?;
        self.insert_if_missing(Item::new(keys::DIRECTORY, keys::directory_project(&project.id), &project).map_err(store_failure)?).await?;
        self.insert_if_missing(Item::new(keys::DIRECTORY, keys::directory_site(&site.id), &site).map_err(store_failure)?).await?;
        Ok((account, project, site))
    }

    async fn install(&self, connector: ConnectorId, version: u32, digest: &str) -> Result<String, StageFailure> {
        let installation = Installation::new(connector, version, digest);
        let item = Item::new(keys::installation(&installation.id), keys::META, &installation).map_err(store_failure)?;
        self.insert_if_missing(item).await?;
        Ok(installation.id)
    }

    async fn assign(&self, site_id: &str, installation_id: &str) -> Result<(), StageFailure> {
        let assignment = Assignment { site_id: site_id.into(), installation_id: installation_id.into() };
        let item = Item::new(keys::site_assignments(site_id), keys::assignment(installation_id), &assignment).map_err(store_failure)?;
        self.insert_if_missing(item).await
    }
}
