//! The counter and phone tallies: cases counted at the counter, phone enquiries.

use outreach_protocol::console::{CounterCase, PhoneEnquiry};

use super::db::Tx;
use super::{Store, StoreError};

/// Stores a phone enquiry inside a unit of work (a booking counts its call so).
pub(super) async fn insert_enquiry(
    tx: &mut Tx<'_>,
    p: &PhoneEnquiry,
    now: &str,
) -> Result<(), StoreError> {
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

impl Store {
    /// Stores counted counter cases.
    pub async fn insert_counter_case(&self, c: &CounterCase, now: &str) -> Result<(), StoreError> {
        let (k, now) = (c.clone(), now.to_owned());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "INSERT INTO counter_cases (case_id, on_date, place, kind, detail, count, created_by, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &[&k.case_id, &k.on_date, &k.place, &k.kind, &k.detail, &k.count, &k.created_by, &now],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Stores a phone enquiry.
    pub async fn insert_phone_enquiry(
        &self,
        p: &PhoneEnquiry,
        now: &str,
    ) -> Result<(), StoreError> {
        let (p, now) = (p.clone(), now.to_owned());
        self.db
            .write(move |tx| Box::pin(async move { insert_enquiry(tx, &p, &now).await }))
            .await
    }

    /// Deletes a counter case entered by mistake; false if there was none.
    pub async fn delete_counter_case(&self, case_id: &str) -> Result<bool, StoreError> {
        self.delete_one("DELETE FROM counter_cases WHERE case_id = ?1", case_id)
            .await
    }

    /// Deletes a phone enquiry entered by mistake; false if there was none.
    pub async fn delete_phone_enquiry(&self, enquiry_id: &str) -> Result<bool, StoreError> {
        self.delete_one(
            "DELETE FROM phone_enquiries WHERE enquiry_id = ?1",
            enquiry_id,
        )
        .await
    }

    async fn delete_one(&self, sql: &'static str, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |tx| Box::pin(async move { Ok(tx.execute(sql, &[&id]).await? > 0) }))
            .await
    }

    /// Counter cases on `[from, to]`, by date then entry.
    pub async fn counter_cases(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<CounterCase>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query(
                        "SELECT case_id, on_date, place, kind, detail, count, created_by FROM counter_cases
                         WHERE on_date >= ?1 AND on_date <= ?2
                         ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", case_id COLLATE \"C\"",
                        &[&from, &to],
                        |r| {
                            Ok(CounterCase {
                                case_id: r.get(0)?,
                                on_date: r.get(1)?,
                                place: r.get(2)?,
                                kind: r.get(3)?,
                                detail: r.get(4)?,
                                count: r.get(5)?,
                                created_by: r.get(6)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    /// Phone enquiries on `[from, to]`, by date then entry.
    pub async fn phone_enquiries(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<PhoneEnquiry>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query(
                        "SELECT enquiry_id, on_date, topic, answer, created_by FROM phone_enquiries
                         WHERE on_date >= ?1 AND on_date <= ?2
                         ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", enquiry_id COLLATE \"C\"",
                        &[&from, &to],
                        |r| {
                            Ok(PhoneEnquiry {
                                enquiry_id: r.get(0)?,
                                on_date: r.get(1)?,
                                topic: r.get(2)?,
                                answer: r.get(3)?,
                                created_by: r.get(4)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }
}
