//! Reading a postal code the way staff type it.

use crate::PostalError;

/// Characters accepted between the third and the fourth digit: the ASCII hyphen, the
/// full-width one an IME gives, the dashes and minus signs that look like it, the
/// katakana prolonged sound mark a kana IME gives for "-", and a space.
const SEPARATORS: &[char] = &[
    '-', '－', '‐', '‑', '‒', '–', '—', '―', '−', 'ー', 'ｰ', ' ', '\u{3000}',
];

/// The 7 digits of a postal code as typed by staff: `3730853`, `373-0853`,
/// `３７３－０８５３`, `〒373-0853`, with spaces around.
///
/// Only the code is normalised (full-width digits and hyphens to ASCII); one separator is
/// allowed, between the third and the fourth digit.
///
/// # Errors
/// [`PostalError::Malformed`] for anything that is not 7 digits in that shape.
pub fn normalize_code(input: &str) -> Result<String, PostalError> {
    let code = parse_code(input)?;
    Ok(format!("{code:07}"))
}

/// [`normalize_code`] as a number, the key the table is sorted by.
pub(crate) fn parse_code(input: &str) -> Result<u32, PostalError> {
    let input = input.trim();
    let input = input.strip_prefix('〒').unwrap_or(input).trim_start();
    let mut code = 0u32;
    let mut digits = 0;
    let mut separated = false;
    for c in input.chars() {
        let digit = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            '０'..='９' => u32::from(c) - u32::from('０'),
            _ if SEPARATORS.contains(&c) && digits == 3 && !separated => {
                separated = true;
                continue;
            }
            _ => return Err(PostalError::Malformed),
        };
        if digits == 7 {
            return Err(PostalError::Malformed);
        }
        code = code * 10 + digit;
        digits += 1;
    }
    if digits == 7 {
        Ok(code)
    } else {
        Err(PostalError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_staff_type_a_code_gives_the_same_digits() {
        for input in [
            "3730853",
            "373-0853",
            "３７３－０８５３",
            "３７３０８５３",
            "〒373-0853",
            "〒 373-0853",
            "  〒３７３ー０８５３　",
            "373 0853",
            "373　0853",
            "373−0853",
            "373‐0853",
        ] {
            assert_eq!(
                normalize_code(input),
                Ok("3730853".to_owned()),
                "{input:?} is how staff may type 373-0853, so it must read as that code"
            );
        }
    }

    #[test]
    fn leading_zeros_are_kept() {
        assert_eq!(
            normalize_code("001-0010"),
            Ok("0010010".to_owned()),
            "Hokkaido codes start with 0: the normalised code must keep 7 digits"
        );
    }

    #[test]
    fn anything_but_seven_digits_is_malformed() {
        for input in [
            "",
            "〒",
            "373085",
            "37308531",
            "373-08531",
            "abcdefg",
            "373-085a",
            "37-30853",
            "3730-853",
            "373--0853",
            "373-0853-",
            "-3730853",
            "373 - 0853",
            "3730853〒",
            "📮3730853",
            "373📮0853",
            "٣٧٣٠٨٥٣",
            "+373-0853",
        ] {
            assert_eq!(
                normalize_code(input),
                Err(PostalError::Malformed),
                "{input:?} is not a postal code, so staff must be told it needs 7 digits"
            );
        }
    }
}
