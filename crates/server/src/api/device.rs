//! What a tablet calls: enrolment, its own status and credential, and the data that
//! comes down (roster, trips, settings).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use outreach_protocol::ErrorBody;
use outreach_protocol::sync::{
    DeviceCredential, DeviceSettings, DeviceStatus, EnrolRequest, RetentionSetting, Roster,
    RosterStaff, Trips,
};

use crate::auth::{DeviceAuth, new_secret, secret_hash};
use crate::error::ApiJson;
use crate::store::{EnrolRefusal, NewDevice, timestamp};
use crate::{AppError, AppState};

/// Enrols a tablet with a one-time code from the console's QR code.
#[utoipa::path(
    post, path = "/enrol", tag = "device",
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Enrolled: keep the credential in the vault", body = DeviceCredential),
        (status = 400, description = "Malformed code, or the body is not JSON", body = ErrorBody),
        (status = 404, description = "No such code", body = ErrorBody),
        (status = 410, description = "The code was used already or has expired", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrolRequest>,
) -> Result<(StatusCode, Json<DeviceCredential>), AppError> {
    if req.code.len() != 43 {
        return Err(AppError::bad_request(
            "enrolment_code_malformed",
            "an enrolment code is 43 base64url characters",
        ));
    }
    let now = state.clock.now();
    let fresh = Fresh::new(&state, now)?;
    let tablet_id = req.tablet_id.filter(|t| is_identity(t));
    let previous_device_id = req.previous_device_id.filter(|t| is_identity(t));
    let device = NewDevice {
        device_id: uuid::Uuid::new_v4().to_string(),
        credential_hash: secret_hash(&fresh.credential),
        credential_expires_at: fresh.expires_at.clone(),
        tablet_id,
        previous_device_id,
    };
    let result = state
        .store
        .redeem_enrolment(&secret_hash(&req.code), &device, &timestamp(now))
        .await?;
    match result {
        Ok(d) => {
            tracing::info!(device = %d.device_id, "device enrolled");
            Ok((StatusCode::CREATED, Json(fresh.answer(d.device_id, d.name))))
        }
        Err(EnrolRefusal::Unknown) => Err(AppError::client(
            StatusCode::NOT_FOUND,
            "enrolment_code_unknown",
            "no such enrolment code: ask the office for a new QR code",
        )),
        Err(EnrolRefusal::Used) => Err(AppError::client(
            StatusCode::GONE,
            "enrolment_code_used",
            "this enrolment code was used already; a code works once",
        )),
        Err(EnrolRefusal::Expired) => Err(AppError::client(
            StatusCode::GONE,
            "enrolment_code_expired",
            "this enrolment code has expired: ask the office for a new QR code",
        )),
    }
}

/// The calling device as the office sees it (also: is the credential still good?).
#[utoipa::path(
    get, path = "/device", tag = "device", security(("device" = [])),
    responses((status = 200, body = DeviceStatus), (status = 401, body = ErrorBody))
)]
pub async fn device(device: DeviceAuth) -> Json<DeviceStatus> {
    Json(DeviceStatus {
        device_id: device.0.device_id,
        device_name: device.0.name,
        credential_expires_at: device.0.credential_expires_at,
    })
}

/// Renews the device's credential. The one it called with keeps working until the new
/// one is first used, so a renewal lost on a bad link strands nothing.
#[utoipa::path(
    post, path = "/device/credential", tag = "device", security(("device" = [])),
    responses((status = 200, body = DeviceCredential), (status = 401, body = ErrorBody))
)]
pub async fn renew_credential(
    State(state): State<AppState>,
    device: DeviceAuth,
) -> Result<Json<DeviceCredential>, AppError> {
    let now = state.clock.now();
    let fresh = Fresh::new(&state, now)?;
    state
        .store
        .renew_credential(
            &device.0.device_id,
            &secret_hash(&fresh.credential),
            &fresh.expires_at,
            &timestamp(now),
        )
        .await?;
    Ok(Json(fresh.answer(device.0.device_id, device.0.name)))
}

/// A new credential with its lifetime from the server's setting.
struct Fresh {
    credential: String,
    expires_at: String,
    renew_after: String,
}

impl Fresh {
    fn new(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> Result<Self, AppError> {
        let life = state.credential_lifetime;
        Ok(Self {
            credential: new_secret()?,
            expires_at: timestamp(now + life),
            renew_after: timestamp(now + life / 2),
        })
    }

    fn answer(self, device_id: String, device_name: String) -> DeviceCredential {
        DeviceCredential {
            device_id,
            device_name,
            credential: self.credential,
            expires_at: self.expires_at,
            renew_after: self.renew_after,
        }
    }
}

/// A tablet identity or device ID as sent at enrolment: a UUID-like token of at most
/// 64 letters, digits and '-'; anything else is ignored, not stored.
fn is_identity(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The staff roster: IDs, names, public keys and password wraps; never a login hash.
#[utoipa::path(
    get, path = "/roster", tag = "device", security(("device" = [])),
    responses((status = 200, body = Roster), (status = 401, body = ErrorBody))
)]
pub async fn roster(
    State(state): State<AppState>,
    _device: DeviceAuth,
) -> Result<Json<Roster>, AppError> {
    let staff = state
        .store
        .active_staff()
        .await?
        .into_iter()
        .map(|a| {
            let key_wrap = serde_json::from_str(&a.key_wrap).map_err(|e| {
                AppError::Internal(format!("stored key wrap of {}: {e}", a.staff_id))
            })?;
            Ok(RosterStaff {
                staff_id: a.staff_id,
                name: a.name,
                public_key: a.public_key,
                key_wrap,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(Roster { staff }))
}

/// Trips from today (Japan time) on.
#[utoipa::path(
    get, path = "/trips", tag = "device", security(("device" = [])),
    responses((status = 200, body = Trips), (status = 401, body = ErrorBody))
)]
pub async fn trips(
    State(state): State<AppState>,
    _device: DeviceAuth,
) -> Result<Json<Trips>, AppError> {
    let today = crate::office::ymd(super::checks::today(&state));
    Ok(Json(Trips {
        trips: state.store.trips_from(&today).await?,
    }))
}

/// The document rule set used until the office configures its own: the usual counter
/// rule, one document from list A or two from list B (DOMAIN.md, "本人確認").
pub const DEFAULT_DOCUMENT_RULES: &str = r#"{
  "version": 1,
  "name": "標準（A書類1点またはB書類2点）",
  "anyOf": [{ "A": 1 }, { "B": 2 }]
}"#;

/// Retention, the document rules and the office recovery key.
#[utoipa::path(
    get, path = "/settings", tag = "device", security(("device" = [])),
    responses((status = 200, body = DeviceSettings), (status = 401, body = ErrorBody))
)]
pub async fn settings(
    State(state): State<AppState>,
    _device: DeviceAuth,
) -> Result<Json<DeviceSettings>, AppError> {
    let retention = match state.store.meta("retention").await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| AppError::Internal(format!("stored retention: {e}")))?,
        None => RetentionSetting::EndOfDay,
    };
    let rules = state
        .store
        .meta("document_rules")
        .await?
        .unwrap_or_else(|| DEFAULT_DOCUMENT_RULES.to_owned());
    let document_rules = serde_json::from_str(&rules)
        .map_err(|e| AppError::Internal(format!("stored document rules: {e}")))?;
    let office_public_key = state.store.meta("office_public_key").await?;
    Ok(Json(DeviceSettings {
        retention,
        document_rules,
        office_public_key,
    }))
}
