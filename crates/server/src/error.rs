//! The one error type of the HTTP API.
//!
//! Clients get a status code and an [`ErrorBody`] with a stable code and a precise
//! message; internal details (SQL errors, paths) go to the log only, never into a
//! response. Messages name what was wrong with the request, never its content, so
//! nothing personal can echo back into a proxy's log.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use outreach_protocol::ErrorBody;
use outreach_protocol::sync::RecordKey;

use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The route or the resource does not exist.
    #[error("not found")]
    NotFound,
    /// The request was understood and refused: a status, a stable code, a message.
    #[error("{code}: {message}")]
    Client {
        /// 4xx status.
        status: StatusCode,
        /// Stable machine code.
        code: &'static str,
        /// Precise explanation, without any of the request's content.
        message: String,
    },
    /// Records already held under the same version with another payload.
    #[error("record conflict")]
    Conflict(Vec<RecordKey>),
    /// No valid device credential or console session.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The database is unreachable or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Every place for password work is taken: come back shortly (503, `Retry-After`).
    #[error("busy")]
    Busy,
    /// Too many failed password or code checks: wait this many seconds (429,
    /// `Retry-After`).
    #[error("too many attempts")]
    TooManyAttempts(u64),
    /// Something on the server failed that is not the client's doing.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// A 400 with this code and message.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 4xx with this status, code and message.
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Client {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 403: signed in, but the role does not allow it.
    pub fn forbidden() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this needs a supervisor account",
        )
    }
}

fn unauthorized_message(code: &str) -> &'static str {
    match code {
        "credential_missing" => {
            "send the device credential as 'Authorization: Bearer <credential>'"
        }
        "device_revoked" => {
            "this device was revoked by the office: lock the tablet and destroy its key wraps"
        }
        "credential_expired" => "the device credential has expired: enrol the tablet again",
        "session_missing" => "sign in to the console first",
        "login_failed" => "staff ID or password is wrong",
        "totp_required" => "send the 6-digit code from the authenticator app as totpCode",
        "totp_failed" => "the 6-digit code is wrong or was used already",
        _ => "the credential is not valid",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut conflicts = Vec::new();
        let mut retry_after = None;
        let (status, code, message) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource".to_owned(),
            ),
            AppError::Client {
                status,
                code,
                message,
            } => {
                tracing::info!(status = status.as_u16(), code, "request refused");
                (status, code, message)
            }
            AppError::Conflict(keys) => {
                tracing::info!(records = keys.len(), "record conflict");
                conflicts = keys;
                (
                    StatusCode::CONFLICT,
                    "record_conflict",
                    "the office already holds these record versions with a different payload; nothing of the batch was stored. Send a change as a new version (an amendment).".to_owned(),
                )
            }
            AppError::Unauthorized(code) => {
                tracing::info!(code, "unauthorized");
                (
                    StatusCode::UNAUTHORIZED,
                    code,
                    unauthorized_message(code).to_owned(),
                )
            }
            AppError::Store(StoreError::Conflict(what)) => {
                tracing::info!(%what, "conflict");
                (
                    StatusCode::CONFLICT,
                    "already_exists",
                    "a resource with this ID exists already".to_owned(),
                )
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the server's database is not available".to_owned(),
                )
            }
            AppError::Busy => {
                tracing::warn!("password work at its cap: asked to retry");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is checking many passwords at once: try again in a few seconds"
                        .to_owned(),
                )
            }
            AppError::TooManyAttempts(wait) => {
                retry_after = Some(wait);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!(
                        "too many failed sign-ins or password checks: try again in {wait} seconds"
                    ),
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; the request may be retried".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            Json(ErrorBody {
                code: code.to_owned(),
                message,
                conflicts,
            }),
        )
            .into_response();
        if let Some(wait) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(wait));
        }
        if code == "busy" {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from_static("2"),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => AppError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as 'Content-Type: application/json'",
            ),
            JsonRejection::JsonSyntaxError(_) => {
                AppError::bad_request("malformed_json", "the body is not valid JSON")
            }
            JsonRejection::JsonDataError(e) => AppError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!(
                    "the body does not match the schema: {}",
                    schema_mismatch(&e)
                ),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::client(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the body is larger than {} bytes", crate::BODY_LIMIT),
                )
            }
            other => AppError::bad_request("unreadable_body", other.body_text()),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::NotFound
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let message = text.split_once(": ").map_or("", |(_, m)| m);
        AppError::bad_request(
            "invalid_query",
            format!(
                "the query string does not match: {}",
                without_values(message)
            ),
        )
    }
}

/// Where a JSON body differs from the schema and how, without the value sent: serde's
/// messages quote what arrived (`invalid type: string "山田 太郎"`, an unknown field's
/// name), and a refusal must never echo a resident's data into a client's or a
/// proxy's log.
fn schema_mismatch(rejection: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = Some(rejection);
    while let Some(e) = cause {
        if let Some(e) = e.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            let path = safe_path(e.path());
            return format!("{path}: {}", without_values(&e.inner().to_string()));
        }
        cause = e.source();
    }
    "invalid value".to_owned()
}

/// A field path from the schema's names and array indexes; a map key the client chose
/// is shown as `?` unless it is a plain identifier.
fn safe_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let identifier = |s: &str| {
        (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(if identifier(key) { key } else { "?" });
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    if out.is_empty() {
        "body".to_owned()
    } else {
        out
    }
}

/// serde's message with what arrived left out and what was expected kept: `wrong
/// type, expected i64`, `unknown field, expected one of …`. Messages serde makes from
/// the schema alone (a missing or duplicate field) stay as they are; any other (a
/// custom check's) becomes `invalid value`, since it may quote the input.
pub(crate) fn without_values(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, e)| format!(", expected {e}"))
        .unwrap_or_default();
    let kind = [
        ("invalid type", "wrong type"),
        ("invalid value", "invalid value"),
        ("unknown variant", "unknown value"),
        ("unknown field", "unknown field"),
    ]
    .into_iter()
    .find(|(prefix, _)| message.starts_with(prefix));
    match kind {
        Some((_, kind)) => format!("{kind}{expected}"),
        None if message.starts_with("missing field `")
            || message.starts_with("duplicate field `")
            || message.starts_with("invalid length ") =>
        {
            message.to_owned()
        }
        None => "invalid value".to_owned(),
    }
}

/// `Json` whose rejections are [`AppError`]s: a precise code and a JSON body.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_keep_what_was_expected_and_lose_what_was_sent() {
        assert_eq!(
            without_values(
                r#"invalid type: string "山田 太郎, expected nothing", expected i64 at line 1 column 9"#
            ),
            "wrong type, expected i64"
        );
        assert_eq!(
            without_values("unknown field `山田`, expected one of `staffId`, `password`"),
            "unknown field, expected one of `staffId`, `password`"
        );
        assert_eq!(
            without_values("unknown variant `山田`, expected `staff` or `supervisor`"),
            "unknown value, expected `staff` or `supervisor`"
        );
        assert_eq!(
            without_values("missing field `staffId`"),
            "missing field `staffId`"
        );
        assert_eq!(
            without_values("not a date: 山田"),
            "invalid value",
            "a custom message may quote the input"
        );
    }
}
