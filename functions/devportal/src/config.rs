//! Typed configuration of the local host, from flags and `DEVPORTAL_*` variables.
//! The preset token is wrapped so it never reaches a log line.

use clap::{Parser, Subcommand};
use devportal_app::limits::Limits;
use devportal_domain::identity::TokenSecret;
use devportal_domain::job_log::LogLimits;
use devportal_domain::wizard::url_policy::UrlPolicy;
use devportal_embedded::SecretKey;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "devportal", version, about = "The Dev Portal on this machine: API, web UI and pipeline in one process")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal.
    Serve(Box<ServeArgs>),
    /// Print the OpenAPI document of the API (the same one served at /api/v1/openapi.json).
    Openapi,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DEVPORTAL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Where the database lives (created if missing).
    #[arg(long, env = "DEVPORTAL_DATA_DIR", default_value = ".devportal")]
    pub data_dir: PathBuf,
    /// The built web UI to serve beside the API (build it with
    /// `npm --prefix static-site ci && npm --prefix static-site run build`).
    #[arg(long, env = "DEVPORTAL_STATIC_DIR", default_value = crate::site::DEFAULT_DIR)]
    pub static_dir: PathBuf,
    /// The URL people and connectors reach the portal at (default: http://ADDR).
    #[arg(long, env = "DEVPORTAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Days a binned connector is kept before it is deleted permanently.
    #[arg(long, env = "DEVPORTAL_BIN_RETENTION_DAYS", default_value_t = 30)]
    pub bin_retention_days: u32,
    /// Where state lives: `embedded` (SQLite in --data-dir) or `aws` (DynamoDB, SQS, S3,
    /// Secrets Manager through the standard AWS_* environment, e.g. AWS_ENDPOINT_URL for moto).
    #[arg(long, env = "DEVPORTAL_BACKEND", default_value = "embedded", value_parser = ["embedded", "aws"])]
    pub backend: String,
    /// With `--backend aws`: create the table, queues and bucket when missing.
    #[arg(long, env = "DEVPORTAL_CREATE_RESOURCES", default_value_t = false)]
    pub create_resources: bool,
    /// With `--backend aws`: the DynamoDB table.
    #[arg(long, env = "DEVPORTAL_TABLE", default_value = "devportal")]
    pub table: String,
    /// With `--backend aws`: prefix of the stage queues (`<prefix>-<stage>`, `…-dlq`).
    #[arg(long, env = "DEVPORTAL_QUEUE_PREFIX", default_value = "devportal")]
    pub queue_prefix: String,
    /// With `--backend aws`: the artifacts bucket (job logs).
    #[arg(long, env = "DEVPORTAL_BUCKET", default_value = "devportal-artifacts")]
    pub bucket: String,
    /// With `--backend aws`: the Secrets Manager name prefix.
    #[arg(long, env = "DEVPORTAL_SECRET_PREFIX", default_value = "devportal")]
    pub secret_prefix: String,
    /// With `--backend aws`: build images with this CodeBuild project into ECR (else locally
    /// with buildah).
    #[arg(long, env = "DEVPORTAL_BUILD_PROJECT")]
    pub build_project: Option<String>,
    /// With `--build-project`: its CloudWatch Logs group (default: CodeBuild's `/aws/codebuild/<project>`).
    #[arg(long, env = "DEVPORTAL_BUILD_LOG_GROUP")]
    pub build_log_group: Option<String>,
    /// With `--build-project`: ECR repositories are `<prefix>/<connector id>`.
    #[arg(long, env = "DEVPORTAL_ECR_PREFIX", default_value = "devportal-connectors")]
    pub ecr_prefix: String,
    /// With `--build-project`: seconds between reads of a build's status and log.
    #[arg(long, env = "DEVPORTAL_BUILD_POLL_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub build_poll_seconds: u64,
    /// With `--backend aws`: register images as ECS task definitions for this cluster (else
    /// the local runtime).
    #[arg(long, env = "DEVPORTAL_ECS_CLUSTER")]
    pub ecs_cluster: Option<String>,
    /// With `--ecs-cluster`: the task execution role's ARN (required).
    #[arg(long, env = "DEVPORTAL_TASK_EXECUTION_ROLE")]
    pub task_execution_role: Option<String>,
    /// With `--ecs-cluster`: the connectors' CloudWatch Logs group.
    #[arg(long, env = "DEVPORTAL_TASK_LOG_GROUP", default_value = "/devportal/connectors")]
    pub task_log_group: String,
    /// With `--ecs-cluster`: task definition families are `<prefix><connector id>-v<version>`.
    #[arg(long, env = "DEVPORTAL_TASK_FAMILY_PREFIX", default_value = "devportal-")]
    pub task_family_prefix: String,
    /// Accept `file://`, `git://` and plain `http://` repository URLs and repositories on this
    /// machine (loopback addresses). Off by default; never available on AWS.
    #[arg(long, env = "DEVPORTAL_ALLOW_LOCAL_REPOS", default_value_t = false, value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_local_repos: bool,
    /// Accept repository hosts in private address ranges (10/8, 172.16/12, 192.168/16,
    /// 100.64/10, fc00::/7), e.g. a company's internal Git server.
    #[arg(long, env = "DEVPORTAL_ALLOW_PRIVATE_NETWORKS", default_value_t = false, value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_private_networks: bool,
    /// The file holding the key that encrypts secrets at rest (created with mode 0600 on first
    /// start; must be outside the data directory). Default: beside the data directory,
    /// `<data dir>.key`. `DEVPORTAL_SECRET_KEY` (64 hex digits) takes precedence.
    #[arg(long, env = "DEVPORTAL_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Builds run at once on this host (each is a `git clone` + `buildah bud`); queued builds
    /// take turns across organizations.
    #[arg(long, env = "DEVPORTAL_BUILD_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub build_concurrency: u16,
    /// Seconds a local build's `git clone` may take.
    #[arg(long, env = "DEVPORTAL_CLONE_TIMEOUT", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub clone_timeout: u64,
    /// Seconds a local build's image build (`buildah bud`) may take.
    #[arg(long, env = "DEVPORTAL_IMAGE_BUILD_TIMEOUT", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub image_build_timeout: u64,
    /// Lines one job's log keeps at most (the first ones, a marker, the last 2,000).
    #[arg(long, env = "DEVPORTAL_JOB_LOG_MAX_LINES", default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(5_000..=10_000_000))]
    pub job_log_max_lines: u64,
    /// Seconds a run may run before it is stopped and ends `timed-out` (default 15 minutes).
    #[arg(long, env = "DEVPORTAL_RUN_TIME_LIMIT", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub run_time_limit: u64,
    /// MiB of text one job's log keeps at most.
    #[arg(long, env = "DEVPORTAL_JOB_LOG_MAX_MIB", default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=1024))]
    pub job_log_max_mib: u64,
    /// Seconds storing a local build's image may take.
    #[arg(long, env = "DEVPORTAL_PUSH_TIMEOUT", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub push_timeout: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Log filter, e.g. `info` or `devportal=debug`.
    #[arg(long, env = "DEVPORTAL_LOG", default_value = "info", value_parser = log_filter)]
    pub log: String,
    /// Log lines as JSON.
    #[arg(long, env = "DEVPORTAL_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

/// Quotas and rate limits (`devportal_app::limits::Limits`; 0 turns one off). The variables
/// are the ones the Lambda functions read.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Requests per second one user may make, sustained.
    #[arg(long, env = "DEVPORTAL_USER_REQUESTS_PER_SECOND", default_value_t = Limits::default().user_requests_per_second)]
    pub user_requests_per_second: u32,
    /// Requests one user may make in a burst.
    #[arg(long, env = "DEVPORTAL_USER_BURST", default_value_t = Limits::default().user_burst)]
    pub user_burst: u32,
    /// Requests per second of all members of an organization together.
    #[arg(long, env = "DEVPORTAL_ORG_REQUESTS_PER_SECOND", default_value_t = Limits::default().org_requests_per_second)]
    pub org_requests_per_second: u32,
    /// Requests an organization may make in a burst.
    #[arg(long, env = "DEVPORTAL_ORG_BURST", default_value_t = Limits::default().org_burst)]
    pub org_burst: u32,
    /// Failed authentications per minute per client address before it gets 429.
    #[arg(long, env = "DEVPORTAL_AUTH_FAILURES_PER_MINUTE", default_value_t = Limits::default().auth_failures_per_minute)]
    pub auth_failures_per_minute: u32,
    /// Live connectors per organization.
    #[arg(long, env = "DEVPORTAL_MAX_CONNECTORS_PER_ORG", default_value_t = Limits::default().max_connectors_per_org)]
    pub max_connectors_per_org: u32,
    /// Versions per connector.
    #[arg(long, env = "DEVPORTAL_MAX_VERSIONS_PER_CONNECTOR", default_value_t = Limits::default().max_versions_per_connector)]
    pub max_versions_per_connector: u32,
    /// Tokens per user.
    #[arg(long, env = "DEVPORTAL_MAX_TOKENS_PER_USER", default_value_t = Limits::default().max_tokens_per_user)]
    pub max_tokens_per_user: u32,
    /// Git connection tests one user may run at once.
    #[arg(long, env = "DEVPORTAL_MAX_CONCURRENT_CONNECTION_TESTS", default_value_t = Limits::default().max_concurrent_connection_tests)]
    pub max_concurrent_connection_tests: u32,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            user_requests_per_second: self.user_requests_per_second,
            user_burst: self.user_burst,
            org_requests_per_second: self.org_requests_per_second,
            org_burst: self.org_burst,
            auth_failures_per_minute: self.auth_failures_per_minute,
            max_connectors_per_org: self.max_connectors_per_org,
            max_versions_per_connector: self.max_versions_per_connector,
            max_tokens_per_user: self.max_tokens_per_user,
            max_concurrent_connection_tests: self.max_concurrent_connection_tests,
        }
    }
}

/// What `serve` needs, validated.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub addr: String,
    pub data_dir: PathBuf,
    pub static_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    /// From `DEVPORTAL_TOKEN`: registered for the bootstrap admin.
    pub preset_token: Option<TokenSecret>,
    /// Run the stage workers in this process (the default; tests may hold them back).
    pub workers: bool,
    /// Days binned connectors are kept.
    pub bin_retention_days: u32,
    /// `None`: the embedded adapters; `Some`: the AWS ones.
    pub aws: Option<AwsBackend>,
    /// Builds run at once by this host's build worker.
    pub build_concurrency: usize,
    /// How the adapters and use cases are set up, whatever the backend.
    pub host: HostSettings,
}

/// What the local host decides about its adapters and use cases, whatever the backend: what
/// may be cloned, how secrets are kept, and the limits of builds and job logs.
#[derive(Clone, Debug)]
pub struct HostSettings {
    /// Which repositories builds and connection tests may reach.
    pub url_policy: UrlPolicy,
    /// The key of secrets at rest (embedded backend only; on AWS, Secrets Manager keeps them).
    pub secret_key: SecretKeyConfig,
    /// Time and resource limits of the local builder.
    pub build_limits: devportal_wiring::BuildLimits,
    /// How much of a job's output its log keeps.
    pub job_log: LogLimits,
    /// Quotas and rate limits.
    pub limits: Limits,
    /// A run still running this long after it started ends `timed-out`.
    pub run_time_limit: std::time::Duration,
}

/// Where the local host's secret key comes from.
#[derive(Clone, Debug)]
pub enum SecretKeyConfig {
    /// `DEVPORTAL_SECRET_KEY` (or a key given by a test).
    Value(SecretKey),
    /// A key file, created on first start.
    File(PathBuf),
}

/// The AWS backend's resources; the SDK configuration is loaded at start.
#[derive(Clone, Debug)]
pub struct AwsBackend {
    pub table: String,
    pub queue_prefix: String,
    pub bucket: String,
    pub secret_prefix: String,
    pub create_resources: bool,
    /// The image builder: CodeBuild when `--build-project` is given, else the local one.
    pub builder: devportal_wiring::AwsBuilder,
    /// The runtime: ECS when `--ecs-cluster` is given, else the local one.
    pub runtime: devportal_wiring::AwsRuntime,
    /// An SDK configuration to use instead of the environment's (tests).
    pub sdk: Option<devportal_wiring::AwsSdkConfig>,
}

impl ServeConfig {
    pub fn from_args(args: &ServeArgs) -> Result<Self, String> {
        let preset_token = match std::env::var("DEVPORTAL_TOKEN") {
            Ok(t) if !t.is_empty() => Some(
                TokenSecret::parse_preset(&t)
                    .map_err(|_| "DEVPORTAL_TOKEN must be 24 to 256 printable ASCII characters without spaces".to_string())?,
            ),
            _ => None,
        };
        let secret_key = match std::env::var("DEVPORTAL_SECRET_KEY") {
            Ok(k) if !k.is_empty() => SecretKeyConfig::Value(SecretKey::parse(&k).map_err(|e| e.to_string())?),
            _ => SecretKeyConfig::File(args.secret_key_file.clone().unwrap_or_else(|| devportal_embedded::default_key_file(&args.data_dir))),
        };
        let static_dir = crate::site::is_built(&args.static_dir).then(|| args.static_dir.clone());
        if static_dir.is_none() {
            tracing::warn!(
                dir = %args.static_dir.display(),
                "the web UI is not built (no index.html there); serving the API only. Build it with: {}",
                crate::site::BUILD_COMMAND
            );
        }
        let url_policy = UrlPolicy { allow_local_repos: args.allow_local_repos, allow_private_networks: args.allow_private_networks };
        let builder = match &args.build_project {
            None => devportal_wiring::AwsBuilder::Local,
            Some(project) => devportal_wiring::AwsBuilder::CodeBuild(devportal_wiring::CodeBuildSettings {
                project: project.clone(),
                log_group: args.build_log_group.clone().unwrap_or_else(|| format!("/aws/codebuild/{project}")),
                ecr_prefix: args.ecr_prefix.clone(),
                poll_interval: std::time::Duration::from_secs(args.build_poll_seconds),
                url_policy,
            }),
        };
        let runtime = match &args.ecs_cluster {
            None => devportal_wiring::AwsRuntime::Local,
            Some(cluster) => devportal_wiring::AwsRuntime::Ecs(devportal_wiring::EcsSettings {
                cluster: cluster.clone(),
                execution_role_arn: args
                    .task_execution_role
                    .clone()
                    .ok_or_else(|| "--ecs-cluster needs --task-execution-role (DEVPORTAL_TASK_EXECUTION_ROLE)".to_string())?,
                log_group: args.task_log_group.clone(),
                family_prefix: args.task_family_prefix.clone(),
            }),
        };
        Ok(Self {
            addr: args.addr.clone(),
            data_dir: args.data_dir.clone(),
            static_dir,
            public_url: args.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()),
            preset_token,
            workers: true,
            bin_retention_days: args.bin_retention_days,
            build_concurrency: args.build_concurrency.into(),
            host: HostSettings {
                url_policy,
                secret_key,
                build_limits: devportal_wiring::BuildLimits {
                    clone_timeout: std::time::Duration::from_secs(args.clone_timeout),
                    image_build_timeout: std::time::Duration::from_secs(args.image_build_timeout),
                    push_timeout: std::time::Duration::from_secs(args.push_timeout),
                    ..Default::default()
                },
                job_log: LogLimits {
                    max_lines: args.job_log_max_lines as usize,
                    max_bytes: (args.job_log_max_mib as usize) << 20,
                    ..LogLimits::default()
                },
                limits: args.limits.limits(),
                run_time_limit: std::time::Duration::from_secs(args.run_time_limit),
            },
            aws: (args.backend == "aws").then(|| AwsBackend {
                table: args.table.clone(),
                queue_prefix: args.queue_prefix.clone(),
                bucket: args.bucket.clone(),
                secret_prefix: args.secret_prefix.clone(),
                create_resources: args.create_resources,
                builder,
                runtime,
                sdk: None,
            }),
        })
    }
}

/// `--log` as given, once it parses as a filter (the local host installs it in `main`).
fn log_filter(value: &str) -> Result<String, String> {
    devportal_wiring::logging::parse_filter(value).map(|_| value.to_string()).map_err(|e| e.to_string())
}
