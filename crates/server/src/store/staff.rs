//! Staff accounts and their console sessions.

use super::audit::{Actor, insert_audit};
use super::db::{Arg, Row, Tx, args, work};
use super::{Store, StoreError};

/// An office staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages staff, devices and settings.
    Supervisor,
    /// Does the daily office work.
    Staff,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supervisor => "supervisor",
            Role::Staff => "staff",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "supervisor" => Some(Role::Supervisor),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// Per-person login ID (the contract requires one per person).
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string for web console login; never sent to a tablet.
    pub password_hash: String,
    /// X25519 public key, base64.
    pub public_key: String,
    /// The private key wrapped under Argon2id(password), as JSON.
    pub key_wrap: String,
    /// RFC 3339.
    pub created_at: String,
    /// Disabled accounts cannot log in and leave the tablets' roster.
    pub disabled: bool,
}

/// Columns of [`StaffAccount`] of the `staff` table aliased `s`, in its order.
const STAFF: &str = "s.staff_id, s.name, s.role, s.password_hash, s.public_key, s.key_wrap, s.created_at, s.disabled_at IS NOT NULL";

impl StaffAccount {
    fn from_row(r: &Row<'_>) -> Result<Self, StoreError> {
        let role: String = r.get(2)?;
        Ok(StaffAccount {
            staff_id: r.get(0)?,
            name: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Staff),
            password_hash: r.get(3)?,
            public_key: r.get(4)?,
            key_wrap: r.get(5)?,
            created_at: r.get(6)?,
            disabled: r.get(7)?,
        })
    }
}

async fn staff_exists(tx: &mut Tx<'_>, staff_id: &str) -> Result<bool, StoreError> {
    tx.value(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE staff_id = ?1)",
        &[&staff_id],
    )
    .await
}

impl Store {
    /// Adds a staff account; [`StoreError::Conflict`] if the ID is taken.
    pub async fn insert_staff(&self, a: &StaffAccount) -> Result<(), StoreError> {
        let inserted = self
            .db
            .change(
                "INSERT INTO staff (staff_id, name, role, password_hash, public_key, key_wrap, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (staff_id) DO NOTHING",
                args![&a.staff_id, &a.name, a.role.as_str(), &a.password_hash, &a.public_key, &a.key_wrap, &a.created_at],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!("staff {}", a.staff_id)));
        }
        Ok(())
    }

    /// One staff account.
    pub async fn staff(&self, staff_id: &str) -> Result<Option<StaffAccount>, StoreError> {
        Ok(self
            .staff_where("s.staff_id = ?1", args![staff_id])
            .await?
            .pop())
    }

    /// Every account that is not disabled, by ID: the roster tablets receive.
    pub async fn active_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.staff_where("s.disabled_at IS NULL", args![]).await
    }

    /// Every account, by ID.
    pub async fn all_staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.staff_where("1 = 1", args![]).await
    }

    async fn staff_where(
        &self,
        condition: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<StaffAccount>, StoreError> {
        let sql = format!(
            "SELECT {STAFF} FROM staff s WHERE {condition} ORDER BY s.staff_id COLLATE \"C\""
        );
        self.db.rows(sql, args, StaffAccount::from_row).await
    }

    /// Replaces an account's login hash and password wrap (a password change; the
    /// key pair stays), ends the account's sessions but `keep` (the one that changed
    /// it) and audits it; false if no such account.
    pub async fn set_staff_password(
        &self,
        staff_id: &str,
        password_hash: &str,
        key_wrap: &str,
        keep: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let args = [staff_id, password_hash, key_wrap, now, keep].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                    let [id, hash, wrap, now, keep] = &args;
                    tx.execute(
                        "DELETE FROM console_sessions WHERE staff_id = ?1 AND token_hash <> ?2",
                        &[id, keep],
                    )
                    .await?;
                    let n = tx
                        .execute(
                            "UPDATE staff SET password_hash = ?2, key_wrap = ?3, updated_at = ?4 WHERE staff_id = ?1",
                            &[id, hash, wrap, now],
                        )
                        .await?;
                    if n > 0 {
                        insert_audit(tx, now, &Actor::Staff(id.clone()), "password_changed", id).await?;
                    }
                    Ok(n > 0)
                }))
            .await
    }

    /// Disables an account, ends its console sessions and audits it; false if no such
    /// account. It leaves the roster tablets receive.
    pub async fn disable_staff(
        &self,
        staff_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, by, now) = (staff_id.to_owned(), by.clone(), now.to_owned());
        self.db
            .write(work!(|tx| {
                    let changed = tx
                        .execute(
                            "UPDATE staff SET disabled_at = ?2, updated_at = ?2 WHERE staff_id = ?1 AND disabled_at IS NULL",
                            &[&id, &now],
                        )
                        .await?;
                    if changed > 0 {
                        tx.execute("DELETE FROM console_sessions WHERE staff_id = ?1", &[&id])
                            .await?;
                        insert_audit(tx, &now, &by, "staff_disabled", &id).await?;
                    }
                    staff_exists(tx, &id).await
                }))
            .await
    }

    /// Stores a session (by the hash of its token) for a staff member; expired
    /// sessions are cleared as new ones are made.
    pub async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        now: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let args = [token_hash, staff_id, now, expires_at].map(str::to_owned);
        self.db
            .write(work!(|tx| {
                    let [token, id, now, expires] = &args;
                    tx.execute("DELETE FROM console_sessions WHERE expires_at <= ?1", &[now])
                        .await?;
                    let inserted = tx
                        .execute(
                            "INSERT INTO console_sessions (token_hash, staff_id, created_at, expires_at)
                             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (token_hash) DO NOTHING",
                            &[token, id, now, expires],
                        )
                        .await?;
                    if inserted == 0 {
                        return Err(StoreError::Conflict("console session".into()));
                    }
                    Ok(())
                }))
            .await
    }

    /// The active account of an unexpired session used since `idle_before`, if any,
    /// and when it was last used (or made).
    pub async fn session_staff(
        &self,
        token_hash: &str,
        now: &str,
        idle_before: &str,
    ) -> Result<Option<(StaffAccount, String)>, StoreError> {
        let sql = format!(
            "SELECT {STAFF}, COALESCE(c.last_used_at, c.created_at) FROM console_sessions c JOIN staff s ON s.staff_id = c.staff_id
             WHERE c.token_hash = ?1 AND c.expires_at > ?2 AND COALESCE(c.last_used_at, c.created_at) > ?3 AND s.disabled_at IS NULL"
        );
        self.db
            .row(sql, args![token_hash, now, idle_before], |r| {
                Ok((StaffAccount::from_row(r)?, r.get(8)?))
            })
            .await
    }

    /// Notes that a session was used now (for the idle timeout).
    pub async fn touch_session(&self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        let sql = "UPDATE console_sessions SET last_used_at = ?2 WHERE token_hash = ?1";
        self.db.change(sql, args![token_hash, now]).await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM console_sessions WHERE token_hash = ?1";
        self.db.change(sql, args![token_hash]).await?;
        Ok(())
    }

    /// A staff member's TOTP secret and whether it is confirmed (in effect).
    pub async fn totp(&self, staff_id: &str) -> Result<Option<(String, bool)>, StoreError> {
        let sql = "SELECT secret, confirmed_at IS NOT NULL FROM staff_totp WHERE staff_id = ?1";
        self.db
            .row(sql, args![staff_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .await
    }

    /// Stores a new TOTP secret, waiting for a first code; false if one is in effect.
    pub async fn set_totp_pending(&self, staff_id: &str, secret: &str) -> Result<bool, StoreError> {
        let sql = "INSERT INTO staff_totp (staff_id, secret) VALUES (?1, ?2)
                   ON CONFLICT (staff_id) DO UPDATE SET secret = ?2, last_step = 0
                   WHERE staff_totp.confirmed_at IS NULL";
        Ok(self.db.change(sql, args![staff_id, secret]).await? > 0)
    }

    /// Accepts a code's time step once: false if this step or a later one was
    /// accepted already. The first accepted code confirms the secret (audited).
    pub async fn use_totp_step(
        &self,
        staff_id: &str,
        step: i64,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, now) = (staff_id.to_owned(), now.to_owned());
        self.db
            .write(work!(|tx| {
                    let pending: bool = tx
                        .value("SELECT EXISTS (SELECT 1 FROM staff_totp WHERE staff_id = ?1 AND confirmed_at IS NULL)", &[&id])
                        .await?;
                    let n = tx
                        .execute(
                            "UPDATE staff_totp SET last_step = ?2, confirmed_at = COALESCE(confirmed_at, ?3)
                             WHERE staff_id = ?1 AND last_step < ?2",
                            &[&id, &step, &now],
                        )
                        .await?;
                    if n > 0 && pending {
                        insert_audit(tx, &now, &Actor::Staff(id.clone()), "totp_enabled", &id).await?;
                    }
                    Ok(n > 0)
                }))
            .await
    }

    /// Removes a staff member's TOTP (themself, or the CLI for one locked out) and
    /// audits it; false if there was none.
    pub async fn delete_totp(
        &self,
        staff_id: &str,
        by: &Actor,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (id, by, now) = (staff_id.to_owned(), by.clone(), now.to_owned());
        self.db
            .write(work!(|tx| {
                let n = tx
                    .execute("DELETE FROM staff_totp WHERE staff_id = ?1", &[&id])
                    .await?;
                if n > 0 {
                    insert_audit(tx, &now, &by, "totp_removed", &id).await?;
                }
                Ok(n > 0)
            }))
            .await
    }
}
