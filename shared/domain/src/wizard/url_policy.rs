//! The repository URL policy: which repositories a host may clone from, and the rule that
//! refuses the others. Connector code is hostile, and so may be the URL a tenant types: a URL
//! that reaches the portal's own machine, its cloud metadata service (169.254.169.254) or a
//! company network would let one tenant use the portal to read what it cannot reach itself.
//!
//! The policy is checked twice. At the wizard, on the text (scheme, option-like hosts and
//! paths, literal addresses, `localhost`). At every connection (connection test, clone), by the
//! adapters, on every address the host name resolves to — and the adapters pin the connection
//! to the addresses they checked and do not follow redirects, so DNS cannot change the answer
//! in between (docs/ARCHITECTURE.md, "Threat model").
//!
//! This module is pure: it decides; resolving names is the adapters' job.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a host accepts beyond public `https://` (and `ssh` for deploy keys) repositories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlPolicy {
    /// `file://`, `git://` and plain `http://` URLs, and hosts on this machine (loopback):
    /// a local installation started with `--allow-local-repos`. Never on AWS.
    pub allow_local_repos: bool,
    /// Hosts in private address ranges (a company's internal Git server):
    /// `--allow-private-networks`.
    pub allow_private_networks: bool,
}

impl UrlPolicy {
    /// Public `https://` (and `ssh` deploy-key) repositories only: AWS, and the local default.
    pub const STRICT: UrlPolicy = UrlPolicy { allow_local_repos: false, allow_private_networks: false };
    /// Also repositories on this machine: a local installation with `--allow-local-repos`.
    pub const LOCAL: UrlPolicy = UrlPolicy { allow_local_repos: true, allow_private_networks: false };
}

/// The rule that refused a repository URL; its message names the rule and, where one exists,
/// the switch that allows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlRule {
    /// `file://`, `git://` or `http://` without `--allow-local-repos`.
    LocalScheme { scheme: String },
    /// A host or path that git or ssh would read as an option (`-oProxyCommand=…`).
    OptionLike,
    /// Basic credentials over plain http to another machine.
    CredentialsOverHttp,
    /// 127.0.0.0/8, ::1, `localhost`.
    Loopback { address: String },
    /// 169.254.0.0/16 (cloud metadata services), fe80::/10.
    LinkLocal { address: String },
    /// 0.0.0.0, ::.
    Unspecified { address: String },
    /// 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7.
    Private { address: String },
    /// Multicast, broadcast, documentation and reserved ranges.
    Reserved { address: String },
}

impl UrlRule {
    /// The stable machine code of the rule (the `code` of the field error).
    pub fn code(&self) -> &'static str {
        match self {
            UrlRule::LocalScheme { .. } => "local_scheme_not_allowed",
            UrlRule::OptionLike => "option_like_url",
            UrlRule::CredentialsOverHttp => "credentials_over_http",
            UrlRule::Loopback { .. } => "loopback_address",
            UrlRule::LinkLocal { .. } => "link_local_address",
            UrlRule::Unspecified { .. } => "unspecified_address",
            UrlRule::Private { .. } => "private_address",
            UrlRule::Reserved { .. } => "reserved_address",
        }
    }
}

impl std::fmt::Display for UrlRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by the repository URL policy, rule ")?;
        match self {
            UrlRule::LocalScheme { scheme } => write!(
                f,
                "`local scheme`: {scheme}:// repositories are accepted only by a local installation started with --allow-local-repos; use https://"
            ),
            UrlRule::OptionLike => f.write_str("`option-like`: a host or path starting with `-` would be read as a command option"),
            UrlRule::CredentialsOverHttp => {
                f.write_str("`credentials over http`: basic credentials are sent only over https:// (or to this machine)")
            }
            UrlRule::Loopback { address } => {
                write!(f, "`loopback`: {address} is the portal's own machine (allowed only with --allow-local-repos on a local installation)")
            }
            UrlRule::LinkLocal { address } => {
                write!(f, "`link-local`: {address} is a link-local address (such as a cloud metadata service), never allowed")
            }
            UrlRule::Unspecified { address } => write!(f, "`unspecified`: {address} is not a host address"),
            UrlRule::Private { address } => write!(
                f,
                "`private network`: {address} is in a private address range (allowed only when the portal is started with --allow-private-networks)"
            ),
            UrlRule::Reserved { address } => {
                write!(f, "`reserved`: {address} is a multicast, broadcast or reserved address, not a repository host")
            }
        }
    }
}

/// Where a repository URL connects: the scheme, the host (without brackets) and the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHost {
    pub scheme: &'static str,
    pub host: String,
    pub port: u16,
}

/// The host a URL connects to; `None` for `file://` (no network) and for text that is no URL.
pub fn remote_host(url: &str) -> Option<RemoteHost> {
    let (scheme, default_port, rest) = if let Some(r) = url.strip_prefix("https://") {
        ("https", 443, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        ("http", 80, r)
    } else if let Some(r) = url.strip_prefix("git://") {
        ("git", 9418, r)
    } else if let Some(r) = url.strip_prefix("ssh://") {
        ("ssh", 22, r)
    } else if let Some((user_host, _path)) = url.split_once(':').filter(|_| !url.contains("://")) {
        // scp-like `user@host:path`
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        return (!host.is_empty()).then(|| RemoteHost { scheme: "ssh", host: host.to_string(), port: 22 });
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().ok()?,
    };
    (!host.is_empty()).then(|| RemoteHost { scheme, host: host.to_ascii_lowercase(), port })
}

impl UrlPolicy {
    /// The checks that need no name resolution: scheme, option-like hosts, literal addresses
    /// and `localhost`. `basic`: the URL will carry basic credentials.
    pub fn check_url(&self, url: &str, basic: bool) -> Result<(), UrlRule> {
        for scheme in ["file", "git", "http"] {
            if url.starts_with(&format!("{scheme}://")) && !self.allow_local_repos {
                return Err(UrlRule::LocalScheme { scheme: scheme.into() });
            }
        }
        let Some(remote) = remote_host(url) else { return Ok(()) };
        if remote.host.starts_with('-') {
            return Err(UrlRule::OptionLike);
        }
        if let Ok(ip) = remote.host.parse::<IpAddr>() {
            self.check_address(ip)?;
        } else if remote.host == "localhost" || remote.host.ends_with(".localhost") {
            self.check_address(IpAddr::V4(Ipv4Addr::LOCALHOST))?;
        }
        if basic && remote.scheme == "http" && !is_local_name_or_loopback(&remote.host) {
            return Err(UrlRule::CredentialsOverHttp);
        }
        Ok(())
    }

    /// Whether a connection may go to `ip` (every address a host name resolves to, and every
    /// redirect target, is checked).
    pub fn check_address(&self, ip: IpAddr) -> Result<(), UrlRule> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        let address = ip.to_string();
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Loopback if self.allow_local_repos => Ok(()),
            AddressClass::Loopback => Err(UrlRule::Loopback { address }),
            AddressClass::Private if self.allow_private_networks => Ok(()),
            AddressClass::Private => Err(UrlRule::Private { address }),
            AddressClass::LinkLocal => Err(UrlRule::LinkLocal { address }),
            AddressClass::Unspecified => Err(UrlRule::Unspecified { address }),
            AddressClass::Reserved => Err(UrlRule::Reserved { address }),
        }
    }

    /// The check at connection time, on every address the URL's host resolved to (a literal
    /// address is its own answer): all must pass, and basic credentials over plain http must
    /// stay on this machine. Answers the pin for git's `http.curloptResolve`
    /// (`host:port:addr[,addr…]`) when the URL is http(s) to a host name, so git connects to
    /// exactly the addresses checked here. The error is the refusing rule's message.
    pub fn check_resolved(&self, url: &str, addresses: &[IpAddr], basic: bool) -> Result<Option<String>, String> {
        let Some(remote) = remote_host(url) else { return Ok(None) };
        if addresses.is_empty() {
            return Err(format!("the repository host `{}` could not be resolved: check the URL", remote.host));
        }
        for ip in addresses {
            self.check_address(*ip).map_err(|rule| format!("{rule} (`{}` resolves to {ip})", remote.host))?;
            if basic && remote.scheme == "http" && !Self::credentials_over_http_allowed(*ip) {
                return Err(UrlRule::CredentialsOverHttp.to_string());
            }
        }
        if !matches!(remote.scheme, "http" | "https") || remote.host.parse::<IpAddr>().is_ok() {
            return Ok(None);
        }
        let list = addresses.iter().map(|ip| if ip.is_ipv6() { format!("[{ip}]") } else { ip.to_string() }).collect::<Vec<_>>().join(",");
        Ok(Some(format!("{}:{}:{list}", remote.host, remote.port)))
    }

    /// Whether basic credentials may be sent to `ip` over plain http (only to this machine).
    pub fn credentials_over_http_allowed(ip: IpAddr) -> bool {
        matches!(classify(ip), AddressClass::Loopback)
    }
}

fn is_local_name_or_loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| matches!(classify(ip), AddressClass::Loopback))
}

enum AddressClass {
    Public,
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    Reserved,
}

fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddressClass::Private
    } else if a == 0 || ip.is_multicast() || ip.is_broadcast() || ip.is_documentation() || a >= 240 || (a == 198 && (b == 18 || b == 19)) {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Private
    } else if ip.is_multicast() || first == 0x2001 && ip.segments()[1] == 0x0db8 || first & 0xe000 != 0x2000 {
        // Outside 2000::/3 (global unicast) nothing is a public repository host.
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(policy: UrlPolicy, url: &str) -> Option<&'static str> {
        policy.check_url(url, false).err().map(|r| r.code())
    }

    #[test]
    fn local_schemes_need_the_local_switch() {
        for url in ["file:///tmp/r.git", "git://example.com/r.git", "http://example.com/r.git"] {
            assert_eq!(rule(UrlPolicy::STRICT, url), Some("local_scheme_not_allowed"), "{url}");
            assert_eq!(rule(UrlPolicy::LOCAL, url), None, "{url}");
        }
        assert_eq!(rule(UrlPolicy::STRICT, "https://github.com/org/r.git"), None);
    }

    #[test]
    fn literal_addresses_are_classified() {
        let cases = [
            ("https://127.0.0.1/r.git", Some("loopback_address")),
            ("https://localhost/r.git", Some("loopback_address")),
            ("https://[::1]:8443/r.git", Some("loopback_address")),
            ("https://169.254.169.254/latest/meta-data", Some("link_local_address")),
            ("https://[fe80::1]/r.git", Some("link_local_address")),
            ("https://0.0.0.0/r.git", Some("unspecified_address")),
            ("https://[::]/r.git", Some("unspecified_address")),
            ("https://10.1.2.3/r.git", Some("private_address")),
            ("https://172.20.0.1/r.git", Some("private_address")),
            ("https://192.168.1.1/r.git", Some("private_address")),
            ("https://[fd00::1]/r.git", Some("private_address")),
            ("https://[::ffff:169.254.169.254]/r.git", Some("link_local_address")),
            ("https://224.0.0.1/r.git", Some("reserved_address")),
            ("https://140.82.112.3/org/r.git", None),
            ("git@10.0.0.1:org/r.git", Some("private_address")),
            ("ssh://git@[::1]:22/org/r.git", Some("loopback_address")),
        ];
        for (url, want) in cases {
            assert_eq!(rule(UrlPolicy::STRICT, url), want, "{url}");
        }
        // The switches: loopback with --allow-local-repos, private with --allow-private-networks;
        // link-local and unspecified never.
        assert_eq!(rule(UrlPolicy::LOCAL, "http://127.0.0.1:8080/r.git"), None);
        let private = UrlPolicy { allow_local_repos: false, allow_private_networks: true };
        assert_eq!(rule(private, "https://10.1.2.3/r.git"), None);
        let all = UrlPolicy { allow_local_repos: true, allow_private_networks: true };
        assert_eq!(rule(all, "http://169.254.169.254/"), Some("link_local_address"));
        assert_eq!(rule(all, "http://0.0.0.0/"), Some("unspecified_address"));
    }

    #[test]
    fn option_like_hosts_and_basic_over_http_are_refused() {
        assert_eq!(rule(UrlPolicy::STRICT, "git@-oProxyCommand=x:org/r.git"), Some("option_like_url"));
        assert_eq!(rule(UrlPolicy::STRICT, "ssh://-oProxyCommand=x/r.git"), Some("option_like_url"));
        assert_eq!(UrlPolicy::LOCAL.check_url("http://git.example.com/r.git", true).unwrap_err().code(), "credentials_over_http");
        assert!(UrlPolicy::LOCAL.check_url("http://127.0.0.1:9000/r.git", true).is_ok());
        assert!(UrlPolicy::LOCAL.check_url("https://git.example.com/r.git", true).is_ok());
    }

    #[test]
    fn messages_name_the_rule() {
        let e = UrlPolicy::STRICT.check_url("https://169.254.169.254/", false).unwrap_err();
        assert!(e.to_string().contains("rule `link-local`"), "{e}");
        let e = UrlPolicy::STRICT.check_url("https://127.0.0.1/", false).unwrap_err();
        assert!(e.to_string().contains("--allow-local-repos"), "{e}");
    }

    #[test]
    fn resolved_addresses_are_all_checked_and_pinned() {
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        let p = UrlPolicy::STRICT;
        assert_eq!(
            p.check_resolved("https://git.example.com/r.git", &[v4("140.82.112.3"), v4("2606:50c0::1")], false),
            Ok(Some("git.example.com:443:140.82.112.3,[2606:50c0::1]".into()))
        );
        let e = p.check_resolved("https://git.example.com/r.git", &[v4("140.82.112.3"), v4("169.254.169.254")], false).unwrap_err();
        assert!(e.contains("rule `link-local`") && e.contains("resolves to 169.254.169.254"), "{e}");
        assert!(p.check_resolved("https://git.example.com/r.git", &[], false).unwrap_err().contains("could not be resolved"));
        assert_eq!(p.check_resolved("https://140.82.112.3/r.git", &[v4("140.82.112.3")], false), Ok(None), "a literal needs no pin");
        assert_eq!(p.check_resolved("git@github.com:org/r.git", &[v4("140.82.112.3")], false), Ok(None), "ssh is checked, not pinned");
        let local = UrlPolicy::LOCAL;
        assert!(local.check_resolved("http://git.internal/r.git", &[v4("127.0.0.1")], true).is_ok());
        assert!(local.check_resolved("http://2130706433/r.git", &[v4("127.0.0.1")], true).is_ok());
        let e = UrlPolicy { allow_local_repos: true, allow_private_networks: true }
            .check_resolved("http://git.internal/r.git", &[v4("10.0.0.5")], true)
            .unwrap_err();
        assert!(e.contains("credentials over http"), "{e}");
    }

    #[test]
    fn remote_hosts_are_parsed() {
        assert_eq!(remote_host("https://H.example:8443/a"), Some(RemoteHost { scheme: "https", host: "h.example".into(), port: 8443 }));
        assert_eq!(remote_host("git@github.com:org/r.git"), Some(RemoteHost { scheme: "ssh", host: "github.com".into(), port: 22 }));
        assert_eq!(remote_host("https://u:p@[::1]/r"), Some(RemoteHost { scheme: "https", host: "::1".into(), port: 443 }));
        assert_eq!(remote_host("file:///tmp/r"), None);
    }
}
