//! Who is calling: a tablet with its device credential, or an office staff member
//! with a console session.
//!
//! Secrets (credentials, session tokens, enrolment codes) are random 256-bit values;
//! the database holds only their SHA-256, so a copy of the database lets no one act
//! as a tablet or a staff member.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use outreach_protocol::console::SESSION_COOKIE;
use sha2::{Digest, Sha256};

use crate::store::{Actor, Device, Role, StaffAccount, timestamp};
use crate::{AppError, AppState};

/// A new random secret: 32 bytes, base64url without padding (43 characters).
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Lowercase hex SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A 43-character base64url secret, the only shape a credential or token has:
/// anything else is refused before the database is asked.
fn plausible_secret(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How long a request waits for a place for Argon2 work before it is told to come back.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Places for Argon2 work: a sign-in's verification, a password change, a new account.
/// Each holds 64 MiB (or more, for a calibrated wrap) while it runs, so only a few per
/// core run at once; a request that finds no place within two seconds is answered
/// 503 `busy` with `Retry-After`, and the memory in use stays bounded by
/// [`PasswordChecks::slots`] × the cost of one, however many arrive.
#[derive(Debug, Clone)]
pub struct PasswordChecks {
    places: std::sync::Arc<tokio::sync::Semaphore>,
    slots: usize,
}

impl Default for PasswordChecks {
    /// Two places per core.
    fn default() -> Self {
        Self::with_slots(Self::per_core())
    }
}

impl PasswordChecks {
    /// Two places per core (at least two).
    pub fn per_core() -> usize {
        std::thread::available_parallelism()
            .map_or(2, |n| n.get() * 2)
            .max(2)
    }

    /// `slots` places.
    pub fn with_slots(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            places: std::sync::Arc::new(tokio::sync::Semaphore::new(slots)),
            slots,
        }
    }

    /// How many places there are.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Runs `work` on a blocking thread once a place is free. The place is held until
    /// `work` ends, even when the client has gone: the memory is in use until then.
    ///
    /// # Errors
    /// [`AppError::Busy`] when no place came free in time.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let place = tokio::time::timeout(PASSWORD_CHECK_WAIT, self.places.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Busy)?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(place);
            result
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// An enrolled, unrevoked tablet with an unexpired credential.
#[derive(Debug, Clone)]
pub struct DeviceAuth(pub Device);

impl DeviceAuth {
    /// For the audit trail.
    pub fn actor(&self) -> Actor {
        Actor::Device(self.0.device_id.clone())
    }
}

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized("credential_missing"))?;
        let credential = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or(AppError::Unauthorized("credential_missing"))?;
        if !plausible_secret(credential) {
            return Err(AppError::Unauthorized("credential_invalid"));
        }
        let now = timestamp(state.clock.now());
        let device = state
            .store
            .device_by_credential(&secret_hash(credential), &now)
            .await?
            .ok_or(AppError::Unauthorized("credential_invalid"))?;
        if device.revoked_at.is_some() {
            return Err(AppError::Unauthorized("device_revoked"));
        }
        if device.credential_expires_at <= now {
            return Err(AppError::Unauthorized("credential_expired"));
        }
        Ok(DeviceAuth(device))
    }
}

/// A signed-in office staff member.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// The account.
    pub account: StaffAccount,
    /// Hash of the session token (to sign out).
    pub token_hash: String,
}

impl StaffSession {
    /// For the audit trail.
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.account.staff_id.clone())
    }

    /// Refuses anyone but a supervisor.
    pub fn require_supervisor(&self) -> Result<(), AppError> {
        if self.account.role == Role::Supervisor {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

/// The session token from the request's cookies, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(parts).ok_or(AppError::Unauthorized("session_missing"))?;
        if !plausible_secret(&token) {
            return Err(AppError::Unauthorized("session_missing"));
        }
        let token_hash = secret_hash(&token);
        let now = state.clock.now();
        let (account, last_used) = state
            .store
            .session_staff(
                &token_hash,
                &timestamp(now),
                &timestamp(now - state.console_idle),
            )
            .await?
            .ok_or(AppError::Unauthorized("session_missing"))?;
        // The idle timeout counts in minutes, so a session's use is written at most
        // once a minute, not on every request.
        if last_used < timestamp(now - chrono::Duration::minutes(1)) {
            state
                .store
                .touch_session(&token_hash, &timestamp(now))
                .await?;
        }
        Ok(StaffSession {
            account,
            token_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_43_url_safe_characters_and_differ() {
        let (a, b) = (new_secret().expect("random"), new_secret().expect("random"));
        assert!(plausible_secret(&a) && plausible_secret(&b));
        assert_ne!(a, b, "two secrets are never the same");
        assert_eq!(secret_hash(&a).len(), 64);
        assert!(!plausible_secret("../../etc/passwd"));
    }
}
