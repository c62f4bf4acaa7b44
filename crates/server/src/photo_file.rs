//! What a photo upload must be before it is stored: a JPEG (or the PNG a tablet keeps
//! as an original when the camera gave one) whose structure holds from its first
//! marker to its last and whose size is a photo's. Nothing is decoded: the markers are
//! walked (JPEG: SOI, segments with their lengths, the frame header's size and
//! components, entropy-coded data up to EOI; PNG: the signature, IHDR, chunks up to
//! IEND), so an HTML page or a script sent as a photo is refused, and what is served
//! back as `image/jpeg` is one.

/// The smallest side accepted, in pixels.
pub const MIN_SIDE: u32 = 64;
/// The largest side accepted, in pixels (the tablet's own limit for a camera photo).
pub const MAX_SIDE: u32 = 12_000;

/// The kind of image a photo is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    /// JPEG (baseline, extended or progressive).
    Jpeg,
    /// PNG.
    Png,
}

/// A photo's kind and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoFile {
    /// JPEG or PNG.
    pub kind: PhotoKind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why the bytes are not a photo the office keeps. Messages say what is wrong with
/// the file, never any of its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoFileError {
    /// Neither a JPEG nor a PNG.
    #[error("the photo is not a JPEG (it does not start with the JPEG start-of-image marker)")]
    NotAnImage,
    /// The structure is broken at some point.
    #[error("the photo is not a well-formed JPEG or PNG: {0}")]
    Malformed(&'static str),
    /// A JPEG coding the office's tools do not read (lossless, arithmetic, hierarchical).
    #[error("the photo's JPEG coding is not baseline, extended or progressive")]
    UnsupportedCoding,
    /// CMYK or another colour layout that is not grey or RGB.
    #[error("the photo has {0} colour components: a photo is RGB (3) or grey (1), never CMYK")]
    Components(u8),
    /// Too small or too large.
    #[error("the photo is {width} × {height} px: each side must be {MIN_SIDE} to {MAX_SIDE} px")]
    Dimensions {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

impl PhotoFileError {
    /// The stable code an API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoFileError::NotAnImage => "photo_not_jpeg",
            PhotoFileError::Malformed(_) => "photo_malformed",
            PhotoFileError::UnsupportedCoding => "photo_coding_unsupported",
            PhotoFileError::Components(_) => "photo_not_rgb",
            PhotoFileError::Dimensions { .. } => "photo_dimensions",
        }
    }
}

/// Checks a photo's structure and size.
///
/// # Errors
/// [`PhotoFileError`] names the first thing wrong.
pub fn check(bytes: &[u8]) -> Result<PhotoFile, PhotoFileError> {
    let file = if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)?
    } else if bytes.starts_with(PNG_SIGNATURE) {
        png(bytes)?
    } else {
        return Err(PhotoFileError::NotAnImage);
    };
    let side_ok = |s: u32| (MIN_SIDE..=MAX_SIDE).contains(&s);
    if !side_ok(file.width) || !side_ok(file.height) {
        return Err(PhotoFileError::Dimensions {
            width: file.width,
            height: file.height,
        });
    }
    Ok(file)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *bytes.get(at)?,
        *bytes.get(at + 1)?,
    ])))
}

fn jpeg(bytes: &[u8]) -> Result<PhotoFile, PhotoFileError> {
    use PhotoFileError::Malformed;
    let mut at = 2;
    let mut frame: Option<(u32, u32)> = None;
    let (mut tables, mut huffman) = (false, false);
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err(Malformed("a segment does not start with a marker"));
        }
        // Fill bytes (0xFF) may come before a marker.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes
            .get(at + 1)
            .ok_or(Malformed("the file ends inside a marker"))?;
        at += 2;
        match marker {
            0xD9 => break,
            0xD8 => return Err(Malformed("a second start-of-image marker")),
            0x01 | 0xD0..=0xD7 => continue,
            0x00 => return Err(Malformed("a stuffed byte outside entropy-coded data")),
            _ => {}
        }
        let length = u16_at(bytes, at).ok_or(Malformed("the file ends inside a segment"))?;
        if length < 2 || at + length > bytes.len() {
            return Err(Malformed(
                "a segment's length runs past the end of the file",
            ));
        }
        let segment = &bytes[at + 2..at + length];
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if !matches!(marker, 0xC0..=0xC2) {
                    return Err(PhotoFileError::UnsupportedCoding);
                }
                if frame.is_some() {
                    return Err(Malformed("more than one frame header"));
                }
                let [_precision, h1, h0, w1, w0, components, ..] = *segment else {
                    return Err(Malformed("the frame header is too short"));
                };
                if !matches!(components, 1 | 3) {
                    return Err(PhotoFileError::Components(components));
                }
                if segment.len() != 6 + 3 * usize::from(components) {
                    return Err(Malformed(
                        "the frame header's length does not match its components",
                    ));
                }
                let height = u32::from(u16::from_be_bytes([h1, h0]));
                let width = u32::from(u16::from_be_bytes([w1, w0]));
                frame = Some((width, height));
            }
            0xDB => tables = true,
            0xC4 => huffman = true,
            0xDA => {
                if frame.is_none() || !tables || !huffman {
                    return Err(Malformed(
                        "image data before the frame header, quantisation and Huffman tables",
                    ));
                }
                at += length;
                // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a
                // restart marker or fill; anything else is the next marker.
                loop {
                    let ff = bytes[at..]
                        .iter()
                        .position(|&b| b == 0xFF)
                        .ok_or(Malformed("the image data has no end-of-image marker"))?;
                    at += ff;
                    match bytes.get(at + 1) {
                        Some(0x00 | 0xD0..=0xD7) => at += 2,
                        Some(0xFF) => at += 1,
                        Some(_) => break,
                        None => return Err(Malformed("the image data has no end-of-image marker")),
                    }
                }
                continue;
            }
            _ => {}
        }
        at += length;
    }
    // Bytes after the end-of-image marker are kept as they came: phone cameras append
    // their own data there (a motion photo's video).
    let (width, height) = frame.ok_or(Malformed("no frame header"))?;
    Ok(PhotoFile {
        kind: PhotoKind::Jpeg,
        width,
        height,
    })
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(bytes: &[u8]) -> Result<PhotoFile, PhotoFileError> {
    use PhotoFileError::Malformed;
    let mut at = PNG_SIGNATURE.len();
    let mut size = None;
    loop {
        let head = bytes
            .get(at..at + 8)
            .ok_or(Malformed("the file ends inside a chunk header"))?;
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let data = bytes
            .get(at + 8..at + 8 + length)
            .ok_or(Malformed("a chunk's length runs past the end of the file"))?;
        if bytes.get(at + 8 + length..at + 12 + length).is_none() {
            return Err(Malformed("a chunk has no checksum"));
        }
        match (kind, size) {
            (b"IHDR", None) if length == 13 => {
                let w = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                let h = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                size = Some((w, h));
            }
            (_, None) => return Err(Malformed("the first chunk is not a 13-byte IHDR")),
            (b"IEND", Some((width, height))) => {
                return Ok(PhotoFile {
                    kind: PhotoKind::Png,
                    width,
                    height,
                });
            }
            _ => {}
        }
        at += 12 + length;
    }
}

/// A JPEG of about `len` bytes (at least a few hundred) and `width` × `height` pixels
/// whose image data is made from `seed`: structurally sound for [`check`], not a
/// picture. For tests and benchmarks that send photos through the server.
pub fn synthetic_jpeg(len: usize, seed: u32, width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // One quantisation table (all ones), a frame header with three components, one
    // empty Huffman table, and a scan header for the three components.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]);
    out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x13, 0x00]);
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00,
    ]);
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while out.len() + 2 < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        // No 0xFF in the data, so no byte stuffing is needed.
        out.push(((x >> 24) as u8).min(0xFE));
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_synthetic_jpeg_passes_with_its_size() {
        let jpeg = synthetic_jpeg(50_000, 7, 1200, 1600);
        assert_eq!(jpeg.len(), 50_000);
        assert_eq!(
            check(&jpeg),
            Ok(PhotoFile {
                kind: PhotoKind::Jpeg,
                width: 1200,
                height: 1600
            })
        );
    }

    #[test]
    fn what_is_not_a_photo_is_refused_with_the_reason() {
        assert_eq!(
            check(b"<!doctype html><script>alert(1)</script>"),
            Err(PhotoFileError::NotAnImage)
        );
        let jpeg = synthetic_jpeg(5_000, 1, 640, 480);
        assert!(
            matches!(check(&jpeg[..4_000]), Err(PhotoFileError::Malformed(_))),
            "a truncated JPEG has no end"
        );
        let mut html_inside = jpeg[..200].to_vec();
        html_inside.extend_from_slice(b"<html>");
        assert!(matches!(
            check(&html_inside),
            Err(PhotoFileError::Malformed(_))
        ));
        assert_eq!(
            check(&synthetic_jpeg(5_000, 1, 32, 480)),
            Err(PhotoFileError::Dimensions {
                width: 32,
                height: 480
            })
        );
        let mut cmyk = synthetic_jpeg(5_000, 1, 640, 480);
        // The frame header's component count (after SOI, the 69-byte DQT, SOF's marker,
        // length, precision and size).
        let components = 2 + 69 + 2 + 2 + 1 + 4;
        assert_eq!(cmyk[components], 3);
        cmyk[components] = 4;
        assert_eq!(check(&cmyk), Err(PhotoFileError::Components(4)));
    }

    #[test]
    fn a_png_original_passes_by_its_chunks() {
        let mut png = PNG_SIGNATURE.to_vec();
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0; 4]);
            c
        };
        let mut ihdr = 800u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&600u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        let unfinished = png.clone();
        png.extend(chunk(b"IEND", &[]));
        assert_eq!(
            check(&png).map(|f| (f.kind, f.width)),
            Ok((PhotoKind::Png, 800))
        );
        assert!(matches!(
            check(&unfinished),
            Err(PhotoFileError::Malformed(_))
        ));
    }
}
