//! The hosts that run on this machine (feature `embedded`): every port on the embedded
//! adapters ([`embedded`]), and the AWS adapters with, where no CodeBuild project or ECS
//! cluster is given, the local image builder and runtime ([`aws`], `devportal serve --backend
//! aws`). No Lambda function compiles this module.

use crate::{settings, AwsBase, AwsWiringError, OwnPorts, WiringError};
use devportal_app::{App, Ports, Settings};
use devportal_domain::job_log::LogLimits;
use devportal_domain::wizard::vcs::UrlPolicy;
pub use devportal_embedded::builder::BuildLimits;
use devportal_embedded::{
    Db, GitCli, LocalBuilder, LocalDirectory, LocalRunQueue, LocalRuntime, LocalSecrets, SqliteJobLogs, SqlitePipelineStore, SqliteQueue,
    SqliteRunData, SqliteRunStore, SqliteStore,
};
use std::path::PathBuf;
use std::sync::Arc;

/// What [`EmbeddedOptions`] needs to encrypt secrets at rest.
pub use devportal_embedded::{KeySource, SecretKey};

/// Settings of the embedded adapter set.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    pub data_dir: PathBuf,
    pub run_api_url: String,
    pub url_policy: UrlPolicy,
    /// Encrypts secret values at rest; never stored in `data_dir`.
    pub secret_key: SecretKey,
    /// Where `secret_key` came from (named in errors).
    pub secret_key_source: KeySource,
    /// Time and resource limits of local builds.
    pub build_limits: BuildLimits,
    /// How much of a job's output its log keeps.
    pub job_log: LogLimits,
    /// A run still running this long after it started ends `timed-out`.
    pub run_time_limit: std::time::Duration,
}

impl EmbeddedOptions {
    /// An installation for tools and tests: public `https://` repositories only, a fresh random
    /// secret key that is kept nowhere (secrets stored with it do not outlive the process), the
    /// default limits, no run API.
    pub fn ephemeral(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            run_api_url: String::new(),
            url_policy: UrlPolicy::STRICT,
            secret_key: SecretKey::generate(),
            secret_key_source: KeySource::Given,
            build_limits: BuildLimits::default(),
            job_log: LogLimits::default(),
            run_time_limit: Settings::DEFAULT_RUN_TIME_LIMIT,
        }
    }
}

/// The use cases on the embedded adapters, plus handles the local host needs.
pub struct Embedded {
    pub app: App,
    pub db: Db,
    pub queue: SqliteQueue,
    /// Launches of runs, for the host's launcher task.
    pub run_queue: Arc<LocalRunQueue>,
    /// Run output, for the host's retention purge.
    pub run_data: SqliteRunData,
}

/// Opens the database in `data_dir` and wires every port to its embedded adapter; seeds the
/// example platform directory (idempotent).
pub async fn embedded(options: EmbeddedOptions) -> Result<Embedded, WiringError> {
    let db = Db::open(&options.data_dir)?;
    let store = Arc::new(SqliteStore::new(db.clone()));
    let directory = LocalDirectory::new(db.clone());
    directory.seed().await?;
    let queue = SqliteQueue::new(db.clone());
    let secrets = Arc::new(LocalSecrets::open(db.clone(), options.secret_key, &options.secret_key_source).await?);
    let run_queue = Arc::new(LocalRunQueue::default());
    let run_data = SqliteRunData::new(db.clone());
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: secrets.clone(),
        git: Arc::new(GitCli::new(options.url_policy)),
        pipeline: Arc::new(SqlitePipelineStore::new(db.clone())),
        queue: Arc::new(queue.clone()),
        logs: Arc::new(SqliteJobLogs::new(db.clone())),
        builder: Arc::new(local_builder(&options.data_dir, options.url_policy, options.build_limits.clone())),
        runtime: Arc::new(LocalRuntime::new(db.clone())),
        directory: Arc::new(directory),
        runs: Arc::new(SqliteRunStore::new(db.clone())),
        run_data: Arc::new(run_data.clone()),
        executor: local_run_executor(),
        run_queue: run_queue.clone(),
        vault: secrets,
    };
    let app = App::new(ports, settings(options.url_policy, options.run_api_url, options.job_log, options.run_time_limit));
    Ok(Embedded { app, db, queue, run_queue, run_data })
}

/// The runtime that executes runs on this machine: `buildah run` in the sandbox builds use.
fn local_run_executor() -> Arc<dyn devportal_domain::ports::RunExecutor> {
    Arc::new(devportal_embedded::LocalRunExecutor::new(devportal_embedded::RunLimits::default()))
}

/// The local image builder: images in `<data_dir>/images`, clones outside the data directory
/// ([`LocalBuilder::default_work_dir`]) so no build context is ever near the database.
pub fn local_builder(data_dir: &std::path::Path, url_policy: UrlPolicy, limits: BuildLimits) -> LocalBuilder {
    let mut builder = LocalBuilder::new(LocalBuilder::default_work_dir(), data_dir.join("images"), url_policy);
    builder.limits = limits;
    builder
}

/// Names of the AWS resources the AWS adapter set uses.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    pub sdk: devportal_aws::aws_config::SdkConfig,
    pub table: String,
    pub queue_prefix: String,
    pub bucket: String,
    pub secret_prefix: String,
    /// Create the table, queues and bucket when they are missing.
    pub create_resources: bool,
    /// Path-style S3 addressing (needed by S3-compatible endpoints such as moto).
    pub s3_path_style: bool,
    /// The image builder: CodeBuild + ECR, or the local one (buildah, images under `local_dir`).
    pub builder: AwsBuilder,
    /// The runtime: ECS task definitions, or the local one (state under `local_dir`).
    pub runtime: AwsRuntime,
    /// Where the local builder/runtime/directory keep their state when they are chosen.
    pub local_dir: PathBuf,
    pub run_api_url: String,
    pub url_policy: UrlPolicy,
    /// The connection test: `GitCli` (every URL kind; needs the `git` program) when true,
    /// `SmartHttpGitRemote` (https only, in-process) on Lambda, which has no `git`.
    pub git_cli: bool,
    /// Limits of the local builder, when it is chosen.
    pub build_limits: BuildLimits,
    /// How much of a job's output its log keeps.
    pub job_log: LogLimits,
    /// A run still running this long after it started ends `timed-out`.
    pub run_time_limit: std::time::Duration,
    /// With the local runtime: the queue whose launches this host's launcher task takes
    /// (`None`: a fresh one nobody reads; the reconciler then sends launches again).
    pub local_run_queue: Option<Arc<LocalRunQueue>>,
    /// Seed the example accounts, projects and sites into an empty platform directory: the
    /// local host does; a deployed stack only when its `SeedDemoDirectory` parameter asks.
    pub seed_demo_directory: bool,
}

/// Which image builder the AWS adapter set uses.
#[derive(Clone, Debug)]
pub enum AwsBuilder {
    /// `LocalBuilder` (git + buildah on this machine): `devportal serve --backend aws` without
    /// a CodeBuild project, e.g. against moto, whose CodeBuild builds nothing.
    Local,
    CodeBuild(devportal_aws::CodeBuildSettings),
}

/// Which runtime the AWS adapter set uses.
#[derive(Clone, Debug)]
pub enum AwsRuntime {
    /// Images registered and runs executed on this machine; launches through the host's
    /// in-process queue.
    Local,
    /// Images registered as ECS task definitions; runs still executed on this machine
    /// (`devportal serve --backend aws --ecs-cluster …`).
    Ecs(devportal_aws::EcsSettings),
}

/// The use cases on the AWS adapters: DynamoDB (identity, connectors, pipeline, platform
/// directory), SQS (stage queues), S3 (job logs), Secrets Manager (secrets), and the image
/// builder and runtime `options` choose (CodeBuild + ECR and ECS task definitions, or the local
/// ones with their state under `local_dir`); runs execute on this machine. This is
/// `devportal serve --backend aws`; the Lambda functions are wired by
/// [`crate::lambda_function`].
/// With `seed_demo_directory`, an empty platform directory gets the example accounts, projects
/// and sites (one query when it is already there, so a cold start pays little); without it the
/// directory is left as it is.
pub async fn aws(options: AwsOptions) -> Result<App, AwsWiringError> {
    let base = AwsBase::new(&options.sdk, &options.table, &options.queue_prefix, &options.bucket, &options.secret_prefix, options.s3_path_style);
    if options.create_resources {
        base.create_resources().await?;
    }
    let local_db = Db::open(&options.local_dir)?;
    base.seed_directory(options.seed_demo_directory).await?;
    let ports = base.ports(OwnPorts {
        git: if options.git_cli {
            Arc::new(GitCli::new(options.url_policy))
        } else {
            Arc::new(devportal_git_http::SmartHttpGitRemote::default().with_policy(options.url_policy))
        },
        builder: match options.builder {
            AwsBuilder::Local => Arc::new(local_builder(&options.local_dir, options.url_policy, options.build_limits.clone())),
            AwsBuilder::CodeBuild(settings) => Arc::new(devportal_aws::CodeBuildBuilder::new(&options.sdk, settings)),
        },
        runtime: match &options.runtime {
            AwsRuntime::Local => Arc::new(LocalRuntime::new(local_db.clone())),
            AwsRuntime::Ecs(settings) => Arc::new(devportal_aws::EcsRuntime::new(&options.sdk, settings.clone())),
        },
        // Runs execute on this machine whichever runtime registers images (on AWS, the
        // run-launcher function's `EcsRunExecutor`: `functions::RUN_LAUNCHER`).
        executor: local_run_executor(),
        run_queue: options.local_run_queue.clone().unwrap_or_default(),
    });
    Ok(App::new(ports, settings(options.url_policy, options.run_api_url, options.job_log, options.run_time_limit)))
}
