//! The review queue: each record's latest version with what is missing or doubtful,
//! and what an amendment changed.

use chrono::{Duration, NaiveDate};
use outreach_protocol::console::ReviewItem;

use super::ymd;
use crate::reports::RecordFacts;
use crate::store::HeldRecord;

/// Days the review queue shows when asked for no trip and no dates.
pub const REVIEW_DAYS: i64 = 60;

/// The days the queue shows on `today` when asked for neither a trip nor dates: a
/// year brings tens of thousands of records, so the recent weeks.
pub fn recent(today: NaiveDate) -> (String, String) {
    (ymd(today - Duration::days(REVIEW_DAYS)), ymd(today))
}

/// A record as the queue lists it. No names: 申請書ID and record ID only.
pub fn item(r: &HeldRecord) -> ReviewItem {
    item_of(r, &RecordFacts::of(r))
}

fn item_of(r: &HeldRecord, f: &RecordFacts) -> ReviewItem {
    let mut checks = f.photo_failures.clone();
    checks.extend(f.photo_warnings.iter().cloned());
    ReviewItem {
        record_id: r.record_id.clone(),
        version: r.version,
        trip_id: r.trip_id.clone(),
        site_name: f.site.clone(),
        date: f.date.clone(),
        mode: f.mode.clone(),
        application_id: if f.has_application_id() {
            f.application_id.clone()
        } else {
            String::new()
        },
        delivery: f.delivery.clone(),
        stage: r.stage.clone(),
        issues: f.issues(r.version),
        photo_checks: checks,
        retakes: f.retakes,
        documents_missing: f.documents_missing.clone(),
        created_by: r.created_by.clone(),
        finalized_at: r.finalized_at.clone(),
    }
}

/// The queue of `records`: those whose day is within `dates` (inclusive) when given,
/// only those that need a person to look at them when `flagged_only`, by day, site
/// and finalization.
pub fn queue(
    records: &[HeldRecord],
    dates: Option<&(String, String)>,
    flagged_only: bool,
) -> Vec<ReviewItem> {
    let mut items: Vec<ReviewItem> = records
        .iter()
        .map(|r| (r, RecordFacts::of(r)))
        .filter(|(_, f)| !flagged_only || f.flagged())
        .map(|(r, f)| item_of(r, &f))
        .filter(|i| dates.is_none_or(|(a, b)| &i.date >= a && &i.date <= b))
        .collect();
    items.sort_by(|a, b| {
        (&a.date, &a.site_name, &a.finalized_at).cmp(&(&b.date, &b.site_name, &b.finalized_at))
    });
    items
}

/// The top-level fields of a record's payload that differ between two versions.
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(id: &str, date: &str, payload: &str) -> HeldRecord {
        crate::office::held(id, &format!("{date}T01:00:00Z"), payload)
    }

    #[test]
    fn amendments_name_the_fields_they_changed() {
        let a = serde_json::json!({"address": "浜町1", "name": "x", "notes": ""});
        let b = serde_json::json!({"address": "浜町2", "name": "x", "phone": "0276"});
        assert_eq!(changed_fields(&a, &b), ["address", "notes", "phone"]);
    }

    #[test]
    fn the_queue_keeps_its_days_and_with_flagged_only_what_needs_a_look() {
        let id = "1".repeat(23);
        let clean = format!(r#"{{"applicationId":"{id}","delivery":"counter"}}"#);
        let records = [
            held("later", "2026-11-20", &clean),
            held("no-id", "2026-11-05", "{}"),
            held("counter", "2026-11-05", &clean),
            held("old", "2026-09-01", "{}"),
        ];
        let window = ("2026-11-01".to_owned(), "2026-11-30".to_owned());
        let ids =
            |items: Vec<ReviewItem>| items.into_iter().map(|i| i.record_id).collect::<Vec<_>>();
        assert_eq!(
            ids(queue(&records, Some(&window), false)),
            ["no-id", "counter", "later"],
            "by day, then finalization; September is outside"
        );
        assert_eq!(
            ids(queue(&records, Some(&window), true)),
            ["no-id"],
            "a counter pickup alone needs no look"
        );
        assert_eq!(
            recent(NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date")),
            ("2026-10-01".to_owned(), "2026-11-30".to_owned())
        );
    }
}
