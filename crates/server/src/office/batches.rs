//! Card batches after delivery: which cards matched an application, which go by mail
//! and which wait at the counter for a 交付通知書, and the deadline for both.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use outreach_protocol::console::CardBatch;

use super::{days_after, ymd};
use crate::reports::RecordFacts;
use crate::store::CardBatchRow;

/// Days from delivery to the mailing deadline.
pub const MAILING_DAYS: i64 = 14;

/// The day a batch delivered on `delivered_on` must be mailed, and its counter
/// notices sent, by: both are due two weeks after delivery.
pub fn deadline(delivered_on: &str) -> String {
    days_after(delivered_on, MAILING_DAYS)
}

/// Whether work due by `deadline` is late on `today`: some of it is still to do
/// (`outstanding`) and the deadline has passed. The one rule for the mailing and for
/// the notices.
pub fn overdue(outstanding: bool, deadline: &str, today: NaiveDate) -> bool {
    outstanding && ymd(today).as_str() > deadline
}

/// The 申請書IDs of a batch's matched cards.
pub fn matched_ids(b: &CardBatchRow) -> impl Iterator<Item = String> + '_ {
    b.cards
        .iter()
        .filter(|(_, r)| r.is_some())
        .map(|(id, _)| id.clone())
}

/// A batch as the console shows it on `today`, given the facts of its matched records
/// by 申請書ID and the 申請書IDs whose notice was sent.
pub fn summary(
    b: &CardBatchRow,
    facts: &HashMap<String, RecordFacts>,
    notified: &HashSet<String>,
    today: NaiveDate,
) -> CardBatch {
    let to_mail = matched_ids(b)
        .filter_map(|id| facts.get(&id))
        .filter(|f| f.by_mail())
        .count() as i64;
    let counter: Vec<String> = matched_ids(b)
        .filter(|id| facts.get(id).is_some_and(|f| !f.by_mail()))
        .collect();
    let sent = counter.iter().filter(|id| notified.contains(*id)).count() as i64;
    let to_notify = counter.len() as i64;
    let deadline = deadline(&b.delivered_on);
    CardBatch {
        batch_id: b.batch_id.clone(),
        label: b.label.clone(),
        delivered_on: b.delivered_on.clone(),
        overdue: overdue(b.mailed_on.is_none() || sent < to_notify, &deadline, today),
        deadline,
        storage: b.storage.clone(),
        to_notify,
        notified: sent,
        mailed_on: b.mailed_on.clone(),
        cards: b.cards.len() as i64,
        matched: matched_ids(b).count() as i64,
        to_mail,
        unmatched: b
            .cards
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(id, _)| id.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn facts(id: &str, delivery: &str) -> (String, RecordFacts) {
        let f = RecordFacts {
            application_id: id.to_owned(),
            mode: "uketsuke".to_owned(),
            delivery: delivery.to_owned(),
            ..Default::default()
        };
        (id.to_owned(), f)
    }

    fn batch(mailed_on: Option<&str>) -> CardBatchRow {
        CardBatchRow {
            batch_id: "b".into(),
            label: "第1便".into(),
            delivered_on: "2026-11-02".into(),
            mailed_on: mailed_on.map(str::to_owned),
            storage: String::new(),
            cards: vec![
                ("mail".into(), Some("r1".into())),
                ("counter".into(), Some("r2".into())),
                ("stranger".into(), None),
            ],
        }
    }

    #[test]
    fn the_deadline_is_two_weeks_after_delivery_and_late_only_after_it() {
        assert_eq!(deadline("2026-11-02"), "2026-11-16");
        assert!(
            !overdue(true, "2026-11-16", day("2026-11-16")),
            "the last day"
        );
        assert!(overdue(true, "2026-11-16", day("2026-11-17")));
        assert!(
            !overdue(false, "2026-11-16", day("2026-12-01")),
            "nothing left to do is never late"
        );
    }

    #[test]
    fn a_batch_is_overdue_until_both_the_mailing_and_the_notices_are_done() {
        let facts: HashMap<String, RecordFacts> =
            [facts("mail", "mail"), facts("counter", "counter")].into();
        let late = day("2026-11-20");
        let s = summary(&batch(None), &facts, &HashSet::new(), late);
        assert_eq!(
            (s.matched, s.to_mail, s.to_notify, s.notified),
            (2, 1, 1, 0)
        );
        assert_eq!(s.unmatched, ["stranger"]);
        assert!(s.overdue, "neither mailed nor noticed");
        let mailed = summary(&batch(Some("2026-11-10")), &facts, &HashSet::new(), late);
        assert!(mailed.overdue, "mailed, but the counter notice is unsent");
        let sent: HashSet<String> = ["counter".to_owned()].into();
        let done = summary(&batch(Some("2026-11-10")), &facts, &sent, late);
        assert!(!done.overdue, "mailed and noticed");
        let early = summary(&batch(None), &facts, &HashSet::new(), day("2026-11-16"));
        assert!(!early.overdue, "not late before the deadline has passed");
    }
}
