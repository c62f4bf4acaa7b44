//! The keyring beside the vault file (`<vault>.keys`): everything needed to open the
//! vault, and nothing that opens it without a password or the office key.
//!
//! It holds the vault's data key sealed to each staff member and to the office
//! recovery key, each staff member's password-wrapped private key, and the count of
//! failed sign-ins. No names and no residents' data: those live inside the encrypted
//! database. It is rewritten atomically (temporary file, fsync, rename, fsync of the
//! folder), so a crash leaves either the old or the new keyring, never half of one.
//!
//! The failure count here deters guessing at the tablet's own sign-in screen; someone
//! who copies the files can try passwords offline, which Argon2id's cost is for.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use outreach_keys::{PasswordWrap, PublicKey, Sealed};
use serde::{Deserialize, Serialize};

use crate::VaultError;

const FORMAT: u32 = 1;

/// The keyring's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Keyring {
    pub format: u32,
    /// Random per vault; binds every sealed copy to this tablet's file.
    pub vault_id: String,
    pub office: OfficeCopy,
    pub staff: Vec<StaffCopy>,
    pub failures: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Failed attempts not yet written to the audit log (it is locked while they happen).
    #[serde(default)]
    pub pending_failures: Vec<FailedAttempt>,
    /// When the staff copies were destroyed after too many failures.
    pub wiped_at: Option<DateTime<Utc>>,
    /// How SQLCipher lays out this vault's pages (a keyring without it is from a vault
    /// made with SQLCipher's defaults).
    #[serde(default)]
    pub cipher: crate::CipherProfile,
}

/// The data key sealed to the office recovery key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OfficeCopy {
    pub public_key: PublicKey,
    pub sealed_key: Sealed,
}

/// One staff member's way in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StaffCopy {
    pub staff_id: String,
    pub public_key: PublicKey,
    pub wrap: PasswordWrap,
    pub sealed_key: Sealed,
}

/// A failed sign-in, kept until the audit log can take it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FailedAttempt {
    pub at: DateTime<Utc>,
    /// The staff ID tried, only when it is on the roster (anything else typed could be
    /// anything, and is not kept).
    pub staff_id: Option<String>,
}

/// `<vault>.keys` beside the vault file.
pub fn keyring_path(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap_or_default().to_os_string();
    name.push(".keys");
    vault.with_file_name(name)
}

/// The context a copy of the data key is sealed under.
pub(crate) fn seal_context(vault_id: &str, recipient: &str) -> Vec<u8> {
    format!("outreach-vault:{vault_id}:{recipient}").into_bytes()
}

impl Keyring {
    pub fn load(path: &Path) -> Result<Self, VaultError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::NoKeyring);
            }
            Err(e) => return Err(VaultError::Io(e)),
        };
        let ring: Keyring = serde_json::from_slice(&bytes)
            .map_err(|e| VaultError::KeyringDamaged(e.to_string()))?;
        if ring.format != FORMAT {
            return Err(VaultError::KeyringDamaged(format!(
                "unknown keyring format {}",
                ring.format
            )));
        }
        Ok(ring)
    }

    pub fn save(&self, path: &Path) -> Result<(), VaultError> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| VaultError::KeyringDamaged(e.to_string()))?;
        let tmp = path.with_extension("keys.tmp");
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            // The rename is durable only once the folder entry is on disk.
            std::fs::File::open(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            })?
            .sync_all()?;
        }
        Ok(())
    }

    pub fn new(vault_id: String, office: OfficeCopy) -> Self {
        Self {
            format: FORMAT,
            vault_id,
            office,
            staff: Vec::new(),
            failures: 0,
            last_failure_at: None,
            pending_failures: Vec::new(),
            wiped_at: None,
            cipher: crate::CipherProfile::CURRENT,
        }
    }
}
