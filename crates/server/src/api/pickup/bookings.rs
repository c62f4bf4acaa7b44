//! Bookings at the pickup desk: booking, moving and cancelling a pickup (a call
//! counted as a phone enquiry in the same transaction), handing the card over, a
//! no-show and its follow-up call.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::PhoneEnquiry;
use outreach_protocol::pickup::{
    BookingInput, CancelInput, FollowUpInput, MoveInput, PickupBooking, PickupSettings,
};

use super::{booking_of, settings};
use crate::api::checks::{audit, check_application_id, check_text, conflict, today, unprocessable};
use crate::api::office::cards::records_by_application_id;
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office::ymd;
use crate::pickup::{self, SlotRefusal, day_ja};
use crate::store::{Booked, BookingRow, NewBooking, timestamp};
use crate::{AppError, AppState};

fn slot_refused(r: SlotRefusal, s: &PickupSettings) -> AppError {
    match r {
        SlotRefusal::Malformed => unprocessable("invalid_date", "date: YYYY-MM-DD and time: HH:MM"),
        SlotRefusal::OutOfRange => unprocessable(
            "out_of_range",
            format!("date: from today to {} days ahead", s.horizon_days),
        ),
        SlotRefusal::Closed(why) => unprocessable(
            "closed_day",
            format!("date: the counter is closed that day ({why})"),
        ),
        SlotRefusal::OutsideHours => unprocessable(
            "outside_hours",
            "time: not the start of a pickup slot that day",
        ),
    }
}

fn slot_text(date: &str, time: &str) -> String {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_default();
    format!("{} {time}", day_ja(day))
}

fn call(state: &AppState, session: &StaffSession, topic: &str, answer: String) -> PhoneEnquiry {
    PhoneEnquiry {
        enquiry_id: uuid::Uuid::now_v7().to_string(),
        on_date: ymd(today(state)),
        topic: topic.to_owned(),
        answer,
        created_by: session.account.staff_id.clone(),
    }
}

/// Phone topics the pickup desk counts (the report's 電話対応件数（内容別）).
pub const TOPIC_BOOK: &str = "受け取り予約";
/// A booking moved.
pub const TOPIC_MOVE: &str = "受け取り予約の変更";
/// A booking cancelled.
pub const TOPIC_CANCEL: &str = "受け取り予約の取消";

/// A place asked for: whose card, which slot.
struct Wanted<'a> {
    application_id: &'a str,
    record_id: &'a str,
    date: &'a str,
    time: &'a str,
}

async fn store_booking(
    state: &AppState,
    session: &StaffSession,
    want: Wanted<'_>,
    replaces: Option<&str>,
    call: Option<PhoneEnquiry>,
) -> Result<PickupBooking, AppError> {
    let settings = settings(state).await?;
    let now = timestamp(state.clock.now());
    let new = NewBooking {
        booking_id: uuid::Uuid::now_v7().to_string(),
        application_id: want.application_id.to_owned(),
        record_id: want.record_id.to_owned(),
        slot_date: want.date.to_owned(),
        slot_time: want.time.to_owned(),
        capacity: settings.capacity,
        by: session.account.staff_id.clone(),
        at: now,
    };
    match state.store.book(&new, replaces, call.as_ref()).await? {
        Booked::Booked(b) => Ok(booking_of(&b)),
        Booked::SlotFull => Err(conflict(
            "slot_full",
            "this slot has no free place; choose another",
        )),
        Booked::AlreadyBooked(b) => Err(conflict(
            "already_booked",
            format!(
                "this card is booked already on {} {}; move that booking instead",
                b.slot_date, b.slot_time
            ),
        )),
        Booked::NotOpen => Err(conflict("not_open", "the booking is no longer open")),
    }
}

/// Books a pickup for a card that has arrived. Refused: an unknown 申請書ID (404
/// `unknown_application`), a card not arrived (`card_not_arrived`) or handed over
/// already (`already_issued`), a closed day, a time that is no slot, a full slot (409
/// `slot_full`), a card booked already (409 `already_booked`). Nothing is stored then.
#[utoipa::path(
    post, path = "/console/pickup/bookings", tag = "console", security(("console" = [])), request_body = BookingInput,
    responses((status = 201, body = PickupBooking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn book(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<BookingInput>,
) -> Result<Response, AppError> {
    check_application_id(&input.application_id)?;
    let settings = settings(&state).await?;
    pickup::check_slot(&settings, &input.date, &input.time, today(&state))
        .map_err(|r| slot_refused(r, &settings))?;
    let (records, _) =
        records_by_application_id(&state, vec![input.application_id.clone()]).await?;
    let Some(record) = records.into_iter().next_back() else {
        return Err(AppError::client(
            StatusCode::NOT_FOUND,
            "unknown_application",
            "no application has this 申請書ID",
        ));
    };
    if state
        .store
        .card_arrival(&input.application_id)
        .await?
        .is_none()
    {
        return Err(unprocessable(
            "card_not_arrived",
            "applicationId: the card has not arrived yet",
        ));
    }
    if record.stage == "issued" {
        return Err(conflict(
            "already_issued",
            "the card was handed over already",
        ));
    }
    let phone = input.by_phone.then(|| {
        call(
            &state,
            &session,
            TOPIC_BOOK,
            format!("{}で予約", slot_text(&input.date, &input.time)),
        )
    });
    let want = Wanted {
        application_id: &input.application_id,
        record_id: &record.record_id,
        date: &input.date,
        time: &input.time,
    };
    let booking = store_booking(&state, &session, want, None, phone).await?;
    audit(
        &state,
        session.actor(),
        "pickup_booked",
        &booking.booking_id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(booking)).into_response())
}

async fn open_booking(state: &AppState, id: &str) -> Result<BookingRow, AppError> {
    let b = state.store.booking(id).await?.ok_or(AppError::NotFound)?;
    if b.status != "booked" {
        return Err(conflict("not_open", "the booking is no longer open"));
    }
    Ok(b)
}

/// Moves an open booking to another slot: the new place is taken and the old one
/// freed together, or neither (409 `slot_full`).
#[utoipa::path(
    post, path = "/console/pickup/bookings/{id}/move", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Booking ID")), request_body = MoveInput,
    responses((status = 200, body = PickupBooking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn move_booking(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MoveInput>,
) -> Result<Json<PickupBooking>, AppError> {
    let old = open_booking(&state, &id).await?;
    let settings = settings(&state).await?;
    pickup::check_slot(&settings, &input.date, &input.time, today(&state))
        .map_err(|r| slot_refused(r, &settings))?;
    let phone = input.by_phone.then(|| {
        call(
            &state,
            &session,
            TOPIC_MOVE,
            format!(
                "{}から{}に変更",
                slot_text(&old.slot_date, &old.slot_time),
                slot_text(&input.date, &input.time)
            ),
        )
    });
    let want = Wanted {
        application_id: &old.application_id,
        record_id: &old.record_id,
        date: &input.date,
        time: &input.time,
    };
    let booking = store_booking(&state, &session, want, Some(&id), phone).await?;
    audit(&state, session.actor(), "pickup_moved", &booking.booking_id).await?;
    Ok(Json(booking))
}

/// Cancels an open booking; its place is free again.
#[utoipa::path(
    post, path = "/console/pickup/bookings/{id}/cancel", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Booking ID")), request_body = CancelInput,
    responses((status = 200, body = PickupBooking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody))
)]
pub async fn cancel_booking(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CancelInput>,
) -> Result<Json<PickupBooking>, AppError> {
    let old = open_booking(&state, &id).await?;
    let phone = input.by_phone.then(|| {
        call(
            &state,
            &session,
            TOPIC_CANCEL,
            format!("{}を取消", slot_text(&old.slot_date, &old.slot_time)),
        )
    });
    let b = state
        .store
        .cancel_booking(
            &id,
            &session.account.staff_id,
            &timestamp(state.clock.now()),
            phone.as_ref(),
        )
        .await?
        .ok_or_else(|| conflict("not_open", "the booking is no longer open"))?;
    audit(&state, session.actor(), "pickup_cancelled", &id).await?;
    Ok(Json(booking_of(&b)))
}

async fn close(
    state: &AppState,
    session: &StaffSession,
    id: &str,
    status: &str,
) -> Result<PickupBooking, AppError> {
    let b = state.store.booking(id).await?.ok_or(AppError::NotFound)?;
    let today = today(state);
    if status == "no_show" && pickup::bookings::too_early_for_no_show(&b.slot_date, today) {
        return Err(unprocessable(
            "not_yet",
            "the booking's day has not come yet",
        ));
    }
    let closed = state
        .store
        .close_booking(
            id,
            status,
            &ymd(today),
            &session.account.staff_id,
            &timestamp(state.clock.now()),
        )
        .await?
        .ok_or_else(|| conflict("not_open", "the booking is no longer open"))?;
    let action = if status == "issued" {
        "pickup_issued"
    } else {
        "pickup_no_show"
    };
    audit(state, session.actor(), action, id).await?;
    Ok(booking_of(&closed))
}

/// The card was handed over (交付): the record's stage becomes 交付 and the day's
/// report counts it. A no-show who comes later can still be handed over.
#[utoipa::path(
    post, path = "/console/pickup/bookings/{id}/handover", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Booking ID")),
    responses((status = 200, body = PickupBooking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody))
)]
pub async fn handover(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<PickupBooking>, AppError> {
    Ok(Json(close(&state, &session, &id, "issued").await?))
}

/// The resident did not come (来庁なし): listed for a follow-up call.
#[utoipa::path(
    post, path = "/console/pickup/bookings/{id}/no-show", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Booking ID")),
    responses((status = 200, body = PickupBooking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn no_show(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<PickupBooking>, AppError> {
    Ok(Json(close(&state, &session, &id, "no_show").await?))
}

/// Notes the follow-up call after a no-show.
#[utoipa::path(
    post, path = "/console/pickup/bookings/{id}/follow-up", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Booking ID")), request_body = FollowUpInput,
    responses((status = 204, description = "Noted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn follow_up(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FollowUpInput>,
) -> Result<StatusCode, AppError> {
    check_text("note", &input.note, 200, true)?;
    state.store.booking(&id).await?.ok_or(AppError::NotFound)?;
    if !state.store.follow_up(&id, input.note.trim()).await? {
        return Err(conflict("not_no_show", "only a no-show is followed up"));
    }
    audit(&state, session.actor(), "pickup_followed_up", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
