//! The server's audit trail: who did what, when, to which ID. Never personal data.

use outreach_protocol::console::AuditEvent;

use super::db::{Tx, args, work};
use super::{Store, StoreError};

/// Who did something, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An office staff member, by login ID.
    Staff(String),
    /// A tablet, by device ID.
    Device(String),
    /// The server itself (expiry, first start).
    System,
}

impl Actor {
    /// `staff`, `device` or `system`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Staff(_) => "staff",
            Actor::Device(_) => "device",
            Actor::System => "system",
        }
    }

    /// The staff or device ID; empty for the system.
    pub fn id(&self) -> &str {
        match self {
            Actor::Staff(id) | Actor::Device(id) => id,
            Actor::System => "",
        }
    }
}

/// One audit entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    /// RFC 3339.
    pub at: String,
    /// Who.
    pub actor: Actor,
    /// What, e.g. `login`.
    pub action: String,
    /// To what: an ID, never personal data.
    pub subject: String,
}

tokio::task_local! {
    /// The client address of the request being served (set by
    /// [`crate::http::client::remember`]); every unit of work started inside it
    /// carries it to the writer, and every audit event it records names it.
    pub static AUDIT_CLIENT: Option<String>;
}

/// The client address of the request this task serves, if any.
pub(super) fn current_client() -> Option<String> {
    AUDIT_CLIENT.try_with(Clone::clone).ok().flatten()
}

/// Records one audit event inside the unit of work that did the thing, with the
/// client address of the request that did it.
pub(super) async fn insert_audit(
    tx: &mut Tx<'_>,
    at: &str,
    actor: &Actor,
    action: &str,
    subject: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_events (at, actor_kind, actor_id, action, subject, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[&at, &actor.kind(), &actor.id(), &action, &subject, &current_client()],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Records one audit event.
    pub async fn audit(&self, event: &NewAudit) -> Result<(), StoreError> {
        let e = event.clone();
        self.db
            .write(work!(|tx| insert_audit(
                tx, &e.at, &e.actor, &e.action, &e.subject
            )
            .await))
            .await
    }

    /// The newest `limit` events, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        // PostgreSQL refuses a negative LIMIT; none is asked for then.
        self.db
            .rows(
                "SELECT seq, at, actor_kind, actor_id, action, subject, client FROM audit_events ORDER BY seq DESC LIMIT ?1",
                args![limit.max(0)],
                |r| {
                    Ok(AuditEvent {
                        seq: r.get(0)?,
                        at: r.get(1)?,
                        actor_kind: r.get(2)?,
                        actor_id: r.get(3)?,
                        action: r.get(4)?,
                        subject: r.get(5)?,
                        client: r.get(6)?,
                    })
                },
            )
            .await
    }
}
