//! The working frame straight from a JPEG's DCT coefficients (jpeg-decoder's reduced
//! IDCT: 1/2, 1/4 or 1/8 of the size), decoded on a second core while zune-jpeg
//! decodes the full photo.

use std::io::Cursor;

use image::RgbImage;

/// Most the preview decoder may allocate: a baseline JPEG's reduced decode needs a
/// few MB; anything that asks for more takes the ordinary path.
const MAX_BUFFER: usize = 32 * 1024 * 1024;

/// A reduced decode of a baseline JPEG whose long side is at least `size`, stored
/// orientation (not yet turned upright). `None` when it would not be smaller than the
/// photo, when the JPEG is progressive (its reduced decode still holds every
/// coefficient in memory), not RGB or grey, larger than `max_pixels`, or unreadable:
/// the caller then reduces the full decode as before.
/// Returns the reduced image and the photo's full size, both as stored.
pub(crate) fn jpeg(bytes: &[u8], size: u32, max_pixels: u64) -> Option<(RgbImage, (u32, u32))> {
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    dec.set_max_decoding_buffer_size(MAX_BUFFER);
    dec.read_info().ok()?;
    let info = dec.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if info.coding_process != jpeg_decoder::CodingProcess::DctSequential
        || u64::from(w) * u64::from(h) > max_pixels
        || w.max(h) < size * 2
    {
        return None;
    }
    let f = f64::from(size) / f64::from(w.max(h));
    let req = |v: u32| ((f64::from(v) * f).ceil() as u16).max(1);
    let (sw, sh) = dec.scale(req(w), req(h)).ok()?;
    if u32::from(sw) >= w {
        return None;
    }
    let pixels = dec.decode().ok()?;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        _ => return None,
    };
    Some((
        RgbImage::from_raw(u32::from(sw), u32::from(sh), rgb)?,
        (w, h),
    ))
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
