//! `outreach vault …`: create a vault for a demo or a test, recover one at the office.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use outreach_keys::{KdfParams, PasswordWrap, PublicKey, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{Policy, RosterEntry, Vault};

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Create a new vault with one staff member, sealed to the office recovery key:
    /// the office's (--office-public-key), or for a demo a new pair whose private key
    /// goes where --office-key-out says (never beside the vault unless told).
    Create {
        #[command(flatten)]
        who: AsStaff,
        /// The staff member's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        office: OfficeKey,
        /// Key-derivation cost for the password wrap.
        #[arg(long, value_enum, default_value_t = Kdf::Calibrated)]
        kdf: Kdf,
    },
    /// Write N synthetic records (Japanese names and addresses, each with a photo of
    /// about 300 KB) through the app's own code path, one committed transaction per
    /// record, printing `saved ID` after each commit. Creates the vault (with this staff
    /// member, sealed to the office key given as for `create`) when it does not exist;
    /// otherwise the password is checked as at the tablet's sign-in.
    Seed {
        #[command(flatten)]
        who: AsStaff,
        #[command(flatten)]
        office: OfficeKey,
        /// How many records.
        #[arg(long)]
        records: u32,
        /// Key-derivation cost when the vault is created.
        #[arg(long, value_enum, default_value_t = Kdf::Calibrated)]
        kdf: Kdf,
        /// Seed for the synthetic data (the same seed gives the same residents).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print a roster entry (ID, name, public key, password-wrapped private key) as
    /// JSON, as the office makes one when a staff member's password is set.
    RosterEntry {
        /// Login ID.
        #[arg(long)]
        staff_id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Key-derivation cost.
        #[arg(long, value_enum, default_value_t = Kdf::Calibrated)]
        kdf: Kdf,
    },
    /// Add the staff members of a roster file (a JSON list of roster entries) to a
    /// vault, signed in as a staff member already on it. Entries already present are
    /// left as they are.
    RosterImport {
        #[command(flatten)]
        who: AsStaff,
        /// The roster file.
        #[arg(long)]
        roster: PathBuf,
    },
    /// Open a tablet's vault with the office recovery key.
    Recover {
        /// The tablet's vault file (its keyring FILE.keys must be beside it).
        #[arg(long)]
        db: PathBuf,
        /// The office recovery private key file.
        #[arg(long)]
        office_key: PathBuf,
        /// Write every table as JSON to this file (created owner-only).
        #[arg(
            long,
            conflicts_with = "print_key",
            required_unless_present = "print_key"
        )]
        out: Option<PathBuf>,
        /// Print the raw SQLCipher key (x'…') so a standard SQLCipher 4 tool can open the file.
        #[arg(long)]
        print_key: bool,
    },
}

/// The office recovery key a new vault is sealed to.
#[derive(Args)]
pub struct OfficeKey {
    /// The office recovery public key (base64), as the office server shows it.
    #[arg(long, conflicts_with = "office_key_out")]
    office_public_key: Option<String>,
    /// For a demo or a test: make an office recovery key pair and write its private key
    /// to this file (owner-only). A real office keeps that key offline, so it is
    /// written only where asked.
    #[arg(long, value_name = "FILE")]
    office_key_out: Option<PathBuf>,
}

/// Which vault, as which staff member; the password comes from standard input.
#[derive(Args)]
pub struct AsStaff {
    /// The vault file.
    #[arg(long)]
    db: PathBuf,
    /// The staff member's login ID.
    #[arg(long)]
    staff_id: String,
    /// Read the staff member's password from the first line of standard input.
    #[arg(long, required = true)]
    password_stdin: bool,
}

/// How expensive the password wrap is.
#[derive(Clone, Copy, ValueEnum)]
pub enum Kdf {
    /// At least RFC 9106's second profile, raised until one unlock takes 0.3 s here.
    Calibrated,
    /// Exactly RFC 9106's second profile (m = 64 MiB, t = 3, p = 4).
    Rfc9106,
    /// Cheap parameters for automated tests only.
    Test,
}

pub fn run(command: VaultCommand) -> anyhow::Result<()> {
    match command {
        VaultCommand::Create {
            who,
            name,
            office,
            kdf,
        } => {
            let password = read_password()?;
            create(&who.db, &who.staff_id, &name, &password, office, kdf)?;
            println!("created {}", who.db.display());
        }
        VaultCommand::Seed {
            who,
            office,
            records,
            kdf,
            seed,
        } => {
            let password = read_password()?;
            if !who.db.exists() {
                create(
                    &who.db,
                    &who.staff_id,
                    "シード 職員",
                    &password,
                    office,
                    kdf,
                )?;
            }
            seed_records(&who.db, &who.staff_id, &password, records, seed)?;
        }
        VaultCommand::RosterEntry {
            staff_id,
            name,
            password_stdin: _,
            kdf,
        } => {
            let password = read_password()?;
            let key = SecretKey::generate()?;
            let entry = RosterEntry {
                wrap: PasswordWrap::wrap(&key, &password, kdf_params(kdf)?, staff_id.as_bytes())?,
                public_key: key.public_key(),
                staff_id,
                name,
            };
            println!("{}", serde_json::to_string_pretty(&entry)?);
        }
        VaultCommand::RosterImport { who, roster } => {
            let password = read_password()?;
            let entries: Vec<RosterEntry> = serde_json::from_slice(
                &std::fs::read(&roster).with_context(|| format!("reading {}", roster.display()))?,
            )
            .with_context(|| format!("{} is not a list of roster entries", roster.display()))?;
            let mut vault = Vault::sign_in(
                &who.db,
                &who.staff_id,
                &password,
                chrono::Utc::now(),
                Policy::default(),
            )
            .with_context(|| format!("signing in to {}", who.db.display()))?;
            let mut added = 0;
            for entry in &entries {
                match vault.add_staff(entry, chrono::Utc::now()) {
                    Ok(()) => added += 1,
                    Err(outreach_vault::VaultError::StaffExists(_)) => {}
                    Err(e) => return Err(e).with_context(|| format!("adding {}", entry.staff_id)),
                }
            }
            println!("added {added} of {} staff members", entries.len());
        }
        VaultCommand::Recover {
            db,
            office_key,
            out,
            print_key,
        } => {
            let hex = std::fs::read_to_string(&office_key)
                .with_context(|| format!("reading {}", office_key.display()))?;
            let secret = SecretKey::from_hex(&hex)
                .context("the office key file does not hold a private key")?;
            let mut vault = Vault::open_with_office_key(&db, &secret)
                .with_context(|| format!("opening {}", db.display()))?;
            if print_key {
                // Line 1: the raw key for `PRAGMA key = "x'…'"`; line 2, when the vault
                // does not use SQLCipher's defaults: the pragmas to run right after it.
                println!("x'{}'", vault.data_key().to_hex().as_str());
                let pragmas = vault.cipher().pragmas();
                if !pragmas.is_empty() {
                    println!("{pragmas}");
                }
            } else if let Some(out) = out {
                let json = vault.export_json(chrono::Utc::now())?;
                write_private(&out, &serde_json::to_vec_pretty(&json)?)?;
                println!("exported {} to {}", db.display(), out.display());
            }
        }
    }
    Ok(())
}

fn create(
    db: &Path,
    staff_id: &str,
    name: &str,
    password: &str,
    office: OfficeKey,
    kdf: Kdf,
) -> anyhow::Result<()> {
    let params = kdf_params(kdf)?;
    let office = match (office.office_public_key, office.office_key_out) {
        (Some(b64), _) => serde_json::from_value::<PublicKey>(serde_json::Value::String(b64))
            .context("--office-public-key is not a base64 X25519 public key")?,
        (None, None) => bail!(
            "a new vault is sealed to the office recovery key: give --office-public-key (as the office server shows it), or for a demo --office-key-out FILE to make a pair and write its private key there"
        ),
        (None, Some(key_file)) => {
            let secret = SecretKey::generate()?;
            write_private(&key_file, secret.to_hex().as_bytes())?;
            eprintln!(
                "office recovery key written to {} (keep it offline)",
                key_file.display()
            );
            secret.public_key()
        }
    };
    let staff_key = SecretKey::generate()?;
    let entry = RosterEntry {
        wrap: PasswordWrap::wrap(&staff_key, password, params, staff_id.as_bytes())?,
        public_key: staff_key.public_key(),
        staff_id: staff_id.to_owned(),
        name: name.to_owned(),
    };
    Vault::create(db, &office, &[entry], chrono::Utc::now())
        .with_context(|| format!("creating {}", db.display()))
}

fn kdf_params(kdf: Kdf) -> anyhow::Result<KdfParams> {
    Ok(match kdf {
        Kdf::Calibrated => {
            let (p, took) = KdfParams::calibrated(Duration::from_millis(300))?;
            eprintln!(
                "key derivation: m={} KiB t={} p={} ({} ms here)",
                p.m_kib,
                p.t,
                p.p,
                took.as_millis()
            );
            p
        }
        Kdf::Rfc9106 => KdfParams::RFC9106_SECOND,
        Kdf::Test => KdfParams::FOR_TESTS,
    })
}

fn seed_records(
    db: &Path,
    staff_id: &str,
    password: &str,
    records: u32,
    seed: u64,
) -> anyhow::Result<()> {
    let mut vault = Vault::sign_in(
        db,
        staff_id,
        password,
        chrono::Utc::now(),
        Policy::default(),
    )
    .with_context(|| format!("signing in to {}", db.display()))?;
    let stdout = std::io::stdout();
    capture_synthetic(&mut vault, "シード用 出張先", records, seed, |id| {
        // Only after the commit returned: the record is on disk.
        let mut out = stdout.lock();
        writeln!(out, "saved {id}")?;
        out.flush()?;
        Ok(())
    })
}

/// Captures `records` synthetic applicants with a photo each at a new trip, through
/// the same vault calls the app makes (draft, then finalize, one transaction each);
/// `saved` is called after each commit.
pub(crate) fn capture_synthetic(
    vault: &mut Vault,
    site: &str,
    records: u32,
    seed: u64,
    mut saved: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if records == 0 {
        return Ok(());
    }
    let now = chrono::Utc::now;
    let trip = NewTrip {
        id: records::new_id(now())?,
        site_name: site.into(),
        site_address: "群馬県太田市浜町2-35".into(),
        date: now().date_naive(),
        mode: Mode::Uketsuke,
        expected_count: Some(records),
        from_office: false,
        staff: Vec::new(),
    };
    vault.write(|tx, s| records::insert_trip(tx, &trip, now(), s))?;
    let mut rng = crate::synthetic::Rng::new(seed);
    for _ in 0..records {
        let id = records::new_id(now())?;
        let payload = crate::synthetic::applicant(&mut rng);
        let jpeg = crate::synthetic::photo(&mut rng);
        let photos = [PhotoIn {
            role: PhotoRole::Original,
            bytes: &jpeg,
            media_type: "image/jpeg",
        }];
        vault.write(|tx, s| {
            records::save_draft(tx, &id, &trip.id, &payload, &photos, now(), s)?;
            records::finalize(tx, &id, now(), s)
        })?;
        saved(&id)?;
    }
    Ok(())
}

pub(crate) fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

/// Creates `path` readable by the owner only and refuses to overwrite.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
