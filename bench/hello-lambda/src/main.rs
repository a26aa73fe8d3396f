//! Baseline function for `bench/cold-start.sh`: the smallest `lambda_runtime` function (echoes
//! its event), built with the same profile as the portal's functions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(|event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
        Ok::<_, lambda_runtime::Error>(event.payload)
    }))
    .await
}
