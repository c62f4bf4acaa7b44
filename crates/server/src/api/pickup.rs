//! Counter pickup in the console: the 交付通知書 of a batch (printing marks them
//! sent), the pickup calendar and its settings, finding a caller, booking, moving and
//! cancelling a pickup (each call counted as a phone enquiry), and the day's pickup
//! list with 交付 and 来庁なし. Names are shown to signed-in staff and every view of
//! them is audited; logs and audit subjects carry IDs only.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::PhoneEnquiry;
use outreach_protocol::pickup::{
    BookingInput, CancelInput, CardPlace, FollowUpInput, MoveInput, NoticeList, NoticePrintInput,
    PickupBooking, PickupCalendar, PickupDay, PickupDayInfo, PickupListEntry, PickupResident,
    PickupSearch, PickupSettings, PickupSlot,
};

use super::office::{
    audit, batch_view, check_date, check_text, records_by_application_id, today, unprocessable,
};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::pickup::{self, PickupCase, SlotRefusal, day_ja, notice};
use crate::reports::{RecordFacts, is_application_id};
use crate::store::{
    Booked, BookingRow, HeldRecord, NewBooking, NoticeRow, RecordFilter, timestamp,
};
use crate::{AppError, AppState};

/// How far back the follow-up list looks for no-shows.
pub const FOLLOW_UP_DAYS: i64 = 60;
/// The longest calendar one request returns.
pub const CALENDAR_DAYS: i64 = 93;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::CONFLICT, code, message)
}

fn check_application_id(id: &str) -> Result<(), AppError> {
    if is_application_id(id) {
        Ok(())
    } else {
        Err(unprocessable(
            "invalid_application_id",
            "applicationId: 23 digits",
        ))
    }
}

/// The office's pickup settings: what it stored, over the defaults (so a setting
/// added in a later version has its default until the office changes it).
pub async fn settings(state: &AppState) -> Result<PickupSettings, AppError> {
    let defaults = pickup::default_settings();
    let Some(stored) = state.store.setting(pickup::SETTINGS_KEY).await? else {
        return Ok(defaults);
    };
    let mut merged =
        serde_json::to_value(&defaults).map_err(|e| AppError::Internal(e.to_string()))?;
    if let (Some(m), Ok(serde_json::Value::Object(s))) = (
        merged.as_object_mut(),
        serde_json::from_str::<serde_json::Value>(&stored),
    ) {
        for (k, v) in s {
            if m.contains_key(&k) {
                m.insert(k, v);
            }
        }
    }
    Ok(serde_json::from_value(merged).unwrap_or(defaults))
}

/// `昭和36年3月3日（1961年）` from `1961-03-03`; empty when there is no date.
fn birth_display(ymd: &str) -> String {
    let Ok(d) = NaiveDate::parse_from_str(ymd, "%Y-%m-%d") else {
        return String::new();
    };
    match outreach_domain::Wareki::from_date(d) {
        Ok(w) => format!("{w}（{}年）", chrono::Datelike::year(&d)),
        Err(_) => ymd.to_owned(),
    }
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
    // The open booking, else the newest (bookings come newest first).
    let mut bookings: HashMap<String, BookingRow> = HashMap::new();
    for b in state.store.bookings_of(&ids).await? {
        let keep = bookings
            .get(&b.application_id)
            .is_none_or(|held| held.status != "booked" && b.status == "booked");
        if keep {
            bookings.insert(b.application_id.clone(), b);
        }
    }
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
                birth_display: birth_display(&case.birth_date),
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

// --- Settings -------------------------------------------------------------------------

/// The pickup calendar's settings and the notice's fixed text.
#[utoipa::path(
    get, path = "/console/pickup/settings", tag = "console", security(("console" = [])),
    responses((status = 200, body = PickupSettings), (status = 401, body = ErrorBody))
)]
pub async fn get_settings(
    State(state): State<AppState>,
    _session: StaffSession,
) -> Result<Json<PickupSettings>, AppError> {
    Ok(Json(settings(&state).await?))
}

/// Changes the pickup settings (supervisors). Bookings already made keep their slot.
#[utoipa::path(
    put, path = "/console/pickup/settings", tag = "console", security(("console" = [])), request_body = PickupSettings,
    responses((status = 200, body = PickupSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn put_settings(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(mut input): ApiJson<PickupSettings>,
) -> Result<Json<PickupSettings>, AppError> {
    session.require_supervisor()?;
    input.weekdays.sort_unstable();
    input.weekdays.dedup();
    input.closed_dates.sort();
    input.closed_dates.dedup();
    input.open_dates.sort();
    input.open_dates.dedup();
    pickup::validate(&input).map_err(|m| unprocessable("invalid_settings", m))?;
    let json = serde_json::to_string(&input).map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .put_setting(
            pickup::SETTINGS_KEY,
            &json,
            &session.account.staff_id,
            &timestamp(Utc::now()),
        )
        .await?;
    audit(
        &state,
        &session,
        "pickup_settings_changed",
        pickup::SETTINGS_KEY,
    )
    .await?;
    Ok(Json(input))
}

// --- Notices --------------------------------------------------------------------------

async fn notice_list(state: &AppState, batch_id: &str) -> Result<NoticeList, AppError> {
    let row = state
        .store
        .card_batches()
        .await?
        .into_iter()
        .find(|b| b.batch_id == batch_id)
        .ok_or(AppError::NotFound)?;
    let (batch, records) = batch_view(state, &row).await?;
    let counter: Vec<HeldRecord> = records
        .into_iter()
        .filter(|r| !RecordFacts::of(r).by_mail())
        .collect();
    let mut residents = residents(state, &counter, day(&today())).await?;
    residents.sort_by(|a, b| a.application_id.cmp(&b.application_id));
    let unsent = residents
        .iter()
        .filter(|r| r.notice_sent_on.is_none())
        .count() as i64;
    Ok(NoticeList {
        overdue: unsent > 0 && today() > batch.deadline,
        batch,
        residents,
        unsent,
    })
}

/// The batch's residents who collect at the counter, each with their notice and
/// booking (audited: names).
#[utoipa::path(
    get, path = "/console/card-batches/{id}/notices", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Batch ID")),
    responses((status = 200, body = NoticeList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn notices(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<NoticeList>, AppError> {
    let list = notice_list(&state, &id).await?;
    audit(&state, &session, "pickup_notices_viewed", &id).await?;
    Ok(Json(list))
}

/// Prints the batch's 交付通知書 as one PDF (A4, for a 長3 window envelope) and marks
/// each one sent on `sentOn` (a notice printed again keeps its first day). Without
/// `applicationIds`, every unsent notice of the batch. The records move to
/// 交付前設定 in the same transaction.
#[utoipa::path(
    post, path = "/console/card-batches/{id}/notices", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Batch ID")), request_body = NoticePrintInput,
    responses(
        (status = 200, description = "The notices, one page each", content_type = "application/pdf"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A date or 申請書ID that is not of this batch's counter pickups; `nothing_to_print`", body = ErrorBody))
)]
pub async fn print_notices(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoticePrintInput>,
) -> Result<Response, AppError> {
    let sent_on = check_date("sentOn", &input.sent_on)?;
    let list = notice_list(&state, &id).await?;
    let chosen: Vec<&PickupResident> = if input.application_ids.is_empty() {
        list.residents
            .iter()
            .filter(|r| r.notice_sent_on.is_none())
            .collect()
    } else {
        let mut out = Vec::new();
        for want in &input.application_ids {
            let found = list.residents.iter().find(|r| &r.application_id == want);
            out.push(found.ok_or_else(|| {
                unprocessable(
                    "not_in_batch",
                    "applicationIds: not a counter pickup of this batch",
                )
            })?);
        }
        out
    };
    if chosen.is_empty() {
        return Err(unprocessable(
            "nothing_to_print",
            "every notice of this batch was sent already",
        ));
    }
    let settings = settings(&state).await?;
    let notices: Vec<notice::Notice> = chosen
        .iter()
        .map(|r| {
            let case = PickupCase {
                name: r.name.clone(),
                kana: r.kana.clone(),
                postal_code: r.postal_code.clone(),
                address: r.address.clone(),
                ..Default::default()
            };
            notice::Notice {
                application_id: r.application_id.clone(),
                case,
                bring: r.bring.clone(),
            }
        })
        .collect();
    let rows: Vec<NoticeRow> = chosen
        .iter()
        .map(|r| NoticeRow {
            application_id: r.application_id.clone(),
            batch_id: id.clone(),
            record_id: r.record_id.clone(),
            sent_on: input.sent_on.clone(),
            prints: 1,
        })
        .collect();
    let pdf = tokio::task::spawn_blocking(move || notice::write(&notices, &settings, sent_on))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Marked only once the PDF exists: a failure leaves every notice unsent.
    state
        .store
        .mark_notices(&rows, &session.account.staff_id, &timestamp(Utc::now()))
        .await?;
    audit(
        &state,
        &session,
        "pickup_notices_printed",
        &format!("{id} {}", rows.len()),
    )
    .await?;
    let disposition = format!(
        "attachment; filename=\"notices-{}-{}.pdf\"",
        list.batch.delivered_on, input.sent_on
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        pdf,
    )
        .into_response())
}

// --- Calendar -------------------------------------------------------------------------

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
    let from = match &q.from {
        Some(f) => check_date("from", f)?,
        None => day(&today()),
    };
    let to = match &q.to {
        Some(t) => check_date("to", t)?,
        None => from + Duration::days(27),
    };
    if to < from || (to - from).num_days() >= CALENDAR_DAYS {
        return Err(unprocessable(
            "invalid_date",
            "to: on or after from, at most 93 days",
        ));
    }
    let settings = settings(&state).await?;
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let counts: HashMap<(String, String), i64> = state
        .store
        .slot_counts(&ymd(from), &ymd(to))
        .await?
        .into_iter()
        .map(|(d, t, n)| ((d, t), n))
        .collect();
    let slots = pickup::slots(&settings);
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let date = ymd(d);
            let closed = pickup::closed_reason(&settings, d);
            let slots = if closed.is_some() {
                Vec::new()
            } else {
                slots
                    .iter()
                    .map(|(start, end)| PickupSlot {
                        time: start.clone(),
                        end: end.clone(),
                        capacity: settings.capacity,
                        booked: counts
                            .get(&(date.clone(), start.clone()))
                            .copied()
                            .unwrap_or(0),
                    })
                    .collect()
            };
            PickupDayInfo {
                date,
                closed,
                slots,
            }
        })
        .collect();
    Ok(Json(PickupCalendar { days }))
}

// --- Finding a caller -----------------------------------------------------------------

/// `?applicationId=`, or `?name=&birthDate=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ResidentQuery {
    /// 申請書ID (23 digits).
    pub application_id: Option<String>,
    /// 氏名 or フリガナ, or part of it (spaces ignored).
    pub name: Option<String>,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
}

fn squash(s: &str) -> String {
    // Hiragana read as katakana, so ヤマダ finds やまだ and back.
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(outreach_domain::kana::hiragana_to_katakana)
        .collect()
}

/// Finds the resident on the phone, by 申請書ID or by name and birth date, with their
/// card, notice and booking (audited: names).
#[utoipa::path(
    get, path = "/console/pickup/residents", tag = "console", security(("console" = [])), params(ResidentQuery),
    responses((status = 200, body = PickupSearch), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "`unknown_application`: no application has this 申請書ID", body = ErrorBody),
        (status = 422, body = ErrorBody))
)]
pub async fn find_residents(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ResidentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PickupSearch>, AppError> {
    let Query(q) = query?;
    let records = if let Some(id) = q.application_id.as_deref().filter(|s| !s.is_empty()) {
        let id: String = crate::cards::fold_digits(id)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        check_application_id(&id)?;
        let (records, _) = records_by_application_id(&state, vec![id]).await?;
        if records.is_empty() {
            return Err(AppError::client(
                StatusCode::NOT_FOUND,
                "unknown_application",
                "no application has this 申請書ID",
            ));
        }
        records
    } else {
        let name = squash(q.name.as_deref().unwrap_or(""));
        let birth = q.birth_date.as_deref().unwrap_or("");
        if name.is_empty() {
            return Err(unprocessable(
                "invalid_text",
                "name: required without an applicationId",
            ));
        }
        check_text("name", &name, 60, true)?;
        check_date("birthDate", birth)?;
        state
            .store
            .latest_records(&RecordFilter {
                birth_date: Some(birth.to_owned()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|r| {
                let c = PickupCase::of(&r.payload, day(birth));
                squash(&c.name).contains(&name) || squash(&c.kana).contains(&name)
            })
            .collect()
    };
    let residents = residents(&state, &records, day(&today())).await?;
    let subject = residents
        .iter()
        .map(|r| r.record_id.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    audit(&state, &session, "pickup_resident_viewed", &subject).await?;
    Ok(Json(PickupSearch { residents }))
}

// --- Bookings -------------------------------------------------------------------------

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
    format!("{} {time}", day_ja(day(date)))
}

fn call(session: &StaffSession, topic: &str, answer: String) -> PhoneEnquiry {
    PhoneEnquiry {
        enquiry_id: uuid::Uuid::now_v7().to_string(),
        on_date: today(),
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
    let now = timestamp(Utc::now());
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
    pickup::check_slot(&settings, &input.date, &input.time, day(&today()))
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
    audit(&state, &session, "pickup_booked", &booking.booking_id).await?;
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
    pickup::check_slot(&settings, &input.date, &input.time, day(&today()))
        .map_err(|r| slot_refused(r, &settings))?;
    let phone = input.by_phone.then(|| {
        call(
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
    audit(&state, &session, "pickup_moved", &booking.booking_id).await?;
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
            &timestamp(Utc::now()),
            phone.as_ref(),
        )
        .await?
        .ok_or_else(|| conflict("not_open", "the booking is no longer open"))?;
    audit(&state, &session, "pickup_cancelled", &id).await?;
    Ok(Json(booking_of(&b)))
}

async fn close(
    state: &AppState,
    session: &StaffSession,
    id: &str,
    status: &str,
) -> Result<PickupBooking, AppError> {
    let b = state.store.booking(id).await?.ok_or(AppError::NotFound)?;
    let today = today();
    if status == "no_show" && b.slot_date > today {
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
            &today,
            &session.account.staff_id,
            &timestamp(Utc::now()),
        )
        .await?
        .ok_or_else(|| conflict("not_open", "the booking is no longer open"))?;
    let action = if status == "issued" {
        "pickup_issued"
    } else {
        "pickup_no_show"
    };
    audit(state, session, action, id).await?;
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
    audit(&state, &session, "pickup_followed_up", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- The day's list -------------------------------------------------------------------

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
    let date = q.date.unwrap_or_else(today);
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
    let now = today();
    let since = (day(&now) - Duration::days(FOLLOW_UP_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    let no_shows: Vec<BookingRow> = state
        .store
        .bookings_closed_between(&since, &now)
        .await?
        .into_iter()
        .filter(|b| b.status == "no_show")
        .collect();
    let ids: Vec<String> = no_shows.iter().map(|b| b.application_id.clone()).collect();
    let latest: HashMap<String, String> = state
        .store
        .bookings_of(&ids)
        .await?
        .into_iter()
        .rev()
        .map(|b| (b.application_id, b.booking_id))
        .collect();
    let open: Vec<BookingRow> = no_shows
        .into_iter()
        .filter(|b| latest.get(&b.application_id) == Some(&b.booking_id))
        .collect();
    let follow_up = entries(&state, open, on).await?;
    audit(&state, &session, "pickup_day_viewed", &date).await?;
    Ok(Json(PickupDay {
        date,
        entries: entries_of_day,
        follow_up,
    }))
}
