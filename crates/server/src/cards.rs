//! Reading the 申請書IDs of a delivered card batch: a typed or scanned list, or a CSV
//! file. All or nothing: every row's problem is named, and nothing is stored unless
//! there is none.

use outreach_protocol::console::ImportProblem;

/// The heading of the ID column in an imported CSV (`application_id` also works).
pub const ID_HEADING: &str = "申請書ID";

fn problem(row: usize, code: &str, message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        row: row as i64,
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Full-width digits (a Japanese IME, some scanners) folded to ASCII; spaces around
/// trimmed.
pub(crate) fn fold_digits(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect()
}

/// Checks a list of IDs (row = position from 1): each must be 23 digits and appear
/// once. Returns the IDs, or every problem.
pub fn check_ids(ids: &[(usize, String)]) -> Result<Vec<String>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (row, raw) in ids {
        let id = fold_digits(raw);
        if id.is_empty() {
            problems.push(problem(*row, "empty", "申請書IDが空です。"));
        } else if !id.chars().all(|c| c.is_ascii_digit()) {
            problems.push(problem(
                *row,
                "not_digits",
                "申請書IDは数字23桁です。数字以外の文字が含まれています。",
            ));
        } else if id.len() != 23 {
            problems.push(problem(
                *row,
                "wrong_length",
                format!("申請書IDは23桁です（{}桁でした）。", id.len()),
            ));
        } else if let Some(first) = seen.get(&id) {
            problems.push(problem(
                *row,
                "duplicate",
                format!("{first}行目と同じ申請書IDです。"),
            ));
        } else {
            seen.insert(id.clone(), *row);
            out.push(id);
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(problem(0, "empty", "申請書IDが1件もありません。"));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Splits one CSV line into fields (double quotes, doubled quotes inside).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Reads a CSV of 申請書IDs: UTF-8 (a BOM is fine), a heading row with a
/// [`ID_HEADING`] column, one ID per row; blank lines are skipped.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<String>, Vec<ImportProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            let (_, _, sjis_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            let message = if sjis_errors {
                "ファイルがUTF-8ではありません。UTF-8（BOM付きでも可）で保存し直してください。"
            } else {
                "ファイルがShift_JISで保存されています。UTF-8（BOM付きでも可）で保存し直してください。"
            };
            return Err(vec![problem(0, "not_utf8", message)]);
        }
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![problem(0, "empty", "ファイルが空です。")]);
    };
    let headings: Vec<String> = fields(header).iter().map(|h| h.trim().to_owned()).collect();
    let Some(column) = headings
        .iter()
        .position(|h| h == ID_HEADING || h == "application_id")
    else {
        return Err(vec![problem(
            1,
            "wrong_columns",
            format!(
                "1行目に「{ID_HEADING}」の列がありません（列: {}）。",
                headings.join("、")
            ),
        )]);
    };
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in lines {
        let row = i + 1;
        let f = fields(line);
        if f.len() != headings.len() {
            problems.push(problem(
                row,
                "wrong_columns",
                format!(
                    "列の数が見出しと違います（見出し{}列、この行{}列）。",
                    headings.len(),
                    f.len()
                ),
            ));
            continue;
        }
        ids.push((row, f[column].clone()));
    }
    match check_ids(&ids) {
        Ok(ids) if problems.is_empty() => Ok(ids),
        Ok(_) => Err(problems),
        Err(more) => {
            // "No IDs at all" says nothing new when rows were refused already.
            let rows_refused = !problems.is_empty();
            problems.extend(more.into_iter().filter(|p| p.row != 0 || !rows_refused));
            problems.sort_by_key(|p| p.row);
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "12345678901234567890123";
    const B: &str = "12345678901234567890124";

    fn codes(r: Result<Vec<String>, Vec<ImportProblem>>) -> Vec<(i64, String)> {
        r.expect_err("problems")
            .into_iter()
            .map(|p| (p.row, p.code))
            .collect()
    }

    #[test]
    fn a_good_csv_with_bom_and_full_width_digits_reads() {
        let csv = format!(
            "\u{FEFF}申請書ID,備考\r\n{A},\r\n\r\n１２３４５６７８９０１２３４５６７８９０１２４,再送\r\n"
        );
        assert_eq!(
            parse_csv(csv.as_bytes()),
            Ok(vec![A.to_owned(), B.to_owned()])
        );
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_passes() {
        let csv =
            format!("申請書ID,備考\n{A},\n1234,短い\n{A},重複\n12345678901234567890abc,\n{B}\n");
        assert_eq!(
            codes(parse_csv(csv.as_bytes())),
            [
                (3, "wrong_length".to_owned()),
                (4, "duplicate".to_owned()),
                (5, "not_digits".to_owned()),
                (6, "wrong_columns".to_owned()),
            ],
            "each row's problem, by its line number; the good rows do not make it through alone"
        );
    }

    #[test]
    fn wrong_columns_and_shift_jis_are_refused_as_a_whole() {
        assert_eq!(
            codes(parse_csv(format!("番号\n{A}\n").as_bytes())),
            [(1, "wrong_columns".to_owned())]
        );
        let text = format!("申請書ID\n{A}\n");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let problems = parse_csv(&sjis).expect_err("Shift_JIS is refused");
        assert_eq!(problems[0].code, "not_utf8");
        assert!(
            problems[0].message.contains("Shift_JIS"),
            "the message names the encoding: {}",
            problems[0].message
        );
        assert_eq!(codes(parse_csv(b"")), [(0, "empty".to_owned())]);
    }
}
