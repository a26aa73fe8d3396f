//! Lambda entry point of the `access` stage: SQS batches with partial batch failures.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let app = devportal_wiring::lambda_function(devportal_wiring::functions::STAGE_ACCESS).await?.app;
    devportal_worker::run_lambda(app, stage_access::STAGE).await
}
