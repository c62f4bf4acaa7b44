//! Counter pickup (交付時来庁方式) in the office console: the 交付通知書 of a card
//! batch, the pickup calendar, phone bookings, and the day's pickup list.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::console::CardBatch;

/// A span of the day, `HH:MM` to `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// Start, `HH:MM`.
    pub from: String,
    /// End (exclusive), `HH:MM`.
    pub to: String,
}

/// The pickup calendar and what the notice tells the resident
/// (`GET`/`PUT /api/v1/console/pickup/settings`; changing it is for supervisors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PickupSettings {
    /// Who sends the notice, e.g. `○○市 市民課`.
    pub office_name: String,
    /// Where the card is collected, e.g. `本庁舎1階 市民課 マイナンバーカード交付窓口`.
    pub place: String,
    /// The place's address.
    pub place_address: String,
    /// Open weekdays, 1 (Monday) to 7 (Sunday).
    pub weekdays: Vec<u8>,
    /// First slot starts, `HH:MM`.
    pub opens: String,
    /// Last slot ends by, `HH:MM`.
    pub closes: String,
    /// No slot overlaps these (a lunch break).
    pub breaks: Vec<TimeRange>,
    /// Length of a slot in minutes (10 to 240).
    pub slot_minutes: i64,
    /// Residents one slot takes: the counters staffed for pickups (1 to 50).
    pub capacity: i64,
    /// Closed although an open weekday (YYYY-MM-DD).
    pub closed_dates: Vec<String>,
    /// Open although a weekend or a holiday (休日開庁, YYYY-MM-DD).
    pub open_dates: Vec<String>,
    /// Closed from 12/29 to 1/3 (年末年始).
    pub year_end_closed: bool,
    /// Closed on national holidays (国民の祝日・振替休日・国民の休日).
    pub holidays_closed: bool,
    /// The number residents phone to book.
    pub booking_phone: String,
    /// When that phone is answered, e.g. `平日 9時〜17時`.
    pub booking_hours: String,
    /// How many days ahead a pickup can be booked (1 to 366).
    pub horizon_days: i64,
}

/// Where an arrived card is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardPlace {
    /// Batch ID.
    pub batch_id: String,
    /// Batch name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// Where the batch is kept (may be empty).
    pub storage: String,
    /// The card's number in its batch (by 申請書ID, from 1).
    pub number: i64,
}

/// A pickup booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupBooking {
    /// ID.
    pub booking_id: String,
    /// 申請書ID.
    pub application_id: String,
    /// Record UUID.
    pub record_id: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// Slot start, `HH:MM`.
    pub time: String,
    /// `booked`, `issued` (交付), `no_show` (来庁なし), `cancelled`, `moved`.
    pub status: String,
    /// Staff ID.
    pub booked_by: String,
    /// RFC 3339.
    pub booked_at: String,
    /// The day it was handed over or marked a no-show (YYYY-MM-DD).
    pub closed_on: Option<String>,
    /// After a no-show: the follow-up call's note.
    pub follow_up: String,
}

/// One resident whose card is collected at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupResident {
    /// 申請書ID.
    pub application_id: String,
    /// Record UUID.
    pub record_id: String,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub kana: String,
    /// YYYY-MM-DD, or empty.
    pub birth_date: String,
    /// The birth date as staff say it: `昭和36年3月3日（1961年）`, or empty.
    pub birth_display: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 住所.
    pub address: String,
    /// Collected at the counter by the record (サポート, or a mailing condition not
    /// met); false for a mailed card (e.g. one that came back).
    pub counter_pickup: bool,
    /// Where the card is, once it has arrived.
    pub card: Option<CardPlace>,
    /// The day its 交付通知書 was sent.
    pub notice_sent_on: Option<String>,
    /// The open booking, or the last one.
    pub booking: Option<PickupBooking>,
    /// What to bring, in Japanese, by the resident's case.
    pub bring: Vec<String>,
    /// The office's stage for the record.
    pub stage: String,
}

/// `GET /api/v1/console/card-batches/{id}/notices` (audited: it holds names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct NoticeList {
    /// The batch.
    pub batch: CardBatch,
    /// Residents of the batch who collect at the counter, by 申請書ID.
    pub residents: Vec<PickupResident>,
    /// How many of them have no notice sent yet.
    pub unsent: i64,
    /// Unsent notices past the two-week deadline.
    pub overdue: bool,
}

/// `POST /api/v1/console/card-batches/{id}/notices`: print notices (a PDF) and mark
/// them sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoticePrintInput {
    /// The day they are sent (YYYY-MM-DD).
    pub sent_on: String,
    /// Only these 申請書IDs of the batch; empty means every unsent notice.
    #[serde(default)]
    pub application_ids: Vec<String>,
}

/// One pickup slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupSlot {
    /// Start, `HH:MM`.
    pub time: String,
    /// End, `HH:MM`.
    pub end: String,
    /// Places.
    pub capacity: i64,
    /// Booked places.
    pub booked: i64,
}

/// One day of the pickup calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupDayInfo {
    /// YYYY-MM-DD.
    pub date: String,
    /// Why the counter is closed (e.g. `年末年始`, `勤労感謝の日`, `土曜日`), or null.
    pub closed: Option<String>,
    /// The day's slots (empty when closed).
    pub slots: Vec<PickupSlot>,
}

/// `GET /api/v1/console/pickup/calendar?from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupCalendar {
    /// Each day from `from` to `to`.
    pub days: Vec<PickupDayInfo>,
}

/// `GET /api/v1/console/pickup/residents?applicationId=` or `?name=&birthDate=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupSearch {
    /// Every record that matches (usually one).
    pub residents: Vec<PickupResident>,
}

/// `POST /api/v1/console/pickup/bookings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingInput {
    /// 申請書ID.
    pub application_id: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// Slot start, `HH:MM`.
    pub time: String,
    /// Booked on a call from the resident: counted as a phone enquiry (受け取り予約).
    #[serde(default = "yes")]
    pub by_phone: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/console/pickup/bookings/{id}/move`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveInput {
    /// YYYY-MM-DD.
    pub date: String,
    /// Slot start, `HH:MM`.
    pub time: String,
    /// On a call from the resident: counted as a phone enquiry.
    #[serde(default = "yes")]
    pub by_phone: bool,
}

/// `POST /api/v1/console/pickup/bookings/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelInput {
    /// On a call from the resident: counted as a phone enquiry.
    #[serde(default = "yes")]
    pub by_phone: bool,
}

/// `POST /api/v1/console/pickup/bookings/{id}/follow-up`: after a no-show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FollowUpInput {
    /// What the call gave, e.g. `不在。12/5に再度連絡`.
    pub note: String,
}

/// One booking on the day's pickup list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupListEntry {
    /// The booking.
    pub booking: PickupBooking,
    /// The resident.
    pub resident: PickupResident,
}

/// `GET /api/v1/console/pickup/day?date=` (audited: it holds names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PickupDay {
    /// YYYY-MM-DD.
    pub date: String,
    /// The day's bookings, by time (booked, handed over and no-shows).
    pub entries: Vec<PickupListEntry>,
    /// No-shows of the last 60 days not booked again nor handed over since: to call.
    pub follow_up: Vec<PickupListEntry>,
}
