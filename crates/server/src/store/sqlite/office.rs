//! [`OfficeStore`] on SQLite.

use async_trait::async_trait;
use outreach_protocol::console::{CounterCase, PhoneEnquiry, Returned, ReturnedContact};
use outreach_protocol::sync::Trip;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::SqliteStore;
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

fn held_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeldRecord> {
    let trip_id: Option<String> = r.get(9)?;
    let trip = match trip_id {
        Some(id) => {
            let staff: String = r.get(15)?;
            Some(Trip {
                id,
                site_name: r.get(10)?,
                site_address: r.get(11)?,
                trip_date: r.get(12)?,
                mode: r.get(13)?,
                expected_count: r.get(14)?,
                staff_ids: serde_json::from_str(&staff).unwrap_or_default(),
            })
        }
        None => None,
    };
    Ok(HeldRecord {
        record_id: r.get(0)?,
        version: r.get(1)?,
        trip_id: r.get(2)?,
        base_version: r.get(3)?,
        amend_reason: r.get(4)?,
        created_by: r.get(5)?,
        finalized_at: r.get(6)?,
        payload: r.get(7)?,
        stage: r.get(8)?,
        trip,
    })
}

/// `day` ± `days` as YYYY-MM-DD; `day` itself if it does not parse.
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

fn contacts(c: &Connection, returned_id: &str) -> rusqlite::Result<Vec<ReturnedContact>> {
    let mut stmt = c.prepare(
        "SELECT contacted_at, staff_id, outcome, next_step FROM returned_contacts WHERE returned_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([returned_id], |r| {
        Ok(ReturnedContact {
            contacted_at: r.get(0)?,
            staff_id: r.get(1)?,
            outcome: r.get(2)?,
            next_step: r.get(3)?,
        })
    })?;
    rows.collect()
}

#[async_trait]
impl OfficeStore for SqliteStore {
    async fn update_trip(&self, t: &Trip, _by: &str, _now: &str) -> Result<bool, StoreError> {
        let t = t.clone();
        self.with(move |c| {
            let staff = serde_json::to_string(&t.staff_ids).unwrap_or_else(|_| "[]".to_owned());
            let n = c.execute(
                "UPDATE trips SET site_name = ?2, site_address = ?3, trip_date = ?4, mode = ?5, expected_count = ?6, staff_ids = ?7
                 WHERE trip_id = ?1",
                rusqlite::params![t.id, t.site_name, t.site_address, t.trip_date, t.mode, t.expected_count, staff],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn trips_between(&self, from: &str, to: &str) -> Result<Vec<Trip>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT trip_id, site_name, site_address, trip_date, mode, expected_count, staff_ids
                 FROM trips WHERE trip_date >= ?1 AND trip_date <= ?2 ORDER BY trip_date, site_name, trip_id",
            )?;
            let rows = stmt.query_map([from, to], super::trip_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn latest_records(&self, filter: &RecordFilter) -> Result<Vec<HeldRecord>, StoreError> {
        let f = filter.clone();
        self.with(move |c| {
            let mut sql = format!(
                "{LATEST} WHERE r.version = (SELECT MAX(v.version) FROM records v WHERE v.record_id = r.record_id)"
            );
            let mut args: Vec<String> = Vec::new();
            if let Some(trip) = f.trip_id {
                args.push(trip);
                sql.push_str(&format!(" AND r.trip_id = ?{}", args.len()));
            }
            if let Some((from, to)) = f.dates {
                let (wide_from, wide_to) = (shift_day(&from, -1), shift_day(&to, 2));
                args.extend([from, to, wide_from, wide_to]);
                let n = args.len();
                sql.push_str(&format!(
                    " AND ((t.trip_date >= ?{a} AND t.trip_date <= ?{b})
                        OR (json_extract(r.payload, '$.trip.date') >= ?{a} AND json_extract(r.payload, '$.trip.date') <= ?{b})
                        OR (r.finalized_at >= ?{c} AND r.finalized_at < ?{d}))",
                    a = n - 3,
                    b = n - 2,
                    c = n - 1,
                    d = n
                ));
            }
            if let Some(birth) = f.birth_date {
                args.push(birth);
                sql.push_str(&format!(
                    " AND json_extract(r.payload, '$.birthDate') = ?{}",
                    args.len()
                ));
            }
            if let Some(ids) = f.application_ids {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let start = args.len();
                args.extend(ids);
                let marks: Vec<String> = (start + 1..=args.len()).map(|i| format!("?{i}")).collect();
                sql.push_str(&format!(
                    " AND json_extract(r.payload, '$.applicationId') IN ({})",
                    marks.join(", ")
                ));
            }
            sql.push_str(" ORDER BY r.finalized_at, r.record_id");
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), held_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn record_versions(&self, record_id: &str) -> Result<Vec<HeldRecord>, StoreError> {
        let id = record_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(&format!(
                "{LATEST} WHERE r.record_id = ?1 ORDER BY r.version"
            ))?;
            let rows = stmt.query_map([id], held_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn record_photos(
        &self,
        record_id: &str,
        version: i64,
    ) -> Result<Vec<(String, String, bool)>, StoreError> {
        let id = record_id.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT rp.role, rp.sha256, EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = rp.sha256)
                 FROM record_photos rp WHERE rp.record_id = ?1 AND rp.version = ?2 ORDER BY rp.role",
            )?;
            let rows = stmt.query_map((id, version), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn set_stage(
        &self,
        record_id: &str,
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let args = [record_id, stage, by, now].map(str::to_owned);
        self.with(move |c| {
            let tx = c.transaction()?;
            let held: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM records WHERE record_id = ?1)",
                [&args[0]],
                |r| r.get(0),
            )?;
            if held {
                tx.execute(
                    "INSERT INTO record_stages (record_id, stage, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                    rusqlite::params![args[0], args[1], args[2], args[3]],
                )?;
            }
            tx.commit()?;
            Ok(held)
        })
        .await
    }

    async fn advance_stages(
        &self,
        record_ids: &[String],
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        let (ids, args) = (record_ids.to_vec(), [stage, by, now].map(str::to_owned));
        self.with(move |c| {
            let tx = c.transaction()?;
            let sql = format!(
                "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = ?1)
                 ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by, changed_at = excluded.changed_at
                 WHERE {} < {}",
                stage_rank("record_stages.stage"),
                stage_rank("excluded.stage")
            );
            let mut moved = 0u64;
            {
                let mut stmt = tx.prepare(&sql)?;
                for id in &ids {
                    moved += stmt.execute(rusqlite::params![id, args[0], args[1], args[2]])? as u64;
                }
            }
            tx.commit()?;
            Ok(moved)
        })
        .await
    }

    async fn insert_card_batch(
        &self,
        batch: &NewCardBatch,
    ) -> Result<Result<(), Vec<String>>, StoreError> {
        let b = batch.clone();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut arrived = Vec::new();
            {
                let mut check = tx.prepare("SELECT 1 FROM card_arrivals WHERE application_id = ?1")?;
                for (id, _) in &b.cards {
                    if check.query_row([id], |_| Ok(())).optional()?.is_some() {
                        arrived.push(id.clone());
                    }
                }
            }
            if !arrived.is_empty() {
                return Ok(Err(arrived));
            }
            tx.execute(
                "INSERT INTO card_batches (batch_id, label, delivered_on, created_by, created_at, storage) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (&b.batch_id, &b.label, &b.delivered_on, &b.created_by, &b.created_at, &b.storage),
            )?;
            {
                let mut insert = tx.prepare(
                    "INSERT INTO card_arrivals (application_id, batch_id, record_id) VALUES (?1, ?2, ?3)",
                )?;
                for (id, record) in &b.cards {
                    insert.execute((id, &b.batch_id, record))?;
                }
            }
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    async fn card_batches(&self) -> Result<Vec<CardBatchRow>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT batch_id, label, delivered_on, mailed_on, storage FROM card_batches ORDER BY delivered_on DESC, created_at DESC",
            )?;
            let mut batches: Vec<CardBatchRow> = stmt
                .query_map([], |r| {
                    Ok(CardBatchRow {
                        batch_id: r.get(0)?,
                        label: r.get(1)?,
                        delivered_on: r.get(2)?,
                        mailed_on: r.get(3)?,
                        storage: r.get(4)?,
                        cards: Vec::new(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            let mut cards = c.prepare(
                "SELECT application_id, record_id FROM card_arrivals WHERE batch_id = ?1 ORDER BY application_id",
            )?;
            for b in &mut batches {
                b.cards = cards
                    .query_map([&b.batch_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
            }
            Ok(batches)
        })
        .await
    }

    async fn set_batch_mailed(&self, batch_id: &str, mailed_on: &str) -> Result<bool, StoreError> {
        let (id, on) = (batch_id.to_owned(), mailed_on.to_owned());
        self.with(move |c| {
            Ok(c.execute(
                "UPDATE card_batches SET mailed_on = ?2 WHERE batch_id = ?1",
                [id, on],
            )? > 0)
        })
        .await
    }

    async fn insert_returned(&self, r: &Returned, by: &str, now: &str) -> Result<(), StoreError> {
        let (r, by, now) = (r.clone(), by.to_owned(), now.to_owned());
        self.with(move |c| {
            c.execute(
                "INSERT INTO returned_mail (returned_id, application_id, record_id, reason, returned_on, destroy_on, note, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![r.returned_id, r.application_id, r.record_id, r.reason, r.returned_on, r.destroy_on, r.note, by, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn add_returned_contact(
        &self,
        returned_id: &str,
        contact: &ReturnedContact,
    ) -> Result<bool, StoreError> {
        let (id, k) = (returned_id.to_owned(), contact.clone());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM returned_mail WHERE returned_id = ?1)",
                [&id],
                |r| r.get(0),
            )?;
            if exists {
                tx.execute(
                    "INSERT INTO returned_contacts (returned_id, seq, contacted_at, staff_id, outcome, next_step)
                     VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM returned_contacts WHERE returned_id = ?1), ?2, ?3, ?4, ?5)",
                    (&id, &k.contacted_at, &k.staff_id, &k.outcome, &k.next_step),
                )?;
            }
            tx.commit()?;
            Ok(exists)
        })
        .await
    }

    async fn resolve_returned(
        &self,
        returned_id: &str,
        resolution: &str,
        resolved_on: &str,
    ) -> Result<bool, StoreError> {
        let args = [returned_id, resolution, resolved_on].map(str::to_owned);
        self.with(move |c| {
            Ok(c.execute(
                "UPDATE returned_mail SET resolution = ?2, resolved_on = ?3 WHERE returned_id = ?1",
                rusqlite::params![args[0], args[1], args[2]],
            )? > 0)
        })
        .await
    }

    async fn returned(&self, dates: Option<(&str, &str)>) -> Result<Vec<Returned>, StoreError> {
        let dates = dates.map(|(a, b)| (a.to_owned(), b.to_owned()));
        self.with(move |c| {
            let (from, to) = dates.unwrap_or_else(|| ("0000-00-00".to_owned(), "9999-99-99".to_owned()));
            let mut stmt = c.prepare(
                "SELECT returned_id, application_id, record_id, reason, returned_on, destroy_on, note, resolution, resolved_on
                 FROM returned_mail WHERE returned_on >= ?1 AND returned_on <= ?2
                 ORDER BY returned_on DESC, created_at DESC",
            )?;
            let mut items: Vec<Returned> = stmt
                .query_map([from, to], |r| {
                    Ok(Returned {
                        returned_id: r.get(0)?,
                        application_id: r.get(1)?,
                        record_id: r.get(2)?,
                        reason: r.get(3)?,
                        returned_on: r.get(4)?,
                        destroy_on: r.get(5)?,
                        due_for_destruction: false,
                        note: r.get(6)?,
                        resolution: r.get(7)?,
                        resolved_on: r.get(8)?,
                        contacts: Vec::new(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            for item in &mut items {
                item.contacts = contacts(c, &item.returned_id)?;
            }
            Ok(items)
        })
        .await
    }

    async fn insert_counter_case(&self, k: &CounterCase, now: &str) -> Result<(), StoreError> {
        let (k, now) = (k.clone(), now.to_owned());
        self.with(move |c| {
            c.execute(
                "INSERT INTO counter_cases (case_id, on_date, place, kind, detail, count, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![k.case_id, k.on_date, k.place, k.kind, k.detail, k.count, k.created_by, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn insert_phone_enquiry(&self, p: &PhoneEnquiry, now: &str) -> Result<(), StoreError> {
        let (p, now) = (p.clone(), now.to_owned());
        self.with(move |c| {
            c.execute(
                "INSERT INTO phone_enquiries (enquiry_id, on_date, topic, answer, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![p.enquiry_id, p.on_date, p.topic, p.answer, p.created_by, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_counter_case(&self, case_id: &str) -> Result<bool, StoreError> {
        let id = case_id.to_owned();
        self.with(move |c| Ok(c.execute("DELETE FROM counter_cases WHERE case_id = ?1", [id])? > 0))
            .await
    }

    async fn delete_phone_enquiry(&self, enquiry_id: &str) -> Result<bool, StoreError> {
        let id = enquiry_id.to_owned();
        self.with(move |c| {
            Ok(c.execute("DELETE FROM phone_enquiries WHERE enquiry_id = ?1", [id])? > 0)
        })
        .await
    }

    async fn counter_cases(&self, from: &str, to: &str) -> Result<Vec<CounterCase>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT case_id, on_date, place, kind, detail, count, created_by FROM counter_cases
                 WHERE on_date >= ?1 AND on_date <= ?2 ORDER BY on_date, created_at, case_id",
            )?;
            let rows = stmt.query_map([from, to], |r| {
                Ok(CounterCase {
                    case_id: r.get(0)?,
                    on_date: r.get(1)?,
                    place: r.get(2)?,
                    kind: r.get(3)?,
                    detail: r.get(4)?,
                    count: r.get(5)?,
                    created_by: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn phone_enquiries(&self, from: &str, to: &str) -> Result<Vec<PhoneEnquiry>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT enquiry_id, on_date, topic, answer, created_by FROM phone_enquiries
                 WHERE on_date >= ?1 AND on_date <= ?2 ORDER BY on_date, created_at, enquiry_id",
            )?;
            let rows = stmt.query_map([from, to], |r| {
                Ok(PhoneEnquiry {
                    enquiry_id: r.get(0)?,
                    on_date: r.get(1)?,
                    topic: r.get(2)?,
                    answer: r.get(3)?,
                    created_by: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}
