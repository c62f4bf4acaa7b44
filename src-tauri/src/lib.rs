//! The Outreach tablet app: a thin Tauri shell.
//!
//! Each command is one call into `crates/` plus an error conversion; no SQL, crypto or
//! image code lives here. The same `run` serves the desktop binary and, through
//! `mobile_entry_point`, the Android and iOS builds.

mod commands;
pub mod ipc;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use tauri::Manager;

/// Settings the app starts with.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The office server, until enrolment stores it in the vault (`OUTREACH_SERVER_URL`).
    pub server_url: Option<String>,
    /// How long a reachability probe may take before the server counts as unreachable.
    pub probe_timeout: Duration,
    /// The vault file (`OUTREACH_VAULT`); by default `vault.db` in the app's data folder.
    pub vault_path: Option<PathBuf>,
    /// Lock after this long without a touch or a key (`OUTREACH_IDLE_LOCK_SECS`, 300).
    pub idle_lock: Duration,
}

impl AppConfig {
    /// From the environment.
    pub fn from_env() -> Self {
        Self {
            server_url: std::env::var("OUTREACH_SERVER_URL")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            probe_timeout: Duration::from_secs(3),
            vault_path: std::env::var_os("OUTREACH_VAULT").map(PathBuf::from),
            idle_lock: Duration::from_secs(
                std::env::var("OUTREACH_IDLE_LOCK_SECS")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(300),
            ),
        }
    }
}

/// The client for the office server, made once at start (its TLS set-up is not free,
/// and the status bar probes every few seconds); `None` when no server is configured.
pub struct Office(pub Option<outreach_sync::OfficeClient>);

impl Office {
    fn from_config(config: &AppConfig) -> Self {
        let client = config.server_url.as_deref().and_then(|url| {
            outreach_sync::OfficeClient::new(url, config.probe_timeout)
                .map_err(
                    |e| tracing::error!(error = %e, "the office server client could not be made"),
                )
                .ok()
        });
        Self(client)
    }
}

/// The signed-in staff member's open vault; `None` while signed out or locked.
#[derive(Default)]
pub struct Session(pub Mutex<Option<outreach_vault::Vault>>);

/// Builds the app with its commands and state.
pub fn builder(mut config: AppConfig) -> tauri::Builder<tauri::Wry> {
    let office = Office::from_config(&config);
    tauri::Builder::default()
        .setup(move |app| {
            if config.vault_path.is_none() {
                let dir = app.path().app_data_dir()?;
                std::fs::create_dir_all(&dir)?;
                config.vault_path = Some(dir.join("vault.db"));
            }
            app.manage(config.clone());
            Ok(())
        })
        .manage(office)
        .manage(Session::default())
        .invoke_handler(commands::handler())
}

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    // Logs carry events and counts only, never what staff typed (see DESIGN.md, Logs).
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTREACH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let result = builder(AppConfig::from_env()).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("outreach-app failed to start: {e}");
        std::process::exit(1);
    }
}
