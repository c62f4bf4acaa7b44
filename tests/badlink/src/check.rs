//! The guarantees after a run, read from both ends: the tablet's vault (signed in
//! with the staff password) and the office's SQLite file. Every finalized record
//! version of the tablet must be at the office exactly once, with the same payload,
//! and every photo's bytes must hash to its SHA-256 on both sides.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use outreach_vault::{Policy, Vault, outbox};
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

/// Arguments of `badlink check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The office's SQLite file (`DATA/outreach.db`).
    #[arg(long)]
    pub office_db: PathBuf,
    /// The tablet's vault.
    #[arg(long)]
    pub db: PathBuf,
    /// Who signs in to the vault.
    #[arg(long)]
    pub staff_id: String,
    /// Read the password from the first line of standard input.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

type Key = (String, i64);

/// What one side holds: record versions with payload and photo hashes, photos by hash.
#[derive(Default)]
struct Side {
    records: BTreeMap<Key, (String, BTreeSet<(String, String)>)>,
    photos: BTreeMap<String, Vec<u8>>,
}

fn tablet(conn: &Connection) -> anyhow::Result<Side> {
    let mut side = Side::default();
    let mut stmt = conn
        .prepare("SELECT id, version, payload FROM records WHERE state IN ('finalized', 'sent')")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (id, version, payload) = row?;
        side.records
            .insert((id, version), (payload, BTreeSet::new()));
    }
    let mut stmt =
        conn.prepare("SELECT record_id, record_version, role, sha256 FROM record_photos")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    for row in rows {
        let (id, version, role, sha) = row?;
        if let Some(rec) = side.records.get_mut(&(id, version)) {
            rec.1.insert((role, hex(&sha)));
        }
    }
    let mut stmt = conn.prepare("SELECT sha256, bytes FROM photos")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for row in rows {
        let (sha, bytes) = row?;
        side.photos.insert(hex(&sha), bytes);
    }
    Ok(side)
}

/// Runs the check; prints a JSON report and fails when a guarantee does not hold.
pub fn run(args: CheckArgs) -> anyhow::Result<()> {
    let password = crate::naive::read_password()?;
    let vault = Vault::sign_in(
        &args.db,
        &args.staff_id,
        &password,
        Utc::now(),
        Policy::default(),
    )
    .with_context(|| format!("signing in to {}", args.db.display()))?;
    let mine = tablet(vault.conn())?;
    let waiting = outbox::pending(vault.conn())?.len();

    let office = Connection::open_with_flags(&args.office_db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", args.office_db.display()))?;
    let count = |sql: &str| -> anyhow::Result<i64> { Ok(office.query_row(sql, [], |r| r.get(0))?) };
    let office_records = count("SELECT COUNT(*) FROM records")?;
    let distinct_records =
        count("SELECT COUNT(*) FROM (SELECT DISTINCT record_id, version FROM records)")?;
    let office_photos = count("SELECT COUNT(*) FROM photos")?;
    let distinct_photos = count("SELECT COUNT(DISTINCT sha256) FROM photos")?;
    // The same content stored under two record IDs would be a duplicate too.
    let same_payload = count("SELECT COUNT(*) - COUNT(DISTINCT payload_hash) FROM records")?;
    let uploads_left = count("SELECT COUNT(*) FROM uploads")?;
    let payload_bytes =
        count("SELECT COALESCE(SUM(length(CAST(payload AS BLOB))), 0) FROM records")?;

    let mut theirs = Side::default();
    let mut payload_hash_wrong = 0u64;
    {
        let mut stmt =
            office.prepare("SELECT record_id, version, payload, payload_hash FROM records")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, version, payload, hash) = row?;
            if hex(&Sha256::digest(payload.as_bytes())) != hash {
                payload_hash_wrong += 1;
            }
            theirs
                .records
                .insert((id, version), (payload, BTreeSet::new()));
        }
        let mut stmt =
            office.prepare("SELECT record_id, version, role, sha256 FROM record_photos")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, version, role, sha) = row?;
            if let Some(rec) = theirs.records.get_mut(&(id, version)) {
                rec.1.insert((role, sha));
            }
        }
    }
    let mut photo_bytes = 0u64;
    let mut hash_mismatches = 0u64;
    {
        let mut stmt = office.prepare("SELECT sha256, bytes, size FROM photos")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (sha, bytes, size) = row?;
            photo_bytes += bytes.len() as u64;
            if hex(&Sha256::digest(&bytes)) != sha || size != bytes.len() as i64 {
                hash_mismatches += 1;
            }
            theirs.photos.insert(sha, bytes);
        }
    }

    // Tablet → office: every record version and every photo it uses.
    let mut lost = Vec::new();
    let mut mismatched = Vec::new();
    for (key, (payload, photos)) in &mine.records {
        match theirs.records.get(key) {
            None => lost.push(format!("record {} v{}", key.0, key.1)),
            Some((their_payload, their_photos)) => {
                if their_payload != payload || their_photos != photos {
                    mismatched.push(format!("record {} v{}", key.0, key.1));
                }
            }
        }
        for (_, sha) in photos {
            match (mine.photos.get(sha), theirs.photos.get(sha)) {
                (Some(a), Some(b)) if a == b && hex(&Sha256::digest(a)) == *sha => {}
                (_, None) => lost.push(format!("photo {sha}")),
                _ => mismatched.push(format!("photo {sha}")),
            }
        }
    }
    let extra: Vec<String> = theirs
        .records
        .keys()
        .filter(|k| !mine.records.contains_key(*k))
        .map(|k| format!("record {} v{}", k.0, k.1))
        .collect();
    let duplicates =
        (office_records - distinct_records) + (office_photos - distinct_photos) + same_payload;
    let ok = lost.is_empty()
        && mismatched.is_empty()
        && extra.is_empty()
        && duplicates == 0
        && hash_mismatches == 0
        && payload_hash_wrong == 0
        && waiting == 0;
    let report = serde_json::json!({
        "ok": ok,
        "tabletRecords": mine.records.len(),
        "tabletWaiting": waiting,
        "officeRecords": office_records,
        "officePhotos": office_photos,
        "photoBytes": photo_bytes,
        "payloadBytes": payload_bytes,
        "lost": lost.len(),
        "duplicates": duplicates,
        "extra": extra.len(),
        "mismatched": mismatched.len(),
        "hashMismatches": hash_mismatches + payload_hash_wrong,
        "uploadsLeft": uploads_left,
        "problems": lost.iter().chain(&mismatched).chain(&extra).take(10).collect::<Vec<_>>(),
    });
    println!("{report}");
    if !ok {
        anyhow::bail!("the office and the tablet disagree: {report}");
    }
    Ok(())
}
