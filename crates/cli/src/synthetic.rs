//! Synthetic residents for seeding and benchmarks: realistic Japanese names, kana,
//! addresses in Ota City and a photo-sized JPEG, all made up and deterministic.

use image::{ImageEncoder, Rgb, RgbImage};

const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("新井", "アライ"),
    ("髙木", "タカギ"),
    ("茂木", "モテギ"),
    ("関口", "セキグチ"),
    ("今井", "イマイ"),
];
const GIVEN: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("陽菜", "ヒナ"),
    ("蓮", "レン"),
    ("美咲", "ミサキ"),
    ("大翔", "ヒロト"),
    ("結衣", "ユイ"),
    ("健太", "ケンタ"),
    ("さくら", "サクラ"),
    ("翔太", "ショウタ"),
    ("葵", "アオイ"),
    ("悠真", "ユウマ"),
    ("恵子", "ケイコ"),
    ("正雄", "マサオ"),
    ("千代", "チヨ"),
];
const TOWNS: &[(&str, &str)] = &[
    ("浜町", "373-0853"),
    ("新井町", "373-0847"),
    ("東本町", "373-0026"),
    ("飯塚町", "373-0817"),
    ("西本町", "373-0033"),
    ("南矢島町", "373-0816"),
    ("鳥山上町", "373-0034"),
    ("大原町", "373-0801"),
];

/// A small deterministic generator (xorshift64*), so a seed run can be repeated.
pub struct Rng(u64);

impl Rng {
    /// From a seed; zero is replaced, xorshift cannot start from it.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One made-up applicant's fields, as the app would store them.
pub fn applicant(rng: &mut Rng) -> serde_json::Value {
    let (sur, sur_kana) = *rng.pick(SURNAMES);
    let (given, given_kana) = *rng.pick(GIVEN);
    let (town, postal) = *rng.pick(TOWNS);
    let year = 1935 + rng.below(85);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    serde_json::json!({
        "applicationId": format!("{:012}{:011}", rng.below(10u64.pow(12)), rng.below(10u64.pow(11))),
        "name": format!("{sur} {given}"),
        "kana": format!("{sur_kana} {given_kana}"),
        "birthDate": format!("{year:04}-{month:02}-{day:02}"),
        "sex": if rng.below(2) == 0 { "female" } else { "male" },
        "postalCode": postal,
        "address": format!("群馬県太田市{town}{}-{}", 1 + rng.below(30), 1 + rng.below(40)),
        "phone": format!("0276-{:02}-{:04}", 10 + rng.below(89), rng.below(10_000)),
        "certificates": { "signature": true, "userAuth": true },
    })
}

/// A photo-sized JPEG (about 300 KB): a plain light background, a face-like oval and
/// fine noise so that every photo is different and compresses like a real one.
pub fn photo(rng: &mut Rng) -> Vec<u8> {
    let (w, h) = (960u32, 1280u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([232, 236, 240]));
    let (cx, cy, rx, ry) = (
        w as f32 / 2.0,
        h as f32 * 0.42,
        w as f32 * 0.2,
        h as f32 * 0.2,
    );
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
        let noise = (rng.next() >> 59) as u8;
        *px = if dx * dx + dy * dy <= 1.0 {
            Rgb([
                214u8.saturating_sub(noise),
                176u8.saturating_sub(noise),
                150u8.saturating_sub(noise),
            ])
        } else if y as f32 > cy + ry * 1.1 {
            Rgb([40 + noise, 52 + noise, 80 + noise])
        } else {
            Rgb([232 - noise, 236 - noise, 240 - noise])
        };
    }
    let mut out = Vec::new();
    // Quality 80 on this picture gives roughly the 300 KB of a phone photo crop.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).write_image(
        img.as_raw(),
        w,
        h,
        image::ExtendedColorType::Rgb8,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_are_deterministic_and_hold_no_my_number() {
        let a = applicant(&mut Rng::new(7));
        assert_eq!(
            a,
            applicant(&mut Rng::new(7)),
            "the same seed gives the same applicant"
        );
        assert_eq!(
            a["applicationId"].as_str().map(str::len),
            Some(23),
            "a 23-digit 申請書ID"
        );
        assert!(
            !has_twelve_digit_run(&a.to_string()),
            "seed data must never contain a 12-digit run"
        );
    }

    fn has_twelve_digit_run(s: &str) -> bool {
        s.split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() == 12)
    }

    #[test]
    fn photos_are_jpeg_and_photo_sized() {
        let p = photo(&mut Rng::new(1));
        assert_eq!(&p[..2], b"\xff\xd8", "a JPEG");
        assert!(
            (100_000..700_000).contains(&p.len()),
            "about 300 KB, got {}",
            p.len()
        );
    }
}
