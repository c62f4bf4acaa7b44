//! The SQLite driver: one writer thread that commits in groups, and read-only
//! connections beside it.
//!
//! SQLite allows one writer at a time, and with `synchronous=FULL` each commit waits
//! for an fsync. So the writer thread takes every unit of work that is waiting, runs
//! each in its own savepoint inside one transaction, commits once (one fsync), and only
//! then answers each: nothing is acknowledged before it is durable, and sixteen tablets
//! sending at once share a commit instead of queueing for sixteen. Reads run on
//! read-only connections (WAL lets them read while the writer writes), so a credential
//! check never waits behind someone's 300 KB photo.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Semaphore, oneshot};

use super::{Row, Tx, Value, Work};
use crate::store::{Result, StoreError};

/// Units of work committed together at most.
const GROUP_MAX: usize = 64;

/// Read-only connections beside the writer.
const READERS: usize = 4;

/// A unit of work for the writer: runs on its connection, says whether it succeeded,
/// and returns how to answer its caller once the group's commit is known.
type Job = Box<dyn FnOnce(&mut Connection) -> (bool, Reply) + Send>;
type Reply = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// The SQLite database: a writer thread and a few readers.
#[derive(Clone)]
pub struct SqliteDb {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    jobs: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
    reader_permits: Semaphore,
}

impl SqliteDb {
    /// Opens (or creates) `data/outreach.db`, creating the folder owner-only, and
    /// starts the writer thread.
    pub async fn open(data: &Path) -> Result<SqliteDb> {
        let data = data.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&data))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    fn open_blocking(data: &Path) -> Result<SqliteDb> {
        let dir_err = |source| StoreError::DataDir {
            path: data.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data).map_err(dir_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))
                .map_err(dir_err)?;
        }
        let path = data.join("outreach.db");
        let writer = Connection::open(&path)?;
        // Pages of 16 KB: a 300 KB photo is 19 pages to log and checkpoint instead of 75,
        // which took a quarter off the time per photo (bench/README.md). Takes effect
        // only when the file is created; an older database keeps its 4 KB pages.
        writer.pragma_update(None, "page_size", 16384)?;
        // WAL: readers do not block the writer. FULL: a commit the server acknowledged
        // survives a power cut too, not only a crash of the process.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", true)?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        writer.set_prepared_statement_cache_capacity(64);

        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(writer, &rx))
            .map_err(|e| StoreError::Task(e.to_string()))?;
        Ok(SqliteDb {
            inner: Arc::new(Inner {
                path,
                jobs: Mutex::new(jobs),
                readers: Mutex::new(Vec::new()),
                reader_permits: Semaphore::new(READERS),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub(super) async fn write<T, F>(&self, work: F, keep: fn(&T) -> bool) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| {
            let result = run(conn, work);
            let ok = result.as_ref().is_ok_and(keep);
            let reply: Reply = Box::new(move |commit: Option<StoreError>| {
                // A unit kept whose commit failed is not done; one undone keeps its answer.
                let result = match commit {
                    Some(e) if ok => Err(e),
                    _ => result,
                };
                // The caller may have gone (a dropped request); the work stands.
                let _ = answer.send(result);
            });
            (ok, reply)
        });
        self.inner
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| StoreError::Task("the SQLite writer has stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Task("the write was not run (see the server log)".into()))?
    }

    pub(super) async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        let _permit = self
            .inner
            .reader_permits
            .acquire()
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop();
            let mut conn = match pooled {
                Some(c) => c,
                None => open_reader(&inner.path)?,
            };
            let result = run(&mut conn, work);
            inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs a unit of work to completion on this thread. Every SQLite call inside it is
/// synchronous, so its future is ready at the first poll; one that is not waited on
/// something other than the database, which a unit of work must not do.
fn run<T, F>(conn: &mut Connection, work: F) -> Result<T>
where
    F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T>,
{
    let mut tx = Tx::Sqlite(conn);
    let mut future = work(&mut tx);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => Err(StoreError::Task(
            "a unit of work waited on something other than the database".into(),
        )),
    }
}

/// The writer thread: one group of waiting units of work per transaction.
fn run_writer(mut conn: Connection, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let Some(replies) = run_group(&mut conn, group) else {
            continue;
        };
        let commit = conn.execute_batch("COMMIT").map_err(StoreError::from);
        if let Err(e) = &commit {
            tracing::error!(error = %e, "sqlite group commit failed");
            // Whatever was left of the transaction goes; nothing of it was acknowledged.
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(
                commit
                    .as_ref()
                    .err()
                    .map(|e| StoreError::Task(e.to_string())),
            );
        }
    }
}

/// Runs a group inside one open transaction, each unit in its own savepoint. `None`
/// when no transaction could be begun: the group is dropped unrun, and each caller
/// hears that its write did not happen.
fn run_group(conn: &mut Connection, group: Vec<Job>) -> Option<Vec<Reply>> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "sqlite could not begin a write");
        return None;
    }
    let mut replies = Vec::with_capacity(group.len());
    for job in group {
        if conn.is_autocommit() {
            // An error (a full disk, say) rolled the whole transaction back: what is
            // left of the group is not run, and the commit below fails for the rest.
            break;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT work") {
            tracing::error!(error = %e, "sqlite savepoint failed");
            continue;
        }
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(conn)));
        let ok = matches!(outcome, Ok((true, _)));
        let undo = if ok {
            "RELEASE work"
        } else {
            "ROLLBACK TO work; RELEASE work"
        };
        if let Err(e) = conn.execute_batch(undo) {
            tracing::error!(error = %e, "sqlite savepoint release failed");
        }
        // A unit of work that panicked drops its reply: its caller hears it failed.
        if let Ok((_, reply)) = outcome {
            replies.push(reply);
        }
    }
    Some(replies)
}

/// Rewrites the statement text for SQLite, once per text: `FOR UPDATE` (the one
/// writer already excludes the others) and `COLLATE "C"` (SQLite's default BINARY
/// collation is that byte order) are PostgreSQL's.
fn sqlite_text(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains(" FOR UPDATE") || sql.contains(" COLLATE \"C\"") {
        std::borrow::Cow::Owned(sql.replace(" FOR UPDATE", "").replace(" COLLATE \"C\"", ""))
    } else {
        std::borrow::Cow::Borrowed(sql)
    }
}

fn bind<'a>(params: &'a [&'a dyn Value]) -> Vec<super::Param<'a>> {
    params.iter().map(|p| p.param()).collect()
}

pub(super) fn execute(conn: &mut Connection, sql: &str, params: &[&dyn Value]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(&sqlite_text(sql))?;
    let n = stmt.execute(rusqlite::params_from_iter(bind(params)))?;
    Ok(n as u64)
}

pub(super) fn query<T>(
    conn: &mut Connection,
    sql: &str,
    params: &[&dyn Value],
    map: &mut dyn FnMut(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(&sqlite_text(sql))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(bind(params)))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(map(&Row::Sqlite(r))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::sqlite_text;

    #[test]
    fn postgres_only_clauses_are_dropped_and_nothing_else() {
        assert_eq!(
            sqlite_text("SELECT a FROM t WHERE k = ?1 ORDER BY a COLLATE \"C\" FOR UPDATE"),
            "SELECT a FROM t WHERE k = ?1 ORDER BY a",
            "SQLite has neither clause; its BINARY collation is the byte order PostgreSQL's \"C\" gives"
        );
        assert!(
            matches!(sqlite_text("SELECT 1"), std::borrow::Cow::Borrowed(_)),
            "a statement without them is used as it is"
        );
    }
}
