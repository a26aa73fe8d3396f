//! `GitRemote` without a `git` program, for the Lambda functions (provided.al2023 has none):
//! the discovery step of Git's smart HTTP protocol, which is all `git ls-remote` needs.
//!
//! `GET <url>/info/refs?service=git-upload-pack` answers a pkt-line stream: `# service=…`, a
//! flush, then one `<sha> <ref>` line per reference (the first carrying the capabilities after
//! a NUL), then a flush. The body is read frame by frame into [`AdvertisementScanner`], which
//! keeps one pkt-line at a time and stops as soon as `refs/heads/<branch>` is seen, so memory
//! stays small whatever the server sends; the bytes read are capped all the same.
//!
//! Credentials: a basic token travels as an `Authorization` header, only over https (or plain
//! http to a loopback address, for tests), only to the origin of the configured URL — a
//! redirect to another scheme, host or port is followed without it. SSH, `git://` and `file://`
//! URLs are not probed here (there is no SSH client on Lambda): the answer says so.
//! Reasons use the same words as `GitCli`'s and never contain the token.
//!
//! The repository URL policy holds on every hop: the URL's text, every address its host
//! resolves to (the connection goes only to addresses that were checked), and every redirect's
//! scheme and addresses (`devportal_domain::wizard::url_policy`).

use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use devportal_domain::ports::{GitCredentials, GitProbeOutcome, GitRemote};
use devportal_domain::redact::Redactor;
use devportal_domain::wizard::url_policy::{UrlPolicy, UrlRule};
use http::{header, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpStream;

/// The content type of a smart HTTP reference advertisement.
pub const ADVERTISEMENT_CONTENT_TYPE: &str = "application/x-git-upload-pack-advertisement";
/// The largest pkt-line Git allows (4 length bytes + 65516 bytes of payload).
pub const MAX_PKT_LINE: usize = 65520;
/// Default cap on the bytes of one reference advertisement.
pub const MAX_ADVERTISEMENT: u64 = 8 * 1024 * 1024;

/// Probes `https://` repositories (and `http://`) through smart HTTP, in-process.
pub struct SmartHttpGitRemote {
    /// Limit of a whole probe, redirects included (`GitCli`'s limit).
    pub timeout: Duration,
    /// Limit of resolving the host and opening the TCP connection, per request.
    pub connect_timeout: Duration,
    /// Bytes of reference advertisement read at most before giving up.
    pub max_advertisement: u64,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Which repositories may be reached: checked on the URL, on every address its host
    /// resolves to, and again on every redirect (STRICT by default: the AWS functions).
    pub policy: UrlPolicy,
    /// The TLS client configuration (native roots), loaded on the first https probe so that
    /// functions that never probe do not pay for reading the certificate store.
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

impl Default for SmartHttpGitRemote {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_advertisement: MAX_ADVERTISEMENT,
            max_redirects: 5,
            policy: UrlPolicy::STRICT,
            tls: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for SmartHttpGitRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmartHttpGitRemote")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_advertisement", &self.max_advertisement)
            .field("max_redirects", &self.max_redirects)
            .finish_non_exhaustive()
    }
}

impl SmartHttpGitRemote {
    /// The same remote under another URL policy.
    pub fn with_policy(mut self, policy: UrlPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Trusting only the PEM certificates in `pem` instead of the host's roots (a private CA
    /// of an on-premises Git server; tests).
    pub fn with_trusted_roots_pem(self, pem: &[u8]) -> Result<Self, String> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let certs = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("unreadable PEM certificates: {e}"))?;
        let config = tls_config_with_roots(certs)?;
        let tls = OnceLock::new();
        let _ = tls.set(Ok(config));
        Ok(Self { tls, ..self })
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        self.tls.get_or_init(native_tls_config).clone()
    }
}

fn native_tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    tls_config_with_roots(rustls_native_certs::load_native_certs().certs)
}

fn tls_config_with_roots(certs: Vec<rustls::pki_types::CertificateDer<'static>>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err("no trusted TLS root certificates were found on the portal host".into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[async_trait]
impl GitRemote for SmartHttpGitRemote {
    async fn probe(&self, url: &str, branch: &str, credentials: &GitCredentials) -> GitProbeOutcome {
        let outcome = match scheme_of(url) {
            UrlKind::Http => match tokio::time::timeout(self.timeout, self.probe_http(url, branch, credentials)).await {
                Ok(Ok(commit)) => return GitProbeOutcome::Reachable { commit },
                Ok(Err(reason)) => reason,
                Err(_) => format!("no answer from the repository within {} s", self.timeout.as_secs()),
            },
            UrlKind::Ssh => "SSH repositories cannot be tested from the portal's AWS functions (they have no SSH client); \
                 the build clones with the deploy key, so check that its public half is added to the repository's deploy keys"
                .into(),
            UrlKind::GitDaemon => "git:// repositories cannot be tested from the portal's AWS functions: use the repository's https:// URL".into(),
            UrlKind::File => "file:// repositories exist only on a local installation".into(),
            UrlKind::Other => "the repository URL must start with https://".into(),
        };
        GitProbeOutcome::Unreachable { reason: Redactor::for_git(url, credentials).text(&outcome) }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum UrlKind {
    Http,
    Ssh,
    GitDaemon,
    File,
    Other,
}

fn scheme_of(url: &str) -> UrlKind {
    let lower: String = url.chars().take(10).collect::<String>().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        UrlKind::Http
    } else if lower.starts_with("ssh://") || lower.starts_with("git+ssh://") || is_scp_like(url) {
        UrlKind::Ssh
    } else if lower.starts_with("git://") {
        UrlKind::GitDaemon
    } else if lower.starts_with("file://") {
        UrlKind::File
    } else {
        UrlKind::Other
    }
}

/// Git's `[user@]host:path` form (no `://`, a colon before any slash).
fn is_scp_like(url: &str) -> bool {
    !url.contains("://") && url.find(':').is_some_and(|colon| colon > 0 && !url[..colon].contains('/'))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

/// One absolute http(s) address, split for connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    scheme: Scheme,
    /// Lower case, IPv6 without brackets.
    host: String,
    port: u16,
    /// Origin-form request target (`/path?query`).
    path_and_query: String,
}

impl Target {
    /// An absolute `http://` or `https://` URL.
    fn parse(url: &str) -> Result<Target, String> {
        let invalid = || "the repository URL is not a valid http(s) URL".to_string();
        if url.contains('#') {
            return Err(invalid());
        }
        let uri: Uri = url.parse().map_err(|_| invalid())?;
        let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => Scheme::Https,
            Some("http") => Scheme::Http,
            _ => return Err(invalid()),
        };
        let authority = uri.authority().ok_or_else(invalid)?;
        if authority.as_str().contains('@') {
            return Err("put credentials in `username` and `token`, not in the URL".into());
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(invalid());
        }
        let port = authority.port_u16().unwrap_or(match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        });
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let path_and_query = if path_and_query.starts_with('/') { path_and_query } else { format!("/{path_and_query}") };
        Ok(Target { scheme, host, port, path_and_query })
    }

    /// `<repository URL>/info/refs?service=git-upload-pack`, whether or not the URL ends in
    /// `.git` or `/`.
    fn info_refs(repository_url: &str) -> Result<Target, String> {
        let mut target = Target::parse(repository_url)?;
        if target.path_and_query.contains('?') {
            return Err("the repository URL must not contain a query (`?…`)".into());
        }
        let path = target.path_and_query.trim_end_matches('/');
        target.path_and_query = format!("{path}/info/refs?service=git-upload-pack");
        Ok(target)
    }

    fn same_origin(&self, other: &Target) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// `host[:port]` as the Host header and reasons show it.
    fn authority(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Where a redirect's `Location` points, relative to this address.
    fn follow(&self, location: &str) -> Result<Target, String> {
        let lower: String = location.chars().take(8).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Target::parse(location).map_err(|_| "the repository host redirects to an address that is not a valid http(s) URL".to_string());
        }
        if location.contains("://") {
            return Err("the repository host redirects to an address that is not http(s)".into());
        }
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        if location.starts_with("//") {
            return Target::parse(&format!("{scheme}:{location}"))
                .map_err(|_| "the repository host redirects to an address that is not a valid URL".to_string());
        }
        let path_and_query = if location.starts_with('/') {
            location.to_string()
        } else {
            let path = self.path_and_query.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{location}")
        };
        Target::parse(&format!("{scheme}://{}{path_and_query}", self.authority()))
            .map_err(|_| "the repository host redirects to an address that is not a valid URL".to_string())
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Aborts the task driving a connection when the exchange is over.
struct ConnectionTask(tokio::task::JoinHandle<()>);

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SmartHttpGitRemote {
    async fn probe_http(&self, url: &str, branch: &str, credentials: &GitCredentials) -> Result<String, String> {
        self.policy.check_url(url, matches!(credentials, GitCredentials::Basic { .. })).map_err(|rule| rule.to_string())?;
        let start = Target::info_refs(url)?;
        let authorization = match credentials {
            GitCredentials::None => None,
            GitCredentials::Basic { username, token } => {
                let basic = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", token.expose()));
                let mut value =
                    HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| "the username cannot be sent in an HTTP header".to_string())?;
                value.set_sensitive(true);
                Some(value)
            }
            GitCredentials::DeployKey { .. } => {
                return Err("a deploy key works only with SSH repository URLs like git@host:org/repo.git".into());
            }
        };
        let mut target = start.clone();
        let mut withheld_from: Option<String> = None;
        let mut hops = 0;
        loop {
            let send = authorization.as_ref().filter(|_| target.same_origin(&start));
            if authorization.is_some() && send.is_none() {
                withheld_from = Some(target.authority());
            }
            if send.is_some() && target.scheme == Scheme::Http && !is_loopback_host(&target.host) {
                return Err("basic authorization is sent only over https: use the repository's https:// URL \
                     (the portal does not send a token in clear text)"
                    .into());
            }
            let (response, _connection) = self.get(&target, send).await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| format!("the repository host answered HTTP {status} without a Location to follow"))?;
                hops += 1;
                if hops > self.max_redirects {
                    return Err(format!("the repository URL redirects more than {} times", self.max_redirects));
                }
                target = target.follow(location)?;
                if target.scheme == Scheme::Http && !self.policy.allow_local_repos {
                    return Err(format!("the repository URL redirects to plain http: {}", UrlRule::LocalScheme { scheme: "http".into() }));
                }
                continue;
            }
            return match status.as_u16() {
                200 => self.read_advertisement(response, branch).await,
                401 | 403 => Err(match (credentials, withheld_from) {
                    (GitCredentials::Basic { .. }, Some(other)) => format!(
                        "authentication failed: the repository URL redirects to another host ({other}), which asks for credentials, \
                         and the portal sends the token only to the host of the URL: use the URL it redirects to"
                    ),
                    (GitCredentials::Basic { .. }, None) => {
                        "authentication failed: check the username and token (and the token's read access)".into()
                    }
                    _ => "the repository needs credentials: choose basic authorization or a deploy key".into(),
                }),
                404 | 410 => Err("repository not found at this URL (or not visible with these credentials)".into()),
                _ => Err(format!("the repository host answered HTTP {status}")),
            };
        }
    }

    /// One GET on a fresh connection: resolve, connect (bounded), TLS, send.
    async fn get(&self, target: &Target, authorization: Option<&HeaderValue>) -> Result<(Response<Incoming>, ConnectionTask), String> {
        let stream = tokio::time::timeout(self.connect_timeout, connect(target, self.policy))
            .await
            .map_err(|_| "the connection to the repository host timed out".to_string())??;
        if authorization.is_some() && target.scheme == Scheme::Http && !stream.peer_addr().is_ok_and(|a| a.ip().is_loopback()) {
            return Err("basic authorization is sent only over https: use the repository's https:// URL \
                 (the portal does not send a token in clear text)"
                .into());
        }
        let _ = stream.set_nodelay(true);
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(target.path_and_query.as_str())
            .header(header::HOST, target.authority())
            .header(header::USER_AGENT, "git/devportal")
            .header(header::ACCEPT, "*/*")
            .header(header::PRAGMA, "no-cache")
            .body(Empty::<Bytes>::new())
            .map_err(|_| "the repository URL is not a valid http(s) URL".to_string())?;
        if let Some(value) = authorization {
            request.headers_mut().insert(header::AUTHORIZATION, value.clone());
        }
        match target.scheme {
            Scheme::Http => exchange(TokioIo::new(stream), request).await,
            Scheme::Https => {
                let config = self.tls_config()?;
                let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                    .map_err(|_| "the repository host is not a valid TLS server name".to_string())?;
                let tls = tokio::time::timeout(self.connect_timeout, tokio_rustls::TlsConnector::from(config).connect(name, stream))
                    .await
                    .map_err(|_| "the TLS handshake with the repository host timed out".to_string())?
                    .map_err(|e| format!("the TLS connection to the repository host failed: {e}"))?;
                exchange(TokioIo::new(tls), request).await
            }
        }
    }

    /// Scans a 200 answer for the branch.
    async fn read_advertisement(&self, response: Response<Incoming>, branch: &str) -> Result<String, String> {
        let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media_type != ADVERTISEMENT_CONTENT_TYPE {
            let shown = if media_type.is_empty() { "no content type".to_string() } else { format!("`{}`", truncate(&media_type, 80)) };
            return Err(format!(
                "the server at this URL does not speak Git's smart HTTP protocol (it answered with {shown}): \
                 check that the URL is the repository's clone URL (a dumb HTTP server or a web page cannot be tested)"
            ));
        }
        let mut scanner = AdvertisementScanner::new(branch, self.max_advertisement);
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("the repository host broke off its answer: {e}"))?;
            if let Ok(data) = frame.into_data() {
                if let Some(commit) = scanner.feed(&data).map_err(|e| e.reason(branch))? {
                    return Ok(commit);
                }
            }
        }
        match scanner.finish().map_err(|e| e.reason(branch))? {
            Some(commit) => Ok(commit),
            None => Err(format!("branch `{branch}` does not exist in the repository")),
        }
    }
}

/// Resolves the host, checks every address against the URL policy (one refused address
/// refuses the host), and connects to those checked addresses in turn — never resolving again.
async fn connect(target: &Target, policy: UrlPolicy) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((target.host.as_str(), target.port)).await {
        Ok(addrs) => addrs.collect(),
        Err(_) => vec![],
    };
    if addrs.is_empty() {
        return Err("the repository host could not be resolved: check the URL".into());
    }
    for addr in &addrs {
        policy.check_address(addr.ip()).map_err(|rule| format!("{rule} (`{}` resolves to {})", target.host, addr.ip()))?;
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => "the repository host refused the connection".into(),
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => "the connection to the repository host timed out".into(),
        Some(e) => format!("the repository host could not be reached: {e}"),
        None => "the repository host could not be reached".into(),
    })
}

/// HTTP/1.1 on an open connection; the connection lives as long as the returned task guard.
async fn exchange<T>(io: T, request: Request<Empty<Bytes>>) -> Result<(Response<Incoming>, ConnectionTask), String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(io).await.map_err(|e| format!("the HTTP exchange with the repository host failed: {e}"))?;
    let task = ConnectionTask(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender.send_request(request).await.map_err(|e| format!("the repository host did not answer the request: {e}"))?;
    Ok((response, task))
}

fn truncate(text: &str, max: usize) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.chars().count() <= max {
        clean
    } else {
        format!("{}…", clean.chars().take(max).collect::<String>())
    }
}

/// Why a reference advertisement could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdvertisementError {
    /// Not a valid advertisement (what was wrong).
    Malformed(String),
    /// The server's `ERR` packet.
    Server(String),
    /// More than this many bytes arrived without the branch.
    TooLarge(u64),
    /// The stream ended before the closing flush.
    Truncated,
}

impl AdvertisementError {
    fn reason(&self, branch: &str) -> String {
        match self {
            Self::Malformed(what) => format!("the server's answer is not a valid Git reference advertisement ({what})"),
            Self::Server(message) => format!("the Git server reported an error: {}", truncate(message, 200)),
            Self::TooLarge(limit) => {
                format!("the repository advertises more than {} MiB of references and branch `{branch}` is not among them", limit / (1024 * 1024))
            }
            Self::Truncated => "the server's answer ended before the list of references was complete".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScanState {
    /// Expecting `# service=git-upload-pack`.
    Service,
    /// Expecting the flush after it.
    ServiceFlush,
    /// Expecting the first reference (with capabilities) or an empty list's flush.
    FirstRef,
    Refs,
    /// The closing flush was read.
    Done,
}

/// Incremental reader of a smart HTTP reference advertisement (protocol v0/v1) looking for one
/// branch. Holds at most one pkt-line plus the last chunk fed.
#[derive(Debug)]
pub struct AdvertisementScanner {
    wanted: Vec<u8>,
    limit: u64,
    total: u64,
    buf: Vec<u8>,
    state: ScanState,
    found: Option<String>,
}

impl AdvertisementScanner {
    pub fn new(branch: &str, limit: u64) -> Self {
        Self { wanted: format!("refs/heads/{branch}").into_bytes(), limit, total: 0, buf: vec![], state: ScanState::Service, found: None }
    }

    /// Feeds the next bytes of the body. `Ok(Some(commit))` as soon as the branch was seen.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<String>, AdvertisementError> {
        if self.found.is_some() {
            return Ok(self.found.clone());
        }
        if self.state == ScanState::Done {
            return Ok(None); // anything after the closing flush is not ours to judge
        }
        self.total += data.len() as u64;
        if self.total > self.limit {
            return Err(AdvertisementError::TooLarge(self.limit));
        }
        self.buf.extend_from_slice(data);
        let mut at = 0;
        let result = loop {
            if self.state == ScanState::Done || self.found.is_some() {
                break Ok(());
            }
            let rest = &self.buf[at..];
            if rest.len() < 4 {
                break Ok(());
            }
            let len = match parse_length(&rest[..4]) {
                Ok(len) => len,
                Err(e) => break Err(e),
            };
            if len == 0 {
                at += 4;
                if let Err(e) = self.packet(None) {
                    break Err(e);
                }
                continue;
            }
            if rest.len() < len {
                break Ok(());
            }
            let payload = rest[4..len].to_vec();
            at += len;
            if let Err(e) = self.packet(Some(&payload)) {
                break Err(e);
            }
        };
        self.buf.drain(..at);
        result.map(|()| self.found.clone())
    }

    /// After the body ended: the commit, `None` when the complete list lacks the branch.
    pub fn finish(self) -> Result<Option<String>, AdvertisementError> {
        if self.found.is_some() {
            return Ok(self.found);
        }
        if self.state != ScanState::Done {
            return Err(if self.state == ScanState::Service && self.total == 0 {
                AdvertisementError::Malformed("the answer is empty".into())
            } else {
                AdvertisementError::Truncated
            });
        }
        Ok(None)
    }

    fn packet(&mut self, payload: Option<&[u8]>) -> Result<(), AdvertisementError> {
        let malformed = |m: &str| Err(AdvertisementError::Malformed(m.into()));
        let line = payload.map(|p| p.strip_suffix(b"\n").unwrap_or(p));
        if let Some(message) = line.and_then(|l| l.strip_prefix(b"ERR ")) {
            return Err(AdvertisementError::Server(String::from_utf8_lossy(message).into_owned()));
        }
        match (self.state, line) {
            (ScanState::Service, Some(b"# service=git-upload-pack")) => self.state = ScanState::ServiceFlush,
            (ScanState::Service, Some(l)) if l.starts_with(b"# service=") => return malformed("it is for another service than git-upload-pack"),
            (ScanState::Service, _) => return malformed("it does not start with `# service=git-upload-pack`"),
            (ScanState::ServiceFlush, None) => self.state = ScanState::FirstRef,
            (ScanState::ServiceFlush, Some(_)) => return malformed("no flush after the service line"),
            (ScanState::FirstRef | ScanState::Refs, None) => self.state = ScanState::Done,
            (ScanState::FirstRef, Some(b"version 1")) => {}
            (ScanState::FirstRef | ScanState::Refs, Some(l)) => {
                let l = if self.state == ScanState::FirstRef { l.split(|b| *b == 0).next().unwrap_or(l) } else { l };
                self.state = ScanState::Refs;
                if l.starts_with(b"shallow ") {
                    return Ok(());
                }
                let Some(space) = l.iter().position(|b| *b == b' ') else {
                    return malformed("a reference line without a space");
                };
                let (sha, name) = (&l[..space], &l[space + 1..]);
                if !(sha.len() == 40 || sha.len() == 64) || !sha.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
                    return malformed("a reference line without an object id");
                }
                if name == self.wanted.as_slice() && self.found.is_none() {
                    self.found = Some(String::from_utf8_lossy(sha).into_owned());
                }
            }
            (ScanState::Done, _) => {}
        }
        Ok(())
    }
}

/// The 4 hex digits of a pkt-line: 0 (flush) or 4..=65520.
fn parse_length(digits: &[u8]) -> Result<usize, AdvertisementError> {
    let text = std::str::from_utf8(digits).ok().filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(len) = text.and_then(|t| usize::from_str_radix(t, 16).ok()) else {
        return Err(AdvertisementError::Malformed(format!("bad pkt-line length {:?}", String::from_utf8_lossy(digits))));
    };
    match len {
        0 => Ok(0),
        1..=3 => Err(AdvertisementError::Malformed(format!("unexpected special packet {len:04x}"))),
        _ if len > MAX_PKT_LINE => Err(AdvertisementError::Malformed(format!("a pkt-line of {len} bytes (at most {MAX_PKT_LINE})"))),
        _ => Ok(len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devportal_domain::secret::SecretValue;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

    fn pkt(payload: &str) -> Vec<u8> {
        let mut out = format!("{:04x}", payload.len() + 4).into_bytes();
        out.extend_from_slice(payload.as_bytes());
        out
    }

    fn advertisement(refs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = pkt("# service=git-upload-pack\n");
        out.extend_from_slice(b"0000");
        for (i, (sha, name)) in refs.iter().enumerate() {
            if i == 0 {
                out.extend(pkt(&format!("{sha} {name}\0multi_ack thin-pack side-band symref=HEAD:refs/heads/main agent=git/2.47\n")));
            } else {
                out.extend(pkt(&format!("{sha} {name}\n")));
            }
        }
        out.extend_from_slice(b"0000");
        out
    }

    fn scan(branch: &str, bytes: &[u8]) -> Result<Option<String>, AdvertisementError> {
        let mut s = AdvertisementScanner::new(branch, MAX_ADVERTISEMENT);
        if let Some(found) = s.feed(bytes)? {
            return Ok(Some(found));
        }
        s.finish()
    }

    #[test]
    fn finds_the_branch_in_one_piece_and_split_at_every_byte() {
        let refs = [("HEAD", A), ("refs/heads/main", A), ("refs/heads/release/1.0", B), ("refs/tags/v1", C)];
        let body = advertisement(&refs.iter().map(|(n, s)| (*s, *n)).collect::<Vec<_>>());
        assert_eq!(scan("main", &body), Ok(Some(A.into())));
        assert_eq!(scan("release/1.0", &body), Ok(Some(B.into())));
        assert_eq!(scan("release", &body), Ok(None), "a prefix of a branch is not the branch");
        assert_eq!(scan("v1", &body), Ok(None), "a tag is not a branch");
        for split in 0..body.len() {
            let mut s = AdvertisementScanner::new("release/1.0", MAX_ADVERTISEMENT);
            let first = s.feed(&body[..split]).unwrap();
            let found = first.or_else(|| s.feed(&body[split..]).unwrap());
            assert_eq!(found.as_deref(), Some(B), "split at {split}");
        }
        // Byte by byte: the scanner never holds more than one pkt-line.
        let mut s = AdvertisementScanner::new("nope", MAX_ADVERTISEMENT);
        for b in &body {
            assert_eq!(s.feed(std::slice::from_ref(b)).unwrap(), None);
            assert!(s.buf.len() < MAX_PKT_LINE);
        }
        assert_eq!(s.finish(), Ok(None));
    }

    #[test]
    fn the_branch_on_the_first_line_carries_capabilities_and_sha256_ids_are_read() {
        let sha256 = "a".repeat(64);
        assert_eq!(scan("main", &advertisement(&[(&sha256, "refs/heads/main")])), Ok(Some(sha256.clone())));
        // `version 1` before the references, shallow lines after them.
        let mut body = pkt("# service=git-upload-pack\n");
        body.extend_from_slice(b"0000");
        body.extend(pkt("version 1\n"));
        body.extend(pkt(&format!("{A} refs/heads/dev\0caps\n")));
        body.extend(pkt(&format!("shallow {B}\n")));
        body.extend_from_slice(b"0000");
        assert_eq!(scan("dev", &body), Ok(Some(A.into())));
        assert_eq!(scan("main", &body), Ok(None));
    }

    #[test]
    fn an_empty_repository_has_no_branch() {
        let zero = "0".repeat(40);
        assert_eq!(scan("main", &advertisement(&[(&zero, "capabilities^{}")])), Ok(None));
        assert_eq!(scan("main", &advertisement(&[])), Ok(None));
    }

    #[test]
    fn malformed_lengths_are_refused() {
        let header = {
            let mut h = pkt("# service=git-upload-pack\n");
            h.extend_from_slice(b"0000");
            h
        };
        for bad in [&b"zzzz"[..], b"00g5", b"-001", b" 01a"] {
            let mut body = header.clone();
            body.extend_from_slice(bad);
            body.extend_from_slice(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            assert!(matches!(scan("main", &body), Err(AdvertisementError::Malformed(m)) if m.contains("length")), "{bad:?}");
        }
        for special in [&b"0001"[..], b"0002", b"0003"] {
            let mut body = header.clone();
            body.extend_from_slice(special);
            assert!(matches!(scan("main", &body), Err(AdvertisementError::Malformed(m)) if m.contains("special")), "{special:?}");
        }
        // Longer than a pkt-line may be.
        let mut body = header.clone();
        body.extend_from_slice(b"fff1");
        assert!(matches!(scan("main", &body), Err(AdvertisementError::Malformed(m)) if m.contains("65521")));
        // The largest allowed one is fine.
        let mut body = header.clone();
        body.extend(pkt(&format!("{A} refs/heads/{}\n", "x".repeat(MAX_PKT_LINE - 4 - 41 - 12))));
        assert_eq!(body.len() - header.len(), MAX_PKT_LINE);
        body.extend_from_slice(b"0000");
        assert_eq!(scan("main", &body), Ok(None));
    }

    #[test]
    fn a_wrong_preamble_or_reference_line_is_refused() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (advertisement(&[(A, "refs/heads/main")])[30..].to_vec(), "service"),
            ([pkt("# service=git-receive-pack\n"), b"0000".to_vec()].concat(), "another service"),
            ([pkt("# service=git-upload-pack\n"), pkt(&format!("{A} refs/heads/main\n"))].concat(), "no flush"),
            ([pkt("# service=git-upload-pack\n"), b"0000".to_vec(), pkt("refs/heads/main\n")].concat(), "without a space"),
            ([pkt("# service=git-upload-pack\n"), b"0000".to_vec(), pkt("XYZ refs/heads/main\n")].concat(), "object id"),
            (
                [pkt("# service=git-upload-pack\n"), b"0000".to_vec(), pkt(&format!("{} refs/heads/main\n", A.to_uppercase().replace('1', "F")))]
                    .concat(),
                "object id",
            ),
            (b"<html><body>Sign in</body></html>".to_vec(), "length"),
        ];
        for (body, needle) in cases {
            match scan("main", &body) {
                Err(AdvertisementError::Malformed(m)) => assert!(m.contains(needle), "{m} / {needle}"),
                other => panic!("{needle}: {other:?}"),
            }
        }
        let err = [pkt("# service=git-upload-pack\n"), b"0000".to_vec(), pkt("ERR access denied to this repository\n")].concat();
        assert_eq!(scan("main", &err), Err(AdvertisementError::Server("access denied to this repository".into())));
    }

    #[test]
    fn a_stream_that_stops_early_is_truncated_and_empty_is_malformed() {
        let body = advertisement(&[(A, "refs/heads/main"), (B, "refs/heads/other")]);
        assert_eq!(scan("dev", &body[..body.len() - 4]), Err(AdvertisementError::Truncated));
        assert_eq!(scan("dev", &body[..body.len() - 10]), Err(AdvertisementError::Truncated));
        assert!(matches!(scan("dev", b""), Err(AdvertisementError::Malformed(m)) if m.contains("empty")));
        // Found before the end: the truncation does not matter.
        assert_eq!(scan("main", &body[..body.len() - 10]), Ok(Some(A.into())));
    }

    #[test]
    fn more_than_the_cap_is_refused_without_buffering_it() {
        let names: Vec<String> = (0..2000).map(|i| format!("refs/pull/{i}/head")).collect();
        let refs: Vec<(&str, &str)> = names.iter().map(|n| (A, n.as_str())).collect();
        let body = advertisement(&refs);
        let limit = 16 * 1024;
        let mut s = AdvertisementScanner::new("main", limit);
        let mut result = Ok(None);
        for chunk in body.chunks(1000) {
            result = s.feed(chunk);
            if result.is_err() {
                break;
            }
            assert!(s.buf.len() <= 1000 + MAX_PKT_LINE);
        }
        assert_eq!(result, Err(AdvertisementError::TooLarge(limit)));
        // Under a larger cap the same list is read to its end.
        assert_eq!(scan("main", &body), Ok(None));
        assert!(AdvertisementError::TooLarge(MAX_ADVERTISEMENT).reason("main").contains("8 MiB"));
    }

    #[test]
    fn info_refs_is_appended_whatever_the_url_ends_with() {
        for (url, path) in [
            ("https://example.com/org/repo.git", "/org/repo.git/info/refs?service=git-upload-pack"),
            ("https://example.com/org/repo.git/", "/org/repo.git/info/refs?service=git-upload-pack"),
            ("https://example.com/org/repo", "/org/repo/info/refs?service=git-upload-pack"),
            ("https://example.com/org/repo//", "/org/repo/info/refs?service=git-upload-pack"),
            ("https://example.com", "/info/refs?service=git-upload-pack"),
            ("HTTPS://Example.COM:8443/r.git", "/r.git/info/refs?service=git-upload-pack"),
        ] {
            let t = Target::info_refs(url).unwrap();
            assert_eq!(t.path_and_query, path, "{url}");
            assert_eq!(t.scheme, Scheme::Https);
        }
        let t = Target::info_refs("HTTPS://Example.COM:8443/r.git").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.authority()), ("example.com", 8443, "example.com:8443".to_string()));
        let t = Target::info_refs("http://[::1]:8080/r.git").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.authority()), ("::1", 8080, "[::1]:8080".to_string()));
        assert_eq!(Target::info_refs("http://127.0.0.1/r").unwrap().port, 80);
        assert!(Target::info_refs("https://user:tok@example.com/r.git").unwrap_err().contains("not in the URL"));
        assert!(Target::info_refs("https://example.com/r.git?x=1").unwrap_err().contains("query"));
        assert!(Target::info_refs("https://example.com/r.git#frag").is_err());
        assert!(Target::info_refs("https:///r.git").is_err());
    }

    #[test]
    fn redirects_resolve_and_origins_compare_scheme_host_and_port() {
        let base = Target::info_refs("https://git.example.com/org/repo.git").unwrap();
        let abs = base.follow("https://mirror.example.com/x/repo.git/info/refs?service=git-upload-pack").unwrap();
        assert_eq!(abs.host, "mirror.example.com");
        assert!(!abs.same_origin(&base));
        let path = base.follow("/moved/repo.git/info/refs?service=git-upload-pack").unwrap();
        assert!(path.same_origin(&base));
        assert_eq!(path.path_and_query, "/moved/repo.git/info/refs?service=git-upload-pack");
        let relative = base.follow("refs2").unwrap();
        assert_eq!(relative.path_and_query, "/org/repo.git/info/refs2");
        let scheme_relative = base.follow("//other.example.com/r").unwrap();
        assert_eq!((scheme_relative.scheme, scheme_relative.host.as_str()), (Scheme::Https, "other.example.com"));
        assert!(!base.follow("http://git.example.com/org/repo.git/info/refs").unwrap().same_origin(&base), "a downgrade is another origin");
        assert!(!base.follow("https://git.example.com:444/org").unwrap().same_origin(&base), "another port is another origin");
        assert!(base.follow("https://GIT.example.com:443/org").unwrap().same_origin(&base));
        assert!(base.follow("ftp://example.com/r").unwrap_err().contains("not http"));
    }

    fn basic(token: &str) -> GitCredentials {
        GitCredentials::Basic { username: "ci".into(), token: SecretValue::new(token) }
    }

    fn reason(outcome: GitProbeOutcome) -> String {
        match outcome {
            GitProbeOutcome::Unreachable { reason } => reason,
            other => panic!("expected unreachable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_is_never_sent_in_clear_text_to_a_remote_host() {
        // Plain http only under a local installation's policy; even there a token goes over it
        // only to this machine. Refused before any lookup: the host does not even exist.
        let remote = SmartHttpGitRemote::default().with_policy(UrlPolicy::LOCAL);
        let r = reason(remote.probe("http://git.example.invalid/org/repo.git", "main", &basic("tok-sec-123")).await);
        assert!(r.contains("credentials over http") && r.contains("only over https"), "{r}");
        assert!(!r.contains("tok-sec-123"));
        // Public repositories over http are probed (this host does not exist: however the
        // resolver fails, it is not the clear-text refusal).
        let r = reason(remote.probe("http://git.example.invalid/org/repo.git", "main", &GitCredentials::None).await);
        assert!(!r.contains("only over https"), "{r}");
        // The AWS functions' default refuses plain http altogether.
        let r = reason(SmartHttpGitRemote::default().probe("http://git.example.invalid/org/repo.git", "main", &GitCredentials::None).await);
        assert!(r.contains("local scheme"), "{r}");
    }

    #[tokio::test]
    async fn ssh_git_and_file_urls_get_an_honest_answer() {
        let remote = SmartHttpGitRemote::default();
        let key = GitCredentials::DeployKey { private_key: SecretValue::new("-----BEGIN OPENSSH PRIVATE KEY-----") };
        for url in ["git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git", "git@127.0.0.1:org/repo.git"] {
            let r = reason(remote.probe(url, "main", &key).await);
            assert!(r.contains("SSH") && r.contains("deploy key"), "{url}: {r}");
            assert!(!r.contains("PRIVATE"));
        }
        assert!(reason(remote.probe("git://127.0.0.1:1/repo.git", "main", &GitCredentials::None).await).contains("git://"));
        assert!(reason(remote.probe("file:///tmp/repo.git", "main", &GitCredentials::None).await).contains("local installation"));
        assert!(reason(remote.probe("https://github.com/org/repo.git", "main", &key).await).contains("SSH repository URLs"));
    }

    #[test]
    fn url_kinds() {
        assert_eq!(scheme_of("https://a/b"), UrlKind::Http);
        assert_eq!(scheme_of("HTTP://a/b"), UrlKind::Http);
        assert_eq!(scheme_of("git@host:org/r.git"), UrlKind::Ssh);
        assert_eq!(scheme_of("host:org/r.git"), UrlKind::Ssh);
        assert_eq!(scheme_of("ssh://git@host/r"), UrlKind::Ssh);
        assert_eq!(scheme_of("git://host/r"), UrlKind::GitDaemon);
        assert_eq!(scheme_of("file:///r"), UrlKind::File);
        assert_eq!(scheme_of("/srv/repo.git"), UrlKind::Other);
        assert_eq!(scheme_of("ftp://host/r"), UrlKind::Other);
        assert_eq!(scheme_of("é://ünïcödé"), UrlKind::Other);
    }

    #[test]
    fn reasons_are_scrubbed_of_the_token_and_its_header() {
        let creds = basic("tok-sec-123");
        let header = base64::engine::general_purpose::STANDARD.encode("ci:tok-sec-123");
        let s = Redactor::for_git("https://ci:pw-55aa@git.example/r.git", &creds)
            .text(&format!("server said tok-sec-123 and Authorization: Basic {header} for https://ci:pw-55aa@git.example/r.git"));
        assert_eq!(s, "server said **** and Authorization: Basic **** for https://ci:****@git.example/r.git");
        assert!(format!("{:?}", SmartHttpGitRemote::default()).contains("SmartHttpGitRemote"));
    }
}
