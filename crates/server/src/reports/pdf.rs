//! The report as a printable PDF (A4 portrait) with its Japanese text in an embedded,
//! subset BIZ UDGothic (OFL; `fonts/`), which krilla writes with a ToUnicode map so
//! the text can be searched and copied (`pdftotext` reads it back). The monthly and
//! completion reports carry two bar charts drawn as paths: applications per day and
//! per site.
//!
//! Layout and drawing are separate: [`layout`] places everything on pages as plain
//! drawing operations, and [`write`] hands those to krilla.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use outreach_protocol::console::{Report, ReportCell, ReportSection};

/// BIZ UDGothic Regular: a fixed-pitch Japanese face (full-width characters one em,
/// ASCII half), so text widths are known without shaping.
pub static FONT: &[u8] = include_bytes!("../../fonts/BIZUDGothic-Regular.ttf");

pub(crate) const PAGE_W: f32 = 595.0;
pub(crate) const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;
const BODY: f32 = 8.5;
const ROW_H: f32 = 14.0;

/// An RGB colour.
pub(crate) type Rgb = (u8, u8, u8);
pub(crate) const INK: Rgb = (0, 0, 0);
pub(crate) const RULE: Rgb = (0x80, 0x80, 0x80);
const HEAD: Rgb = (0xDC, 0xE6, 0xF2);
const UKETSUKE: Rgb = (0x00, 0x3D, 0x99);
const SUPPORT: Rgb = (0xE0, 0x8A, 0x00);

/// One drawing operation on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Text with its baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        color: Rgb,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
    },
}

/// Width of `s` at `size` in BIZ UDGothic: half an em per ASCII or half-width
/// character, one em for everything else.
pub(crate) fn text_width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| {
            if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) {
                0.5
            } else {
                1.0
            }
        })
        .sum::<f32>()
        * size
}

/// `s` cut to fit `width` at `size`, with `…` when cut.
fn fit(s: &str, size: f32, width: f32) -> String {
    if text_width(s, size) <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if text_width(&out, size) + size > width {
            out.pop();
            out.push('…');
            break;
        }
    }
    out
}

/// `s` broken into lines that fit `width` at `size` (at line breaks, else at any
/// character: Japanese has no spaces to break at), at most `max` lines, the last one
/// ending in `…` when text was left out.
pub(crate) fn wrap(s: &str, size: f32, width: f32, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        for c in paragraph.chars() {
            line.push(c);
            if text_width(&line, size) > width {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            *last = fit(&format!("{last}…"), size, width);
            if !last.ends_with('…') {
                last.pop();
                last.push('…');
            }
        }
    }
    lines
}

/// Height of one wrapped text line in a table.
const LINE_H: f32 = 11.0;
/// The most lines one cell shows.
const MAX_LINES: usize = 12;

struct Pages {
    pages: Vec<Vec<Op>>,
    y: f32,
    footer: String,
}

impl Pages {
    fn new(footer: String) -> Self {
        Pages {
            pages: vec![Vec::new()],
            y: MARGIN,
            footer,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Makes room for `h` points, starting a page when they do not fit.
    fn room(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text: text.into(),
            color: INK,
        });
    }

    fn table_header(&mut self, s: &ReportSection, widths: &[f32]) {
        let y = self.y;
        self.ops().push(Op::Fill {
            x: MARGIN,
            y,
            w: widths.iter().sum(),
            h: ROW_H,
            color: HEAD,
        });
        let mut x = MARGIN;
        for (c, w) in s.columns.iter().zip(widths) {
            let title = fit(&c.title, BODY, w - 4.0);
            // Count headings sit over their right-aligned figures.
            let tx = if c.kind == "int" {
                x + w - text_width(&title, BODY) - 3.0
            } else {
                x + 2.0
            };
            self.text(tx, y + ROW_H - 4.0, BODY, title);
            x += w;
        }
        self.rule(y + ROW_H);
        self.y += ROW_H;
    }

    fn rule(&mut self, y: f32) {
        self.ops().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            color: RULE,
        });
    }

    fn section(&mut self, s: &ReportSection) {
        self.room(20.0 + 2.0 * ROW_H);
        self.y += 8.0;
        let y = self.y + 11.0;
        self.text(MARGIN, y, 11.0, format!("■ {}", s.title));
        self.y += 18.0;
        let total: f32 = s.columns.iter().map(|c| f32::from(c.width.max(1))).sum();
        let widths: Vec<f32> = s
            .columns
            .iter()
            .map(|c| f32::from(c.width.max(1)) / total * (PAGE_W - 2.0 * MARGIN))
            .collect();
        self.table_header(s, &widths);
        if s.rows.is_empty() {
            self.text(MARGIN + 2.0, self.y + ROW_H - 4.0, BODY, "（該当なし）");
            self.y += ROW_H;
            return;
        }
        for row in &s.rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| match cell {
                    ReportCell::Int(v) => vec![v.to_string()],
                    ReportCell::Text(t) => wrap(t, BODY, w - 4.0, MAX_LINES),
                })
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let row_h = ROW_H.max(lines as f32 * LINE_H + 3.0);
            if self.y + row_h > PAGE_H - MARGIN {
                self.new_page();
                self.table_header(s, &widths);
            }
            let mut x = MARGIN;
            for ((cell, w), text) in row.iter().zip(&widths).zip(cells) {
                for (i, line) in text.into_iter().enumerate() {
                    let base = self.y + ROW_H - 4.0 + i as f32 * LINE_H;
                    let tx = match cell {
                        ReportCell::Int(_) => x + w - text_width(&line, BODY) - 3.0,
                        ReportCell::Text(_) => x + 2.0,
                    };
                    self.text(tx, base, BODY, line);
                }
                x += w;
            }
            self.rule(self.y + row_h);
            self.y += row_h;
        }
    }

    /// A bar chart: one bar per label, stacked 受付 then サポート; `horizontal` for
    /// sites (long names), vertical for days.
    fn chart(&mut self, title: &str, bars: &[(String, i64, i64)], horizontal: bool) {
        let plot_w = PAGE_W - 2.0 * MARGIN;
        let height = if horizontal {
            24.0 + bars.len().max(1) as f32 * 14.0
        } else {
            190.0
        };
        self.room(height + 40.0);
        self.y += 8.0;
        self.text(MARGIN, self.y + 11.0, 11.0, format!("■ {title}"));
        // Legend.
        let lx = PAGE_W - MARGIN - 150.0;
        for (i, (name, color)) in [("受付", UKETSUKE), ("サポート", SUPPORT)]
            .into_iter()
            .enumerate()
        {
            let x = lx + i as f32 * 70.0;
            let y = self.y + 3.0;
            self.ops().push(Op::Fill {
                x,
                y,
                w: 9.0,
                h: 9.0,
                color,
            });
            self.text(x + 12.0, y + 8.0, BODY, name);
        }
        self.y += 22.0;
        let max = bars.iter().map(|(_, a, b)| a + b).max().unwrap_or(0).max(1) as f32;
        if horizontal {
            let label_w = 150.0;
            let bar_w = plot_w - label_w - 30.0;
            for (label, a, b) in bars {
                let y = self.y;
                self.text(MARGIN, y + 10.0, BODY, fit(label, BODY, label_w - 6.0));
                let wa = *a as f32 / max * bar_w;
                let wb = *b as f32 / max * bar_w;
                let x0 = MARGIN + label_w;
                if wa > 0.0 {
                    self.ops().push(Op::Fill {
                        x: x0,
                        y: y + 2.0,
                        w: wa,
                        h: 10.0,
                        color: UKETSUKE,
                    });
                }
                if wb > 0.0 {
                    self.ops().push(Op::Fill {
                        x: x0 + wa,
                        y: y + 2.0,
                        w: wb,
                        h: 10.0,
                        color: SUPPORT,
                    });
                }
                self.text(x0 + wa + wb + 4.0, y + 10.0, BODY, (a + b).to_string());
                self.y += 14.0;
            }
            self.y += 6.0;
            return;
        }
        let top = self.y;
        let plot_h = 140.0;
        let base = top + plot_h;
        let axis_w = 24.0;
        self.ops().push(Op::Line {
            x1: MARGIN + axis_w,
            y1: base,
            x2: PAGE_W - MARGIN,
            y2: base,
            color: INK,
        });
        self.ops().push(Op::Line {
            x1: MARGIN + axis_w,
            y1: top,
            x2: MARGIN + axis_w,
            y2: base,
            color: INK,
        });
        let max_label = max as i64;
        self.text(MARGIN, top + 6.0, 7.0, max_label.to_string());
        self.text(MARGIN, base, 7.0, "0");
        let slot = (plot_w - axis_w) / bars.len().max(1) as f32;
        for (i, (label, a, b)) in bars.iter().enumerate() {
            let x = MARGIN + axis_w + i as f32 * slot + slot * 0.15;
            let w = slot * 0.7;
            let ha = *a as f32 / max * plot_h;
            let hb = *b as f32 / max * plot_h;
            if ha > 0.0 {
                self.ops().push(Op::Fill {
                    x,
                    y: base - ha,
                    w,
                    h: ha,
                    color: UKETSUKE,
                });
            }
            if hb > 0.0 {
                self.ops().push(Op::Fill {
                    x,
                    y: base - ha - hb,
                    w,
                    h: hb,
                    color: SUPPORT,
                });
            }
            // Day of month under each bar.
            let day = label
                .rsplit('-')
                .next()
                .unwrap_or(label)
                .trim_start_matches('0');
            let tw = text_width(day, 6.5);
            self.text(x + w / 2.0 - tw / 2.0, base + 9.0, 6.5, day.to_owned());
        }
        self.y = base + 22.0;
    }

    fn finish(mut self) -> Vec<Vec<Op>> {
        let count = self.pages.len();
        let footer = self.footer.clone();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = format!("{footer}　{} / {count}", i + 1);
            let x = PAGE_W / 2.0 - text_width(&text, 7.5) / 2.0;
            page.push(Op::Text {
                x,
                y: PAGE_H - 20.0,
                size: 7.5,
                text,
                color: INK,
            });
        }
        self.pages
    }
}

/// Places the report on A4 pages.
fn layout(report: &Report) -> Vec<Vec<Op>> {
    let mut p = Pages::new(report.title.clone());
    p.text(MARGIN, p.y + 16.0, 16.0, report.title.clone());
    p.y += 26.0;
    p.text(
        MARGIN,
        p.y + 9.0,
        9.0,
        format!(
            "期間 {} 〜 {}　作成 {}　申請者は申請書IDのみで記載",
            report.from, report.to, report.generated_at
        ),
    );
    p.y += 16.0;
    let mut sections = report.sections.iter();
    if let Some(summary) = sections.next() {
        p.section(summary);
    }
    if report.kind != "daily" {
        let days: Vec<(String, i64, i64)> = report
            .per_day
            .iter()
            .map(|d| (d.date.clone(), d.uketsuke, d.support))
            .collect();
        if days.len() > 62 {
            // A contract period is drawn per month: a year of daily bars would be hairs.
            let mut months: Vec<(String, i64, i64)> = Vec::new();
            for (date, a, b) in days {
                let month = date.get(..7).unwrap_or(&date).to_owned();
                match months.last_mut() {
                    Some(m) if m.0 == month => {
                        m.1 += a;
                        m.2 += b;
                    }
                    _ => months.push((month, a, b)),
                }
            }
            p.chart("申請件数（月別）", &months, false);
        } else {
            p.chart("申請件数（日別）", &days, false);
        }
        let sites: Vec<(String, i64, i64)> = report
            .per_site
            .iter()
            .map(|s| (s.site.clone(), s.uketsuke, s.support))
            .collect();
        p.chart("申請件数（会場別）", &sites, true);
    }
    for s in sections {
        p.section(s);
    }
    p.finish()
}

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font did not load.
    #[error("the embedded font could not be read")]
    Font,
    /// krilla refused the document.
    #[error("pdf: {0:?}")]
    Krilla(krilla::error::KrillaError),
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

/// The whole report as PDF bytes.
pub fn write(report: &Report) -> Result<Vec<u8>, PdfError> {
    render(&report.title, layout(report))
}

/// A4 pages of drawing operations as PDF bytes, text in the embedded font.
pub(crate) fn render(title: &str, pages: Vec<Vec<Op>>) -> Result<Vec<u8>, PdfError> {
    let font = Font::new(FONT.into(), 0).ok_or(PdfError::Font)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("ja".to_owned())
            .creator("Outreach office server".to_owned()),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Font)?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    text,
                    color: c,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: color(c).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.draw_text(
                        Point::from_xy(x, y),
                        font.clone(),
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Fill {
                    x,
                    y,
                    w,
                    h,
                    color: c,
                } => {
                    let Some(rect) = Rect::from_xywh(x, y, w.max(0.1), h.max(0.1)) else {
                        continue;
                    };
                    let mut pb = PathBuilder::new();
                    pb.push_rect(rect);
                    let Some(path) = pb.finish() else { continue };
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: color(c).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.draw_path(&path);
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    color: c,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y1);
                    pb.line_to(x2, y2);
                    let Some(path) = pb.finish() else { continue };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: color(c).into(),
                        width: 0.5,
                        ..Default::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(PdfError::Krilla)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_instead_of_being_cut() {
        assert_eq!(
            wrap("あいうえおかきくけこ", 10.0, 45.0, 12),
            ["あいうえ", "おかきく", "けこ"]
        );
        assert_eq!(wrap("一行目\n二", 10.0, 100.0, 12), ["一行目", "二"]);
        let capped = wrap(&"長".repeat(100), 10.0, 45.0, 2);
        assert_eq!(capped.len(), 2, "a cell never grows past its cap");
        assert!(capped[1].ends_with('…'), "and says that text was left out");
        let report = Report {
            kind: "daily".into(),
            title: "日次報告書".into(),
            from: "2026-11-26".into(),
            to: "2026-11-26".into(),
            generated_at: String::new(),
            sections: vec![ReportSection {
                key: "phone".into(),
                title: "電話".into(),
                columns: vec![outreach_protocol::console::ReportColumn {
                    title: "回答".into(),
                    kind: "text".into(),
                    width: 10,
                }],
                rows: vec![vec![ReportCell::Text(format!(
                    "{}終わり",
                    "説明".repeat(80)
                ))]],
            }],
            per_day: vec![],
            per_site: vec![],
        };
        let text: String = layout(&report)
            .concat()
            .into_iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert!(
            text.contains("終わり"),
            "the end of a long answer reaches the page"
        );
    }

    #[test]
    fn widths_follow_the_fixed_pitch_face() {
        assert_eq!(text_width("AB", 10.0), 10.0, "ASCII is half an em");
        assert_eq!(text_width("申請", 10.0), 20.0, "kanji are one em");
        assert_eq!(fit("出張申請サポート件数", 10.0, 45.0), "出張申…");
        assert_eq!(fit("短い", 10.0, 45.0), "短い");
    }
}
