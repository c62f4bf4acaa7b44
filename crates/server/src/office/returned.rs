//! Returned cards (返戻物): when an unclaimed card is destroyed, and when that day has
//! come.

use chrono::NaiveDate;
use outreach_protocol::console::Returned;

use super::{days_after, ymd};
use crate::reports::RecordFacts;
use crate::store::HeldRecord;

/// Days from application to destruction of an unclaimed card (about a year).
pub const DESTROY_DAYS: i64 = 365;

/// The day a returned card is destroyed: [`DESTROY_DAYS`] after the application (the
/// record's day), or after the day it came back when the application is not held
/// here.
pub fn destroy_on(record: Option<&HeldRecord>, returned_on: &str) -> String {
    let applied_on = record
        .map(|r| RecordFacts::of(r).date)
        .unwrap_or_else(|| returned_on.to_owned());
    days_after(&applied_on, DESTROY_DAYS)
}

/// `r` as the console shows it on `today`: due for destruction once its day has come,
/// unless it was resolved.
pub fn as_of(mut r: Returned, today: NaiveDate) -> Returned {
    r.due_for_destruction = r.resolution.is_none() && ymd(today) >= r.destroy_on;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(trip_date: &str) -> HeldRecord {
        let payload = format!(r#"{{"trip":{{"date":"{trip_date}"}}}}"#);
        crate::office::held("r", "2026-11-25T00:00:00Z", &payload)
    }

    fn returned(destroy_on: &str, resolution: Option<&str>) -> Returned {
        Returned {
            returned_id: "x".into(),
            application_id: "0".repeat(23),
            record_id: None,
            reason: "unclaimed".into(),
            returned_on: "2026-12-01".into(),
            destroy_on: destroy_on.into(),
            due_for_destruction: false,
            note: String::new(),
            resolution: resolution.map(str::to_owned),
            resolved_on: None,
            contacts: Vec::new(),
        }
    }

    #[test]
    fn a_card_is_destroyed_a_year_after_the_application_or_else_its_return() {
        assert_eq!(
            destroy_on(Some(&held("2026-11-05")), "2026-12-01"),
            "2027-11-05"
        );
        assert_eq!(
            destroy_on(None, "2026-12-01"),
            "2027-12-01",
            "an application not held here counts from the return"
        );
    }

    #[test]
    fn a_card_is_due_from_its_day_unless_resolved() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
        assert!(!as_of(returned("2027-11-05", None), day("2027-11-04")).due_for_destruction);
        assert!(as_of(returned("2027-11-05", None), day("2027-11-05")).due_for_destruction);
        assert!(
            !as_of(returned("2027-11-05", Some("collected")), day("2028-01-01"))
                .due_for_destruction,
            "a collected card is not destroyed"
        );
    }
}
