//! Trips: planned here, received by the tablets with `GET /trips`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{TripInput, TripList};
use outreach_protocol::sync::Trip;

use crate::api::checks::{audit, check_date, check_text, today, unprocessable};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office;
use crate::store::{RecordFilter, timestamp};
use crate::{AppError, AppState};

fn trip_of(id: String, t: TripInput) -> Result<Trip, AppError> {
    check_text("siteName", &t.site_name, 100, true)?;
    check_text("siteAddress", &t.site_address, 200, false)?;
    check_date("tripDate", &t.trip_date)?;
    if t.mode != "uketsuke" && t.mode != "support" {
        return Err(unprocessable("invalid_mode", "mode: uketsuke or support"));
    }
    if t.expected_count.is_some_and(|n| !(0..=10_000).contains(&n)) {
        return Err(unprocessable("invalid_count", "expectedCount: 0 to 10000"));
    }
    if t.staff_ids.len() > 50 || t.staff_ids.iter().any(|s| s.is_empty() || s.len() > 32) {
        return Err(unprocessable(
            "invalid_staff",
            "staffIds: up to 50 staff IDs",
        ));
    }
    Ok(Trip {
        id,
        site_name: t.site_name.trim().to_owned(),
        site_address: t.site_address.trim().to_owned(),
        trip_date: t.trip_date,
        mode: t.mode,
        expected_count: t.expected_count,
        staff_ids: t.staff_ids,
    })
}

/// `?from=&to=` (YYYY-MM-DD).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day; default 30 days ago.
    pub from: Option<String>,
    /// Last day; default 90 days ahead.
    pub to: Option<String>,
}

/// Trips planned in a range, with how many records came back from each.
#[utoipa::path(
    get, path = "/console/trips", tag = "console", security(("console" = [])), params(RangeQuery),
    responses((status = 200, body = TripList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn trips(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<RangeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TripList>, AppError> {
    let Query(q) = query?;
    let (default_from, default_to) = office::trips::default_range(today(&state));
    let from = q.from.unwrap_or(default_from);
    let to = q.to.unwrap_or(default_to);
    check_date("from", &from)?;
    check_date("to", &to)?;
    let mut out = Vec::new();
    for trip in state.store.trips_between(&from, &to).await? {
        let records = state
            .store
            .latest_records(&RecordFilter {
                trip_id: Some(trip.id.clone()),
                ..Default::default()
            })
            .await?;
        out.push(office::trips::summary(trip, &records));
    }
    audit(
        &state,
        session.actor(),
        "trips_viewed",
        &format!("{from}..{to}"),
    )
    .await?;
    Ok(Json(TripList { trips: out }))
}

/// Plans a trip; tablets receive it with `GET /trips`.
#[utoipa::path(
    post, path = "/console/trips", tag = "console", security(("console" = [])), request_body = TripInput,
    responses((status = 201, body = Trip), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn create_trip(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<TripInput>,
) -> Result<(StatusCode, Json<Trip>), AppError> {
    let trip = trip_of(uuid::Uuid::now_v7().to_string(), input)?;
    let now = timestamp(state.clock.now());
    state
        .store
        .insert_trip(&trip, &session.account.staff_id, &now)
        .await?;
    audit(&state, session.actor(), "trip_created", &trip.id).await?;
    Ok((StatusCode::CREATED, Json(trip)))
}

/// Changes a planned trip.
#[utoipa::path(
    put, path = "/console/trips/{id}", tag = "console", security(("console" = [])), request_body = TripInput,
    params(("id" = String, Path, description = "Trip ID")),
    responses((status = 200, body = Trip), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn update_trip(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TripInput>,
) -> Result<Json<Trip>, AppError> {
    let trip = trip_of(id, input)?;
    let now = timestamp(state.clock.now());
    if !state
        .store
        .update_trip(&trip, &session.account.staff_id, &now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    audit(&state, session.actor(), "trip_updated", &trip.id).await?;
    Ok(Json(trip))
}
