//! The local platform: a runtime registry of image digests and a directory of accounts,
//! projects and sites (seeded with a small example directory so targets can be chosen),
//! plus the dev platform's installations and site assignments. All in the embedded table.

use crate::db::{ops, Db, Item};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use devportal_domain::ids::ConnectorId;
use devportal_domain::pipeline::{Account, Project, Site, SiteKind};
use devportal_domain::ports::{Directory, Runtime, StageFailure, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use std::path::Path;

const DIR: &str = "DIRECTORY";

fn store_failure(e: StoreError) -> StageFailure {
    let retryable = matches!(e, StoreError::Unavailable { retryable: true, .. });
    StageFailure { reason: format!("local platform store: {e}"), retryable }
}

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
            format!("RUNTIME#{connector}#{version:010}"),
            digest.to_string(),
            &Registration { connector_id: connector, version, digest: digest.into(), image_ref: image_ref.into(), registered_at: Utc::now() },
        )
        .map_err(store_failure)?;
        self.db.write(move |tx| ops::put(tx, &item)).await.map_err(store_failure)?;
        Ok(reference)
    }
}

/// The directory of accounts, projects and sites, and the dev platform.
#[derive(Clone)]
pub struct LocalDirectory {
    db: Db,
}

#[derive(Serialize, Deserialize)]
struct Installation {
    id: String,
    connector_id: ConnectorId,
    version: u32,
    digest: String,
}

impl LocalDirectory {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Seeds the example directory once (idempotent): two customer accounts with projects
    /// and production sites.
    pub async fn seed(&self) -> StoreResult<()> {
        let accounts = [Account { id: "acme".into(), name: "Acme Retail".into() }, Account { id: "globex".into(), name: "Globex".into() }];
        let projects = [
            Project { id: "acme-shop".into(), account_id: "acme".into(), name: "Acme web shop".into() },
            Project { id: "acme-b2b".into(), account_id: "acme".into(), name: "Acme B2B portal".into() },
            Project { id: "globex-main".into(), account_id: "globex".into(), name: "Globex main".into() },
        ];
        let site = |id: &str, project: &str, account: &str, name: &str| Site {
            id: id.into(),
            project_id: project.into(),
            account_id: account.into(),
            name: name.into(),
            kind: SiteKind::Production,
        };
        let sites = [
            site("acme-shop-live", "acme-shop", "acme", "Acme shop (live)"),
            site("acme-shop-staging", "acme-shop", "acme", "Acme shop (staging)"),
            site("acme-b2b-live", "acme-b2b", "acme", "Acme B2B (live)"),
            site("globex-live", "globex-main", "globex", "Globex (live)"),
        ];
        let mut items = vec![];
        for a in &accounts {
            items.push(Item::new(DIR, format!("ACCOUNT#{}", a.id), a)?);
        }
        for p in &projects {
            items.push(Item::new(DIR, format!("PROJECT#{}", p.id), p)?);
        }
        for s in &sites {
            items.push(Item::new(DIR, format!("SITE#{}", s.id), s)?);
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
        self.db.read(|c| ops::query_prefix(c, DIR, "ACCOUNT#")).await
    }

    async fn projects(&self) -> StoreResult<Vec<Project>> {
        self.db.read(|c| ops::query_prefix(c, DIR, "PROJECT#")).await
    }

    async fn sites(&self) -> StoreResult<Vec<Site>> {
        self.db.read(|c| ops::query_prefix(c, DIR, "SITE#")).await
    }

    async fn ensure_dev_site(&self, connector: ConnectorId, version: u32) -> Result<(Account, Project, Site), StageFailure> {
        // Deterministic ids make this idempotent under re-delivery.
        let account = Account { id: "dev".into(), name: "Connector development".into() };
        let project = Project { id: format!("dev-{connector}"), account_id: account.id.clone(), name: format!("Dev project of {connector}") };
        let site = Site {
            id: format!("dev-{connector}-v{version}"),
            project_id: project.id.clone(),
            account_id: account.id.clone(),
            name: format!("Dev site of version {version}"),
            kind: SiteKind::Dev,
        };
        self.insert_if_missing(Item::new(DIR, format!("ACCOUNT#{}", account.id), &account).map_err(store_failure)?).await?;
        self.insert_if_missing(Item::new(DIR, format!("PROJECT#{}", project.id), &project).map_err(store_failure)?).await?;
        self.insert_if_missing(Item::new(DIR, format!("SITE#{}", site.id), &site).map_err(store_failure)?).await?;
        Ok((account, project, site))
    }

    async fn install(&self, connector: ConnectorId, version: u32, digest: &str) -> Result<String, StageFailure> {
        let short = digest.trim_start_matches("sha256:").chars().take(12).collect::<String>();
        let id = format!("inst-{connector}-v{version}-{short}");
        let item = Item::new(
            format!("INSTALL#{id}"),
            "META",
            &Installation { id: id.clone(), connector_id: connector, version, digest: digest.into() },
        )
        .map_err(store_failure)?;
        self.insert_if_missing(item).await?;
        Ok(id)
    }

    async fn assign(&self, site_id: &str, installation_id: &str) -> Result<(), StageFailure> {
        #[derive(Serialize)]
        struct Assignment<'a> {
            site_id: &'a str,
            installation_id: &'a str,
        }
        let item = Item::new(format!("SITE#{site_id}"), format!("ASSIGN#{installation_id}"), &Assignment { site_id, installation_id })
            .map_err(store_failure)?;
        self.insert_if_missing(item).await
    }
}
