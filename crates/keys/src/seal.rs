//! Sealing a secret to an X25519 public key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{KeyError, random};

const SEAL_VERSION: u8 = 1;
const INFO: &[u8] = b"outreach seal v1";

/// An X25519 private key. Wiped when dropped; never printed.
pub struct SecretKey(x25519_dalek::StaticSecret);

/// An X25519 public key: what the office sends to tablets for each staff member.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKey(#[serde(with = "pk_b64")] [u8; 32]);

impl SecretKey {
    /// A new random key pair.
    pub fn generate() -> Result<Self, KeyError> {
        Ok(Self(x25519_dalek::StaticSecret::from(random::<32>()?)))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(*x25519_dalek::PublicKey::from(&self.0).as_bytes())
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(x25519_dalek::StaticSecret::from(bytes))
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The key as 64 hex digits, for the office recovery key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.to_bytes().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Reads a key written by [`SecretKey::to_hex`].
    pub fn from_hex(hex: &str) -> Result<Self, KeyError> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(KeyError::Malformed("a private key is 64 hex digits"));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                .map_err(|_| KeyError::Malformed("a private key is 64 hex digits"))?;
        }
        Ok(Self::from_bytes(*bytes))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl PublicKey {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From 32 bytes.
    /// From 32 bytes; only the canonical encoding (below 2^255 - 19, top bit clear) is
    /// accepted, because the bytes enter the key derivation as they are, and a second
    /// encoding of the same point would seal a copy that never opens.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, KeyError> {
        let top_bit = bytes[31] & 0x80 != 0;
        let at_least_p =
            bytes[31] == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff) && bytes[0] >= 0xed;
        if top_bit || at_least_p {
            return Err(KeyError::Malformed(
                "a public key must be canonically encoded",
            ));
        }
        Ok(Self(bytes))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PublicKey({:02x}{:02x}{:02x}{:02x}…)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// A secret sealed to one public key: `version ‖ ephemeral public key ‖ nonce ‖
/// ciphertext with tag`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed(#[serde(with = "crate::b64")] Vec<u8>);

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

fn derive(
    shared: &[u8; 32],
    eph: &[u8; 32],
    recipient: &[u8; 32],
    context: &[u8],
) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(eph);
    salt[32..].copy_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut info = INFO.to_vec();
    info.extend_from_slice(context);
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 8160, so expand cannot fail.
    hk.expand(&info, okm.as_mut()).unwrap_or_default();
    okm
}

impl Sealed {
    /// Seals `secret` to `recipient`, bound to `context`.
    pub fn seal(recipient: &PublicKey, secret: &[u8], context: &[u8]) -> Result<Self, KeyError> {
        let eph = x25519_dalek::StaticSecret::from(random::<32>()?);
        let eph_pub = *x25519_dalek::PublicKey::from(&eph).as_bytes();
        let shared = eph.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
        if !shared.was_contributory() {
            return Err(KeyError::Malformed(
                "recipient public key is a low-order point",
            ));
        }
        let key = derive(shared.as_bytes(), &eph_pub, &recipient.0, context);
        let nonce = random::<24>()?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref())
            .map_err(|_| KeyError::Malformed("key size"))?;
        let ct = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: context,
                },
            )
            .map_err(|_| KeyError::Malformed("encryption failed"))?;
        let mut out = Vec::with_capacity(1 + 32 + 24 + ct.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&eph_pub);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(Self(out))
    }

    /// Opens the envelope with the recipient's private key and the same context.
    pub fn open(&self, key: &SecretKey, context: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let (&version, rest) = self
            .0
            .split_first()
            .ok_or(KeyError::Malformed("empty envelope"))?;
        if version != SEAL_VERSION {
            return Err(KeyError::UnsupportedVersion(version));
        }
        if rest.len() < 32 + 24 + 16 {
            return Err(KeyError::Malformed("sealed envelope too short"));
        }
        let (eph_pub, rest) = rest.split_at(32);
        let (nonce, ct) = rest.split_at(24);
        let eph_pub: [u8; 32] = eph_pub
            .try_into()
            .map_err(|_| KeyError::Malformed("ephemeral key"))?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| KeyError::Malformed("nonce"))?;
        let shared = key
            .0
            .diffie_hellman(&x25519_dalek::PublicKey::from(eph_pub));
        if !shared.was_contributory() {
            return Err(KeyError::CannotOpen);
        }
        let sym = derive(
            shared.as_bytes(),
            &eph_pub,
            key.public_key().as_bytes(),
            context,
        );
        let cipher = XChaCha20Poly1305::new_from_slice(sym.as_ref())
            .map_err(|_| KeyError::Malformed("key size"))?;
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| KeyError::CannotOpen)
    }
}

mod pk_b64 {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        crate::b64::serialize(bytes, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let v = crate::b64::deserialize(d)?;
        let bytes: [u8; 32] = v
            .try_into()
            .map_err(|_| serde::de::Error::custom("a public key is 32 bytes"))?;
        super::PublicKey::from_bytes(bytes)
            .map(|k| k.0)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let alice = SecretKey::generate().expect("key");
        let bob = SecretKey::generate().expect("key");
        let sealed = Sealed::seal(
            &alice.public_key(),
            b"vault key bytes",
            b"vault:A/staff:s001",
        )
        .expect("seal");
        assert_eq!(
            &*sealed.open(&alice, b"vault:A/staff:s001").expect("opens"),
            b"vault key bytes"
        );
        assert_eq!(
            sealed.open(&bob, b"vault:A/staff:s001"),
            Err(KeyError::CannotOpen),
            "another person's key must not open it"
        );
        assert_eq!(
            sealed.open(&alice, b"vault:B/staff:s001"),
            Err(KeyError::CannotOpen),
            "a copy from another tablet (another context) must not open"
        );
    }

    #[test]
    fn every_damaged_byte_is_detected() {
        let k = SecretKey::generate().expect("key");
        let sealed = Sealed::seal(&k.public_key(), &[7u8; 32], b"ctx").expect("seal");
        for i in 1..sealed.0.len() {
            let mut bad = sealed.clone();
            bad.0[i] ^= 0x01;
            assert!(
                bad.open(&k, b"ctx").is_err(),
                "a flipped bit at byte {i} must be refused"
            );
        }
        let mut v2 = sealed.clone();
        v2.0[0] = 2;
        assert_eq!(v2.open(&k, b"ctx"), Err(KeyError::UnsupportedVersion(2)));
        let short = Sealed(sealed.0[..40].to_vec());
        assert!(
            matches!(short.open(&k, b"ctx"), Err(KeyError::Malformed(_))),
            "a truncated envelope is malformed"
        );
        assert!(matches!(
            Sealed(Vec::new()).open(&k, b"ctx"),
            Err(KeyError::Malformed(_))
        ));
    }

    #[test]
    fn a_low_order_public_key_is_refused() {
        let zero = PublicKey::from_bytes([0u8; 32]).expect("zero is canonical");
        assert!(
            matches!(
                Sealed::seal(&zero, b"x", b"ctx"),
                Err(KeyError::Malformed(_))
            ),
            "sealing to the zero point would leak the secret"
        );
    }

    #[test]
    fn non_canonical_public_keys_are_refused() {
        let mut high = *SecretKey::generate().expect("key").public_key().as_bytes();
        high[31] |= 0x80;
        assert!(
            PublicKey::from_bytes(high).is_err(),
            "bit 255 set: a second encoding of a point"
        );
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(
            PublicKey::from_bytes(p).is_err(),
            "2^255 - 19 itself is not canonical"
        );
        use base64::Engine;
        let json = serde_json::to_string(&base64::engine::general_purpose::STANDARD.encode(high))
            .expect("json");
        assert!(
            serde_json::from_str::<PublicKey>(&json).is_err(),
            "deserialisation applies the same rule"
        );
    }

    #[test]
    fn private_keys_round_trip_through_hex_and_never_print() {
        let k = SecretKey::generate().expect("key");
        let back = SecretKey::from_hex(&k.to_hex()).expect("hex parses");
        assert_eq!(back.public_key(), k.public_key());
        assert_eq!(
            format!("{k:?}"),
            "SecretKey(…)",
            "debug output must not show the key"
        );
        assert!(SecretKey::from_hex("zz").is_err());
    }

    #[test]
    fn envelopes_serialise_as_base64_json() {
        let k = SecretKey::generate().expect("key");
        let sealed = Sealed::seal(&k.public_key(), b"s", b"c").expect("seal");
        let json = serde_json::to_string(&(k.public_key(), &sealed)).expect("json");
        let (pk, back): (PublicKey, Sealed) = serde_json::from_str(&json).expect("parse");
        assert_eq!(pk, k.public_key());
        assert_eq!(
            &*back.open(&k, b"c").expect("opens after a JSON round trip"),
            b"s"
        );
    }
}
