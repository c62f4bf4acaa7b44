//! The tablet's encrypted store.
//!
//! One SQLCipher 4 database per tablet, opened with a raw random 256-bit data key
//! ([`DataKey`]), so SQLCipher's own password KDF is skipped: the key is already
//! random. Everything the app stores, drafts and photos included, goes into this one
//! file; there are no plaintext side files (the WAL and temp stores are encrypted or
//! kept in memory).

mod error;
mod key;
mod schema;

use std::path::Path;

use rusqlite::Connection;

pub use error::VaultError;
pub use key::DataKey;

/// An open, unlocked vault.
pub struct Vault {
    conn: Connection,
}

impl Vault {
    /// Creates a new vault at `path`, encrypted with `key`. Refuses to overwrite an
    /// existing file.
    pub fn create(path: &Path, key: &DataKey) -> Result<Self, VaultError> {
        if path.exists() {
            return Err(VaultError::AlreadyExists);
        }
        let mut conn = Connection::open(path)?;
        apply_key_and_pragmas(&conn, key)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// Opens an existing vault with `key`. A wrong key, a file that is not a vault, and
    /// a vault written by a newer app version are told apart.
    pub fn open(path: &Path, key: &DataKey) -> Result<Self, VaultError> {
        if !path.exists() {
            return Err(VaultError::NotFound);
        }
        let mut conn = Connection::open(path)?;
        apply_key_and_pragmas(&conn, key)?;
        schema::check_not_newer(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64, VaultError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Read access for typed table handles.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn apply_key_and_pragmas(conn: &Connection, key: &DataKey) -> Result<(), VaultError> {
    // SQLCipher writes its own lines to stderr on a wrong key; our error says it.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&key.pragma())?;
    // The first read decrypts page 1: a wrong key or a non-vault file fails here.
    if conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_err()
    {
        return Err(VaultError::WrongKeyOrNotAVault);
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_not_plain_sqlite_and_opens_only_with_its_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tablet.db");
        let key = DataKey::generate().expect("random key");
        let vault = Vault::create(&path, &key).expect("a new vault is created");
        vault
            .conn()
            .execute_batch("CREATE TABLE probe (name TEXT); INSERT INTO probe VALUES ('太田花子');")
            .expect("write");
        drop(vault);

        let bytes = std::fs::read(&path).expect("read file");
        assert_ne!(
            &bytes[..16],
            b"SQLite format 3\0",
            "the header must be encrypted, not plain SQLite"
        );
        let needle = "太田花子".as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "written text must not appear in the file"
        );

        let other = DataKey::generate().expect("random key");
        assert!(
            matches!(
                Vault::open(&path, &other),
                Err(VaultError::WrongKeyOrNotAVault)
            ),
            "another key must be refused"
        );
        let reopened = Vault::open(&path, &key).expect("the right key opens the vault");
        let name: String = reopened
            .conn()
            .query_row("SELECT name FROM probe", [], |r| r.get(0))
            .expect("read back");
        assert_eq!(name, "太田花子", "data written must read back intact");
    }

    #[test]
    fn create_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tablet.db");
        let key = DataKey::generate().expect("random key");
        Vault::create(&path, &key).expect("first create");
        assert!(
            matches!(Vault::create(&path, &key), Err(VaultError::AlreadyExists)),
            "an existing vault must never be replaced"
        );
    }
}
