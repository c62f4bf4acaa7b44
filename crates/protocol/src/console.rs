//! The office console's API: staff sign-in with a session cookie, devices and
//! enrolment, staff accounts, the audit trail.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::sync::EnrolmentCode;

/// Name of the console's session cookie (HttpOnly, SameSite=Strict, Secure over TLS).
pub const SESSION_COOKIE: &str = "outreach_session";

/// `POST /api/v1/console/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    /// Per-person login ID.
    pub staff_id: String,
    /// Password.
    pub password: String,
}

/// The signed-in office user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleUser {
    /// Login ID.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// `supervisor` or `staff`.
    pub role: String,
}

/// `POST /api/v1/console/enrolments` (supervisors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrolmentRequest {
    /// The tablet's name, e.g. `タブレット3`.
    pub device_name: String,
    /// Minutes the code stays valid: 1 to 1440, default 15.
    pub valid_minutes: Option<u32>,
}

/// A one-time enrolment code, ready to show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentIssued {
    /// What the QR code carries.
    pub enrolment: EnrolmentCode,
    /// The same as JSON text, for pasting.
    pub text: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// A tablet as the office sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// ID.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// When it enrolled (RFC 3339).
    pub enrolled_at: String,
    /// When its credential expires.
    pub credential_expires_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Its last authenticated request.
    pub last_seen_at: Option<String>,
}

/// `GET /api/v1/console/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceList {
    /// By enrolment time.
    pub devices: Vec<DeviceInfo>,
}

/// `POST /api/v1/console/staff` (supervisors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewStaff {
    /// Per-person login ID: 1 to 32 letters, digits, `.`, `_`, `-`.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// `supervisor` or `staff`.
    pub role: String,
    /// At least 8 characters.
    pub password: String,
}

/// `POST /api/v1/console/session/password`: a staff member changes their own password.
/// The key pair stays the same (every tablet vault is sealed to its public key); only
/// the password wrap of its private key and the login hash change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use.
    pub current_password: String,
    /// At least 8 characters.
    pub new_password: String,
}

/// A staff account without any secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffInfo {
    /// Login ID.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// `supervisor` or `staff`.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// Disabled accounts cannot sign in and leave the tablets' roster.
    pub disabled: bool,
}

/// `GET /api/v1/console/staff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffList {
    /// By ID.
    pub staff: Vec<StaffInfo>,
}

/// One audited action. Subjects are IDs (record UUIDs, device IDs, photo hashes),
/// never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Order of recording.
    pub seq: i64,
    /// RFC 3339.
    pub at: String,
    /// `staff`, `device` or `system`.
    pub actor_kind: String,
    /// Staff ID or device ID (empty for the system).
    pub actor_id: String,
    /// e.g. `login`, `login_failed`, `enrol`, `revoke`, `record_stored`, `photo_stored`.
    pub action: String,
    /// What it was done to.
    pub subject: String,
}

/// `GET /api/v1/console/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    /// Newest first.
    pub events: Vec<AuditEvent>,
}
