//! Typed configuration of the local host, from flags and `DEVPORTAL_*` variables.
//! The preset token is wrapped so it never reaches a log line.

use clap::{Parser, Subcommand};
use devportal_domain::identity::TokenSecret;
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
    /// The static web UI to serve beside the API.
    #[arg(long, env = "DEVPORTAL_STATIC_DIR", default_value = "static-site")]
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
    /// Log filter, e.g. `info` or `devportal=debug`.
    #[arg(long, env = "DEVPORTAL_LOG", default_value = "info")]
    pub log: String,
    /// Log lines as JSON.
    #[arg(long, env = "DEVPORTAL_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
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
        let static_dir = args.static_dir.is_dir().then(|| args.static_dir.clone());
        if static_dir.is_none() {
            tracing::warn!(dir = %args.static_dir.display(), "static site folder not found; serving the API only");
        }
        let builder = match &args.build_project {
            None => devportal_wiring::AwsBuilder::Local,
            Some(project) => devportal_wiring::AwsBuilder::CodeBuild(devportal_wiring::CodeBuildSettings {
                project: project.clone(),
                log_group: args.build_log_group.clone().unwrap_or_else(|| format!("/aws/codebuild/{project}")),
                ecr_prefix: args.ecr_prefix.clone(),
                poll_interval: std::time::Duration::from_secs(args.build_poll_seconds),
            }),
        };
        let runtime = match &args.ecs_cluster {
            None => devportal_wiring::AwsRuntime::Local,
            Some(cluster) => devportal_wiring::AwsRuntime::Ecs(devportal_wiring::EcsSettings {
                cluster: cluster.clone(),
                execution_role_arn: args.task_execution_role.clone().ok_or_else(|| "--ecs-cluster needs --task-execution-role (DEVPORTAL_TASK_EXECUTION_ROLE)".to_string())?,
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
