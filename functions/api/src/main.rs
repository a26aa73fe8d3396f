//! The portal API as a Lambda function: the router of `lib.rs` handed to `lambda_http::run`.
//! The adapters are wired once here (`devportal-wiring`), outside the handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(false)
        .without_time()
        .init();
    let lambda = devportal_wiring::lambda_app().await?;
    // The first administrator of a deployment, with the token the stack generated. A failure
    // (say, two first cold starts racing) must not take the API down: the next start retries.
    match devportal_wiring::bootstrap_from_secret(&lambda.app, &lambda.sdk).await {
        Ok(true) => tracing::info!("bootstrap administrator and token ensured"),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "first-token bootstrap failed; retried at the next cold start"),
    }
    lambda_http::run(devportal_api::router(lambda.app)).await
}
