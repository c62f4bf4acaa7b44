//! The authority (host and port) a request names: over HTTP/2 the `:authority`
//! pseudo-header, which hyper puts in the URI (RFC 9113 §8.3.1: clients send it instead
//! of `Host`); over HTTP/1.1 the `Host` header, or an absolute-form target's authority.

use std::net::IpAddr;

use axum::http::uri::Authority;
use axum::http::{HeaderMap, Uri, header};

/// The request's authority, if it names a usable one (no user info, a host that is a
/// DNS name or an IP literal).
pub fn of(uri: &Uri, headers: &HeaderMap) -> Option<Authority> {
    let authority = match uri.authority() {
        Some(a) => a.clone(),
        None => headers
            .get(header::HOST)?
            .to_str()
            .ok()?
            .parse::<Authority>()
            .ok()?,
    };
    let host = authority.host();
    let plausible = !authority.as_str().contains('@')
        && !host.is_empty()
        && (bare_ip(host).is_some()
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    plausible.then_some(authority)
}

/// An IP literal host (`127.0.0.1`, `[::1]`) as an address.
fn bare_ip(host: &str) -> Option<IpAddr> {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()
}

/// Whether a certificate naming `names` (DNS names, lowercase, `*.` wildcards for one
/// label; IP addresses) covers the authority's host.
pub fn named_by(authority: &Authority, names: &[String]) -> bool {
    let host = authority.host();
    if let Some(ip) = bare_ip(host) {
        return names
            .iter()
            .filter_map(|n| n.parse::<IpAddr>().ok())
            .any(|n| n == ip);
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|name| {
        let name = name.to_ascii_lowercase();
        match name.strip_prefix("*.") {
            Some(parent) => host
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
            None => host == name,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(uri: &str, host: Option<&str>) -> Option<String> {
        let uri: Uri = uri.parse().expect("uri");
        let mut headers = HeaderMap::new();
        if let Some(h) = host {
            headers.insert(header::HOST, h.parse().expect("header"));
        }
        of(&uri, &headers).map(|a| a.to_string())
    }

    #[test]
    fn the_uri_authority_wins_and_host_is_the_fallback() {
        assert_eq!(
            authority("https://office.example:8620/x", Some("evil.example")).as_deref(),
            Some("office.example:8620"),
            "HTTP/2's :authority (in the URI) is the request's authority"
        );
        assert_eq!(
            authority("/x", Some("127.0.0.1:8620")).as_deref(),
            Some("127.0.0.1:8620")
        );
        assert_eq!(authority("/x", None), None);
        assert_eq!(authority("/x", Some("user@host")), None, "no user info");
        assert_eq!(authority("/x", Some("a_b\"c")), None);
        assert_eq!(
            authority("/x", Some("[::1]:8620")).as_deref(),
            Some("[::1]:8620")
        );
    }

    #[test]
    fn certificate_names_cover_exact_hosts_ips_and_one_wildcard_label() {
        let names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            "*.city.example".to_owned(),
        ];
        let covered = |a: &str| named_by(&a.parse().expect("authority"), &names);
        assert!(covered("localhost:8620"));
        assert!(covered("LOCALHOST"));
        assert!(covered("127.0.0.1:8620"));
        assert!(covered("[::1]:8620"));
        assert!(covered("outreach.city.example"));
        assert!(!covered("a.b.city.example"), "a wildcard covers one label");
        assert!(!covered("city.example"));
        assert!(!covered("evil.example:8620"));
        assert!(!covered("127.0.0.2:8620"));
    }
}
