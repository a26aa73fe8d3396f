//! Dev Portal use cases, written once against the domain ports and shared by every host:
//! the API function (on Lambda and in the local `devportal` binary) and the stage functions.
//! Each service checks tenancy, parses input into domain types, and talks to the ports.

pub mod bootstrap;
pub mod connectors;
pub mod error;
pub mod identity;
pub mod lifecycle;
pub mod pipeline;
pub mod logo;
pub mod views;
pub mod wizard;

use devportal_domain::ports::{
    ConnectorStore, Directory, GitRemote, IdentityStore, ImageBuilder, JobLogStore, JobQueue, PipelineStore, Runtime, SecretStore,
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
}

/// Everything the API needs: ports plus settings.
#[derive(Clone)]
pub struct App {
    pub ports: Ports,
    pub settings: Arc<Settings>,
}

impl App {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self { ports, settings: Arc::new(settings) }
    }
}
