//! `GitRemote` through the `git` command line, run as an argument vector (never a shell).
//! Credentials never appear in arguments: a basic-auth token travels as an HTTP header set
//! through `GIT_CONFIG_*` environment variables; a deploy key is a private temporary file.
//!
//! Every connection obeys the repository URL policy (`devportal_domain::wizard::url_policy`):
//! [`check_remote`] resolves the host and checks every address before git runs, and git is
//! pinned to those addresses (`http.curloptResolve`) with redirects off
//! (`http.followRedirects=false`), so neither DNS nor a redirect can point it elsewhere.

use crate::process::{run_bounded, RunError};
use async_trait::async_trait;
use base64::Engine;
use devportal_domain::ports::{GitCredentials, GitProbeOutcome, GitRemote};
use devportal_domain::redact::Redactor;
use devportal_domain::wizard::url_policy::{remote_host, UrlPolicy};
use std::net::IpAddr;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Runs `git ls-remote` against the configured URL and branch.
#[derive(Clone, Debug)]
pub struct GitCli {
    pub program: String,
    pub timeout: Duration,
    /// Which repositories may be reached.
    pub policy: UrlPolicy,
}

impl GitCli {
    pub fn new(policy: UrlPolicy) -> Self {
        Self { program: "git".into(), timeout: Duration::from_secs(20), policy }
    }
}

/// A repository URL that passed the policy at connection time: the git configuration that
/// keeps git on the addresses that were checked.
#[derive(Clone, Debug, Default)]
pub struct CheckedRemote {
    config: Vec<(String, String)>,
}

/// Resolves the URL's host and checks every address against `policy`
/// ([`UrlPolicy::check_resolved`]); the error is the refusing rule's message.
pub async fn check_remote(url: &str, policy: UrlPolicy, credentials: &GitCredentials) -> Result<CheckedRemote, String> {
    let basic = matches!(credentials, GitCredentials::Basic { .. });
    policy.check_url(url, basic).map_err(|r| r.to_string())?;
    // Redirects are never followed: git cannot check a redirect's target before connecting.
    let mut config = vec![("http.followRedirects".to_string(), "false".to_string())];
    let Some(remote) = remote_host(url) else { return Ok(CheckedRemote { config }) };
    let addresses = resolve(&remote.host, remote.port).await;
    if let Some(pin) = policy.check_resolved(url, &addresses, basic)? {
        config.push(("http.curloptResolve".to_string(), pin));
    }
    Ok(CheckedRemote { config })
}

/// The addresses of a host (a literal address is its own answer); empty when it does not resolve.
pub async fn resolve(host: &str, port: u16) -> Vec<IpAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![ip];
    }
    let mut ips: Vec<IpAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(found) => found.map(|a| a.ip()).collect(),
        Err(_) => vec![],
    };
    ips.dedup();
    ips
}

/// Environment that keeps git from prompting or reading a person's configuration.
pub fn isolated_git_env(cmd: &mut Command) {
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GCM_INTERACTIVE", "never")
        .env("LC_ALL", "C")
        // A transfer slower than 1 KB/s for 15 s is abandoned instead of hanging.
        .env("GIT_HTTP_LOW_SPEED_LIMIT", "1000")
        .env("GIT_HTTP_LOW_SPEED_TIME", "15");
}

/// Applies credentials and the checked remote's configuration to a git command, all through
/// `GIT_CONFIG_*` variables. Returns the temporary directory holding a deploy key, which must
/// live as long as the command.
pub fn apply_credentials(cmd: &mut Command, credentials: &GitCredentials, remote: &CheckedRemote) -> std::io::Result<Option<tempfile::TempDir>> {
    let mut config = vec![("credential.helper".to_string(), String::new())];
    config.extend(remote.config.iter().cloned());
    if let GitCredentials::Basic { username, token } = credentials {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", token.expose()));
        config.push(("http.extraHeader".to_string(), format!("Authorization: Basic {basic}")));
    }
    cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
    for (i, (key, value)) in config.into_iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{i}"), key).env(format!("GIT_CONFIG_VALUE_{i}"), value);
    }
    match credentials {
        GitCredentials::None | GitCredentials::Basic { .. } => Ok(None),
        GitCredentials::DeployKey { private_key } => {
            let dir = tempfile::Builder::new().prefix("devportal-key-").tempdir()?;
            let key_path = dir.path().join("id");
            write_private(&key_path, private_key.expose())?;
            let known_hosts = dir.path().join("known_hosts");
            // Both paths are ours (a fresh temporary directory), never user input.
            cmd.env(
                "GIT_SSH_COMMAND",
                format!(
                    "ssh -i '{}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='{}' -o ConnectTimeout=10",
                    key_path.display(),
                    known_hosts.display()
                ),
            );
            Ok(Some(dir))
        }
    }
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    if !content.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    Ok(())
}

#[async_trait]
impl GitRemote for GitCli {
    async fn probe(&self, url: &str, branch: &str, credentials: &GitCredentials) -> GitProbeOutcome {
        let remote = match check_remote(url, self.policy, credentials).await {
            Ok(r) => r,
            Err(refusal) => return unreachable(refusal),
        };
        let mut cmd = Command::new(&self.program);
        cmd.args(["ls-remote", "--exit-code", "--", url, &format!("refs/heads/{branch}")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        isolated_git_env(&mut cmd);
        let _key_dir = match apply_credentials(&mut cmd, credentials, &remote) {
            Ok(d) => d,
            Err(e) => return unreachable(format!("could not prepare the deploy key: {e}")),
        };
        let output = match run_bounded(&mut cmd, self.timeout).await {
            Err(RunError::TimedOut) => return unreachable(format!("no answer from the repository within {} s", self.timeout.as_secs())),
            Err(RunError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return unreachable("the git program is not installed on the portal host".into())
            }
            Err(RunError::Io(e)) => return unreachable(format!("could not run git: {e}")),
            Ok(o) => o,
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = Redactor::for_git(url, credentials).text(&String::from_utf8_lossy(&output.stderr));
        let code = output.status.code();
        if output.status.success() {
            let wanted = format!("refs/heads/{branch}");
            return match stdout.lines().filter_map(|l| l.split_once('\t')).find(|(_, r)| *r == wanted) {
                Some((sha, _)) => GitProbeOutcome::Reachable { commit: sha.trim().to_string() },
                None => unreachable(format!("branch `{branch}` does not exist in the repository")),
            };
        }
        if code == Some(2) {
            return unreachable(format!("branch `{branch}` does not exist in the repository"));
        }
        unreachable(explain(&stderr, code, credentials))
    }
}

fn unreachable(reason: String) -> GitProbeOutcome {
    GitProbeOutcome::Unreachable { reason }
}

/// Turns git's stderr into a reason a developer can act on.
pub fn explain(stderr: &str, code: Option<i32>, credentials: &GitCredentials) -> String {
    let s = stderr.to_ascii_lowercase();
    let has = |needle: &str| s.contains(needle);
    if ["301", "302", "303", "307", "308"].iter().any(|c| has(&format!("returned error: {c}"))) {
        "the repository host answered with a redirect, which the repository URL policy does not follow: use the repository's final URL".into()
    } else if has("could not resolve host") || has("name or service not known") || has("temporary failure in name resolution") {
        "the repository host could not be resolved: check the URL".into()
    } else if has("permission denied (publickey") {
        "the deploy key was refused: add the public key to the repository's deploy keys".into()
    } else if has("host key verification failed") {
        "the host's SSH key could not be verified".into()
    } else if has("authentication failed") || has("terminal prompts disabled") || has("could not read username") || has(" 401") || has(" 403") {
        match credentials {
            GitCredentials::Basic { .. } => "authentication failed: check the username and token (and the token's read access)".into(),
            _ => "the repository needs credentials: choose basic authorization or a deploy key".into(),
        }
    } else if has("repository not found")
        || has("does not appear to be a git repository")
        || has("not found")
        || has("no such file")
        || has("no such repository")
    {
        "repository not found at this URL (or not visible with these credentials)".into()
    } else if has("connection refused") || has("couldn't connect to server") {
        "the repository host refused the connection".into()
    } else if has("operation too slow") {
        "no answer from the repository host: nothing arrived for 15 s".into()
    } else if has("timed out") {
        "the connection to the repository host timed out".into()
    } else {
        let first = stderr.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no output");
        format!("git ls-remote failed (exit code {}): {first}", code.map_or("none".into(), |c| c.to_string()))
    }
}
