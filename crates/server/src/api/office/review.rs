//! The review queue.

use axum::Json;
use axum::extract::{Query, State};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::ReviewList;

use crate::api::checks::{audit, check_date, today, unprocessable};
use crate::auth::StaffSession;
use crate::office;
use crate::store::RecordFilter;
use crate::{AppError, AppState};

/// `?tripId=&from=&to=&flagged=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ReviewQuery {
    /// Only this trip (then every date).
    pub trip_id: Option<String>,
    /// First day (YYYY-MM-DD); without a trip or dates, the last
    /// `office::review::REVIEW_DAYS` days.
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
        (None, None) if q.trip_id.is_none() => Some(office::review::recent(today(&state))),
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
    let records = state.store.latest_records(&filter).await?;
    let items = office::review::queue(&records, dates.as_ref(), q.flagged.unwrap_or(false));
    audit(
        &state,
        session.actor(),
        "review_viewed",
        filter.trip_id.as_deref().unwrap_or("all"),
    )
    .await?;
    Ok(Json(ReviewList { items }))
}
