//! Failed password checks, counted in the database before each check runs (issue 24):
//! a fixed window per key, so a count survives a restart and every server process on
//! the database shares it.

use super::db::{args, work};
use super::{Store, StoreError, timestamp};

/// At most `failures` failed checks under `key` in a window of `window` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// `id:<staff ID>`, `ip:<address>` or `all`.
    pub key: String,
    /// Failures allowed in one window.
    pub failures: i64,
    /// The window's length, seconds.
    pub window: i64,
}

impl Store {
    /// Reserves one failure under every limit's key, in one unit of work, before the
    /// password is checked: the row lock each upsert takes (and SQLite's one writer)
    /// orders parallel checks, so no more than a limit's allowance ever run in a
    /// window. A key at its limit declines the whole unit (nothing is reserved) with
    /// the seconds until its window ends.
    pub async fn reserve_failure(
        &self,
        limits: Vec<Limit>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<(), i64>, StoreError> {
        self.db
            .attempt(work!(|tx| {
                    for l in &limits {
                        let start = timestamp(now - chrono::Duration::seconds(l.window));
                        let (failures, began): (i64, String) = tx
                            .query_opt(
                                "INSERT INTO login_throttle (key, failures, window_start) VALUES (?1, 1, ?2)
                                 ON CONFLICT (key) DO UPDATE SET
                                   failures = CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.failures + 1 END,
                                   window_start = CASE WHEN login_throttle.window_start <= ?3 THEN ?2 ELSE login_throttle.window_start END
                                 RETURNING failures, window_start",
                                &[&l.key, &timestamp(now), &start],
                                |r| Ok((r.get(0)?, r.get(1)?)),
                            )
                            .await?
                            .ok_or(StoreError::NoRow)?;
                        if failures > l.failures {
                            let ends = chrono::DateTime::parse_from_rfc3339(&began)
                                .map_or(now, |t| t.to_utc())
                                + chrono::Duration::seconds(l.window);
                            return Ok(Err((ends - now).num_seconds().max(1)));
                        }
                    }
                    Ok(Ok(()))
                }))
            .await
    }

    /// A check that passed: its reservation under `release` is given back, and the
    /// counts under `reset` (the staff ID that signed in) are cleared.
    pub async fn release_failure(
        &self,
        release: Vec<String>,
        reset: Vec<String>,
    ) -> Result<(), StoreError> {
        self.db
            .write(work!(|tx| {
                    for key in &release {
                        tx.execute(
                            "UPDATE login_throttle SET failures = failures - 1 WHERE key = ?1 AND failures > 0",
                            &[key],
                        )
                        .await?;
                    }
                    for key in &reset {
                        tx.execute("DELETE FROM login_throttle WHERE key = ?1", &[key])
                            .await?;
                    }
                    Ok(())
                }))
            .await
    }

    /// Forgets counts whose window began before `before` (housekeeping).
    pub async fn prune_throttle(&self, before: &str) -> Result<u64, StoreError> {
        let sql = "DELETE FROM login_throttle WHERE window_start < ?1";
        self.db.change(sql, args![before]).await
    }
}
