//! Finding the resident on the phone.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use outreach_protocol::ErrorBody;
use outreach_protocol::pickup::PickupSearch;

use super::residents;
use crate::api::checks::{
    audit, check_application_id, check_date, check_text, today, unprocessable,
};
use crate::api::office::cards::records_by_application_id;
use crate::auth::StaffSession;
use crate::pickup::{PickupCase, search_key};
use crate::store::RecordFilter;
use crate::{AppError, AppState};

/// `?applicationId=`, or `?name=&birthDate=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ResidentQuery {
    /// 申請書ID (23 digits).
    pub application_id: Option<String>,
    /// 氏名 or フリガナ, or part of it (spaces ignored).
    pub name: Option<String>,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
}

/// Finds the resident on the phone, by 申請書ID or by name and birth date, with their
/// card, notice and booking (audited: names).
#[utoipa::path(
    get, path = "/console/pickup/residents", tag = "console", security(("console" = [])), params(ResidentQuery),
    responses((status = 200, body = PickupSearch), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "`unknown_application`: no application has this 申請書ID", body = ErrorBody),
        (status = 422, body = ErrorBody))
)]
pub async fn find_residents(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<ResidentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PickupSearch>, AppError> {
    let Query(q) = query?;
    let records = if let Some(id) = q.application_id.as_deref().filter(|s| !s.is_empty()) {
        let id: String = crate::cards::fold_digits(id)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        check_application_id(&id)?;
        let (records, _) = records_by_application_id(&state, vec![id]).await?;
        if records.is_empty() {
            return Err(AppError::client(
                StatusCode::NOT_FOUND,
                "unknown_application",
                "no application has this 申請書ID",
            ));
        }
        records
    } else {
        let name = search_key(q.name.as_deref().unwrap_or(""));
        let birth = q.birth_date.as_deref().unwrap_or("");
        if name.is_empty() {
            return Err(unprocessable(
                "invalid_text",
                "name: required without an applicationId",
            ));
        }
        check_text("name", &name, 60, true)?;
        let born = check_date("birthDate", birth)?;
        state
            .store
            .latest_records(&RecordFilter {
                birth_date: Some(birth.to_owned()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|r| {
                let c = PickupCase::of(&r.payload, born);
                search_key(&c.name).contains(&name) || search_key(&c.kana).contains(&name)
            })
            .collect()
    };
    let residents = residents(&state, &records, today(&state)).await?;
    let subject = residents
        .iter()
        .map(|r| r.record_id.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    audit(&state, session.actor(), "pickup_resident_viewed", &subject).await?;
    Ok(Json(PickupSearch { residents }))
}
