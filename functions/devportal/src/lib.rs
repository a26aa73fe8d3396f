//! The local host: every Dev Portal function in one process on the embedded adapters.
//! `serve` runs the API router (the same one Lambda serves) beside the static site, after
//! bootstrapping a first organization, admin and token.

pub mod config;
pub mod site;

use config::ServeConfig;
use devportal_app::bootstrap::BootstrapOutcome;
use devportal_app::App;
use devportal_domain::pipeline::Stage;
use devportal_embedded::{KeySource, SecretKey};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Wiring(#[from] devportal_wiring::WiringError),
    #[error(transparent)]
    AwsWiring(#[from] devportal_wiring::AwsWiringError),
    #[error(transparent)]
    SecretKey(#[from] devportal_embedded::SecretKeyError),
    #[error(
        "the secret key file {} is missing, but this data directory's secrets were encrypted with a key: \
         restore that file (or set DEVPORTAL_SECRET_KEY to the key), or move the data directory aside to start over",
        path.display()
    )]
    KeyFileMissing { path: std::path::PathBuf },
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
pub async fn wire(
    data_dir: &Path,
    aws: Option<&config::AwsBackend>,
    host: &config::HostSettings,
    run_api_url: String,
    sole_worker: bool,
) -> Result<App, HostError> {
    Ok(wire_host(data_dir, aws, host, run_api_url, sole_worker).await?.app)
}

/// The use cases and the local handles the host's background tasks need.
struct Wired {
    app: App,
    /// Launches of runs (the embedded backend).
    run_launches: Option<tokio::sync::mpsc::UnboundedReceiver<devportal_domain::ids::RunId>>,
    /// Run output, for its retention purge (the embedded backend).
    run_data: Option<devportal_embedded::SqliteRunData>,
}

async fn wire_host(
    data_dir: &Path,
    aws: Option<&config::AwsBackend>,
    host: &config::HostSettings,
    run_api_url: String,
    sole_worker: bool,
) -> Result<Wired, HostError> {
    let mut wired = wire_adapters(data_dir, aws, host, run_api_url, sole_worker).await?;
    // Answers never show where this host keeps its data (job results, reasons, logs).
    wired.app = wired.app.with_private_dir(data_dir);
    Ok(wired)
}

async fn wire_adapters(
    data_dir: &Path,
    aws: Option<&config::AwsBackend>,
    host: &config::HostSettings,
    run_api_url: String,
    sole_worker: bool,
) -> Result<Wired, HostError> {
    let (url_policy, build_limits, job_log, run_time_limit) = (host.url_policy, host.build_limits.clone(), host.job_log, host.run_time_limit);
    Ok(match aws {
        None => {
            let (secret_key, secret_key_source) = match &host.secret_key {
                config::SecretKeyConfig::Value(key) => (key.clone(), KeySource::Environment),
                config::SecretKeyConfig::File(path) => SecretKey::load_or_create(path, data_dir)?,
            };
            if let KeySource::CreatedFile(path) = &secret_key_source {
                tracing::info!(key_file = %path.display(), "created the key that encrypts secrets at rest; back it up with the data directory, but keep it apart");
            }
            let created = match &secret_key_source {
                KeySource::CreatedFile(path) => Some(path.clone()),
                _ => None,
            };
            let options = devportal_wiring::EmbeddedOptions {
                data_dir: data_dir.to_path_buf(),
                run_api_url,
                url_policy,
                secret_key,
                secret_key_source,
                build_limits,
                job_log,
                run_time_limit,
            };
            let embedded = match devportal_wiring::embedded(options).await {
                // A key file made just now cannot open secrets sealed before: the real one is lost.
                Err(devportal_wiring::WiringError::SecretKey(devportal_embedded::SecretsOpenError::WrongKey { .. })) if created.is_some() => {
                    let path = created.expect("checked");
                    let _ = std::fs::remove_file(&path);
                    return Err(HostError::KeyFileMissing { path });
                }
                other => other?,
            };
            if sole_worker {
                match embedded.queue.release_leases().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(messages = n, "released messages a previous process was handling"),
                    Err(e) => tracing::warn!(error = %e, "could not release queue leases"),
                }
            }
            Wired { run_launches: embedded.run_queue.take_receiver(), run_data: Some(embedded.run_data.clone()), app: embedded.app }
        }
        Some(aws) => {
            let (sdk, path_style) = match &aws.sdk {
                Some(sdk) => (sdk.clone(), true),
                None => devportal_wiring::aws_sdk_from_env().await,
            };
            let run_queue = std::sync::Arc::new(devportal_embedded::LocalRunQueue::default());
            let app = devportal_wiring::aws(devportal_wiring::AwsOptions {
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
                url_policy,
                git_cli: true,
                build_limits,
                job_log,
                run_time_limit,
                local_run_queue: Some(run_queue.clone()),
                // The local host keeps its example directory (README, "Run locally").
                seed_demo_directory: true,
            })
            .await?;
            Wired { app, run_launches: run_queue.take_receiver(), run_data: None }
        }
    })
}

/// How long the local host remembers who a bearer token belongs to.
const PRINCIPAL_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// Binds, bootstraps and starts serving; returns once the socket listens.
pub async fn start(config: ServeConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Running, HostError> {
    let listener = tokio::net::TcpListener::bind(&config.addr).await.map_err(|source| HostError::Bind { addr: config.addr.clone(), source })?;
    let addr = listener.local_addr().map_err(HostError::Serve)?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let run_api_url = format!("{public_url}/run-api/v1");
    if config.host.url_policy.allow_local_repos {
        tracing::warn!("--allow-local-repos: builds may clone file://, git://, http:// and loopback repositories on this machine");
    }
    let wired = wire_host(&config.data_dir, config.aws.as_ref(), &config.host, run_api_url, config.workers).await?;
    let mut app = wired.app.with_limits(config.host.limits.clone());
    if config.aws.is_none() {
        // Every identity write of the embedded store passes through this process, so tokens
        // can be remembered without delaying a revocation (devportal_app::principal_cache).
        app = app.with_principal_cache(PRINCIPAL_CACHE_TTL);
    }
    let bootstrap = app.bootstrap(config.preset_token.clone()).await?;
    // Messages of jobs recorded but never enqueued (a crash between the two) are sent again.
    match app.resend_pending_jobs(chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "re-sent messages of pending jobs"),
        Err(e) => tracing::warn!(error = %e, "could not re-send pending jobs"),
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = if config.workers { start_workers(&app, config.build_concurrency, stop_rx.clone()) } else { vec![] };
    if config.workers {
        workers.push(tokio::spawn(bin_sweeper(app.clone(), config.bin_retention_days, wired.run_data, stop_rx.clone())));
        if let Some(launches) = wired.run_launches {
            workers.push(tokio::spawn(run_launcher(app.clone(), launches, stop_rx.clone())));
        }
        workers.push(tokio::spawn(run_reconciler(app.clone(), stop_rx)));
    }
    let router = site_router(app, config.static_dir.as_deref());
    let server = tokio::spawn(async move {
        // The peer address feeds the throttling of failed authentications.
        let served = axum::serve(listener, axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(router))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(HostError::Serve);
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
/// stage's Lambda `main` runs on SQS batches. The build stage runs up to `build_slots` jobs at
/// once, taking turns across organizations; the others one at a time.
fn start_workers(app: &App, build_slots: usize, stop: tokio::sync::watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    vec![
        tokio::spawn(devportal_worker::poll_fair(app.clone(), Stage::Build, stage_build::handle, build_slots, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncRuntime, stage_sync_runtime::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncDev, stage_sync_dev::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::SyncProd, stage_sync_prod::handle, stopped(stop.clone()))),
        tokio::spawn(devportal_worker::poll(app.clone(), Stage::Access, stage_access::handle, stopped(stop))),
    ]
}

/// The sweeper function's housekeeping (`sweeper::sweep`: the bin's retention, lost stage
/// messages) and the retention of run output: at start, then hourly, as the schedule and
/// DynamoDB's TTL do on AWS.
async fn bin_sweeper(
    app: App,
    retention_days: u32,
    run_data: Option<devportal_embedded::SqliteRunData>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let retention = chrono::Duration::days(retention_days as i64);
    loop {
        if let Err(e) = sweeper::sweep(&app, retention, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "housekeeping failed; will try again in an hour");
        }
        if let Some(data) = &run_data {
            match data.purge_expired(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, "deleted run output past its retention"),
                Err(e) => tracing::warn!(error = %e, "run output retention failed; will try again in an hour"),
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
    }
}

/// Starts each run handed over by the API (the run-launcher function's handler on AWS);
/// a retryable failure is tried again a few times, then left to the reconciler.
async fn run_launcher(
    app: App,
    mut launches: tokio::sync::mpsc::UnboundedReceiver<devportal_domain::ids::RunId>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let id = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            id = launches.recv() => match id { Some(id) => id, None => return },
        };
        let app = app.clone();
        tokio::spawn(async move {
            for attempt in 1..=4u32 {
                match app.launch_run(id).await {
                    Ok(()) => return,
                    Err(e) if e.retryable && attempt < 4 => {
                        tracing::warn!(run_id = %id, attempt, error = %e, "run launch failed; trying again");
                        tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
                    }
                    Err(e) => {
                        tracing::warn!(run_id = %id, error = %e, "run launch failed; the reconciler will look again");
                        return;
                    }
                }
            }
        });
    }
}

/// How often the local host looks after runs (time limits, lost launches and completions).
const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// `App::reconcile_runs` at start and every few seconds (a one-minute schedule on AWS).
async fn run_reconciler(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = app.reconcile_runs(chrono::Utc::now()).await {
            tracing::warn!(error = %e, "run reconciliation failed; trying again shortly");
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(RECONCILE_EVERY) => {}
        }
    }
}

/// The APIs under their paths and the static site everywhere else (`site`), every request in
/// the API's request span with its access line, every answer with the security headers (the
/// site's pages under their own policy).
pub fn site_router(app: App, static_dir: Option<&Path>) -> impl devportal_api::HttpService {
    devportal_api::serve(site::ApiBesideSite::new(devportal_api::routes(app), static_dir.map(Path::to_path_buf)))
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
