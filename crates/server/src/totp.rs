//! The optional second factor for supervisors: TOTP (RFC 6238; SHA-1, 6 digits, 30 s,
//! what every authenticator app reads from an `otpauth://` QR code), over `totp-rs`.
//! A code is accepted for the step before, at, or after now (clock drift), and only
//! for a step later than the last one accepted: a code works once.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::AppError;

/// The issuer shown in authenticator apps.
const ISSUER: &str = "Outreach";

fn totp(secret_b32: &str, staff_id: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("totp secret: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(ISSUER.into()),
        staff_id.into(),
    )
    .map_err(|e| AppError::Internal(format!("totp: {e}")))
}

/// A new random 160-bit secret, base32.
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

/// The `otpauth://totp/Outreach:<staff ID>?secret=…&issuer=Outreach` URI.
pub fn uri(secret_b32: &str, staff_id: &str) -> Result<String, AppError> {
    Ok(totp(secret_b32, staff_id)?.get_url())
}

/// The time step `code` is right for at `unix` seconds (one step either side), if any.
pub fn matching_step(secret_b32: &str, code: &str, unix: i64) -> Result<Option<i64>, AppError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret_b32, "x")?;
    let step = unix.div_euclid(30);
    Ok((step - 1..=step + 1).find(|s| {
        let at = u64::try_from(s * 30).unwrap_or(0);
        bool::from(t.generate(at).as_bytes().ct_eq(code.as_bytes()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to six digits (the RFC gives eight).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        for (unix, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let six = &eight[2..];
            assert_eq!(
                totp(&secret, "x").expect("totp").generate(unix),
                six,
                "at {unix}"
            );
            assert_eq!(
                matching_step(&secret, six, unix as i64).expect("ok"),
                Some(unix as i64 / 30)
            );
            assert_eq!(
                matching_step(&secret, six, unix as i64 + 95).expect("ok"),
                None,
                "three steps later"
            );
        }
        assert_eq!(matching_step(&secret, "12345a", 59).expect("ok"), None);
        assert!(
            uri(&secret, "boss01")
                .expect("uri")
                .starts_with("otpauth://totp/Outreach:boss01?secret=")
        );
    }
}
