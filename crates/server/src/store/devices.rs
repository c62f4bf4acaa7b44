//! Tablets and their one-time enrolment codes. Secrets are stored as SHA-256 hashes.

use super::audit::{Actor, insert_audit};
use super::db::{Row, Tx, args, from_row, work};
use super::{Store, StoreError, seconds_before};

/// An enrolment code as stored: only its hash, never the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    /// Hex SHA-256 of the one-time code.
    pub code_hash: String,
    /// The name the device will have.
    pub device_name: String,
    /// Supervisor who made it.
    pub created_by: String,
    /// RFC 3339 (see [`super::timestamp`]).
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A device about to be enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDevice {
    /// New random ID.
    pub device_id: String,
    /// Hex SHA-256 of its credential.
    pub credential_hash: String,
    /// RFC 3339.
    pub credential_expires_at: String,
    /// The tablet's stable identity (its vault's id), when it sent one.
    pub tablet_id: Option<String>,
    /// The device this tablet was before, when it is enrolled again.
    pub previous_device_id: Option<String>,
}

/// A device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// ID.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// RFC 3339.
    pub enrolled_at: String,
    /// RFC 3339.
    pub credential_expires_at: String,
    /// RFC 3339, when revoked.
    pub revoked_at: Option<String>,
    /// RFC 3339, last authenticated request (to the minute).
    pub last_seen_at: Option<String>,
    /// The tablet it is: its vault's id, or for a device enrolled before tablet
    /// identities, its own ID. A tablet enrolled again keeps it.
    pub tablet: String,
    /// The device that replaced this one when the tablet was enrolled again.
    pub replaced_by: Option<String>,
}

/// Why an enrolment code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolRefusal {
    /// No such code.
    Unknown,
    /// The code was used already.
    Used,
    /// The code is past its time.
    Expired,
}

/// Columns of [`Device`], in its order.
const DEVICE: &str =
    "device_id, name, enrolled_at, credential_expires_at, revoked_at, last_seen_at,
     COALESCE(tablet_id, device_id), replaced_by";

/// The tablet a device is, as SQL over `devices` (see [`Device::tablet`]).
pub(crate) const TABLET_OF: &str = "COALESCE(tablet_id, device_id)";

/// A device's `last_seen_at` is written at most once a minute: not every request
/// needs to be a write.
const LAST_SEEN_GRANULARITY_SECS: i64 = 60;

impl Device {
    fn from_row(r: &Row<'_>) -> Result<Self, StoreError> {
        Ok(from_row!(r => Device {
            device_id, name, enrolled_at, credential_expires_at, revoked_at, last_seen_at, tablet,
            replaced_by
        }))
    }
}

impl Store {
    /// Stores a new one-time enrolment code (its hash) and audits it.
    pub async fn create_enrolment(&self, enrolment: &NewEnrolment) -> Result<(), StoreError> {
        let e = enrolment.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let inserted = tx
                        .execute(
                            "INSERT INTO enrolment_codes (code_hash, device_name, created_by, created_at, expires_at)
                             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (code_hash) DO NOTHING",
                            &[&e.code_hash, &e.device_name, &e.created_by, &e.created_at, &e.expires_at],
                        )
                        .await?;
                    if inserted == 0 {
                        return Err(StoreError::Conflict("enrolment code".into()));
                    }
                    let by = Actor::Staff(e.created_by.clone());
                    insert_audit(tx, &e.created_at, &by, "enrolment_issued", &e.device_name).await
                })
            })
            .await
    }

    /// Uses an enrolment code once: in one transaction the code is marked used, the
    /// device stored and the enrolment audited.
    pub async fn redeem_enrolment(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: &str,
    ) -> Result<Result<Device, EnrolRefusal>, StoreError> {
        let (code, d, now) = (code_hash.to_owned(), device.clone(), now.to_owned());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    // The row lock makes a second redeemer of the same code wait for the
                    // first to commit, and then see the code as used.
                    let found = tx
                        .query_opt(
                            "SELECT device_name, used_at IS NOT NULL, expires_at > ?2
                             FROM enrolment_codes WHERE code_hash = ?1 FOR UPDATE",
                            &[&code, &now],
                            |r| Ok((r.get::<String>(0)?, r.get::<bool>(1)?, r.get::<bool>(2)?)),
                        )
                        .await?;
                    let name = match found {
                        None => return Ok(Err(EnrolRefusal::Unknown)),
                        Some((_, true, _)) => return Ok(Err(EnrolRefusal::Used)),
                        Some((_, false, false)) => return Ok(Err(EnrolRefusal::Expired)),
                        Some((name, false, true)) => name,
                    };
                    // The device first: the code refers to it.
                    let stored = tx
                        .query_opt(
                            &format!(
                                "INSERT INTO devices (device_id, name, credential_hash, credential_expires_at, enrolled_at, tablet_id)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {DEVICE}"
                            ),
                            &[&d.device_id, &name, &d.credential_hash, &d.credential_expires_at, &now, &d.tablet_id],
                            Device::from_row,
                        )
                        .await?
                        .ok_or(StoreError::NoRow)?;
                    replace_earlier(tx, &d, &now).await?;
                    let marked = tx
                        .execute(
                            "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3
                             WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                            &[&code, &now, &d.device_id],
                        )
                        .await?;
                    if marked != 1 {
                        // Cannot happen while the row is locked; refuse rather than enrol
                        // twice (the error rolls the device back).
                        return Err(StoreError::Conflict("enrolment code used meanwhile".into()));
                    }
                    let device = Actor::Device(d.device_id.clone());
                    insert_audit(tx, &now, &device, "enrol", &d.device_id).await?;
                    Ok(Ok(stored))
                })
            })
            .await
    }

    /// The device holding this credential (revoked or expired ones too: the caller
    /// decides), noting when it was last seen. A renewed credential's first use makes it
    /// the device's credential and ends the one before.
    pub async fn device_by_credential(
        &self,
        credential_hash: &str,
        now: &str,
    ) -> Result<Option<Device>, StoreError> {
        // A read first, beside the writer: most requests need no write at all.
        let sql = format!(
            "SELECT {DEVICE}, COALESCE(next_credential_hash = ?1, FALSE) FROM devices
             WHERE credential_hash = ?1 OR next_credential_hash = ?1"
        );
        let found = self
            .db
            .row(sql, args![credential_hash], |r| {
                Ok((Device::from_row(r)?, r.get::<bool>(8)?))
            })
            .await?;
        let Some((device, renewed)) = found else {
            return Ok(None);
        };
        if renewed {
            return self
                .confirm_renewal(&device.device_id, credential_hash, now)
                .await;
        }
        // The device as it was found: `last_seen_at` is the request before this one.
        let cutoff = seconds_before(now, LAST_SEEN_GRANULARITY_SECS);
        if device
            .last_seen_at
            .as_deref()
            .is_none_or(|seen| seen < cutoff.as_str())
        {
            // Conditional, so two requests at once write it once.
            let sql = "UPDATE devices SET last_seen_at = ?2
                       WHERE device_id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?3)";
            self.db
                .change(sql, args![&device.device_id, now, &cutoff])
                .await?;
        }
        Ok(Some(device))
    }

    /// The renewed credential was used: it becomes the device's credential, the one
    /// before stops working, and the renewal is audited (once, however many requests
    /// arrive with it at once).
    async fn confirm_renewal(
        &self,
        device_id: &str,
        credential_hash: &str,
        now: &str,
    ) -> Result<Option<Device>, StoreError> {
        let args = [device_id, credential_hash, now].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                let [id, hash, now] = &args;
                let promoted = tx
                    .execute(
                        "UPDATE devices SET credential_hash = next_credential_hash,
                             credential_expires_at = next_credential_expires_at,
                             next_credential_hash = NULL, next_credential_expires_at = NULL, last_seen_at = ?3
                         WHERE device_id = ?1 AND next_credential_hash = ?2",
                        &[id, hash, now],
                    )
                    .await?;
                if promoted > 0 {
                    insert_audit(tx, now, &Actor::Device(id.clone()), "credential_renewed", id).await?;
                }
                let sql = format!("SELECT {DEVICE} FROM devices WHERE device_id = ?1 AND credential_hash = ?2");
                tx.query_opt(&sql, &[id, hash], Device::from_row).await
            }))
            .await
    }

    /// Issues a renewed credential for a device. The one in use keeps working until
    /// the new one is first used (see [`Store::device_by_credential`]), so an answer
    /// lost on the way strands nothing: the tablet simply renews again, and the
    /// renewal it never received is replaced.
    pub async fn renew_credential(
        &self,
        device_id: &str,
        credential_hash: &str,
        expires_at: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let args = [device_id, credential_hash, expires_at, now].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                let [id, hash, expires, now] = &args;
                let updated = tx
                    .execute(
                        "UPDATE devices SET next_credential_hash = ?2, next_credential_expires_at = ?3 WHERE device_id = ?1",
                        &[id, hash, expires],
                    )
                    .await?;
                if updated > 0 {
                    insert_audit(tx, now, &Actor::Device(id.clone()), "credential_renewal_issued", id).await?;
                }
                Ok(())
            }))
            .await
    }

    /// Revokes a device and audits it; false if no such device.
    pub async fn revoke_device(
        &self,
        device_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, by, now) = (device_id.to_owned(), by.clone(), now.to_owned());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let revoked = tx
                        .execute(
                            "UPDATE devices SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
                            &[&id, &now],
                        )
                        .await?;
                    if revoked > 0 {
                        insert_audit(tx, &now, &by, "revoke", &id).await?;
                        return Ok(true);
                    }
                    // Revoked before, or no such device.
                    tx.value("SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1)", &[&id])
                        .await
                })
            })
            .await
    }

    /// Every device, by enrolment time.
    pub async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let sql = format!(
            "SELECT {DEVICE} FROM devices ORDER BY enrolled_at COLLATE \"C\", device_id COLLATE \"C\""
        );
        self.db.rows(sql, args![], Device::from_row).await
    }
}

/// A tablet enrolled again: the devices it was before (by its stable identity, or the
/// device ID it names when it was enrolled before identities existed) are linked to
/// the new one, their credentials end now, and each replacement is audited.
async fn replace_earlier(tx: &mut Tx<'_>, d: &NewDevice, now: &str) -> Result<(), StoreError> {
    if d.tablet_id.is_none() && d.previous_device_id.is_none() {
        return Ok(());
    }
    // An earlier device with no identity yet takes the tablet's.
    if let (Some(tablet), Some(previous)) = (&d.tablet_id, &d.previous_device_id) {
        tx.execute(
            "UPDATE devices SET tablet_id = ?2 WHERE device_id = ?1 AND tablet_id IS NULL",
            &[previous, tablet],
        )
        .await?;
    }
    let replaced = tx
        .query(
            "UPDATE devices SET replaced_by = ?1, next_credential_hash = NULL, next_credential_expires_at = NULL,
                 credential_expires_at = CASE WHEN credential_expires_at > ?2 THEN ?2 ELSE credential_expires_at END
             WHERE device_id <> ?1 AND replaced_by IS NULL
               AND (tablet_id = ?3 OR (tablet_id IS NULL AND device_id = ?4))
             RETURNING device_id",
            &[&d.device_id, &now, &d.tablet_id, &d.previous_device_id],
            |r| r.get::<String>(0),
        )
        .await?;
    for old in replaced {
        let subject = format!("{old} -> {}", d.device_id);
        insert_audit(
            tx,
            now,
            &Actor::Device(d.device_id.clone()),
            "device_replaced",
            &subject,
        )
        .await?;
    }
    Ok(())
}
