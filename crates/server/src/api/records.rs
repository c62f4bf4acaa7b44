//! Records going up in batches, and the manifest that says what the office holds.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use outreach_protocol::ErrorBody;
use outreach_protocol::sync::{
    BatchResult, MAX_BATCH_RECORDS, Manifest, ManifestRequest, RECORD_FORMATS, RecordBatch,
    RecordKey, RecordResult, RecordUpload,
};
use sha2::{Digest, Sha256};

use super::checks::unprocessable;
use crate::auth::{DeviceAuth, hex};
use crate::error::ApiJson;
use crate::store::{PutRecords, timestamp};
use crate::{AppError, AppState};

/// Highest version number accepted (a record is amended a handful of times at most).
const MAX_VERSION: i64 = 10_000;
/// Photo roles a record may carry.
const PHOTO_ROLES: &[&str] = &["original", "digital", "print"];

/// A lowercase hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

fn is_staff_id(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// True when any string or number in the JSON holds a probable 個人番号.
fn holds_my_number(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => outreach_domain::contains_my_number(s),
        serde_json::Value::Number(n) => outreach_domain::contains_my_number(&n.to_string()),
        serde_json::Value::Array(a) => a.iter().any(holds_my_number),
        serde_json::Value::Object(m) => m
            .iter()
            .any(|(k, v)| outreach_domain::contains_my_number(k) || holds_my_number(v)),
        _ => false,
    }
}

/// Checks one record; the message names the record's position and the field, never
/// its content.
fn validate(i: usize, r: &RecordUpload) -> Result<(), AppError> {
    let at = |field: &str| format!("records[{i}].{field}");
    if !is_uuid(&r.id) {
        return Err(unprocessable(
            "invalid_record",
            format!("{}: a lowercase hyphenated UUID", at("id")),
        ));
    }
    if !(1..=MAX_VERSION).contains(&r.version) {
        return Err(unprocessable(
            "unknown_record_version",
            format!("{}: 1 to {MAX_VERSION}", at("version")),
        ));
    }
    if !RECORD_FORMATS.contains(&r.format) {
        return Err(unprocessable(
            "unknown_record_format",
            format!(
                "{}: this server knows formats {RECORD_FORMATS:?}",
                at("format")
            ),
        ));
    }
    match (r.version, r.base_version, r.amend_reason.as_deref()) {
        (1, None, None) => {}
        (v, Some(base), Some(reason))
            if v > 1 && (1..v).contains(&base) && !reason.trim().is_empty() => {}
        _ => {
            return Err(unprocessable(
                "unknown_record_version",
                format!(
                    "{}: version 1 has no baseVersion or amendReason; a later version names an earlier baseVersion and a reason",
                    at("version")
                ),
            ));
        }
    }
    if !(1..=64).contains(&r.trip_id.len())
        || !r
            .trip_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(unprocessable(
            "invalid_record",
            format!("{}: 1 to 64 letters, digits or '-'", at("tripId")),
        ));
    }
    if !is_staff_id(&r.created_by) {
        return Err(unprocessable(
            "invalid_record",
            format!("{}: a staff ID", at("createdBy")),
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(&r.finalized_at).is_err() {
        return Err(unprocessable(
            "invalid_record",
            format!("{}: an RFC 3339 time", at("finalizedAt")),
        ));
    }
    if !is_sha256_hex(&r.payload_hash)
        || hex(&Sha256::digest(r.payload.as_bytes())) != r.payload_hash
    {
        return Err(unprocessable(
            "payload_hash_mismatch",
            format!(
                "{}: the lowercase hex SHA-256 of the payload's UTF-8 bytes",
                at("payloadHash")
            ),
        ));
    }
    let payload: serde_json::Value = serde_json::from_str(&r.payload).map_err(|_| {
        unprocessable(
            "invalid_record",
            format!("{}: JSON text of an object", at("payload")),
        )
    })?;
    if !payload.is_object() {
        return Err(unprocessable(
            "invalid_record",
            format!("{}: JSON text of an object", at("payload")),
        ));
    }
    if holds_my_number(&payload)
        || r.amend_reason
            .as_deref()
            .is_some_and(outreach_domain::contains_my_number)
    {
        return Err(unprocessable(
            "my_number_refused",
            format!(
                "{}: holds what looks like a 個人番号, which is never stored",
                at("payload")
            ),
        ));
    }
    let mut roles = HashSet::new();
    for (j, p) in r.photos.iter().enumerate() {
        if !PHOTO_ROLES.contains(&p.role.as_str()) || !roles.insert(p.role.as_str()) {
            return Err(unprocessable(
                "invalid_record",
                format!(
                    "{}: one of original, digital, print, each once",
                    at(&format!("photos[{j}].role"))
                ),
            ));
        }
        if !is_sha256_hex(&p.sha256) {
            return Err(unprocessable(
                "invalid_record",
                format!(
                    "{}: a lowercase hex SHA-256",
                    at(&format!("photos[{j}].sha256"))
                ),
            ));
        }
    }
    Ok(())
}

/// Stores a batch of finalized records, all or nothing. Sending the same version
/// again is a success that changes nothing; another payload under a version the
/// office holds is a 409 naming those versions.
#[utoipa::path(
    post, path = "/records", tag = "sync", security(("device" = [])),
    request_body = RecordBatch,
    responses(
        (status = 200, description = "Every record is held now", body = BatchResult),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "A record first sent by another tablet; nothing stored", body = ErrorBody),
        (status = 409, description = "Held with another payload; nothing stored", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "A record is invalid; nothing stored", body = ErrorBody),
    )
)]
pub async fn put_records(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(batch): ApiJson<RecordBatch>,
) -> Result<Json<BatchResult>, AppError> {
    if batch.records.is_empty() || batch.records.len() > MAX_BATCH_RECORDS {
        return Err(unprocessable(
            "batch_size",
            format!("a batch holds 1 to {MAX_BATCH_RECORDS} records"),
        ));
    }
    for (i, r) in batch.records.iter().enumerate() {
        validate(i, r)?;
    }
    // An amendment needs its base: in this batch, or held already.
    let in_batch: HashSet<(&str, i64)> = batch
        .records
        .iter()
        .map(|r| (r.id.as_str(), r.version))
        .collect();
    let bases: Vec<RecordKey> = batch
        .records
        .iter()
        .filter_map(|r| r.base_version.map(|b| (r, b)))
        .filter(|(r, b)| !in_batch.contains(&(r.id.as_str(), *b)))
        .map(|(r, b)| RecordKey {
            id: r.id.clone(),
            version: b,
        })
        .collect();
    if !bases.is_empty() {
        // Held by anyone: whose the record is, the batch's own check decides (403).
        let held = state.store.manifest(None, &bases).await?;
        if let Some(missing) = bases
            .iter()
            .find(|k| !held.iter().any(|h| h.id == k.id && h.version == k.version))
        {
            return Err(unprocessable(
                "unknown_base_version",
                format!(
                    "record {} amends version {}, which the office does not hold: send it first",
                    missing.id, missing.version
                ),
            ));
        }
    }
    let now = timestamp(state.clock.now());
    match state
        .store
        .put_records(&device.0.device_id, &batch.records, &now)
        .await?
    {
        PutRecords::Done(outcomes) => {
            tracing::info!(device = %device.0.device_id, records = outcomes.len(), "records batch held");
            Ok(Json(BatchResult {
                results: batch
                    .records
                    .iter()
                    .zip(outcomes)
                    .map(|(r, outcome)| RecordResult {
                        id: r.id.clone(),
                        version: r.version,
                        outcome,
                    })
                    .collect(),
            }))
        }
        PutRecords::Conflicts(keys) => Err(AppError::Conflict(keys)),
        PutRecords::Foreign(keys) => Err(AppError::client(
            StatusCode::FORBIDDEN,
            "record_of_another_tablet",
            format!(
                "record {} was first sent by another tablet: only that tablet may send its versions",
                keys[0].id
            ),
        )),
        PutRecords::UnknownAuthor(keys) => Err(unprocessable(
            "created_by_unknown",
            format!(
                "record {} version {}: createdBy names no staff member of this office",
                keys[0].id, keys[0].version
            ),
        )),
    }
}

/// Which of the asked-for record versions the office holds, with each photo's state.
/// Only a record listed `complete` here may be marked Sent on the tablet.
#[utoipa::path(
    post, path = "/manifest", tag = "sync", security(("device" = [])),
    request_body = ManifestRequest,
    responses(
        (status = 200, body = Manifest),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
pub async fn manifest(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(req): ApiJson<ManifestRequest>,
) -> Result<Json<Manifest>, AppError> {
    if req.records.len() > MAX_BATCH_RECORDS {
        return Err(unprocessable(
            "batch_size",
            format!("ask for at most {MAX_BATCH_RECORDS} records"),
        ));
    }
    Ok(Json(Manifest {
        records: state
            .store
            .manifest(Some(&device.0.device_id), &req.records)
            .await?,
    }))
}
