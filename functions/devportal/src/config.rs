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
    Serve(ServeArgs),
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
                sdk: None,
            }),
        })
    }
}
