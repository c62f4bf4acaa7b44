//! The pickup calendar: each day's slots with their booked places.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use outreach_protocol::ErrorBody;
use outreach_protocol::pickup::PickupCalendar;

use super::settings;
use crate::api::checks::{check_date, today, unprocessable};
use crate::auth::StaffSession;
use crate::office::ymd;
use crate::pickup;
use crate::{AppError, AppState};

/// `?from=&to=` (YYYY-MM-DD; default today and four weeks on).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// First day.
    pub from: Option<String>,
    /// Last day (at most 93 days after the first).
    pub to: Option<String>,
}

/// Each day's slots with their booked places, and why a day is closed.
#[utoipa::path(
    get, path = "/console/pickup/calendar", tag = "console", security(("console" = [])), params(CalendarQuery),
    responses((status = 200, body = PickupCalendar), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn calendar(
    State(state): State<AppState>,
    _session: StaffSession,
    query: Result<Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PickupCalendar>, AppError> {
    let Query(q) = query?;
    let from = q
        .from
        .as_deref()
        .map(|f| check_date("from", f))
        .transpose()?;
    let to = q.to.as_deref().map(|t| check_date("to", t)).transpose()?;
    let Some((from, to)) = pickup::calendar_range(from, to, today(&state)) else {
        return Err(unprocessable(
            "invalid_date",
            "to: on or after from, at most 93 days",
        ));
    };
    let settings = settings(&state).await?;
    let booked: HashMap<(String, String), i64> = state
        .store
        .slot_counts(&ymd(from), &ymd(to))
        .await?
        .into_iter()
        .map(|(d, t, n)| ((d, t), n))
        .collect();
    Ok(Json(PickupCalendar {
        days: pickup::calendar(&settings, from, to, &booked),
    }))
}
