//! [`PickupStore`] on PostgreSQL. Two staff booking at once run in two transactions:
//! the slot's count is raised by one conditional upsert (`... DO UPDATE ... WHERE
//! booked < capacity`), which takes the slot row's lock and re-reads it, so the last
//! place goes to one of them; and each booking first locks its card's arrival row, so
//! the same resident cannot get two open bookings either.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use outreach_protocol::console::PhoneEnquiry;

use super::PostgresStore;
use crate::store::StoreError;
use crate::store::office::stage_rank;
use crate::store::pickup::{
    BOOKING_COLUMNS, Booked, BookingRow, CardPlaceRow, NewBooking, NoticeRow, PickupStore,
};

fn booking_row(r: &tokio_postgres::Row) -> BookingRow {
    BookingRow {
        booking_id: r.get(0),
        application_id: r.get(1),
        record_id: r.get(2),
        slot_date: r.get(3),
        slot_time: r.get(4),
        status: r.get(5),
        moved_from: r.get(6),
        booked_by: r.get(7),
        booked_at: r.get(8),
        closed_on: r.get(9),
        follow_up: r.get(10),
    }
}

async fn booking(
    c: &impl GenericClient,
    id: &str,
    lock: bool,
) -> Result<Option<BookingRow>, StoreError> {
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE booking_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(c.query_opt(&sql, &[&id]).await?.as_ref().map(booking_row))
}

async fn count_call(
    tx: &Transaction<'_>,
    call: Option<&PhoneEnquiry>,
    now: &str,
) -> Result<(), StoreError> {
    if let Some(p) = call {
        tx.execute(
            "INSERT INTO phone_enquiries (enquiry_id, on_date, topic, answer, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&p.enquiry_id, &p.on_date, &p.topic, &p.answer, &p.created_by, &now],
        )
        .await?;
    }
    Ok(())
}

async fn free_place(tx: &Transaction<'_>, date: &str, time: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE pickup_slots SET booked = booked - 1 WHERE slot_date = $1 AND slot_time = $2 AND booked > 0",
        &[&date, &time],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl PickupStore for PostgresStore {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query_opt("SELECT value FROM office_settings WHERE key = $1", &[&key])
            .await?
            .map(|r| r.get(0)))
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &str,
        by: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO office_settings (key, value, changed_by, changed_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                &[&key, &value, &by, &now],
            )
            .await?;
        Ok(())
    }

    async fn mark_notices(
        &self,
        notices: &[NoticeRow],
        by: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mark = tx
            .prepare(
                "INSERT INTO pickup_notices (application_id, batch_id, record_id, sent_on, prints, printed_by, printed_at)
                 VALUES ($1, $2, $3, $4, 1, $5, $6)
                 ON CONFLICT (application_id) DO UPDATE SET prints = pickup_notices.prints + 1,
                     printed_by = excluded.printed_by, printed_at = excluded.printed_at",
            )
            .await?;
        let stage = tx
            .prepare(&format!(
                "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                 SELECT $1, 'preissue', $2, $3 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = $1)
                 ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at
                 WHERE {} < {}",
                stage_rank("record_stages.stage"),
                stage_rank("excluded.stage")
            ))
            .await?;
        for n in notices {
            tx.execute(
                &mark,
                &[
                    &n.application_id,
                    &n.batch_id,
                    &n.record_id,
                    &n.sent_on,
                    &by,
                    &now,
                ],
            )
            .await?;
            tx.execute(&stage, &[&n.record_id, &by, &now]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn notices(&self, application_ids: &[String]) -> Result<Vec<NoticeRow>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                "SELECT application_id, batch_id, record_id, sent_on, prints FROM pickup_notices
                 WHERE application_id = ANY($1) ORDER BY application_id COLLATE \"C\"",
                &[&application_ids],
            )
            .await?
            .iter()
            .map(|r| NoticeRow {
                application_id: r.get(0),
                batch_id: r.get(1),
                record_id: r.get(2),
                sent_on: r.get(3),
                prints: r.get(4),
            })
            .collect())
    }

    async fn card_places(
        &self,
        application_ids: &[String],
    ) -> Result<Vec<(String, CardPlaceRow)>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                "SELECT a.application_id, b.batch_id, b.label, b.delivered_on, b.storage,
                     (SELECT COUNT(*) FROM card_arrivals x WHERE x.batch_id = a.batch_id
                         AND x.application_id COLLATE \"C\" <= a.application_id COLLATE \"C\")
                 FROM card_arrivals a JOIN card_batches b ON b.batch_id = a.batch_id
                 WHERE a.application_id = ANY($1)",
                &[&application_ids],
            )
            .await?
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    CardPlaceRow {
                        batch_id: r.get(1),
                        label: r.get(2),
                        delivered_on: r.get(3),
                        storage: r.get(4),
                        number: r.get(5),
                    },
                )
            })
            .collect())
    }

    async fn card_arrival(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT batch_id, record_id FROM card_arrivals WHERE application_id = $1",
                &[&application_id],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn book(
        &self,
        b: &NewBooking,
        replaces: Option<&str>,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Booked, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One booking at a time per card: the check for an open booking below then
        // sees any booking another transaction made for it.
        tx.execute(
            "SELECT 1 FROM card_arrivals WHERE application_id = $1 FOR UPDATE",
            &[&b.application_id],
        )
        .await?;
        let open = tx
            .query_opt(
                &format!(
                    "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE application_id = $1 AND status = 'booked'"
                ),
                &[&b.application_id],
            )
            .await?
            .as_ref()
            .map(booking_row);
        match (replaces, open) {
            (None, Some(open)) => return Ok(Booked::AlreadyBooked(open)),
            (Some(id), Some(open)) if open.booking_id == id => {
                tx.execute(
                    "UPDATE pickup_bookings SET status = 'moved', closed_by = $2, closed_at = $3 WHERE booking_id = $1",
                    &[&id, &b.by, &b.at],
                )
                .await?;
                free_place(&tx, &open.slot_date, &open.slot_time).await?;
            }
            (Some(_), _) => return Ok(Booked::NotOpen),
            (None, None) => {}
        }
        let placed = tx
            .query_opt(
                "INSERT INTO pickup_slots (slot_date, slot_time, booked) VALUES ($1, $2, 1)
                 ON CONFLICT (slot_date, slot_time) DO UPDATE SET booked = pickup_slots.booked + 1
                 WHERE pickup_slots.booked < $3
                 RETURNING booked",
                &[&b.slot_date, &b.slot_time, &b.capacity],
            )
            .await?;
        if placed.is_none() {
            // Dropping the transaction rolls the move back too.
            return Ok(Booked::SlotFull);
        }
        tx.execute(
            "INSERT INTO pickup_bookings (booking_id, application_id, record_id, slot_date, slot_time, status, moved_from, booked_by, booked_at)
             VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7, $8)",
            &[&b.booking_id, &b.application_id, &b.record_id, &b.slot_date, &b.slot_time, &replaces, &b.by, &b.at],
        )
        .await?;
        count_call(&tx, call, &b.at).await?;
        let row = booking(&tx, &b.booking_id, false)
            .await?
            .ok_or_else(|| StoreError::Task("booking vanished".into()))?;
        tx.commit().await?;
        Ok(Booked::Booked(row))
    }

    async fn cancel_booking(
        &self,
        booking_id: &str,
        by: &str,
        now: &str,
        call: Option<&PhoneEnquiry>,
    ) -> Result<Option<BookingRow>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(open) = booking(&tx, booking_id, true)
            .await?
            .filter(|b| b.status == "booked")
        else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE pickup_bookings SET status = 'cancelled', closed_by = $2, closed_at = $3 WHERE booking_id = $1",
            &[&booking_id, &by, &now],
        )
        .await?;
        free_place(&tx, &open.slot_date, &open.slot_time).await?;
        count_call(&tx, call, now).await?;
        let row = booking(&tx, booking_id, false).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn close_booking(
        &self,
        booking_id: &str,
        status: &str,
        on: &str,
        by: &str,
        now: &str,
    ) -> Result<Option<BookingRow>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let allowed: &[&str] = if status == "issued" {
            &["booked", "no_show"]
        } else {
            &["booked"]
        };
        let Some(b) = booking(&tx, booking_id, true)
            .await?
            .filter(|b| allowed.contains(&b.status.as_str()))
        else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE pickup_bookings SET status = $2, closed_on = $3, closed_by = $4, closed_at = $5 WHERE booking_id = $1",
            &[&booking_id, &status, &on, &by, &now],
        )
        .await?;
        if status == "issued" {
            tx.execute(
                "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                 SELECT $1, 'issued', $2, $3 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = $1)
                 ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                &[&b.record_id, &by, &now],
            )
            .await?;
            // A card that came back by mail and is now collected closes its 返戻物.
            tx.execute(
                "UPDATE returned_mail SET resolution = 'collected', resolved_on = $2
                 WHERE application_id = $1 AND resolution IS NULL",
                &[&b.application_id, &on],
            )
            .await?;
        }
        let row = booking(&tx, booking_id, false).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn follow_up(&self, booking_id: &str, note: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE pickup_bookings SET follow_up = $2 WHERE booking_id = $1 AND status = 'no_show'",
                &[&booking_id, &note],
            )
            .await?
            > 0)
    }

    async fn booking(&self, booking_id: &str) -> Result<Option<BookingRow>, StoreError> {
        let client = self.client().await?;
        booking(&client, booking_id, false).await
    }

    async fn bookings_of(&self, application_ids: &[String]) -> Result<Vec<BookingRow>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                &format!(
                    "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE application_id = ANY($1)
                     ORDER BY booked_at COLLATE \"C\" DESC, booking_id COLLATE \"C\" DESC"
                ),
                &[&application_ids],
            )
            .await?
            .iter()
            .map(booking_row)
            .collect())
    }

    async fn bookings_between(&self, from: &str, to: &str) -> Result<Vec<BookingRow>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                &format!(
                    "SELECT {BOOKING_COLUMNS} FROM pickup_bookings WHERE slot_date >= $1 AND slot_date <= $2
                     ORDER BY slot_date COLLATE \"C\", slot_time COLLATE \"C\", booked_at COLLATE \"C\""
                ),
                &[&from, &to],
            )
            .await?
            .iter()
            .map(booking_row)
            .collect())
    }

    async fn bookings_closed_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<BookingRow>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                &format!(
                    "SELECT {BOOKING_COLUMNS} FROM pickup_bookings
                     WHERE closed_on >= $1 AND closed_on <= $2 AND status IN ('issued', 'no_show')
                     ORDER BY closed_on COLLATE \"C\", slot_time COLLATE \"C\", booking_id COLLATE \"C\""
                ),
                &[&from, &to],
            )
            .await?
            .iter()
            .map(booking_row)
            .collect())
    }

    async fn slot_counts(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let client = self.client().await?;
        Ok(client
            .query(
                "SELECT slot_date, slot_time, booked FROM pickup_slots WHERE slot_date >= $1 AND slot_date <= $2
                 ORDER BY slot_date COLLATE \"C\", slot_time COLLATE \"C\"",
                &[&from, &to],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }
}
