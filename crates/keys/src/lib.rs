//! Key wrapping shared by the tablet and the office.
//!
//! Two envelopes, both versioned:
//! - [`Sealed`]: a secret sealed to an X25519 public key (an ephemeral key pair, ECDH,
//!   HKDF-SHA256, XChaCha20-Poly1305). The tablet seals its vault key to every staff
//!   member on its roster and to the office recovery key, using public keys alone.
//! - [`PasswordWrap`]: a staff member's X25519 private key encrypted under a key
//!   derived from their password with Argon2id; the parameters travel with the wrap
//!   so they can be raised later without breaking old wraps.
//!
//! Every envelope is bound to a context string (which vault, which staff member) as
//! AEAD associated data, so a copy taken from another tablet or another person does
//! not open here.

mod error;
mod login;
mod password;
pub mod password_rule;
mod seal;

pub use error::KeyError;
pub use login::{hash_login_password, verify_login_password};
pub use password::{KdfParams, PasswordWrap, fold_password};
pub use password_rule::{WeakPassword, check_new_password};
pub use seal::{PublicKey, Sealed, SecretKey};

/// Fills a fixed-size array from the operating system's random source.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(b)
}

/// Base64 (standard alphabet) for the byte fields of the envelopes in JSON.
pub(crate) mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}
