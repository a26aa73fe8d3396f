//! The portal API as a Lambda function: the router of `lib.rs` handed to `lambda_http::run`.
//! Clients and stores are built once here, outside the handler.
//!
//! Until the AWS adapters land (`shared/aws`), the function runs on the embedded store in
//! `DEVPORTAL_DATA_DIR` (default `/tmp/devportal`), which is per-instance: fine for trying the
//! binary under `cargo lambda watch`, not for a deployment.

use devportal_app::{App, Ports, Settings};
use devportal_domain::wizard::vcs::UrlPolicy;
use devportal_embedded::{Db, GitCli, LocalSecrets, SqliteStore};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(false)
        .without_time()
        .init();
    let data_dir = std::env::var("DEVPORTAL_DATA_DIR").unwrap_or_else(|_| "/tmp/devportal".into());
    let db = Db::open(std::path::Path::new(&data_dir))?;
    let store = Arc::new(SqliteStore::new(db.clone()));
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: Arc::new(LocalSecrets::new(db)),
        git: Arc::new(GitCli::default()),
    };
    let run_api_url = std::env::var("DEVPORTAL_RUN_API_URL").unwrap_or_default();
    let app = App::new(ports, Settings { url_policy: UrlPolicy::STRICT, run_api_url });
    lambda_http::run(devportal_api::router(app)).await
}
