//! The ID-photo pipeline: decode → orient → find the face → check → crop → encode.
//!
//! The app calls [`process`] with the bytes the camera or a file import handed over
//! and gets an [`Outcome`]: the digital application photo and the print photo as JPEG
//! (no EXIF, so no GPS or device tags), and a [`Report`] with every check (stable
//! machine name, Japanese label and reason, measured value, threshold, result) and the
//! face and crop geometry in the photo's own coordinates, so the UI can draw each
//! reason on the photo. [`print_sheet_png`] lays the print photo out at true size for
//! printing. Nothing here touches the disk.
//!
//! Only JPEG and PNG are read; anything else is refused with an error that names the
//! format ([`PhotoError`]). Sizes are bounded from the header before any pixel is
//! decoded.

mod config;
mod decode;
mod error;
mod exception;
mod face;
mod frame;
mod framing;
mod measure;
pub mod qr;
mod report;

use fast_image_resize::{FilterType, ResizeAlg, Resizer};
use image::RgbImage;

pub use config::Config;
pub use decode::{Photo, SourceInfo, decode, decode_with};
pub use error::PhotoError;
pub use exception::ExceptionReason;
pub use framing::{PRINT_DPI, PRINT_FACE_MM, PRINT_MM, PRINT_PX, PRINT_TOP_MM, print_sheet_png};
pub use report::{
    Check, CheckName, FaceGeometry, Limit, OutputInfo, PixelPoint, PixelRect, Report, Verdict,
};

use frame::Frame;
use measure::RectF;

/// What [`process`] produces for one photo.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every check and the geometry, for the UI and for storing with the record.
    pub report: Report,
    /// The digital application photo (JPEG, RGB, no metadata), when a face was found.
    pub digital_jpeg: Option<Vec<u8>>,
    /// The print photo (JPEG 827 × 1063 px, 600 dpi, no other metadata), when a face
    /// was found.
    pub print_jpeg: Option<Vec<u8>>,
}

/// Side of the square face patch the face measures run on: the detector's box
/// (≈ eyebrows to chin) at about the resolution the card prints the face at.
const PATCH: u32 = 200;
/// The eye band on the face patch, as shares of its height (measured on the test
/// photo's patch: the eyes sit at 0.32–0.35).
const EYE_BAND: (f64, f64) = (0.22, 0.52);

/// Runs the whole pipeline on the bytes of a JPEG or PNG.
///
/// Errors only when the photo cannot be read at all ([`PhotoError`]); a photo that
/// can be read always gives an [`Outcome`] whose report says what is wrong with it.
pub fn process(bytes: &[u8], config: &Config) -> Result<Outcome, PhotoError> {
    // The face model is parsed (once per process) on a second thread while the photo
    // decodes. Nothing else runs beside the decode: a reduced decode for an early
    // detection would repeat its entropy decoding, which is half of libjpeg-turbo's
    // time, and on a shared or busy machine that costs more than it overlaps
    // (bench/README.md, "Photo").
    let decoded = std::thread::scope(|s| {
        s.spawn(face::warm);
        decode::decode_frame(bytes, config)
    });
    let (frame, _, source) = decoded?;
    analyse_frame(frame, source, config)
}

/// The working frame: the photo at ~512 px, its grey, and the faces found on it.
struct Working {
    work: RgbImage,
    grey: Vec<u8>,
    detections: Vec<face::Detection>,
    /// Detection frame pixels per working-frame pixel.
    detect_scale: f64,
}

/// Working-frame size for a photo of `w` × `h` (upright), and the scale to it.
fn working_size(w: u32, h: u32, config: &Config) -> (u32, u32, f64) {
    let (wf, hf) = (f64::from(w), f64::from(h));
    let scale = (f64::from(config.analysis_size) / wf.max(hf)).min(1.0);
    (
        ((wf * scale).round() as u32).max(1),
        ((hf * scale).round() as u32).max(1),
        scale,
    )
}

/// Reduces `src` to `aw` × `ah` and finds the faces on it (at `detect_size`).
fn working(
    resizer: &mut Resizer,
    src: &Frame,
    aw: u32,
    ah: u32,
    config: &Config,
) -> Result<Working, PhotoError> {
    let full = RectF::new(0.0, 0.0, f64::from(src.width()), f64::from(src.height()));
    let box_filter = ResizeAlg::Convolution(FilterType::Box);
    let work = framing::resize(resizer, src, full, aw, ah, box_filter)?;
    let grey = measure::grey(work.as_raw());
    let dscale = (f64::from(config.detect_size) / f64::from(aw.max(ah))).min(1.0);
    let (dw, dh) = (
        ((f64::from(aw) * dscale).round() as u32).max(1),
        ((f64::from(ah) * dscale).round() as u32).max(1),
    );
    let detect_grey = if dscale < 1.0 {
        let whole = RectF::new(0.0, 0.0, f64::from(aw), f64::from(ah));
        let small = framing::resize(
            resizer,
            &work,
            whole,
            dw,
            dh,
            ResizeAlg::Convolution(FilterType::Bilinear),
        )?;
        measure::grey(small.as_raw())
    } else {
        grey.clone()
    };
    let min_face = (config.min_face_share * f64::from(dw.min(dh))) as u32;
    let detections = face::detect(&detect_grey, dw, dh, min_face, config.face_score_min)?;
    Ok(Working {
        work,
        grey,
        detections,
        detect_scale: dscale,
    })
}

/// Runs the pipeline on an already decoded photo (see [`decode_with`]).
pub fn analyse(photo: Photo, config: &Config) -> Result<Outcome, PhotoError> {
    let rgb = match photo.image {
        image::DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    };
    analyse_frame(frame::from_rgb(rgb), photo.source, config)
}

fn analyse_frame(rgb: Frame, source: SourceInfo, config: &Config) -> Result<Outcome, PhotoError> {
    let (w, h) = (rgb.width(), rgb.height());
    let (wf, hf) = (f64::from(w), f64::from(h));

    // One resizer for every resize on this thread: it keeps its scratch buffer, so the
    // pages of the largest one are touched once.
    let mut resizer = Resizer::new();
    // The working frame: faces and background are judged at ~512 px.
    let (aw, ah, scale) = working_size(w, h, config);
    let Working {
        work,
        grey: work_grey,
        detections,
        detect_scale: dscale,
    } = working(&mut resizer, &rgb, aw, ah, config)?;
    let faces: Vec<RectF> = detections
        .iter()
        .map(|d| RectF::new(d.x, d.y, d.width, d.height).scaled(1.0 / (scale * dscale)))
        .collect();

    let mut checks = Vec::new();
    let count_limit = Limit::Exactly { value: 1.0 };
    let count_verdict = count_limit.judge(faces.len() as f64);
    checks.push(check(
        CheckName::FaceCount,
        Some(faces.len() as f64),
        "個",
        count_limit,
        count_verdict,
        match faces.len() {
            0 => {
                Some("顔が見つかりません。正面を向いて、顔がはっきり写るように撮り直してください。")
            }
            1 => None,
            _ => Some("複数の顔が写っています。本人だけが写るように撮り直してください。"),
        },
        faces.iter().map(|r| pixel_rect(*r)).collect(),
    ));

    let Some(face_box) = faces.first().copied() else {
        return Ok(no_face(source, w, h, checks, config));
    };
    let score = detections.first().map_or(0.0, |d| d.score);

    // Crown and chin from the box (rustface gives no landmarks): documented factors.
    let bh = face_box.height();
    let crown = face_box.y0 - config.crown_factor * bh;
    let chin = face_box.y1 + config.chin_factor * bh;
    let cx = (face_box.x0 + face_box.x1) / 2.0;
    let face_h = chin - crown;

    let (print_rect, moved) = framing::fit_inside(framing::print_crop(cx, crown, chin), wf, hf);
    let moved_mm = moved * PRINT_MM.0 / print_rect.height().max(1.0);
    let digital_rect = framing::digital_crop(cx, crown, chin)
        .clip(wf, hf)
        .unwrap_or(RectF::new(0.0, 0.0, wf, hf));

    // Digital size: down to `digital_max_height`, up to the 480 px minimum if needed.
    let short = digital_rect.width().min(digital_rect.height());
    let mut ds = (f64::from(config.digital_max_height) / digital_rect.height()).min(1.0);
    if short * ds < 480.0 {
        ds = 480.0 / short;
    }
    let (dw, dh) = (
        (digital_rect.width() * ds).round() as u32,
        (digital_rect.height() * ds).round() as u32,
    );

    // The two outputs are independent: the print photo on a second thread.
    let lanczos = ResizeAlg::Convolution(FilterType::Lanczos3);
    let (print_jpeg, digital, face_measures) = std::thread::scope(|s| {
        let print = s.spawn(|| -> Result<Vec<u8>, PhotoError> {
            let mut resizer = Resizer::new();
            let (pw, ph) = PRINT_PX;
            let img = framing::resize(&mut resizer, &rgb, print_rect, pw, ph, lanczos)?;
            framing::jpeg(&img, config.jpeg_quality, PRINT_DPI as u16)
        });
        let digital = framing::resize(&mut resizer, &rgb, digital_rect, dw, dh, lanczos)
            .and_then(|img| digital_jpeg(&img, config));
        let measures = face_patch(&mut resizer, &rgb, face_box);
        let print = print
            .join()
            .unwrap_or_else(|_| Err(PhotoError::Internal("print thread panicked".into())));
        (print, digital, measures)
    });
    let print_jpeg = print_jpeg?;
    let (digital_jpeg, _quality) = digital?;
    let patch = face_measures?;

    let fb = pixel_rect(face_box);
    let crown_chin = pixel_rect(RectF::new(cx - face_h * 0.4, crown, face_h * 0.8, face_h));

    // Face size.
    let v = config.face_height_px.judge(face_h);
    checks.push(check(
        CheckName::FaceSize,
        Some(face_h),
        "px",
        config.face_height_px,
        v,
        Some("顔が小さく写っています。もう少し近づくか、ズームして撮り直してください。"),
        vec![crown_chin],
    ));

    // Position: how far the print framing had to move to fit the photo.
    let v = config.framing_shift_mm.judge(moved_mm);
    let ideal = framing::print_crop(cx, crown, chin);
    let why = if ideal.y0 < 0.0 {
        "頭の上の余白が足りません。頭の上に余白を空けて撮り直してください。"
    } else if ideal.y1 > hf {
        "肩まで写っていません。少し離れて、肩まで写るように撮り直してください。"
    } else {
        "顔が中央にありません。顔が写真の中央に来るように撮り直してください。"
    };
    checks.push(check(
        CheckName::FacePosition,
        Some(moved_mm),
        "mm",
        config.framing_shift_mm,
        v,
        Some(why),
        vec![pixel_rect(print_rect)],
    ));

    // Tilt from the eye line on the face patch.
    let to_photo = |p: [f64; 2]| PixelPoint {
        x: (face_box.x0 + p[0] / f64::from(PATCH) * face_box.width()).round() as i32,
        y: (face_box.y0 + p[1] / f64::from(PATCH) * face_box.height()).round() as i32,
    };
    let eyes = patch.eyes.map(|(l, r, _)| [to_photo(l), to_photo(r)]);
    match patch.eyes {
        Some((_, _, angle)) => checks.push(check(
            CheckName::Tilt,
            Some(angle.abs()),
            "度",
            config.tilt_deg,
            config.tilt_deg.judge(angle.abs()),
            Some("顔が傾いています。まっすぐ正面を向いて撮り直してください。"),
            vec![fb],
        )),
        None => checks.push(check(
            CheckName::Tilt,
            None,
            "度",
            config.tilt_deg,
            Verdict::Warn,
            Some("目の位置を確かめられませんでした。顔が傾いていないか目で確認してください。"),
            vec![fb],
        )),
    }

    // Sharpness, brightness, clipping on the inner face.
    push_measured(
        &mut checks,
        CheckName::Sharpness,
        patch.sharpness,
        "",
        config.sharpness,
        "ピントが合っていないか、ぶれています。動かずに撮り直してください。",
        fb,
    );
    let luma_reason = match patch.luma {
        Some(l) if l < 128.0 => "顔が暗すぎます。明るい場所で撮り直してください。",
        _ => "顔が明るすぎます。光が強すぎない場所で撮り直してください。",
    };
    push_measured(
        &mut checks,
        CheckName::Brightness,
        patch.luma,
        "輝度",
        config.face_luma,
        luma_reason,
        fb,
    );
    push_measured(
        &mut checks,
        CheckName::Clipping,
        patch.clipped,
        "割合",
        config.clipped_share,
        "顔の一部が白くとぶか黒くつぶれています。光の当たり方を変えて撮り直してください。",
        fb,
    );

    // Background, on the working frame.
    let bg = background(
        &work,
        &work_grey,
        scale,
        cx,
        crown,
        chin,
        digital_rect,
        config.edge_step,
    );
    let bg_regions: Vec<PixelRect> = bg
        .patches
        .iter()
        .map(|r| pixel_rect(r.scaled(1.0 / scale)))
        .collect();
    push_measured(
        &mut checks,
        CheckName::BackgroundUniformity,
        bg.edge_share,
        "割合",
        config.background_edges,
        "背景に物や模様が写っています。無地の壁の前で撮り直してください。",
        bg_regions.clone(),
    );
    push_measured(
        &mut checks,
        CheckName::BackgroundShadow,
        bg.shadow,
        "割合",
        config.background_shadow,
        "背景に影や明るさのむらがあります。壁から少し離れ、光を均一にして撮り直してください。",
        bg_regions.clone(),
    );
    let mut contrast_regions = bg_regions;
    contrast_regions.extend(
        bg.contrast_regions
            .iter()
            .map(|r| pixel_rect(r.scaled(1.0 / scale))),
    );
    push_measured(
        &mut checks,
        CheckName::BackgroundContrast,
        bg.contrast,
        "ΔE",
        config.background_contrast,
        "背景の色が髪や服の色に近すぎます。違う色の背景で撮り直してください。",
        contrast_regions,
    );

    // Resolution and the J-LIS file limits.
    let digital_info = OutputInfo {
        crop: pixel_rect(digital_rect),
        width: dw,
        height: dh,
        bytes: digital_jpeg.len(),
    };
    push_measured(
        &mut checks,
        CheckName::Resolution,
        Some(short),
        "px",
        config.crop_short_side_px,
        "解像度が足りません（拡大して保存しました）。もっと近づくか、高い解像度で撮り直してください。",
        pixel_rect(digital_rect),
    );
    let side_value = if config.digital_side_px.judge(f64::from(dw.min(dh))) == Verdict::Pass {
        f64::from(dw.max(dh))
    } else {
        f64::from(dw.min(dh))
    };
    push_measured(
        &mut checks,
        CheckName::DigitalDimensions,
        Some(side_value),
        "px",
        config.digital_side_px,
        "申請用データの縦横の大きさが規定（480〜6000ピクセル）を外れています。",
        pixel_rect(digital_rect),
    );
    push_measured(
        &mut checks,
        CheckName::FileSize,
        Some(digital_jpeg.len() as f64),
        "バイト",
        config.digital_bytes,
        "申請用データのファイルサイズが規定（20KB〜7MB）を外れています。",
        pixel_rect(digital_rect),
    );

    let report = Report {
        verdict: worst(&checks),
        source,
        width: w,
        height: h,
        faces: faces.iter().map(|r| pixel_rect(*r)).collect(),
        face: Some(FaceGeometry {
            face_box: fb,
            score: round3(score),
            crown_y: crown.round() as i32,
            chin_y: chin.round() as i32,
            centre_x: cx.round() as i32,
            eyes,
        }),
        digital: Some(digital_info),
        print: Some(OutputInfo {
            crop: pixel_rect(print_rect),
            width: PRINT_PX.0,
            height: PRINT_PX.1,
            bytes: print_jpeg.len(),
        }),
        checks,
    };
    Ok(Outcome {
        report,
        digital_jpeg: Some(digital_jpeg),
        print_jpeg: Some(print_jpeg),
    })
}

/// Encodes the digital photo, lowering or raising the quality when the file would
/// fall outside 20 KB–7 MB.
fn digital_jpeg(img: &RgbImage, config: &Config) -> Result<(Vec<u8>, u8), PhotoError> {
    let mut q = config.jpeg_quality;
    let (min, max) = match config.digital_bytes {
        Limit::Between { min, max } => (min, max),
        _ => (20_000.0, 7_000_000.0),
    };
    loop {
        let out = framing::jpeg(img, q, 300)?;
        let n = out.len() as f64;
        if n > max && q > 40 {
            q -= 15;
        } else if n < min && q < 98 {
            q = (q + 3).min(98);
        } else {
            return Ok((out, q));
        }
    }
}

struct FacePatch {
    sharpness: Option<f64>,
    luma: Option<f64>,
    clipped: Option<f64>,
    eyes: Option<([f64; 2], [f64; 2], f64)>,
}

/// Resizes the detector's box to a `PATCH`-square patch and measures on it.
fn face_patch(
    resizer: &mut Resizer,
    rgb: &Frame,
    face_box: RectF,
) -> Result<FacePatch, PhotoError> {
    let (wf, hf) = (f64::from(rgb.width()), f64::from(rgb.height()));
    let Some(src) = face_box.clip(wf, hf) else {
        return Ok(FacePatch {
            sharpness: None,
            luma: None,
            clipped: None,
            eyes: None,
        });
    };
    let patch = framing::resize(
        resizer,
        rgb,
        src,
        PATCH,
        PATCH,
        ResizeAlg::Convolution(FilterType::Bilinear),
    )?;
    let g = measure::grey(patch.as_raw());
    let n = PATCH as usize;
    let p = f64::from(PATCH);
    // The inner face: away from the box edges, where hair and background begin.
    let inner = RectF::new(0.15 * p, 0.1 * p, 0.7 * p, 0.8 * p);
    let exposure = measure::exposure(patch.as_raw(), n, n, inner);
    Ok(FacePatch {
        sharpness: measure::sharpness(&g, n, n, inner),
        luma: exposure.map(|e| e.0),
        clipped: exposure.map(|e| e.1),
        eyes: measure::eye_line(&g, n, EYE_BAND),
    })
}

struct Background {
    edge_share: Option<f64>,
    shadow: Option<f64>,
    contrast: Option<f64>,
    patches: Vec<RectF>,
    contrast_regions: Vec<RectF>,
}

/// Background measures on the working frame. The background is what the digital
/// photo shows beside and above the head: a band above the crown and the two sides
/// from the crop's edge to just outside the hair, down to the chin (below it the
/// shoulders begin).
#[allow(clippy::too_many_arguments)]
fn background(
    work: &RgbImage,
    grey: &[u8],
    scale: f64,
    cx: f64,
    crown: f64,
    chin: f64,
    digital: RectF,
    edge_step: f64,
) -> Background {
    let (w, h) = (work.width() as usize, work.height() as usize);
    let (wf, hf) = (w as f64, h as f64);
    let (cx, crown, chin) = (cx * scale, crown * scale, chin * scale);
    let d = digital.scaled(scale);
    let fh = chin - crown;
    let head = 0.6 * fh;
    let candidates = [
        RectF {
            x0: d.x0,
            y0: d.y0,
            x1: d.x1,
            y1: crown - 0.05 * fh,
        },
        RectF {
            x0: d.x0,
            y0: crown - 0.05 * fh,
            x1: cx - head,
            y1: chin - 0.1 * fh,
        },
        RectF {
            x0: cx + head,
            y0: crown - 0.05 * fh,
            x1: d.x1,
            y1: chin - 0.1 * fh,
        },
    ];
    let patches: Vec<RectF> = candidates
        .iter()
        .filter(|r| r.x1 > r.x0 && r.y1 > r.y0)
        .filter_map(|r| r.clip(wf, hf))
        .collect();
    let rgb = work.as_raw();
    let mut edges = 0.0;
    let mut count = 0.0;
    let mut means = Vec::new();
    let mut colour_sum = [0.0; 3];
    let mut colour_n = 0.0;
    for r in &patches {
        if let Some((share, n)) = measure::edge_share(grey, w, h, *r, edge_step) {
            edges += share * n;
            count += n;
        }
        if let Some(m) = measure::mean_rgb(rgb, w, h, *r) {
            let area = r.width() * r.height();
            means.push(0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2]);
            for c in 0..3 {
                colour_sum[c] += m[c] * area;
            }
            colour_n += area;
        }
    }
    let edge_share = (count > 0.0).then(|| edges / count);
    let shadow = (means.len() >= 2).then(|| {
        let max = means.iter().copied().fold(f64::MIN, f64::max);
        let min = means.iter().copied().fold(f64::MAX, f64::min);
        (max - min) / max.max(1.0)
    });
    let hair = RectF::new(cx - 0.2 * fh, crown + 0.04 * fh, 0.4 * fh, 0.1 * fh).clip(wf, hf);
    let clothes = [
        RectF::new(cx - 0.75 * fh, chin + 0.35 * fh, 0.35 * fh, 0.25 * fh),
        RectF::new(cx + 0.4 * fh, chin + 0.35 * fh, 0.35 * fh, 0.25 * fh),
    ];
    let clothes: Vec<RectF> = clothes.iter().filter_map(|r| r.clip(wf, hf)).collect();
    let mut contrast_regions = Vec::new();
    let mut contrast: Option<f64> = None;
    if colour_n > 0.0 {
        let bgc = colour_sum.map(|v| v / colour_n);
        for r in hair.iter().chain(clothes.iter()) {
            if let Some(m) = measure::mean_rgb(rgb, w, h, *r) {
                let d = measure::delta_e(bgc, m);
                contrast = Some(contrast.map_or(d, |c: f64| c.min(d)));
                contrast_regions.push(*r);
            }
        }
    }
    Background {
        edge_share,
        shadow,
        contrast,
        patches,
        contrast_regions,
    }
}

fn no_face(source: SourceInfo, w: u32, h: u32, mut checks: Vec<Check>, config: &Config) -> Outcome {
    let skipped = [
        (CheckName::FaceSize, "px", config.face_height_px),
        (CheckName::FacePosition, "mm", config.framing_shift_mm),
        (CheckName::Tilt, "度", config.tilt_deg),
        (CheckName::Sharpness, "", config.sharpness),
        (CheckName::Brightness, "輝度", config.face_luma),
        (CheckName::Clipping, "割合", config.clipped_share),
        (
            CheckName::BackgroundUniformity,
            "割合",
            config.background_edges,
        ),
        (
            CheckName::BackgroundShadow,
            "割合",
            config.background_shadow,
        ),
        (
            CheckName::BackgroundContrast,
            "ΔE",
            config.background_contrast,
        ),
        (CheckName::Resolution, "px", config.crop_short_side_px),
        (CheckName::DigitalDimensions, "px", config.digital_side_px),
        (CheckName::FileSize, "バイト", config.digital_bytes),
    ];
    for (name, unit, limit) in skipped {
        checks.push(check(
            name,
            None,
            unit,
            limit,
            Verdict::Skipped,
            Some("顔が見つからないため確認できません。"),
            Vec::new(),
        ));
    }
    Outcome {
        report: Report {
            verdict: worst(&checks),
            source,
            width: w,
            height: h,
            faces: Vec::new(),
            face: None,
            digital: None,
            print: None,
            checks,
        },
        digital_jpeg: None,
        print_jpeg: None,
    }
}

fn push_measured(
    checks: &mut Vec<Check>,
    name: CheckName,
    value: Option<f64>,
    unit: &str,
    limit: Limit,
    reason: &str,
    regions: impl Into<Regions>,
) {
    let regions = regions.into().0;
    match value {
        Some(v) => {
            let verdict = limit.judge(v);
            checks.push(check(
                name,
                Some(v),
                unit,
                limit,
                verdict,
                Some(reason),
                regions,
            ));
        }
        None => checks.push(check(
            name,
            None,
            unit,
            limit,
            Verdict::Skipped,
            Some("写真の範囲が足りず測れませんでした。目で確認してください。"),
            regions,
        )),
    }
}

struct Regions(Vec<PixelRect>);

impl From<PixelRect> for Regions {
    fn from(r: PixelRect) -> Self {
        Regions(vec![r])
    }
}

impl From<Vec<PixelRect>> for Regions {
    fn from(v: Vec<PixelRect>) -> Self {
        Regions(v)
    }
}

fn check(
    name: CheckName,
    value: Option<f64>,
    unit: &str,
    threshold: Limit,
    result: Verdict,
    reason: Option<&str>,
    regions: Vec<PixelRect>,
) -> Check {
    Check {
        name,
        label: name.label_ja().to_string(),
        result,
        value: value.map(round3),
        unit: unit.to_string(),
        threshold,
        reason: (result != Verdict::Pass).then(|| reason.unwrap_or_default().to_string()),
        regions,
    }
}

fn worst(checks: &[Check]) -> Verdict {
    checks
        .iter()
        .map(|c| c.result)
        .max()
        .unwrap_or(Verdict::Pass)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn pixel_rect(r: RectF) -> PixelRect {
    PixelRect {
        x: r.x0.round() as i32,
        y: r.y0.round() as i32,
        width: r.width().round().max(0.0) as u32,
        height: r.height().round().max(0.0) as u32,
    }
}

#[cfg(test)]
mod tests;
