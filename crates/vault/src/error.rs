//! Errors of the vault. Messages are precise for logs and the CLI; the app maps the
//! variants to Japanese messages for staff.

/// Everything opening or using the vault can fail with.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// There is no vault file at the given path.
    #[error("no vault file at the given path")]
    NotFound,
    /// A vault file already exists where a new one was to be created.
    #[error("a vault already exists at the given path")]
    AlreadyExists,
    /// The key does not open the file, or the file is not a vault (another tablet's
    /// file is indistinguishable from random bytes without its key).
    #[error("the key does not open this file, or it is not a vault")]
    WrongKeyOrNotAVault,
    /// The vault was written by a newer version of the app.
    #[error("the vault's schema version {found} is newer than this app knows ({known})")]
    NewerSchema {
        /// Version recorded in the file.
        found: i64,
        /// Newest this build knows.
        known: i64,
    },
    /// The operating system could not supply random bytes.
    #[error("no random numbers available: {0}")]
    Random(String),
    /// SQLite or SQLCipher failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
