//! `outreach bench vault`: the figures the vault issue asks for, printed side by side.

use std::time::{Duration, Instant};

use anyhow::Context;
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{CipherProfile, DataKey, Policy, RosterEntry, Vault};

/// Unlock time, then record inserts per second with a 300 KB photo, encrypted and
/// plain, on the same code path and the same disk.
pub fn vault(records_n: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let now = chrono::Utc::now;

    for (n, (label, params)) in [
        ("RFC 9106 second profile", KdfParams::RFC9106_SECOND),
        (
            "calibrated to 0.3 s",
            KdfParams::calibrated(Duration::from_millis(300))?.0,
        ),
    ]
    .into_iter()
    .enumerate()
    {
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
    let variants: [(&str, Option<CipherProfile>, u32); 4] = [
        (
            "sqlcipher (vault: 16 KiB pages, HMAC-SHA256)",
            Some(CipherProfile::CURRENT),
            0,
        ),
        (
            "sqlcipher (SQLCipher 4 defaults: 4 KiB, HMAC-SHA512)",
            Some(CipherProfile::Sqlcipher4Defaults),
            0,
        ),
        ("plain sqlite (4 KiB pages)", None, 4096),
        ("plain sqlite (16 KiB pages)", None, 16384),
    ];
    let rounds = 6u32;
    let per_round = (records_n / rounds).max(1);
    let mut dbs = Vec::new();
    for (n, (_, cipher, page)) in variants.iter().enumerate() {
        let path = dir.path().join(format!("inserts-{n}.db"));
        let key = DataKey::generate()?;
        let conn = outreach_vault::open_for_benchmark(&path, cipher.map(|c| (&key, c)), *page)
            .context("bench database")?;
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
        dbs.push((conn, trip.id, Vec::<f64>::new()));
    }
    let mut i = 0usize;
    for _ in 0..rounds {
        for (conn, trip_id, times) in dbs.iter_mut() {
            let started = Instant::now();
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
        }
        i += per_round as usize;
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let medians: Vec<f64> = dbs.iter().map(|(_, _, t)| median(t)).collect();
    for ((label, _, _), m) in variants.iter().zip(&medians) {
        println!(
            "inserts ({label}): {} records in {rounds} interleaved rounds, a {} KB photo each, one durable transaction per record: median {:.0} records/s ({:.1} MB/s)",
            per_round * rounds,
            avg_photo / 1000,
            1.0 / m,
            avg_photo as f64 / m / 1e6
        );
    }
    let best_plain = medians[2].min(medians[3]);
    println!(
        "ratio encrypted/plain (median time per record, vault profile against the faster plain): {:.2} (target ≤ 1.3); against plain with the same 16 KiB pages {:.2}; SQLCipher defaults against plain 4 KiB {:.2}",
        medians[0] / best_plain,
        medians[0] / medians[3],
        medians[1] / medians[2]
    );
    Ok(())
}
