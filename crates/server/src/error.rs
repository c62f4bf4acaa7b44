//! The one error type of the HTTP API.
//!
//! Clients get a status code and an [`ErrorBody`] with a stable code and a precise
//! message; internal details (SQL errors, paths) go to the log only, never into a
//! response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use outreach_protocol::ErrorBody;

use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The route or the resource does not exist.
    #[error("not found")]
    NotFound,
    /// The database is unreachable or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource".to_owned(),
            ),
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the server's database is not available".to_owned(),
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                code: code.to_owned(),
                message,
            }),
        )
            .into_response()
    }
}
