//! The read cache: items (body and list key) and GSI1 query results the API reads on every
//! request, kept in memory and exact, so the hot reads (`GET /connectors/{id}`, the list page,
//! a wizard step's connector and version) do not open a SQLite read transaction
//! (docs/ARCHITECTURE.md, "Read cache"; the measurements in docs/BENCHMARKS.md).
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
//! Bounded: every entry is charged its key, its text and a fixed overhead against
//! [`MAX_BYTES`] (absences too, so asking for ids that do not exist cannot grow it); past the
//! budget the cache is emptied and refills from the next reads — simpler than an eviction
//! order, and exact all the same. An entry over [`MAX_ENTRY_BYTES`] is not kept.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// What the cache may hold, keys and texts together.
pub const MAX_BYTES: usize = 32 << 20;
/// The largest entry it keeps (a list page of big readmes is read from the database).
pub const MAX_ENTRY_BYTES: usize = MAX_BYTES / 16;
/// How the maps hash their keys: randomly seeded, several times SipHash's speed on these short
/// keys.
type RandomHashing = foldhash::quality::RandomState;

/// What an entry costs beyond its key and text (the map's slot, the `Arc`).
const ENTRY_OVERHEAD: usize = 64;

/// One written row, as the writer connection's triggers report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRow {
    pub pk: String,
    pub sk: String,
    /// The row's GSI1 partition before and after the write (a move between partitions
    /// changes both lists).
    pub gsi1pk: [Option<String>; 2],
    /// The row's body as this write left it; `None` when the write removed the row, or when
    /// whether it stands is not known ([`Changes::forget_bodies`]).
    pub body: Option<Arc<str>>,
}

/// Rows written by the transaction in progress on the writer connection.
#[derive(Clone, Default)]
pub struct Changes(Arc<Mutex<Vec<WrittenRow>>>);

impl Changes {
    /// The rows, also after a panic while they were held: a list of rows is never left half
    /// changed by one.
    fn rows(&self) -> std::sync::MutexGuard<'_, Vec<WrittenRow>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record(&self, row: WrittenRow) {
        self.rows().push(row);
    }

    pub fn take(&self) -> Vec<WrittenRow> {
        std::mem::take(&mut *self.rows())
    }

    /// Where the rows written from now on start (a savepoint's beginning).
    pub fn mark(&self) -> usize {
        self.rows().len()
    }

    /// The rows written since `mark` were rolled back (to a savepoint taken at `mark`): the
    /// database holds exactly what it held before them, so they are not reported at all.
    pub fn discard_since(&self, mark: usize) {
        self.rows().truncate(mark);
    }

    /// Whether what was written stands is not known (the transaction failed): every row is
    /// still reported, so its entries are dropped, but no body is kept.
    pub fn forget_bodies(&self) {
        for row in self.rows().iter_mut() {
            row.body = None;
        }
    }
}

/// An item as the cache holds it: its body and the GSI1 partition it is listed in (which
/// says where a connector is without decoding its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedItem {
    pub body: Arc<str>,
    pub list: Option<Arc<str>>,
}

struct Query {
    /// The GSI1 partitions the result was read from.
    partitions: Vec<String>,
    value: Arc<dyn Any + Send + Sync>,
    bytes: usize,
}

#[derive(Default)]
struct State {
    generation: u64,
    /// Keyed by `pk` NUL `sk`; `None` remembers that the item does not exist.
    items: HashMap<String, Option<CachedItem>, RandomHashing>,
    /// Keyed by the query's own text.
    queries: HashMap<String, Query, RandomHashing>,
    /// What the entries cost (see the module's doc).
    bytes: usize,
}

impl State {
    fn item_bytes(key: &str, item: &Option<CachedItem>) -> usize {
        key.len() + item.as_ref().map_or(0, |i| i.body.len() + i.list.as_ref().map_or(0, |l| l.len())) + ENTRY_OVERHEAD
    }

    /// Makes room for `bytes` more; false if an entry that big is not kept.
    fn make_room(&mut self, bytes: usize) -> bool {
        if bytes > MAX_ENTRY_BYTES {
            return false;
        }
        if self.bytes + bytes > MAX_BYTES {
            self.items.clear();
            self.queries.clear();
            self.bytes = 0;
        }
        true
    }

    fn remove_item(&mut self, key: &str) {
        if let Some(item) = self.items.remove(key) {
            self.bytes -= Self::item_bytes(key, &item);
        }
    }

    fn remove_query(&mut self, key: &str) {
        if let Some(query) = self.queries.remove(key) {
            self.bytes -= query.bytes;
        }
    }
}

/// The cache. Clones share it.
#[derive(Clone, Default)]
pub struct ReadCache {
    state: Arc<RwLock<State>>,
}

/// Where a reader stands before it reads the database; hand it back to [`ReadCache::fill_item`]
/// or [`ReadCache::fill_query`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

fn item_key(pk: &str, sk: &str) -> String {
    let mut key = String::with_capacity(pk.len() + sk.len() + 1);
    key.push_str(pk);
    key.push('\0');
    key.push_str(sk);
    key
}

/// `f` of the key of item (`pk`, `sk`), built on the stack when it is short (every key the
/// hot reads look up is): a lookup allocates nothing.
fn with_item_key<R>(pk: &str, sk: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 128];
    let len = pk.len() + sk.len() + 1;
    if len > buf.len() {
        return f(&item_key(pk, sk));
    }
    buf[..pk.len()].copy_from_slice(pk.as_bytes());
    buf[pk.len()] = 0;
    buf[pk.len() + 1..len].copy_from_slice(sk.as_bytes());
    // Two strings joined by a NUL are UTF-8.
    f(std::str::from_utf8(&buf[..len]).expect("UTF-8 joined by NUL"))
}

impl ReadCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Item (`pk`, `sk`) if the cache knows it: `Some(None)` for "no such item".
    pub fn item(&self, pk: &str, sk: &str) -> Option<Option<CachedItem>> {
        with_item_key(pk, sk, |key| self.read().items.get(key).cloned())
    }

    /// Take before reading the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.read().generation)
    }

    /// Keeps what a reader read, unless a write ended since its ticket.
    pub fn fill_item(&self, ticket: Ticket, pk: &str, sk: &str, item: Option<CachedItem>) {
        let key = item_key(pk, sk);
        let bytes = State::item_bytes(&key, &item);
        let mut state = self.write();
        if state.generation != ticket.0 {
            return;
        }
        state.remove_item(&key);
        if state.make_room(bytes) {
            state.bytes += bytes;
            state.items.insert(key, item);
        }
    }

    /// A query result if the cache holds one of type `T` under `key`.
    pub fn query<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        self.read().queries.get(key).and_then(|q| q.value.downcast_ref::<T>().cloned())
    }

    /// Keeps a query result that read the GSI1 `partitions` and holds about `text_bytes` of
    /// text, unless a write ended since `ticket`.
    pub fn fill_query<T: Send + Sync + 'static>(&self, ticket: Ticket, key: String, partitions: Vec<String>, value: T, text_bytes: usize) {
        let bytes = key.len() + partitions.iter().map(String::len).sum::<usize>() + text_bytes + ENTRY_OVERHEAD;
        let mut state = self.write();
        if state.generation != ticket.0 {
            return;
        }
        state.remove_query(&key);
        if state.make_room(bytes) {
            state.bytes += bytes;
            state.queries.insert(key, Query { partitions, value: Arc::new(value), bytes });
        }
    }

    /// Brings the cache up to the written rows; called after every write transaction,
    /// committed or not (see [`Changes::discard_since`] and [`Changes::forget_bodies`]). A
    /// cached item whose row was last written with a body that stands is replaced by it (the
    /// next read of an item just written needs no database read: a wizard step reads the
    /// version it wrote the step before); any other written row's entry is dropped, as is
    /// every query result over a partition a row entered, changed in or left.
    /// A transaction that wrote no item changes nothing here, not even the generation, so
    /// writes to the other tables (the queue, job logs) do not stop readers filling the cache.
    pub fn invalidate(&self, rows: &[WrittenRow]) {
        if rows.is_empty() {
            return;
        }
        let mut state = self.write();
        state.generation += 1;
        // The last write of a key decides what it holds: walk from the end, once per key.
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        for row in rows.iter().rev() {
            let key = item_key(&row.pk, &row.sk);
            if !seen.insert(key.clone()) {
                continue;
            }
            let was_cached = state.items.contains_key(&key);
            state.remove_item(&key);
            if let (true, Some(body)) = (was_cached, &row.body) {
                let item = Some(CachedItem { body: body.clone(), list: row.gsi1pk[1].as_deref().map(Arc::from) });
                let bytes = State::item_bytes(&key, &item);
                if state.make_room(bytes) {
                    state.bytes += bytes;
                    state.items.insert(key, item);
                }
            }
        }
        let stale: Vec<String> = state
            .queries
            .iter()
            .filter(|(_, q)| rows.iter().flat_map(|r| r.gsi1pk.iter().flatten()).any(|written| q.partitions.contains(written)))
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            state.remove_query(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body part of what the cache holds, and a fill of a body listed nowhere.
    impl ReadCache {
        fn body(&self, pk: &str, sk: &str) -> Option<Option<Arc<str>>> {
            self.item(pk, sk).map(|item| item.map(|i| i.body))
        }

        fn fill_body(&self, ticket: Ticket, pk: &str, sk: &str, body: Option<Arc<str>>) {
            self.fill_item(ticket, pk, sk, body.map(|body| CachedItem { body, list: None }));
        }
    }

    fn row(pk: &str, sk: &str, gsi1pk: Option<&str>) -> WrittenRow {
        WrittenRow { pk: pk.into(), sk: sk.into(), gsi1pk: [gsi1pk.map(Into::into), None], body: None }
    }

    #[test]
    fn a_value_read_before_a_write_is_not_kept_after_it() {
        let cache = ReadCache::default();
        let ticket = cache.ticket();
        // The write ends (and invalidates) between the reader's database read and its fill.
        cache.invalidate(&[row("CONN#1", "META", None)]);
        cache.fill_body(ticket, "CONN#1", "META", Some("old".into()));
        assert_eq!(cache.body("CONN#1", "META"), None, "a stale body was kept");
        cache.fill_query(ticket, "list".into(), vec!["ORG#1".into()], 1u32, 0);
        assert_eq!(cache.query::<u32>("list"), None, "a stale result was kept");
    }

    #[test]
    fn a_write_drops_its_rows_and_the_queries_over_their_partitions() {
        let cache = ReadCache::default();
        let t = cache.ticket();
        cache.fill_body(t, "CONN#1", "META", Some("one".into()));
        cache.fill_body(t, "CONN#2", "META", None);
        cache.fill_query(t, "org 1".into(), vec!["ORG#1".into()], 1u32, 0);
        cache.fill_query(t, "org 2".into(), vec!["ORG#2".into()], 2u32, 0);
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("one".into())));
        assert_eq!(cache.body("CONN#2", "META"), Some(None), "absence is remembered");

        // CONN#2 is created in ORG#2's list: its body and ORG#2's lists go, the rest stays.
        cache.invalidate(&[row("CONN#2", "META", Some("ORG#2"))]);
        assert_eq!(cache.body("CONN#2", "META"), None);
        assert_eq!(cache.query::<u32>("org 2"), None);
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("one".into())));
        assert_eq!(cache.query::<u32>("org 1"), Some(1));

        // A move out of ORG#1 (old partition) drops ORG#1's lists too.
        cache.invalidate(&[WrittenRow { pk: "CONN#1".into(), sk: "META".into(), gsi1pk: [Some("ORG#1".into()), Some("BIN#1".into())], body: None }]);
        assert_eq!(cache.query::<u32>("org 1"), None);
        assert_eq!(cache.body("CONN#1", "META"), None);
    }

    #[test]
    fn the_cache_stays_within_its_budget_whatever_it_is_asked() {
        let cache = ReadCache::default();
        let held = |cache: &ReadCache| {
            let state = cache.read();
            let items: usize = state.items.iter().map(|(k, i)| State::item_bytes(k, i)).sum();
            let queries: usize = state.queries.values().map(|q| q.bytes).sum();
            assert_eq!(state.bytes, items + queries, "the accounting drifted");
            state.bytes
        };
        // Absences cost something too: asking for ids that do not exist cannot grow it forever.
        for i in 0..(MAX_BYTES / ENTRY_OVERHEAD) + 10 {
            cache.fill_body(cache.ticket(), &format!("CONN#{i}"), "META", None);
        }
        assert!(held(&cache) <= MAX_BYTES);
        assert!(cache.read().items.len() < MAX_BYTES / ENTRY_OVERHEAD, "absences are not charged");
        // Big bodies and results, and one too big to keep.
        let big: Arc<str> = "x".repeat(MAX_ENTRY_BYTES - 200).into();
        for i in 0..40 {
            cache.fill_body(cache.ticket(), &format!("K#{i}"), "META", Some(big.clone()));
            cache.fill_query(cache.ticket(), format!("q{i}"), vec!["ORG#1".into()], i, MAX_ENTRY_BYTES - 200);
            assert!(held(&cache) <= MAX_BYTES);
        }
        cache.fill_body(cache.ticket(), "HUGE", "META", Some("x".repeat(MAX_ENTRY_BYTES + 1).into()));
        assert_eq!(cache.body("HUGE", "META"), None, "an entry over the limit was kept");
        // Replacing an entry and invalidating it keep the accounting exact.
        cache.fill_body(cache.ticket(), "K#39", "META", Some("small".into()));
        cache.fill_query(cache.ticket(), "q39".into(), vec!["ORG#1".into()], 0, 10);
        held(&cache);
        cache.invalidate(&[row("K#39", "META", Some("ORG#1"))]);
        assert_eq!(cache.body("K#39", "META"), None);
        assert!(cache.read().queries.is_empty());
        held(&cache);
    }

    #[test]
    fn a_cached_body_takes_the_last_standing_write_of_its_row_and_nothing_else_is_added() {
        let cache = ReadCache::default();
        let t = cache.ticket();
        cache.fill_body(t, "CONN#1", "META", Some("one".into()));
        cache.fill_body(t, "CONN#2", "META", None);
        cache.fill_body(t, "CONN#3", "META", Some("three".into()));
        let written = |pk: &str, body: Option<&str>| WrittenRow { body: body.map(Into::into), ..row(pk, "META", None) };
        cache.invalidate(&[
            written("CONN#1", Some("two")),
            written("CONN#1", Some("two, then three")),
            // Created: a remembered absence becomes the body.
            written("CONN#2", Some("born")),
            // Written, then deleted in the same transaction.
            written("CONN#3", Some("gone soon")),
            written("CONN#3", None),
            // Never read: not added.
            written("JOB#1", Some("job")),
        ]);
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("two, then three".into())));
        assert_eq!(cache.body("CONN#2", "META"), Some(Some("born".into())));
        assert_eq!(cache.body("CONN#3", "META"), None, "a deleted row's body was kept");
        assert_eq!(cache.body("JOB#1", "META"), None, "a row nobody read was cached");

        // Rolled back to a savepoint: as if never written.
        let changes = Changes::default();
        changes.record(written("CONN#1", Some("kept")));
        let mark = changes.mark();
        changes.record(written("CONN#1", Some("rolled back")));
        changes.record(written("CONN#2", Some("rolled back")));
        changes.discard_since(mark);
        cache.invalidate(&changes.take());
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("kept".into())));
        assert_eq!(cache.body("CONN#2", "META"), Some(Some("born".into())), "a rolled-back write changed the cache");
        // A failed transaction: whatever it wrote is dropped, nothing is kept.
        changes.record(written("CONN#1", Some("unknown")));
        changes.forget_bodies();
        cache.invalidate(&changes.take());
        assert_eq!(cache.body("CONN#1", "META"), None, "a body of a failed transaction was kept");
    }

    #[test]
    fn a_cached_item_keeps_the_list_its_last_write_put_it_in_and_long_keys_are_found() {
        let cache = ReadCache::default();
        let listed = |list: &str| Some(CachedItem { body: "c".into(), list: Some(list.into()) });
        cache.fill_item(cache.ticket(), "CONN#1", "META", listed("ORGCONN#1"));
        assert_eq!(cache.item("CONN#1", "META"), Some(listed("ORGCONN#1")));
        // Binned: the row moves from its organization's list to its bin.
        let moved = WrittenRow { body: Some("c".into()), gsi1pk: [Some("ORGCONN#1".into()), Some("ORGBIN#1".into())], ..row("CONN#1", "META", None) };
        cache.invalidate(&[moved]);
        assert_eq!(cache.item("CONN#1", "META"), Some(listed("ORGBIN#1")), "the cached item kept its old list");
        // A key longer than the lookup's stack buffer.
        let long = "P".repeat(200);
        cache.fill_item(cache.ticket(), &long, "META", listed("ORGCONN#2"));
        assert_eq!(cache.item(&long, "META"), Some(listed("ORGCONN#2")));
        assert_eq!(cache.item(&long, "METB"), None);
    }

    #[test]
    fn a_write_that_touched_no_item_does_not_stop_a_fill() {
        let cache = ReadCache::default();
        let ticket = cache.ticket();
        cache.invalidate(&[]);
        cache.fill_body(ticket, "CONN#1", "META", Some("one".into()));
        assert_eq!(cache.body("CONN#1", "META"), Some(Some("one".into())));
    }
}
