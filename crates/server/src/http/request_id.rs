//! Request ids: a client's `X-Request-Id` is kept only when it is short and of a safe
//! alphabet; anything else is dropped, and a new one is made (tower-http's
//! `SetRequestIdLayer` with UUIDs). The id is written into every log line of the
//! request, so what a client sends must not be able to forge or flood a line.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};

/// The header.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client request id kept.
pub const MAX_LEN: usize = 64;

/// Whether a client's request id is kept: 1 to [`MAX_LEN`] of `A-Z a-z 0-9 . _ -`.
pub fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_LEN).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Removes the request's `X-Request-Id` unless it is one [`acceptable`] value.
pub async fn drop_unacceptable(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut values = headers.get_all(&HEADER).iter();
    let keep = match (values.next(), values.next()) {
        (None, _) => true,
        (Some(v), None) => acceptable(v),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        headers.remove(&HEADER);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_ids_of_a_safe_alphabet_are_kept() {
        let ok = |s: &str| acceptable(&HeaderValue::from_str(s).expect("header value"));
        assert!(ok("0b6f3c1e-7a2d-4c1b-9f8e-123456789abc"));
        assert!(ok("tablet-3.sync_17"));
        assert!(!ok(""), "empty");
        assert!(!ok(&"a".repeat(MAX_LEN + 1)), "too long");
        assert!(!ok("x records batch held device=d1"), "spaces");
        assert!(!ok("x\"}"), "quotes and braces");
        assert!(!acceptable(
            &HeaderValue::from_bytes(b"caf\xc3\xa9").expect("obs-text")
        ));
    }
}
