//! The sync panel: where background sync stands, and "今すぐ送信".

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
    let overview = {
        let guard = session.0.lock().map_err(|_| IpcError::internal())?;
        guard
            .as_ref()
            .map(|vault| outbox::overview(vault.conn()))
            .transpose()
            .map_err(|e| {
                tracing::error!(error = %e, "reading the outbox for the sync panel");
                IpcError::internal()
            })?
    };
    Ok(sync.status(overview))
}

/// Starts a sync run now instead of at the next scheduled check.
#[tauri::command]
pub fn sync_now(sync: State<'_, SyncControl>) {
    sync.wake();
}
