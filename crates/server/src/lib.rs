//! The Outreach office server.
//!
//! A library (`app(state) -> Router`, so tests drive it without a socket or on a free
//! loopback port) and a thin binary, `outreach-server`. Storage is behind
//! [`store::Store`]: embedded SQLite by default, PostgreSQL with `--database-url`.

pub mod api;
pub mod auth;
pub mod cards;
pub mod error;
pub mod http;
pub mod migrations;
pub mod office;
pub mod photo_file;
pub mod pickup;
pub mod recovery;
pub mod reports;
pub mod sign_in;
pub mod staff;
pub mod store;
pub mod tls;
pub mod totp;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum_server::accept::DefaultAcceptor;
use http::connections::{Gate, GatedAcceptor, Limits};
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
    /// The host names and IP addresses the TLS certificate names (empty under plain
    /// HTTP): an enrolment code names the server only by one of them.
    pub certificate_names: Vec<String>,
    /// The URL tablets use, when the operator configured one (`--public-url`).
    pub public_url: Option<String>,
    /// Argon2id cost of the password wraps made for new staff accounts.
    pub staff_kdf: KdfParams,
    /// How many failed password and code checks are allowed (counted in the database).
    pub sign_in_limits: sign_in::SignInLimits,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`); empty:
    /// the socket peer is the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The most a device's unfinished uploads may declare in total, bytes.
    pub upload_space: i64,
    /// A console session ends after this long without use (beside its lifetime).
    pub console_idle: chrono::Duration,
    /// How long a device credential works (`--credential-days`); tablets renew it
    /// once half of it has passed.
    pub credential_lifetime: chrono::Duration,
    /// Places for Argon2 work (sign-ins, password changes, new accounts), a few per
    /// core, so memory in use stays bounded however many arrive at once.
    pub password_checks: auth::PasswordChecks,
    /// The server's data folder (the SQLite database's, and its certificate's): `/health`
    /// checks that a file can still be written there.
    pub data_dir: Option<std::path::PathBuf>,
    /// The built web console (`ui/dist`: `console.html` and `assets/`), served at
    /// `/console` when set.
    pub console_dir: Option<std::path::PathBuf>,
    /// The clock every handler reads (a manual one in tests).
    pub clock: outreach_domain::clock::Clock,
}

impl AppState {
    /// State over `store` with no TLS pin, no public URL, and `staff_kdf` for new
    /// accounts' wraps.
    pub fn new(store: Arc<Store>, staff_kdf: KdfParams) -> Self {
        Self {
            store,
            spki_pin: None,
            certificate_names: Vec::new(),
            public_url: None,
            staff_kdf,
            sign_in_limits: sign_in::SignInLimits::default(),
            trusted_proxies: Arc::new([]),
            upload_space: DEFAULT_UPLOAD_SPACE,
            console_idle: chrono::Duration::minutes(30),
            credential_lifetime: chrono::Duration::days(DEFAULT_CREDENTIAL_DAYS),
            password_checks: auth::PasswordChecks::default(),
            data_dir: None,
            console_dir: None,
            clock: outreach_domain::clock::Clock::system(),
        }
    }
}

/// How many days a device credential works by default: half a contract year, so a
/// tablet renews it (at half its life) at least once a quarter.
pub const DEFAULT_CREDENTIAL_DAYS: i64 = 180;

/// The most a device's unfinished uploads may declare in total by default: 512 MiB,
/// room for a day's photos many times over.
pub const DEFAULT_UPLOAD_SPACE: i64 = 512 * 1024 * 1024;

/// `Strict-Transport-Security` on HTTPS responses: a year, this host only (the server is
/// often reached by IP address or a LAN name that other hosts share a domain with).
pub const HSTS: &str = "max-age=31536000";

/// The whole HTTP application.
///
/// Every response says `nosniff`; API responses are `Cache-Control: no-store` unless
/// the handler says otherwise (they carry residents' data); HTTPS responses carry
/// [`HSTS`]. Every state-changing request passes [`http::cross_site`].
pub fn app(state: AppState) -> Router {
    let (api, _) = api::router();
    let api = api.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    let hsts = state
        .spki_pin
        .is_some()
        .then(|| HeaderValue::from_static(HSTS));
    let console = state.console_dir.clone().map(console_site);
    let trusted = state.trusted_proxies.clone();
    let mut router = Router::new().nest(API_PREFIX, api);
    if let Some(site) = console {
        router = router.merge(site);
    }
    router
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::map_request(
                    http::request_id::drop_unacceptable,
                ))
                .layer(SetRequestIdLayer::new(http::request_id::HEADER, MakeRequestUuid))
                // The client address, found once, for the log span, handlers and the audit.
                .layer(axum::middleware::from_fn_with_state(trusted, http::client::remember))
                // Only method, path, request id and client address are logged: never a
                // query string, body or header value, which could carry personal data.
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&http::request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    let client = req.extensions().get::<http::client::ClientAddr>().and_then(|c| c.0).map_or_else(|| "-".to_owned(), |c| c.to_string());
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, client = %client)
                }))
                .layer(PropagateRequestIdLayer::new(http::request_id::HEADER))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static(API_VERSION_HEADER),
                    HeaderValue::from_static(API_VERSION),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::STRICT_TRANSPORT_SECURITY,
                    move |_: &axum::http::Response<_>| hsts.clone(),
                ))
                .layer(axum::middleware::from_fn(http::cross_site::refuse_cross_site))
                .layer(axum::middleware::from_fn(http::drain::finish_request_body))
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
            let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
            if let Err(e) = store.prune_throttle(&store::timestamp(day_ago)).await {
                tracing::warn!(error = %e, "pruning sign-in counts failed");
            }
        }
    })
}

/// Serves `app` over plain HTTP on `listener` with the default [`Limits`] until
/// `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, None, Limits::default(), shutdown)
        .await
        .map_err(|e| match e {
            tls::TlsError::Serve(e) => e,
            other => std::io::Error::other(other),
        })
}

/// Serves `app` over HTTPS (HTTP/2 or HTTP/1.1 by ALPN) on `listener` with `tls` and
/// the default [`Limits`], like [`serve`]. A client that fails its handshake (e.g. one
/// speaking plain HTTP) loses only its own connection.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: tls::TlsMaterial,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tls::TlsError> {
    serve_with(listener, state, Some(tls), Limits::default(), shutdown).await
}

/// Serves `app` on `listener`, over HTTPS when `tls` is given (the state then takes
/// its pin and names), with every connection held to `limits`: the caps in total and
/// per address, the header-read, first-request, idle and handshake timeouts. Runs
/// until `shutdown` completes, then lets requests in flight finish.
pub async fn serve_with(
    listener: TcpListener,
    mut state: AppState,
    tls: Option<tls::TlsMaterial>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tls::TlsError> {
    if let Some(material) = &tls {
        state.spki_pin = Some(material.spki_pin().to_owned());
        state.certificate_names = material.names();
    }
    let gate = Gate::new(&limits);
    let handle = axum_server::Handle::<SocketAddr>::new();
    let stopper = tokio::spawn({
        let handle = handle.clone();
        async move {
            shutdown.await;
            handle.graceful_shutdown(None);
        }
    });
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let gated = GatedAcceptor::new(DefaultAcceptor::new(), gate, &limits);
    let server = axum_server::Server::from_listener(listener);
    let served = match tls {
        Some(material) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(
                axum_server::tls_rustls::RustlsConfig::from_config(material.server_config()?),
            )
            .handshake_timeout(limits.tls_handshake_timeout)
            .acceptor(gated);
            held_to(server.acceptor(acceptor), &limits, handle)
                .serve(service)
                .await
        }
        None => {
            held_to(server.acceptor(gated), &limits, handle)
                .serve(service)
                .await
        }
    };
    stopper.abort();
    served.map_err(tls::TlsError::Serve)
}

/// hyper's side of [`Limits`], and what happens to a connection that is not accepted.
fn held_to<A>(
    mut server: axum_server::Server<SocketAddr, A>,
    limits: &Limits,
    handle: axum_server::Handle<SocketAddr>,
) -> axum_server::Server<SocketAddr, A> {
    server
        .http_builder()
        .http1()
        .header_read_timeout(limits.header_read_timeout);
    server.http_builder().http2().max_concurrent_streams(64);
    server
        .first_request_timeout(limits.first_request_timeout)
        .handle(handle)
        .accept_error_handler(|_peer, e| {
            // A refused or failed connection is the client's business (over a cap, a
            // plain-HTTP request to the TLS port, a tablet with another pin): logged,
            // and the server goes on.
            tracing::debug!(error = %e, "connection not accepted");
        })
}
