//! PostgreSQL storage, for production and for many cities on one server.
//!
//! Every method is one unit of work: statements that belong together run in one
//! transaction, and where two requests could race (an enrolment code redeemed twice,
//! the same record sent by two batches, two appends to one upload) a row lock or a
//! conditional statement decides, never a unique-violation error.
//!
//! Text sort keys are ordered with `COLLATE "C"` (byte order, which is code point order
//! for UTF-8), so lists come out in the same order as from SQLite whatever the
//! database's default collation is.

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use outreach_protocol::StorageKind;
use outreach_protocol::console::AuditEvent;
use outreach_protocol::sync::{
    HeldPhoto, ManifestRecord, RecordKey, RecordOutcome, RecordUpload, Trip,
};
use tokio_postgres::NoTls;

use super::{
    Actor, Append, Device, EnrolRefusal, NewAudit, NewDevice, NewEnrolment, PutRecords, Role,
    StaffAccount, Store, StoreError, Upload,
};

const STAFF_COLUMNS: &str = "staff_id, name, role, password_hash, public_key, key_wrap, created_at, disabled_at IS NOT NULL";

/// [`STAFF_COLUMNS`] of the `staff` table aliased `s`, for joins.
const STAFF_COLUMNS_S: &str = "s.staff_id, s.name, s.role, s.password_hash, s.public_key, s.key_wrap, s.created_at, s.disabled_at IS NOT NULL";

fn staff_row(r: &tokio_postgres::Row) -> StaffAccount {
    let role: String = r.get(2);
    StaffAccount {
        staff_id: r.get(0),
        name: r.get(1),
        role: Role::parse(&role).unwrap_or(Role::Staff),
        password_hash: r.get(3),
        public_key: r.get(4),
        key_wrap: r.get(5),
        created_at: r.get(6),
        disabled: r.get(7),
    }
}

const DEVICE_COLUMNS: &str =
    "device_id, name, enrolled_at, credential_expires_at, revoked_at, last_seen_at";

fn device_row(r: &tokio_postgres::Row) -> Device {
    Device {
        device_id: r.get(0),
        name: r.get(1),
        enrolled_at: r.get(2),
        credential_expires_at: r.get(3),
        revoked_at: r.get(4),
        last_seen_at: r.get(5),
    }
}

const UPLOAD_COLUMNS: &str =
    "upload_id, device_id, sha256, length, received, metadata, created_at, expires_at";

fn upload_row(r: &tokio_postgres::Row) -> Upload {
    Upload {
        upload_id: r.get(0),
        device_id: r.get(1),
        sha256: r.get(2),
        length: r.get(3),
        offset: r.get(4),
        metadata: r.get(5),
        created_at: r.get(6),
        expires_at: r.get(7),
    }
}

const TRIP_COLUMNS: &str =
    "trip_id, site_name, site_address, trip_date, mode, expected_count, staff_ids";

fn trip_row(r: &tokio_postgres::Row) -> Trip {
    let trip_id: String = r.get(0);
    let staff_ids: String = r.get(6);
    let staff_ids = serde_json::from_str(&staff_ids).unwrap_or_else(|e| {
        // Only this server writes the column; a value it cannot read is damage.
        tracing::error!(trip_id, error = %e, "trips.staff_ids is not a JSON array of strings");
        Vec::new()
    });
    Trip {
        id: trip_id,
        site_name: r.get(1),
        site_address: r.get(2),
        trip_date: r.get(3),
        mode: r.get(4),
        expected_count: r.get(5),
        staff_ids,
    }
}

const INSERT_AUDIT: &str = "INSERT INTO audit_events (at, actor_kind, actor_id, action, subject) VALUES ($1, $2, $3, $4, $5)";

/// Records one audit event inside a transaction (or on a plain client).
async fn insert_audit(
    c: &impl deadpool_postgres::GenericClient,
    at: &str,
    actor: &Actor,
    action: &str,
    subject: &str,
) -> Result<(), StoreError> {
    let stmt = c.prepare_cached(INSERT_AUDIT).await?;
    c.execute(&stmt, &[&at, &actor.kind(), &actor.id(), &action, &subject])
        .await?;
    Ok(())
}

/// `now` minus `seconds`, in the stored format; `now` itself if it does not parse.
fn seconds_before(now: &str, seconds: i64) -> String {
    chrono::DateTime::parse_from_rfc3339(now).map_or_else(
        |_| now.to_owned(),
        |t| super::timestamp(t.with_timezone(&chrono::Utc) - chrono::Duration::seconds(seconds)),
    )
}

/// A device's `last_seen_at` is written at most once a minute: not every request
/// needs to be a write.
const LAST_SEEN_GRANULARITY_SECS: i64 = 60;

use crate::migrations::{self, Migration};

mod office;
mod pickup;

/// The PostgreSQL storage: a small connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

/// Arbitrary constant for the advisory lock that keeps two servers starting at once
/// from migrating the same database together.
const MIGRATION_LOCK: i64 = 0x4f55_5452_4541_4348;

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url.parse()?).await
    }

    /// Connects with a parsed configuration and applies pending migrations.
    pub async fn connect_with(config: tokio_postgres::Config) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let store = Self { pool };
        store.migrate(migrations::POSTGRES).await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => StoreError::Postgres(e),
            other => StoreError::Pool(other.to_string()),
        })
    }

    async fn migrate(&self, embedded: &[Migration]) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let result = async {
            client
                .batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (
                         version    BIGINT PRIMARY KEY NOT NULL,
                         name       TEXT NOT NULL,
                         checksum   TEXT NOT NULL,
                         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                     );",
                )
                .await?;
            let applied: Vec<(i64, String)> = client
                .query(
                    "SELECT version, checksum FROM schema_migrations ORDER BY version",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            for m in migrations::pending(embedded, &applied)? {
                let tx = client.transaction().await?;
                tx.batch_execute(m.sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    &[&m.version, &m.name, &m.checksum()],
                )
                .await?;
                tx.commit().await?;
                tracing::info!(
                    version = m.version,
                    name = m.name,
                    "applied postgres migration"
                );
            }
            Ok::<_, StoreError>(())
        }
        .await;
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await?;
        result
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn kind(&self) -> StorageKind {
        StorageKind::Postgres
    }

    async fn ping(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM server_meta WHERE key = $1", &[&key])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn init_meta(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )
            .await?;
        let row = client
            .query_one("SELECT value FROM server_meta WHERE key = $1", &[&key])
            .await?;
        Ok(row.get(0))
    }

    async fn insert_staff(&self, a: &StaffAccount) -> Result<(), StoreError> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO staff (staff_id, name, role, password_hash, public_key, key_wrap, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (staff_id) DO NOTHING",
                &[&a.staff_id, &a.name, &a.role.as_str(), &a.password_hash, &a.public_key, &a.key_wrap, &a.created_at],
            )
            .await?;
        if inserted == 0 {
            Err(StoreError::Conflict(format!("staff {}", a.staff_id)))
        } else {
            Ok(())
        }
    }

    async fn staff(&self, staff_id: &str) -> Result<Option<StaffAccount>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE staff_id = $1"),
                &[&staff_id],
            )
            .await?;
        Ok(row.as_ref().map(staff_row))
    }

    async fn active_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE disabled_at IS NULL ORDER BY staff_id COLLATE \"C\""
                ),
                &[],
            )
            .await?;
        Ok(rows.iter().map(staff_row).collect())
    }

    async fn all_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY staff_id COLLATE \"C\""),
                &[],
            )
            .await?;
        Ok(rows.iter().map(staff_row).collect())
    }

    // --- Console sessions -------------------------------------------------------

    async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        now: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Expired sessions are cleared as new ones are made.
        tx.execute(
            "DELETE FROM console_sessions WHERE expires_at <= $1",
            &[&now],
        )
        .await?;
        let inserted = tx
            .execute(
                "INSERT INTO console_sessions (token_hash, staff_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO NOTHING",
                &[&token_hash, &staff_id, &now, &expires_at],
            )
            .await?;
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict("console session".into()));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn session_staff(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {STAFF_COLUMNS_S} FROM console_sessions c
                     JOIN staff s ON s.staff_id = c.staff_id
                     WHERE c.token_hash = $1 AND c.expires_at > $2 AND s.disabled_at IS NULL"
                ),
                &[&token_hash, &now],
            )
            .await?;
        Ok(row.as_ref().map(staff_row))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM console_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        Ok(())
    }

    // --- Devices ----------------------------------------------------------------

    async fn create_enrolment(&self, e: &NewEnrolment) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let inserted = tx
            .execute(
                "INSERT INTO enrolment_codes (code_hash, device_name, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code_hash) DO NOTHING",
                &[&e.code_hash, &e.device_name, &e.created_by, &e.created_at, &e.expires_at],
            )
            .await?;
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict("enrolment code".into()));
        }
        insert_audit(
            &tx,
            &e.created_at,
            &Actor::Staff(e.created_by.clone()),
            "enrolment_issued",
            &e.device_name,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn redeem_enrolment(
        &self,
        code_hash: &str,
        device: &NewDevice,
        now: &str,
    ) -> Result<Result<Device, EnrolRefusal>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock makes a second redeemer of the same code wait for the first to
        // commit, and then see the code as used.
        let Some(code) = tx
            .query_opt(
                "SELECT device_name, used_at IS NOT NULL, expires_at > $2
                 FROM enrolment_codes WHERE code_hash = $1 FOR UPDATE",
                &[&code_hash, &now],
            )
            .await?
        else {
            tx.rollback().await?;
            return Ok(Err(EnrolRefusal::Unknown));
        };
        let name: String = code.get(0);
        let used: bool = code.get(1);
        let unexpired: bool = code.get(2);
        if used || !unexpired {
            tx.rollback().await?;
            return Ok(Err(if used {
                EnrolRefusal::Used
            } else {
                EnrolRefusal::Expired
            }));
        }
        // The device first: the code refers to it.
        let stored = tx
            .query_one(
                &format!(
                    "INSERT INTO devices (device_id, name, credential_hash, credential_expires_at, enrolled_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING {DEVICE_COLUMNS}"
                ),
                &[
                    &device.device_id,
                    &name,
                    &device.credential_hash,
                    &device.credential_expires_at,
                    &now,
                ],
            )
            .await?;
        let marked = tx
            .execute(
                "UPDATE enrolment_codes SET used_at = $2, device_id = $3
                 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                &[&code_hash, &now, &device.device_id],
            )
            .await?;
        if marked != 1 {
            // Cannot happen while the row is locked; refuse rather than enrol twice.
            tx.rollback().await?;
            return Ok(Err(EnrolRefusal::Used));
        }
        insert_audit(
            &tx,
            now,
            &Actor::Device(device.device_id.clone()),
            "enrol",
            &device.device_id,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(device_row(&stored)))
    }

    async fn device_by_credential(
        &self,
        credential_hash: &str,
        now: &str,
    ) -> Result<Option<Device>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE credential_hash = $1"
            ))
            .await?;
        let Some(row) = client.query_opt(&stmt, &[&credential_hash]).await? else {
            return Ok(None);
        };
        // The device as it was found: `last_seen_at` is the request before this one.
        let device = device_row(&row);
        let cutoff = seconds_before(now, LAST_SEEN_GRANULARITY_SECS);
        if device
            .last_seen_at
            .as_deref()
            .is_none_or(|seen| seen < cutoff.as_str())
        {
            // Conditional, so two requests at once write it once.
            client
                .execute(
                    "UPDATE devices SET last_seen_at = $2
                     WHERE device_id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)",
                    &[&device.device_id, &now, &cutoff],
                )
                .await?;
        }
        Ok(Some(device))
    }

    async fn rotate_credential(
        &self,
        device_id: &str,
        credential_hash: &str,
        expires_at: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let updated = tx
            .execute(
                "UPDATE devices SET credential_hash = $2, credential_expires_at = $3
                 WHERE device_id = $1",
                &[&device_id, &credential_hash, &expires_at],
            )
            .await?;
        if updated > 0 {
            insert_audit(
                &tx,
                now,
                &Actor::Device(device_id.to_owned()),
                "credential_rotated",
                device_id,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let revoked = tx
            .execute(
                "UPDATE devices SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL",
                &[&device_id, &now],
            )
            .await?;
        if revoked > 0 {
            insert_audit(&tx, now, by, "revoke", device_id).await?;
            tx.commit().await?;
            return Ok(true);
        }
        // Revoked before, or no such device.
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = $1)",
                &[&device_id],
            )
            .await?
            .get(0);
        tx.commit().await?;
        Ok(exists)
    }

    async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices
                     ORDER BY enrolled_at COLLATE \"C\", device_id COLLATE \"C\""
                ),
                &[],
            )
            .await?;
        Ok(rows.iter().map(device_row).collect())
    }

    // --- Records and photos -----------------------------------------------------

    async fn put_records(
        &self,
        device_id: &str,
        records: &[RecordUpload],
        now: &str,
    ) -> Result<PutRecords, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let insert_record = tx
            .prepare_cached(
                "INSERT INTO records (record_id, version, format, trip_id, base_version, amend_reason,
                     created_by, finalized_at, payload, payload_hash, device_id, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (record_id, version) DO NOTHING",
            )
            .await?;
        let held_hash = tx
            .prepare_cached(
                "SELECT payload_hash FROM records WHERE record_id = $1 AND version = $2",
            )
            .await?;
        let insert_photo = tx
            .prepare_cached(
                "INSERT INTO record_photos (record_id, version, role, sha256) VALUES ($1, $2, $3, $4)",
            )
            .await?;
        let device = Actor::Device(device_id.to_owned());

        // Rows are inserted in key order, so two batches sharing records wait for one
        // another instead of deadlocking. The sort is stable: of two copies of a record
        // in one batch, the first is stored and the second already held.
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&records[a], &records[b]);
            (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version))
        });
        let mut outcomes = vec![RecordOutcome::AlreadyHeld; records.len()];
        let mut conflicts: Vec<usize> = Vec::new();
        for i in order {
            let r = &records[i];
            let format = i64::from(r.format);
            let inserted = tx
                .execute(
                    &insert_record,
                    &[
                        &r.id,
                        &r.version,
                        &format,
                        &r.trip_id,
                        &r.base_version,
                        &r.amend_reason,
                        &r.created_by,
                        &r.finalized_at,
                        &r.payload,
                        &r.payload_hash,
                        &device_id,
                        &now,
                    ],
                )
                .await?;
            if inserted == 0 {
                // Held already, by an earlier batch, a batch committed meanwhile, or
                // earlier in this one.
                let held: String = tx.query_one(&held_hash, &[&r.id, &r.version]).await?.get(0);
                if held == r.payload_hash {
                    outcomes[i] = RecordOutcome::AlreadyHeld;
                } else {
                    conflicts.push(i);
                }
                continue;
            }
            for photo in &r.photos {
                tx.execute(
                    &insert_photo,
                    &[&r.id, &r.version, &photo.role, &photo.sha256],
                )
                .await?;
            }
            insert_audit(
                &tx,
                now,
                &device,
                "record_stored",
                &format!("{}/v{}", r.id, r.version),
            )
            .await?;
            outcomes[i] = RecordOutcome::Stored;
        }
        if conflicts.is_empty() {
            tx.commit().await?;
            Ok(PutRecords::Done(outcomes))
        } else {
            tx.rollback().await?;
            conflicts.sort_unstable();
            Ok(PutRecords::Conflicts(
                conflicts
                    .into_iter()
                    .map(|i| RecordKey {
                        id: records[i].id.clone(),
                        version: records[i].version,
                    })
                    .collect(),
            ))
        }
    }

    async fn manifest(&self, keys: &[RecordKey]) -> Result<Vec<ManifestRecord>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
        let versions: Vec<i64> = keys.iter().map(|k| k.version).collect();
        let client = self.client().await?;
        // One statement, so one snapshot: a record and its photos' state agree.
        let rows = client
            .query(
                "SELECT k.ord, r.record_id, r.version, r.payload_hash, rp.sha256, p.sha256 IS NOT NULL
                 FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS k (record_id, version, ord)
                 JOIN records r ON r.record_id = k.record_id AND r.version = k.version
                 LEFT JOIN record_photos rp ON rp.record_id = r.record_id AND rp.version = r.version
                 LEFT JOIN photos p ON p.sha256 = rp.sha256
                 ORDER BY k.ord, rp.role COLLATE \"C\"",
                &[&ids, &versions],
            )
            .await?;
        let mut out: Vec<(i64, ManifestRecord)> = Vec::new();
        for row in &rows {
            let ord: i64 = row.get(0);
            if out.last().is_none_or(|(last, _)| *last != ord) {
                out.push((
                    ord,
                    ManifestRecord {
                        id: row.get(1),
                        version: row.get(2),
                        payload_hash: row.get(3),
                        photos: Vec::new(),
                        complete: true,
                    },
                ));
            }
            let sha256: Option<String> = row.get(4);
            if let (Some(sha256), Some((_, record))) = (sha256, out.last_mut()) {
                let held: bool = row.get(5);
                record.complete &= held;
                record.photos.push(HeldPhoto { sha256, held });
            }
        }
        Ok(out.into_iter().map(|(_, record)| record).collect())
    }

    async fn photo_held(&self, sha256: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = $1)",
                &[&sha256],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT bytes FROM photos WHERE sha256 = $1", &[&sha256])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn create_upload(&self, u: &Upload) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO uploads (upload_id, device_id, sha256, length, received, metadata, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (upload_id) DO NOTHING",
            )
            .await?;
        let inserted = client
            .execute(
                &stmt,
                &[
                    &u.upload_id,
                    &u.device_id,
                    &u.sha256,
                    &u.length,
                    &u.offset,
                    &u.metadata,
                    &u.created_at,
                    &u.expires_at,
                ],
            )
            .await?;
        if inserted == 0 {
            Err(StoreError::Conflict(format!("upload {}", u.upload_id)))
        } else {
            Ok(())
        }
    }

    async fn upload(&self, upload_id: &str) -> Result<Option<Upload>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE upload_id = $1"
            ))
            .await?;
        let row = client.query_opt(&stmt, &[&upload_id]).await?;
        Ok(row.as_ref().map(upload_row))
    }

    async fn append_upload(
        &self,
        upload_id: &str,
        offset: i64,
        bytes: Vec<u8>,
    ) -> Result<Append, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row lock serialises appends to one upload.
        let Some(row) = tx
            .query_opt(
                "SELECT received FROM uploads WHERE upload_id = $1 FOR UPDATE",
                &[&upload_id],
            )
            .await?
        else {
            tx.rollback().await?;
            return Ok(Append::Gone);
        };
        let received: i64 = row.get(0);
        if received != offset {
            tx.rollback().await?;
            return Ok(Append::OffsetMismatch(received));
        }
        if bytes.is_empty() {
            // Nothing to store; a chunk row would only take the place of the next one.
            tx.rollback().await?;
            return Ok(Append::Appended(received));
        }
        let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let end = offset.saturating_add(len);
        tx.execute(
            "INSERT INTO upload_chunks (upload_id, start, bytes) VALUES ($1, $2, $3)",
            &[&upload_id, &offset, &bytes],
        )
        .await?;
        // Past the declared length, the CHECK constraint refuses and nothing is stored.
        tx.execute(
            "UPDATE uploads SET received = $2 WHERE upload_id = $1",
            &[&upload_id, &end],
        )
        .await?;
        tx.commit().await?;
        Ok(Append::Appended(end))
    }

    async fn upload_bytes(&self, upload_id: &str) -> Result<Vec<u8>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT bytes FROM upload_chunks WHERE upload_id = $1 ORDER BY start",
                &[&upload_id],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            out.extend_from_slice(row.get::<_, &[u8]>(0));
        }
        Ok(out)
    }

    async fn complete_upload(
        &self,
        upload: &Upload,
        bytes: Vec<u8>,
        now: &str,
    ) -> Result<(), StoreError> {
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Two requests finishing the same upload at once: the second finds it gone and
        // does nothing (the photo is stored and audited once). The chunks go with the
        // row (ON DELETE CASCADE).
        let delete = tx
            .prepare_cached("DELETE FROM uploads WHERE upload_id = $1")
            .await?;
        let deleted = tx.execute(&delete, &[&upload.upload_id]).await?;
        if deleted == 0 {
            return Ok(());
        }
        let insert = tx
            .prepare_cached(
                "INSERT INTO photos (sha256, bytes, size, stored_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sha256) DO NOTHING",
            )
            .await?;
        tx.execute(&insert, &[&upload.sha256, &bytes, &size, &now])
            .await?;
        insert_audit(
            &tx,
            now,
            &Actor::Device(upload.device_id.clone()),
            "photo_stored",
            &upload.sha256,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_upload(&self, upload_id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        // One statement: the chunks go with the row (ON DELETE CASCADE).
        let deleted = client
            .execute("DELETE FROM uploads WHERE upload_id = $1", &[&upload_id])
            .await?;
        Ok(deleted > 0)
    }

    async fn expire_uploads(&self, now: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        // One statement: the chunks go with the rows (ON DELETE CASCADE).
        let deleted = client
            .execute("DELETE FROM uploads WHERE expires_at < $1", &[&now])
            .await?;
        Ok(deleted)
    }

    // --- Trips ------------------------------------------------------------------

    async fn insert_trip(&self, trip: &Trip, by: &str, now: &str) -> Result<(), StoreError> {
        let staff_ids = serde_json::Value::from(trip.staff_ids.clone()).to_string();
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO trips (trip_id, site_name, site_address, trip_date, mode, expected_count,
                     staff_ids, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (trip_id) DO NOTHING",
                &[
                    &trip.id,
                    &trip.site_name,
                    &trip.site_address,
                    &trip.trip_date,
                    &trip.mode,
                    &trip.expected_count,
                    &staff_ids,
                    &by,
                    &now,
                ],
            )
            .await?;
        if inserted == 0 {
            Err(StoreError::Conflict(format!("trip {}", trip.id)))
        } else {
            Ok(())
        }
    }

    async fn trips_from(&self, date: &str) -> Result<Vec<Trip>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {TRIP_COLUMNS} FROM trips WHERE trip_date >= $1
                     ORDER BY trip_date COLLATE \"C\", site_name COLLATE \"C\", trip_id COLLATE \"C\""
                ),
                &[&date],
            )
            .await?;
        Ok(rows.iter().map(trip_row).collect())
    }

    // --- Audit ------------------------------------------------------------------

    async fn audit(&self, event: &NewAudit) -> Result<(), StoreError> {
        let client = self.client().await?;
        insert_audit(
            &client,
            &event.at,
            &event.actor,
            &event.action,
            &event.subject,
        )
        .await
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        let client = self.client().await?;
        // PostgreSQL refuses a negative LIMIT; none is asked for then.
        let limit = limit.max(0);
        let rows = client
            .query(
                "SELECT seq, at, actor_kind, actor_id, action, subject FROM audit_events
                 ORDER BY seq DESC LIMIT $1",
                &[&limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEvent {
                seq: r.get(0),
                at: r.get(1),
                actor_kind: r.get(2),
                actor_id: r.get(3),
                action: r.get(4),
                subject: r.get(5),
            })
            .collect())
    }

    async fn stats(&self) -> Result<super::StoreStats, StoreError> {
        let client = self.client().await?;
        let r = client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM records),
                        (SELECT COUNT(*) FROM photos),
                        (SELECT COALESCE(SUM(size), 0)::BIGINT FROM photos),
                        (SELECT COUNT(*) FROM uploads),
                        (SELECT COALESCE(SUM(length(bytes)), 0)::BIGINT FROM upload_chunks)",
                &[],
            )
            .await?;
        Ok(super::StoreStats {
            records: r.get(0),
            photos: r.get(1),
            photo_bytes: r.get(2),
            uploads: r.get(3),
            upload_bytes: r.get(4),
        })
    }

    async fn set_staff_password(
        &self,
        staff_id: &str,
        password_hash: &str,
        key_wrap: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE staff SET password_hash = $2, key_wrap = $3, updated_at = $4 WHERE staff_id = $1",
                &[&staff_id, &password_hash, &key_wrap, &now],
            )
            .await?;
        if n > 0 {
            insert_audit(
                &tx,
                now,
                &Actor::Staff(staff_id.to_owned()),
                "password_changed",
                staff_id,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn disable_staff(
        &self,
        staff_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE staff SET disabled_at = $2, updated_at = $2 WHERE staff_id = $1 AND disabled_at IS NULL",
                &[&staff_id, &now],
            )
            .await?;
        if changed > 0 {
            tx.execute(
                "DELETE FROM console_sessions WHERE staff_id = $1",
                &[&staff_id],
            )
            .await?;
            insert_audit(&tx, now, by, "staff_disabled", staff_id).await?;
        }
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM staff WHERE staff_id = $1)",
                &[&staff_id],
            )
            .await?
            .get(0);
        tx.commit().await?;
        Ok(exists)
    }
}
