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
    /// The keyring beside the vault is missing.
    #[error("the vault's keyring file is missing")]
    NoKeyring,
    /// The keyring is unreadable, or its copy of the key does not open (damaged, or
    /// taken from another tablet).
    #[error("the vault's keyring is damaged or belongs to another vault: {0}")]
    KeyringDamaged(String),
    /// Unknown staff ID or wrong password (not told apart, on purpose).
    #[error(
        "unknown staff ID or wrong password; {remaining} attempts left before the tablet's keys are destroyed"
    )]
    WrongCredentials {
        /// Attempts left before the staff copies of the key are destroyed.
        remaining: u32,
    },
    /// Too soon after a failed attempt.
    #[error("too many failed attempts: wait {wait_secs} s")]
    TooSoon {
        /// Seconds to wait before the next attempt.
        wait_secs: u64,
    },
    /// After too many failures the staff copies of the key were destroyed; only the
    /// office can recover the data.
    #[error(
        "the staff keys on this tablet were destroyed after too many failed sign-ins; only the office can recover the data"
    )]
    Wiped,
    /// The staff member is already on the tablet's roster.
    #[error("staff member {0} is already on this tablet")]
    StaffExists(String),
    /// The staff member is not on the tablet's roster.
    #[error("staff member {0} is not on this tablet")]
    UnknownStaff(String),
    /// The text holds a probable 個人番号, which is never stored.
    #[error("a field holds a probable 個人番号 (Individual Number); nothing was stored")]
    MyNumber,
    /// A record is not in a state that allows the change.
    #[error("record {id} version {version} is {state}: {action} is not allowed")]
    WrongState {
        /// The record.
        id: String,
        /// Its version.
        version: i64,
        /// Its state.
        state: String,
        /// What was attempted.
        action: &'static str,
    },
    /// No such record, trip or photo.
    #[error("{0} not found")]
    Missing(String),
    /// Something stored in the vault cannot be read back.
    #[error("{0} in the vault cannot be read")]
    Corrupt(String),
    /// A key operation failed for a reason other than a wrong password.
    #[error("key: {0}")]
    Key(#[from] outreach_keys::KeyError),
    /// The operating system could not supply random bytes.
    #[error("no random numbers available: {0}")]
    Random(String),
    /// Reading or writing the keyring failed.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite or SQLCipher failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
