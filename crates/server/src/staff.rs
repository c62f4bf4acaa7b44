//! Office staff accounts: one login per person, and the key pair that lets each
//! person open any tablet's vault.
//!
//! When a password is set, the server makes the staff member's X25519 key pair and
//! keeps the private key only wrapped under Argon2id(password); the roster sent to
//! tablets carries the ID, name, public key and that wrap. The login hash is separate
//! and never leaves the server.

use std::time::Duration;

use outreach_keys::{KdfParams, PasswordWrap, SecretKey, hash_login_password};

use crate::store::{Role, StaffAccount};

/// Why an account cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// The login ID has characters or a length that is not allowed.
    #[error("a staff ID is 1 to 32 letters, digits, '.', '_' or '-'")]
    BadId,
    /// The name is empty.
    #[error("the name must not be empty")]
    NoName,
    /// The password does not meet the password rule.
    #[error(transparent)]
    WeakPassword(#[from] outreach_keys::WeakPassword),
    /// The key or wrap could not be written as JSON.
    #[error("could not encode the key material")]
    Encode,
    /// The current password does not open the account's key.
    #[error("the current password is wrong")]
    WrongPassword,
    /// Key generation or hashing failed.
    #[error("key: {0}")]
    Key(#[from] outreach_keys::KeyError),
}

/// A login hash of no one's password, checked when a console sign-in names an unknown
/// staff ID, so that answer takes as long as a wrong password.
pub static DUMMY_LOGIN_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_login_password("no such staff member").unwrap_or_default());

/// Makes an account with its login hash, key pair and password wrap. `kdf` is the
/// wrap's cost: [`calibrated_kdf`] for real accounts. The password must meet
/// [`outreach_keys::check_new_password`].
pub fn new_account(
    staff_id: &str,
    name: &str,
    role: Role,
    password: &str,
    kdf: KdfParams,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<StaffAccount, StaffError> {
    let id_ok = (1..=32).contains(&staff_id.len())
        && staff_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !id_ok {
        return Err(StaffError::BadId);
    }
    if name.trim().is_empty() {
        return Err(StaffError::NoName);
    }
    outreach_keys::check_new_password(password, staff_id, name)?;
    let key = SecretKey::generate()?;
    let wrap = PasswordWrap::wrap(&key, password, kdf, staff_id.as_bytes())?;
    let public_key = match serde_json::to_value(key.public_key()) {
        Ok(serde_json::Value::String(b64)) => b64,
        _ => return Err(StaffError::Encode),
    };
    let key_wrap = serde_json::to_string(&wrap).map_err(|_| StaffError::Encode)?;
    Ok(StaffAccount {
        staff_id: staff_id.to_owned(),
        name: name.trim().to_owned(),
        role,
        password_hash: hash_login_password(password)?,
        public_key,
        key_wrap,
        created_at: now.to_rfc3339(),
        disabled: false,
    })
}

/// The wrap cost for real accounts: at least RFC 9106's second profile, raised until
/// one unlock takes 0.3 s on this machine (tablets are rarely faster than the server).
pub fn calibrated_kdf() -> Result<KdfParams, StaffError> {
    Ok(KdfParams::calibrated(Duration::from_millis(300))?.0)
}

/// A password change: the same key pair, a new wrap of its private key under the new
/// password, and a new login hash. Returns `(password_hash, key_wrap_json)`. The
/// current password must open the current wrap: the server never holds the key in
/// the clear, so it cannot re-wrap it otherwise.
pub fn change_password(
    account: &StaffAccount,
    current: &str,
    new: &str,
    kdf: KdfParams,
) -> Result<(String, String), StaffError> {
    outreach_keys::check_new_password(new, &account.staff_id, &account.name)?;
    let wrap: PasswordWrap =
        serde_json::from_str(&account.key_wrap).map_err(|_| StaffError::Encode)?;
    let key = wrap
        .unwrap(current, account.staff_id.as_bytes())
        .map_err(|e| match e {
            outreach_keys::KeyError::WrongPassword => StaffError::WrongPassword,
            other => StaffError::Key(other),
        })?;
    let new_wrap = PasswordWrap::wrap(&key, new, kdf, account.staff_id.as_bytes())?;
    Ok((
        hash_login_password(new)?,
        serde_json::to_string(&new_wrap).map_err(|_| StaffError::Encode)?,
    ))
}
