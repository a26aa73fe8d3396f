//! Wiring: the one place that chooses adapters for the ports and builds [`App`]. Every host
//! — the local `devportal` binary and each Lambda `main` — calls it once at start-up, so
//! clients and connections are built once, outside any handler.
//!
//! A Lambda function calls [`lambda_function`] with its entry of [`functions`], which names the
//! adapter of each port it uses: a binary links only the adapters (and AWS SDK clients) its
//! entry names. The embedded adapters (SQLite, git and buildah on this machine: [`embedded`],
//! and [`aws`] with a local builder or runtime) exist only with the `embedded` feature, which
//! the local host and the tests turn on and no Lambda function does (docs/ARCHITECTURE.md,
//! "What each Lambda function links").

pub mod functions;
#[cfg(feature = "embedded")]
mod host;
mod log_writer;
pub mod logging;
mod plain_line;

#[cfg(feature = "embedded")]
pub use host::{aws, embedded, local_builder, AwsBuilder, AwsOptions, AwsRuntime, BuildLimits, Embedded, EmbeddedOptions, KeySource, SecretKey};

use devportal_app::{App, Ports, Settings};
use devportal_domain::job_log::LogLimits;
use devportal_domain::ports::{Directory, GitRemote, ImageBuilder, RunExecutor, RunQueue, Runtime, StoreError};
use devportal_domain::wizard::vcs::UrlPolicy;
use std::sync::Arc;

pub use functions::LambdaFunction;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("cannot open the data directory: {0}")]
    Store(#[from] StoreError),
    #[cfg(feature = "embedded")]
    #[error(transparent)]
    SecretKey(#[from] devportal_embedded::SecretsOpenError),
    #[error("the setting {0} is missing (set it in the function's environment)")]
    MissingSetting(&'static str),
    #[error("the setting {0} must be {1}")]
    InvalidSetting(&'static str, &'static str),
    #[error(transparent)]
    Aws(#[from] AwsWiringError),
    #[error("first-token bootstrap: {0}")]
    BootstrapToken(String),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the AWS resources: {0}")]
pub struct AwsWiringError(#[from] StoreError);

fn settings(url_policy: UrlPolicy, run_api_url: String, job_log: LogLimits, run_time_limit: std::time::Duration) -> Settings {
    Settings { url_policy, run_api_url, job_log, run_time_limit, run_log_retention_days: Settings::DEFAULT_RUN_LOG_RETENTION_DAYS }
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
    /// Where runs start: the cluster and family prefix above, the secret prefix, and
    /// `DEVPORTAL_RUN_SUBNETS`, `DEVPORTAL_RUN_SECURITY_GROUPS` (comma-separated; a start
    /// without subnets fails and names them), `DEVPORTAL_RUN_ASSIGN_PUBLIC_IP` (`true`/`false`,
    /// default false).
    pub runs: devportal_aws::EcsRunSettings,
    /// `DEVPORTAL_SEED_DEMO_DIRECTORY` (`true`/`false`, default false; the template's
    /// `SeedDemoDirectory` parameter): whether an empty platform directory gets the example
    /// accounts, projects and sites. A real deployment starts empty and is filled by a
    /// platform admin (docs/ARCHITECTURE.md, "The platform directory on AWS").
    pub seed_demo_directory: bool,
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
    pub const RUN_SUBNETS: &'static str = "DEVPORTAL_RUN_SUBNETS";
    pub const RUN_SECURITY_GROUPS: &'static str = "DEVPORTAL_RUN_SECURITY_GROUPS";
    pub const RUN_ASSIGN_PUBLIC_IP: &'static str = "DEVPORTAL_RUN_ASSIGN_PUBLIC_IP";
    pub const SEED_DEMO_DIRECTORY: &'static str = "DEVPORTAL_SEED_DEMO_DIRECTORY";

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, WiringError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get` (the environment, or a map in tests); a missing or empty
    /// required setting is an error naming it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, WiringError> {
        let required = |name: &'static str| get(name).filter(|v| !v.trim().is_empty()).ok_or(WiringError::MissingSetting(name));
        let list = |name: &'static str| -> Vec<String> {
            get(name).unwrap_or_default().split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
        };
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
                // On AWS only public https:// and SSH repositories (docs/ARCHITECTURE.md).
                url_policy: UrlPolicy::STRICT,
            },
            ecs: devportal_aws::EcsSettings {
                cluster: required(Self::ECS_CLUSTER)?,
                execution_role_arn: required(Self::TASK_EXECUTION_ROLE)?,
                log_group: required(Self::TASK_LOG_GROUP)?,
                family_prefix: required(Self::TASK_FAMILY_PREFIX)?,
            },
            runs: devportal_aws::EcsRunSettings {
                cluster: required(Self::ECS_CLUSTER)?,
                subnets: list(Self::RUN_SUBNETS),
                security_groups: list(Self::RUN_SECURITY_GROUPS),
                assign_public_ip: match get(Self::RUN_ASSIGN_PUBLIC_IP).as_deref().map(str::trim) {
                    None | Some("") | Some("false") => false,
                    Some("true") => true,
                    Some(_) => return Err(WiringError::InvalidSetting(Self::RUN_ASSIGN_PUBLIC_IP, "true or false")),
                },
                family_prefix: required(Self::TASK_FAMILY_PREFIX)?,
                secret_prefix: required(Self::SECRET_PREFIX)?,
            },
            seed_demo_directory: match get(Self::SEED_DEMO_DIRECTORY).as_deref().map(str::trim) {
                None | Some("") | Some("false") => false,
                Some("true") => true,
                Some(_) => return Err(WiringError::InvalidSetting(Self::SEED_DEMO_DIRECTORY, "true or false")),
            },
        })
    }
}

/// What a Lambda `main` builds once: the use cases and the SDK configuration they run on.
pub struct LambdaApp {
    pub app: App,
    pub sdk: AwsSdkConfig,
}

/// The use cases of the Lambda function `function` (its entry of [`functions`]): the AWS
/// adapters on the resources its environment names ([`LambdaEnvironment`]), with the SDK
/// configured from the standard AWS environment. The table, queues, bucket, secrets and run
/// queues are wired in every function; the image builder, the runtime and the run executor are
/// those `function` names. Resources are never created here: the stack owns them.
pub async fn lambda_function(function: LambdaFunction) -> Result<LambdaApp, WiringError> {
    let env = LambdaEnvironment::from_env()?;
    let (sdk, s3_path_style) = aws_sdk_from_env().await;
    let app = lambda_function_on(function, &env, &sdk, s3_path_style).await?;
    Ok(LambdaApp { app, sdk })
}

/// [`lambda_function`] with every port wired ([`functions::EVERY_PORT`]): for tests and tools
/// that stand in for any function. A Lambda `main` calls [`lambda_function`] with its own entry.
pub async fn lambda_app() -> Result<LambdaApp, WiringError> {
    lambda_function(functions::EVERY_PORT).await
}

/// [`lambda_function`] on a given environment and SDK configuration.
pub async fn lambda_function_on(
    function: LambdaFunction,
    env: &LambdaEnvironment,
    sdk: &AwsSdkConfig,
    s3_path_style: bool,
) -> Result<App, AwsWiringError> {
    let base = AwsBase::new(sdk, &env.table, &env.queue_prefix, &env.bucket, &env.secret_prefix, s3_path_style);
    base.seed_directory(env.seed_demo_directory).await?;
    let wire = functions::Wire { sdk, env, function: function.name };
    let ports = base.ports(OwnPorts {
        // Lambda has no `git` program: the in-process smart-HTTP probe (https only).
        git: Arc::new(devportal_git_http::SmartHttpGitRemote::default().with_policy(UrlPolicy::STRICT)),
        builder: (function.builder)(&wire),
        runtime: (function.runtime)(&wire),
        executor: (function.executor)(&wire),
        run_queue: Arc::new(devportal_aws::SqsRunQueue::new(base.sqs.clone(), &env.queue_prefix)),
    });
    Ok(App::new(ports, settings(UrlPolicy::STRICT, env.run_api_url.clone(), LogLimits::default(), Settings::DEFAULT_RUN_TIME_LIMIT)))
}

/// The AWS adapters every AWS host shares: DynamoDB (identity, connectors, pipeline, platform
/// directory, runs), SQS (stage queues), S3 (job logs), Secrets Manager (secrets, vault).
pub(crate) struct AwsBase {
    dynamo: devportal_aws::aws_sdk_dynamodb::Client,
    sqs: devportal_aws::aws_sdk_sqs::Client,
    s3: devportal_aws::aws_sdk_s3::Client,
    secrets: devportal_aws::aws_sdk_secretsmanager::Client,
    table: String,
    queue_prefix: String,
    bucket: String,
    secret_prefix: String,
}

/// The ports that differ between hosts and functions.
pub(crate) struct OwnPorts {
    pub git: Arc<dyn GitRemote>,
    pub builder: Arc<dyn ImageBuilder>,
    pub runtime: Arc<dyn Runtime>,
    pub executor: Arc<dyn RunExecutor>,
    pub run_queue: Arc<dyn RunQueue>,
}

impl AwsBase {
    pub(crate) fn new(sdk: &AwsSdkConfig, table: &str, queue_prefix: &str, bucket: &str, secret_prefix: &str, s3_path_style: bool) -> Self {
        use devportal_aws::{aws_sdk_dynamodb, aws_sdk_s3, aws_sdk_secretsmanager, aws_sdk_sqs};
        Self {
            dynamo: aws_sdk_dynamodb::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(s3_path_style).build()),
            secrets: aws_sdk_secretsmanager::Client::new(sdk),
            table: table.to_string(),
            queue_prefix: queue_prefix.to_string(),
            bucket: bucket.to_string(),
            secret_prefix: secret_prefix.to_string(),
        }
    }

    /// Creates the table, queues and bucket when they are missing (local hosts only).
    #[cfg(feature = "embedded")]
    pub(crate) async fn create_resources(&self) -> Result<(), StoreError> {
        devportal_aws::create_table(&self.dynamo, &self.table).await?;
        devportal_aws::create_queues(&self.sqs, &self.queue_prefix).await?;
        devportal_aws::create_run_queues(&self.sqs, &self.queue_prefix).await?;
        devportal_aws::create_bucket(&self.s3, &self.bucket).await
    }

    /// With `seed`, an empty platform directory gets the example accounts, projects and sites
    /// (one query when it is already there, so a cold start pays little).
    pub(crate) async fn seed_directory(&self, seed: bool) -> Result<(), StoreError> {
        let directory = devportal_aws::DynamoDirectory::new(self.dynamo.clone(), &self.table);
        if seed && directory.accounts().await?.is_empty() {
            directory.seed().await?;
        }
        Ok(())
    }

    pub(crate) fn ports(&self, own: OwnPorts) -> Ports {
        let store = Arc::new(devportal_aws::DynamoStore::new(self.dynamo.clone(), &self.table));
        let secrets = Arc::new(devportal_aws::SecretsManagerSecrets::new(self.secrets.clone(), &self.secret_prefix));
        Ports {
            identity: store.clone(),
            connectors: store,
            secrets: secrets.clone(),
            git: own.git,
            pipeline: Arc::new(devportal_aws::DynamoPipelineStore::new(self.dynamo.clone(), &self.table)),
            queue: Arc::new(devportal_aws::SqsQueue::new(self.sqs.clone(), &self.queue_prefix)),
            logs: Arc::new(devportal_aws::S3JobLogs::new(self.s3.clone(), &self.bucket)),
            builder: own.builder,
            runtime: own.runtime,
            directory: Arc::new(devportal_aws::DynamoDirectory::new(self.dynamo.clone(), &self.table)),
            runs: Arc::new(devportal_aws::DynamoRunStore::new(self.dynamo.clone(), &self.table)),
            run_data: Arc::new(devportal_aws::DynamoRunDataStore::new(self.dynamo.clone(), &self.table)),
            executor: own.executor,
            run_queue: own.run_queue,
            vault: secrets,
        }
    }
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
        WiringError::BootstrapToken(format!(
            "cannot read the secret {secret_id}: {}",
            devportal_aws::aws_sdk_secretsmanager::error::DisplayErrorContext(e)
        ))
    })?;
    let raw = out.secret_string().ok_or_else(|| WiringError::BootstrapToken(format!("the secret {secret_id} holds no string")))?;
    let token = devportal_domain::identity::TokenSecret::parse_preset(raw.trim())
        .map_err(|_| WiringError::BootstrapToken(format!("the secret {secret_id} is not a valid token (24 to 256 printable ASCII characters)")))?;
    app.bootstrap(Some(token)).await.map_err(failed)?;
    Ok(true)
}

pub use devportal_aws::aws_config::SdkConfig as AwsSdkConfig;
pub use devportal_aws::{CodeBuildSettings, EcsRunSettings, EcsSettings};

/// The SDK configuration from the standard environment (`AWS_ENDPOINT_URL`, region,
/// credentials), and whether S3 needs path-style addressing (a custom endpoint).
pub async fn aws_sdk_from_env() -> (AwsSdkConfig, bool) {
    let sdk = devportal_aws::load_sdk_config().await;
    let custom_endpoint = std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    (sdk, custom_endpoint)
}
