//! The Outreach tablet app: a thin Tauri shell.
//!
//! Each command is one call into `crates/` plus an error conversion; no SQL, crypto or
//! image code lives here. The same `run` serves the desktop binary and, through
//! `mobile_entry_point`, the Android and iOS builds.

mod commands;
pub mod ipc;
pub mod lifecycle;
pub mod sync;
#[cfg(target_os = "linux")]
mod webkit;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use tauri::Manager;

/// Settings the app starts with.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A plain-HTTP office server for development (`OUTREACH_SERVER_URL`); an enrolled
    /// tablet uses the server and pin its vault holds.
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

/// The link to the office server: its clients, made once per server (their TLS set-up
/// is not free, and the status bar probes every few seconds). Known from the vault's
/// enrolment once a staff member has signed in, and kept after sign-out (a URL and a
/// pin are not secret); `OUTREACH_SERVER_URL` gives a plain-HTTP one for development.
pub struct Office {
    link: std::sync::RwLock<Option<Link>>,
    probe_timeout: Duration,
}

/// One office server and the clients that talk to it.
#[derive(Clone)]
pub struct Link {
    /// Its base URL.
    pub server_url: String,
    /// The SPKI pin from enrolment, if any.
    pub spki_pin: Option<String>,
    /// For reachability probes: a short timeout.
    pub probe: outreach_sync::OfficeClient,
    /// For sync runs: a timeout long enough for a photo on a slow link.
    pub sync: outreach_sync::OfficeClient,
}

/// How long one sync request may take before the link counts as stalled.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

impl Office {
    /// No office known yet; probes give up after `probe_timeout`.
    pub fn new(probe_timeout: Duration) -> Self {
        Self {
            link: std::sync::RwLock::new(None),
            probe_timeout,
        }
    }

    fn from_config(config: &AppConfig) -> Self {
        let office = Self::new(config.probe_timeout);
        if let Some(url) = config.server_url.as_deref()
            && let Err(e) = office.link_to(url, None)
        {
            tracing::error!(error = %e, "the office server client could not be made");
        }
        office
    }

    /// The current link, if the office is known.
    pub fn current(&self) -> Option<Link> {
        self.link.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The link to `server_url` with `spki_pin`, made (and kept) unless it is the
    /// current one already.
    pub fn link_to(
        &self,
        server_url: &str,
        spki_pin: Option<&str>,
    ) -> Result<Link, outreach_sync::enrol::EnrolError> {
        if let Some(link) = self.current()
            && link.server_url == server_url
            && link.spki_pin.as_deref() == spki_pin
        {
            return Ok(link);
        }
        let client = |timeout| outreach_sync::enrol::client(server_url, spki_pin, timeout);
        let link = Link {
            server_url: server_url.to_owned(),
            spki_pin: spki_pin.map(str::to_owned),
            probe: client(self.probe_timeout)?,
            sync: client(SYNC_TIMEOUT)?,
        };
        *self.link.write().unwrap_or_else(|p| p.into_inner()) = Some(link.clone());
        Ok(link)
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
            #[cfg(target_os = "linux")]
            webkit::allow_camera(app);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                sync::run(
                    handle.state::<Session>().inner(),
                    handle.state::<Office>().inner(),
                    handle.state::<sync::SyncControl>().inner(),
                )
                .await;
            });
            Ok(())
        })
        .manage(office)
        .manage(Session::default())
        .manage(sync::SyncControl::default())
        .manage(lifecycle::Lifecycle::default())
        .on_window_event(|window, event| {
            if window.label() != "main" {
                return;
            }
            let app = window.app_handle();
            lifecycle::on_window_event(
                app.state::<lifecycle::Lifecycle>().inner(),
                window,
                event,
                || app.state::<sync::SyncControl>().wake(),
            );
        })
        .manage(commands::PendingEnrolment::default())
        .manage(commands::PendingPhoto::default())
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
