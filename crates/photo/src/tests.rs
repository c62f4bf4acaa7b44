use super::*;
use image::{ImageEncoder, ImageFormat};

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

#[test]
fn limits_judge_both_bands() {
    let l = Limit::AtLeast {
        warn: 10.0,
        fail: 5.0,
    };
    assert_eq!(l.judge(4.0), Verdict::Fail, "below fail fails");
    assert_eq!(l.judge(7.0), Verdict::Warn, "between fail and warn warns");
    assert_eq!(l.judge(10.0), Verdict::Pass, "the warn value itself passes");
    let b = Limit::Band {
        fail_below: 60.0,
        warn_below: 85.0,
        warn_above: 200.0,
        fail_above: 225.0,
    };
    assert_eq!(b.judge(50.0), Verdict::Fail, "too dark fails");
    assert_eq!(b.judge(210.0), Verdict::Warn, "bright warns");
    assert_eq!(b.judge(150.0), Verdict::Pass, "normal passes");
}

#[test]
fn the_print_crop_puts_the_face_at_34_mm_with_4_mm_above() {
    let r = framing::print_crop(500.0, 100.0, 440.0);
    let px_per_mm = r.height() / 45.0;
    assert!(
        ((440.0 - 100.0) / px_per_mm - 34.0).abs() < 1e-9,
        "crown to chin must be 34 mm"
    );
    assert!(
        ((100.0 - r.y0) / px_per_mm - 4.0).abs() < 1e-9,
        "4 mm above the crown"
    );
    assert!((r.width() / px_per_mm - 35.0).abs() < 1e-9, "35 mm wide");
}

#[test]
fn a_crop_that_does_not_fit_is_moved_and_the_move_reported() {
    let (r, moved) =
        framing::fit_inside(measure::RectF::new(-10.0, 5.0, 100.0, 100.0), 200.0, 200.0);
    assert_eq!((r.x0, r.y0), (0.0, 5.0), "moved right by 10 px only");
    assert_eq!(moved, 10.0, "the move is reported");
}
