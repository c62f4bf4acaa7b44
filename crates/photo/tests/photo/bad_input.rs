//! Bad input: each kind is refused with a typed error whose message is in Japanese,
//! or read correctly; never a panic.

use outreach_photo::{Config, PhotoError, decode, process};

use crate::support::{jpeg, jpeg_bomb, png, png_bomb, read_photo};

fn assert_japanese(e: &PhotoError) {
    let msg = e.to_string();
    assert!(
        msg.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "staff read Japanese: {msg}"
    );
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    for (what, bytes) in [
        ("PNG", png_bomb(60_000, 60_000)),
        ("JPEG", jpeg_bomb(60_000, 60_000)),
    ] {
        let started = std::time::Instant::now();
        match decode(&bytes) {
            Err(e @ PhotoError::TooLarge { width, height, .. }) => {
                assert_eq!(
                    (width, height),
                    (60_000, 60_000),
                    "{what}: the claimed size is named"
                );
                assert_japanese(&e);
            }
            other => {
                panic!("{what}: a 60000×60000 header must be refused as too large, got {other:?}")
            }
        }
        assert!(
            started.elapsed().as_millis() < 500,
            "{what}: refused from the header, before any decoding"
        );
    }
}

#[test]
fn truncated_and_corrupt_files_are_refused() {
    let good = read_photo("good.jpg");
    for cut in [10, 100, good.len() / 3] {
        let r = process(&good[..cut], &Config::default());
        assert!(
            matches!(r, Err(PhotoError::Corrupt)),
            "a JPEG cut at {cut} bytes must be refused as corrupt, got {:?}",
            r.map(|o| o.report.verdict)
        );
    }
    let mut broken = good.clone();
    let sof = broken
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("SOF0");
    broken[sof + 9] = 7; // seven colour components
    assert!(
        matches!(
            decode(&broken),
            Err(PhotoError::Corrupt | PhotoError::UnsupportedVariant { .. })
        ),
        "a frame header with 7 components is refused"
    );
    let p = png(40, 40, png::ColorType::Rgb, png::BitDepth::Eight);
    let mut bad_crc = p.clone();
    bad_crc[29] ^= 0xFF; // inside IHDR's CRC
    assert!(
        decode(&bad_crc).is_err(),
        "a PNG with a broken header CRC is refused"
    );
}

#[test]
fn non_images_and_other_formats_are_named() {
    for (bytes, expect) in [
        (&b"%PDF-1.7\n1 0 obj"[..], None),
        (b"PK\x03\x04 a zip file", None),
        (
            b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00",
            Some("BMP"),
        ),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Some("WEBP")),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", Some("GIF")),
        (b"", None),
    ] {
        match (decode(bytes), expect) {
            (Err(e @ PhotoError::NotAnImage), None) => assert_japanese(&e),
            (Err(e), Some(want)) => {
                assert!(
                    matches!(&e, PhotoError::UnsupportedFormat(name) if name == want),
                    "{want}: the format must be named, got {e:?}"
                );
                assert_japanese(&e);
            }
            (other, _) => panic!("{expect:?}: unexpected {other:?}"),
        }
    }
}

#[test]
fn cmyk_jpegs_are_read_as_rgb() {
    let cmyk = jpeg(64, 48, jpeg_encoder::ColorType::Cmyk, None);
    let photo = decode(&cmyk).expect("a CMYK JPEG is read (and converted)");
    assert_eq!(photo.source.colour, "Cmyk8", "the report says it was CMYK");
    assert_eq!((photo.width(), photo.height()), (64, 48));
    assert!(photo.image.as_rgb8().is_some(), "the pipeline works on RGB");
    let ycck = jpeg(64, 48, jpeg_encoder::ColorType::CmykAsYcck, None);
    assert!(decode(&ycck).is_ok(), "an Adobe YCCK JPEG is read too");
}

#[test]
fn sixteen_bit_grey_alpha_and_palette_pngs_are_read_as_rgb() {
    for (colour, depth) in [
        (png::ColorType::Rgb, png::BitDepth::Sixteen),
        (png::ColorType::Rgba, png::BitDepth::Sixteen),
        (png::ColorType::Indexed, png::BitDepth::Eight),
        (png::ColorType::Indexed, png::BitDepth::Two),
        (png::ColorType::Grayscale, png::BitDepth::One),
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Eight),
    ] {
        let bytes = png(50, 30, colour, depth);
        let photo = decode(&bytes).unwrap_or_else(|e| panic!("{colour:?} {depth:?}: {e}"));
        assert!(
            photo.image.as_rgb8().is_some() && photo.width() == 50 && photo.height() == 30,
            "{colour:?} {depth:?} becomes 8-bit RGB of the same size"
        );
        let outcome = process(&bytes, &Config::default()).expect("processes");
        assert_eq!(outcome.report.faces.len(), 0, "a pattern has no face");
    }
}

#[test]
fn garbage_exif_is_ignored_not_fatal() {
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend((0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let photo = decode(&jpeg(32, 32, jpeg_encoder::ColorType::Rgb, Some(seg)))
        .expect("garbage EXIF must not make a good photo unreadable");
    assert_eq!(
        photo.source.exif_orientation, 1,
        "no usable orientation: none applied"
    );
    // A TIFF header claiming an IFD far past the end.
    let mut seg = b"Exif\0\0II*\0".to_vec();
    seg.extend_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    assert!(
        decode(&jpeg(32, 32, jpeg_encoder::ColorType::Rgb, Some(seg))).is_ok(),
        "an EXIF offset past the end is ignored"
    );
}

#[test]
fn tiny_and_extreme_shapes_do_not_panic() {
    for (w, h) in [(1, 1), (1, 2000), (2000, 1), (39, 39), (40, 40), (3, 700)] {
        let bytes = png(w, h, png::ColorType::Rgb, png::BitDepth::Eight);
        let outcome = process(&bytes, &Config::default())
            .unwrap_or_else(|e| panic!("{w}x{h}: a valid PNG must be processed: {e}"));
        assert!(
            outcome.report.faces.is_empty(),
            "{w}x{h}: no face in a pattern"
        );
    }
}
