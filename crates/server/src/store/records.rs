//! Records the tablets send, and the photos they name (content-addressed).

use outreach_protocol::sync::{HeldPhoto, ManifestRecord, RecordKey, RecordOutcome, RecordUpload};

use super::audit::{Actor, insert_audit};
use super::db::{Tx, args};
use super::devices::TABLET_OF;
use super::{Store, StoreError};

/// The result of storing a batch of records: all or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutRecords {
    /// Every record is held now; one outcome per record, in order.
    Done(Vec<RecordOutcome>),
    /// These versions are held with a different payload; nothing was stored.
    Conflicts(Vec<RecordKey>),
    /// These records were first sent by another tablet: only the tablet that sent a
    /// record's first version may send its later ones. Nothing was stored.
    Foreign(Vec<RecordKey>),
    /// These versions name as their author a staff ID the office never had. Nothing
    /// was stored.
    UnknownAuthor(Vec<RecordKey>),
}

/// Why a batch was declined as a whole.
enum Declined {
    Conflicts(Vec<usize>),
    Foreign(Vec<usize>),
    UnknownAuthor(Vec<usize>),
}

impl Store {
    /// Stores a batch of records in one transaction, each new one audited; a version
    /// already held with the same payload hash is left as it is.
    pub async fn put_records(
        &self,
        device_id: &str,
        records: &[RecordUpload],
        now: &str,
    ) -> Result<PutRecords, StoreError> {
        let (device_id, batch, now) = (device_id.to_owned(), records.to_vec(), now.to_owned());
        let stored = self
            .db
            .attempt(move |tx| {
                let records = batch;
                Box::pin(async move {
                    let device = Actor::Device(device_id.clone());
                    if let Some(declined) = check_senders(tx, &device_id, &records).await? {
                        return Ok(Err(declined));
                    }
                    // Rows are inserted in key order, so two batches sharing records wait
                    // for one another instead of deadlocking. The sort is stable: of two
                    // copies of a record in one batch, the first is stored and the second
                    // already held.
                    let mut order: Vec<usize> = (0..records.len()).collect();
                    order.sort_by(|&a, &b| {
                        let (a, b) = (&records[a], &records[b]);
                        (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version))
                    });
                    let mut outcomes = vec![RecordOutcome::AlreadyHeld; records.len()];
                    let mut conflicts: Vec<usize> = Vec::new();
                    for i in order {
                        let r = &records[i];
                        let inserted = tx
                            .execute(
                                "INSERT INTO records (record_id, version, format, trip_id, base_version, amend_reason,
                                     created_by, finalized_at, payload, payload_hash, device_id, received_at)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                                 ON CONFLICT (record_id, version) DO NOTHING",
                                &[&r.id, &r.version, &r.format, &r.trip_id, &r.base_version, &r.amend_reason,
                                  &r.created_by, &r.finalized_at, &r.payload, &r.payload_hash, &device_id, &now],
                            )
                            .await?;
                        if inserted == 0 {
                            // Held already: by an earlier batch, one committed meanwhile, or
                            // earlier in this one.
                            let held: String = tx
                                .value(
                                    "SELECT payload_hash FROM records WHERE record_id = ?1 AND version = ?2",
                                    &[&r.id, &r.version],
                                )
                                .await?;
                            if held != r.payload_hash {
                                conflicts.push(i);
                            }
                            continue;
                        }
                        for photo in &r.photos {
                            tx.execute(
                                "INSERT INTO record_photos (record_id, version, role, sha256) VALUES (?1, ?2, ?3, ?4)",
                                &[&r.id, &r.version, &photo.role, &photo.sha256],
                            )
                            .await?;
                        }
                        let subject = format!("{}/v{}", r.id, r.version);
                        insert_audit(tx, &now, &device, "record_stored", &subject).await?;
                        outcomes[i] = RecordOutcome::Stored;
                    }
                    if conflicts.is_empty() {
                        return Ok(Ok(outcomes));
                    }
                    // Declining undoes the whole batch.
                    Ok(Err(Declined::Conflicts(conflicts)))
                })
            })
            .await?;
        let keys = |mut at: Vec<usize>| {
            at.sort_unstable();
            at.into_iter()
                .map(|i| RecordKey {
                    id: records[i].id.clone(),
                    version: records[i].version,
                })
                .collect()
        };
        Ok(match stored {
            Ok(outcomes) => PutRecords::Done(outcomes),
            Err(Declined::Conflicts(at)) => PutRecords::Conflicts(keys(at)),
            Err(Declined::Foreign(at)) => PutRecords::Foreign(keys(at)),
            Err(Declined::UnknownAuthor(at)) => PutRecords::UnknownAuthor(keys(at)),
        })
    }

    /// Of the asked-for versions, those held, with their photos' state: one statement,
    /// so one snapshot in which a record and its photos' state agree.
    /// Asked for a device, only records first sent by its tablet are answered for: a
    /// tablet learns nothing of another's. `None`: every record (the office's own
    /// checks).
    pub async fn manifest(
        &self,
        device_id: Option<&str>,
        keys: &[RecordKey],
    ) -> Result<Vec<ManifestRecord>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let asked: Vec<(&str, i64)> = keys.iter().map(|k| (k.id.as_str(), k.version)).collect();
        let asked = serde_json::to_string(&asked).map_err(|e| StoreError::Task(e.to_string()))?;
        let device_id = device_id.map(str::to_owned);
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let sql = format!(
                        "SELECT k.key, r.record_id, r.version, r.payload_hash, rp.sha256, p.sha256 IS NOT NULL
                         FROM {keys}
                         JOIN records r ON r.record_id = (k.value ->> 0) AND r.version = CAST(k.value ->> 1 AS BIGINT)
                         LEFT JOIN record_photos rp ON rp.record_id = r.record_id AND rp.version = r.version
                         LEFT JOIN photos p ON p.sha256 = rp.sha256
                         WHERE CAST(?2 AS TEXT) IS NULL OR {owner} = {asker}
                         ORDER BY k.key, rp.role COLLATE \"C\"",
                        keys = tx.dialect().json_rows(1, "k"),
                        owner = owner_of("r.record_id"),
                        asker = tablet_of("?2"),
                    );
                    let rows = tx
                        .query(&sql, &[&asked, &device_id], |r| {
                            Ok((
                                r.get::<i64>(0)?,
                                r.get::<String>(1)?,
                                r.get::<i64>(2)?,
                                r.get::<String>(3)?,
                                r.get::<Option<String>>(4)?,
                                r.get::<bool>(5)?,
                            ))
                        })
                        .await?;
                    let mut out: Vec<(i64, ManifestRecord)> = Vec::new();
                    for (ord, id, version, payload_hash, sha256, held) in rows {
                        if out.last().is_none_or(|(last, _)| *last != ord) {
                            out.push((
                                ord,
                                ManifestRecord { id, version, payload_hash, photos: Vec::new(), complete: true },
                            ));
                        }
                        if let (Some(sha256), Some((_, record))) = (sha256, out.last_mut()) {
                            record.complete &= held;
                            record.photos.push(HeldPhoto { sha256, held });
                        }
                    }
                    Ok(out.into_iter().map(|(_, record)| record).collect())
                })
            })
            .await
    }

    /// True when the photo's bytes are held.
    pub async fn photo_held(&self, sha256: &str) -> Result<bool, StoreError> {
        let sql = "SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = ?1)";
        Ok(self
            .db
            .row(sql, args![sha256], |r| r.get(0))
            .await?
            .unwrap_or(false))
    }

    /// A held photo's bytes.
    pub async fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = "SELECT bytes FROM photos WHERE sha256 = ?1";
        self.db.row(sql, args![sha256], |r| r.get(0)).await
    }
}

/// The tablet that first sent a record, as SQL: the tablet of the device that sent its
/// lowest version held.
fn owner_of(record_id: &str) -> String {
    format!(
        "(SELECT {TABLET_OF} FROM devices WHERE device_id =
             (SELECT o.device_id FROM records o WHERE o.record_id = {record_id} ORDER BY o.version LIMIT 1))"
    )
}

/// The tablet a device is, as SQL (the device's own ID when it is not on record, as
/// in store tests that send without enrolling).
fn tablet_of(device_id: &str) -> String {
    format!(
        "COALESCE((SELECT {TABLET_OF} FROM devices WHERE device_id = {device_id}), {device_id})"
    )
}

/// Checks who may send this batch: each record's later versions come only from the
/// tablet that sent its first (so a tablet cannot rewrite another's record), and each
/// names a staff ID the office has (disabled ones too: a record made before is still
/// theirs). Positions of the records refused, if any.
async fn check_senders(
    tx: &mut Tx<'_>,
    device_id: &str,
    records: &[RecordUpload],
) -> Result<Option<Declined>, StoreError> {
    let mut foreign = Vec::new();
    let mut unknown = Vec::new();
    let sql = format!(
        "SELECT COALESCE({owner} = {asker}, TRUE), EXISTS (SELECT 1 FROM staff WHERE staff_id = ?3)",
        owner = owner_of("?1"),
        asker = tablet_of("?2"),
    );
    for (i, r) in records.iter().enumerate() {
        let (own, known): (bool, bool) = tx
            .query_opt(&sql, &[&r.id, &device_id, &r.created_by], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .await?
            .ok_or(StoreError::NoRow)?;
        if !own {
            foreign.push(i);
        } else if !known {
            unknown.push(i);
        }
    }
    Ok(if !foreign.is_empty() {
        Some(Declined::Foreign(foreign))
    } else if !unknown.is_empty() {
        Some(Declined::UnknownAuthor(unknown))
    } else {
        None
    })
}
