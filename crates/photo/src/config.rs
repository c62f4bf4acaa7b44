//! Thresholds and limits. Every default is explained here; the figures they were
//! chosen from are the test photos' reports (crates/photo/tests/reports/*.json) and
//! bench/README.md, "Photo".

use serde::{Deserialize, Serialize};

use crate::report::Limit;

/// Everything the pipeline can be tuned by. Deserialises from a partial JSON object:
/// missing fields take their defaults, so the office can push only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Config {
    /// Largest photo accepted, in pixels (width × height), decided from the header
    /// before decoding. 25 MP covers 6000 × 4000 cameras and phones' default modes;
    /// its 8-bit RGB copy is 75 MB, so decoding, turning it upright (one more copy)
    /// and the working images stay under 300 MB.
    pub max_pixels: u64,
    /// Longest side accepted, in pixels.
    pub max_side: u32,
    /// Most the decoder itself may allocate (image's `Limits::max_alloc`): room for a
    /// 16-bit RGB PNG of 25 MP.
    pub max_decode_bytes: u64,
    /// Longest side of the working frame the face detector and the background checks
    /// run on. rustface takes ~1 s at 2048 px and tens of ms at 512 px; an ID photo's
    /// face is large, so 512 px loses nothing.
    pub analysis_size: u32,
    /// Longest side of the frame the face detector runs on (the working frame reduced
    /// again). rustface's cost grows with the pixel count; at 384 px a face that fills
    /// 12 % of a camera frame is still ~46 px, above its 40 px window.
    pub detect_size: u32,
    /// Smallest face the detector looks for, as a share of the working frame's shorter
    /// side. A face smaller than this fails the size check anyway, and a larger
    /// minimum makes detection several times faster.
    pub min_face_share: f64,
    /// The detector's score threshold (rustface's default is 2.0).
    pub face_score_min: f64,
    /// Crown estimate: the top of the head lies this many face-box heights above the
    /// box's top. rustface's box spans roughly eyebrows to chin; the factor was
    /// measured on the test photo (hair included), see ARCHITECTURE.md, "Photo".
    pub crown_factor: f64,
    /// Chin estimate: the chin lies this many face-box heights below the box's bottom.
    pub chin_factor: f64,
    /// Face height (crown to chin) in photo pixels. The card prints the photo at
    /// 27.5 mm, so the face is ~21 mm there: ~250 px at 300 dpi. Below that the print
    /// is enlarged and soft (warn); below 160 px it fails.
    pub face_height_px: Limit,
    /// How far the print framing had to move to stay inside the photo, in mm at print
    /// scale. The rule allows 4 ± 2 mm above the crown and 34 ± 2 mm of face, so a
    /// shift of 2 mm is the edge of the rule.
    pub framing_shift_mm: Limit,
    /// Roll of the head from the eye line, in degrees (absolute value).
    pub tilt_deg: Limit,
    /// Variance of the Laplacian on the inner face, with the face box resized to
    /// 200 × 200 px (about its resolution on the printed card) and its contrast
    /// normalised (as if the luma's standard deviation were 50 levels).
    pub sharpness: Limit,
    /// Mean luma (0–255, BT.601) of the inner face.
    pub face_luma: Limit,
    /// Share of inner-face pixels that are blown (a channel ≥ 250) or crushed (luma ≤ 5).
    pub clipped_share: Limit,
    /// Share of the background (beside and above the head, within the digital crop, on
    /// the working frame) that is edges: |dx| + |dy| of luma above `edge_step`.
    pub background_edges: Limit,
    /// The luma step (|dx| + |dy|, 0–510) between neighbouring pixels of the working
    /// frame that counts as an edge. A plain wall's texture and noise stay under it.
    pub edge_step: f64,
    /// Difference between the brightest and darkest background patch (above, left,
    /// right of the head), as a share of the brightest.
    pub background_shadow: Limit,
    /// CIE76 colour difference (ΔE) between the background and the hair or the
    /// clothes, whichever is closer.
    pub background_contrast: Limit,
    /// Shorter side of the digital crop in photo pixels, before any resize.
    pub crop_short_side_px: Limit,
    /// The digital photo's sides (J-LIS: 480–6000 px).
    pub digital_side_px: Limit,
    /// The digital photo's size in bytes (J-LIS: 20 KB–7 MB).
    pub digital_bytes: Limit,
    /// Height the digital photo is reduced to when the crop is taller. J-LIS asks for
    /// 480–6000 px a side and crops and scales the photo itself; 1200 px is 2.5 times
    /// the minimum, puts about 370 px between crown and chin (the card prints that
    /// face at about 21 mm, 250 px at 300 dpi) and keeps a camera photo's file near
    /// 250 KB. Resizing and encoding 1200 px instead of 1600 saves about 8 ms of the
    /// pipeline's ~130 on a 12-megapixel photo (bench/README.md, "Photo").
    pub digital_max_height: u32,
    /// JPEG quality of both outputs.
    pub jpeg_quality: u8,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_pixels: 25_000_000,
            max_side: 12_000,
            max_decode_bytes: 160 * 1024 * 1024,
            analysis_size: 512,
            detect_size: 384,
            min_face_share: 0.12,
            face_score_min: 2.0,
            crown_factor: 0.55,
            chin_factor: 0.12,
            face_height_px: Limit::AtLeast {
                warn: 250.0,
                fail: 160.0,
            },
            framing_shift_mm: Limit::AtMost {
                warn: 1.0,
                fail: 2.0,
            },
            tilt_deg: Limit::AtMost {
                warn: 4.0,
                fail: 8.0,
            },
            sharpness: Limit::AtLeast {
                warn: 60.0,
                fail: 30.0,
            },
            face_luma: Limit::Band {
                fail_below: 80.0,
                warn_below: 105.0,
                warn_above: 205.0,
                fail_above: 230.0,
            },
            clipped_share: Limit::AtMost {
                warn: 0.02,
                fail: 0.08,
            },
            background_edges: Limit::AtMost {
                warn: 0.02,
                fail: 0.05,
            },
            edge_step: 12.0,
            background_shadow: Limit::AtMost {
                warn: 0.15,
                fail: 0.30,
            },
            background_contrast: Limit::AtLeast {
                warn: 12.0,
                fail: 6.0,
            },
            crop_short_side_px: Limit::AtLeast {
                warn: 480.0,
                fail: 240.0,
            },
            digital_side_px: Limit::Between {
                min: 480.0,
                max: 6000.0,
            },
            digital_bytes: Limit::Between {
                min: 20_000.0,
                max: 7_000_000.0,
            },
            digital_max_height: 1200,
            jpeg_quality: 92,
        }
    }
}
