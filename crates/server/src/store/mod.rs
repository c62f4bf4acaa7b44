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
    /// A row with the same key exists already.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A blocking database task died.
    #[error("database task failed: {0}")]
    Task(String),
}

/// An office staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages staff, devices and settings.
    Supervisor,
    /// Does the daily office work.
    Staff,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supervisor => "supervisor",
            Role::Staff => "staff",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "supervisor" => Some(Role::Supervisor),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// Per-person login ID (the contract requires one per person).
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string for web console login; never sent to a tablet.
    pub password_hash: String,
    /// X25519 public key, base64.
    pub public_key: String,
    /// The private key wrapped under Argon2id(password), as JSON.
    pub key_wrap: String,
    /// RFC 3339.
    pub created_at: String,
    /// Disabled accounts cannot log in and leave the tablets' roster.
    pub disabled: bool,
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

    /// Adds a staff account; [`StoreError::Conflict`] if the ID is taken.
    async fn insert_staff(&self, account: &StaffAccount) -> Result<(), StoreError>;

    /// One staff account.
    async fn staff(&self, staff_id: &str) -> Result<Option<StaffAccount>, StoreError>;

    /// Every account that is not disabled, by ID: the roster tablets receive.
    async fn active_staff(&self) -> Result<Vec<StaffAccount>, StoreError>;
}

/// Opens the storage the configuration asks for and brings its schema up to date:
/// PostgreSQL when `database_url` is given, otherwise SQLite at `data/outreach.db`.
pub async fn open(data: &Path, database_url: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    match database_url {
        Some(url) => Ok(Arc::new(PostgresStore::connect(url).await?)),
        None => Ok(Arc::new(SqliteStore::open_in(data).await?)),
    }
}
