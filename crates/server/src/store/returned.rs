//! Returned mail (返戻物) and each phone contact made about it.

use outreach_protocol::console::{Returned, ReturnedContact};

use super::db::{args, from_row, work};
use super::{Result, Store};

impl Store {
    /// Stores a returned card (its contacts empty).
    pub async fn insert_returned(&self, r: &Returned, by: &str, now: &str) -> Result<()> {
        self.db
            .change(
                "INSERT INTO returned_mail (returned_id, application_id, record_id, reason, returned_on,
                     destroy_on, note, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![&r.returned_id, &r.application_id, r.record_id.as_ref(), &r.reason, &r.returned_on,
                      &r.destroy_on, &r.note, by, now],
            )
            .await?;
        Ok(())
    }

    /// Adds a phone contact; false if no such returned card.
    pub async fn add_returned_contact(
        &self,
        returned_id: &str,
        contact: &ReturnedContact,
    ) -> Result<bool> {
        let (id, k) = (returned_id.to_owned(), contact.clone());
        self.db
            .write(work!(|tx| {
                    // The row lock orders two contacts logged at once, so their numbers differ.
                    let exists = tx
                        .query_opt(
                            "SELECT 1 FROM returned_mail WHERE returned_id = ?1 FOR UPDATE",
                            &[&id],
                            |_| Ok(()),
                        )
                        .await?
                        .is_some();
                    if exists {
                        tx.execute(
                            "INSERT INTO returned_contacts (returned_id, seq, contacted_at, staff_id, outcome, next_step)
                             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM returned_contacts WHERE returned_id = ?1),
                                     ?2, ?3, ?4, ?5)",
                            &[&id, &k.contacted_at, &k.staff_id, &k.outcome, &k.next_step],
                        )
                        .await?;
                    }
                    Ok(exists)
                }))
            .await
    }

    /// Resolves a returned card; false if no such returned card.
    pub async fn resolve_returned(
        &self,
        returned_id: &str,
        resolution: &str,
        resolved_on: &str,
    ) -> Result<bool> {
        let sql =
            "UPDATE returned_mail SET resolution = ?2, resolved_on = ?3 WHERE returned_id = ?1";
        Ok(self
            .db
            .change(sql, args![returned_id, resolution, resolved_on])
            .await?
            > 0)
    }

    /// Returned cards (with contacts), newest first; only those returned in `[from, to]`
    /// when given.
    pub async fn returned(&self, dates: Option<(&str, &str)>) -> Result<Vec<Returned>> {
        let (from, to) = dates.unwrap_or(("0000-00-00", "9999-99-99"));
        let (from, to) = (from.to_owned(), to.to_owned());
        self.db
            .read(work!(|tx| {
                    let mut items = tx
                        .query(
                            "SELECT returned_id, application_id, record_id, reason, returned_on, destroy_on, note,
                                 resolution, resolved_on
                             FROM returned_mail WHERE returned_on >= ?1 AND returned_on <= ?2
                             ORDER BY returned_on COLLATE \"C\" DESC, created_at COLLATE \"C\" DESC",
                            &[&from, &to],
                            |r| Ok(from_row!(r => Returned { returned_id, application_id, record_id, reason,
                                returned_on, destroy_on, note, resolution, resolved_on;
                                due_for_destruction: false, contacts: Vec::new() })),
                        )
                        .await?;
                    for item in &mut items {
                        item.contacts = tx
                            .query(
                                "SELECT contacted_at, staff_id, outcome, next_step FROM returned_contacts
                                 WHERE returned_id = ?1 ORDER BY seq",
                                &[&item.returned_id],
                                |r| Ok(from_row!(r => ReturnedContact { contacted_at, staff_id, outcome, next_step })),
                            )
                            .await?;
                    }
                    Ok(items)
                }))
            .await
    }
}
