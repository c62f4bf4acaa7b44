//! tus uploads in progress: their state, and their bytes stored as they arrive. The
//! chunks go with their upload (`ON DELETE CASCADE`, on both databases).

use super::audit::{Actor, insert_audit};
use super::db::{Row, args, work};
use super::{Store, StoreError};

/// A tus upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Random ID, the last segment of its URL.
    pub upload_id: String,
    /// The device that made it; no other device may touch it.
    pub device_id: String,
    /// Declared hex SHA-256 of the whole photo.
    pub sha256: String,
    /// Declared length in bytes.
    pub length: i64,
    /// Bytes received and stored.
    pub offset: i64,
    /// The raw `Upload-Metadata` header, echoed on HEAD.
    pub metadata: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: deleted when unfinished by then.
    pub expires_at: String,
}

/// The result of appending bytes to an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Append {
    /// Stored; the new offset.
    Appended(i64),
    /// The upload is at another offset (given): nothing stored.
    OffsetMismatch(i64),
    /// The upload is gone (finished, terminated or expired).
    Gone,
}

impl Upload {
    fn from_row(r: &Row<'_>) -> Result<Self, StoreError> {
        Ok(Upload {
            upload_id: r.get(0)?,
            device_id: r.get(1)?,
            sha256: r.get(2)?,
            length: r.get(3)?,
            offset: r.get(4)?,
            metadata: r.get(5)?,
            created_at: r.get(6)?,
            expires_at: r.get(7)?,
        })
    }
}

impl Store {
    /// Starts a tus upload if the device's unexpired unfinished uploads, this one
    /// included, declare at most `space` bytes; else declines with the bytes they
    /// already declare, and nothing changes. The device's row lock orders parallel
    /// creations (SQLite's one writer does alone).
    pub async fn create_upload(
        &self,
        u: &Upload,
        space: i64,
    ) -> Result<Result<(), i64>, StoreError> {
        let u = u.clone();
        self.db
            .attempt(work!(|tx| {
                    tx.query("SELECT 1 FROM devices WHERE device_id = ?1 FOR UPDATE", &[&u.device_id], |_| Ok(()))
                        .await?;
                    let used: i64 = tx
                        .value(
                            "SELECT CAST(COALESCE(SUM(length), 0) AS BIGINT) FROM uploads WHERE device_id = ?1 AND expires_at >= ?2",
                            &[&u.device_id, &u.created_at],
                        )
                        .await?;
                    if used.saturating_add(u.length) > space {
                        return Ok(Err(used));
                    }
                    let inserted = tx
                        .execute(
                            "INSERT INTO uploads (upload_id, device_id, sha256, length, received, metadata, created_at, expires_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (upload_id) DO NOTHING",
                            &[&u.upload_id, &u.device_id, &u.sha256, &u.length, &u.offset, &u.metadata, &u.created_at, &u.expires_at],
                        )
                        .await?;
                    if inserted == 0 {
                        return Err(StoreError::Conflict(format!("upload {}", u.upload_id)));
                    }
                    Ok(Ok(()))
                }))
            .await
    }

    /// An unfinished upload.
    pub async fn upload(&self, upload_id: &str) -> Result<Option<Upload>, StoreError> {
        self.db
            .row(
                "SELECT upload_id, device_id, sha256, length, received, metadata, created_at, expires_at
                 FROM uploads WHERE upload_id = ?1",
                args![upload_id],
                Upload::from_row,
            )
            .await
    }

    /// Appends `bytes` at `offset`, atomically checking that the upload is there.
    pub async fn append_upload(
        &self,
        upload_id: &str,
        offset: i64,
        bytes: Vec<u8>,
    ) -> Result<Append, StoreError> {
        let id = upload_id.to_owned();
        self.db
            .write(work!(|tx| {
                // The row lock serialises appends to one upload.
                let Some(received) = tx
                    .query_opt(
                        "SELECT received FROM uploads WHERE upload_id = ?1 FOR UPDATE",
                        &[&id],
                        |r| r.get::<i64>(0),
                    )
                    .await?
                else {
                    return Ok(Append::Gone);
                };
                if received != offset {
                    return Ok(Append::OffsetMismatch(received));
                }
                if bytes.is_empty() {
                    // Nothing to store; a chunk row would only take the next one's place.
                    return Ok(Append::Appended(received));
                }
                let end = offset.saturating_add(i64::try_from(bytes.len()).unwrap_or(i64::MAX));
                tx.execute(
                    "INSERT INTO upload_chunks (upload_id, start, bytes) VALUES (?1, ?2, ?3)",
                    &[&id, &offset, &bytes],
                )
                .await?;
                // Past the declared length, the CHECK constraint refuses and the
                // error undoes the chunk too.
                tx.execute(
                    "UPDATE uploads SET received = ?2 WHERE upload_id = ?1",
                    &[&id, &end],
                )
                .await?;
                Ok(Append::Appended(end))
            }))
            .await
    }

    /// Every byte of an upload stored so far, in order.
    pub async fn upload_bytes(&self, upload_id: &str) -> Result<Vec<u8>, StoreError> {
        let id = upload_id.to_owned();
        self.db
            .read(work!(|tx| {
                let mut out = Vec::new();
                tx.query(
                    "SELECT bytes FROM upload_chunks WHERE upload_id = ?1 ORDER BY start",
                    &[&id],
                    |r| {
                        out.extend_from_slice(&r.get::<Vec<u8>>(0)?);
                        Ok(())
                    },
                )
                .await?;
                Ok(out)
            }))
            .await
    }

    /// Finishes an upload whose hash the caller checked: stores the photo once (a
    /// photo already held is kept as it is), deletes the upload, audits it.
    pub async fn complete_upload(
        &self,
        upload: &Upload,
        bytes: Vec<u8>,
        now: &str,
    ) -> Result<(), StoreError> {
        let (u, now) = (upload.clone(), now.to_owned());
        self.db
            .write(work!(|tx| {
                // Two requests finishing the same upload at once: the second finds it
                // gone and does nothing (the photo is stored and audited once).
                if tx
                    .execute("DELETE FROM uploads WHERE upload_id = ?1", &[&u.upload_id])
                    .await?
                    == 0
                {
                    return Ok(());
                }
                let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
                tx.execute(
                    "INSERT INTO photos (sha256, bytes, size, stored_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (sha256) DO NOTHING",
                    &[&u.sha256, &bytes, &size, &now],
                )
                .await?;
                let device = Actor::Device(u.device_id.clone());
                insert_audit(tx, &now, &device, "photo_stored", &u.sha256).await
            }))
            .await
    }

    /// Deletes an unfinished upload and its bytes; false if there was none.
    pub async fn delete_upload(&self, upload_id: &str) -> Result<bool, StoreError> {
        let sql = "DELETE FROM uploads WHERE upload_id = ?1";
        Ok(self.db.change(sql, args![upload_id]).await? > 0)
    }

    /// Deletes uploads past their expiry; returns how many.
    pub async fn expire_uploads(&self, now: &str) -> Result<u64, StoreError> {
        self.db
            .change("DELETE FROM uploads WHERE expires_at < ?1", args![now])
            .await
    }
}
