//! The sync engine: a pure planner (what the vault holds and what the office's
//! manifest says in, operations out) and an executor that carries the plan out over
//! the [`OfficeClient`], keeping every item's state in the vault so a restart
//! continues where it stopped.
//!
//! A record is marked Sent only when the manifest lists it complete, with every one of
//! its photo hashes held: never on a timeout or on the 2xx of one request.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use chrono::Utc;
use outreach_protocol::sync::{Manifest, PhotoRef, RecordKey, RecordUpload};
use outreach_vault::outbox::{self, OutboxItem};
use outreach_vault::{Vault, VaultError, records};
use sha2::{Digest, Sha256};

use crate::OfficeClient;
use crate::api::{ApiError, PATCH_BYTES, UploadState};

/// Records per batch going up, and keys per manifest question.
pub const BATCH: usize = 100;

/// Photos going up at once.
const UPLOAD_LANES: usize = 2;

/// What to do, decided from the vault's outbox and the office's manifest alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Listed complete by the office: mark Sent.
    pub confirm: Vec<RecordKey>,
    /// Not held by the office: send the record.
    pub send: Vec<RecordKey>,
    /// Photos the office does not hold, each once, in outbox order.
    pub upload: Vec<[u8; 32]>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key(item: &OutboxItem) -> RecordKey {
    RecordKey {
        id: item.id.clone(),
        version: item.version,
    }
}

/// The planner: pure, so every case is a unit test.
pub fn plan(pending: &[OutboxItem], manifest: &Manifest) -> Plan {
    let listed: HashMap<(&str, i64), &outreach_protocol::sync::ManifestRecord> = manifest
        .records
        .iter()
        .map(|r| ((r.id.as_str(), r.version), r))
        .collect();
    let held: BTreeSet<&str> = manifest
        .records
        .iter()
        .flat_map(|r| {
            r.photos
                .iter()
                .filter(|p| p.held)
                .map(|p| p.sha256.as_str())
        })
        .collect();
    let mut out = Plan::default();
    let mut queued = BTreeSet::new();
    for item in pending {
        let listing = listed.get(&(item.id.as_str(), item.version));
        match listing {
            Some(r) if r.complete => {
                out.confirm.push(key(item));
                continue;
            }
            Some(_) => {}
            None => out.send.push(key(item)),
        }
        for p in &item.photos {
            let h = hex(&p.sha256);
            if !held.contains(h.as_str()) && queued.insert(p.sha256) {
                out.upload.push(p.sha256);
            }
        }
    }
    out
}

/// Where a sync run stands, for the sync panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Record versions waiting for the office at the start of this run.
    pub items_total: usize,
    /// Of those, confirmed Sent so far.
    pub items_sent: usize,
    /// Photo bytes to send in this run.
    pub bytes_total: u64,
    /// Photo bytes the office has accepted so far in this run.
    pub bytes_done: u64,
    /// Photo bytes put on the wire in this run (PATCH bodies), counted before each is
    /// sent: after a failed run, this minus `bytes_done` is what the cut cost.
    pub bytes_on_wire: u64,
    /// Recent speed, bytes per second.
    pub bytes_per_second: f64,
    /// What the engine is doing, in a few words (for the log and the panel).
    pub phase: &'static str,
}

/// The result of one run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Record versions confirmed Sent in this run.
    pub records_sent: usize,
    /// Record versions still waiting (failed, refused, or not confirmed yet).
    pub records_waiting: usize,
    /// Photo bytes put on the wire (PATCH bodies).
    pub bytes_sent: u64,
    /// Bytes that had been sent in an earlier, cut attempt and that the office did not
    /// hold, so they went again (what the cuts cost).
    pub bytes_resent: u64,
    /// Audit events of the tablet's chain the office took in this run.
    pub audit_events_sent: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The office could not be reached or failed; progress so far is kept.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The vault refused.
    #[error("vault: {0}")]
    Vault(#[from] VaultError),
    /// The tablet locked or its staff member signed out: sync waits for the next
    /// sign-in.
    #[error("the tablet is locked")]
    Locked,
}

/// How the engine reaches the vault: briefly, between network calls, never across an
/// await. The app's session holds `Mutex<Option<Vault>>` (empty while the tablet is
/// locked: sync stops), the headless tablet a plain `Mutex<Vault>`.
pub trait VaultAccess: Sync {
    /// Runs `f` on the open vault, or fails with [`SyncError::Locked`].
    fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, SyncError>;
}

impl VaultAccess for Mutex<Vault> {
    fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, SyncError> {
        // A panic mid-write rolls its transaction back: the vault is consistent.
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut guard)?)
    }
}

impl VaultAccess for Mutex<Option<Vault>> {
    fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, SyncError> {
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(guard.as_mut().ok_or(SyncError::Locked)?)?)
    }
}

/// The wire form of an outbox item: its payload text exactly as stored, hashed.
pub fn upload_of(item: &OutboxItem) -> RecordUpload {
    RecordUpload {
        id: item.id.clone(),
        version: item.version,
        format: 1,
        trip_id: item.trip_id.clone(),
        base_version: item.base_version,
        amend_reason: item.amend_reason.clone(),
        created_by: item.created_by.clone(),
        finalized_at: item.finalized_at.clone(),
        payload: item.payload.clone(),
        payload_hash: hex(&Sha256::digest(item.payload.as_bytes())),
        photos: item
            .photos
            .iter()
            .map(|p| PhotoRef {
                role: p.role.clone(),
                sha256: hex(&p.sha256),
            })
            .collect(),
    }
}

/// One sync run: confirm what the office holds, send what it lacks, ask again.
/// `on_progress` is called as the run moves.
pub async fn sync_once(
    vault: &(impl VaultAccess + ?Sized),
    client: &OfficeClient,
    credential: &str,
    on_progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Summary, SyncError> {
    let started = Instant::now();
    // The audit chain first: small, and it goes even when no record waits. An office
    // that refuses it never holds the records back (it is retried at the next run).
    let audit_events_sent = match crate::audit::send(vault, client, credential).await {
        Ok(n) => n,
        Err(SyncError::Api(ApiError::Refused { code, .. })) => {
            tracing::warn!(code, "the office refused the audit events; records go on");
            0
        }
        Err(e) => return Err(e),
    };
    let pending = vault.with_vault(|v| outbox::pending(v.conn()))?;
    let mut progress = Progress {
        items_total: pending.len(),
        phase: "確認中",
        ..Progress::default()
    };
    let mut summary = Summary {
        audit_events_sent,
        ..Summary::default()
    };
    if pending.is_empty() {
        on_progress(&progress);
        return Ok(summary);
    }
    on_progress(&progress);

    let manifest = ask(client, credential, &pending).await?;
    let the_plan = plan(&pending, &manifest);
    summary.records_sent += confirm(vault, &the_plan.confirm)?;
    progress.items_sent = summary.records_sent;

    // Records first: small, and afterwards the manifest says which photos are missing.
    let by_key: HashMap<RecordKey, &OutboxItem> = pending.iter().map(|i| (key(i), i)).collect();
    let to_send: Vec<&OutboxItem> = the_plan
        .send
        .iter()
        .filter_map(|k| by_key.get(k).copied())
        .collect();
    progress.phase = "記録を送信中";
    on_progress(&progress);
    for chunk in to_send.chunks(BATCH) {
        send_records(vault, client, credential, chunk).await?;
    }

    // Photos, resumable.
    let sizes: HashMap<[u8; 32], u64> = pending
        .iter()
        .flat_map(|i| i.photos.iter().map(|p| (p.sha256, p.size)))
        .collect();
    progress.bytes_total = the_plan.upload.iter().filter_map(|s| sizes.get(s)).sum();
    progress.phase = "写真を送信中";
    on_progress(&progress);
    // Two lanes of photos at once: while one waits for its PATCH's answer or creates
    // its next upload, the other keeps the link busy. One lane leaves the link idle
    // for about a round trip and a half per photo (80 % of a 5 Mbit/s, 60 ms link;
    // bench/README.md, "Sync over a bad link").
    let shared = Mutex::new((&mut progress, (Instant::now(), 0u64), &mut *on_progress));
    let report = |event: Bytes| {
        let mut guard = shared.lock().unwrap_or_else(|p| p.into_inner());
        let (progress, window, on_progress) = &mut *guard;
        match event {
            Bytes::OnWire(n) => progress.bytes_on_wire += n,
            Bytes::Kept(n) => {
                progress.bytes_done += n;
                window.1 += n;
                let elapsed = window.0.elapsed().as_secs_f64();
                if elapsed > 0.0 {
                    progress.bytes_per_second = window.1 as f64 / elapsed;
                }
            }
        }
        on_progress(progress);
    };
    let lane = |parity: usize| {
        let shas: Vec<[u8; 32]> = the_plan
            .upload
            .iter()
            .enumerate()
            .filter(|(i, _)| i % UPLOAD_LANES == parity)
            .map(|(_, s)| *s)
            .collect();
        let report = &report;
        async move {
            let (mut sent, mut lost) = (0, 0);
            for sha in &shas {
                let (s, l) =
                    upload_photo(vault, client, credential, sha, &mut |e| report(e)).await?;
                sent += s;
                lost += l;
            }
            Ok::<_, SyncError>((sent, lost))
        }
    };
    // join, not try_join: a lane whose link dropped must not cancel the other half-way
    // (between the office creating an upload and the vault remembering it).
    let (a, b) = tokio::join!(lane(0), lane(1));
    let ((sent_a, lost_a), (sent_b, lost_b)) = (a?, b?);
    summary.bytes_sent += sent_a + sent_b;
    summary.bytes_resent += lost_a + lost_b;

    // Only the manifest makes a record Sent.
    progress.phase = "受領を確認中";
    on_progress(&progress);
    let pending = vault.with_vault(|v| outbox::pending(v.conn()))?;
    let manifest = ask(client, credential, &pending).await?;
    let after = plan(&pending, &manifest);
    summary.records_sent += confirm(vault, &after.confirm)?;
    let now = Utc::now();
    vault.with_vault(|v| {
        v.write(|tx, _| {
            for item in &pending {
                let k = key(item);
                if after.confirm.contains(&k) || item.state == "failed" {
                    continue;
                }
                outbox::set_state(
                    tx,
                    &item.id,
                    item.version,
                    "awaiting_confirmation",
                    None,
                    now,
                )?;
            }
            Ok(())
        })
    })?;
    progress.items_sent = summary.records_sent;
    progress.phase = "完了";
    on_progress(&progress);
    summary.records_waiting = vault.with_vault(|v| outbox::pending(v.conn()))?.len();
    summary.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        sent = summary.records_sent,
        waiting = summary.records_waiting,
        bytes = summary.bytes_sent,
        resent = summary.bytes_resent,
        "sync run finished"
    );
    Ok(summary)
}

async fn ask(
    client: &OfficeClient,
    credential: &str,
    pending: &[OutboxItem],
) -> Result<Manifest, ApiError> {
    let keys: Vec<RecordKey> = pending.iter().map(key).collect();
    let mut all = Manifest {
        records: Vec::new(),
    };
    for chunk in keys.chunks(BATCH) {
        all.records
            .extend(client.manifest(credential, chunk).await?.records);
    }
    Ok(all)
}

fn confirm(vault: &(impl VaultAccess + ?Sized), keys: &[RecordKey]) -> Result<usize, SyncError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    vault.with_vault(|v| {
        v.write(|tx, _| {
            for k in keys {
                records::mark_sent(tx, &k.id, k.version, now)?;
            }
            Ok(keys.len())
        })
    })
}

/// Sends records; a refused record is marked failed with the office's reason and the
/// rest are sent without it (a batch is all or nothing at the office).
async fn send_records(
    vault: &(impl VaultAccess + ?Sized),
    client: &OfficeClient,
    credential: &str,
    items: &[&OutboxItem],
) -> Result<(), SyncError> {
    let now = Utc::now();
    vault.with_vault(|v| {
        v.write(|tx, _| {
            for i in items {
                outbox::set_state(tx, &i.id, i.version, "sending", None, now)?;
            }
            Ok(())
        })
    })?;
    let mut batch: Vec<&OutboxItem> = items.to_vec();
    while !batch.is_empty() {
        let uploads: Vec<RecordUpload> = batch.iter().map(|i| upload_of(i)).collect();
        match client.put_records(credential, &uploads).await {
            Ok(_) => return Ok(()),
            Err(ApiError::Conflict(keys)) if !keys.is_empty() => {
                fail(
                    vault,
                    &keys,
                    "office_conflict: the office holds this version with different content",
                )?;
                batch.retain(|i| !keys.contains(&key(i)));
            }
            Err(ApiError::Refused { code, .. }) if batch.len() == 1 => {
                fail(vault, &[key(batch[0])], &code)?;
                return Ok(());
            }
            Err(ApiError::Refused { .. }) => {
                // Find the refused one(s): one at a time (rare; a refusal is a bug).
                for one in batch {
                    Box::pin(send_records(vault, client, credential, &[one])).await?;
                }
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn fail(
    vault: &(impl VaultAccess + ?Sized),
    keys: &[RecordKey],
    reason: &str,
) -> Result<(), SyncError> {
    let now = Utc::now();
    tracing::warn!(records = keys.len(), reason, "office refused records");
    vault.with_vault(|v| {
        v.write(|tx, _| {
            for k in keys {
                outbox::set_state(tx, &k.id, k.version, "failed", Some(reason), now)?;
            }
            Ok(())
        })
    })
}

/// What happened to a photo's bytes.
enum Bytes {
    /// About to be sent.
    OnWire(u64),
    /// Held by the office now.
    Kept(u64),
}

/// Uploads one photo over tus, continuing an upload the vault remembers. Returns
/// (bytes put on the wire, bytes an earlier cut cost: sent before, not held).
async fn upload_photo(
    vault: &(impl VaultAccess + ?Sized),
    client: &OfficeClient,
    credential: &str,
    sha: &[u8; 32],
    on_bytes: &mut (dyn FnMut(Bytes) + Send),
) -> Result<(u64, u64), SyncError> {
    let Some(bytes) = vault.with_vault(|v| outbox::photo(v.conn(), sha))? else {
        return Ok((0, 0));
    };
    let length = bytes.len() as u64;
    let remembered = vault.with_vault(|v| outbox::upload_url(v.conn(), sha))?;
    // Bytes sent in an earlier attempt that the office does not hold: what a cut cost.
    let mut lost = 0;
    let (url, mut offset) = match remembered {
        Some((url, attempted)) => match client.upload_offset(credential, &url).await? {
            UploadState::At(o) => {
                lost = attempted.saturating_sub(o);
                (url, o)
            }
            UploadState::Gone => {
                lost = attempted;
                (new_upload(vault, client, credential, sha, length).await?, 0)
            }
        },
        None => (new_upload(vault, client, credential, sha, length).await?, 0),
    };
    on_bytes(Bytes::Kept(offset));
    let mut sent = 0u64;
    while offset < length {
        let from = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let to = (from + PATCH_BYTES).min(bytes.len());
        sent += (to - from) as u64;
        vault.with_vault(|v| v.write(|tx, _| outbox::note_attempt(tx, sha, to as u64)))?;
        on_bytes(Bytes::OnWire((to - from) as u64));
        match client
            .patch_upload(credential, &url, offset, bytes[from..to].to_vec())
            .await
        {
            Ok(new) => {
                on_bytes(Bytes::Kept(new.saturating_sub(offset)));
                offset = new;
            }
            Err(e) => return Err(e.into()),
        }
    }
    vault.with_vault(|v| v.write(|tx, _| outbox::set_upload_url(tx, sha, None, Utc::now())))?;
    Ok((sent, lost))
}

async fn new_upload(
    vault: &(impl VaultAccess + ?Sized),
    client: &OfficeClient,
    credential: &str,
    sha: &[u8; 32],
    length: u64,
) -> Result<String, SyncError> {
    let url = client.create_upload(credential, length, &hex(sha)).await?;
    vault
        .with_vault(|v| v.write(|tx, _| outbox::set_upload_url(tx, sha, Some(&url), Utc::now())))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use outreach_protocol::sync::{HeldPhoto, ManifestRecord};
    use outreach_vault::outbox::OutboxPhoto;

    fn item(id: &str, photos: &[u8]) -> OutboxItem {
        OutboxItem {
            id: id.into(),
            version: 1,
            trip_id: "t".into(),
            state: "queued".into(),
            reason: None,
            attempts: 0,
            payload: "{}".into(),
            created_by: "s".into(),
            finalized_at: "2026-11-26T00:00:00Z".into(),
            base_version: None,
            amend_reason: None,
            photos: photos
                .iter()
                .map(|b| OutboxPhoto {
                    role: "original".into(),
                    sha256: [*b; 32],
                    size: 10,
                })
                .collect(),
        }
    }

    fn listed(id: &str, photos: &[(u8, bool)]) -> ManifestRecord {
        let photos: Vec<HeldPhoto> = photos
            .iter()
            .map(|(b, held)| HeldPhoto {
                sha256: hex(&[*b; 32]),
                held: *held,
            })
            .collect();
        ManifestRecord {
            id: id.into(),
            version: 1,
            payload_hash: String::new(),
            complete: photos.iter().all(|p| p.held),
            photos,
        }
    }

    #[test]
    fn nothing_held_means_send_everything_and_each_photo_once() {
        let pending = [item("a", &[1]), item("b", &[1, 2])];
        let p = plan(&pending, &Manifest { records: vec![] });
        assert_eq!(p.send.len(), 2);
        assert!(p.confirm.is_empty(), "nothing is Sent without the manifest");
        assert_eq!(
            p.upload,
            vec![[1; 32], [2; 32]],
            "a shared photo goes up once"
        );
    }

    #[test]
    fn only_a_complete_listing_confirms() {
        let pending = [item("a", &[1]), item("b", &[2]), item("c", &[])];
        let manifest = Manifest {
            records: vec![
                listed("a", &[(1, true)]),
                listed("b", &[(2, false)]),
                listed("c", &[]),
            ],
        };
        let p = plan(&pending, &manifest);
        assert_eq!(
            p.confirm.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert!(p.send.is_empty(), "listed records are not sent again");
        assert_eq!(p.upload, vec![[2; 32]], "only the photo the office lacks");
    }

    #[test]
    fn a_photo_held_for_another_record_is_not_sent_again() {
        let pending = [item("a", &[1]), item("b", &[1])];
        let manifest = Manifest {
            records: vec![listed("a", &[(1, true)])],
        };
        let p = plan(&pending, &manifest);
        assert_eq!(p.send.len(), 1);
        assert!(p.upload.is_empty());
    }
}
