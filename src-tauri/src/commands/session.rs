//! Sign-in and sign-out.

use crate::ipc::{IpcError, SignInRequest, SignedIn};

/// Checks a staff member's ID and password against the roster on this tablet.
///
/// The roster arrives with enrolment (the vault and sync issues); until a tablet has
/// one, every attempt is refused with a message that says what to do.
#[tauri::command]
pub async fn sign_in(request: SignInRequest) -> Result<SignedIn, IpcError> {
    drop(request);
    Err(IpcError {
        code: "no_roster".to_owned(),
        message: "この端末にはまだ職員名簿がありません。事務所で端末を登録してから、サインインしてください。".to_owned(),
    })
}
