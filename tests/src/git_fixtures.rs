//! Git servers and repositories for tests: a bare repository reachable over `file://`,
//! `git daemon` for `git://`, and smart HTTP (`git http-backend`) behind HTTP basic auth.
//!
//! Everything runs the real `git` program as argument vectors (never a shell), isolated from
//! the person's configuration, and every server listens on 127.0.0.1 only. Servers stop when
//! dropped; repositories live in temporary directories removed when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server may take to start before the fixture panics.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);

/// The identity of fixture commits.
pub const AUTHOR_NAME: &str = "Fixture Author";
pub const AUTHOR_EMAIL: &str = "fixture@example.invalid";

/// A `git` command isolated from system and global configuration, with a fixed identity.
pub fn git() -> Command {
    let mut cmd = Command::new("git");
    isolate(&mut cmd);
    cmd.args([
        "-c",
        &format!("user.name={AUTHOR_NAME}"),
        "-c",
        &format!("user.email={AUTHOR_EMAIL}"),
        "-c",
        "commit.gpgsign=false",
        "-c",
        "tag.gpgsign=false",
        "-c",
        "core.autocrlf=false",
        "-c",
        "protocol.file.allow=always",
    ]);
    cmd
}

fn isolate(cmd: &mut Command) {
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_TERMINAL_PROMPT", "0").env("LC_ALL", "C").stdin(Stdio::null());
}

/// Runs a git command in `dir`, panicking with its output when it fails; returns stdout.
#[track_caller]
pub fn run_git(dir: &Path, args: &[&str]) -> String {
    let out = git().current_dir(dir).args(args).output().unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"));
    assert!(
        out.status.success(),
        "git {args:?} in {} failed ({}):\n{}{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A working repository with a bare clone beside it. The bare repository is
/// `base_dir()/name()` (by default `repo.git`), so one server can serve `base_dir()`.
pub struct BareRepo {
    work: PathBuf,
    bare: PathBuf,
    name: String,
    default_branch: String,
    _dirs: Vec<tempfile::TempDir>,
}

impl BareRepo {
    /// A repository named `repo.git` in a base directory of its own, with `files`
    /// committed on `branch` (which becomes the bare repository's HEAD).
    pub fn create(files: &[(&str, &str)], branch: &str) -> BareRepo {
        let base = tempfile::Builder::new().prefix("fixture-repos-").tempdir().expect("temp dir for repositories");
        let mut repo = Self::create_in(base.path(), "repo.git", files, branch);
        repo._dirs.push(base);
        repo
    }

    /// A repository at `base_dir/name` (e.g. `org/tool.git`), for several repositories under
    /// one server; `base_dir` must outlive the returned value.
    pub fn create_in(base_dir: &Path, name: &str, files: &[(&str, &str)], branch: &str) -> BareRepo {
        assert!(!name.is_empty() && !name.starts_with('/') && !name.contains(".."), "repository name `{name}` must be relative");
        let work_dir = tempfile::Builder::new().prefix("fixture-work-").tempdir().expect("temp dir for the working repository");
        let work = work_dir.path().join("work");
        std::fs::create_dir_all(&work).expect("working directory");
        run_git(&work, &["init", "--quiet", "-b", branch]);
        write_files(&work, files);
        run_git(&work, &["add", "--all"]);
        run_git(&work, &["commit", "--quiet", "--allow-empty", "-m", "initial commit"]);
        let bare = base_dir.join(name);
        if let Some(parent) = bare.parent() {
            std::fs::create_dir_all(parent).expect("parent of the bare repository");
        }
        let bare_str = bare.to_str().expect("UTF-8 temp path");
        let work_str = work.to_str().expect("UTF-8 temp path");
        run_git(&work, &["clone", "--quiet", "--bare", "--", work_str, bare_str]);
        run_git(&work, &["remote", "add", "origin", "--", bare_str]);
        BareRepo { work, bare, name: name.to_string(), default_branch: branch.to_string(), _dirs: vec![work_dir] }
    }

    /// The bare repository's path.
    pub fn bare_path(&self) -> &Path {
        &self.bare
    }

    /// The working repository (its `origin` is the bare repository).
    pub fn work_path(&self) -> &Path {
        &self.work
    }

    /// The directory to serve: `base_dir()/name()` is the bare repository.
    pub fn base_dir(&self) -> PathBuf {
        let mut base = self.bare.clone();
        for _ in Path::new(&self.name).components() {
            base.pop();
        }
        base
    }

    /// The repository's path under `base_dir()`, e.g. `repo.git`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The branch the repository was created with (the bare repository's HEAD).
    pub fn default_branch(&self) -> &str {
        &self.default_branch
    }

    /// `file:///…/repo.git`.
    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// The commit the bare repository's default branch points to.
    pub fn head_commit(&self) -> String {
        self.commit_of(&self.default_branch).expect("the default branch exists")
    }

    /// The commit `branch` points to in the bare repository, if it exists.
    pub fn commit_of(&self, branch: &str) -> Option<String> {
        let out = git()
            .current_dir(&self.bare)
            .args(["rev-parse", "--verify", "--quiet", &format!("refs/heads/{branch}^{{commit}}")])
            .output()
            .expect("run git rev-parse");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Commits `files` (written over the tree of `branch`; a new branch starts from the
    /// default branch) and pushes it to the bare repository. Returns the new commit.
    pub fn commit(&self, branch: &str, files: &[(&str, &str)], message: &str) -> String {
        let exists = !run_git(&self.work, &["branch", "--list", "--", branch]).trim().is_empty();
        if exists {
            run_git(&self.work, &["checkout", "--quiet", branch]);
        } else {
            run_git(&self.work, &["checkout", "--quiet", "-b", branch, &self.default_branch]);
        }
        write_files(&self.work, files);
        run_git(&self.work, &["add", "--all"]);
        run_git(&self.work, &["commit", "--quiet", "--allow-empty", "-m", message]);
        run_git(&self.work, &["push", "--quiet", "origin", &format!("HEAD:refs/heads/{branch}")]);
        run_git(&self.work, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Creates `branch` at the tip of `from` in the bare repository; returns its commit.
    pub fn branch(&self, branch: &str, from: &str) -> String {
        run_git(&self.bare, &["branch", "--", branch, from]);
        self.commit_of(branch).expect("branch just created")
    }

    /// Tags `rev` (a branch or commit) in the bare repository with a lightweight tag.
    pub fn tag(&self, tag: &str, rev: &str) {
        run_git(&self.bare, &["tag", "--", tag, rev]);
    }
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        assert!(!path.starts_with('/') && !path.contains(".."), "fixture file path `{path}` must be relative");
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("directories of a fixture file");
        }
        std::fs::write(&full, content).unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind 127.0.0.1:0").port()
}

/// `git daemon` serving every repository under a base directory over `git://`.
pub struct GitDaemon {
    pub port: u16,
    child: Child,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl GitDaemon {
    /// Starts the daemon on a free port and waits until it accepts connections.
    pub fn start(base_dir: &Path) -> GitDaemon {
        let log_dir = tempfile::Builder::new().prefix("fixture-daemon-").tempdir().expect("temp dir for the daemon log");
        let mut last_log = String::new();
        for attempt in 0..5 {
            let port = free_port();
            let log = log_dir.path().join(format!("daemon-{attempt}.log"));
            let log_file = std::fs::File::create(&log).expect("daemon log file");
            let mut cmd = git();
            cmd.arg("daemon")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", base_dir.display()))
                .arg("--export-all")
                .arg("--reuseaddr")
                .arg("--informative-errors")
                .arg(base_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file));
            let mut child = cmd.spawn().expect("spawn git daemon");
            match wait_for_port(port, &mut child) {
                Ok(()) => return GitDaemon { port, child, log, _log_dir: log_dir },
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = format!("{why}; log: {}", std::fs::read_to_string(&log).unwrap_or_default());
                }
            }
        }
        panic!("git daemon did not start on 127.0.0.1: {last_log}");
    }

    /// `git://127.0.0.1:PORT/NAME`.
    pub fn url(&self, repo_name: &str) -> String {
        format!("git://127.0.0.1:{}/{}", self.port, repo_name.trim_start_matches('/'))
    }

    /// What the daemon wrote to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `port` accepts connections while `child` runs.
fn wait_for_port(port: u16, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("exited with {status} before listening on port {port}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            // Still ours? (Another process could have taken the port meanwhile.)
            std::thread::sleep(Duration::from_millis(50));
            return match child.try_wait().map_err(|e| e.to_string())? {
                Some(status) => Err(format!("exited with {status}: port {port} was taken")),
                None => Ok(()),
            };
        }
        if Instant::now() > deadline {
            return Err(format!("not listening on port {port} after {} s", STARTUP_TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How a request to [`SmartHttpServer`] was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthSeen {
    /// No `Authorization` header.
    Missing,
    /// Credentials that did not match.
    Wrong,
    /// The expected username and password.
    Right,
}

/// One request the smart HTTP server answered.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    /// Path and query, e.g. `/repo.git/info/refs?service=git-upload-pack`.
    pub target: String,
    pub auth: AuthSeen,
    pub status: u16,
}

struct HttpShared {
    base_dir: PathBuf,
    username: String,
    /// `Basic base64(username:password)`, compared with the `Authorization` header.
    expected: Mutex<String>,
    requests: Mutex<Vec<SeenRequest>>,
    stop: AtomicBool,
}

/// Git's smart HTTP protocol (`git http-backend` as CGI) on 127.0.0.1 behind HTTP basic
/// auth: a request without the right credentials gets `401` with `WWW-Authenticate`.
/// Runs on threads of the test process; stops when dropped. Pushes are allowed for the
/// authenticated user.
pub struct SmartHttpServer {
    pub addr: SocketAddr,
    shared: Arc<HttpShared>,
    accept: Option<JoinHandle<()>>,
}

impl SmartHttpServer {
    /// Serves every repository under `base_dir`, requiring `username`/`password`.
    pub fn start(base_dir: &Path, username: &str, password: &str) -> SmartHttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the smart HTTP server on 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(HttpShared {
            base_dir: base_dir.to_path_buf(),
            username: username.to_string(),
            expected: Mutex::new(basic_header(username, password)),
            requests: Mutex::new(vec![]),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let accept = std::thread::Builder::new()
            .name(format!("smart-http-{}", addr.port()))
            .spawn(move || {
                for conn in listener.incoming() {
                    if s.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    let s = s.clone();
                    let _ = std::thread::Builder::new().name("smart-http-conn".into()).spawn(move || {
                        let _ = handle_connection(stream, &s);
                    });
                }
            })
            .expect("spawn the smart HTTP accept thread");
        let server = SmartHttpServer { addr, shared, accept: Some(accept) };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "smart HTTP server not accepting on {} after {} s", self.addr, STARTUP_TIMEOUT.as_secs());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT/NAME`.
    pub fn url(&self, repo_name: &str) -> String {
        format!("http://{}/{}", self.addr, repo_name.trim_start_matches('/'))
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Changes the password the server accepts from now on (the username stays).
    pub fn set_password(&self, password: &str) {
        *self.shared.expected.lock().unwrap() = basic_header(&self.shared.username, password);
    }

    /// The requests answered so far, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for SmartHttpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn basic_header(username: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{username}:{password}").as_bytes()))
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Answers one request, then closes the connection.
fn handle_connection(stream: TcpStream, shared: &HttpShared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(()); // a readiness probe or the wake-up connection
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return respond(&mut writer, 400, "Bad Request", &[], b"bad request line\n");
    };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers: Vec<(String, String)> = vec![];
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());

    let auth = match header("authorization") {
        None => AuthSeen::Missing,
        Some(v) if v == shared.expected.lock().unwrap().as_str() => AuthSeen::Right,
        Some(_) => AuthSeen::Wrong,
    };
    let log = |status: u16| {
        shared.requests.lock().unwrap().push(SeenRequest { method: method.clone(), target: target.clone(), auth, status });
    };
    if auth != AuthSeen::Right {
        log(401);
        return respond(&mut writer, 401, "Unauthorized", &[("WWW-Authenticate", "Basic realm=\"git\"")], b"authentication required\n");
    }
    if header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let body = read_body(&mut reader, header("transfer-encoding"), header("content-length"))?;

    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    isolate(&mut cgi);
    cgi.arg("http-backend")
        .env("GIT_PROJECT_ROOT", &shared.base_dir)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_USER", &shared.username)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("AUTH_TYPE", "Basic")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(ct) = header("content-type") {
        cgi.env("CONTENT_TYPE", ct);
    }
    if let Some(p) = header("git-protocol") {
        cgi.env("GIT_PROTOCOL", p);
    }
    if let Some(enc) = header("content-encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", enc);
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output()?;
    let _ = feeder.join();

    let out = output.stdout;
    let split = find(&out, b"\r\n\r\n").map(|i| (i, 4)).or_else(|| find(&out, b"\n\n").map(|i| (i, 2)));
    let Some((head_end, sep)) = split else {
        log(500);
        let msg = format!("git http-backend gave no CGI headers ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
        return respond(&mut writer, 500, "Internal Server Error", &[], msg.as_bytes());
    };
    let head = String::from_utf8_lossy(&out[..head_end]).into_owned();
    let mut status = 200u16;
    let mut reason = "OK".to_string();
    let mut cgi_headers = vec![];
    for line in head.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once(':') else { continue };
        if k.eq_ignore_ascii_case("status") {
            let v = v.trim();
            let (code, text) = v.split_once(' ').unwrap_or((v, ""));
            status = code.parse().unwrap_or(500);
            reason = text.to_string();
        } else if !k.eq_ignore_ascii_case("content-length") {
            cgi_headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    log(status);
    let refs: Vec<(&str, &str)> = cgi_headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    respond(&mut writer, status, &reason, &refs, &out[head_end + sep..])
}

fn read_body(reader: &mut impl BufRead, transfer_encoding: Option<&str>, content_length: Option<&str>) -> std::io::Result<Vec<u8>> {
    let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut body = vec![];
    if transfer_encoding.is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_hex, 16).map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l)? == 0 || l.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = content_length {
        let len: usize = len.trim().parse().map_err(|_| invalid("bad Content-Length"))?;
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(body)
}

fn respond(w: &mut TcpStream, status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    w.write_all(head.as_bytes())?;
    w.write_all(body)?;
    w.flush()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (plain, encoded) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_bare_repo_serves_over_all_three_transports() {
        let repo = BareRepo::create(&[("README.md", "hello\n"), ("src/main.py", "print('hi')\n")], "main");
        let head = repo.head_commit();
        assert_eq!(head.len(), 40);
        let ls = |url: &str, extra: &[&str]| {
            let out = git().args(extra).args(["ls-remote", "--", url, "refs/heads/main"]).output().unwrap();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
        };
        assert!(ls(&repo.file_url(), &[]).1.starts_with(&head));

        let daemon = GitDaemon::start(&repo.base_dir());
        let (ok, out, err) = ls(&daemon.url(repo.name()), &[]);
        assert!(ok && out.starts_with(&head), "{out}{err}{}", daemon.log());

        let http = SmartHttpServer::start(&repo.base_dir(), "ci", "s3cret");
        let header = format!("http.extraHeader=Authorization: {}", basic_header("ci", "s3cret"));
        let (ok, out, err) = ls(&http.url(repo.name()), &["-c", &header]);
        assert!(ok && out.starts_with(&head), "{out}{err}");
        let (ok, _, err) = ls(&http.url(repo.name()), &[]);
        assert!(!ok, "no credentials must be refused");
        assert!(err.contains("terminal prompts disabled") || err.contains("401"), "{err}");
        assert!(http.requests().iter().any(|r| r.auth == AuthSeen::Missing && r.status == 401));

        // A clone through smart HTTP (protocol v2 POSTs) and a push of a new branch.
        let target = tempfile::tempdir().unwrap();
        let dest = target.path().join("clone");
        run_git(target.path(), &["-c", &header, "clone", "--quiet", "--", &http.url(repo.name()), dest.to_str().unwrap()]);
        assert!(dest.join("src/main.py").exists());
        let second = repo.commit("release/1.0", &[("VERSION", "1.0\n")], "release");
        assert_eq!(repo.commit_of("release/1.0").as_deref(), Some(second.as_str()));
        assert_eq!(repo.head_commit(), head, "the default branch did not move");
    }
}
