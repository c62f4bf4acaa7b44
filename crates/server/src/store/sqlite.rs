//! Embedded SQLite under the data folder: the default storage, nothing to install.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use outreach_protocol::StorageKind;
use rusqlite::{Connection, OptionalExtension};

use outreach_protocol::console::AuditEvent;
use outreach_protocol::sync::{
    HeldPhoto, ManifestRecord, RecordKey, RecordOutcome, RecordUpload, Trip,
};

use super::{
    Actor, Append, Device, EnrolRefusal, NewAudit, NewDevice, NewEnrolment, PutRecords, Role,
    StaffAccount, Store, StoreError, StoreStats, Upload,
};

const STAFF_COLUMNS: &str = "staff_id, name, role, password_hash, public_key, key_wrap, created_at, disabled_at IS NOT NULL";

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffAccount> {
    let role: String = r.get(2)?;
    Ok(StaffAccount {
        staff_id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&role).unwrap_or(Role::Staff),
        password_hash: r.get(3)?,
        public_key: r.get(4)?,
        key_wrap: r.get(5)?,
        created_at: r.get(6)?,
        disabled: r.get(7)?,
    })
}
use crate::migrations::{self, Migration};

mod office;
mod pickup;

const DEVICE_COLUMNS: &str =
    "device_id, name, enrolled_at, credential_expires_at, revoked_at, last_seen_at";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        device_id: r.get(0)?,
        name: r.get(1)?,
        enrolled_at: r.get(2)?,
        credential_expires_at: r.get(3)?,
        revoked_at: r.get(4)?,
        last_seen_at: r.get(5)?,
    })
}

const UPLOAD_COLUMNS: &str =
    "upload_id, device_id, sha256, length, received, metadata, created_at, expires_at";

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
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

fn trip_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Trip> {
    let staff: String = r.get(6)?;
    Ok(Trip {
        id: r.get(0)?,
        site_name: r.get(1)?,
        site_address: r.get(2)?,
        trip_date: r.get(3)?,
        mode: r.get(4)?,
        expected_count: r.get(5)?,
        staff_ids: serde_json::from_str(&staff).unwrap_or_default(),
    })
}

fn insert_audit(c: &Connection, e: &NewAudit) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO audit_events (at, actor_kind, actor_id, action, subject) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&e.at, e.actor.kind(), e.actor.id(), &e.action, &e.subject),
    )?;
    Ok(())
}

fn audit_now(
    c: &Connection,
    at: &str,
    actor: Actor,
    action: &str,
    subject: &str,
) -> rusqlite::Result<()> {
    insert_audit(
        c,
        &NewAudit {
            at: at.to_owned(),
            actor,
            action: action.to_owned(),
            subject: subject.to_owned(),
        },
    )
}

/// `now` minus `seconds`, in the stored format; `now` itself if it does not parse.
fn seconds_before(now: &str, seconds: i64) -> String {
    chrono::DateTime::parse_from_rfc3339(now).map_or_else(
        |_| now.to_owned(),
        |t| super::timestamp(t.with_timezone(&chrono::Utc) - chrono::Duration::seconds(seconds)),
    )
}

/// The SQLite storage. One connection serialises writes (SQLite allows one writer at
/// a time anyway); every call runs on tokio's blocking pool so the async workers never
/// wait on disk.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (or creates) `data/outreach.db`, creating the folder with owner-only
    /// permissions, and applies pending migrations.
    pub async fn open_in(data: &Path) -> Result<Self, StoreError> {
        let data = data.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&data))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    fn open_blocking(data: &Path) -> Result<Self, StoreError> {
        let dir_err = |source| StoreError::DataDir {
            path: data.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data).map_err(dir_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))
                .map_err(dir_err)?;
        }
        let path = data.join("outreach.db");
        let mut conn = Connection::open(&path)?;
        // Pages of 16 KB: a 300 KB photo is 19 pages to log and checkpoint instead of 75,
        // which took a quarter off the time per photo (bench/README.md). Takes effect
        // only when the file is created; an older database keeps its 4 KB pages.
        conn.pragma_update(None, "page_size", 16384)?;
        // WAL: readers do not block the writer. FULL: a commit the server acknowledged
        // survives a power cut too, not only a crash of the process.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, migrations::SQLITE)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-done transaction
            // behind (SQLite rolls it back), so a poisoned lock is safe to reuse.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn migrate(conn: &mut Connection, embedded: &[Migration]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY NOT NULL,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at TEXT NOT NULL
         ) STRICT;",
    )?;
    let applied: Vec<(i64, String)> = conn
        .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for m in migrations::pending(embedded, &applied)? {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            (m.version, m.name, m.checksum(), chrono::Utc::now().to_rfc3339()),
        )?;
        tx.commit()?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "applied sqlite migration"
        );
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> StorageKind {
        StorageKind::Sqlite
    }

    async fn ping(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.with(move |c| {
            Ok(
                c.query_row("SELECT value FROM server_meta WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
        .await
    }

    async fn init_meta(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.with(move |c| {
            c.execute(
                "INSERT INTO server_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                [&key, &value],
            )?;
            Ok(c.query_row(
                "SELECT value FROM server_meta WHERE key = ?1",
                [&key],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn insert_staff(&self, account: &StaffAccount) -> Result<(), StoreError> {
        let a = account.clone();
        self.with(move |c| {
            let inserted = c.execute(
                "INSERT INTO staff (staff_id, name, role, password_hash, public_key, key_wrap, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (staff_id) DO NOTHING",
                rusqlite::params![a.staff_id, a.name, a.role.as_str(), a.password_hash, a.public_key, a.key_wrap, a.created_at],
            )?;
            if inserted == 0 { Err(StoreError::Conflict(format!("staff {}", a.staff_id))) } else { Ok(()) }
        })
        .await
    }

    async fn staff(&self, staff_id: &str) -> Result<Option<StaffAccount>, StoreError> {
        let id = staff_id.to_owned();
        self.with(move |c| {
            Ok(c.query_row(
                &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE staff_id = ?1"),
                [id],
                staff_row,
            )
            .optional()?)
        })
        .await
    }

    async fn active_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE disabled_at IS NULL ORDER BY staff_id"
            ))?;
            let rows = stmt.query_map([], staff_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn all_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff ORDER BY staff_id"
            ))?;
            let rows = stmt.query_map([], staff_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        now: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let args = [token_hash, staff_id, now, expires_at].map(str::to_owned);
        self.with(move |c| {
            // Expired sessions are cleared as new ones are made.
            c.execute("DELETE FROM console_sessions WHERE expires_at <= ?1", [&args[2]])?;
            c.execute(
                "INSERT INTO console_sessions (token_hash, staff_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![args[0], args[1], args[2], args[3]],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_staff(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let (token, now) = (token_hash.to_owned(), now.to_owned());
        self.with(move |c| {
            Ok(c.query_row(
                "SELECT s.staff_id, s.name, s.role, s.password_hash, s.public_key, s.key_wrap, s.created_at, s.disabled_at IS NOT NULL
                 FROM console_sessions k JOIN staff s ON s.staff_id = k.staff_id
                 WHERE k.token_hash = ?1 AND k.expires_at > ?2 AND s.disabled_at IS NULL",
                [token, now],
                staff_row,
            )
            .optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let token = token_hash.to_owned();
        self.with(move |c| {
            c.execute(
                "DELETE FROM console_sessions WHERE token_hash = ?1",
                [token],
            )?;
            Ok(())
        })
        .await
    }

    async fn create_enrolment(&self, e: &NewEnrolment) -> Result<(), StoreError> {
        let e = e.clone();
        self.with(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO enrolment_codes (code_hash, device_name, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                (&e.code_hash, &e.device_name, &e.created_by, &e.created_at, &e.expires_at),
            )?;
            audit_now(&tx, &e.created_at, Actor::Staff(e.created_by.clone()), "enrolment_issued", &e.device_name)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn redeem_enrolment(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: &str,
    ) -> Result<Result<Device, EnrolRefusal>, StoreError> {
        let (code, d, now) = (code_hash.to_owned(), device.clone(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let row: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT device_name, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
                    [&code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((name, expires_at, used_at)) = row else {
                return Ok(Err(EnrolRefusal::Unknown));
            };
            if used_at.is_some() {
                return Ok(Err(EnrolRefusal::Used));
            }
            if expires_at <= now {
                return Ok(Err(EnrolRefusal::Expired));
            }
            tx.execute(
                "INSERT INTO devices (device_id, name, credential_hash, credential_expires_at, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                (&d.device_id, &name, &d.credential_hash, &d.credential_expires_at, &now),
            )?;
            tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
                (&code, &now, &d.device_id),
            )?;
            audit_now(&tx, &now, Actor::Device(d.device_id.clone()), "enrol", &d.device_id)?;
            tx.commit()?;
            Ok(Ok(Device {
                device_id: d.device_id,
                name,
                enrolled_at: now,
                credential_expires_at: d.credential_expires_at,
                revoked_at: None,
                last_seen_at: None,
            }))
        })
        .await
    }

    async fn device_by_credential(
        &self,
        credential_hash: &str,
        now: &str,
    ) -> Result<Option<Device>, StoreError> {
        let (hash, now) = (credential_hash.to_owned(), now.to_owned());
        self.with(move |c| {
            let device = c
                .query_row(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE credential_hash = ?1"),
                    [&hash],
                    device_row,
                )
                .optional()?;
            if let Some(d) = &device {
                // Noted to the minute: one write per request would cost throughput.
                let stale = d
                    .last_seen_at
                    .as_deref()
                    .is_none_or(|t| t < seconds_before(&now, 60).as_str());
                if stale {
                    c.execute(
                        "UPDATE devices SET last_seen_at = ?2 WHERE device_id = ?1",
                        (&d.device_id, &now),
                    )?;
                }
            }
            Ok(device)
        })
        .await
    }

    async fn rotate_credential(
        &self,
        device_id: &str,
        credential_hash: &str,
        expires_at: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let args = [device_id, credential_hash, expires_at, now].map(str::to_owned);
        self.with(move |c| {
            let tx = c.transaction()?;
            let changed = tx.execute(
                "UPDATE devices SET credential_hash = ?2, credential_expires_at = ?3 WHERE device_id = ?1",
                rusqlite::params![args[0], args[1], args[2]],
            )?;
            if changed > 0 {
                audit_now(&tx, &args[3], Actor::Device(args[0].clone()), "credential_rotated", &args[0])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, by, now) = (device_id.to_owned(), by.clone(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction()?;
            let changed = tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
                (&id, &now),
            )?;
            if changed > 0 {
                audit_now(&tx, &now, by, "revoke", &id)?;
            }
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1)",
                [&id],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(exists)
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, device_id"
            ))?;
            let rows = stmt.query_map([], device_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn put_records(
        &self,
        device_id: &str,
        records: &[RecordUpload],
        now: &str,
    ) -> Result<PutRecords, StoreError> {
        let (device, records, now) = (device_id.to_owned(), records.to_vec(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcomes = Vec::with_capacity(records.len());
            let mut conflicts = Vec::new();
            for r in &records {
                let held: Option<String> = tx
                    .query_row(
                        "SELECT payload_hash FROM records WHERE record_id = ?1 AND version = ?2",
                        (&r.id, r.version),
                        |row| row.get(0),
                    )
                    .optional()?;
                match held {
                    Some(h) if h == r.payload_hash => outcomes.push(RecordOutcome::AlreadyHeld),
                    Some(_) => conflicts.push(RecordKey { id: r.id.clone(), version: r.version }),
                    None => {
                        tx.execute(
                            "INSERT INTO records (record_id, version, format, trip_id, base_version, amend_reason, created_by, finalized_at, payload, payload_hash, device_id, received_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                            rusqlite::params![r.id, r.version, r.format, r.trip_id, r.base_version, r.amend_reason, r.created_by, r.finalized_at, r.payload, r.payload_hash, device, now],
                        )?;
                        for p in &r.photos {
                            tx.execute(
                                "INSERT INTO record_photos (record_id, version, role, sha256) VALUES (?1, ?2, ?3, ?4)",
                                (&r.id, r.version, &p.role, &p.sha256),
                            )?;
                        }
                        audit_now(&tx, &now, Actor::Device(device.clone()), "record_stored", &format!("{}/v{}", r.id, r.version))?;
                        outcomes.push(RecordOutcome::Stored);
                    }
                }
            }
            if conflicts.is_empty() {
                tx.commit()?;
                Ok(PutRecords::Done(outcomes))
            } else {
                // Dropping the transaction rolls the whole batch back.
                Ok(PutRecords::Conflicts(conflicts))
            }
        })
        .await
    }

    async fn manifest(&self, keys: &[RecordKey]) -> Result<Vec<ManifestRecord>, StoreError> {
        let keys = keys.to_vec();
        self.with(move |c| {
            let mut record = c.prepare("SELECT payload_hash FROM records WHERE record_id = ?1 AND version = ?2")?;
            let mut photos = c.prepare(
                "SELECT rp.sha256, EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = rp.sha256)
                 FROM record_photos rp WHERE rp.record_id = ?1 AND rp.version = ?2 ORDER BY rp.role",
            )?;
            let mut out = Vec::new();
            for k in keys {
                let Some(payload_hash) = record
                    .query_row((&k.id, k.version), |r| r.get::<_, String>(0))
                    .optional()?
                else {
                    continue;
                };
                let held: Vec<HeldPhoto> = photos
                    .query_map((&k.id, k.version), |r| Ok(HeldPhoto { sha256: r.get(0)?, held: r.get(1)? }))?
                    .collect::<Result<_, _>>()?;
                let complete = held.iter().all(|p| p.held);
                out.push(ManifestRecord { id: k.id, version: k.version, payload_hash, photos: held, complete });
            }
            Ok(out)
        })
        .await
    }

    async fn photo_held(&self, sha256: &str) -> Result<bool, StoreError> {
        let sha = sha256.to_owned();
        self.with(move |c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = ?1)",
                [sha],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sha = sha256.to_owned();
        self.with(move |c| {
            Ok(
                c.query_row("SELECT bytes FROM photos WHERE sha256 = ?1", [sha], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
        .await
    }

    async fn create_upload(&self, u: &Upload) -> Result<(), StoreError> {
        let u = u.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO uploads (upload_id, device_id, sha256, length, received, metadata, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![u.upload_id, u.device_id, u.sha256, u.length, u.offset, u.metadata, u.created_at, u.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn upload(&self, upload_id: &str) -> Result<Option<Upload>, StoreError> {
        let id = upload_id.to_owned();
        self.with(move |c| {
            Ok(c.query_row(
                &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ?1"),
                [id],
                upload_row,
            )
            .optional()?)
        })
        .await
    }

    async fn append_upload(
        &self,
        upload_id: &str,
        offset: i64,
        bytes: Vec<u8>,
    ) -> Result<Append, StoreError> {
        let id = upload_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let received: Option<i64> = tx
                .query_row(
                    "SELECT received FROM uploads WHERE upload_id = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(received) = received else {
                return Ok(Append::Gone);
            };
            if received != offset {
                return Ok(Append::OffsetMismatch(received));
            }
            if bytes.is_empty() {
                return Ok(Append::Appended(offset));
            }
            let end = offset + i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO upload_chunks (upload_id, start, bytes) VALUES (?1, ?2, ?3)",
                (&id, offset, &bytes),
            )?;
            tx.execute(
                "UPDATE uploads SET received = ?2 WHERE upload_id = ?1",
                (&id, end),
            )?;
            tx.commit()?;
            Ok(Append::Appended(end))
        })
        .await
    }

    async fn upload_bytes(&self, upload_id: &str) -> Result<Vec<u8>, StoreError> {
        let id = upload_id.to_owned();
        self.with(move |c| {
            let mut stmt =
                c.prepare("SELECT bytes FROM upload_chunks WHERE upload_id = ?1 ORDER BY start")?;
            let mut out = Vec::new();
            let mut rows = stmt.query([id])?;
            while let Some(r) = rows.next()? {
                out.extend_from_slice(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
            }
            Ok(out)
        })
        .await
    }

    async fn complete_upload(
        &self,
        u: &Upload,
        bytes: Vec<u8>,
        now: &str,
    ) -> Result<(), StoreError> {
        let (u, now) = (u.clone(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Two requests finishing the same upload at once: the second finds it gone
            // and does nothing (the photo is stored and audited once).
            tx.execute("DELETE FROM upload_chunks WHERE upload_id = ?1", [&u.upload_id])?;
            if tx.execute("DELETE FROM uploads WHERE upload_id = ?1", [&u.upload_id])? == 0 {
                return Ok(());
            }
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO photos (sha256, bytes, size, stored_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
                (&u.sha256, &bytes, size, &now),
            )?;
            audit_now(&tx, &now, Actor::Device(u.device_id.clone()), "photo_stored", &u.sha256)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn delete_upload(&self, upload_id: &str) -> Result<bool, StoreError> {
        let id = upload_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM upload_chunks WHERE upload_id = ?1", [&id])?;
            let n = tx.execute("DELETE FROM uploads WHERE upload_id = ?1", [&id])?;
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    async fn expire_uploads(&self, now: &str) -> Result<u64, StoreError> {
        let now = now.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "DELETE FROM upload_chunks WHERE upload_id IN (SELECT upload_id FROM uploads WHERE expires_at < ?1)",
                [&now],
            )?;
            let n = tx.execute("DELETE FROM uploads WHERE expires_at < ?1", [&now])?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }

    async fn insert_trip(&self, t: &Trip, by: &str, now: &str) -> Result<(), StoreError> {
        let (t, by, now) = (t.clone(), by.to_owned(), now.to_owned());
        self.with(move |c| {
            let staff = serde_json::to_string(&t.staff_ids).unwrap_or_else(|_| "[]".to_owned());
            let n = c.execute(
                "INSERT INTO trips (trip_id, site_name, site_address, trip_date, mode, expected_count, staff_ids, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (trip_id) DO NOTHING",
                rusqlite::params![t.id, t.site_name, t.site_address, t.trip_date, t.mode, t.expected_count, staff, by, now],
            )?;
            if n == 0 { Err(StoreError::Conflict(format!("trip {}", t.id))) } else { Ok(()) }
        })
        .await
    }

    async fn trips_from(&self, date: &str) -> Result<Vec<Trip>, StoreError> {
        let date = date.to_owned();
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT trip_id, site_name, site_address, trip_date, mode, expected_count, staff_ids
                 FROM trips WHERE trip_date >= ?1 ORDER BY trip_date, site_name, trip_id",
            )?;
            let rows = stmt.query_map([date], trip_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn audit(&self, event: &NewAudit) -> Result<(), StoreError> {
        let e = event.clone();
        self.with(move |c| Ok(insert_audit(c, &e)?)).await
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        self.with(move |c| {
            let mut stmt = c.prepare(
                "SELECT seq, at, actor_kind, actor_id, action, subject FROM audit_events ORDER BY seq DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |r| {
                Ok(AuditEvent {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor_kind: r.get(2)?,
                    actor_id: r.get(3)?,
                    action: r.get(4)?,
                    subject: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM records),
                        (SELECT COUNT(*) FROM photos),
                        (SELECT COALESCE(SUM(size), 0) FROM photos),
                        (SELECT COUNT(*) FROM uploads),
                        (SELECT COALESCE(SUM(length(bytes)), 0) FROM upload_chunks)",
                [],
                |r| {
                    Ok(StoreStats {
                        records: r.get(0)?,
                        photos: r.get(1)?,
                        photo_bytes: r.get(2)?,
                        uploads: r.get(3)?,
                        upload_bytes: r.get(4)?,
                    })
                },
            )?)
        })
        .await
    }

    async fn set_staff_password(
        &self,
        staff_id: &str,
        password_hash: &str,
        key_wrap: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let args = [staff_id, password_hash, key_wrap, now].map(str::to_owned);
        self.with(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE staff SET password_hash = ?2, key_wrap = ?3, updated_at = ?4 WHERE staff_id = ?1",
                rusqlite::params![args[0], args[1], args[2], args[3]],
            )?;
            if n > 0 {
                audit_now(&tx, &args[3], Actor::Staff(args[0].clone()), "password_changed", &args[0])?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    async fn disable_staff(
        &self,
        staff_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, by, now) = (staff_id.to_owned(), by.clone(), now.to_owned());
        self.with(move |c| {
            let tx = c.transaction()?;
            let changed = tx.execute(
                "UPDATE staff SET disabled_at = ?2, updated_at = ?2 WHERE staff_id = ?1 AND disabled_at IS NULL",
                (&id, &now),
            )?;
            if changed > 0 {
                tx.execute("DELETE FROM console_sessions WHERE staff_id = ?1", [&id])?;
                audit_now(&tx, &now, by, "staff_disabled", &id)?;
            }
            let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM staff WHERE staff_id = ?1)", [&id], |r| r.get(0))?;
            tx.commit()?;
            Ok(exists)
        })
        .await
    }
}
