//! The server's storage behind one trait, with an embedded SQLite and a PostgreSQL
//! implementation. Both are run by the same test suite.

mod postgres;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use outreach_protocol::StorageKind;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::migrations::SchemaError;

/// A storage failure. Details stay in the server's log; clients see a generic error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// The schema recorded in the database cannot be used by this build.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The data folder could not be prepared.
    #[error("data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A blocking database task died.
    #[error("database task failed: {0}")]
    Task(String),
}

/// What the server needs from its database. Every method is one unit of work; a
/// failure leaves the database as it was.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn kind(&self) -> StorageKind;

    /// Checks that the database answers; returns the schema version in force.
    async fn ping(&self) -> Result<i64, StoreError>;

    /// A value from `server_meta`.
    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Sets `server_meta[key]` unless it is already set; returns the value in force.
    async fn init_meta(&self, key: &str, value: &str) -> Result<String, StoreError>;
}

/// Opens the storage the configuration asks for and brings its schema up to date:
/// PostgreSQL when `database_url` is given, otherwise SQLite at `data/outreach.db`.
pub async fn open(data: &Path, database_url: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    match database_url {
        Some(url) => Ok(Arc::new(PostgresStore::connect(url).await?)),
        None => Ok(Arc::new(SqliteStore::open_in(data).await?)),
    }
}
