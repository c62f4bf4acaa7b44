//! Card batches delivered from J-LIS, and each card's arrival matched to its record.

use super::db::{Row, args, from_row, work};
use super::{Result, Store};

/// A card batch to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardBatch {
    /// ID.
    pub batch_id: String,
    /// Name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// Where the cards are kept.
    pub storage: String,
    /// 申請書ID and the matched record, if any.
    pub cards: Vec<(String, Option<String>)>,
    /// Staff ID.
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A card batch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardBatchRow {
    /// ID.
    pub batch_id: String,
    /// Name.
    pub label: String,
    /// YYYY-MM-DD.
    pub delivered_on: String,
    /// YYYY-MM-DD.
    pub mailed_on: Option<String>,
    /// Where the cards are kept.
    pub storage: String,
    /// 申請書ID and matched record, by 申請書ID.
    pub cards: Vec<(String, Option<String>)>,
}

impl CardBatchRow {
    fn from_row(r: &Row<'_>) -> Result<Self> {
        Ok(
            from_row!(r => CardBatchRow { batch_id, label, delivered_on, mailed_on, storage;
            cards: Vec::new() }),
        )
    }
}

impl Store {
    /// Stores a batch with its cards, all or nothing. `Err` lists the 申請書IDs that
    /// arrived in an earlier batch already (then nothing is stored).
    pub async fn insert_card_batch(&self, batch: &NewCardBatch) -> Result<Result<(), Vec<String>>> {
        let b = batch.clone();
        self.db
            .attempt(work!(|tx| {
                    // One batch at a time: two imports of the same card cannot both pass
                    // the check.
                    tx.lock_table("card_arrivals").await?;
                    let ids: Vec<String> = b.cards.iter().map(|(id, _)| id.clone()).collect();
                    let arrived: Vec<String> = tx
                        .query(
                            &format!(
                                "SELECT application_id FROM card_arrivals WHERE application_id {}
                                 ORDER BY application_id COLLATE \"C\"",
                                tx.dialect().in_list(1)
                            ),
                            &[&ids],
                            |r| r.get(0),
                        )
                        .await?;
                    if !arrived.is_empty() {
                        return Ok(Err(arrived));
                    }
                    tx.execute(
                        "INSERT INTO card_batches (batch_id, label, delivered_on, created_by, created_at, storage)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &[&b.batch_id, &b.label, &b.delivered_on, &b.created_by, &b.created_at, &b.storage],
                    )
                    .await?;
                    for (id, record) in &b.cards {
                        tx.execute(
                            "INSERT INTO card_arrivals (application_id, batch_id, record_id) VALUES (?1, ?2, ?3)",
                            &[id, &b.batch_id, record],
                        )
                        .await?;
                    }
                    Ok(Ok(()))
                }))
            .await
    }

    /// Every batch, newest delivery first.
    pub async fn card_batches(&self) -> Result<Vec<CardBatchRow>> {
        self.db
            .read(work!(|tx| {
                    let mut batches = tx
                        .query(
                            "SELECT batch_id, label, delivered_on, mailed_on, storage FROM card_batches
                             ORDER BY delivered_on COLLATE \"C\" DESC, created_at COLLATE \"C\" DESC",
                            &[],
                            CardBatchRow::from_row,
                        )
                        .await?;
                    for b in &mut batches {
                        b.cards = tx
                            .query(
                                "SELECT application_id, record_id FROM card_arrivals WHERE batch_id = ?1
                                 ORDER BY application_id COLLATE \"C\"",
                                &[&b.batch_id],
                                |r| Ok((r.get(0)?, r.get(1)?)),
                            )
                            .await?;
                    }
                    Ok(batches)
                }))
            .await
    }

    /// Marks a batch mailed; false if no such batch.
    pub async fn set_batch_mailed(&self, batch_id: &str, mailed_on: &str) -> Result<bool> {
        let sql = "UPDATE card_batches SET mailed_on = ?2 WHERE batch_id = ?1";
        Ok(self.db.change(sql, args![batch_id, mailed_on]).await? > 0)
    }
}
