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
    let app = devportal_wiring::lambda_app().await?;
    lambda_http::run(devportal_api::router(app)).await
}
