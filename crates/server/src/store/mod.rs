//! The server's storage behind one trait, with an embedded SQLite and a PostgreSQL
//! implementation. Both are run by the same test suite.

pub mod office;
pub mod pickup;
mod postgres;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use outreach_protocol::StorageKind;
use outreach_protocol::console::AuditEvent;
use outreach_protocol::sync::{ManifestRecord, RecordKey, RecordOutcome, RecordUpload, Trip};

pub use office::{CardBatchRow, HeldRecord, NewCardBatch, OfficeStore, RecordFilter};
pub use pickup::{Booked, BookingRow, NewBooking, NoticeRow, PickupStore};
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

/// Who did something, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An office staff member, by login ID.
    Staff(String),
    /// A tablet, by device ID.
    Device(String),
    /// The server itself (expiry, first start).
    System,
}

impl Actor {
    /// `staff`, `device` or `system`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Staff(_) => "staff",
            Actor::Device(_) => "device",
            Actor::System => "system",
        }
    }

    /// The staff or device ID; empty for the system.
    pub fn id(&self) -> &str {
        match self {
            Actor::Staff(id) | Actor::Device(id) => id,
            Actor::System => "",
        }
    }
}

/// An enrolment code as stored: only its hash, never the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    /// Hex SHA-256 of the one-time code.
    pub code_hash: String,
    /// The name the device will have.
    pub device_name: String,
    /// Supervisor who made it.
    pub created_by: String,
    /// RFC 3339 (see [`timestamp`]).
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A device about to be enrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// New random ID.
    pub device_id: String,
    /// Hex SHA-256 of its credential.
    pub credential_hash: String,
    /// RFC 3339.
    pub credential_expires_at: String,
}

/// A device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// ID.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// RFC 3339.
    pub enrolled_at: String,
    /// RFC 3339.
    pub credential_expires_at: String,
    /// RFC 3339, when revoked.
    pub revoked_at: Option<String>,
    /// RFC 3339, last authenticated request (to the minute).
    pub last_seen_at: Option<String>,
}

/// Why an enrolment code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolRefusal {
    /// No such code.
    Unknown,
    /// The code was used already.
    Used,
    /// The code is past its time.
    Expired,
}

/// The result of storing a batch of records: all or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutRecords {
    /// Every record is held now; one outcome per record, in order.
    Done(Vec<RecordOutcome>),
    /// These versions are held with a different payload; nothing was stored.
    Conflicts(Vec<RecordKey>),
}

/// A tus upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Random ID, the last segment of its URL.
    pub upload_id: String,
    /// The device that made it; no other device may touch it.
    pub device_id: String,
    /// Declared hex SHA-256 of the whole photo.
    pub sha256: String,
    /// Declared length in bytes.
    pub length: i64,
    /// Bytes received and stored.
    pub offset: i64,
    /// The raw `Upload-Metadata` header, echoed on HEAD.
    pub metadata: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: deleted when unfinished by then.
    pub expires_at: String,
}

/// The result of appending bytes to an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Append {
    /// Stored; the new offset.
    Appended(i64),
    /// The upload is at another offset (given): nothing stored.
    OffsetMismatch(i64),
    /// The upload is gone (finished, terminated or expired).
    Gone,
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

/// One audit entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    /// RFC 3339.
    pub at: String,
    /// Who.
    pub actor: Actor,
    /// What, e.g. `login`.
    pub action: String,
    /// To what: an ID, never personal data.
    pub subject: String,
}

/// The one timestamp format stored, so text comparison orders correctly on both
/// databases: RFC 3339, UTC, milliseconds, `Z`.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What the server needs from its database. Every method is one unit of work; a
/// failure leaves the database as it was.
#[async_trait]
pub trait Store: OfficeStore + PickupStore + Send + Sync + 'static {
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

    /// Every account, by ID.
    async fn all_staff(&self) -> Result<Vec<StaffAccount>, StoreError>;

    /// Replaces an account's login hash and password wrap (a password change; the
    /// key pair stays) and audits it; false if no such account.
    async fn set_staff_password(
        &self,
        staff_id: &str,
        password_hash: &str,
        key_wrap: &str,
        now: &str,
    ) -> Result<bool, StoreError>;

    /// Disables an account, ends its console sessions and audits it; false if no such
    /// account. It leaves the roster tablets receive.
    async fn disable_staff(
        &self,
        staff_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError>;

    // --- Console sessions -------------------------------------------------------

    /// Stores a session (by the hash of its token) for a staff member.
    async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        now: &str,
        expires_at: &str,
    ) -> Result<(), StoreError>;

    /// The active account of an unexpired session, if any.
    async fn session_staff(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<StaffAccount>, StoreError>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    // --- Devices ----------------------------------------------------------------

    /// Stores a new one-time enrolment code (its hash) and audits it.
    async fn create_enrolment(&self, enrolment: &NewEnrolment) -> Result<(), StoreError>;

    /// Uses an enrolment code once: in one transaction the code is marked used, the
    /// device stored and the enrolment audited.
    async fn redeem_enrolment(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: &str,
    ) -> Result<Result<Device, EnrolRefusal>, StoreError>;

    /// The device holding this credential (revoked or expired ones too: the caller
    /// decides), noting when it was last seen.
    async fn device_by_credential(
        &self,
        credential_hash: &str,
        now: &str,
    ) -> Result<Option<Device>, StoreError>;

    /// Replaces a device's credential; the old one stops working at once.
    async fn rotate_credential(
        &self,
        device_id: &str,
        credential_hash: &str,
        expires_at: &str,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Revokes a device and audits it; false if no such device.
    async fn revoke_device(
        &self,
        device_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError>;

    /// Every device, by enrolment time.
    async fn devices(&self) -> Result<Vec<Device>, StoreError>;

    // --- Records and photos -----------------------------------------------------

    /// Stores a batch of records in one transaction, each new one audited; a version
    /// already held with the same payload hash is left as it is.
    async fn put_records(
        &self,
        device_id: &str,
        records: &[RecordUpload],
        now: &str,
    ) -> Result<PutRecords, StoreError>;

    /// Of the asked-for versions, those held, with their photos' state.
    async fn manifest(&self, keys: &[RecordKey]) -> Result<Vec<ManifestRecord>, StoreError>;

    /// True when the photo's bytes are held.
    async fn photo_held(&self, sha256: &str) -> Result<bool, StoreError>;

    /// A held photo's bytes.
    async fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Starts a tus upload.
    async fn create_upload(&self, upload: &Upload) -> Result<(), StoreError>;

    /// An unfinished upload.
    async fn upload(&self, upload_id: &str) -> Result<Option<Upload>, StoreError>;

    /// Appends `bytes` at `offset`, atomically checking that the upload is there.
    async fn append_upload(
        &self,
        upload_id: &str,
        offset: i64,
        bytes: Vec<u8>,
    ) -> Result<Append, StoreError>;

    /// Every byte of an upload stored so far, in order.
    async fn upload_bytes(&self, upload_id: &str) -> Result<Vec<u8>, StoreError>;

    /// Finishes an upload whose hash the caller checked: stores the photo once (a
    /// photo already held is kept as it is), deletes the upload, audits it.
    async fn complete_upload(
        &self,
        upload: &Upload,
        bytes: Vec<u8>,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Deletes an unfinished upload and its bytes; false if there was none.
    async fn delete_upload(&self, upload_id: &str) -> Result<bool, StoreError>;

    /// Deletes uploads past their expiry; returns how many.
    async fn expire_uploads(&self, now: &str) -> Result<u64, StoreError>;

    // --- Trips ------------------------------------------------------------------

    /// Stores a planned trip.
    async fn insert_trip(&self, trip: &Trip, by: &str, now: &str) -> Result<(), StoreError>;

    /// Trips on or after `date` (YYYY-MM-DD), by date then site.
    async fn trips_from(&self, date: &str) -> Result<Vec<Trip>, StoreError>;

    // --- Audit ------------------------------------------------------------------

    /// Records one audit event.
    async fn audit(&self, event: &NewAudit) -> Result<(), StoreError>;

    /// The newest `limit` events, newest first.
    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError>;

    /// What the database holds.
    async fn stats(&self) -> Result<StoreStats, StoreError>;
}

/// Opens the storage the configuration asks for and brings its schema up to date:
/// PostgreSQL when `database_url` is given, otherwise SQLite at `data/outreach.db`.
pub async fn open(data: &Path, database_url: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    match database_url {
        Some(url) => Ok(Arc::new(PostgresStore::connect(url).await?)),
        None => Ok(Arc::new(SqliteStore::open_in(data).await?)),
    }
}
