//! Killing the local host with SIGKILL during each pipeline step and starting it again
//! completes the pipeline, with every transition recorded exactly once.

use devportal_tests::connector_fixtures::good_repo;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "crash-recovery-token-0123456789";

/// The `devportal` binary of this build (`cargo build --workspace` builds it).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("devportal");
    assert!(path.is_file(), "{} is missing: run `cargo build -p devportal` first (scripts/test.sh does)", path.display());
    path
}

struct Host {
    child: Child,
    base: String,
}

impl Host {
    // The child moves into the returned value, whose `kill` waits for it.
    #[allow(clippy::zombie_processes)]
    fn start(data_dir: &Path) -> Host {
        let mut child = Command::new(binary())
            .args(["serve", "--addr", "127.0.0.1:0", "--allow-local-repos", "--data-dir"])
            .arg(data_dir)
            .env("DEVPORTAL_TOKEN", TOKEN)
            // The same key at every restart, and no key file left beside the temporary directory.
            .env("DEVPORTAL_SECRET_KEY", "c4".repeat(32))
            .env("DEVPORTAL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            assert!(reader.read_line(&mut line).unwrap() > 0, "devportal exited before listening");
            if let Some(addr) = line.trim().strip_prefix("Dev Portal listening on ") {
                let base = addr.to_string();
                // Keep draining stdout so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in reader.lines() {});
                return Host { child, base };
            }
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = reqwest::Client::new().request(method, format!("{}/api/v1{path}", self.base)).bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
    }

    async fn job(&self, id: &str) -> Value {
        self.call(reqwest::Method::GET, &format!("/jobs/{id}"), None).await.1
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn killing_the_host_during_each_step_loses_nothing_and_doubles_nothing() {
    let repo = good_repo();
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let (status, c) = host.call(reqwest::Method::POST, "/connectors", Some(json!({"name": "Crashy", "type": "upload"}))).await;
    assert_eq!(status, 201);
    let id = c["id"].as_str().unwrap().to_string();
    let v = format!("/connectors/{id}/versions/1");
    host.call(reqwest::Method::PUT, &format!("{v}/steps/vcs"), Some(json!({"authorization": "public", "url": repo.file_url()}))).await;
    host.call(
        reqwest::Method::PUT,
        &format!("{v}/steps/application"),
        Some(json!({"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"})),
    )
    .await;

    let steps: [(&str, Option<Value>); 5] = [
        ("build", None),
        ("sync-runtime", None),
        ("sync-dev", None),
        ("sync-prod", Some(json!({"targets": {"accounts": ["acme"]}}))),
        ("release", None),
    ];
    for (step, body) in steps {
        let (status, job) = host.call(reqwest::Method::POST, &format!("{v}/{step}"), body).await;
        assert_eq!(status, 202, "{step}: {job}");
        let job_id = job["id"].as_str().unwrap().to_string();
        if step == "build" {
            // Kill in the middle of the build: once the job runs and has logged something.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let j = host.job(&job_id).await;
                let (_, log) = host.call(reqwest::Method::GET, &format!("/jobs/{job_id}/log"), None).await;
                if j["status"] == "running" && log["items"].as_array().is_some_and(|l| l.len() > 2) {
                    break;
                }
                assert!(Instant::now() < deadline, "the build never got going: {j}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        host.kill();
        host = Host::start(dir.path());
        let deadline = Instant::now() + Duration::from_secs(180);
        let job = loop {
            let j = host.job(&job_id).await;
            if matches!(j["status"].as_str(), Some("done" | "failed" | "cancelled")) {
                break j;
            }
            assert!(Instant::now() < deadline, "{step} did not finish after the restart: {j}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(job["status"], "done", "{step} completed after the restart: {job}");
    }

    let (_, t) = host.call(reqwest::Method::GET, &format!("{v}/transitions"), None).await;
    let got: Vec<(String, String)> =
        t["items"].as_array().unwrap().iter().map(|x| (x["from"].as_str().unwrap().into(), x["to"].as_str().unwrap().into())).collect();
    let want: Vec<(String, String)> = [
        ("created", "building"),
        ("building", "built"),
        ("built", "synchronizing-to-runtime"),
        ("synchronizing-to-runtime", "synchronized-to-runtime"),
        ("synchronized-to-runtime", "synchronizing-to-dev"),
        ("synchronizing-to-dev", "synchronized-to-dev"),
        ("synchronized-to-dev", "synchronizing-to-prod"),
        ("synchronizing-to-prod", "synchronized-to-prod"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want, "every transition exactly once");
    let (_, jobs) = host.call(reqwest::Method::GET, &format!("{v}/jobs"), None).await;
    assert_eq!(jobs["items"].as_array().unwrap().len(), 5, "no job lost, none added");
    let (_, cat) = host.call(reqwest::Method::GET, "/catalog?site_id=acme-shop-live", None).await;
    assert_eq!(cat["items"][0]["title"], "Crashy v1");
}
