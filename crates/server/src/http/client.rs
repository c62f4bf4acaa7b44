//! The client's address: the socket peer, or, when the peer is a configured trusted
//! proxy (`--trusted-proxy`, for a TLS-terminating proxy in front of `--plain-http`),
//! the nearest address in `X-Forwarded-For` that is not one. Without a trusted proxy,
//! `X-Forwarded-For` is ignored: anyone can send it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// The client address of a request, as [`of`] found it; `None` without a socket peer
/// (a router driven without one, as some tests do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client address of a request whose peer is `peer`.
pub fn of(
    req_headers: &axum::http::HeaderMap,
    peer: Option<IpAddr>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Each proxy appends the address it received from: read from the right, past the
    // trusted ones. Anything unparsable ends the walk at the last trusted hop.
    let hops: Vec<&str> = req_headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => nearest = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(nearest)
}

/// The peer of a request, from the connection info the server attaches.
pub fn peer(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Notes the client address on the request (for handlers: [`ClientAddr`]) and for the
/// audit trail of everything the request does.
pub async fn remember(
    State(trusted): State<Arc<[IpAddr]>>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = of(req.headers(), peer(&req), &trusted);
    req.extensions_mut().insert(ClientAddr(client));
    crate::store::AUDIT_CLIENT
        .scope(client.map(|c| c.to_string()), next.run(req))
        .await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .unwrap_or(ClientAddr(None)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 10.0.0.2".parse().expect("header"),
        );
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let peer: IpAddr = "10.0.0.1".parse().expect("ip");
        assert_eq!(
            of(&h, Some(peer), &[]),
            Some(peer),
            "no trusted proxy: the peer"
        );
        assert_eq!(
            of(&h, Some(peer), &[peer, proxy]),
            Some("203.0.113.9".parse().expect("ip")),
            "past every trusted hop"
        );
        h.insert("x-forwarded-for", "junk".parse().expect("header"));
        assert_eq!(of(&h, Some(peer), &[peer]), Some(peer));
    }
}
