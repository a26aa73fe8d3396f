//! The retry policy of queued work, one for every host and queue: how often a message is
//! delivered before it is dead-lettered, how long a received message stays invisible, and the
//! backoff between deliveries after a retryable failure. The local poller and the Lambda
//! handler (`devportal-worker`) apply it; both queue adapters configure it (the SQS redrive
//! policy's `maxReceiveCount`, the queues' visibility timeouts); `infra/check_template.py`
//! reads [`MAX_ATTEMPTS`] from this file to check the template's redrive policies.

use crate::pipeline::Stage;
use std::time::Duration;

/// Deliveries of one message before it is dead-lettered (the SQS redrive policy matches).
pub const MAX_ATTEMPTS: u32 = 5;

/// How long a received message stays invisible: longer than the stage's longest work.
pub fn visibility(stage: Stage) -> Duration {
    match stage {
        Stage::Build => Duration::from_secs(30 * 60),
        _ => Duration::from_secs(5 * 60),
    }
}

/// Delay before the next delivery after a retryable failure: 2, 4, 8, … seconds, at most 5 minutes.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempt.min(8)).min(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let secs: Vec<u64> = (1..=10).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 256, 256].map(|s: u64| s.min(300)));
        assert!(Stage::ALL.iter().all(|s| visibility(*s) >= Duration::from_secs(5 * 60)));
    }
}
