//! Embedded, append-only schema migrations for both databases.
//!
//! Each migration exists once per dialect with the same version and name. A migration
//! that has been applied is never edited: its SHA-256 is recorded when it runs, and a
//! server whose embedded migration no longer matches what a database recorded refuses
//! to start rather than run on a schema it does not know.

use sha2::{Digest, Sha256};

use crate::store::StoreError;
use crate::store::db::{Db, Dialect, Tx};

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// 1, 2, 3 … without gaps.
    pub version: i64,
    /// Short name, the file name without the number.
    pub name: &'static str,
    /// The SQL, run in one transaction.
    pub sql: &'static str,
}

impl Migration {
    /// Hex SHA-256 of the SQL, recorded when the migration is applied.
    pub fn checksum(&self) -> String {
        let digest = Sha256::digest(self.sql.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Migrations for embedded SQLite, oldest first.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "server_meta",
        sql: include_str!("../migrations/sqlite/0001_server_meta.sql"),
    },
    Migration {
        version: 2,
        name: "staff",
        sql: include_str!("../migrations/sqlite/0002_staff.sql"),
    },
    Migration {
        version: 3,
        name: "devices_sync",
        sql: include_str!("../migrations/sqlite/0003_devices_sync.sql"),
    },
    Migration {
        version: 4,
        name: "office_work",
        sql: include_str!("../migrations/sqlite/0004_office_work.sql"),
    },
    Migration {
        version: 5,
        name: "counter_pickup",
        sql: include_str!("../migrations/sqlite/0005_counter_pickup.sql"),
    },
    Migration {
        version: 6,
        name: "sign_in_guard",
        sql: include_str!("../migrations/sqlite/0006_sign_in_guard.sql"),
    },
    Migration {
        version: 7,
        name: "tablet_identity",
        sql: include_str!("../migrations/sqlite/0007_tablet_identity.sql"),
    },
    Migration {
        version: 8,
        name: "tablet_audit",
        sql: include_str!("../migrations/sqlite/0008_tablet_audit.sql"),
    },
];

/// Migrations for PostgreSQL, oldest first; the same versions and names as [`SQLITE`].
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "server_meta",
        sql: include_str!("../migrations/postgres/0001_server_meta.sql"),
    },
    Migration {
        version: 2,
        name: "staff",
        sql: include_str!("../migrations/postgres/0002_staff.sql"),
    },
    Migration {
        version: 3,
        name: "devices_sync",
        sql: include_str!("../migrations/postgres/0003_devices_sync.sql"),
    },
    Migration {
        version: 4,
        name: "office_work",
        sql: include_str!("../migrations/postgres/0004_office_work.sql"),
    },
    Migration {
        version: 5,
        name: "counter_pickup",
        sql: include_str!("../migrations/postgres/0005_counter_pickup.sql"),
    },
    Migration {
        version: 6,
        name: "sign_in_guard",
        sql: include_str!("../migrations/postgres/0006_sign_in_guard.sql"),
    },
    Migration {
        version: 7,
        name: "tablet_identity",
        sql: include_str!("../migrations/postgres/0007_tablet_identity.sql"),
    },
    Migration {
        version: 8,
        name: "tablet_audit",
        sql: include_str!("../migrations/postgres/0008_tablet_audit.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    SQLITE.last().map_or(0, |m| m.version)
}

/// Why the recorded schema cannot be used by this build.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The database was migrated by a newer server.
    #[error(
        "database schema version {found} is newer than this server knows ({known}); upgrade the server"
    )]
    Newer {
        /// Recorded version.
        found: i64,
        /// Newest this build knows.
        known: i64,
    },
    /// An applied migration was edited after it ran.
    #[error(
        "migration {version} ({name}) differs from the one applied to this database; migrations are append-only"
    )]
    Edited {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: &'static str,
    },
}

/// Checks what a database recorded (version, checksum) against the embedded list and
/// returns the migrations still to apply.
pub fn pending<'a>(
    embedded: &'a [Migration],
    applied: &[(i64, String)],
) -> Result<Vec<&'a Migration>, SchemaError> {
    let known = embedded.last().map_or(0, |m| m.version);
    for (version, checksum) in applied {
        match embedded.iter().find(|m| m.version == *version) {
            None => {
                return Err(SchemaError::Newer {
                    found: *version,
                    known,
                });
            }
            Some(m) if m.checksum() != *checksum => {
                return Err(SchemaError::Edited {
                    version: m.version,
                    name: m.name,
                });
            }
            Some(_) => {}
        }
    }
    let done = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
    Ok(embedded.iter().filter(|m| m.version > done).collect())
}

/// Arbitrary constant for the PostgreSQL advisory lock that keeps two servers starting
/// at once from migrating the same database together. (On SQLite the writer's
/// `BEGIN IMMEDIATE` is that lock.)
const MIGRATION_LOCK: i64 = 0x4f55_5452_4541_4348;

/// Brings a database's schema up to date: each pending migration in its own
/// transaction, holding the lock against a second server migrating at once, and
/// refusing a database that a newer server migrated or whose applied migrations were
/// edited ([`pending`]).
pub async fn run(db: &Db, embedded: &'static [Migration]) -> Result<(), StoreError> {
    while let Some((version, name)) = db
        .write(move |tx| Box::pin(async move { apply_next(tx, embedded).await }))
        .await?
    {
        tracing::info!(version, name, "applied a schema migration");
    }
    Ok(())
}

/// Applies the first pending migration, if any; which one it was.
async fn apply_next(
    tx: &mut Tx<'_>,
    embedded: &'static [Migration],
) -> Result<Option<(i64, &'static str)>, StoreError> {
    // The bookkeeping table's DDL and row differ by dialect (it predates this runner).
    let (bookkeeping, record) = match tx.dialect() {
        Dialect::Sqlite => (
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY NOT NULL,
                 name       TEXT NOT NULL,
                 checksum   TEXT NOT NULL,
                 applied_at TEXT NOT NULL
             ) STRICT;",
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
        ),
        Dialect::Postgres => {
            tx.execute("SELECT pg_advisory_xact_lock(?1)", &[&MIGRATION_LOCK])
                .await?;
            (
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version    BIGINT PRIMARY KEY NOT NULL,
                     name       TEXT NOT NULL,
                     checksum   TEXT NOT NULL,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 );",
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
            )
        }
    };
    tx.batch(bookkeeping).await?;
    let applied: Vec<(i64, String)> = tx
        .query(
            "SELECT version, checksum FROM schema_migrations ORDER BY version",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .await?;
    let Some(m) = pending(embedded, &applied)?.first().copied() else {
        return Ok(None);
    };
    tx.batch(m.sql).await?;
    let checksum = m.checksum();
    let now = crate::store::timestamp(chrono::Utc::now());
    match tx.dialect() {
        Dialect::Sqlite => {
            tx.execute(record, &[&m.version, &m.name, &checksum, &now])
                .await?
        }
        Dialect::Postgres => {
            tx.execute(record, &[&m.version, &m.name, &checksum])
                .await?
        }
    };
    Ok(Some((m.version, m.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_without_gaps_in_both_dialects() {
        for list in [SQLITE, POSTGRES] {
            for (i, m) in list.iter().enumerate() {
                assert_eq!(
                    m.version,
                    i as i64 + 1,
                    "migration {} must be number {}: append-only, no gaps",
                    m.name,
                    i + 1
                );
            }
        }
    }

    #[test]
    fn both_dialects_have_the_same_steps() {
        let names = |l: &[Migration]| l.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(
            names(SQLITE),
            names(POSTGRES),
            "every schema step must exist for SQLite and PostgreSQL alike"
        );
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let applied = vec![(1, "0".repeat(64))];
        assert!(matches!(
            pending(SQLITE, &applied),
            Err(SchemaError::Edited { version: 1, .. })
        ));
    }

    #[test]
    fn a_newer_database_is_refused() {
        let applied = vec![(latest() + 1, String::new())];
        assert!(matches!(
            pending(SQLITE, &applied),
            Err(SchemaError::Newer { .. })
        ));
    }

    #[test]
    fn only_unapplied_steps_are_pending() {
        let applied: Vec<(i64, String)> =
            SQLITE.iter().map(|m| (m.version, m.checksum())).collect();
        assert!(
            pending(SQLITE, &applied)
                .expect("a database at the latest version is fine")
                .is_empty()
        );
        assert_eq!(
            pending(SQLITE, &[])
                .expect("an empty database is fine")
                .len(),
            SQLITE.len()
        );
    }
}
