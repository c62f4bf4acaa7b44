//! How long the built-in table takes to load and to answer, without a bench harness:
//!
//! ```sh
//! cargo run --release -p outreach-postal --example postal_timing
//! ```

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use outreach_postal::{BUILTIN_TABLE, Table};

fn main() {
    let start = Instant::now();
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(BUILTIN_TABLE)
        .read_to_end(&mut text)
        .expect("the built-in table decompresses");
    let gunzip = start.elapsed();

    let start = Instant::now();
    let table = Table::parse(BUILTIN_TABLE).expect("the built-in table is valid");
    let load = start.elapsed();
    let info = table.info();
    println!(
        "table: {} bytes gzipped, {} bytes of text, {} rows, {} codes ({}, {})",
        BUILTIN_TABLE.len(),
        text.len(),
        info.rows,
        info.codes,
        info.version,
        info.date
    );
    println!(
        "load (gunzip + parse + index), once: {load:.1?} (of which gunzip alone {gunzip:.1?})"
    );

    let codes: Vec<String> = table.iter().step_by(61).map(|(code, _)| code).collect();
    let rounds = 20;
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..rounds {
        for code in &codes {
            found += black_box(table.lookup(black_box(code))).map_or(0, |a| a.len());
        }
    }
    let per_hit = start.elapsed() / (rounds * codes.len()) as u32;
    let start = Instant::now();
    for _ in 0..rounds * codes.len() {
        let _ = black_box(table.lookup(black_box("〒000-0000")));
    }
    let per_miss = start.elapsed() / (rounds * codes.len()) as u32;
    println!(
        "lookup: {per_hit:.1?} per found code (with its addresses as Strings; {} lookups, {found} addresses), \
         {per_miss:.1?} per unknown code",
        rounds * codes.len()
    );
}
