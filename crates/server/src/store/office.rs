//! The office's view of the records: the latest version of each with its stage and
//! planned trip, every version of one, and the stage each application is at.

use outreach_protocol::sync::Trip;

use super::db::{Row, Tx, Value, args, from_row, work};
use super::trips::{TRIP, trip_from_row};
use super::{Result, Store};

/// `CASE` expression ranking a stage column in the national order, from the one rule
/// ([`crate::office::stages`]), the same SQL on both databases.
fn stage_rank(column: &str) -> String {
    use crate::office::stages::{STAGES, rank};
    let whens: String = STAGES
        .iter()
        .map(|s| format!(" WHEN '{s}' THEN {}", rank(s)))
        .collect();
    format!("CASE {column}{whens} ELSE 0 END")
}

/// Sets a held record's stage (only forward when `forward_only`); the rows changed.
pub(super) async fn upsert_stage(
    tx: &mut Tx<'_>,
    record_id: &str,
    stage: &str,
    by: &str,
    now: &str,
    forward_only: bool,
) -> Result<u64> {
    let condition = if forward_only {
        format!(
            " WHERE {} < {}",
            stage_rank("record_stages.stage"),
            stage_rank("excluded.stage")
        )
    } else {
        String::new()
    };
    tx.execute(
        &format!(
            "INSERT INTO record_stages (record_id, stage, changed_by, changed_at)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM records WHERE record_id = ?1)
             ON CONFLICT (record_id) DO UPDATE SET stage = excluded.stage, changed_by = excluded.changed_by,
                 changed_at = excluded.changed_at{condition}"
        ),
        &[&record_id, &stage, &by, &now],
    )
    .await
}

/// One stored record version, as the office reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRecord {
    /// Record UUID.
    pub record_id: String,
    /// Version.
    pub version: i64,
    /// Trip ID the tablet named.
    pub trip_id: String,
    /// For an amendment: the version it changes.
    pub base_version: Option<i64>,
    /// For an amendment: why.
    pub amend_reason: Option<String>,
    /// Staff ID.
    pub created_by: String,
    /// RFC 3339.
    pub finalized_at: String,
    /// The payload text as received.
    pub payload: String,
    /// The office's stage for the record (`received` when never set).
    pub stage: String,
    /// The trip as the office planned it, when it did.
    pub trip: Option<Trip>,
}

/// The latest version of each record, with its stage and the planned trip.
fn held_select() -> String {
    let trip = TRIP
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT r.record_id, r.version, r.trip_id, r.base_version, r.amend_reason, r.created_by,
            r.finalized_at, r.payload, COALESCE(s.stage, 'received'), {trip}
         FROM records r
         LEFT JOIN record_stages s ON s.record_id = r.record_id
         LEFT JOIN trips t ON t.trip_id = r.trip_id"
    )
}

impl HeldRecord {
    fn from_row(r: &Row<'_>) -> Result<Self> {
        let planned = r
            .get::<Option<String>>(9)?
            .map(|_| trip_from_row(r, 9))
            .transpose()?;
        Ok(
            from_row!(r => HeldRecord { record_id, version, trip_id, base_version, amend_reason,
            created_by, finalized_at, payload, stage; trip: planned }),
        )
    }
}

/// Which latest record versions to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only this trip.
    pub trip_id: Option<String>,
    /// Only records whose date may fall in `[from, to]` (YYYY-MM-DD; the caller checks
    /// the exact Japan date: this keeps the trip's date, the payload's trip date, or a
    /// finalization within a day of the range).
    pub dates: Option<(String, String)>,
    /// Only these 申請書IDs.
    pub application_ids: Option<Vec<String>>,
    /// Only residents born on this day (YYYY-MM-DD): finding a caller by name and
    /// birth date.
    pub birth_date: Option<String>,
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

impl Store {
    /// The latest version of each record the filter keeps, by finalization time.
    pub async fn latest_records(&self, filter: &RecordFilter) -> Result<Vec<HeldRecord>> {
        let f = filter.clone();
        if f.application_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        self.db
            .read(work!(|tx| {
                    let d = tx.dialect();
                    let mut sql = format!(
                        "{} WHERE r.version = (SELECT MAX(v.version) FROM records v WHERE v.record_id = r.record_id)",
                        held_select()
                    );
                    let mut texts: Vec<String> = Vec::new();
                    if let Some(trip) = f.trip_id {
                        texts.push(trip);
                        sql.push_str(&format!(" AND r.trip_id = ?{}", texts.len()));
                    }
                    if let Some((from, to)) = f.dates {
                        let (wide_from, wide_to) = (shift_day(&from, -1), shift_day(&to, 2));
                        texts.extend([from, to, wide_from, wide_to]);
                        let n = texts.len();
                        let trip_date = d.json_text("r.payload", &["trip", "date"]);
                        sql.push_str(&format!(
                            " AND ((t.trip_date >= ?{a} AND t.trip_date <= ?{b})
                                OR ({trip_date} >= ?{a} AND {trip_date} <= ?{b})
                                OR (r.finalized_at >= ?{c} AND r.finalized_at < ?{e}))",
                            a = n - 3,
                            b = n - 2,
                            c = n - 1,
                            e = n
                        ));
                    }
                    if let Some(birth) = f.birth_date {
                        texts.push(birth);
                        let birth_date = d.json_text("r.payload", &["birthDate"]);
                        sql.push_str(&format!(" AND {birth_date} = ?{}", texts.len()));
                    }
                    let by_id = f.application_ids.is_some();
                    let ids = f.application_ids.unwrap_or_default();
                    let mut params: Vec<&dyn Value> = texts.iter().map(|t| t as &dyn Value).collect();
                    if by_id {
                        params.push(&ids);
                        let application_id = d.json_text("r.payload", &["applicationId"]);
                        sql.push_str(&format!(" AND {application_id} {}", d.in_list(params.len())));
                    }
                    sql.push_str(" ORDER BY r.finalized_at COLLATE \"C\", r.record_id COLLATE \"C\"");
                    tx.query(&sql, &params, HeldRecord::from_row).await
                }))
            .await
    }

    /// Every version of one record, oldest first.
    pub async fn record_versions(&self, record_id: &str) -> Result<Vec<HeldRecord>> {
        let sql = format!(
            "{} WHERE r.record_id = ?1 ORDER BY r.version",
            held_select()
        );
        self.db
            .rows(sql, args![record_id], HeldRecord::from_row)
            .await
    }

    /// Which device sent each version of a record, by version: (version, device ID,
    /// device name).
    pub async fn record_senders(&self, record_id: &str) -> Result<Vec<(i64, String, String)>> {
        let sql = "SELECT r.version, r.device_id, d.name FROM records r
                   JOIN devices d ON d.device_id = r.device_id
                   WHERE r.record_id = ?1 ORDER BY r.version";
        self.db
            .rows(sql, args![record_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .await
    }

    /// The photos of one record version: (role, sha256, held).
    pub async fn record_photos(
        &self,
        record_id: &str,
        version: i64,
    ) -> Result<Vec<(String, String, bool)>> {
        self.db
            .rows(
                "SELECT rp.role, rp.sha256, EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = rp.sha256)
                 FROM record_photos rp WHERE rp.record_id = ?1 AND rp.version = ?2
                 ORDER BY rp.role COLLATE \"C\"",
                args![record_id, version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .await
    }

    /// Sets a record's stage; false if no such record is held.
    pub async fn set_stage(
        &self,
        record_id: &str,
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<bool> {
        let args = [record_id, stage, by, now].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                let [id, stage, by, now] = &args;
                Ok(upsert_stage(tx, id, stage, by, now, false).await? > 0)
            }))
            .await
    }

    /// Moves records forward to `stage` (never back: a record already there or further
    /// keeps its stage); returns how many moved. Used when cards arrive (発送) and are
    /// mailed (交付前設定).
    pub async fn advance_stages(
        &self,
        record_ids: &[String],
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<u64> {
        let ids = record_ids.to_vec();
        let [stage, by, now] = [stage, by, now].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                let mut moved = 0;
                for id in &ids {
                    moved += upsert_stage(tx, id, &stage, &by, &now, true).await?;
                }
                Ok(moved)
            }))
            .await
    }
}
