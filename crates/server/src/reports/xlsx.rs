//! The report as an Excel workbook: one worksheet per table, with Japanese headings,
//! counts as numbers, dates as Excel dates, 申請書IDs as text (23 digits would lose
//! their last digits as a number), and column widths to fit.

use outreach_protocol::console::{Report, ReportCell, ReportSection};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

/// Row of the headings on every sheet (0-based): the title is on row 0, the period on 1.
pub const HEADER_ROW: u32 = 3;

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &ReportSection, used: &mut Vec<String>) -> String {
    let clean: String = s
        .title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut i = 2;
    while used.contains(&name) {
        name = format!("{clean}{i}");
        i += 1;
    }
    used.push(name.clone());
    name
}

/// The whole report as xlsx bytes.
pub fn write(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let font = "BIZ UDゴシック";
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_font_name(font);
    let plain = Format::new().set_font_name(font);
    let heading = Format::new()
        .set_bold()
        .set_font_name(font)
        .set_background_color(Color::RGB(0xDCE6F2))
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_font_name(font)
        .set_border(FormatBorder::Thin);
    let number = cell.clone().set_num_format("#,##0");
    let day = cell.clone().set_num_format("yyyy-mm-dd");
    let mut used = Vec::new();
    for s in &report.sections {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(s, &mut used))?;
        sheet.write_string_with_format(0, 0, format!("{}　{}", report.title, s.title), &title)?;
        sheet.write_string_with_format(
            1,
            0,
            format!(
                "期間 {} 〜 {}　作成 {}",
                report.from, report.to, report.generated_at
            ),
            &plain,
        )?;
        for (c, column) in s.columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.set_column_width(c, f64::from(column.width) * 1.1 + 1.0)?;
            sheet.write_string_with_format(HEADER_ROW, c, &column.title, &heading)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = HEADER_ROW + 1 + u32::try_from(r).unwrap_or(u32::MAX - HEADER_ROW - 1);
            for (c, (value, column)) in row.iter().zip(&s.columns).enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match value {
                    ReportCell::Int(v) => {
                        sheet.write_number_with_format(r, c, *v as f64, &number)?;
                    }
                    ReportCell::Text(text) if column.kind == "date" => {
                        match ExcelDateTime::parse_from_str(text) {
                            Ok(d) => sheet.write_datetime_with_format(r, c, &d, &day)?,
                            // A total row's label sits in the date column.
                            Err(_) => sheet.write_string_with_format(r, c, text, &cell)?,
                        };
                    }
                    ReportCell::Text(text) => {
                        sheet.write_string_with_format(r, c, text, &cell)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
        // Printable as it is: A4 landscape, as wide as one page, headings on every page.
        sheet.set_paper_size(9);
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        sheet.set_header(format!("&L{}&R&P / &N", report.title));
    }
    workbook.save_to_buffer()
}
