//! The tablets' own audit chains, checked as they arrive, and one person's trail of
//! tablet and office actions.

use outreach_domain::audit_chain::event_hash;
use outreach_protocol::console::TrailEntry;
use outreach_protocol::sync::{AuditFlag, AuditReceipt, ChainCheck, TabletAuditEvent};

use super::audit::{Actor, insert_audit};
use super::db::{args, from_row, work};
use super::devices::TABLET_OF;
use super::{Store, StoreError};

/// Which trail entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailFilter {
    /// Only this staff member's actions.
    pub staff_id: Option<String>,
    /// Only the actions on this tablet (any of its enrolments); office actions are
    /// left out then.
    pub device_id: Option<String>,
    /// From this time on (RFC 3339, stored format).
    pub from: Option<String>,
    /// Before this time.
    pub before: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

impl Store {
    /// Keeps the audit events a tablet sent, each checked against the chain the office
    /// holds for that tablet: an event that follows the last one held and whose hash
    /// fits is `intact`; one after missing events is a `gap`; one whose hash does not
    /// fit its fields, or that differs from the event held under its number, is
    /// `changed`. Flagged events are kept and marked, and the flag is audited.
    pub async fn put_tablet_audit(
        &self,
        device_id: &str,
        events: &[TabletAuditEvent],
        now: &str,
    ) -> Result<AuditReceipt, StoreError> {
        let (device_id, mut events, now) = (device_id.to_owned(), events.to_vec(), now.to_owned());
        events.sort_by_key(|e| e.seq);
        self.db
            .write(work!(|tx| {
                // The device's row lock: one batch per tablet at a time, so each sees the
                // chain the one before it left.
                let tablet: String = tx
                    .value(
                        &format!("SELECT {TABLET_OF} FROM devices WHERE device_id = ?1 FOR UPDATE"),
                        &[&device_id],
                    )
                    .await?;
                let mut last: Option<(i64, String)> = tx
                    .query_opt(
                        "SELECT seq, hash FROM tablet_audit WHERE tablet = ?1 ORDER BY seq DESC LIMIT 1",
                        &[&tablet],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .await?;
                let mut flagged = Vec::new();
                for e in &events {
                    let held: Option<(String, String, String, String, String)> = tx
                        .query_opt(
                            "SELECT hash, at, staff_id, action, subject FROM tablet_audit WHERE tablet = ?1 AND seq = ?2",
                            &[&tablet, &e.seq],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                        )
                        .await?;
                    if let Some(held) = held {
                        // Sent again: the same event is nothing new; another one is.
                        let same = (&e.hash, &e.at, &e.staff_id, &e.action, &e.subject);
                        if (&held.0, &held.1, &held.2, &held.3, &held.4) != same {
                            flagged.push(AuditFlag { seq: e.seq, check: ChainCheck::Changed });
                        }
                        continue;
                    }
                    let check = check(last.as_ref(), e);
                    tx.execute(
                        "INSERT INTO tablet_audit (tablet, seq, device_id, at, staff_id, action, subject, hash, chain, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        &[&tablet, &e.seq, &device_id, &e.at, &e.staff_id, &e.action, &e.subject, &e.hash,
                          &chain_name(check), &now],
                    )
                    .await?;
                    if check != ChainCheck::Intact {
                        flagged.push(AuditFlag { seq: e.seq, check });
                    }
                    if last.as_ref().is_none_or(|(seq, _)| e.seq > *seq) {
                        last = Some((e.seq, e.hash.clone()));
                    }
                }
                for f in &flagged {
                    let subject = format!("{tablet} #{} {}", f.seq, chain_name(f.check));
                    insert_audit(tx, &now, &Actor::Device(device_id.clone()), "tablet_audit_flagged", &subject)
                        .await?;
                }
                let held_through = last.map_or(0, |(seq, _)| seq);
                Ok(AuditReceipt { held_through, flagged })
            }))
            .await
    }

    /// Tablet and office actions, newest first: office actions by staff members (not
    /// the server's own, not the tablets' requests) and the events of the tablets'
    /// chains, each with the device it came from and what its check found.
    pub async fn trail(&self, f: &TrailFilter) -> Result<Vec<TrailEntry>, StoreError> {
        let sql = format!(
            "SELECT * FROM (
                 SELECT at, 'office' AS source, actor_id AS staff_id, NULL AS device_id, NULL AS device_name,
                        action, subject, NULL AS chain, client
                 FROM audit_events
                 WHERE actor_kind = 'staff' AND CAST(?2 AS TEXT) IS NULL AND (CAST(?1 AS TEXT) IS NULL OR actor_id = ?1)
                   AND (CAST(?3 AS TEXT) IS NULL OR at >= ?3) AND (CAST(?4 AS TEXT) IS NULL OR at < ?4)
                 UNION ALL
                 SELECT t.at, 'tablet', t.staff_id, t.device_id, d.name, t.action, t.subject, t.chain, NULL
                 FROM tablet_audit t JOIN devices d ON d.device_id = t.device_id
                 WHERE (CAST(?1 AS TEXT) IS NULL OR t.staff_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR t.tablet = (SELECT {TABLET_OF} FROM devices WHERE device_id = ?2))
                   AND (CAST(?3 AS TEXT) IS NULL OR t.at >= ?3) AND (CAST(?4 AS TEXT) IS NULL OR t.at < ?4)
             ) trail
             ORDER BY at COLLATE \"C\" DESC, source COLLATE \"C\" LIMIT ?5"
        );
        let args = args![
            f.staff_id.as_deref(),
            f.device_id.as_deref(),
            f.from.as_deref(),
            f.before.as_deref(),
            f.limit.max(0)
        ];
        self.db
            .rows(sql, args, |r| {
                Ok(from_row!(r => TrailEntry {
                    at, source, staff_id, device_id, device_name, action, subject, chain, client
                }))
            })
            .await
    }
}

/// How event `e` fits after the last event held (`None`: none yet).
fn check(last: Option<&(i64, String)>, e: &TabletAuditEvent) -> ChainCheck {
    let (expected, prev) = match last {
        None => (1, Vec::new()),
        Some((seq, hash)) => (seq + 1, unhex(hash)),
    };
    if e.seq != expected {
        return ChainCheck::Gap;
    }
    let fits = crate::auth::hex(&event_hash(
        &prev,
        e.seq,
        &e.at,
        &e.staff_id,
        &e.action,
        &e.subject,
    ));
    if fits == e.hash {
        ChainCheck::Intact
    } else {
        ChainCheck::Changed
    }
}

fn chain_name(c: ChainCheck) -> &'static str {
    match c {
        ChainCheck::Intact => "intact",
        ChainCheck::Gap => "gap",
        ChainCheck::Changed => "changed",
    }
}

/// Lowercase hex to bytes (the API checked the shape; anything else gives no bytes).
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}
