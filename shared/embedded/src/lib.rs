//! Embedded adapters of the Dev Portal ports, for a machine with no cloud account:
//! a SQLite database laid out like the DynamoDB single table (see `docs/ARCHITECTURE.md`),
//! a local secret store in the same database (encrypted with a key kept outside it), and Git through the `git` command line.

pub mod builder;
pub mod capture;
pub mod db;
pub mod git;
pub mod job_logs;
pub mod pipeline_store;
pub mod platform;
pub mod process;
pub mod queue;
pub mod read_cache;
pub mod run_executor;
pub mod runs;
pub mod sandbox;
/// The key design, shared with the DynamoDB adapter (`devportal-table`).
pub use devportal_table::keys;
pub mod secret_key;
pub mod secrets;
pub mod store;
pub mod writer;

pub use builder::LocalBuilder;
pub use db::Db;
pub use git::GitCli;
pub use job_logs::SqliteJobLogs;
pub use pipeline_store::SqlitePipelineStore;
pub use platform::{LocalDirectory, LocalRuntime};
pub use queue::SqliteQueue;
pub use run_executor::{LocalRunExecutor, RunLimits};
pub use runs::{LocalRunQueue, SqliteRunData, SqliteRunStore};
pub use secret_key::{default_key_file, KeySource, SecretKey, SecretKeyError};
pub use secrets::{LocalSecrets, SecretsOpenError};
pub use store::SqliteStore;
