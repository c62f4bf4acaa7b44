//! Trusting exactly the enrolled office server: SPKI pinning.
//!
//! The enrolment QR code carries the pin of the office server's key: `sha256/`
//! followed by the standard base64 of the SHA-256 of its certificate's DER
//! SubjectPublicKeyInfo (the form of HPKP and `curl --pinnedpubkey`). The tablet
//! accepts a server exactly when its end-entity certificate carries that key. No
//! certificate authority, host name or validity period is consulted: the office
//! server makes its own certificate, is reached by IP address on a pocket router
//! as often as by name, and the pin from the office's own screen is a stronger
//! anchor than any of them. The handshake signatures are still verified (with the
//! ring provider's algorithms), so only the holder of the pinned private key passes.

use std::sync::Arc;

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix of a pin.
pub const PIN_PREFIX: &str = "sha256/";

/// Why a pin or a pinned configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// The pin is not `sha256/` + base64 of 32 bytes.
    #[error("not an SPKI pin (expected sha256/ followed by the base64 of 32 bytes)")]
    Malformed,
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// The server presented a key other than the pinned one.
#[derive(Debug, thiserror::Error)]
#[error("the server's key does not match the pin from enrolment")]
pub struct PinMismatch;

/// Parses a pin into the 32 bytes of its hash.
pub fn parse_pin(pin: &str) -> Result<[u8; 32], PinError> {
    let b64 = pin
        .trim()
        .strip_prefix(PIN_PREFIX)
        .ok_or(PinError::Malformed)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| PinError::Malformed)?;
    bytes.try_into().map_err(|_| PinError::Malformed)
}

/// The pin of a DER certificate, in the same form as the server prints it; `None`
/// when the bytes are not an X.509 certificate.
pub fn pin_of_certificate(cert_der: &[u8]) -> Option<String> {
    spki_sha256(cert_der).map(|h| {
        format!(
            "{PIN_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(h)
        )
    })
}

fn spki_sha256(cert_der: &[u8]) -> Option<[u8; 32]> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).ok()?;
    Some(Sha256::digest(cert.public_key().raw).into())
}

/// A verifier that accepts exactly the server whose end-entity key has the pinned hash.
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    /// A verifier for `pin` (`sha256/…`), checking signatures with ring.
    pub fn new(pin: &str) -> Result<Self, PinError> {
        Ok(Self {
            pin: parse_pin(pin)?,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        })
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(hash) = spki_sha256(end_entity) else {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            ));
        };
        if bool::from(hash.ct_eq(&self.pin)) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(PinMismatch)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client configuration on the ring provider that trusts exactly the server
/// holding the key pinned by `pin`, speaking HTTP/1.1.
pub fn pinned_client_config(pin: &str) -> Result<rustls::ClientConfig, PinError> {
    let verifier = Arc::new(PinnedVerifier::new(pin)?);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // reqwest is built without HTTP/2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{OfficeClient, Reachability};

    /// A real office server over HTTPS on a free loopback port, with its own
    /// certificate in a temp folder.
    struct Server {
        addr: std::net::SocketAddr,
        pin: String,
        stop: tokio::sync::oneshot::Sender<()>,
        task: tokio::task::JoinHandle<Result<(), outreach_server::tls::TlsError>>,
        _data: tempfile::TempDir,
    }

    async fn start() -> Server {
        let data = tempfile::tempdir().expect("dir");
        let store = outreach_server::store::Store::open_sqlite(data.path())
            .await
            .expect("store");
        let tls = outreach_server::tls::TlsMaterial::self_made(
            &data.path().join("tls"),
            &["localhost".to_owned()],
        )
        .expect("certificate");
        let pin = tls.spki_pin().to_owned();
        assert_eq!(
            pin_of_certificate(tls.leaf_der()).as_deref(),
            Some(pin.as_str())
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut state =
            outreach_server::AppState::new(Arc::new(store), outreach_keys::KdfParams::FOR_TESTS);
        state.spki_pin = Some(pin.clone());
        let task = tokio::spawn(outreach_server::serve_tls(listener, state, tls, async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            pin,
            stop,
            task,
            _data: data,
        }
    }

    #[tokio::test]
    async fn the_right_pin_connects_by_ip_and_by_any_name() {
        let server = start().await;
        for base in [
            format!("https://{}", server.addr),
            format!("https://localhost:{}", server.addr.port()),
        ] {
            let client = OfficeClient::new_pinned(&base, &server.pin, Duration::from_secs(5))
                .expect("client");
            match client.probe().await {
                Reachability::Reachable(h) => assert_eq!(h.status, "ok"),
                other => panic!("{base} with the right pin must be reachable, got {other:?}"),
            }
        }
        let _ = server.stop.send(());
        server.task.await.expect("task").expect("clean stop");
    }

    #[tokio::test]
    async fn a_wrong_pin_is_refused() {
        let server = start().await;
        let other = tempfile::tempdir().expect("dir");
        let other_pin = outreach_server::tls::TlsMaterial::self_made(other.path(), &[])
            .expect("cert")
            .spki_pin()
            .to_owned();
        assert_ne!(other_pin, server.pin);
        let client = OfficeClient::new_pinned(
            &format!("https://{}", server.addr),
            &other_pin,
            Duration::from_secs(5),
        )
        .expect("client");
        match client.probe().await {
            Reachability::Unreachable(reason) => {
                assert!(reason.contains("pin"), "the reason names the pin: {reason}")
            }
            other => panic!("a server with another key must be refused, got {other:?}"),
        }
        let _ = server.stop.send(());
        server.task.await.expect("task").expect("clean stop");
    }

    #[tokio::test]
    async fn tls_1_2_is_verified_by_the_pin_too() {
        let server = start().await;
        let client_for = |pin: &str| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(&[&rustls::version::TLS12])
                .expect("TLS 1.2")
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(pin).expect("pin")))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            OfficeClient {
                http: crate::builder(Duration::from_secs(5))
                    .tls_backend_preconfigured(config)
                    .build()
                    .expect("client"),
                base: format!("https://{}", server.addr),
            }
        };
        assert!(matches!(
            client_for(&server.pin).probe().await,
            Reachability::Reachable(_)
        ));
        let wrong = format!(
            "{PIN_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode([1u8; 32])
        );
        assert!(matches!(
            client_for(&wrong).probe().await,
            Reachability::Unreachable(_)
        ));
        let _ = server.stop.send(());
        server.task.await.expect("task").expect("clean stop");
    }

    #[test]
    fn malformed_pins_are_errors() {
        for pin in [
            "",
            "sha256/",
            "sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "sha256/not base64!",
            // 31 bytes.
            "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
        ] {
            assert!(
                matches!(parse_pin(pin), Err(PinError::Malformed)),
                "{pin:?} is not a pin"
            );
            assert!(
                OfficeClient::new_pinned("https://127.0.0.1:1", pin, Duration::from_secs(1))
                    .is_err(),
                "no client for {pin:?}"
            );
        }
        let good = format!(
            "{PIN_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode([7u8; 32])
        );
        assert_eq!(parse_pin(&good).expect("pin"), [7u8; 32]);
    }
}
