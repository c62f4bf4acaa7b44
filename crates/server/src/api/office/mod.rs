//! The office's work in the console, a file per resource: trips, the review queue and
//! each record with its stage, card batches and their mailing, returned mail, the
//! counter and phone tallies, and the reports. Every view (lists included) and every
//! change is audited with the staff ID; subjects are IDs, never names. The rules
//! these handlers call are in [`crate::office`].

pub mod cards;
pub mod mailing;
pub mod record;
pub mod reports;
pub mod returned;
pub mod review;
pub mod tally;
pub mod trips;
