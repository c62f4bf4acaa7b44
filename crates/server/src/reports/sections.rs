//! A report's tables, a function per section. Each arranges the figures counted once
//! ([`Figures`]) or lists the inputs; none reads the store or the clock.

use std::collections::BTreeMap;

use outreach_protocol::console::{ReportCell, ReportColumn, ReportSection};

use super::figures::{DayFigures, Figures};
use super::{
    Period, RecordFacts, ReportInputs, ReportKind, delivery_ja, issues_ja, mode_ja, reason_ja,
    resolution_ja,
};
use crate::office::stages;

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

/// 概要: the period's totals, and for a month or more its trip days, sites and counter days.
pub(super) fn summary(period: &Period, f: &Figures, inputs: &ReportInputs) -> ReportSection {
    let mut summary = vec![
        vec![t("出張申請サポート件数（受付）"), n(f.total.uketsuke)],
        vec![t("出張申請サポート件数（サポート）"), n(f.total.support)],
        vec![
            t("出張申請サポート件数（合計）"),
            n(f.total.uketsuke + f.total.support),
        ],
        vec![
            t("マイナンバーカード交付等支援件数"),
            n(f.total.issue_support),
        ],
        vec![t("うち窓口交付（予約来庁）"), n(f.total.handed_over)],
        vec![t("その他対応件数"), n(f.total.other)],
        vec![t("電話対応件数"), n(f.total.phone)],
        vec![t("写真撮り直し（回）"), n(f.total.retakes)],
        vec![t("窓口受取"), n(f.total.counter_pickup)],
        vec![t("返戻物"), n(f.total.returned)],
        vec![t("カード照合"), n(f.total.matched)],
        vec![t("発送"), n(f.total.mailed)],
        vec![t("来庁なし（予約）"), n(f.total.no_show)],
    ];
    if period.kind != ReportKind::Daily {
        let trip_days: std::collections::BTreeSet<&str> =
            f.sites.keys().map(|(d, _)| d.as_str()).collect();
        let site_names: std::collections::BTreeSet<&str> =
            f.sites.keys().map(|(_, s)| s.as_str()).collect();
        let counter_days: std::collections::BTreeSet<&str> =
            inputs.counter.iter().map(|c| c.on_date.as_str()).collect();
        summary.push(vec![t("出張日数"), n(trip_days.len() as i64)]);
        summary.push(vec![t("出張会場数"), n(site_names.len() as i64)]);
        summary.push(vec![t("窓口開設日数"), n(counter_days.len() as i64)]);
    }
    section(
        "summary",
        "概要",
        vec![col("項目", "text", 36), col("件数", "int", 10)],
        summary,
    )
}

/// 出張申請サポート件数（会場別）: each site on each day.
pub(super) fn sites(f: &Figures) -> ReportSection {
    section(
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
        f.sites
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
    )
}

/// 日別集計, or 月別集計 for a contract period (a year of days is ten pages).
pub(super) fn days(period: &Period, f: &Figures) -> ReportSection {
    let by_month = period.kind == ReportKind::Completion;
    let mut grouped: BTreeMap<String, DayFigures> = BTreeMap::new();
    for (date, d) in &f.days {
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
        n(f.total.uketsuke),
        n(f.total.support),
        n(f.total.issue_support),
        n(f.total.other),
        n(f.total.phone),
        n(f.total.retakes),
        n(f.total.counter_pickup),
        n(f.total.returned),
        n(f.total.matched),
        n(f.total.mailed),
        n(f.total.handed_over),
    ]);
    section(
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
    )
}

/// 進捗: how many records reached each national stage. Cumulative: a card handed over
/// was also shipped and set up.
pub(super) fn stages(inputs: &ReportInputs) -> ReportSection {
    let at_least = |r: i32| {
        inputs
            .records
            .iter()
            .filter(|f| stages::rank(&f.stage) >= r)
            .count() as i64
    };
    section(
        "stages",
        "進捗（申請受付 → 発送 → 交付前設定 → 交付）",
        vec![col("段階", "text", 36), col("件数", "int", 10)],
        vec![
            vec![t("申請受付数"), n(at_least(0))],
            vec![t("発送枚数"), n(at_least(1))],
            vec![t("交付前設定実施済み数"), n(at_least(2))],
            vec![t("交付実施済み数"), n(at_least(3))],
        ],
    )
}

/// その他対応件数（内訳）.
pub(super) fn other(f: &Figures) -> ReportSection {
    section(
        "other",
        "その他対応件数（内訳）",
        vec![col("内訳", "text", 36), col("件数", "int", 10)],
        f.other_breakdown
            .iter()
            .map(|(k, v)| vec![t(k.clone()), n(*v)])
            .collect(),
    )
}

/// 電話対応件数（内容別）: the most asked first.
pub(super) fn phone_topics(f: &Figures) -> ReportSection {
    let mut topic_rows: Vec<(String, i64)> = f.topics.clone().into_iter().collect();
    topic_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    section(
        "phoneTopics",
        "電話対応件数（内容別）",
        vec![col("内容", "text", 36), col("件数", "int", 10)],
        topic_rows
            .into_iter()
            .map(|(k, v)| vec![t(k), n(v)])
            .collect(),
    )
}

/// 電話対応の内容・回答: every enquiry with its answer.
pub(super) fn phone(inputs: &ReportInputs) -> ReportSection {
    section(
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
    )
}

/// 返戻物: every card returned in the period and where it stands.
pub(super) fn returned(inputs: &ReportInputs) -> ReportSection {
    section(
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
    )
}

/// 窓口交付（予約）: the day's bookings closed as 交付 or 来庁なし.
pub(super) fn pickups(period: &Period, inputs: &ReportInputs) -> ReportSection {
    section(
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
            .filter(|b| b.closed_on.as_deref().is_some_and(|d| period.contains(d)))
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
    )
}

/// 申請一覧（申請書ID）: the day's applications by 申請書ID, never by name.
pub(super) fn applications(inputs: &ReportInputs) -> ReportSection {
    let mut apps: Vec<&RecordFacts> = inputs.records.iter().collect();
    apps.sort_by(|a, b| {
        (&a.date, &a.site, &a.application_id).cmp(&(&b.date, &b.site, &b.application_id))
    });
    section(
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
    )
}

/// The written remarks, a section per heading.
pub(super) fn remarks(inputs: &ReportInputs) -> impl Iterator<Item = ReportSection> + '_ {
    inputs.remarks.iter().map(|(title, paragraphs)| {
        section(
            "remarks",
            title,
            vec![col("内容", "text", 80)],
            paragraphs.iter().map(|p| vec![t(p.clone())]).collect(),
        )
    })
}
