//! Step 2 of the wizard, version control, against real Git servers: `file://`, `git daemon`
//! and smart HTTP behind basic auth. Checks what *Test connection* answers and that the
//! write-only token and the private half of a deploy key never come back out.

use devportal_domain::ports::StoreError;
use devportal_tests::git_fixtures::{AuthSeen, BareRepo, GitDaemon, SmartHttpServer};
use devportal_tests::{Client, Portal};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The portal's git timeout (`GitCli::default`) plus room for a slow machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(35);

struct Version {
    client: Client,
    id: String,
}

impl Version {
    async fn new(portal: &Portal) -> Version {
        let client = portal.admin();
        let connector = client.create_connector("Git probe", "transform").await;
        Version { client, id: connector["id"].as_str().expect("connector id").to_string() }
    }

    fn step_path(&self) -> String {
        format!("/connectors/{}/versions/1/steps/vcs", self.id)
    }

    /// Saves the vcs step; returns the whole answer text and the step's data.
    async fn save(&self, body: Value) -> (String, Value) {
        let answer = self.client.put(&self.step_path(), body).await;
        let text = answer.text.clone();
        let view = answer.expect(200);
        (text, view["data"].clone())
    }

    async fn get_step(&self) -> (String, Value) {
        let answer = self.client.get(&self.step_path()).await;
        let text = answer.text.clone();
        (text, answer.expect(200)["data"].clone())
    }

    async fn get_version(&self) -> (String, Value) {
        let answer = self.client.get(&format!("/connectors/{}/versions/1", self.id)).await;
        let text = answer.text.clone();
        (text, answer.expect(200))
    }

    /// `POST …/vcs/test`: the answer's text and body, checked for its shape.
    async fn test(&self) -> (String, Value) {
        let started = Instant::now();
        let answer = self.client.post(&format!("/connectors/{}/versions/1/vcs/test", self.id), json!({})).await;
        let elapsed = started.elapsed();
        assert!(elapsed < ANSWER_WITHIN, "the test answered after {elapsed:?}");
        let text = answer.text.clone();
        let body = answer.expect(200);
        let ok = body["ok"].as_bool().unwrap_or_else(|| panic!("`ok` is a boolean: {text}"));
        if ok {
            assert!(body["commit"].as_str().is_some_and(|c| c.len() == 40), "a reachable branch has a commit: {text}");
            assert!(body["reason"].is_null(), "no reason when ok: {text}");
        } else {
            assert!(body["commit"].is_null(), "no commit when not ok: {text}");
            assert!(body["reason"].as_str().is_some_and(|r| !r.trim().is_empty()), "a failure has a reason: {text}");
        }
        (text, body)
    }
}

fn reason(test: &Value) -> String {
    test["reason"].as_str().unwrap_or("").to_ascii_lowercase()
}

/// Every record of the portal's storage as (pk, sk, body): the embedded store's items, with
/// each secret item's value opened with the portal's key and appended to its body (the raw
/// body is sealed: `tests/tests/secrets_at_rest.rs`); on the AWS backend the DynamoDB table's
/// items plus every live Secrets Manager secret under the portal's prefix, listed as
/// `SECRET#<arn>` (the embedded store's key form for secrets).
async fn store_items(portal: &Portal) -> Vec<(String, String, String)> {
    let Some(aws) = &portal.aws else {
        let db = devportal_embedded::Db::open(portal.data_dir.path()).expect("open the portal's database");
        let fail = |e: String| StoreError::Unavailable { message: e, retryable: false };
        let rows: Vec<(String, String, String)> = db
            .read(move |c| {
                let mut stmt = c.prepare("SELECT pk, sk, body FROM items").map_err(|e| fail(e.to_string()))?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
                    .map_err(|e| fail(e.to_string()))?;
                rows.map(|r| r.map_err(|e| fail(e.to_string()))).collect()
            })
            .await
            .expect("read the portal's items");
        let devportal::config::SecretKeyConfig::Value(key) = devportal_tests::test_secret_key() else { unreachable!("tests use a key value") };
        let secrets = devportal_embedded::LocalSecrets::open(db, key, &devportal_embedded::KeySource::Given).await.expect("the portal's key");
        let mut out = vec![];
        for (pk, sk, mut body) in rows {
            if let Some(id) = pk.strip_prefix("SECRET#") {
                let reference = devportal_domain::secret::SecretRef(format!("local:{id}"));
                if let Ok(Some(value)) = devportal_domain::ports::SecretStore::get(&secrets, &reference).await {
                    body.push_str(&format!(" opened: {}", value.expose()));
                }
            }
            out.push((pk, sk, body));
        }
        return out;
    };
    let sdk = aws.sdk.as_ref().expect("test portals carry their SDK configuration");
    let mut out = vec![];
    let table = aws_sdk_dynamodb::Client::new(sdk);
    let mut start = None;
    loop {
        let page = table.scan().table_name(&aws.table).set_exclusive_start_key(start).send().await.expect("scan the table");
        for item in page.items() {
            let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            out.push((text("pk"), text("sk"), format!("{item:?}")));
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let mut token = None;
    loop {
        let page = secrets.list_secrets().set_next_token(token).send().await.expect("list the secrets");
        for entry in page.secret_list() {
            let (Some(name), Some(arn)) = (entry.name(), entry.arn()) else { continue };
            if !name.starts_with(&aws.secret_prefix) {
                continue;
            }
            if let Ok(value) = secrets.get_secret_value().secret_id(arn).send().await {
                out.push((format!("SECRET#{arn}"), String::new(), value.secret_string().unwrap_or_default().to_string()));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    out
}

/// The records whose key or body contains `needle`.
async fn items_containing(portal: &Portal, needle: &str) -> Vec<(String, String, String)> {
    store_items(portal).await.into_iter().filter(|(pk, sk, body)| pk.contains(needle) || sk.contains(needle) || body.contains(needle)).collect()
}

/// Files of the data directory other than the database itself that contain `needle`.
fn other_files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = vec![];
    for entry in std::fs::read_dir(dir).expect("read the data directory").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            hits.extend(other_files_containing(&path, needle));
        } else if !name.starts_with("devportal.db") {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test]
async fn public_file_repository_reads_the_branch_and_names_what_is_missing() {
    let portal = Portal::start().await;
    let repo = BareRepo::create(&[("main.py", "print('hello')\n")], "main");
    let v = Version::new(&portal).await;

    // Nothing saved yet: the test explains that the step comes first.
    v.client.post(&format!("/connectors/{}/versions/1/vcs/test", v.id), json!({})).await.expect_error(422, "validation_failed");

    let (_, data) = v.save(json!({"authorization": "public", "url": repo.file_url()})).await;
    assert_eq!(data["branch"], "main", "the branch defaults to main");
    assert_eq!(data["has_token"], false);
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], true, "{text}");
    assert_eq!(test["commit"], repo.head_commit().as_str(), "{text}");
    assert_eq!(test["url"], repo.file_url().as_str());
    assert_eq!(test["branch"], "main");

    // A new commit is seen by the next test.
    let next = repo.commit("main", &[("main.py", "print('hello again')\n")], "second");
    let (text, test) = v.test().await;
    assert_eq!(test["commit"], next.as_str(), "{text}");

    // A branch that does not exist is named.
    v.save(json!({"authorization": "public", "url": repo.file_url(), "branch": "no-such-branch"})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert_eq!(test["branch"], "no-such-branch");
    assert!(reason(&test).contains("no-such-branch"), "the reason names the branch: {text}");
    assert!(reason(&test).contains("does not exist"), "{text}");

    // A repository that does not exist.
    let missing = format!("file://{}", repo.base_dir().join("missing.git").display());
    v.save(json!({"authorization": "public", "url": missing, "branch": "main"})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("not found"), "the reason says not found: {text}");
}

#[tokio::test]
async fn public_repository_over_git_daemon_reads_default_and_release_branches() {
    let portal = Portal::start().await;
    let repo = BareRepo::create(&[("main.py", "print('v0')\n")], "main");
    let release = repo.commit("release/1.0", &[("VERSION", "1.0\n")], "release 1.0");
    assert_ne!(release, repo.head_commit());
    let daemon = GitDaemon::start(&repo.base_dir());
    let url = daemon.url(repo.name());
    assert!(url.starts_with("git://127.0.0.1:"), "{url}");
    let v = Version::new(&portal).await;

    v.save(json!({"authorization": "public", "url": url})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], true, "{text}\ndaemon log: {}", daemon.log());
    assert_eq!(test["commit"], repo.head_commit().as_str(), "{text}");

    let (_, data) = v.save(json!({"authorization": "public", "url": url, "branch": "release/1.0"})).await;
    assert_eq!(data["branch"], "release/1.0");
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], true, "{text}");
    assert_eq!(test["commit"], release.as_str(), "the release branch's own commit: {text}");

    // A repository the daemon does not have.
    v.save(json!({"authorization": "public", "url": daemon.url("missing.git")})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("not found"), "{text}");
}

#[tokio::test]
async fn basic_auth_uses_the_stored_token_which_never_comes_back_out() {
    const USER: &str = "ci-bot";
    const WRONG: &str = "tok-wrong-5d1e2b9a77";
    const RIGHT: &str = "tok-right-7f3a9c0e41";
    const NEWER: &str = "tok-newer-c4a8e06b2d";
    let tokens = [WRONG, RIGHT, NEWER];

    let portal = Portal::start().await;
    let repo = BareRepo::create(&[("main.py", "print('private')\n")], "main");
    let release = repo.commit("release/1.0", &[("VERSION", "1.0\n")], "release 1.0");
    let server = SmartHttpServer::start(&repo.base_dir(), USER, RIGHT);
    let url = server.url(repo.name());
    let v = Version::new(&portal).await;
    let mut answers: Vec<String> = vec![];

    // A wrong token: refused, with a reason about authentication.
    let (text, data) = v.save(json!({"authorization": "basic", "url": url, "username": USER, "token": WRONG})).await;
    answers.push(text);
    assert_eq!(data["has_token"], true);
    assert_eq!(data["username"], USER);
    assert!(data.get("token").is_none(), "no token field: {data}");
    let (text, test) = v.test().await;
    answers.push(text.clone());
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("authentication"), "the reason is about authentication: {text}");
    assert!(server.requests().iter().any(|r| r.auth == AuthSeen::Wrong), "the wrong token was sent: {:?}", server.requests());

    // The right token.
    let (text, _) = v.save(json!({"authorization": "basic", "url": url, "username": USER, "token": RIGHT})).await;
    answers.push(text);
    let (text, test) = v.test().await;
    answers.push(text.clone());
    assert_eq!(test["ok"], true, "{text}");
    assert_eq!(test["commit"], repo.head_commit().as_str());
    assert_eq!(server.requests().last().map(|r| r.auth), Some(AuthSeen::Right));

    // Saving without `token` keeps the stored one: another branch is read with it.
    let (text, data) = v.save(json!({"authorization": "basic", "url": url, "username": USER, "branch": "release/1.0"})).await;
    answers.push(text);
    assert_eq!(data["has_token"], true, "the stored token is kept");
    let (text, test) = v.test().await;
    answers.push(text.clone());
    assert_eq!(test["ok"], true, "the stored token is still used: {text}");
    assert_eq!(test["commit"], release.as_str());
    for (text, _) in [v.get_step().await, v.get_version().await] {
        answers.push(text);
    }
    let (_, version) = v.get_version().await;
    assert_eq!(version["configuration"]["vcs"]["has_token"], true);

    // In the store, the token is only in a secret item; the replaced one is gone.
    let holders = items_containing(&portal, RIGHT).await;
    assert_eq!(holders.len(), 1, "exactly one item holds the token: {holders:?}");
    assert!(holders[0].0.starts_with("SECRET#"), "only the secret item holds it: {:?}", holders[0].0);
    assert!(items_containing(&portal, WRONG).await.is_empty(), "the replaced token's secret is deleted");

    // The server now wants another token: the stored one fails until it is replaced.
    server.set_password(NEWER);
    let (text, test) = v.test().await;
    answers.push(text.clone());
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("authentication"), "{text}");
    let (text, data) = v.save(json!({"authorization": "basic", "url": url, "username": USER, "branch": "release/1.0", "token": NEWER})).await;
    answers.push(text);
    assert_eq!(data["has_token"], true);
    let (text, test) = v.test().await;
    answers.push(text.clone());
    assert_eq!(test["ok"], true, "the new token replaced the old one: {text}");
    assert_eq!(test["commit"], release.as_str());
    for (text, _) in [v.get_step().await, v.get_version().await] {
        answers.push(text);
    }
    let list = v.client.get(&format!("/connectors/{}/versions", v.id)).await;
    answers.push(list.text.clone());
    list.expect(200);

    for token in tokens {
        for answer in &answers {
            assert!(!answer.contains(token), "an answer shows the token {token}: {answer}");
        }
        assert!(other_files_containing(portal.data_dir.path(), token).is_empty(), "a file of the data directory holds {token}");
    }
    let holders = items_containing(&portal, NEWER).await;
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert!(holders[0].0.starts_with("SECRET#"), "{:?}", holders[0].0);
    for old in [WRONG, RIGHT] {
        assert!(items_containing(&portal, old).await.is_empty(), "the replaced token {old} is deleted");
    }
}

#[tokio::test]
async fn public_authorization_against_a_protected_server_asks_for_credentials() {
    let portal = Portal::start().await;
    let repo = BareRepo::create(&[("main.py", "print('private')\n")], "main");
    let server = SmartHttpServer::start(&repo.base_dir(), "ci-bot", "tok-only-the-server-knows");
    let v = Version::new(&portal).await;

    v.save(json!({"authorization": "public", "url": server.url(repo.name())})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("credentials"), "the reason says credentials are needed: {text}");
    let seen = server.requests();
    assert!(!seen.is_empty() && seen.iter().all(|r| r.auth == AuthSeen::Missing && r.status == 401), "{seen:?}");
}

#[tokio::test]
async fn a_deploy_key_shows_only_its_public_half_and_lasts_until_switched_away() {
    let portal = Portal::start().await;
    let repo = BareRepo::create(&[("main.py", "print('ssh')\n")], "main");
    let v = Version::new(&portal).await;
    let ssh_url = "git@127.0.0.1:org/repo.git";

    let (text, data) = v.save(json!({"authorization": "deploy-key", "url": ssh_url})).await;
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let public = data["deploy_key_public"].as_str().unwrap_or_else(|| panic!("a public key is shown: {text}")).to_string();
    assert!(public.starts_with("ssh-ed25519 "), "{public}");
    assert_eq!(data["has_token"], false);
    assert_eq!(data["authorization"], "deploy-key");

    for (text, _) in [v.get_step().await, v.get_version().await] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(text.contains(&public), "the public key is shown: {text}");
    }
    let secrets = items_containing(&portal, "PRIVATE KEY").await;
    assert_eq!(secrets.len(), 1, "the private key is stored once: {:?}", secrets.iter().map(|s| &s.0).collect::<Vec<_>>());
    assert!(secrets[0].0.starts_with("SECRET#"), "only as a secret: {}", secrets[0].0);

    // Saving again (even with another branch) keeps the same key pair.
    let (_, data) = v.save(json!({"authorization": "deploy-key", "url": ssh_url})).await;
    assert_eq!(data["deploy_key_public"], public.as_str());
    let (_, data) = v.save(json!({"authorization": "deploy-key", "url": ssh_url, "branch": "develop"})).await;
    assert_eq!(data["deploy_key_public"], public.as_str());
    let (_, version) = v.get_version().await;
    assert_eq!(version["configuration"]["vcs"]["deploy_key_public"], public.as_str());

    // No SSH server answers with this key here: the test fails with a reason, not the key.
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");

    // Switching to public removes the key pair (and its stored secret).
    let (text, data) = v.save(json!({"authorization": "public", "url": repo.file_url()})).await;
    assert!(data["deploy_key_public"].is_null(), "{text}");
    let (text, step) = v.get_step().await;
    assert!(step["deploy_key_public"].is_null() && !text.contains(&public), "{text}");
    assert!(items_containing(&portal, "PRIVATE KEY").await.is_empty(), "the private key is deleted");
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], true, "{text}");

    // Back to deploy-key: a new pair.
    let (_, data) = v.save(json!({"authorization": "deploy-key", "url": ssh_url})).await;
    let again = data["deploy_key_public"].as_str().unwrap();
    assert!(again.starts_with("ssh-ed25519 ") && again != public, "a new key pair after switching back");
}

#[tokio::test]
async fn an_unreachable_host_is_reported_with_a_reason() {
    let portal = Portal::start().await;
    let v = Version::new(&portal).await;
    for url in ["http://127.0.0.1:1/repo.git", "git://127.0.0.1:1/repo.git"] {
        v.save(json!({"authorization": "public", "url": url})).await;
        let started = Instant::now();
        let (text, test) = v.test().await;
        assert!(started.elapsed() < Duration::from_secs(10), "a closed port answers at once");
        assert_eq!(test["ok"], false, "{text}");
        assert!(reason(&test).contains("refused"), "the reason says the connection was refused: {text}");
    }
}

/// Accepts connections and never answers, until dropped.
struct SilentServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentServer {
    fn start() -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = vec![];
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => held.push(stream),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        SilentServer { port, stop, thread: Some(thread) }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[tokio::test]
async fn a_host_that_never_answers_is_reported_within_the_timeout() {
    let portal = Portal::start().await;
    let silent = SilentServer::start();
    let v = Version::new(&portal).await;
    v.save(json!({"authorization": "public", "url": format!("http://127.0.0.1:{}/repo.git", silent.port)})).await;
    let (text, test) = v.test().await;
    assert_eq!(test["ok"], false, "{text}");
    assert!(reason(&test).contains("no answer"), "the reason says the host did not answer: {text}");
}
