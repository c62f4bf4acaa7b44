//! `outreach sim` and `outreach enrol`: a headless tablet. It enrols (or uses the
//! enrolment its vault holds; `enrol` enrols a vault again), signs in, captures
//! synthetic records with photos through the same vault calls the app makes, finalizes
//! them and syncs with the same engine, then prints a JSON summary. Used by tests,
//! benchmarks and `make run`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use outreach_sync::enrol::{self, CodeText};
use outreach_vault::outbox;
use outreach_vault::{Policy, Vault};

/// Arguments of `outreach sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// The office server's base URL; by default the one in the enrolment code.
    #[arg(long)]
    server: Option<String>,
    /// The enrolment code: the QR code's JSON text. Ignored when the vault is
    /// enrolled already.
    #[arg(long)]
    enrolment: Option<String>,
    /// The tablet's vault file (created from the office's roster when missing).
    #[arg(long)]
    db: PathBuf,
    /// Who signs in.
    #[arg(long)]
    staff_id: String,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
    /// Synthetic records to capture, finalize and sync.
    #[arg(long, default_value_t = 0)]
    records: u32,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Capture only; leave the records in the outbox.
    #[arg(long)]
    no_sync: bool,
}

/// Arguments of `outreach enrol`.
#[derive(Debug, clap::Args)]
pub struct EnrolArgs {
    /// The tablet's vault file: enrolled again when it exists (everything in it is
    /// kept), made from the office's roster when it does not.
    #[arg(long)]
    db: PathBuf,
    /// The enrolment code: the QR code's JSON text from the console or
    /// `outreach-server device enrol --json`.
    #[arg(long)]
    code: String,
    /// Who signs in (a new vault is opened for them; an existing one needs them to).
    #[arg(long)]
    staff_id: String,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
}

/// Enrols a vault, new or existing, and prints the device's ID and credential expiry
/// as JSON.
pub async fn enrol(args: EnrolArgs) -> anyhow::Result<()> {
    let password = crate::vault::read_password()?;
    let code = enrol::parse_code(&args.code)?;
    let again = args.db.exists();
    let enrolment = if again {
        let vault = Vault::sign_in(
            &args.db,
            &args.staff_id,
            &password,
            chrono::Utc::now(),
            Policy::default(),
        )
        .with_context(|| format!("signing in to {}", args.db.display()))?;
        enrol::enrol_vault(&code, &Mutex::new(vault))
            .await
            .context("enrolling the tablet again")?
    } else {
        let vault = enrol::enrol_new_tablet(&code, &args.db, &args.staff_id, &password)
            .await
            .context("enrolling a new tablet")?;
        outbox::enrolment(vault.conn())?.context("the vault lost its enrolment")?
    };
    println!(
        "{}",
        serde_json::json!({
            "deviceId": enrolment.device_id,
            "expiresAt": enrolment.expires_at,
            "enrolledAgain": again,
        })
    );
    Ok(())
}

fn code(args: &SimArgs) -> anyhow::Result<CodeText> {
    let text = args
        .enrolment
        .as_deref()
        .context("this tablet is not enrolled: give --enrolment with the QR code's text")?;
    let mut code = enrol::parse_code(text)?;
    if let Some(server) = &args.server {
        code.server_url.clone_from(server);
    }
    Ok(code)
}

/// Runs the simulated tablet.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let password = crate::vault::read_password()?;
    let mut vault = if args.db.exists() {
        let mut vault = Vault::sign_in(
            &args.db,
            &args.staff_id,
            &password,
            chrono::Utc::now(),
            Policy::default(),
        )
        .with_context(|| format!("signing in to {}", args.db.display()))?;
        if outbox::enrolment(vault.conn())?.is_none() {
            let shared = Mutex::new(vault);
            enrol::enrol_vault(&code(&args)?, &shared)
                .await
                .context("enrolling")?;
            vault = shared.into_inner().unwrap_or_else(|p| p.into_inner());
        }
        vault
    } else {
        enrol::enrol_new_tablet(&code(&args)?, &args.db, &args.staff_id, &password)
            .await
            .context("enrolling a new tablet")?
    };
    let enrolment = outbox::enrolment(vault.conn())?.context("the vault lost its enrolment")?;

    crate::vault::capture_synthetic(
        &mut vault,
        "シミュレーション 出張先",
        args.records,
        args.seed,
        |_| Ok(()),
    )?;
    if args.no_sync {
        println!("{}", serde_json::json!({ "recordsCaptured": args.records }));
        return Ok(());
    }
    let server = args.server.as_deref().unwrap_or(&enrolment.server_url);
    let office = enrol::client(
        server,
        enrolment.spki_pin.as_deref(),
        Duration::from_secs(60),
    )?;
    let vault = Mutex::new(vault);
    let enrolment =
        outreach_sync::renew::renew_if_due(&vault, &office, enrolment, chrono::Utc::now())
            .await
            .context("renewing the device credential")?;
    let summary =
        outreach_sync::engine::sync_once(&vault, &office, &enrolment.credential, &mut |_| {})
            .await
            .context("syncing")?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
