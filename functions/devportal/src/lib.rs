//! The local host: every Dev Portal function in one process on the embedded adapters.
//! `serve` runs the API router (the same one Lambda serves) beside the static site, after
//! bootstrapping a first organization, admin and token.

pub mod config;

use axum::Router;
use config::ServeConfig;
use devportal_app::bootstrap::BootstrapOutcome;
use devportal_app::{App, Ports, Settings};
use devportal_domain::wizard::vcs::UrlPolicy;
use devportal_embedded::{Db, GitCli, LocalSecrets, SqliteStore};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot open the data directory: {0}")]
    Store(#[from] devportal_domain::ports::StoreError),
    #[error("bootstrap failed: {0}")]
    Bootstrap(#[from] devportal_app::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

/// The use cases on the embedded adapters in `data_dir`.
pub fn embedded_app(data_dir: &Path, run_api_url: String) -> Result<App, HostError> {
    let db = Db::open(data_dir)?;
    let store = Arc::new(SqliteStore::new(db.clone()));
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: Arc::new(LocalSecrets::new(db)),
        git: Arc::new(GitCli::default()),
    };
    Ok(App::new(ports, Settings { url_policy: UrlPolicy::LOCAL, run_api_url }))
}

/// A running portal: where it listens and how it was bootstrapped.
pub struct Running {
    pub addr: SocketAddr,
    pub bootstrap: BootstrapOutcome,
    pub server: tokio::task::JoinHandle<Result<(), HostError>>,
}

/// Binds, bootstraps and starts serving; returns once the socket listens.
pub async fn start(config: ServeConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Running, HostError> {
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|source| HostError::Bind { addr: config.addr.clone(), source })?;
    let addr = listener.local_addr().map_err(HostError::Serve)?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let app = embedded_app(&config.data_dir, format!("{public_url}/run-api/v1"))?;
    let bootstrap = app.bootstrap(config.preset_token.clone()).await?;
    let router = site_router(app, config.static_dir.as_deref());
    let server = tokio::spawn(async move {
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await.map_err(HostError::Serve)
    });
    Ok(Running { addr, bootstrap, server })
}

/// The API under `/api/v1` and the static site everywhere else.
pub fn site_router(app: App, static_dir: Option<&Path>) -> Router {
    let api = devportal_api::router(app);
    match static_dir {
        Some(dir) => api.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true)),
        None => api,
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
