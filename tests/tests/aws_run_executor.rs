//! `EcsRunExecutor` on moto (`devportal_tests::moto`): RunTask on moto's default VPC (its
//! subnets have DNS hostnames, so RunTask works: TOOLING.md), the per-run task definition
//! and secret, the overrides, idempotent starts, stop, observe and release. moto never emits
//! task state events and always reports exit code 0; the event mapping is unit-tested with
//! fixtures (`shared/aws/src/run_events.rs`).

use devportal_aws::aws_sdk_ecs::types::{TaskDefinitionStatus, TaskField};
use devportal_aws::{EcsRunExecutor, EcsRunSettings, EcsRuntime, EcsSettings};
use devportal_domain::ids::{ConnectorId, OrgId, RunId};
use devportal_domain::ports::{RunExecutor, RunLaunch, RunSink, Runtime};
use devportal_domain::run::{NewStdioLine, ObservedState, RunObservation};
use devportal_domain::secret::SecretValue;
use devportal_tests::moto;
use std::sync::Arc;

struct NoSink;

#[async_trait::async_trait]
impl RunSink for NoSink {
    async fn stdio(&self, _run: RunId, _lines: Vec<NewStdioLine>) {
        panic!("ECS reports through CloudWatch Logs, never the sink");
    }
    async fn observed(&self, _observation: RunObservation) {
        panic!("ECS reports through events, never the sink");
    }
}

/// A subnet of moto's default VPC, read with a plain EC2 query (the tests have no EC2 SDK).
async fn default_subnet(endpoint: &str) -> String {
    let body = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")
        .body("Action=DescribeSubnets&Version=2016-11-15")
        .send()
        .await
        .expect("DescribeSubnets")
        .text()
        .await
        .unwrap();
    let start = body.find("<subnetId>").expect("a default subnet") + "<subnetId>".len();
    body[start..start + body[start..].find('<').unwrap()].to_string()
}

struct Setup {
    executor: EcsRunExecutor,
    ecs: devportal_aws::aws_sdk_ecs::Client,
    secrets: devportal_aws::aws_sdk_secretsmanager::Client,
    cluster: String,
    launch: RunLaunch,
}

async fn setup() -> Setup {
    let endpoint = moto::endpoint_async().await;
    let config = moto::sdk_config(&endpoint);
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let cluster = format!("runs-{unique}");
    let ecs = devportal_aws::aws_sdk_ecs::Client::new(&config);
    ecs.create_cluster().cluster_name(&cluster).send().await.unwrap();
    let family_prefix = format!("dp{}-", &unique[..8]);
    let runtime = EcsRuntime::new(
        &config,
        EcsSettings {
            cluster: cluster.clone(),
            execution_role_arn: "arn:aws:iam::123456789012:role/devportal-task-execution".into(),
            log_group: "/devportal/runs".into(),
            family_prefix: family_prefix.clone(),
        },
    );
    let connector = ConnectorId::new();
    // The image as the build stage leaves it in ECR (registering tags it to be kept).
    let ecr = devportal_aws::aws_sdk_ecr::Client::new(&config);
    let digest = moto::push_manifest(&ecr, &format!("devportal/{connector}"), "v1").await;
    let image = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/devportal/{connector}:v1");
    let runtime_ref = runtime.register(connector, 1, &digest, &image).await.expect("register the version");
    let executor = EcsRunExecutor::new(
        &config,
        EcsRunSettings {
            cluster: cluster.clone(),
            subnets: vec![default_subnet(&endpoint).await],
            security_groups: vec!["sg-0123456789abcdef0".into()],
            assign_public_ip: false,
            family_prefix,
            secret_prefix: format!("contract/{unique}"),
        },
    );
    let launch = RunLaunch {
        run_id: RunId::new(),
        connector_id: connector,
        version: 1,
        site_id: "dev-site".into(),
        digest,
        runtime_ref,
        image_ref: image,
        owner: OrgId::new(),
        argv: vec!["/bin/connector".into(), "--limit".into(), "10".into()],
        env: vec![("CDE_RUN_API".into(), "https://portal.example.com/run-api/v1".into()), ("SHOP".into(), "acme".into())],
        secret_env: vec![("CDE_RUN_TOKEN".into(), SecretValue::new("run-token-value-123")), ("PASSWORD".into(), SecretValue::new("hunter2-secret"))],
        time_limit: std::time::Duration::from_secs(900),
    };
    Setup { executor, ecs, secrets: devportal_aws::aws_sdk_secretsmanager::Client::new(&config), cluster, launch }
}

#[tokio::test]
async fn a_run_starts_one_fargate_task_with_its_own_definition_and_no_secret_in_overrides() {
    let s = setup().await;
    let run = s.launch.run_id;
    let handle = s.executor.start(&s.launch, Arc::new(NoSink)).await.expect("start");
    // Starting again answers the same task and starts no second one.
    assert_eq!(s.executor.start(&s.launch, Arc::new(NoSink)).await.unwrap(), handle);
    let listed = s.ecs.list_tasks().cluster(&s.cluster).started_by(run.to_string()).send().await.unwrap();
    assert_eq!(listed.task_arns(), std::slice::from_ref(&handle));

    let task = s.ecs.describe_tasks().cluster(&s.cluster).tasks(&handle).include(TaskField::Tags).send().await.unwrap().tasks()[0].clone();
    assert_eq!(task.started_by(), Some(run.to_string().as_str()));
    assert_eq!(task.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    let tags: Vec<(String, String)> = task.tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect();
    assert!(tags.contains(&("devportal-run".into(), run.to_string())));
    assert!(tags.contains(&("devportal-connector".into(), s.launch.connector_id.to_string())));
    let o = &task.overrides().unwrap().container_overrides()[0];
    assert_eq!(o.command(), ["--limit".to_string(), "10".to_string()]);
    let env: Vec<(&str, &str)> = o.environment().iter().map(|kv| (kv.name().unwrap(), kv.value().unwrap())).collect();
    assert_eq!(env, vec![("CDE_RUN_API", "https://portal.example.com/run-api/v1"), ("SHOP", "acme")]);
    let all = format!("{:?} {env:?}", o.command());
    assert!(!all.contains("hunter2") && !all.contains("run-token-value") && !all.contains("PASSWORD"), "secrets never in overrides: {all}");

    // The run's own definition: same image, the run's stream prefix, argv[0], secrets by
    // reference to the run's secret, no task role.
    let def = s.ecs.describe_task_definition().task_definition(task.task_definition_arn().unwrap()).send().await.unwrap();
    let def = def.task_definition().unwrap();
    assert_eq!(def.family(), Some(s.executor.family(run).as_str()));
    assert_eq!(def.task_role_arn(), None);
    assert_eq!(def.execution_role_arn(), Some("arn:aws:iam::123456789012:role/devportal-task-execution"));
    assert_eq!(def.runtime_platform().and_then(|p| p.cpu_architecture()).map(|a| a.as_str()), Some("ARM64"));
    let c = &def.container_definitions()[0];
    assert_eq!(
        c.image(),
        Some(format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/devportal/{}@{}", s.launch.connector_id, s.launch.digest).as_str())
    );
    assert_eq!(c.entry_point(), ["/bin/connector".to_string()]);
    let options = c.log_configuration().unwrap().options().unwrap();
    assert_eq!(options.get("awslogs-stream-prefix").map(String::as_str), Some(format!("run-{run}").as_str()));
    assert_eq!(options.get("mode").map(String::as_str), Some("blocking"));
    let secret = s.secrets.describe_secret().secret_id(s.executor.secret_name(run)).send().await.unwrap();
    let arn = secret.arn().unwrap();
    let refs: Vec<(String, String)> = c.secrets().iter().map(|x| (x.name().to_string(), x.value_from().to_string())).collect();
    assert_eq!(refs, vec![("CDE_RUN_TOKEN".into(), format!("{arn}:CDE_RUN_TOKEN::")), ("PASSWORD".into(), format!("{arn}:PASSWORD::"))]);
    assert!(!format!("{def:?}").contains("hunter2"));
    let value = s.secrets.get_secret_value().secret_id(arn).send().await.unwrap();
    let value: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
    assert_eq!(value, serde_json::json!({"CDE_RUN_TOKEN": "run-token-value-123", "PASSWORD": "hunter2-secret"}));
}

#[tokio::test]
async fn overrides_over_the_limit_fail_clearly_before_anything_starts() {
    let mut s = setup().await;
    s.launch.env.push(("BIG".into(), "x".repeat(9000)));
    let err = s.executor.start(&s.launch, Arc::new(NoSink)).await.unwrap_err();
    assert!(!err.retryable);
    assert!(err.reason.contains("8192 characters of container overrides"), "{}", err.reason);
    let listed = s.ecs.list_tasks().cluster(&s.cluster).started_by(s.launch.run_id.to_string()).send().await.unwrap();
    assert!(listed.task_arns().is_empty());
    assert!(s.secrets.describe_secret().secret_id(s.executor.secret_name(s.launch.run_id)).send().await.is_err(), "no secret made");
}

#[tokio::test]
async fn observe_follows_the_task_to_its_end_and_releases_the_runs_definition_and_secret() {
    let s = setup().await;
    let run = s.launch.run_id;
    let handle = s.executor.start(&s.launch, Arc::new(NoSink)).await.unwrap();
    s.executor.stop(run, &handle, "cancelled by ada").await.unwrap();
    s.executor.stop(run, &handle, "cancelled by ada").await.unwrap(); // idempotent

    // moto steps a task one stage per DescribeTasks and reports exit code 0.
    let mut last = None;
    for _ in 0..8 {
        if let Some(o) = s.executor.observe(run, &handle).await.unwrap() {
            if o.state != ObservedState::Running {
                last = Some(o);
                break;
            }
        }
    }
    let last = last.expect("the task ends");
    assert_eq!(last.run_id, run);
    assert!(matches!(last.state, ObservedState::Exited { .. } | ObservedState::Stopped { .. }));

    // Released: the run's revision is inactive and its secret gone (again: idempotent).
    let def = s.ecs.describe_task_definition().task_definition(format!("{}:1", s.executor.family(run))).send().await.unwrap();
    assert_eq!(def.task_definition().unwrap().status(), Some(&TaskDefinitionStatus::Inactive));
    assert!(s.secrets.describe_secret().secret_id(s.executor.secret_name(run)).send().await.is_err());
    s.executor.release(run).await.unwrap();
    // A task ECS does not know is no observation.
    assert_eq!(s.executor.observe(run, &format!("arn:aws:ecs:us-east-1:123456789012:task/{}/0000", s.cluster)).await.unwrap(), None);
}
