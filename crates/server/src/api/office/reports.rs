//! The reports: their figures for the console page, and the same report as a file.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use outreach_protocol::ErrorBody;
use outreach_protocol::console::Report;

use crate::api::checks::{attachment, audit, unprocessable};
use crate::auth::StaffSession;
use crate::reports::{self, Format, Period};
use crate::store::timestamp;
use crate::{AppError, AppState};

/// `?kind=daily&date=` | `?kind=monthly&month=` | `?kind=completion&from=&to=`, and
/// `format=` for a file.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `daily`, `monthly` or `completion`.
    pub kind: String,
    /// YYYY-MM-DD (daily).
    pub date: Option<String>,
    /// YYYY-MM (monthly).
    pub month: Option<String>,
    /// YYYY-MM-DD (completion).
    pub from: Option<String>,
    /// YYYY-MM-DD (completion).
    pub to: Option<String>,
    /// `xlsx`, `csv` or `pdf` (files only).
    pub format: Option<String>,
}

fn period_of(q: &ReportQuery) -> Result<Period, AppError> {
    let or_empty = |s: &Option<String>| s.clone().unwrap_or_default();
    match q.kind.as_str() {
        "daily" => Period::daily(&or_empty(&q.date)),
        "monthly" => Period::monthly(&or_empty(&q.month)),
        "completion" => Period::completion(&or_empty(&q.from), &or_empty(&q.to)),
        _ => {
            return Err(unprocessable(
                "invalid_report",
                "kind: daily, monthly or completion",
            ));
        }
    }
    .map_err(|e| unprocessable("invalid_report", e.to_string()))
}

/// A report's figures and chart series, as the console shows them.
#[utoipa::path(
    get, path = "/console/reports", tag = "console", security(("console" = [])), params(ReportQuery),
    responses((status = 200, body = Report), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn report(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Report>, AppError> {
    let Query(q) = query?;
    let period = period_of(&q)?;
    let report = reports::build(&state.store, &period, &timestamp(state.clock.now())).await?;
    audit(
        &state,
        session.actor(),
        "report_viewed",
        &format!("{} {}", q.kind, period.label()),
    )
    .await?;
    Ok(Json(report))
}

/// A report as a file: xlsx, CSV (UTF-8 with BOM) or PDF (audited).
#[utoipa::path(
    get, path = "/console/reports/file", tag = "console", security(("console" = [])), params(ReportQuery),
    responses(
        (status = 200, description = "The file, with a Content-Disposition name", content(
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"), ("application/pdf"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn report_file(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = query?;
    let period = period_of(&q)?;
    let format = q
        .format
        .as_deref()
        .and_then(Format::parse)
        .ok_or_else(|| unprocessable("invalid_format", "format: xlsx, csv or pdf"))?;
    let report = reports::build(&state.store, &period, &timestamp(state.clock.now())).await?;
    let bytes = tokio::task::spawn_blocking(move || reports::render(&report, format))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    audit(
        &state,
        session.actor(),
        "report_exported",
        &format!("{} {} {}", q.kind, period.label(), format.extension()),
    )
    .await?;
    attachment(
        format.content_type(),
        &period.file_name(format.extension()),
        bytes,
    )
}
