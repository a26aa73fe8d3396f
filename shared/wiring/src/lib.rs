//! Wiring: the one place that chooses adapters for the ports and builds [`App`]. Every host
//! — the local `devportal` binary and each Lambda `main` — calls it once at start-up, so
//! clients and connections are built once, outside any handler.

use devportal_app::{App, Ports, Settings};
use devportal_domain::ports::StoreError;
use devportal_domain::wizard::vcs::UrlPolicy;
use devportal_embedded::{
    Db, GitCli, LocalBuilder, LocalDirectory, LocalRuntime, LocalSecrets, SqliteJobLogs, SqlitePipelineStore, SqliteQueue,
    SqliteStore,
};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("cannot open the data directory: {0}")]
    Store(#[from] StoreError),
}

/// Settings of the embedded adapter set.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    pub data_dir: PathBuf,
    pub run_api_url: String,
    pub url_policy: UrlPolicy,
}

/// The use cases on the embedded adapters, plus handles the local host needs.
pub struct Embedded {
    pub app: App,
    pub db: Db,
    pub queue: SqliteQueue,
}

/// Opens the database in `data_dir` and wires every port to its embedded adapter; seeds the
/// example platform directory (idempotent).
pub async fn embedded(options: EmbeddedOptions) -> Result<Embedded, WiringError> {
    let db = Db::open(&options.data_dir)?;
    let store = Arc::new(SqliteStore::new(db.clone()));
    let directory = LocalDirectory::new(db.clone());
    directory.seed().await?;
    let queue = SqliteQueue::new(db.clone());
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: Arc::new(LocalSecrets::new(db.clone())),
        git: Arc::new(GitCli::default()),
        pipeline: Arc::new(SqlitePipelineStore::new(db.clone())),
        queue: Arc::new(queue.clone()),
        logs: Arc::new(SqliteJobLogs::new(db.clone())),
        builder: Arc::new(LocalBuilder::new(options.data_dir.join("builds"), options.data_dir.join("images"))),
        runtime: Arc::new(LocalRuntime::new(db.clone())),
        directory: Arc::new(directory),
    };
    let app = App::new(ports, Settings { url_policy: options.url_policy, run_api_url: options.run_api_url });
    Ok(Embedded { app, db, queue })
}

/// The use cases of a Lambda function, configured from its environment.
///
/// Until the AWS adapters are wired here (issue 4), this is the embedded set in
/// `DEVPORTAL_DATA_DIR` (default `/tmp/devportal`) — per instance, so for trying a function
/// under `cargo lambda watch`, not for a deployment.
pub async fn lambda_app() -> Result<App, WiringError> {
    let data_dir = std::env::var("DEVPORTAL_DATA_DIR").unwrap_or_else(|_| "/tmp/devportal".into());
    let run_api_url = std::env::var("DEVPORTAL_RUN_API_URL").unwrap_or_default();
    Ok(embedded(EmbeddedOptions { data_dir: data_dir.into(), run_api_url, url_policy: UrlPolicy::STRICT }).await?.app)
}
