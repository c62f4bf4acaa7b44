//! The day's pickup list, and the no-shows still to call.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use outreach_protocol::ErrorBody;
use outreach_protocol::pickup::{PickupDay, PickupListEntry, PickupResident};

use super::{booking_of, residents};
use crate::api::checks::{audit, check_date, today};
use crate::api::office::cards::records_by_application_id;
use crate::auth::StaffSession;
use crate::office::ymd;
use crate::pickup::bookings;
use crate::store::BookingRow;
use crate::{AppError, AppState};

/// `?date=` (default today).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// YYYY-MM-DD.
    pub date: Option<String>,
}

async fn entries(
    state: &AppState,
    bookings: Vec<BookingRow>,
    on: NaiveDate,
) -> Result<Vec<PickupListEntry>, AppError> {
    let ids: Vec<String> = bookings.iter().map(|b| b.application_id.clone()).collect();
    let (records, _) = records_by_application_id(state, ids).await?;
    let by_id: HashMap<String, PickupResident> = residents(state, &records, on)
        .await?
        .into_iter()
        .map(|r| (r.application_id.clone(), r))
        .collect();
    Ok(bookings
        .iter()
        .filter_map(|b| {
            Some(PickupListEntry {
                booking: booking_of(b),
                resident: by_id.get(&b.application_id)?.clone(),
            })
        })
        .collect())
}

/// The day's pickups by time with what each must bring and where the card is, and
/// the recent no-shows still to call (audited: names).
#[utoipa::path(
    get, path = "/console/pickup/day", tag = "console", security(("console" = [])), params(DayQuery),
    responses((status = 200, body = PickupDay), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn pickup_day(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PickupDay>, AppError> {
    let Query(q) = query?;
    let date = q.date.unwrap_or_else(|| ymd(today(&state)));
    let on = check_date("date", &date)?;
    let booked: Vec<BookingRow> = state
        .store
        .bookings_between(&date, &date)
        .await?
        .into_iter()
        .filter(|b| matches!(b.status.as_str(), "booked" | "issued" | "no_show"))
        .collect();
    let entries_of_day = entries(&state, booked, on).await?;
    // No-shows whose card has had nothing since: no new booking, not handed over.
    let today = today(&state);
    let no_shows = bookings::no_shows(
        state
            .store
            .bookings_closed_between(&bookings::follow_up_since(today), &ymd(today))
            .await?,
    );
    let ids: Vec<String> = no_shows.iter().map(|b| b.application_id.clone()).collect();
    let open = bookings::to_follow_up(no_shows, state.store.bookings_of(&ids).await?);
    let follow_up = entries(&state, open, on).await?;
    audit(&state, session.actor(), "pickup_day_viewed", &date).await?;
    Ok(Json(PickupDay {
        date,
        entries: entries_of_day,
        follow_up,
    }))
}
