//! `compute`: a report's inputs in, its tables and chart series out. Pure (no store,
//! no clock), so the xlsx, CSV, PDF and the console page show the same numbers.

use outreach_protocol::console::{DayCount, Report, SiteCount};

use super::figures::Figures;
use super::sections;
use super::{Period, ReportInputs, ReportKind};

/// Computes a report. Pure: the same inputs give the same report.
pub fn compute(period: &Period, inputs: &ReportInputs, generated_at: &str) -> Report {
    let f = Figures::count(period, inputs);
    let mut tables = vec![sections::summary(period, &f, inputs), sections::sites(&f)];
    if period.kind != ReportKind::Daily {
        tables.push(sections::days(period, &f));
    }
    tables.push(sections::stages(inputs));
    tables.push(sections::other(&f));
    tables.push(sections::phone_topics(&f));
    if period.kind != ReportKind::Completion {
        tables.push(sections::phone(inputs));
        tables.push(sections::returned(inputs));
    }
    if period.kind == ReportKind::Daily {
        tables.push(sections::pickups(period, inputs));
        tables.push(sections::applications(inputs));
    }
    tables.extend(sections::remarks(inputs));
    Report {
        kind: period.kind.as_str().to_owned(),
        title: format!("{} {}", period.kind.title(), period.label()),
        from: period.from_str(),
        to: period.to_str(),
        generated_at: generated_at.to_owned(),
        sections: tables,
        per_day: f
            .days
            .iter()
            .filter(|(d, _)| period.contains(d))
            .map(|(date, d)| DayCount {
                date: date.clone(),
                uketsuke: d.uketsuke,
                support: d.support,
            })
            .collect(),
        per_site: f
            .per_site
            .into_iter()
            .map(|(site, (uketsuke, support))| SiteCount {
                site,
                uketsuke,
                support,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use outreach_protocol::console::{CounterCase, PhoneEnquiry, ReportCell};

    use super::*;
    use crate::reports::RecordFacts;

    fn t(s: &str) -> ReportCell {
        ReportCell::Text(s.to_owned())
    }

    fn n(v: i64) -> ReportCell {
        ReportCell::Int(v)
    }

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
