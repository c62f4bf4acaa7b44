//! Sign-in and sign-out against the vault on this tablet.

use chrono::Utc;
use outreach_vault::{Policy, Vault, VaultError, audit};
use tauri::State;

use crate::ipc::{IpcError, SignInRequest, SignedIn, WindowChange};
use crate::sync::SyncControl;
use crate::{AppConfig, Office, Session};

/// Checks a staff member's ID and password offline and opens the vault for them.
/// Argon2id takes a good part of a second by design, so it runs off the UI thread.
#[tauri::command]
pub async fn sign_in(
    request: SignInRequest,
    config: State<'_, AppConfig>,
    session: State<'_, Session>,
    sync: State<'_, SyncControl>,
    office: State<'_, Office>,
) -> Result<SignedIn, IpcError> {
    let path = config.vault_path.clone().ok_or_else(IpcError::internal)?;
    let SignInRequest { staff_id, password } = request;
    let opened = tokio::task::spawn_blocking(move || {
        let vault = Vault::sign_in(&path, &staff_id, &password, Utc::now(), Policy::default())?;
        let name = vault.staff_name()?;
        Ok::<_, VaultError>((vault, name))
    })
    .await
    .map_err(|_| IpcError::internal())?;
    let (vault, staff_name) = opened.map_err(sign_in_error)?;
    let signed = open_session(&session, &sync, &office, vault, staff_name)?;
    tracing::info!("staff signed in");
    Ok(signed)
}

/// Makes `vault` the session's (after sign-in or enrolment): the last person's vault
/// is closed first, and sync is woken so whatever waited for the office goes as soon
/// as it answers.
pub(super) fn open_session(
    session: &Session,
    sync: &SyncControl,
    office: &Office,
    vault: Vault,
    staff_name: String,
) -> Result<SignedIn, IpcError> {
    // The status bar learns the enrolled office now, not at the sync task's next tick.
    if let Ok(Some(e)) = outreach_vault::outbox::enrolment(vault.conn())
        && let Err(err) = office.link_to(&e.server_url, e.spki_pin.as_deref())
    {
        tracing::error!(error = %err, "the enrolled office's client could not be made");
    }
    let signed = SignedIn {
        staff_id: vault.staff_id().to_owned(),
        staff_name,
    };
    let previous = session
        .0
        .lock()
        .map_err(|_| IpcError::internal())?
        .replace(vault);
    if let Some(previous) = previous {
        let _ = previous.close(audit::Action::SignOut, Utc::now());
    }
    sync.wake();
    Ok(signed)
}

/// Signs the current staff member out and closes the vault; its key leaves memory.
#[tauri::command]
pub fn sign_out(
    session: State<'_, Session>,
    pending: State<'_, super::PendingPhoto>,
) -> Result<(), IpcError> {
    pending.clear();
    let vault = session.0.lock().map_err(|_| IpcError::internal())?.take();
    if let Some(vault) = vault {
        vault
            .close(audit::Action::SignOut, Utc::now())
            .map_err(|e| {
                tracing::error!(error = %e, "closing the vault at sign-out");
                IpcError::internal()
            })?;
    }
    Ok(())
}

/// Locks after idle time, keeping what the screen held (`unsaved`, serialised by the
/// UI) encrypted in the vault until the same staff member signs in again. Answers
/// whether the input was kept, so staff are never told it was when it was not.
#[tauri::command]
pub fn lock_session(
    unsaved: String,
    session: State<'_, Session>,
    pending: State<'_, super::PendingPhoto>,
) -> Result<bool, IpcError> {
    // A photo not yet saved with its record is not kept across a lock.
    pending.clear();
    let vault = session.0.lock().map_err(|_| IpcError::internal())?.take();
    let Some(vault) = vault else { return Ok(false) };
    match vault.lock_keeping(&unsaved, Utc::now()) {
        Ok(()) => Ok(true),
        Err(VaultError::MyNumber) => {
            tracing::warn!("unsaved input held a probable 個人番号 and was not kept at lock");
            Ok(false)
        }
        Err(e) => {
            tracing::error!(error = %e, "keeping unsaved input at lock");
            Err(IpcError::internal())
        }
    }
}

/// Answers the window's first visibility change after the one numbered `after` (0:
/// none seen yet), waiting for it if need be; the UI locks on `hidden` (see
/// `lifecycle`). A command the UI keeps one call of pending, not an event, so the
/// window needs no event permission.
#[tauri::command]
pub async fn wait_window_change(
    after: u32,
    lifecycle: State<'_, crate::lifecycle::Lifecycle>,
) -> Result<WindowChange, IpcError> {
    Ok(lifecycle.next_after(after).await)
}

/// The input kept at this staff member's last idle lock, if any (handed back once).
#[tauri::command]
pub fn take_unsaved(session: State<'_, Session>) -> Result<Option<String>, IpcError> {
    let mut guard = session.0.lock().map_err(|_| IpcError::internal())?;
    let vault = guard.as_mut().ok_or_else(|| IpcError {
        code: "signed_out".to_owned(),
        message: "サインインしてください。".to_owned(),
    })?;
    vault.take_unsaved().map_err(|e| {
        tracing::error!(error = %e, "reading unsaved input");
        IpcError::internal()
    })
}

/// What staff read when a sign-in fails.
pub(super) fn sign_in_error(e: VaultError) -> IpcError {
    let (code, message) = match e {
        VaultError::NotFound | VaultError::NoKeyring => (
            "no_roster",
            "この端末にはまだ職員名簿がありません。事務所で端末を登録してから、サインインしてください。".to_owned(),
        ),
        VaultError::WrongCredentials { remaining } => (
            "wrong_credentials",
            format!(
                "職員IDまたはパスワードが違います。あと{remaining}回間違えると、この端末のデータは事務所でしか開けなくなります。"
            ),
        ),
        VaultError::TooSoon { wait_secs } => {
            ("too_soon", format!("間違いが続いたため、{wait_secs}秒待ってからもう一度入力してください。"))
        }
        VaultError::Wiped => (
            "wiped",
            "この端末の鍵は消去されています（サインインの失敗が続いたか、事務所が端末の登録を取り消したため）。データは事務所でのみ復旧できます。端末を事務所に返却してください。"
                .to_owned(),
        ),
        VaultError::KeyringDamaged(_) | VaultError::WrongKeyOrNotAVault => (
            "damaged",
            "この端末のデータファイルを開けません（破損しているか、別の端末のものです）。データは消さずに、事務所に連絡してください。"
                .to_owned(),
        ),
        VaultError::NewerSchema { .. } => (
            "newer_schema",
            "この端末のデータは新しいバージョンのアプリで作られています。アプリを更新してください。".to_owned(),
        ),
        other => {
            tracing::error!(error = %other, "sign-in failed");
            return IpcError::internal();
        }
    };
    IpcError {
        code: code.to_owned(),
        message,
    }
}
