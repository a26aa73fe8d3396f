//! The single-table layout of the Dev Portal store (`docs/ARCHITECTURE.md`, "Storage layout:
//! one table"): key functions, attribute names, the item type and the mapping of each record
//! to its items, which the embedded SQLite store (`shared/embedded`) and the DynamoDB adapter
//! (`shared/aws`) both use, so the two can never drift apart. No I/O.

pub mod item;
pub mod keys;

pub use item::Item;

/// Attribute (column) names of an item.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    /// Number: the record's revision; updates are conditional on it.
    pub const REVISION: &str = "revision";
    /// Number: epoch seconds; the TTL attribute.
    pub const EXPIRES_AT: &str = "expires_at";
    /// String: the record as JSON.
    pub const BODY: &str = "body";
    /// The global secondary index of the lists, on (`gsi1pk`, `gsi1sk`).
    pub const GSI1: &str = "gsi1";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    /// A sparse index, on (`gsi2pk`, `gsi2sk`): only items that housekeeping must find carry it
    /// (unfinished jobs, binned connectors), so start-up and the sweeper query instead of scan.
    pub const GSI2: &str = "gsi2";
}
