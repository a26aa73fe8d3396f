//! Dev Portal use cases, written once against the domain ports and shared by every host:
//! the API function (on Lambda and in the local `devportal` binary) and the stage functions.
//! Each service checks tenancy, parses input into domain types, and talks to the ports.

pub mod bootstrap;
pub mod connectors;
pub mod directory;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod lifecycle;
pub mod limits;
pub mod logo;
pub mod pipeline;
pub mod principal_cache;
mod rewrite;
pub mod runs;
pub mod vault;
pub mod views;
pub mod wizard;

use devportal_domain::ports::{
    ConnectorStore, Directory, GitRemote, IdentityStore, ImageBuilder, JobLogStore, JobQueue, PipelineStore, RunDataStore, RunExecutor, RunQueue,
    RunStore, Runtime, SecretStore, VaultStore,
};
use devportal_domain::wizard::vcs::UrlPolicy;
use std::sync::Arc;

pub use error::AppError;

/// Deployment-dependent settings the use cases need.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Which repository URL schemes are accepted (local installations also accept file://, git://).
    pub url_policy: UrlPolicy,
    /// Base URL of the run API, shown as `CDE_RUN_API` in the execution preview.
    pub run_api_url: String,
    /// How much of a job's output its log keeps.
    pub job_log: devportal_domain::job_log::LogLimits,
    /// A run still running this long after it started is stopped and ends `timed-out`.
    pub run_time_limit: std::time::Duration,
    /// How long what runs said and wrote is kept.
    pub run_log_retention_days: u32,
}

impl Settings {
    /// The default run time limit (15 minutes).
    pub const DEFAULT_RUN_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    /// The default retention of run logs (30 days).
    pub const DEFAULT_RUN_LOG_RETENTION_DAYS: u32 = 30;
}

/// The ports a host wires in. Cheap to clone.
#[derive(Clone)]
pub struct Ports {
    pub identity: Arc<dyn IdentityStore>,
    pub connectors: Arc<dyn ConnectorStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub git: Arc<dyn GitRemote>,
    pub pipeline: Arc<dyn PipelineStore>,
    pub queue: Arc<dyn JobQueue>,
    pub logs: Arc<dyn JobLogStore>,
    pub builder: Arc<dyn ImageBuilder>,
    pub runtime: Arc<dyn Runtime>,
    pub directory: Arc<dyn Directory>,
    pub runs: Arc<dyn RunStore>,
    pub run_data: Arc<dyn RunDataStore>,
    pub executor: Arc<dyn RunExecutor>,
    pub run_queue: Arc<dyn RunQueue>,
    pub vault: Arc<dyn VaultStore>,
}

/// Everything the API needs: ports plus settings, limits and their meters.
#[derive(Clone)]
pub struct App {
    pub ports: Ports,
    pub settings: Arc<Settings>,
    pub limits: Arc<limits::Limits>,
    pub(crate) meters: Arc<limits::Meters>,
    /// Host paths (the data directory) that answers show as `<data>` instead.
    pub(crate) private_paths: Arc<Vec<String>>,
    /// Redactors of recent runs (built from their sealed values).
    pub(crate) redactors: Arc<runs::RedactorCache>,
}

impl App {
    /// With the default [`limits::Limits`]; hosts set theirs with [`App::with_limits`].
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self {
            ports,
            settings: Arc::new(settings),
            limits: Arc::new(limits::Limits::default()),
            meters: Arc::new(limits::Meters::default()),
            private_paths: Arc::new(vec![]),
            redactors: Arc::default(),
        }
    }

    /// The same use cases under other limits (fresh meters).
    pub fn with_limits(mut self, limits: limits::Limits) -> Self {
        self.limits = Arc::new(limits);
        self.meters = Arc::new(limits::Meters::default());
        self
    }

    /// Remembers who each bearer token belongs to for `ttl` ([`principal_cache`]). Only for
    /// a host through which every identity write passes (the local host on its embedded
    /// store), so that a revocation is still refused at once.
    pub fn with_principal_cache(mut self, ttl: std::time::Duration) -> Self {
        self.ports.identity = Arc::new(principal_cache::CachingIdentityStore::new(self.ports.identity.clone(), ttl));
        self
    }

    /// Hides `dir` (the host's data directory) from job results, reasons and logs in answers.
    pub fn with_private_dir(mut self, dir: &std::path::Path) -> Self {
        let mut paths = (*self.private_paths).clone();
        let raw = dir.to_string_lossy().trim_end_matches('/').to_string();
        if let Ok(canonical) = dir.canonicalize() {
            let canonical = canonical.to_string_lossy().trim_end_matches('/').to_string();
            if canonical != raw && canonical.len() > 1 {
                paths.push(canonical);
            }
        }
        if raw.len() > 1 {
            paths.push(raw);
        }
        // Longest first, so a path inside another is replaced whole.
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        self.private_paths = Arc::new(paths);
        self
    }

    /// `text` with the host's private paths replaced by `<data>`.
    pub fn redact_host_paths(&self, text: &str) -> String {
        let mut out = text.to_string();
        for p in self.private_paths.iter() {
            if out.contains(p.as_str()) {
                out = out.replace(p.as_str(), "<data>");
            }
        }
        out
    }
}
