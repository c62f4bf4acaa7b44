//! The ID-photo pipeline: decode → orient → check → crop → encode.
//!
//! This first part decodes what a camera or a file import hands over: JPEG or PNG
//! only, with the EXIF orientation applied so that every later step sees the photo
//! the right way up. Anything else is refused with an error that names the format.

pub mod qr;

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

/// Why a photo cannot be used. Messages are in Japanese, for staff.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// A recognised image format other than JPEG and PNG.
    #[error("{0}形式の画像は使えません。JPEGかPNGの写真を使ってください。")]
    UnsupportedFormat(String),
    /// Not an image at all (or an unknown format).
    #[error("画像ファイルとして読み取れません。JPEGかPNGの写真を使ってください。")]
    NotAnImage,
    /// The bytes are a JPEG or PNG, but broken or truncated.
    #[error("画像が壊れているか、途中までしかありません。撮り直してください。")]
    Corrupt,
}

/// A decoded photo, the right way up.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The pixels after the EXIF orientation was applied.
    pub image: DynamicImage,
    /// JPEG or PNG.
    pub format: ImageFormat,
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

/// Decodes `bytes`, applying the EXIF orientation.
pub fn decode(bytes: &[u8]) -> Result<Photo, PhotoError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        Some(other) => return Err(PhotoError::UnsupportedFormat(format_name(other))),
        None => return Err(PhotoError::NotAnImage),
    };
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Corrupt)?;
    let orientation = decoder.orientation().map_err(|_| PhotoError::Corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Corrupt)?;
    image.apply_orientation(orientation);
    Ok(Photo { image, format })
}

fn format_name(f: ImageFormat) -> String {
    f.extensions_str()
        .first()
        .map_or_else(|| format!("{f:?}"), |e| e.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb([200, 180, 160]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode test png");
        out
    }

    #[test]
    fn a_png_decodes_with_its_size() {
        let photo = decode(&png(48, 64)).expect("a valid PNG decodes");
        assert_eq!(
            (photo.width(), photo.height()),
            (48, 64),
            "size must be kept"
        );
        assert_eq!(photo.format, ImageFormat::Png);
    }

    #[test]
    fn other_formats_are_named_in_the_refusal() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        match decode(gif) {
            Err(PhotoError::UnsupportedFormat(name)) => {
                assert_eq!(name, "GIF", "staff must be told which format it was")
            }
            other => panic!("a GIF must be refused by name, got {other:?}"),
        }
    }

    #[test]
    fn broken_and_truncated_files_are_refused() {
        let full = png(32, 32);
        assert!(
            matches!(decode(&full[..full.len() / 2]), Err(PhotoError::Corrupt)),
            "a truncated PNG is corrupt"
        );
        assert!(
            matches!(decode(b"hello, this is text"), Err(PhotoError::NotAnImage)),
            "text is not an image"
        );
    }
}
