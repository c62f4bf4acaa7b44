//! The PostgreSQL driver: a small pool; statements rewritten from `?N` to `$N` once
//! per text and prepared once per connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::{Param, Tx, Value, Work};
use crate::store::{Result, StoreError};

/// Connections in the pool.
const POOL_SIZE: usize = 16;

/// The PostgreSQL database.
#[derive(Clone)]
pub struct PgDb {
    pool: Pool,
}

/// A connection inside a unit of work: a transaction, or a plain client for reads.
pub enum PgConn<'c> {
    /// Inside `BEGIN … COMMIT`.
    Tx(&'c deadpool_postgres::Transaction<'c>),
    /// Autocommit, for reads.
    Client(&'c deadpool_postgres::Client),
}

impl PgDb {
    /// A pool for `config`; no connection is made until one is needed.
    pub fn connect(config: tokio_postgres::Config) -> Result<PgDb> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        Ok(PgDb { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Client> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => StoreError::from(e),
            other => StoreError::Pool(other.to_string()),
        })
    }

    pub(super) async fn write<T, F>(&self, work: F, keep: fn(&T) -> bool) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let result = {
            let mut conn = Tx::Postgres(PgConn::Tx(&tx));
            work(&mut conn).await
        };
        if result.as_ref().is_ok_and(keep) {
            tx.commit().await?;
        } else {
            // Dropping the transaction would roll back too, but only on the
            // connection's next use; say it now so the connection is clean.
            let _ = tx.rollback().await;
        }
        result
    }

    pub(super) async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t, 'c> FnOnce(&'t mut Tx<'c>) -> Work<'t, T> + Send + 'static,
    {
        let client = self.client().await?;
        let mut conn = Tx::Postgres(PgConn::Client(&client));
        work(&mut conn).await
    }
}

impl PgConn<'_> {
    async fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        let text = postgres_text(sql);
        Ok(match self {
            PgConn::Tx(t) => t.prepare_cached(&text).await?,
            PgConn::Client(c) => c.prepare_cached(&text).await?,
        })
    }

    pub(super) async fn execute(&self, sql: &str, params: &[&dyn Value]) -> Result<u64> {
        let stmt = self.prepare(sql).await?;
        let bound: Vec<Param<'_>> = params.iter().map(|p| p.param()).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        Ok(match self {
            PgConn::Tx(t) => t.execute(&stmt, &refs).await?,
            PgConn::Client(c) => c.execute(&stmt, &refs).await?,
        })
    }

    pub(super) async fn query(
        &self,
        sql: &str,
        params: &[&dyn Value],
    ) -> Result<Vec<tokio_postgres::Row>> {
        let stmt = self.prepare(sql).await?;
        let bound: Vec<Param<'_>> = params.iter().map(|p| p.param()).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        Ok(match self {
            PgConn::Tx(t) => t.query(&stmt, &refs).await?,
            PgConn::Client(c) => c.query(&stmt, &refs).await?,
        })
    }

    pub(super) async fn batch(&self, sql: &str) -> Result<()> {
        match self {
            PgConn::Tx(t) => t.batch_execute(sql).await?,
            PgConn::Client(c) => c.batch_execute(sql).await?,
        }
        Ok(())
    }
}

/// `sql` with `?N` placeholders as `$N`, rewritten once per statement text. A `?`
/// inside a quoted string or identifier is left alone.
fn postgres_text(sql: &str) -> Arc<str> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<str>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(text) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(sql) {
        return text.clone();
    }
    let text: Arc<str> = rewrite_placeholders(sql).into();
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(sql.to_owned(), text.clone());
    text
}

fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_placeholders;

    #[test]
    fn placeholders_become_dollars_outside_quotes_only() {
        assert_eq!(
            rewrite_placeholders(
                "SELECT '?1', \"a?2\" FROM t WHERE a = ?1 AND b IN (?2, ?10) AND c ? 'k'"
            ),
            "SELECT '?1', \"a?2\" FROM t WHERE a = $1 AND b IN ($2, $10) AND c ? 'k'",
            "only a ? followed by a digit outside quotes is a placeholder; jsonb's ? operator stays"
        );
    }
}
