//! The counter and phone tallies: counter cases (交付等支援, or その他 with its
//! breakdown) and phone enquiries, counted by day.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{CounterCase, CounterInput, PhoneEnquiry, PhoneInput, Tally};

use crate::api::checks::{audit, check_date, check_text, today, unprocessable};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office::ymd;
use crate::store::timestamp;
use crate::{AppError, AppState};

/// Counts counter cases (交付等支援, or その他 with its breakdown item).
#[utoipa::path(
    post, path = "/console/counter-cases", tag = "console", security(("console" = [])), request_body = CounterInput,
    responses((status = 201, body = CounterCase), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn add_counter_case(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<CounterInput>,
) -> Result<(StatusCode, Json<CounterCase>), AppError> {
    check_date("onDate", &input.on_date)?;
    check_text("place", &input.place, 100, true)?;
    match input.kind.as_str() {
        "issue_support" => check_text("detail", &input.detail, 100, false)?,
        "other" => check_text("detail", &input.detail, 100, true)?,
        _ => {
            return Err(unprocessable(
                "invalid_kind",
                "kind: issue_support or other",
            ));
        }
    }
    if !(1..=1000).contains(&input.count) {
        return Err(unprocessable("invalid_count", "count: 1 to 1000"));
    }
    let case = CounterCase {
        case_id: uuid::Uuid::now_v7().to_string(),
        on_date: input.on_date,
        place: input.place.trim().to_owned(),
        kind: input.kind,
        detail: input.detail.trim().to_owned(),
        count: input.count,
        created_by: session.account.staff_id.clone(),
    };
    state
        .store
        .insert_counter_case(&case, &timestamp(state.clock.now()))
        .await?;
    audit(&state, session.actor(), "counter_case_added", &case.case_id).await?;
    Ok((StatusCode::CREATED, Json(case)))
}

/// Logs a phone enquiry with its topic and the answer given.
#[utoipa::path(
    post, path = "/console/phone-enquiries", tag = "console", security(("console" = [])), request_body = PhoneInput,
    responses((status = 201, body = PhoneEnquiry), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn add_phone_enquiry(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<PhoneInput>,
) -> Result<(StatusCode, Json<PhoneEnquiry>), AppError> {
    check_date("onDate", &input.on_date)?;
    check_text("topic", &input.topic, 100, true)?;
    check_text("answer", &input.answer, 500, true)?;
    let p = PhoneEnquiry {
        enquiry_id: uuid::Uuid::now_v7().to_string(),
        on_date: input.on_date,
        topic: input.topic.trim().to_owned(),
        answer: input.answer.trim().to_owned(),
        created_by: session.account.staff_id.clone(),
    };
    state
        .store
        .insert_phone_enquiry(&p, &timestamp(state.clock.now()))
        .await?;
    audit(
        &state,
        session.actor(),
        "phone_enquiry_added",
        &p.enquiry_id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Removes a counter case entered by mistake (audited).
#[utoipa::path(
    delete, path = "/console/counter-cases/{id}", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Counter case ID")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn delete_counter_case(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !state.store.delete_counter_case(&id).await? {
        return Err(AppError::NotFound);
    }
    audit(&state, session.actor(), "counter_case_deleted", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a phone enquiry entered by mistake (audited).
#[utoipa::path(
    delete, path = "/console/phone-enquiries/{id}", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Phone enquiry ID")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn delete_phone_enquiry(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !state.store.delete_phone_enquiry(&id).await? {
        return Err(AppError::NotFound);
    }
    audit(&state, session.actor(), "phone_enquiry_deleted", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?date=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// YYYY-MM-DD; default today (Japan).
    pub date: Option<String>,
}

/// The day's counter cases and phone enquiries.
#[utoipa::path(
    get, path = "/console/tally", tag = "console", security(("console" = [])), params(DateQuery),
    responses((status = 200, body = Tally), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn tally(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<DateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Tally>, AppError> {
    let Query(q) = query?;
    let date = q.date.unwrap_or_else(|| ymd(today(&state)));
    check_date("date", &date)?;
    audit(&state, session.actor(), "tally_viewed", &date).await?;
    Ok(Json(Tally {
        counter: state.store.counter_cases(&date, &date).await?,
        phone: state.store.phone_enquiries(&date, &date).await?,
        date,
    }))
}
