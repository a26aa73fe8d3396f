//! The `GitRemote` contract: the same cases against `GitCli` (the `git` program, local host)
//! and `SmartHttpGitRemote` (smart HTTP in-process, the Lambda functions), over http on
//! 127.0.0.1 — the real `git http-backend` behind basic auth (`SmartHttpServer`) and small
//! scripted servers for what a Git server would not do (redirects, web pages, silence, floods).
//!
//! Where the adapters differ on purpose the expectation says so: `GitCli` also speaks Git's
//! dumb HTTP protocol and has no cap on the reference list; `SmartHttpGitRemote` answers a
//! reason for both.

use devportal_domain::ports::{GitCredentials, GitProbeOutcome, GitRemote};
use devportal_domain::secret::SecretValue;
use devportal_domain::wizard::url_policy::UrlPolicy;
use devportal_embedded::GitCli;
use devportal_git_http::SmartHttpGitRemote;
use devportal_tests::git_fixtures::{git, run_git, AuthSeen, BareRepo, SmartHttpServer};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The smart-HTTP adapter under a local installation's URL policy: the test servers are on
/// loopback (the policy itself is tested in tests/tests/url_policy.rs).
fn local_smart_http() -> SmartHttpGitRemote {
    SmartHttpGitRemote::default().with_policy(UrlPolicy::LOCAL)
}
use std::time::{Duration, Instant};

const USER: &str = "ci-bot";
const TOKEN: &str = "tok-contract-3b9f61d2c7";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Cli,
    SmartHttp,
}

fn adapters() -> Vec<(Kind, Box<dyn GitRemote>)> {
    vec![(Kind::Cli, Box::new(GitCli::new(UrlPolicy::LOCAL))), (Kind::SmartHttp, Box::new(local_smart_http()))]
}

fn basic(token: &str) -> GitCredentials {
    GitCredentials::Basic { username: USER.into(), token: SecretValue::new(token) }
}

/// `base64(USER:token)`, as an `Authorization: Basic` header carries it.
fn basic_header(token: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{USER}:{token}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[track_caller]
fn commit_of(kind: Kind, outcome: &GitProbeOutcome) -> String {
    match outcome {
        GitProbeOutcome::Reachable { commit } => commit.clone(),
        other => panic!("{kind:?}: expected reachable, got {other:?}"),
    }
}

/// The reason, lower case; checks it is not empty and never shows the token.
#[track_caller]
fn reason_of(kind: Kind, outcome: &GitProbeOutcome) -> String {
    match outcome {
        GitProbeOutcome::Unreachable { reason } => {
            assert!(!reason.trim().is_empty(), "{kind:?}: an empty reason");
            assert!(!reason.contains(TOKEN) && !reason.contains(&basic_header(TOKEN)), "{kind:?}: the reason shows the token: {reason}");
            reason.to_ascii_lowercase()
        }
        other => panic!("{kind:?}: expected unreachable, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// A scripted HTTP server on 127.0.0.1: one answer per request, request heads recorded.
// ---------------------------------------------------------------------------------------

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Hold the connection this long before answering.
    delay: Duration,
}

impl Reply {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into(), delay: Duration::ZERO }
    }

    fn redirect(location: String) -> Reply {
        Reply { status: 302, headers: vec![("Location".into(), location)], body: vec![], delay: Duration::ZERO }
    }
}

type Script = dyn Fn(&str) -> Reply + Send + Sync;

struct ScriptedServer {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ScriptedServer {
    fn start(script: impl Fn(&str) -> Reply + Send + Sync + 'static) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (h, s) = (heads.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let (h, script, s) = (h.clone(), script.clone(), s.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &h, script.as_ref(), &s);
                });
            }
        });
        ScriptedServer { port, heads, stop, thread: Some(thread) }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, heads: &Mutex<Vec<String>>, script: &Script, stop: &AtomicBool) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim_end().is_empty() {
            break;
        }
        head.push_str(&line);
    }
    heads.lock().unwrap().push(head.clone());
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = script(&target);
    let until = Instant::now() + reply.delay;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", reply.body.len()));
    writer.write_all(out.as_bytes())?;
    writer.write_all(&reply.body)?;
    writer.flush()
}

fn pkt(payload: &str) -> String {
    format!("{:04x}{payload}", payload.len() + 4)
}

/// What `git http-backend` answers to `GET …/info/refs?service=git-upload-pack` (protocol v0),
/// produced by `git upload-pack` itself.
fn advertisement_of(repo: &BareRepo) -> Vec<u8> {
    let out = git().args(["upload-pack", "--stateless-rpc", "--advertise-refs"]).arg(repo.bare_path()).output().expect("run git upload-pack");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut body = format!("{}0000", pkt("# service=git-upload-pack\n")).into_bytes();
    body.extend_from_slice(&out.stdout);
    body
}

/// A public smart HTTP server for `repo` (reference discovery only, which is all a probe uses).
fn public_smart_server(repo: &Arc<BareRepo>) -> ScriptedServer {
    let repo = repo.clone();
    ScriptedServer::start(move |target| {
        if target.starts_with("/repo.git/info/refs?service=git-upload-pack") {
            Reply::new(200, "application/x-git-upload-pack-advertisement", advertisement_of(&repo))
        } else {
            Reply::new(404, "text/plain", "not found\n")
        }
    })
}

// ---------------------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_reachable_branch_answers_the_commit_git_rev_parse_names() {
    let repo = BareRepo::create(&[("main.py", "print('hi')\n")], "main");
    let release = repo.commit("release/1.0", &[("VERSION", "1.0\n")], "release 1.0");
    repo.tag("v1.0", "release/1.0");
    let server = SmartHttpServer::start(&repo.base_dir(), USER, TOKEN);
    let url = server.url(repo.name());
    assert!(url.ends_with("/repo.git"), "{url}");
    let without_git = url.trim_end_matches(".git").to_string();
    for (kind, remote) in adapters() {
        for u in [url.clone(), format!("{url}/"), without_git.clone()] {
            let main = remote.probe(&u, "main", &basic(TOKEN)).await;
            assert_eq!(commit_of(kind, &main), repo.head_commit(), "{kind:?} {u}");
        }
        let rel = remote.probe(&url, "release/1.0", &basic(TOKEN)).await;
        assert_eq!(commit_of(kind, &rel), release, "{kind:?}: the release branch's own commit");
        assert_eq!(repo.commit_of("release/1.0").as_deref(), Some(release.as_str()));
    }
    let seen = server.requests();
    assert!(seen.iter().all(|r| r.auth == AuthSeen::Right && r.status == 200), "{seen:?}");
    // git (protocol v2) also POSTs `ls-refs`; the smart HTTP adapter needs only the discovery GET.
    let last = &seen[seen.len() - 4..];
    assert!(last.iter().all(|r| r.method == "GET" && r.target.ends_with("/info/refs?service=git-upload-pack")), "{seen:?}");

    // A public repository (no credentials); a new commit is seen by the next probe.
    let public = Arc::new(BareRepo::create(&[("a.txt", "a\n")], "main"));
    let http = public_smart_server(&public);
    let url = format!("http://127.0.0.1:{}/repo.git", http.port);
    for (kind, remote) in adapters() {
        let before = public.head_commit();
        assert_eq!(commit_of(kind, &remote.probe(&url, "main", &GitCredentials::None).await), before, "{kind:?}");
        let next = public.commit("main", &[("a.txt", format!("{kind:?}\n").as_str())], "next");
        assert_ne!(next, before);
        assert_eq!(commit_of(kind, &remote.probe(&url, "main", &GitCredentials::None).await), next, "{kind:?}");
    }
    assert!(http.heads().iter().all(|h| !h.to_ascii_lowercase().contains("authorization")), "no credentials were given");
}

#[tokio::test]
async fn a_missing_branch_is_named() {
    let repo = BareRepo::create(&[("main.py", "print('hi')\n")], "main");
    repo.tag("v1", "main");
    let server = SmartHttpServer::start(&repo.base_dir(), USER, TOKEN);
    for (kind, remote) in adapters() {
        for branch in ["no-such-branch", "v1", "mai"] {
            let r = reason_of(kind, &remote.probe(&server.url(repo.name()), branch, &basic(TOKEN)).await);
            assert!(r.contains(&format!("`{branch}`")) && r.contains("does not exist"), "{kind:?}: {r}");
        }
    }
}

#[tokio::test]
async fn a_missing_repository_is_not_found() {
    let repo = BareRepo::create(&[("main.py", "print('hi')\n")], "main");
    let server = SmartHttpServer::start(&repo.base_dir(), USER, TOKEN);
    // A plain web server without the repository, too.
    let files = ScriptedServer::start(|_| Reply::new(404, "text/html", "<html>Not Found</html>"));
    for (kind, remote) in adapters() {
        for url in [server.url("missing.git"), format!("http://127.0.0.1:{}/org/repo.git", files.port)] {
            let r = reason_of(kind, &remote.probe(&url, "main", &basic(TOKEN)).await);
            assert!(r.contains("not found"), "{kind:?} {url}: {r}");
        }
    }
    assert!(server.requests().iter().any(|r| r.status == 404 && r.target.starts_with("/missing.git/")), "{:?}", server.requests());
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_refused_without_showing_the_token() {
    let repo = BareRepo::create(&[("main.py", "print('private')\n")], "main");
    let server = SmartHttpServer::start(&repo.base_dir(), USER, "tok-only-the-server-knows");
    let url = server.url(repo.name());
    for (kind, remote) in adapters() {
        let before = server.requests().len();
        let wrong = remote.probe(&url, "main", &basic(TOKEN)).await;
        let r = reason_of(kind, &wrong);
        assert!(r.contains("authentication"), "{kind:?}: {r}");
        assert!(!format!("{wrong:?}").contains(TOKEN), "{kind:?}");
        let seen = server.requests()[before..].to_vec();
        assert!(!seen.is_empty() && seen.iter().all(|s| s.status == 401), "{kind:?}: {seen:?}");
        assert!(seen.iter().any(|s| s.auth == AuthSeen::Wrong), "{kind:?}: the token was sent: {seen:?}");

        let before = server.requests().len();
        let r = reason_of(kind, &remote.probe(&url, "main", &GitCredentials::None).await);
        assert!(r.contains("credentials"), "{kind:?}: {r}");
        let seen = server.requests()[before..].to_vec();
        assert!(!seen.is_empty() && seen.iter().all(|s| s.auth == AuthSeen::Missing && s.status == 401), "{kind:?}: {seen:?}");
    }
    // Forbidden is an authentication failure too.
    let forbidden = ScriptedServer::start(|_| Reply::new(403, "text/plain", "Forbidden\n"));
    for (kind, remote) in adapters() {
        let r = reason_of(kind, &remote.probe(&format!("http://127.0.0.1:{}/repo.git", forbidden.port), "main", &basic(TOKEN)).await);
        assert!(r.contains("authentication") || r.contains("403"), "{kind:?}: {r}");
    }
}

#[tokio::test]
async fn a_server_that_does_not_speak_smart_http_gets_a_clear_reason() {
    // A web page (a sign-in form, say) where the repository should be.
    let page = ScriptedServer::start(|_| Reply::new(200, "text/html; charset=utf-8", "<html><body>Sign in</body></html>\n"));
    for (kind, remote) in adapters() {
        let r = reason_of(kind, &remote.probe(&format!("http://127.0.0.1:{}/org/repo.git", page.port), "main", &GitCredentials::None).await);
        if kind == Kind::SmartHttp {
            assert!(r.contains("smart http") && r.contains("text/html"), "{kind:?}: {r}");
        }
    }
    // A repository served as plain files (dumb HTTP: `git update-server-info`).
    let repo = BareRepo::create(&[("main.py", "print('dumb')\n")], "main");
    run_git(repo.bare_path(), &["update-server-info"]);
    let base = repo.base_dir();
    let files = ScriptedServer::start(move |target| {
        let path = target.split('?').next().unwrap_or("/").trim_start_matches('/');
        match std::fs::read(base.join(path)) {
            Ok(bytes) if !path.contains("..") => Reply::new(200, "text/plain", bytes),
            _ => Reply::new(404, "text/plain", "not found\n"),
        }
    });
    let url = format!("http://127.0.0.1:{}/repo.git", files.port);
    for (kind, remote) in adapters() {
        let outcome = remote.probe(&url, "main", &GitCredentials::None).await;
        match kind {
            // git speaks the dumb protocol as well.
            Kind::Cli => assert_eq!(commit_of(kind, &outcome), repo.head_commit()),
            Kind::SmartHttp => {
                let r = reason_of(kind, &outcome);
                assert!(r.contains("smart http") && r.contains("text/plain") && r.contains("dumb"), "{r}");
            }
        }
    }
}

#[tokio::test]
async fn a_closed_port_is_refused_at_once() {
    // A socket bound but never listening holds the port (no other test can take it, unlike a
    // port picked and released) and answers every connection with a reset: refused.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = closed.local_addr().unwrap().port();
    for (kind, remote) in adapters() {
        let r = reason_of(kind, &remote.probe(&format!("http://127.0.0.1:{port}/repo.git"), "main", &basic(TOKEN)).await);
        // Refused, not timed out: the probe did not wait for a timeout.
        assert!(r.contains("refused"), "{kind:?}: {r}");
    }
    drop(closed);
}

#[tokio::test]
async fn a_host_that_never_answers_is_given_up_within_the_timeout() {
    let limit = Duration::from_secs(3);
    let silent = ScriptedServer::start(|_| Reply { delay: Duration::from_secs(60), ..Reply::new(200, "text/plain", "") });
    let url = format!("http://127.0.0.1:{}/repo.git", silent.port);
    let cli = GitCli { timeout: limit, ..GitCli::new(UrlPolicy::LOCAL) };
    let mut smart = local_smart_http();
    smart.timeout = limit;
    let results = [timed(Kind::Cli, &cli, &url).await, timed(Kind::SmartHttp, &smart, &url).await];
    for (kind, outcome, elapsed) in results {
        assert!(elapsed >= limit && elapsed < limit + Duration::from_secs(3), "{kind:?}: {elapsed:?}");
        let r = reason_of(kind, &outcome);
        assert!(r.contains("no answer") && r.contains("3 s"), "{kind:?}: {r}");
    }
    assert!(silent.heads().len() >= 2, "both reached the server");
}

async fn timed(kind: Kind, remote: &dyn GitRemote, url: &str) -> (Kind, GitProbeOutcome, Duration) {
    let started = Instant::now();
    let outcome = remote.probe(url, "main", &GitCredentials::None).await;
    (kind, outcome, started.elapsed())
}

#[tokio::test]
async fn a_redirect_to_another_host_never_receives_the_token() {
    // The other host records what it receives and asks for credentials.
    let recorder = ScriptedServer::start(|_| Reply {
        headers: vec![("WWW-Authenticate".into(), "Basic realm=\"elsewhere\"".into())],
        ..Reply::new(401, "text/plain", "who are you?\n")
    });
    let to = recorder.port;
    // `localhost:<other port>`: another host name and another port than 127.0.0.1:<port>.
    let redirector = ScriptedServer::start(move |target| Reply::redirect(format!("http://localhost:{to}{target}")));
    let url = format!("http://127.0.0.1:{}/org/repo.git", redirector.port);
    for (kind, remote) in adapters() {
        let before = (redirector.heads().len(), recorder.heads().len());
        let r = reason_of(kind, &remote.probe(&url, "main", &basic(TOKEN)).await);
        let origin: Vec<String> = redirector.heads()[before.0..].to_vec();
        assert!(
            origin.iter().any(|h| h.contains(&basic_header(TOKEN))),
            "{kind:?}: the URL's own host gets the token (else this test proves nothing): {origin:?}"
        );
        let elsewhere: Vec<String> = recorder.heads()[before.1..].to_vec();
        match kind {
            // git cannot check a redirect's target before it connects, so the CLI adapter
            // follows none (the URL policy's rule for git: redirects are refused).
            Kind::Cli => {
                assert!(r.contains("redirect") && r.contains("url policy"), "{kind:?}: {r}");
                assert!(elsewhere.is_empty(), "{kind:?}: a redirect was followed: {elsewhere:?}");
            }
            Kind::SmartHttp => {
                assert!(r.contains("authentication"), "{kind:?}: {r}");
                assert!(!elsewhere.is_empty(), "{kind:?}: the redirect was followed");
            }
        }
        for head in &elsewhere {
            let lower = head.to_ascii_lowercase();
            assert!(!lower.contains("authorization:"), "{kind:?}: credentials sent to another host: {head}");
            assert!(!head.contains(TOKEN) && !head.contains(&basic_header(TOKEN)), "{kind:?}: {head}");
        }
    }

    // A public repository behind a redirect is read by the smart-HTTP adapter (each hop
    // checked against the URL policy); the CLI adapter names the rule.
    let public = Arc::new(BareRepo::create(&[("a.txt", "a\n")], "main"));
    let http = public_smart_server(&public);
    let to = http.port;
    let moved = ScriptedServer::start(move |target| Reply::redirect(format!("http://localhost:{to}{}", target.replacen("/old/", "/", 1))));
    let url = format!("http://127.0.0.1:{}/old/repo.git", moved.port);
    for (kind, remote) in adapters() {
        let outcome = remote.probe(&url, "main", &GitCredentials::None).await;
        match kind {
            Kind::Cli => assert!(reason_of(kind, &outcome).contains("redirect"), "{kind:?}: {outcome:?}"),
            Kind::SmartHttp => assert_eq!(commit_of(kind, &outcome), public.head_commit(), "{kind:?}"),
        }
    }
}

#[tokio::test]
async fn a_flood_of_references_is_capped_by_the_smart_http_adapter() {
    let repo = BareRepo::create(&[("main.py", "print('hi')\n")], "main");
    let head = repo.head_commit();
    // ~9.5 MiB of pull-request references and no `wanted` branch.
    let mut body = format!("{}0000{}", pkt("# service=git-upload-pack\n"), pkt(&format!("{head} refs/heads/main\0side-band-64k\n")));
    let mut i = 0;
    while body.len() < 9_500_000 {
        body.push_str(&pkt(&format!("{head} refs/pull/{i}/head\n")));
        i += 1;
    }
    body.push_str("0000");
    let body = Arc::new(body.into_bytes());
    let served = body.clone();
    let server = ScriptedServer::start(move |_| Reply::new(200, "application/x-git-upload-pack-advertisement", served.as_slice()));
    let url = format!("http://127.0.0.1:{}/repo.git", server.port);
    for (kind, remote) in adapters() {
        // The branch near the start is found either way.
        assert_eq!(commit_of(kind, &remote.probe(&url, "main", &GitCredentials::None).await), head, "{kind:?}");
        let r = reason_of(kind, &remote.probe(&url, "wanted", &GitCredentials::None).await);
        match kind {
            Kind::Cli => assert!(r.contains("does not exist"), "{r}"),
            Kind::SmartHttp => assert!(r.contains("more than 8 mib") && r.contains("`wanted`"), "{r}"),
        }
    }
}

#[tokio::test]
async fn ssh_urls_are_answered_honestly_by_the_smart_http_adapter() {
    let key =
        GitCredentials::DeployKey { private_key: SecretValue::new("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n") };
    let remote = local_smart_http();
    for url in ["git@127.0.0.1:org/repo.git", "ssh://git@127.0.0.1/org/repo.git"] {
        let outcome = remote.probe(url, "main", &key).await;
        let r = reason_of(Kind::SmartHttp, &outcome);
        assert!(r.contains("ssh") && r.contains("deploy key"), "{r}");
        assert!(!format!("{outcome:?}").contains("PRIVATE KEY"));
    }
}

// ---------------------------------------------------------------------------------------
// https: the only scheme the Lambda functions accept. `git` here cannot be told to trust a
// test CA without touching its configuration, so these cases run the smart HTTP adapter only.
// ---------------------------------------------------------------------------------------

/// A CA and a certificate for `IP:127.0.0.1` signed by it (openssl), and a python TLS server
/// on 127.0.0.1 answering the advertisement of a file to the right basic credentials.
struct TlsServer {
    port: u16,
    ca_pem: Vec<u8>,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    fn start(advertisement: &[u8], token: &str) -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl").current_dir(d).args(args).output().expect("run openssl");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=contract test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(d.join("leaf.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ]);
        std::fs::write(d.join("advertisement"), advertisement).unwrap();
        std::fs::write(d.join("server.py"), TLS_SERVER_PY).unwrap();
        let mut child = Command::new("python3")
            .current_dir(d)
            .args(["server.py", "leaf.pem", "leaf.key", &format!("Basic {}", basic_header(token)), "advertisement"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the TLS server did not start: {line:?}"));
        TlsServer { port, ca_pem: std::fs::read(d.join("ca.pem")).unwrap(), child, _dir: dir }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TLS_SERVER_PY: &str = r#"
import http.server, ssl, sys
cert, key, expected, advertisement = sys.argv[1:5]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self.path.startswith("/repo.git/info/refs?service=git-upload-pack"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = open(advertisement, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-git-upload-pack-advertisement")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

#[tokio::test]
async fn https_carries_the_token_and_checks_the_certificate() {
    let repo = BareRepo::create(&[("main.py", "print('tls')\n")], "main");
    let tls = TlsServer::start(&advertisement_of(&repo), TOKEN);
    let url = format!("https://127.0.0.1:{}/repo.git", tls.port);
    let trusting = local_smart_http().with_trusted_roots_pem(&tls.ca_pem).expect("the CA's PEM");
    assert_eq!(commit_of(Kind::SmartHttp, &trusting.probe(&url, "main", &basic(TOKEN)).await), repo.head_commit());
    let r = reason_of(Kind::SmartHttp, &trusting.probe(&url, "main", &basic("tok-wrong-0000")).await);
    assert!(r.contains("authentication"), "{r}");
    let r = reason_of(Kind::SmartHttp, &trusting.probe(&url, "nope", &basic(TOKEN)).await);
    assert!(r.contains("`nope` does not exist"), "{r}");

    // The host's own roots do not know the test CA; a name the certificate does not carry.
    let r = reason_of(Kind::SmartHttp, &local_smart_http().probe(&url, "main", &basic(TOKEN)).await);
    assert!(r.contains("tls") && r.contains("certificate"), "{r}");
    let r = reason_of(Kind::SmartHttp, &trusting.probe(&format!("https://localhost:{}/repo.git", tls.port), "main", &basic(TOKEN)).await);
    assert!(r.contains("tls") && r.contains("certificate"), "{r}");
}
