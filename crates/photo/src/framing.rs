//! Framing, resizing (fast_image_resize) and encoding (libjpeg-turbo, no EXIF), and
//! the printable sheet.

use fast_image_resize::{self as fir, PixelType, ResizeAlg, ResizeOptions, Resizer};
use std::ops::Deref;

use image::{ImageBuffer, Rgb, RgbImage};

use crate::PhotoError;
use crate::measure::RectF;

/// Print photo height and width in mm (J-LIS paper form).
pub const PRINT_MM: (f64, f64) = (45.0, 35.0);
/// Face height (crown to chin) on the print, in mm.
pub const PRINT_FACE_MM: f64 = 34.0;
/// Margin above the crown on the print, in mm.
pub const PRINT_TOP_MM: f64 = 4.0;
/// Print resolution.
pub const PRINT_DPI: f64 = 600.0;
/// Print photo size in pixels: 45 × 35 mm at 600 dpi.
pub const PRINT_PX: (u32, u32) = (827, 1063);

/// Margin above the crown in the digital photo, in face heights.
const DIGITAL_TOP: f64 = 0.6;
/// Height of the digital crop in face heights (head, neck and shoulders).
const DIGITAL_HEIGHT: f64 = 3.0;
/// Width of the digital crop in face heights: shoulders are about 2.1 face heights
/// wide (2.07 on the test portrait), so 2.4 leaves air on both sides.
const DIGITAL_WIDTH: f64 = 2.4;

/// The ideal print crop for a face from `crown` to `chin` centred on `cx`.
pub(crate) fn print_crop(cx: f64, crown: f64, chin: f64) -> RectF {
    let face = chin - crown;
    let h = face * PRINT_MM.0 / PRINT_FACE_MM;
    let w = h * PRINT_MM.1 / PRINT_MM.0;
    RectF::new(
        cx - w / 2.0,
        crown - face * PRINT_TOP_MM / PRINT_FACE_MM,
        w,
        h,
    )
}

/// The ideal digital crop: generous margin above the head and around the shoulders.
pub(crate) fn digital_crop(cx: f64, crown: f64, chin: f64) -> RectF {
    let face = chin - crown;
    let w = face * DIGITAL_WIDTH;
    RectF::new(
        cx - w / 2.0,
        crown - face * DIGITAL_TOP,
        w,
        face * DIGITAL_HEIGHT,
    )
}

/// Moves `ideal` inside a `w` × `h` photo (shrinking it, same aspect, only when it is
/// larger than the photo) and returns it with the largest distance any edge moved.
pub(crate) fn fit_inside(ideal: RectF, w: f64, h: f64) -> (RectF, f64) {
    let shrink = (w / ideal.width()).min(h / ideal.height()).min(1.0);
    let (cw, ch) = (ideal.width() * shrink, ideal.height() * shrink);
    let cx = (ideal.x0 + ideal.x1) / 2.0;
    let x0 = (cx - cw / 2.0).clamp(0.0, w - cw);
    let y0 = ideal.y0.clamp(0.0, h - ch);
    let r = RectF::new(x0, y0, cw, ch);
    let moved = [
        (r.x0 - ideal.x0).abs(),
        (r.y0 - ideal.y0).abs(),
        (r.x1 - ideal.x1).abs(),
        (r.y1 - ideal.y1).abs(),
    ]
    .into_iter()
    .fold(0.0, f64::max);
    (r, moved)
}

/// Crops `crop` out of `src` and resizes it to `dw` × `dh` with `resizer` (which keeps
/// its scratch buffer between calls).
pub(crate) fn resize<C: Deref<Target = [u8]>>(
    resizer: &mut Resizer,
    src: &ImageBuffer<Rgb<u8>, C>,
    crop: RectF,
    dw: u32,
    dh: u32,
    alg: ResizeAlg,
) -> Result<RgbImage, PhotoError> {
    let internal = |e: &dyn std::fmt::Display| PhotoError::Internal(format!("resize: {e}"));
    let view = fir::images::ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
        .map_err(|e| internal(&e))?;
    let mut dst = fir::images::Image::new(dw.max(1), dh.max(1), PixelType::U8x3);
    let options =
        ResizeOptions::new()
            .resize_alg(alg)
            .crop(crop.x0, crop.y0, crop.width(), crop.height());
    resizer
        .resize(&view, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    RgbImage::from_raw(dw.max(1), dh.max(1), dst.into_vec())
        .ok_or_else(|| PhotoError::Internal("resize: buffer size".into()))
}

/// Encodes RGB as a baseline JPEG (libjpeg-turbo: 4:2:0, standard Huffman tables) with
/// the given density in its JFIF header; no EXIF or other metadata is written.
pub(crate) fn jpeg(img: &RgbImage, quality: u8, dpi: u16) -> Result<Vec<u8>, PhotoError> {
    let internal = |e: &dyn std::fmt::Display| PhotoError::Internal(format!("jpeg: {e}"));
    let mut enc = turbojpeg::Compressor::new().map_err(|e| internal(&e))?;
    enc.set_quality(i32::from(quality))
        .map_err(|e| internal(&e))?;
    enc.set_subsamp(turbojpeg::Subsamp::Sub2x2)
        .map_err(|e| internal(&e))?;
    let width = img.width() as usize;
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width,
        pitch: 3 * width,
        height: img.height() as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut out = enc.compress_to_vec(image).map_err(|e| internal(&e))?;
    set_jfif_dpi(&mut out, dpi)?;
    Ok(out)
}

/// Writes `dpi` into the density fields of the JFIF header that libjpeg-turbo puts
/// right after the start of image (its API has no setter for them): units 1 (dots per
/// inch), then the horizontal and vertical density, big-endian.
fn set_jfif_dpi(jpeg: &mut [u8], dpi: u16) -> Result<(), PhotoError> {
    if jpeg.len() < 18 || jpeg[..4] != [0xFF, 0xD8, 0xFF, 0xE0] || &jpeg[6..11] != b"JFIF\0" {
        return Err(PhotoError::Internal(
            "jpeg: no JFIF header to set the density in".into(),
        ));
    }
    let [hi, lo] = dpi.to_be_bytes();
    jpeg[13..18].copy_from_slice(&[1, hi, lo, hi, lo]);
    Ok(())
}

/// An L-size photo sheet (89 × 127 mm, the usual photo print) at 600 dpi with four
/// copies of the print photo at true size (45 × 35 mm) and corner cut marks, as a PNG
/// whose pHYs chunk says 600 dpi so that printing at 100 % gives true size.
pub fn print_sheet_png(print_jpeg: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let photo = crate::decode(print_jpeg)?;
    let photo = photo.image.to_rgb8();
    if (photo.width(), photo.height()) != PRINT_PX {
        return Err(PhotoError::Internal(format!(
            "sheet: print photo is {}x{}, not {}x{}",
            photo.width(),
            photo.height(),
            PRINT_PX.0,
            PRINT_PX.1
        )));
    }
    let mm = |v: f64| (v * PRINT_DPI / 25.4).round() as u32;
    let (sw, sh) = (mm(89.0), mm(127.0));
    let mut sheet = RgbImage::from_pixel(sw, sh, image::Rgb([255, 255, 255]));
    let (pw, ph) = PRINT_PX;
    let gap_x = (sw - 2 * pw) / 3;
    let gap_y = (sh - 2 * ph) / 3;
    let mark = image::Rgb([150, 150, 150]);
    let (off, len) = (mm(1.0), mm(3.0));
    for row in 0..2 {
        for col in 0..2 {
            let x = gap_x + col * (pw + gap_x);
            let y = gap_y + row * (ph + gap_y);
            image::imageops::replace(&mut sheet, &photo, i64::from(x), i64::from(y));
            for (cx, cy) in [(x, y), (x + pw, y), (x, y + ph), (x + pw, y + ph)] {
                for d in off..off + len {
                    for (px, py) in [
                        (cx.wrapping_sub(d), cy),
                        (cx + d, cy),
                        (cx, cy.wrapping_sub(d)),
                        (cx, cy + d),
                    ] {
                        // Marks only in the white margin, never over a photo.
                        let inside_photo = (0..2).any(|r| {
                            (0..2).any(|c| {
                                let ix = gap_x + c * (pw + gap_x);
                                let iy = gap_y + r * (ph + gap_y);
                                px >= ix && px < ix + pw && py >= iy && py < iy + ph
                            })
                        });
                        if px < sw && py < sh && !inside_photo {
                            sheet.put_pixel(px, py, mark);
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, sw, sh);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (PRINT_DPI / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc
            .write_header()
            .map_err(|e| PhotoError::Internal(format!("sheet png: {e}")))?;
        writer
            .write_image_data(sheet.as_raw())
            .map_err(|e| PhotoError::Internal(format!("sheet png: {e}")))?;
        writer
            .finish()
            .map_err(|e| PhotoError::Internal(format!("sheet png: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_jpeg_says_its_density_and_carries_no_other_segment() {
        let img = RgbImage::from_pixel(64, 48, image::Rgb([180, 150, 120]));
        let out = jpeg(&img, 92, 600).expect("encodes");
        assert_eq!(&out[..4], &[0xFF, 0xD8, 0xFF, 0xE0], "JFIF right after SOI");
        assert_eq!(
            &out[13..18],
            &[1, 0x02, 0x58, 0x02, 0x58],
            "600 dots per inch both ways, for printing at true size"
        );
        let app_segments = out
            .windows(2)
            .filter(|w| w[0] == 0xFF && (0xE1..=0xEF).contains(&w[1]))
            .count();
        assert_eq!(
            app_segments, 0,
            "no EXIF or other APPn segment may be written"
        );
        let back = crate::decode(&out).expect("our own JPEG decodes");
        assert_eq!((back.width(), back.height()), (64, 48));
    }
}
