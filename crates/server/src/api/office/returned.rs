//! Returned mail (返戻物): the list, logging a returned card, its phone contacts, and
//! how it was resolved.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{
    ContactInput, ResolveInput, Returned, ReturnedContact, ReturnedInput, ReturnedList,
};

use crate::api::checks::{
    audit, check_application_id, check_date, check_text, today, unprocessable,
};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office;
use crate::store::{RecordFilter, timestamp};
use crate::{AppError, AppState};

/// Returned cards with their contacts and destruction dates (audited).
#[utoipa::path(
    get, path = "/console/returned", tag = "console", security(("console" = [])),
    responses((status = 200, body = ReturnedList), (status = 401, body = ErrorBody))
)]
pub async fn returned(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<ReturnedList>, AppError> {
    let today = today(&state);
    audit(&state, session.actor(), "returned_viewed", "returned").await?;
    Ok(Json(ReturnedList {
        items: state
            .store
            .returned(None)
            .await?
            .into_iter()
            .map(|r| office::returned::as_of(r, today))
            .collect(),
    }))
}

/// Logs a returned card (返戻物). Its destruction date is about a year after the
/// application (the record's trip date, or the day it came back when the application
/// is not held here).
#[utoipa::path(
    post, path = "/console/returned", tag = "console", security(("console" = [])), request_body = ReturnedInput,
    responses((status = 201, body = Returned), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn add_returned(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<ReturnedInput>,
) -> Result<(StatusCode, Json<Returned>), AppError> {
    check_application_id(&input.application_id)?;
    if !["unclaimed", "moved", "unknown", "other"].contains(&input.reason.as_str()) {
        return Err(unprocessable(
            "invalid_reason",
            "reason: unclaimed, moved, unknown or other",
        ));
    }
    check_date("returnedOn", &input.returned_on)?;
    check_text("note", &input.note, 500, false)?;
    let held = state
        .store
        .latest_records(&RecordFilter {
            application_ids: Some(vec![input.application_id.clone()]),
            ..Default::default()
        })
        .await?;
    let destroy_on = office::returned::destroy_on(held.first(), &input.returned_on);
    let r = Returned {
        returned_id: uuid::Uuid::now_v7().to_string(),
        application_id: input.application_id,
        record_id: held.first().map(|r| r.record_id.clone()),
        reason: input.reason,
        returned_on: input.returned_on,
        destroy_on,
        due_for_destruction: false,
        note: input.note,
        resolution: None,
        resolved_on: None,
        contacts: Vec::new(),
    };
    let now = timestamp(state.clock.now());
    state
        .store
        .insert_returned(&r, &session.account.staff_id, &now)
        .await?;
    audit(&state, session.actor(), "returned_added", &r.returned_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(office::returned::as_of(r, today(&state))),
    ))
}

/// Records one phone contact about a returned card.
#[utoipa::path(
    post, path = "/console/returned/{id}/contacts", tag = "console", security(("console" = [])), request_body = ContactInput,
    params(("id" = String, Path, description = "Returned-mail ID")),
    responses((status = 204, description = "Recorded"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn add_contact(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<StatusCode, AppError> {
    let at = chrono::DateTime::parse_from_rfc3339(&input.contacted_at)
        .map(|t| timestamp(t.with_timezone(&Utc)))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(&input.contacted_at, "%Y-%m-%dT%H:%M")
                .map(|t| timestamp(outreach_domain::japan::utc_of(t)))
        })
        .map_err(|_| {
            unprocessable(
                "invalid_time",
                "contactedAt: RFC 3339, or YYYY-MM-DDTHH:MM (Japan time)",
            )
        })?;
    check_text("outcome", &input.outcome, 200, true)?;
    check_text("nextStep", &input.next_step, 200, false)?;
    let contact = ReturnedContact {
        contacted_at: at,
        staff_id: session.account.staff_id.clone(),
        outcome: input.outcome,
        next_step: input.next_step,
    };
    if !state.store.add_returned_contact(&id, &contact).await? {
        return Err(AppError::NotFound);
    }
    audit(&state, session.actor(), "returned_contact_added", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes a returned card: sent again, collected at the counter, or destroyed.
#[utoipa::path(
    post, path = "/console/returned/{id}/resolve", tag = "console", security(("console" = [])), request_body = ResolveInput,
    params(("id" = String, Path, description = "Returned-mail ID")),
    responses((status = 204, description = "Resolved"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn resolve_returned(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> Result<StatusCode, AppError> {
    if !["redelivered", "collected", "destroyed"].contains(&input.resolution.as_str()) {
        return Err(unprocessable(
            "invalid_resolution",
            "resolution: redelivered, collected or destroyed",
        ));
    }
    check_date("resolvedOn", &input.resolved_on)?;
    if !state
        .store
        .resolve_returned(&id, &input.resolution, &input.resolved_on)
        .await?
    {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        session.actor(),
        &format!("returned_{}", input.resolution),
        &id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
