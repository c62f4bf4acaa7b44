//! Arbitrary bytes through decode and every check: an error or an outcome, never a
//! panic, a hang or an allocation past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A smaller pixel limit keeps each run fast; the limit logic is the same.
    let config = outreach_photo::Config {
        max_pixels: 300_000,
        max_decode_bytes: 16 * 1024 * 1024,
        ..outreach_photo::Config::default()
    };
    // The print sheet is left out: it only lays out our own print JPEG, and its
    // 6-megapixel PNG would cost a second per run under the sanitizer.
    let _ = outreach_photo::process(data, &config);
});
