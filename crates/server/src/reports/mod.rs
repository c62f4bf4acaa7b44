//! Daily, monthly and completion reports (実績報告) computed from the store, and
//! written as xlsx, CSV (UTF-8 with BOM) and PDF. People appear by 申請書ID only.
//!
//! The figures are computed once into an [`outreach_protocol::console::Report`]: a
//! list of titled tables plus the chart series. Each format renders those tables, so
//! the three files and the console always show the same numbers.

mod compute;
pub mod csv;
mod figures;
pub mod pdf;
pub mod record;
mod sections;
pub mod xlsx;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use outreach_protocol::console::{CounterCase, PhoneEnquiry, Report, Returned};
use outreach_protocol::sync::Trip;

pub use compute::compute;
pub use record::{RecordFacts, is_application_id, japan_date};

use crate::office::batches::matched_ids;
use crate::office::ymd;
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

    /// Whether the day `d` (YYYY-MM-DD) is one of the period's.
    pub fn contains(&self, d: &str) -> bool {
        d >= self.from_str().as_str() && d <= self.to_str().as_str()
    }

    /// First day as YYYY-MM-DD.
    pub fn from_str(&self) -> String {
        ymd(self.from)
    }

    /// Last day as YYYY-MM-DD.
    pub fn to_str(&self) -> String {
        ymd(self.to)
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
    let in_period = |d: &str| period.contains(d);
    let batches: Vec<CardBatchRow> = store
        .card_batches()
        .await?
        .into_iter()
        .filter(|b| in_period(&b.delivered_on) || b.mailed_on.as_deref().is_some_and(in_period))
        .collect();
    let ids: Vec<String> = batches.iter().flat_map(matched_ids).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
