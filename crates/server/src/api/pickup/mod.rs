//! Counter pickup in the console, a file per resource: the calendar's settings, the
//! 交付通知書 of a batch (printing marks them sent), the calendar, finding a caller,
//! bookings (each call counted as a phone enquiry) and the day's pickup list with 交付
//! and 来庁なし. Names are shown to signed-in staff and every view of them is
//! audited; logs and audit subjects carry IDs only. The rules are in
//! [`crate::pickup`].

pub mod bookings;
pub mod calendar;
pub mod day;
pub mod notices;
pub mod residents;
pub mod settings;

use std::collections::HashMap;

use chrono::NaiveDate;
use outreach_protocol::pickup::{CardPlace, PickupBooking, PickupResident, PickupSettings};

use crate::pickup::{self, PickupCase};
use crate::reports::RecordFacts;
use crate::store::{BookingRow, HeldRecord};
use crate::{AppError, AppState};

/// The office's pickup settings: what it stored, over the defaults.
pub async fn settings(state: &AppState) -> Result<PickupSettings, AppError> {
    let stored = state.store.setting(pickup::SETTINGS_KEY).await?;
    pickup::settings_over_defaults(stored.as_deref()).map_err(|e| AppError::Internal(e.to_string()))
}

fn booking_of(b: &BookingRow) -> PickupBooking {
    PickupBooking {
        booking_id: b.booking_id.clone(),
        application_id: b.application_id.clone(),
        record_id: b.record_id.clone(),
        date: b.slot_date.clone(),
        time: b.slot_time.clone(),
        status: b.status.clone(),
        booked_by: b.booked_by.clone(),
        booked_at: b.booked_at.clone(),
        closed_on: b.closed_on.clone(),
        follow_up: b.follow_up.clone(),
    }
}

/// Builds the residents of these records with their card, notice and booking, in
/// three reads whatever their number.
async fn residents(
    state: &AppState,
    records: &[HeldRecord],
    on: NaiveDate,
) -> Result<Vec<PickupResident>, AppError> {
    let facts: Vec<RecordFacts> = records.iter().map(RecordFacts::of).collect();
    let ids: Vec<String> = facts.iter().map(|f| f.application_id.clone()).collect();
    let mut places: HashMap<String, CardPlace> = state
        .store
        .card_places(&ids)
        .await?
        .into_iter()
        .map(|(id, p)| {
            let place = CardPlace {
                batch_id: p.batch_id,
                label: p.label,
                delivered_on: p.delivered_on,
                storage: p.storage,
                number: p.number,
            };
            (id, place)
        })
        .collect();
    let notices: HashMap<String, String> = state
        .store
        .notices(&ids)
        .await?
        .into_iter()
        .map(|n| (n.application_id, n.sent_on))
        .collect();
    let bookings = pickup::bookings::current(state.store.bookings_of(&ids).await?);
    Ok(records
        .iter()
        .zip(facts)
        .map(|(r, f)| {
            let case = PickupCase::of(&r.payload, on);
            PickupResident {
                application_id: f.application_id.clone(),
                record_id: r.record_id.clone(),
                bring: case.bring(),
                name: case.name,
                kana: case.kana,
                birth_display: pickup::birth_display(&case.birth_date),
                birth_date: case.birth_date,
                postal_code: case.postal_code,
                address: case.address,
                counter_pickup: !f.by_mail(),
                card: places.remove(&f.application_id),
                notice_sent_on: notices.get(&f.application_id).cloned(),
                booking: bookings.get(&f.application_id).map(booking_of),
                stage: r.stage.clone(),
            }
        })
        .collect())
}
