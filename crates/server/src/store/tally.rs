//! The counter and phone tallies: cases counted at the counter, phone enquiries.

use outreach_protocol::console::{CounterCase, PhoneEnquiry};

use super::db::{Row, Tx, args, from_row, work};
use super::{Result, Store};

/// Stores a phone enquiry inside a unit of work (a booking counts its call so).
pub(super) async fn insert_enquiry(tx: &mut Tx<'_>, p: &PhoneEnquiry, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO phone_enquiries (enquiry_id, on_date, topic, answer, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            &p.enquiry_id,
            &p.on_date,
            &p.topic,
            &p.answer,
            &p.created_by,
            &now,
        ],
    )
    .await?;
    Ok(())
}

fn counter_case(r: &Row<'_>) -> Result<CounterCase> {
    Ok(from_row!(r => CounterCase { case_id, on_date, place, kind, detail, count, created_by }))
}

fn enquiry(r: &Row<'_>) -> Result<PhoneEnquiry> {
    Ok(from_row!(r => PhoneEnquiry { enquiry_id, on_date, topic, answer, created_by }))
}

impl Store {
    /// Stores counted counter cases.
    pub async fn insert_counter_case(&self, c: &CounterCase, now: &str) -> Result<()> {
        self.db
            .change(
                "INSERT INTO counter_cases (case_id, on_date, place, kind, detail, count, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![&c.case_id, &c.on_date, &c.place, &c.kind, &c.detail, c.count, &c.created_by, now],
            )
            .await?;
        Ok(())
    }

    /// Stores a phone enquiry.
    pub async fn insert_phone_enquiry(&self, p: &PhoneEnquiry, now: &str) -> Result<()> {
        let (p, now) = (p.clone(), now.to_owned());
        self.db
            .write(work!(|tx| insert_enquiry(tx, &p, &now).await))
            .await
    }

    /// Deletes a counter case entered by mistake; false if there was none.
    pub async fn delete_counter_case(&self, case_id: &str) -> Result<bool> {
        let sql = "DELETE FROM counter_cases WHERE case_id = ?1";
        Ok(self.db.change(sql, args![case_id]).await? > 0)
    }

    /// Deletes a phone enquiry entered by mistake; false if there was none.
    pub async fn delete_phone_enquiry(&self, enquiry_id: &str) -> Result<bool> {
        let sql = "DELETE FROM phone_enquiries WHERE enquiry_id = ?1";
        Ok(self.db.change(sql, args![enquiry_id]).await? > 0)
    }

    /// Counter cases on `[from, to]`, by date then entry.
    pub async fn counter_cases(&self, from: &str, to: &str) -> Result<Vec<CounterCase>> {
        self.db
            .rows(
                "SELECT case_id, on_date, place, kind, detail, count, created_by FROM counter_cases
                 WHERE on_date >= ?1 AND on_date <= ?2
                 ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", case_id COLLATE \"C\"",
                args![from, to],
                counter_case,
            )
            .await
    }

    /// Phone enquiries on `[from, to]`, by date then entry.
    pub async fn phone_enquiries(&self, from: &str, to: &str) -> Result<Vec<PhoneEnquiry>> {
        self.db
            .rows(
                "SELECT enquiry_id, on_date, topic, answer, created_by FROM phone_enquiries
                 WHERE on_date >= ?1 AND on_date <= ?2
                 ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", enquiry_id COLLATE \"C\"",
                args![from, to],
                enquiry,
            )
            .await
    }
}
