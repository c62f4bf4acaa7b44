//! The report: every check with its machine name, Japanese label and reason, measured
//! value, threshold and result, plus the geometry the app draws on the photo.

use serde::{Deserialize, Serialize};

use crate::decode::SourceInfo;

/// The outcome of one check, or of the whole photo (the worst of its checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Meets the rule.
    Pass,
    /// Could not be measured (for example no face was found, so nothing about the
    /// face can be measured); another check says why.
    Skipped,
    /// Probably acceptable, but staff should look.
    Warn,
    /// The photo is likely to be rejected: retake it.
    Fail,
}

/// The stable machine names of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// Exactly one face.
    FaceCount,
    /// Face (crown to chin) large enough in pixels.
    FaceSize,
    /// The print framing fits inside the photo (margin above the head, face centred).
    FacePosition,
    /// Head tilt from the line of the eyes.
    Tilt,
    /// Focus and camera shake: variance of the Laplacian on the face.
    Sharpness,
    /// Face too dark or too bright.
    Brightness,
    /// Blown highlights or crushed shadows on the face.
    Clipping,
    /// Objects or pattern in the background.
    BackgroundUniformity,
    /// Shadow or uneven light on the background.
    BackgroundShadow,
    /// Background colour too close to the hair or the clothes.
    BackgroundContrast,
    /// Enough pixels for the digital photo without enlarging.
    Resolution,
    /// The digital photo's width and height within 480–6000 px.
    DigitalDimensions,
    /// The digital photo's file size within 20 KB–7 MB.
    FileSize,
}

impl CheckName {
    /// The label staff see.
    pub fn label_ja(self) -> &'static str {
        match self {
            CheckName::FaceCount => "顔の数",
            CheckName::FaceSize => "顔の大きさ",
            CheckName::FacePosition => "顔の位置・頭上の余白",
            CheckName::Tilt => "顔の傾き",
            CheckName::Sharpness => "ピント・ぶれ",
            CheckName::Brightness => "明るさ",
            CheckName::Clipping => "白とび・黒つぶれ",
            CheckName::BackgroundUniformity => "背景の無地",
            CheckName::BackgroundShadow => "背景の影",
            CheckName::BackgroundContrast => "背景と髪・服の色の差",
            CheckName::Resolution => "解像度",
            CheckName::DigitalDimensions => "画像の縦横の大きさ",
            CheckName::FileSize => "ファイルサイズ",
        }
    }
}

/// A threshold as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Limit {
    /// The value must be at least `fail`; below `warn` it is a warning.
    #[serde(rename_all = "camelCase")]
    AtLeast {
        /// Below this: warning.
        warn: f64,
        /// Below this: failure.
        fail: f64,
    },
    /// The value must be at most `fail`; above `warn` it is a warning.
    #[serde(rename_all = "camelCase")]
    AtMost {
        /// Above this: warning.
        warn: f64,
        /// Above this: failure.
        fail: f64,
    },
    /// The value must lie within `min..=max`; there is no warning band.
    #[serde(rename_all = "camelCase")]
    Between {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// The value should lie in `warn_below..=warn_above` and must lie in
    /// `fail_below..=fail_above`.
    #[serde(rename_all = "camelCase")]
    Band {
        /// Below this: failure.
        fail_below: f64,
        /// Below this: warning.
        warn_below: f64,
        /// Above this: warning.
        warn_above: f64,
        /// Above this: failure.
        fail_above: f64,
    },
    /// Exactly this value.
    #[serde(rename_all = "camelCase")]
    Exactly {
        /// The required value.
        value: f64,
    },
}

impl Limit {
    /// The verdict for a measured value.
    pub fn judge(self, v: f64) -> Verdict {
        match self {
            Limit::AtLeast { fail, .. } if v < fail => Verdict::Fail,
            Limit::AtLeast { warn, .. } if v < warn => Verdict::Warn,
            Limit::AtMost { fail, .. } if v > fail => Verdict::Fail,
            Limit::AtMost { warn, .. } if v > warn => Verdict::Warn,
            Limit::Between { min, max } if v < min || v > max => Verdict::Fail,
            Limit::Band {
                fail_below,
                fail_above,
                ..
            } if v < fail_below || v > fail_above => Verdict::Fail,
            Limit::Band {
                warn_below,
                warn_above,
                ..
            } if v < warn_below || v > warn_above => Verdict::Warn,
            Limit::Exactly { value } if v != value => Verdict::Fail,
            _ => Verdict::Pass,
        }
    }
}

/// A rectangle in pixels of the photo as shown (after EXIF orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PixelRect {
    /// Left edge (may be negative for a face box reaching past the edge).
    pub x: i32,
    /// Top edge (may be negative).
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A point in pixels of the photo as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelPoint {
    /// Horizontal position.
    pub x: i32,
    /// Vertical position.
    pub y: i32,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Stable machine name.
    pub name: CheckName,
    /// Japanese label.
    pub label: String,
    /// Pass, warn, fail or skipped.
    pub result: Verdict,
    /// What was measured (in `unit`); `None` when it could not be measured.
    pub value: Option<f64>,
    /// Unit of `value` and of the threshold.
    pub unit: String,
    /// The rule the value was judged by.
    pub threshold: Limit,
    /// What staff should do, in Japanese, when the result is not a pass.
    pub reason: Option<String>,
    /// Where on the photo the check looked, for the app to draw (photo coordinates).
    pub regions: Vec<PixelRect>,
}

/// Where the face is, in photo coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceGeometry {
    /// The detector's box (roughly eyebrows to chin, ear to ear).
    pub face_box: PixelRect,
    /// The detector's confidence score (higher is surer).
    pub score: f64,
    /// Estimated top of the head (see `Config::crown_factor`).
    pub crown_y: i32,
    /// Estimated bottom of the chin (see `Config::chin_factor`).
    pub chin_y: i32,
    /// Horizontal centre of the face.
    pub centre_x: i32,
    /// Centres of the two eye regions used for the tilt, when they were found.
    pub eyes: Option<[PixelPoint; 2]>,
}

/// An output photo as the report describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputInfo {
    /// The part of the photo it was cut from (photo coordinates).
    pub crop: PixelRect,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// JPEG size in bytes.
    pub bytes: usize,
}

/// Everything the pipeline found about one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The worst result of any check.
    pub verdict: Verdict,
    /// The input as found.
    pub source: SourceInfo,
    /// Width of the photo as shown (after orientation).
    pub width: u32,
    /// Height of the photo as shown.
    pub height: u32,
    /// Every face the detector found, largest first.
    pub faces: Vec<PixelRect>,
    /// The face everything else was measured on (the largest), if any.
    pub face: Option<FaceGeometry>,
    /// The digital application photo, if one could be framed.
    pub digital: Option<OutputInfo>,
    /// The print photo (45 × 35 mm at 600 dpi), if one could be framed.
    pub print: Option<OutputInfo>,
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
}

impl Report {
    /// The check of that name (every report has all of them).
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.verdict != Verdict::Fail
    }
}
