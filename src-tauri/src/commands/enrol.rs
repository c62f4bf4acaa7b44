//! Enrolling this tablet with the office: the QR code's text (pasted or scanned) and
//! the first staff member's ID and password in, an enrolled vault with that person
//! signed in out.
//!
//! The one-time code is redeemed before the password can be checked (the roster with
//! the password wraps comes only with the credential), so a mistyped password must not
//! waste it: what the office sent is kept in memory until the right ID and password
//! are given, and the vault is created only then.

use std::sync::Mutex;

use chrono::Utc;
use outreach_protocol::sync::DeviceSettings;
use outreach_sync::api::ApiError;
use outreach_sync::engine::VaultAccess;
use outreach_sync::enrol::{self, CodeText, EnrolError};
use outreach_vault::outbox::{self, Enrolment};
use outreach_vault::{Policy, RosterEntry, Vault, VaultError};
use tauri::State;

use crate::ipc::{EnrolRequest, IpcError, ReenrolRequest, Reenrolled, SignedIn};
use crate::sync::SyncControl;
use crate::{AppConfig, Office, Session};

/// A code the office has redeemed, waiting for the right staff ID and password.
#[derive(Default)]
pub struct PendingEnrolment(Mutex<Option<Redeemed>>);

struct Redeemed {
    code: CodeText,
    /// The id the vault will have, sent to the office as the tablet's identity.
    tablet: String,
    enrolment: Enrolment,
    roster: Vec<RosterEntry>,
    settings: DeviceSettings,
}

/// Enrols the tablet and signs the first staff member in. Never logs the code, the
/// credential or the password.
#[tauri::command]
pub async fn enrol(
    request: EnrolRequest,
    config: State<'_, AppConfig>,
    session: State<'_, Session>,
    office: State<'_, Office>,
    pending: State<'_, PendingEnrolment>,
    sync: State<'_, SyncControl>,
) -> Result<SignedIn, IpcError> {
    let path = config.vault_path.clone().ok_or_else(IpcError::internal)?;
    if path.exists() {
        return Err(error(
            "already_enrolled",
            "この端末はすでに登録されています。サインインしてください。",
        ));
    }
    let EnrolRequest {
        code_text,
        staff_id,
        password,
    } = request;
    let code = enrol::parse_code(&code_text).map_err(enrol_error)?;
    let kept = pending
        .0
        .lock()
        .map_err(|_| IpcError::internal())?
        .take()
        .filter(|r| r.code == code);
    let redeemed = match kept {
        Some(r) => r,
        None => redeem(code).await.map_err(enrol_error)?,
    };

    let Some(entry) = redeemed
        .roster
        .iter()
        .find(|e| e.staff_id == staff_id)
        .cloned()
    else {
        keep(&pending, redeemed);
        return Err(error(
            "not_on_roster",
            "この職員IDは事務所の職員名簿にありません。職員IDを確かめて、もう一度入力してください。",
        ));
    };
    // Checked before the vault exists, so a typo leaves nothing behind.
    let checked = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            entry
                .wrap
                .unwrap(&password, entry.staff_id.as_bytes())
                .map(drop)
        })
        .await
        .map_err(|_| IpcError::internal())?
    };
    if let Err(e) = checked {
        keep(&pending, redeemed);
        return Err(match e {
            outreach_keys::KeyError::WrongPassword => error(
                "wrong_password",
                "パスワードが違います。事務所で設定したパスワードを入力してください。",
            ),
            other => {
                tracing::error!(error = %other, "checking the password at enrolment");
                IpcError::internal()
            }
        });
    }

    let key = match office_public_key(&redeemed.settings) {
        Ok(key) => key,
        Err(e) => {
            keep(&pending, redeemed);
            return Err(e);
        }
    };
    let Redeemed {
        code,
        tablet,
        enrolment,
        roster,
        ..
    } = redeemed;
    let create_path = path.clone();
    let opened = tokio::task::spawn_blocking(move || {
        Vault::create_identified(&create_path, &tablet, &key, &roster, Utc::now())?;
        let mut vault = Vault::sign_in(
            &create_path,
            &staff_id,
            &password,
            Utc::now(),
            Policy::default(),
        )?;
        vault.write(|tx, _| outbox::set_enrolment(tx, Some(&enrolment)))?;
        let name = vault.staff_name()?;
        Ok::<_, VaultError>((vault, name))
    })
    .await
    .map_err(|_| IpcError::internal())?;
    let (vault, staff_name) = opened.map_err(super::session::sign_in_error)?;
    if let Err(e) = office.link_to(&code.server_url, code.spki_pin.as_deref()) {
        tracing::error!(error = %e, "the office client after enrolment");
    }
    let signed = super::session::open_session(&session, &sync, &office, vault, staff_name)?;
    tracing::info!("tablet enrolled; first staff member signed in");
    Ok(signed)
}

/// Enrols this tablet again with a new code from the office, for the signed-in staff
/// member: the vault keeps its roster, drafts and unsent records, which the next sync
/// sends once (the office holds each version once), and the office links the new
/// enrolment to the device this tablet was. The code is issued by a supervisor in the
/// console; it is the supervisor's act.
#[tauri::command]
pub async fn reenrol(
    request: ReenrolRequest,
    session: State<'_, Session>,
    office: State<'_, Office>,
    sync: State<'_, SyncControl>,
) -> Result<Reenrolled, IpcError> {
    let code = enrol::parse_code(&request.code_text).map_err(enrol_error)?;
    let e = enrol::enrol_vault(&code, &session.0)
        .await
        .map_err(enrol_error)?;
    if let Err(e) = office.link_to(&e.server_url, e.spki_pin.as_deref()) {
        tracing::error!(error = %e, "the office client after enrolling again");
    }
    let waiting = session
        .0
        .with_vault(|v| outbox::pending(v.conn()))
        .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
        .unwrap_or(0);
    sync.reenrolled();
    tracing::info!(waiting, "tablet enrolled again; its vault is kept");
    let expires = chrono::DateTime::parse_from_rfc3339(&e.expires_at)
        .map(|t| crate::sync::japan_time(t.with_timezone(&Utc)))
        .unwrap_or_default();
    Ok(Reenrolled {
        server_url: e.server_url,
        expires_display: expires,
        waiting,
    })
}

/// Reads a QR code from one grey camera frame (the enrolment code reader). The frame
/// comes as the raw request body, one byte per pixel, with its size in the
/// `x-frame-width` and `x-frame-height` headers; answers the code's text, or `null`
/// when the frame holds none (the reader then sends the next frame).
#[tauri::command]
pub async fn decode_qr(request: tauri::ipc::Request<'_>) -> Result<Option<String>, IpcError> {
    let bad_frame = || error("bad_frame", "カメラの画像を読み取れませんでした。");
    let tauri::ipc::InvokeBody::Raw(luma) = request.body() else {
        return Err(bad_frame());
    };
    let size = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(bad_frame)
    };
    let (width, height) = (size("x-frame-width")?, size("x-frame-height")?);
    let luma = luma.clone();
    tokio::task::spawn_blocking(move || outreach_photo::qr::decode_luma(width, height, &luma))
        .await
        .map_err(|_| IpcError::internal())?
        .map_err(|_| bad_frame())
}

fn keep(pending: &PendingEnrolment, redeemed: Redeemed) {
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(redeemed);
}

/// Redeems the code and fetches what a new vault needs.
async fn redeem(code: CodeText) -> Result<Redeemed, EnrolError> {
    let client = enrol::client(
        &code.server_url,
        code.spki_pin.as_deref(),
        std::time::Duration::from_secs(30),
    )?;
    // The vault's id names the tablet to the office from its first enrolment on.
    let tablet = Vault::new_id()?;
    let credential = client.enrol(&code.code, Some(&tablet), None).await?;
    tracing::info!("enrolment code redeemed");
    let roster = client.roster(&credential.credential).await?;
    let settings = client.settings(&credential.credential).await?;
    let roster = enrol::roster_entries(roster)?;
    let enrolment = Enrolment {
        server_url: code.server_url.clone(),
        spki_pin: code.spki_pin.clone(),
        device_id: credential.device_id,
        credential: credential.credential,
        expires_at: credential.expires_at,
        renew_after: Some(credential.renew_after),
    };
    Ok(Redeemed {
        code,
        tablet,
        enrolment,
        roster,
        settings,
    })
}

fn office_public_key(settings: &DeviceSettings) -> Result<outreach_keys::PublicKey, IpcError> {
    let unreadable = || {
        error(
            "office_not_ready",
            "事務所サーバーの復旧用の鍵がまだ用意されていません。事務所に連絡してください。",
        )
    };
    let key = settings.office_public_key.clone().ok_or_else(unreadable)?;
    serde_json::from_value(serde_json::Value::String(key)).map_err(|_| unreadable())
}

fn error(code: &str, message: &str) -> IpcError {
    IpcError {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// What staff read when enrolment fails.
fn enrol_error(e: EnrolError) -> IpcError {
    match e {
        EnrolError::NotACode | EnrolError::NoPin => error(
            "not_enrolment_code",
            "これは端末登録用のコードではありません。事務所の画面に表示された登録用QRコードの内容を、そのまま貼り付けてください。",
        ),
        EnrolError::Api(api) if api.is_pin_mismatch() => error(
            "wrong_server",
            "接続先のサーバーの鍵が登録コードと一致しません（別のサーバーにつながっている可能性があります）。事務所に連絡してください。",
        ),
        EnrolError::Api(ApiError::Unreachable(_)) => error(
            "unreachable",
            "事務所サーバーに接続できません。ネットワーク（ポケットWi-Fiや事務所のLAN）につないで、もう一度お試しください。",
        ),
        EnrolError::Api(ApiError::Refused { code, .. }) if code == "enrolment_code_expired" => {
            error(
                "code_expired",
                "この登録コードは有効期限が切れています。事務所で新しい登録コードを発行してもらってください。",
            )
        }
        EnrolError::Api(ApiError::Refused { code, .. }) if code == "enrolment_code_used" => error(
            "code_used",
            "この登録コードはすでに使われています。事務所で新しい登録コードを発行してもらってください。",
        ),
        EnrolError::Api(ApiError::Refused { code, .. })
            if code == "enrolment_code_unknown" || code == "enrolment_code_malformed" =>
        {
            error(
                "code_unknown",
                "事務所サーバーがこの登録コードを知りません。事務所で新しい登録コードを発行してもらってください。",
            )
        }
        EnrolError::Api(ApiError::Server(_)) | EnrolError::Unreadable(_) => error(
            "office_failed",
            "事務所サーバーでエラーが発生しました。しばらく待ってから、もう一度お試しください。",
        ),
        EnrolError::Locked => error(
            "locked",
            "登録の途中で端末がロックされました。サインインしてから、事務所で新しい登録コードを発行してもらい、もう一度お試しください。",
        ),
        EnrolError::WeakKdf(_) => error(
            "weak_key_wrap",
            "事務所サーバーから届いた職員の鍵の保護が弱すぎるため、この端末では使えません。事務所に連絡してください。",
        ),
        other => {
            tracing::error!(error = %other, "enrolment failed");
            error(
                "office_refused",
                "事務所サーバーが端末の登録を受け付けませんでした。事務所に連絡してください。",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str) -> EnrolError {
        EnrolError::Api(ApiError::Refused {
            status: 410,
            code: code.into(),
            message: String::new(),
        })
    }

    #[test]
    fn each_failure_has_its_own_code_for_the_ui() {
        let pin = ApiError::Unreachable(outreach_sync::pin::PinMismatch.to_string());
        for (e, code) in [
            (EnrolError::NotACode, "not_enrolment_code"),
            (EnrolError::NoPin, "not_enrolment_code"),
            (EnrolError::Api(pin), "wrong_server"),
            (
                EnrolError::Api(ApiError::Unreachable("timed out".into())),
                "unreachable",
            ),
            (refused("enrolment_code_expired"), "code_expired"),
            (refused("enrolment_code_used"), "code_used"),
            (refused("enrolment_code_unknown"), "code_unknown"),
            (
                EnrolError::Api(ApiError::Server("answered 500".into())),
                "office_failed",
            ),
        ] {
            let shown = enrol_error(e);
            assert_eq!(shown.code, code);
            assert!(
                !shown.message.is_empty() && !shown.message.is_ascii(),
                "staff read Japanese: {}",
                shown.message
            );
        }
    }

    #[test]
    fn the_request_never_prints_the_code_or_the_password() {
        let r = EnrolRequest {
            code_text: "SECRET-CODE".into(),
            staff_id: "s001".into(),
            password: "hunter2".into(),
        };
        let printed = format!("{r:?}");
        assert!(
            !printed.contains("SECRET-CODE") && !printed.contains("hunter2"),
            "{printed}"
        );
    }
}
