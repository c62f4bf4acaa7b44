//! The naive baseline: a tablet that sends as ODK Collect does. Each record is one
//! submission (the record, then its whole photo in one request); after any failure
//! the run stops, and the next run sends that submission again from its first byte:
//! a new upload, never a resume. What the office confirmed stays Sent, as ODK keeps a
//! submission it got a 2xx for.
//!
//! It uses the same vault, the same pinned client and the same office API as the real
//! engine; only the retry strategy differs, so the bytes it puts on the link measure
//! what resuming saves.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use outreach_protocol::sync::RecordKey;
use outreach_sync::engine::upload_of;
use outreach_vault::outbox;
use outreach_vault::{Policy, Vault, records};

/// Arguments of `badlink naive`.
#[derive(Debug, clap::Args)]
pub struct NaiveArgs {
    /// The tablet's vault (enrolled, with records captured by `outreach sim --no-sync`).
    #[arg(long)]
    pub db: PathBuf,
    /// Who signs in.
    #[arg(long)]
    pub staff_id: String,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// The office server's base URL; by default the enrolment's.
    #[arg(long)]
    pub server: Option<String>,
}

/// Reads the password from standard input's first line.
pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One naive run: prints `{recordsSent, recordsWaiting, bytesSent, seconds[, error]}`
/// and fails when the link failed.
pub async fn run(args: NaiveArgs) -> anyhow::Result<()> {
    let password = read_password()?;
    let mut vault = Vault::sign_in(
        &args.db,
        &args.staff_id,
        &password,
        Utc::now(),
        Policy::default(),
    )
    .with_context(|| format!("signing in to {}", args.db.display()))?;
    let enrolment = outbox::enrolment(vault.conn())?.context("the vault is not enrolled")?;
    let server = args.server.as_deref().unwrap_or(&enrolment.server_url);
    let office = outreach_sync::enrol::client(
        server,
        enrolment.spki_pin.as_deref(),
        Duration::from_secs(60),
    )?;
    let credential = enrolment.credential.clone();
    let started = Instant::now();
    let pending = outbox::pending(vault.conn())?;
    let mut records_sent = 0usize;
    let mut bytes_sent = 0u64;
    let mut outcome: anyhow::Result<()> = Ok(());
    for item in &pending {
        let submission = async {
            office.put_records(&credential, &[upload_of(item)]).await?;
            for p in &item.photos {
                let bytes = outbox::photo(vault.conn(), &p.sha256)?
                    .context("a photo of the outbox is missing from the vault")?;
                let url = office
                    .create_upload(&credential, bytes.len() as u64, &hex(&p.sha256))
                    .await?;
                bytes_sent += bytes.len() as u64;
                office.patch_upload(&credential, &url, 0, bytes).await?;
            }
            let key = RecordKey {
                id: item.id.clone(),
                version: item.version,
            };
            let manifest = office.manifest(&credential, &[key]).await?;
            anyhow::Ok(
                manifest
                    .records
                    .iter()
                    .any(|r| r.id == item.id && r.version == item.version && r.complete),
            )
        }
        .await;
        match submission {
            Ok(true) => {
                vault.write(|tx, _| records::mark_sent(tx, &item.id, item.version, Utc::now()))?;
                records_sent += 1;
            }
            Ok(false) => {
                outcome = Err(anyhow::anyhow!(
                    "the office does not list record {} as complete",
                    item.id
                ));
                break;
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    let waiting = outbox::pending(vault.conn())?.len();
    let mut summary = serde_json::json!({
        "recordsSent": records_sent,
        "recordsWaiting": waiting,
        "bytesSent": bytes_sent,
        "seconds": started.elapsed().as_secs_f64(),
    });
    if let Err(e) = &outcome {
        summary["error"] = serde_json::Value::String(format!("{e:#}"));
    }
    println!("{summary}");
    outcome
}
