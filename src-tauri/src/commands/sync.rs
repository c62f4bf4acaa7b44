//! The sync panel: where background sync stands, and "今すぐ送信".

use chrono::Utc;
use outreach_vault::outbox;
use tauri::State;

use crate::Session;
use crate::ipc::{IpcError, SyncStatus};
use crate::sync::SyncControl;

/// Where background sync stands, with the vault's outbox when someone is signed in.
/// The panel polls this about once a second (a command, not events: the window needs
/// no event permission).
#[tauri::command]
pub async fn sync_status(
    session: State<'_, Session>,
    sync: State<'_, SyncControl>,
) -> Result<SyncStatus, IpcError> {
    let (overview, days_left) = {
        let guard = session.0.lock().map_err(|_| IpcError::internal())?;
        let read = |vault: &outreach_vault::Vault| {
            let days = outbox::enrolment(vault.conn())?.and_then(|e| e.days_left(Utc::now()));
            Ok::<_, outreach_vault::VaultError>((outbox::overview(vault.conn())?, days))
        };
        match guard.as_ref().map(read).transpose().map_err(|e| {
            tracing::error!(error = %e, "reading the outbox for the sync panel");
            IpcError::internal()
        })? {
            Some((overview, days)) => (Some(overview), days),
            None => (None, None),
        }
    };
    Ok(sync.status(overview, days_left))
}

/// Starts a sync run now instead of at the next scheduled check.
#[tauri::command]
pub fn sync_now(sync: State<'_, SyncControl>) {
    sync.wake();
}
