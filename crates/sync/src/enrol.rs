//! Enrolling a tablet: the QR code's text in, an enrolled vault out. Shared by the
//! app and the headless tablet (`outreach sim`).

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use outreach_keys::{KdfParams, PasswordWrap};
use outreach_protocol::sync::{DeviceCredential, ENROLMENT_KIND, EnrolmentCode, Roster};
use outreach_vault::outbox::{self, Enrolment};
use outreach_vault::{Policy, RosterEntry, Vault, VaultError};

use crate::OfficeClient;
use crate::api::ApiError;
use crate::engine::{SyncError, VaultAccess};

/// Why enrolment failed.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    /// The text is not an enrolment code.
    #[error("not an Outreach enrolment code")]
    NotACode,
    /// An https server without a pin: the tablet would not know whom to trust.
    #[error("the enrolment code carries no pin for an https server")]
    NoPin,
    /// The client could not be made (a malformed pin, for one).
    #[error(transparent)]
    Client(#[from] crate::ClientError),
    /// The office refused or could not be reached.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The office's roster or key could not be read.
    #[error("the office sent an unreadable {0}")]
    Unreadable(&'static str),
    /// A staff member's wrap is cheaper than RFC 9106's second profile: refused, since
    /// a lost tablet's wraps must stay expensive to guess.
    #[error(
        "the office sent a key wrap for staff {0} below the Argon2id floor (m = 64 MiB, t = 3, p = 4)"
    )]
    WeakKdf(String),
    /// The vault refused (a wrong password, a staff ID not on the roster, …).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The tablet locked before the new enrolment could be kept: enrol again after
    /// signing in (the code was used; the office issues a new one).
    #[error("the tablet locked during enrolment")]
    Locked,
}

/// What an enrolment code says: the server, its pin, the one-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeText {
    /// Server base URL.
    pub server_url: String,
    /// SPKI pin, if any.
    pub spki_pin: Option<String>,
    /// The one-time code.
    pub code: String,
}

/// Reads the QR code's JSON text.
pub fn parse_code(text: &str) -> Result<CodeText, EnrolError> {
    let code: EnrolmentCode =
        serde_json::from_str(text.trim()).map_err(|_| EnrolError::NotACode)?;
    if code.kind != ENROLMENT_KIND || code.code.is_empty() {
        return Err(EnrolError::NotACode);
    }
    Ok(CodeText {
        server_url: code.server_url,
        spki_pin: code.spki_pin,
        code: code.code,
    })
}

/// The client for a server: pinned for https, plain only for http.
pub fn client(
    server_url: &str,
    pin: Option<&str>,
    timeout: Duration,
) -> Result<OfficeClient, EnrolError> {
    match pin {
        Some(pin) => Ok(OfficeClient::new_pinned(server_url, pin, timeout)?),
        None if server_url.starts_with("https://") => Err(EnrolError::NoPin),
        None => Ok(OfficeClient::new(server_url, timeout)?),
    }
}

/// The roster as the vault takes it. A wrap cheaper than the Argon2id floor (RFC 9106
/// second profile) is refused: the office never makes one, so it means a misconfigured
/// or hostile server.
pub fn roster_entries(roster: Roster) -> Result<Vec<RosterEntry>, EnrolError> {
    roster
        .staff
        .into_iter()
        .map(|s| {
            let wrap: PasswordWrap = serde_json::from_value(s.key_wrap)
                .map_err(|_| EnrolError::Unreadable("key wrap"))?;
            if !wrap.kdf.at_least(KdfParams::RFC9106_SECOND) {
                return Err(EnrolError::WeakKdf(s.staff_id));
            }
            Ok(RosterEntry {
                public_key: serde_json::from_value(serde_json::Value::String(s.public_key))
                    .map_err(|_| EnrolError::Unreadable("public key"))?,
                wrap,
                staff_id: s.staff_id,
                name: s.name,
            })
        })
        .collect()
}

fn enrolment(code: &CodeText, credential: DeviceCredential) -> Enrolment {
    Enrolment {
        server_url: code.server_url.clone(),
        spki_pin: code.spki_pin.clone(),
        device_id: credential.device_id,
        credential: credential.credential,
        expires_at: credential.expires_at,
        renew_after: Some(credential.renew_after),
    }
}

/// Enrols a new tablet: redeems the code, fetches the roster and the office key,
/// creates the vault at `db` sealed to them, signs `staff_id` in and stores the
/// enrolment inside the vault. Returns the open vault.
pub async fn enrol_new_tablet(
    code: &CodeText,
    db: &Path,
    staff_id: &str,
    password: &str,
) -> Result<Vault, EnrolError> {
    let office = client(
        &code.server_url,
        code.spki_pin.as_deref(),
        Duration::from_secs(30),
    )?;
    // The vault's id names the tablet to the office from its first enrolment on.
    let tablet = Vault::new_id()?;
    let credential = office.enrol(&code.code, Some(&tablet), None).await?;
    let roster = office.roster(&credential.credential).await?;
    let settings = office.settings(&credential.credential).await?;
    let office_key = settings
        .office_public_key
        .ok_or(EnrolError::Unreadable("office key (none yet)"))?;
    let office_key = serde_json::from_value(serde_json::Value::String(office_key))
        .map_err(|_| EnrolError::Unreadable("office key"))?;
    Vault::create_identified(
        db,
        &tablet,
        &office_key,
        &roster_entries(roster)?,
        Utc::now(),
    )?;
    let mut vault = Vault::sign_in(db, staff_id, password, Utc::now(), Policy::default())?;
    let e = enrolment(code, credential);
    vault.write(|tx, _| outbox::set_enrolment(tx, Some(&e)))?;
    Ok(vault)
}

/// Enrols an existing vault again (or for the first time, when it has no enrolment):
/// its credential expired or was revoked, the server was re-keyed, or the tablet moves
/// to another office server. The vault keeps everything it holds (roster, drafts,
/// unsent records, which then sync once: the office's idempotence makes the re-send
/// safe), and the office links the new device to the one it was through the vault's
/// id, so the tablet's records stay its own.
///
/// The vault is reached only between network calls ([`VaultAccess`]), so the app can
/// pass its session while sync goes on.
pub async fn enrol_vault(
    code: &CodeText,
    vault: &impl VaultAccess,
) -> Result<Enrolment, EnrolError> {
    let office = client(
        &code.server_url,
        code.spki_pin.as_deref(),
        Duration::from_secs(30),
    )?;
    let (tablet, previous) = vault
        .with_vault(|v| {
            let previous = outbox::enrolment(v.conn())?.map(|e| e.device_id);
            Ok((v.vault_id().to_owned(), previous))
        })
        .map_err(locked)?;
    let credential = office
        .enrol(&code.code, Some(&tablet), previous.as_deref())
        .await?;
    let e = enrolment(code, credential);
    vault
        .with_vault(|v| v.write(|tx, _| outbox::set_enrolment(tx, Some(&e))))
        .map_err(locked)?;
    Ok(e)
}

fn locked(e: SyncError) -> EnrolError {
    match e {
        SyncError::Vault(v) => EnrolError::Vault(v),
        SyncError::Api(a) => EnrolError::Api(a),
        SyncError::Locked => EnrolError::Locked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_enrolment_code_is_taken() {
        let good = r#"{"kind":"outreach-enrolment","serverUrl":"https://10.0.0.5:8620","spkiPin":"sha256/abc","code":"x","expiresAt":"2026-11-26T00:00:00Z"}"#;
        assert_eq!(
            parse_code(good).expect("a code").server_url,
            "https://10.0.0.5:8620"
        );
        for bad in [
            "",
            "https://example.com",
            r#"{"kind":"other","serverUrl":"x","code":"y","expiresAt":"z"}"#,
        ] {
            assert!(
                matches!(parse_code(bad), Err(EnrolError::NotACode)),
                "{bad}"
            );
        }
        assert!(matches!(
            client("https://10.0.0.5", None, Duration::from_secs(1)),
            Err(EnrolError::NoPin)
        ));
    }
}
