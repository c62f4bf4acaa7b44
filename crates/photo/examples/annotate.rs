//! Draws what the pipeline saw on a photo, for calibrating and reviewing the checks:
//! face box (red), crown and chin (magenta), print crop (green), digital crop (blue),
//! every check's regions (yellow), eyes (cyan). Writes NAME.annotated.jpg,
//! NAME.digital.jpg, NAME.print.jpg and prints the report.
//!
//! `cargo run -p outreach-photo --example annotate -- IN.jpg OUT_DIR`

use std::path::Path;

use image::{Rgb, RgbImage};
use outreach_photo::{Config, PixelRect, process};

fn rect(img: &mut RgbImage, r: PixelRect, c: Rgb<u8>, t: i32) {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let mut put = |x: i32, y: i32| {
        if x >= 0 && y >= 0 && x < w && y < h {
            img.put_pixel(x as u32, y as u32, c);
        }
    };
    let (x1, y1) = (r.x + r.width as i32, r.y + r.height as i32);
    for k in 0..t {
        for x in r.x..=x1 {
            put(x, r.y + k);
            put(x, y1 - k);
        }
        for y in r.y..=y1 {
            put(r.x + k, y);
            put(x1 - k, y);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: annotate IN OUT_DIR");
        std::process::exit(2);
    };
    let bytes = std::fs::read(input).expect("read input");
    let outcome = process(&bytes, &Config::default()).expect("process");
    let stem = Path::new(input)
        .file_stem()
        .expect("a file name")
        .to_string_lossy();
    let out = Path::new(out);
    std::fs::create_dir_all(out).expect("out dir");
    let mut img = outreach_photo::decode(&bytes)
        .expect("decode")
        .image
        .to_rgb8();
    let t = (img.width().max(img.height()) / 400).max(2) as i32;
    let r = &outcome.report;
    for c in &r.checks {
        for reg in &c.regions {
            rect(&mut img, *reg, Rgb([255, 220, 0]), 1);
        }
    }
    if let Some(d) = &r.digital {
        rect(&mut img, d.crop, Rgb([0, 80, 255]), t);
    }
    if let Some(p) = &r.print {
        rect(&mut img, p.crop, Rgb([0, 200, 0]), t);
    }
    for f in &r.faces {
        rect(&mut img, *f, Rgb([255, 0, 0]), t);
    }
    if let Some(f) = &r.face {
        let line = |y: i32| PixelRect {
            x: f.face_box.x - 40,
            y,
            width: f.face_box.width + 80,
            height: 0,
        };
        rect(&mut img, line(f.crown_y), Rgb([255, 0, 255]), t);
        rect(&mut img, line(f.chin_y), Rgb([255, 0, 255]), t);
        for e in f.eyes.iter().flatten() {
            let s = 3 * t;
            let r = PixelRect {
                x: e.x - s,
                y: e.y - s,
                width: 2 * s as u32,
                height: 2 * s as u32,
            };
            rect(&mut img, r, Rgb([0, 255, 255]), t);
        }
    }
    img.save(out.join(format!("{stem}.annotated.jpg")))
        .expect("save");
    if let Some(d) = &outcome.digital_jpeg {
        std::fs::write(out.join(format!("{stem}.digital.jpg")), d).expect("write");
    }
    if let Some(p) = &outcome.print_jpeg {
        std::fs::write(out.join(format!("{stem}.print.jpg")), p).expect("write");
    }
    for c in &r.checks {
        println!(
            "{:<22} {:<8} {:>10}",
            format!("{:?}", c.name),
            format!("{:?}", c.result),
            c.value.map_or("-".into(), |v| format!("{v:.3}"))
        );
    }
    println!("faces {:?}", r.faces);
}
