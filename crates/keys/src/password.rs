//! A staff member's private key wrapped under their password (Argon2id).

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{KeyError, SecretKey, random};

const WRAP_VERSION: u8 = 1;

/// Argon2id cost parameters, stored with every wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended profile, the floor for real wraps:
    /// m = 64 MiB, t = 3, p = 4.
    pub const RFC9106_SECOND: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };

    /// True when every cost is at least the floor's: a wrap weaker than
    /// [`KdfParams::RFC9106_SECOND`] makes a stolen tablet's wraps cheap to guess, so a
    /// tablet refuses one from the office.
    pub fn at_least(&self, floor: KdfParams) -> bool {
        self.m_kib >= floor.m_kib && self.t >= floor.t && self.p >= floor.p
    }

    /// Cheap parameters for unit tests only; real wraps are made with
    /// [`KdfParams::calibrated`].
    pub const FOR_TESTS: KdfParams = KdfParams {
        m_kib: 8 * 1024,
        t: 1,
        p: 1,
    };

    /// Starting from [`KdfParams::RFC9106_SECOND`], raises the number of passes until
    /// one derivation on this machine takes at least `target` (about 0.3 s: slow for
    /// guessing, quick for a staff member at the door), and returns the parameters
    /// with the time measured.
    pub fn calibrated(target: Duration) -> Result<(KdfParams, Duration), KeyError> {
        let mut params = Self::RFC9106_SECOND;
        loop {
            let started = Instant::now();
            derive_key("calibration", &[0u8; 16], params)?;
            let took = started.elapsed();
            if took >= target || params.t >= 16 {
                return Ok((params, took));
            }
            // Scale passes in proportion, at least one more.
            let factor = target.as_secs_f64() / took.as_secs_f64().max(1e-3);
            params.t = ((f64::from(params.t) * factor).ceil() as u32).clamp(params.t + 1, 16);
        }
    }

    fn check(self) -> Result<Params, KeyError> {
        // Upper bounds keep a hostile wrap from making the tablet allocate gigabytes.
        if !(8 * 1024..=1024 * 1024).contains(&self.m_kib)
            || !(1..=32).contains(&self.t)
            || !(1..=16).contains(&self.p)
        {
            return Err(KeyError::BadParams(format!(
                "m={} KiB t={} p={}",
                self.m_kib, self.t, self.p
            )));
        }
        Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| KeyError::BadParams(e.to_string()))
    }
}

/// The password as the KDF sees it: full-width ASCII (what a Japanese IME types when
/// left in 全角 mode) folded to ASCII, and the ideographic space to a space, so the same
/// password typed on the office console and on a tablet gives the same key.
pub fn fold_password(password: &str) -> Zeroizing<String> {
    Zeroizing::new(
        password
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            })
            .collect(),
    )
}

fn derive_key(
    password: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.check()?);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(fold_password(password).as_bytes(), salt, out.as_mut())
        .map_err(|e| KeyError::BadParams(e.to_string()))?;
    Ok(out)
}

/// A private key encrypted under Argon2id(password).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordWrap {
    /// Envelope format.
    pub version: u8,
    /// Cost parameters used for this wrap.
    pub kdf: KdfParams,
    /// Random salt.
    #[serde(with = "crate::b64")]
    pub salt: Vec<u8>,
    /// Random nonce.
    #[serde(with = "crate::b64")]
    pub nonce: Vec<u8>,
    /// The encrypted private key with its tag.
    #[serde(with = "crate::b64")]
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for PasswordWrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasswordWrap(v{}, {:?})", self.version, self.kdf)
    }
}

impl PasswordWrap {
    /// Wraps `key` under `password`, bound to `context` (the staff ID).
    pub fn wrap(
        key: &SecretKey,
        password: &str,
        kdf: KdfParams,
        context: &[u8],
    ) -> Result<Self, KeyError> {
        let salt = random::<16>()?;
        let nonce = random::<24>()?;
        let kek = derive_key(password, &salt, kdf)?;
        let cipher = XChaCha20Poly1305::new_from_slice(kek.as_ref())
            .map_err(|_| KeyError::Malformed("key size"))?;
        let secret = key.to_bytes();
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_ref(),
                    aad: &aad(kdf, context),
                },
            )
            .map_err(|_| KeyError::Malformed("encryption failed"))?;
        Ok(Self {
            version: WRAP_VERSION,
            kdf,
            salt: salt.to_vec(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Unwraps the private key with `password`. A wrong password is
    /// [`KeyError::WrongPassword`]; damage or a wrap meant for another staff member
    /// reads the same, since the two cannot be told apart.
    pub fn unwrap(&self, password: &str, context: &[u8]) -> Result<SecretKey, KeyError> {
        if self.version != WRAP_VERSION {
            return Err(KeyError::UnsupportedVersion(self.version));
        }
        if self.salt.len() != 16 || self.nonce.len() != 24 || self.ciphertext.len() != 32 + 16 {
            return Err(KeyError::Malformed(
                "password wrap fields have the wrong sizes",
            ));
        }
        let kek = derive_key(password, &self.salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new_from_slice(kek.as_ref())
            .map_err(|_| KeyError::Malformed("key size"))?;
        let nonce: [u8; 24] = self
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Malformed("nonce"))?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: &self.ciphertext,
                        aad: &aad(self.kdf, context),
                    },
                )
                .map_err(|_| KeyError::WrongPassword)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Malformed("private key size"))?;
        Ok(SecretKey::from_bytes(bytes))
    }
}

/// Associated data: the context and the parameters, so lowering the stored cost
/// parameters of a wrap makes it fail rather than silently weaker.
fn aad(kdf: KdfParams, context: &[u8]) -> Vec<u8> {
    let mut a = format!(
        "outreach password wrap v1|m={}|t={}|p={}|",
        kdf.m_kib, kdf.t, kdf.p
    )
    .into_bytes();
    a.extend_from_slice(context);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_unwraps_and_a_wrong_one_does_not() {
        let key = SecretKey::generate().expect("key");
        let wrap =
            PasswordWrap::wrap(&key, "correct horse", KdfParams::FOR_TESTS, b"s001").expect("wrap");
        let back = wrap
            .unwrap("correct horse", b"s001")
            .expect("right password");
        assert_eq!(
            back.public_key(),
            key.public_key(),
            "the same private key must come back"
        );
        assert_eq!(
            wrap.unwrap("correct hors", b"s001").err(),
            Some(KeyError::WrongPassword)
        );
        assert_eq!(
            wrap.unwrap("correct horse", b"s002").err(),
            Some(KeyError::WrongPassword),
            "a wrap is bound to its staff ID"
        );
    }

    #[test]
    fn full_width_typing_gives_the_same_password() {
        let key = SecretKey::generate().expect("key");
        let wrap = PasswordWrap::wrap(&key, "Pass 123!", KdfParams::FOR_TESTS, b"s").expect("wrap");
        assert!(
            wrap.unwrap("Ｐａｓｓ　１２３！", b"s").is_ok(),
            "the same password typed in 全角 mode must open the wrap"
        );
    }

    #[test]
    fn tampered_parameters_and_damaged_fields_are_refused() {
        let key = SecretKey::generate().expect("key");
        let wrap = PasswordWrap::wrap(&key, "pw", KdfParams::FOR_TESTS, b"s").expect("wrap");
        let mut weaker = wrap.clone();
        weaker.kdf.t += 1;
        assert_eq!(
            weaker.unwrap("pw", b"s").err(),
            Some(KeyError::WrongPassword),
            "changed parameters must not open"
        );
        let mut huge = wrap.clone();
        huge.kdf.m_kib = 4 * 1024 * 1024;
        assert!(
            matches!(huge.unwrap("pw", b"s"), Err(KeyError::BadParams(_))),
            "a wrap demanding 4 GiB must be refused before allocating"
        );
        let mut short = wrap.clone();
        short.ciphertext.truncate(10);
        assert!(matches!(
            short.unwrap("pw", b"s"),
            Err(KeyError::Malformed(_))
        ));
        let mut v9 = wrap;
        v9.version = 9;
        assert_eq!(
            v9.unwrap("pw", b"s").err(),
            Some(KeyError::UnsupportedVersion(9))
        );
    }

    #[test]
    fn calibration_never_goes_below_rfc9106_second_profile() {
        // A target already met by the first derivation must keep the floor, not lower it.
        let (p, took) = KdfParams::calibrated(Duration::ZERO).expect("calibrate");
        assert!(
            p.m_kib >= 65536 && p.t >= 3 && p.p >= 4,
            "the floor the design requires, got {p:?}"
        );
        assert!(took > Duration::ZERO, "the time measured is reported");
        // A target above one derivation's time raises the passes, never the other way.
        let (raised, _) = KdfParams::calibrated(took * 5).expect("calibrate");
        assert!(
            raised.t > p.t && raised.m_kib == p.m_kib,
            "slower machines get more passes: {raised:?}"
        );
    }
}
