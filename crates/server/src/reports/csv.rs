//! The report as CSV: UTF-8 with a byte-order mark (so Excel opens it as UTF-8),
//! CRLF line ends, each table under its title with a blank line between.

use outreach_protocol::console::{Report, ReportCell};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One field, quoted when it must be. Text that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-` or `@`) gets a leading `'`, so a typed answer can never
/// become a formula in someone's Excel.
fn field(cell: &ReportCell) -> String {
    match cell {
        ReportCell::Int(v) => v.to_string(),
        ReportCell::Text(s) => {
            let s = if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.clone()
            };
            if s.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        }
    }
}

fn line(out: &mut String, cells: &[ReportCell]) {
    let fields: Vec<String> = cells.iter().map(field).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Rows (the first one the headings) as CSV bytes with the BOM.
pub fn table(rows: &[Vec<ReportCell>]) -> Vec<u8> {
    let mut out = String::new();
    for row in rows {
        line(&mut out, row);
    }
    let mut bytes = BOM.to_vec();
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// The whole report as CSV bytes.
pub fn write(report: &Report) -> Vec<u8> {
    let text = |s: &str| ReportCell::Text(s.to_owned());
    let mut out = String::new();
    line(&mut out, &[text(&report.title)]);
    line(
        &mut out,
        &[text("期間"), text(&report.from), text(&report.to)],
    );
    line(&mut out, &[text("作成"), text(&report.generated_at)]);
    for s in &report.sections {
        out.push_str("\r\n");
        line(&mut out, &[text(&format!("■{}", s.title))]);
        let headings: Vec<ReportCell> = s.columns.iter().map(|c| text(&c.title)).collect();
        line(&mut out, &headings);
        for row in &s.rows {
            line(&mut out, row);
        }
    }
    let mut bytes = BOM.to_vec();
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field(&ReportCell::Text("a,b".into())), "\"a,b\"");
        assert_eq!(
            field(&ReportCell::Text("言った\"こと\"".into())),
            "\"言った\"\"こと\"\"\"",
            "a quote inside is doubled and the field quoted (RFC 4180)"
        );
        assert_eq!(field(&ReportCell::Text("x\"y,".into())), "\"x\"\"y,\"");
        assert_eq!(
            field(&ReportCell::Text("=HYPERLINK(\"http://x\")".into())),
            "\"'=HYPERLINK(\"\"http://x\"\")\"",
            "a formula typed into an answer must reach Excel as text"
        );
        assert_eq!(field(&ReportCell::Int(-3)), "-3", "numbers are numbers");
    }
}
