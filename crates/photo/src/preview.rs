//! The working frame straight from a JPEG's DCT coefficients (libjpeg-turbo's reduced
//! inverse DCT: 1/2, 1/4 or 1/8 of the size), decoded on a second core while the full
//! photo decodes on the first.

use std::io::Cursor;

use image::RgbImage;

use crate::decode::{Scale, jpeg_rgb};

/// A reduced decode of a baseline JPEG whose long side is at least `size`, stored
/// orientation (not yet turned upright). `None` when it would not be smaller than the
/// photo, or when [`jpeg_rgb`] declines it (not baseline, not YCbCr or grey, larger
/// than `max_pixels`, unreadable): the caller then reduces the full decode as before.
/// Returns the reduced image and the photo's full size, both as stored.
pub(crate) fn jpeg(bytes: &[u8], size: u32, max_pixels: u64) -> Option<(RgbImage, (u32, u32))> {
    jpeg_rgb(bytes, max_pixels, |w, h| {
        match Scale::at_least(size, w.max(h)) {
            Scale::Full => None,
            reduced => Some(reduced),
        }
    })
}

/// The EXIF orientation as image reads it (headers only), `NoTransforms` when none.
pub(crate) fn orientation(bytes: &[u8]) -> image::metadata::Orientation {
    use image::ImageDecoder;
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_decoder().ok())
        .and_then(|mut d| d.orientation().ok())
        .unwrap_or(image::metadata::Orientation::NoTransforms)
}
