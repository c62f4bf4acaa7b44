//! Limits on password guessing (issue 24): before any password (or TOTP code) is
//! checked, a failure is reserved in the database under the staff ID (the lockout),
//! the client address and the whole server; a key at its limit answers 429 with
//! `Retry-After` before any Argon2 work. A check that passes gives its reservation
//! back, and a sign-in clears its staff ID's count.

use std::net::IpAddr;

use crate::store::Limit;
use crate::{AppError, AppState};

/// How many failed checks are allowed, per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Per staff ID (the lockout).
    pub per_id: i64,
    /// Per client address (spraying across staff IDs, which every roster lists).
    pub per_address: i64,
    /// The whole server (many addresses).
    pub overall: i64,
    /// The window, seconds.
    pub window: i64,
}

impl Default for SignInLimits {
    /// 5 per ID, 30 per address, 300 overall, in 15 minutes.
    fn default() -> Self {
        Self {
            per_id: 5,
            per_address: 30,
            overall: 300,
            window: 15 * 60,
        }
    }
}

/// A failure reserved for one check.
#[derive(Debug)]
#[must_use = "a check that passes gives its reservation back"]
pub struct Reserved {
    /// The keys reserved under, the staff ID's first.
    keys: Vec<String>,
}

/// Reserves a failure for a check of `staff_id`'s password or code from `client`.
///
/// # Errors
/// 429 `too_many_attempts` with `Retry-After` when a limit is reached.
pub async fn reserve(
    state: &AppState,
    staff_id: &str,
    client: Option<IpAddr>,
) -> Result<Reserved, AppError> {
    let l = state.sign_in_limits;
    let address = client.map(|ip| (format!("ip:{ip}"), l.per_address));
    let limits: Vec<Limit> = std::iter::once((format!("id:{staff_id}"), l.per_id))
        .chain(address)
        .chain([("all".to_owned(), l.overall)])
        .map(|(key, failures)| Limit {
            key,
            failures,
            window: l.window,
        })
        .collect();
    let keys = limits.iter().map(|l| l.key.clone()).collect();
    match state
        .store
        .reserve_failure(limits, state.clock.now())
        .await?
    {
        Ok(()) => Ok(Reserved { keys }),
        Err(wait) => {
            tracing::warn!(wait, "sign-in attempts at their limit");
            Err(AppError::TooManyAttempts(u64::try_from(wait).unwrap_or(1)))
        }
    }
}

impl Reserved {
    /// The check passed and the person is in: the staff ID's count starts again.
    pub async fn succeeded(self, state: &AppState) -> Result<(), AppError> {
        let mut others = self.keys;
        let id = others.remove(0);
        Ok(state.store.release_failure(others, vec![id]).await?)
    }

    /// The check passed but is not a sign-in yet (the TOTP code is still to come):
    /// the reservation is given back, the count stays.
    pub async fn passed(self, state: &AppState) -> Result<(), AppError> {
        Ok(state.store.release_failure(self.keys, Vec::new()).await?)
    }

    /// The check failed: the reservation stands as the failure.
    pub fn failed(self) {}
}
