//! The office recovery key: the X25519 key pair every tablet seals its vault key to,
//! so the office can open a tablet's data when no staff password can.
//!
//! It is made once, at the first start of the server or the first `staff add`
//! (whichever comes first). Its public key goes into `server_meta` as
//! `office_public_key` (set-once, so servers starting together on one database agree)
//! and reaches the tablets at enrolment. Its private key is kept in one of two ways:
//!
//! - with a passphrase (`--recovery-passphrase-file FILE` or
//!   `OUTREACH_RECOVERY_PASSPHRASE`), only wrapped under Argon2id(passphrase), in
//!   `server_meta` as `office_recovery_wrap`; `outreach-server recovery-key export`
//!   unwraps it into a key file when it is needed;
//! - without one, as hex in `<data>/office-recovery.key` (owner-only), which the
//!   operator must move offline: the file `outreach vault recover --office-key` reads.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use outreach_keys::{KdfParams, KeyError, PasswordWrap, PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::store::{Store, StoreError};

/// `server_meta` key of the office recovery public key (base64, as JSON gives it).
pub const OFFICE_PUBLIC_KEY: &str = "office_public_key";
/// `server_meta` key of the passphrase-wrapped private key (a [`PasswordWrap`] as JSON).
pub const OFFICE_RECOVERY_WRAP: &str = "office_recovery_wrap";
/// The private key file in the data folder when no passphrase is given.
pub const KEY_FILE: &str = "office-recovery.key";
/// Associated data of the passphrase wrap: binds it to this use.
pub const WRAP_CONTEXT: &[u8] = b"office-recovery";
/// The environment variable that can carry the passphrase.
pub const PASSPHRASE_ENV: &str = "OUTREACH_RECOVERY_PASSPHRASE";
/// The shortest passphrase accepted for a new wrap: it guards every tablet's data.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Why the recovery key could not be made, read or exported.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Generating, wrapping or reading the key failed.
    #[error("recovery key: {0}")]
    Key(KeyError),
    /// The passphrase does not open the wrap.
    #[error("wrong passphrase: it does not open this office's recovery key")]
    WrongPassphrase,
    /// The passphrase for a new wrap is too short.
    #[error("a recovery passphrase has at least {0} characters")]
    ShortPassphrase(usize),
    /// A wrap is on record but no passphrase was given to finish setting up.
    #[error(
        "this office's recovery key is kept under a passphrase: give it with --recovery-passphrase-file FILE or {PASSPHRASE_ENV}"
    )]
    PassphraseNeeded,
    /// Export was asked but the key is not kept under a passphrase.
    #[error(
        "this office's recovery key is not kept under a passphrase: it was written to {KEY_FILE} in the server's data folder at first start"
    )]
    NotWrapped,
    /// Export was asked before any key was made.
    #[error("this office has no recovery key yet: start the server or add a staff member first")]
    NoKey,
    /// A value in `server_meta` cannot be read.
    #[error("server_meta {key} is damaged: {reason}")]
    Damaged {
        /// The meta key.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Two servers set up different recovery keys on one database at the same time.
    #[error(
        "another server recorded a different office recovery key at the same moment; start this one again"
    )]
    Conflict,
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The passphrase file is empty.
    #[error("{}: the passphrase file is empty", .0.display())]
    EmptyPassphrase(PathBuf),
    /// A key derivation or unwrap task died.
    #[error("key task failed: {0}")]
    Task(String),
}

impl From<KeyError> for RecoveryError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::WrongPassword => RecoveryError::WrongPassphrase,
            other => RecoveryError::Key(other),
        }
    }
}

/// Where the recovery private key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptIn {
    /// It was made before this start.
    AlreadySetUp,
    /// Made now; wrapped under the passphrase in `server_meta`.
    Wrap,
    /// Made now; written to this file, which the operator must move offline.
    File(PathBuf),
}

/// The office recovery key in force after [`ensure`].
#[derive(Debug, Clone)]
pub struct RecoverySetup {
    /// The public key tablets seal to.
    pub public_key: PublicKey,
    /// Where its private key went.
    pub kept_in: KeptIn,
}

/// The office recovery public key on record, if one was made.
pub async fn office_public_key(store: &Store) -> Result<Option<PublicKey>, RecoveryError> {
    match store.meta(OFFICE_PUBLIC_KEY).await? {
        None => Ok(None),
        Some(b64) => serde_json::from_value(serde_json::Value::String(b64))
            .map(Some)
            .map_err(|e| RecoveryError::Damaged {
                key: OFFICE_PUBLIC_KEY,
                reason: e.to_string(),
            }),
    }
}

/// Makes the office recovery key if this office has none yet (see the module
/// documentation); otherwise returns the one on record. `data` is the server's data
/// folder; `passphrase` is used only when a key is made now.
pub async fn ensure(
    store: &Store,
    data: &Path,
    passphrase: Option<&str>,
) -> Result<RecoverySetup, RecoveryError> {
    if let Some(public_key) = office_public_key(store).await? {
        return Ok(RecoverySetup {
            public_key,
            kept_in: KeptIn::AlreadySetUp,
        });
    }
    let pending_wrap = store.meta(OFFICE_RECOVERY_WRAP).await?;
    match (passphrase, pending_wrap) {
        (Some(passphrase), pending) => ensure_wrapped(store, passphrase, pending).await,
        // A wrap without its public key: an earlier first start stopped halfway.
        (None, Some(_)) => Err(RecoveryError::PassphraseNeeded),
        (None, None) => ensure_in_file(store, data).await,
    }
}

async fn ensure_wrapped(
    store: &Store,
    passphrase: &str,
    pending: Option<String>,
) -> Result<RecoverySetup, RecoveryError> {
    let (key, kept_in) = match pending {
        Some(wrap) => (unwrap_json(&wrap, passphrase).await?, KeptIn::AlreadySetUp),
        None => {
            if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
                return Err(RecoveryError::ShortPassphrase(MIN_PASSPHRASE_CHARS));
            }
            let key = SecretKey::generate()?;
            let ours = wrap_json(&key, passphrase).await?;
            let in_force = store.init_meta(OFFICE_RECOVERY_WRAP, &ours).await?;
            if in_force == ours {
                (key, KeptIn::Wrap)
            } else {
                // Another server set one up at the same moment; with the same
                // passphrase, its key is ours too.
                (
                    unwrap_json(&in_force, passphrase).await?,
                    KeptIn::AlreadySetUp,
                )
            }
        }
    };
    let public_key = key.public_key();
    record_public_key(store, &public_key).await?;
    Ok(RecoverySetup {
        public_key,
        kept_in,
    })
}

async fn ensure_in_file(store: &Store, data: &Path) -> Result<RecoverySetup, RecoveryError> {
    let path = data.join(KEY_FILE);
    let io_err = |source| RecoveryError::Io {
        path: path.clone(),
        source,
    };
    crate::tls::ensure_private_dir(data).map_err(|source| RecoveryError::Io {
        path: data.to_owned(),
        source,
    })?;
    // A file left by a first start that stopped before recording its public key, or
    // by another server starting on the same folder, is used rather than replaced.
    let (key, made_now) = match read_key_file(&path) {
        Ok(key) => (key, false),
        Err(RecoveryError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            let key = SecretKey::generate()?;
            match crate::tls::publish_new(&path, key.to_hex().as_bytes()) {
                Ok(()) => (key, true),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    (read_key_file(&path)?, false)
                }
                Err(e) => return Err(io_err(e)),
            }
        }
        Err(e) => return Err(e),
    };
    let public_key = key.public_key();
    match record_public_key(store, &public_key).await {
        Ok(()) => Ok(RecoverySetup {
            public_key,
            kept_in: KeptIn::File(path),
        }),
        Err(RecoveryError::Conflict) => {
            // Another server on the same database recorded its key first (its private
            // key is in its own data folder): ours opens nothing, so it goes.
            if made_now {
                let _ = std::fs::remove_file(&path);
            }
            match office_public_key(store).await? {
                Some(public_key) => Ok(RecoverySetup {
                    public_key,
                    kept_in: KeptIn::AlreadySetUp,
                }),
                None => Err(RecoveryError::Conflict),
            }
        }
        Err(e) => Err(e),
    }
}

/// Unwraps the passphrase-kept private key and checks it against the public key on
/// record: what `outreach-server recovery-key export` writes out.
pub async fn unwrap_private_key(
    store: &Store,
    passphrase: &str,
) -> Result<SecretKey, RecoveryError> {
    let Some(public_key) = office_public_key(store).await? else {
        return Err(match store.meta(OFFICE_RECOVERY_WRAP).await? {
            Some(_) => RecoveryError::PassphraseNeeded,
            None => RecoveryError::NoKey,
        });
    };
    let Some(wrap) = store.meta(OFFICE_RECOVERY_WRAP).await? else {
        return Err(RecoveryError::NotWrapped);
    };
    let key = unwrap_json(&wrap, passphrase).await?;
    if key.public_key() != public_key {
        return Err(RecoveryError::Damaged {
            key: OFFICE_RECOVERY_WRAP,
            reason: "the wrapped key is not the one whose public key is on record".to_owned(),
        });
    }
    Ok(key)
}

/// Writes `key` as hex to a new owner-only file `out` (never over an existing file),
/// in the format `outreach vault recover --office-key` reads.
pub fn write_key_file(key: &SecretKey, out: &Path) -> Result<(), RecoveryError> {
    crate::tls::publish_new(out, key.to_hex().as_bytes()).map_err(|source| RecoveryError::Io {
        path: out.to_owned(),
        source,
    })
}

/// Reads a key file written by [`write_key_file`] or at first start.
pub fn read_key_file(path: &Path) -> Result<SecretKey, RecoveryError> {
    let hex =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| RecoveryError::Io {
                path: path.to_owned(),
                source,
            })?,
        );
    Ok(SecretKey::from_hex(&hex)?)
}

/// The passphrase given for a new recovery key: the first line of `file` if given,
/// else `OUTREACH_RECOVERY_PASSPHRASE`, else none.
pub fn passphrase_from(file: Option<&Path>) -> Result<Option<Zeroizing<String>>, RecoveryError> {
    if let Some(file) = file {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(file).map_err(|source| RecoveryError::Io {
                    path: file.to_owned(),
                    source,
                })?,
            );
        let line = first_line(&text);
        if line.is_empty() {
            return Err(RecoveryError::EmptyPassphrase(file.to_owned()));
        }
        return Ok(Some(Zeroizing::new(line.to_owned())));
    }
    Ok(std::env::var(PASSPHRASE_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new))
}

/// The first line of `text`, without its line ending.
pub fn first_line(text: &str) -> &str {
    text.split('\n')
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r')
}

async fn record_public_key(store: &Store, public_key: &PublicKey) -> Result<(), RecoveryError> {
    let ours = match serde_json::to_value(public_key) {
        Ok(serde_json::Value::String(b64)) => b64,
        _ => {
            return Err(RecoveryError::Key(KeyError::Malformed(
                "a public key encodes as a base64 string",
            )));
        }
    };
    let in_force = store.init_meta(OFFICE_PUBLIC_KEY, &ours).await?;
    if in_force == ours {
        Ok(())
    } else {
        Err(RecoveryError::Conflict)
    }
}

/// The wrap's cost: calibrated to about 0.3 s here, never below RFC 9106's second
/// profile. Run off the async threads.
async fn wrap_json(key: &SecretKey, passphrase: &str) -> Result<String, RecoveryError> {
    let hex = key.to_hex();
    let passphrase = Zeroizing::new(passphrase.to_owned());
    let wrap = tokio::task::spawn_blocking(move || {
        let key = SecretKey::from_hex(&hex)?;
        let (kdf, _) = KdfParams::calibrated(Duration::from_millis(300))?;
        PasswordWrap::wrap(&key, &passphrase, kdf, WRAP_CONTEXT)
    })
    .await
    .map_err(|e| RecoveryError::Task(e.to_string()))??;
    serde_json::to_string(&wrap).map_err(|e| RecoveryError::Damaged {
        key: OFFICE_RECOVERY_WRAP,
        reason: e.to_string(),
    })
}

async fn unwrap_json(wrap: &str, passphrase: &str) -> Result<SecretKey, RecoveryError> {
    let wrap: PasswordWrap = serde_json::from_str(wrap).map_err(|e| RecoveryError::Damaged {
        key: OFFICE_RECOVERY_WRAP,
        reason: e.to_string(),
    })?;
    let passphrase = Zeroizing::new(passphrase.to_owned());
    Ok(
        tokio::task::spawn_blocking(move || wrap.unwrap(&passphrase, WRAP_CONTEXT))
            .await
            .map_err(|e| RecoveryError::Task(e.to_string()))??,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn without_a_passphrase_the_key_goes_to_a_file_once() {
        let data = tempfile::tempdir().expect("dir");
        let store = Store::open_sqlite(data.path()).await.expect("store");
        assert_eq!(office_public_key(&store).await.expect("read"), None);
        let first = ensure(&store, data.path(), None).await.expect("made");
        let path = data.path().join(KEY_FILE);
        assert_eq!(first.kept_in, KeptIn::File(path.clone()));
        let key = read_key_file(&path).expect("hex key file");
        assert_eq!(key.public_key(), first.public_key);
        assert_eq!(
            office_public_key(&store).await.expect("read"),
            Some(first.public_key)
        );
        assert_eq!(store.meta(OFFICE_RECOVERY_WRAP).await.expect("meta"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the recovery key is owner-only");
        }
        let again = ensure(&store, data.path(), Some("a passphrase given later"))
            .await
            .expect("kept");
        assert_eq!(again.kept_in, KeptIn::AlreadySetUp);
        assert_eq!(again.public_key, first.public_key, "made once");
        assert!(matches!(
            unwrap_private_key(&store, "whatever passphrase").await,
            Err(RecoveryError::NotWrapped)
        ));
    }

    #[tokio::test]
    async fn a_key_file_left_by_an_interrupted_start_is_used() {
        let data = tempfile::tempdir().expect("dir");
        let store = Store::open_sqlite(data.path()).await.expect("store");
        let left = SecretKey::generate().expect("key");
        write_key_file(&left, &data.path().join(KEY_FILE)).expect("write");
        let setup = ensure(&store, data.path(), None).await.expect("made");
        assert_eq!(setup.public_key, left.public_key());
        assert!(
            write_key_file(&left, &data.path().join(KEY_FILE)).is_err(),
            "a key file is never overwritten"
        );
    }

    #[test]
    fn the_passphrase_is_the_first_line_of_its_file() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("pass");
        std::fs::write(&file, "correct horse battery\r\nsecond line").expect("write");
        let p = passphrase_from(Some(&file)).expect("read").expect("some");
        assert_eq!(p.as_str(), "correct horse battery");
        std::fs::write(&file, "\n").expect("write");
        assert!(matches!(
            passphrase_from(Some(&file)),
            Err(RecoveryError::EmptyPassphrase(_))
        ));
    }

    #[tokio::test]
    async fn a_short_passphrase_is_refused_and_nothing_is_recorded() {
        let data = tempfile::tempdir().expect("dir");
        let store = Store::open_sqlite(data.path()).await.expect("store");
        assert!(matches!(
            ensure(&store, data.path(), Some("short")).await,
            Err(RecoveryError::ShortPassphrase(MIN_PASSPHRASE_CHARS))
        ));
        assert_eq!(office_public_key(&store).await.expect("read"), None);
        assert!(!data.path().join(KEY_FILE).exists());
    }
}
