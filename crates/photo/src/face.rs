//! Face detection with rustface (SeetaFace frontal detector), its model compiled in.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use crate::PhotoError;

/// The SeetaFace frontal face model as shipped in the rustface 0.1.7 crate
/// (BSD-2-Clause, see model/LICENSE-rustface-seetaface).
const MODEL_BYTES: &[u8] = include_bytes!("../model/seeta_fd_frontal_v1.0.bin");

/// Parses the model now (it takes tens of milliseconds once per process), so that a
/// caller can do it on another thread while the photo decodes.
pub(crate) fn warm() {
    let _ = model();
}

fn model() -> Result<&'static rustface::Model, PhotoError> {
    static MODEL: OnceLock<Option<rustface::Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| rustface::read_model(Cursor::new(MODEL_BYTES)).ok())
        .as_ref()
        .ok_or_else(|| PhotoError::Internal("face model unreadable".into()))
}

/// A face box in the coordinates of the frame it was found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Detection {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub score: f64,
}

/// Finds frontal faces in an 8-bit grey frame, largest first. `min_face` is the
/// smallest face side in pixels to look for (at least the detector's 20 px window).
pub(crate) fn detect(
    grey: &[u8],
    width: u32,
    height: u32,
    min_face: u32,
    score_min: f64,
) -> Result<Vec<Detection>, PhotoError> {
    // The detector's window is 40 px and its minimum face 20 px: smaller frames hold
    // no face it could find (and are not worth the risk of an edge case inside it).
    if width < 40 || height < 40 || grey.len() < (width as usize) * (height as usize) {
        return Ok(Vec::new());
    }
    let model = model()?.clone();
    let min_face = min_face.clamp(20, width.min(height));
    // rustface is third-party code with `unsafe` inside; a panic there must become an
    // error for this photo, not bring down the app.
    let found = catch_unwind(AssertUnwindSafe(|| {
        let mut detector = rustface::create_detector_with_model(model);
        detector.set_min_face_size(min_face);
        detector.set_score_thresh(score_min);
        detector.set_pyramid_scale_factor(0.8);
        detector.set_slide_window_step(4, 4);
        detector.detect(&rustface::ImageData::new(grey, width, height))
    }))
    .map_err(|_| PhotoError::Internal("face detector panicked".into()))?;
    let mut faces: Vec<Detection> = found
        .iter()
        .map(|f| {
            let b = f.bbox();
            Detection {
                x: f64::from(b.x()),
                y: f64::from(b.y()),
                width: f64::from(b.width()),
                height: f64::from(b.height()),
                score: f.score(),
            }
        })
        .collect();
    faces.sort_by(|a, b| (b.width * b.height).total_cmp(&(a.width * a.height)));
    Ok(faces)
}
