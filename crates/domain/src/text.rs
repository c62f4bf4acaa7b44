//! Width folding for the characters staff type into number-like fields.
//!
//! Only digits, ASCII and separators are folded here. Kanji are never normalised
//! (NFC/NFKC would turn compatibility ideographs in registered names into other code
//! points), so nothing in this module touches them.

/// Folds full-width digits (`０`–`９`) to ASCII digits and leaves everything else alone.
pub fn fold_digits(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        _ => c,
    }
}

/// True for the separators people put between groups of digits: spaces (half- and
/// full-width) and the hyphen-like marks a Japanese IME produces.
pub fn is_group_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '-'
            | '\u{FF0D}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
            | '\u{30FC}'
            | '\u{FF70}'
    )
}

/// Returns only the digits of `s` (full-width folded to ASCII) when `s` consists of
/// digits and group separators alone; `None` when anything else is present.
pub fn digits_only(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = fold_digits(c);
        if c.is_ascii_digit() {
            out.push(c);
        } else if !is_group_separator(c) {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_fold_and_kanji_stay() {
        assert_eq!(fold_digits('７'), '7', "full-width 7 must become ASCII 7");
        assert_eq!(fold_digits('神'), '神', "kanji must never be changed");
        assert_eq!(
            fold_digits('\u{FA19}'),
            '\u{FA19}',
            "a compatibility ideograph must survive"
        );
    }

    #[test]
    fn digits_only_accepts_separators_and_refuses_letters() {
        assert_eq!(digits_only("０１２ 3-4").as_deref(), Some("01234"));
        assert_eq!(
            digits_only("12a4"),
            None,
            "a letter means this is not a number field"
        );
    }
}
