//! The Lambda functions' wiring (`devportal_wiring::lambda_app`) as a deployed function runs it:
//! configured only by its environment — the standard AWS variables (`AWS_ENDPOINT_URL` pointing
//! at moto_server here) and the `DEVPORTAL_*` names `infra/template.yaml` sets — then fed the
//! sample events of `events/`. Also the first-token bootstrap from Secrets Manager.
//!
//! One test function sets process-wide environment variables (parallel tests in the same
//! binary would race on them); the other reads settings through a map only.

use axum::body::to_bytes;
use devportal_aws::aws_sdk_secretsmanager;
use devportal_tests::moto;
use devportal_wiring::{LambdaEnvironment, WiringError};
use serde_json::Value;
use tower::ServiceExt;

/// The token in the API samples' `Authorization` header (events/README.md).
const SAMPLE_TOKEN: &str = "dps_sample-token-for-events-0123456789";

fn sample(name: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn get_me(app: &devportal_app::App) -> (u16, Value) {
    let request = lambda_http::request::from_str(&sample("api-get-me.json")).expect("an API Gateway request");
    let response = devportal_api::router(app.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn a_function_configured_by_its_environment_runs_on_the_aws_resources() {
    // Missing settings are named.
    let only_table = |name: &str| (name == LambdaEnvironment::TABLE).then(|| "t".to_string());
    match LambdaEnvironment::from_lookup(only_table) {
        Err(WiringError::MissingSetting(name)) => assert_eq!(name, LambdaEnvironment::QUEUE_PREFIX),
        other => panic!("expected a missing setting, got {other:?}"),
    }

    // The stack's resources, as the template would have created them.
    let endpoint = moto::endpoint_async().await;
    let sdk = moto::sdk_config(&endpoint);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (table, prefix, bucket) = (format!("lambda-{id}"), format!("lw-{}", &id[..12]), format!("lw-{id}"));
    devportal_aws::create_table(&devportal_aws::aws_sdk_dynamodb::Client::new(&sdk), &table).await.unwrap();
    devportal_aws::create_queues(&devportal_aws::aws_sdk_sqs::Client::new(&sdk), &prefix).await.unwrap();
    let s3 = devportal_aws::aws_sdk_s3::Client::from_conf(devportal_aws::aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    devportal_aws::create_bucket(&s3, &bucket).await.unwrap();
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let bootstrap = secrets.create_secret().name(format!("bootstrap-{id}")).secret_string(SAMPLE_TOKEN).send().await.unwrap();

    // SAFETY (edition 2021: set_var is safe; the note is for the reader): this is the only
    // test of this binary, and it sets the variables before any client reads them.
    for (k, v) in [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        (LambdaEnvironment::TABLE, &table),
        (LambdaEnvironment::QUEUE_PREFIX, &prefix),
        (LambdaEnvironment::BUCKET, &bucket),
        (LambdaEnvironment::SECRET_PREFIX, &format!("lw/{id}")),
        (devportal_wiring::BOOTSTRAP_TOKEN_SECRET, bootstrap.arn().unwrap()),
        (LambdaEnvironment::BUILD_PROJECT, "connector-images"),
        (LambdaEnvironment::BUILD_LOG_GROUP, "/aws/codebuild/connector-images"),
        (LambdaEnvironment::ECR_PREFIX, "devportal-connectors-lw"),
        (LambdaEnvironment::ECS_CLUSTER, "connectors"),
        (LambdaEnvironment::TASK_EXECUTION_ROLE, "arn:aws:iam::123456789012:role/connector-task-execution"),
        (LambdaEnvironment::TASK_LOG_GROUP, "/devportal/connectors"),
        (LambdaEnvironment::TASK_FAMILY_PREFIX, "lw-"),
    ] {
        std::env::set_var(k, v);
    }

    let lambda = devportal_wiring::lambda_app().await.expect("wired from the environment");
    // A deployed stack starts with an empty platform directory (no demo accounts) unless
    // SeedDemoDirectory asks for them.
    assert!(lambda.app.ports.directory.accounts().await.unwrap().is_empty(), "no demo accounts without DEVPORTAL_SEED_DEMO_DIRECTORY");
    assert!(lambda.app.ports.directory.sites().await.unwrap().is_empty());
    // Before the bootstrap, the samples' token is unknown.
    assert_eq!(get_me(&lambda.app).await.0, 401);
    assert!(devportal_wiring::bootstrap_from_secret(&lambda.app, &lambda.sdk).await.unwrap(), "first start creates the administrator");
    let (status, me) = get_me(&lambda.app).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["email"], "admin@localhost");

    // A second instance (another cold start) shares the state and does not bootstrap again.
    let second = devportal_wiring::lambda_app().await.unwrap();
    assert!(!devportal_wiring::bootstrap_from_secret(&second.app, &second.sdk).await.unwrap());
    assert_eq!(get_me(&second.app).await.0, 200, "the token lives in DynamoDB, not in the instance");
    // Revoking the bootstrap token sticks across cold starts.
    let user = me["user"]["id"].as_str().unwrap().parse().unwrap();
    let tokens = second.app.ports.identity.list_tokens(user).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(second.app.ports.identity.revoke_token(user, tokens[0].id).await.unwrap());
    let third = devportal_wiring::lambda_app().await.unwrap();
    assert!(!devportal_wiring::bootstrap_from_secret(&third.app, &third.sdk).await.unwrap());
    assert_eq!(get_me(&third.app).await.0, 401);

    // A stage function's batch: the sample's job does not exist, so it is acknowledged.
    let batch: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_str(&sample("sqs-stage-build.json")).unwrap();
    let answer = devportal_worker::handle_sqs_batch(&third.app, devportal_domain::pipeline::Stage::Build, batch).await;
    assert!(answer.batch_item_failures.is_empty());

    // SeedDemoDirectory=true: the example directory is seeded on the next cold start.
    std::env::set_var(LambdaEnvironment::SEED_DEMO_DIRECTORY, "true");
    let seeded = devportal_wiring::lambda_app().await.unwrap();
    let expected = devportal_domain::directory::example_directory();
    assert_eq!(seeded.app.ports.directory.accounts().await.unwrap().len(), expected.accounts.len());
    assert_eq!(seeded.app.ports.directory.sites().await.unwrap().len(), expected.sites.len());
    std::env::set_var(LambdaEnvironment::SEED_DEMO_DIRECTORY, "yes");
    assert!(matches!(devportal_wiring::lambda_app().await, Err(WiringError::InvalidSetting("DEVPORTAL_SEED_DEMO_DIRECTORY", _))));
    std::env::set_var(LambdaEnvironment::SEED_DEMO_DIRECTORY, "false");

    // A missing or malformed setting is a clear error naming it, not a panic.
    std::env::set_var(LambdaEnvironment::BUILD_POLL_SECONDS, "0");
    assert!(matches!(devportal_wiring::lambda_app().await, Err(WiringError::InvalidSetting("DEVPORTAL_BUILD_POLL_SECONDS", _))));
    std::env::set_var(LambdaEnvironment::TABLE, "");
    assert!(matches!(devportal_wiring::lambda_app().await, Err(WiringError::MissingSetting("DEVPORTAL_TABLE"))));
}

/// Where runs start comes from the environment too (no process environment touched here).
#[test]
fn run_settings_are_read_from_the_environment_and_checked() {
    let settings = |extra: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            let base = [
                (LambdaEnvironment::TABLE, "t"),
                (LambdaEnvironment::QUEUE_PREFIX, "q"),
                (LambdaEnvironment::BUCKET, "b"),
                (LambdaEnvironment::SECRET_PREFIX, "dp/stack"),
                (LambdaEnvironment::BUILD_PROJECT, "p"),
                (LambdaEnvironment::BUILD_LOG_GROUP, "g"),
                (LambdaEnvironment::ECR_PREFIX, "e"),
                (LambdaEnvironment::ECS_CLUSTER, "runs"),
                (LambdaEnvironment::TASK_EXECUTION_ROLE, "arn:aws:iam::123456789012:role/x"),
                (LambdaEnvironment::TASK_LOG_GROUP, "/dp/connectors"),
                (LambdaEnvironment::TASK_FAMILY_PREFIX, "stack-"),
            ];
            base.iter().chain(extra.iter()).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        }
    };
    let env = LambdaEnvironment::from_lookup(settings(&[
        (LambdaEnvironment::RUN_SUBNETS, "subnet-a, subnet-b"),
        (LambdaEnvironment::RUN_SECURITY_GROUPS, "sg-1"),
        (LambdaEnvironment::RUN_ASSIGN_PUBLIC_IP, "true"),
    ]))
    .unwrap();
    assert_eq!(env.runs.subnets, vec!["subnet-a".to_string(), "subnet-b".to_string()]);
    assert_eq!(env.runs.security_groups, vec!["sg-1".to_string()]);
    assert!(env.runs.assign_public_ip);
    assert_eq!((env.runs.cluster.as_str(), env.runs.family_prefix.as_str(), env.runs.secret_prefix.as_str()), ("runs", "stack-", "dp/stack"));
    // The template's empty list parameters: no subnets (a start then fails and names them).
    let env = LambdaEnvironment::from_lookup(settings(&[(LambdaEnvironment::RUN_SUBNETS, "")])).unwrap();
    assert!(env.runs.subnets.is_empty() && !env.runs.assign_public_ip);
    match LambdaEnvironment::from_lookup(settings(&[(LambdaEnvironment::RUN_ASSIGN_PUBLIC_IP, "yes")])) {
        Err(WiringError::InvalidSetting(name, _)) => assert_eq!(name, LambdaEnvironment::RUN_ASSIGN_PUBLIC_IP),
        other => panic!("expected an invalid setting, got {other:?}"),
    }
}
