//! The counting pass of a report: every input tallied once by day, by site and day,
//! by site, by その他 item and by phone topic. The sections then only arrange these
//! figures.

use std::collections::BTreeMap;

use super::{Period, RecordFacts, ReportInputs};
use crate::office::batches::matched_ids;
use crate::office::ymd;
use crate::store::CardBatchRow;

/// Figures of one day, office-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DayFigures {
    pub(super) uketsuke: i64,
    pub(super) support: i64,
    pub(super) issue_support: i64,
    pub(super) other: i64,
    pub(super) phone: i64,
    pub(super) retakes: i64,
    pub(super) counter_pickup: i64,
    pub(super) returned: i64,
    pub(super) matched: i64,
    pub(super) mailed: i64,
    pub(super) handed_over: i64,
    pub(super) no_show: i64,
}

impl DayFigures {
    pub(super) fn add(&mut self, o: &DayFigures) {
        self.uketsuke += o.uketsuke;
        self.support += o.support;
        self.issue_support += o.issue_support;
        self.other += o.other;
        self.phone += o.phone;
        self.retakes += o.retakes;
        self.counter_pickup += o.counter_pickup;
        self.returned += o.returned;
        self.matched += o.matched;
        self.mailed += o.mailed;
        self.handed_over += o.handed_over;
        self.no_show += o.no_show;
    }
}

/// Figures of one site on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SiteDay {
    pub(super) mode: String,
    pub(super) expected: Option<i64>,
    pub(super) uketsuke: i64,
    pub(super) support: i64,
    pub(super) retakes: i64,
    pub(super) counter_pickup: i64,
    pub(super) flagged: i64,
}

/// Cards of a batch that go by mail: matched to a 受付 record not marked for the counter.
fn mailed_cards(b: &CardBatchRow, facts: &BTreeMap<String, RecordFacts>) -> i64 {
    b.cards
        .iter()
        .filter_map(|(id, _)| facts.get(id))
        .filter(|f| f.by_mail())
        .count() as i64
}

/// A report's figures, counted once from its inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Figures {
    /// Every day of the period (and any day an input names), office-wide.
    pub(super) days: BTreeMap<String, DayFigures>,
    /// Each site on each day, by (date, site): every trip planned, and any site
    /// records came from.
    pub(super) sites: BTreeMap<(String, String), SiteDay>,
    /// Records by site for the chart: (受付, サポート).
    pub(super) per_site: BTreeMap<String, (i64, i64)>,
    /// その他 counter cases by breakdown item.
    pub(super) other_breakdown: BTreeMap<String, i64>,
    /// Phone enquiries by topic.
    pub(super) topics: BTreeMap<String, i64>,
    /// The period's total.
    pub(super) total: DayFigures,
}

impl Figures {
    /// Counts `inputs` over `period`.
    pub(super) fn count(period: &Period, inputs: &ReportInputs) -> Figures {
        let mut days: BTreeMap<String, DayFigures> = period
            .days()
            .map(|d| (ymd(d), DayFigures::default()))
            .collect();
        let mut sites: BTreeMap<(String, String), SiteDay> = BTreeMap::new();
        for trip in &inputs.trips {
            sites.insert(
                (trip.trip_date.clone(), trip.site_name.clone()),
                SiteDay {
                    mode: trip.mode.clone(),
                    expected: trip.expected_count,
                    ..Default::default()
                },
            );
        }
        let mut per_site: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for f in &inputs.records {
            let day = days.entry(f.date.clone()).or_default();
            let site = sites
                .entry((f.date.clone(), f.site.clone()))
                .or_insert_with(|| SiteDay {
                    mode: f.mode.clone(),
                    ..Default::default()
                });
            let chart = per_site.entry(f.site.clone()).or_default();
            if f.mode == "uketsuke" {
                day.uketsuke += 1;
                site.uketsuke += 1;
                chart.0 += 1;
            } else {
                day.support += 1;
                site.support += 1;
                chart.1 += 1;
            }
            day.retakes += f.retakes;
            site.retakes += f.retakes;
            if f.delivery == "counter" {
                day.counter_pickup += 1;
                site.counter_pickup += 1;
            }
            if f.flagged() {
                site.flagged += 1;
            }
        }
        let mut other_breakdown: BTreeMap<String, i64> = BTreeMap::new();
        for c in &inputs.counter {
            let day = days.entry(c.on_date.clone()).or_default();
            if c.kind == "issue_support" {
                day.issue_support += c.count;
            } else {
                day.other += c.count;
                let item = if c.detail.trim().is_empty() {
                    "（内訳なし）"
                } else {
                    c.detail.trim()
                };
                *other_breakdown.entry(item.to_owned()).or_default() += c.count;
            }
        }
        let mut topics: BTreeMap<String, i64> = BTreeMap::new();
        for p in &inputs.phone {
            days.entry(p.on_date.clone()).or_default().phone += 1;
            *topics.entry(p.topic.trim().to_owned()).or_default() += 1;
        }
        for r in &inputs.returned {
            days.entry(r.returned_on.clone()).or_default().returned += 1;
        }
        let in_period = |d: &str| period.contains(d);
        for b in &inputs.batches {
            if in_period(&b.delivered_on) {
                days.entry(b.delivered_on.clone()).or_default().matched +=
                    matched_ids(b).count() as i64;
            }
            if let Some(on) = b.mailed_on.as_deref().filter(|d| in_period(d)) {
                days.entry(on.to_owned()).or_default().mailed +=
                    mailed_cards(b, &inputs.card_records);
            }
        }
        for b in &inputs.pickups {
            let Some(on) = b.closed_on.as_deref().filter(|d| in_period(d)) else {
                continue;
            };
            let day = days.entry(on.to_owned()).or_default();
            match b.status.as_str() {
                // A card handed over at the counter is a 交付等支援 case, counted by the
                // pickup list itself (nobody tallies it by hand as well).
                "issued" => {
                    day.handed_over += 1;
                    day.issue_support += 1;
                }
                "no_show" => day.no_show += 1,
                _ => {}
            }
        }
        let mut total = DayFigures::default();
        for d in days.values() {
            total.add(d);
        }
        Figures {
            days,
            sites,
            per_site,
            other_breakdown,
            topics,
            total,
        }
    }
}
