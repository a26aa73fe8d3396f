//! What each Lambda function links: for every function, the adapter of each port beyond the
//! table, queues, bucket and secrets (the image builder, the runtime, the run executor).
//!
//! An entry names its adapters through constructor functions, so a binary links the adapters
//! (and the AWS SDK clients) of its own entry only: nothing in the Lambda path chooses between
//! adapters at run time, which would link them all. A port a function never calls is wired to
//! an adapter that answers a non-retryable error naming the function; so is the one method of
//! a port a function never calls where the rest of the port is used (the API deletes a
//! connector's images and task definitions but never builds or registers). Which use cases call
//! which port is in docs/ARCHITECTURE.md ("What each Lambda function links"); when a function
//! starts calling another port, its entry here changes with it.

use crate::LambdaEnvironment;
use async_trait::async_trait;
use devportal_aws::aws_config::SdkConfig;
use devportal_domain::ids::{ConnectorId, RunId};
use devportal_domain::pipeline::{BuildFailure, BuildFailureKind, BuiltImage};
use devportal_domain::ports::{BuildRequest, Cancellation, ImageBuilder, LogSink, RunExecutor, RunLaunch, RunSink, Runtime, StageFailure};
use devportal_domain::run::RunObservation;
use std::sync::Arc;

/// What a constructor of an adapter gets: the SDK configuration, the function's environment,
/// and the function's name (for the errors of ports it does not wire).
pub struct Wire<'a> {
    pub sdk: &'a SdkConfig,
    pub env: &'a LambdaEnvironment,
    pub function: &'static str,
}

/// A Lambda function's choice of adapters (see the module documentation).
#[derive(Clone, Copy)]
pub struct LambdaFunction {
    /// The function's name in `infra/template.yaml` (`stage-build`, …), named in errors.
    pub name: &'static str,
    pub builder: fn(&Wire) -> Arc<dyn ImageBuilder>,
    pub runtime: fn(&Wire) -> Arc<dyn Runtime>,
    pub executor: fn(&Wire) -> Arc<dyn RunExecutor>,
}

/// The API: purging a connector (permanent deletion) deletes its ECR repository and
/// deregisters its task definitions; cancelling a run stops its ECS task. It never builds,
/// registers, starts or observes: launches go through the run-launch queue.
pub const API: LambdaFunction = LambdaFunction { name: "api", builder: ecr_images, runtime: ecs_deregister, executor: ecs_stop };

/// The `build` stage: CodeBuild into ECR, the build log from CloudWatch Logs.
pub const STAGE_BUILD: LambdaFunction = LambdaFunction { name: "stage-build", builder: codebuild, runtime: no_runtime, executor: no_executor };

/// The `sync-runtime` stage: ECS task definitions, the image tagged to keep in ECR.
pub const STAGE_SYNC_RUNTIME: LambdaFunction =
    LambdaFunction { name: "stage-sync-runtime", builder: no_builder, runtime: ecs_runtime, executor: no_executor };

/// The `sync-dev` stage: the platform directory only.
pub const STAGE_SYNC_DEV: LambdaFunction = LambdaFunction { name: "stage-sync-dev", builder: no_builder, runtime: no_runtime, executor: no_executor };

/// The `sync-prod` stage: the platform directory only.
pub const STAGE_SYNC_PROD: LambdaFunction =
    LambdaFunction { name: "stage-sync-prod", builder: no_builder, runtime: no_runtime, executor: no_executor };

/// The `access` stage: the platform directory only.
pub const STAGE_ACCESS: LambdaFunction = LambdaFunction { name: "stage-access", builder: no_builder, runtime: no_runtime, executor: no_executor };

/// The sweeper: purging binned connectors deletes their ECR repositories and deregisters their
/// task definitions; it never touches a run's task.
pub const SWEEPER: LambdaFunction = LambdaFunction { name: "sweeper", builder: ecr_images, runtime: ecs_deregister, executor: no_executor };

/// The run launcher: starts, observes and stops runs as ECS tasks (the reconciler too).
pub const RUN_LAUNCHER: LambdaFunction = LambdaFunction { name: "run-launcher", builder: no_builder, runtime: no_runtime, executor: ecs_runs };

/// Log ingestion: run logs and output into the table only.
pub const LOG_INGEST: LambdaFunction = LambdaFunction { name: "log-ingest", builder: no_builder, runtime: no_runtime, executor: no_executor };

/// Every port on its AWS adapter: for tests and tools standing in for any function
/// ([`crate::lambda_app`]); no function's `main` uses it.
pub const EVERY_PORT: LambdaFunction = LambdaFunction { name: "every-port", builder: codebuild, runtime: ecs_runtime, executor: ecs_runs };

/// Every function's entry, in the order of `infra/template.yaml`.
pub const ALL: [LambdaFunction; 9] =
    [API, STAGE_BUILD, STAGE_SYNC_RUNTIME, STAGE_SYNC_DEV, STAGE_SYNC_PROD, STAGE_ACCESS, SWEEPER, RUN_LAUNCHER, LOG_INGEST];

// ---------------------------------------------------------------------------------------
// Constructors: the AWS adapters, and the ones of the ports a function does not wire.
// ---------------------------------------------------------------------------------------

/// CodeBuild + ECR + CloudWatch Logs.
pub fn codebuild(w: &Wire) -> Arc<dyn ImageBuilder> {
    Arc::new(devportal_aws::CodeBuildBuilder::new(w.sdk, w.env.codebuild.clone()))
}

/// The connectors' ECR repositories only: deleting images works, building answers an error.
pub fn ecr_images(w: &Wire) -> Arc<dyn ImageBuilder> {
    Arc::new(ImagesOnly { images: devportal_aws::EcrRepositories::new(w.sdk, &w.env.codebuild.ecr_prefix), function: w.function })
}

/// ECS task definitions (and the ECR keep tag).
pub fn ecs_runtime(w: &Wire) -> Arc<dyn Runtime> {
    Arc::new(devportal_aws::EcsRuntime::new(w.sdk, w.env.ecs.clone()))
}

/// ECS task definitions, deregistering only: registering answers an error.
pub fn ecs_deregister(w: &Wire) -> Arc<dyn Runtime> {
    Arc::new(DeregisterOnly { runtime: devportal_aws::EcsRuntime::new(w.sdk, w.env.ecs.clone()), function: w.function })
}

/// Runs as ECS (Fargate) tasks.
pub fn ecs_runs(w: &Wire) -> Arc<dyn RunExecutor> {
    Arc::new(devportal_aws::EcsRunExecutor::new(w.sdk, w.env.runs.clone()))
}

/// Runs as ECS tasks, stopping only: starting and observing answer an error.
pub fn ecs_stop(w: &Wire) -> Arc<dyn RunExecutor> {
    Arc::new(StopOnly { executor: devportal_aws::EcsRunExecutor::new(w.sdk, w.env.runs.clone()), function: w.function })
}

pub fn no_builder(w: &Wire) -> Arc<dyn ImageBuilder> {
    Arc::new(NotWired(w.function))
}

pub fn no_runtime(w: &Wire) -> Arc<dyn Runtime> {
    Arc::new(NotWired(w.function))
}

pub fn no_executor(w: &Wire) -> Arc<dyn RunExecutor> {
    Arc::new(NotWired(w.function))
}

/// The error of a port (or method) a function does not wire: a bug in the function's entry,
/// never fixed by retrying.
fn not_wired(function: &str, what: &str) -> StageFailure {
    StageFailure {
        reason: format!("{what} is not wired in the Lambda function {function} (devportal_wiring::functions; docs/ARCHITECTURE.md)"),
        retryable: false,
    }
}

fn build_not_wired(function: &str) -> BuildFailure {
    let f = not_wired(function, "the image builder's build");
    BuildFailure { kind: BuildFailureKind::Internal, reason: f.reason, exit_code: None, retryable: false }
}

/// Every port a function does not call.
struct NotWired(&'static str);

#[async_trait]
impl ImageBuilder for NotWired {
    async fn build(&self, _: &BuildRequest, _: &dyn LogSink, _: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        Err(build_not_wired(self.0))
    }
    async fn delete_images(&self, _: ConnectorId) -> Result<(), StageFailure> {
        Err(not_wired(self.0, "the image builder's delete_images"))
    }
}

#[async_trait]
impl Runtime for NotWired {
    async fn register(&self, _: ConnectorId, _: u32, _: &str, _: &str) -> Result<String, StageFailure> {
        Err(not_wired(self.0, "the runtime's register"))
    }
    async fn deregister(&self, _: ConnectorId) -> Result<(), StageFailure> {
        Err(not_wired(self.0, "the runtime's deregister"))
    }
}

#[async_trait]
impl RunExecutor for NotWired {
    async fn start(&self, _: &RunLaunch, _: Arc<dyn RunSink>) -> Result<String, StageFailure> {
        Err(not_wired(self.0, "the run executor's start"))
    }
    async fn stop(&self, _: RunId, _: &str, _: &str) -> Result<(), StageFailure> {
        Err(not_wired(self.0, "the run executor's stop"))
    }
    async fn observe(&self, _: RunId, _: &str) -> Result<Option<RunObservation>, StageFailure> {
        Err(not_wired(self.0, "the run executor's observe"))
    }
}

/// [`ecr_images`]: the methods used call the adapter directly (not through its vtable), so the
/// ones not used are not linked.
struct ImagesOnly {
    images: devportal_aws::EcrRepositories,
    function: &'static str,
}

#[async_trait]
impl ImageBuilder for ImagesOnly {
    async fn build(&self, _: &BuildRequest, _: &dyn LogSink, _: &dyn Cancellation) -> Result<BuiltImage, BuildFailure> {
        Err(build_not_wired(self.function))
    }
    async fn delete_images(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        self.images.delete_images(connector).await
    }
}

/// [`ecs_deregister`].
struct DeregisterOnly {
    runtime: devportal_aws::EcsRuntime,
    function: &'static str,
}

#[async_trait]
impl Runtime for DeregisterOnly {
    async fn register(&self, _: ConnectorId, _: u32, _: &str, _: &str) -> Result<String, StageFailure> {
        Err(not_wired(self.function, "the runtime's register"))
    }
    async fn deregister(&self, connector: ConnectorId) -> Result<(), StageFailure> {
        Runtime::deregister(&self.runtime, connector).await
    }
}

/// [`ecs_stop`].
struct StopOnly {
    executor: devportal_aws::EcsRunExecutor,
    function: &'static str,
}

#[async_trait]
impl RunExecutor for StopOnly {
    async fn start(&self, _: &RunLaunch, _: Arc<dyn RunSink>) -> Result<String, StageFailure> {
        Err(not_wired(self.function, "the run executor's start"))
    }
    async fn stop(&self, run: RunId, handle: &str, reason: &str) -> Result<(), StageFailure> {
        RunExecutor::stop(&self.executor, run, handle, reason).await
    }
    async fn observe(&self, _: RunId, _: &str) -> Result<Option<RunObservation>, StageFailure> {
        Err(not_wired(self.function, "the run executor's observe"))
    }
}

#[cfg(test)]
mod tests {
    //! Each entry wires what its function calls and answers "not wired" for the rest. The SDK
    //! points at a closed port on loopback with retries off, so a wired adapter fails fast with
    //! a connection error (never "not wired") and nothing leaves the machine.

    use super::*;
    use devportal_aws::aws_config::{self, BehaviorVersion, Region};
    use devportal_aws::aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};
    use devportal_domain::ids::OrgId;
    use devportal_domain::pipeline::JobId;
    use devportal_domain::ports::GitCredentials;
    use std::collections::HashMap;

    fn env() -> LambdaEnvironment {
        let vars: HashMap<&str, &str> = [
            (LambdaEnvironment::TABLE, "t"),
            (LambdaEnvironment::QUEUE_PREFIX, "q"),
            (LambdaEnvironment::BUCKET, "b"),
            (LambdaEnvironment::SECRET_PREFIX, "s/"),
            (LambdaEnvironment::BUILD_PROJECT, "p"),
            (LambdaEnvironment::BUILD_LOG_GROUP, "g"),
            (LambdaEnvironment::ECR_PREFIX, "e"),
            (LambdaEnvironment::ECS_CLUSTER, "c"),
            (LambdaEnvironment::TASK_EXECUTION_ROLE, "arn:aws:iam::123456789012:role/r"),
            (LambdaEnvironment::TASK_LOG_GROUP, "l"),
            (LambdaEnvironment::TASK_FAMILY_PREFIX, "f-"),
            (LambdaEnvironment::RUN_SUBNETS, "subnet-1"),
        ]
        .into_iter()
        .collect();
        LambdaEnvironment::from_lookup(|name| vars.get(name).map(|v| v.to_string())).expect("a complete environment")
    }

    fn sdk() -> SdkConfig {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new("AKIDTEST", "secret", None, None, "test")))
            .build()
    }

    struct Quiet;
    #[async_trait]
    impl LogSink for Quiet {
        async fn line(&self, _: devportal_domain::pipeline::LogStream, _: &str) {}
    }
    #[async_trait]
    impl RunSink for Quiet {
        async fn stdio(&self, _: RunId, _: Vec<devportal_domain::run::NewStdioLine>) {}
        async fn observed(&self, _: RunObservation) {}
    }
    impl Cancellation for Quiet {
        fn is_cancelled(&self) -> bool {
            false
        }
    }

    fn build_request() -> BuildRequest {
        BuildRequest {
            job_id: JobId::new(),
            connector_id: ConnectorId::new(),
            version: 1,
            url: "https://127.0.0.1/none.git".into(),
            branch: "main".into(),
            credentials: GitCredentials::None,
            credential_ref: None,
            health_check_argv: vec![],
            health_check_timeout: std::time::Duration::from_secs(5),
            resume: None,
            deadline: None,
        }
    }

    fn launch() -> RunLaunch {
        RunLaunch {
            run_id: RunId::new(),
            connector_id: ConnectorId::new(),
            version: 1,
            site_id: "site".into(),
            digest: "sha256:00".into(),
            runtime_ref: "arn:aws:ecs:eu-west-1:123456789012:task-definition/f-1:1".into(),
            image_ref: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/e/x@sha256:00".into(),
            owner: OrgId::new(),
            argv: vec![],
            env: vec![],
            secret_env: vec![],
            time_limit: std::time::Duration::from_secs(60),
        }
    }

    /// Which methods each function wires: build, delete_images, register, deregister, start,
    /// stop, observe.
    fn wired(name: &str) -> [bool; 7] {
        match name {
            "api" => [false, true, false, true, false, true, false],
            // A whole adapter wires every method of its port.
            "stage-build" => [true, true, false, false, false, false, false],
            "stage-sync-runtime" => [false, false, true, true, false, false, false],
            "stage-sync-dev" | "stage-sync-prod" | "stage-access" | "log-ingest" => [false; 7],
            "sweeper" => [false, true, false, true, false, false, false],
            "run-launcher" => [false, false, false, false, true, true, true],
            "every-port" => [true; 7],
            other => panic!("no expectation for {other}"),
        }
    }

    /// Whether an answer is the "not wired" error (non-retryable, naming the function).
    fn not_wired_answer(function: &str, reason: &str, retryable: bool) -> bool {
        let is = reason.contains("is not wired in the Lambda function");
        if is {
            assert!(reason.contains(&format!("function {function} ")), "{reason}");
            assert!(!retryable, "{reason}");
        }
        is
    }

    #[tokio::test]
    async fn each_function_wires_the_methods_it_calls_and_refuses_the_rest() {
        let (env, sdk) = (env(), sdk());
        let mut names: Vec<&str> = ALL.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 9, "every function has its own entry");
        for function in ALL.iter().chain([&EVERY_PORT]) {
            let name = function.name;
            let wire = Wire { sdk: &sdk, env: &env, function: name };
            let (builder, runtime, executor) = ((function.builder)(&wire), (function.runtime)(&wire), (function.executor)(&wire));
            let c = ConnectorId::new();
            let mut answers = [false; 7];
            answers[0] = match builder.build(&build_request(), &Quiet, &Quiet).await {
                Ok(_) => true,
                Err(f) => !not_wired_answer(name, &f.reason, f.retryable),
            };
            let stage = |r: Result<(), StageFailure>| r.map_or_else(|f| !not_wired_answer(name, &f.reason, f.retryable), |_| true);
            answers[1] = stage(builder.delete_images(c).await);
            answers[2] = stage(runtime.register(c, 1, "sha256:00", "img").await.map(|_| ()));
            answers[3] = stage(runtime.deregister(c).await);
            answers[4] = stage(executor.start(&launch(), Arc::new(Quiet)).await.map(|_| ()));
            answers[5] = stage(executor.stop(RunId::new(), "task", "test").await);
            answers[6] = stage(executor.observe(RunId::new(), "task").await.map(|_| ()));
            assert_eq!(answers, wired(name), "{name}: build, delete_images, register, deregister, start, stop, observe");
        }
    }
}
