//! Test harness shared by the black-box suites in `tests/tests/`: a portal started
//! in-process on 127.0.0.1 port 0 with a fresh data directory, and a small JSON client.
//!
//! The backend of [`Portal::start`] and [`Portal::start_without_workers`] is chosen by
//! `DEVPORTAL_TEST_BACKEND`: `embedded` (default) or `aws` — the AWS adapters on this
//! process's moto_server, with a fresh table, queues, bucket and secret prefix per portal.
//! `scripts/test.sh` runs the API suites once per backend.

pub mod connector_fixtures;
pub mod git_fixtures;
pub mod moto;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::PathBuf;

/// The preset admin token every test portal is bootstrapped with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// The key every test portal encrypts its secrets with (a portal restarted on the same data
/// directory, and a second `App` on it, need the same key).
pub fn test_secret_key() -> devportal::config::SecretKeyConfig {
    devportal::config::SecretKeyConfig::Value(devportal_embedded::SecretKey::parse(&"5e".repeat(32)).expect("a valid key"))
}

/// The adapter family a test portal runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Aws,
}

impl Backend {
    /// `DEVPORTAL_TEST_BACKEND` (`embedded` when unset); anything else fails the test loudly.
    pub fn from_env() -> Backend {
        match std::env::var("DEVPORTAL_TEST_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("embedded") => Backend::Embedded,
            Ok("aws") => Backend::Aws,
            Ok(other) => panic!("DEVPORTAL_TEST_BACKEND must be `embedded` or `aws`, not {other:?}"),
        }
    }
}

/// A running portal on its own data directory; stops when dropped.
pub struct Portal {
    pub base: String,
    pub data_dir: tempfile::TempDir,
    /// The AWS resources, when the portal runs on the AWS adapters.
    pub aws: Option<devportal::config::AwsBackend>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub http: reqwest::Client,
}

impl Portal {
    /// Starts a portal with a fresh data directory, on the backend `DEVPORTAL_TEST_BACKEND` names.
    pub async fn start() -> Portal {
        Self::start_on(Backend::from_env(), true).await
    }

    /// Starts a portal whose stage workers do not run: tests step them with [`Portal::app`].
    pub async fn start_without_workers() -> Portal {
        Self::start_on(Backend::from_env(), false).await
    }

    /// Starts a portal on the embedded adapters in an existing data directory (to test
    /// restarts of the local host).
    pub async fn start_in(data_dir: tempfile::TempDir) -> Portal {
        Self::start_full(data_dir, true, None, devportal_domain::wizard::url_policy::UrlPolicy::LOCAL).await
    }

    /// Starts a portal (on the backend `DEVPORTAL_TEST_BACKEND` names) under a repository URL
    /// policy other than the suites' usual one (`UrlPolicy::LOCAL`: their Git servers are on
    /// this machine).
    pub async fn start_with_url_policy(policy: devportal_domain::wizard::url_policy::UrlPolicy) -> Portal {
        let aws = match Backend::from_env() {
            Backend::Embedded => None,
            Backend::Aws => Some(fresh_aws_backend().await),
        };
        Self::start_full(tempfile::tempdir().expect("temp dir"), true, aws, policy).await
    }

    /// Starts a portal (on the backend `DEVPORTAL_TEST_BACKEND` names) under other quotas
    /// and rate limits, e.g. small ones that a test reaches quickly.
    pub async fn start_with_limits(limits: devportal_app::limits::Limits) -> Portal {
        let aws = match Backend::from_env() {
            Backend::Embedded => None,
            Backend::Aws => Some(fresh_aws_backend().await),
        };
        Self::start_configured(tempfile::tempdir().expect("temp dir"), true, aws, devportal_domain::wizard::url_policy::UrlPolicy::LOCAL, |c| {
            c.host.limits = limits
        })
        .await
    }

    async fn start_on(backend: Backend, workers: bool) -> Portal {
        let aws = match backend {
            Backend::Embedded => None,
            Backend::Aws => Some(fresh_aws_backend().await),
        };
        Self::start_full(tempfile::tempdir().expect("temp dir"), workers, aws, devportal_domain::wizard::url_policy::UrlPolicy::LOCAL).await
    }

    /// A portal on fresh AWS resources on moto whose stage queues nobody consumes (the test
    /// hands messages to the stage handlers itself).
    pub async fn start_on_aws_without_workers() -> Portal {
        Self::start_on(Backend::Aws, false).await
    }

    /// Starts a portal on the AWS adapters (`--backend aws`), with resources created.
    pub async fn start_on_aws(aws: devportal::config::AwsBackend) -> Portal {
        Self::start_full(tempfile::tempdir().expect("temp dir"), true, Some(aws), devportal_domain::wizard::url_policy::UrlPolicy::LOCAL).await
    }

    pub fn backend(&self) -> Backend {
        if self.aws.is_some() {
            Backend::Aws
        } else {
            Backend::Embedded
        }
    }

    async fn start_full(
        data_dir: tempfile::TempDir,
        workers: bool,
        aws: Option<devportal::config::AwsBackend>,
        url_policy: devportal_domain::wizard::url_policy::UrlPolicy,
    ) -> Portal {
        Self::start_configured(data_dir, workers, aws, url_policy, |_| {}).await
    }

    /// Starts a portal on the embedded adapters with its configuration adjusted by `adjust`
    /// (build limits, build concurrency).
    pub async fn start_with(adjust: impl FnOnce(&mut devportal::config::ServeConfig)) -> Portal {
        Self::start_configured(tempfile::tempdir().expect("temp dir"), true, None, devportal_domain::wizard::url_policy::UrlPolicy::LOCAL, adjust)
            .await
    }

    async fn start_configured(
        data_dir: tempfile::TempDir,
        workers: bool,
        aws: Option<devportal::config::AwsBackend>,
        url_policy: devportal_domain::wizard::url_policy::UrlPolicy,
        adjust: impl FnOnce(&mut devportal::config::ServeConfig),
    ) -> Portal {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut config = devportal::config::ServeConfig {
            addr: "127.0.0.1:0".into(),
            data_dir: data_dir.path().to_path_buf(),
            static_dir: Some(static_dir()),
            public_url: None,
            preset_token: Some(devportal_domain::identity::TokenSecret::parse_preset(ADMIN_TOKEN).unwrap()),
            workers,
            bin_retention_days: 30,
            aws: aws.clone(),
            build_concurrency: 2,
            host: devportal::config::HostSettings {
                url_policy,
                secret_key: test_secret_key(),
                build_limits: Default::default(),
                job_log: Default::default(),
                limits: devportal_app::limits::Limits::default(),
                run_time_limit: devportal_app::Settings::DEFAULT_RUN_TIME_LIMIT,
            },
        };
        adjust(&mut config);
        let running = devportal::start(config, async {
            let _ = rx.await;
        })
        .await
        .expect("portal starts");
        Portal { base: format!("http://{}", running.addr), data_dir, aws, stop: Some(tx), http: reqwest::Client::new() }
    }

    /// The use cases on this portal's storage (a second handle, as a separate worker process
    /// or Lambda function would have), for stepping workers and injecting queue messages.
    pub async fn app(&self) -> devportal_app::App {
        let mut aws = self.aws.clone();
        if let Some(aws) = aws.as_mut() {
            aws.create_resources = false;
        }
        devportal::wire(
            self.data_dir.path(),
            aws.as_ref(),
            &devportal::config::HostSettings {
                url_policy: devportal_domain::wizard::url_policy::UrlPolicy::LOCAL,
                secret_key: test_secret_key(),
                build_limits: Default::default(),
                job_log: Default::default(),
                limits: devportal_app::limits::Limits::default(),
                run_time_limit: devportal_app::Settings::DEFAULT_RUN_TIME_LIMIT,
            },
            format!("{}/run-api/v1", self.base),
            false,
        )
        .await
        .expect("a second handle on the portal's storage")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client acting with `token`.
    pub fn as_user(&self, token: &str) -> Client {
        Client { base: self.base.clone(), token: Some(token.to_string()), http: self.http.clone() }
    }

    pub fn admin(&self) -> Client {
        self.as_user(ADMIN_TOKEN)
    }

    pub fn anonymous(&self) -> Client {
        Client { base: self.base.clone(), token: None, http: self.http.clone() }
    }

    /// Stops the server and hands back the data directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.data_dir, dir)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Fresh AWS resource names on this process's moto server (created by the portal at start).
pub async fn fresh_aws_backend() -> devportal::config::AwsBackend {
    let sdk = moto::config().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    devportal::config::AwsBackend {
        table: format!("portal-{id}"),
        queue_prefix: format!("pb-{}", &id[..16]),
        bucket: format!("pb-{id}"),
        secret_prefix: format!("pb/{id}"),
        create_resources: true,
        builder: devportal_wiring::AwsBuilder::Local,
        runtime: devportal_wiring::AwsRuntime::Local,
        sdk: Some(sdk),
    }
}

/// The repository's `static-site/` folder.
pub fn static_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../static-site")
}

/// A JSON client with an optional bearer token.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

/// An answer: status and JSON body (`Value::Null` when the body is empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {}", self.text);
        self.body
    }

    /// Asserts an error answer of the API's one shape, returning it.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {}", self.text);
        assert_eq!(self.body["status"], status, "error body repeats the status: {}", self.text);
        assert_eq!(self.body["code"], code, "error code: {}", self.text);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "error has a message: {}", self.text);
        self.body
    }
}

impl Client {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self.http.request(method, format!("{}/api/v1{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req).await
    }

    pub async fn answer(req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("request reaches the portal");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body, headers, text }
    }

    /// A raw request (custom headers or body) with this client's token.
    pub fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}/api/v1{}", self.base, path));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a connector and returns its JSON.
    pub async fn create_connector(&self, name: &str, connector_type: &str) -> Value {
        self.post("/connectors", serde_json::json!({"name": name, "type": connector_type})).await.expect(201)
    }
}

/// Pipeline helpers over the API.
impl Client {
    /// Polls a job until it has finished (at most `secs` seconds) and returns it.
    pub async fn wait_job(&self, job_id: &str, secs: u64) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let job = self.get(&format!("/jobs/{job_id}")).await.expect(200);
            if matches!(job["status"].as_str(), Some("done" | "failed" | "cancelled")) {
                return job;
            }
            assert!(std::time::Instant::now() < deadline, "job {job_id} did not finish within {secs} s: {job}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Creates an `upload` connector with the vcs and application steps saved for `url`.
    pub async fn ready_connector(&self, name: &str, url: &str) -> String {
        let c = self.create_connector(name, "upload").await;
        let id = c["id"].as_str().unwrap().to_string();
        self.put(&format!("/connectors/{id}/versions/1/steps/vcs"), serde_json::json!({"authorization": "public", "url": url})).await.expect(200);
        self.put(
            &format!("/connectors/{id}/versions/1/steps/application"),
            serde_json::json!({"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"}),
        )
        .await
        .expect(200);
        id
    }

    /// Starts a stage (`build`, `sync-runtime`, …) and waits for its job to finish.
    pub async fn run_stage(&self, id: &str, stage: &str, body: Option<Value>) -> Value {
        let job = self.send(Method::POST, &format!("/connectors/{id}/versions/1/{stage}"), body).await.expect(202);
        self.wait_job(job["id"].as_str().unwrap(), 180).await
    }

    /// Every line of a job's log.
    pub async fn job_log_text(&self, job_id: &str) -> String {
        let page = self.get(&format!("/jobs/{job_id}/log?limit=1000")).await.expect(200);
        page["items"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>().join("\n")
    }
}

impl Client {
    /// Runs build → sync-runtime → sync-dev → sync-prod (within `targets`) → release on a version.
    pub async fn release_version(&self, id: &str, version: u32, targets: Value) -> Vec<Value> {
        let mut jobs = vec![];
        for (step, body) in [
            ("build", None),
            ("sync-runtime", None),
            ("sync-dev", None),
            ("sync-prod", Some(serde_json::json!({ "targets": targets }))),
            ("release", None),
        ] {
            let job = self.send(Method::POST, &format!("/connectors/{id}/versions/{version}/{step}"), body).await.expect(202);
            let job = self.wait_job(job["id"].as_str().unwrap(), 180).await;
            assert_eq!(job["status"], "done", "{step} of version {version}: {job}");
            jobs.push(job);
        }
        jobs
    }
}

/// One contract suite, many adapters: `contract_suite!([embedded, aws] [case_a, case_b])`
/// makes the tests `embedded::case_a`, `aws::case_a`, … each calling
/// `case(&side().await)`, so every adapter of a port meets the same cases.
#[macro_export]
macro_rules! contract_suite {
    ([$($side:ident),+ $(,)?] $cases:tt) => {
        $( $crate::contract_suite!(@side $side $cases); )+
    };
    (@side $side:ident [$($case:ident),* $(,)?]) => {
        mod $side {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&super::$side().await).await;
                }
            )*
        }
    };
}
