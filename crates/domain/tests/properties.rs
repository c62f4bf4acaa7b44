//! Property tests for the date and number rules staff rely on all day.

use chrono::{Datelike, Days, NaiveDate};
use outreach_domain::{
    ApplicationId, Wareki, age_on, contains_my_number, mynumber::check_digit_valid,
};
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 明治6年1月1日 (the Gregorian calendar in Japan) to the end of 2100.
    let start = NaiveDate::from_ymd_opt(1873, 1, 1).expect("date");
    (0u64..83_000).prop_map(move |d| start.checked_add_days(Days::new(d)).expect("in range"))
}

/// A valid 個人番号 made from 11 random digits and its check digit.
fn any_my_number() -> impl Strategy<Value = String> {
    proptest::array::uniform11(0u8..10).prop_map(|head| {
        let mut d = [0u8; 12];
        d[..11].copy_from_slice(&head);
        for check in 0..10 {
            d[11] = check;
            if check_digit_valid(&d) {
                break;
            }
        }
        d.iter().map(|x| char::from(b'0' + x)).collect()
    })
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    /// Every date converts to 和暦 and back to itself.
    #[test]
    fn wareki_round_trips(date in any_date()) {
        let w = Wareki::from_date(date).expect("in range");
        prop_assert_eq!(w.to_date(), Ok(date));
        prop_assert!(w.year >= 1);
    }

    /// Age never goes down with time and grows by exactly one on each birthday.
    #[test]
    fn age_is_monotonic(birth in any_date(), later in 0u64..40_000) {
        let on = birth.checked_add_days(Days::new(later)).expect("in range");
        let age = age_on(birth, on).expect("on is not before birth");
        let next = on.checked_add_days(Days::new(1)).expect("in range");
        let age_next = age_on(birth, next).expect("later still");
        prop_assert!(age_next == age || age_next == age + 1);
        prop_assert!(age_on(birth, birth.pred_opt().expect("earlier")).is_none());
        if (next.month(), next.day()) == (birth.month(), birth.day()) {
            prop_assert_eq!(age_next, age + 1);
        }
    }

    /// A valid 個人番号 is caught however it is written and wherever it sits in a text.
    #[test]
    fn my_number_is_caught_in_any_form(
        n in any_my_number(),
        sep in proptest::sample::select(vec!["", " ", "-", "\u{3000}", "－", "ー"]),
        wide in any::<bool>(),
        before in "[あ-ん a-z]{0,8}",
        after in "[あ-ん a-z]{0,8}",
    ) {
        let grouped = format!("{}{sep}{}{sep}{}", &n[..4], &n[4..8], &n[8..]);
        let written = if wide { full_width(&grouped) } else { grouped };
        let text = format!("{before}{written}{after}");
        prop_assert!(contains_my_number(&text), "{:?} must be caught", text);
    }

    /// A 23-digit 申請書ID never trips the guard, whatever its digits.
    #[test]
    fn application_ids_never_trip_the_guard(id in "[0-9]{23}") {
        prop_assert!(!contains_my_number(&id));
        prop_assert!(ApplicationId::parse(&id).is_ok());
        let qr = format!("APPID:{id};v=1");
        prop_assert!(ApplicationId::from_qr_payload(&qr).is_ok());
    }

    /// 22 or 24 digits are never a 申請書ID.
    #[test]
    fn wrong_lengths_are_refused(id in "[0-9]{22}|[0-9]{24}") {
        prop_assert!(ApplicationId::parse(&id).is_err());
    }
}

#[test]
fn era_boundaries_named_in_the_issue() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
    let w = |date| Wareki::from_date(date).expect("in range").to_string();
    assert_eq!(w(d(2019, 4, 30)), "平成31年4月30日");
    assert_eq!(w(d(2019, 5, 1)), "令和元年5月1日");
    assert_eq!(w(d(1989, 1, 7)), "昭和64年1月7日");
    assert_eq!(w(d(1989, 1, 8)), "平成元年1月8日");
}
