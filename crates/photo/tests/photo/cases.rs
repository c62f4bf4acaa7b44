//! The test photos (tests/photos/README.md says where each comes from) against their
//! committed reports (tests/reports/*.json). `UPDATE_REPORTS=1` rewrites the reports.

use std::collections::BTreeMap;

use outreach_photo::{CheckName, Config, Report, Verdict, process};

use crate::support::{read_photo, reports};

/// The named check that must catch a case, and the results it may have.
type Caught = Option<(CheckName, &'static [Verdict])>;

/// Each case, and the named check that must catch it (`None`: it must pass).
const CASES: &[(&str, Caught)] = &[
    ("good", None),
    ("rotated_exif", None),
    ("no_face", Some((CheckName::FaceCount, &[Verdict::Fail]))),
    ("two_faces", Some((CheckName::FaceCount, &[Verdict::Fail]))),
    ("tilt", Some((CheckName::Tilt, &[Verdict::Fail]))),
    ("blur", Some((CheckName::Sharpness, &[Verdict::Fail]))),
    ("dark", Some((CheckName::Brightness, &[Verdict::Fail]))),
    (
        "busy_background",
        Some((
            CheckName::BackgroundUniformity,
            &[Verdict::Warn, Verdict::Fail],
        )),
    ),
];

fn results(r: &Report) -> BTreeMap<String, Verdict> {
    r.checks
        .iter()
        .map(|c| (format!("{:?}", c.name), c.result))
        .collect()
}

#[test]
fn every_test_photo_is_caught_by_the_right_check_and_matches_its_committed_report() {
    let update = std::env::var_os("UPDATE_REPORTS").is_some();
    let config = Config::default();
    for (name, expect) in CASES {
        let outcome = process(&read_photo(&format!("{name}.jpg")), &config)
            .unwrap_or_else(|e| panic!("{name}: a test photo must be readable: {e}"));
        let report = &outcome.report;
        match expect {
            None => {
                assert_eq!(
                    report.verdict,
                    Verdict::Pass,
                    "{name}: a good photo must pass every check: {:#?}",
                    report
                        .checks
                        .iter()
                        .filter(|c| c.result != Verdict::Pass)
                        .collect::<Vec<_>>()
                );
                assert!(
                    outcome.digital_jpeg.is_some() && outcome.print_jpeg.is_some(),
                    "{name}: a good photo gives both outputs"
                );
            }
            Some((check, allowed)) => {
                let c = report
                    .check(*check)
                    .unwrap_or_else(|| panic!("{name}: every report has {check:?}"));
                assert!(
                    allowed.contains(&c.result),
                    "{name}: {check:?} must be one of {allowed:?}, was {:?} (value {:?})",
                    c.result,
                    c.value
                );
                assert!(
                    c.reason.as_deref().is_some_and(|r| !r.is_empty()),
                    "{name}: staff must be told why in words"
                );
            }
        }
        let path = reports().join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(reports()).expect("reports folder");
            let json = serde_json::to_string_pretty(report).expect("a report serialises");
            std::fs::write(&path, json + "\n").expect("write the report");
            continue;
        }
        let committed: Report = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_REPORTS=1)", path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: the committed report must parse: {e}", path.display()));
        // Results, not exact values: SIMD paths differ slightly between CPUs.
        assert_eq!(
            results(report),
            results(&committed),
            "{name}: the results must match the committed report (UPDATE_REPORTS=1 to accept a change)"
        );
    }
}

#[test]
fn the_rotated_photo_is_turned_upright_by_its_exif_orientation() {
    let config = Config::default();
    let upright = process(&read_photo("good.jpg"), &config).expect("good reads");
    let rotated = process(&read_photo("rotated_exif.jpg"), &config).expect("rotated reads");
    assert_eq!(
        rotated.report.source.exif_orientation, 6,
        "the EXIF tag is read"
    );
    assert_eq!(
        (rotated.report.width, rotated.report.height),
        (upright.report.width, upright.report.height),
        "after orientation it has the upright photo's size"
    );
    assert_eq!(
        rotated.report.faces.len(),
        1,
        "the face is found once the photo is upright"
    );
}

#[test]
fn the_outputs_meet_the_j_lis_rules_and_carry_no_exif() {
    let outcome = process(&read_photo("rotated_exif.jpg"), &Config::default()).expect("reads");
    let digital = outcome.digital_jpeg.expect("a digital photo");
    let d = outreach_photo::decode(&digital).expect("our own JPEG decodes");
    assert!(
        (480..=6000).contains(&d.width()) && (480..=6000).contains(&d.height()),
        "J-LIS: each side 480–6000 px, got {}x{}",
        d.width(),
        d.height()
    );
    assert!(
        (20_000..=7_000_000).contains(&digital.len()),
        "J-LIS: 20 KB–7 MB, got {}",
        digital.len()
    );
    assert_eq!(d.source.colour, "Rgb8", "J-LIS: RGB, not CMYK or grey");
    assert!(
        !digital.windows(6).any(|w| w == b"Exif\0\0"),
        "no EXIF may be written (GPS and device tags must not leave the tablet)"
    );
    let print = outcome.print_jpeg.expect("a print photo");
    let p = outreach_photo::decode(&print).expect("decodes");
    assert_eq!(
        (p.width(), p.height()),
        outreach_photo::PRINT_PX,
        "45 × 35 mm at 600 dpi"
    );
    let sheet = outreach_photo::print_sheet_png(&print).expect("a sheet");
    let s = outreach_photo::decode(&sheet).expect("the sheet decodes");
    assert_eq!(
        (s.width(), s.height()),
        (2102, 3000),
        "89 × 127 mm at 600 dpi"
    );
    assert!(
        sheet.windows(4).any(|w| w == b"pHYs"),
        "the sheet says its resolution, so it prints at true size"
    );
}
