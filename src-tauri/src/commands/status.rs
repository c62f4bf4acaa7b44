//! What the app is, and whether the office server can be reached.

use tauri::State;

use outreach_sync::Reachability;

use crate::ipc::{AppInfo, ServerStatus};
use crate::{AppConfig, Office};

/// The app's version, the office server it syncs with, and whether it has a vault.
#[tauri::command]
pub fn app_info(config: State<'_, AppConfig>, office: State<'_, Office>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        device_name: device_name(),
        server_url: office.current().map(|link| link.server_url),
        has_vault: config.vault_path.as_deref().is_some_and(|p| p.exists()),
        idle_lock_seconds: u32::try_from(config.idle_lock.as_secs()).unwrap_or(u32::MAX),
    }
}

/// Probes the office server now; the status bar calls this every few seconds.
#[tauri::command]
pub async fn server_status(
    office: State<'_, Office>,
) -> Result<ServerStatus, crate::ipc::IpcError> {
    let checked_at = chrono::Utc::now().to_rfc3339();
    let down = |message: &str| ServerStatus {
        reachable: false,
        server_version: None,
        storage: None,
        checked_at: checked_at.clone(),
        message: Some(message.to_owned()),
    };
    let Some(link) = office.current() else {
        return Ok(down("事務所サーバーが設定されていません。"));
    };
    Ok(match link.probe.probe().await {
        Reachability::Reachable(h) => ServerStatus {
            reachable: true,
            server_version: Some(h.version),
            storage: Some(h.storage.to_string()),
            checked_at: checked_at.clone(),
            message: None,
        },
        Reachability::Incompatible { .. } => {
            down("事務所サーバーのバージョンがこのアプリと合いません。アプリを更新してください。")
        }
        Reachability::Unreachable(why)
            if outreach_sync::api::ApiError::Unreachable(why.clone()).is_pin_mismatch() =>
        {
            down("サーバーの鍵が登録時のものと一致しません。事務所に連絡してください。")
        }
        Reachability::Unreachable(_) => {
            down("事務所サーバーに接続できません。電波の届く場所で自動的に再接続します。")
        }
    })
}

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "tablet".to_owned())
}
