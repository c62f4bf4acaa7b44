//! Decoding what a camera or a file import hands over: JPEG or PNG only, bounded in
//! size before any pixel is decoded, turned into 8-bit RGB the right way up.
//!
//! Baseline YCbCr and grey JPEGs (what cameras, phones and browsers write) are decoded
//! by libjpeg-turbo ([`jpeg_rgb`]); everything else, and any JPEG libjpeg-turbo refuses
//! or warns about, goes through image (zune-jpeg, png) as before, so the errors are the
//! same.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, metadata::Orientation,
};
use serde::{Deserialize, Serialize};
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat};

use crate::frame::{self, Frame, Pixels};
use crate::{Config, PhotoError};

/// A decoded photo, the right way up, as 8-bit RGB.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The pixels after the EXIF orientation was applied.
    pub image: DynamicImage,
    /// JPEG or PNG.
    pub format: ImageFormat,
    /// What the file held before conversion, and what was done to it.
    pub source: SourceInfo,
}

impl Photo {
    /// Width in pixels, after orientation.
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    /// Height in pixels, after orientation.
    pub fn height(&self) -> u32 {
        self.image.height()
    }
}

/// The input file as found, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// "JPEG" or "PNG".
    pub format: String,
    /// The colour layout in the file, e.g. "Rgb8", "Cmyk8", "Rgb16", "L8".
    pub colour: String,
    /// Width and height as stored in the file (before orientation).
    pub stored_width: u32,
    /// Height as stored in the file.
    pub stored_height: u32,
    /// The EXIF orientation that was applied (1 = none; 1 too when the EXIF data was
    /// missing or unreadable).
    pub exif_orientation: u8,
    /// Size of the file in bytes.
    pub bytes: usize,
}

/// Decodes `bytes` with the default limits, applying the EXIF orientation.
pub fn decode(bytes: &[u8]) -> Result<Photo, PhotoError> {
    decode_with(bytes, &Config::default())
}

/// Decodes `bytes` within `config`'s size limits: JPEG or PNG only, converted to 8-bit
/// RGB (CMYK JPEGs, 16-bit, grey and palette PNGs included; alpha is dropped), with the
/// EXIF orientation applied. Unreadable EXIF data is ignored rather than refused: the
/// photo itself is fine and staff see the result the right way up or can retake it.
///
/// Errors: [`PhotoError::NotAnImage`], [`PhotoError::UnsupportedFormat`],
/// [`PhotoError::TooLarge`] (decided from the header alone), [`PhotoError::Corrupt`],
/// [`PhotoError::UnsupportedVariant`].
pub fn decode_with(bytes: &[u8], config: &Config) -> Result<Photo, PhotoError> {
    let (frame, format, source) = decode_frame(bytes, config)?;
    Ok(Photo {
        image: DynamicImage::ImageRgb8(frame::into_rgb(frame)),
        format,
        source,
    })
}

/// [`decode_with`], keeping the pixels in a [`Frame`] (huge pages for a large JPEG).
pub(crate) fn decode_frame(
    bytes: &[u8],
    config: &Config,
) -> Result<(Frame, ImageFormat, SourceInfo), PhotoError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        Some(other) => return Err(PhotoError::UnsupportedFormat(format_name(other))),
        None => return Err(PhotoError::NotAnImage),
    };
    let too_large = |width, height| PhotoError::TooLarge {
        width,
        height,
        max_megapixels: (config.max_pixels / 1_000_000) as u32,
    };
    // The size is checked by us right after the header is read (so the refusal can say
    // how large); `max_alloc` bounds what the decoder itself may allocate.
    let mut limits = Limits::default();
    limits.max_alloc = Some(config.max_decode_bytes);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_error(e, format, (0, 0), &too_large))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > config.max_pixels
        || width > config.max_side
        || height > config.max_side
    {
        return Err(too_large(width, height));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // zune-jpeg fills a truncated scan with grey; a cut-off photo must be retaken.
        return Err(PhotoError::Corrupt);
    }
    // image converts CMYK and YCCK JPEGs to RGB and reports them as RGB: the frame
    // header says what the file really held.
    let colour = match (format, jpeg_components(bytes)) {
        (ImageFormat::Jpeg, Some(4)) => "Cmyk8".to_string(),
        _ => format!("{:?}", decoder.original_color_type()),
    };
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let fast = match format {
        ImageFormat::Jpeg => jpeg_rgb(bytes, config.max_pixels),
        _ => None,
    };
    let stored = match fast {
        Some(frame) => frame,
        None => {
            let decoded = DynamicImage::from_decoder(decoder)
                .map_err(|e| map_error(e, format, (width, height), &too_large))?;
            // Convert before rotating: 8-bit RGB is the smallest form, so the rotation's
            // copy is as small as it can be.
            frame::from_rgb(match decoded {
                DynamicImage::ImageRgb8(rgb) => rgb,
                other => other.to_rgb8(),
            })
        }
    };
    let source = SourceInfo {
        format: format_name(format),
        colour,
        stored_width: width,
        stored_height: height,
        exif_orientation: orientation.to_exif(),
        bytes: bytes.len(),
    };
    Ok((frame::orient(stored, orientation)?, format, source))
}

/// Decodes a baseline (sequential, Huffman-coded) YCbCr or grey JPEG to 8-bit RGB with
/// libjpeg-turbo, as stored (no orientation applied), into a [`Frame`].
///
/// `None` for anything else: progressive, arithmetic-coded or lossless JPEGs, CMYK,
/// YCCK or RGB colour, more than `max_pixels` (read from the header, before any pixel
/// buffer is allocated), or any error or warning from libjpeg-turbo (a corrupt scan, a
/// 12-bit photo): the caller then decodes with image, which has its own error for each
/// of these, so a photo is never judged differently by which decoder read it.
fn jpeg_rgb(bytes: &[u8], max_pixels: u64) -> Option<Frame> {
    let mut dec = Decompressor::new().ok()?;
    let header = dec.read_header(bytes).ok()?;
    let (w, h) = (
        u32::try_from(header.width).ok()?,
        u32::try_from(header.height).ok()?,
    );
    let plain = !header.is_progressive && !header.is_arithmetic && !header.is_lossless;
    let colour = matches!(header.colorspace, Colorspace::YCbCr | Colorspace::Gray);
    if !plain || !colour || w == 0 || h == 0 || u64::from(w) * u64::from(h) > max_pixels {
        return None;
    }
    let mut pixels = Pixels::zeroed(3 * header.width * header.height);
    let image = Image {
        pixels: &mut pixels[..],
        width: header.width,
        pitch: 3 * header.width,
        height: header.height,
        format: PixelFormat::RGB,
    };
    dec.decompress(bytes, image).ok()?;
    Frame::from_raw(w, h, pixels)
}

fn map_error(
    e: ImageError,
    format: ImageFormat,
    (width, height): (u32, u32),
    too_large: &dyn Fn(u32, u32) -> PhotoError,
) -> PhotoError {
    match e {
        ImageError::Limits(_) => too_large(width, height),
        ImageError::Unsupported(u) => PhotoError::UnsupportedVariant {
            format: format_name(format),
            detail: u.to_string(),
        },
        _ => PhotoError::Corrupt,
    }
}

/// The component count of a JPEG's frame header (SOFn), if one can be found.
fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            return bytes.get(i + 9).copied();
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// A JPEG is complete when an end-of-image marker follows its first scan. (Inside
/// entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so 0xFFD9
/// there can only be the real end; data appended after it, as some phones do, is
/// allowed.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    // From the end: the marker is almost always the last two bytes.
    bytes[sos..]
        .windows(2)
        .rposition(|w| w == [0xFF, 0xD9])
        .is_some()
}

pub(crate) fn format_name(f: ImageFormat) -> String {
    match f {
        ImageFormat::Jpeg => "JPEG".to_string(),
        other => other
            .extensions_str()
            .first()
            .map_or_else(|| format!("{other:?}"), |e| e.to_uppercase()),
    }
}
