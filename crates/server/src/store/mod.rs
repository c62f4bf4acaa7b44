//! The server's storage, written once for both databases: one [`Store`] with a module
//! per table (its SQL, its row types and their one mapping, its units of work) over the
//! small [`db`] seam, whose two drivers run it on embedded SQLite or on PostgreSQL.
//!
//! Every method is one unit of work: statements that belong together run in one
//! transaction, and where two requests could race (an enrolment code redeemed twice,
//! the same record sent by two batches, two appends to one upload, the last place in a
//! slot) a row lock (`FOR UPDATE`) or a conditional statement decides, never a read
//! before the write. Under SQLite's single writer the same statements are simply
//! serialised. Text sort keys are ordered with `COLLATE "C"` (byte order, which is
//! code point order for UTF-8: SQLite's default), so lists come out alike.

pub mod db;

mod audit;
mod cards;
mod devices;
mod meta;
mod office;
mod pickup;
mod records;
mod returned;
mod staff;
mod tablet_audit;
mod tally;
mod throttle;
mod trips;
mod uploads;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use outreach_protocol::StorageKind;

pub use audit::{AUDIT_CLIENT, Actor, NewAudit};
pub use cards::{CardBatchRow, NewCardBatch};
pub use db::{Db, Dialect};
use db::{Row, args, from_row};
pub use devices::{Device, EnrolRefusal, NewDevice, NewEnrolment};
pub use office::{HeldRecord, RecordFilter};
pub use pickup::{Booked, BookingRow, CardPlaceRow, NewBooking, NoticeRow};
pub use records::PutRecords;
pub use staff::{Role, StaffAccount};
pub use tablet_audit::TrailFilter;
pub use throttle::Limit;
pub use uploads::{Append, Upload};

use crate::migrations::{self, SchemaError};

/// A store method's answer.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A storage failure. Details stay in the server's log; clients see a generic error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    /// PostgreSQL said no.
    #[error("postgres: {0}")]
    Postgres(tokio_postgres::Error),
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
    /// A row with the same key exists already: a unique violation on either database
    /// (SQLSTATE 23505; SQLite's unique or primary-key constraint), or a conditional
    /// insert that found the key taken.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A query that always returns a row returned none.
    #[error("a query returned no row")]
    NoRow,
    /// A database task died, or a write could not be run.
    #[error("database task failed: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error() {
            Some(f)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                // The message names the table and columns, never the values.
                StoreError::Conflict(e.to_string())
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(d) if *d.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                StoreError::Conflict(d.constraint().unwrap_or("unique key").to_owned())
            }
            _ => StoreError::Postgres(e),
        }
    }
}

/// The one timestamp format stored, so text comparison orders correctly on both
/// databases: RFC 3339, UTC, milliseconds, `Z`.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `now` minus `seconds`, in the stored format; `now` itself if it does not parse.
fn seconds_before(now: &str, seconds: i64) -> String {
    chrono::DateTime::parse_from_rfc3339(now).map_or_else(
        |_| now.to_owned(),
        |t| timestamp(t.with_timezone(&chrono::Utc) - chrono::Duration::seconds(seconds)),
    )
}

/// Counts of what the database holds (console dashboard, tests, benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Record versions.
    pub records: i64,
    /// Distinct photos.
    pub photos: i64,
    /// Bytes of all photos.
    pub photo_bytes: i64,
    /// Unfinished uploads.
    pub uploads: i64,
    /// Bytes held for unfinished uploads.
    pub upload_bytes: i64,
}

/// What the server keeps, on whichever database it was given. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens (or creates) the embedded SQLite store at `data/outreach.db`, the folder
    /// owner-only, and brings its schema up to date.
    pub async fn open_sqlite(data: &Path) -> Result<Store, StoreError> {
        let db = Db::Sqlite(db::SqliteDb::open(data).await?);
        migrations::run(&db, migrations::SQLITE).await?;
        Ok(Store { db })
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host:port/db`) and brings its
    /// schema up to date.
    pub async fn connect_postgres(url: &str) -> Result<Store, StoreError> {
        Self::connect_postgres_with(url.parse()?).await
    }

    /// Connects with a parsed PostgreSQL configuration and brings its schema up to date.
    pub async fn connect_postgres_with(
        config: tokio_postgres::Config,
    ) -> Result<Store, StoreError> {
        let db = Db::Postgres(db::PgDb::connect(config)?);
        migrations::run(&db, migrations::POSTGRES).await?;
        Ok(Store { db })
    }

    /// Which database this is.
    pub fn kind(&self) -> StorageKind {
        self.db.dialect().kind()
    }

    /// The database handle beneath, for tests and tools that need plain SQL.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The SQLite file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.db {
            Db::Sqlite(db) => Some(db.path().to_path_buf()),
            Db::Postgres(_) => None,
        }
    }

    /// What the database holds.
    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let sql = "SELECT (SELECT COUNT(*) FROM records), (SELECT COUNT(*) FROM photos),
                (SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM photos),
                (SELECT COUNT(*) FROM uploads),
                (SELECT CAST(COALESCE(SUM(length(bytes)), 0) AS BIGINT) FROM upload_chunks)";
        let stats = |r: &Row<'_>| {
            Ok(from_row!(r => StoreStats { records, photos, photo_bytes, uploads, upload_bytes }))
        };
        self.db
            .row(sql, args![], stats)
            .await?
            .ok_or(StoreError::NoRow)
    }
}

/// Opens the storage the configuration asks for and brings its schema up to date:
/// PostgreSQL when `database_url` is given, otherwise SQLite at `data/outreach.db`.
pub async fn open(data: &Path, database_url: Option<&str>) -> Result<Arc<Store>, StoreError> {
    Ok(Arc::new(match database_url {
        Some(url) => Store::connect_postgres(url).await?,
        None => Store::open_sqlite(data).await?,
    }))
}
