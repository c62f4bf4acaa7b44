//! Times the pipeline's two halves on a file, for bench/README.md:
//! `cargo run --release -p outreach-photo --example stages -- FILE [RUNS]`.

use std::time::Instant;

use outreach_photo::{Config, analyse, decode_with, process};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: stages FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(7);
    let bytes = std::fs::read(path).expect("read");
    let config = Config::default();
    let mut decode = Vec::new();
    let mut rest = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let photo = decode_with(&bytes, &config).expect("decode");
        let d = t.elapsed();
        let t = Instant::now();
        let outcome = analyse(photo, &config).expect("analyse");
        rest.push(t.elapsed().as_secs_f64() * 1000.0);
        decode.push(d.as_secs_f64() * 1000.0);
        assert!(outcome.print_jpeg.is_some(), "a face is found");
    }
    let mut whole = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let outcome = process(&bytes, &config).expect("process");
        whole.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(outcome.print_jpeg.is_some(), "a face is found");
    }
    whole.sort_by(f64::total_cmp);
    println!("process median {:.1} ms", whole[runs / 2]);
    decode.sort_by(f64::total_cmp);
    rest.sort_by(f64::total_cmp);
    println!(
        "decode median {:.1} ms, detect+checks+outputs median {:.1} ms",
        decode[runs / 2],
        rest[runs / 2]
    );
}
