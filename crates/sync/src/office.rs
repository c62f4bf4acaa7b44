//! What the office pushes besides the roster: the trips staff work in and the city's
//! identity-document rule set, kept in the vault so capture works offline all day.

use chrono::{DateTime, NaiveDate, Utc};
use outreach_protocol::sync::{DeviceSettings, Trip};
use outreach_vault::records::{self, Mode, NewTrip};
use outreach_vault::{Vault, VaultError, outbox};

/// An office trip as the vault stores it; `None` for one the tablet cannot use (a
/// date or mode it does not understand), which is skipped rather than failing sync.
pub fn office_trip(t: &Trip) -> Option<NewTrip> {
    let date: NaiveDate = t.trip_date.parse().ok()?;
    let mode = match t.mode.as_str() {
        "uketsuke" => Mode::Uketsuke,
        "support" => Mode::Support,
        _ => return None,
    };
    Some(NewTrip {
        id: t.id.clone(),
        site_name: t.site_name.clone(),
        site_address: t.site_address.clone(),
        date,
        mode,
        expected_count: t.expected_count.and_then(|n| u32::try_from(n).ok()),
        from_office: true,
        staff: t.staff_ids.clone(),
    })
}

/// Stores the office's trips and rule set in one transaction. Answers how many trips
/// were stored.
pub fn apply(
    vault: &mut Vault,
    trips: &[Trip],
    settings: &DeviceSettings,
    now: DateTime<Utc>,
) -> Result<usize, VaultError> {
    let usable: Vec<NewTrip> = trips.iter().filter_map(office_trip).collect();
    vault.write(|tx, staff| {
        for t in &usable {
            records::upsert_office_trip(tx, t, now, staff)?;
        }
        outbox::set_document_rules(tx, &settings.document_rules)?;
        Ok(usable.len())
    })
}
