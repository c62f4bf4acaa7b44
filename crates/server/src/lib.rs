//! The Outreach office server.
//!
//! A library (`app(state) -> Router`, so tests drive it without a socket or on a free
//! loopback port) and a thin binary, `outreach-server`. Storage is behind
//! [`store::Store`]: embedded SQLite by default, PostgreSQL with `--database-url`.

pub mod error;
pub mod migrations;
pub mod staff;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::get;
use axum::{Json, Router};
use outreach_protocol::{API_PREFIX, API_VERSION, API_VERSION_HEADER, Health};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
use store::Store;

/// The server's build version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest request body accepted by default (photos arrive over tus in chunks).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest(API_PREFIX, api())
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                // Only method, path and request id are logged: never a query string,
                // body or header value, which could carry personal data.
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static(API_VERSION_HEADER),
                    HeaderValue::from_static(API_VERSION),
                ))
                .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(60),
                )),
        )
}

fn api() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    let schema_version = state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        version: VERSION.to_owned(),
        api_version: API_VERSION.to_owned(),
        storage: state.store.kind(),
        schema_version,
    }))
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
