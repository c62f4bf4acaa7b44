//! `server_meta`: the server's own facts (its identity, the office public key), set
//! once and read often.

use super::db::{args, work};
use super::{Result, Store};

impl Store {
    /// Checks that the database answers; returns the schema version in force.
    pub async fn ping(&self) -> Result<i64> {
        self.db
            .read(work!(|tx| {
                tx.value(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )
                .await
            }))
            .await
    }

    /// A value from `server_meta`.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM server_meta WHERE key = ?1";
        self.db.row(sql, args![key], |r| r.get(0)).await
    }

    /// Sets `server_meta[key]` unless it is already set; returns the value in force.
    pub async fn init_meta(&self, key: &str, value: &str) -> Result<String> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.db
            .write(work!(|tx| {
                    tx.execute(
                        "INSERT INTO server_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                        &[&key, &value],
                    )
                    .await?;
                    tx.value("SELECT value FROM server_meta WHERE key = ?1", &[&key])
                        .await
                }))
            .await
    }
}
