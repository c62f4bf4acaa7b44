//! Enrolment: reading the text of the office's QR code, and turning what the office
//! sends a new tablet (roster, settings) into what the vault keeps. The app and the
//! headless tablet enrol through these same functions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use outreach_keys::PublicKey;
use outreach_protocol::sync::{
    DeviceSettings, ENROLMENT_KIND, EnrolmentCode, RetentionSetting, Roster,
};
use outreach_vault::RosterEntry;
use outreach_vault::records::Retention;

use crate::api::ApiError;
use crate::{ClientError, OfficeClient};

/// Why a text cannot be used to enrol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The text is not an Outreach enrolment code (another QR code, a cut-off paste,
    /// an `https://` server without its pin).
    #[error("not an Outreach enrolment code")]
    NotACode,
    /// The code's own expiry time has passed.
    #[error("the enrolment code expired at {0}")]
    Expired(String),
}

/// Reads the QR code's JSON text (`{"kind":"outreach-enrolment",…}`), checking that it
/// is complete and not yet expired at `now`.
pub fn parse_code(text: &str, now: DateTime<Utc>) -> Result<EnrolmentCode, CodeError> {
    let code: EnrolmentCode = serde_json::from_str(text.trim()).map_err(|_| CodeError::NotACode)?;
    let url_ok = code.server_url.starts_with("https://") || code.server_url.starts_with("http://");
    // An https server is trusted through its pin alone: without one there is nothing
    // to trust it with (the tablet consults no certificate authority).
    let pin_ok = code.spki_pin.is_some() || code.server_url.starts_with("http://");
    if code.kind != ENROLMENT_KIND || !url_ok || !pin_ok || code.code.trim().is_empty() {
        return Err(CodeError::NotACode);
    }
    if let Some(pin) = &code.spki_pin {
        crate::pin::parse_pin(pin).map_err(|_| CodeError::NotACode)?;
    }
    let expires = DateTime::parse_from_rfc3339(&code.expires_at)
        .map_err(|_| CodeError::NotACode)?
        .with_timezone(&Utc);
    if expires <= now {
        return Err(CodeError::Expired(code.expires_at));
    }
    Ok(code)
}

/// The client for an enrolled office: pinned to `pin` when there is one (always, for
/// `https://`), plain only for an `http://` server without a pin (a demo, or a server
/// behind a TLS-terminating proxy on the same machine).
pub fn client(
    server_url: &str,
    pin: Option<&str>,
    timeout: Duration,
) -> Result<OfficeClient, ClientError> {
    match pin {
        Some(pin) => OfficeClient::new_pinned(server_url, pin, timeout),
        None if server_url.starts_with("http://") => OfficeClient::new(server_url, timeout),
        None => Err(ClientError::Pin(crate::pin::PinError::Malformed)),
    }
}

/// The office's roster as the vault keeps it.
pub fn roster_entries(roster: Roster) -> Result<Vec<RosterEntry>, ApiError> {
    roster
        .staff
        .into_iter()
        .map(|s| {
            Ok(RosterEntry {
                public_key: serde_json::from_value(serde_json::Value::String(s.public_key))?,
                wrap: serde_json::from_value(s.key_wrap)?,
                staff_id: s.staff_id,
                name: s.name,
            })
        })
        .collect::<Result<_, serde_json::Error>>()
        .map_err(|e| ApiError::Server(format!("unreadable roster: {e}")))
}

/// The office recovery key every vault is sealed to.
pub fn office_key(settings: &DeviceSettings) -> Result<PublicKey, ApiError> {
    let key = settings
        .office_public_key
        .clone()
        .ok_or_else(|| ApiError::Server("the office has no recovery key yet".into()))?;
    serde_json::from_value(serde_json::Value::String(key))
        .map_err(|e| ApiError::Server(format!("unreadable office key: {e}")))
}

/// The office's retention setting as the vault's purge takes it.
pub fn retention(setting: &RetentionSetting) -> Retention {
    match setting {
        RetentionSetting::EndOfDay => Retention::EndOfDay,
        RetentionSetting::Hours { hours } => {
            Retention::For(chrono::Duration::hours(i64::from(*hours)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIN: &str = "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn text(kind: &str, url: &str, pin: Option<&str>, expires: &str) -> String {
        serde_json::json!({
            "kind": kind, "serverUrl": url, "spkiPin": pin, "code": "one-time", "expiresAt": expires
        })
        .to_string()
    }

    #[test]
    fn a_complete_code_is_read_with_surrounding_whitespace() {
        let t = text(
            "outreach-enrolment",
            "https://10.0.0.5:8620",
            Some(PIN),
            "2026-11-26T10:15:00Z",
        );
        let code = parse_code(&format!("\n  {t}\n"), at("2026-11-26T10:00:00Z")).expect("code");
        assert_eq!(code.server_url, "https://10.0.0.5:8620");
        assert_eq!(code.spki_pin.as_deref(), Some(PIN));
    }

    #[test]
    fn other_texts_are_not_codes() {
        let now = at("2026-11-26T10:00:00Z");
        let later = "2026-11-26T10:15:00Z";
        for (why, t) in [
            ("plain text", "ABCD-1234".to_owned()),
            (
                "another QR code's JSON",
                r#"{"url":"https://example.jp"}"#.to_owned(),
            ),
            (
                "another kind",
                text("wifi", "https://10.0.0.5", Some(PIN), later),
            ),
            (
                "https without a pin",
                text("outreach-enrolment", "https://10.0.0.5", None, later),
            ),
            (
                "a malformed pin",
                text(
                    "outreach-enrolment",
                    "https://10.0.0.5",
                    Some("sha256/x"),
                    later,
                ),
            ),
            (
                "not a URL",
                text("outreach-enrolment", "10.0.0.5:8620", Some(PIN), later),
            ),
            (
                "no expiry time",
                text("outreach-enrolment", "https://10.0.0.5", Some(PIN), "soon"),
            ),
        ] {
            assert_eq!(parse_code(&t, now), Err(CodeError::NotACode), "{why}");
        }
        let plain = text("outreach-enrolment", "http://127.0.0.1:8620", None, later);
        assert!(
            parse_code(&plain, now).is_ok(),
            "a plain-http server needs no pin"
        );
    }

    #[test]
    fn an_expired_code_says_so_before_any_network_call() {
        let t = text(
            "outreach-enrolment",
            "https://10.0.0.5",
            Some(PIN),
            "2026-11-26T10:15:00Z",
        );
        assert_eq!(
            parse_code(&t, at("2026-11-26T10:15:00Z")),
            Err(CodeError::Expired("2026-11-26T10:15:00Z".into()))
        );
    }

    #[test]
    fn retention_hours_become_a_duration() {
        assert_eq!(retention(&RetentionSetting::EndOfDay), Retention::EndOfDay);
        assert_eq!(
            retention(&RetentionSetting::Hours { hours: 48 }),
            Retention::For(chrono::Duration::hours(48))
        );
    }
}
