//! The rule every new or changed staff password must meet, in one place for the
//! console and the command line.
//!
//! A staff password logs in at the console and also unwraps that person's key to every
//! tablet vault, so a stolen tablet's wraps can be guessed offline: the rule refuses
//! what a guesser tries first. It is checked on the password as the KDF sees it
//! ([`fold_password`]), so 全角 typing does not make a weak password look new.
//!
//! Guessability is estimated by zxcvbn (Dropbox's estimator: common-password and word
//! lists, keyboard runs, repeats, sequences, dates, l33t), with the staff ID, the name
//! and this software's own words as extra dictionary entries.

use crate::fold_password;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The lowest zxcvbn score accepted (0 to 4): 3 is "safely unguessable", about
/// 10^10 guesses.
const MIN_SCORE: u8 = 3;

/// Words anyone attacking this office would try with a number after them.
const LOCAL_WORDS: &[&str] = &[
    "outreach",
    "mynumber",
    "my number",
    "maina",
    "mainanbaa",
    "ota",
    "otashi",
    "gunma",
    "shucchou",
    "shinsei",
];

/// Why a password is refused. Each has a stable [`WeakPassword::code`] the console
/// turns into a Japanese message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("a password has at least {0} characters")]
    TooShort(usize),
    /// The password is the staff ID, or holds it.
    #[error("a password must not contain the staff ID")]
    HoldsStaffId,
    /// A common password, a keyboard run, a repeat or a sequence, or a word with a
    /// number after it.
    #[error(
        "this password is too easy to guess (a common password, a keyboard run, repeated or sequential characters, or a name or word with a number): choose a longer phrase"
    )]
    Guessable,
}

impl WeakPassword {
    /// The stable code an API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            WeakPassword::TooShort(_) => "password_too_short",
            WeakPassword::HoldsStaffId => "password_holds_staff_id",
            WeakPassword::Guessable => "password_guessable",
        }
    }
}

/// Checks a new password for the staff member `staff_id` named `name`.
///
/// # Errors
/// [`WeakPassword`] says which part of the rule failed.
pub fn check_new_password(password: &str, staff_id: &str, name: &str) -> Result<(), WeakPassword> {
    let folded = fold_password(password);
    if folded.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort(MIN_PASSWORD_CHARS));
    }
    let id = staff_id.trim().to_lowercase();
    if !id.is_empty() && folded.to_lowercase().contains(&id) {
        return Err(WeakPassword::HoldsStaffId);
    }
    let mut inputs: Vec<&str> = LOCAL_WORDS.to_vec();
    inputs.push(staff_id);
    inputs.extend(name.split_whitespace());
    if (zxcvbn::zxcvbn(&folded, &inputs).score() as u8) < MIN_SCORE {
        return Err(WeakPassword::Guessable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivial_and_common_passwords_are_refused() {
        for weak in [
            "1111111111",
            "password12",
            "Password1!",
            "passw0rd123",
            "qwertyuiop",
            "1qaz2wsx3edc",
            "asdfghjkl;",
            "aaaaaaaaaaaa",
            "1234567890",
            "abcdefghij",
            "ab12ab12ab12",
            "iloveyou2026",
            "outreach2026",
            "mynumber2026",
            "ｐａｓｓｗｏｒｄ１２",
        ] {
            assert_eq!(
                check_new_password(weak, "tanaka01", "田中 一郎"),
                Err(WeakPassword::Guessable),
                "{weak:?} is among the first guesses and must be refused"
            );
        }
    }

    #[test]
    fn short_passwords_and_the_staff_id_are_refused() {
        assert_eq!(
            check_new_password("Xk9#mQ2", "tanaka01", "田中"),
            Err(WeakPassword::TooShort(MIN_PASSWORD_CHARS)),
            "length comes first, whatever the characters"
        );
        assert_eq!(
            check_new_password("tanaka01tanaka01", "tanaka01", "田中"),
            Err(WeakPassword::HoldsStaffId)
        );
        assert_eq!(
            check_new_password("my-TANAKA01-key!", "tanaka01", "田中"),
            Err(WeakPassword::HoldsStaffId),
            "the ID inside, in any case, is refused too"
        );
    }

    #[test]
    fn phrases_and_random_passwords_are_accepted() {
        for good in [
            "correct horse battery",
            "office-pass-1",
            "supervisor-pass-1",
            "金庫の合言葉 correct horse",
            "v7#Lq2!mZp9w",
            "secret-password-鷺",
        ] {
            assert_eq!(
                check_new_password(good, "tanaka01", "田中 一郎"),
                Ok(()),
                "{good:?} is hard to guess and must be accepted"
            );
        }
    }

    #[test]
    fn every_refusal_has_a_stable_code() {
        assert_eq!(WeakPassword::TooShort(10).code(), "password_too_short");
        assert_eq!(WeakPassword::HoldsStaffId.code(), "password_holds_staff_id");
        assert_eq!(WeakPassword::Guessable.code(), "password_guessable");
    }
}
