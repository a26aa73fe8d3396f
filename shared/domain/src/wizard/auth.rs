//! Step 4, authentication and secrets: references to platform auth providers and to vault
//! entries. Values never live in connector configuration.

use super::{env_name, is_identifier};
use crate::validation::{check_line, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// OAuth 2 authorization-code flow; the end-user's access token reaches the program.
    Oauth2,
    /// A credential schema: named fields the end-user fills in.
    Credentials,
}

/// An authentication registration: a platform auth provider the end-user picks a credential for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthRegistration {
    /// Identifier of the registration, e.g. `shopify`.
    pub name: String,
    pub kind: AuthKind,
    #[serde(default)]
    pub label: String,
    /// Credential fields (`Credentials`), or the token fields handed over (`Oauth2`; default `access_token`).
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A secret registration: a vault entry and which of its fields the program receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRegistration {
    /// Vault path, e.g. `shops/acme/api`.
    pub path: String,
    pub fields: Vec<String>,
}

impl SecretRegistration {
    /// `<NAME>` in `CDE_SECRET_<NAME>_<FIELD>`: the last path segment, env-spelled.
    pub fn env_prefix(&self) -> String {
        let last = self.path.rsplit('/').next().unwrap_or(&self.path);
        let name: String = last.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        format!("CDE_SECRET_{name}")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthConfig {
    #[serde(default)]
    pub authentications: Vec<AuthRegistration>,
    #[serde(default)]
    pub secrets: Vec<SecretRegistration>,
}

impl AuthConfig {
    pub fn is_empty(&self) -> bool {
        self.authentications.is_empty() && self.secrets.is_empty()
    }

    /// Every auth field, in order, once (their env names are unique after parsing).
    pub fn auth_fields(&self) -> Vec<&str> {
        self.authentications.iter().flat_map(|a| a.fields.iter().map(String::as_str)).collect()
    }

    pub fn parse(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.authentications.len() > 20 {
            errors.push("authentications", "too_many", "at most 20 authentication registrations");
        }
        if self.secrets.len() > 50 {
            errors.push("secrets", "too_many", "at most 50 secret registrations");
        }
        let mut names = HashSet::new();
        let mut auth_envs = HashSet::new();
        for (i, a) in self.authentications.iter_mut().enumerate() {
            let at = format!("authentications[{i}]");
            a.name = a.name.trim().to_string();
            if !is_identifier(&a.name) || a.name.len() > 64 {
                errors.push(
                    format!("{at}.name"),
                    "invalid_identifier",
                    "`name` must start with a letter, then letters, digits, `-` or `_` (at most 64)",
                );
            } else if !names.insert(a.name.to_ascii_lowercase()) {
                errors.push(format!("{at}.name"), "duplicate", format!("`{}` is registered twice", a.name));
            }
            check_line(&mut errors, &format!("{at}.label"), &a.label, false, 100);
            if a.kind == AuthKind::Oauth2 {
                if a.fields.is_empty() {
                    a.fields.push("access_token".into());
                }
                for (field, url) in [("authorize_url", &a.authorize_url), ("token_url", &a.token_url)] {
                    match url {
                        None => errors.push(format!("{at}.{field}"), "required", format!("`{field}` is required for OAuth 2")),
                        Some(u) if !u.starts_with("https://") || u.len() <= 8 || u.len() > 500 || u.chars().any(char::is_whitespace) => {
                            errors.push(format!("{at}.{field}"), "invalid_url", format!("`{field}` must be an https:// URL"))
                        }
                        Some(_) => {}
                    }
                }
                for (j, s) in a.scopes.iter().enumerate() {
                    if s.is_empty() || s.len() > 200 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                        errors.push(format!("{at}.scopes[{j}]"), "invalid_format", "a scope is one word of at most 200 characters");
                    }
                }
            } else {
                if a.fields.is_empty() {
                    errors.push(format!("{at}.fields"), "required", "a credential schema needs at least one field");
                }
                if a.authorize_url.is_some() || a.token_url.is_some() || !a.scopes.is_empty() {
                    errors.push(format!("{at}.kind"), "not_applicable", "URLs and scopes apply only to `oauth2` registrations");
                }
            }
            for (j, f) in a.fields.iter().enumerate() {
                if !is_identifier(f) || f.len() > 64 {
                    errors.push(
                        format!("{at}.fields[{j}]"),
                        "invalid_identifier",
                        "a field must start with a letter, then letters, digits, `-` or `_`",
                    );
                } else if !auth_envs.insert(env_name(f)) {
                    errors.push(format!("{at}.fields[{j}]"), "duplicate", format!("`{f}` would reach the program twice as CDE_AUTH_{}", env_name(f)));
                }
            }
        }
        let mut prefixes = HashSet::new();
        for (i, s) in self.secrets.iter_mut().enumerate() {
            let at = format!("secrets[{i}]");
            s.path = s.path.trim().trim_matches('/').to_string();
            if !is_vault_path(&s.path) {
                errors.push(
                    format!("{at}.path"),
                    "invalid_path",
                    "`path` is a vault path like `shops/acme/api`: segments of letters, digits, `-`, `_`, `.`",
                );
            } else if !prefixes.insert(s.env_prefix()) {
                errors.push(format!("{at}.path"), "duplicate", format!("another secret already reaches the program as {}_…", s.env_prefix()));
            }
            if s.fields.is_empty() {
                errors.push(format!("{at}.fields"), "required", "name at least one field of the vault entry");
            }
            let mut seen = HashSet::new();
            for (j, f) in s.fields.iter().enumerate() {
                if !is_identifier(f) || f.len() > 64 {
                    errors.push(
                        format!("{at}.fields[{j}]"),
                        "invalid_identifier",
                        "a field must start with a letter, then letters, digits, `-` or `_`",
                    );
                } else if !seen.insert(env_name(f)) {
                    errors.push(format!("{at}.fields[{j}]"), "duplicate", format!("`{f}` is listed twice"));
                }
            }
        }
        errors.finish(self)
    }
}

/// A vault path like `shops/acme/api`: 1–200 characters, segments of letters, digits, `-`,
/// `_`, `.` (not `.` or `..`) separated by single `/`.
pub fn is_vault_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 200
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(name: &str) -> AuthRegistration {
        AuthRegistration {
            name: name.into(),
            kind: AuthKind::Oauth2,
            label: "Shop".into(),
            fields: vec![],
            authorize_url: Some("https://shop.example/oauth/authorize".into()),
            token_url: Some("https://shop.example/oauth/token".into()),
            scopes: vec!["read_products".into()],
        }
    }

    #[test]
    fn oauth2_needs_https_urls_and_defaults_its_field() {
        let ok = AuthConfig { authentications: vec![oauth("shop")], secrets: vec![] }.parse().unwrap();
        assert_eq!(ok.authentications[0].fields, ["access_token"]);
        let mut bad = oauth("shop");
        bad.token_url = Some("http://insecure".into());
        bad.authorize_url = None;
        let e = AuthConfig { authentications: vec![bad], secrets: vec![] }.parse().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["authentications[0].authorize_url", "authentications[0].token_url"]);
    }

    #[test]
    fn credential_schemas_need_fields_and_names_are_unique() {
        let cred = AuthRegistration {
            name: "shop".into(),
            kind: AuthKind::Credentials,
            label: String::new(),
            fields: vec![],
            authorize_url: None,
            token_url: None,
            scopes: vec![],
        };
        let e = AuthConfig { authentications: vec![oauth("shop"), cred], secrets: vec![] }.parse().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["authentications[1].name", "authentications[1].fields"]);
    }

    #[test]
    fn secrets_need_a_clean_path_and_fields_and_get_an_env_prefix() {
        let s = SecretRegistration { path: "/shops/acme-api/".into(), fields: vec!["key".into()] };
        let parsed = AuthConfig { authentications: vec![], secrets: vec![s] }.parse().unwrap();
        assert_eq!(parsed.secrets[0].path, "shops/acme-api");
        assert_eq!(parsed.secrets[0].env_prefix(), "CDE_SECRET_ACME_API");
        let bad = SecretRegistration { path: "a/../b".into(), fields: vec![] };
        let e = AuthConfig { authentications: vec![], secrets: vec![bad] }.parse().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["secrets[0].path", "secrets[0].fields"]);
    }

    #[test]
    fn two_secrets_reaching_the_same_variables_are_refused() {
        let a = SecretRegistration { path: "x/api".into(), fields: vec!["k".into()] };
        let b = SecretRegistration { path: "y/api".into(), fields: vec!["k".into()] };
        let e = AuthConfig { authentications: vec![], secrets: vec![a, b] }.parse().unwrap_err();
        assert_eq!(e.fields[0].field, "secrets[1].path");
    }
}
