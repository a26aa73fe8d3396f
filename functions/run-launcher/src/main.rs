//! Lambda entry point of `run-launcher`: SQS launches and ECS events, and the reconciler
//! schedule.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _logs = devportal_wiring::logging::init(devportal_wiring::logging::LogSetup::lambda());
    let env = devportal_wiring::LambdaEnvironment::from_env()?;
    let lambda = devportal_wiring::lambda_function(devportal_wiring::functions::RUN_LAUNCHER).await?;
    let executor = devportal_aws::EcsRunExecutor::new(&lambda.sdk, env.runs);
    let (app, executor) = (&lambda.app, &executor);
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
        run_launcher::handle(app, executor, event.payload).await.map_err(lambda_runtime::Error::from)
    }))
    .await
}
