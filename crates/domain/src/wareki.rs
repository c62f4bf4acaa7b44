//! 和暦 (Japanese era dates): conversion both ways and the age on a given day.
//!
//! A small table of our own: no crate is worth the dependency. Dates before 明治 6
//! (1873, when Japan adopted the Gregorian calendar) are not meaningful for living
//! residents and are refused.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The eras a living resident's birth date can fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Era {
    /// 明治 (from 1868-10-23)
    Meiji,
    /// 大正 (from 1912-07-30)
    Taisho,
    /// 昭和 (from 1926-12-25)
    Showa,
    /// 平成 (from 1989-01-08)
    Heisei,
    /// 令和 (from 2019-05-01)
    Reiwa,
}

const ERAS: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

impl Era {
    /// The era's name as staff write it.
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The first day of the era.
    pub fn start(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 10, 23),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// The era by its name (`令和`, `R`, `r` and the like).
    pub fn from_name(name: &str) -> Option<Era> {
        match name.trim() {
            "明治" | "明" | "M" | "m" => Some(Era::Meiji),
            "大正" | "大" | "T" | "t" => Some(Era::Taisho),
            "昭和" | "昭" | "S" | "s" => Some(Era::Showa),
            "平成" | "平" | "H" | "h" => Some(Era::Heisei),
            "令和" | "令" | "R" | "r" => Some(Era::Reiwa),
            _ => None,
        }
    }

    fn next(self) -> Option<Era> {
        ERAS.iter()
            .position(|e| *e == self)
            .and_then(|i| ERAS.get(i + 1))
            .copied()
    }
}

/// A date in 和暦.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wareki {
    /// The era.
    pub era: Era,
    /// Year within the era; 1 is written 元年.
    pub year: u32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

/// Why a 和暦 date cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarekiError {
    /// The month/day combination does not exist.
    #[error("存在しない日付です。")]
    NoSuchDate,
    /// The date falls outside the era (for example 平成31年5月1日 is 令和元年).
    #[error("{era}{year}年{month}月{day}日はその元号の期間外です。")]
    OutsideEra {
        /// Era name.
        era: &'static str,
        /// Year in the era.
        year: u32,
        /// Month.
        month: u32,
        /// Day.
        day: u32,
    },
    /// Before 明治6年 (the Gregorian calendar) or otherwise out of range.
    #[error("この日付は扱えません。")]
    OutOfRange,
}

impl Wareki {
    /// The 和暦 form of a Gregorian date.
    pub fn from_date(date: NaiveDate) -> Result<Wareki, WarekiError> {
        let era = ERAS
            .iter()
            .rev()
            .find(|e| date >= e.start())
            .copied()
            .ok_or(WarekiError::OutOfRange)?;
        if date.year() < 1873 {
            return Err(WarekiError::OutOfRange);
        }
        Ok(Wareki {
            era,
            year: (date.year() - era.start().year() + 1) as u32,
            month: date.month(),
            day: date.day(),
        })
    }

    /// The Gregorian date, checking that it really falls inside the era.
    pub fn to_date(self) -> Result<NaiveDate, WarekiError> {
        let outside = WarekiError::OutsideEra {
            era: self.era.name(),
            year: self.year,
            month: self.month,
            day: self.day,
        };
        if self.year == 0 {
            return Err(outside);
        }
        let y = i32::try_from(self.year)
            .ok()
            .and_then(|y| self.era.start().year().checked_add(y - 1))
            .ok_or(WarekiError::OutOfRange)?;
        if y < 1873 {
            return Err(WarekiError::OutOfRange);
        }
        let date =
            NaiveDate::from_ymd_opt(y, self.month, self.day).ok_or(WarekiError::NoSuchDate)?;
        let before_end = self.era.next().is_none_or(|n| date < n.start());
        if date >= self.era.start() && before_end {
            Ok(date)
        } else {
            Err(outside)
        }
    }
}

impl std::fmt::Display for Wareki {
    /// `令和元年5月1日`, `平成12年3月4日`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.era.name();
        if self.year == 1 {
            write!(f, "{name}元年{}月{}日", self.month, self.day)
        } else {
            write!(f, "{name}{}年{}月{}日", self.year, self.month, self.day)
        }
    }
}

/// Age in whole years on `on` for someone born on `birth` (Japanese law counts the
/// birthday's eve, but for the age shown to staff and the under-15 rule the calendar
/// birthday is what application forms use). `None` if `on` is before `birth`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    u32::try_from(age).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test dates are valid")
    }

    #[test]
    fn era_boundaries_convert_both_ways() {
        for (date, shown) in [
            (d(2019, 4, 30), "平成31年4月30日"),
            (d(2019, 5, 1), "令和元年5月1日"),
            (d(1989, 1, 7), "昭和64年1月7日"),
            (d(1989, 1, 8), "平成元年1月8日"),
            (d(1926, 12, 24), "大正15年12月24日"),
            (d(1926, 12, 25), "昭和元年12月25日"),
            (d(1912, 7, 29), "明治45年7月29日"),
            (d(1912, 7, 30), "大正元年7月30日"),
        ] {
            let w = Wareki::from_date(date).expect("dates after 1873 convert");
            assert_eq!(w.to_string(), shown, "{date} must show as {shown}");
            assert_eq!(w.to_date(), Ok(date), "{shown} must convert back to {date}");
        }
    }

    #[test]
    fn dates_outside_their_era_are_refused() {
        let w = Wareki {
            era: Era::Heisei,
            year: 31,
            month: 5,
            day: 1,
        };
        assert!(
            matches!(w.to_date(), Err(WarekiError::OutsideEra { .. })),
            "平成31年5月1日 is 令和元年: refuse, do not guess"
        );
        let w = Wareki {
            era: Era::Showa,
            year: 1,
            month: 12,
            day: 24,
        };
        assert!(
            matches!(w.to_date(), Err(WarekiError::OutsideEra { .. })),
            "昭和 began on 12/25"
        );
        let w = Wareki {
            era: Era::Reiwa,
            year: 5,
            month: 2,
            day: 30,
        };
        assert_eq!(w.to_date(), Err(WarekiError::NoSuchDate));
    }

    #[test]
    fn age_counts_whole_years_at_the_trip_date() {
        assert_eq!(
            age_on(d(2011, 11, 27), d(2026, 11, 26)),
            Some(14),
            "the day before the 15th birthday is still 14"
        );
        assert_eq!(age_on(d(2011, 11, 26), d(2026, 11, 26)), Some(15));
        assert_eq!(age_on(d(2012, 2, 29), d(2026, 2, 28)), Some(13));
        assert_eq!(
            age_on(d(2030, 1, 1), d(2026, 1, 1)),
            None,
            "birth after the trip is impossible"
        );
    }
}
