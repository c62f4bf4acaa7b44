//! The date and time in Japan. Japan has one time zone and no daylight saving time,
//! so a fixed +09:00 is exact for every instant the project meets; no time-zone
//! database is needed. The instant is always passed in: the rules here read no clock
//! (programs ask [`crate::clock::Clock`]).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Seconds Japan is ahead of UTC, all year.
const OFFSET_SECONDS: i32 = 9 * 3600;

/// Japan Standard Time, +09:00.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).expect("+09:00 is a valid offset")
}

/// The calendar day in Japan at `at`.
pub fn date_at(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&offset()).date_naive()
}

/// The instant of a wall-clock time read in Japan.
pub fn utc_of(local: NaiveDateTime) -> DateTime<Utc> {
    local.and_utc() - TimeDelta::seconds(OFFSET_SECONDS.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("an RFC 3339 time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_japanese_day_starts_at_15_00_utc() {
        assert_eq!(
            date_at(utc("2026-11-26T14:59:59Z")).to_string(),
            "2026-11-26",
            "23:59:59 in Japan is still the 26th"
        );
        assert_eq!(
            date_at(utc("2026-11-26T15:00:00Z")).to_string(),
            "2026-11-27",
            "midnight in Japan is the 27th while it is the 26th in UTC"
        );
        assert_eq!(
            date_at(utc("2026-12-31T15:00:00Z")).to_string(),
            "2027-01-01",
            "the year turns nine hours before it does in UTC"
        );
    }

    #[test]
    fn a_time_read_in_japan_is_nine_hours_ahead_of_utc() {
        let local = NaiveDateTime::parse_from_str("2026-11-27T08:30", "%Y-%m-%dT%H:%M")
            .expect("a local time");
        assert_eq!(utc_of(local), utc("2026-11-26T23:30:00Z"));
        assert_eq!(
            date_at(utc_of(local)),
            local.date(),
            "the two directions agree"
        );
    }
}
