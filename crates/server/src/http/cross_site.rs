//! The cross-site check every state-changing request passes, as one router layer, so
//! an endpoint added later is covered without doing anything.
//!
//! The session cookie is `SameSite=Strict`; this is the second wall, the algorithm of
//! Go's `http.CrossOriginProtection` (after Filippo Valsorda's "CSRF" write-up), which
//! needs no token:
//! - GET, HEAD and OPTIONS change nothing and pass;
//! - a browser that sends `Sec-Fetch-Site` (every current one) passes only with
//!   `same-origin` or `none` (the user's own navigation);
//! - otherwise an `Origin` must name this server's own authority;
//! - a request with neither header is not from a browser (a tablet, curl) and passes:
//!   it carries no ambient cookie a forged page could borrow.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppError;

/// Refuses a state-changing request a browser sent from another site.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if allowed(request.method(), request.uri(), request.headers()) {
        next.run(request).await
    } else {
        tracing::info!("cross-site request refused");
        AppError::client(
            StatusCode::FORBIDDEN,
            "cross_site_refused",
            "a request that changes data must come from the console's own page: this one came from another site (Sec-Fetch-Site / Origin)",
        )
        .into_response()
    }
}

/// The decision, apart from the plumbing.
pub fn allowed(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Some(own) = super::authority::of(uri, headers) else {
        return false;
    };
    origin
        .to_str()
        .ok()
        .and_then(|o| o.parse::<Uri>().ok())
        .and_then(|o| o.authority().cloned())
        .is_some_and(|theirs| theirs.as_str().eq_ignore_ascii_case(own.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, headers: &[(&str, &str)]) -> bool {
        let mut map = HeaderMap::new();
        map.insert("host", "127.0.0.1:8620".parse().expect("host"));
        for (k, v) in headers {
            map.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        allowed(
            &method,
            &"/api/v1/console/staff".parse().expect("uri"),
            &map,
        )
    }

    #[test]
    fn browsers_cross_site_writes_are_refused_and_the_rest_pass() {
        assert!(check(Method::POST, &[("sec-fetch-site", "same-origin")]));
        assert!(check(Method::POST, &[("sec-fetch-site", "none")]));
        assert!(!check(Method::POST, &[("sec-fetch-site", "cross-site")]));
        assert!(!check(Method::DELETE, &[("sec-fetch-site", "same-site")]));
        assert!(
            check(Method::GET, &[("sec-fetch-site", "cross-site")]),
            "reads change nothing"
        );
        assert!(
            !check(
                Method::POST,
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://127.0.0.1:8620")
                ]
            ),
            "Sec-Fetch-Site decides when it is there"
        );
        assert!(check(Method::POST, &[("origin", "https://127.0.0.1:8620")]));
        assert!(!check(Method::POST, &[("origin", "https://evil.example")]));
        assert!(!check(Method::PUT, &[("origin", "null")]));
        assert!(check(Method::POST, &[]), "no browser, no ambient cookie");
    }
}
