//! Identifier newtypes. Entity ids are UUIDv7, so sorting by id is sorting by creation time —
//! the list cursor relies on that.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// `prefix` then this id as [`Display`](fmt::Display) writes it, built without
            /// `format!` (which writes the UUID through `core::fmt`): storage keys are built on
            /// every read.
            pub fn prefixed(&self, prefix: &str) -> String {
                let mut buffer = Uuid::encode_buffer();
                let id = self.0.hyphenated().encode_lower(&mut buffer);
                let mut text = String::with_capacity(prefix.len() + id.len());
                text.push_str(prefix);
                text.push_str(id);
                text
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A connector.
    ConnectorId
);
uuid_id!(
    /// An organization (the owner of connectors).
    OrgId
);
uuid_id!(
    /// A user of the portal.
    UserId
);
uuid_id!(
    /// An automation or user token (the id, never the secret).
    TokenId
);
uuid_id!(
    /// A stored secret (Git token, deploy key).
    SecretId
);
uuid_id!(
    /// A run of a connector version on a site.
    RunId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefixed_id_reads_as_the_id_displayed_after_its_prefix() {
        // Storage keys are built with `prefixed`; a key written before must still be found.
        for id in [
            ConnectorId(Uuid::nil()),
            ConnectorId(Uuid::max()),
            ConnectorId::new(),
            ConnectorId(Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)),
        ] {
            assert_eq!(id.prefixed("CONN#"), format!("CONN#{id}"));
            assert_eq!(id.prefixed(""), id.to_string());
        }
    }
}
