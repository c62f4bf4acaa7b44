//! The tablets' audit chains coming in, and one person's trail of tablet and office
//! actions for supervisors (as JSON and as CSV).

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{ReportCell, Trail, TrailEntry};
use outreach_protocol::sync::{AuditBatch, AuditReceipt, MAX_AUDIT_EVENTS};

use super::checks::{attachment, audit, check_date, unprocessable};
use crate::auth::{DeviceAuth, StaffSession};
use crate::error::ApiJson;
use crate::reports::{self, Format};
use crate::store::{TrailFilter, timestamp};
use crate::{AppError, AppState};

/// Longest field of an audit event the office keeps (IDs and action names are short).
const MAX_FIELD: usize = 200;

/// Keeps the tablet's audit events, each checked against the chain the office holds;
/// what does not fit is kept, flagged and audited, never dropped.
#[utoipa::path(
    post, path = "/audit", tag = "sync", security(("device" = [])),
    request_body = AuditBatch,
    responses(
        (status = 200, description = "Held up to heldThrough, with what did not fit", body = AuditReceipt),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
pub async fn put_audit(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiJson(batch): ApiJson<AuditBatch>,
) -> Result<Json<AuditReceipt>, AppError> {
    if batch.events.len() > MAX_AUDIT_EVENTS {
        return Err(unprocessable(
            "batch_size",
            format!("send at most {MAX_AUDIT_EVENTS} audit events"),
        ));
    }
    for (i, e) in batch.events.iter().enumerate() {
        let at = |field: &str| format!("events[{i}].{field}");
        if e.seq < 1 {
            return Err(unprocessable(
                "invalid_audit_event",
                format!("{}: from 1", at("seq")),
            ));
        }
        if !super::records::is_sha256_hex(&e.hash) {
            return Err(unprocessable(
                "invalid_audit_event",
                format!("{}: a lowercase hex SHA-256", at("hash")),
            ));
        }
        if chrono::DateTime::parse_from_rfc3339(&e.at).is_err() {
            return Err(unprocessable(
                "invalid_audit_event",
                format!("{}: an RFC 3339 time", at("at")),
            ));
        }
        for (name, value) in [
            ("staffId", &e.staff_id),
            ("action", &e.action),
            ("subject", &e.subject),
        ] {
            if value.len() > MAX_FIELD || value.chars().any(char::is_control) {
                return Err(unprocessable(
                    "invalid_audit_event",
                    format!(
                        "{}: at most {MAX_FIELD} bytes, no control characters",
                        at(name)
                    ),
                ));
            }
            if outreach_domain::contains_my_number(&without_uuids(value)) {
                return Err(unprocessable(
                    "my_number_refused",
                    format!("{}: holds what looks like a 個人番号", at(name)),
                ));
            }
        }
    }
    let now = timestamp(state.clock.now());
    let receipt = state
        .store
        .put_tablet_audit(&device.0.device_id, &batch.events, &now)
        .await?;
    if !receipt.flagged.is_empty() {
        tracing::warn!(device = %device.0.device_id, flagged = receipt.flagged.len(), "tablet audit chain does not fit");
    }
    Ok(Json(receipt))
}

/// `?staffId=&deviceId=&from=&to=&limit=` for the trail.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TrailQuery {
    /// Only this staff member.
    pub staff_id: Option<String>,
    /// Only this tablet's actions (any of its enrolments).
    pub device_id: Option<String>,
    /// From this day (YYYY-MM-DD, Japan time).
    pub from: Option<String>,
    /// Up to and including this day.
    pub to: Option<String>,
    /// 1 to 5000, default 500.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
}

/// One person's trail of tablet and office actions, newest first (supervisors; audited).
#[utoipa::path(
    get, path = "/console/trail", tag = "console", security(("console" = [])),
    params(TrailQuery),
    responses((status = 200, body = Trail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn trail(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<TrailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Trail>, AppError> {
    let entries = read(&state, &session, query).await?;
    Ok(Json(Trail { entries }))
}

/// The same trail as CSV (UTF-8 with BOM), for the contract's records.
#[utoipa::path(
    get, path = "/console/trail/file", tag = "console", security(("console" = [])),
    params(TrailQuery),
    responses((status = 200, description = "The trail as CSV", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody))
)]
pub async fn trail_file(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<TrailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let entries = read(&state, &session, query).await?;
    let text = |s: &str| ReportCell::Text(s.to_owned());
    let heading = [
        "日時",
        "場所",
        "職員ID",
        "端末",
        "操作",
        "対象",
        "改ざん確認",
        "接続元",
    ];
    let mut rows = vec![heading.iter().map(|h| text(h)).collect::<Vec<_>>()];
    for e in &entries {
        rows.push(vec![
            text(&e.at),
            text(if e.source == "tablet" {
                "タブレット"
            } else {
                "事務所"
            }),
            text(&e.staff_id),
            text(e.device_name.as_deref().unwrap_or("")),
            text(&e.action),
            text(&e.subject),
            text(match e.chain.as_deref() {
                Some("intact") => "正常",
                Some("gap") => "欠落あり",
                Some("changed") => "改変あり",
                _ => "",
            }),
            text(e.client.as_deref().unwrap_or("")),
        ]);
    }
    attachment(
        Format::Csv.content_type(),
        "trail.csv",
        reports::csv::table(&rows),
    )
}

async fn read(
    state: &AppState,
    session: &StaffSession,
    query: Result<Query<TrailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Vec<TrailEntry>, AppError> {
    session.require_supervisor()?;
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=5000).contains(&limit) {
        return Err(AppError::bad_request("invalid_query", "limit is 1 to 5000"));
    }
    let from = q
        .from
        .as_deref()
        .map(|d| check_date("from", d))
        .transpose()?;
    let to = q.to.as_deref().map(|d| check_date("to", d)).transpose()?;
    let filter = TrailFilter {
        staff_id: q.staff_id.filter(|s| !s.is_empty()),
        device_id: q.device_id.filter(|s| !s.is_empty()),
        from: from.map(japan_midnight),
        before: to.map(|d| japan_midnight(d + TimeDelta::days(1))),
        limit,
    };
    let subject = filter
        .staff_id
        .clone()
        .unwrap_or_else(|| "trail".to_owned());
    audit(state, session.actor(), "trail_viewed", &subject).await?;
    Ok(state.store.trail(&filter).await?)
}

/// The start of a day in Japan (+09:00 all year), in the stored format.
fn japan_midnight(day: NaiveDate) -> String {
    timestamp(day.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9))
}

/// `s` with each hyphenated UUID (a record or trip ID) replaced by a space: a UUID's
/// digit groups can read as twelve digits with a valid check digit, and an ID is not a
/// 個人番号.
fn without_uuids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(candidate) = rest.get(..36)
            && uuid::Uuid::try_parse(candidate)
                .is_ok_and(|u| u.hyphenated().to_string() == candidate.to_ascii_lowercase())
        {
            out.push(' ');
            rest = &rest[36..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::without_uuids;

    #[test]
    fn ids_are_not_read_as_a_my_number_but_a_number_beside_them_is() {
        // Digit groups that run to twelve digits with a valid check digit once the
        // hyphens go.
        let id = "01a230d5-1280-7311-8601-2d87ef0839b4";
        assert_eq!(without_uuids(id), " ");
        assert!(outreach_domain::contains_my_number(&without_uuids(
            "1234 5678 9018"
        )));
        let both = format!("{id} 1234 5678 9018");
        assert!(outreach_domain::contains_my_number(&without_uuids(&both)));
    }
}
