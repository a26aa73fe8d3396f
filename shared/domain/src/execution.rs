//! Step 6, execution: exactly how configuration reaches the program in a version's execution
//! mode (PRODUCT.md §4.6). The same function computes the wizard preview (with sample values)
//! and, later, the argument vector and environment of a real run; secrets are masked in
//! anything shown.

use crate::connector::ExecutionMode;
use crate::secret::{SecretValue, MASK};
use crate::wizard::individual::{FieldType, FormField};
use crate::wizard::{env_name, ApplicationConfig, AuthConfig, IndividualConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a variable or option value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    Platform,
    Field,
    Auth,
    Secret,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub source: ValueSource,
    /// The value shown is a mask; the real one is injected at run time only.
    pub masked: bool,
}

/// The computed execution of one sample run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ExecutionPreview {
    pub execution_mode: ExecutionMode,
    /// The argument vector the runtime starts (never passed through a shell).
    pub argv: Vec<String>,
    /// `argv` quoted for reading; secrets masked.
    pub command_line: String,
    pub environment: Vec<EnvVar>,
    /// What the build runs as the health check: `command arguments health_check`.
    pub health_check_argv: Vec<String>,
}

/// Platform values of one run (`CDE_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunContext {
    pub run_id: String,
    pub site_id: String,
    pub connector_version: u32,
    pub run_api: String,
}

/// A sample value for a field that has no default, so the preview shows a realistic line.
pub fn sample_value(f: &FormField) -> String {
    if let Some(d) = &f.default {
        return d.clone();
    }
    match f.field_type {
        FieldType::Input | FieldType::Textarea => format!("<{}>", f.key),
        FieldType::Password => "secret".into(),
        FieldType::Checkbox => "0".into(),
        FieldType::Select | FieldType::SelectMultiple => f.options.first().cloned().unwrap_or_default(),
        FieldType::Number => "0".into(),
        FieldType::Url => "https://example.com".into(),
        FieldType::Email => "user@example.com".into(),
    }
}

/// Computes the argument vector and environment as shown to a person. `values` gives each
/// field's value (the preview uses [`sample_value`]); password, auth and secret values are masked.
pub fn compute(
    mode: ExecutionMode,
    application: &ApplicationConfig,
    auth: &AuthConfig,
    individual: &IndividualConfig,
    run: &RunContext,
    values: &dyn Fn(&FormField) -> String,
) -> ExecutionPreview {
    let fields = individual.fields.iter().map(|f| (f.key.clone(), values(f))).collect();
    plan(mode, application, auth, individual, run, &RunValues { fields, ..RunValues::default() }).preview
}

/// The values of one run: form fields by key, auth credential fields by name, the run
/// token, and the vault fields of each secret registration (`(path, field)` → value).
/// Missing auth and vault values become empty strings in the plan (a run fails earlier).
#[derive(Clone, Debug, Default)]
pub struct RunValues {
    pub fields: BTreeMap<String, String>,
    pub auth: BTreeMap<String, SecretValue>,
    pub run_token: Option<SecretValue>,
    pub vault: BTreeMap<(String, String), SecretValue>,
}

/// What a runtime starts, and what people are shown of it.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// Masked: what the run record, monitoring and the wizard show.
    pub preview: ExecutionPreview,
    /// The real argument vector (in `options` mode it carries password and auth values,
    /// which reach only the process itself).
    pub argv: Vec<String>,
    /// Plain environment variables.
    pub env: Vec<(String, String)>,
    /// Variables whose values are secrets (password fields in `env` mode, auth credentials,
    /// vault fields, the run token): runtimes hand them over without showing them.
    pub secret_env: Vec<(String, SecretValue)>,
    /// Every secret value of the run, for the redactor.
    pub secrets: Vec<SecretValue>,
}

/// The one mapping of PRODUCT.md §4.6 from configuration and values to a process: used for
/// the wizard's preview (sample values) and for real runs.
pub fn plan(
    mode: ExecutionMode,
    application: &ApplicationConfig,
    auth: &AuthConfig,
    individual: &IndividualConfig,
    run: &RunContext,
    values: &RunValues,
) -> RunPlan {
    let mut argv = application.argv();
    let mut shown_argv = argv.clone();
    let mut env = vec![];
    let mut secret_env = vec![];
    let mut secrets = vec![];
    let mut environment = vec![
        platform("CDE_RUN_ID", &run.run_id),
        platform("CDE_SITE_ID", &run.site_id),
        platform("CDE_CONNECTOR_VERSION", &run.connector_version.to_string()),
        platform("CDE_RUN_API", &run.run_api),
    ];
    for (name, value) in [("CDE_RUN_ID", &run.run_id), ("CDE_SITE_ID", &run.site_id), ("CDE_RUN_API", &run.run_api)] {
        env.push((name.to_string(), value.clone()));
    }
    env.insert(2, ("CDE_CONNECTOR_VERSION".into(), run.connector_version.to_string()));
    environment.push(EnvVar { name: "CDE_RUN_TOKEN".into(), value: MASK.into(), source: ValueSource::Platform, masked: true });
    let token = values.run_token.clone().unwrap_or_else(|| SecretValue::new(""));
    if !token.expose().is_empty() {
        secrets.push(token.clone());
    }
    secret_env.push(("CDE_RUN_TOKEN".to_string(), token));
    for f in &individual.fields {
        let value = values.fields.get(&f.key).cloned().unwrap_or_default();
        let masked = f.field_type == FieldType::Password;
        let shown = if masked { MASK.to_string() } else { value.clone() };
        if masked && !value.is_empty() {
            secrets.push(SecretValue::new(value.clone()));
        }
        match mode {
            ExecutionMode::Env => {
                let name = env_name(&f.key);
                environment.push(EnvVar { name: name.clone(), value: shown, source: ValueSource::Field, masked });
                if masked {
                    secret_env.push((name, SecretValue::new(value)));
                } else {
                    env.push((name, value));
                }
            }
            ExecutionMode::Options => {
                shown_argv.push(format!("--{}={shown}", f.key));
                argv.push(format!("--{}={value}", f.key));
            }
        }
    }
    for field in auth.auth_fields() {
        let value = values.auth.get(field).cloned().unwrap_or_else(|| SecretValue::new(""));
        if !value.expose().is_empty() {
            secrets.push(value.clone());
        }
        match mode {
            ExecutionMode::Env => {
                let name = format!("CDE_AUTH_{}", env_name(field));
                environment.push(EnvVar { name: name.clone(), value: MASK.into(), source: ValueSource::Auth, masked: true });
                secret_env.push((name, value));
            }
            ExecutionMode::Options => {
                shown_argv.push(format!("--cde-auth-{field}={MASK}"));
                argv.push(format!("--cde-auth-{field}={}", value.expose()));
            }
        }
    }
    // Secrets are always environment variables: command lines are visible in process lists.
    for s in &auth.secrets {
        for field in &s.fields {
            let name = format!("{}_{}", s.env_prefix(), env_name(field));
            environment.push(EnvVar { name: name.clone(), value: MASK.into(), source: ValueSource::Secret, masked: true });
            let value = values.vault.get(&(s.path.clone(), field.clone())).cloned().unwrap_or_else(|| SecretValue::new(""));
            if !value.expose().is_empty() {
                secrets.push(value.clone());
            }
            secret_env.push((name, value));
        }
    }
    RunPlan {
        preview: ExecutionPreview {
            execution_mode: mode,
            command_line: shell_words::join(&shown_argv),
            argv: shown_argv,
            environment,
            health_check_argv: application.health_check_argv(),
        },
        argv,
        env,
        secret_env,
        secrets,
    }
}

fn platform(name: &str, value: &str) -> EnvVar {
    EnvVar { name: name.into(), value: value.into(), source: ValueSource::Platform, masked: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::auth::{AuthKind, AuthRegistration, SecretRegistration};
    use crate::wizard::individual::FormFieldInput;
    use serde_json::json;

    fn fixture() -> (ApplicationConfig, AuthConfig, IndividualConfig, RunContext) {
        let app = ApplicationConfig::parse(Some("python"), Some("main.py run"), Some("--health-check")).unwrap();
        let auth = AuthConfig {
            authentications: vec![AuthRegistration {
                name: "shop".into(),
                kind: AuthKind::Credentials,
                label: String::new(),
                fields: vec!["token".into()],
                authorize_url: None,
                token_url: None,
                scopes: vec![],
            }],
            secrets: vec![SecretRegistration { path: "vault/acme".into(), fields: vec!["api-key".into()] }],
        }
        .parse()
        .unwrap();
        let inputs: Vec<FormFieldInput> = serde_json::from_value(json!([
            {"key": "shop-url", "type": "url", "label": "Shop", "default": "https://shop.example"},
            {"key": "password", "type": "password", "label": "Password"},
            {"key": "note", "type": "input", "label": "Note"}
        ]))
        .unwrap();
        let individual = IndividualConfig::parse(inputs).unwrap();
        let run = RunContext { run_id: "r1".into(), site_id: "s1".into(), connector_version: 3, run_api: "http://127.0.0.1/run-api/v1".into() };
        (app, auth, individual, run)
    }

    #[test]
    fn env_mode_maps_keys_auth_and_secrets_to_variables() {
        let (app, auth, ind, run) = fixture();
        let p = compute(ExecutionMode::Env, &app, &auth, &ind, &run, &sample_value);
        assert_eq!(p.argv, ["python", "main.py", "run"]);
        let env: Vec<_> = p.environment.iter().map(|e| (e.name.as_str(), e.value.as_str())).collect();
        assert_eq!(
            env,
            [
                ("CDE_RUN_ID", "r1"),
                ("CDE_SITE_ID", "s1"),
                ("CDE_CONNECTOR_VERSION", "3"),
                ("CDE_RUN_API", "http://127.0.0.1/run-api/v1"),
                ("CDE_RUN_TOKEN", MASK),
                ("SHOP_URL", "https://shop.example"),
                ("PASSWORD", MASK),
                ("NOTE", "<note>"),
                ("CDE_AUTH_TOKEN", MASK),
                ("CDE_SECRET_ACME_API_KEY", MASK),
            ]
        );
        assert_eq!(p.health_check_argv, ["python", "main.py", "run", "--health-check"]);
    }

    #[test]
    fn options_mode_appends_separate_arguments_and_keeps_secrets_in_env() {
        let (app, auth, ind, run) = fixture();
        let p = compute(ExecutionMode::Options, &app, &auth, &ind, &run, &|f| {
            if f.key == "note" {
                "it's $HOME; rm -rf /".into()
            } else {
                sample_value(f)
            }
        });
        assert_eq!(
            p.argv,
            [
                "python",
                "main.py",
                "run",
                "--shop-url=https://shop.example",
                &format!("--password={MASK}"),
                "--note=it's $HOME; rm -rf /",
                &format!("--cde-auth-token={MASK}"),
            ]
        );
        assert!(p.command_line.contains("'--note=it'\\''s $HOME; rm -rf /'"), "{}", p.command_line);
        let names: Vec<_> = p.environment.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["CDE_RUN_ID", "CDE_SITE_ID", "CDE_CONNECTOR_VERSION", "CDE_RUN_API", "CDE_RUN_TOKEN", "CDE_SECRET_ACME_API_KEY"]);
    }

    #[test]
    fn a_real_plan_carries_the_values_and_keeps_secrets_out_of_plain_env() {
        let (app, auth, ind, run) = fixture();
        let values = RunValues {
            fields: [("password".to_string(), "hunter2".to_string()), ("note".to_string(), "hi".to_string())].into(),
            auth: [("token".to_string(), SecretValue::new("auth-tok"))].into(),
            run_token: Some(SecretValue::new("run-tok")),
            vault: [(("vault/acme".to_string(), "api-key".to_string()), SecretValue::new("vault-val"))].into(),
        };
        let p = plan(ExecutionMode::Env, &app, &auth, &ind, &run, &values);
        assert!(p.env.iter().all(|(_, v)| !["hunter2", "auth-tok", "run-tok", "vault-val"].contains(&v.as_str())));
        assert!(p.env.contains(&("NOTE".to_string(), "hi".to_string())));
        let secret: Vec<_> = p.secret_env.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        assert_eq!(
            secret,
            [("CDE_RUN_TOKEN", "run-tok"), ("PASSWORD", "hunter2"), ("CDE_AUTH_TOKEN", "auth-tok"), ("CDE_SECRET_ACME_API_KEY", "vault-val")]
        );
        assert_eq!(p.secrets.len(), 4);
        assert!(!p.preview.command_line.contains("hunter2"));
        let p = plan(ExecutionMode::Options, &app, &auth, &ind, &run, &values);
        assert!(p.argv.contains(&"--password=hunter2".to_string()));
        assert!(p.argv.contains(&"--cde-auth-token=auth-tok".to_string()));
        assert!(p.preview.argv.contains(&format!("--password={MASK}")));
    }

    #[test]
    fn real_password_values_never_reach_the_preview() {
        let (app, auth, ind, run) = fixture();
        let p = compute(ExecutionMode::Options, &app, &auth, &ind, &run, &|_| "hunter2".into());
        assert!(p.argv.iter().any(|a| a == &format!("--password={MASK}")));
        let p = compute(ExecutionMode::Env, &app, &auth, &ind, &run, &|_| "hunter2".into());
        assert_eq!(p.environment.iter().find(|e| e.name == "PASSWORD").unwrap().value, MASK);
    }
}
