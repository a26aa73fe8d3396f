//! The one redactor: replaces secret values with [`MASK_SHORT`] (`****`) in everything a run
//! leaves behind — log messages and contexts, output rows, stdout / stderr, progress — before
//! it is stored, so nothing downstream (the store, downloads, the live view) sees them.
//!
//! Two layers (docs/ARCHITECTURE.md, "Secrets in run output"):
//! 1. **known values**: every secret the run was given, plus the forms a program commonly
//!    prints them in (base64, URL-encoded, JSON-escaped), each line of a multi-line value
//!    separately; matched all at once with Aho–Corasick, longest first.
//! 2. **patterns** for secrets a connector fetched itself: `Bearer …`, AWS access key ids,
//!    GitHub tokens, JWTs, `scheme://user:password@`.
//!
//! Values shorter than [`MIN_SECRET_CHARS`] are not masked (masking `1` would destroy every
//! number in the log); the run page says so. Masking is idempotent.
//!
//! Every text that leaves an adapter or a log path goes through this type: run output, job
//! log lines (the version's Git token, a URL's password), Git probe and clone messages on
//! both backends, CodeBuild log lines. One mask for all of them, [`MASK_SHORT`]; the longer
//! [`crate::secret::MASK`] is only the placeholder a *record* shows for a stored secret
//! (wizard answers, run requests), never what a log line's secret becomes.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

use crate::ports::GitCredentials;

/// What a masked secret becomes in run output (PRODUCT.md §8).
pub const MASK_SHORT: &str = "****";

/// Secret values shorter than this are not searched for.
pub const MIN_SECRET_CHARS: usize = 4;

/// Masks a fixed set of secret values and the well-known secret patterns.
#[derive(Clone)]
pub struct Redactor {
    known: Option<AhoCorasick>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(***)")
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new(std::iter::empty::<&str>())
    }
}

impl Redactor {
    /// A redactor for these secret values (and their encoded forms).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = Vec::new();
        for secret in secrets {
            for part in std::iter::once(secret).chain(secret.lines()) {
                let part = part.trim_end_matches('\r');
                if part.chars().count() < MIN_SECRET_CHARS {
                    continue;
                }
                needles.push(part.to_string());
                needles.push(STANDARD.encode(part));
                needles.push(URL_SAFE_NO_PAD.encode(part));
                needles.push(url_encode(part));
                let json = serde_json::to_string(part).unwrap_or_default();
                needles.push(json[1..json.len() - 1].to_string());
            }
        }
        needles.retain(|n| n.chars().count() >= MIN_SECRET_CHARS);
        needles.sort();
        needles.dedup();
        let known = (!needles.is_empty())
            .then(|| AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).build(&needles).expect("literal patterns always build"));
        Self { known }
    }

    /// A redactor for everything a Git operation on `url` with `credentials` may print: the
    /// token, `username:token` (and so the `Authorization: Basic` value, its base64), the
    /// URL's password and the deploy key's body lines (its `-----BEGIN …` framing is not
    /// secret and stays readable).
    pub fn for_git(url: &str, credentials: &GitCredentials) -> Self {
        let mut secrets: Vec<String> = Vec::new();
        match credentials {
            GitCredentials::None => {}
            GitCredentials::Basic { username, token } => {
                secrets.push(token.expose().to_string());
                secrets.push(format!("{username}:{}", token.expose()));
            }
            GitCredentials::DeployKey { private_key } => {
                secrets.extend(private_key.expose().lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).map(str::to_string))
            }
        }
        secrets.extend(url_password(url));
        Self::new(secrets.iter().map(String::as_str))
    }

    /// `text` with every known secret and every secret pattern masked.
    pub fn text(&self, text: &str) -> String {
        let known = match &self.known {
            Some(ac) => ac.replace_all(text, &vec![MASK_SHORT; ac.patterns_len()]),
            None => text.to_string(),
        };
        mask_patterns(&known)
    }

    /// Every string inside a JSON value (keys too), masked.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (self.text(k), self.json(v))).collect()),
            other => other.clone(),
        }
    }
}

/// The password of `scheme://user:password@host/…`, if any.
pub fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    userinfo.split_once(':').map(|(_, p)| p.to_string()).filter(|p| !p.is_empty())
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Secret patterns a connector may print without the portal knowing the value.
fn mask_patterns(text: &str) -> String {
    let mut out = text.to_string();
    out = mask_after_word(&out, "bearer ");
    out = mask_userinfo(&out);
    out = mask_tokens(&out);
    out
}

/// `Bearer xyz` → `Bearer ****` (case-insensitive keyword).
fn mask_after_word(text: &str, word: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(pos) = lower[from..].find(word) {
        let start = from + pos + word.len();
        let end = text[start..].find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',').map_or(text.len(), |e| start + e);
        if end > start && &text[start..end] != MASK_SHORT {
            out.push_str(&text[rest..start]);
            out.push_str(MASK_SHORT);
            rest = end;
        }
        from = end.max(start);
        if from >= text.len() {
            break;
        }
    }
    out.push_str(&text[rest..]);
    out
}

/// `https://user:password@host` → `https://user:****@host`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme) = rest.find("://") {
        let after = scheme + 3;
        let authority_end = rest[after..].find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'').map_or(rest.len(), |e| after + e);
        let authority = &rest[after..authority_end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                let password = &authority[colon + 1..at];
                if !password.is_empty() && password != MASK_SHORT {
                    out.push_str(&rest[..after + colon + 1]);
                    out.push_str(MASK_SHORT);
                    out.push_str(&rest[after + at..authority_end]);
                    rest = &rest[authority_end..];
                    continue;
                }
            }
        }
        out.push_str(&rest[..authority_end]);
        rest = &rest[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Whole words that look like AWS access key ids, GitHub tokens or JWTs.
fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    for i in 0..=bytes.len() {
        let in_word = i < bytes.len() && is_word(bytes[i]);
        match (word_start, in_word) {
            (None, true) => word_start = Some(i),
            (Some(s), false) => {
                let word = &text[s..i];
                out.push_str(if looks_like_token(word) { MASK_SHORT } else { word });
                word_start = None;
            }
            _ => {}
        }
        if !in_word && i < bytes.len() {
            // Copy the non-word byte (or the whole UTF-8 character starting here).
            if text.is_char_boundary(i) {
                let ch = text[i..].chars().next().expect("a character at a boundary");
                out.push(ch);
            }
        }
    }
    out
}

fn looks_like_token(word: &str) -> bool {
    let aws_key = word.len() == 20
        && (word.starts_with("AKIA") || word.starts_with("ASIA"))
        && word.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let github = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].iter().any(|p| word.starts_with(p)) && word.len() >= 30;
    let jwt = word.starts_with("eyJ") && word.split('.').count() == 3 && word.split('.').all(|p| p.len() >= 8);
    aws_key || github || jwt
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_values_and_their_encodings_are_masked() {
        let r = Redactor::new(["hunter2-pass", "x"]);
        assert_eq!(r.text("password is hunter2-pass!"), "password is ****!");
        assert_eq!(r.text(&format!("b64 {}", STANDARD.encode("hunter2-pass"))), "b64 ****");
        assert_eq!(r.text("url a%20b hunter2-pass"), "url a%20b ****");
        // Too short to mask safely: left alone.
        assert_eq!(r.text("x marks"), "x marks");
        // Idempotent.
        assert_eq!(r.text(&r.text("hunter2-pass")), "****");
    }

    #[test]
    fn multi_line_secrets_are_masked_line_by_line() {
        let key = "-----BEGIN KEY-----\nabcdefgh12345678\n-----END KEY-----";
        let r = Redactor::new([key]);
        assert_eq!(r.text("line: abcdefgh12345678"), "line: ****");
        assert_eq!(r.text(key), "****");
    }

    #[test]
    fn json_escaped_and_url_encoded_forms() {
        let r = Redactor::new(["p\"a/ss w"]);
        assert_eq!(r.text(r#"{"pw":"p\"a/ss w"}"#), r#"{"pw":"****"}"#);
        assert_eq!(r.text("q=p%22a%2Fss%20w"), "q=****");
    }

    #[test]
    fn patterns_mask_secrets_nobody_declared() {
        let r = Redactor::default();
        assert_eq!(r.text("Authorization: Bearer abc.def-123"), "Authorization: Bearer ****");
        assert_eq!(r.text("clone https://bob:s3cret@git.example/x.git"), "clone https://bob:****@git.example/x.git");
        assert_eq!(r.text("key AKIAABCDEFGHIJKLMNOP used"), "key **** used");
        assert_eq!(r.text("tok ghp_0123456789abcdefghijklmnopqrstuvwxyz"), "tok ****");
        assert_eq!(r.text("jwt eyJhbGciOiJI.eyJzdWIiOiIx.c2lnbmF0dXJlMTIz"), "jwt ****");
        assert_eq!(r.text("plain words stay, ünïcode too"), "plain words stay, ünïcode too");
        assert_eq!(r.text("https://example.com/path"), "https://example.com/path");
    }

    #[test]
    fn git_credentials_the_basic_header_and_url_passwords() {
        use crate::secret::SecretValue;
        let creds = GitCredentials::Basic { username: "bob".into(), token: SecretValue::new("tok-9f8e7d6c") };
        let r = Redactor::for_git("https://bob:pw-1a2b3c@git.example/r.git", &creds);
        let basic = STANDARD.encode("bob:tok-9f8e7d6c");
        assert_eq!(
            r.text(&format!("fatal: tok-9f8e7d6c / Authorization: Basic {basic} / pw-1a2b3c")),
            "fatal: **** / Authorization: Basic **** / ****"
        );
        // The URL itself, whatever the credentials.
        let r = Redactor::for_git("https://bob:pw-1a2b3c@git.example/r.git", &GitCredentials::None);
        assert_eq!(r.text("cloning https://bob:pw-1a2b3c@git.example/r.git"), "cloning https://bob:****@git.example/r.git");
        // A deploy key's body lines, not its framing.
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        let r = Redactor::for_git("git@host:r.git", &GitCredentials::DeployKey { private_key: SecretValue::new(key) });
        assert_eq!(r.text(key), "-----BEGIN OPENSSH PRIVATE KEY-----\n****\n-----END OPENSSH PRIVATE KEY-----\n");
        assert_eq!(url_password("https://git.example/x"), None);
        assert_eq!(url_password("https://bob@git.example/x"), None);
        assert_eq!(url_password("https://a:b@c/x?y=1@z"), Some("b".into()));
    }

    #[test]
    fn json_values_are_masked_in_keys_and_values() {
        let r = Redactor::new(["topsecret"]);
        assert_eq!(r.json(&json!({"a": ["topsecret", 1], "topsecret": {"b": "x topsecret"}})), json!({"a": ["****", 1], "****": {"b": "x ****"}}));
    }
}
