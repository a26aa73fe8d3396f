//! A record exactly as a store holds it. Both stores keep each record as the JSON text of its
//! serde form, which is also the shape the API answers; a read that only passes records on
//! (a list page, a single connector) hands the text through instead of decoding and encoding
//! every record (docs/BENCHMARKS.md, "Issue 13 — read path": half of a list page's CPU).

use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// The stored JSON of one record of type `T`. Shared, not owned: a read cache hands out the
/// text it holds and a response is built from it without a copy.
pub struct StoredJson<T> {
    json: Arc<str>,
    record: PhantomData<fn() -> T>,
}

impl<T> StoredJson<T> {
    /// The body of an item a store adapter wrote for a `T` (trusted: only the adapters that
    /// wrote it read it back).
    pub fn new(json: impl Into<Arc<str>>) -> Self {
        Self { json: json.into(), record: PhantomData }
    }

    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// The text, still shared with whoever else holds it.
    pub fn into_shared(self) -> Arc<str> {
        self.json
    }
}

impl<T: DeserializeOwned> StoredJson<T> {
    /// The record itself, for code that needs its fields.
    pub fn decode(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.json)
    }
}

impl<T> Clone for StoredJson<T> {
    fn clone(&self) -> Self {
        Self::new(self.json.clone())
    }
}

impl<T> fmt::Debug for StoredJson<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoredJson").field(&self.json).finish()
    }
}

impl<T> PartialEq for StoredJson<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}
