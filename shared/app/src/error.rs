//! Errors of the use cases. The HTTP edge maps each variant to one status code; the
//! messages here are written for the person reading the API answer.

use devportal_domain::ports::StoreError;
use devportal_domain::version::VersionState;
use devportal_domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("missing or unknown bearer token")]
    Unauthenticated,
    /// The token's `expires_at` has passed.
    #[error("the token has expired")]
    TokenExpired,
    /// A read-scoped token asked to change something.
    #[error("a read-scoped token may only read")]
    InsufficientScope,
    /// A request-rate or concurrency limit: try again after `retry_after_seconds`.
    #[error("{message}")]
    RateLimited { message: String, retry_after_seconds: u64 },
    /// A count limit (connectors, versions, tokens) is reached.
    #[error("{message}")]
    QuotaExceeded { message: String, limit: String, max: u32 },
    #[error("{0}")]
    Forbidden(String),
    /// Also used for resources of organizations the caller is not in (404, not 403).
    #[error("{0}")]
    NotFound(String),
    /// A stale `revision`: the answer carries the current one.
    #[error("the resource changed since it was read: the current revision is {current_revision}")]
    StaleRevision { current_revision: u64 },
    /// A pipeline step is running on the version.
    #[error("transition not allowed, version is `{state}`")]
    TransitionRunning { state: VersionState, current_revision: u64 },
    /// A pipeline step that may not start now (out of order, finished job, …).
    #[error("{message}")]
    TransitionNotAllowed { message: String, state: VersionState },
    #[error("{0}")]
    AlreadyExists(String),
    /// The request conflicts with the resource's current state (a finished run).
    #[error("{0}")]
    Conflict(String),
    /// A run token whose run is not running (any more).
    #[error("{0}")]
    RunTokenExpired(String),
    /// Storage or another dependency failed; details are logged, not returned.
    #[error("dependency failure: {message}")]
    Unavailable { message: String, retryable: bool },
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { current } => AppError::StaleRevision { current_revision: current },
            StoreError::AlreadyExists { what } => AppError::AlreadyExists(format!("{what} already exists")),
            StoreError::NotFound { what } => AppError::NotFound(format!("{what} not found")),
            StoreError::Unavailable { message, retryable } => AppError::Unavailable { message, retryable },
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
