//! The read cache: item bodies and GSI1 query results the API reads on every request, kept in
//! memory and exact, so the hot reads (`GET /connectors/{id}`, the list page, a wizard step's
//! connector and version) do not open a SQLite read transaction (docs/ARCHITECTURE.md,
//! "Read cache"; the measurements in docs/BENCHMARKS.md).
//!
//! Exact, not "fresh enough", because of three facts the rest of the crate guarantees:
//! - every write to `items` goes through the one writer connection, whose triggers report each
//!   written row's keys (`pk`, `sk`, old and new `gsi1pk`) to [`Changes`] — whatever the SQL,
//!   including the bulk `DELETE`s of a purge;
//! - after the transaction ends, and before [`crate::Db::write`] returns to its caller, those
//!   rows' entries are dropped and the cache's generation moves on; a reader fills the cache
//!   only if the generation it saw *before* its database read is still current, so a value read
//!   before a write can never be stored after that write's invalidation;
//! - no other process writes the database: `Db::open` holds the data directory's lock.
//!
//! Bounded: past [`MAX_BODY_BYTES`] of bodies or [`MAX_QUERIES`] results the cache is emptied
//! (it refills from the next reads) — simpler than an eviction order, and exact all the same.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// At most this much item text is kept.
pub const MAX_BODY_BYTES: usize = 32 << 20;
/// At most this many query results are kept.
pub const MAX_QUERIES: usize = 1024;

/// One written row, as the writer connection's triggers report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRow {
    pub pk: String,
    pub sk: String,
    /// The row's GSI1 partition before and after the write (a move between partitions
    /// changes both lists).
    pub gsi1pk: [Option<String>; 2],
}

/// Rows written by the transaction in progress on the writer connection.
#[derive(Clone, Default)]
pub struct Changes(Arc<Mutex<Vec<WrittenRow>>>);

impl Changes {
    pub fn record(&self, row: WrittenRow) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(row);
    }

    pub fn take(&self) -> Vec<WrittenRow> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct State {
    generation: u64,
    /// Keyed by `pk` NUL `sk`; `None` remembers that the item does not exist.
    bodies: HashMap<String, Option<Arc<str>>>,
    body_bytes: usize,
    /// Keyed by the query's own text; each result names the GSI1 partitions it read.
    queries: HashMap<String, (Vec<String>, Value)>,
}

/// The cache. Clones share it.
#[derive(Clone, Default)]
pub struct ReadCache {
    state: Arc<RwLock<State>>,
}

/// Where a reader stands before it reads the database; hand it back to [`ReadCache::fill_body`]
/// or [`ReadCache::fill_query`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

fn body_key(pk: &str, sk: &str) -> String {
    let mut key = String::with_capacity(pk.len() + sk.len() + 1);
    key.push_str(pk);
    key.push('\0');
    key.push_str(sk);
    key
}

impl ReadCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The body of item (`pk`, `sk`) if the cache knows it: `Some(None)` for "no such item".
    pub fn body(&self, pk: &str, sk: &str) -> Option<Option<Arc<str>>> {
        self.read().bodies.get(&body_key(pk, sk)).cloned()
    }

    /// Take before reading the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.read().generation)
    }

    /// Keeps what a reader read, unless a write ended since its ticket.
    pub fn fill_body(&self, ticket: Ticket, pk: &str, sk: &str, body: Option<Arc<str>>) {
        let mut state = self.write();
        if state.generation != ticket.0 {
            return;
        }
        let size = body.as_ref().map_or(0, |b| b.len());
        if state.body_bytes + size > MAX_BODY_BYTES {
            state.bodies.clear();
            state.body_bytes = 0;
        }
        state.body_bytes += size;
        if let Some(Some(old)) = state.bodies.insert(body_key(pk, sk), body) {
            state.body_bytes -= old.len();
        }
    }

    /// A query result if the cache holds one of type `T` under `key`.
    pub fn query<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        self.read().queries.get(key).and_then(|(_, v)| v.downcast_ref::<T>().cloned())
    }

    /// Keeps a query result that read the GSI1 `partitions`, unless a write ended since `ticket`.
    pub fn fill_query<T: Send + Sync + 'static>(&self, ticket: Ticket, key: String, partitions: Vec<String>, value: T) {
        let mut state = self.write();
        if state.generation != ticket.0 {
            return;
        }
        if state.queries.len() >= MAX_QUERIES {
            state.queries.clear();
        }
        state.queries.insert(key, (partitions, Arc::new(value)));
    }

    /// Forgets everything the written rows may have changed; called after every write
    /// transaction, committed or not (an entry dropped for nothing costs one database read).
    pub fn invalidate(&self, rows: &[WrittenRow]) {
        let mut state = self.write();
        state.generation += 1;
        if rows.is_empty() {
            return;
        }
        for row in rows {
            if let Some(Some(old)) = state.bodies.remove(&body_key(&row.pk, &row.sk)) {
                state.body_bytes -= old.len();
            }
        }
        state
            .queries
            .retain(|_, (partitions, _)| !rows.iter().flat_map(|r| r.gsi1pk.iter().flatten()).any(|written| partitions.iter().any(|p| p == written)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pk: &str, sk: &str, gsi1pk: Option<&str>) -> WrittenRow {
        WrittenRow { pk: pk.into(), sk: sk.into(), gsi1pk: [gsi1pk.map(Into::into), None] }
    }

    #[test]
    fn a_value_read_before_a_write_is_not_kept_after_it() {
        let cache = ReadCache::default();
        let ticket = cache.ticket();
        // The write ends (and invalidates) between the reader's database read and its fill.
        cache.invalidate(&[row("CONN#1", "META", None)]);
        cache.fill_body(ticket, "CONN#1", "META", Some("old".into()));
        assert_eq!(cache.body("CONN#1", "META"), None, "a stale body was kept");
        cache.fill_query(ticket, "list".into(), vec!["ORG#1".into()], 1u32);
        assert_eq!(cache.query::<u32>("list"), None, "a stale result was kept");
    }

    #[test]
    fn a_write_drops_its_rows_and_the_queries_over_their_partitions() {
        let cache = ReadCache::default();
        let t = cache.ticket();
        cache.fill_body(t, "CONN#1", "META", Some("one".into()));
        cache.fill_body(t, "CONN#2", "META", None);
        cache.fill_query(t, "org 1".into(), vec!["ORG#1".into()], 1u32);
        cache.fill_query(t, "org 2".into(), vec!["ORG#2".into()], 2u32);
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("one".into())));
        assert_eq!(cache.body("CONN#2", "META"), Some(None), "absence is remembered");

        // CONN#2 is created in ORG#2's list: its body and ORG#2's lists go, the rest stays.
        cache.invalidate(&[row("CONN#2", "META", Some("ORG#2"))]);
        assert_eq!(cache.body("CONN#2", "META"), None);
        assert_eq!(cache.query::<u32>("org 2"), None);
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("one".into())));
        assert_eq!(cache.query::<u32>("org 1"), Some(1));

        // A move out of ORG#1 (old partition) drops ORG#1's lists too.
        cache.invalidate(&[WrittenRow { pk: "CONN#1".into(), sk: "META".into(), gsi1pk: [Some("ORG#1".into()), Some("BIN#1".into())] }]);
        assert_eq!(cache.query::<u32>("org 1"), None);
        assert_eq!(cache.body("CONN#1", "META"), None);
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = ReadCache::default();
        let big: Arc<str> = "x".repeat(MAX_BODY_BYTES / 4 + 1).into();
        for i in 0..8 {
            cache.fill_body(cache.ticket(), &format!("K#{i}"), "META", Some(big.clone()));
            assert!(cache.read().body_bytes <= MAX_BODY_BYTES);
        }
        for i in 0..MAX_QUERIES + 10 {
            cache.fill_query(cache.ticket(), format!("q{i}"), vec![], i);
        }
        assert!(cache.read().queries.len() <= MAX_QUERIES);
        // Replacing a body accounts for the one it replaces.
        let before = cache.read().body_bytes;
        cache.fill_body(cache.ticket(), "K#7", "META", Some(big.clone()));
        assert_eq!(cache.read().body_bytes, before);
    }
}
