//! Step 2, version control: where the source lives and how the portal authenticates to it.

use crate::secret::{SecretRef, SecretValue};
use crate::validation::{check_line, ValidationErrors};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Authorization {
    Public,
    Basic,
    DeployKey,
}

/// A generated SSH key pair: the public half is shown, the private half is a stored secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployKey {
    pub public: String,
    pub private: SecretRef,
}

/// The stored version-control configuration. Holds references, never secret values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcsConfig {
    pub authorization: Authorization,
    pub url: String,
    pub branch: String,
    pub username: Option<String>,
    pub token: Option<SecretRef>,
    pub deploy_key: Option<DeployKey>,
}

impl VcsConfig {
    pub fn missing(&self) -> Vec<String> {
        let mut missing = vec![];
        if self.url.is_empty() {
            missing.push("repository URL".to_string());
        }
        match self.authorization {
            Authorization::Public => {}
            Authorization::Basic => {
                if self.username.is_none() {
                    missing.push("username".into());
                }
                if self.token.is_none() {
                    missing.push("token".into());
                }
            }
            Authorization::DeployKey => {
                if self.deploy_key.is_none() {
                    missing.push("deploy key".into());
                }
            }
        }
        missing
    }
}

pub use super::url_policy::UrlPolicy;

/// A validated `PUT …/steps/vcs`.
#[derive(Clone, Debug, PartialEq)]
pub struct VcsUpdate {
    pub authorization: Authorization,
    pub url: String,
    pub branch: String,
    pub username: Option<String>,
    /// A new token to store (basic only); `None` keeps the stored one.
    pub new_token: Option<SecretValue>,
}

pub const DEFAULT_BRANCH: &str = "main";

impl VcsUpdate {
    /// `has_stored_token`: whether the version already holds a token, so basic may omit it.
    pub fn parse(
        authorization: Option<Authorization>,
        url: Option<&str>,
        branch: Option<&str>,
        username: Option<&str>,
        token: Option<&str>,
        has_stored_token: bool,
        policy: UrlPolicy,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let Some(authorization) = authorization else {
            errors.push("authorization", "required", "`authorization` is required: public, basic or deploy-key");
            if url.is_none() {
                errors.push("url", "required", "`url` is required");
            }
            return Err(errors);
        };
        let url = url.unwrap_or("").trim().to_string();
        check_line(&mut errors, "url", &url, true, 500);
        if errors.is_empty() {
            if let Err(msg) = check_url(authorization, &url, policy) {
                errors.push("url", "invalid_url", msg);
            } else if let Err(rule) = policy.check_url(&url, authorization == Authorization::Basic) {
                errors.push("url", rule.code(), rule.to_string());
            }
        }
        let branch = branch.map(str::trim).filter(|b| !b.is_empty()).unwrap_or(DEFAULT_BRANCH).to_string();
        if let Err(msg) = check_branch(&branch) {
            errors.push("branch", "invalid_branch", msg);
        }
        let mut parsed_username = None;
        let mut new_token = None;
        match authorization {
            Authorization::Basic => {
                let u = username.unwrap_or("").trim();
                check_line(&mut errors, "username", u, true, 200);
                parsed_username = Some(u.to_string());
                match token {
                    Some(t) if t.is_empty() || t.len() > 1000 || t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                        errors.push("token", "invalid_format", "`token` must be 1 to 1000 characters without spaces");
                    }
                    Some(t) => new_token = Some(SecretValue::new(t)),
                    None if !has_stored_token => {
                        errors.push("token", "required", "`token` is required for basic authorization");
                    }
                    None => {}
                }
            }
            Authorization::Public | Authorization::DeployKey => {
                if token.is_some() {
                    errors.push("token", "not_applicable", "`token` applies only to basic authorization");
                }
            }
        }
        errors.finish(VcsUpdate { authorization, url, branch, username: parsed_username, new_token })
    }
}

/// The shape of the URL for its authorization; the policy's rules come after
/// ([`UrlPolicy::check_url`]).
fn check_url(authorization: Authorization, url: &str, policy: UrlPolicy) -> Result<(), String> {
    if url.starts_with('-') || url.chars().any(char::is_whitespace) {
        return Err("the repository URL must not start with `-` or contain spaces".into());
    }
    match authorization {
        Authorization::DeployKey => {
            if is_scp_like_ssh(url) || url.starts_with("ssh://") && host_of(&url["ssh://".len()..]).is_some() {
                Ok(())
            } else {
                Err("a deploy-key repository URL looks like git@host:org/repo.git".into())
            }
        }
        Authorization::Public | Authorization::Basic => {
            let local = ["file://", "git://", "http://"];
            if let Some(rest) = url.strip_prefix("https://") {
                let Some(host) = host_of(rest) else {
                    return Err("the repository URL needs a host, like https://github.com/org/repo.git".into());
                };
                if host.contains('@') {
                    return Err("put credentials in `username` and `token`, not in the URL".into());
                }
                Ok(())
            } else if local.iter().any(|p| url.starts_with(p)) {
                // Whether the scheme is allowed at all is the policy's rule.
                if url.starts_with("file://") || url.split("://").nth(1).and_then(host_of).is_some_and(|h| !h.contains('@')) {
                    Ok(())
                } else {
                    Err("the repository URL needs a host (and credentials go in `username` and `token`)".into())
                }
            } else if policy.allow_local_repos {
                Err("the repository URL must start with https:// (or file://, git://, http:// on a local installation)".into())
            } else {
                Err("the repository URL must start with https://".into())
            }
        }
    }
}

/// The authority part of `host[:port]/path`, if non-empty.
fn host_of(rest: &str) -> Option<&str> {
    let host = rest.split('/').next().unwrap_or("");
    (!host.is_empty()).then_some(host)
}

/// `user@host:path` as Git's scp-like syntax.
fn is_scp_like_ssh(url: &str) -> bool {
    let Some((user_host, path)) = url.split_once(':') else { return false };
    let Some((user, host)) = user_host.split_once('@') else { return false };
    // Neither host nor path may start with `-`: ssh and git would read them as options.
    let word = |s: &str| !s.is_empty() && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    word(user) && word(host) && !path.is_empty() && !path.starts_with('-')
}

/// Git's rules for a branch name (`git check-ref-format --branch`), enforced before any
/// command sees it.
pub fn check_branch(branch: &str) -> Result<(), String> {
    let bad = branch.is_empty()
        || branch.len() > 255
        || branch.starts_with('-')
        || branch.starts_with('/')
        || branch.ends_with('/')
        || branch.ends_with('.')
        || branch.ends_with(".lock")
        || branch.contains("..")
        || branch.contains("@{")
        || branch.contains("//")
        || branch == "@"
        || branch.chars().any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
        || branch.split('/').any(|part| part.starts_with('.'));
    if bad {
        Err(format!("`{branch}` is not a valid Git branch name"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(auth: Authorization, url: &str, token: Option<&str>) -> Result<VcsUpdate, ValidationErrors> {
        VcsUpdate::parse(Some(auth), Some(url), None, Some("ci"), token, false, UrlPolicy::STRICT)
    }

    #[test]
    fn public_needs_https_and_defaults_the_branch_to_main() {
        let v = parse(Authorization::Public, "https://github.com/org/repo.git", None).unwrap();
        assert_eq!(v.branch, "main");
        assert_eq!(v.username, None, "a username is only kept for basic");
        for bad in ["http://github.com/x", "git@github.com:org/repo.git", "ftp://x", "https://", "-upload-pack=x"] {
            let e = parse(Authorization::Public, bad, None).unwrap_err();
            assert_eq!(e.fields[0].field, "url", "{bad}");
        }
    }

    #[test]
    fn local_installations_also_accept_file_and_git_daemon_urls() {
        for ok in ["file:///tmp/repo.git", "git://127.0.0.1:9418/repo.git", "http://127.0.0.1:8000/repo.git"] {
            VcsUpdate::parse(Some(Authorization::Public), Some(ok), None, None, None, false, UrlPolicy::LOCAL).unwrap();
            let e = VcsUpdate::parse(Some(Authorization::Public), Some(ok), None, None, None, false, UrlPolicy::STRICT).unwrap_err();
            assert_eq!(e.fields[0].code, "local_scheme_not_allowed", "{ok}");
        }
    }

    #[test]
    fn the_url_policy_names_its_rule_at_the_wizard() {
        let e = parse(Authorization::Public, "https://169.254.169.254/latest/meta-data", None).unwrap_err();
        assert_eq!((e.fields[0].field.as_str(), e.fields[0].code.as_str()), ("url", "link_local_address"));
        assert!(e.fields[0].message.contains("rule `link-local`"), "{}", e.fields[0].message);
        let e =
            VcsUpdate::parse(Some(Authorization::Basic), Some("http://git.example.com/r.git"), None, Some("u"), Some("t"), false, UrlPolicy::LOCAL)
                .unwrap_err();
        assert_eq!(e.fields[0].code, "credentials_over_http");
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        let e = parse(Authorization::Basic, "https://user:pw@github.com/org/repo.git", Some("t")).unwrap_err();
        assert!(e.fields[0].message.contains("token"));
    }

    #[test]
    fn basic_needs_username_and_token_unless_one_is_stored() {
        let e = VcsUpdate::parse(Some(Authorization::Basic), Some("https://h/r.git"), None, None, None, false, UrlPolicy::STRICT).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["username", "token"]);
        let kept = VcsUpdate::parse(Some(Authorization::Basic), Some("https://h/r.git"), None, Some("u"), None, true, UrlPolicy::STRICT).unwrap();
        assert!(kept.new_token.is_none());
        let new = parse(Authorization::Basic, "https://h/r.git", Some("s3cret")).unwrap();
        assert_eq!(new.new_token.unwrap().expose(), "s3cret");
    }

    #[test]
    fn a_token_is_refused_for_public_and_deploy_key() {
        let e = parse(Authorization::Public, "https://h/r.git", Some("t")).unwrap_err();
        assert_eq!((e.fields[0].field.as_str(), e.fields[0].code.as_str()), ("token", "not_applicable"));
    }

    #[test]
    fn deploy_keys_need_ssh_urls() {
        parse(Authorization::DeployKey, "git@github.com:org/repo.git", None).unwrap();
        parse(Authorization::DeployKey, "ssh://git@host:2222/org/repo.git", None).unwrap();
        assert!(parse(Authorization::DeployKey, "https://github.com/org/repo.git", None).is_err());
        assert!(parse(Authorization::DeployKey, "git@github.com", None).is_err());
        for bad in ["git@-oProxyCommand=x:org/repo.git", "git@github.com:-upload-pack=x", "ssh://-oProxyCommand=x/repo.git"] {
            let e = parse(Authorization::DeployKey, bad, None).unwrap_err();
            assert_eq!(e.fields[0].field, "url", "{bad}");
        }
    }

    #[test]
    fn missing_authorization_is_named() {
        let e = VcsUpdate::parse(None, None, None, None, None, false, UrlPolicy::STRICT).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["authorization", "url"]);
    }

    #[test]
    fn branch_names_follow_git_rules() {
        for ok in ["main", "release/1.2", "feature-x", "v1"] {
            assert!(check_branch(ok).is_ok(), "{ok}");
        }
        for bad in ["-x", "a..b", "a b", "x.lock", "a/", "/a", "a~1", "a:b", "@", "a@{1}", ".hidden", "a//b"] {
            assert!(check_branch(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn completeness_lists_what_is_missing() {
        let cfg = VcsConfig {
            authorization: Authorization::Basic,
            url: "https://h/r.git".into(),
            branch: "main".into(),
            username: Some("u".into()),
            token: None,
            deploy_key: None,
        };
        assert_eq!(cfg.missing(), ["token"]);
    }
}
