//! Lambda entry point of `log-ingest`: SQS batches and CloudWatch Logs subscription events.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let app = devportal_wiring::lambda_function(devportal_wiring::functions::LOG_INGEST).await?.app;
    let app = &app;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
        log_ingest::handle(app, event.payload).await.map_err(lambda_runtime::Error::from)
    }))
    .await
}
