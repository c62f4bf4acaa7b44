//! The data key K that encrypts the whole vault.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::VaultError;

/// A raw 256-bit SQLCipher key. Wiped from memory when dropped; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, VaultError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| VaultError::Random(e.to_string()))?;
        Ok(Self(k))
    }

    /// The key's bytes (to seal it to a recipient).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw bytes (to seal the key to a recipient).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as lowercase hex, the form `outreach vault recover --print-key` shows
    /// and a standard SQLCipher tool accepts as `x'…'`.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.0.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// `PRAGMA key = "x'…'";`: a raw key, so SQLCipher's PBKDF2 is skipped.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", self.to_hex().as_str()))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}
