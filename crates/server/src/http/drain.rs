//! Over HTTP/2, a refusal sent before the request body has arrived (a 401 before the
//! credential is even looked at, a 413 or 409 before a tus PATCH's bytes are read)
//! must reach the client as its status.
//!
//! h2 answers such an early response correctly by the RFC (RFC 9113 §8.1): the
//! response, then `RST_STREAM(NO_ERROR)` to stop the upload. Clients do not all
//! honour that: curl 7.88 (Debian 12's) reports "HTTP/2 stream was not closed
//! cleanly" and drops the response it has (hyper's client honours it since hyper#3275).
//! So before an HTTP/2 response leaves, whatever the handler left of the request body
//! is read and thrown away, up to [`DRAIN_BYTES`] and [`DRAIN_TIME`]: the client's
//! stream then ends first and no reset is needed. Past either bound the reset is sent,
//! as before.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::Version;
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;

/// The most of a refused request's body read and discarded: a whole photo.
pub const DRAIN_BYTES: usize = outreach_protocol::tus::TUS_MAX_SIZE as usize + 64 * 1024;
/// The longest a response waits for the rest of a refused request's body.
pub const DRAIN_TIME: Duration = Duration::from_secs(5);

/// A request body the handler and this layer share: the handler reads what it wants,
/// and this layer reads the rest.
struct Shared(Arc<Mutex<Body>>);

impl http_body::Body for Shared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Pin::new(&mut *body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).size_hint()
    }
}

/// Reads the rest of an HTTP/2 request's body before its response is sent.
pub async fn finish_request_body(request: Request, next: Next) -> Response {
    if request.version() != Version::HTTP_2 {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if http_body::Body::is_end_stream(&body) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let shared = Arc::new(Mutex::new(body));
    let response = next
        .run(Request::from_parts(
            parts,
            Body::new(Shared(shared.clone())),
        ))
        .await;
    let mut rest = Body::new(Shared(shared));
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0usize;
        while let Some(Ok(frame)) = rest.frame().await {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > DRAIN_BYTES {
                break;
            }
        }
    })
    .await;
    response
}
