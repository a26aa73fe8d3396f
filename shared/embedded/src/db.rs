//! The SQLite database behind the embedded store: one `items` table mirroring the DynamoDB
//! single-table design (pk, sk, one GSI, a revision for conditional writes, a TTL column).
//!
//! SQLite (bundled through `rusqlite`) because it is transactional, crash-safe in WAL mode
//! with `synchronous=FULL`, has no server to run, and its JSON functions let lists filter on
//! item bodies. One writer connection, owned by one thread (`writer.rs`), serialises writes (SQLite
//! allows one writer anyway) and commits those that wait together as one transaction;
//! a small pool of reader connections serves reads concurrently under WAL. The hot reads go
//! through the exact in-memory [`ReadCache`] first; it is exact because this process is the only
//! writer (the data directory's lock, [`lock_data_dir`]) and every write reports its rows.

use crate::read_cache::{CachedItem, Changes, ReadCache, WrittenRow};
use crate::writer::Writer;
use devportal_domain::ports::{StoreError, StoreResult};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    body TEXT NOT NULL,
    visible_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    dead INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    dead_at INTEGER
);
CREATE INDEX IF NOT EXISTS queue_ready ON queue (stage, dead, visible_at);
CREATE TABLE IF NOT EXISTS job_log (
    job TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    stream TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (job, seq)
) WITHOUT ROWID;
";

/// The item type of both stores (`devportal-table`); SQLite keeps every field but `gsi2`.
pub use devportal_table::Item;

/// A handle on the database; clones share the connections.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The thread owning the writer connection and the data directory's lock, which it lets
    /// go only after closing the connection.
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    cache: ReadCache,
}

const MAX_IDLE_READERS: usize = 64;

impl Db {
    /// Opens (creating if needed) `DIR/devportal.db`. The directory is made private (0700) and
    /// locked to this process ([`lock_data_dir`]; another process holding it is waited for up
    /// to 10 s). Within the process, opening a directory that is already open answers the
    /// same handle — one writer, one read cache — whoever opens it (a test's second handle).
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| fatal(format!("cannot create data directory {}: {e}", data_dir.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700));
        }
        let dir = data_dir.canonicalize().map_err(|e| fatal(format!("cannot resolve data directory {}: {e}", data_dir.display())))?;
        static OPEN: Mutex<Vec<(PathBuf, Weak<Inner>)>> = Mutex::new(Vec::new());
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|(_, inner)| inner.strong_count() > 0);
        if let Some(inner) = open.iter().find(|(d, _)| *d == dir).and_then(|(_, inner)| inner.upgrade()) {
            return Ok(Self { inner });
        }
        let db = Self::open_locked(&dir, LOCK_WAIT)?;
        open.push((dir, Arc::downgrade(&db.inner)));
        Ok(db)
    }

    fn open_locked(data_dir: &Path, lock_wait: Duration) -> StoreResult<Self> {
        let lock = lock_data_dir(data_dir, lock_wait)?;
        let path = data_dir.join("devportal.db");
        let writer = open_connection(&path, false)?;
        writer.execute_batch(SCHEMA).map_err(sql)?;
        writer.execute_batch(crate::runs::SCHEMA).map_err(sql)?;
        crate::runs::migrate(&writer)?;
        let changes = Changes::default();
        report_written_rows(&writer, changes.clone())?;
        let cache = ReadCache::default();
        let writer = Writer::start(writer, cache.clone(), changes, lock)?;
        let inner = Inner { path, writer, readers: Mutex::new(vec![]), cache };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Copies the write-ahead log into the database and truncates it, so that overwritten
    /// content (a deleted secret) does not linger in the WAL file.
    pub async fn checkpoint(&self) -> StoreResult<()> {
        self.inner.writer.outside(|conn| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sql)).await
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a reader connection. Reads run inline on the calling task: under WAL a
    /// read never waits for the writer and takes microseconds from the page cache, far less
    /// than a hand-off to the blocking pool (measured: the hand-offs were ~30% of a GET's CPU).
    pub async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static) -> StoreResult<T> {
        let inner = &self.inner;
        let pooled = inner.readers.lock().expect("reader pool poisoned").pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(&inner.path, true)?,
        };
        let result = f(&conn);
        let mut pool = inner.readers.lock().expect("reader pool poisoned");
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    /// Runs `f` inside a write transaction (`BEGIN IMMEDIATE`), answered once that is
    /// committed; `f` failing rolls back what `f` wrote and nothing else. Writes waiting
    /// together share one transaction and one `fsync` (the writer thread, `writer.rs`), each in
    /// a savepoint of its own. Before it returns, the read cache is brought up to every row
    /// written (write-through: a cached item takes the body written, see `read_cache.rs`).
    pub async fn write<T: Send + 'static>(&self, f: impl FnOnce(&rusqlite::Transaction) -> StoreResult<T> + Send + 'static) -> StoreResult<T> {
        self.inner.writer.write(f).await
    }

    /// Item (`pk`, `sk`) as [`ops::get_item`] reads it, from the read cache when it holds the
    /// item (or knows it is absent).
    pub async fn cached_item(&self, pk: &str, sk: &str) -> StoreResult<Option<CachedItem>> {
        let cache = &self.inner.cache;
        if let Some(known) = cache.item(pk, sk) {
            return Ok(known);
        }
        let ticket = cache.ticket();
        let (p, s) = (pk.to_owned(), sk.to_owned());
        let item = self.read(move |c| ops::get_item(c, &p, &s)).await?;
        cache.fill_item(ticket, pk, sk, item.clone());
        Ok(item)
    }

    /// The body of item (`pk`, `sk`): [`Db::cached_item`]'s.
    pub async fn cached_body(&self, pk: &str, sk: &str) -> StoreResult<Option<Arc<str>>> {
        Ok(self.cached_item(pk, sk).await?.map(|item| item.body))
    }

    /// What the read cache holds for item (`pk`, `sk`) (tests).
    #[cfg(test)]
    pub(crate) fn cache_entry(&self, pk: &str, sk: &str) -> Option<Option<Arc<str>>> {
        self.inner.cache.item(pk, sk).map(|item| item.map(|i| i.body))
    }

    /// The result of `f`, a read of the GSI1 `partitions` only, from the read cache when it
    /// holds one under `key` (which must name everything the result depends on besides them).
    /// `text_bytes` tells what a result holds, for the cache's budget.
    pub async fn cached_query<T: Clone + Send + Sync + 'static>(
        &self,
        key: String,
        partitions: Vec<String>,
        text_bytes: impl FnOnce(&T) -> usize,
        f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let cache = &self.inner.cache;
        if let Some(known) = cache.query::<T>(&key) {
            return Ok(known);
        }
        let ticket = cache.ticket();
        let value = self.read(f).await?;
        let bytes = text_bytes(&value);
        cache.fill_query(ticket, key, partitions, value.clone(), bytes);
        Ok(value)
    }
}

/// How long `Db::open` waits for another process holding the data directory to let go (a
/// portal being restarted by its service manager may still be writing out its last lines).
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Takes the data directory's lock (`devportal.lock`, an `flock` the kernel drops when the
/// process ends, however it ends) and writes our pid into it. One process per directory: two
/// would both run the queue's workers, and neither's read cache would see the other's writes.
fn lock_data_dir(dir: &Path, wait: Duration) -> StoreResult<std::fs::File> {
    use std::io::{Read, Seek, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("devportal.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| fatal(format!("cannot open {}: {e}", path.display())))?;
    let deadline = Instant::now() + wait;
    // SAFETY: flock on a descriptor this function owns; no memory is involved.
    while unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(fatal(format!("cannot lock {}: {error}", path.display())));
        }
        if Instant::now() >= deadline {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
            return Err(fatal(format!(
                "the data directory {} is in use by another devportal process{holder}; stop it or choose another --data-dir",
                dir.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| write!(file, "{}", std::process::id()));
    written.map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    Ok(file)
}

/// Every row written to `items` on `writer`, whatever the statement, is reported to `changes`
/// by TEMP triggers (this connection's own, not in the database file), with the body it left. With recursive triggers
/// on, the row an `INSERT OR REPLACE` deletes is reported too, with its old GSI1 partition.
fn report_written_rows(writer: &Connection, changes: Changes) -> StoreResult<()> {
    writer
        .create_scalar_function("devportal_item_written", 5, FunctionFlags::SQLITE_UTF8, move |ctx| {
            // The body straight from SQLite's value into the shared string: one copy per written row.
            let body = match ctx.get_raw(4) {
                ValueRef::Text(bytes) => {
                    let text = std::str::from_utf8(bytes).map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
                    Some(Arc::<str>::from(text))
                }
                _ => None,
            };
            changes.record(WrittenRow { pk: ctx.get(0)?, sk: ctx.get(1)?, gsi1pk: [ctx.get(2)?, ctx.get(3)?], body });
            Ok(rusqlite::types::Null)
        })
        .map_err(sql)?;
    writer
        .execute_batch(
            "PRAGMA recursive_triggers = ON;
             CREATE TEMP TRIGGER items_inserted AFTER INSERT ON main.items
                 BEGIN SELECT devportal_item_written(NEW.pk, NEW.sk, NULL, NEW.gsi1pk, NEW.body); END;
             CREATE TEMP TRIGGER items_updated AFTER UPDATE ON main.items BEGIN
                 SELECT devportal_item_written(OLD.pk, OLD.sk, OLD.gsi1pk, NEW.gsi1pk, NULL);
                 SELECT devportal_item_written(NEW.pk, NEW.sk, OLD.gsi1pk, NEW.gsi1pk, NEW.body);
             END;
             CREATE TEMP TRIGGER items_deleted AFTER DELETE ON main.items
                 BEGIN SELECT devportal_item_written(OLD.pk, OLD.sk, OLD.gsi1pk, NULL, NULL); END;",
        )
        .map_err(sql)
}

fn open_connection(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|e| fatal(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(sql)?;
    if !read_only {
        // WAL + FULL: a committed transaction survives a crash of the process or the machine.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
        // Deleted content (replaced secrets) is overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON").map_err(sql)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(conn)
}

pub(crate) fn sql(e: rusqlite::Error) -> StoreError {
    let retryable = matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked));
    StoreError::Unavailable { message: format!("sqlite: {e}"), retryable }
}

pub(crate) fn fatal(message: String) -> StoreError {
    StoreError::Unavailable { message, retryable: false }
}

pub(crate) fn to_json(v: &impl Serialize) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| fatal(format!("cannot encode item: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::undecodable("item", e))
}

/// Item operations inside a transaction or on a reader.
pub mod ops {
    use super::*;

    pub fn get<T: DeserializeOwned>(conn: &Connection, pk: &str, sk: &str) -> StoreResult<Option<T>> {
        get_body(conn, pk, sk)?.map(|b| from_json(&b)).transpose()
    }

    /// The item's body as stored (the JSON text of its record).
    pub fn get_body(conn: &Connection, pk: &str, sk: &str) -> StoreResult<Option<String>> {
        conn.prepare_cached("SELECT body FROM items WHERE pk = ?1 AND sk = ?2")
            .map_err(sql)?
            .query_row(params![pk, sk], |r| r.get(0))
            .optional()
            .map_err(sql)
    }

    /// The body of item (`pk`, `sk`) and the GSI1 partition it is listed in.
    pub fn get_item(conn: &Connection, pk: &str, sk: &str) -> StoreResult<Option<CachedItem>> {
        conn.prepare_cached("SELECT body, gsi1pk FROM items WHERE pk = ?1 AND sk = ?2")
            .map_err(sql)?
            .query_row(params![pk, sk], |r| {
                Ok(CachedItem { body: r.get::<_, String>(0)?.into(), list: r.get::<_, Option<String>>(1)?.map(Into::into) })
            })
            .optional()
            .map_err(sql)
    }

    /// Like [`get`], but an item whose `expires_at` is at or before `now` counts as absent.
    pub fn get_live<T: DeserializeOwned>(conn: &Connection, pk: &str, sk: &str, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Option<T>> {
        let body: Option<String> = conn
            .prepare_cached("SELECT body FROM items WHERE pk = ?1 AND sk = ?2 AND (expires_at IS NULL OR expires_at > ?3)")
            .map_err(sql)?
            .query_row(params![pk, sk, now.timestamp()], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        body.map(|b| from_json(&b)).transpose()
    }

    /// Inserts a new item, replacing one at its key that expired at or before `now`;
    /// `AlreadyExists { what }` if a live item holds the key.
    pub fn insert_unless_live(conn: &Connection, item: &Item, now: chrono::DateTime<chrono::Utc>, what: &str) -> StoreResult<()> {
        conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2 AND expires_at IS NOT NULL AND expires_at <= ?3")
            .map_err(sql)?
            .execute(params![item.pk, item.sk, now.timestamp()])
            .map_err(sql)?;
        insert(conn, item, what)
    }

    /// Inserts a new item; `AlreadyExists { what }` if the key is taken.
    pub fn insert(conn: &Connection, item: &Item, what: &str) -> StoreResult<()> {
        let (g1p, g1s) = item.gsi1.clone().unzip();
        let res = conn
            .prepare_cached("INSERT INTO items (pk, sk, gsi1pk, gsi1sk, revision, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(sql)?
            .execute(params![item.pk, item.sk, g1p, g1s, item.revision as i64, item.expires_at, item.body]);
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Err(StoreError::AlreadyExists { what: what.to_string() })
            }
            Err(e) => Err(sql(e)),
        }
    }

    /// Replaces an item whose stored revision is `expected`; writes `item.revision`.
    pub fn update(conn: &Connection, item: &Item, expected: u64, what: &str) -> StoreResult<()> {
        let (g1p, g1s) = item.gsi1.clone().unzip();
        let changed = conn
            .prepare_cached(
                "UPDATE items SET gsi1pk = ?3, gsi1sk = ?4, revision = ?5, expires_at = ?6, body = ?7
                 WHERE pk = ?1 AND sk = ?2 AND revision = ?8",
            )
            .map_err(sql)?
            .execute(params![item.pk, item.sk, g1p, g1s, item.revision as i64, item.expires_at, item.body, expected as i64])
            .map_err(sql)?;
        if changed == 1 {
            return Ok(());
        }
        let current: Option<i64> = conn
            .prepare_cached("SELECT revision FROM items WHERE pk = ?1 AND sk = ?2")
            .map_err(sql)?
            .query_row(params![item.pk, item.sk], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        match current {
            Some(current) => Err(StoreError::Conflict { current: current as u64 }),
            None => Err(StoreError::NotFound { what: what.to_string() }),
        }
    }

    /// Writes an item whatever was there (no condition).
    pub fn put(conn: &Connection, item: &Item) -> StoreResult<()> {
        let (g1p, g1s) = item.gsi1.clone().unzip();
        conn.prepare_cached("INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, revision, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(sql)?
            .execute(params![item.pk, item.sk, g1p, g1s, item.revision as i64, item.expires_at, item.body])
            .map_err(sql)?;
        Ok(())
    }

    /// Deletes an item whose stored revision is `expected`.
    pub fn delete_if(conn: &Connection, pk: &str, sk: &str, expected: u64, what: &str) -> StoreResult<()> {
        let n = conn
            .prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2 AND revision = ?3")
            .map_err(sql)?
            .execute(params![pk, sk, expected as i64])
            .map_err(sql)?;
        if n == 1 {
            return Ok(());
        }
        let current: Option<i64> = conn
            .prepare_cached("SELECT revision FROM items WHERE pk = ?1 AND sk = ?2")
            .map_err(sql)?
            .query_row(params![pk, sk], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        match current {
            Some(current) => Err(StoreError::Conflict { current: current as u64 }),
            None => Err(StoreError::NotFound { what: what.to_string() }),
        }
    }

    /// Deletes an item; whether it existed.
    pub fn delete(conn: &Connection, pk: &str, sk: &str) -> StoreResult<bool> {
        let n = conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2").map_err(sql)?.execute(params![pk, sk]).map_err(sql)?;
        Ok(n > 0)
    }

    /// Items of a partition whose sort key starts with `prefix`, in sort-key order.
    pub fn query_prefix<T: DeserializeOwned>(conn: &Connection, pk: &str, prefix: &str) -> StoreResult<Vec<T>> {
        let mut stmt = conn.prepare_cached("SELECT body FROM items WHERE pk = ?1 AND sk >= ?2 AND sk < ?2 || x'ff' ORDER BY sk").map_err(sql)?;
        let rows = stmt.query_map(params![pk, prefix], |r| r.get::<_, String>(0)).map_err(sql)?;
        rows.map(|r| r.map_err(sql).and_then(|b| from_json(&b))).collect()
    }

    /// Items of a GSI1 partition, in GSI1 sort-key order.
    pub fn query_gsi1<T: DeserializeOwned>(conn: &Connection, gsi1pk: &str) -> StoreResult<Vec<T>> {
        let mut stmt = conn.prepare_cached("SELECT body FROM items WHERE gsi1pk = ?1 ORDER BY gsi1sk").map_err(sql)?;
        let rows = stmt.query_map(params![gsi1pk], |r| r.get::<_, String>(0)).map_err(sql)?;
        rows.map(|r| r.map_err(sql).and_then(|b| from_json(&b))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn item(pk: &str, sk: &str, partition: Option<&str>, body: &str) -> Item {
        let item = Item::new(pk, sk, &body).unwrap();
        match partition {
            Some(p) => item.gsi1(p, pk),
            None => item,
        }
    }

    async fn put(db: &Db, item: Item) {
        db.write(move |tx| ops::put(tx, &item)).await.unwrap();
    }

    async fn body(db: &Db, pk: &str) -> Option<String> {
        db.cached_body(pk, "META").await.unwrap().map(|b| serde_json::from_str(&b).unwrap())
    }

    #[tokio::test]
    async fn every_write_reaches_the_next_read_of_a_body_whatever_its_statement() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(body(&db, "CONN#1").await, None, "absent, and remembered as absent");
        put(&db, item("CONN#1", "META", None, "one")).await;
        assert_eq!(body(&db, "CONN#1").await.as_deref(), Some("one"), "a remembered absence outlived an insert");
        assert!(db.inner.cache.item("CONN#1", "META").is_some(), "the read did not fill the cache");
        put(&db, item("CONN#1", "META", None, "two")).await;
        assert_eq!(body(&db, "CONN#1").await.as_deref(), Some("two"), "an INSERT OR REPLACE was not seen");
        // Plain SQL, as a purge writes it.
        db.write(|tx| tx.execute("UPDATE items SET body = '\"three\"' WHERE pk LIKE 'CONN#%'", []).map_err(sql)).await.unwrap();
        assert_eq!(body(&db, "CONN#1").await.as_deref(), Some("three"), "an UPDATE was not seen");
        db.write(|tx| tx.execute("DELETE FROM items WHERE pk LIKE 'CONN#%'", []).map_err(sql)).await.unwrap();
        assert_eq!(body(&db, "CONN#1").await, None, "a DELETE was not seen");
        // A transaction that fails leaves what was there.
        put(&db, item("CONN#1", "META", None, "four")).await;
        assert_eq!(body(&db, "CONN#1").await.as_deref(), Some("four"));
        let failed = db
            .write(|tx| {
                ops::put(tx, &item("CONN#1", "META", None, "never"))?;
                Err::<(), _>(fatal("refused".into()))
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(body(&db, "CONN#1").await.as_deref(), Some("four"), "a rolled-back write was seen");
    }

    #[tokio::test]
    async fn a_query_is_read_again_only_when_a_row_enters_changes_or_leaves_its_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let names = |db: Db, reads: Arc<AtomicUsize>| async move {
            db.cached_query(
                "names in ORG#1".into(),
                vec!["ORG#1".into()],
                |names: &Vec<String>| names.iter().map(String::len).sum(),
                move |c| {
                    reads.fetch_add(1, Ordering::SeqCst);
                    let mut stmt = c.prepare_cached("SELECT body FROM items WHERE gsi1pk = 'ORG#1' ORDER BY gsi1sk").map_err(sql)?;
                    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(sql)?;
                    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
                },
            )
            .await
            .unwrap()
            .join(",")
        };
        put(&db, item("CONN#1", "META", Some("ORG#1"), "a")).await;
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\"");
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\"");
        assert_eq!(reads.load(Ordering::SeqCst), 1, "the second read did not come from the cache");

        // A write elsewhere keeps the result; a row entering the partition drops it.
        put(&db, item("CONN#9", "META", Some("ORG#2"), "z")).await;
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\"");
        assert_eq!(reads.load(Ordering::SeqCst), 1, "a write to another partition dropped the result");
        put(&db, item("CONN#2", "META", Some("ORG#1"), "b")).await;
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\",\"b\"");
        // A row changing inside it, then leaving it (binned: another partition).
        put(&db, item("CONN#2", "META", Some("ORG#1"), "b2")).await;
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\",\"b2\"");
        put(&db, item("CONN#2", "META", Some("BIN#1"), "b2")).await;
        assert_eq!(names(db.clone(), reads.clone()).await, "\"a\"");
        db.write(|tx| tx.execute("DELETE FROM items WHERE gsi1pk = 'ORG#1'", []).map_err(sql)).await.unwrap();
        assert_eq!(names(db.clone(), reads.clone()).await, "");
    }

    #[tokio::test]
    async fn a_data_directory_is_locked_to_one_holder_named_in_the_refusal() {
        // Two locks in one process conflict like two processes' (flock is per open file).
        let dir = tempfile::tempdir().unwrap();
        let first = lock_data_dir(dir.path(), Duration::ZERO).unwrap();
        let refused = lock_data_dir(dir.path(), Duration::from_millis(200)).expect_err("a second lock was granted");
        let message = refused.to_string();
        assert!(message.contains("in use by another devportal process"), "{message}");
        assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
        assert!(message.contains(&dir.path().display().to_string()), "{message}");
        drop(first);
        lock_data_dir(dir.path(), Duration::ZERO).expect("the lock outlived its holder");
    }

    #[tokio::test]
    async fn opening_an_open_directory_again_shares_its_writer_and_cache() {
        let dir = tempfile::tempdir().unwrap();
        let first = Db::open(dir.path()).unwrap();
        assert_eq!(body(&first, "CONN#1").await, None);
        // The other handle (reached by another spelling of the path) writes; the first's cache
        // must not answer the absence it remembered.
        let second = Db::open(&dir.path().join(".")).unwrap();
        assert!(Arc::ptr_eq(&first.inner, &second.inner), "a second writer was opened");
        put(&second, item("CONN#1", "META", None, "one")).await;
        assert_eq!(body(&first, "CONN#1").await.as_deref(), Some("one"));
        drop((first, second));
        // Closed everywhere: the next open is a new handle on the same data.
        let again = Db::open(dir.path()).unwrap();
        assert_eq!(body(&again, "CONN#1").await.as_deref(), Some("one"));
    }
}
