//! Memory stays under 300 MB: decompression bombs cost nothing, and the largest photo
//! the limits accept (25 MP, stored sideways so it must also be turned) goes through
//! the whole pipeline. Its own test binary with one test, so that the process's peak
//! resident memory (VmHWM) belongs to this test alone.

#[path = "photo/support.rs"]
#[allow(dead_code)]
mod support;

use outreach_photo::{Config, PhotoError, process};

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[test]
fn bombs_and_the_largest_accepted_photo_stay_under_300_mb() {
    for bomb in [
        support::png_bomb(60_000, 60_000),
        support::jpeg_bomb(60_000, 60_000),
    ] {
        assert!(
            matches!(
                process(&bomb, &Config::default()),
                Err(PhotoError::TooLarge { .. })
            ),
            "a 60000×60000 header is refused"
        );
    }
    let after_bombs = peak_mb();
    if let Some(mb) = after_bombs {
        assert!(
            mb < 100.0,
            "refusing bombs must allocate nothing large: peak {mb:.0} MB"
        );
    }

    // 6000 × 4000 (24 MP), stored as 4000 × 6000 with EXIF orientation 6.
    let (w, h) = (4000u16, 6000u16);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|i| {
            let (x, y) = (i % usize::from(w), i / usize::from(w));
            [(x / 16) as u8, (y / 24) as u8, ((x ^ y) & 0xFF) as u8]
        })
        .collect();
    let mut exif =
        b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
    exif.truncate(6 + 26);
    let mut jpeg = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 80);
    enc.add_app_segment(1, exif).expect("EXIF fits");
    enc.encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode the large test photo");
    drop(pixels);
    let outcome = process(&jpeg, &Config::default()).expect("a 24 MP photo is within the limits");
    assert_eq!(
        (outcome.report.width, outcome.report.height),
        (6000, 4000),
        "turned upright by its EXIF orientation"
    );
    if let Some(mb) = peak_mb() {
        eprintln!("peak resident memory: {mb:.0} MB");
        assert!(
            mb < 300.0,
            "the pipeline must stay under 300 MB: peak {mb:.0} MB"
        );
    }
}
