//! Counter pickup (交付時来庁方式): the pickup calendar, what each resident must bring,
//! the desk's bookings and the 交付通知書. Pure functions over the settings, the
//! record and the bookings, with today's date passed in; the API (`api/pickup/`) and
//! the store (`store/pickup.rs`) do the rest.

pub mod bookings;
pub mod notice;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use outreach_domain::age_on;
use outreach_protocol::pickup::{PickupDayInfo, PickupSettings, PickupSlot, TimeRange};

use crate::office::ymd;

/// Key of the pickup settings in `office_settings`.
pub const SETTINGS_KEY: &str = "pickup";

/// What a new office starts with: weekdays 9:00–17:00 with a lunch hour, 30-minute
/// slots for two counters, closed at the year end and on holidays.
pub fn default_settings() -> PickupSettings {
    PickupSettings {
        office_name: "市民課 マイナンバーカード担当".to_owned(),
        place: "市役所本庁舎1階 市民課 マイナンバーカード交付窓口".to_owned(),
        place_address: String::new(),
        weekdays: vec![1, 2, 3, 4, 5],
        opens: "09:00".to_owned(),
        closes: "17:00".to_owned(),
        breaks: vec![TimeRange {
            from: "12:00".to_owned(),
            to: "13:00".to_owned(),
        }],
        slot_minutes: 30,
        capacity: 2,
        closed_dates: Vec::new(),
        open_dates: Vec::new(),
        year_end_closed: true,
        holidays_closed: true,
        booking_phone: String::new(),
        booking_hours: "平日 9時〜17時".to_owned(),
        horizon_days: 90,
    }
}

fn time(s: &str) -> Option<NaiveTime> {
    (s.len() == 5)
        .then(|| NaiveTime::parse_from_str(s, "%H:%M").ok())
        .flatten()
}

fn date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// The office's pickup settings: what it stored (`stored`, JSON), over the defaults,
/// so a setting added in a later version has its default until the office changes it.
/// Stored settings that no longer read give the defaults.
pub fn settings_over_defaults(stored: Option<&str>) -> Result<PickupSettings, serde_json::Error> {
    let defaults = default_settings();
    let Some(stored) = stored else {
        return Ok(defaults);
    };
    let mut merged = serde_json::to_value(&defaults)?;
    if let (Some(m), Ok(serde_json::Value::Object(s))) = (
        merged.as_object_mut(),
        serde_json::from_str::<serde_json::Value>(stored),
    ) {
        for (k, v) in s {
            if m.contains_key(&k) {
                m.insert(k, v);
            }
        }
    }
    Ok(serde_json::from_value(merged).unwrap_or(defaults))
}

/// Why settings cannot be stored; the message names the field first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A text that must be given is empty.
    #[error("{0}: required")]
    Required(&'static str),
    /// A text is longer than the notice has room for.
    #[error("{field}: at most {max} characters")]
    TooLong {
        /// The field, as the console names it.
        field: &'static str,
        /// Its limit in characters.
        max: usize,
    },
    /// No open weekday, or a number that is no weekday.
    #[error("weekdays: one or more of 1 (Monday) to 7 (Sunday)")]
    Weekdays,
    /// Opening or closing is not `HH:MM`.
    #[error("opens: times as HH:MM")]
    Hours,
    /// Closing is not after opening.
    #[error("closes: after opens")]
    ClosesBeforeOpening,
    /// A break is not `HH:MM` to a later `HH:MM`.
    #[error("breaks: HH:MM to a later HH:MM")]
    Breaks,
    /// The slot length is outside 10 to 240 minutes.
    #[error("slotMinutes: 10 to 240")]
    SlotMinutes,
    /// The places per slot are outside 1 to 50.
    #[error("capacity: 1 to 50")]
    Capacity,
    /// The booking horizon is outside 1 to 366 days.
    #[error("horizonDays: 1 to 366")]
    HorizonDays,
    /// Too many closed or open dates, or one that is not `YYYY-MM-DD`.
    #[error("closedDates: dates as YYYY-MM-DD")]
    Dates,
    /// A text holds what looks like a 個人番号, which is never stored.
    #[error("place: this looks like a 個人番号, which is never stored")]
    MyNumber,
}

/// Checks settings before they are stored.
pub fn validate(s: &PickupSettings) -> Result<(), SettingsError> {
    let text = |field: &'static str, v: &str, max: usize, required: bool| {
        if required && v.trim().is_empty() {
            return Err(SettingsError::Required(field));
        }
        if v.chars().count() > max {
            return Err(SettingsError::TooLong { field, max });
        }
        Ok(())
    };
    text("officeName", &s.office_name, 60, true)?;
    text("place", &s.place, 80, true)?;
    text("placeAddress", &s.place_address, 120, false)?;
    text("bookingPhone", &s.booking_phone, 20, false)?;
    text("bookingHours", &s.booking_hours, 60, false)?;
    if s.weekdays.is_empty() || s.weekdays.iter().any(|d| !(1..=7).contains(d)) {
        return Err(SettingsError::Weekdays);
    }
    let (Some(opens), Some(closes)) = (time(&s.opens), time(&s.closes)) else {
        return Err(SettingsError::Hours);
    };
    if closes <= opens {
        return Err(SettingsError::ClosesBeforeOpening);
    }
    for b in &s.breaks {
        match (time(&b.from), time(&b.to)) {
            (Some(f), Some(t)) if f < t => {}
            _ => return Err(SettingsError::Breaks),
        }
    }
    if !(10..=240).contains(&s.slot_minutes) {
        return Err(SettingsError::SlotMinutes);
    }
    if !(1..=50).contains(&s.capacity) {
        return Err(SettingsError::Capacity);
    }
    if !(1..=366).contains(&s.horizon_days) {
        return Err(SettingsError::HorizonDays);
    }
    if s.closed_dates.len() + s.open_dates.len() > 1000
        || s.closed_dates
            .iter()
            .chain(&s.open_dates)
            .any(|d| date(d).is_none())
    {
        return Err(SettingsError::Dates);
    }
    if outreach_domain::contains_my_number(&format!(
        "{} {} {} {} {}",
        s.office_name, s.place, s.place_address, s.booking_phone, s.booking_hours
    )) {
        return Err(SettingsError::MyNumber);
    }
    Ok(())
}

const WEEKDAY_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// `12月3日（木）`.
pub fn day_ja(d: NaiveDate) -> String {
    format!(
        "{}月{}日（{}）",
        d.month(),
        d.day(),
        WEEKDAY_JA[d.weekday().num_days_from_monday() as usize]
    )
}

/// Why the counter is closed on `d`, in Japanese, or `None` when it is open. A date
/// the office opens (`openDates`) is open whatever else holds; a date it closes
/// (`closedDates`) is closed.
pub fn closed_reason(s: &PickupSettings, d: NaiveDate) -> Option<String> {
    let ymd = d.format("%Y-%m-%d").to_string();
    if s.open_dates.contains(&ymd) {
        return None;
    }
    if s.closed_dates.contains(&ymd) {
        return Some("休業日".to_owned());
    }
    if s.year_end_closed && matches!((d.month(), d.day()), (12, 29..=31) | (1, 1..=3)) {
        return Some("年末年始".to_owned());
    }
    if s.holidays_closed
        && let Some(name) = jpholiday::jpholiday::JPHoliday::new().is_holiday_name(&d)
    {
        return Some(name);
    }
    let weekday = d.weekday().number_from_monday() as u8;
    if !s.weekdays.contains(&weekday) {
        return Some(match d.weekday() {
            Weekday::Sat => "土曜日".to_owned(),
            Weekday::Sun => "日曜日".to_owned(),
            w => format!(
                "{}曜日（休業）",
                WEEKDAY_JA[w.num_days_from_monday() as usize]
            ),
        });
    }
    None
}

/// The day's slots as (start, end) `HH:MM`, ignoring closed days: from `opens`, every
/// `slotMinutes`, each ending by `closes` and overlapping no break.
pub fn slots(s: &PickupSettings) -> Vec<(String, String)> {
    let (Some(opens), Some(closes)) = (time(&s.opens), time(&s.closes)) else {
        return Vec::new();
    };
    let breaks: Vec<(NaiveTime, NaiveTime)> = s
        .breaks
        .iter()
        .filter_map(|b| Some((time(&b.from)?, time(&b.to)?)))
        .collect();
    let step = chrono::Duration::minutes(s.slot_minutes.max(1));
    let mut out = Vec::new();
    let mut start = opens;
    loop {
        let (end, wrapped) = start.overflowing_add_signed(step);
        if wrapped != 0 || end > closes || end <= start {
            break;
        }
        if !breaks.iter().any(|(f, t)| start < *t && *f < end) {
            out.push((
                start.format("%H:%M").to_string(),
                end.format("%H:%M").to_string(),
            ));
        }
        start = end;
    }
    out
}

/// Why a slot cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRefusal {
    /// Not a date or not a time.
    Malformed,
    /// Before today, or further ahead than the office books.
    OutOfRange,
    /// The counter is closed that day (the reason).
    Closed(String),
    /// Not the start of one of the day's slots.
    OutsideHours,
}

/// Checks that `date` `time` is a slot one can book on `today`.
pub fn check_slot(
    s: &PickupSettings,
    day: &str,
    at: &str,
    today: NaiveDate,
) -> Result<(), SlotRefusal> {
    let (Some(d), Some(_)) = (date(day), time(at)) else {
        return Err(SlotRefusal::Malformed);
    };
    if d < today || (d - today).num_days() > s.horizon_days {
        return Err(SlotRefusal::OutOfRange);
    }
    if let Some(reason) = closed_reason(s, d) {
        return Err(SlotRefusal::Closed(reason));
    }
    if !slots(s).iter().any(|(start, _)| start == at) {
        return Err(SlotRefusal::OutsideHours);
    }
    Ok(())
}

/// The longest calendar one request returns.
pub const CALENDAR_DAYS: i64 = 93;

/// The days a calendar shows on `today`: from `from` (default today) to `to` (default
/// four weeks on), or `None` when they run backwards or past [`CALENDAR_DAYS`].
pub fn calendar_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from + Duration::days(27));
    (to >= from && (to - from).num_days() < CALENDAR_DAYS).then_some((from, to))
}

/// Each day from `from` to `to` with its slots and their `booked` places by (date,
/// time), or why the counter is closed that day.
pub fn calendar(
    s: &PickupSettings,
    from: NaiveDate,
    to: NaiveDate,
    booked: &HashMap<(String, String), i64>,
) -> Vec<PickupDayInfo> {
    let slots = slots(s);
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let date = ymd(d);
            let closed = closed_reason(s, d);
            let slots = if closed.is_some() {
                Vec::new()
            } else {
                slots
                    .iter()
                    .map(|(start, end)| PickupSlot {
                        time: start.clone(),
                        end: end.clone(),
                        capacity: s.capacity,
                        booked: booked
                            .get(&(date.clone(), start.clone()))
                            .copied()
                            .unwrap_or(0),
                    })
                    .collect()
            };
            PickupDayInfo {
                date,
                closed,
                slots,
            }
        })
        .collect()
}

/// `昭和36年3月3日（1961年）` from `1961-03-03`; empty when there is no date.
pub fn birth_display(ymd: &str) -> String {
    let Ok(d) = NaiveDate::parse_from_str(ymd, "%Y-%m-%d") else {
        return String::new();
    };
    match outreach_domain::Wareki::from_date(d) {
        Ok(w) => format!("{w}（{}年）", d.year()),
        Err(_) => ymd.to_owned(),
    }
}

/// A name as the desk searches it: without spaces, and hiragana read as katakana, so
/// ヤマダ finds やまだ and back.
pub fn search_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(outreach_domain::kana::hiragana_to_katakana)
        .collect()
}

/// What the office reads from a record for the counter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickupCase {
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub kana: String,
    /// YYYY-MM-DD or empty.
    pub birth_date: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 住所.
    pub address: String,
    /// Under 15 on the day asked about.
    pub child: bool,
    /// 成年被後見人.
    pub adult_ward: bool,
    /// The old card: `returned`, `lost`, `kept` or unknown.
    pub old_card: Option<&'static str>,
}

impl PickupCase {
    /// Reads a record payload tolerantly (field by field, so an older tablet's record
    /// or a damaged one gives what it holds, never an error), with the age on `on`.
    pub fn of(payload: &str, on: NaiveDate) -> PickupCase {
        let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
        let at = |path: &[&str]| {
            path.iter()
                .try_fold(&v, |x, k| x.get(k))
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let birth = date(&at(&["birthDate"]));
        PickupCase {
            name: at(&["name"]),
            kana: at(&["kana"]),
            birth_date: birth.map(|b| b.to_string()).unwrap_or_default(),
            postal_code: at(&["postalCode"]),
            address: at(&["address"]),
            child: birth.is_some_and(|b| age_on(b, on).is_some_and(|y| y < 15)),
            adult_ward: v.get("adultWard").and_then(|x| x.as_bool()) == Some(true),
            old_card: match at(&["mailing", "oldCard"]).as_str() {
                "returned" => Some("returned"),
                "lost" => Some("lost"),
                "notReturned" => Some("kept"),
                _ => None,
            },
        }
    }

    /// What to bring, in the notice's words, by the resident's case.
    pub fn bring(&self) -> Vec<String> {
        let mut out = vec![
            "この交付通知書".to_owned(),
            "本人確認書類（運転免許証・パスポートなど顔写真付きのもの1点、またはない場合は健康保険の資格確認書・年金手帳など2点）".to_owned(),
        ];
        match self.old_card {
            Some("returned") | Some("lost") => {}
            Some("kept") => out
                .push("お持ちの通知カード、住民基本台帳カード（返納していただきます）".to_owned()),
            _ => out.push(
                "通知カード、住民基本台帳カード（お持ちの方のみ。返納していただきます）".to_owned(),
            ),
        }
        if self.child {
            out.push("15歳未満の方：法定代理人（親権者）が本人と一緒にお越しください".to_owned());
            out.push("法定代理人の本人確認書類".to_owned());
            out.push(
                "戸籍謄本など親権者であることがわかる書類（本籍が当市の方、同一世帯の方は不要）"
                    .to_owned(),
            );
        }
        if self.adult_ward {
            out.push("成年被後見人の方：成年後見人が本人と一緒にお越しください".to_owned());
            out.push(
                "成年後見人の本人確認書類と、登記事項証明書など成年後見人であることがわかる書類"
                    .to_owned(),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        date(s).expect("date")
    }

    #[test]
    fn the_calendar_closes_weekends_holidays_and_the_year_end() {
        let s = default_settings();
        assert_eq!(closed_reason(&s, d("2026-11-26")), None, "a Thursday");
        assert_eq!(
            closed_reason(&s, d("2026-11-28")).as_deref(),
            Some("土曜日")
        );
        assert_eq!(
            closed_reason(&s, d("2026-11-29")).as_deref(),
            Some("日曜日")
        );
        assert_eq!(
            closed_reason(&s, d("2026-11-23")).as_deref(),
            Some("勤労感謝の日")
        );
        assert_eq!(
            closed_reason(&s, d("2026-09-22")).as_deref(),
            Some("国民の休日"),
            "between 敬老の日 and 秋分の日"
        );
        for day in [
            "2026-12-29",
            "2026-12-30",
            "2026-12-31",
            "2027-01-02",
            "2027-01-03",
        ] {
            assert_eq!(
                closed_reason(&s, d(day)).as_deref(),
                Some("年末年始"),
                "{day}"
            );
        }
        assert_eq!(closed_reason(&s, d("2026-12-28")), None);
        assert_eq!(closed_reason(&s, d("2027-01-04")), None);
    }

    #[test]
    fn the_office_can_open_a_closed_day_and_close_an_open_one() {
        let mut s = default_settings();
        s.open_dates = vec!["2026-11-28".to_owned()];
        s.closed_dates = vec!["2026-11-27".to_owned()];
        assert_eq!(closed_reason(&s, d("2026-11-28")), None, "休日開庁");
        assert_eq!(
            closed_reason(&s, d("2026-11-27")).as_deref(),
            Some("休業日")
        );
        s.holidays_closed = false;
        s.year_end_closed = false;
        assert_eq!(closed_reason(&s, d("2026-11-23")), None);
        assert_eq!(closed_reason(&s, d("2026-12-30")), None);
    }

    #[test]
    fn slots_run_from_opening_to_closing_around_the_break() {
        let s = default_settings();
        let starts: Vec<String> = slots(&s).into_iter().map(|(a, _)| a).collect();
        assert_eq!(
            starts,
            [
                "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00",
                "14:30", "15:00", "15:30", "16:00", "16:30"
            ]
        );
        let mut odd = default_settings();
        odd.slot_minutes = 45;
        odd.breaks.clear();
        let last = slots(&odd).last().cloned();
        assert_eq!(
            last,
            Some(("15:45".to_owned(), "16:30".to_owned())),
            "a slot never runs past closing"
        );
    }

    #[test]
    fn a_booking_outside_hours_on_a_closed_day_or_in_the_past_is_refused() {
        let s = default_settings();
        let today = d("2026-11-26");
        assert_eq!(check_slot(&s, "2026-11-27", "10:00", today), Ok(()));
        assert_eq!(
            check_slot(&s, "2026-11-27", "12:00", today),
            Err(SlotRefusal::OutsideHours),
            "lunch"
        );
        assert_eq!(
            check_slot(&s, "2026-11-27", "10:15", today),
            Err(SlotRefusal::OutsideHours)
        );
        assert_eq!(
            check_slot(&s, "2026-11-27", "17:00", today),
            Err(SlotRefusal::OutsideHours)
        );
        assert_eq!(
            check_slot(&s, "2026-12-30", "10:00", today),
            Err(SlotRefusal::Closed("年末年始".into()))
        );
        assert_eq!(
            check_slot(&s, "2026-11-25", "10:00", today),
            Err(SlotRefusal::OutOfRange)
        );
        assert_eq!(
            check_slot(&s, "2027-11-25", "10:00", today),
            Err(SlotRefusal::OutOfRange)
        );
        assert_eq!(
            check_slot(&s, "2026-11-27", "10", today),
            Err(SlotRefusal::Malformed)
        );
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(validate(&default_settings()), Ok(()));
        let mut s = default_settings();
        s.capacity = 0;
        assert_eq!(validate(&s), Err(SettingsError::Capacity));
        let mut s = default_settings();
        s.closes = "08:00".to_owned();
        assert_eq!(validate(&s), Err(SettingsError::ClosesBeforeOpening));
        let mut s = default_settings();
        s.weekdays = vec![8];
        assert_eq!(validate(&s), Err(SettingsError::Weekdays));
        let mut s = default_settings();
        s.closed_dates = vec!["12/29".to_owned()];
        assert_eq!(validate(&s), Err(SettingsError::Dates));
        let mut s = default_settings();
        s.place = "場".repeat(81);
        assert_eq!(
            validate(&s).map_err(|e| e.to_string()),
            Err("place: at most 80 characters".to_owned()),
            "the console shows the message, which names the field first"
        );
    }

    #[test]
    fn stored_settings_keep_the_defaults_of_what_they_lack() {
        assert_eq!(settings_over_defaults(None).ok(), Some(default_settings()));
        let s = settings_over_defaults(Some(r#"{"capacity":4,"retired":true}"#)).expect("settings");
        assert_eq!(s.capacity, 4);
        assert_eq!(s.opens, default_settings().opens, "not stored: the default");
        assert_eq!(
            settings_over_defaults(Some(r#"{"capacity":"four"}"#)).ok(),
            Some(default_settings()),
            "settings that no longer read give the defaults"
        );
    }

    #[test]
    fn a_calendar_runs_four_weeks_by_default_and_at_most_93_days() {
        let today = d("2026-11-26");
        assert_eq!(
            calendar_range(None, None, today),
            Some((today, d("2026-12-23")))
        );
        assert_eq!(
            calendar_range(Some(today), Some(d("2027-02-26")), today),
            Some((today, d("2027-02-26"))),
            "93 days, the last one included"
        );
        assert_eq!(
            calendar_range(Some(today), Some(d("2027-02-27")), today),
            None
        );
        assert_eq!(
            calendar_range(Some(today), Some(d("2026-11-25")), today),
            None
        );
        let mut booked = HashMap::new();
        booked.insert(("2026-11-27".to_owned(), "09:00".to_owned()), 2);
        let days = calendar(&default_settings(), today, d("2026-11-28"), &booked);
        assert_eq!(days.len(), 3);
        assert_eq!(days[1].slots[0].booked, 2);
        assert_eq!(days[2].closed.as_deref(), Some("土曜日"));
        assert!(days[2].slots.is_empty(), "a closed day has no slots");
    }

    #[test]
    fn birth_dates_read_in_wareki_and_names_match_across_kana() {
        assert_eq!(birth_display("1961-03-03"), "昭和36年3月3日（1961年）");
        assert_eq!(birth_display(""), "");
        assert_eq!(search_key("やまだ 太郎"), search_key("ヤマダ太郎"));
    }

    #[test]
    fn what_to_bring_follows_the_case() {
        // Whether a card is collected at all is the office's one rule, RecordFacts::by_mail.
        let held = |payload: &str| crate::office::held("r", "2026-11-25T00:00:00Z", payload);
        let by_mail = |payload: &str| crate::reports::RecordFacts::of(&held(payload)).by_mail();
        const ADULT: &str = r#"{"name":"山田 太郎","birthDate":"1985-04-01","trip":{"mode":"support"},"mailing":{"oldCard":"returned"}}"#;
        const MAILED: &str = r#"{"delivery":"mail","trip":{"mode":"uketsuke"}}"#;
        let adult = PickupCase::of(ADULT, d("2026-12-01"));
        assert!(!by_mail(ADULT));
        assert!(!adult.child);
        let bring = adult.bring();
        assert_eq!(
            bring.len(),
            2,
            "notice and identity documents only: {bring:?}"
        );
        let child = PickupCase::of(
            r#"{"name":"山田 花","birthDate":"2014-06-01","delivery":"counter","trip":{"mode":"uketsuke"}}"#,
            d("2026-12-01"),
        );
        assert!(child.child, "12 years old");
        assert!(
            child
                .bring()
                .iter()
                .any(|b| b.contains("法定代理人（親権者）"))
        );
        assert!(
            child.bring().iter().any(|b| b.contains("お持ちの方のみ")),
            "old card unknown"
        );
        assert!(by_mail(MAILED));
        let broken = PickupCase::of("not json", d("2026-12-01"));
        assert_eq!(broken.name, "");
    }
}
