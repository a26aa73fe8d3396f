//! The single-table key design, shared by the embedded store (`shared/embedded`) and the
//! DynamoDB adapter. `pk`/`sk` address an item; `gsi1pk`/`gsi1sk` serve the lists.

use devportal_domain::ids::{ConnectorId, OrgId, SecretId, TokenId, UserId};

pub const META: &str = "META";

pub fn org(id: OrgId) -> String {
    format!("ORG#{id}")
}
pub fn member(user: UserId) -> String {
    format!("MEMBER#{user}")
}
pub fn user(id: UserId) -> String {
    format!("USER#{id}")
}
pub fn email(email: &str) -> String {
    format!("EMAIL#{email}")
}
pub fn token_sk(id: TokenId) -> String {
    format!("TOKEN#{id}")
}
pub fn token_hash(hash: &str) -> String {
    format!("TOKENHASH#{hash}")
}
pub fn connector(id: ConnectorId) -> String {
    format!("CONN#{id}")
}
/// GSI1 partition listing an organization's connectors (sort key: the connector id).
pub fn org_connectors(org: OrgId) -> String {
    format!("ORGCONN#{org}")
}
/// Zero-padded so that versions sort numerically.
pub fn version(n: u32) -> String {
    format!("VER#{n:010}")
}
pub const VERSION_PREFIX: &str = "VER#";
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub const TOKEN_PREFIX: &str = "TOKEN#";
pub fn secret(id: SecretId) -> String {
    format!("SECRET#{id}")
}
