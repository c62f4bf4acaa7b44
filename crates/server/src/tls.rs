//! HTTPS for the office server: its certificate, the SPKI pin tablets trust, and the
//! rustls configuration.
//!
//! By default the server makes its own certificate at first start (ECDSA P-256, with
//! rcgen) and keeps it in `<data>/tls/` (`cert.pem`, and `key.pem` readable by the
//! owner only). Tablets do not trust it through a certificate authority: the enrolment
//! QR code carries the SHA-256 of the certificate's SubjectPublicKeyInfo (the "SPKI
//! pin", as in HPKP and `curl --pinnedpubkey`), and the tablet accepts exactly the
//! server holding that key. The key is kept across restarts, so the pin stays the same;
//! when the certificate has to name more hosts (a new `--tls-hostname`), it is
//! reissued over the same key and the pin still holds.
//!
//! An operator who has a certificate of their own gives `--tls-cert` and `--tls-key`;
//! the pin is then that certificate's.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rcgen::PublicKeyData;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;

/// The prefix of a pin: the hash it names, as in HPKP and `curl --pinnedpubkey`.
pub const PIN_PREFIX: &str = "sha256/";

/// The folder under the data folder that holds the self-made certificate.
pub const TLS_DIR: &str = "tls";
/// The self-made certificate, PEM.
pub const CERT_FILE: &str = "cert.pem";
/// The self-made certificate's private key, PEM (PKCS #8), owner-only.
pub const KEY_FILE: &str = "key.pem";

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Only one of `--tls-cert` and `--tls-key` was given.
    #[error(
        "--tls-cert and --tls-key go together: give both, or neither to use the server's own certificate"
    )]
    CertWithoutKey,
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A PEM file holds no certificate or no private key, or is not PEM.
    #[error("{}: {what}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was expected and not found.
        what: String,
    },
    /// The bytes are not an X.509 certificate.
    #[error("not an X.509 certificate: {0}")]
    Certificate(String),
    /// A `--tls-hostname` is neither a DNS name nor an IP address.
    #[error("{0:?} is not a host name or IP address a certificate can name")]
    BadHostname(String),
    /// rcgen could not make the key or the certificate.
    #[error("making the certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the certificate and key (e.g. they do not belong together).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The HTTPS server failed.
    #[error("serving HTTPS: {0}")]
    Serve(io::Error),
}

/// Where the certificate comes from, as the operator said on the command line.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// `--tls-cert`: a PEM certificate chain, end-entity first.
    pub cert: Option<PathBuf>,
    /// `--tls-key`: its PEM private key.
    pub key: Option<PathBuf>,
    /// `--tls-hostname`: more names for the self-made certificate.
    pub hostnames: Vec<String>,
}

/// How the certificate in use came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertOrigin {
    /// Made now, with a new key: a new pin.
    Created,
    /// The one made at an earlier start, unchanged.
    Reused,
    /// Made again over the earlier key, to name more hosts: the pin is unchanged.
    Reissued,
    /// The operator's (`--tls-cert`, `--tls-key`).
    Operator,
}

/// A certificate chain with its private key and pin: what [`crate::serve_tls`] needs.
pub struct TlsMaterial {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    pin: String,
    cert_path: PathBuf,
    origin: CertOrigin,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("TlsMaterial")
            .field("pin", &self.pin)
            .field("cert_path", &self.cert_path)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl TlsMaterial {
    /// The certificate the server will present: the operator's if `options` names one,
    /// otherwise the server's own under `data/tls/`, made at first start. `listen` is
    /// named in a self-made certificate unless it is unspecified (0.0.0.0, ::).
    pub fn load(data: &Path, listen: IpAddr, options: &TlsOptions) -> Result<Self, TlsError> {
        match (&options.cert, &options.key) {
            (Some(cert), Some(key)) => Self::from_pem_files(cert, key),
            (None, None) => Self::self_made(
                &data.join(TLS_DIR),
                &certificate_names(listen, &options.hostnames)?,
            ),
            _ => Err(TlsError::CertWithoutKey),
        }
    }

    /// An operator's certificate chain (end-entity first) and private key, PEM.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|e| pem_error(cert, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error(cert, e))?;
        let Some(leaf) = chain.first() else {
            return Err(TlsError::Pem {
                path: cert.to_owned(),
                what: "no certificate in this file".to_owned(),
            });
        };
        let pin = spki_pin(leaf)?;
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
        let material = Self {
            chain,
            key: key_der,
            pin,
            cert_path: cert.to_owned(),
            origin: CertOrigin::Operator,
        };
        // Refuse a key that does not belong to the certificate now, not at the first
        // handshake.
        material.server_config()?;
        Ok(material)
    }

    /// The server's own certificate in `dir` (`cert.pem`, `key.pem`): made on first
    /// use, reused later, and reissued over the same key when `names` are not all in it.
    pub fn self_made(dir: &Path, names: &[String]) -> Result<Self, TlsError> {
        ensure_private_dir(dir).map_err(|source| TlsError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let key_path = dir.join(KEY_FILE);
        let cert_path = dir.join(CERT_FILE);
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| TlsError::Io { path, source }
        };

        let (key_pem, new_key) = match fs::read_to_string(&key_path) {
            Ok(pem) => (zeroize::Zeroizing::new(pem), false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
                let pem = zeroize::Zeroizing::new(pair.serialize_pem());
                match publish_new(&key_path, pem.as_bytes()) {
                    Ok(()) => (pem, true),
                    // Another server starting on the same folder was first: use its key.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (
                        zeroize::Zeroizing::new(
                            fs::read_to_string(&key_path).map_err(io_err(&key_path))?,
                        ),
                        false,
                    ),
                    Err(e) => return Err(io_err(&key_path)(e)),
                }
            }
            Err(e) => return Err(io_err(&key_path)(e)),
        };
        let pair = rcgen::KeyPair::from_pem(&key_pem).map_err(|e| TlsError::Pem {
            path: key_path.clone(),
            what: format!("not a private key rcgen can read: {e}"),
        })?;
        let spki = pair.subject_public_key_info();

        // The names a kept certificate already has stay in a reissued one, so starts
        // with different --tls-hostname values do not take names away from each other.
        let mut wanted: BTreeSet<String> = names.iter().cloned().collect();
        let mut origin = if new_key {
            CertOrigin::Created
        } else {
            CertOrigin::Reissued
        };
        let mut kept = None;
        match fs::read(&cert_path) {
            Ok(pem) => {
                if let Ok(der) = CertificateDer::from_pem_slice(&pem)
                    && let Ok(existing) = CertInfo::read(&der)
                    && existing.spki == spki
                {
                    if wanted.iter().all(|n| existing.names.contains(n)) {
                        kept = Some(der);
                    } else {
                        wanted.extend(existing.names);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&cert_path)(e)),
        }
        let leaf = match kept {
            Some(der) => {
                origin = CertOrigin::Reused;
                der
            }
            None => {
                let mut params =
                    rcgen::CertificateParams::new(wanted.into_iter().collect::<Vec<_>>())?;
                params.distinguished_name = rcgen::DistinguishedName::new();
                params
                    .distinguished_name
                    .push(rcgen::DnType::CommonName, "Outreach office server");
                params
                    .distinguished_name
                    .push(rcgen::DnType::OrganizationName, "Outreach");
                let cert = params.self_signed(&pair)?;
                write_replacing(&cert_path, cert.pem().as_bytes(), 0o644)
                    .map_err(io_err(&cert_path))?;
                cert.der().clone()
            }
        };
        let pin = spki_pin(&leaf)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| pem_error(&key_path, e))?;
        Ok(Self {
            chain: vec![leaf],
            key,
            pin,
            cert_path,
            origin,
        })
    }

    /// The pin of the end-entity certificate: `sha256/` + base64 of the SHA-256 of
    /// its SubjectPublicKeyInfo.
    pub fn spki_pin(&self) -> &str {
        &self.pin
    }

    /// The certificate file in use.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// Whether the certificate was made now, reused, reissued or given.
    pub fn origin(&self) -> CertOrigin {
        self.origin
    }

    /// The host names and IP addresses the end-entity certificate names (its subject
    /// alternative names): DNS names lowercase, IP addresses in their normal form.
    pub fn names(&self) -> Vec<String> {
        CertInfo::read(self.leaf_der())
            .map(|info| info.names.into_iter().collect())
            .unwrap_or_default()
    }

    /// The end-entity certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        self.chain.first().map_or(&[], |c| c.as_ref())
    }

    /// A rustls server configuration on the ring provider, offering HTTP/2 and
    /// HTTP/1.1 by ALPN.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The SPKI pin of a DER certificate: `sha256/` followed by the standard base64 of
/// the SHA-256 over its DER SubjectPublicKeyInfo (as in HPKP and
/// `curl --pinnedpubkey`).
pub fn spki_pin(cert_der: &[u8]) -> Result<String, TlsError> {
    let info = CertInfo::read(cert_der)?;
    Ok(pin_of_spki(&info.spki))
}

/// The pin of a DER SubjectPublicKeyInfo.
pub fn pin_of_spki(spki_der: &[u8]) -> String {
    format!(
        "{PIN_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki_der))
    )
}

/// The names a self-made certificate carries: localhost, 127.0.0.1, ::1, the listen
/// address unless it is unspecified, and `extra` (host names or IP addresses).
pub fn certificate_names(listen: IpAddr, extra: &[String]) -> Result<Vec<String>, TlsError> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !listen.is_unspecified() {
        names.push(listen.to_string());
    }
    for name in extra {
        let name = name.trim();
        let normal = match name.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => {
                let ok = !name.is_empty()
                    && name.len() <= 253
                    && name.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
                    });
                if !ok {
                    return Err(TlsError::BadHostname(name.to_owned()));
                }
                name.to_ascii_lowercase()
            }
        };
        if !names.contains(&normal) {
            names.push(normal);
        }
    }
    Ok(names)
}

/// What the server reads from a certificate: its SPKI and the names it carries.
struct CertInfo {
    spki: Vec<u8>,
    names: BTreeSet<String>,
}

impl CertInfo {
    fn read(der: &[u8]) -> Result<Self, TlsError> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| TlsError::Certificate(e.to_string()))?;
        let mut names = BTreeSet::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => {
                        names.insert(dns.to_ascii_lowercase());
                    }
                    GeneralName::IPAddress(bytes) => {
                        let ip = match bytes.len() {
                            4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                            16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                            _ => None,
                        };
                        if let Some(ip) = ip {
                            names.insert(ip.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(Self {
            spki: cert.public_key().raw.to_vec(),
            names,
        })
    }
}

fn pem_error(path: &Path, e: rustls::pki_types::pem::Error) -> TlsError {
    match e {
        rustls::pki_types::pem::Error::Io(source) => TlsError::Io {
            path: path.to_owned(),
            source,
        },
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::Pem {
            path: path.to_owned(),
            what: "no PEM item of the expected kind (certificate or private key)".to_owned(),
        },
        other => TlsError::Pem {
            path: path.to_owned(),
            what: format!("not readable PEM: {other}"),
        },
    }
}

/// Creates `dir` (and its parents) if needed and makes it owner-only.
pub(crate) fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to a new temporary file beside `path` with `mode`, flushed to disk.
fn write_temp(path: &Path, bytes: &[u8], mode: u32) -> io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let temp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match options.open(&temp) {
            Ok(mut f) => {
                let written = f.write_all(bytes).and_then(|()| f.sync_all());
                if let Err(e) = written {
                    let _ = fs::remove_file(&temp);
                    return Err(e);
                }
                return Ok(temp);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes `path` atomically (temporary file, fsync, rename, fsync of the folder),
/// replacing what was there.
pub(crate) fn write_replacing(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let temp = write_temp(path, bytes, mode)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_parent(path);
    Ok(())
}

/// Writes a new owner-only file atomically and only if `path` does not exist yet
/// (temporary file, fsync, then a hard link, which fails with `AlreadyExists` rather
/// than replace): a secret written by another process is never overwritten.
pub(crate) fn publish_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, bytes, 0o600)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    linked?;
    sync_parent(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_sha256_of_the_spki_in_base64() {
        let dir = tempfile::tempdir().expect("dir");
        let m = TlsMaterial::self_made(dir.path(), &["localhost".to_owned()]).expect("cert");
        let pin = spki_pin(m.leaf_der()).expect("pin");
        assert_eq!(pin, m.spki_pin());
        let b64 = pin.strip_prefix(PIN_PREFIX).expect("prefix");
        let hash = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("standard base64");
        assert_eq!(hash.len(), 32, "a SHA-256");
        let pair =
            rcgen::KeyPair::from_pem(&fs::read_to_string(dir.path().join(KEY_FILE)).expect("key"))
                .expect("key pem");
        assert_eq!(
            pin,
            pin_of_spki(&pair.subject_public_key_info()),
            "the pin names the key, not the certificate"
        );
        assert!(matches!(
            spki_pin(b"not a certificate"),
            Err(TlsError::Certificate(_))
        ));
    }

    #[test]
    fn the_certificate_is_kept_and_reissued_over_the_same_key_for_new_names() {
        let dir = tempfile::tempdir().expect("dir");
        let first = TlsMaterial::self_made(dir.path(), &["localhost".to_owned()]).expect("cert");
        assert_eq!(first.origin(), CertOrigin::Created);
        let again = TlsMaterial::self_made(dir.path(), &["localhost".to_owned()]).expect("cert");
        assert_eq!(again.origin(), CertOrigin::Reused);
        assert_eq!(again.leaf_der(), first.leaf_der());
        let more = TlsMaterial::self_made(
            dir.path(),
            &["outreach.city.example".to_owned(), "10.1.2.3".to_owned()],
        )
        .expect("cert");
        assert_eq!(more.origin(), CertOrigin::Reissued);
        assert_eq!(
            more.spki_pin(),
            first.spki_pin(),
            "a new name keeps the pin"
        );
        let info = CertInfo::read(more.leaf_der()).expect("parse");
        for n in ["localhost", "outreach.city.example", "10.1.2.3"] {
            assert!(info.names.contains(n), "{n} in {:?}", info.names);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join(KEY_FILE)), 0o600);
            assert_eq!(mode(dir.path()), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "no temporary files left: {leftovers:?}"
        );
    }

    #[test]
    fn names_cover_loopback_the_listen_address_and_extra_hosts() {
        let names = certificate_names(
            "192.168.10.5".parse().expect("ip"),
            &["Office.City.example".to_owned(), "::1".to_owned()],
        )
        .expect("names");
        assert_eq!(
            names,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "192.168.10.5",
                "office.city.example"
            ]
        );
        let unspecified = certificate_names("0.0.0.0".parse().expect("ip"), &[]).expect("names");
        assert!(!unspecified.contains(&"0.0.0.0".to_owned()));
        assert!(matches!(
            certificate_names("127.0.0.1".parse().expect("ip"), &["bad name/x".to_owned()]),
            Err(TlsError::BadHostname(_))
        ));
    }

    #[test]
    fn cert_and_key_go_together() {
        let dir = tempfile::tempdir().expect("dir");
        let only_cert = TlsOptions {
            cert: Some(dir.path().join("c.pem")),
            ..TlsOptions::default()
        };
        assert!(matches!(
            TlsMaterial::load(dir.path(), "127.0.0.1".parse().expect("ip"), &only_cert),
            Err(TlsError::CertWithoutKey)
        ));
    }

    #[test]
    fn an_operator_certificate_is_used_with_its_own_pin_and_a_wrong_key_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let cert = rcgen::CertificateParams::new(vec!["office.example".to_owned()])
            .expect("params")
            .self_signed(&pair)
            .expect("cert");
        let cert_path = dir.path().join("office.crt");
        let key_path = dir.path().join("office.key");
        fs::write(&cert_path, cert.pem()).expect("write");
        fs::write(&key_path, pair.serialize_pem()).expect("write");
        let m = TlsMaterial::from_pem_files(&cert_path, &key_path).expect("operator cert");
        assert_eq!(m.origin(), CertOrigin::Operator);
        assert_eq!(m.spki_pin(), pin_of_spki(&pair.subject_public_key_info()));

        let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        fs::write(&key_path, other.serialize_pem()).expect("write");
        assert!(
            TlsMaterial::from_pem_files(&cert_path, &key_path).is_err(),
            "a key that is not the certificate's is refused at start"
        );
        fs::write(&cert_path, "not pem").expect("write");
        assert!(matches!(
            TlsMaterial::from_pem_files(&cert_path, &key_path),
            Err(TlsError::Pem { .. })
        ));
    }
}
