//! The portal API as a Lambda function: the router of `lib.rs` handed to `lambda_http::run`.
//! The adapters are wired once here (`devportal-wiring`), outside the handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let mut lambda = devportal_wiring::lambda_function(devportal_wiring::functions::API).await?;
    // Quotas and rate limits from the function's environment (docs/ARCHITECTURE.md); rates
    // are metered per function instance, API Gateway's throttling caps the whole API.
    let limits = devportal_app::limits::Limits::from_env()?;
    lambda.app = lambda.app.with_limits(limits);
    // The first administrator of a deployment, with the token the stack generated. A failure
    // (say, two first cold starts racing) must not take the API down: the next start retries.
    match devportal_wiring::bootstrap_from_secret(&lambda.app, &lambda.sdk).await {
        Ok(true) => tracing::info!("bootstrap administrator and token ensured"),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "first-token bootstrap failed; retried at the next cold start"),
    }
    lambda_http::run(devportal_api::lambda_router(lambda.app)).await
}
