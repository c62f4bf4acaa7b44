//! The office console's API: sign-in with a session cookie, device enrolment and
//! revocation, staff accounts, the audit trail. Every change and every view of
//! another person's data is audited with the staff ID.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use outreach_protocol::ErrorBody;
use outreach_protocol::console::{
    AuditLog, ConsoleUser, DeviceInfo, DeviceList, EnrolmentIssued, EnrolmentRequest, LoginRequest,
    NewStaff, PasswordChange, SESSION_COOKIE, StaffInfo, StaffList, TotpCode, TotpSetup,
};
use outreach_protocol::sync::{ENROLMENT_KIND, EnrolmentCode};

use super::checks::{audit, conflict, unprocessable};
use crate::auth::{StaffSession, new_secret, secret_hash};
use crate::error::ApiJson;
use crate::http::client::ClientAddr;
use crate::store::{Actor, NewEnrolment, Role, StaffAccount, timestamp};
use crate::{AppError, AppState};

/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 10;

fn user(a: &StaffAccount, totp: bool) -> ConsoleUser {
    ConsoleUser {
        staff_id: a.staff_id.clone(),
        name: a.name.clone(),
        role: a.role.as_str().to_owned(),
        totp,
    }
}

/// The session cookie: `Secure` always, under `--plain-http` too, where the browser
/// reaches the console through a TLS proxy.
fn session_cookie(token: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}; Secure"
    ))
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// A new password the rule refuses: 422 with the rule's own code.
fn weak_password(w: outreach_keys::WeakPassword) -> AppError {
    AppError::client(StatusCode::UNPROCESSABLE_ENTITY, w.code(), w.to_string())
}

/// Signs a staff member in; the session is an HttpOnly, SameSite=Strict cookie.
#[utoipa::path(
    post, path = "/console/session", tag = "console",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; Set-Cookie carries the session", body = ConsoleUser),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Wrong staff ID or password (`login_failed`); the TOTP code is needed (`totp_required`) or wrong or used (`totp_failed`)", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, description = "Too many failures: wait", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    if req.staff_id.len() > 64 || req.password.len() > 1024 {
        return Err(AppError::Unauthorized("login_failed"));
    }
    // Counted before the check: parallel guesses cannot all get through.
    let reserved = crate::sign_in::reserve(&state, &req.staff_id, client).await?;
    let account = state.store.staff(&req.staff_id).await?;
    let password = req.password.clone();
    let phc = account.as_ref().map(|a| a.password_hash.clone());
    // Argon2id takes a fraction of a second of CPU and 64 MiB: off the async workers,
    // a few at a time. An unknown ID is checked against a dummy hash so the answer
    // takes as long.
    let ok = state
        .password_checks
        .run(move || match phc {
            Some(phc) => outreach_keys::verify_login_password(&password, &phc),
            None => {
                let _ = outreach_keys::verify_login_password(
                    &password,
                    &crate::staff::DUMMY_LOGIN_HASH,
                );
                false
            }
        })
        .await?;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            reserved.failed();
            let subject = if account.is_some() {
                req.staff_id.as_str()
            } else {
                "unknown"
            };
            audit(&state, Actor::System, "login_failed", subject).await?;
            return Err(AppError::Unauthorized("login_failed"));
        }
    };
    // The second factor, where the account has one: a right password without a code
    // is not a failure (the code is asked for), a wrong or reused code is.
    let totp = state.store.totp(&account.staff_id).await?;
    let second_factor = matches!(totp, Some((_, true)));
    if let Some((secret, true)) = &totp {
        let Some(code) = req.totp_code.as_deref() else {
            reserved.passed(&state).await?;
            return Err(AppError::Unauthorized("totp_required"));
        };
        if !use_code(&state, &account.staff_id, secret, code).await? {
            reserved.failed();
            audit(&state, Actor::System, "login_failed", &account.staff_id).await?;
            return Err(AppError::Unauthorized("totp_failed"));
        }
    }
    reserved.succeeded(&state).await?;
    let token = new_secret()?;
    let now = state.clock.now();
    state
        .store
        .create_session(
            &secret_hash(&token),
            &account.staff_id,
            &timestamp(now),
            &timestamp(now + chrono::Duration::hours(SESSION_HOURS)),
        )
        .await?;
    audit(
        &state,
        Actor::Staff(account.staff_id.clone()),
        "login",
        &account.staff_id,
    )
    .await?;
    let mut h = HeaderMap::new();
    h.insert(
        header::SET_COOKIE,
        session_cookie(&token, SESSION_HOURS * 3600)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((h, Json(user(&account, second_factor))).into_response())
}

/// `text` as an SVG QR code at least `size` pixels square (error correction M, which
/// a tablet or phone camera reads off a screen).
fn qr_svg(text: &str, size: u32) -> Result<String, AppError> {
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .build())
}

/// The signed-in staff member.
#[utoipa::path(
    get, path = "/console/session", tag = "console", security(("console" = [])),
    responses((status = 200, body = ConsoleUser), (status = 401, body = ErrorBody))
)]
pub async fn me(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<ConsoleUser>, AppError> {
    let totp = state.store.totp(&session.account.staff_id).await?;
    Ok(Json(user(
        &session.account,
        matches!(totp, Some((_, true))),
    )))
}

/// Accepts `code` for `staff_id`'s secret once (a code used is refused again).
async fn use_code(
    state: &AppState,
    staff_id: &str,
    secret: &str,
    code: &str,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    Ok(
        match crate::totp::matching_step(secret, code, now.timestamp())? {
            Some(step) => {
                state
                    .store
                    .use_totp_step(staff_id, step, &timestamp(now))
                    .await?
            }
            None => false,
        },
    )
}

/// Starts turning on the TOTP second factor (supervisors): a new secret, in effect
/// once a code from it is confirmed.
#[utoipa::path(
    post, path = "/console/session/totp", tag = "console", security(("console" = [])),
    responses(
        (status = 201, body = TotpSetup), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "A second factor is in effect already", body = ErrorBody),
    )
)]
pub async fn totp_begin(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<(StatusCode, Json<TotpSetup>), AppError> {
    session.require_supervisor()?;
    let id = &session.account.staff_id;
    let secret = crate::totp::new_secret()?;
    if !state.store.set_totp_pending(id, &secret).await? {
        return Err(conflict(
            "totp_enabled",
            "a second factor is in effect already: turn it off first",
        ));
    }
    let uri = crate::totp::uri(&secret, id)?;
    let qr_svg = qr_svg(&uri, 240)?;
    Ok((
        StatusCode::CREATED,
        Json(TotpSetup {
            secret,
            uri,
            qr_svg,
        }),
    ))
}

/// Confirms the TOTP secret with a current code: from now on sign-in asks for one.
/// Counted against the sign-in limits.
#[utoipa::path(
    post, path = "/console/session/totp/confirm", tag = "console", security(("console" = [])),
    request_body = TotpCode,
    responses(
        (status = 204, description = "In effect"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No set-up was started", body = ErrorBody),
        (status = 409, description = "In effect already", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "The code is wrong or was used", body = ErrorBody),
        (status = 429, description = "Too many failed checks: wait (Retry-After)", body = ErrorBody),
    )
)]
pub async fn totp_confirm(
    State(state): State<AppState>,
    session: StaffSession,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<TotpCode>,
) -> Result<StatusCode, AppError> {
    session.require_supervisor()?;
    let id = &session.account.staff_id;
    let (secret, confirmed) = state.store.totp(id).await?.ok_or(AppError::NotFound)?;
    if confirmed {
        return Err(conflict(
            "totp_enabled",
            "the second factor is in effect already",
        ));
    }
    let reserved = crate::sign_in::reserve(&state, id, client).await?;
    if !use_code(&state, id, &secret, &req.code).await? {
        reserved.failed();
        return Err(unprocessable(
            "totp_wrong",
            "code: the code is wrong or was used already",
        ));
    }
    reserved.succeeded(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns the signed-in staff member's TOTP second factor off (or drops a set-up).
#[utoipa::path(
    delete, path = "/console/session/totp", tag = "console", security(("console" = [])),
    responses((status = 204, description = "Off"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn totp_remove(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<StatusCode, AppError> {
    let id = &session.account.staff_id;
    if state
        .store
        .delete_totp(id, &session.actor(), &timestamp(state.clock.now()))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Signs out: the session ends on the server and the cookie is cleared.
#[utoipa::path(
    delete, path = "/console/session", tag = "console", security(("console" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody))
)]
pub async fn logout(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Response, AppError> {
    state.store.delete_session(&session.token_hash).await?;
    audit(&state, session.actor(), "logout", &session.account.staff_id).await?;
    let mut h = HeaderMap::new();
    h.insert(header::SET_COOKIE, session_cookie("", 0)?);
    Ok((StatusCode::NO_CONTENT, h).into_response())
}

/// The server's URL for tablets: the configured public URL, else the authority the
/// supervisor reached the console at (HTTP/2's `:authority` or HTTP/1.1's `Host`),
/// which over HTTPS must be one the certificate names.
fn server_url(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Result<String, AppError> {
    if let Some(url) = &state.public_url {
        return Ok(url.clone());
    }
    let authority = crate::http::authority::of(uri, headers).ok_or_else(|| {
        AppError::bad_request(
            "host_unknown",
            "the request names no usable host (Host or :authority)",
        )
    })?;
    if state.spki_pin.is_some()
        && !crate::http::authority::named_by(&authority, &state.certificate_names)
    {
        return Err(AppError::bad_request(
            "host_not_in_certificate",
            "the console was reached at a host the server's certificate does not name: open it at one of the certificate's names (or add this one with --tls-hostname)",
        ));
    }
    let scheme = if state.spki_pin.is_some() {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{authority}"))
}

/// Makes a one-time enrolment code for a tablet, with its QR code.
#[utoipa::path(
    post, path = "/console/enrolments", tag = "console", security(("console" = [])),
    request_body = EnrolmentRequest,
    responses(
        (status = 201, body = EnrolmentIssued),
        (status = 400, description = "The body is not JSON, no usable host, or a host the certificate does not name", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
pub async fn issue_enrolment(
    State(state): State<AppState>,
    session: StaffSession,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EnrolmentRequest>,
) -> Result<(StatusCode, Json<EnrolmentIssued>), AppError> {
    session.require_supervisor()?;
    let issued = make_enrolment(
        &state,
        &session.account.staff_id,
        &req.device_name,
        req.valid_minutes.unwrap_or(15),
        server_url(&state, &uri, &headers)?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Makes and stores a one-time enrolment code (console and `device enrol` CLI).
pub async fn make_enrolment(
    state: &AppState,
    created_by: &str,
    device_name: &str,
    valid_minutes: u32,
    server_url: String,
) -> Result<EnrolmentIssued, AppError> {
    let name = device_name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(unprocessable(
            "invalid_device_name",
            "a device name is 1 to 64 characters without control characters",
        ));
    }
    if !(1..=1440).contains(&valid_minutes) {
        return Err(unprocessable(
            "invalid_valid_minutes",
            "a code is valid for 1 to 1440 minutes",
        ));
    }
    let code = new_secret()?;
    let now = state.clock.now();
    let expires_at = timestamp(now + chrono::Duration::minutes(i64::from(valid_minutes)));
    state
        .store
        .create_enrolment(&NewEnrolment {
            code_hash: secret_hash(&code),
            device_name: name.to_owned(),
            created_by: created_by.to_owned(),
            created_at: timestamp(now),
            expires_at: expires_at.clone(),
        })
        .await?;
    let enrolment = EnrolmentCode {
        kind: ENROLMENT_KIND.to_owned(),
        server_url,
        spki_pin: state.spki_pin.clone(),
        code,
        expires_at,
    };
    let text = serde_json::to_string(&enrolment).map_err(|e| AppError::Internal(e.to_string()))?;
    let qr_svg = qr_svg(&text, 320)?;
    Ok(EnrolmentIssued {
        enrolment,
        text,
        qr_svg,
    })
}

fn device_info(d: crate::store::Device) -> DeviceInfo {
    DeviceInfo {
        device_id: d.device_id,
        name: d.name,
        enrolled_at: d.enrolled_at,
        credential_expires_at: d.credential_expires_at,
        revoked_at: d.revoked_at,
        last_seen_at: d.last_seen_at,
        tablet: d.tablet,
        replaced_by: d.replaced_by,
    }
}

/// Every enrolled tablet (supervisors).
#[utoipa::path(
    get, path = "/console/devices", tag = "console", security(("console" = [])),
    responses((status = 200, body = DeviceList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn devices(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<DeviceList>, AppError> {
    session.require_supervisor()?;
    Ok(Json(DeviceList {
        devices: state
            .store
            .devices()
            .await?
            .into_iter()
            .map(device_info)
            .collect(),
    }))
}

/// Revokes a tablet: refused at once; its next contact tells it to lock and destroy
/// its wraps.
#[utoipa::path(
    post, path = "/console/devices/{id}/revoke", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Device ID")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    session.require_supervisor()?;
    if state
        .store
        .revoke_device(&id, &session.actor(), &timestamp(state.clock.now()))
        .await?
    {
        tracing::info!(device = %id, "device revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

fn staff_info(a: StaffAccount) -> StaffInfo {
    StaffInfo {
        staff_id: a.staff_id,
        name: a.name,
        role: a.role.as_str().to_owned(),
        created_at: a.created_at,
        disabled: a.disabled,
    }
}

/// Every staff account, without secrets.
#[utoipa::path(
    get, path = "/console/staff", tag = "console", security(("console" = [])),
    responses((status = 200, body = StaffList), (status = 401, body = ErrorBody))
)]
pub async fn staff(
    State(state): State<AppState>,
    _session: StaffSession,
) -> Result<Json<StaffList>, AppError> {
    Ok(Json(StaffList {
        staff: state
            .store
            .all_staff()
            .await?
            .into_iter()
            .map(staff_info)
            .collect(),
    }))
}

/// Adds a staff account with its login and its key pair for the tablets.
#[utoipa::path(
    post, path = "/console/staff", tag = "console", security(("console" = [])),
    request_body = NewStaff,
    responses(
        (status = 201, body = StaffInfo),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The ID is taken", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
pub async fn add_staff(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(req): ApiJson<NewStaff>,
) -> Result<(StatusCode, Json<StaffInfo>), AppError> {
    session.require_supervisor()?;
    let role = Role::parse(&req.role)
        .ok_or_else(|| unprocessable("invalid_role", "role is supervisor or staff"))?;
    let (kdf, now) = (state.staff_kdf, state.clock.now());
    let account = state
        .password_checks
        .run(move || {
            crate::staff::new_account(&req.staff_id, &req.name, role, &req.password, kdf, now)
        })
        .await?
        .map_err(|e| match e {
            crate::staff::StaffError::Key(k) => AppError::Internal(k.to_string()),
            crate::staff::StaffError::WeakPassword(w) => weak_password(w),
            other => unprocessable("invalid_staff", other.to_string()),
        })?;
    state.store.insert_staff(&account).await?;
    audit(&state, session.actor(), "staff_added", &account.staff_id).await?;
    Ok((StatusCode::CREATED, Json(staff_info(account))))
}

/// `?limit=` for the audit log.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The newest audit events (supervisors).
#[utoipa::path(
    get, path = "/console/audit", tag = "console", security(("console" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditLog), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn audit_log(
    State(state): State<AppState>,
    session: StaffSession,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditLog>, AppError> {
    session.require_supervisor()?;
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request("invalid_query", "limit is 1 to 1000"));
    }
    audit(&state, session.actor(), "audit_viewed", "audit").await?;
    Ok(Json(AuditLog {
        events: state.store.audit_log(limit).await?,
    }))
}

/// Changes the signed-in staff member's own password: the login and the wrap of
/// their private key (the key pair, and so every tablet vault sealed to it, stays).
#[utoipa::path(
    post, path = "/console/session/password", tag = "console", security(("console" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; the account's other sessions end; tablets receive the new wrap with the roster"),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, description = "Too many failed password checks: wait (Retry-After)", body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    session: StaffSession,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    // The current password is checked under the same limits as a sign-in: a stolen
    // session cannot search for it.
    let reserved = crate::sign_in::reserve(&state, &session.account.staff_id, client).await?;
    let account = session.account.clone();
    let kdf = state.staff_kdf;
    let changed = state
        .password_checks
        .run(move || {
            crate::staff::change_password(&account, &req.current_password, &req.new_password, kdf)
        })
        .await?;
    let (hash, wrap) = match changed {
        Ok(v) => v,
        Err(crate::staff::StaffError::WrongPassword) => {
            reserved.failed();
            audit(
                &state,
                session.actor(),
                "password_check_failed",
                &session.account.staff_id,
            )
            .await?;
            return Err(AppError::client(
                StatusCode::FORBIDDEN,
                "wrong_password",
                "the current password is wrong",
            ));
        }
        Err(e) => {
            // The current password was not found wrong: not a failed guess.
            reserved.passed(&state).await?;
            return Err(match e {
                crate::staff::StaffError::Key(k) => AppError::Internal(k.to_string()),
                crate::staff::StaffError::WeakPassword(w) => weak_password(w),
                other => unprocessable("invalid_password", other.to_string()),
            });
        }
    };
    reserved.succeeded(&state).await?;
    state
        .store
        .set_staff_password(
            &session.account.staff_id,
            &hash,
            &wrap,
            &session.token_hash,
            &timestamp(state.clock.now()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a staff account (supervisors): it can no longer sign in, its sessions end,
/// and it leaves the roster tablets receive.
#[utoipa::path(
    post, path = "/console/staff/{id}/disable", tag = "console", security(("console" = [])),
    params(("id" = String, Path, description = "Staff ID")),
    responses(
        (status = 204, description = "Disabled (or already disabled)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A supervisor cannot disable their own account", body = ErrorBody),
    )
)]
pub async fn disable_staff(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    session.require_supervisor()?;
    if id == session.account.staff_id {
        return Err(conflict(
            "cannot_disable_self",
            "a supervisor cannot disable their own account",
        ));
    }
    if state
        .store
        .disable_staff(&id, &session.actor(), &timestamp(state.clock.now()))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
