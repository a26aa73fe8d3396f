//! The `devportal` binary as a newcomer runs it: first-start bootstrap and the printed token,
//! `DEVPORTAL_TOKEN`, persistence across restarts, graceful shutdown on SIGTERM, and no
//! acknowledged write lost when the process is killed with SIGKILL.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
    stdout_lines: Vec<String>,
}

impl Server {
    /// Starts `devportal serve` on a free loopback port and waits for its "listening" line.
    // The child moves into the returned value, whose stop path waits for it.
    #[allow(clippy::zombie_processes)]
    /// `root` is a temporary directory: the data directory is `root/data`, so the secret key
    /// file (beside it, `root/data.key`) stays inside `root` too.
    fn start(root: &Path, preset: Option<&str>) -> Server {
        Self::start_with(root, preset, &[], Stdio::null())
    }

    /// [`Server::start`] with more environment variables (e.g. limits, which override the
    /// defaults here) and somewhere for the log lines (stderr).
    #[allow(clippy::zombie_processes)]
    fn start_with(root: &Path, preset: Option<&str>, env: &[(&str, &str)], logs: Stdio) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_devportal"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(root.join("data"))
            .env_remove("DEVPORTAL_SECRET_KEY")
            .args(["--static-dir", concat!(env!("CARGO_MANIFEST_DIR"), "/../../static-site")])
            .env_remove("DEVPORTAL_TOKEN")
            .env("DEVPORTAL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(logs);
        cmd.envs(env.iter().copied());
        if let Some(t) = preset {
            cmd.env("DEVPORTAL_TOKEN", t);
        }
        let mut child = cmd.spawn().expect("devportal starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = vec![];
        loop {
            let line = rx.recv_timeout(Duration::from_secs(30)).expect("devportal prints its address within 30 s");
            let done = line.starts_with("Dev Portal listening on ");
            lines.push(line.clone());
            if done {
                let base = line.trim_start_matches("Dev Portal listening on ").to_string();
                return Server { child, base, stdout_lines: lines };
            }
        }
    }

    fn printed_token(&self) -> Option<String> {
        self.stdout_lines.iter().find_map(|l| l.strip_prefix("Your API token (shown once, keep it): ").map(str::to_string))
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    fn wait(mut self) -> std::process::ExitStatus {
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("devportal did not exit within 10 s");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(base: &str, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{base}/api/v1{path}")).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn first_start_prints_a_token_once_and_data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let token = server.printed_token().expect("the first start prints a token");
    let (status, me) = call(&server.base, &token, reqwest::Method::GET, "/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "admin@localhost");
    let (status, created) = call(&server.base, &token, reqwest::Method::POST, "/connectors", Some(json!({"name": "Kept", "type": "upload"}))).await;
    assert_eq!(status, 201);
    server.signal("TERM");
    assert!(server.wait().success(), "SIGTERM ends the portal cleanly");

    let again = Server::start(dir.path(), None);
    assert_eq!(again.printed_token(), None, "the token is shown only on the first start");
    let (status, got) = call(&again.base, &token, reqwest::Method::GET, &format!("/connectors/{}", created["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], "Kept");
    again.signal("INT");
    assert!(again.wait().success(), "SIGINT ends the portal cleanly");
}

#[tokio::test]
async fn a_preset_token_logs_scripts_in_without_reading_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let preset = "preset-token-for-scripts-0123456789";
    let server = Server::start(dir.path(), Some(preset));
    assert_eq!(server.printed_token(), None, "no token is generated when one is preset");
    assert_eq!(call(&server.base, preset, reqwest::Method::GET, "/me", None).await.0, 200);
    drop(server);
    // A later start with another preset token registers it too.
    let other = "another-preset-token-9876543210";
    let server = Server::start(dir.path(), Some(other));
    assert_eq!(call(&server.base, other, reqwest::Method::GET, "/me", None).await.0, 200);
    assert_eq!(call(&server.base, preset, reqwest::Method::GET, "/me", None).await.0, 200);
}

#[tokio::test]
async fn a_bad_preset_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devportal"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("DEVPORTAL_TOKEN", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEVPORTAL_TOKEN"));
}

#[tokio::test]
async fn a_bad_log_filter_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devportal"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log", "devportal=loud", "--data-dir"])
        .arg(dir.path())
        .env_remove("DEVPORTAL_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--log") && stderr.contains("`devportal=loud` is not a log filter"), "{stderr}");
    assert!(!dir.path().join("devportal.db").exists(), "nothing starts with a refused setting");
}

/// The log writer thread's queue is written out when the portal stops: the request's line,
/// logged a moment before SIGTERM, is in the log with the request's fields.
#[tokio::test]
async fn the_last_log_lines_are_written_when_the_portal_stops() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("portal.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let token = "dpt_logs_0123456789abcdef0123456789";
    let env = [("DEVPORTAL_LOG", "info"), ("DEVPORTAL_LOG_JSON", "true")];
    let server = Server::start_with(dir.path(), Some(token), &env, Stdio::from(log));
    let (status, _) = call(&server.base, token, reqwest::Method::GET, "/connectors/00000000-0000-0000-0000-000000000000", None).await;
    assert_eq!(status, 404);
    server.signal("TERM");
    assert!(server.wait().success());
    let lines = std::fs::read_to_string(&log_path).unwrap();
    let answered: Vec<Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "answered" && l["fields"]["status"] == 404)
        .collect();
    assert_eq!(answered.len(), 1, "one JSON line for the request:\n{lines}");
    let request = &answered[0]["spans"][0];
    assert_eq!(request["path"], "/api/v1/connectors/00000000-0000-0000-0000-000000000000");
    assert!(request["user_id"].is_string(), "the caller is on the line: {request}");
    assert!(answered[0]["timestamp"].is_string());
    assert!(!lines.contains(token), "the token never reaches the log");
}

#[tokio::test]
async fn no_acknowledged_write_is_lost_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let token = "crash-test-token-0123456789abcdef";
    // Write as fast as possible and read every write back: no rate or count limit.
    let unlimited =
        [("DEVPORTAL_USER_REQUESTS_PER_SECOND", "0"), ("DEVPORTAL_ORG_REQUESTS_PER_SECOND", "0"), ("DEVPORTAL_MAX_CONNECTORS_PER_ORG", "0")];
    let server = Server::start_with(dir.path(), Some(token), &unlimited, Stdio::null());
    let base = server.base.clone();
    // Writers create connectors until the process dies under them.
    let mut writers = vec![];
    for w in 0..4 {
        let base = base.clone();
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            let mut acknowledged = vec![];
            for i in 0..2000 {
                let res = client
                    .post(format!("{base}/api/v1/connectors"))
                    .bearer_auth(token)
                    .json(&json!({"name": format!("w{w}-{i}"), "type": "upload"}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 201 => {
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        if let Some(id) = body["id"].as_str() {
                            acknowledged.push(id.to_string());
                        }
                    }
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal("KILL");
    let status = server.wait();
    assert!(!status.success());
    let mut acknowledged = vec![];
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(acknowledged.len() > 10, "the writers got going before the kill ({} writes)", acknowledged.len());

    let server = Server::start_with(dir.path(), Some(token), &unlimited, Stdio::null());
    for id in &acknowledged {
        let (status, _) = call(&server.base, token, reqwest::Method::GET, &format!("/connectors/{id}"), None).await;
        assert_eq!(status, 200, "acknowledged connector {id} survived the kill");
        let (status, v) = call(&server.base, token, reqwest::Method::GET, &format!("/connectors/{id}/versions/1"), None).await;
        assert_eq!((status, v["number"].as_u64()), (200, Some(1)), "with its first version");
    }
    // The store is consistent: every listed connector has its version.
    let (status, list) = call(&server.base, token, reqwest::Method::GET, "/connectors?limit=200", None).await;
    assert_eq!(status, 200);
    for c in list["items"].as_array().unwrap() {
        let (status, _) =
            call(&server.base, token, reqwest::Method::GET, &format!("/connectors/{}/versions/1", c["id"].as_str().unwrap()), None).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn a_revoked_preset_token_stays_revoked_and_the_host_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let preset = "preset-token-to-revoke-0123456789";
    let server = Server::start(dir.path(), Some(preset));
    let (status, me) = call(&server.base, preset, reqwest::Method::GET, "/me", None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&server.base, preset, reqwest::Method::DELETE, &format!("/tokens/{}", me["token_id"].as_str().unwrap()), None).await;
    assert_eq!(status, 204);
    server.signal("TERM");
    assert!(server.wait().success());

    let again = Server::start(dir.path(), Some(preset));
    assert!(
        again.stdout_lines.iter().any(|l| l.contains("DEVPORTAL_TOKEN was revoked and stays revoked")),
        "the host says so at start: {:?}",
        again.stdout_lines
    );
    assert!(!again.stdout_lines.iter().any(|l| l.starts_with("Registered the token")), "{:?}", again.stdout_lines);
    let (status, body) = call(&again.base, preset, reqwest::Method::GET, "/me", None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")));
}

/// Runs `devportal serve` expecting it to refuse to start; its standard error.
fn start_refused(root: &Path, key: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_devportal"));
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"]).arg(root.join("data")).env_remove("DEVPORTAL_TOKEN").stdin(Stdio::null());
    match key {
        Some(k) => cmd.env("DEVPORTAL_SECRET_KEY", k),
        None => cmd.env_remove("DEVPORTAL_SECRET_KEY"),
    };
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "the portal started");
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return err;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the portal started (or hung) instead of refusing");
}

#[tokio::test]
async fn secrets_at_rest_are_encrypted_with_a_key_kept_outside_the_data_directory() {
    let root = tempfile::tempdir().unwrap();
    let admin = "key-test-admin-token-0123456789";
    let git_token = "ghp_KeyTestGitToken0123456789abcdef";
    let server = Server::start(root.path(), Some(admin));
    let key_file = root.path().join("data.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file).expect("the key file is created beside the data directory").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let (status, c) = call(&server.base, admin, reqwest::Method::POST, "/connectors", Some(json!({"name": "Keyed", "type": "upload"}))).await;
    assert_eq!(status, 201);
    let vcs = json!({"authorization": "basic", "url": "https://github.com/org/repo.git", "username": "ci", "token": git_token});
    let (status, _) =
        call(&server.base, admin, reqwest::Method::PUT, &format!("/connectors/{}/versions/1/steps/vcs", c["id"].as_str().unwrap()), Some(vcs)).await;
    assert_eq!(status, 200);
    server.signal("TERM");
    assert!(server.wait().success());

    // Nothing under the data directory holds the key or the token.
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    for entry in walk(&root.path().join("data")) {
        let bytes = std::fs::read(&entry).unwrap();
        for secret in [git_token, key_text.trim()] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{} holds a secret", entry.display());
        }
    }

    // Another key: refused with a clear error, not garbage.
    let err = start_refused(root.path(), Some(&"ab".repeat(32)));
    assert!(err.contains("DEVPORTAL_SECRET_KEY is not the key this data directory's secrets were encrypted with"), "{err}");
    // The key file lost: refused, and no new key is left behind.
    std::fs::rename(&key_file, root.path().join("saved.key")).unwrap();
    let err = start_refused(root.path(), None);
    assert!(err.contains("is missing") && err.contains("data.key"), "{err}");
    assert!(!key_file.exists(), "a new key file was left behind");
    // The key back: the portal starts and the secret is still usable (the version is complete).
    std::fs::rename(root.path().join("saved.key"), &key_file).unwrap();
    let server = Server::start(root.path(), Some(admin));
    let (status, v) =
        call(&server.base, admin, reqwest::Method::GET, &format!("/connectors/{}/versions/1/steps/vcs", c["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["has_token"], true, "{v}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// One portal per data directory: a second one on the same directory stops with an error
/// naming the directory and the running portal's pid (neither's read cache would see the
/// other's writes), and the first goes on serving.
#[tokio::test]
async fn a_second_portal_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), None);
    let err = start_refused(dir.path(), None);
    assert!(err.contains("is in use by another devportal process"), "{err}");
    assert!(err.contains(&format!("pid {}", first.child.id())), "{err}");
    let token = first.printed_token().expect("a first start prints a token");
    let (status, _) = call(&first.base, &token, reqwest::Method::GET, "/me", None).await;
    assert_eq!(status, 200, "the first portal stopped serving");
}
