//! The tablet's sync engine.
//!
//! Reachability is probed against the office server itself, never inferred from the
//! network type: a pocket Wi-Fi hotspot looks like any metered Wi-Fi, and a captive
//! portal answers HTTP without being our server.

pub mod api;
pub mod audit;
pub mod engine;
pub mod enrol;
pub mod office;
pub mod pin;
pub mod renew;
pub mod schedule;

use std::time::Duration;

use outreach_protocol::{API_PREFIX, API_VERSION_HEADER, Health, compatible};

/// What a probe of the office server found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reachability {
    /// The server answered its health check with a compatible API version.
    Reachable(Health),
    /// Something answered, but it is not a compatible Outreach server.
    Incompatible {
        /// What the server announced (empty when it announced nothing).
        server_api_version: String,
    },
    /// Nothing usable answered; the reason is for the log and the sync panel.
    Unreachable(String),
}

/// The HTTP client used for everything the tablet says to the office.
#[derive(Debug, Clone)]
pub struct OfficeClient {
    http: reqwest::Client,
    base: String,
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// reqwest refused the configuration.
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// The pin is malformed or its TLS configuration was refused.
    #[error(transparent)]
    Pin(#[from] pin::PinError),
}

impl OfficeClient {
    /// A client for the office server at `base` (e.g. `https://10.0.0.5:8620`).
    /// `timeout` bounds every request, so a stalled link never hangs the engine.
    pub fn new(base: &str, timeout: Duration) -> Result<Self, ClientError> {
        // reqwest is built without a default crypto provider (aws-lc-rs is a C
        // build); ring is ours. A second install in one process is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = builder(timeout).build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// A client that talks only to the office server whose key has the SPKI `pin`
    /// from enrolment (`sha256/…`, see [`pin`]), whatever its certificate says about
    /// names, issuers or dates. `base` is `https://…`.
    pub fn new_pinned(base: &str, pin: &str, timeout: Duration) -> Result<Self, ClientError> {
        let tls = pin::pinned_client_config(pin)?;
        let http = builder(timeout).tls_backend_preconfigured(tls).build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// Asks the server for its health; never fails, the answer says what was found.
    pub async fn probe(&self) -> Reachability {
        let url = format!("{}{API_PREFIX}/health", self.base);
        let response = match self.http.get(&url).send().await {
            Ok(r) => r,
            Err(e) => return Reachability::Unreachable(describe(&e)),
        };
        let announced = response
            .headers()
            .get(API_VERSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !compatible(&announced) {
            return Reachability::Incompatible {
                server_api_version: announced,
            };
        }
        if !response.status().is_success() {
            return Reachability::Unreachable(format!("server answered {}", response.status()));
        }
        match response.json::<Health>().await {
            Ok(h) => Reachability::Reachable(h),
            Err(e) => Reachability::Unreachable(format!("unreadable health answer: {e}")),
        }
    }
}

fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("outreach-tablet/", env!("CARGO_PKG_VERSION")))
}

/// The TLS failure behind a connection error, if there is one: a wrong pin reads as
/// such, not as "connection refused".
fn tls_failure(e: &reqwest::Error) -> Option<String> {
    fn find<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // io::Error hides the error it wraps from source(): look inside.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && let Some(tls) = find(inner)
        {
            return Some(tls);
        }
        e.source().and_then(find)
    }
    std::error::Error::source(e)
        .and_then(find)
        .map(describe_tls)
}

fn describe_tls(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))
            if other.0.is::<pin::PinMismatch>() =>
        {
            pin::PinMismatch.to_string()
        }
        other => format!("TLS: {other}"),
    }
}

pub(crate) fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if let Some(tls) = tls_failure(e) {
        tls
    } else if e.is_connect() {
        "connection refused or no route".to_owned()
    } else {
        e.to_string()
    }
}
