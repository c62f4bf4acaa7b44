//! The Outreach office server.
//!
//! A library (`app(state) -> Router`, so tests drive it without a socket or on a free
//! loopback port) and a thin binary, `outreach-server`. Storage is behind
//! [`store::Store`]: embedded SQLite by default, PostgreSQL with `--database-url`.

pub mod api;
pub mod auth;
pub mod cards;
pub mod error;
pub mod migrations;
pub mod office;
pub mod pickup;
pub mod recovery;
pub mod reports;
pub mod staff;
pub mod store;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use outreach_keys::KdfParams;
use outreach_protocol::{API_PREFIX, API_VERSION, API_VERSION_HEADER};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
use store::Store;

/// The server's build version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest JSON body accepted (a full batch of records); photos arrive over tus,
/// whose handler enforces each upload's declared length itself.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<Store>,
    /// `sha256/<base64>` of the TLS certificate's public key, carried in enrolment
    /// codes; `None` when serving plain HTTP behind a TLS-terminating proxy.
    pub spki_pin: Option<String>,
    /// The URL tablets use, when the operator configured one (`--public-url`).
    pub public_url: Option<String>,
    /// Argon2id cost of the password wraps made for new staff accounts.
    pub staff_kdf: KdfParams,
    /// Failed console sign-ins, for the back-off.
    pub login_throttle: Arc<api::console::LoginThrottle>,
    /// The built web console (`ui/dist`: `console.html` and `assets/`), served at
    /// `/console` when set.
    pub console_dir: Option<std::path::PathBuf>,
}

impl AppState {
    /// State over `store` with no TLS pin, no public URL, and `staff_kdf` for new
    /// accounts' wraps.
    pub fn new(store: Arc<Store>, staff_kdf: KdfParams) -> Self {
        Self {
            store,
            spki_pin: None,
            public_url: None,
            staff_kdf,
            login_throttle: Arc::default(),
            console_dir: None,
        }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (api, _) = api::router();
    let console = state.console_dir.clone().map(console_site);
    let mut router = Router::new().nest(API_PREFIX, api);
    if let Some(site) = console {
        router = router.merge(site);
    }
    router
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
                .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT)),
        )
}

/// The Content-Security-Policy of the console: only its own scripts, styles, fonts
/// and API; photos come from the API too (`blob:` for downloads made in the page:
/// the 交付通知書 PDF arrives from a POST, which marks the notices sent, and is kept
/// in the page as a blob to open, print and save again without printing anew).
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' blob:; connect-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The web console's files: `/console` is `console.html`, `/assets/…` its scripts,
/// styles and fonts, all with a strict CSP and no framing.
fn console_site(dir: std::path::PathBuf) -> Router<AppState> {
    use tower_http::services::{ServeDir, ServeFile};
    let page = ServeFile::new(dir.join("console.html"));
    // The page is checked on every load (a new build takes effect at once); the assets'
    // names carry their content hash, so they never change and can be kept.
    let page = Router::new()
        .route_service("/console", page.clone())
        .route_service("/console/", page)
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    let assets = Router::new()
        .nest_service("/assets", ServeDir::new(dir.join("assets")))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ));
    page.merge(assets)
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CONSOLE_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
}

/// Deletes abandoned uploads every ten minutes (tus expiration extension).
pub fn spawn_housekeeping(store: Arc<Store>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            match store
                .expire_uploads(&store::timestamp(chrono::Utc::now()))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(uploads = n, "expired abandoned uploads"),
                Err(e) => tracing::warn!(error = %e, "expiring uploads failed"),
            }
        }
    })
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

/// Serves `app` over HTTPS (HTTP/2 or HTTP/1.1 by ALPN) on `listener` with `tls`
/// until `shutdown` completes, then lets requests in flight finish, like [`serve`].
/// A client that fails its handshake (e.g. one speaking plain HTTP) loses only its
/// own connection.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: tls::TlsMaterial,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tls::TlsError> {
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(
        axum_server::tls_rustls::RustlsConfig::from_config(tls.server_config()?),
    )
    .handshake_timeout(Duration::from_secs(10));
    let handle = axum_server::Handle::<std::net::SocketAddr>::new();
    let stopper = tokio::spawn({
        let handle = handle.clone();
        async move {
            shutdown.await;
            handle.graceful_shutdown(None);
        }
    });
    let served = axum_server::Server::from_listener(listener)
        .acceptor(acceptor)
        .handle(handle)
        .accept_error_handler(|_peer, e| {
            // A failed handshake is the client's business (a plain-HTTP request, a
            // tablet with another pin): logged, and the server goes on.
            tracing::debug!(error = %e, "TLS connection not accepted");
        })
        .serve(app(state).into_make_service())
        .await;
    stopper.abort();
    served.map_err(tls::TlsError::Serve)
}
