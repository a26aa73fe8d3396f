//! Secret values and the references under which they are stored. A secret value never
//! appears in configuration, logs or answers; configuration holds only its [`SecretRef`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a secret is stored (a local id or a Secrets Manager ARN). Safe to persist and log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(pub String);

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret value in memory. `Debug` masks it; there is no `Display` and no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Deliberately named so every use is easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

/// What a secret is for; adapters use it to name the stored entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    GitToken,
    DeployKey,
    /// The secret values one run was given (password fields, auth credentials, vault
    /// fields, its run token), as one JSON object; deleted when the run ends.
    RunValues,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GitToken => "git-token",
            Self::DeployKey => "deploy-key",
            Self::RunValues => "run-values",
        }
    }
}

/// The mask shown wherever a secret value would appear.
pub const MASK: &str = "********";
