//! The rules of an outreach application-support record.
//!
//! Pure logic only: no I/O and no clock. Anything that depends on "today" takes the
//! date as an argument, so the same rules run on the tablet, on the office server and
//! in tests without surprises.

pub mod application_id;
pub mod audit_chain;
pub mod clock;
pub mod documents;
pub mod japan;
pub mod kana;
pub mod mynumber;
pub mod record;
pub mod text;
pub mod wareki;

pub use application_id::{ApplicationId, ApplicationIdError};
pub use documents::{DocList, Document, RuleOutcome, RuleSet};
pub use kana::{KanaError, to_katakana_reading};
pub use mynumber::{MyNumberFound, contains_my_number, refuse_my_number};
pub use record::{ApplicantRecord, Checked, FieldIssue, IssueKind, Mode};
pub use wareki::{Era, Wareki, WarekiError, age_on};
