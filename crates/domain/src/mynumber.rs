//! The 個人番号 (Individual Number) guard.
//!
//! The software must never store a 個人番号. Any text a person can type is checked
//! here: a run of exactly 12 digits (half- or full-width, optionally written as three
//! groups of four separated by a space or a hyphen) whose check digit is valid is
//! refused. About one random 12-digit string in ten passes the check, so a hit is a
//! reason to block and explain, not proof. Longer digit runs (a 23-digit 申請書ID) are
//! not 12-digit runs and never trip the guard.

use crate::text::{fold_digits, is_group_separator};

/// A probable 個人番号 was found in a text. Carries no digits, so it can be logged or
/// shown without repeating the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("個人番号と思われる12桁の番号が含まれています。個人番号は入力・保存できません。")]
pub struct MyNumberFound;

/// True when the 12 digits carry a valid 個人番号 check digit.
///
/// The rule (from the 行政手続における特定の個人を識別するための番号の利用等に関する法律
/// 施行令): P(n) is the n-th of the first 11 digits counted from the right, Q(n) is n+1
/// for n ≤ 6 and n−5 for n ≥ 7, r = ΣP(n)Q(n) mod 11, check = 0 if r ≤ 1 else 11 − r.
pub fn check_digit_valid(digits: &[u8; 12]) -> bool {
    let sum: u32 = (1..=11u32)
        .map(|n| {
            let p = u32::from(digits[11 - n as usize]);
            let q = if n <= 6 { n + 1 } else { n - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    u32::from(digits[11]) == check
}

/// Scans `text` for a probable 個人番号.
pub fn contains_my_number(text: &str) -> bool {
    candidates(text).iter().any(check_digit_valid)
}

/// `Err(MyNumberFound)` when `text` holds a probable 個人番号; the caller refuses the
/// whole input and stores nothing.
pub fn refuse_my_number(text: &str) -> Result<(), MyNumberFound> {
    if contains_my_number(text) {
        Err(MyNumberFound)
    } else {
        Ok(())
    }
}

/// Every 12-digit candidate in `text`: a maximal run of 12 digits, or exactly three
/// maximal runs of four digits joined by single separators.
fn candidates(text: &str) -> Vec<[u8; 12]> {
    // Split into maximal digit runs, remembering whether each run is joined to the
    // previous one by exactly one separator character.
    struct Run {
        digits: Vec<u8>,
        joined_to_previous: bool,
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut separators_since_run = usize::MAX;
    let mut last_was_digit = false;
    for c in text.chars() {
        let c = fold_digits(c);
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            if !last_was_digit {
                current.clear();
            }
            current.push(d as u8);
            last_was_digit = true;
            continue;
        }
        if last_was_digit {
            let joined = runs.last().is_some_and(|_| separators_since_run == 1);
            runs.push(Run {
                digits: std::mem::take(&mut current),
                joined_to_previous: joined,
            });
            separators_since_run = 0;
        }
        last_was_digit = false;
        if is_group_separator(c) {
            separators_since_run = separators_since_run.saturating_add(1);
        } else {
            separators_since_run = usize::MAX;
        }
    }
    if last_was_digit {
        let joined = runs.last().is_some_and(|_| separators_since_run == 1);
        runs.push(Run {
            digits: current,
            joined_to_previous: joined,
        });
    }

    let mut found = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        if run.digits.len() == 12 {
            found.push(to_array(&run.digits));
        }
        // Three groups of four, not part of a longer chain of four-digit groups (a run of
        // another length beside them, such as a date or a count, does not extend it).
        let extends = |r: &Run| r.digits.len() == 4;
        let continues_before = run.joined_to_previous && i > 0 && extends(&runs[i - 1]);
        if run.digits.len() == 4 && !continues_before && i + 2 < runs.len() {
            let (b, c) = (&runs[i + 1], &runs[i + 2]);
            let continues_after = runs
                .get(i + 3)
                .is_some_and(|r| r.joined_to_previous && extends(r));
            if b.joined_to_previous
                && c.joined_to_previous
                && b.digits.len() == 4
                && c.digits.len() == 4
                && !continues_after
            {
                let all: Vec<u8> = run
                    .digits
                    .iter()
                    .chain(&b.digits)
                    .chain(&c.digits)
                    .copied()
                    .collect();
                found.push(to_array(&all));
            }
        }
    }
    found
}

fn to_array(digits: &[u8]) -> [u8; 12] {
    let mut a = [0u8; 12];
    a.copy_from_slice(digits);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_passes_and_its_variant_fails() {
        assert!(
            contains_my_number("123456789018"),
            "DOMAIN.md: 123456789018 has a valid check digit"
        );
        assert!(
            !contains_my_number("923456789018"),
            "DOMAIN.md: 923456789018 has an invalid check digit"
        );
    }

    #[test]
    fn grouped_and_full_width_forms_are_caught() {
        for s in [
            "1234 5678 9018",
            "1234-5678-9018",
            "１２３４５６７８９０１８",
            "１２３４－５６７８－９０１８",
            "番号は1234　5678　9018です",
            "tel 0276-00-0000 / 123456789018",
            // Regression (review): a neighbouring run of another length must not hide it.
            "2025-01-05 1234 5678 9018",
            "1234 5678 9018 2",
            "No.5 1234-5678-9018",
        ] {
            assert!(
                contains_my_number(s),
                "{s:?} holds a valid 個人番号 and must be refused"
            );
        }
    }

    #[test]
    fn application_ids_and_other_numbers_do_not_trip() {
        for s in [
            "12345678901234567890123",   // 23-digit 申請書ID
            "0123456789012345678901234", // longer runs
            "1234-5678-9018-1111",       // four groups: not a 12-digit number
            "12345 678 9018",            // wrong grouping
            "0276-12-3456",              // phone number
            "〒373-8718",
        ] {
            assert!(
                !contains_my_number(s),
                "{s:?} is not a 12-digit run and must pass"
            );
        }
    }

    #[test]
    fn a_twelve_digit_run_with_a_bad_check_digit_passes() {
        let bad = (0..10u8)
            .map(|d| format!("12345678901{d}"))
            .filter(|s| !contains_my_number(s))
            .count();
        assert_eq!(
            bad, 9,
            "exactly one of the ten possible last digits is the valid check digit"
        );
    }

    #[test]
    fn refusal_message_is_japanese_and_repeats_no_digits() {
        let msg = refuse_my_number("123456789018").unwrap_err().to_string();
        assert!(msg.contains("個人番号"), "staff must be told why: {msg}");
        assert!(
            !msg.contains("123456789018"),
            "the number must not be echoed back: {msg}"
        );
    }
}
