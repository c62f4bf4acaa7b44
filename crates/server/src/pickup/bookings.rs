//! The pickup desk's rules for bookings: which of a card's bookings the desk shows,
//! when a resident can be marked as not come, and which no-shows are still to be
//! called back.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use crate::office::ymd;
use crate::store::BookingRow;

/// How far back the follow-up list looks for no-shows.
pub const FOLLOW_UP_DAYS: i64 = 60;

/// Each card's booking the desk shows, by 申請書ID: the open one, else the newest.
/// `bookings` come newest first.
pub fn current(bookings: Vec<BookingRow>) -> HashMap<String, BookingRow> {
    let mut out: HashMap<String, BookingRow> = HashMap::new();
    for b in bookings {
        let keep = out
            .get(&b.application_id)
            .is_none_or(|held| held.status != "booked" && b.status == "booked");
        if keep {
            out.insert(b.application_id.clone(), b);
        }
    }
    out
}

/// Whether a booking on `slot_date` is too early to close as 来庁なし on `today`:
/// nobody has missed a day that has not come.
pub fn too_early_for_no_show(slot_date: &str, today: NaiveDate) -> bool {
    slot_date > ymd(today).as_str()
}

/// The first day of the no-shows still followed up on `today`.
pub fn follow_up_since(today: NaiveDate) -> String {
    ymd(today - Duration::days(FOLLOW_UP_DAYS))
}

/// The no-shows among the bookings closed in the follow-up window.
pub fn no_shows(closed: Vec<BookingRow>) -> Vec<BookingRow> {
    closed
        .into_iter()
        .filter(|b| b.status == "no_show")
        .collect()
}

/// Of these no-shows, those whose card has had nothing since: no new booking, not
/// handed over. `latest` is every booking of their cards, newest first.
pub fn to_follow_up(no_shows: Vec<BookingRow>, latest: Vec<BookingRow>) -> Vec<BookingRow> {
    let newest: HashMap<String, String> = latest
        .into_iter()
        .rev()
        .map(|b| (b.application_id, b.booking_id))
        .collect();
    no_shows
        .into_iter()
        .filter(|b| newest.get(&b.application_id) == Some(&b.booking_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(id: &str, card: &str, status: &str) -> BookingRow {
        BookingRow {
            booking_id: id.into(),
            application_id: card.into(),
            record_id: "r".into(),
            slot_date: "2026-11-27".into(),
            slot_time: "10:00".into(),
            status: status.into(),
            moved_from: None,
            booked_by: "s".into(),
            booked_at: "2026-11-20T00:00:00Z".into(),
            closed_on: None,
            follow_up: String::new(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn the_desk_shows_the_open_booking_else_the_newest() {
        let shown = current(vec![
            booking("3", "a", "cancelled"),
            booking("2", "a", "booked"),
            booking("1", "a", "no_show"),
            booking("5", "b", "issued"),
            booking("4", "b", "no_show"),
        ]);
        assert_eq!(shown["a"].booking_id, "2", "the open booking wins");
        assert_eq!(shown["b"].booking_id, "5", "else the newest");
    }

    #[test]
    fn a_no_show_waits_for_its_day_and_is_called_until_something_follows() {
        assert!(too_early_for_no_show("2026-11-27", day("2026-11-26")));
        assert!(!too_early_for_no_show("2026-11-27", day("2026-11-27")));
        assert_eq!(follow_up_since(day("2026-11-30")), "2026-10-01");
        let closed = vec![
            booking("1", "a", "no_show"),
            booking("2", "b", "no_show"),
            booking("3", "c", "issued"),
        ];
        let missed = no_shows(closed);
        assert_eq!(
            missed
                .iter()
                .map(|b| b.booking_id.as_str())
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
        let latest = vec![
            booking("9", "b", "booked"),
            booking("2", "b", "no_show"),
            booking("1", "a", "no_show"),
        ];
        let call: Vec<String> = to_follow_up(missed, latest)
            .into_iter()
            .map(|b| b.booking_id)
            .collect();
        assert_eq!(call, ["1"], "b booked again, so only a is called");
    }
}
