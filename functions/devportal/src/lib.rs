//! The local host: every Dev Portal function in one process on the embedded adapters.
//! `serve` runs the API router (the same one Lambda serves) beside the static site, after
//! bootstrapping a first organization, admin and token.

pub mod config;

use axum::Router;
use config::ServeConfig;
use devportal_app::bootstrap::BootstrapOutcome;
use devportal_app::App;
use devportal_domain::pipeline::Stage;
use devportal_domain::wizard::vcs::UrlPolicy;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use tower_http::services::ServeDir;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Wiring(#[from] devportal_wiring::WiringError),
    #[error(transparent)]
    AwsWiring(#[from] devportal_wiring::AwsWiringError),
    #[error("bootstrap failed: {0}")]
    Bootstrap(#[from] devportal_app::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

/// A running portal: where it listens and how it was bootstrapped.
pub struct Running {
    pub addr: SocketAddr,
    pub bootstrap: BootstrapOutcome,
    pub server: tokio::task::JoinHandle<Result<(), HostError>>,
}

/// The use cases on the chosen backend: the embedded adapters in `data_dir`, or the AWS
/// adapters on `aws`'s resources (with the builder, runtime and directory state in `data_dir`).
/// `sole_worker`: this process is the only consumer of the embedded queue, so leases held by a
/// previous, dead process are void and released.
pub async fn wire(data_dir: &Path, aws: Option<&config::AwsBackend>, run_api_url: String, sole_worker: bool) -> Result<App, HostError> {
    Ok(match aws {
        None => {
            let embedded = devportal_wiring::embedded(devportal_wiring::EmbeddedOptions {
                data_dir: data_dir.to_path_buf(),
                run_api_url,
                url_policy: UrlPolicy::LOCAL,
            })
            .await?;
            if sole_worker {
                match embedded.queue.release_leases().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(messages = n, "released messages a previous process was handling"),
                    Err(e) => tracing::warn!(error = %e, "could not release queue leases"),
                }
            }
            embedded.app
        }
        Some(aws) => {
            let (sdk, path_style) = match &aws.sdk {
                Some(sdk) => (sdk.clone(), true),
                None => devportal_wiring::aws_sdk_from_env().await,
            };
            devportal_wiring::aws(devportal_wiring::AwsOptions {
                sdk,
                table: aws.table.clone(),
                queue_prefix: aws.queue_prefix.clone(),
                bucket: aws.bucket.clone(),
                secret_prefix: aws.secret_prefix.clone(),
                create_resources: aws.create_resources,
                s3_path_style: path_style,
                builder: aws.builder.clone(),
                runtime: aws.runtime.clone(),
                local_dir: data_dir.to_path_buf(),
                run_api_url,
                url_policy: UrlPolicy::LOCAL,
                git_cli: true,
            })
            .await?
        }
    })
}

/// Binds, bootstraps and starts serving; returns once the socket listens.
pub async fn start(config: ServeConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Running, HostError> {
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|source| HostError::Bind { addr: config.addr.clone(), source })?;
    let addr = listener.local_addr().map_err(HostError::Serve)?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let run_api_url = format!("{public_url}/run-api/v1");
    let app = wire(&config.data_dir, config.aws.as_ref(), run_api_url, config.workers).await?;
    let bootstrap = app.bootstrap(config.preset_token.clone()).await?;
    // Messages of jobs recorded but never enqueued (a crash between the two) are sent again.
    match app.resend_pending_jobs(chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "re-sent messages of pending jobs"),
        Err(e) => tracing::warn!(error = %e, "could not re-send pending jobs"),
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = if config.workers { start_workers(&app, stop_rx.clone()) } else { vec![] };
    if config.workers {
        workers.push(tokio::spawn(bin_sweeper(app.clone(), config.bin_retention_days, stop_rx)));
    }
    let router = site_router(app, config.static_dir.as_deref());
    let server = tokio::spawn(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(shutdown).await.map_err(HostError::Serve);
        // Workers finish the message in hand, then stop.
        let _ = stop_tx.send(true);
        for w in workers {
            let _ = w.await;
        }
        served
    });
    Ok(Running { addr, bootstrap, server })
}

/// One poller per stage, each calling that stage function's handler — the same handler the
/// stage's Lambda `main` runs on SQS batches.
fn start_workers(app: &App, stop: tokio::sync::watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    vec![
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::Build, stage_build::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncRuntime, stage_sync_runtime::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncDev, stage_sync_dev::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncProd, stage_sync_prod::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::Access, stage_access::handle, stopped(stop))),
    ]
}

/// The sweeper function's housekeeping (`sweeper::sweep`: the bin's retention, lost stage
/// messages): at start, then hourly, as the schedule does on AWS.
async fn bin_sweeper(app: App, retention_days: u32, mut stop: tokio::sync::watch::Receiver<bool>) {
    let retention = chrono::Duration::days(retention_days as i64);
    loop {
        if let Err(e) = sweeper::sweep(&app, retention, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "housekeeping failed; will try again in an hour");
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
    }
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
