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

/// Why a typed text cannot be kept. Messages are for staff, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A control character (often from pasted text) is in the field.
    #[error("見えない制御文字が含まれています。入力し直してください。")]
    ControlCharacter,
    /// An emoji or pictograph, which the form cannot carry.
    #[error("絵文字や記号「{0}」は使えません。")]
    Emoji(char),
    /// A probable 個人番号.
    #[error("個人番号と思われる12桁の番号が含まれています。個人番号は入力・保存できません。")]
    MyNumber,
    /// Longer than the field allows.
    #[error("{max}文字以内で入力してください（入力は{len}文字）。")]
    TooLong {
        /// The limit.
        max: usize,
        /// What was typed.
        len: usize,
    },
}

/// Cleans a free-text field (name, address, notes): full-width ASCII is folded to
/// ASCII, ends are trimmed, and control characters, emoji and a probable 個人番号 are
/// refused. Kanji are kept exactly as typed (no NFC/NFKC), and so are ideographic
/// variation selectors, which registered names can need. Line breaks are kept only
/// when `multiline`.
pub fn clean_text(input: &str, multiline: bool, max_chars: usize) -> Result<String, TextError> {
    let mut out = String::with_capacity(input.len());
    for c in input.trim().chars() {
        let c = fold_ascii_width(c);
        if c == '\n' && multiline {
            out.push(c);
            continue;
        }
        if c == '\r' && multiline {
            continue;
        }
        if c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        {
            return Err(TextError::ControlCharacter);
        }
        if is_emoji(c) {
            return Err(TextError::Emoji(c));
        }
        out.push(c);
    }
    let len = out.chars().count();
    if len > max_chars {
        return Err(TextError::TooLong {
            max: max_chars,
            len,
        });
    }
    crate::refuse_my_number(&out).map_err(|_| TextError::MyNumber)?;
    Ok(out)
}

/// Full-width ASCII (`！`–`～`) becomes ASCII; everything else, kanji included, stays.
pub fn fold_ascii_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Emoji and pictographs, the emoji presentation selector and the zero-width joiner
/// that glues emoji together. Ideographic variation selectors (U+E0100–) are not here.
fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{FE0F}'
        | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod clean_tests {
    use super::*;

    #[test]
    fn kanji_and_variation_selectors_are_kept_exactly() {
        let name = "\u{FA19}山 髙\u{E0100}";
        assert_eq!(clean_text(name, false, 50).as_deref(), Ok(name));
    }

    #[test]
    fn full_width_ascii_folds_and_ends_are_trimmed() {
        assert_eq!(
            clean_text(" 浜町１－２ＡＢ ", false, 50).as_deref(),
            Ok("浜町1-2AB")
        );
    }

    #[test]
    fn control_characters_emoji_and_my_number_are_refused() {
        assert_eq!(
            clean_text("太田\u{0007}", false, 50),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            clean_text("太田\u{202E}", false, 50),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            clean_text("a\nb", false, 50),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(clean_text("a\r\nb", true, 50).as_deref(), Ok("a\nb"));
        assert_eq!(clean_text("花子😀", false, 50), Err(TextError::Emoji('😀')));
        assert_eq!(
            clean_text("番号 1234 5678 9018", true, 50),
            Err(TextError::MyNumber)
        );
        assert!(matches!(
            clean_text("あいう", false, 2),
            Err(TextError::TooLong { max: 2, len: 3 })
        ));
    }
}

/// A phone number as typed, with full-width digits and odd hyphens folded: when
/// staff typed separators they are kept as ASCII hyphens, otherwise the bare digits.
pub fn format_phone(typed: &str, digits: &str) -> String {
    let mut out = String::with_capacity(typed.len());
    let mut last_sep = false;
    for c in typed.trim().chars() {
        let c = fold_digits(c);
        if c.is_ascii_digit() {
            out.push(c);
            last_sep = false;
        } else if is_group_separator(c) && !last_sep && !out.is_empty() {
            out.push('-');
            last_sep = true;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.chars().filter(char::is_ascii_digit).count() == digits.len() {
        out
    } else {
        digits.to_owned()
    }
}
