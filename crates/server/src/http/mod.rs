//! The HTTP shell around the routes: what every connection is held to (caps, timeouts),
//! and what every request passes before a handler sees it (its request id, the
//! cross-site check, the authority it names).

pub mod authority;
pub mod client;
pub mod connections;
pub mod cross_site;
pub mod drain;
pub mod request_id;
