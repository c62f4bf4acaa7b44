//! The office's work in the console: trips, the review queue with each record's
//! stage, card batches and the mailing list, returned mail, the counter and phone
//! tallies, and the reports. Every view (lists included) and every change is audited
//! with the staff ID; subjects are IDs, never names.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{
    CardBatch, CardBatchInput, CardBatchList, ContactInput, CounterCase, CounterInput,
    ImportProblem, ImportRejected, MailedInput, MailingEntry, MailingList, PhoneEnquiry,
    PhoneInput, RecordDetail, RecordPhotoInfo, RecordVersionInfo, Report, ResolveInput, Returned,
    ReturnedContact, ReturnedInput, ReturnedList, ReviewItem, ReviewList, StageChange, Tally,
    TripInput, TripList, TripSummary,
};
use outreach_protocol::sync::Trip;

use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::reports::{self, Format, Period, RecordFacts};
use crate::store::{CardBatchRow, HeldRecord, NewAudit, NewCardBatch, RecordFilter, timestamp};
use crate::{AppError, AppState};

/// Days from delivery to the mailing deadline.
pub const MAILING_DAYS: i64 = 14;
/// Days the review queue shows when asked for no trip and no dates.
pub const REVIEW_DAYS: i64 = 60;
/// Days from application to destruction of an unclaimed card (about a year).
pub const DESTROY_DAYS: i64 = 365;

/// Today in Japan.
pub(crate) fn today() -> String {
    (Utc::now() + Duration::hours(9))
        .format("%Y-%m-%d")
        .to_string()
}

pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

pub(crate) fn check_date(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    if s.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
    {
        return Ok(d);
    }
    Err(unprocessable(
        "invalid_date",
        format!("{field}: a date as YYYY-MM-DD"),
    ))
}

fn shift(d: &str, days: i64) -> String {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(|d| (d + Duration::days(days)).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Free text a person typed: bounded, and never a probable 個人番号.
pub(crate) fn check_text(field: &str, s: &str, max: usize, required: bool) -> Result<(), AppError> {
    if required && s.trim().is_empty() {
        return Err(unprocessable("invalid_text", format!("{field}: required")));
    }
    if s.chars().count() > max {
        return Err(unprocessable(
            "invalid_text",
            format!("{field}: at most {max} characters"),
        ));
    }
    if outreach_domain::contains_my_number(s) {
        return Err(unprocessable(
            "my_number_refused",
            format!("{field}: this looks like a 個人番号, which is never stored"),
        ));
    }
    Ok(())
}

pub(crate) async fn audit(
    state: &AppState,
    session: &StaffSession,
    action: &str,
    subject: &str,
) -> Result<(), AppError> {
    state
        .store
        .audit(&NewAudit {
            at: timestamp(Utc::now()),
            actor: session.actor(),
            action: action.to_owned(),
            subject: subject.to_owned(),
        })
        .await?;
    Ok(())
}

// --- Trips --------------------------------------------------------------------------

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
    let today = today();
    let from = q.from.unwrap_or_else(|| shift(&today, -30));
    let to = q.to.unwrap_or_else(|| shift(&today, 90));
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
        let flagged = records
            .iter()
            .filter(|r| RecordFacts::of(r).flagged())
            .count() as i64;
        out.push(TripSummary {
            trip,
            arrived: records.len() as i64,
            flagged,
        });
    }
    audit(&state, &session, "trips_viewed", &format!("{from}..{to}")).await?;
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
    let now = timestamp(Utc::now());
    state
        .store
        .insert_trip(&trip, &session.account.staff_id, &now)
        .await?;
    audit(&state, &session, "trip_created", &trip.id).await?;
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
    let now = timestamp(Utc::now());
    if !state
        .store
        .update_trip(&trip, &session.account.staff_id, &now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    audit(&state, &session, "trip_updated", &trip.id).await?;
    Ok(Json(trip))
}

// --- Review ----------------------------------------------------------------------------

fn review_item(r: &HeldRecord) -> ReviewItem {
    let f = RecordFacts::of(r);
    let mut checks = f.photo_failures.clone();
    checks.extend(f.photo_warnings.iter().cloned());
    ReviewItem {
        record_id: r.record_id.clone(),
        version: r.version,
        trip_id: r.trip_id.clone(),
        site_name: f.site.clone(),
        date: f.date.clone(),
        mode: f.mode.clone(),
        application_id: if f.has_application_id() {
            f.application_id.clone()
        } else {
            String::new()
        },
        delivery: f.delivery.clone(),
        stage: r.stage.clone(),
        issues: f.issues(r.version),
        photo_checks: checks,
        retakes: f.retakes,
        documents_missing: f.documents_missing.clone(),
        created_by: r.created_by.clone(),
        finalized_at: r.finalized_at.clone(),
    }
}

/// `?tripId=&from=&to=&flagged=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ReviewQuery {
    /// Only this trip (then every date).
    pub trip_id: Option<String>,
    /// First day (YYYY-MM-DD); without a trip or dates, the last
    /// [`REVIEW_DAYS`] days.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only records with something to review.
    pub flagged: Option<bool>,
}

/// The review queue: the latest version of each record, with what is missing or
/// doubtful. No names: 申請書ID and record ID only.
#[utoipa::path(
    get, path = "/console/review", tag = "console", security(("console" = [])), params(ReviewQuery),
    responses((status = 200, body = ReviewList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn review(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ReviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReviewList>, AppError> {
    let Query(q) = query?;
    let dates = match (q.from, q.to) {
        (Some(a), Some(b)) => {
            check_date("from", &a)?;
            check_date("to", &b)?;
            Some((a, b))
        }
        // A year brings tens of thousands of records: without a trip the queue is
        // the recent weeks unless asked otherwise.
        (None, None) if q.trip_id.is_none() => {
            let today = today();
            Some((shift(&today, -REVIEW_DAYS), today))
        }
        (None, None) => None,
        _ => {
            return Err(unprocessable(
                "invalid_date",
                "give both from and to, or neither",
            ));
        }
    };
    let filter = RecordFilter {
        trip_id: q.trip_id,
        dates: dates.clone(),
        application_ids: None,
        birth_date: None,
    };
    let mut items: Vec<ReviewItem> = state
        .store
        .latest_records(&filter)
        .await?
        .iter()
        .map(review_item)
        .filter(|i| {
            dates
                .as_ref()
                .is_none_or(|(a, b)| &i.date >= a && &i.date <= b)
        })
        .filter(|i| {
            !q.flagged.unwrap_or(false)
                || i.issues
                    .iter()
                    .any(|c| c != "counter_pickup" && c != "amended")
        })
        .collect();
    items.sort_by(|a, b| {
        (&a.date, &a.site_name, &a.finalized_at).cmp(&(&b.date, &b.site_name, &b.finalized_at))
    });
    audit(
        &state,
        &session,
        "review_viewed",
        filter.trip_id.as_deref().unwrap_or("all"),
    )
    .await?;
    Ok(Json(ReviewList { items }))
}

fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// One record in full, with its amendment history and photos (audited: personal data).
#[utoipa::path(
    get, path = "/console/records/{id}", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Record UUID")),
    responses((status = 200, body = RecordDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn record(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<RecordDetail>, AppError> {
    let versions = state.store.record_versions(&id).await?;
    let Some(latest) = versions.last() else {
        return Err(AppError::NotFound);
    };
    audit(&state, &session, "record_viewed", &id).await?;
    let payloads: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| serde_json::from_str(&v.payload).unwrap_or(serde_json::Value::Null))
        .collect();
    let history = versions
        .iter()
        .enumerate()
        .map(|(i, v)| RecordVersionInfo {
            version: v.version,
            base_version: v.base_version,
            amend_reason: v.amend_reason.clone(),
            created_by: v.created_by.clone(),
            finalized_at: v.finalized_at.clone(),
            changed_fields: if i == 0 {
                Vec::new()
            } else {
                changed_fields(&payloads[i - 1], &payloads[i])
            },
        })
        .collect();
    let photos = state
        .store
        .record_photos(&id, latest.version)
        .await?
        .into_iter()
        .map(|(role, sha256, held)| RecordPhotoInfo { role, sha256, held })
        .collect();
    Ok(Json(RecordDetail {
        item: review_item(latest),
        versions: history,
        payload: payloads.last().cloned().unwrap_or_default(),
        photos,
    }))
}

/// A held photo's bytes (audited).
#[utoipa::path(
    get, path = "/console/photos/{sha256}", tag = "console", security(("console" = [])),
    params(("sha256" = String, Path, description = "Hex SHA-256")),
    responses((status = 200, description = "The JPEG", content_type = "image/jpeg"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn photo(
    State(state): State<AppState>,
    session: StaffSession,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let bytes = state
        .store
        .photo(&sha256)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(&state, &session, "photo_viewed", &sha256).await?;
    let kind = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Sets a record's national stage: 申請受付 → 発送 → 交付前設定 → 交付.
#[utoipa::path(
    post, path = "/console/records/{id}/stage", tag = "console", security(("console" = [])), request_body = StageChange,
    params(("id" = String, Path, description = "Record UUID")),
    responses((status = 204, description = "Set"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn set_stage(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<StageChange>,
) -> Result<StatusCode, AppError> {
    if !["received", "shipped", "preissue", "issued"].contains(&change.stage.as_str()) {
        return Err(unprocessable(
            "invalid_stage",
            "stage: received, shipped, preissue or issued",
        ));
    }
    let now = timestamp(Utc::now());
    if !state
        .store
        .set_stage(&id, &change.stage, &session.account.staff_id, &now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    audit(&state, &session, &format!("stage_{}", change.stage), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Cards -----------------------------------------------------------------------------

/// The 申請書IDs of a batch's matched cards.
pub(crate) fn matched_ids(b: &CardBatchRow) -> impl Iterator<Item = String> + '_ {
    b.cards
        .iter()
        .filter(|(_, r)| r.is_some())
        .map(|(id, _)| id.clone())
}

/// A batch as the console shows it, given the facts of its matched records by
/// 申請書ID.
fn batch_summary(
    b: &CardBatchRow,
    facts: &std::collections::HashMap<String, RecordFacts>,
    notified: &std::collections::HashSet<String>,
) -> CardBatch {
    let to_mail = matched_ids(b)
        .filter_map(|id| facts.get(&id))
        .filter(|f| f.by_mail())
        .count() as i64;
    let counter: Vec<String> = matched_ids(b)
        .filter(|id| facts.get(id).is_some_and(|f| !f.by_mail()))
        .collect();
    let sent = counter.iter().filter(|id| notified.contains(*id)).count() as i64;
    let to_notify = counter.len() as i64;
    let deadline = shift(&b.delivered_on, MAILING_DAYS);
    CardBatch {
        batch_id: b.batch_id.clone(),
        label: b.label.clone(),
        delivered_on: b.delivered_on.clone(),
        // Both the mailing and the notices are due two weeks after delivery.
        overdue: (b.mailed_on.is_none() || sent < to_notify) && today() > deadline,
        deadline,
        storage: b.storage.clone(),
        to_notify,
        notified: sent,
        mailed_on: b.mailed_on.clone(),
        cards: b.cards.len() as i64,
        matched: matched_ids(b).count() as i64,
        to_mail,
        unmatched: b
            .cards
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(id, _)| id.clone())
            .collect(),
    }
}

/// Of these 申請書IDs, those whose 交付通知書 was sent.
pub(crate) async fn notified(
    state: &AppState,
    ids: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(state
        .store
        .notices(ids)
        .await?
        .into_iter()
        .map(|n| n.application_id)
        .collect())
}

/// The latest records with these 申請書IDs, and their facts by 申請書ID.
pub(crate) async fn records_by_application_id(
    state: &AppState,
    ids: Vec<String>,
) -> Result<
    (
        Vec<HeldRecord>,
        std::collections::HashMap<String, RecordFacts>,
    ),
    AppError,
> {
    let records = state
        .store
        .latest_records(&RecordFilter {
            application_ids: Some(ids),
            ..Default::default()
        })
        .await?;
    let facts = records
        .iter()
        .map(RecordFacts::of)
        .map(|f| (f.application_id.clone(), f))
        .collect();
    Ok((records, facts))
}

pub(crate) async fn batch_view(
    state: &AppState,
    b: &CardBatchRow,
) -> Result<(CardBatch, Vec<HeldRecord>), AppError> {
    let ids: Vec<String> = matched_ids(b).collect();
    let sent = notified(state, &ids).await?;
    let (records, facts) = records_by_application_id(state, ids).await?;
    Ok((batch_summary(b, &facts, &sent), records))
}

fn rejected(problems: Vec<ImportProblem>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ImportRejected {
            code: "import_rejected".to_owned(),
            message: format!(
                "{}件の問題があるため、何も登録していません。",
                problems.len()
            ),
            problems,
        }),
    )
        .into_response()
}

async fn store_batch(
    state: &AppState,
    session: &StaffSession,
    label: &str,
    delivered_on: &str,
    storage: &str,
    ids: Vec<String>,
) -> Result<Response, AppError> {
    check_text("label", label, 100, true)?;
    check_text("storage", storage, 100, false)?;
    check_date("deliveredOn", delivered_on)?;
    let held = state
        .store
        .latest_records(&RecordFilter {
            application_ids: Some(ids.clone()),
            ..Default::default()
        })
        .await?;
    let by_id: std::collections::HashMap<String, String> = held
        .iter()
        .map(|r| (RecordFacts::of(r).application_id, r.record_id.clone()))
        .collect();
    let batch = NewCardBatch {
        batch_id: uuid::Uuid::now_v7().to_string(),
        label: label.trim().to_owned(),
        delivered_on: delivered_on.to_owned(),
        storage: storage.trim().to_owned(),
        cards: ids
            .iter()
            .map(|id| (id.clone(), by_id.get(id).cloned()))
            .collect(),
        created_by: session.account.staff_id.clone(),
        created_at: timestamp(Utc::now()),
    };
    if let Err(arrived) = state.store.insert_card_batch(&batch).await? {
        let problems = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| arrived.contains(id))
            .map(|(i, _)| ImportProblem {
                row: i as i64 + 1,
                code: "already_arrived".to_owned(),
                message: "このカードは前の便で登録済みです。".to_owned(),
            })
            .collect();
        return Ok(rejected(problems));
    }
    audit(state, session, "card_batch_added", &batch.batch_id).await?;
    // A card that arrived was shipped by J-LIS: its application is at least 発送.
    let arrived: Vec<String> = batch.cards.iter().filter_map(|(_, r)| r.clone()).collect();
    state
        .store
        .advance_stages(
            &arrived,
            "shipped",
            &session.account.staff_id,
            &batch.created_at,
        )
        .await?;
    let row = CardBatchRow {
        batch_id: batch.batch_id,
        label: batch.label,
        delivered_on: batch.delivered_on,
        mailed_on: None,
        storage: batch.storage,
        cards: batch.cards,
    };
    let (view, _) = batch_view(state, &row).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Registers a delivered batch from typed or scanned 申請書IDs and matches each card
/// to its application. All or nothing: 422 names each row's problem.
#[utoipa::path(
    post, path = "/console/card-batches", tag = "console", security(("console" = [])), request_body = CardBatchInput,
    responses((status = 201, body = CardBatch), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, description = "Bad rows; nothing stored", body = ImportRejected))
)]
pub async fn add_card_batch(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(input): ApiJson<CardBatchInput>,
) -> Result<Response, AppError> {
    let rows: Vec<(usize, String)> = input
        .application_ids
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, s)| (i + 1, s))
        .collect();
    match crate::cards::check_ids(&rows) {
        Ok(ids) => {
            store_batch(
                &state,
                &session,
                &input.label,
                &input.delivered_on,
                &input.storage,
                ids,
            )
            .await
        }
        Err(problems) => Ok(rejected(problems)),
    }
}

/// `?label=&deliveredOn=` for a CSV import.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    /// Batch name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// Where the cards are kept.
    #[serde(default)]
    pub storage: String,
}

/// Registers a delivered batch from a CSV (UTF-8, a `申請書ID` column). All or
/// nothing: 422 names each row's problem (wrong columns, wrong length, duplicates,
/// Shift_JIS instead of UTF-8).
#[utoipa::path(
    post, path = "/console/card-batches/import", tag = "console", security(("console" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = CardBatch), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "Bad rows; nothing stored", body = ImportRejected))
)]
pub async fn import_card_batch(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Response, AppError> {
    let Query(q) = query?;
    match crate::cards::parse_csv(&body) {
        Ok(ids) => store_batch(&state, &session, &q.label, &q.delivered_on, &q.storage, ids).await,
        Err(problems) => Ok(rejected(problems)),
    }
}

/// Every batch with its matches, deadline and whether it is overdue.
#[utoipa::path(
    get, path = "/console/card-batches", tag = "console", security(("console" = [])),
    responses((status = 200, body = CardBatchList), (status = 401, body = ErrorBody))
)]
pub async fn card_batches(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<CardBatchList>, AppError> {
    // One read for every batch's records, however many batches there are.
    let rows = state.store.card_batches().await?;
    let ids: Vec<String> = rows.iter().flat_map(matched_ids).collect();
    let sent = notified(&state, &ids).await?;
    let (_, facts) = records_by_application_id(&state, ids).await?;
    let batches = rows
        .iter()
        .map(|b| batch_summary(b, &facts, &sent))
        .collect();
    audit(&state, &session, "card_batches_viewed", "card-batches").await?;
    Ok(Json(CardBatchList { batches }))
}

/// The mailing list of a batch: its 受付 cards with the delivery address (audited:
/// names and addresses).
#[utoipa::path(
    get, path = "/console/card-batches/{id}/mailing", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Batch ID")),
    responses((status = 200, body = MailingList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn mailing(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<MailingList>, AppError> {
    let list = mailing_list(&state, &id).await?;
    audit(&state, &session, "mailing_list_viewed", &id).await?;
    Ok(Json(list))
}

async fn mailing_list(state: &AppState, id: &str) -> Result<MailingList, AppError> {
    let row = state
        .store
        .card_batches()
        .await?
        .into_iter()
        .find(|b| b.batch_id == id)
        .ok_or(AppError::NotFound)?;
    let (batch, records) = batch_view(state, &row).await?;
    let mut entries = Vec::new();
    let mut counter_pickup = Vec::new();
    for r in &records {
        let f = RecordFacts::of(r);
        if f.by_mail() {
            let first = state.store.record_versions(&r.record_id).await?;
            let original = first.first().map(RecordFacts::of).unwrap_or_default();
            entries.push(MailingEntry {
                application_id: f.application_id.clone(),
                record_id: r.record_id.clone(),
                name: f.name.clone(),
                postal_code: f.postal_code.clone(),
                address_updated: original.address != f.address
                    || original.postal_code != f.postal_code,
                address: f.address.clone(),
            });
        } else {
            counter_pickup.push(f.application_id.clone());
        }
    }
    entries.sort_by(|a, b| a.application_id.cmp(&b.application_id));
    counter_pickup.sort();
    Ok(MailingList {
        batch,
        entries,
        counter_pickup,
    })
}

/// The mailing list of a batch as CSV (UTF-8 with BOM) for the mail merge: 申請書ID,
/// 氏名, 郵便番号, 住所, 送付先更新 (audited: names and addresses).
#[utoipa::path(
    get, path = "/console/card-batches/{id}/mailing/file", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Batch ID")),
    responses(
        (status = 200, description = "The mailing list as CSV", content_type = "text/csv"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn mailing_file(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    use outreach_protocol::console::ReportCell::Text;
    let list = mailing_list(&state, &id).await?;
    audit(&state, &session, "mailing_list_exported", &id).await?;
    let heading = ["申請書ID", "氏名", "郵便番号", "住所", "送付先更新"];
    let mut rows = vec![
        heading
            .iter()
            .map(|h| Text((*h).to_owned()))
            .collect::<Vec<_>>(),
    ];
    for e in &list.entries {
        rows.push(vec![
            Text(e.application_id.clone()),
            Text(e.name.clone()),
            Text(e.postal_code.clone()),
            Text(e.address.clone()),
            Text(
                if e.address_updated {
                    "更新あり"
                } else {
                    ""
                }
                .to_owned(),
            ),
        ]);
    }
    let bytes = reports::csv::table(&rows);
    let disposition = format!(
        "attachment; filename=\"mailing-{}.csv\"",
        list.batch.delivered_on
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(Format::Csv.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

/// Marks a batch's mailing done.
#[utoipa::path(
    post, path = "/console/card-batches/{id}/mailed", tag = "console", security(("console" = [])), request_body = MailedInput,
    params(("id" = String, Path, description = "Batch ID")),
    responses((status = 204, description = "Marked"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn mailed(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MailedInput>,
) -> Result<StatusCode, AppError> {
    check_date("mailedOn", &input.mailed_on)?;
    if !state.store.set_batch_mailed(&id, &input.mailed_on).await? {
        return Err(AppError::NotFound);
    }
    // Cards are mailed after the city's pre-issue setup (PINs set): 交付前設定 done.
    let mailed: Vec<String> = mailing_list(&state, &id)
        .await?
        .entries
        .into_iter()
        .map(|e| e.record_id)
        .collect();
    state
        .store
        .advance_stages(
            &mailed,
            "preissue",
            &session.account.staff_id,
            &timestamp(Utc::now()),
        )
        .await?;
    audit(&state, &session, "card_batch_mailed", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Returned mail ---------------------------------------------------------------------

fn with_due(mut r: Returned, today: &str) -> Returned {
    r.due_for_destruction = r.resolution.is_none() && today >= r.destroy_on.as_str();
    r
}

/// Returned cards with their contacts and destruction dates (audited).
#[utoipa::path(
    get, path = "/console/returned", tag = "console", security(("console" = [])),
    responses((status = 200, body = ReturnedList), (status = 401, body = ErrorBody))
)]
pub async fn returned(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<ReturnedList>, AppError> {
    let today = today();
    audit(&state, &session, "returned_viewed", "returned").await?;
    Ok(Json(ReturnedList {
        items: state
            .store
            .returned(None)
            .await?
            .into_iter()
            .map(|r| with_due(r, &today))
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
    if !reports::is_application_id(&input.application_id) {
        return Err(unprocessable(
            "invalid_application_id",
            "applicationId: 23 digits",
        ));
    }
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
    let applied_on = held
        .first()
        .map(|r| RecordFacts::of(r).date)
        .unwrap_or_else(|| input.returned_on.clone());
    let r = Returned {
        returned_id: uuid::Uuid::now_v7().to_string(),
        application_id: input.application_id,
        record_id: held.first().map(|r| r.record_id.clone()),
        reason: input.reason,
        returned_on: input.returned_on,
        destroy_on: shift(&applied_on, DESTROY_DAYS),
        due_for_destruction: false,
        note: input.note,
        resolution: None,
        resolved_on: None,
        contacts: Vec::new(),
    };
    let now = timestamp(Utc::now());
    state
        .store
        .insert_returned(&r, &session.account.staff_id, &now)
        .await?;
    audit(&state, &session, "returned_added", &r.returned_id).await?;
    Ok((StatusCode::CREATED, Json(with_due(r, &today()))))
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
                .map(|t| timestamp(t.and_utc() - Duration::hours(9)))
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
    audit(&state, &session, "returned_contact_added", &id).await?;
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
        &session,
        &format!("returned_{}", input.resolution),
        &id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Counter and phone -----------------------------------------------------------------

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
        .insert_counter_case(&case, &timestamp(Utc::now()))
        .await?;
    audit(&state, &session, "counter_case_added", &case.case_id).await?;
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
        .insert_phone_enquiry(&p, &timestamp(Utc::now()))
        .await?;
    audit(&state, &session, "phone_enquiry_added", &p.enquiry_id).await?;
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
    audit(&state, &session, "counter_case_deleted", &id).await?;
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
    audit(&state, &session, "phone_enquiry_deleted", &id).await?;
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
    let date = q.date.unwrap_or_else(today);
    check_date("date", &date)?;
    audit(&state, &session, "tally_viewed", &date).await?;
    Ok(Json(Tally {
        counter: state.store.counter_cases(&date, &date).await?,
        phone: state.store.phone_enquiries(&date, &date).await?,
        date,
    }))
}

// --- Reports ---------------------------------------------------------------------------

/// `?kind=daily&date=` | `?kind=monthly&month=` | `?kind=completion&from=&to=`, and
/// `format=` for a file.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `daily`, `monthly` or `completion`.
    pub kind: String,
    /// YYYY-MM-DD (daily).
    pub date: Option<String>,
    /// YYYY-MM (monthly).
    pub month: Option<String>,
    /// YYYY-MM-DD (completion).
    pub from: Option<String>,
    /// YYYY-MM-DD (completion).
    pub to: Option<String>,
    /// `xlsx`, `csv` or `pdf` (files only).
    pub format: Option<String>,
}

fn period_of(q: &ReportQuery) -> Result<Period, AppError> {
    let or_empty = |s: &Option<String>| s.clone().unwrap_or_default();
    match q.kind.as_str() {
        "daily" => Period::daily(&or_empty(&q.date)),
        "monthly" => Period::monthly(&or_empty(&q.month)),
        "completion" => Period::completion(&or_empty(&q.from), &or_empty(&q.to)),
        _ => {
            return Err(unprocessable(
                "invalid_report",
                "kind: daily, monthly or completion",
            ));
        }
    }
    .map_err(|e| unprocessable("invalid_report", e.to_string()))
}

/// A report's figures and chart series, as the console shows them.
#[utoipa::path(
    get, path = "/console/reports", tag = "console", security(("console" = [])), params(ReportQuery),
    responses((status = 200, body = Report), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn report(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Report>, AppError> {
    let Query(q) = query?;
    let period = period_of(&q)?;
    let report = reports::build(&state.store, &period, &timestamp(Utc::now())).await?;
    audit(
        &state,
        &session,
        "report_viewed",
        &format!("{} {}", q.kind, period.label()),
    )
    .await?;
    Ok(Json(report))
}

/// A report as a file: xlsx, CSV (UTF-8 with BOM) or PDF (audited).
#[utoipa::path(
    get, path = "/console/reports/file", tag = "console", security(("console" = [])), params(ReportQuery),
    responses(
        (status = 200, description = "The file, with a Content-Disposition name", content(
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"), ("application/pdf"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn report_file(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = query?;
    let period = period_of(&q)?;
    let format = q
        .format
        .as_deref()
        .and_then(Format::parse)
        .ok_or_else(|| unprocessable("invalid_format", "format: xlsx, csv or pdf"))?;
    let report = reports::build(&state.store, &period, &timestamp(Utc::now())).await?;
    let bytes = tokio::task::spawn_blocking(move || reports::render(&report, format))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    audit(
        &state,
        &session,
        "report_exported",
        &format!("{} {} {}", q.kind, period.label(), format.extension()),
    )
    .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        period.file_name(format.extension())
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amendments_name_the_fields_they_changed() {
        let a = serde_json::json!({"address": "浜町1", "name": "x", "notes": ""});
        let b = serde_json::json!({"address": "浜町2", "name": "x", "phone": "0276"});
        assert_eq!(changed_fields(&a, &b), ["address", "notes", "phone"]);
    }
}
