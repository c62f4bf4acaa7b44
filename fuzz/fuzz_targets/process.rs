//! Arbitrary bytes through decode and every check: an error or an outcome, never a
//! panic, a hang or an allocation past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A smaller pixel limit keeps each run fast; the limit logic is the same.
    let config = outreach_photo::Config {
        max_pixels: 4_000_000,
        max_decode_bytes: 64 * 1024 * 1024,
        ..outreach_photo::Config::default()
    };
    if let Ok(outcome) = outreach_photo::process(data, &config) {
        if let Some(print) = &outcome.print_jpeg {
            let _ = outreach_photo::print_sheet_png(print);
        }
    }
});
