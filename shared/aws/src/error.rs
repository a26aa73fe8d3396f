//! Mapping of SDK failures to `StoreError::Unavailable`. Messages carry the operation, the
//! error code and the service's message — never a request body, so never a secret value.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use devportal_domain::ports::StoreError;

/// Error codes after which trying again may help (besides every 5xx, timeout and I/O failure).
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "TooManyRequestsException",
    "LimitExceededException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "InternalServiceError",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

pub(crate) fn is_retryable_code(code: &str) -> bool {
    RETRYABLE_CODES.contains(&code)
}

/// Any SDK failure that is not an expected answer, as `Unavailable`.
pub(crate) fn unavailable<E>(operation: &str, err: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("unknown");
            let status = service.raw().status();
            let retryable = status.is_server_error() || status.as_u16() == 429 || is_retryable_code(code);
            let message = match service.err().message() {
                Some(m) => format!("{operation}: {code} (HTTP {}): {m}", status.as_u16()),
                None => format!("{operation}: {code} (HTTP {})", status.as_u16()),
            };
            StoreError::Unavailable { message, retryable }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable { message: format!("{operation}: {}", DisplayErrorContext(&err)), retryable: true }
        }
        SdkError::DispatchFailure(dispatch) => {
            // A bad request we built (`is_user`) will fail again; connection trouble may not.
            let retryable = !dispatch.is_user();
            StoreError::Unavailable { message: format!("{operation}: {}", DisplayErrorContext(&err)), retryable }
        }
        _ => StoreError::Unavailable { message: format!("{operation}: {}", DisplayErrorContext(&err)), retryable: false },
    }
}

/// A failure of ours (a request that could not be built, an item that does not decode).
pub(crate) fn fatal(message: impl Into<String>) -> StoreError {
    StoreError::Unavailable { message: message.into(), retryable: false }
}

/// Any SDK failure of a pipeline stage's adapter (builder, runtime) as a `StageFailure`, with the
/// same message and retry judgement as [`unavailable`].
pub(crate) fn stage_failure<E>(operation: &str, err: SdkError<E>) -> devportal_domain::ports::StageFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match unavailable(operation, err) {
        StoreError::Unavailable { message, retryable } => devportal_domain::ports::StageFailure { reason: message, retryable },
        other => devportal_domain::ports::StageFailure { reason: other.to_string(), retryable: true },
    }
}
