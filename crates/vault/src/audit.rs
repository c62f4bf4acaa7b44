//! The audit log: every sign-in, failed attempt, lock and change, hash-chained.
//!
//! Each event's hash covers its own fields and the previous event's hash, so
//! [`verify`] finds an event that was edited, deleted from the middle or moved. (Cutting
//! events off the end leaves a shorter valid chain; the count the office receives with
//! each sync is what catches that.)

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::VaultError;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A staff member signed in.
    SignIn,
    /// A sign-in failed (recorded at the next successful sign-in).
    SignInFailed,
    /// The app locked itself after idle time.
    Lock,
    /// A staff member signed out.
    SignOut,
    /// A staff member was added to the tablet.
    StaffAdded,
    /// A staff member's password wrap was replaced.
    PasswordChanged,
    /// A staff member was removed from the tablet.
    StaffRemoved,
    /// The vault was created.
    VaultCreated,
    /// The vault's contents were exported (office recovery).
    Export,
    /// A record was created (as a draft).
    RecordCreated,
    /// A finalized record was opened for viewing.
    RecordViewed,
    /// A record was finalized.
    RecordFinalized,
    /// A finalized record was amended.
    RecordAmended,
    /// A sent record's personal data and photos were deleted from the tablet.
    Purged,
    /// The office revoked this tablet; the staff copies of the key were destroyed.
    DeviceRevoked,
}

impl Action {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::Lock => "lock",
            Action::SignOut => "sign_out",
            Action::StaffAdded => "staff_added",
            Action::PasswordChanged => "password_changed",
            Action::StaffRemoved => "staff_removed",
            Action::VaultCreated => "vault_created",
            Action::Export => "export",
            Action::RecordCreated => "record_created",
            Action::RecordViewed => "record_viewed",
            Action::RecordFinalized => "record_finalized",
            Action::Purged => "purged",
            Action::RecordAmended => "record_amended",
            Action::DeviceRevoked => "device_revoked",
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who; empty for events with no signed-in staff member.
    pub staff_id: String,
    /// What.
    pub action: String,
    /// Which record, staff member or object; an ID, never personal data.
    pub subject: String,
}

/// The chain is broken at `seq`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event {seq}")]
pub struct ChainBroken {
    /// The first event that does not fit.
    pub seq: i64,
}

use outreach_domain::audit_chain::event_hash as hash;

/// Appends an event inside the caller's transaction.
pub fn append(
    tx: &Transaction<'_>,
    at: DateTime<Utc>,
    staff_id: &str,
    action: Action,
    subject: &str,
) -> Result<(), VaultError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = last.map_or((1, Vec::new()), |(s, h)| (s + 1, h));
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let h = hash(&prev, seq, &at, staff_id, action.as_str(), subject);
    tx.execute(
        "INSERT INTO audit_events (seq, at, staff_id, action, subject, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![seq, at, staff_id, action.as_str(), subject, prev, h],
    )?;
    Ok(())
}

/// All events, oldest first.
pub fn events(conn: &Connection) -> Result<Vec<Event>, VaultError> {
    let mut stmt =
        conn.prepare("SELECT seq, at, staff_id, action, subject FROM audit_events ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok(Event {
            seq: r.get(0)?,
            at: r.get(1)?,
            staff_id: r.get(2)?,
            action: r.get(3)?,
            subject: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Checks the whole chain; returns the number of events.
pub fn verify(conn: &Connection) -> Result<Result<usize, ChainBroken>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, staff_id, action, subject, prev_hash, hash FROM audit_events ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev: Vec<u8> = Vec::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, staff, action, subject): (String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let (stored_prev, stored): (Vec<u8>, Vec<u8>) = (r.get(5)?, r.get(6)?);
        if seq != expected_seq
            || stored_prev != prev
            || stored != hash(&prev, seq, &at, &staff, &action, &subject)
        {
            return Ok(Err(ChainBroken { seq }));
        }
        prev = stored;
        expected_seq += 1;
    }
    Ok(Ok((expected_seq - 1) as usize))
}

/// An event with its stored hash, as it goes to the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    /// The event.
    pub event: Event,
    /// Its hash as stored (lowercase hex).
    pub hash: String,
}

const SENT_KEY: &str = "audit_sent_seq";

/// Up to `limit` events the office has not confirmed yet, oldest first.
pub fn unsent(conn: &Connection, limit: usize) -> Result<Vec<ChainedEvent>, VaultError> {
    let sent = sent_through(conn)?;
    let mut stmt = conn.prepare(
        "SELECT seq, at, staff_id, action, subject, hash FROM audit_events
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![sent, i64::try_from(limit).unwrap_or(i64::MAX)],
        |r| {
            let hash: Vec<u8> = r.get(5)?;
            Ok(ChainedEvent {
                event: Event {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    staff_id: r.get(2)?,
                    action: r.get(3)?,
                    subject: r.get(4)?,
                },
                hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The last event the office confirmed (0: none yet).
pub fn sent_through(conn: &Connection) -> Result<i64, VaultError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM vault_meta WHERE key = ?1",
            [SENT_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Notes that the office holds the chain up to `seq` (never moves back).
pub fn mark_sent(tx: &Transaction<'_>, seq: i64) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO vault_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value
         WHERE CAST(vault_meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        rusqlite::params![SENT_KEY, seq.to_string()],
    )?;
    Ok(())
}
