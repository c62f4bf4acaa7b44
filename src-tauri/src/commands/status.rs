//! What the app is, and whether the office server can be reached.

use tauri::State;

use crate::AppConfig;
use crate::ipc::{AppInfo, ServerStatus};

/// The app's version and the office server it syncs with.
#[tauri::command]
pub fn app_info(config: State<'_, AppConfig>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        device_name: device_name(),
        server_url: config.server_url.clone(),
        idle_lock_seconds: u32::try_from(config.idle_lock.as_secs()).unwrap_or(u32::MAX),
    }
}

/// Probes the office server now; the status bar calls this every few seconds.
#[tauri::command]
pub async fn server_status(
    config: State<'_, AppConfig>,
) -> Result<ServerStatus, crate::ipc::IpcError> {
    let checked_at = chrono::Utc::now().to_rfc3339();
    let Some(url) = config.server_url.clone() else {
        return Ok(ServerStatus {
            reachable: false,
            server_version: None,
            storage: None,
            checked_at,
            message: Some("事務所サーバーが設定されていません。".to_owned()),
        });
    };
    let client = outreach_sync::OfficeClient::new(&url, config.probe_timeout)
        .map_err(|_| crate::ipc::IpcError::internal())?;
    let unreachable = |message: &str| ServerStatus {
        reachable: false,
        server_version: None,
        storage: None,
        checked_at: checked_at.clone(),
        message: Some(message.to_owned()),
    };
    Ok(match client.probe().await {
        outreach_sync::Reachability::Reachable(h) => ServerStatus {
            reachable: true,
            server_version: Some(h.version),
            storage: Some(h.storage.to_string()),
            checked_at,
            message: None,
        },
        outreach_sync::Reachability::Incompatible { .. } => unreachable(
            "事務所サーバーのバージョンがこのアプリと合いません。アプリを更新してください。",
        ),
        outreach_sync::Reachability::Unreachable(_) => {
            unreachable("事務所サーバーに接続できません。電波の届く場所で自動的に再接続します。")
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
