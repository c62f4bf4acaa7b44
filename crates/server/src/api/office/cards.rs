//! Card batches: registering a delivered batch (typed, scanned or a CSV), every batch
//! with its deadline, and the reads the mailing list and the notices share.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{
    CardBatch, CardBatchInput, CardBatchList, ImportProblem, ImportRejected,
};

use crate::api::checks::{audit, check_date, check_text, today};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office::batches::{self, matched_ids};
use crate::reports::RecordFacts;
use crate::store::{CardBatchRow, HeldRecord, NewCardBatch, RecordFilter, timestamp};
use crate::{AppError, AppState};

/// Of these 申請書IDs, those whose 交付通知書 was sent.
pub(crate) async fn notified(
    state: &AppState,
    ids: &[String],
) -> Result<HashSet<String>, AppError> {
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
) -> Result<(Vec<HeldRecord>, HashMap<String, RecordFacts>), AppError> {
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

async fn batch_view(
    state: &AppState,
    b: &CardBatchRow,
) -> Result<(CardBatch, Vec<HeldRecord>), AppError> {
    let ids: Vec<String> = matched_ids(b).collect();
    let sent = notified(state, &ids).await?;
    let (records, facts) = records_by_application_id(state, ids).await?;
    Ok((batches::summary(b, &facts, &sent, today(state)), records))
}

/// The batch `id` as the console shows it, with its matched records; 404 when there
/// is no such batch.
pub(crate) async fn batch(
    state: &AppState,
    id: &str,
) -> Result<(CardBatch, Vec<HeldRecord>), AppError> {
    let row = state
        .store
        .card_batches()
        .await?
        .into_iter()
        .find(|b| b.batch_id == id)
        .ok_or(AppError::NotFound)?;
    batch_view(state, &row).await
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
    let by_id: HashMap<String, String> = held
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
        created_at: timestamp(state.clock.now()),
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
    audit(state, session.actor(), "card_batch_added", &batch.batch_id).await?;
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
    let today = today(&state);
    let batches = rows
        .iter()
        .map(|b| batches::summary(b, &facts, &sent, today))
        .collect();
    audit(
        &state,
        session.actor(),
        "card_batches_viewed",
        "card-batches",
    )
    .await?;
    Ok(Json(CardBatchList { batches }))
}
