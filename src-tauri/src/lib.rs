//! The Outreach tablet app: a thin Tauri shell.
//!
//! Each command is one call into `crates/` plus an error conversion; no SQL, crypto or
//! image code lives here. The same `run` serves the desktop binary and, through
//! `mobile_entry_point`, the Android and iOS builds.

mod commands;
pub mod ipc;

use std::time::Duration;

/// Settings the app starts with.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The office server, until enrolment stores it in the vault (`OUTREACH_SERVER_URL`).
    pub server_url: Option<String>,
    /// How long a reachability probe may take before the server counts as unreachable.
    pub probe_timeout: Duration,
}

impl AppConfig {
    /// From the environment.
    pub fn from_env() -> Self {
        Self {
            server_url: std::env::var("OUTREACH_SERVER_URL")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            probe_timeout: Duration::from_secs(3),
        }
    }
}

/// Builds the app with its commands and state; `run` and the tests share it.
pub fn builder(config: AppConfig) -> tauri::Builder<tauri::Wry> {
    tauri::Builder::default()
        .manage(config)
        .invoke_handler(commands::handler())
}

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = builder(AppConfig::from_env()).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("outreach-app failed to start: {e}");
        std::process::exit(1);
    }
}
