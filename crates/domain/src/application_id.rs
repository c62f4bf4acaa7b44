//! The 申請書ID: 23 decimal digits printed on the application form with a QR code.
//!
//! Its inner structure and any check digit are not public, so only the shape is
//! validated; the UI confirms it by a second entry or by reading the QR code.

use serde::{Deserialize, Serialize};

use crate::text::digits_only;

/// A validated 申請書ID: exactly 23 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApplicationId(String);

/// Why a text is not a 申請書ID. Messages are for staff, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationIdError {
    /// Something other than digits and separators was typed.
    #[error("申請書IDは数字だけで入力してください。")]
    NotDigits,
    /// The number of digits is not 23.
    #[error("申請書IDは23桁です（入力は{0}桁）。")]
    WrongLength(usize),
    /// The QR code holds no 23-digit number.
    #[error("このQRコードには申請書IDが含まれていません。")]
    NotInQrCode,
}

impl ApplicationId {
    /// Number of digits in every 申請書ID.
    pub const LEN: usize = 23;

    /// Parses typed input: full-width digits, spaces and hyphens are accepted and
    /// folded away; anything else is refused.
    pub fn parse(input: &str) -> Result<Self, ApplicationIdError> {
        let digits = digits_only(input).ok_or(ApplicationIdError::NotDigits)?;
        if digits.len() != Self::LEN {
            return Err(ApplicationIdError::WrongLength(digits.len()));
        }
        Ok(Self(digits))
    }

    /// Takes the 申請書ID from whatever a QR code on the form holds: the one maximal run of
    /// exactly 23 digits. None, or several different ones, is an error.
    pub fn from_qr_payload(payload: &str) -> Result<Self, ApplicationIdError> {
        let mut found: Option<String> = None;
        for run in payload.split(|c: char| !c.is_ascii_digit()) {
            if run.len() == Self::LEN {
                match &found {
                    Some(f) if f != run => return Err(ApplicationIdError::NotInQrCode),
                    _ => found = Some(run.to_owned()),
                }
            }
        }
        found.map(Self).ok_or(ApplicationIdError::NotInQrCode)
    }

    /// The 23 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ApplicationId {
    type Error = ApplicationIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ApplicationId> for String {
    fn from(value: ApplicationId) -> Self {
        value.0
    }
}

impl std::fmt::Display for ApplicationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_forms_fold_to_23_digits() {
        let id = ApplicationId::parse("１２３４ 5678-9012 3456 7890 123")
            .expect("23 digits with separators is valid");
        assert_eq!(id.as_str(), "12345678901234567890123");
    }

    #[test]
    fn wrong_length_and_letters_are_refused_with_reasons() {
        assert_eq!(
            ApplicationId::parse("1234"),
            Err(ApplicationIdError::WrongLength(4))
        );
        assert_eq!(
            ApplicationId::parse("1234567890123456789012a"),
            Err(ApplicationIdError::NotDigits)
        );
    }

    #[test]
    fn qr_payload_yields_the_single_23_digit_run() {
        let id = ApplicationId::from_qr_payload(
            "https://example.invalid/?id=12345678901234567890123&x=1",
        )
        .expect("the one 23-digit run is the ID");
        assert_eq!(id.as_str(), "12345678901234567890123");
        assert_eq!(
            ApplicationId::from_qr_payload("hello 123"),
            Err(ApplicationIdError::NotInQrCode)
        );
        assert_eq!(
            ApplicationId::from_qr_payload("12345678901234567890123 99999999999999999999999"),
            Err(ApplicationIdError::NotInQrCode),
            "two different IDs in one code are ambiguous and must not be guessed"
        );
    }
}
