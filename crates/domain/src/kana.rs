//! フリガナ: what staff type becomes the katakana the form wants.
//!
//! Staff type hiragana with the IME, or half-width katakana from an old habit, or mix
//! full-width and half-width spaces. All of it becomes full-width katakana with single
//! full-width spaces between name parts. NFKC is applied here and only here: the
//! field may hold kana, the long-vowel mark, the middle dot and spaces, nothing else,
//! so there is no kanji for NFKC to damage.
//!
//! Hiragana to katakana is the fixed offset between the two Unicode blocks (U+3041–
//! U+3096 → U+30A1–U+30F6, plus ゝゞ → ヽヾ); wana_kana would do the same but also turns
//! romaji into kana, which a reading field must refuse rather than guess.

use unicode_normalization::UnicodeNormalization;

/// Why a text cannot be a フリガナ. Messages are for staff, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KanaError {
    /// Nothing was typed.
    #[error("フリガナを入力してください。")]
    Empty,
    /// A character that is not kana (kanji, letters, digits, symbols) was typed.
    #[error("フリガナはカタカナかひらがなで入力してください（「{0}」は使えません）。")]
    NotKana(char),
}

/// The full-width katakana reading of `input`, or which character is not allowed.
pub fn to_katakana_reading(input: &str) -> Result<String, KanaError> {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfkc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let k = hiragana_to_katakana(c);
        if !is_reading_char(k) {
            return Err(KanaError::NotKana(c));
        }
        if pending_space {
            out.push('\u{3000}');
            pending_space = false;
        }
        out.push(k);
    }
    if out.is_empty() {
        return Err(KanaError::Empty);
    }
    Ok(out)
}

/// Hiragana become the katakana at the same place in their block; anything else is
/// returned unchanged.
pub fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Katakana (ァ–ヺ, ヽヾ), the long-vowel mark and the middle dot.
fn is_reading_char(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | 'ヽ' | 'ヾ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hiragana_half_width_and_spaces_become_full_width_katakana() {
        assert_eq!(
            to_katakana_reading("おおた たろう").as_deref(),
            Ok("オオタ\u{3000}タロウ")
        );
        assert_eq!(
            to_katakana_reading("ｵｵﾀ ﾀﾛｳ").as_deref(),
            Ok("オオタ\u{3000}タロウ")
        );
        assert_eq!(
            to_katakana_reading("ｶﾞｯｺｳ").as_deref(),
            Ok("ガッコウ"),
            "half-width voiced marks must combine"
        );
        assert_eq!(
            to_katakana_reading("  すずき\u{3000}\u{3000} はなこ ").as_deref(),
            Ok("スズキ\u{3000}ハナコ"),
            "runs of mixed spaces collapse to one full-width space, ends trimmed"
        );
        assert_eq!(
            to_katakana_reading("ゔぁいおりん").as_deref(),
            Ok("ヴァイオリン")
        );
        assert_eq!(to_katakana_reading("さとー").as_deref(), Ok("サトー"));
    }

    #[test]
    fn kanji_letters_digits_and_emoji_are_refused_by_name() {
        assert_eq!(to_katakana_reading("太田"), Err(KanaError::NotKana('太')));
        assert_eq!(to_katakana_reading("ota"), Err(KanaError::NotKana('o')));
        assert_eq!(to_katakana_reading("タロウ1"), Err(KanaError::NotKana('1')));
        assert_eq!(
            to_katakana_reading("タロウ😀"),
            Err(KanaError::NotKana('😀'))
        );
        assert_eq!(to_katakana_reading(" \u{3000} "), Err(KanaError::Empty));
    }

    proptest! {
        /// Any hiragana text reads the same as its katakana twin, and the result is
        /// a fixed point (typing the output back in changes nothing).
        #[test]
        fn hiragana_and_katakana_agree_and_output_is_stable(s in "[ぁ-ゖー]{1,20}") {
            let from_hira = to_katakana_reading(&s).expect("hiragana is a reading");
            let kata: String = s.chars().map(hiragana_to_katakana).collect();
            prop_assert_eq!(&from_hira, &kata);
            let again = to_katakana_reading(&from_hira);
            prop_assert_eq!(again.as_deref(), Ok(from_hira.as_str()));
        }

        /// Half-width katakana always become full-width katakana of the same reading.
        #[test]
        fn half_width_katakana_become_full_width(s in "[ｦ-ﾝ]{1,20}") {
            let out = to_katakana_reading(&s).expect("half-width kana is a reading");
            let katakana = |c: char| ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー';
            prop_assert!(out.chars().all(katakana), "not all katakana: {}", out);
            prop_assert_eq!(out.chars().count(), s.chars().count());
        }
    }
}
