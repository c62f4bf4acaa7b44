//! The tablet's encrypted store.
//!
//! One SQLCipher 4 database per tablet, opened with a raw random 256-bit data key
//! ([`DataKey`]), so SQLCipher's own password KDF is skipped: the key is already
//! random. The key is never on disk in the clear: the keyring beside the file
//! (`<vault>.keys`) holds it sealed to every staff member on the roster and to the
//! office recovery key. A staff member signs in with their password, which unwraps
//! their private key, which opens their sealed copy. Everything the app stores, drafts
//! and photos included, goes into the one encrypted file; the WAL is encrypted too,
//! temporary tables stay in memory, and deleted data is overwritten (`secure_delete`).

pub mod audit;
mod error;
mod key;
mod keyring;
pub mod outbox;
pub mod records;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use outreach_keys::{KeyError, PasswordWrap, PublicKey, Sealed, SecretKey};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

pub use error::VaultError;
pub use key::DataKey;
pub use keyring::keyring_path;
use keyring::{FailedAttempt, Keyring, OfficeCopy, StaffCopy, seal_context};
/// The connection type the typed table handles read through.
pub use rusqlite::Connection;

/// A staff member as the office sends them to tablets: never a password, never a
/// hash usable for web login, only what opens their own wrap.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RosterEntry {
    /// Login ID.
    pub staff_id: String,
    /// Name shown after sign-in.
    pub name: String,
    /// Their X25519 public key.
    pub public_key: PublicKey,
    /// Their private key wrapped under Argon2id(password).
    pub wrap: PasswordWrap,
}

/// What [`Vault::apply_roster`] changed, by staff ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterChanges {
    /// Newly on the tablet.
    pub added: Vec<String>,
    /// Their password (or key pair) changed at the office: their way in was replaced.
    pub rewrapped: Vec<String>,
    /// No longer on the office's roster: their way in was removed.
    pub removed: Vec<String>,
}

impl RosterChanges {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.rewrapped.is_empty() && self.removed.is_empty()
    }
}

/// Sign-in rules the office can set.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failed attempts in a row after which the staff copies of the key are destroyed.
    pub max_failures: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { max_failures: 10 }
    }
}

/// How long to wait after `failures` failed attempts in a row: nothing for the first
/// two typos, then 1 s, 2 s, 4 s … up to five minutes.
pub fn backoff(failures: u32) -> Duration {
    if failures < 3 {
        Duration::ZERO
    } else {
        Duration::from_secs((1u64 << (failures - 3).min(16)).min(300))
    }
}

/// An open, unlocked vault with the staff member who opened it.
pub struct Vault {
    conn: Connection,
    key: DataKey,
    path: PathBuf,
    vault_id: String,
    staff_id: String,
    cipher: CipherProfile,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("staff_id", &self.staff_id)
            .finish_non_exhaustive()
    }
}

/// How SQLCipher lays out a vault's pages. Chosen when the vault is made, recorded in
/// its keyring, applied at every open; a standard SQLCipher 4 tool needs the same
/// pragmas after the key ([`CipherProfile::pragmas`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CipherProfile {
    /// SQLCipher 4's defaults: 4 KiB pages, HMAC-SHA512 per page.
    #[default]
    Sqlcipher4Defaults,
    /// 16 KiB pages with HMAC-SHA256: the same AES-256-CBC and a 256-bit HMAC, but a
    /// fifth of the per-page work on a 300 KB photo, and SHA-256 runs on the SHA
    /// extensions tablet and PC CPUs have (twice SHA-512's speed here; bench/README.md).
    Pages16kHmacSha256,
}

impl CipherProfile {
    /// What new vaults use.
    pub const CURRENT: CipherProfile = CipherProfile::Pages16kHmacSha256;

    /// The pragmas to run right after `PRAGMA key`.
    pub fn pragmas(self) -> &'static str {
        match self {
            CipherProfile::Sqlcipher4Defaults => "",
            CipherProfile::Pages16kHmacSha256 => {
                "PRAGMA cipher_page_size = 16384; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;"
            }
        }
    }
}

static SIGN_IN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Who opened the vault when it was opened with the office recovery key.
pub const OFFICE: &str = "office";

impl Vault {
    /// Creates a new vault at `path` with its keyring, for `roster` and the office
    /// recovery key. Nobody is signed in afterwards. Refuses to overwrite anything.
    pub fn create(
        path: &Path,
        office: &PublicKey,
        roster: &[RosterEntry],
        now: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        Self::create_identified(path, &Self::new_id()?, office, roster, now)
    }

    /// A new random vault id, for a tablet that must name itself (to the office, at
    /// enrolment) before its vault exists.
    pub fn new_id() -> Result<String, VaultError> {
        random_id()
    }

    /// [`Vault::create`] with the id the tablet already gave the office.
    pub fn create_identified(
        path: &Path,
        vault_id: &str,
        office: &PublicKey,
        roster: &[RosterEntry],
        now: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        Self::create_with(path, vault_id, office, roster, now, CipherProfile::CURRENT)
    }

    /// [`Vault::create_identified`] with a chosen page layout (tests of older vaults use
    /// it).
    pub fn create_with(
        path: &Path,
        vault_id: &str,
        office: &PublicKey,
        roster: &[RosterEntry],
        now: DateTime<Utc>,
        cipher: CipherProfile,
    ) -> Result<(), VaultError> {
        let ring_path = keyring_path(path);
        if path.exists() || ring_path.exists() {
            return Err(VaultError::AlreadyExists);
        }
        let key = DataKey::generate()?;
        let vault_id = vault_id.to_owned();
        let mut conn = Connection::open(path)?;
        owner_only(path)?;
        apply_key_and_pragmas(&conn, &key, cipher)?;
        schema::migrate(&mut conn)?;
        let mut ring = Keyring::new(
            vault_id.clone(),
            OfficeCopy {
                public_key: *office,
                sealed_key: Sealed::seal(office, key.as_bytes(), &seal_context(&vault_id, OFFICE))?,
            },
        );
        ring.cipher = cipher;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('vault_id', ?1)",
            [&vault_id],
        )?;
        tx.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('created_at', ?1)",
            [now.to_rfc3339()],
        )?;
        audit::append(&tx, now, "", audit::Action::VaultCreated, &vault_id)?;
        for entry in roster {
            insert_staff(&tx, &mut ring, &key, entry, now, "")?;
        }
        tx.commit()?;
        drop(conn);
        ring.save(&ring_path)?;
        Ok(())
    }

    /// Signs `staff_id` in with `password`, offline. Unknown IDs and wrong passwords
    /// are one error and count alike; after [`Policy::max_failures`] in a row every
    /// staff copy of the key is destroyed.
    pub fn sign_in(
        path: &Path,
        staff_id: &str,
        password: &str,
        now: DateTime<Utc>,
        policy: Policy,
    ) -> Result<Self, VaultError> {
        if !path.exists() {
            return Err(VaultError::NotFound);
        }
        // One attempt at a time in this process: concurrent attempts would each read
        // the same failure count and so skip the back-off and the wipe.
        let _one_at_a_time = SIGN_IN.lock().unwrap_or_else(|p| p.into_inner());
        let ring_path = keyring_path(path);
        let mut ring = Keyring::load(&ring_path)?;
        if ring.wiped_at.is_some() {
            return Err(VaultError::Wiped);
        }
        if let Some(last) = ring.last_failure_at {
            let wait = backoff(ring.failures);
            let until = last + chrono::Duration::from_std(wait).unwrap_or_default();
            if now < until {
                // Capped at the back-off itself: a clock set back after a failure must
                // not shut staff out for hours.
                let secs = ((until - now).num_milliseconds().max(0) as u64)
                    .min(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
                return Err(VaultError::TooSoon {
                    wait_secs: secs.div_ceil(1000),
                });
            }
        }
        let copy = ring.staff.iter().find(|c| c.staff_id == staff_id).cloned();
        let unwrapped = match &copy {
            Some(c) => c
                .wrap
                .unwrap(password, staff_id.as_bytes())
                .map(|secret| (secret, &c.sealed_key)),
            None => {
                // Spend the same time as a real attempt, so the answer's timing does
                // not tell which staff IDs exist.
                if let Some(any) = ring.staff.first() {
                    let _ = any.wrap.unwrap(password, b"\x00no such staff");
                }
                Err(KeyError::WrongPassword)
            }
        };
        let (secret, sealed_key) = match unwrapped {
            Ok(found) => found,
            Err(KeyError::WrongPassword) => {
                ring.failures += 1;
                ring.last_failure_at = Some(now);
                ring.pending_failures.push(FailedAttempt {
                    at: now,
                    staff_id: copy.map(|c| c.staff_id),
                });
                if ring.failures >= policy.max_failures {
                    ring.staff.clear();
                    ring.wiped_at = Some(now);
                    ring.save(&ring_path)?;
                    return Err(VaultError::Wiped);
                }
                ring.save(&ring_path)?;
                return Err(VaultError::WrongCredentials {
                    remaining: policy.max_failures - ring.failures,
                });
            }
            Err(other) => return Err(other.into()),
        };
        let key = open_sealed(
            sealed_key,
            &secret,
            &ring.vault_id,
            &format!("staff:{staff_id}"),
        )?;
        let mut vault = Self::open_checked(path, key, &ring, staff_id)?;
        let tx = vault.conn.transaction()?;
        for failed in &ring.pending_failures {
            audit::append(
                &tx,
                failed.at,
                failed.staff_id.as_deref().unwrap_or(""),
                audit::Action::SignInFailed,
                "",
            )?;
        }
        audit::append(&tx, now, staff_id, audit::Action::SignIn, "")?;
        tx.commit()?;
        ring.failures = 0;
        ring.last_failure_at = None;
        ring.pending_failures.clear();
        ring.save(&ring_path)?;
        Ok(vault)
    }

    /// Opens a tablet's vault at the office with the recovery private key.
    pub fn open_with_office_key(path: &Path, office: &SecretKey) -> Result<Self, VaultError> {
        if !path.exists() {
            return Err(VaultError::NotFound);
        }
        let ring = Keyring::load(&keyring_path(path))?;
        let key = open_sealed(&ring.office.sealed_key, office, &ring.vault_id, OFFICE)?;
        Self::open_checked(path, key, &ring, OFFICE)
    }

    fn open_checked(
        path: &Path,
        key: DataKey,
        ring: &Keyring,
        staff_id: &str,
    ) -> Result<Self, VaultError> {
        let vault_id = ring.vault_id.as_str();
        let mut conn = Connection::open(path)?;
        apply_key_and_pragmas(&conn, &key, ring.cipher)?;
        schema::check_not_newer(&conn)?;
        schema::migrate(&mut conn)?;
        let stored: Option<String> = conn
            .query_row(
                "SELECT value FROM vault_meta WHERE key = 'vault_id'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() != Some(vault_id) {
            return Err(VaultError::KeyringDamaged(
                "the keyring belongs to another vault".into(),
            ));
        }
        Ok(Self {
            conn,
            key,
            path: path.to_path_buf(),
            vault_id: vault_id.to_owned(),
            staff_id: staff_id.to_owned(),
            cipher: ring.cipher,
        })
    }

    /// The signed-in staff member's ID ([`OFFICE`] for a recovery session).
    pub fn staff_id(&self) -> &str {
        &self.staff_id
    }

    /// The signed-in staff member's name from the roster.
    pub fn staff_name(&self) -> Result<String, VaultError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM staff WHERE staff_id = ?1",
                [&self.staff_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| self.staff_id.clone()))
    }

    /// Adds a staff member: their roster row and a copy of the data key sealed to their
    /// public key. Nothing is re-encrypted.
    pub fn add_staff(&mut self, entry: &RosterEntry, now: DateTime<Utc>) -> Result<(), VaultError> {
        let ring_path = keyring_path(&self.path);
        let mut ring = Keyring::load(&ring_path)?;
        let tx = self.conn.transaction()?;
        insert_staff(&tx, &mut ring, &self.key, entry, now, &self.staff_id)?;
        // Database first: a crash between the two leaves a roster row without a way in,
        // and adding the person again (the row is upserted) completes it.
        tx.commit()?;
        ring.save(&ring_path)?;
        Ok(())
    }

    /// Replaces a staff member's password wrap (their password changed at the office).
    /// Their sealed copy of the data key stays as it is.
    pub fn replace_wrap(
        &mut self,
        staff_id: &str,
        wrap: PasswordWrap,
        now: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        let ring_path = keyring_path(&self.path);
        let mut ring = Keyring::load(&ring_path)?;
        let copy = ring
            .staff
            .iter_mut()
            .find(|c| c.staff_id == staff_id)
            .ok_or_else(|| VaultError::UnknownStaff(staff_id.to_owned()))?;
        copy.wrap = wrap;
        let tx = self.conn.transaction()?;
        audit::append(
            &tx,
            now,
            &self.staff_id,
            audit::Action::PasswordChanged,
            staff_id,
        )?;
        tx.commit()?;
        ring.save(&ring_path)?;
        Ok(())
    }

    /// Removes a staff member's way in and their roster row.
    pub fn remove_staff(&mut self, staff_id: &str, now: DateTime<Utc>) -> Result<(), VaultError> {
        let ring_path = keyring_path(&self.path);
        let mut ring = Keyring::load(&ring_path)?;
        let before = ring.staff.len();
        ring.staff.retain(|c| c.staff_id != staff_id);
        if ring.staff.len() == before {
            return Err(VaultError::UnknownStaff(staff_id.to_owned()));
        }
        // Keyring first here: once it is saved the person has no way in, whatever
        // happens to the rest.
        ring.save(&ring_path)?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM staff WHERE staff_id = ?1", [staff_id])?;
        tx.execute("DELETE FROM unsaved_input WHERE staff_id = ?1", [staff_id])?;
        audit::append(
            &tx,
            now,
            &self.staff_id,
            audit::Action::StaffRemoved,
            staff_id,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Brings the tablet's staff in line with the office's roster (during a signed-in
    /// sync): a new person gets a sealed copy of the data key ([`Vault::add_staff`]), a
    /// changed password wrap replaces the old one ([`Vault::replace_wrap`]), a changed
    /// key pair replaces the person's copy altogether, and a person the office no longer
    /// lists loses their way in ([`Vault::remove_staff`]). The signed-in staff member is
    /// never removed by their own sync, and an empty roster removes nobody: a tablet must
    /// not lock everyone out because of one odd answer.
    pub fn apply_roster(
        &mut self,
        roster: &[RosterEntry],
        now: DateTime<Utc>,
    ) -> Result<RosterChanges, VaultError> {
        let ring = Keyring::load(&keyring_path(&self.path))?;
        let mut changes = RosterChanges::default();
        for entry in roster {
            match ring.staff.iter().find(|c| c.staff_id == entry.staff_id) {
                None => {
                    self.add_staff(entry, now)?;
                    changes.added.push(entry.staff_id.clone());
                }
                Some(copy) if copy.public_key != entry.public_key => {
                    // The copy is sealed to the old key: replace it, not just the wrap.
                    self.remove_staff(&entry.staff_id, now)?;
                    self.add_staff(entry, now)?;
                    changes.rewrapped.push(entry.staff_id.clone());
                }
                Some(copy) if copy.wrap != entry.wrap => {
                    self.replace_wrap(&entry.staff_id, entry.wrap.clone(), now)?;
                    changes.rewrapped.push(entry.staff_id.clone());
                }
                Some(_) => {}
            }
        }
        if !roster.is_empty() {
            for copy in &ring.staff {
                let listed = roster.iter().any(|e| e.staff_id == copy.staff_id);
                if !listed && copy.staff_id != self.staff_id {
                    self.remove_staff(&copy.staff_id, now)?;
                    changes.removed.push(copy.staff_id.clone());
                }
            }
        }
        Ok(changes)
    }

    /// The office revoked this tablet: destroys every staff copy of the data key and
    /// every password wrap, as the failed-attempt wipe does, records it, and closes the
    /// vault. The office's recovery copy remains, so the data is not lost, but only the
    /// office can open it from now on; sign-in answers [`VaultError::Wiped`].
    pub fn destroy_staff_keys(mut self, now: DateTime<Utc>) -> Result<(), VaultError> {
        let ring_path = keyring_path(&self.path);
        let mut ring = Keyring::load(&ring_path)?;
        ring.staff.clear();
        ring.wiped_at = Some(now);
        // Keyring first: once it is saved nobody has a way in, whatever happens next.
        ring.save(&ring_path)?;
        let tx = self.conn.transaction()?;
        audit::append(
            &tx,
            now,
            &self.staff_id,
            audit::Action::DeviceRevoked,
            &self.vault_id,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Locks after idle time: keeps `unsaved` (the screen's input, as the UI serialised
    /// it) encrypted in the vault for this staff member, records the lock and closes
    /// the vault. Input holding a probable 個人番号 is not kept ([`VaultError::MyNumber`]),
    /// but the vault is closed all the same.
    pub fn lock_keeping(self, unsaved: &str, now: DateTime<Utc>) -> Result<(), VaultError> {
        let kept = if outreach_domain::contains_my_number(unsaved) {
            Err(VaultError::MyNumber)
        } else {
            self.conn.execute(
                "INSERT INTO unsaved_input (staff_id, saved_at, content) VALUES (?1, ?2, ?3)
                 ON CONFLICT (staff_id) DO UPDATE SET saved_at = excluded.saved_at, content = excluded.content",
                rusqlite::params![self.staff_id, now.to_rfc3339(), unsaved],
            )
            .map(|_| ())
            .map_err(VaultError::from)
        };
        // The lock is recorded and the vault closed whether or not the input was kept.
        self.close(audit::Action::Lock, now)?;
        kept
    }

    /// The input kept at the signed-in staff member's last idle lock, removed from the
    /// vault as it is handed back.
    pub fn take_unsaved(&mut self) -> Result<Option<String>, VaultError> {
        let tx = self.conn.transaction()?;
        let content: Option<String> = tx
            .query_row(
                "SELECT content FROM unsaved_input WHERE staff_id = ?1",
                [&self.staff_id],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "DELETE FROM unsaved_input WHERE staff_id = ?1",
            [&self.staff_id],
        )?;
        tx.commit()?;
        Ok(content)
    }

    /// Records a sign-out or an idle lock and closes the vault; the key is wiped from
    /// memory with it.
    pub fn close(mut self, action: audit::Action, now: DateTime<Utc>) -> Result<(), VaultError> {
        let tx = self.conn.transaction()?;
        audit::append(&tx, now, &self.staff_id, action, "")?;
        tx.commit()?;
        Ok(())
    }

    /// This vault's random ID.
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// How SQLCipher lays out this vault's pages: the pragmas a standard SQLCipher 4
    /// tool needs after the key.
    pub fn cipher(&self) -> CipherProfile {
        self.cipher
    }

    /// The data key, for `outreach vault recover --print-key` at the office.
    pub fn data_key(&self) -> &DataKey {
        &self.key
    }

    /// Every table as JSON (`{table: [{column: value}]}`; BLOBs as base64), for the
    /// office's recovery export. Recorded in the audit log as an export.
    pub fn export_json(&mut self, now: DateTime<Utc>) -> Result<serde_json::Value, VaultError> {
        use base64::Engine;
        let tx = self.conn.transaction()?;
        audit::append(
            &tx,
            now,
            &self.staff_id,
            audit::Action::Export,
            &self.vault_id,
        )?;
        let tables: Vec<String> = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = serde_json::Map::new();
        for table in tables {
            let mut stmt =
                tx.prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
            let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let mut rows = stmt.query([])?;
            let mut list = Vec::new();
            while let Some(row) = rows.next()? {
                let mut obj = serde_json::Map::new();
                for (i, c) in columns.iter().enumerate() {
                    let v = match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                        rusqlite::types::ValueRef::Integer(n) => n.into(),
                        rusqlite::types::ValueRef::Real(f) => f.into(),
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned().into()
                        }
                        rusqlite::types::ValueRef::Blob(b) => {
                            base64::engine::general_purpose::STANDARD.encode(b).into()
                        }
                    };
                    obj.insert(c.clone(), v);
                }
                list.push(serde_json::Value::Object(obj));
            }
            drop(rows);
            out.insert(table, serde_json::Value::Array(list));
        }
        tx.commit()?;
        Ok(serde_json::Value::Object(out))
    }

    /// Runs `f` in one write transaction (taken immediately, so a second writer waits
    /// rather than failing half-way) with the signed-in staff ID; commits only if `f`
    /// succeeds. When this returns Ok, the change is on disk (synchronous = FULL).
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &str) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx, &self.staff_id)?;
        tx.commit()?;
        Ok(out)
    }

    /// Purges what the retention allows ([`records::purge_due`]), then checkpoints and
    /// truncates the WAL, so the purged pages' old images do not linger there either.
    pub fn purge(
        &mut self,
        retention: records::Retention,
        now: DateTime<Utc>,
    ) -> Result<usize, VaultError> {
        let purged = self.write(|tx, staff| records::purge_due(tx, retention, now, staff))?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(purged)
    }

    /// Read access for typed table handles.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn insert_staff(
    tx: &rusqlite::Transaction<'_>,
    ring: &mut Keyring,
    key: &DataKey,
    entry: &RosterEntry,
    now: DateTime<Utc>,
    by: &str,
) -> Result<(), VaultError> {
    if ring.staff.iter().any(|c| c.staff_id == entry.staff_id) {
        return Err(VaultError::StaffExists(entry.staff_id.clone()));
    }
    let sealed_key = Sealed::seal(
        &entry.public_key,
        key.as_bytes(),
        &seal_context(&ring.vault_id, &format!("staff:{}", entry.staff_id)),
    )?;
    tx.execute(
        "INSERT INTO staff (staff_id, name, public_key, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, public_key = excluded.public_key",
        rusqlite::params![entry.staff_id, entry.name, entry.public_key.as_bytes().as_slice(), now.to_rfc3339()],
    )?;
    audit::append(tx, now, by, audit::Action::StaffAdded, &entry.staff_id)?;
    ring.staff.push(StaffCopy {
        staff_id: entry.staff_id.clone(),
        public_key: entry.public_key,
        wrap: entry.wrap.clone(),
        sealed_key,
    });
    Ok(())
}

fn open_sealed(
    sealed: &Sealed,
    secret: &SecretKey,
    vault_id: &str,
    recipient: &str,
) -> Result<DataKey, VaultError> {
    let bytes = sealed
        .open(secret, &seal_context(vault_id, recipient))
        .map_err(|e| match e {
            KeyError::CannotOpen => {
                VaultError::KeyringDamaged("this copy of the key does not open this vault".into())
            }
            other => VaultError::Key(other),
        })?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::KeyringDamaged("the sealed key has the wrong size".into()))?;
    Ok(DataKey::from_bytes(arr))
}

/// For `bench/` only: a connection to a fresh file with the vault's pragmas and schema,
/// encrypted with `key` or, with `None`, plain SQLite, so the two can be compared on
/// the same code path.
pub fn open_for_benchmark(
    path: &Path,
    key: Option<(&DataKey, CipherProfile)>,
    plain_page_size: u32,
) -> Result<Connection, VaultError> {
    let mut conn = Connection::open(path)?;
    match key {
        Some((k, cipher)) => apply_key_and_pragmas(&conn, k, cipher)?,
        None => conn.execute_batch(&format!(
            "PRAGMA page_size = {plain_page_size};
             PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
        ))?,
    }
    schema::migrate(&mut conn)?;
    Ok(conn)
}

/// Encrypted or not, a tablet's files are nobody else's business on the device.
/// SQLite gives the WAL and shared-memory files the database file's permissions.
fn owner_only(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn random_id() -> Result<String, VaultError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn apply_key_and_pragmas(
    conn: &Connection,
    key: &DataKey,
    cipher: CipherProfile,
) -> Result<(), VaultError> {
    // SQLCipher writes its own lines to stderr on a wrong key; our error says it.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&key.pragma())?;
    conn.execute_batch(cipher.pragmas())?;
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
