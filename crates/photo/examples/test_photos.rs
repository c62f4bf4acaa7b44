//! Makes the test photos in crates/photo/tests/photos from the public-domain NASA
//! portrait of Eileen Collins that scikit-image ships (`skimage/data/astronaut.png`),
//! and the 12-megapixel camera-like frame bench/photo.sh uses. Deterministic: the same
//! input gives the same files. Run through scripts/photo-test-images.
//!
//! ```text
//! cargo run --release -p outreach-photo --example test_photos -- photos ASTRONAUT.png OUT_DIR
//! cargo run --release -p outreach-photo --example test_photos -- bench ASTRONAUT.png OUT.jpg
//! ```

use std::path::Path;

use image::{Rgb, RgbImage, imageops};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: test_photos photos ASTRONAUT.png OUT_DIR | bench ASTRONAUT.png OUT.jpg";
    let (Some(mode), Some(input), Some(out)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let original = image::open(input)
        .unwrap_or_else(|e| panic!("reading {input}: {e}"))
        .to_rgb8();
    assert_eq!(
        original.dimensions(),
        (512, 512),
        "the factors below are for the 512 × 512 astronaut.png"
    );
    match mode.as_str() {
        "photos" => photos(&original, Path::new(out)),
        "bench" => bench(&original, Path::new(out)),
        "corpus" => corpus(&original, Path::new(out)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

/// The portrait with 56 more rows of backdrop above the head, so that the print
/// framing's 4 mm above the crown fits inside the photo: the top rows mirrored, with
/// the hair's columns (x 140–318) replaced by a blend of the backdrop on either side.
fn padded(original: &RgbImage) -> RgbImage {
    const PAD: u32 = 56;
    const HAIR: (u32, u32) = (140, 318);
    let (w, h) = original.dimensions();
    let mut out = RgbImage::new(w, h + PAD);
    for y in 0..h + PAD {
        let sy = if y < PAD { PAD - 1 - y } else { y - PAD };
        for x in 0..w {
            out.put_pixel(x, y, *original.get_pixel(x, sy));
        }
        if y < PAD {
            let (a, b) = (
                *original.get_pixel(HAIR.0, sy),
                *original.get_pixel(HAIR.1, sy),
            );
            for x in HAIR.0..HAIR.1 {
                let t = f64::from(x - HAIR.0) / f64::from(HAIR.1 - HAIR.0);
                let mix = std::array::from_fn(|i| {
                    (f64::from(a.0[i]) * (1.0 - t) + f64::from(b.0[i]) * t).round() as u8
                });
                out.put_pixel(x, y, Rgb(mix));
            }
        }
    }
    out
}

fn upscale(img: &RgbImage, factor: u32) -> RgbImage {
    imageops::resize(
        img,
        img.width() * factor,
        img.height() * factor,
        imageops::FilterType::Lanczos3,
    )
}

fn photos(original: &RgbImage, dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the output folder");
    let padded = padded(original);
    // Head and shoulders between the flag (x < 96) and the shuttle model (x > 352),
    // down to the mission patch.
    let base = upscale(&imageops::crop_imm(&padded, 96, 0, 256, 476).to_image(), 3);
    save(&base, &dir.join("good.jpg"), None);

    // No face: the shuttle model and the backdrop to the right of the astronaut.
    let no_face = upscale(
        &imageops::crop_imm(original, 352, 0, 160, 300).to_image(),
        3,
    );
    save(&no_face, &dir.join("no_face.jpg"), None);

    // Two faces: the portrait beside its mirror image.
    let mut two = RgbImage::new(base.width() * 2, base.height());
    imageops::replace(&mut two, &base, 0, 0);
    imageops::replace(
        &mut two,
        &imageops::flip_horizontal(&base),
        i64::from(base.width()),
        0,
    );
    let two = imageops::resize(
        &two,
        two.width() / 2,
        two.height() / 2,
        imageops::FilterType::Triangle,
    );
    save(&two, &dir.join("two_faces.jpg"), None);

    // Tilt: 15° about the face.
    let tilt = rotate(&base, 15.0, (387.0, 440.0));
    save(&tilt, &dir.join("tilt.jpg"), None);

    // Blur: out of focus (Gaussian, σ = 5 px at this size).
    save(&imageops::blur(&base, 5.0), &dir.join("blur.jpg"), None);

    // Dark: under-exposed by three stops.
    let mut dark = base.clone();
    for p in dark.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (((f64::from(*c) / 255.0).powf(2.2) * 0.125).powf(1.0 / 2.2) * 255.0) as u8;
        }
    }
    save(&dark, &dir.join("dark.jpg"), None);

    // Busy background: the whole portrait, flag and shuttle model beside the head.
    let busy = upscale(&imageops::crop_imm(&padded, 0, 0, 512, 476).to_image(), 2);
    save(&busy, &dir.join("busy_background.jpg"), None);

    // Rotated EXIF: stored on its side as a phone held upright does, with orientation
    // 6 ("rotate 90° clockwise to display").
    let sideways = imageops::rotate270(&base);
    save(
        &sideways,
        &dir.join("rotated_exif.jpg"),
        Some(exif_orientation(6)),
    );
}

/// Small seeds for the fuzzer (fuzz/corpus/process): the portrait at 160 px in each
/// encoding the decoder has a path for, so mutations start from every path.
fn corpus(original: &RgbImage, dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the corpus folder");
    let small = imageops::resize(
        &imageops::crop_imm(&padded(original), 96, 0, 256, 476).to_image(),
        96,
        178,
        imageops::FilterType::Triangle,
    );
    save(&small, &dir.join("portrait.jpg"), None);
    save(
        &imageops::rotate270(&small),
        &dir.join("portrait-exif6.jpg"),
        Some(exif_orientation(6)),
    );
    let encode = |colour: jpeg_encoder::ColorType, data: &[u8], progressive: bool, name: &str| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
        enc.set_progressive(progressive);
        enc.encode(data, small.width() as u16, small.height() as u16, colour)
            .expect("encode");
        std::fs::write(dir.join(name), out).expect("write");
    };
    encode(
        jpeg_encoder::ColorType::Rgb,
        small.as_raw(),
        true,
        "portrait-progressive.jpg",
    );
    let grey: Vec<u8> = small.pixels().map(|p| p.0[1]).collect();
    encode(
        jpeg_encoder::ColorType::Luma,
        &grey,
        false,
        "portrait-grey.jpg",
    );
    let cmyk: Vec<u8> = small
        .pixels()
        .flat_map(|p| [255 - p.0[0], 255 - p.0[1], 255 - p.0[2], 0])
        .collect();
    encode(
        jpeg_encoder::ColorType::Cmyk,
        &cmyk,
        false,
        "portrait-cmyk.jpg",
    );
    small.save(dir.join("portrait.png")).expect("png");
    image::DynamicImage::ImageRgb8(small.clone())
        .into_rgb16()
        .save(dir.join("portrait-16bit.png"))
        .expect("16-bit png");
    image::DynamicImage::ImageRgb8(small.clone())
        .into_luma_alpha8()
        .save(dir.join("portrait-grey-alpha.png"))
        .expect("grey png");
    println!("corpus in {}", dir.display());
}

/// A 4000 × 3000 frame as a 12-megapixel camera gives it: the portrait scaled to the
/// frame's height, the sides continued with the backdrop's edge, and a little
/// deterministic sensor-like noise so the JPEG is as dense as a camera's.
fn bench(original: &RgbImage, out: &Path) {
    let padded = padded(original);
    let scaled = imageops::resize(
        &padded,
        (f64::from(padded.width()) * 3000.0 / f64::from(padded.height())).round() as u32,
        3000,
        imageops::FilterType::Lanczos3,
    );
    let mut frame = RgbImage::new(4000, 3000);
    let left = (4000 - scaled.width()) / 2;
    let mut seed: u32 = 0x2545_f491;
    for y in 0..3000 {
        for x in 0..4000u32 {
            let sx = x.saturating_sub(left).min(scaled.width() - 1);
            let p = scaled.get_pixel(sx, y);
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let n = (seed % 9) as i16 - 4;
            frame.put_pixel(
                x,
                y,
                Rgb(p.0.map(|c| (i16::from(c) + n).clamp(0, 255) as u8)),
            );
        }
    }
    save(&frame, out, None);
}

/// Bilinear rotation by `deg` (counter-clockwise on screen) about `centre`, edges
/// continued.
fn rotate(img: &RgbImage, deg: f64, centre: (f64, f64)) -> RgbImage {
    let (w, h) = img.dimensions();
    let (s, c) = deg.to_radians().sin_cos();
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (f64::from(x) - centre.0, f64::from(y) - centre.1);
        let sx = (c * dx - s * dy + centre.0).clamp(0.0, f64::from(w - 1) - 1e-6);
        let sy = (s * dx + c * dy + centre.1).clamp(0.0, f64::from(h - 1) - 1e-6);
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let px = |x, y| img.get_pixel(x, y).0.map(f64::from);
        let (a, b, cc, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
        Rgb(std::array::from_fn(|i| {
            (a[i] * (1.0 - fx) * (1.0 - fy)
                + b[i] * fx * (1.0 - fy)
                + cc[i] * (1.0 - fx) * fy
                + d[i] * fx * fy)
                .round() as u8
        }))
    })
}

/// A minimal little-endian TIFF holding only the orientation tag.
fn exif_orientation(value: u16) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&0x0112u16.to_le_bytes());
    t.extend_from_slice(&3u16.to_le_bytes());
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&value.to_le_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

fn save(img: &RgbImage, path: &Path, exif: Option<Vec<u8>>) {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    if let Some(exif) = exif {
        enc.add_exif_metadata(&exif).expect("small EXIF");
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode");
    std::fs::write(path, out).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    println!("{} {}x{}", path.display(), img.width(), img.height());
}
