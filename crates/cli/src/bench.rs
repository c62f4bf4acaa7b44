//! `outreach bench vault`: the figures the vault issue asks for, printed side by side.

use std::time::{Duration, Instant};

use anyhow::Context;
use outreach_keys::{KdfParams, PasswordWrap, SecretKey};
use outreach_vault::records::{self, Mode, NewTrip, PhotoIn, PhotoRole};
use outreach_vault::{DataKey, Policy, RosterEntry, Vault};

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

    let mut results = Vec::new();
    for (label, key) in [
        ("sqlcipher", Some(DataKey::generate()?)),
        ("plain sqlite", None),
    ] {
        let path = dir.path().join(format!("{}.db", label.replace(' ', "-")));
        let mut conn =
            outreach_vault::open_for_benchmark(&path, key.as_ref()).context("bench database")?;
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
        let tx = conn.transaction()?;
        records::insert_trip(&tx, &trip, now(), "b1")?;
        tx.commit()?;
        let started = Instant::now();
        for (i, payload) in payloads.iter().enumerate() {
            // Photos cycle through a pool, each made unique so none is de-duplicated.
            let mut photo = photos[i % photos.len()].clone();
            let n = photo.len();
            photo[n - 3] = (i % 251) as u8;
            photo[n - 4] = (i / 251 % 251) as u8;
            let id = records::new_id(now())?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            records::save_draft(
                &tx,
                &id,
                &trip.id,
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
        let took = started.elapsed();
        let per_s = f64::from(records_n) / took.as_secs_f64();
        println!(
            "inserts ({label}): {records_n} records with a {} KB photo each, one durable transaction per record: {:.0} records/s ({:.1} MB/s)",
            avg_photo / 1000,
            per_s,
            per_s * avg_photo as f64 / 1e6
        );
        results.push(took);
    }
    println!(
        "ratio encrypted/plain (time per record): {:.2} (target ≤ 1.3)",
        results[0].as_secs_f64() / results[1].as_secs_f64()
    );
    Ok(())
}
