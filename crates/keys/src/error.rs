//! Why a key operation failed. The variants are what callers branch on: a wrong
//! password is a sign-in failure to count, anything else is damage or misuse.

/// A failure of sealing, opening, wrapping or unwrapping.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The password does not open the wrap.
    #[error("wrong password")]
    WrongPassword,
    /// The sealed envelope does not open with this key and context: another tablet's
    /// copy, another person's, or damaged bytes.
    #[error(
        "the sealed key does not open with this key and context (damaged, or meant for another)"
    )]
    CannotOpen,
    /// The envelope's format version is not one this build knows.
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    /// The envelope is too short or its fields have the wrong sizes.
    #[error("malformed envelope: {0}")]
    Malformed(&'static str),
    /// Argon2 parameters outside the range this build accepts.
    #[error("key-derivation parameters out of range: {0}")]
    BadParams(String),
    /// The operating system could not supply random bytes.
    #[error("no random numbers available: {0}")]
    Random(String),
}
