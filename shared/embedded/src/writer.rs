//! The database's one writer (docs/ARCHITECTURE.md, "Group commit"): a thread that owns the
//! writer connection and runs the writes that are waiting together in one transaction, each
//! in a savepoint of its own, committed with one `fsync`.
//!
//! Why: with `synchronous=FULL` every commit waits for the disk, and SQLite has one writer.
//! Committed one by one, concurrent writes queue behind each other's `fsync` (and each one
//! woke a blocking-pool thread only to wait on a lock). Grouped, the writes that arrived
//! during one commit share the next. Nothing is weaker: a write is answered only after the
//! commit that holds it is durable, and a write that fails rolls back to its own savepoint
//! without touching the others in its group.

use crate::db::sql;
use crate::read_cache::{Changes, ReadCache};
use devportal_domain::ports::{StoreError, StoreResult};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// At most this many writes share a transaction, so one group's commit is never held up for
/// long by the writes queued behind it.
pub const MAX_GROUP: usize = 64;

type Value = Box<dyn Any + Send>;
type Work = Box<dyn FnOnce(&Transaction) -> StoreResult<Value> + Send>;
type OutsideWork = Box<dyn FnOnce(&Connection) -> StoreResult<()> + Send>;

/// What the writer thread is asked to do.
enum Request {
    /// Run inside the next group's transaction; answered once that transaction is committed.
    Write { work: Work, reply: oneshot::Sender<StoreResult<Value>> },
    /// Run on the connection outside any transaction (a WAL checkpoint).
    Outside { work: OutsideWork, reply: oneshot::Sender<StoreResult<()>> },
}

/// The handle on the writer thread; dropping it lets the thread finish the writes already
/// asked for, close the connection and end (the drop waits for that).
pub struct Writer {
    requests: Option<mpsc::Sender<Request>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread that owns `conn`. After each transaction, committed or not, the rows
    /// it wrote (`changes`, filled by the connection's triggers) are brought into `cache`
    /// (`ReadCache::invalidate`) before any of its writes is answered. `lock` (the data
    /// directory's) is held by the thread and let go only after it has closed the connection,
    /// however the last handle is dropped.
    pub fn start(conn: Connection, cache: ReadCache, changes: Changes, lock: std::fs::File) -> StoreResult<Self> {
        let (requests, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("devportal-db-writer".into())
            .spawn(move || {
                run(conn, &queue, &cache, &changes);
                drop(lock);
            })
            .map_err(|e| crate::db::fatal(format!("cannot start the database writer: {e}")))?;
        Ok(Self { requests: Some(requests), thread: Some(thread) })
    }

    /// Runs `f` in a savepoint of the next transaction; its value once that is committed.
    pub async fn write<T: Send + 'static>(&self, f: impl FnOnce(&Transaction) -> StoreResult<T> + Send + 'static) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let work: Work = Box::new(move |tx| f(tx).map(|v| Box::new(v) as Value));
        self.send(Request::Write { work, reply })?;
        let value = answer.await.map_err(|_| stopped())??;
        Ok(*value.downcast::<T>().expect("a write answers the type its closure returned"))
    }

    /// Runs `f` on the connection between transactions.
    pub async fn outside(&self, f: impl FnOnce(&Connection) -> StoreResult<()> + Send + 'static) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Outside { work: Box::new(f), reply })?;
        answer.await.map_err(|_| stopped())?
    }

    fn send(&self, request: Request) -> StoreResult<()> {
        self.requests.as_ref().expect("present until drop").send(request).map_err(|_| stopped())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            // The last handle may be dropped by the thread itself (a write's closure held it):
            // then it ends on its own once this write is done.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable { message: "the database writer has stopped".into(), retryable: false }
}

/// The thread: wait for a request, take every write waiting behind it (up to [`MAX_GROUP`]),
/// run them as one transaction; a request to work outside a transaction ends the group and
/// runs after its commit.
fn run(mut conn: Connection, queue: &mpsc::Receiver<Request>, cache: &ReadCache, changes: &Changes) {
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(request) => request,
            None => match queue.recv() {
                Ok(request) => request,
                Err(_) => return,
            },
        };
        let mut group = Vec::new();
        match first {
            Request::Outside { work, reply } => {
                let _ = reply.send(guarded(|| work(&conn)).and_then(|r| r));
                continue;
            }
            Request::Write { work, reply } => group.push((work, reply)),
        }
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(Request::Write { work, reply }) => group.push((work, reply)),
                Ok(outside) => {
                    next = Some(outside);
                    break;
                }
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group, cache, changes);
    }
}

type Reply = oneshot::Sender<StoreResult<Value>>;

/// Runs one group in one transaction and answers each of its writes — all of them after the
/// transaction ends, failures too: a write may fail *because of* an earlier one in its group
/// (the row it inserts already exists, the revision it expects has moved on), and a caller
/// that reads after such an answer must find that earlier write committed.
fn commit_group(conn: &mut Connection, group: Vec<(Work, Reply)>, cache: &ReadCache, changes: &Changes) {
    let mut waiting = group.into_iter();
    let mut ran: Vec<(Reply, StoreResult<Value>)> = Vec::with_capacity(waiting.len());
    let outcome = run_group(conn, changes, &mut waiting, &mut ran);
    if outcome.is_err() {
        changes.forget_bodies();
    }
    // Committed or not, before anyone is answered (see the read cache's module doc).
    cache.invalidate(&changes.take());
    match outcome {
        Ok(()) => {
            for (reply, result) in ran {
                let _ = reply.send(result);
            }
        }
        Err(GroupFailure { error, cause }) => {
            // Nothing of the group was committed: every write fails with the group's error
            // (a failure answered from what an uncommitted write did would mislead), except
            // the one whose own failure ended the transaction, which gets its own.
            if let Some((reply, own)) = cause {
                let _ = reply.send(Err(own));
            }
            for reply in ran.into_iter().map(|(reply, _)| reply).chain(waiting.map(|(_, reply)| reply)) {
                let _ = reply.send(Err(group_failure(&error)));
            }
        }
    }
}

/// Why a group's transaction ended without a commit; `cause` is the write whose own failure
/// made SQLite roll it back, with that failure.
struct GroupFailure {
    error: StoreError,
    cause: Option<(Reply, StoreError)>,
}

impl From<StoreError> for GroupFailure {
    fn from(error: StoreError) -> Self {
        Self { error, cause: None }
    }
}

/// The transaction of one group: each write in its own savepoint; a write that fails leaves no
/// trace. Every write run goes to `ran` with its result, to be answered once the transaction
/// has ended.
fn run_group(
    conn: &mut Connection,
    changes: &Changes,
    waiting: &mut impl Iterator<Item = (Work, Reply)>,
    ran: &mut Vec<(Reply, StoreResult<Value>)>,
) -> Result<(), GroupFailure> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
    let statement = |text: &str| tx.prepare_cached(text).and_then(|mut s| s.execute([])).map(|_| ()).map_err(sql);
    for (work, reply) in waiting.by_ref() {
        if let Err(e) = statement("SAVEPOINT write") {
            ran.push((reply, Err(group_failure(&e))));
            return Err(e.into());
        }
        let mark = changes.mark();
        let result = match guarded(|| work(&tx)).and_then(|r| r) {
            Err(own) if tx.is_autocommit() => {
                // SQLite rolled the whole transaction back itself (an I/O error, say).
                let error = StoreError::Unavailable {
                    message: "another write in the same transaction failed and SQLite rolled the transaction back".into(),
                    retryable: true,
                };
                return Err(GroupFailure { error, cause: Some((reply, own)) });
            }
            result => result,
        };
        // Close the write's savepoint; should that fail, the write (in `ran`) is answered with
        // the group's failure like the rest — never left without an answer.
        let closed = match &result {
            Ok(_) => statement("RELEASE write"),
            Err(_) => statement("ROLLBACK TO write").and_then(|()| statement("RELEASE write")).map(|()| changes.discard_since(mark)),
        };
        ran.push((reply, result));
        closed?;
    }
    Ok(tx.commit().map_err(sql)?)
}

/// The failure of a whole group, as each of its writes is answered.
fn group_failure(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable { message, retryable } => StoreError::Unavailable { message: message.clone(), retryable: *retryable },
        other => StoreError::Unavailable { message: other.to_string(), retryable: true },
    }
}

/// Runs `f`, answering a panic as a failure of that write alone.
fn guarded<T>(f: impl FnOnce() -> T) -> StoreResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| StoreError::Unavailable { message: "a store write panicked".into(), retryable: false })
}

#[cfg(test)]
mod tests {
    use crate::db::{ops, Db, Item};
    use devportal_domain::ports::StoreError;
    use rusqlite::{Connection, OpenFlags};
    use std::path::Path;
    use std::sync::mpsc;

    fn put(tx: &rusqlite::Transaction, pk: &str) -> Result<(), StoreError> {
        ops::put(tx, &Item::new(pk, "META", &pk)?)
    }

    /// A database in a fresh directory (kept while the first value lives) and its file.
    fn open() -> (tempfile::TempDir, Db, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let path = db.path().to_path_buf();
        (dir, db, path)
    }

    /// Whether another connection sees `pk` committed.
    fn committed(path: &Path, pk: &str) -> bool {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        ops::get_body(&conn, pk, "META").unwrap().is_some()
    }

    /// Holds the writer thread in a write until the returned sender is used, so the writes
    /// asked for meanwhile wait together.
    async fn hold_the_writer(db: &Db) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
        let (release, held) = mpsc::channel::<()>();
        let (entered, is_entered) = tokio::sync::oneshot::channel();
        let holder = {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(move |tx| {
                    let _ = entered.send(());
                    held.recv().unwrap();
                    put(tx, "HOLD")
                })
                .await
                .unwrap()
            })
        };
        is_entered.await.unwrap();
        (release, holder)
    }

    #[tokio::test]
    async fn waiting_writes_share_one_transaction_and_a_failing_one_takes_only_itself_back() {
        let (_dir, db, path) = open();
        let (release, holder) = hold_the_writer(&db).await;

        let mut writes = Vec::new();
        for n in 0..6 {
            let (db, path) = (db.clone(), path.clone());
            writes.push(tokio::spawn(async move {
                db.write(move |tx| {
                    let pk = format!("W#{n}");
                    put(tx, &pk)?;
                    match n {
                        // The first of the group is not committed yet when the later ones run:
                        // they are in its transaction.
                        3 => Ok(committed(&path, "W#0")),
                        2 => Err(StoreError::Conflict { current: 7 }),
                        4 => panic!("a write that panics"),
                        _ => Ok(false),
                    }
                })
                .await
            }));
            // In order, so the group runs 0..6 as asked.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        release.send(()).unwrap();
        holder.await.unwrap();
        let mut answers = Vec::new();
        for w in writes {
            answers.push(w.await.unwrap());
        }
        assert_eq!(answers[3].as_ref().ok(), Some(&false), "write 3 saw write 0 committed: they were not one group");
        assert!(matches!(answers[2], Err(StoreError::Conflict { current: 7 })), "{:?}", answers[2]);
        assert!(answers[4].as_ref().is_err_and(|e| e.to_string().contains("panicked")), "{:?}", answers[4]);
        for n in [0, 1, 3, 5] {
            assert!(answers[n].is_ok(), "write {n}: {:?}", answers[n]);
            assert!(committed(&path, &format!("W#{n}")), "write {n} answered but not committed");
        }
        for n in [2, 4] {
            assert!(!committed(&path, &format!("W#{n}")), "failed write {n} left its row");
        }
        // The writer goes on after a panic.
        db.write(|tx| put(tx, "AFTER")).await.unwrap();
        assert!(committed(&path, "AFTER"));
    }

    #[tokio::test]
    async fn a_write_failing_because_of_an_earlier_one_in_its_group_is_answered_after_that_one_commits() {
        let (_dir, db, path) = open();
        let (release, holder) = hold_the_writer(&db).await;
        let insert = |db: &Db| {
            let (db, path) = (db.clone(), path.clone());
            tokio::spawn(async move {
                let result = db.write(|tx| ops::insert(tx, &Item::new("RACED", "META", &"x")?, "raced")).await;
                // What a caller reading right after its answer finds.
                (result, committed(&path, "RACED"))
            })
        };
        let first = insert(&db);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let second = insert(&db);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        release.send(()).unwrap();
        holder.await.unwrap();
        let (first, _) = first.await.unwrap();
        first.unwrap();
        let (second, seen) = second.await.unwrap();
        assert!(matches!(second, Err(StoreError::AlreadyExists { .. })), "{second:?}");
        assert!(seen, "the refusal was answered before the write that caused it was committed");
    }

    #[tokio::test]
    async fn a_write_is_answered_only_once_committed_and_its_rows_leave_the_cache_first() {
        let (_dir, db, path) = open();
        assert!(db.cached_body("ONE", "META").await.unwrap().is_none(), "absent, and remembered so");
        for n in 0..20 {
            let pk = format!("ONE#{n}");
            let p = pk.clone();
            db.write(move |tx| put(tx, &p)).await.unwrap();
            assert!(committed(&path, &pk), "answered before its commit");
        }
        db.write(|tx| put(tx, "ONE")).await.unwrap();
        assert!(db.cached_body("ONE", "META").await.unwrap().is_some(), "the cache still held the absence");
    }

    #[tokio::test]
    async fn a_read_item_written_again_is_answered_from_memory_unless_its_write_failed() {
        let (_dir, db, _) = open();
        db.write(|tx| ops::put(tx, &Item::new("CONN#1", "META", &"one")?)).await.unwrap();
        assert_eq!(db.cached_body("CONN#1", "META").await.unwrap().as_deref(), Some("\"one\""));

        // Two writes in one group: the second fails after writing the row again.
        let (release, holder) = hold_the_writer(&db).await;
        let good = tokio::spawn({
            let db = db.clone();
            async move { db.write(|tx| ops::put(tx, &Item::new("CONN#1", "META", &"two")?)).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let bad = tokio::spawn({
            let db = db.clone();
            async move {
                db.write(|tx| {
                    ops::put(tx, &Item::new("CONN#1", "META", &"never")?)?;
                    Err::<(), _>(StoreError::Conflict { current: 1 })
                })
                .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        release.send(()).unwrap();
        holder.await.unwrap();
        good.await.unwrap().unwrap();
        bad.await.unwrap().unwrap_err();
        // The cache was brought up to the commit: it holds "two", not the rolled-back "never".
        assert_eq!(db.cache_entry("CONN#1", "META"), Some(Some("\"two\"".into())));
        // And it is what the database holds.
        assert!(committed(db.path(), "CONN#1"));
        let conn = Connection::open_with_flags(db.path(), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        assert_eq!(ops::get_body(&conn, "CONN#1", "META").unwrap().as_deref(), Some("\"two\""));
    }

    #[tokio::test]
    async fn a_checkpoint_runs_between_groups() {
        let (_dir, db, path) = open();
        let (release, holder) = hold_the_writer(&db).await;
        let write = tokio::spawn({
            let db = db.clone();
            async move { db.write(|tx| put(tx, "BEFORE")).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let checkpoint = tokio::spawn({
            let db = db.clone();
            async move { db.checkpoint().await }
        });
        release.send(()).unwrap();
        holder.await.unwrap();
        write.await.unwrap().unwrap();
        checkpoint.await.unwrap().unwrap();
        let wal = std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
        assert_eq!(wal, 0, "the checkpoint did not run after the group's commit");
        assert!(committed(&path, "BEFORE"));
    }
}
