use std::path::PathBuf;

/// crates/photo/tests/photos
pub fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/photos")
}

/// crates/photo/tests/reports
pub fn reports() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reports")
}

pub fn read_photo(name: &str) -> Vec<u8> {
    let path = photos().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test photo {}: {e}", path.display()))
}

/// A JPEG of `w` × `h` made with jpeg-encoder, optionally with an APP1 segment.
pub fn jpeg(w: u16, h: u16, colour: jpeg_encoder::ColorType, app1: Option<Vec<u8>>) -> Vec<u8> {
    let bpp = match colour {
        jpeg_encoder::ColorType::Luma => 1,
        jpeg_encoder::ColorType::Rgb => 3,
        _ => 4,
    };
    let data: Vec<u8> = (0..usize::from(w) * usize::from(h) * bpp)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 85);
    if let Some(seg) = app1 {
        enc.add_app_segment(1, seg).expect("app segment fits");
    }
    enc.encode(&data, w, h, colour).expect("encode test jpeg");
    out
}

/// A PNG with the given colour type and depth, pixels from a simple pattern.
pub fn png(w: u32, h: u32, colour: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
    let samples = match colour {
        png::ColorType::Grayscale | png::ColorType::Indexed => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
    };
    let bits = match depth {
        png::BitDepth::One => 1,
        png::BitDepth::Two => 2,
        png::BitDepth::Four => 4,
        png::BitDepth::Eight => 8,
        png::BitDepth::Sixteen => 16,
    };
    let len = (w as usize * samples * bits).div_ceil(8) * h as usize;
    let data: Vec<u8> = (0..len).map(|i| (i % 4) as u8).collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(colour);
        enc.set_depth(depth);
        if colour == png::ColorType::Indexed {
            enc.set_palette(vec![0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
        }
        let mut writer = enc.write_header().expect("png header");
        writer.write_image_data(&data).expect("png data");
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    c
}

/// A 100-byte PNG whose header claims `w` × `h` RGB pixels.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    // A valid zlib stream of a few zero bytes: the rows that never come.
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A small JPEG whose frame header is patched to claim `w` × `h`.
pub fn jpeg_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut j = jpeg(16, 16, jpeg_encoder::ColorType::Rgb, None);
    let sof = j
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("a baseline JPEG has SOF0");
    j[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    j[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    j
}
