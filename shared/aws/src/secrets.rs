//! `SecretStore` on AWS Secrets Manager. Each value is one secret named
//! `<prefix>/<kind>/<connector>/<uuid>`; the reference stored in configuration is its ARN.

use crate::error::{fatal, unavailable};
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use devportal_domain::ids::ConnectorId;
use devportal_domain::ports::{SecretStore, StoreResult};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};

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
                if e.as_service_error().is_some_and(|s| {
                    s.is_invalid_request_exception() && s.meta().message().is_some_and(|m| m.contains("marked for deletion"))
                }) =>
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
