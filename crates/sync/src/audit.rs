//! The tablet's audit chain goes to the office on every sync: the events it has not
//! confirmed yet, in chain order, each with the hash the tablet stored. The office
//! checks them against the chain it holds and flags what does not fit.

use outreach_protocol::sync::{MAX_AUDIT_EVENTS, TabletAuditEvent};
use outreach_vault::audit;

use crate::OfficeClient;
use crate::engine::{SyncError, VaultAccess};

/// Sends every unconfirmed event; answers how many the office now holds anew. A
/// flagged event is held too (the office keeps it, marked), so the tablet moves on.
pub async fn send(
    vault: &(impl VaultAccess + ?Sized),
    client: &OfficeClient,
    credential: &str,
) -> Result<usize, SyncError> {
    let mut sent = 0;
    loop {
        let batch = vault.with_vault(|v| audit::unsent(v.conn(), MAX_AUDIT_EVENTS))?;
        let Some(last) = batch.last().map(|e| e.event.seq) else {
            return Ok(sent);
        };
        let events: Vec<TabletAuditEvent> = batch
            .into_iter()
            .map(|e| TabletAuditEvent {
                seq: e.event.seq,
                at: e.event.at,
                staff_id: e.event.staff_id,
                action: e.event.action,
                subject: e.event.subject,
                hash: e.hash,
            })
            .collect();
        let receipt = client.put_audit(credential, &events).await?;
        if !receipt.flagged.is_empty() {
            tracing::warn!(
                flagged = receipt.flagged.len(),
                "the office flagged audit events that do not fit its chain"
            );
        }
        let through = receipt.held_through.min(last);
        vault.with_vault(|v| v.write(|tx, _| audit::mark_sent(tx, through)))?;
        sent += events.len();
        if through < last {
            // The office held less than was sent: try again at the next run.
            return Ok(sent);
        }
    }
}
