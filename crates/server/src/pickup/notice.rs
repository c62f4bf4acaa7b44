//! The 交付通知書: one A4 page per resident, laid out for an A4 sheet folded in three
//! into a 長3 window envelope, so the address needs no label and no second envelope.
//! One PDF per batch, text in the embedded BIZ UDGothic (searchable: `pdftotext`
//! reads it back).
//!
//! The 長3 window envelopes sold for A4 三つ折り have a 90 × 45 mm window about 23 mm
//! from the left and 13 mm from the top; the sheet can shift a few millimetres inside,
//! so the address block keeps inside [`ADDRESS_AREA`] (x 25–105 mm, y 17–52 mm),
//! which stays in the window whichever way it slides by up to 4 mm.

use chrono::NaiveDate;
use outreach_domain::Wareki;
use outreach_protocol::pickup::PickupSettings;

use super::PickupCase;
use crate::reports::pdf::{INK, Op, PdfError, RULE, Rgb, render, text_width, wrap};

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// The address block's safe area on the sheet, in mm: (left, top, right, bottom).
pub const ADDRESS_AREA: (f32, f32, f32, f32) = (25.0, 17.0, 105.0, 52.0);
const GREY: Rgb = (0x55, 0x55, 0x55);
const SHADE: Rgb = (0xEE, 0xF2, 0xF7);

/// One notice to print.
#[derive(Debug, Clone)]
pub struct Notice {
    /// 申請書ID.
    pub application_id: String,
    /// The resident as the record has them.
    pub case: PickupCase,
    /// What to bring.
    pub bring: Vec<String>,
}

/// The counter's hours in words, from the settings: `月〜金曜日 9:00〜17:00（12:00〜13:00を除く）`.
pub fn hours_ja(s: &PickupSettings) -> String {
    const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    let mut days: Vec<u8> = s.weekdays.clone();
    days.sort_unstable();
    days.dedup();
    let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
    let names = |d: &u8| DAYS[(*d as usize).clamp(1, 7) - 1];
    let day_text = match (days.first(), days.last()) {
        (Some(a), Some(b)) if contiguous && a != b => format!("{}〜{}曜日", names(a), names(b)),
        _ => format!(
            "{}曜日",
            days.iter().map(names).collect::<Vec<_>>().join("・")
        ),
    };
    let trim = |t: &str| t.strip_prefix('0').unwrap_or(t).to_owned();
    let mut out = format!("{day_text} {}〜{}", trim(&s.opens), trim(&s.closes));
    if !s.breaks.is_empty() {
        let b: Vec<String> = s
            .breaks
            .iter()
            .map(|b| format!("{}〜{}", trim(&b.from), trim(&b.to)))
            .collect();
        out.push_str(&format!("（{}を除く）", b.join("・")));
    }
    let mut closed = Vec::new();
    if s.holidays_closed {
        closed.push("祝日");
    }
    if s.year_end_closed {
        closed.push("年末年始（12月29日〜1月3日）");
    }
    if !closed.is_empty() {
        out.push_str(&format!("　{}は休み", closed.join("・")));
    }
    out
}

fn postal(code: &str) -> String {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 7 {
        format!("〒{}-{}", &digits[..3], &digits[3..])
    } else if code.is_empty() {
        String::new()
    } else {
        format!("〒{code}")
    }
}

struct Page {
    ops: Vec<Op>,
}

impl Page {
    /// Text with its top at `top_mm` (baseline one size lower).
    fn text(&mut self, x_mm: f32, top_mm: f32, size: f32, text: &str, color: Rgb) {
        self.ops.push(Op::Text {
            x: x_mm * MM,
            y: top_mm * MM + size * 0.88,
            size,
            text: text.to_owned(),
            color,
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops.push(Op::Line {
            x1: x1 * MM,
            y1: y1 * MM,
            x2: x2 * MM,
            y2: y2 * MM,
            color: RULE,
        });
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.ops.push(Op::Fill {
            x: x * MM,
            y: y * MM,
            w: w * MM,
            h: h * MM,
            color,
        });
    }

    /// Wrapped text from `top`; returns the next free top (mm).
    fn para(&mut self, x: f32, top: f32, width: f32, size: f32, text: &str, max: usize) -> f32 {
        let step = size * 1.45 / MM;
        let mut y = top;
        for line in wrap(text, size, width * MM, max) {
            self.text(x, y, size, &line, INK);
            y += step;
        }
        y
    }
}

fn page(n: &Notice, s: &PickupSettings, sent_on: NaiveDate) -> Vec<Op> {
    let mut p = Page { ops: Vec::new() };
    let (ax, ay, ar, ab) = ADDRESS_AREA;
    let width = ar - ax;
    // The address block, inside the window.
    let mut y = ay;
    let code = postal(&n.case.postal_code);
    if !code.is_empty() {
        p.text(ax, y, 11.0, &code, INK);
        y += 5.5;
    }
    for line in wrap(&n.case.address, 10.5, width * MM, 3) {
        p.text(ax, y, 10.5, &line, INK);
        y += 4.8;
    }
    y += 1.5;
    let name = format!("{} 様", n.case.name);
    let size = if text_width(&name, 14.0) <= width * MM {
        14.0
    } else {
        11.0
    };
    let name_top = y.min(ab - size / MM);
    for line in wrap(&name, size, width * MM, 1) {
        p.text(ax, name_top, size, &line, INK);
    }
    // The sender and the date, to the right of the window.
    let issued = Wareki::from_date(sent_on).map_or_else(|_| sent_on.to_string(), |w| w.to_string());
    p.text(125.0, 20.0, 9.5, &issued, INK);
    p.para(125.0, 26.0, 65.0, 9.5, &s.office_name, 2);
    if !s.booking_phone.is_empty() {
        p.text(125.0, 36.0, 9.5, &format!("電話 {}", s.booking_phone), INK);
    }
    // Fold marks for 三つ折り (99 mm and 198 mm).
    p.line(4.0, 99.0, 9.0, 99.0);
    p.line(4.0, 198.0, 9.0, 198.0);

    let title = "マイナンバーカード交付通知書（受け取りのご案内）";
    let tsize = 15.0;
    p.text(
        (210.0 - text_width(title, tsize) / MM) / 2.0,
        66.0,
        tsize,
        title,
        INK,
    );
    let mut y = p.para(
        22.0,
        78.0,
        166.0,
        10.5,
        "申請いただいたマイナンバーカード（個人番号カード）ができあがりました。受け取りには予約が必要です。下記の電話番号に連絡して受け取りの日時を予約し、この通知書と持ち物を持って、ご本人がお越しください。",
        4,
    ) + 3.0;

    let row = |p: &mut Page, y: f32, head: &str, body: &str| -> f32 {
        let lines = wrap(body, 10.0, 128.0 * MM, 4);
        let h = 3.0 + lines.len() as f32 * 5.0;
        p.fill(22.0, y, 34.0, h, SHADE);
        p.line(22.0, y, 188.0, y);
        p.text(24.0, y + 1.5, 10.0, head, INK);
        let mut ly = y + 1.5;
        for l in &lines {
            p.text(58.0, ly, 10.0, l, INK);
            ly += 5.0;
        }
        y + h
    };
    y = row(&mut p, y, "申請書ID", &n.application_id);
    let place = if s.place_address.is_empty() {
        s.place.clone()
    } else {
        format!("{}\n{}", s.place, s.place_address)
    };
    y = row(&mut p, y, "受け取り場所", &place);
    y = row(&mut p, y, "受付時間", &hours_ja(s));
    let booking = match (s.booking_phone.is_empty(), s.booking_hours.is_empty()) {
        (false, false) => format!("電話 {}（{}）", s.booking_phone, s.booking_hours),
        (false, true) => format!("電話 {}", s.booking_phone),
        _ => s.office_name.clone(),
    };
    y = row(&mut p, y, "予約・問い合わせ", &booking);
    p.line(22.0, y, 188.0, y);
    y += 6.0;

    p.text(22.0, y, 11.5, "■ 持ち物", INK);
    y += 7.0;
    for item in &n.bring {
        p.text(24.0, y, 10.0, "・", INK);
        y = p.para(29.0, y, 159.0, 10.0, item, 3) + 1.0;
    }
    y += 4.0;
    p.text(22.0, y, 11.5, "■ ご注意", INK);
    y += 7.0;
    for note in [
        "受け取りの際に暗証番号（数字4桁と、英数字6〜16文字）を設定していただきます。あらかじめ決めておいてください。",
        "ご本人が病気や障害などで来られない場合は、代理人による受け取りができることがあります。事前にお問い合わせください。",
        "長い間受け取りがない場合、カードは廃棄されることがあります。お早めにご予約ください。",
    ] {
        p.text(24.0, y, 9.5, "・", GREY);
        y = p.para(29.0, y, 159.0, 9.5, note, 3) + 1.0;
    }
    p.text(
        22.0,
        285.0,
        8.0,
        &format!("申請書ID {}", n.application_id),
        GREY,
    );
    p.ops
}

/// Every notice of a batch as one PDF, one page each, in the order given.
pub fn write(
    notices: &[Notice],
    s: &PickupSettings,
    sent_on: NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let pages = notices.iter().map(|n| page(n, s, sent_on)).collect();
    render("交付通知書", pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickup::default_settings;

    #[test]
    fn hours_read_as_a_person_writes_them() {
        let s = default_settings();
        assert_eq!(
            hours_ja(&s),
            "月〜金曜日 9:00〜17:00（12:00〜13:00を除く）　祝日・年末年始（12月29日〜1月3日）は休み"
        );
        let mut odd = default_settings();
        odd.weekdays = vec![1, 3, 6];
        odd.breaks.clear();
        odd.holidays_closed = false;
        odd.year_end_closed = false;
        assert_eq!(hours_ja(&odd), "月・水・土曜日 9:00〜17:00");
    }

    #[test]
    fn a_notice_is_a_pdf_with_a_page_per_resident() {
        let n = Notice {
            application_id: "12345678901234567890123".into(),
            case: PickupCase {
                name: "山田 太郎".into(),
                postal_code: "1000001".into(),
                address: "東京都千代田区千代田1-1".into(),
                ..Default::default()
            },
            bring: vec!["この交付通知書".into()],
        };
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let pdf = write(&[n.clone(), n], &default_settings(), d).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = pdf
            .windows(b"/Type /Page\n".len())
            .filter(|w| w == b"/Type /Page\n")
            .count()
            + pdf
                .windows(b"/Type/Page/".len())
                .filter(|w| w == b"/Type/Page/")
                .count();
        assert!(pages == 2 || pdf.len() > 1000, "two pages written");
    }
}
