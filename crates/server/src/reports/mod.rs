//! Daily, monthly and completion reports (実績報告) computed from the store, and
//! written as xlsx, CSV (UTF-8 with BOM) and PDF. People appear by 申請書ID only.
//!
//! The figures are computed once into an [`outreach_protocol::console::Report`]: a
//! list of titled tables plus the chart series. Each format renders those tables, so
//! the three files and the console always show the same numbers.

pub mod csv;
pub mod pdf;
pub mod record;
pub mod xlsx;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use outreach_protocol::console::{
    CounterCase, DayCount, PhoneEnquiry, Report, ReportCell, ReportColumn, ReportSection, Returned,
    SiteCount,
};
use outreach_protocol::sync::Trip;

pub use record::{RecordFacts, is_application_id, japan_date};

use crate::store::{CardBatchRow, RecordFilter, Store, StoreError};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 日次報告書: one day.
    Daily,
    /// 月次報告書: one calendar month.
    Monthly,
    /// 完了報告書: the contract period.
    Completion,
}

impl ReportKind {
    /// `daily`, `monthly`, `completion`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Monthly => "monthly",
            ReportKind::Completion => "completion",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ReportKind::Daily => "日次報告書",
            ReportKind::Monthly => "月次報告書",
            ReportKind::Completion => "完了報告書",
        }
    }
}

/// The days a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Which report.
    pub kind: ReportKind,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

/// A period that cannot be reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not YYYY-MM-DD.
    #[error("the date must be YYYY-MM-DD")]
    Date,
    /// Not YYYY-MM.
    #[error("the month must be YYYY-MM")]
    Month,
    /// The end is before the start, or the period is longer than three years.
    #[error("the period must run forwards and last at most three years")]
    Range,
}

fn date(s: &str) -> Result<NaiveDate, PeriodError> {
    if s.len() != 10 {
        return Err(PeriodError::Date);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| PeriodError::Date)
}

impl Period {
    /// One day, from `YYYY-MM-DD`.
    pub fn daily(day: &str) -> Result<Period, PeriodError> {
        let d = date(day)?;
        Ok(Period {
            kind: ReportKind::Daily,
            from: d,
            to: d,
        })
    }

    /// One month, from `YYYY-MM`.
    pub fn monthly(month: &str) -> Result<Period, PeriodError> {
        if month.len() != 7 {
            return Err(PeriodError::Month);
        }
        let from = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| PeriodError::Month)?;
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        }
        .ok_or(PeriodError::Month)?;
        Ok(Period {
            kind: ReportKind::Monthly,
            from,
            to: next.pred_opt().ok_or(PeriodError::Month)?,
        })
    }

    /// The contract period, `from` to `to` inclusive.
    pub fn completion(from: &str, to: &str) -> Result<Period, PeriodError> {
        let (from, to) = (date(from)?, date(to)?);
        if to < from || (to - from).num_days() > 3 * 366 {
            return Err(PeriodError::Range);
        }
        Ok(Period {
            kind: ReportKind::Completion,
            from,
            to,
        })
    }

    fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(move |d| d <= &self.to)
    }

    fn ymd(d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    /// First day as YYYY-MM-DD.
    pub fn from_str(&self) -> String {
        Self::ymd(self.from)
    }

    /// Last day as YYYY-MM-DD.
    pub fn to_str(&self) -> String {
        Self::ymd(self.to)
    }

    /// What the title and file names show: the day, the month or the range.
    pub fn label(&self) -> String {
        match self.kind {
            ReportKind::Daily => self.from_str(),
            ReportKind::Monthly => self.from.format("%Y-%m").to_string(),
            ReportKind::Completion => format!("{}〜{}", self.from_str(), self.to_str()),
        }
    }

    /// A file name for this report in `ext`, ASCII only.
    pub fn file_name(&self, ext: &str) -> String {
        let label = match self.kind {
            ReportKind::Completion => format!("{}_{}", self.from_str(), self.to_str()),
            _ => self.label(),
        };
        format!("outreach-{}-{label}.{ext}", self.kind.as_str())
    }
}

/// Everything a report is computed from.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs {
    /// Facts of the latest version of every record of the period.
    pub records: Vec<RecordFacts>,
    /// Trips planned in the period.
    pub trips: Vec<Trip>,
    /// Counter cases counted in the period.
    pub counter: Vec<CounterCase>,
    /// Phone enquiries in the period.
    pub phone: Vec<PhoneEnquiry>,
    /// Mail returned in the period.
    pub returned: Vec<Returned>,
    /// Card batches delivered or mailed in the period.
    pub batches: Vec<CardBatchRow>,
    /// Facts of the records the batches' cards matched, by 申請書ID.
    pub card_records: BTreeMap<String, RecordFacts>,
    /// Counter pickups closed in the period (交付 and 来庁なし), by day.
    pub pickups: Vec<crate::store::BookingRow>,
    /// Written remarks (the completion report's 受託者の意見, 住民の反応): titled lists
    /// of paragraphs, see [`parse_remarks`].
    pub remarks: Vec<(String, Vec<String>)>,
}

/// Reads remarks written for a report: UTF-8 text where a line `# 見出し` starts a
/// section and blank lines separate paragraphs. Text before any heading goes under
/// `所見`.
pub fn parse_remarks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut paragraph = String::new();
    let flush = |out: &mut Vec<(String, Vec<String>)>, paragraph: &mut String| {
        let p = paragraph.trim().to_owned();
        paragraph.clear();
        if p.is_empty() {
            return;
        }
        if out.is_empty() {
            out.push(("所見".to_owned(), Vec::new()));
        }
        if let Some((_, ps)) = out.last_mut() {
            ps.push(p);
        }
    };
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            flush(&mut out, &mut paragraph);
            out.push((title.trim().to_owned(), Vec::new()));
        } else if line.trim().is_empty() {
            flush(&mut out, &mut paragraph);
        } else {
            if !paragraph.is_empty() {
                paragraph.push('\n');
            }
            paragraph.push_str(line.trim_end());
        }
    }
    flush(&mut out, &mut paragraph);
    out
}

/// Reads what a report of `period` needs from the store.
pub async fn load(store: &Store, period: &Period) -> Result<ReportInputs, StoreError> {
    let (from, to) = (period.from_str(), period.to_str());
    let records = store
        .latest_records(&RecordFilter {
            dates: Some((from.clone(), to.clone())),
            ..Default::default()
        })
        .await?
        .iter()
        .map(RecordFacts::of)
        .filter(|f| f.date >= from && f.date <= to)
        .collect();
    let in_period = |d: &str| d >= from.as_str() && d <= to.as_str();
    let batches: Vec<CardBatchRow> = store
        .card_batches()
        .await?
        .into_iter()
        .filter(|b| in_period(&b.delivered_on) || b.mailed_on.as_deref().is_some_and(in_period))
        .collect();
    let ids: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            b.cards
                .iter()
                .filter(|(_, r)| r.is_some())
                .map(|(id, _)| id.clone())
        })
        .collect();
    let card_records = store
        .latest_records(&RecordFilter {
            application_ids: Some(ids),
            ..Default::default()
        })
        .await?
        .iter()
        .map(RecordFacts::of)
        .map(|f| (f.application_id.clone(), f))
        .collect();
    Ok(ReportInputs {
        records,
        trips: store.trips_between(&from, &to).await?,
        counter: store.counter_cases(&from, &to).await?,
        phone: store.phone_enquiries(&from, &to).await?,
        returned: store.returned(Some((&from, &to))).await?,
        batches,
        card_records,
        pickups: store.bookings_closed_between(&from, &to).await?,
        remarks: Vec::new(),
    })
}

/// Reads and computes in one step.
pub async fn build(
    store: &Store,
    period: &Period,
    generated_at: &str,
) -> Result<Report, StoreError> {
    Ok(compute(period, &load(store, period).await?, generated_at))
}

/// Japanese for a mode code.
pub fn mode_ja(mode: &str) -> &'static str {
    match mode {
        "uketsuke" => "受付",
        "support" => "サポート",
        _ => "不明",
    }
}

/// Japanese for a delivery code.
pub fn delivery_ja(delivery: &str) -> &'static str {
    match delivery {
        "mail" => "郵送",
        "counter" => "窓口受取",
        _ => "不明",
    }
}

/// Japanese for a returned-mail reason.
pub fn reason_ja(reason: &str) -> &'static str {
    match reason {
        "unclaimed" => "保管期限経過",
        "moved" => "転居",
        "unknown" => "宛所不明",
        _ => "その他",
    }
}

/// Japanese for a returned card's resolution.
pub fn resolution_ja(resolution: Option<&str>) -> &'static str {
    match resolution {
        Some("redelivered") => "再送済み",
        Some("collected") => "窓口交付済み",
        Some("destroyed") => "廃棄済み",
        _ => "対応中",
    }
}

/// Figures of one day, office-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DayFigures {
    uketsuke: i64,
    support: i64,
    issue_support: i64,
    other: i64,
    phone: i64,
    retakes: i64,
    counter_pickup: i64,
    returned: i64,
    matched: i64,
    mailed: i64,
    handed_over: i64,
    no_show: i64,
}

impl DayFigures {
    fn add(&mut self, o: &DayFigures) {
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
struct SiteDay {
    mode: String,
    expected: Option<i64>,
    uketsuke: i64,
    support: i64,
    retakes: i64,
    counter_pickup: i64,
    flagged: i64,
}

/// Cards of a batch that go by mail: matched to a 受付 record not marked for the counter.
fn mailed_cards(b: &CardBatchRow, facts: &BTreeMap<String, RecordFacts>) -> i64 {
    b.cards
        .iter()
        .filter_map(|(id, _)| facts.get(id))
        .filter(|f| f.by_mail())
        .count() as i64
}

fn col(title: &str, kind: &str, width: u16) -> ReportColumn {
    ReportColumn {
        title: title.to_owned(),
        kind: kind.to_owned(),
        width,
    }
}

fn t(s: impl Into<String>) -> ReportCell {
    ReportCell::Text(s.into())
}

fn n(v: i64) -> ReportCell {
    ReportCell::Int(v)
}

fn section(
    key: &str,
    title: &str,
    columns: Vec<ReportColumn>,
    rows: Vec<Vec<ReportCell>>,
) -> ReportSection {
    ReportSection {
        key: key.to_owned(),
        title: title.to_owned(),
        columns,
        rows,
    }
}

/// Computes a report. Pure: the same inputs give the same report.
pub fn compute(period: &Period, inputs: &ReportInputs, generated_at: &str) -> Report {
    let mut days: BTreeMap<String, DayFigures> = period
        .days()
        .map(|d| (Period::ymd(d), DayFigures::default()))
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
    let (from, to) = (period.from_str(), period.to_str());
    let in_period = |d: &str| d >= from.as_str() && d <= to.as_str();
    for b in &inputs.batches {
        if in_period(&b.delivered_on) {
            days.entry(b.delivered_on.clone()).or_default().matched +=
                b.cards.iter().filter(|(_, r)| r.is_some()).count() as i64;
        }
        if let Some(on) = b.mailed_on.as_deref().filter(|d| in_period(d)) {
            days.entry(on.to_owned()).or_default().mailed += mailed_cards(b, &inputs.card_records);
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

    let mut summary = vec![
        vec![t("出張申請サポート件数（受付）"), n(total.uketsuke)],
        vec![t("出張申請サポート件数（サポート）"), n(total.support)],
        vec![
            t("出張申請サポート件数（合計）"),
            n(total.uketsuke + total.support),
        ],
        vec![
            t("マイナンバーカード交付等支援件数"),
            n(total.issue_support),
        ],
        vec![t("うち窓口交付（予約来庁）"), n(total.handed_over)],
        vec![t("その他対応件数"), n(total.other)],
        vec![t("電話対応件数"), n(total.phone)],
        vec![t("写真撮り直し（回）"), n(total.retakes)],
        vec![t("窓口受取"), n(total.counter_pickup)],
        vec![t("返戻物"), n(total.returned)],
        vec![t("カード照合"), n(total.matched)],
        vec![t("発送"), n(total.mailed)],
        vec![t("来庁なし（予約）"), n(total.no_show)],
    ];
    if period.kind != ReportKind::Daily {
        let trip_days: std::collections::BTreeSet<&str> =
            sites.keys().map(|(d, _)| d.as_str()).collect();
        let site_names: std::collections::BTreeSet<&str> =
            sites.keys().map(|(_, s)| s.as_str()).collect();
        let counter_days: std::collections::BTreeSet<&str> =
            inputs.counter.iter().map(|c| c.on_date.as_str()).collect();
        summary.push(vec![t("出張日数"), n(trip_days.len() as i64)]);
        summary.push(vec![t("出張会場数"), n(site_names.len() as i64)]);
        summary.push(vec![t("窓口開設日数"), n(counter_days.len() as i64)]);
    }
    let mut sections = vec![section(
        "summary",
        "概要",
        vec![col("項目", "text", 36), col("件数", "int", 10)],
        summary,
    )];
    sections.push(section(
        "sites",
        "出張申請サポート件数（会場別）",
        vec![
            col("日付", "date", 12),
            col("会場", "text", 28),
            col("区分", "text", 10),
            col("予定人数", "int", 9),
            col("受付", "int", 7),
            col("サポート", "int", 9),
            col("合計", "int", 7),
            col("写真撮り直し", "int", 12),
            col("窓口受取", "int", 9),
            col("要確認", "int", 8),
        ],
        sites
            .iter()
            .map(|((date, site), d)| {
                vec![
                    t(date.clone()),
                    t(site.clone()),
                    t(mode_ja(&d.mode)),
                    d.expected.map_or_else(|| t(""), n),
                    n(d.uketsuke),
                    n(d.support),
                    n(d.uketsuke + d.support),
                    n(d.retakes),
                    n(d.counter_pickup),
                    n(d.flagged),
                ]
            })
            .collect(),
    ));
    if period.kind != ReportKind::Daily {
        // A contract period is tabled per month (a year of days is ten pages).
        let by_month = period.kind == ReportKind::Completion;
        let mut grouped: BTreeMap<String, DayFigures> = BTreeMap::new();
        for (date, d) in &days {
            let key = if by_month {
                date.get(..7).unwrap_or(date).to_owned()
            } else {
                date.clone()
            };
            grouped.entry(key).or_default().add(d);
        }
        let mut rows: Vec<Vec<ReportCell>> = grouped
            .iter()
            .map(|(date, d)| {
                vec![
                    t(date.clone()),
                    n(d.uketsuke),
                    n(d.support),
                    n(d.issue_support),
                    n(d.other),
                    n(d.phone),
                    n(d.retakes),
                    n(d.counter_pickup),
                    n(d.returned),
                    n(d.matched),
                    n(d.mailed),
                    n(d.handed_over),
                ]
            })
            .collect();
        rows.push(vec![
            t("合計"),
            n(total.uketsuke),
            n(total.support),
            n(total.issue_support),
            n(total.other),
            n(total.phone),
            n(total.retakes),
            n(total.counter_pickup),
            n(total.returned),
            n(total.matched),
            n(total.mailed),
            n(total.handed_over),
        ]);
        sections.push(section(
            "days",
            if by_month {
                "月別集計"
            } else {
                "日別集計"
            },
            vec![
                col(
                    if by_month { "月" } else { "日付" },
                    if by_month { "text" } else { "date" },
                    12,
                ),
                col("受付", "int", 7),
                col("サポート", "int", 9),
                col("交付等支援", "int", 10),
                col("その他", "int", 8),
                col("電話", "int", 7),
                col("写真撮り直し", "int", 12),
                col("窓口受取", "int", 9),
                col("返戻物", "int", 8),
                col("カード照合", "int", 10),
                col("発送", "int", 7),
                col("窓口交付", "int", 9),
            ],
            rows,
        ));
    }
    // The national pipeline, cumulative: a card handed over was also shipped and set up.
    let rank = |stage: &str| match stage {
        "shipped" => 1,
        "preissue" => 2,
        "issued" => 3,
        _ => 0,
    };
    let at_least = |r: i32| {
        inputs
            .records
            .iter()
            .filter(|f| rank(&f.stage) >= r)
            .count() as i64
    };
    sections.push(section(
        "stages",
        "進捗（申請受付 → 発送 → 交付前設定 → 交付）",
        vec![col("段階", "text", 36), col("件数", "int", 10)],
        vec![
            vec![t("申請受付数"), n(at_least(0))],
            vec![t("発送枚数"), n(at_least(1))],
            vec![t("交付前設定実施済み数"), n(at_least(2))],
            vec![t("交付実施済み数"), n(at_least(3))],
        ],
    ));
    sections.push(section(
        "other",
        "その他対応件数（内訳）",
        vec![col("内訳", "text", 36), col("件数", "int", 10)],
        other_breakdown
            .iter()
            .map(|(k, v)| vec![t(k.clone()), n(*v)])
            .collect(),
    ));
    let mut topic_rows: Vec<(String, i64)> = topics.into_iter().collect();
    topic_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sections.push(section(
        "phoneTopics",
        "電話対応件数（内容別）",
        vec![col("内容", "text", 36), col("件数", "int", 10)],
        topic_rows
            .into_iter()
            .map(|(k, v)| vec![t(k), n(v)])
            .collect(),
    ));
    if period.kind != ReportKind::Completion {
        sections.push(section(
            "phone",
            "電話対応の内容・回答",
            vec![
                col("日付", "date", 12),
                col("内容", "text", 24),
                col("回答", "text", 48),
            ],
            inputs
                .phone
                .iter()
                .map(|p| {
                    vec![
                        t(p.on_date.clone()),
                        t(p.topic.clone()),
                        t(p.answer.clone()),
                    ]
                })
                .collect(),
        ));
        sections.push(section(
            "returned",
            "返戻物",
            vec![
                col("返戻日", "date", 12),
                col("申請書ID", "id", 27),
                col("理由", "text", 14),
                col("連絡回数", "int", 9),
                col("状況", "text", 14),
            ],
            inputs
                .returned
                .iter()
                .map(|r| {
                    vec![
                        t(r.returned_on.clone()),
                        t(r.application_id.clone()),
                        t(reason_ja(&r.reason)),
                        n(r.contacts.len() as i64),
                        t(resolution_ja(r.resolution.as_deref())),
                    ]
                })
                .collect(),
        ));
    }
    if period.kind == ReportKind::Daily {
        sections.push(section(
            "pickups",
            "窓口交付（予約）",
            vec![
                col("予約時刻", "text", 10),
                col("申請書ID", "id", 27),
                col("結果", "text", 12),
            ],
            inputs
                .pickups
                .iter()
                .filter(|b| b.closed_on.as_deref().is_some_and(in_period))
                .map(|b| {
                    vec![
                        t(b.slot_time.clone()),
                        t(b.application_id.clone()),
                        t(if b.status == "issued" {
                            "交付"
                        } else {
                            "来庁なし"
                        }),
                    ]
                })
                .collect(),
        ));
    }
    if period.kind == ReportKind::Daily {
        let mut apps: Vec<&RecordFacts> = inputs.records.iter().collect();
        apps.sort_by(|a, b| {
            (&a.date, &a.site, &a.application_id).cmp(&(&b.date, &b.site, &b.application_id))
        });
        sections.push(section(
            "applications",
            "申請一覧（申請書ID）",
            vec![
                col("日付", "date", 12),
                col("会場", "text", 24),
                col("申請書ID", "id", 27),
                col("区分", "text", 10),
                col("受取方法", "text", 10),
                col("写真撮り直し", "int", 14),
                col("要確認", "text", 28),
            ],
            apps.into_iter()
                .map(|f| {
                    vec![
                        t(f.date.clone()),
                        t(f.site.clone()),
                        t(if f.has_application_id() {
                            f.application_id.clone()
                        } else {
                            "（未記入）".to_owned()
                        }),
                        t(mode_ja(&f.mode)),
                        t(delivery_ja(&f.delivery)),
                        n(f.retakes),
                        t(issues_ja(&f.issues(1))),
                    ]
                })
                .collect(),
        ));
    }

    for (title, paragraphs) in &inputs.remarks {
        sections.push(section(
            "remarks",
            title,
            vec![col("内容", "text", 80)],
            paragraphs.iter().map(|p| vec![t(p.clone())]).collect(),
        ));
    }

    Report {
        kind: period.kind.as_str().to_owned(),
        title: format!("{} {}", period.kind.title(), period.label()),
        from: period.from_str(),
        to: period.to_str(),
        generated_at: generated_at.to_owned(),
        sections,
        per_day: days
            .iter()
            .filter(|(d, _)| in_period(d))
            .map(|(date, d)| DayCount {
                date: date.clone(),
                uketsuke: d.uketsuke,
                support: d.support,
            })
            .collect(),
        per_site: per_site
            .into_iter()
            .map(|(site, (uketsuke, support))| SiteCount {
                site,
                uketsuke,
                support,
            })
            .collect(),
    }
}

/// Japanese for issue codes, joined for one cell.
pub fn issues_ja(issues: &[String]) -> String {
    issues
        .iter()
        .filter_map(|i| match i.as_str() {
            "photo_failure" => Some("写真不適合"),
            "photo_warning" => Some("写真注意"),
            "photo_exception" => Some("写真例外"),
            "documents_missing" => Some("本人確認書類不足"),
            "counter_pickup" => Some("窓口受取"),
            "no_application_id" => Some("申請書IDなし"),
            "amended" => Some("訂正あり"),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("・")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(date: &str, site: &str, mode: &str, delivery: &str, retakes: i64) -> RecordFacts {
        RecordFacts {
            application_id: format!("{:0>23}", retakes),
            date: date.into(),
            site: site.into(),
            mode: mode.into(),
            delivery: delivery.into(),
            retakes,
            ..Default::default()
        }
    }

    #[test]
    fn remarks_are_titled_paragraphs() {
        let text = "前置き\n\n# 受託者の意見\n出張先の拡大を提案します。\n二行目。\n\n次の段落。\n# 住民の反応\n近くで申請できて助かった。\n";
        assert_eq!(
            parse_remarks(text),
            [
                ("所見".to_owned(), vec!["前置き".to_owned()]),
                (
                    "受託者の意見".to_owned(),
                    vec![
                        "出張先の拡大を提案します。\n二行目。".to_owned(),
                        "次の段落。".to_owned()
                    ]
                ),
                (
                    "住民の反応".to_owned(),
                    vec!["近くで申請できて助かった。".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn periods_parse_and_months_end_on_their_last_day() {
        let m = Period::monthly("2028-02").expect("a month");
        assert_eq!(
            (m.from_str(), m.to_str()),
            ("2028-02-01".into(), "2028-02-29".into()),
            "2028 is a leap year"
        );
        let d = Period::monthly("2026-12").expect("a month");
        assert_eq!(d.to_str(), "2026-12-31");
        assert_eq!(Period::daily("2026-11-31"), Err(PeriodError::Date));
        assert_eq!(Period::monthly("2026-1"), Err(PeriodError::Month));
        assert_eq!(
            Period::completion("2026-12-01", "2026-11-01"),
            Err(PeriodError::Range)
        );
        assert_eq!(
            Period::daily("2026-11-26").expect("day").file_name("pdf"),
            "outreach-daily-2026-11-26.pdf"
        );
    }

    #[test]
    fn the_monthly_figures_add_up_per_day_site_and_mode() {
        let period = Period::monthly("2026-11").expect("month");
        let inputs = ReportInputs {
            records: vec![
                facts("2026-11-05", "A社", "uketsuke", "mail", 1),
                facts("2026-11-05", "A社", "uketsuke", "counter", 0),
                facts("2026-11-05", "B園", "support", "counter", 2),
                facts("2026-11-20", "A社", "support", "unknown", 0),
            ],
            counter: vec![
                CounterCase {
                    case_id: "1".into(),
                    on_date: "2026-11-05".into(),
                    place: "窓口".into(),
                    kind: "issue_support".into(),
                    detail: String::new(),
                    count: 3,
                    created_by: "s".into(),
                },
                CounterCase {
                    case_id: "2".into(),
                    on_date: "2026-11-06".into(),
                    place: "窓口".into(),
                    kind: "other".into(),
                    detail: "暗証番号再設定".into(),
                    count: 2,
                    created_by: "s".into(),
                },
            ],
            phone: vec![PhoneEnquiry {
                enquiry_id: "p".into(),
                on_date: "2026-11-06".into(),
                topic: "日程".into(),
                answer: "案内した".into(),
                created_by: "s".into(),
            }],
            ..Default::default()
        };
        let r = compute(&period, &inputs, "2026-12-01T00:00:00Z");
        assert_eq!(
            r.per_day.len(),
            30,
            "every day of November is on the chart, empty ones too"
        );
        let nov5 = r
            .per_day
            .iter()
            .find(|d| d.date == "2026-11-05")
            .expect("the 5th");
        assert_eq!((nov5.uketsuke, nov5.support), (2, 1));
        let summary = &r.sections[0];
        let value = |label: &str| {
            summary
                .rows
                .iter()
                .find(|row| row[0] == t(label))
                .map(|row| row[1].clone())
        };
        assert_eq!(value("出張申請サポート件数（合計）"), Some(n(4)));
        assert_eq!(value("出張申請サポート件数（受付）"), Some(n(2)));
        assert_eq!(value("マイナンバーカード交付等支援件数"), Some(n(3)));
        assert_eq!(value("その他対応件数"), Some(n(2)));
        assert_eq!(value("電話対応件数"), Some(n(1)));
        assert_eq!(value("写真撮り直し（回）"), Some(n(3)));
        assert_eq!(value("窓口受取"), Some(n(2)));
        let sites = r.sections.iter().find(|s| s.key == "sites").expect("sites");
        assert_eq!(
            sites.rows.len(),
            3,
            "A社 on the 5th and the 20th are two rows, B園 one"
        );
        assert_eq!(
            r.per_site
                .iter()
                .map(|s| (s.site.as_str(), s.uketsuke, s.support))
                .collect::<Vec<_>>(),
            [("A社", 2, 1), ("B園", 0, 1)]
        );
        assert!(
            !r.sections.iter().any(|s| s.key == "applications"),
            "the monthly report does not list applications"
        );
    }
}

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Excel workbook.
    Xlsx,
    /// CSV, UTF-8 with BOM.
    Csv,
    /// PDF, A4.
    Pdf,
}

impl Format {
    /// From `xlsx`, `csv` or `pdf`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }
}

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// rust_xlsxwriter failed.
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// krilla failed.
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
}

/// The report as a file in `format`.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Xlsx => xlsx::write(report)?,
        Format::Csv => csv::write(report),
        Format::Pdf => pdf::write(report)?,
    })
}
