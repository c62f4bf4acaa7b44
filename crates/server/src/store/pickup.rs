//! Counter pickup in storage: printed notices, the office's settings, slot counts and
//! bookings. A third trait beside [`super::Store`] (which requires it), with each
//! dialect's SQL in its own file (`sqlite/pickup.rs`, `postgres/pickup.rs`).
//!
//! Every change is one transaction, and the checks that must hold under concurrent
//! staff (a slot's capacity, one open booking per card) are decided by the database in
//! that transaction, never by a read before it.

use async_trait::async_trait;
use outreach_protocol::console::PhoneEnquiry;

use super::StoreError;

/// A printed notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// 申請書ID.
    pub application_id: String,
    /// Batch.
    pub batch_id: String,
    /// Record UUID.
    pub record_id: String,
    /// The first day it was sent (YYYY-MM-DD).
    pub sent_on: String,
    /// Times printed.
    pub prints: i64,
}

/// A booking as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRow {
    /// ID.
    pub booking_id: String,
    /// 申請書ID.
    pub application_id: String,
    /// Record UUID.
    pub record_id: String,
    /// YYYY-MM-DD.
    pub slot_date: String,
    /// `HH:MM`.
    pub slot_time: String,
    /// `booked`, `issued`, `no_show`, `cancelled`, `moved`.
    pub status: String,
    /// The booking this one replaced.
    pub moved_from: Option<String>,
    /// Staff ID.
    pub booked_by: String,
    /// RFC 3339.
    pub booked_at: String,
    /// YYYY-MM-DD of 交付 or 来庁なし.
    pub closed_on: Option<String>,
    /// After a no-show.
    pub follow_up: String,
}

/// Where an arrived card is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPlaceRow {
    /// Batch ID.
    pub batch_id: String,
    /// Batch name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// Where the batch is kept.
    pub storage: String,
    /// The card's number in its batch (by 申請書ID, from 1).
    pub number: i64,
}

/// Columns of [`BookingRow`], in its order.
pub(crate) const BOOKING_COLUMNS: &str = "booking_id, application_id, record_id, slot_date, slot_time, status, moved_from, booked_by, booked_at, closed_on, follow_up";

/// A booking to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// ID.
    pub booking_id: String,
    /// 申請書ID.
    pub application_id: String,
    /// Record UUID.
    pub record_id: String,
    /// YYYY-MM-DD.
    pub slot_date: String,
    /// `HH:MM`.
    pub slot_time: String,
    /// The slot's places now.
    pub capacity: i64,
    /// Staff ID.
    pub by: String,
    /// RFC 3339.
    pub at: String,
}

/// What a booking (or a move) came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    /// Stored.
    Booked(BookingRow),
    /// The slot has no free place; nothing stored.
    SlotFull,
    /// The card has an open booking already (this one); nothing stored.
    AlreadyBooked(BookingRow),
    /// For a move: the booking is not open (handed over, cancelled…); nothing stored.
    NotOpen,
}

/// Counter pickup in storage.
#[async_trait]
pub trait PickupStore: Send + Sync {
    /// A setting's JSON, if the office ever stored one.
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores a setting's JSON.
    async fn put_setting(
        &self,
        key: &str,
        value: &str,
        by: &str,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Marks notices printed on `sent_on` (a notice printed before keeps its first
    /// day and counts one more print), and moves their records forward to 交付前設定:
    /// the city sets up a card before it calls the resident in. One transaction.
    async fn mark_notices(
        &self,
        notices: &[NoticeRow],
        by: &str,
        now: &str,
    ) -> Result<(), StoreError>;

    /// Notices of these cards.
    async fn notices(&self, application_ids: &[String]) -> Result<Vec<NoticeRow>, StoreError>;

    /// Where these cards are: 申請書ID → (batch ID, label, delivered on, storage, the
    /// card's number in its batch by 申請書ID from 1). Cards not arrived are absent.
    async fn card_places(
        &self,
        application_ids: &[String],
    ) -> Result<Vec<(String, CardPlaceRow)>, StoreError>;

    /// The arrival of one card: (batch ID, matched record).
    async fn card_arrival(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError>;

    /// Books a place, or moves the open booking `replaces` to a new slot: the new
    /// slot's count rises only while below capacity, the old one's falls, the old
    /// booking becomes `moved`, and the phone call is counted, all in one transaction.
    async fn book(
        &self,
        new: &NewBooking,
        replaces: Option<&str>,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Booked, StoreError>;

    /// Cancels an open booking (its place is freed) and counts the call; `None` if
    /// it is not open.
    async fn cancel_booking(
        &self,
        booking_id: &str,
        by: &str,
        now: &str,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Option<BookingRow>, StoreError>;

    /// Closes a booking as `issued` (交付: in the same transaction the record's stage
    /// becomes `issued` and an open 返戻物 of the card is resolved `collected`) or
    /// `no_show`; a no-show can still become `issued`. `None`
    /// if the booking is in no state to close so.
    async fn close_booking(
        &self,
        booking_id: &str,
        status: &str,
        on: &str,
        by: &str,
        now: &str,
    ) -> Result<Option<BookingRow>, StoreError>;

    /// Writes the follow-up note of a no-show; false if it is not a no-show.
    async fn follow_up(&self, booking_id: &str, note: &str) -> Result<bool, StoreError>;

    /// One booking.
    async fn booking(&self, booking_id: &str) -> Result<Option<BookingRow>, StoreError>;

    /// Every booking of these cards, newest first.
    async fn bookings_of(&self, application_ids: &[String]) -> Result<Vec<BookingRow>, StoreError>;

    /// Bookings whose slot is on `[from, to]`, by date and time.
    async fn bookings_between(&self, from: &str, to: &str) -> Result<Vec<BookingRow>, StoreError>;

    /// Bookings closed (交付 or 来庁なし) on `[from, to]`.
    async fn bookings_closed_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<BookingRow>, StoreError>;

    /// Booked places per slot on `[from, to]`: (date, time, booked).
    async fn slot_counts(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
}
