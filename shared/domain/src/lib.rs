//! The Dev Portal domain: what a connector, a version and its wizard steps are, the rules
//! that govern them (PRODUCT.md §2–4, §9), and the ports — narrow traits — through which the
//! application reaches storage, secrets and Git. Nothing here performs I/O; adapters in
//! `shared/embedded` (local) and `shared/aws` implement the ports.

pub mod connector;
pub mod directory;
pub mod execution;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod job_log;
pub mod page;
pub mod pipeline;
pub mod ports;
pub mod redact;
pub mod retry;
pub mod run;
pub mod secret;
pub mod stored;
pub mod validation;
pub mod version;
pub mod wizard;

pub use validation::{FieldError, ValidationErrors};
