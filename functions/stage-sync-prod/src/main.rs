//! Lambda entry point of the `sync-prod` stage: SQS batches with partial batch failures.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let app = devportal_wiring::lambda_function(devportal_wiring::functions::STAGE_SYNC_PROD).await?.app;
    devportal_worker::run_lambda(app, stage_sync_prod::STAGE).await
}
