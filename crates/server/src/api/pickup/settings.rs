//! The pickup calendar's settings and the notice's fixed text.

use axum::Json;
use axum::extract::State;
use outreach_protocol::ErrorBody;
use outreach_protocol::pickup::PickupSettings;

use crate::api::checks::{audit, unprocessable};
use crate::auth::StaffSession;
use crate::error::ApiJson;
use crate::pickup;
use crate::store::timestamp;
use crate::{AppError, AppState};

/// The pickup calendar's settings and the notice's fixed text.
#[utoipa::path(
    get, path = "/console/pickup/settings", tag = "console", security(("console" = [])),
    responses((status = 200, body = PickupSettings), (status = 401, body = ErrorBody))
)]
pub async fn get_settings(
    State(state): State<AppState>,
    _session: StaffSession,
) -> Result<Json<PickupSettings>, AppError> {
    Ok(Json(super::settings(&state).await?))
}

/// Changes the pickup settings (supervisors). Bookings already made keep their slot.
#[utoipa::path(
    put, path = "/console/pickup/settings", tag = "console", security(("console" = [])), request_body = PickupSettings,
    responses((status = 200, body = PickupSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn put_settings(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(mut input): ApiJson<PickupSettings>,
) -> Result<Json<PickupSettings>, AppError> {
    session.require_supervisor()?;
    input.weekdays.sort_unstable();
    input.weekdays.dedup();
    input.closed_dates.sort();
    input.closed_dates.dedup();
    input.open_dates.sort();
    input.open_dates.dedup();
    pickup::validate(&input).map_err(|e| unprocessable("invalid_settings", e.to_string()))?;
    let json = serde_json::to_string(&input).map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .put_setting(
            pickup::SETTINGS_KEY,
            &json,
            &session.account.staff_id,
            &timestamp(state.clock.now()),
        )
        .await?;
    audit(
        &state,
        session.actor(),
        "pickup_settings_changed",
        pickup::SETTINGS_KEY,
    )
    .await?;
    Ok(Json(input))
}
