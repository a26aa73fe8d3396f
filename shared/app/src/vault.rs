//! The vault (PRODUCT.md §8): secret values an organization stores under paths, which
//! secret registrations reference and runs receive. Write-only: listings show paths and
//! field names, never values; values are read only by the run launcher.

use crate::error::{AppError, AppResult};
use crate::identity::require_write;
use crate::App;
use devportal_domain::identity::Principal;
use devportal_domain::ids::OrgId;
use devportal_domain::secret::SecretValue;
use devportal_domain::wizard::auth::is_vault_path;
use devportal_domain::wizard::is_identifier;
use devportal_domain::ValidationErrors;
use serde::Serialize;
use std::collections::BTreeMap;

/// Fields per vault path, at most.
pub const MAX_FIELDS: usize = 50;
/// One value, at most (bytes).
pub const MAX_VALUE_BYTES: usize = 32 * 1024;

/// A vault path as listings show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VaultEntryView {
    pub path: String,
    pub org_id: OrgId,
    /// Field names; values are never shown.
    pub fields: Vec<String>,
}

impl App {
    /// The organization a vault call acts for: the one named, or the caller's only one.
    fn vault_org(&self, principal: &Principal, org: Option<OrgId>) -> AppResult<OrgId> {
        match org {
            Some(o) if principal.is_member_of(o) => Ok(o),
            Some(o) => Err(AppError::NotFound(format!("organization {o} not found"))),
            None => match principal.org_ids().as_slice() {
                [only] => Ok(*only),
                [] => Err(ValidationErrors::single("org_id", "required", "you belong to no organization").into()),
                _ => Err(ValidationErrors::single("org_id", "required", "you belong to several organizations: name one with `org_id`").into()),
            },
        }
    }

    /// Creates or replaces the fields at `path` (write-only).
    pub async fn put_vault(
        &self,
        principal: &Principal,
        org: Option<OrgId>,
        path: &str,
        fields: BTreeMap<String, serde_json::Value>,
    ) -> AppResult<VaultEntryView> {
        require_write(principal)?;
        let org = self.vault_org(principal, org)?;
        let path = path.trim().trim_matches('/');
        let mut errors = ValidationErrors::new();
        if !is_vault_path(path) {
            errors.push("path", "invalid_path", "a vault path like `shops/acme/api`: segments of letters, digits, `-`, `_`, `.`");
        }
        if fields.is_empty() {
            errors.push("fields", "required", "store at least one field");
        }
        if fields.len() > MAX_FIELDS {
            errors.push("fields", "too_many", format!("at most {MAX_FIELDS} fields"));
        }
        let mut values = BTreeMap::new();
        for (name, value) in fields {
            let at = format!("fields.{name}");
            if !is_identifier(&name) || name.len() > 64 {
                errors.push(at, "invalid_identifier", "a field must start with a letter, then letters, digits, `-` or `_`");
                continue;
            }
            match value {
                serde_json::Value::String(v) if v.len() <= MAX_VALUE_BYTES => {
                    values.insert(name, SecretValue::new(v));
                }
                serde_json::Value::String(_) => errors.push(at, "too_long", format!("a value has at most {MAX_VALUE_BYTES} bytes")),
                _ => errors.push(at, "invalid", "a value must be a string"),
            }
        }
        errors.finish(())?;
        self.ports.vault.put_vault(org, path, &values).await?;
        tracing::info!(org_id = %org, path, fields = values.len(), user_id = %principal.user().id, "vault entry stored");
        Ok(VaultEntryView { path: path.to_string(), org_id: org, fields: values.into_keys().collect() })
    }

    /// Paths and field names of the caller's organizations (or the one named).
    pub async fn list_vault(&self, principal: &Principal, org: Option<OrgId>) -> AppResult<Vec<VaultEntryView>> {
        let orgs = match org {
            Some(o) => vec![self.vault_org(principal, Some(o))?],
            None => principal.org_ids(),
        };
        let mut out = vec![];
        for org in orgs {
            for (path, fields) in self.ports.vault.list_vault(org).await? {
                out.push(VaultEntryView { path, org_id: org, fields });
            }
        }
        Ok(out)
    }

    pub async fn delete_vault(&self, principal: &Principal, org: Option<OrgId>, path: &str) -> AppResult<()> {
        require_write(principal)?;
        let org = self.vault_org(principal, org)?;
        let path = path.trim().trim_matches('/');
        if !self.ports.vault.delete_vault(org, path).await? {
            return Err(AppError::NotFound(format!("vault path `{path}` not found")));
        }
        tracing::info!(org_id = %org, path, user_id = %principal.user().id, "vault entry deleted");
        Ok(())
    }
}
