//! The seam beneath the store: one database handle over two drivers, so every
//! statement and every unit of work above it is written once.
//!
//! SQL is written with `?N` placeholders, exact in SQLite; the PostgreSQL driver
//! rewrites them to `$N` once per statement text. A unit of work is a closure handed a
//! [`Tx`]: on SQLite it runs on the one writer thread (or a read-only connection beside
//! it), on PostgreSQL on a pooled connection. The few places where the dialects differ
//! are [`Dialect`] helpers.

mod postgres;
mod sqlite;
mod value;

use std::future::Future;
use std::pin::Pin;

use outreach_protocol::StorageKind;

pub use postgres::PgDb;
pub use sqlite::SqliteDb;
pub use value::{Arg, Column, Param, Row, Value};
pub(crate) use value::{args, from_row};

use super::{Result, StoreError};

/// The future a unit of work returns; it borrows the transaction it was handed.
pub type Work<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// A unit of work for [`Db::write`], [`Db::attempt`] or [`Db::read`]:
/// `work!(|tx| body)` is `move |tx| Box::pin(async move { body })`, the closure
/// returning the boxed future that keeps the unit `Send` on either driver.
macro_rules! work {
    (|$tx:ident| $body:expr) => {
        move |$tx| Box::pin(async move { $body })
    };
}
pub(crate) use work;

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite (SQLCipher's build of it).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// `col` read as JSON, then the text at `path` (`["trip", "date"]`), or NULL.
    pub fn json_text(self, col: &str, path: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({col}, '$.{}')", path.join(".")),
            Dialect::Postgres => format!("(CAST({col} AS jsonb) #>> '{{{}}}')", path.join(",")),
        }
    }

    /// `IN` the text list bound at placeholder `?n` (a [`Param::TextList`]).
    pub fn in_list(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("IN (SELECT value FROM json_each(?{n}))"),
            Dialect::Postgres => format!("= ANY(?{n})"),
        }
    }

    /// A table `alias (key, value)` of the elements of the JSON array bound as text at
    /// `?n`, `key` counting from 0 (SQLite) or 1 (PostgreSQL): order by it, never
    /// compare it.
    pub fn json_rows(self, n: usize, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each(?{n}) AS {alias}"),
            Dialect::Postgres => format!(
                "jsonb_array_elements(CAST(?{n} AS jsonb)) WITH ORDINALITY AS {alias} (value, key)"
            ),
        }
    }

    /// The storage kind reported to clients.
    pub fn kind(self) -> StorageKind {
        match self {
            Dialect::Sqlite => StorageKind::Sqlite,
            Dialect::Postgres => StorageKind::Postgres,
        }
    }
}

/// A database handle: cheap to clone, shared by every request.
#[derive(Clone)]
pub enum Db {
    /// Embedded SQLite: one writer thread, read-only connections beside it.
    Sqlite(SqliteDb),
    /// PostgreSQL: a connection pool.
    Postgres(PgDb),
}

impl Db {
    /// Which dialect this database speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `work` as one transaction: all of it is committed, durably, before the
    /// result is returned, or none of it is (an `Err` rolls back). On SQLite the
    /// writer thread commits several units of work together (group commit), each
    /// inside its own savepoint, so one failing leaves the others untouched.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        self.write_if(work, |_| true).await
    }

    /// Like [`Db::write`] for a unit of work that may decline: an `Ok(Err(u))` is
    /// rolled back like an error, and `u` (why it declined: a slot full, a conflicting
    /// version) is returned.
    pub async fn attempt<T, U, F>(&self, work: F) -> Result<Result<T, U>>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, Result<T, U>> + Send + 'static,
    {
        self.write_if(work, Result::is_ok).await
    }

    async fn write_if<T, F>(&self, work: F, keep: fn(&T) -> bool) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        // The request's client address goes with the work to the thread that runs
        // it, for the audit events it records.
        let client = super::audit::current_client();
        let scoped = unit(move |tx| Box::pin(super::audit::AUDIT_CLIENT.scope(client, work(tx))));
        match self {
            Db::Sqlite(db) => db.write(scoped, keep).await,
            Db::Postgres(db) => db.write(scoped, keep).await,
        }
    }

    /// Runs `work` on a connection that only reads: on SQLite a read-only connection
    /// beside the writer, so reads never queue behind a commit.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        match self {
            Db::Sqlite(db) => db.read(work).await,
            Db::Postgres(db) => db.read(work).await,
        }
    }
}

/// `work` typed as a unit of work (closure signatures are inferred from this bound).
fn unit<T, F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T>>(work: F) -> F {
    work
}

/// A row mapping for the one-statement calls.
pub type Map<T> = fn(&Row<'_>) -> Result<T>;

impl Db {
    /// Every row of one read statement.
    pub async fn rows<T: Send + 'static>(
        &self,
        sql: impl Into<String>,
        args: Vec<Arg>,
        map: Map<T>,
    ) -> Result<Vec<T>> {
        let sql = sql.into();
        self.read(work!(|tx| tx.query(&sql, &refs(&args), map).await))
            .await
    }

    /// The first row of one read statement, if any.
    pub async fn row<T: Send + 'static>(
        &self,
        sql: impl Into<String>,
        args: Vec<Arg>,
        map: Map<T>,
    ) -> Result<Option<T>> {
        Ok(self.rows(sql, args, map).await?.into_iter().next())
    }

    /// One write statement as its own transaction; the rows it changed.
    pub async fn change(&self, sql: impl Into<String>, args: Vec<Arg>) -> Result<u64> {
        let sql = sql.into();
        self.write(work!(|tx| tx.execute(&sql, &refs(&args)).await))
            .await
    }
}

/// Owned parameters as the driver takes them.
pub fn refs(args: &[Arg]) -> Vec<&dyn Value> {
    args.iter().map(|a| a as &dyn Value).collect()
}

/// A connection inside a unit of work. Its methods take `&mut self` so that a unit
/// of work's future stays `Send` whichever driver runs it.
pub enum Tx<'c> {
    /// SQLite: the writer's connection inside a savepoint, or a read-only one.
    Sqlite(&'c mut rusqlite::Connection),
    /// PostgreSQL: a transaction, or a plain pooled client for reads.
    Postgres(postgres::PgConn<'c>),
}

impl Tx<'_> {
    /// Which dialect this connection speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement; returns the rows it changed. A unique key already taken is
    /// [`StoreError::Conflict`] on both databases.
    pub async fn execute(&mut self, sql: &str, params: &[&dyn Value]) -> Result<u64> {
        match self {
            Tx::Sqlite(c) => sqlite::execute(c, sql, params),
            Tx::Postgres(c) => c.execute(sql, params).await,
        }
    }

    /// Runs statements without parameters (DDL, migrations).
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Tx::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Tx::Postgres(c) => c.batch(sql).await,
        }
    }

    /// Every row of a query, each mapped by `map`.
    pub async fn query<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Value],
        mut map: impl FnMut(&Row<'_>) -> Result<T> + Send,
    ) -> Result<Vec<T>> {
        match self {
            Tx::Sqlite(c) => sqlite::query(c, sql, params, &mut map),
            Tx::Postgres(c) => {
                let rows = c.query(sql, params).await?;
                rows.iter().map(|r| map(&Row::Postgres(r))).collect()
            }
        }
    }

    /// The first row of a query, if any.
    pub async fn query_opt<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Value],
        map: impl FnMut(&Row<'_>) -> Result<T> + Send,
    ) -> Result<Option<T>> {
        Ok(self.query(sql, params, map).await?.into_iter().next())
    }

    /// The one value of a query that always returns a row (`SELECT COUNT(*) …`).
    pub async fn value<T: Column>(&mut self, sql: &str, params: &[&dyn Value]) -> Result<T> {
        self.query_opt(sql, params, |r| r.get(0))
            .await?
            .ok_or(StoreError::NoRow)
    }

    /// Takes a table's lock until the end of the transaction, where the database has
    /// table locks (PostgreSQL); SQLite's single writer already excludes the others.
    pub async fn lock_table(&mut self, table: &str) -> Result<()> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(c) => {
                c.batch(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                    .await
            }
        }
    }
}
