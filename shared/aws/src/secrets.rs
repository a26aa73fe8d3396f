//! `SecretStore` on AWS Secrets Manager. Each value is one secret named
//! `<prefix>/<kind>/<connector>/<uuid>`; the reference stored in configuration is its ARN.
//!
//! `VaultStore` on the same service: one secret per organization and path, named
//! `<prefix>/vault/<org>/<path>`, holding the fields as one JSON object. Listing never reads a
//! value: `ListSecrets` filtered by the name prefix, the path from the name and the field
//! names from the secret's description (`devportal vault fields: [...]`, written with the
//! value). Replacing an entry is `PutSecretValue` + `UpdateSecret` (description); deleting is
//! immediate (no recovery window) and idempotent.

use crate::error::{fatal, unavailable};
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::ports::{SecretStore, StoreResult, VaultStore};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};
use std::collections::BTreeMap;

/// How a vault secret's description names its fields (never their values).
const VAULT_FIELDS: &str = "devportal vault fields: ";

/// Secrets Manager secrets under a name prefix (e.g. `devportal` or `devportal/prod`).
#[derive(Clone, Debug)]
pub struct SecretsManagerSecrets {
    client: Client,
    prefix: String,
}

impl SecretsManagerSecrets {
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        let prefix: String = prefix.into();
        Self { client, prefix: prefix.trim_end_matches('/').to_string() }
    }

    /// The name a new secret gets.
    fn name(&self, kind: SecretKind, owner: ConnectorId) -> String {
        format!("{}/{}/{}/{}", self.prefix, kind.as_str(), owner, uuid::Uuid::new_v4())
    }
}

/// References this store issued are ARNs; anything else (say, a `local:` reference of the
/// embedded store) names no secret here.
pub(crate) fn is_ours(reference: &SecretRef) -> bool {
    reference.0.starts_with("arn:") && reference.0.contains(":secretsmanager:")
}

#[async_trait]
impl SecretStore for SecretsManagerSecrets {
    async fn put(&self, kind: SecretKind, owner: ConnectorId, value: &SecretValue) -> StoreResult<SecretRef> {
        let out = self
            .client
            .create_secret()
            .name(self.name(kind, owner))
            .description(format!("Dev Portal {} of connector {owner}", kind.as_str()))
            .secret_string(value.expose())
            .send()
            .await
            .map_err(|e| unavailable("CreateSecret", e))?;
        let arn = out.arn().ok_or_else(|| fatal("CreateSecret answered without an ARN"))?;
        Ok(SecretRef(arn.to_string()))
    }

    async fn get(&self, reference: &SecretRef) -> StoreResult<Option<SecretValue>> {
        if !is_ours(reference) {
            return Ok(None);
        }
        let res = self.client.get_secret_value().secret_id(&reference.0).send().await;
        let out = match res {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(None),
            // Deleted with a recovery window: gone as far as the portal is concerned.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_request_exception() && s.meta().message().is_some_and(|m| m.contains("marked for deletion"))) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(unavailable("GetSecretValue", e)),
        };
        if let Some(s) = out.secret_string() {
            return Ok(Some(SecretValue::new(s)));
        }
        match out.secret_binary() {
            Some(b) => match String::from_utf8(b.as_ref().to_vec()) {
                Ok(s) => Ok(Some(SecretValue::new(s))),
                Err(_) => Err(fatal(format!("secret {reference} holds binary data, not text"))),
            },
            None => Err(fatal(format!("secret {reference} has no value"))),
        }
    }

    async fn delete(&self, reference: &SecretRef) -> StoreResult<()> {
        if !is_ours(reference) {
            return Ok(());
        }
        let res = self.client.delete_secret().secret_id(&reference.0).force_delete_without_recovery(true).send().await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
            Err(e) => Err(unavailable("DeleteSecret", e)),
        }
    }
}

impl SecretsManagerSecrets {
    /// Where an organization's vault entries are named.
    fn vault_prefix(&self, org: OrgId) -> String {
        format!("{}/vault/{org}/", self.prefix)
    }

    /// The secret name of a vault path. The domain's rule (`is_vault_path`: letters, digits,
    /// `-`, `_`, `.`, `/`) keeps to the characters Secrets Manager takes in names.
    fn vault_name(&self, org: OrgId, path: &str) -> StoreResult<String> {
        if !devportal_domain::wizard::auth::is_vault_path(path) {
            return Err(fatal("a vault path is made of letters, digits, `-`, `_`, `.` and `/`"));
        }
        Ok(format!("{}{path}", self.vault_prefix(org)))
    }
}

fn fields_description(fields: &BTreeMap<String, SecretValue>) -> String {
    let names: Vec<&String> = fields.keys().collect();
    format!("{VAULT_FIELDS}{}", serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()))
}

fn is_gone<E: aws_sdk_secretsmanager::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ResourceNotFoundException")
        || (e.code() == Some("InvalidRequestException") && e.message().is_some_and(|m| m.contains("marked for deletion")))
}

#[async_trait]
impl VaultStore for SecretsManagerSecrets {
    async fn put_vault(&self, org: OrgId, path: &str, fields: &BTreeMap<String, SecretValue>) -> StoreResult<()> {
        let name = self.vault_name(org, path)?;
        let values: BTreeMap<&str, &str> = fields.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        let value = serde_json::to_string(&values).map_err(|_| fatal("cannot encode the vault fields"))?;
        let description = fields_description(fields);
        let created = self
            .client
            .create_secret()
            .name(&name)
            .description(&description)
            .secret_string(&value)
            .tags(aws_sdk_secretsmanager::types::Tag::builder().key("devportal-org").value(org.to_string()).build())
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_exists_exception()) => {
                self.client.put_secret_value().secret_id(&name).secret_string(&value).send().await.map_err(|e| unavailable("PutSecretValue", e))?;
                self.client.update_secret().secret_id(&name).description(&description).send().await.map_err(|e| unavailable("UpdateSecret", e))?;
                Ok(())
            }
            Err(e) => Err(unavailable("CreateSecret", e)),
        }
    }

    async fn list_vault(&self, org: OrgId) -> StoreResult<Vec<(String, Vec<String>)>> {
        use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
        let prefix = self.vault_prefix(org);
        let mut out = vec![];
        let mut pages = self
            .client
            .list_secrets()
            .filters(Filter::builder().key(FilterNameStringType::Name).values(&prefix).build())
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("ListSecrets", e))?;
            for secret in page.secret_list() {
                // The service's name filter ignores case: keep exact prefixes only.
                let Some(path) = secret.name().and_then(|n| n.strip_prefix(&prefix)) else { continue };
                let fields: Vec<String> = secret
                    .description()
                    .and_then(|d| d.strip_prefix(VAULT_FIELDS))
                    .and_then(|json| serde_json::from_str(json).ok())
                    .unwrap_or_default();
                out.push((path.to_string(), fields));
            }
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        Ok(out)
    }

    async fn read_vault(&self, org: OrgId, path: &str) -> StoreResult<Option<BTreeMap<String, SecretValue>>> {
        let name = self.vault_name(org, path)?;
        let out = match self.client.get_secret_value().secret_id(&name).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(is_gone) => return Ok(None),
            Err(e) => return Err(unavailable("GetSecretValue", e)),
        };
        let raw = out.secret_string().ok_or_else(|| fatal(format!("vault entry {path} holds no text")))?;
        let values: BTreeMap<String, String> =
            serde_json::from_str(raw).map_err(|_| fatal(format!("vault entry {path} is not a JSON object of strings")))?;
        Ok(Some(values.into_iter().map(|(k, v)| (k, SecretValue::new(v))).collect()))
    }

    async fn delete_vault(&self, org: OrgId, path: &str) -> StoreResult<bool> {
        let name = self.vault_name(org, path)?;
        // A forced delete of a missing secret succeeds (on AWS and moto): ask first.
        match self.client.describe_secret().secret_id(&name).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(is_gone) => return Ok(false),
            Err(e) => return Err(unavailable("DescribeSecret", e)),
        }
        match self.client.delete_secret().secret_id(&name).force_delete_without_recovery(true).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(is_gone) => Ok(false),
            Err(e) => Err(unavailable("DeleteSecret", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_secrets_manager_arns_are_ours() {
        assert!(is_ours(&SecretRef("arn:aws:secretsmanager:us-east-1:123456789012:secret:dp/git-token/x-AbCdEf".into())));
        assert!(!is_ours(&SecretRef("local:0190".into())));
        assert!(!is_ours(&SecretRef("arn:aws:s3:::bucket".into())));
    }
}
