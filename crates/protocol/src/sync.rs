//! Device enrolment and the sync API: what a tablet and the office say to each other.
//!
//! Records go up in batches and are idempotent by (id, version, payload hash); photos
//! go up over tus 1.0 (see [`crate::tus`]); the [`Manifest`] says what the office holds
//! complete, and only that makes a record Sent on the tablet.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Header that carries a device's credential: `Authorization: Bearer <credential>`.
/// Never the URL: URLs end up in proxy and server logs.
pub const DEVICE_AUTH_SCHEME: &str = "Bearer";

/// Most records accepted in one batch.
pub const MAX_BATCH_RECORDS: usize = 200;

/// Record formats this API knows (the `format` field of [`RecordUpload`]).
pub const RECORD_FORMATS: &[u32] = &[1];

/// What the enrolment QR code carries (as JSON text), and what staff paste when the
/// tablet has no camera.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentCode {
    /// Always `"outreach-enrolment"`, so a tablet recognises the QR code for what it is.
    pub kind: String,
    /// The office server's base URL, e.g. `https://10.0.0.5:8620`.
    pub server_url: String,
    /// `sha256/<base64>` of the server certificate's SubjectPublicKeyInfo; `None` only
    /// for a server running behind a TLS-terminating proxy.
    pub spki_pin: Option<String>,
    /// The one-time code.
    pub code: String,
    /// When the code stops working (RFC 3339).
    pub expires_at: String,
}

/// The value of [`EnrolmentCode::kind`].
pub const ENROLMENT_KIND: &str = "outreach-enrolment";

/// `POST /api/v1/enrol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code from the QR code.
    pub code: String,
    /// The tablet's stable identity (its vault's id), which outlives re-enrolment: the
    /// office links a new enrolment to the device it replaces, so the tablet's records
    /// stay its own. Absent from a tablet enrolling for the first time with no vault.
    #[serde(default)]
    pub tablet_id: Option<String>,
    /// The device ID this tablet had before (re-enrolment), so a device enrolled before
    /// tablet identities existed is linked too.
    #[serde(default)]
    pub previous_device_id: Option<String>,
}

/// A device credential, from enrolment or rotation. Send it as
/// `Authorization: Bearer <credential>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCredential {
    /// The device's ID at the office.
    pub device_id: String,
    /// The device's name as the office entered it.
    pub device_name: String,
    /// The secret. Stored on the tablet inside the encrypted vault only.
    pub credential: String,
    /// When it stops working (RFC 3339); rotate before then.
    pub expires_at: String,
    /// From when the tablet renews it (RFC 3339): half its lifetime. The credential in
    /// use stays valid until the office sees the renewed one used.
    pub renew_after: String,
}

/// `GET /api/v1/device`: the calling device as the office sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatus {
    /// The device's ID.
    pub device_id: String,
    /// Its name.
    pub device_name: String,
    /// When its credential expires (RFC 3339).
    pub credential_expires_at: String,
}

/// One photo of a record, by role and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhotoRef {
    /// `original`, `digital` or `print`.
    pub role: String,
    /// Lowercase hex SHA-256 of the photo's bytes.
    pub sha256: String,
}

/// One finalized record version going up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordUpload {
    /// The record's UUID (the same for every version).
    pub id: String,
    /// 1 for the first finalized version, then one more per amendment.
    pub version: i64,
    /// Format of `payload` (see [`RECORD_FORMATS`]); an unknown format is refused.
    pub format: u32,
    /// The trip it was taken at.
    pub trip_id: String,
    /// For an amendment: the version it changes.
    pub base_version: Option<i64>,
    /// For an amendment: why.
    pub amend_reason: Option<String>,
    /// The staff ID that wrote this version.
    pub created_by: String,
    /// When this version was finalized on the tablet (RFC 3339).
    pub finalized_at: String,
    /// The record's fields as JSON text, exactly the bytes that were hashed.
    pub payload: String,
    /// Lowercase hex SHA-256 of `payload`'s UTF-8 bytes.
    pub payload_hash: String,
    /// The record's photos.
    pub photos: Vec<PhotoRef>,
}

/// `POST /api/v1/records`: a batch of records, stored all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordBatch {
    /// At most [`MAX_BATCH_RECORDS`].
    pub records: Vec<RecordUpload>,
}

/// (record id, version): one record version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordKey {
    /// The record's UUID.
    pub id: String,
    /// The version.
    pub version: i64,
}

/// What happened to one record of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RecordOutcome {
    /// Newly stored.
    Stored,
    /// The office already held exactly this (id, version, payload hash): nothing changed.
    AlreadyHeld,
}

/// One line of a [`BatchResult`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordResult {
    /// The record's UUID.
    pub id: String,
    /// The version.
    pub version: i64,
    /// What happened.
    pub outcome: RecordOutcome,
}

/// Answer to a stored batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    /// One per record sent.
    pub results: Vec<RecordResult>,
}

/// `POST /api/v1/manifest`: which of these record versions does the office hold?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestRequest {
    /// At most [`MAX_BATCH_RECORDS`].
    pub records: Vec<RecordKey>,
}

/// A photo hash and whether the office holds its bytes complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeldPhoto {
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// True when every byte is stored and its hash checked.
    pub held: bool,
}

/// One record version the office holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRecord {
    /// The record's UUID.
    pub id: String,
    /// The version.
    pub version: i64,
    /// The payload hash the office stored.
    pub payload_hash: String,
    /// Each of the record's photos.
    pub photos: Vec<HeldPhoto>,
    /// The record and every photo are held: the tablet may mark it Sent.
    pub complete: bool,
}

/// The office's answer: only the asked-for versions it holds are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Held record versions.
    pub records: Vec<ManifestRecord>,
}

/// One staff member on the roster tablets receive: never a password or a login hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RosterStaff {
    /// Per-person login ID.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// X25519 public key, base64.
    pub public_key: String,
    /// The private key wrapped under Argon2id(password) (the `outreach-keys` wrap JSON).
    #[schema(value_type = Object)]
    pub key_wrap: serde_json::Value,
}

/// `GET /api/v1/roster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Roster {
    /// Active staff, by ID.
    pub staff: Vec<RosterStaff>,
}

/// A trip planned at the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Trip {
    /// UUID.
    pub id: String,
    /// Site (company or facility) name.
    pub site_name: String,
    /// Site address.
    pub site_address: String,
    /// YYYY-MM-DD.
    pub trip_date: String,
    /// `uketsuke` (受付: card mailed) or `support` (サポート: counter pickup).
    pub mode: String,
    /// Applicants expected, when known.
    pub expected_count: Option<i64>,
    /// Staff IDs assigned.
    pub staff_ids: Vec<String>,
}

/// `GET /api/v1/trips`: trips from today on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trips {
    /// By date, then site.
    pub trips: Vec<Trip>,
}

/// How long a tablet keeps a record's personal data after the office confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RetentionSetting {
    /// Until the end of the day it was confirmed (the default).
    EndOfDay,
    /// A number of hours after confirmation.
    Hours {
        /// Hours, 0 to 720.
        hours: u32,
    },
}

/// `GET /api/v1/settings`: what the office tells every tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSettings {
    /// Retention after Sent.
    pub retention: RetentionSetting,
    /// The city's identity-document rule set (DOMAIN.md), as the office configured it.
    #[schema(value_type = Object)]
    pub document_rules: serde_json::Value,
    /// The office recovery public key (base64 X25519) every vault is sealed to.
    pub office_public_key: Option<String>,
}

/// The most audit events one `POST /api/v1/audit` carries.
pub const MAX_AUDIT_EVENTS: usize = 500;

/// One event of the tablet's hash-chained audit log, as the tablet holds it. It names
/// IDs (staff, records, trips), never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TabletAuditEvent {
    /// Position in the tablet's chain, from 1.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who; empty for events with no signed-in staff member.
    pub staff_id: String,
    /// What (`sign_in`, `record_finalized`, …).
    pub action: String,
    /// Which record, staff member or object.
    pub subject: String,
    /// The event's chain hash as the tablet stored it (lowercase hex SHA-256 over the
    /// previous event's hash and this event's fields; `outreach_domain::audit_chain`).
    pub hash: String,
}

/// `POST /api/v1/audit`: the tablet's audit events the office has not confirmed, in
/// chain order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditBatch {
    /// At most [`MAX_AUDIT_EVENTS`], oldest first.
    pub events: Vec<TabletAuditEvent>,
}

/// What the office found in the chain it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChainCheck {
    /// The event follows the one before it.
    Intact,
    /// Events are missing before this one (deleted on the tablet, or a chain restarted).
    Gap,
    /// The event's hash does not fit its fields and the event before (edited), or it
    /// differs from the one the office holds under the same number.
    Changed,
}

/// One event the office flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditFlag {
    /// The event's position in the tablet's chain.
    pub seq: i64,
    /// What was wrong.
    pub check: ChainCheck,
}

/// The answer to [`AuditBatch`]: everything up to `heldThrough` is held (flagged or
/// not: nothing is dropped, a flagged event is kept and marked); the tablet need not
/// send it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditReceipt {
    /// The highest event number held.
    pub held_through: i64,
    /// Events that did not fit the chain.
    pub flagged: Vec<AuditFlag>,
}
