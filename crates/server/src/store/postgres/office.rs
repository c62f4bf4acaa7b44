//! [`OfficeStore`] on PostgreSQL.

use async_trait::async_trait;
use outreach_protocol::console::{CounterCase, PhoneEnquiry, Returned, ReturnedContact};
use outreach_protocol::sync::Trip;
use tokio_postgres::types::ToSql;

use super::{PostgresStore, TRIP_COLUMNS, trip_row};
use crate::store::StoreError;
use crate::store::office::{
    CardBatchRow, HeldRecord, NewCardBatch, OfficeStore, RecordFilter, stage_rank,
};

/// The latest version of each record, with its stage and the planned trip.
const LATEST: &str =
    "SELECT r.record_id, r.version, r.trip_id, r.base_version, r.amend_reason, r.created_by,
        r.finalized_at, r.payload, COALESCE(s.stage, 'received'),
        t.trip_id, t.site_name, t.site_address, t.trip_date, t.mode, t.expected_count, t.staff_ids
    FROM records r
    LEFT JOIN record_stages s ON s.record_id = r.record_id
    LEFT JOIN trips t ON t.trip_id = r.trip_id";

fn held_row(r: &tokio_postgres::Row) -> HeldRecord {
    let trip_id: Option<String> = r.get(9);
    let trip = trip_id.map(|id| {
        let staff: String = r.get(15);
        Trip {
            id,
            site_name: r.get(10),
            site_address: r.get(11),
            trip_date: r.get(12),
            mode: r.get(13),
            expected_count: r.get(14),
            staff_ids: serde_json::from_str(&staff).unwrap_or_default(),
        }
    });
    HeldRecord {
        record_id: r.get(0),
        version: r.get(1),
        trip_id: r.get(2),
        base_version: r.get(3),
        amend_reason: r.get(4),
        created_by: r.get(5),
        finalized_at: r.get(6),
        payload: r.get(7),
        stage: r.get(8),
        trip,
    }
}

fn shift_day(day: &str, days: i64) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_or_else(
        |_| day.to_owned(),
        |d| {
            (d + chrono::Duration::days(days))
                .format("%Y-%m-%d")
                .to_string()
        },
    )
}

#[async_trait]
impl OfficeStore for PostgresStore {
    async fn update_trip(&self, t: &Trip, _by: &str, _now: &str) -> Result<bool, StoreError> {
        let staff = serde_json::Value::from(t.staff_ids.clone()).to_string();
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE trips SET site_name = $2, site_address = $3, trip_date = $4, mode = $5, expected_count = $6, staff_ids = $7
                 WHERE trip_id = $1",
                &[&t.id, &t.site_name, &t.site_address, &t.trip_date, &t.mode, &t.expected_count, &staff],
            )
            .await?;
        Ok(n > 0)
    }

    async fn trips_between(&self, from: &str, to: &str) -> Result<Vec<Trip>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {TRIP_COLUMNS} FROM trips WHERE trip_date >= $1 AND trip_date <= $2
                     ORDER BY trip_date COLLATE \"C\", site_name COLLATE \"C\", trip_id COLLATE \"C\""
                ),
                &[&from, &to],
            )
            .await?;
        Ok(rows.iter().map(trip_row).collect())
    }

    async fn latest_records(&self, filter: &RecordFilter) -> Result<Vec<HeldRecord>, StoreError> {
        let mut sql = format!(
            "{LATEST} WHERE r.version = (SELECT MAX(v.version) FROM records v WHERE v.record_id = r.record_id)"
        );
        let mut texts: Vec<String> = Vec::new();
        if let Some(trip) = &filter.trip_id {
            texts.push(trip.clone());
            sql.push_str(&format!(" AND r.trip_id = ${}", texts.len()));
        }
        if let Some((from, to)) = &filter.dates {
            texts.extend([
                from.clone(),
                to.clone(),
                shift_day(from, -1),
                shift_day(to, 2),
            ]);
            let n = texts.len();
            sql.push_str(&format!(
                " AND ((t.trip_date >= ${a} AND t.trip_date <= ${b})
                    OR ((r.payload::jsonb #>> '{{trip,date}}') >= ${a} AND (r.payload::jsonb #>> '{{trip,date}}') <= ${b})
                    OR (r.finalized_at >= ${c} AND r.finalized_at < ${d}))",
                a = n - 3,
                b = n - 2,
                c = n - 1,
                d = n
            ));
        }
        if let Some(birth) = &filter.birth_date {
            texts.push(birth.clone());
            sql.push_str(&format!(
                " AND (r.payload::jsonb ->> 'birthDate') = ${}",
                texts.len()
            ));
        }
        let ids: Vec<String>;
        let mut params: Vec<&(dyn ToSql + Sync)> =
            texts.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
        if let Some(list) = &filter.application_ids {
            if list.is_empty() {
                return Ok(Vec::new());
            }
            ids = list.clone();
            params.push(&ids);
            sql.push_str(&format!(
                " AND (r.payload::jsonb ->> 'applicationId') = ANY(${})",
                params.len()
            ));
        }
        sql.push_str(" ORDER BY r.finalized_at COLLATE \"C\", r.record_id COLLATE \"C\"");
        let client = self.client().await?;
        let rows = client.query(&sql, &params).await?;
        Ok(rows.iter().map(held_row).collect())
    }

    async fn record_versions(&self, record_id: &str) -> Result<Vec<HeldRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{LATEST} WHERE r.record_id = $1 ORDER BY r.version"),
                &[&record_id],
            )
            .await?;
        Ok(rows.iter().map(held_row).collect())
    }

    async fn record_photos(
        &self,
        record_id: &str,
        version: i64,
    ) -> Result<Vec<(String, String, bool)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT rp.role, rp.sha256, EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = rp.sha256)
                 FROM record_photos rp WHERE rp.record_id = $1 AND rp.version = $2 ORDER BY rp.role COLLATE \"C\"",
                &[&record_id, &version],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    async fn set_stage(
        &self,
        record_id: &str,
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = $1)
                 ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                &[&record_id, &stage, &by, &now],
            )
            .await?;
        Ok(n > 0)
    }

    async fn advance_stages(
        &self,
        record_ids: &[String],
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stmt = tx
            .prepare(&format!(
                "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = $1)
                 ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at
                 WHERE {} < {}",
                stage_rank("record_stages.stage"),
                stage_rank("excluded.stage")
            ))
            .await?;
        let mut moved = 0;
        for id in record_ids {
            moved += tx.execute(&stmt, &[id, &stage, &by, &now]).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn insert_card_batch(
        &self,
        b: &NewCardBatch,
    ) -> Result<Result<(), Vec<String>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One batch at a time: two imports of the same card cannot both pass the check.
        tx.batch_execute("LOCK TABLE card_arrivals IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let ids: Vec<String> = b.cards.iter().map(|(id, _)| id.clone()).collect();
        let arrived: Vec<String> = tx
            .query(
                "SELECT application_id FROM card_arrivals WHERE application_id = ANY($1) ORDER BY application_id COLLATE \"C\"",
                &[&ids],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !arrived.is_empty() {
            return Ok(Err(arrived));
        }
        tx.execute(
            "INSERT INTO card_batches (batch_id, label, delivered_on, created_by, created_at, storage) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&b.batch_id, &b.label, &b.delivered_on, &b.created_by, &b.created_at, &b.storage],
        )
        .await?;
        let insert = tx
            .prepare("INSERT INTO card_arrivals (application_id, batch_id, record_id) VALUES ($1, $2, $3)")
            .await?;
        for (id, record) in &b.cards {
            tx.execute(&insert, &[id, &b.batch_id, record]).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn card_batches(&self) -> Result<Vec<CardBatchRow>, StoreError> {
        let client = self.client().await?;
        let mut batches: Vec<CardBatchRow> = client
            .query(
                "SELECT batch_id, label, delivered_on, mailed_on, storage FROM card_batches
                 ORDER BY delivered_on COLLATE \"C\" DESC, created_at COLLATE \"C\" DESC",
                &[],
            )
            .await?
            .iter()
            .map(|r| CardBatchRow {
                batch_id: r.get(0),
                label: r.get(1),
                delivered_on: r.get(2),
                mailed_on: r.get(3),
                storage: r.get(4),
                cards: Vec::new(),
            })
            .collect();
        let cards = client
            .prepare("SELECT application_id, record_id FROM card_arrivals WHERE batch_id = $1 ORDER BY application_id COLLATE \"C\"")
            .await?;
        for b in &mut batches {
            b.cards = client
                .query(&cards, &[&b.batch_id])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
        }
        Ok(batches)
    }

    async fn set_batch_mailed(&self, batch_id: &str, mailed_on: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE card_batches SET mailed_on = $2 WHERE batch_id = $1",
                &[&batch_id, &mailed_on],
            )
            .await?
            > 0)
    }

    async fn insert_returned(&self, r: &Returned, by: &str, now: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO returned_mail (returned_id, application_id, record_id, reason, returned_on, destroy_on, note, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[&r.returned_id, &r.application_id, &r.record_id, &r.reason, &r.returned_on, &r.destroy_on, &r.note, &by, &now],
            )
            .await?;
        Ok(())
    }

    async fn add_returned_contact(
        &self,
        returned_id: &str,
        k: &ReturnedContact,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock orders two contacts logged at once, so their numbers differ.
        let exists = tx
            .query_opt(
                "SELECT 1 FROM returned_mail WHERE returned_id = $1 FOR UPDATE",
                &[&returned_id],
            )
            .await?
            .is_some();
        if exists {
            tx.execute(
                "INSERT INTO returned_contacts (returned_id, seq, contacted_at, staff_id, outcome, next_step)
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM returned_contacts WHERE returned_id = $1), $2, $3, $4, $5)",
                &[&returned_id, &k.contacted_at, &k.staff_id, &k.outcome, &k.next_step],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(exists)
    }

    async fn resolve_returned(
        &self,
        returned_id: &str,
        resolution: &str,
        resolved_on: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE returned_mail SET resolution = $2, resolved_on = $3 WHERE returned_id = $1",
                &[&returned_id, &resolution, &resolved_on],
            )
            .await?
            > 0)
    }

    async fn returned(&self, dates: Option<(&str, &str)>) -> Result<Vec<Returned>, StoreError> {
        let (from, to) = dates.unwrap_or(("0000-00-00", "9999-99-99"));
        let client = self.client().await?;
        let mut items: Vec<Returned> = client
            .query(
                "SELECT returned_id, application_id, record_id, reason, returned_on, destroy_on, note, resolution, resolved_on
                 FROM returned_mail WHERE returned_on >= $1 AND returned_on <= $2
                 ORDER BY returned_on COLLATE \"C\" DESC, created_at COLLATE \"C\" DESC",
                &[&from, &to],
            )
            .await?
            .iter()
            .map(|r| Returned {
                returned_id: r.get(0),
                application_id: r.get(1),
                record_id: r.get(2),
                reason: r.get(3),
                returned_on: r.get(4),
                destroy_on: r.get(5),
                due_for_destruction: false,
                note: r.get(6),
                resolution: r.get(7),
                resolved_on: r.get(8),
                contacts: Vec::new(),
            })
            .collect();
        let contacts = client
            .prepare("SELECT contacted_at, staff_id, outcome, next_step FROM returned_contacts WHERE returned_id = $1 ORDER BY seq")
            .await?;
        for item in &mut items {
            item.contacts = client
                .query(&contacts, &[&item.returned_id])
                .await?
                .iter()
                .map(|r| ReturnedContact {
                    contacted_at: r.get(0),
                    staff_id: r.get(1),
                    outcome: r.get(2),
                    next_step: r.get(3),
                })
                .collect();
        }
        Ok(items)
    }

    async fn insert_counter_case(&self, k: &CounterCase, now: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO counter_cases (case_id, on_date, place, kind, detail, count, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[&k.case_id, &k.on_date, &k.place, &k.kind, &k.detail, &k.count, &k.created_by, &now],
            )
            .await?;
        Ok(())
    }

    async fn insert_phone_enquiry(&self, p: &PhoneEnquiry, now: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO phone_enquiries (enquiry_id, on_date, topic, answer, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&p.enquiry_id, &p.on_date, &p.topic, &p.answer, &p.created_by, &now],
            )
            .await?;
        Ok(())
    }

    async fn delete_counter_case(&self, case_id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute("DELETE FROM counter_cases WHERE case_id = $1", &[&case_id])
            .await?
            > 0)
    }

    async fn delete_phone_enquiry(&self, enquiry_id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "DELETE FROM phone_enquiries WHERE enquiry_id = $1",
                &[&enquiry_id],
            )
            .await?
            > 0)
    }

    async fn counter_cases(&self, from: &str, to: &str) -> Result<Vec<CounterCase>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT case_id, on_date, place, kind, detail, count, created_by FROM counter_cases
                 WHERE on_date >= $1 AND on_date <= $2
                 ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", case_id COLLATE \"C\"",
                &[&from, &to],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| CounterCase {
                case_id: r.get(0),
                on_date: r.get(1),
                place: r.get(2),
                kind: r.get(3),
                detail: r.get(4),
                count: r.get(5),
                created_by: r.get(6),
            })
            .collect())
    }

    async fn phone_enquiries(&self, from: &str, to: &str) -> Result<Vec<PhoneEnquiry>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT enquiry_id, on_date, topic, answer, created_by FROM phone_enquiries
                 WHERE on_date >= $1 AND on_date <= $2
                 ORDER BY on_date COLLATE \"C\", created_at COLLATE \"C\", enquiry_id COLLATE \"C\"",
                &[&from, &to],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| PhoneEnquiry {
                enquiry_id: r.get(0),
                on_date: r.get(1),
                topic: r.get(2),
                answer: r.get(3),
                created_by: r.get(4),
            })
            .collect())
    }
}
