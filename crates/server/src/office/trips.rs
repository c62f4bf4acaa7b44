//! Planned trips as the office follows them: which trips a list shows by default,
//! and how many records came back from each.

use chrono::{Duration, NaiveDate};
use outreach_protocol::console::TripSummary;
use outreach_protocol::sync::Trip;

use super::ymd;
use crate::reports::RecordFacts;
use crate::store::HeldRecord;

/// Days before today the trip list starts by default.
pub const DAYS_BEFORE: i64 = 30;
/// Days after today the trip list ends by default.
pub const DAYS_AFTER: i64 = 90;

/// The days the trip list shows on `today` when asked for none: the trips just made
/// (records still arriving) and those being planned.
pub fn default_range(today: NaiveDate) -> (String, String) {
    (
        ymd(today - Duration::days(DAYS_BEFORE)),
        ymd(today + Duration::days(DAYS_AFTER)),
    )
}

/// A trip with the records that came back from it.
pub fn summary(trip: Trip, records: &[HeldRecord]) -> TripSummary {
    let flagged = records
        .iter()
        .filter(|r| RecordFacts::of(r).flagged())
        .count() as i64;
    TripSummary {
        trip,
        arrived: records.len() as i64,
        flagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_shows_the_last_month_and_the_next_three() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date");
        assert_eq!(
            default_range(today),
            ("2026-10-27".to_owned(), "2027-02-24".to_owned())
        );
    }
}
