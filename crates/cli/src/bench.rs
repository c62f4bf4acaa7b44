//! `outreach bench vault`: the figures the vault issue asks for, printed side by side.

use std::time::{Duration, Instant};

use anyhow::Context;
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{CipherProfile, DataKey, Policy, RosterEntry, Vault};

/// Unlock time, then record inserts per second with a 300 KB photo, encrypted and
/// plain, on the same code path and the same disk.
pub fn vault(
    records_n: u32,
    only: &[String],
    dir_in: Option<&std::path::Path>,
    unlock: bool,
) -> anyhow::Result<()> {
    let dir = match dir_in {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let now = chrono::Utc::now;

    let profiles = if unlock {
        vec![
            ("RFC 9106 second profile", KdfParams::RFC9106_SECOND),
            (
                "calibrated to 0.3 s",
                KdfParams::calibrated(Duration::from_millis(300))?.0,
            ),
        ]
    } else {
        Vec::new()
    };
    for (n, (label, params)) in profiles.into_iter().enumerate() {
        let path = dir.path().join(format!("unlock-{n}.db"));
        let key = SecretKey::generate()?;
        let entry = RosterEntry {
            staff_id: "b1".into(),
            name: "計測".into(),
            public_key: key.public_key(),
            wrap: PasswordWrap::wrap(&key, "bench-pass", params, b"b1")?,
        };
        Vault::create(&path, &SecretKey::generate()?.public_key(), &[entry], now())?;
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let v = Vault::sign_in(&path, "b1", "bench-pass", now(), Policy::default())?;
            times.push(t.elapsed());
            drop(v);
        }
        times.sort();
        println!(
            "unlock ({label}: m={} MiB t={} p={}): median {} ms (min {} ms, max {} ms)",
            params.m_kib / 1024,
            params.t,
            params.p,
            times[2].as_millis(),
            times[0].as_millis(),
            times[4].as_millis()
        );
    }

    let mut rng = crate::synthetic::Rng::new(42);
    let photos: Vec<Vec<u8>> = (0..records_n.min(50))
        .map(|_| crate::synthetic::photo(&mut rng))
        .collect();
    let payloads: Vec<serde_json::Value> = (0..records_n)
        .map(|_| crate::synthetic::applicant(&mut rng))
        .collect();
    let avg_photo = photos.iter().map(Vec::len).sum::<usize>() / photos.len().max(1);

    // Four databases, filled in interleaved rounds so that a busy moment of the
    // machine hits every variant alike; each round's time per record is kept and the
    // medians compared.
    let all: [(&str, &str, Option<CipherProfile>, u32); 4] = [
        (
            "vault",
            "sqlcipher (vault profile)",
            Some(CipherProfile::CURRENT),
            0,
        ),
        (
            "defaults",
            "sqlcipher (SQLCipher 4 defaults: 4 KiB, HMAC-SHA512)",
            Some(CipherProfile::Sqlcipher4Defaults),
            0,
        ),
        ("plain4k", "plain sqlite (4 KiB pages)", None, 4096),
        ("plain16k", "plain sqlite (16 KiB pages)", None, 16384),
    ];
    let variants: Vec<_> = all
        .iter()
        .filter(|v| only.is_empty() || only.iter().any(|o| o == v.0))
        .copied()
        .collect();
    anyhow::ensure!(!variants.is_empty(), "--only names no known variant");
    let rounds = 6u32;
    let per_round = (records_n / rounds).max(1);
    let mut dbs = Vec::new();
    for (n, (_, label, cipher, page)) in variants.iter().enumerate() {
        let path = dir.path().join(format!("inserts-{n}.db"));
        let key = DataKey::generate()?;
        let conn = outreach_vault::open_for_benchmark(&path, cipher.map(|c| (&key, c)), *page)
            .context("bench database")?;
        // What each side really runs with, so that a difference in settings shows.
        let settings: Vec<String> = [
            "page_size",
            "journal_mode",
            "synchronous",
            "secure_delete",
            "cache_size",
            "wal_autocheckpoint",
            "temp_store",
            "cipher_version",
            "cipher_memory_security",
            "cipher_hmac_algorithm",
        ]
        .iter()
        .filter_map(|p| {
            conn.query_row(&format!("PRAGMA {p}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .ok()
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => format!("{p}={i}"),
                rusqlite::types::Value::Text(t) => format!("{p}={t}"),
                other => format!("{p}={other:?}"),
            })
        })
        .collect();
        println!("{label}: {}", settings.join(" "));
        let trip = NewTrip {
            id: records::new_id(now())?,
            site_name: "計測".into(),
            site_address: "群馬県太田市".into(),
            date: now().date_naive(),
            mode: Mode::Uketsuke,
            expected_count: None,
            from_office: false,
            staff: Vec::new(),
        };
        let mut conn = conn;
        let tx = conn.transaction()?;
        records::insert_trip(&tx, &trip, now(), "b1")?;
        tx.commit()?;
        dbs.push((conn, trip.id, Vec::<f64>::new(), Vec::<f64>::new()));
    }
    let mut i = 0usize;
    for _ in 0..rounds {
        for (conn, trip_id, times, cpu) in dbs.iter_mut() {
            let started = Instant::now();
            let cpu_before = thread_cpu();
            for k in 0..per_round as usize {
                let payload = &payloads[(i + k) % payloads.len()];
                // Photos cycle through a pool, each made unique so none is de-duplicated.
                let mut photo = photos[(i + k) % photos.len()].clone();
                let n = photo.len();
                let tag = (i + k) as u32;
                photo[n - 5..n - 1].copy_from_slice(&tag.to_le_bytes());
                let id = records::new_id(now())?;
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                records::save_draft(
                    &tx,
                    &id,
                    trip_id,
                    payload,
                    &[PhotoIn {
                        role: PhotoRole::Original,
                        bytes: &photo,
                        media_type: "image/jpeg",
                    }],
                    now(),
                    "b1",
                )?;
                records::finalize(&tx, &id, now(), "b1")?;
                tx.commit()?;
            }
            times.push(started.elapsed().as_secs_f64() / f64::from(per_round));
            if let (Some(a), Some(b)) = (cpu_before, thread_cpu()) {
                cpu.push((b - a) / f64::from(per_round));
            }
        }
        i += per_round as usize;
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let medians: Vec<f64> = dbs.iter().map(|(_, _, t, _)| median(t)).collect();
    for ((_, label, _, _), (m, (_, _, _, cpu))) in variants.iter().zip(medians.iter().zip(&dbs)) {
        let cpu = if cpu.is_empty() {
            String::new()
        } else {
            format!(", CPU {:.2} ms per record", median(cpu) * 1e3)
        };
        println!(
            "inserts ({label}): {} records in {rounds} interleaved rounds, a {} KB photo each, one durable transaction per record: median {:.0} records/s ({:.1} MB/s){cpu}",
            per_round * rounds,
            avg_photo / 1000,
            1.0 / m,
            avg_photo as f64 / m / 1e6
        );
    }
    let of = |name: &str| {
        variants
            .iter()
            .position(|v| v.0 == name)
            .map(|i| medians[i])
    };
    let best_plain = match (of("plain4k"), of("plain16k")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let (Some(v), Some(p)) = (of("vault"), best_plain) {
        println!(
            "ratio encrypted/plain (median time per record, vault profile against the faster plain): {:.2} (target ≤ 1.3)",
            v / p
        );
    }
    if let (Some(v), Some(p)) = (of("vault"), of("plain16k")) {
        println!(
            "  vault profile against plain with 16 KiB pages: {:.2}",
            v / p
        );
    }
    if let (Some(d), Some(p)) = (of("defaults"), of("plain4k")) {
        println!("  SQLCipher defaults against plain 4 KiB: {:.2}", d / p);
    }
    Ok(())
}

/// This thread's CPU time so far in seconds (user and system), from the scheduler's
/// own nanosecond count; `None` where /proc does not have it. The CPU a record costs
/// shows what the codec adds even when a busy machine makes wall time noisy.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
