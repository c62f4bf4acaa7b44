//! Embedded SQLite under the data folder: the default storage, nothing to install.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use outreach_protocol::StorageKind;
use rusqlite::{Connection, OptionalExtension};

use super::{Role, StaffAccount, Store, StoreError};

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
}
