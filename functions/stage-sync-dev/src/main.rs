//! Lambda entry point of the `sync-dev` stage: SQS batches with partial batch failures.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().without_time().init();
    let app = devportal_wiring::lambda_app().await?.app;
    devportal_worker::run_lambda(app, stage_sync_dev::STAGE).await
}
