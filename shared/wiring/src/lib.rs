//! Wiring: the one place that chooses adapters for the ports and builds [`App`]. Every host
//! — the local `devportal` binary and each Lambda `main` — calls it once at start-up, so
//! clients and connections are built once, outside any handler.

use devportal_app::{App, Ports, Settings};
use devportal_domain::ports::{Directory, StoreError};
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
    #[error("the setting {0} is missing (set it in the function's environment)")]
    MissingSetting(&'static str),
    #[error("the setting {0} must be {1}")]
    InvalidSetting(&'static str, &'static str),
    #[error(transparent)]
    Aws(#[from] AwsWiringError),
    #[error("first-token bootstrap: {0}")]
    BootstrapToken(String),
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

/// Where a Lambda function finds the stack's resources: the environment `infra/template.yaml`
/// gives every function (`Globals.Function.Environment`).
#[derive(Clone, Debug)]
pub struct LambdaEnvironment {
    /// `DEVPORTAL_TABLE`: the DynamoDB table.
    pub table: String,
    /// `DEVPORTAL_QUEUE_PREFIX`: the stage queues are `<prefix>-<stage>` (and `-dlq`).
    pub queue_prefix: String,
    /// `DEVPORTAL_ARTIFACTS_BUCKET`: job logs, run output, logos.
    pub bucket: String,
    /// `DEVPORTAL_SECRET_PREFIX`: the portal's secrets are named under it.
    pub secret_prefix: String,
    /// `DEVPORTAL_RUN_API_URL` (optional): the run API connectors call back.
    pub run_api_url: String,
    /// `DEVPORTAL_BUILD_PROJECT`, `DEVPORTAL_BUILD_LOG_GROUP`, `DEVPORTAL_ECR_PREFIX`,
    /// `DEVPORTAL_BUILD_POLL_SECONDS` (optional, default 5).
    pub codebuild: devportal_aws::CodeBuildSettings,
    /// `DEVPORTAL_ECS_CLUSTER`, `DEVPORTAL_TASK_EXECUTION_ROLE`, `DEVPORTAL_TASK_LOG_GROUP`,
    /// `DEVPORTAL_TASK_FAMILY_PREFIX`.
    pub ecs: devportal_aws::EcsSettings,
}

impl LambdaEnvironment {
    pub const TABLE: &'static str = "DEVPORTAL_TABLE";
    pub const QUEUE_PREFIX: &'static str = "DEVPORTAL_QUEUE_PREFIX";
    pub const BUCKET: &'static str = "DEVPORTAL_ARTIFACTS_BUCKET";
    pub const SECRET_PREFIX: &'static str = "DEVPORTAL_SECRET_PREFIX";
    pub const RUN_API_URL: &'static str = "DEVPORTAL_RUN_API_URL";
    pub const BUILD_PROJECT: &'static str = "DEVPORTAL_BUILD_PROJECT";
    pub const BUILD_LOG_GROUP: &'static str = "DEVPORTAL_BUILD_LOG_GROUP";
    pub const ECR_PREFIX: &'static str = "DEVPORTAL_ECR_PREFIX";
    pub const BUILD_POLL_SECONDS: &'static str = "DEVPORTAL_BUILD_POLL_SECONDS";
    pub const ECS_CLUSTER: &'static str = "DEVPORTAL_ECS_CLUSTER";
    pub const TASK_EXECUTION_ROLE: &'static str = "DEVPORTAL_TASK_EXECUTION_ROLE";
    pub const TASK_LOG_GROUP: &'static str = "DEVPORTAL_TASK_LOG_GROUP";
    pub const TASK_FAMILY_PREFIX: &'static str = "DEVPORTAL_TASK_FAMILY_PREFIX";

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, WiringError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get` (the environment, or a map in tests); a missing or empty
    /// required setting is an error naming it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, WiringError> {
        let required = |name: &'static str| get(name).filter(|v| !v.trim().is_empty()).ok_or(WiringError::MissingSetting(name));
        Ok(Self {
            table: required(Self::TABLE)?,
            queue_prefix: required(Self::QUEUE_PREFIX)?,
            bucket: required(Self::BUCKET)?,
            secret_prefix: required(Self::SECRET_PREFIX)?,
            run_api_url: get(Self::RUN_API_URL).unwrap_or_default(),
            codebuild: devportal_aws::CodeBuildSettings {
                project: required(Self::BUILD_PROJECT)?,
                log_group: required(Self::BUILD_LOG_GROUP)?,
                ecr_prefix: required(Self::ECR_PREFIX)?,
                poll_interval: match get(Self::BUILD_POLL_SECONDS).filter(|v| !v.trim().is_empty()) {
                    None => std::time::Duration::from_secs(5),
                    Some(v) => match v.trim().parse::<u64>() {
                        Ok(s @ 1..=60) => std::time::Duration::from_secs(s),
                        _ => return Err(WiringError::InvalidSetting(Self::BUILD_POLL_SECONDS, "a whole number of seconds from 1 to 60")),
                    },
                },
            },
            ecs: devportal_aws::EcsSettings {
                cluster: required(Self::ECS_CLUSTER)?,
                execution_role_arn: required(Self::TASK_EXECUTION_ROLE)?,
                log_group: required(Self::TASK_LOG_GROUP)?,
                family_prefix: required(Self::TASK_FAMILY_PREFIX)?,
            },
        })
    }
}

/// What a Lambda `main` builds once: the use cases and the SDK configuration they run on.
pub struct LambdaApp {
    pub app: App,
    pub sdk: AwsSdkConfig,
}

/// The use cases of a Lambda function: the AWS adapters on the resources its environment
/// names ([`LambdaEnvironment`]), with the SDK configured from the standard AWS environment.
/// Resources are never created here: the stack owns them.
pub async fn lambda_app() -> Result<LambdaApp, WiringError> {
    let env = LambdaEnvironment::from_env()?;
    let (sdk, s3_path_style) = aws_sdk_from_env().await;
    let app = aws(AwsOptions {
        sdk: sdk.clone(),
        table: env.table,
        queue_prefix: env.queue_prefix,
        bucket: env.bucket,
        secret_prefix: env.secret_prefix,
        create_resources: false,
        s3_path_style,
        builder: AwsBuilder::CodeBuild(env.codebuild),
        runtime: AwsRuntime::Ecs(env.ecs),
        // Unused on Lambda (CodeBuild and ECS replace the local builder and runtime); /tmp is
        // its only writable directory should that change.
        local_dir: std::env::temp_dir().join("devportal"),
        run_api_url: env.run_api_url,
        url_policy: UrlPolicy::STRICT,
        git_cli: false,
    })
    .await?;
    Ok(LambdaApp { app, sdk })
}

/// The environment variable naming the Secrets Manager secret that holds the first admin token
/// of a deployment (the template generates it; the README tells how to read it).
pub const BOOTSTRAP_TOKEN_SECRET: &str = "DEVPORTAL_BOOTSTRAP_TOKEN_SECRET";

/// First-token bootstrap on AWS: when [`BOOTSTRAP_TOKEN_SECRET`] is set and the bootstrap
/// administrator does not exist yet, reads that secret and creates the administrator with it
/// as a token. Once the administrator exists the secret is not read again, so revoking that
/// token in the portal sticks. The token is never logged. Answers whether it created them.
pub async fn bootstrap_from_secret(app: &App, sdk: &AwsSdkConfig) -> Result<bool, WiringError> {
    let Some(secret_id) = std::env::var(BOOTSTRAP_TOKEN_SECRET).ok().filter(|v| !v.is_empty()) else {
        return Ok(false);
    };
    let failed = |e: devportal_app::AppError| WiringError::BootstrapToken(e.to_string());
    if app.bootstrap_user_exists().await.map_err(failed)? {
        // Mends a first start that died between creating the user and its organization.
        app.bootstrap(None).await.map_err(failed)?;
        return Ok(false);
    }
    let client = devportal_aws::aws_sdk_secretsmanager::Client::new(sdk);
    let out = client.get_secret_value().secret_id(&secret_id).send().await.map_err(|e| {
        WiringError::BootstrapToken(format!("cannot read the secret {secret_id}: {}", devportal_aws::aws_sdk_secretsmanager::error::DisplayErrorContext(e)))
    })?;
    let raw = out.secret_string().ok_or_else(|| WiringError::BootstrapToken(format!("the secret {secret_id} holds no string")))?;
    let token = devportal_domain::identity::TokenSecret::parse_preset(raw.trim())
        .map_err(|_| WiringError::BootstrapToken(format!("the secret {secret_id} is not a valid token (24 to 256 printable ASCII characters)")))?;
    app.bootstrap(Some(token)).await.map_err(failed)?;
    Ok(true)
}

pub use devportal_aws::aws_config::SdkConfig as AwsSdkConfig;
pub use devportal_aws::{CodeBuildSettings, EcsSettings};

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
    Local,
    Ecs(devportal_aws::EcsSettings),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the AWS resources: {0}")]
pub struct AwsWiringError(#[from] StoreError);

/// The use cases on the AWS adapters: DynamoDB (identity, connectors, pipeline, platform
/// directory), SQS (stage queues), S3 (job logs), Secrets Manager (secrets), and the image
/// builder and runtime `options` choose (CodeBuild + ECR and ECS on Lambda; the local ones,
/// with their state under `local_dir`, for `devportal serve --backend aws` without them).
/// An empty platform directory gets the example accounts, projects and sites (one query when
/// it is already there, so a cold start pays little).
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
    let directory = devportal_aws::DynamoDirectory::new(dynamo.clone(), &options.table);
    if directory.accounts().await?.is_empty() {
        directory.seed().await?;
    }
    let store = Arc::new(devportal_aws::DynamoStore::new(dynamo.clone(), &options.table));
    let ports = Ports {
        identity: store.clone(),
        connectors: store,
        secrets: Arc::new(devportal_aws::SecretsManagerSecrets::new(secrets, &options.secret_prefix)),
        git: if options.git_cli { Arc::new(GitCli::default()) } else { Arc::new(devportal_aws::SmartHttpGitRemote::default()) },
        pipeline: Arc::new(devportal_aws::DynamoPipelineStore::new(dynamo, &options.table)),
        queue: Arc::new(devportal_aws::SqsQueue::new(sqs, &options.queue_prefix)),
        logs: Arc::new(devportal_aws::S3JobLogs::new(s3, &options.bucket)),
        builder: match options.builder {
            AwsBuilder::Local => Arc::new(LocalBuilder::new(options.local_dir.join("builds"), options.local_dir.join("images"))),
            AwsBuilder::CodeBuild(settings) => Arc::new(devportal_aws::CodeBuildBuilder::new(&options.sdk, settings)),
        },
        runtime: match options.runtime {
            AwsRuntime::Local => Arc::new(LocalRuntime::new(Db::open(&options.local_dir)?)),
            AwsRuntime::Ecs(settings) => Arc::new(devportal_aws::EcsRuntime::new(&options.sdk, settings)),
        },
        directory: Arc::new(directory),
    };
    Ok(App::new(ports, Settings { url_policy: options.url_policy, run_api_url: options.run_api_url }))
}
