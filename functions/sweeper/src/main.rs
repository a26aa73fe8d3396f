//! Lambda entry point of the sweeper: an EventBridge schedule event runs one [`sweeper::sweep`].
//! The app and the retention are built once, outside the handler; a failed sweep is reported
//! as the invocation's error (EventBridge retries it; the next hour runs it anyway).

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};

/// The invocation's error, typed so CloudWatch shows what failed and whether a retry may help.
#[derive(Debug)]
struct SweepFailed(sweeper::SweepError);

impl From<SweepFailed> for Diagnostic {
    fn from(e: SweepFailed) -> Self {
        let error_type = if e.0.retryable() { "SweepFailedRetryable" } else { "SweepMisconfigured" };
        Diagnostic { error_type: error_type.into(), error_message: e.0.to_string() }
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let retention = sweeper::retention(std::env::var(sweeper::RETENTION_DAYS_VAR).ok().as_deref())?;
    let app = devportal_wiring::lambda_function(devportal_wiring::functions::SWEEPER).await?.app;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<CloudWatchEvent>| async move {
        let now = event.payload.time;
        sweeper::sweep(app, retention, now).await.map_err(SweepFailed)
    }))
    .await
}
