//! What the console's handlers share: the checks on what a request carries (dates,
//! free text, 申請書IDs), the refusals they answer with, one audit entry per view or
//! change, and the one place a handler reads today's date.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::reports::is_application_id;
use crate::store::{Actor, NewAudit, timestamp};
use crate::{AppError, AppState};

/// Today in Japan, read from the clock here and passed into the office's rules.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    state.clock.today_in_japan()
}

/// A 422 refusal naming the field in `message`.
pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// A 409 refusal: the request is well formed but what is stored does not allow it.
pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::client(StatusCode::CONFLICT, code, message)
}

/// A date as `YYYY-MM-DD`, exactly ten characters (chrono alone would accept
/// `2026-1-5`).
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

/// A 申請書ID: 23 digits.
pub(crate) fn check_application_id(id: &str) -> Result<(), AppError> {
    if is_application_id(id) {
        Ok(())
    } else {
        Err(unprocessable(
            "invalid_application_id",
            "applicationId: 23 digits",
        ))
    }
}

/// Records that `actor` did `action` to `subject` (an ID, never a name).
pub(crate) async fn audit(
    state: &AppState,
    actor: Actor,
    action: &str,
    subject: &str,
) -> Result<(), AppError> {
    state
        .store
        .audit(&NewAudit {
            at: timestamp(state.clock.now()),
            actor,
            action: action.to_owned(),
            subject: subject.to_owned(),
        })
        .await?;
    Ok(())
}

/// A download: `bytes` as `content_type`, saved as `file_name` (ASCII), never cached
/// (the files name residents or count them).
pub(crate) fn attachment(
    content_type: &'static str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Response, AppError> {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
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
