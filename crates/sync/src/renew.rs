//! Keeping the device credential alive over a contract year: renewed on any sync once
//! half its life has passed, long before it expires.

use chrono::{DateTime, Utc};
use outreach_vault::outbox::{self, Enrolment};

use crate::OfficeClient;
use crate::engine::{SyncError, VaultAccess};

/// From how many days before expiry the tablet warns a supervisor (status area).
pub const WARN_DAYS: i64 = 14;

/// Renews the credential when it is due: the office issues a new one, the vault keeps
/// it, and the one in use works until the office sees the new one used. So a lost
/// answer, or a vault that locks before the write, strands nothing: the next sync
/// renews again. Returns the enrolment to go on with (the renewed one, or the one
/// given when nothing was due).
pub async fn renew_if_due(
    vault: &impl VaultAccess,
    office: &OfficeClient,
    enrolment: Enrolment,
    now: DateTime<Utc>,
) -> Result<Enrolment, SyncError> {
    if !enrolment.renewal_due(now) {
        return Ok(enrolment);
    }
    let renewed = office.renew_credential(&enrolment.credential).await?;
    let e = Enrolment {
        device_id: renewed.device_id,
        credential: renewed.credential,
        expires_at: renewed.expires_at,
        renew_after: Some(renewed.renew_after),
        ..enrolment
    };
    vault.with_vault(|v| v.write(|tx, _| outbox::set_enrolment(tx, Some(&e))))?;
    // Kept: use it once at once, so the office ends the old one now rather than at the
    // next request. If this fails, the next request confirms it.
    if let Err(err) = office.device(&e.credential).await {
        tracing::debug!(error = %err, "confirming the renewed credential; the next request will");
    }
    tracing::info!(expires_at = %e.expires_at, "device credential renewed");
    Ok(e)
}
