//! A batch's mailing: the list of its 受付 cards with their delivery address, as JSON
//! or a CSV for the mail merge, and marking it mailed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{MailedInput, MailingEntry, MailingList};

use super::cards;
use crate::api::checks::{attachment, audit, check_date};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::reports::{self, Format, RecordFacts};
use crate::store::timestamp;
use crate::{AppError, AppState};

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
    audit(&state, session.actor(), "mailing_list_viewed", &id).await?;
    Ok(Json(list))
}

async fn mailing_list(state: &AppState, id: &str) -> Result<MailingList, AppError> {
    let (batch, records) = cards::batch(state, id).await?;
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
    audit(&state, session.actor(), "mailing_list_exported", &id).await?;
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
    attachment(
        Format::Csv.content_type(),
        &format!("mailing-{}.csv", list.batch.delivered_on),
        bytes,
    )
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
            &timestamp(state.clock.now()),
        )
        .await?;
    audit(&state, session.actor(), "card_batch_mailed", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
