//! The office's own work in storage: trip planning, each application's stage, card
//! batches, returned mail, and the counter and phone tallies. A second trait beside
//! [`super::Store`] (which requires it), so each dialect keeps this SQL in a file of
//! its own (`sqlite/office.rs`, `postgres/office.rs`).

use async_trait::async_trait;
use outreach_protocol::console::{CounterCase, PhoneEnquiry, Returned, ReturnedContact};
use outreach_protocol::sync::Trip;

use super::StoreError;

/// `CASE` expression ranking a stage column in the national order
/// (received < shipped < preissue < issued), the same SQL on both databases.
pub(crate) fn stage_rank(column: &str) -> String {
    format!(
        "CASE {column} WHEN 'received' THEN 0 WHEN 'shipped' THEN 1 WHEN 'preissue' THEN 2 WHEN 'issued' THEN 3 ELSE 0 END"
    )
}

/// One stored record version, as the office reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRecord {
    /// Record UUID.
    pub record_id: String,
    /// Version.
    pub version: i64,
    /// Trip ID the tablet named.
    pub trip_id: String,
    /// For an amendment: the version it changes.
    pub base_version: Option<i64>,
    /// For an amendment: why.
    pub amend_reason: Option<String>,
    /// Staff ID.
    pub created_by: String,
    /// RFC 3339.
    pub finalized_at: String,
    /// The payload text as received.
    pub payload: String,
    /// The office's stage for the record (`received` when never set).
    pub stage: String,
    /// The trip as the office planned it, when it did.
    pub trip: Option<Trip>,
}

/// Which latest record versions to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only this trip.
    pub trip_id: Option<String>,
    /// Only records whose date may fall in `[from, to]` (YYYY-MM-DD; the caller checks
    /// the exact Japan date: this keeps the trip's date, the payload's trip date, or a
    /// finalization within a day of the range).
    pub dates: Option<(String, String)>,
    /// Only these 申請書IDs.
    pub application_ids: Option<Vec<String>>,
    /// Only residents born on this day (YYYY-MM-DD): finding a caller by name and
    /// birth date.
    pub birth_date: Option<String>,
}

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

/// The office's work, in storage. Every change is one transaction.
#[async_trait]
pub trait OfficeStore: Send + Sync {
    /// Replaces a planned trip's fields; false if there is no such trip.
    async fn update_trip(&self, trip: &Trip, by: &str, now: &str) -> Result<bool, StoreError>;

    /// Trips from `from` to `to` (YYYY-MM-DD, inclusive), by date then site.
    async fn trips_between(&self, from: &str, to: &str) -> Result<Vec<Trip>, StoreError>;

    /// The latest version of each record the filter keeps, by finalization time.
    async fn latest_records(&self, filter: &RecordFilter) -> Result<Vec<HeldRecord>, StoreError>;

    /// Every version of one record, oldest first.
    async fn record_versions(&self, record_id: &str) -> Result<Vec<HeldRecord>, StoreError>;

    /// The photos of one record version: (role, sha256, held).
    async fn record_photos(
        &self,
        record_id: &str,
        version: i64,
    ) -> Result<Vec<(String, String, bool)>, StoreError>;

    /// Sets a record's stage; false if no such record is held.
    async fn set_stage(
        &self,
        record_id: &str,
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<bool, StoreError>;

    /// Moves records forward to `stage` (never back: a record already there or further
    /// keeps its stage); returns how many moved. Used when cards arrive (発送) and are
    /// mailed (交付前設定).
    async fn advance_stages(
        &self,
        record_ids: &[String],
        stage: &str,
        by: &str,
        now: &str,
    ) -> Result<u64, StoreError>;

    /// Stores a batch with its cards, all or nothing. `Err` lists the 申請書IDs that
    /// arrived in an earlier batch already (then nothing is stored).
    async fn insert_card_batch(
        &self,
        batch: &NewCardBatch,
    ) -> Result<Result<(), Vec<String>>, StoreError>;

    /// Every batch, newest delivery first.
    async fn card_batches(&self) -> Result<Vec<CardBatchRow>, StoreError>;

    /// Marks a batch mailed; false if no such batch.
    async fn set_batch_mailed(&self, batch_id: &str, mailed_on: &str) -> Result<bool, StoreError>;

    /// Stores a returned card (its contacts empty).
    async fn insert_returned(&self, r: &Returned, by: &str, now: &str) -> Result<(), StoreError>;

    /// Adds a phone contact; false if no such returned card.
    async fn add_returned_contact(
        &self,
        returned_id: &str,
        contact: &ReturnedContact,
    ) -> Result<bool, StoreError>;

    /// Resolves a returned card; false if no such returned card.
    async fn resolve_returned(
        &self,
        returned_id: &str,
        resolution: &str,
        resolved_on: &str,
    ) -> Result<bool, StoreError>;

    /// Returned cards (with contacts), newest first; only those returned in `[from, to]`
    /// when given.
    async fn returned(&self, dates: Option<(&str, &str)>) -> Result<Vec<Returned>, StoreError>;

    /// Stores counted counter cases.
    async fn insert_counter_case(&self, c: &CounterCase, now: &str) -> Result<(), StoreError>;

    /// Stores a phone enquiry.
    async fn insert_phone_enquiry(&self, p: &PhoneEnquiry, now: &str) -> Result<(), StoreError>;

    /// Deletes a counter case entered by mistake; false if there was none.
    async fn delete_counter_case(&self, case_id: &str) -> Result<bool, StoreError>;

    /// Deletes a phone enquiry entered by mistake; false if there was none.
    async fn delete_phone_enquiry(&self, enquiry_id: &str) -> Result<bool, StoreError>;

    /// Counter cases on `[from, to]`, by date then entry.
    async fn counter_cases(&self, from: &str, to: &str) -> Result<Vec<CounterCase>, StoreError>;

    /// Phone enquiries on `[from, to]`, by date then entry.
    async fn phone_enquiries(&self, from: &str, to: &str) -> Result<Vec<PhoneEnquiry>, StoreError>;
}
