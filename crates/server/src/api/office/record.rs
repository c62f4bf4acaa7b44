//! One record: in full with its amendment history, its photos, and its national
//! stage.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{RecordDetail, RecordPhotoInfo, RecordVersionInfo, StageChange};

use crate::api::checks::{audit, unprocessable};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::office;
use crate::store::timestamp;
use crate::{AppError, AppState};

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
    audit(&state, session.actor(), "record_viewed", &id).await?;
    let payloads: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| serde_json::from_str(&v.payload).unwrap_or(serde_json::Value::Null))
        .collect();
    let senders = state.store.record_senders(&id).await?;
    let sender = |version: i64| {
        senders
            .iter()
            .find(|(v, _, _)| *v == version)
            .map(|(_, id, name)| (id.clone(), name.clone()))
            .unwrap_or_default()
    };
    let history = versions
        .iter()
        .enumerate()
        .map(|(i, v)| RecordVersionInfo {
            version: v.version,
            device_id: sender(v.version).0,
            device_name: sender(v.version).1,
            base_version: v.base_version,
            amend_reason: v.amend_reason.clone(),
            created_by: v.created_by.clone(),
            finalized_at: v.finalized_at.clone(),
            changed_fields: if i == 0 {
                Vec::new()
            } else {
                office::review::changed_fields(&payloads[i - 1], &payloads[i])
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
        item: office::review::item(latest),
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
    audit(&state, session.actor(), "photo_viewed", &sha256).await?;
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
    if !office::stages::is_stage(&change.stage) {
        return Err(unprocessable(
            "invalid_stage",
            "stage: received, shipped, preissue or issued",
        ));
    }
    let now = timestamp(state.clock.now());
    if !state
        .store
        .set_stage(&id, &change.stage, &session.account.staff_id, &now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        session.actor(),
        &format!("stage_{}", change.stage),
        &id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
