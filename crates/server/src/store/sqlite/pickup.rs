//! [`PickupStore`] on SQLite. The one connection already runs one transaction at a
//! time; the slot count is still raised by the same conditional statement as on
//! PostgreSQL, so both stores decide capacity the same way.

use async_trait::async_trait;
use outreach_protocol::console::PhoneEnquiry;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::office::stage_rank;
use crate::store::pickup::{
    BOOKING_COLUMNS, Booked, BookingRow, CardPlaceRow, NewBooking, NoticeRow, PickupStore,
};

fn booking_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BookingRow> {
    Ok(BookingRow {
        booking_id: r.get(0)?,
        application_id: r.get(1)?,
        record_id: r.get(2)?,
        slot_date: r.get(3)?,
        slot_time: r.get(4)?,
        status: r.get(5)?,
        moved_from: r.get(6)?,
        booked_by: r.get(7)?,
        booked_at: r.get(8)?,
        closed_on: r.get(9)?,
        follow_up: r.get(10)?,
    })
}

fn booking(c: &Connection, id: &str) -> rusqlite::Result<Option<BookingRow>> {
    c.query_row(
        &format!("SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE booking_id = ?1"),
        [id],
        booking_row,
    )
    .optional()
}

fn count_call(
    tx: &Transaction<'_>,
    call: Option<&PhoneEnquiry>,
    now: &str,
) -> rusqlite::Result<()> {
    if let Some(p) = call {
        tx.execute(
            "INSERT INTO phone_enquiries (enquiry_id, on_date, topic, answer, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![p.enquiry_id, p.on_date, p.topic, p.answer, p.created_by, now],
        )?;
    }
    Ok(())
}

fn free_place(tx: &Transaction<'_>, date: &str, time: &str) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE pickup_slots SET booked = booked - 1 WHERE slot_date = ?1 AND slot_time = ?2 AND booked > 0",
        [date, time],
    )?;
    Ok(())
}

fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl PickupStore for SqliteStore {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.with(move |c| {
            Ok(c.query_row(
                "SELECT value FROM office_settings WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &str,
        by: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let args = [key, value, by, now].map(str::to_owned);
        self.with(move |c| {
            c.execute(
                "INSERT INTO office_settings (key, value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                params![args[0], args[1], args[2], args[3]],
            )?;
            Ok(())
        })
        .await
    }

    async fn mark_notices(
        &self,
        notices: &[NoticeRow],
        by: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let (notices, by, now) = (notices.to_vec(), by.to_owned(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction()?;
            {
                let mut mark = tx.prepare(
                    "INSERT INTO pickup_notices (application_id, batch_id, record_id, sent_on, prints, printed_by, printed_at)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)
                     ON CONFLICT (application_id) DO UPDATE SET prints = pickup_notices.prints + 1,
                         printed_by = excluded.printed_by, printed_at = excluded.printed_at",
                )?;
                let mut stage = tx.prepare(&format!(
                    "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                     SELECT ?1, 'preissue', ?2, ?3 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = ?1)
                     ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at
                     WHERE {} < {}",
                    stage_rank("record_stages.stage"),
                    stage_rank("excluded.stage")
                ))?;
                for n in &notices {
                    mark.execute(params![n.application_id, n.batch_id, n.record_id, n.sent_on, by, now])?;
                    stage.execute(params![n.record_id, by, now])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn notices(&self, application_ids: &[String]) -> Result<Vec<NoticeRow>, StoreError> {
        let ids = application_ids.to_vec();
        self.with(move |c| {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut stmt = c.prepare(&format!(
                "SELECT application_id, batch_id, record_id, sent_on, prints FROM pickup_notices
                 WHERE application_id IN ({}) ORDER BY application_id",
                marks(1, ids.len())
            ))?;
            let rows = stmt.query_map(params_from_iter(ids), |r| {
                Ok(NoticeRow {
                    application_id: r.get(0)?,
                    batch_id: r.get(1)?,
                    record_id: r.get(2)?,
                    sent_on: r.get(3)?,
                    prints: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn card_places(
        &self,
        application_ids: &[String],
    ) -> Result<Vec<(String, CardPlaceRow)>, StoreError> {
        let ids = application_ids.to_vec();
        self.with(move |c| {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut stmt = c.prepare(&format!(
                "SELECT a.application_id, b.batch_id, b.label, b.delivered_on, b.storage,
                     (SELECT COUNT(*) FROM card_arrivals x WHERE x.batch_id = a.batch_id AND x.application_id <= a.application_id)
                 FROM card_arrivals a JOIN card_batches b ON b.batch_id = a.batch_id
                 WHERE a.application_id IN ({})",
                marks(1, ids.len())
            ))?;
            let rows = stmt.query_map(params_from_iter(ids), |r| {
                Ok((
                    r.get(0)?,
                    CardPlaceRow {
                        batch_id: r.get(1)?,
                        label: r.get(2)?,
                        delivered_on: r.get(3)?,
                        storage: r.get(4)?,
                        number: r.get(5)?,
                    },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn card_arrival(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let id = application_id.to_owned();
        self.with(move |c| {
            Ok(c.query_row(
                "SELECT batch_id, record_id FROM card_arrivals WHERE application_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
        .await
    }

    async fn book(
        &self,
        new: &NewBooking,
        replaces: Option<&str>,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Booked, StoreError> {
        let (b, replaces, call) = (new.clone(), replaces.map(str::to_owned), call.cloned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let open: Option<BookingRow> = tx
                .query_row(
                    &format!(
                        "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE application_id = ?1 AND status = 'booked'"
                    ),
                    [&b.application_id],
                    booking_row,
                )
                .optional()?;
            match (&replaces, open) {
                (None, Some(open)) => return Ok(Booked::AlreadyBooked(open)),
                (Some(id), Some(open)) if &open.booking_id == id => {
                    tx.execute(
                        "UPDATE pickup_bookings SET status = 'moved', closed_by = ?2, closed_at = ?3 WHERE booking_id = ?1",
                        params![id, b.by, b.at],
                    )?;
                    free_place(&tx, &open.slot_date, &open.slot_time)?;
                }
                (Some(_), _) => return Ok(Booked::NotOpen),
                (None, None) => {}
            }
            let placed = tx
                .query_row(
                    "INSERT INTO pickup_slots (slot_date, slot_time, booked) VALUES (?1, ?2, 1)
                     ON CONFLICT (slot_date, slot_time) DO UPDATE SET booked = pickup_slots.booked + 1
                     WHERE pickup_slots.booked < ?3
                     RETURNING booked",
                    params![b.slot_date, b.slot_time, b.capacity],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?;
            if placed.is_none() {
                // Dropping the transaction rolls the move back too.
                return Ok(Booked::SlotFull);
            }
            tx.execute(
                "INSERT INTO pickup_bookings (booking_id, application_id, record_id, slot_date, slot_time, status, moved_from, booked_by, booked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'booked', ?6, ?7, ?8)",
                params![b.booking_id, b.application_id, b.record_id, b.slot_date, b.slot_time, replaces, b.by, b.at],
            )?;
            count_call(&tx, call.as_ref(), &b.at)?;
            let row = booking(&tx, &b.booking_id)?.ok_or_else(|| StoreError::Task("booking vanished".into()))?;
            tx.commit()?;
            Ok(Booked::Booked(row))
        })
        .await
    }

    async fn cancel_booking(
        &self,
        booking_id: &str,
        by: &str,
        now: &str,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Option<BookingRow>, StoreError> {
        let (id, by, now, call) = (
            booking_id.to_owned(),
            by.to_owned(),
            now.to_owned(),
            call.cloned(),
        );
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let Some(open) = booking(&tx, &id)?.filter(|b| b.status == "booked") else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE pickup_bookings SET status = 'cancelled', closed_by = ?2, closed_at = ?3 WHERE booking_id = ?1",
                params![id, by, now],
            )?;
            free_place(&tx, &open.slot_date, &open.slot_time)?;
            count_call(&tx, call.as_ref(), &now)?;
            let row = booking(&tx, &id)?;
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn close_booking(
        &self,
        booking_id: &str,
        status: &str,
        on: &str,
        by: &str,
        now: &str,
    ) -> Result<Option<BookingRow>, StoreError> {
        let args = [booking_id, status, on, by, now].map(str::to_owned);
        self.with(move |c| {
            let [id, status, on, by, now] = args;
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let allowed: &[&str] = if status == "issued" { &["booked", "no_show"] } else { &["booked"] };
            let Some(b) = booking(&tx, &id)?.filter(|b| allowed.contains(&b.status.as_str())) else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE pickup_bookings SET status = ?2, closed_on = ?3, closed_by = ?4, closed_at = ?5 WHERE booking_id = ?1",
                params![id, status, on, by, now],
            )?;
            if status == "issued" {
                tx.execute(
                    "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                     SELECT ?1, 'issued', ?2, ?3 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = ?1)
                     ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                    params![b.record_id, by, now],
                )?;
                // A card that came back by mail and is now collected closes its 返戻物.
                tx.execute(
                    "UPDATE returned_mail SET resolution = 'collected', resolved_on = ?2
                     WHERE application_id = ?1 AND resolution IS NULL",
                    params![b.application_id, on],
                )?;
            }
            let row = booking(&tx, &id)?;
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn follow_up(&self, booking_id: &str, note: &str) -> Result<bool, StoreError> {
        let (id, note) = (booking_id.to_owned(), note.to_owned());
        self.with(move |c| {
            Ok(c.execute(
                "UPDATE pickup_bookings SET follow_up = ?2 WHERE booking_id = ?1 AND status = 'no_show'",
                [id, note],
            )? > 0)
        })
        .await
    }

    async fn booking(&self, booking_id: &str) -> Result<Option<BookingRow>, StoreError> {
        let id = booking_id.to_owned();
        self.with(move |c| Ok(booking(c, &id)?)).await
    }

    async fn bookings_of(&self, application_ids: &[String]) -> Result<Vec<BookingRow>, StoreError> {
        let ids = application_ids.to_vec();
        self.with(move |c| {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut stmt = c.prepare(&format!(
                "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE application_id IN ({})
                 ORDER BY booked_at DESC, booking_id DESC",
                marks(1, ids.len())
            ))?;
            let rows = stmt.query_map(params_from_iter(ids), booking_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn bookings_between(&self, from: &str, to: &str) -> Result<Vec<BookingRow>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE slot_date >= ?1 AND slot_date <= ?2
                 ORDER BY slot_date, slot_time, booked_at"
            ))?;
            let rows = stmt.query_map([from, to], booking_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn bookings_closed_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<BookingRow>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {BOOKING_COLUMNS} FROM pickup_bookings
                 WHERE closed_on >= ?1 AND closed_on <= ?2 AND status IN ('issued', 'no_show')
                 ORDER BY closed_on, slot_time, booking_id"
            ))?;
            let rows = stmt.query_map([from, to], booking_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn slot_counts(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT slot_date, slot_time, booked FROM pickup_slots WHERE slot_date >= ?1 AND slot_date <= ?2
                 ORDER BY slot_date, slot_time",
            )?;
            let rows = stmt.query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}
