//! PostgreSQL storage, for production and for many cities on one server.

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use outreach_protocol::StorageKind;
use tokio_postgres::NoTls;

use super::{Role, StaffAccount, Store, StoreError};

const STAFF_COLUMNS: &str = "staff_id, name, role, password_hash, public_key, key_wrap, created_at, disabled_at IS NOT NULL";

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
use crate::migrations::{self, Migration};

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
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE disabled_at IS NULL ORDER BY staff_id"
                ),
                &[],
            )
            .await?;
        Ok(rows.iter().map(staff_row).collect())
    }
}
