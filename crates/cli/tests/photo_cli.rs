//! `outreach photo check`, as staff or a script run it: files written, JSON report,
//! exit status 0 / 1 / 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../photo/tests/photos")
}

fn check(input: &Path, out_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outreach"))
        .args(["photo", "check"])
        .arg(input)
        .arg("--out-dir")
        .arg(out_dir)
        .arg("--json")
        .output()
        .expect("outreach runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout must be one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn a_good_photo_exits_0_and_writes_both_photos_and_the_sheet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = check(&photos().join("good.jpg"), dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "nothing failed: exit 0; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let checks = report["checks"].as_array().expect("a list of checks");
    assert_eq!(checks.len(), 13, "every check is reported");
    for c in checks {
        for field in ["name", "result", "value", "threshold", "label"] {
            assert!(c.get(field).is_some(), "each check has its {field}: {c}");
        }
    }
    for (key, name) in [
        ("digital", "good.digital.jpg"),
        ("print", "good.print.jpg"),
        ("sheet", "good.sheet.png"),
    ] {
        let path = dir.path().join(name);
        assert!(path.is_file(), "{name} is written");
        assert_eq!(
            report["files"][key].as_str(),
            path.to_str(),
            "the report names the {key} file"
        );
    }
}

#[test]
fn a_failed_check_exits_1_and_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = check(&photos().join("blur.jpg"), dir.path());
    assert_eq!(out.status.code(), Some(1), "a failed check: exit 1");
    let report = json(&out);
    let sharp = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "sharpness")
        .expect("a sharpness check");
    assert_eq!(
        sharp["result"], "fail",
        "the blurred photo fails on sharpness"
    );
    assert!(
        sharp["reason"]
            .as_str()
            .is_some_and(|r| r.contains("ピント")),
        "the reason is in Japanese"
    );
    let none = check(&photos().join("no_face.jpg"), dir.path());
    assert_eq!(none.status.code(), Some(1), "no face: exit 1");
    assert!(
        !dir.path().join("no_face.digital.jpg").exists(),
        "no face, so nothing to frame"
    );
}

#[test]
fn unreadable_input_exits_2_with_a_japanese_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("note.jpg");
    std::fs::write(&text, "not a photo").expect("write");
    let gif = dir.path().join("anim.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").expect("write");
    for (input, code) in [
        (text, "not_an_image"),
        (gif, "unsupported_format"),
        (dir.path().join("missing.jpg"), "unreadable_file"),
    ] {
        let out = check(&input, dir.path());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: unreadable input: exit 2",
            input.display()
        );
        let v = json(&out);
        assert_eq!(
            v["error"]["code"],
            code,
            "{}: the error code",
            input.display()
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).is_empty(),
            "staff see the message on stderr too"
        );
    }
}
