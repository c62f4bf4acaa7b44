//! The decoded photo's pixels. A 12-megapixel frame is 36 MB that the decoder writes
//! once: in 4 KiB pages that is 9,000 page faults, each a trip into the kernel to
//! allocate and zero a page, and as many to free at the end, about a quarter of the
//! pipeline's CPU time. On Linux a large frame is therefore an anonymous mapping
//! advised as transparent huge pages (2 MiB), which the kernel supplies in a few dozen
//! faults; elsewhere, or when the kernel declines, it is an ordinary `Vec`.

use std::ops::{Deref, DerefMut};

use image::metadata::Orientation;
use image::{ImageBuffer, Rgb, RgbImage, imageops};

use crate::PhotoError;

/// An 8-bit RGB photo whose pixels may live in huge pages ([`Pixels`]).
pub(crate) type Frame = ImageBuffer<Rgb<u8>, Pixels>;

/// Buffers smaller than this stay on the heap: huge pages pay only for frames of
/// several megapixels.
#[cfg(target_os = "linux")]
const MAPPED_MIN: usize = 8 * 1024 * 1024;

/// A zero-initialised pixel buffer: heap memory, or (Linux, large buffers) an
/// anonymous mapping advised for transparent huge pages.
pub(crate) enum Pixels {
    Heap(Vec<u8>),
    #[cfg(target_os = "linux")]
    Mapped(memmap2::MmapMut),
}

impl Pixels {
    /// `len` zero bytes.
    pub(crate) fn zeroed(len: usize) -> Pixels {
        #[cfg(target_os = "linux")]
        if len >= MAPPED_MIN
            && let Ok(map) = memmap2::MmapOptions::new().len(len).map_anon()
        {
            // Only advice: with transparent huge pages off, the mapping is still an
            // ordinary zeroed one.
            let _ = map.advise(memmap2::Advice::HugePage);
            return Pixels::Mapped(map);
        }
        Pixels::Heap(vec![0; len])
    }

    /// The bytes as a `Vec` (a copy only when they were mapped).
    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Pixels::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Pixels::Mapped(map) => map.to_vec(),
        }
    }
}

impl Deref for Pixels {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Pixels::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Pixels::Mapped(map) => map,
        }
    }
}

impl DerefMut for Pixels {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Pixels::Heap(v) => v,
            #[cfg(target_os = "linux")]
            Pixels::Mapped(map) => map,
        }
    }
}

/// A heap frame from an `RgbImage` (no copy).
pub(crate) fn from_rgb(rgb: RgbImage) -> Frame {
    let (w, h) = rgb.dimensions();
    Frame::from_raw(w, h, Pixels::Heap(rgb.into_raw()))
        .expect("an RgbImage's buffer fits its own dimensions")
}

/// The frame as an `RgbImage` (a copy only when its pixels were mapped).
pub(crate) fn into_rgb(frame: Frame) -> RgbImage {
    let (w, h) = frame.dimensions();
    RgbImage::from_raw(w, h, frame.into_raw().into_vec())
        .expect("a frame's buffer fits its own dimensions")
}

/// Turns a frame the right way up for its EXIF orientation, as image's
/// `apply_orientation` does; a quarter turn writes into a new frame of the same kind.
pub(crate) fn orient(mut frame: Frame, orientation: Orientation) -> Result<Frame, PhotoError> {
    let quarter = |frame: &Frame, clockwise: bool| -> Result<Frame, PhotoError> {
        let (w, h) = frame.dimensions();
        let mut turned = Frame::from_raw(h, w, Pixels::zeroed(frame.as_raw().len()))
            .expect("a buffer of the frame's own length fits it turned");
        let done = if clockwise {
            imageops::rotate90_in(frame, &mut turned)
        } else {
            imageops::rotate270_in(frame, &mut turned)
        };
        done.map_err(|e| PhotoError::Internal(format!("orientation: {e}")))?;
        Ok(turned)
    };
    Ok(match orientation {
        Orientation::NoTransforms => frame,
        Orientation::Rotate90 => quarter(&frame, true)?,
        Orientation::Rotate270 => quarter(&frame, false)?,
        Orientation::Rotate180 => {
            imageops::rotate180_in_place(&mut frame);
            frame
        }
        Orientation::FlipHorizontal => {
            imageops::flip_horizontal_in_place(&mut frame);
            frame
        }
        Orientation::FlipVertical => {
            imageops::flip_vertical_in_place(&mut frame);
            frame
        }
        Orientation::Rotate90FlipH => {
            let mut turned = quarter(&frame, true)?;
            imageops::flip_horizontal_in_place(&mut turned);
            turned
        }
        Orientation::Rotate270FlipH => {
            let mut turned = quarter(&frame, false)?;
            imageops::flip_horizontal_in_place(&mut turned);
            turned
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

    /// A small photo whose every pixel differs, so any misplaced pixel shows.
    fn distinct(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([x as u8, y as u8, (x * 7 + y * 13) as u8]))
    }

    #[test]
    fn every_exif_orientation_turns_a_frame_as_image_does() {
        for exif in 1..=8 {
            let orientation = Orientation::from_exif(exif).expect("1–8 are orientations");
            let mut expected = DynamicImage::ImageRgb8(distinct(5, 3));
            expected.apply_orientation(orientation);
            let turned = orient(from_rgb(distinct(5, 3)), orientation).expect("orients");
            assert_eq!(
                into_rgb(turned),
                expected.to_rgb8(),
                "orientation {exif} must match image's apply_orientation"
            );
        }
    }

    #[test]
    fn a_large_buffer_is_zeroed_and_keeps_its_pixels_through_orientation() {
        let (w, h) = (1600u32, 2000u32);
        let mut pixels = Pixels::zeroed(3 * (w * h) as usize);
        #[cfg(target_os = "linux")]
        assert!(
            matches!(pixels, Pixels::Mapped(_)),
            "a 9.6 MB frame is mapped for huge pages on Linux"
        );
        assert!(
            pixels.iter().all(|&b| b == 0),
            "a new buffer reads as zeros"
        );
        pixels[3 * (w as usize) + 1] = 200;
        let frame = Frame::from_raw(w, h, pixels).expect("fits");
        let turned = orient(frame, Orientation::Rotate90).expect("orients");
        assert_eq!(
            turned.dimensions(),
            (h, w),
            "a quarter turn swaps the sides"
        );
        // (0, 1) in the stored frame is (h - 2, 0) after a clockwise quarter turn.
        assert_eq!(
            turned.get_pixel(h - 2, 0).0[1],
            200,
            "the marked pixel must land where a clockwise quarter turn puts it"
        );
        assert_eq!(into_rgb(turned).len(), (3 * w * h) as usize);
    }
}
