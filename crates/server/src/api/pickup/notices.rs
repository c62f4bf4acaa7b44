//! The 交付通知書 of a batch: who collects at the counter, and printing their notices.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use outreach_protocol::ErrorBody;
use outreach_protocol::pickup::{NoticeList, NoticePrintInput, PickupResident};

use super::{residents, settings};
use crate::api::checks::{attachment, audit, check_date, today, unprocessable};
use crate::api::office::cards;
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office::batches;
use crate::pickup::{PickupCase, notice};
use crate::reports::RecordFacts;
use crate::store::{HeldRecord, NoticeRow, timestamp};
use crate::{AppError, AppState};

async fn notice_list(state: &AppState, batch_id: &str) -> Result<NoticeList, AppError> {
    let (batch, records) = cards::batch(state, batch_id).await?;
    let counter: Vec<HeldRecord> = records
        .into_iter()
        .filter(|r| !RecordFacts::of(r).by_mail())
        .collect();
    let today = today(state);
    let mut residents = residents(state, &counter, today).await?;
    residents.sort_by(|a, b| a.application_id.cmp(&b.application_id));
    let unsent = residents
        .iter()
        .filter(|r| r.notice_sent_on.is_none())
        .count() as i64;
    Ok(NoticeList {
        overdue: batches::overdue(unsent > 0, &batch.deadline, today),
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
    audit(&state, session.actor(), "pickup_notices_viewed", &id).await?;
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
        .mark_notices(
            &rows,
            &session.account.staff_id,
            &timestamp(state.clock.now()),
        )
        .await?;
    audit(
        &state,
        session.actor(),
        "pickup_notices_printed",
        &format!("{id} {}", rows.len()),
    )
    .await?;
    attachment(
        "application/pdf",
        &format!("notices-{}-{}.pdf", list.batch.delivered_on, input.sent_on),
        pdf,
    )
}
