//! `outreach-server`: the office server's command line.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use outreach_server::recovery::{self, KeptIn, RecoveryError};
use outreach_server::sign_in::SignInLimits;
use outreach_server::tls::{TlsMaterial, TlsOptions};
use outreach_server::{AppState, store};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "outreach-server", version, about = "Outreach office server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Office staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Tablets.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// The office recovery key, which opens any tablet's vault at the office.
    RecoveryKey {
        #[command(subcommand)]
        command: RecoveryKeyCommand,
    },
    /// Write a daily, monthly or completion report (xlsx, CSV with BOM, or PDF).
    Report {
        #[command(flatten)]
        db: Database,
        /// daily (--date), monthly (--month) or completion (--from, --to).
        #[arg(long, value_parser = ["daily", "monthly", "completion"])]
        kind: String,
        /// YYYY-MM-DD, for a daily report.
        #[arg(long, required_if_eq("kind", "daily"))]
        date: Option<String>,
        /// YYYY-MM, for a monthly report.
        #[arg(long, required_if_eq("kind", "monthly"))]
        month: Option<String>,
        /// First day of the contract period (YYYY-MM-DD), for a completion report.
        #[arg(long, required_if_eq("kind", "completion"))]
        from: Option<String>,
        /// Last day of the contract period (YYYY-MM-DD), for a completion report.
        #[arg(long, required_if_eq("kind", "completion"))]
        to: Option<String>,
        /// xlsx, csv or pdf.
        #[arg(long, value_parser = ["xlsx", "csv", "pdf"])]
        format: String,
        /// Written remarks to add (the completion report's 受託者の意見 and
        /// 住民の反応): UTF-8 text, `# 見出し` lines start sections, blank lines
        /// separate paragraphs.
        #[arg(long, value_name = "FILE")]
        remarks: Option<PathBuf>,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Start the server (HTTPS by default, with its own certificate and SPKI pin).
    Serve {
        #[command(flatten)]
        db: Database,
        /// Address to listen on. Loopback by default: opening the server to the
        /// network is a decision the operator makes explicitly.
        #[arg(long, env = "OUTREACH_LISTEN", default_value = "127.0.0.1:8620")]
        listen: SocketAddr,
        /// Log as JSON lines (for log collectors) instead of text.
        #[arg(long)]
        log_json: bool,
        /// Serve plain HTTP instead of HTTPS: only behind a reverse proxy that
        /// terminates TLS (the proxy's certificate is then the one tablets pin).
        #[arg(long, env = "OUTREACH_PLAIN_HTTP", conflicts_with_all = ["tls_cert", "tls_key", "tls_hostname"])]
        plain_http: bool,
        /// Use this PEM certificate chain (end-entity first) instead of the server's
        /// own; needs --tls-key.
        #[arg(long, env = "OUTREACH_TLS_CERT", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "OUTREACH_TLS_KEY", value_name = "FILE")]
        tls_key: Option<PathBuf>,
        /// Another host name or IP address for the server's own certificate (e.g. its
        /// LAN address); repeatable. The pin does not change.
        #[arg(long = "tls-hostname", value_name = "NAME")]
        tls_hostname: Vec<String>,
        /// At first start, keep the office recovery key only wrapped under the
        /// passphrase on this file's first line (or in OUTREACH_RECOVERY_PASSPHRASE);
        /// without one it is written to DATA/office-recovery.key.
        #[arg(long, value_name = "FILE")]
        recovery_passphrase_file: Option<PathBuf>,
        /// Serve the office web console from this folder (the UI build, `ui/dist`)
        /// at /console.
        #[arg(long, env = "OUTREACH_CONSOLE_DIR", value_name = "DIR")]
        console_dir: Option<PathBuf>,
        /// A TLS-terminating proxy (with --plain-http) whose X-Forwarded-For names the
        /// client; repeatable. Without one the socket peer is the client address (in
        /// logs, the audit trail and the per-address sign-in limit).
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxy: Vec<std::net::IpAddr>,
        /// The most a tablet's unfinished photo uploads may declare in total, MiB.
        #[arg(long, env = "OUTREACH_UPLOAD_SPACE_MIB", default_value_t = 512)]
        upload_space_mib: i64,
        /// A console session ends after this many minutes without use.
        #[arg(long, env = "OUTREACH_CONSOLE_IDLE_MINUTES", default_value_t = 30)]
        console_idle_minutes: i64,
        /// How many days a tablet's credential works; tablets renew it on any sync
        /// once half of it has passed.
        #[arg(long, env = "OUTREACH_CREDENTIAL_DAYS", default_value_t = outreach_server::DEFAULT_CREDENTIAL_DAYS)]
        credential_days: i64,
        #[command(flatten)]
        sign_in_limits: SignInLimitArgs,
    },
}

/// The sign-in limits (failed password or TOTP checks allowed per window before 429).
#[derive(clap::Args)]
struct SignInLimitArgs {
    /// Failed checks allowed per staff ID in a window (the lockout).
    #[arg(long, env = "OUTREACH_SIGN_IN_LIMIT_PER_ID", default_value_t = SignInLimits::default().per_id)]
    sign_in_limit_per_id: i64,
    /// Failed checks allowed per client address in a window.
    #[arg(long, env = "OUTREACH_SIGN_IN_LIMIT_PER_ADDRESS", default_value_t = SignInLimits::default().per_address)]
    sign_in_limit_per_address: i64,
    /// Failed checks allowed on the whole server in a window.
    #[arg(long, env = "OUTREACH_SIGN_IN_LIMIT_OVERALL", default_value_t = SignInLimits::default().overall)]
    sign_in_limit_overall: i64,
    /// The window of the sign-in limits, minutes.
    #[arg(long, env = "OUTREACH_SIGN_IN_WINDOW_MINUTES", default_value_t = SignInLimits::default().window / 60)]
    sign_in_window_minutes: i64,
}

impl SignInLimitArgs {
    /// At least one check per key and a window of one minute to a day: a limit of 0
    /// would lock everyone out, a window of 0 would limit nothing.
    fn limits(&self) -> SignInLimits {
        SignInLimits {
            per_id: self.sign_in_limit_per_id.max(1),
            per_address: self.sign_in_limit_per_address.max(1),
            overall: self.sign_in_limit_overall.max(1),
            window: self.sign_in_window_minutes.clamp(1, 24 * 60) * 60,
        }
    }
}

/// Where the office's data is: every command that opens the database takes these.
#[derive(clap::Args)]
struct Database {
    /// Folder for the embedded database and the server's files (its certificate, the
    /// office recovery key).
    #[arg(long, env = "OUTREACH_DATA", default_value = "outreach-data")]
    data: PathBuf,
    /// PostgreSQL instead of embedded SQLite, e.g. postgres://outreach@localhost/outreach.
    #[arg(long, env = "OUTREACH_DATABASE_URL")]
    database_url: Option<String>,
}

impl Database {
    async fn open(&self) -> anyhow::Result<std::sync::Arc<store::Store>> {
        store::open(&self.data, self.database_url.as_deref())
            .await
            .context("opening the database")
    }
}

#[derive(Subcommand)]
enum RecoveryKeyCommand {
    /// Unwrap the passphrase-kept office recovery key into a key file for
    /// `outreach vault recover --office-key FILE`.
    Export {
        #[command(flatten)]
        db: Database,
        /// Read the passphrase from the first line of standard input.
        #[arg(long, required = true)]
        passphrase_stdin: bool,
        /// The key file to write (owner-only; an existing file is not replaced).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Make a one-time enrolment code for a tablet and print what its QR code carries.
    Enrol {
        #[command(flatten)]
        db: Database,
        /// The tablet's name.
        #[arg(long)]
        name: String,
        /// The server's URL as tablets reach it.
        #[arg(
            long,
            env = "OUTREACH_PUBLIC_URL",
            default_value = "https://127.0.0.1:8620"
        )]
        server_url: String,
        /// The certificate whose pin the code carries; by default the server's own
        /// under DATA/tls/cert.pem.
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        /// The server runs plain HTTP behind a TLS-terminating proxy: no pin.
        #[arg(long)]
        plain_http: bool,
        /// Minutes the code stays valid.
        #[arg(long, default_value_t = 15)]
        valid_minutes: u32,
        /// Print the code as one JSON line (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff account: a login for the console and a key pair whose private key
    /// is wrapped under the same password for the tablets.
    Add {
        #[command(flatten)]
        db: Database,
        /// Per-person login ID.
        #[arg(long)]
        id: String,
        /// Name as shown to staff.
        #[arg(long)]
        name: String,
        /// supervisor or staff.
        #[arg(long, value_parser = ["supervisor", "staff"])]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// If this is the office's first start: keep the office recovery key under
        /// the passphrase on this file's first line (see `serve`).
        #[arg(long, value_name = "FILE")]
        recovery_passphrase_file: Option<PathBuf>,
    },
    /// Turn off a staff member's TOTP second factor (a supervisor who lost their
    /// authenticator); audited. They can turn it on again in the console.
    ResetTotp {
        #[command(flatten)]
        db: Database,
        /// The staff ID.
        #[arg(long)]
        id: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Staff {
            command:
                StaffCommand::Add {
                    db,
                    id,
                    name,
                    role,
                    password_stdin: _,
                    recovery_passphrase_file,
                },
        } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password")?;
            let password = line.trim_end_matches(['\n', '\r']);
            let role = store::Role::parse(&role).context("role is supervisor or staff")?;
            let kdf = outreach_server::staff::calibrated_kdf()?;
            let account = outreach_server::staff::new_account(
                &id,
                &name,
                role,
                password,
                kdf,
                chrono::Utc::now(),
            )?;
            let store = db.open().await?;
            set_up_recovery_key(&store, &db.data, recovery_passphrase_file.as_deref(), false)
                .await?;
            store
                .insert_staff(&account)
                .await
                .with_context(|| format!("adding {id}"))?;
            println!("added staff {id} ({})", role.as_str());
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::ResetTotp { db, id },
        } => {
            let store = db.open().await?;
            let now = store::timestamp(chrono::Utc::now());
            if store.delete_totp(&id, &store::Actor::System, &now).await? {
                println!("turned off the second factor of {id}");
                Ok(())
            } else {
                anyhow::bail!("{id} has no second factor")
            }
        }
        Command::Device {
            command:
                DeviceCommand::Enrol {
                    db,
                    name,
                    server_url,
                    tls_cert,
                    plain_http,
                    valid_minutes,
                    json,
                },
        } => {
            let spki_pin = if plain_http {
                None
            } else {
                let cert = tls_cert.unwrap_or_else(|| db.data.join("tls").join("cert.pem"));
                Some(pin_of_certificate(&cert)?)
            };
            let store = db.open().await?;
            let mut state = AppState::new(store, outreach_keys::KdfParams::FOR_TESTS);
            state.spki_pin = spki_pin;
            let issued = outreach_server::api::console::make_enrolment(
                &state,
                "admin-cli",
                &name,
                valid_minutes,
                server_url,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                println!("{}", issued.text);
            } else {
                println!(
                    "enrolment code for {name} (valid {valid_minutes} minutes; paste into the tablet):"
                );
                println!("{}", issued.text);
            }
            Ok(())
        }
        Command::RecoveryKey {
            command:
                RecoveryKeyCommand::Export {
                    db,
                    passphrase_stdin: _,
                    out,
                },
        } => export_recovery_key(&db, &out).await,
        Command::Report {
            db,
            kind,
            date,
            month,
            from,
            to,
            format,
            remarks,
            out,
        } => {
            use outreach_server::reports::{self, Format, Period};
            let period = match kind.as_str() {
                "daily" => Period::daily(date.as_deref().unwrap_or_default()),
                "monthly" => Period::monthly(month.as_deref().unwrap_or_default()),
                _ => Period::completion(
                    from.as_deref().unwrap_or_default(),
                    to.as_deref().unwrap_or_default(),
                ),
            }?;
            let format = Format::parse(&format).context("format is xlsx, csv or pdf")?;
            let store = db.open().await?;
            let started = std::time::Instant::now();
            let now = store::timestamp(chrono::Utc::now());
            let mut inputs = reports::load(&store, &period)
                .await
                .context("reading the report's data")?;
            if let Some(path) = &remarks {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {} (UTF-8 text)", path.display()))?;
                inputs.remarks = reports::parse_remarks(&text);
            }
            let report = reports::compute(&period, &inputs, &now);
            let bytes = reports::render(&report, format).context("writing the report")?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            store
                .audit(&store::NewAudit {
                    at: now,
                    actor: store::Actor::System,
                    action: "report_exported".to_owned(),
                    subject: format!("{} {} {}", kind, period.label(), format.extension()),
                })
                .await?;
            println!(
                "wrote {} ({}, {} bytes, {} ms)",
                out.display(),
                report.title,
                bytes.len(),
                started.elapsed().as_millis()
            );
            Ok(())
        }
        Command::Serve {
            db,
            listen,
            log_json,
            plain_http,
            tls_cert,
            tls_key,
            tls_hostname,
            recovery_passphrase_file,
            console_dir,
            trusted_proxy,
            upload_space_mib,
            console_idle_minutes,
            credential_days,
            sign_in_limits,
        } => {
            init_logging(log_json);
            let tls = (!plain_http).then_some(TlsOptions {
                cert: tls_cert,
                key: tls_key,
                hostnames: tls_hostname,
            });
            serve(ServeOptions {
                db,
                listen,
                tls,
                recovery_passphrase_file,
                console_dir,
                trusted_proxy,
                upload_space_mib,
                console_idle_minutes,
                credential_days,
                sign_in_limits: sign_in_limits.limits(),
            })
            .await
        }
    }
}

/// Makes the office recovery key at the office's first start (serve or staff add)
/// and says where its private key went: in the log when `logging` is set up (serve),
/// else on standard error (staff add).
async fn set_up_recovery_key(
    store: &store::Store,
    data: &Path,
    passphrase_file: Option<&Path>,
    logging: bool,
) -> anyhow::Result<()> {
    let passphrase = recovery::passphrase_from(passphrase_file)?;
    let setup = recovery::ensure(store, data, passphrase.as_ref().map(|p| p.as_str()))
        .await
        .context("setting up the office recovery key")?;
    let wrapped = "office recovery key made: its private key is kept only under the recovery passphrase (`outreach-server recovery-key export` writes it out when needed)";
    let in_file = "office recovery key made and written in the clear: move the file offline (e.g. to a USB key in the office safe) and delete it from this machine";
    match (setup.kept_in, logging) {
        (KeptIn::AlreadySetUp, _) => {}
        (KeptIn::Wrap, true) => tracing::info!("{wrapped}"),
        (KeptIn::Wrap, false) => eprintln!("{wrapped}"),
        (KeptIn::File(path), true) => tracing::warn!(file = %path.display(), "{in_file}"),
        (KeptIn::File(path), false) => eprintln!("WARNING: {in_file}: {}", path.display()),
    }
    Ok(())
}

async fn export_recovery_key(db: &Database, out: &Path) -> anyhow::Result<()> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the passphrase")?;
    let passphrase = recovery::first_line(&line);
    let store = db.open().await?;
    let key = match recovery::unwrap_private_key(&store, passphrase).await {
        Ok(key) => key,
        Err(RecoveryError::WrongPassphrase) => {
            anyhow::bail!("wrong passphrase: the office recovery key was not exported")
        }
        Err(e) => return Err(e.into()),
    };
    recovery::write_key_file(&key, out).with_context(|| {
        format!(
            "writing {} (an existing file is never replaced)",
            out.display()
        )
    })?;
    println!(
        "office recovery key written to {} (keep it offline)",
        out.display()
    );
    Ok(())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTREACH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

struct ServeOptions {
    db: Database,
    listen: SocketAddr,
    /// `None`: plain HTTP (--plain-http).
    tls: Option<TlsOptions>,
    recovery_passphrase_file: Option<PathBuf>,
    console_dir: Option<PathBuf>,
    trusted_proxy: Vec<std::net::IpAddr>,
    upload_space_mib: i64,
    console_idle_minutes: i64,
    credential_days: i64,
    sign_in_limits: SignInLimits,
}

async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions {
        db,
        listen,
        tls,
        recovery_passphrase_file,
        console_dir,
        trusted_proxy,
        upload_space_mib,
        console_idle_minutes,
        credential_days,
        sign_in_limits,
    } = options;
    let store = db.open().await?;
    let data = db.data;
    store
        .init_meta("first_started_at", &chrono::Utc::now().to_rfc3339())
        .await
        .context("recording the first start")?;
    set_up_recovery_key(&store, &data, recovery_passphrase_file.as_deref(), true).await?;
    let mut state = AppState::new(store, outreach_server::staff::calibrated_kdf()?);
    if let Some(dir) = &console_dir {
        anyhow::ensure!(
            dir.join("console.html").is_file(),
            "{} holds no console.html: build the UI first (cd ui && npm run build)",
            dir.display()
        );
    }
    state.console_dir = console_dir;
    state.trusted_proxies = trusted_proxy.into();
    state.upload_space = upload_space_mib.max(1).saturating_mul(1024 * 1024);
    state.console_idle = chrono::Duration::minutes(console_idle_minutes.clamp(1, 24 * 60));
    state.credential_lifetime = chrono::Duration::days(credential_days.clamp(2, 3 * 365));
    state.sign_in_limits = sign_in_limits;
    // Abandoned uploads expire (tus expiration extension).
    outreach_server::spawn_housekeeping(state.store.clone());
    let tls = match tls {
        Some(options) => {
            let material =
                TlsMaterial::load(&data, listen.ip(), &options).context("setting up HTTPS")?;
            tracing::info!(
                pin = material.spki_pin(),
                certificate = %material.cert_path().display(),
                origin = ?material.origin(),
                "HTTPS certificate"
            );
            Some(material)
        }
        None => {
            tracing::warn!(
                "serving plain HTTP (--plain-http): only behind a reverse proxy that terminates TLS; tablets must pin the proxy's certificate"
            );
            None
        }
    };
    // Every connection holds a descriptor: raise the soft limit to the hard one, and
    // size the connection caps to what is left after the database's and the files'.
    let descriptors = outreach_server::http::connections::raise_descriptor_limit();
    let limits = outreach_server::http::connections::Limits::for_descriptors(descriptors);
    tracing::info!(
        descriptors,
        max_connections = limits.max_connections,
        max_per_address = limits.max_per_address,
        password_checks = state.password_checks.slots(),
        sign_in_per_id = state.sign_in_limits.per_id,
        sign_in_per_address = state.sign_in_limits.per_address,
        sign_in_overall = state.sign_in_limits.overall,
        sign_in_window_secs = state.sign_in_limits.window,
        "limits"
    );
    state.data_dir = Some(data.clone());
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal();
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, storage = %state.store.kind(), version = outreach_server::VERSION, "outreach-server listening");
    // The lines tests and scripts wait for; printed on stdout, once.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {scheme}://{addr}")?;
    if let Some(material) = &tls {
        writeln!(stdout, "spki-pin {}", material.spki_pin())?;
    }
    stdout.flush()?;
    drop(stdout);
    outreach_server::serve_with(listener, state, tls, limits, shutdown)
        .await
        .context("serving")?;
    tracing::info!("outreach-server stopped");
    Ok(())
}

/// Completes on SIGTERM (service managers) or Ctrl-C. The handlers are installed when
/// this is called, not when the future is first polled, so a signal that arrives just
/// after the listening line is printed is a clean shutdown too.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            let received = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = received(interrupt) => tracing::info!("interrupt received, shutting down"),
                () = received(term) => tracing::info!("SIGTERM received, shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("interrupt received, shutting down");
    }
}

/// The SPKI pin of the first certificate in a PEM file.
fn pin_of_certificate(path: &std::path::Path) -> anyhow::Result<String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let cert = CertificateDer::from_pem_file(path).with_context(|| {
        format!(
            "reading the certificate {} (start the server once so it makes its own, or pass --tls-cert)",
            path.display()
        )
    })?;
    Ok(outreach_server::tls::spki_pin(&cert)?)
}
