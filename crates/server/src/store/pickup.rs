//! Counter pickup in storage: printed notices, the office's settings, slot counts and
//! bookings.
//!
//! Every change is one transaction, and the checks that must hold under concurrent
//! staff (a slot's capacity, one open booking per card) are decided by the database in
//! that transaction, never by a read before it: the slot's count is raised by one
//! conditional upsert (`... DO UPDATE ... WHERE booked < capacity`), which on
//! PostgreSQL takes the slot row's lock and re-reads it, so the last place goes to one
//! of two staff booking at once; and each booking first locks its card's arrival row,
//! so the same resident cannot get two open bookings either.

use outreach_protocol::console::PhoneEnquiry;

use super::db::{Arg, Row, Tx, Value, args, from_row, work};
use super::office::upsert_stage;
use super::tally::insert_enquiry;
use super::{Result, Store, StoreError};

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
const BOOKING_COLUMNS: &str = "booking_id, application_id, record_id, slot_date, slot_time, status, moved_from, booked_by, booked_at, closed_on, follow_up";

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

impl BookingRow {
    fn from_row(r: &Row<'_>) -> Result<Self> {
        Ok(
            from_row!(r => BookingRow { booking_id, application_id, record_id, slot_date, slot_time,
            status, moved_from, booked_by, booked_at, closed_on, follow_up }),
        )
    }
}

/// The first booking that meets `condition`.
async fn booking_where(
    tx: &mut Tx<'_>,
    condition: &str,
    params: &[&dyn Value],
) -> Result<Option<BookingRow>> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE {condition}");
    tx.query_opt(&sql, params, BookingRow::from_row).await
}

async fn free_place(tx: &mut Tx<'_>, b: &BookingRow) -> Result<()> {
    tx.execute(
        "UPDATE pickup_slots SET booked = booked - 1 WHERE slot_date = ?1 AND slot_time = ?2 AND booked > 0",
        &[&b.slot_date, &b.slot_time],
    )
    .await?;
    Ok(())
}

impl Store {
    /// A setting's JSON, if the office ever stored one.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM office_settings WHERE key = ?1";
        self.db.row(sql, args![key], |r| r.get(0)).await
    }

    /// Stores a setting's JSON.
    pub async fn put_setting(&self, key: &str, value: &str, by: &str, now: &str) -> Result<()> {
        self.db
            .change(
                "INSERT INTO office_settings (key, value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by,
                     changed_at = excluded.changed_at",
                args![key, value, by, now],
            )
            .await?;
        Ok(())
    }

    /// Marks notices printed on `sent_on` (a notice printed before keeps its first
    /// day and counts one more print), and moves their records forward to 交付前設定:
    /// the city sets up a card before it calls the resident in. One transaction.
    pub async fn mark_notices(&self, notices: &[NoticeRow], by: &str, now: &str) -> Result<()> {
        let (notices, by, now) = (notices.to_vec(), by.to_owned(), now.to_owned());
        self.db
            .write(work!(|tx| {
                for n in &notices {
                    tx.execute(
                        "INSERT INTO pickup_notices (application_id, batch_id, record_id, sent_on, prints, printed_by, printed_at)
                         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)
                         ON CONFLICT (application_id) DO UPDATE SET prints = pickup_notices.prints + 1,
                             printed_by = excluded.printed_by, printed_at = excluded.printed_at",
                        &[&n.application_id, &n.batch_id, &n.record_id, &n.sent_on, &by, &now],
                    )
                    .await?;
                    upsert_stage(tx, &n.record_id, "preissue", &by, &now, true).await?;
                }
                Ok(())
            }))
            .await
    }

    /// Notices of these cards.
    pub async fn notices(&self, application_ids: &[String]) -> Result<Vec<NoticeRow>> {
        let sql = format!(
            "SELECT application_id, batch_id, record_id, sent_on, prints FROM pickup_notices
             WHERE application_id {} ORDER BY application_id COLLATE \"C\"",
            self.db.dialect().in_list(1)
        );
        self.db
            .rows(sql, args![application_ids], |r| {
                Ok(from_row!(r => NoticeRow { application_id, batch_id, record_id, sent_on, prints }))
            })
            .await
    }

    /// Where these cards are: 申請書ID → their batch and their number in it (by
    /// 申請書ID from 1). Cards not arrived are absent.
    pub async fn card_places(
        &self,
        application_ids: &[String],
    ) -> Result<Vec<(String, CardPlaceRow)>> {
        let sql = format!(
            "SELECT a.application_id, b.batch_id, b.label, b.delivered_on, b.storage,
                 (SELECT COUNT(*) FROM card_arrivals x WHERE x.batch_id = a.batch_id
                     AND x.application_id COLLATE \"C\" <= a.application_id COLLATE \"C\")
             FROM card_arrivals a JOIN card_batches b ON b.batch_id = a.batch_id
             WHERE a.application_id {}",
            self.db.dialect().in_list(1)
        );
        self.db
            .rows(sql, args![application_ids], |r| {
                let place = from_row!(r, 1 => CardPlaceRow { batch_id, label, delivered_on, storage, number });
                Ok((r.get(0)?, place))
            })
            .await
    }

    /// The arrival of one card: (batch ID, matched record).
    pub async fn card_arrival(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Option<String>)>> {
        let sql = "SELECT batch_id, record_id FROM card_arrivals WHERE application_id = ?1";
        self.db
            .row(sql, args![application_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .await
    }

    /// Books a place, or moves the open booking `replaces` to a new slot: the new
    /// slot's count rises only while below capacity, the old one's falls, the old
    /// booking becomes `moved`, and the phone call is counted, all in one transaction.
    pub async fn book(
        &self,
        new: &NewBooking,
        replaces: Option<&str>,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Booked> {
        let (b, replaces, call) = (new.clone(), replaces.map(str::to_owned), call.cloned());
        let outcome = self
            .db
            .attempt(work!(|tx| {
                // One booking at a time per card: the check for an open booking below
                // then sees any booking another transaction made for it.
                let card = "SELECT 1 FROM card_arrivals WHERE application_id = ?1 FOR UPDATE";
                tx.query_opt(card, &[&b.application_id], |_| Ok(())).await?;
                let open = "application_id = ?1 AND status = 'booked'";
                match (replaces.as_deref(), booking_where(tx, open, &[&b.application_id]).await?) {
                    (None, Some(open)) => return Ok(Err(Booked::AlreadyBooked(open))),
                    (Some(id), Some(open)) if open.booking_id == id => {
                        tx.execute(
                            "UPDATE pickup_bookings SET status = 'moved', closed_by = ?2, closed_at = ?3 WHERE booking_id = ?1",
                            &[&id, &b.by, &b.at],
                        )
                        .await?;
                        free_place(tx, &open).await?;
                    }
                    (Some(_), _) => return Ok(Err(Booked::NotOpen)),
                    (None, None) => {}
                }
                let placed = tx
                    .query_opt(
                        "INSERT INTO pickup_slots (slot_date, slot_time, booked) VALUES (?1, ?2, 1)
                         ON CONFLICT (slot_date, slot_time) DO UPDATE SET booked = pickup_slots.booked + 1
                         WHERE pickup_slots.booked < ?3
                         RETURNING booked",
                        &[&b.slot_date, &b.slot_time, &b.capacity],
                        |r| r.get::<i64>(0),
                    )
                    .await?;
                if placed.is_none() {
                    // Declining rolls the move back too.
                    return Ok(Err(Booked::SlotFull));
                }
                tx.execute(
                    "INSERT INTO pickup_bookings (booking_id, application_id, record_id, slot_date, slot_time, status,
                         moved_from, booked_by, booked_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'booked', ?6, ?7, ?8)",
                    &[&b.booking_id, &b.application_id, &b.record_id, &b.slot_date, &b.slot_time, &replaces, &b.by, &b.at],
                )
                .await?;
                if let Some(p) = &call {
                    insert_enquiry(tx, p, &b.at).await?;
                }
                let row = booking_where(tx, "booking_id = ?1", &[&b.booking_id]).await?;
                Ok(Ok(Booked::Booked(row.ok_or(StoreError::NoRow)?)))
            }))
            .await?;
        Ok(outcome.unwrap_or_else(|declined| declined))
    }

    /// Cancels an open booking (its place is freed) and counts the call; `None` if
    /// it is not open.
    pub async fn cancel_booking(
        &self,
        booking_id: &str,
        by: &str,
        now: &str,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Option<BookingRow>> {
        self.close(booking_id, "cancelled", None, by, now, call.cloned())
            .await
    }

    /// Closes a booking as `issued` (交付: in the same transaction the record's stage
    /// becomes `issued` and an open 返戻物 of the card is resolved `collected`) or
    /// `no_show`; a no-show can still become `issued`. `None` if the booking is in no
    /// state to close so.
    pub async fn close_booking(
        &self,
        booking_id: &str,
        status: &str,
        on: &str,
        by: &str,
        now: &str,
    ) -> Result<Option<BookingRow>> {
        self.close(booking_id, status, Some(on), by, now, None)
            .await
    }

    /// Closes a booking as `status` (on day `on`, for 交付 and 来庁なし) under its row
    /// lock, so of two staff closing it at once one does and the other finds it closed.
    async fn close(
        &self,
        booking_id: &str,
        status: &str,
        on: Option<&str>,
        by: &str,
        now: &str,
        call: Option<PhoneEnquiry>,
    ) -> Result<Option<BookingRow>> {
        let [id, status, by, now] = [booking_id, status, by, now].map(str::to_owned);
        let on = on.map(str::to_owned);
        self.db
            .write(work!(|tx| {
                let allowed: &[&str] = if status == "issued" { &["booked", "no_show"] } else { &["booked"] };
                let Some(b) = booking_where(tx, "booking_id = ?1 FOR UPDATE", &[&id])
                    .await?
                    .filter(|b| allowed.contains(&b.status.as_str()))
                else {
                    return Ok(None);
                };
                tx.execute(
                    "UPDATE pickup_bookings SET status = ?2, closed_on = ?3, closed_by = ?4, closed_at = ?5 WHERE booking_id = ?1",
                    &[&id, &status, &on, &by, &now],
                )
                .await?;
                if status == "cancelled" {
                    free_place(tx, &b).await?;
                }
                if let Some(p) = &call {
                    insert_enquiry(tx, p, &now).await?;
                }
                if status == "issued" {
                    upsert_stage(tx, &b.record_id, "issued", &by, &now, false).await?;
                    // A card that came back by mail and is now collected closes its 返戻物.
                    tx.execute(
                        "UPDATE returned_mail SET resolution = 'collected', resolved_on = ?2
                         WHERE application_id = ?1 AND resolution IS NULL",
                        &[&b.application_id, &on],
                    )
                    .await?;
                }
                booking_where(tx, "booking_id = ?1", &[&id]).await
            }))
            .await
    }

    /// Writes the follow-up note of a no-show; false if it is not a no-show.
    pub async fn follow_up(&self, booking_id: &str, note: &str) -> Result<bool> {
        let sql = "UPDATE pickup_bookings SET follow_up = ?2 WHERE booking_id = ?1 AND status = 'no_show'";
        Ok(self.db.change(sql, args![booking_id, note]).await? > 0)
    }

    /// One booking.
    pub async fn booking(&self, booking_id: &str) -> Result<Option<BookingRow>> {
        Ok(self
            .bookings_where("booking_id = ?1", args![booking_id])
            .await?
            .pop())
    }

    /// Every booking of these cards, newest first.
    pub async fn bookings_of(&self, application_ids: &[String]) -> Result<Vec<BookingRow>> {
        let condition = format!(
            "application_id {} ORDER BY booked_at COLLATE \"C\" DESC, booking_id COLLATE \"C\" DESC",
            self.db.dialect().in_list(1)
        );
        self.bookings_where(&condition, args![application_ids])
            .await
    }

    /// Bookings whose slot is on `[from, to]`, by date and time.
    pub async fn bookings_between(&self, from: &str, to: &str) -> Result<Vec<BookingRow>> {
        let condition = "slot_date >= ?1 AND slot_date <= ?2
             ORDER BY slot_date COLLATE \"C\", slot_time COLLATE \"C\", booked_at COLLATE \"C\"";
        self.bookings_where(condition, args![from, to]).await
    }

    /// Bookings closed (交付 or 来庁なし) on `[from, to]`.
    pub async fn bookings_closed_between(&self, from: &str, to: &str) -> Result<Vec<BookingRow>> {
        let condition = "closed_on >= ?1 AND closed_on <= ?2 AND status IN ('issued', 'no_show')
             ORDER BY closed_on COLLATE \"C\", slot_time COLLATE \"C\", booking_id COLLATE \"C\"";
        self.bookings_where(condition, args![from, to]).await
    }

    async fn bookings_where(&self, condition: &str, args: Vec<Arg>) -> Result<Vec<BookingRow>> {
        let sql = format!("SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE {condition}");
        self.db.rows(sql, args, BookingRow::from_row).await
    }

    /// Booked places per slot on `[from, to]`: (date, time, booked).
    pub async fn slot_counts(&self, from: &str, to: &str) -> Result<Vec<(String, String, i64)>> {
        self.db
            .rows(
                "SELECT slot_date, slot_time, booked FROM pickup_slots WHERE slot_date >= ?1 AND slot_date <= ?2
                 ORDER BY slot_date COLLATE \"C\", slot_time COLLATE \"C\"",
                args![from, to],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .await
    }
}
