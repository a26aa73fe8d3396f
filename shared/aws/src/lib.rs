//! AWS adapters of the Dev Portal ports:
//!
//! - [`DynamoStore`]: `IdentityStore` and `ConnectorStore` on one DynamoDB table laid out like
//!   the embedded SQLite table (the key functions live in `devportal-table`, shared by both;
//!   see `docs/ARCHITECTURE.md`, "Storage layout: one table").
//! - [`SecretsManagerSecrets`]: `SecretStore` on AWS Secrets Manager; references are ARNs.
//! - [`create_table`]: creates the table (on-demand, GSI `gsi1`, TTL on `expires_at`) if missing.
//! - [`DynamoPipelineStore`]: `PipelineStore` (jobs, transitions, idempotency keys, catalog) on
//!   the same table, each change one `TransactWriteItems`.
//! - [`SqsQueue`]: `JobQueue` on one SQS queue per stage with a dead-letter queue and a redrive
//!   policy; [`create_queues`] creates them.
//! - [`S3JobLogs`]: `JobLogStore` on S3, one object per line; [`create_bucket`] creates the bucket.
//! - [`CodeBuildBuilder`]: `ImageBuilder` on a CodeBuild project (polled, its CloudWatch Logs
//!   tailed into the job log) pushing to one ECR repository per connector.
//! - [`EcsRuntime`]: `Runtime` on ECS, one Fargate task definition family per connector version.
//! - [`DynamoRunStore`]: `RunStore` (runs, idempotency claims, token lookups, the run
//!   history without scans) and [`DynamoRunDataStore`]: `RunDataStore` (log entries, stdio,
//!   output and input rows; idempotent ingestion per batch, TTL) on the same table.
//! - [`EcsRunExecutor`]: `RunExecutor` on ECS Fargate (a task definition revision and a
//!   secret per run, `RunTask` / `StopTask` / `DescribeTasks`).
//! - [`SqsRunQueue`]: `RunQueue` on SQS (launch and ingest queues; batches over 256 KiB
//!   split into parts with derived ids); [`create_run_queues`] creates them.
//! - [`run_events`]: ECS task state events / `DescribeTasks` → run observations, CloudWatch
//!   Logs subscription events → stdio ingestion batches (pure functions).
//! - [`DynamoDirectory`]: `Directory` (accounts, projects, sites, dev installs) on the same table.
//!
//! Clients are built once by the caller (from [`load_sdk_config`] or any `SdkConfig`) and passed
//! in. The SDK honours the standard environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, credentials),
//! so local runs against moto need no code of their own. The contract tests in
//! `tests/tests/contract_store.rs` and `tests/tests/contract_pipeline.rs` hold these adapters and the embedded ones to the same behaviour;
//! `tests/tests/contract_aws_builder.rs` runs the builder and the runtime on moto (with the
//! CodeBuild fake of `tests/moto/launcher.py`); `contract_directory.rs` holds the directory to its embedded twin.

pub mod builder;
pub mod directory;
mod error;
mod items;
pub mod job_logs;
pub mod pipeline_store;
pub mod queue;
pub mod run_data;
pub mod run_events;
pub mod run_executor;
pub mod run_queue;
pub mod runs;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod table;

pub use builder::{CodeBuildBuilder, CodeBuildSettings, EcrRepositories, KEEP_TAG_PREFIX, LIFECYCLE_POLICY, UNTAGGED_IMAGE_DAYS, UNUSED_IMAGE_DAYS};
pub use directory::DynamoDirectory;
pub use job_logs::{create_bucket, S3JobLogs};
pub use pipeline_store::DynamoPipelineStore;
pub use queue::{create_queues, SqsQueue};
pub use run_data::DynamoRunDataStore;
pub use run_executor::{EcsRunExecutor, EcsRunSettings};
pub use run_queue::{create_run_queues, SqsRunQueue};
pub use runs::DynamoRunStore;
pub use runtime::{keep_tag, EcsRuntime, EcsSettings};
pub use secrets::SecretsManagerSecrets;
pub use store::DynamoStore;
pub use table::create_table;

/// Re-exports, so callers build clients with the same SDK versions.
pub use aws_config;
pub use aws_sdk_cloudwatchlogs;
pub use aws_sdk_codebuild;
pub use aws_sdk_dynamodb;
pub use aws_sdk_ecr;
pub use aws_sdk_ecs;
pub use aws_sdk_s3;
pub use aws_sdk_secretsmanager;
pub use aws_sdk_sqs;

/// The SDK configuration from the standard environment and files, with the latest behaviour
/// version. Build each client once from it and share the clients.
pub async fn load_sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await
}
