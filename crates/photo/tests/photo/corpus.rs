//! Every file of the fuzz corpus (fuzz/corpus/process) through the whole pipeline:
//! an error or an outcome, never a panic.

use std::path::PathBuf;

use outreach_photo::{Config, process};

#[test]
fn the_fuzz_corpus_never_panics() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/process");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        let bytes = std::fs::read(&path).expect("a corpus file");
        let _ = process(&bytes, &Config::default());
        n += 1;
    }
    assert!(n >= 5, "the corpus must not be empty (found {n} files)");
}
