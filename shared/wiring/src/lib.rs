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

pub use devportal_aws::aws_config::SdkConfig as AwsSdkConfig;

/// The SDK configuration from the standard environment (`AWS_ENDPOINT_URL`, region,
/// credentials), and whether S3 needs path-style addressing (a custom endpoint).
pub async fn aws_sdk_from_env() -> (AwsSdkConfig, bool) {
    let sdk = devportal_aws::load_sdk_config().await;
    let custom_endpoint = std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    (sdk, custom_endpoint)
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
    /// Where the parts without an AWS adapter yet keep their state (see [`aws`]).
    pub local_dir: PathBuf,
    pub run_api_url: String,
    pub url_policy: UrlPolicy,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the AWS resources: {0}")]
pub struct AwsWiringError(#[from] StoreError);

/// The use cases on the AWS adapters: DynamoDB (identity, connectors, pipeline), SQS (stage
/// queues), S3 (job logs), Secrets Manager (secrets). The image builder, runtime and platform
/// directory have no AWS adapter yet (CodeBuild/ECR/ECS): they stay the local ones, with their
/// state under `local_dir`.
pub async fn aws(options: AwsOptions) -> Result<App, AwsWiringError> {
    use devportal_aws::{aws_sdk_dynamodb, aws_sdk_s3, aws_sdk_secretsmanager, aws_sdk_sqs};
    let dynamo = aws_sdk_dynamodb::Client::new(&options.sdk);
    let sqs = aws_sdk_sqs::Client::new(&options.sdk);
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&options.sdk).force_path_style(options.s3_path_style).build());
    let secrets = aws_sdk_secretsmanager::Client::new(&options.sdk);
    if options.create_resources {
        devportal_aws::create_table(&dynamo, &options.table).await?;
        devportal_aws::create_queues(&sqs, &options.queue_prefix).await?;
        devportal_aws::create_bucket(&s3, &options.bucket).await?;
    }
    let local = Db::open(&options.local_dir)?;
    let directory = LocalDirectory::new(local.clone());
    directory.seed().await?;
    let store = Arc::new(devportal_aws::DynamoStore::new(dynamo.clone(), &options.table));
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: Arc::new(devportal_aws::SecretsManagerSecrets::new(secrets, &options.secret_prefix)),
        git: Arc::new(GitCli::default()),
        pipeline: Arc::new(devportal_aws::DynamoPipelineStore::new(dynamo, &options.table)),
        queue: Arc::new(devportal_aws::SqsQueue::new(sqs, &options.queue_prefix)),
        logs: Arc::new(devportal_aws::S3JobLogs::new(s3, &options.bucket)),
        builder: Arc::new(LocalBuilder::new(options.local_dir.join("builds"), options.local_dir.join("images"))),
        runtime: Arc::new(LocalRuntime::new(local.clone())),
        directory: Arc::new(directory),
    };
    Ok(App::new(ports, Settings { url_policy: options.url_policy, run_api_url: options.run_api_url }))
}
