//! The types that cross the IPC boundary to the web view. TypeScript declarations are
//! generated from them into `ui/src/lib/bindings.ts` (ts-rs); a test fails when the
//! committed file drifts from these types.

use outreach_domain::documents::{DocList, Document};
use outreach_domain::record::{ApplicantRecord, Checked, CounterReason, Delivery, Mode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the app is and where it syncs to.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The device's name as shown to staff.
    pub device_name: String,
    /// The office server this tablet syncs with, once known: from the vault's
    /// enrolment after a sign-in (or `OUTREACH_SERVER_URL` for development).
    pub server_url: Option<String>,
    /// The tablet has a vault: it was enrolled (or made for a demo). Without one the app
    /// shows the enrolment screen instead of sign-in.
    pub has_vault: bool,
    /// Seconds without a touch or a key after which the app locks itself.
    pub idle_lock_seconds: u32,
}

/// Whether the app's window is in front of staff or put away (hidden, minimised,
/// the app paused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum WindowVisibility {
    /// On screen.
    Shown,
    /// Hidden, minimised or paused: the UI locks.
    Hidden,
}

/// One change of the window's visibility, numbered from 1 so the UI can ask for the
/// next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WindowChange {
    /// 1 for the first change, then one more for each.
    pub seq: u32,
    /// What the window is now.
    pub visibility: WindowVisibility,
}

/// The office server as last seen from this tablet.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// The server answered its health check with a compatible API.
    pub reachable: bool,
    /// The server's version, when reachable.
    pub server_version: Option<String>,
    /// `sqlite` or `postgres`, when reachable.
    pub storage: Option<String>,
    /// When the probe ran (RFC 3339).
    pub checked_at: String,
    /// Why it is not reachable, in Japanese for staff.
    pub message: Option<String>,
}

/// A sign-in attempt. Its `Debug` hides the password.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    /// The staff member's login ID.
    pub staff_id: String,
    /// Their password; never logged, dropped after the attempt.
    pub password: String,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("staff_id", &self.staff_id)
            .field("password", &"…")
            .finish()
    }
}

/// Enrolling this tablet: the QR code's text and the first staff member's sign-in.
/// Its `Debug` hides the code and the password.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrolRequest {
    /// The enrolment QR code's JSON text, as pasted or scanned; never logged.
    pub code_text: String,
    /// The staff member's login ID.
    pub staff_id: String,
    /// Their password; never logged, dropped after the attempt.
    pub password: String,
}

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("code_text", &"…")
            .field("staff_id", &self.staff_id)
            .field("password", &"…")
            .finish()
    }
}

/// Enrolling this tablet again (its credential expired or was refused, the office
/// server was re-keyed or moved): the new QR code's text. Everything in the vault is
/// kept. Its `Debug` hides the code.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReenrolRequest {
    /// The enrolment QR code's JSON text, as pasted or scanned; never logged.
    pub code_text: String,
}

impl std::fmt::Debug for ReenrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReenrolRequest")
            .field("code_text", &"…")
            .finish()
    }
}

/// The tablet is enrolled again.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Reenrolled {
    /// The office server it syncs with now.
    pub server_url: String,
    /// Until when the new credential works, in 和暦 and 西暦, Japan time.
    pub expires_display: String,
    /// Record versions waiting to go to the office, which the next sync sends.
    pub waiting: u32,
}

/// What background sync is doing; the sync panel says it in Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Nobody is signed in (or the tablet locked): sync waits for a sign-in.
    #[default]
    Locked,
    /// The vault holds no enrolment: this tablet has no office to send to.
    NotEnrolled,
    /// Asking whether the office server answers.
    Probing,
    /// A sync run is going on.
    Syncing,
    /// The last run finished; the next check comes by itself.
    Idle,
    /// The office server cannot be reached; trying again after a while.
    Offline,
    /// The server's key is not the one pinned at enrolment.
    WrongServer,
    /// The server's API version does not match the app's.
    Incompatible,
    /// The last run failed (the office failed, or refused something); trying again.
    Retrying,
    /// The office no longer accepts this tablet's credential: enrol again.
    CredentialRejected,
    /// The credential expired (the tablet was away from the office too long to renew
    /// it): enrol again; nothing on the tablet is lost.
    CredentialExpired,
    /// The office revoked this tablet; its staff keys were destroyed.
    Revoked,
}

/// How many record versions are in each outbox state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxCounts {
    /// 送信待ち: finalized, not yet sent.
    pub queued: u32,
    /// 送信中: going up.
    pub sending: u32,
    /// 受領確認待ち: sent; the office has not yet confirmed every photo.
    pub awaiting_confirmation: u32,
    /// 送信済み: confirmed by the office.
    pub sent: u32,
    /// 失敗: refused by the office.
    pub failed: u32,
}

/// A record version the office refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxFailure {
    /// The record's ID (never personal data).
    pub record_id: String,
    /// Its version.
    pub version: i64,
    /// The office's stable reason code (e.g. `my_number_refused`, `office_conflict`).
    pub reason: String,
}

/// Where background sync stands, for the sync panel (polled about once a second).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// What sync is doing.
    pub phase: SyncPhase,
    /// The engine's step during a run (確認中, 写真を送信中 …), or the last run's last.
    pub activity: Option<String>,
    /// Record versions the current (or last) run set out to send.
    pub items_total: u32,
    /// Of those, confirmed by the office.
    pub items_sent: u32,
    /// Photo bytes the current (or last) run set out to send.
    pub bytes_total: u64,
    /// Of those, held by the office.
    pub bytes_done: u64,
    /// Recent upload speed in bytes per second (0 when idle).
    pub bytes_per_second: f64,
    /// The vault's outbox by state; `null` while nobody is signed in.
    pub outbox: Option<OutboxCounts>,
    /// Record versions the office refused, with its reasons.
    pub failures: Vec<OutboxFailure>,
    /// When a sync run last completed (RFC 3339), or the office last confirmed a record.
    pub last_success_at: Option<String>,
    /// The same in 和暦 and 西暦 with a 24-hour time, Japan time.
    pub last_success_display: Option<String>,
    /// Seconds until the next attempt starts by itself, when one is scheduled.
    pub next_attempt_seconds: Option<u32>,
    /// Whole days the device credential has left (renewed by itself on any sync past
    /// half its life); `null` while nobody is signed in or the tablet is not enrolled.
    pub credential_days_left: Option<i32>,
    /// True when expiry is near (14 days or less) or past: the status area tells a
    /// supervisor to connect to the office, or to enrol the tablet again.
    pub credential_warning: bool,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    /// The staff member's login ID.
    pub staff_id: String,
    /// Their name as on the roster.
    pub staff_name: String,
}

/// A trip as the trip list shows it, with its tally.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TripView {
    /// UUID.
    pub id: String,
    /// 企業・施設名.
    pub site_name: String,
    /// Its address.
    pub site_address: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The date in 和暦 and 西暦.
    pub date_display: String,
    /// 受付 or サポート.
    pub mode: Mode,
    /// Applicants expected, if known.
    pub expected_count: Option<u32>,
    /// Pushed by the office (else made on this tablet).
    pub from_office: bool,
    /// Staff IDs the office assigned.
    pub staff: Vec<String>,
    /// Its figures so far.
    pub tally: TallyView,
}

/// A trip's figures (the day's tally).
#[derive(Debug, Clone, Copy, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TallyView {
    /// Records finalized.
    pub finalized: u32,
    /// Records started and not finalized.
    pub incomplete: u32,
    /// Cards to be mailed.
    pub mailed: u32,
    /// 窓口受取.
    pub counter: u32,
    /// Photo retakes.
    pub photo_retakes: u32,
    /// Finalized, not yet confirmed by the office.
    pub unsent: u32,
}

/// Today's trips.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TripsToday {
    /// Today, `YYYY-MM-DD` (Japan time).
    pub date: String,
    /// Today in 和暦 and 西暦.
    pub date_display: String,
    /// The trips, by site.
    pub trips: Vec<TripView>,
    /// The whole day's figures, split by mode.
    pub uketsuke: TallyView,
    /// サポート trips' figures.
    pub support: TallyView,
}

/// A trip made on the tablet when the office pushed none.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewTripRequest {
    /// 企業・施設名.
    pub site_name: String,
    /// Its address.
    pub site_address: String,
    /// 受付 or サポート.
    pub mode: Mode,
    /// Applicants expected, if known.
    pub expected_count: Option<u32>,
}

/// One record in a trip's list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordLineView {
    /// Record UUID.
    pub id: String,
    /// Newest version.
    pub version: i64,
    /// `draft`, `finalized`, `sent` or `purged`.
    pub state: String,
    /// Where sync stands, in Japanese (下書き, 送信待ち, 送信中, 受領確認待ち, 送信済み, 失敗, 消去済み).
    pub sync_label: String,
    /// 申請書ID (empty once purged).
    pub application_id: String,
    /// 氏名 (empty once purged).
    pub name: String,
    /// `mail` or `counter`, once known.
    pub delivery: Option<Delivery>,
    /// When it was started, Japan time `HH:MM`.
    pub started_at: String,
}

/// A trip with its records.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TripDetail {
    /// The trip.
    pub trip: TripView,
    /// Its records, newest first.
    pub records: Vec<RecordLineView>,
}

/// The record on screen, to check or save.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordInput {
    /// The trip it is taken at.
    pub trip_id: String,
    /// The record's UUID once it was first saved.
    pub record_id: Option<String>,
    /// The fields as typed.
    pub record: ApplicantRecord,
    /// A photo checked with `check_photo` to store with this save, if any.
    #[serde(default)]
    pub photo_token: Option<String>,
}

/// What the rules say about the record on screen.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordCheck {
    /// The record's UUID, once saved.
    pub record_id: Option<String>,
    /// The rules' verdict, field by field.
    pub checked: Checked,
    /// Another record on this tablet has the same 申請書ID.
    pub duplicate_application_id: bool,
}

/// One stored version of a record.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    /// 1, 2, …
    pub version: i64,
    /// Why it was amended (not for version 1).
    pub amend_reason: Option<String>,
    /// Who wrote it.
    pub created_by: String,
    /// Its fields.
    pub record: ApplicantRecord,
}

/// A record opened from the list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// Record UUID.
    pub record_id: String,
    /// The trip.
    pub trip_id: String,
    /// `draft`, `finalized`, `sent` or `purged`.
    pub state: String,
    /// The newest version checked against the rules.
    pub check: RecordCheck,
    /// Every version, oldest first.
    pub versions: Vec<VersionView>,
}

/// A change to a finalized record.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AmendRequest {
    /// Record UUID.
    pub record_id: String,
    /// Why (required).
    pub reason: String,
    /// The changed fields.
    pub record: ApplicantRecord,
    /// A new photo checked with `check_photo`, if the amendment replaces it.
    #[serde(default)]
    pub photo_token: Option<String>,
}

/// A choice the UI shows, with its stable code.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DocumentOption {
    /// Document.
    pub code: Document,
    /// Its name.
    pub label: String,
    /// A, B or notice.
    pub list: DocList,
}

/// What the capture screens need to know once.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaptureOptions {
    /// Every identity document.
    pub documents: Vec<DocumentOption>,
    /// The city's rule in force (the office's, or the standard one before the first sync).
    pub rule_name: String,
    /// Each reason for 窓口受取 with its Japanese sentence.
    pub counter_reasons: Vec<CounterReasonOption>,
}

/// A 窓口受取 reason and its sentence.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CounterReasonOption {
    /// Reason.
    pub code: CounterReason,
    /// What the record says.
    pub label: String,
}

/// An address a postal code stands for (Japan Post's data shipped with the app).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    /// 都道府県 + 市区町村 + 町域, ready for the address field.
    pub address: String,
    /// Japan Post's remark on the town (e.g. 「1〜19丁目」), to tell choices apart.
    pub note: String,
}

/// A rectangle on the photo as taken (pixels, after the EXIF orientation).
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct PhotoRect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// One named check of the ID photo.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhotoCheckLine {
    /// Stable name (e.g. `blur`, `tilt`).
    pub name: String,
    /// Its Japanese label.
    pub label: String,
    /// `pass`, `warn`, `fail` or `skipped`.
    pub result: String,
    /// What was measured, if it could be.
    pub value: Option<f64>,
    /// Unit of the value.
    pub unit: String,
    /// The rule, as JSON text (kind and limits).
    pub threshold: String,
    /// What to do about it, in Japanese, when it did not pass.
    pub reason: Option<String>,
    /// Where on the photo it looked.
    pub regions: Vec<PhotoRect>,
}

/// The ID photo just taken or imported, checked against the J-LIS rules. The photo
/// itself stays in the app's memory until the record is saved into the vault.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhotoCheck {
    /// Names this photo when the record is saved (`RecordInput.photoToken`).
    pub token: String,
    /// The worst result: `pass`, `warn` or `fail`.
    pub verdict: String,
    /// The photo's size as shown.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// The face measured, if any.
    pub face: Option<PhotoRect>,
    /// Estimated crown and chin lines (y), when a face was found.
    pub crown_y: Option<i32>,
    /// Chin line.
    pub chin_y: Option<i32>,
    /// Every check in a fixed order.
    pub checks: Vec<PhotoCheckLine>,
    /// The digital application photo as a `data:` URL, when one could be framed.
    pub digital_preview: Option<String>,
}

/// Every command's error: a code the UI branches on and a Japanese message for staff.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    /// Stable code, e.g. `no_roster`, `wrong_password`.
    pub code: String,
    /// What staff read.
    pub message: String,
}

impl IpcError {
    /// An error the staff member cannot act on; the details are logged, not shown.
    pub fn internal() -> Self {
        Self {
            code: "internal".to_owned(),
            message: "予期しないエラーが発生しました。".to_owned(),
        }
    }
}

/// Every type the web view sees, rendered as one TypeScript module.
pub fn typescript_bindings() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    use outreach_domain::{documents, record};
    let decls = [
        AppInfo::decl(&cfg),
        AmendRequest::decl(&cfg),
        record::ApplicantRecord::decl(&cfg),
        CaptureOptions::decl(&cfg),
        record::Certificates::decl(&cfg),
        record::Checked::decl(&cfg),
        record::CounterReason::decl(&cfg),
        CounterReasonOption::decl(&cfg),
        record::Delivery::decl(&cfg),
        documents::DocList::decl(&cfg),
        documents::Document::decl(&cfg),
        DocumentOption::decl(&cfg),
        record::FieldIssue::decl(&cfg),
        record::IdSource::decl(&cfg),
        record::IdentityCheck::decl(&cfg),
        record::IssueKind::decl(&cfg),
        record::MailingConditions::decl(&cfg),
        record::Mode::decl(&cfg),
        NewTripRequest::decl(&cfg),
        PhotoCheck::decl(&cfg),
        PhotoCheckLine::decl(&cfg),
        PhotoRect::decl(&cfg),
        PostalAddress::decl(&cfg),
        record::OldCard::decl(&cfg),
        record::PhotoException::decl(&cfg),
        record::PhotoInfo::decl(&cfg),
        RecordCheck::decl(&cfg),
        RecordInput::decl(&cfg),
        RecordLineView::decl(&cfg),
        RecordView::decl(&cfg),
        record::Relationship::decl(&cfg),
        record::RelationshipProof::decl(&cfg),
        record::Representative::decl(&cfg),
        documents::RuleOutcome::decl(&cfg),
        record::Sex::decl(&cfg),
        TallyView::decl(&cfg),
        TripDetail::decl(&cfg),
        record::TripRef::decl(&cfg),
        TripView::decl(&cfg),
        TripsToday::decl(&cfg),
        VersionView::decl(&cfg),
        EnrolRequest::decl(&cfg),
        ReenrolRequest::decl(&cfg),
        Reenrolled::decl(&cfg),
        IpcError::decl(&cfg),
        OutboxCounts::decl(&cfg),
        OutboxFailure::decl(&cfg),
        ServerStatus::decl(&cfg),
        SignInRequest::decl(&cfg),
        SignedIn::decl(&cfg),
        SyncPhase::decl(&cfg),
        SyncStatus::decl(&cfg),
        WindowChange::decl(&cfg),
        WindowVisibility::decl(&cfg),
    ];
    let mut out = String::from(
        "// This file was generated by outreach-app (ts-rs). Do not edit by hand: run `make bindings`.\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    /// The committed TypeScript types must be exactly what the Rust types generate, or
    /// the UI compiles against a shape the app no longer sends.
    #[test]
    fn committed_typescript_bindings_match_the_rust_types() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let generated = super::typescript_bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/lib/bindings.ts is out of date with the Rust IPC types: run `make bindings` and commit the result"
        );
    }
}
