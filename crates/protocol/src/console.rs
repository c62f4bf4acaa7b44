//! The office console's API: staff sign-in with a session cookie, devices and
//! enrolment, staff accounts, the audit trail.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
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
    /// The 6-digit TOTP code, for an account with a second factor (asked for with
    /// 401 `totp_required` after a right password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_code: Option<String>,
}

/// The signed-in office user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleUser {
    /// Login ID.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// `supervisor` or `staff`.
    pub role: String,
    /// Whether sign-in asks for a TOTP code after the password.
    #[serde(default)]
    pub totp: bool,
}

/// `POST /api/v1/console/session/totp` (supervisors): a new TOTP secret, waiting for
/// a first code (`…/totp/confirm`) before it takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct TotpSetup {
    /// The secret, base32, for typing into an authenticator app.
    pub secret: String,
    /// The `otpauth://totp/…` URI.
    pub uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

/// A 6-digit TOTP code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TotpCode {
    /// Six digits.
    pub code: String,
}

/// `POST /api/v1/console/enrolments` (supervisors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrolmentRequest {
    /// The tablet's name, e.g. `タブレット3`.
    pub device_name: String,
    /// Minutes the code stays valid: 1 to 1440, default 15.
    pub valid_minutes: Option<u32>,
}

/// A one-time enrolment code, ready to show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
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
    /// The tablet it is (the vault's id; a tablet enrolled again keeps it).
    pub tablet: String,
    /// The device that replaced it when the tablet was enrolled again.
    pub replaced_by: Option<String>,
}

/// `GET /api/v1/console/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceList {
    /// By enrolment time.
    pub devices: Vec<DeviceInfo>,
}

/// `POST /api/v1/console/staff` (supervisors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewStaff {
    /// Per-person login ID: 1 to 32 letters, digits, `.`, `_`, `-`.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// `supervisor` or `staff`.
    pub role: String,
    /// At least 10 characters, not holding the staff ID, not easy to guess
    /// (`outreach_keys::check_new_password`).
    pub password: String,
}

/// `POST /api/v1/console/session/password`: a staff member changes their own password.
/// The key pair stays the same (every tablet vault is sealed to its public key); only
/// the password wrap of its private key and the login hash change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use.
    pub current_password: String,
    /// At least 10 characters, not holding the staff ID, not easy to guess
    /// (`outreach_keys::check_new_password`).
    pub new_password: String,
}

/// A staff account without any secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct StaffList {
    /// By ID.
    pub staff: Vec<StaffInfo>,
}

/// One audited action. Subjects are IDs (record UUIDs, device IDs, photo hashes),
/// never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
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
    /// The client address of the request that did it; absent for the server's own
    /// work and the command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub client: Option<String>,
}

/// `GET /api/v1/console/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    /// Newest first.
    pub events: Vec<AuditEvent>,
}

/// One action in a person's trail: done at the office (console) or on a tablet (from
/// its hash-chained audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct TrailEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `office` or `tablet`.
    pub source: String,
    /// Who (empty for a tablet event with nobody signed in).
    pub staff_id: String,
    /// The tablet's device, for a tablet event.
    pub device_id: Option<String>,
    /// Its name as the office entered it.
    pub device_name: Option<String>,
    /// What.
    pub action: String,
    /// To which ID.
    pub subject: String,
    /// For a tablet event, what the office's check of its chain found: `intact`, `gap`
    /// (events missing before it) or `changed` (edited).
    pub chain: Option<String>,
    /// For an office action, the client address it came from.
    pub client: Option<String>,
}

/// `GET /api/v1/console/trail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Trail {
    /// Newest first.
    pub entries: Vec<TrailEntry>,
}

// --- Trips ------------------------------------------------------------------------

/// `POST /api/v1/console/trips` and `PUT /api/v1/console/trips/{id}`: a planned trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TripInput {
    /// Site (company or facility) name, 1 to 100 characters.
    pub site_name: String,
    /// Site address, up to 200 characters.
    pub site_address: String,
    /// YYYY-MM-DD.
    pub trip_date: String,
    /// `uketsuke` (受付: identity checked, card mailed) or `support` (サポート).
    pub mode: String,
    /// Applicants expected, when known (0 to 10000).
    pub expected_count: Option<i64>,
    /// Staff IDs assigned.
    pub staff_ids: Vec<String>,
}

/// A trip with what came back from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct TripSummary {
    /// The trip as tablets receive it.
    pub trip: crate::sync::Trip,
    /// Records that arrived (latest versions).
    pub arrived: i64,
    /// Of those, records with something to review.
    pub flagged: i64,
}

/// `GET /api/v1/console/trips`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct TripList {
    /// By date, then site.
    pub trips: Vec<TripSummary>,
}

// --- Review -----------------------------------------------------------------------

/// One application in the review queue (its latest version). No name: the 申請書ID
/// and the record ID identify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    /// Record UUID.
    pub record_id: String,
    /// Latest version held.
    pub version: i64,
    /// Trip ID.
    pub trip_id: String,
    /// Site, when known.
    pub site_name: String,
    /// The trip's date (YYYY-MM-DD), or the day it was finalized.
    pub date: String,
    /// `uketsuke`, `support` or `unknown`.
    pub mode: String,
    /// 申請書ID (23 digits), or empty when the record has none.
    pub application_id: String,
    /// `mail`, `counter` or `unknown`.
    pub delivery: String,
    /// `received` (申請受付), `shipped` (発送), `preissue` (交付前設定), `issued` (交付).
    pub stage: String,
    /// What is missing or doubtful, as codes: `photo_warning`, `photo_failure`,
    /// `photo_exception`, `documents_missing`, `counter_pickup`, `no_application_id`,
    /// `amended`.
    pub issues: Vec<String>,
    /// The photo checks that warned or failed, by name.
    pub photo_checks: Vec<String>,
    /// Photo retakes at the site.
    pub retakes: i64,
    /// What the document rule said was missing (Japanese), when it was not met.
    pub documents_missing: String,
    /// Staff ID of the latest version.
    pub created_by: String,
    /// When the latest version was finalized (RFC 3339).
    pub finalized_at: String,
}

/// `GET /api/v1/console/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewList {
    /// By date, site, then finalization.
    pub items: Vec<ReviewItem>,
}

/// One version of a record, for the amendment history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordVersionInfo {
    /// Version.
    pub version: i64,
    /// The version it amends.
    pub base_version: Option<i64>,
    /// Why it was amended.
    pub amend_reason: Option<String>,
    /// Staff ID.
    pub created_by: String,
    /// The device that sent this version.
    pub device_id: String,
    /// That device's name as the office entered it.
    pub device_name: String,
    /// RFC 3339.
    pub finalized_at: String,
    /// Fields that differ from the previous version (top-level names).
    pub changed_fields: Vec<String>,
}

/// A photo of a record version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordPhotoInfo {
    /// `original`, `digital` or `print`.
    pub role: String,
    /// Hex SHA-256: `GET /api/v1/console/photos/{sha256}`.
    pub sha256: String,
    /// Whether the office holds the bytes.
    pub held: bool,
}

/// `GET /api/v1/console/records/{id}`: one application in full (audited).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordDetail {
    /// The queue's view of it.
    pub item: ReviewItem,
    /// Every version, oldest first.
    pub versions: Vec<RecordVersionInfo>,
    /// The latest version's fields as the tablet sent them.
    #[schema(value_type = Object)]
    #[ts(type = "Record<string, unknown>")]
    pub payload: serde_json::Value,
    /// The latest version's photos.
    pub photos: Vec<RecordPhotoInfo>,
}

/// `POST /api/v1/console/records/{id}/stage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageChange {
    /// `received`, `shipped`, `preissue` or `issued`.
    pub stage: String,
}

// --- Cards ------------------------------------------------------------------------

/// `POST /api/v1/console/card-batches`: the 申請書IDs of a delivered batch, typed or
/// scanned. Stored all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardBatchInput {
    /// A name for the batch, e.g. `第12便`.
    pub label: String,
    /// The day J-LIS delivered it (YYYY-MM-DD); the mailing is due two weeks later.
    pub delivered_on: String,
    /// 申請書IDs, 23 digits each, no repeats.
    pub application_ids: Vec<String>,
    /// Where the cards are kept (e.g. `金庫2段目`), shown on the day's pickup list.
    #[serde(default)]
    pub storage: String,
}

/// One problem of an import, by row (1-based; the header is row 1 in a CSV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblem {
    /// Row (CSV line, or position in the list from 1); 0 for the file as a whole.
    pub row: i64,
    /// `not_utf8`, `wrong_columns`, `wrong_length`, `not_digits`, `duplicate`,
    /// `already_arrived`, `empty`.
    pub code: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

/// 422 from a card import: every problem; nothing was stored. Shaped as an `ErrorBody`
/// with the row problems added, so a client reads every 422 the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRejected {
    /// `import_rejected`.
    pub code: String,
    /// Summary.
    pub message: String,
    /// Each row's problem. Absent when the request itself was refused (e.g.
    /// `invalid_body`, whose 422 carries only `code` and `message`, as an `ErrorBody`).
    #[serde(default)]
    pub problems: Vec<ImportProblem>,
}

/// A delivered batch of cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardBatch {
    /// ID.
    pub batch_id: String,
    /// Name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// Two weeks after delivery: the mailing must be ready by then.
    pub deadline: String,
    /// When the batch's mailing was done.
    pub mailed_on: Option<String>,
    /// Not mailed and past the deadline (Japan date).
    pub overdue: bool,
    /// Cards in the batch.
    pub cards: i64,
    /// Cards matched to an application.
    pub matched: i64,
    /// Of those, applications taken in mode 受付 (mailed).
    pub to_mail: i64,
    /// 申請書IDs with no application here.
    pub unmatched: Vec<String>,
    /// Where the cards are kept.
    pub storage: String,
    /// Matched cards collected at the counter: each needs a 交付通知書.
    pub to_notify: i64,
    /// Of those, notices sent.
    pub notified: i64,
}

/// `GET /api/v1/console/card-batches`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardBatchList {
    /// Newest delivery first.
    pub batches: Vec<CardBatch>,
}

/// One card to mail (mode 受付), with the delivery address the record holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailingEntry {
    /// 申請書ID.
    pub application_id: String,
    /// Record UUID.
    pub record_id: String,
    /// 氏名.
    pub name: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 住所 (the latest version: 送付先情報更新 arrives as an amendment).
    pub address: String,
    /// True when a later version changed the address.
    pub address_updated: bool,
}

/// `GET /api/v1/console/card-batches/{id}/mailing` (audited: it holds names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailingList {
    /// The batch.
    pub batch: CardBatch,
    /// Cards to mail, by 申請書ID.
    pub entries: Vec<MailingEntry>,
    /// Matched cards of mode サポート (collected at the counter), by 申請書ID.
    pub counter_pickup: Vec<String>,
}

/// `POST /api/v1/console/card-batches/{id}/mailed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailedInput {
    /// YYYY-MM-DD.
    pub mailed_on: String,
}

// --- Returned mail ------------------------------------------------------------------

/// `POST /api/v1/console/returned`: a card that came back (返戻物).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnedInput {
    /// 申請書ID (23 digits).
    pub application_id: String,
    /// `unclaimed` (保管期限経過), `moved` (転居), `unknown` (宛所不明), `other`.
    pub reason: String,
    /// YYYY-MM-DD.
    pub returned_on: String,
    /// Free text, up to 500 characters.
    pub note: String,
}

/// `POST /api/v1/console/returned/{id}/contacts`: one phone contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactInput {
    /// When (RFC 3339, or YYYY-MM-DDTHH:MM as Japan time).
    pub contacted_at: String,
    /// What happened, e.g. `不在` or `窓口で受け取る`.
    pub outcome: String,
    /// What comes next.
    pub next_step: String,
}

/// `POST /api/v1/console/returned/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolveInput {
    /// `redelivered`, `collected` or `destroyed`.
    pub resolution: String,
    /// YYYY-MM-DD.
    pub resolved_on: String,
}

/// One phone contact about returned mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedContact {
    /// RFC 3339.
    pub contacted_at: String,
    /// Staff ID who phoned.
    pub staff_id: String,
    /// Outcome.
    pub outcome: String,
    /// Next step.
    pub next_step: String,
}

/// A returned card and its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Returned {
    /// ID.
    pub returned_id: String,
    /// 申請書ID.
    pub application_id: String,
    /// The matched application, if held here.
    pub record_id: Option<String>,
    /// Reason code.
    pub reason: String,
    /// YYYY-MM-DD.
    pub returned_on: String,
    /// About a year after the application: destroy the card then if unclaimed.
    pub destroy_on: String,
    /// Unresolved and on or past `destroy_on`.
    pub due_for_destruction: bool,
    /// Note.
    pub note: String,
    /// `redelivered`, `collected` or `destroyed`, once resolved.
    pub resolution: Option<String>,
    /// YYYY-MM-DD.
    pub resolved_on: Option<String>,
    /// Oldest first.
    pub contacts: Vec<ReturnedContact>,
}

/// `GET /api/v1/console/returned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedList {
    /// Newest first.
    pub items: Vec<Returned>,
}

// --- Counter and phone -----------------------------------------------------------

/// `POST /api/v1/console/counter-cases`: counter cases to count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CounterInput {
    /// YYYY-MM-DD.
    pub on_date: String,
    /// The counter, e.g. `本庁舎窓口`.
    pub place: String,
    /// `issue_support` (交付等支援) or `other` (その他).
    pub kind: String,
    /// For `other`: the breakdown item, e.g. `暗証番号再設定`.
    pub detail: String,
    /// 1 to 1000.
    pub count: i64,
}

/// A counted counter case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CounterCase {
    /// ID.
    pub case_id: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    /// Counter.
    pub place: String,
    /// `issue_support` or `other`.
    pub kind: String,
    /// Breakdown item.
    pub detail: String,
    /// How many.
    pub count: i64,
    /// Staff ID.
    pub created_by: String,
}

/// `POST /api/v1/console/phone-enquiries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhoneInput {
    /// YYYY-MM-DD.
    pub on_date: String,
    /// Topic, e.g. `出張申請の日程`.
    pub topic: String,
    /// The answer given, in short.
    pub answer: String,
}

/// A phone enquiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhoneEnquiry {
    /// ID.
    pub enquiry_id: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    /// Topic.
    pub topic: String,
    /// Answer.
    pub answer: String,
    /// Staff ID.
    pub created_by: String,
}

/// `GET /api/v1/console/tally?date=`: the day's counter cases and phone enquiries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// YYYY-MM-DD.
    pub date: String,
    /// Counter cases.
    pub counter: Vec<CounterCase>,
    /// Phone enquiries.
    pub phone: Vec<PhoneEnquiry>,
}

// --- Reports ----------------------------------------------------------------------

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(untagged)]
pub enum ReportCell {
    /// A count.
    Int(i64),
    /// Text (dates are YYYY-MM-DD text).
    Text(String),
}

/// A column of a report table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportColumn {
    /// Heading (Japanese).
    pub title: String,
    /// `text`, `int`, `date` or `id` (a 申請書ID: text, never a number).
    pub kind: String,
    /// Width in characters, for spreadsheets and print.
    pub width: u16,
}

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportSection {
    /// Stable key, e.g. `summary`.
    pub key: String,
    /// Heading (Japanese), e.g. `出張申請サポート件数（会場別）`.
    pub title: String,
    /// Columns.
    pub columns: Vec<ReportColumn>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<ReportCell>>,
}

/// Applications on one day, for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    /// YYYY-MM-DD.
    pub date: String,
    /// Mode 受付.
    pub uketsuke: i64,
    /// Mode サポート (and unknown).
    pub support: i64,
}

/// Applications at one site, for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct SiteCount {
    /// Site.
    pub site: String,
    /// Mode 受付.
    pub uketsuke: i64,
    /// Mode サポート (and unknown).
    pub support: i64,
}

/// `GET /api/v1/console/reports`: a daily, monthly or completion report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `daily`, `monthly` or `completion`.
    pub kind: String,
    /// e.g. `日次報告書 2026-11-26`.
    pub title: String,
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day (YYYY-MM-DD).
    pub to: String,
    /// RFC 3339.
    pub generated_at: String,
    /// The tables, in order.
    pub sections: Vec<ReportSection>,
    /// Every day of the period.
    pub per_day: Vec<DayCount>,
    /// Every site with applications.
    pub per_site: Vec<SiteCount>,
}
