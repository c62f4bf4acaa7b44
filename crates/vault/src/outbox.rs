//! What the sync engine reads and writes in the vault: the outbox of finalized
//! record versions with their photos, each item's state, the tus upload each photo
//! is going up in, and the enrolment with the office.
//!
//! States of an outbox item: `queued` (finalized, not yet sent), `sending` (records
//! or photos going up), `awaiting_confirmation` (sent; the manifest has not yet listed
//! it complete), `sent` (the manifest listed it and every photo: see
//! [`crate::records::mark_sent`]), `failed` (the office refused it; `reason` says why).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::VaultError;

/// One photo of an outbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPhoto {
    /// `original`, `digital` or `print`.
    pub role: String,
    /// SHA-256 of its bytes.
    pub sha256: [u8; 32],
    /// Its size in bytes.
    pub size: u64,
}

/// A finalized record version waiting for the office's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Record UUID.
    pub id: String,
    /// Version.
    pub version: i64,
    /// Trip.
    pub trip_id: String,
    /// Outbox state (see the module documentation).
    pub state: String,
    /// Why the last attempt failed, if it did.
    pub reason: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// The record's fields as stored: the exact JSON text that is hashed and sent.
    pub payload: String,
    /// Who wrote this version.
    pub created_by: String,
    /// When it was finalized (RFC 3339).
    pub finalized_at: String,
    /// For an amendment: its base version.
    pub base_version: Option<i64>,
    /// For an amendment: why.
    pub amend_reason: Option<String>,
    /// Its photos, by role.
    pub photos: Vec<OutboxPhoto>,
}

/// Every item not yet Sent, oldest first (amendments after their base).
pub fn pending(conn: &Connection) -> Result<Vec<OutboxItem>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT o.record_id, o.record_version, r.trip_id, o.state, o.reason, o.attempts, r.payload,
                r.created_by, COALESCE(r.finalized_at, r.created_at), r.base_version, r.amend_reason
         FROM outbox o JOIN records r ON r.id = o.record_id AND r.version = o.record_version
         WHERE o.state != 'sent'
         ORDER BY COALESCE(r.finalized_at, r.created_at), o.record_id, o.record_version",
    )?;
    let mut items: Vec<OutboxItem> = stmt
        .query_map([], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                version: r.get(1)?,
                trip_id: r.get(2)?,
                state: r.get(3)?,
                reason: r.get(4)?,
                attempts: r.get(5)?,
                payload: r.get(6)?,
                created_by: r.get(7)?,
                finalized_at: r.get(8)?,
                base_version: r.get(9)?,
                amend_reason: r.get(10)?,
                photos: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut photos = conn.prepare(
        "SELECT rp.role, rp.sha256, length(p.bytes) FROM record_photos rp JOIN photos p ON p.sha256 = rp.sha256
         WHERE rp.record_id = ?1 AND rp.record_version = ?2 ORDER BY rp.role",
    )?;
    for item in &mut items {
        item.photos = photos
            .query_map(params![item.id, item.version], |r| {
                let sha: Vec<u8> = r.get(1)?;
                Ok(OutboxPhoto {
                    role: r.get(0)?,
                    sha256: sha.try_into().unwrap_or([0; 32]),
                    size: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(items)
}

/// A record version the office refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Record UUID.
    pub id: String,
    /// Version.
    pub version: i64,
    /// The office's reason (its stable code, or a short English text).
    pub reason: Option<String>,
}

/// How many outbox items are in each state, for the sync panel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// Finalized, not yet sent.
    pub queued: u64,
    /// Going up.
    pub sending: u64,
    /// Sent; the office's manifest has not yet listed them complete.
    pub awaiting_confirmation: u64,
    /// Confirmed by the office (purged ones included).
    pub sent: u64,
    /// Refused by the office.
    pub failed: u64,
    /// The refused ones with their reasons, oldest first.
    pub failures: Vec<Failure>,
    /// When the office last confirmed a record (RFC 3339), if ever.
    pub last_sent_at: Option<String>,
}

impl Overview {
    /// Record versions the office does not hold complete yet.
    pub fn waiting(&self) -> u64 {
        self.queued + self.sending + self.awaiting_confirmation + self.failed
    }
}

/// Counts the outbox by state; no payloads are read.
pub fn overview(conn: &Connection) -> Result<Overview, VaultError> {
    let mut out = Overview::default();
    let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (state, n) = row?;
        let n = u64::try_from(n).unwrap_or(0);
        match state.as_str() {
            "queued" => out.queued += n,
            "sending" => out.sending += n,
            "awaiting_confirmation" => out.awaiting_confirmation += n,
            "sent" => out.sent += n,
            "failed" => out.failed += n,
            _ => {}
        }
    }
    let mut stmt = conn.prepare(
        "SELECT record_id, record_version, reason FROM outbox WHERE state = 'failed'
         ORDER BY updated_at, record_id, record_version",
    )?;
    out.failures = stmt
        .query_map([], |r| {
            Ok(Failure {
                id: r.get(0)?,
                version: r.get(1)?,
                reason: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    out.last_sent_at = conn.query_row("SELECT MAX(sent_at) FROM records", [], |r| r.get(0))?;
    Ok(out)
}

/// Sets an item's state; a `failed` state counts an attempt and keeps the reason.
pub fn set_state(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    state: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), VaultError> {
    tx.execute(
        "UPDATE outbox SET state = ?3, reason = ?4, updated_at = ?5,
                attempts = attempts + (CASE WHEN ?3 = 'failed' THEN 1 ELSE 0 END)
         WHERE record_id = ?1 AND record_version = ?2 AND state != 'sent'",
        params![id, version, state, reason, now.to_rfc3339()],
    )?;
    Ok(())
}

/// A photo's bytes.
pub fn photo(conn: &Connection, sha256: &[u8; 32]) -> Result<Option<Vec<u8>>, VaultError> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM photos WHERE sha256 = ?1",
            [&sha256[..]],
            |r| r.get(0),
        )
        .optional()?)
}

/// The tus upload a photo is going up in, if one was started: its URL and how many
/// bytes the tablet had sent into it (whether or not they arrived).
pub fn upload_url(
    conn: &Connection,
    sha256: &[u8; 32],
) -> Result<Option<(String, u64)>, VaultError> {
    Ok(conn
        .query_row(
            "SELECT url, attempted FROM photo_uploads WHERE sha256 = ?1",
            [&sha256[..]],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.try_into().unwrap_or(0))),
        )
        .optional()?)
}

/// Notes that the tablet is about to have sent `up_to` bytes of a photo's upload.
pub fn note_attempt(tx: &Transaction<'_>, sha256: &[u8; 32], up_to: u64) -> Result<(), VaultError> {
    tx.execute(
        "UPDATE photo_uploads SET attempted = MAX(attempted, ?2) WHERE sha256 = ?1",
        params![&sha256[..], i64::try_from(up_to).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Remembers (or, with `None`, forgets) the upload a photo is going up in.
pub fn set_upload_url(
    tx: &Transaction<'_>,
    sha256: &[u8; 32],
    url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), VaultError> {
    match url {
        Some(url) => tx.execute(
            "INSERT INTO photo_uploads (sha256, url, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at",
            params![&sha256[..], url, now.to_rfc3339()],
        )?,
        None => tx.execute(
            "DELETE FROM photo_uploads WHERE sha256 = ?1",
            [&sha256[..]],
        )?,
    };
    Ok(())
}

/// The tablet's enrolment with the office, kept inside the encrypted vault only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrolment {
    /// The office server's base URL.
    pub server_url: String,
    /// The SPKI pin from the QR code (`None` behind a TLS-terminating proxy... or in
    /// a plain-HTTP demo).
    pub spki_pin: Option<String>,
    /// The device's ID at the office.
    pub device_id: String,
    /// The device credential.
    pub credential: String,
    /// When the credential expires (RFC 3339).
    pub expires_at: String,
    /// From when the tablet renews the credential (RFC 3339; half its life). Absent in
    /// an enrolment stored before renewal existed: such a credential is renewed at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_after: Option<String>,
}

impl Enrolment {
    /// True when the credential is to be renewed at `now`.
    pub fn renewal_due(&self, now: DateTime<Utc>) -> bool {
        self.renew_after
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| t <= now)
    }

    /// Whole days until the credential expires (negative once expired); `None` when
    /// the stored time does not parse.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<i64> {
        DateTime::parse_from_rfc3339(&self.expires_at)
            .ok()
            .map(|t| {
                (t.with_timezone(&Utc) - now)
                    .num_seconds()
                    .div_euclid(86_400)
            })
    }
}

const ENROLMENT_KEY: &str = "enrolment";

/// The enrolment, if this tablet has one.
pub fn enrolment(conn: &Connection) -> Result<Option<Enrolment>, VaultError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT value FROM vault_meta WHERE key = ?1",
            [ENROLMENT_KEY],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j).map_err(|_| VaultError::Corrupt("stored enrolment".into()))
    })
    .transpose()
}

/// Stores (or, with `None`, deletes) the enrolment.
pub fn set_enrolment(
    tx: &Transaction<'_>,
    enrolment: Option<&Enrolment>,
) -> Result<(), VaultError> {
    match enrolment {
        Some(e) => {
            let json =
                serde_json::to_string(e).map_err(|_| VaultError::Corrupt("enrolment".into()))?;
            tx.execute(
                "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![ENROLMENT_KEY, json],
            )?
        }
        None => tx.execute("DELETE FROM vault_meta WHERE key = ?1", [ENROLMENT_KEY])?,
    };
    Ok(())
}

const DOCUMENT_RULES_KEY: &str = "document_rules";

/// The office's identity-document rule set as last downloaded (`None` before the
/// first sync: the app then uses the standard rule).
pub fn document_rules(conn: &Connection) -> Result<Option<serde_json::Value>, VaultError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT value FROM vault_meta WHERE key = ?1",
            [DOCUMENT_RULES_KEY],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j).map_err(|_| VaultError::Corrupt("stored document rules".into()))
    })
    .transpose()
}

/// Keeps the office's identity-document rule set for offline use.
pub fn set_document_rules(
    tx: &Transaction<'_>,
    rules: &serde_json::Value,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![DOCUMENT_RULES_KEY, rules.to_string()],
    )?;
    Ok(())
}
