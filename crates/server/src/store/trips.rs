//! Trips the office plans; tablets receive those from today on.

use outreach_protocol::sync::Trip;

use super::db::{Row, args};
use super::{Result, Store, StoreError};

/// Columns of a [`Trip`], in [`trip_from_row`]'s order.
pub(super) const TRIP: &str =
    "trip_id, site_name, site_address, trip_date, mode, expected_count, staff_ids";

/// A trip from columns `at..at + 7` ([`TRIP`]'s order).
pub(super) fn trip_from_row(r: &Row<'_>, at: usize) -> Result<Trip> {
    let id: String = r.get(at)?;
    let staff: String = r.get(at + 6)?;
    let staff_ids = serde_json::from_str(&staff).unwrap_or_else(|e| {
        // Only this server writes the column; a value it cannot read is damage.
        tracing::error!(trip_id = %id, error = %e, "trips.staff_ids is not a JSON array of strings");
        Vec::new()
    });
    Ok(Trip {
        id,
        site_name: r.get(at + 1)?,
        site_address: r.get(at + 2)?,
        trip_date: r.get(at + 3)?,
        mode: r.get(at + 4)?,
        expected_count: r.get(at + 5)?,
        staff_ids,
    })
}

fn staff_json(trip: &Trip) -> String {
    serde_json::Value::from(trip.staff_ids.clone()).to_string()
}

impl Store {
    /// Stores a planned trip; [`StoreError::Conflict`] if its ID is taken.
    pub async fn insert_trip(&self, t: &Trip, by: &str, now: &str) -> Result<()> {
        let inserted = self
            .db
            .change(
                "INSERT INTO trips (trip_id, site_name, site_address, trip_date, mode, expected_count,
                     staff_ids, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (trip_id) DO NOTHING",
                args![&t.id, &t.site_name, &t.site_address, &t.trip_date, &t.mode, t.expected_count,
                      &staff_json(t), by, now],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!("trip {}", t.id)));
        }
        Ok(())
    }

    /// Replaces a planned trip's fields; false if there is no such trip.
    pub async fn update_trip(&self, t: &Trip, _by: &str, _now: &str) -> Result<bool> {
        let n = self
            .db
            .change(
                "UPDATE trips SET site_name = ?2, site_address = ?3, trip_date = ?4, mode = ?5,
                     expected_count = ?6, staff_ids = ?7
                 WHERE trip_id = ?1",
                args![
                    &t.id,
                    &t.site_name,
                    &t.site_address,
                    &t.trip_date,
                    &t.mode,
                    t.expected_count,
                    &staff_json(t)
                ],
            )
            .await?;
        Ok(n > 0)
    }

    /// Trips on or after `date` (YYYY-MM-DD), by date then site.
    pub async fn trips_from(&self, date: &str) -> Result<Vec<Trip>> {
        self.trips_between(date, "9999-12-31").await
    }

    /// Trips from `from` to `to` (YYYY-MM-DD, both included), by date then site.
    pub async fn trips_between(&self, from: &str, to: &str) -> Result<Vec<Trip>> {
        self.db
            .rows(
                format!(
                    "SELECT {TRIP} FROM trips WHERE trip_date >= ?1 AND trip_date <= ?2
                     ORDER BY trip_date COLLATE \"C\", site_name COLLATE \"C\", trip_id COLLATE \"C\""
                ),
                args![from, to],
                |r| trip_from_row(r, 0),
            )
            .await
    }
}
