//! The back office's rules (受付 after the trip: review, card batches and their
//! mailing, returned mail): pure functions over what the store holds, with today's
//! date passed in, so each rule is a unit test and a handler only parses, calls one
//! and maps the result. Counter pickup has its own rules beside these, in
//! [`crate::pickup`].

pub mod batches;
pub mod returned;
pub mod review;
pub mod stages;
pub mod trips;

use chrono::{Duration, NaiveDate};

/// `YYYY-MM-DD`, the form every date is stored and compared in.
pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The date `days` after `date` (`YYYY-MM-DD`); empty when `date` is not a date.
pub fn days_after(date: &str, days: i64) -> String {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| ymd(d + Duration::days(days)))
        .unwrap_or_default()
}

/// A held record for the rules' tests: version 1 of `record_id`, finalized at
/// `finalized_at`, with no planned trip.
#[cfg(test)]
pub(crate) fn held(record_id: &str, finalized_at: &str, payload: &str) -> crate::store::HeldRecord {
    crate::store::HeldRecord {
        record_id: record_id.into(),
        version: 1,
        trip_id: "t".into(),
        base_version: None,
        amend_reason: None,
        created_by: "s".into(),
        finalized_at: finalized_at.into(),
        payload: payload.into(),
        stage: "received".into(),
        trip: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_counted_across_months_and_leap_days() {
        assert_eq!(
            days_after("2028-02-20", 14),
            "2028-03-05",
            "2028 has a 29th"
        );
        assert_eq!(days_after("2026-11-26", -30), "2026-10-27");
        assert_eq!(
            days_after("2026-13-01", 1),
            "",
            "no date, no deadline to compare"
        );
    }
}
