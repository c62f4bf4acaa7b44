//! Reports read back: the `report` command writes xlsx, CSV and PDF for seeded data on
//! both storages, and each file, read with a reader (calamine, the bytes, pdftotext),
//! shows the counts of the seeded data and the Japanese headings.

use outreach_protocol::console::{CounterCase, PhoneEnquiry, Returned, ReturnedContact};
use outreach_protocol::sync::{RecordUpload, Trip};
use outreach_server::store::{NewCardBatch, NewDevice, NewEnrolment, Store, timestamp};
use sha2::{Digest, Sha256};

use crate::support::Storage;

/// The day everything is seeded on.
pub const DAY: &str = "2026-11-26";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 23-digit 申請書ID ending in `n`.
pub fn app_id(n: u32) -> String {
    format!("9{n:0>22}")
}

/// A record version as a tablet sends it.
pub fn record(n: u32, version: i64, trip: &Trip, delivery: &str, retakes: i64) -> RecordUpload {
    let payload = serde_json::json!({
        "format": "outreach-record/1",
        "trip": {"id": trip.id, "siteName": trip.site_name, "siteAddress": trip.site_address, "date": trip.trip_date, "mode": trip.mode},
        "applicationId": app_id(n),
        "applicationIdSource": "qr",
        "name": format!("試験 太郎{n}"),
        "kana": "シケン タロウ",
        "birthDate": "1980-01-01",
        "postalCode": "373-0853",
        "address": format!("群馬県太田市浜町{n}-1"),
        "delivery": delivery,
        "identity": {"documents": ["driversLicence"], "ruleName": "標準", "satisfied": !n.is_multiple_of(5), "missing": if n.is_multiple_of(5) { "B書類があと1点必要です" } else { "" }},
        "photo": {"exception": null, "retakes": retakes, "warnings": if n.is_multiple_of(4) { vec!["shadow"] } else { vec![] }, "failures": []},
        "notes": ""
    })
    .to_string();
    RecordUpload {
        id: format!("0190a000-0000-7000-8000-{n:0>12}"),
        version,
        format: 1,
        trip_id: trip.id.clone(),
        base_version: (version > 1).then_some(version - 1),
        amend_reason: (version > 1).then(|| "住所の訂正".to_owned()),
        created_by: crate::client::AUTHOR.into(),
        finalized_at: format!("{DAY}T01:{:02}:00.000Z", n % 60),
        payload_hash: hex(&Sha256::digest(payload.as_bytes())),
        payload,
        photos: vec![],
    }
}

/// What was seeded, to compare the reports with.
pub struct Seeded {
    pub uketsuke: i64,
    pub support: i64,
    pub retakes: i64,
    pub counter_pickup: i64,
    pub issue_support: i64,
    pub other: i64,
    pub phone: i64,
    pub returned: i64,
    pub matched: i64,
}

/// Two trips on [`DAY`] (受付 at one site, サポート at another), records from a
/// tablet, an amendment, counter cases, phone enquiries, a returned card and a
/// delivered batch.
pub async fn seed(store: &Store) -> Seeded {
    let now = timestamp(chrono::Utc::now());
    // The author the tablet's records name: the office accepts only staff it has.
    let author = outreach_server::staff::new_account(
        crate::client::AUTHOR,
        "受付 一郎",
        outreach_server::store::Role::Staff,
        "correct horse battery staple",
        outreach_keys::KdfParams::FOR_TESTS,
        chrono::Utc::now(),
    )
    .expect("account");
    store.insert_staff(&author).await.expect("staff");
    store
        .create_enrolment(&NewEnrolment {
            code_hash: "c".repeat(64),
            device_name: "タブレット1".into(),
            created_by: "s001".into(),
            created_at: now.clone(),
            expires_at: "2999-01-01T00:00:00.000Z".into(),
        })
        .await
        .expect("enrolment");
    store
        .redeem_enrolment(
            &"c".repeat(64),
            &NewDevice {
                device_id: "dev-1".into(),
                credential_hash: "d".repeat(64),
                credential_expires_at: "2999-01-01T00:00:00.000Z".into(),
                ..NewDevice::default()
            },
            &now,
        )
        .await
        .expect("redeem")
        .expect("a fresh code");
    let factory = Trip {
        id: "trip-factory".into(),
        site_name: "株式会社スバル太田工場".into(),
        site_address: "群馬県太田市スバル町1-1".into(),
        trip_date: DAY.into(),
        mode: "uketsuke".into(),
        expected_count: Some(40),
        staff_ids: vec!["s001".into()],
    };
    let home = Trip {
        id: "trip-home".into(),
        site_address: "群馬県太田市浜町2-2".into(),
        site_name: "特別養護老人ホームおおた".into(),
        mode: "support".into(),
        expected_count: Some(10),
        ..factory.clone()
    };
    for t in [&factory, &home] {
        store.insert_trip(t, "s001", &now).await.expect("trip");
    }
    let mut batch = Vec::new();
    let mut seeded = Seeded {
        uketsuke: 0,
        support: 0,
        retakes: 0,
        counter_pickup: 0,
        issue_support: 0,
        other: 0,
        phone: 0,
        returned: 0,
        matched: 0,
    };
    for n in 1..=12u32 {
        let (trip, delivery) = if n <= 8 {
            (&factory, if n == 3 { "counter" } else { "mail" })
        } else {
            (&home, "counter")
        };
        let retakes = i64::from(n % 3);
        batch.push(record(n, 1, trip, delivery, retakes));
        if trip.mode == "uketsuke" {
            seeded.uketsuke += 1
        } else {
            seeded.support += 1
        }
        seeded.retakes += retakes;
        if delivery == "counter" {
            seeded.counter_pickup += 1
        }
    }
    // Record 2 is amended: the report counts its latest version once.
    batch.push(record(2, 2, &factory, "mail", 2));
    store
        .put_records("dev-1", &batch, &now)
        .await
        .expect("records");
    for (kind, detail, count) in [
        ("issue_support", "", 5),
        ("other", "暗証番号再設定", 2),
        ("other", "住所変更", 1),
    ] {
        store
            .insert_counter_case(
                &CounterCase {
                    case_id: format!("case-{kind}-{detail}"),
                    on_date: DAY.into(),
                    place: "本庁舎窓口".into(),
                    kind: kind.into(),
                    detail: detail.into(),
                    count,
                    created_by: "s001".into(),
                },
                &now,
            )
            .await
            .expect("counter case");
        if kind == "issue_support" {
            seeded.issue_support += count
        } else {
            seeded.other += count
        }
    }
    for (i, topic) in ["出張申請の日程", "出張申請の日程", "暗証番号"]
        .iter()
        .enumerate()
    {
        store
            .insert_phone_enquiry(
                &PhoneEnquiry {
                    enquiry_id: format!("ph-{i}"),
                    on_date: DAY.into(),
                    topic: (*topic).into(),
                    answer: "次回の日程を案内".into(),
                    created_by: "s001".into(),
                },
                &now,
            )
            .await
            .expect("phone");
        seeded.phone += 1;
    }
    store
        .insert_returned(
            &Returned {
                returned_id: "ret-1".into(),
                application_id: app_id(1),
                record_id: Some("0190a000-0000-7000-8000-000000000001".into()),
                reason: "unclaimed".into(),
                returned_on: DAY.into(),
                destroy_on: "2027-11-26".into(),
                due_for_destruction: false,
                note: String::new(),
                resolution: None,
                resolved_on: None,
                contacts: vec![],
            },
            "s001",
            &now,
        )
        .await
        .expect("returned");
    assert!(
        store
            .add_returned_contact(
                "ret-1",
                &ReturnedContact {
                    contacted_at: now.clone(),
                    staff_id: "s001".into(),
                    outcome: "不在".into(),
                    next_step: "明日再度電話".into()
                }
            )
            .await
            .expect("contact")
    );
    seeded.returned += 1;
    let cards = vec![
        (
            app_id(1),
            Some("0190a000-0000-7000-8000-000000000001".to_owned()),
        ),
        (
            app_id(4),
            Some("0190a000-0000-7000-8000-000000000004".to_owned()),
        ),
        (app_id(99), None),
    ];
    store
        .insert_card_batch(&NewCardBatch {
            batch_id: "batch-1".into(),
            label: "第1便".into(),
            delivered_on: DAY.into(),
            storage: String::new(),
            cards,
            created_by: "s001".into(),
            created_at: now.clone(),
        })
        .await
        .expect("batch")
        .expect("no card arrived twice");
    seeded.matched = 2;
    seeded
}

fn run_report(target: &crate::support::Target, args: &[&str], out: &std::path::Path) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .arg("report")
        .args(target.args())
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the report command runs");
    assert!(
        output.status.success(),
        "report {args:?} must succeed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout).trim());
}

fn pdftotext(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext reads the PDF");
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// The number on the line of `label` in a CSV of two-column rows.
fn csv_value(csv: &str, label: &str) -> i64 {
    csv.lines()
        .find_map(|l| l.strip_prefix(&format!("{label},")))
        .unwrap_or_else(|| panic!("a line for {label}"))
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn daily_and_monthly_reports_read_back_with_the_seeded_counts() {
    use calamine::{Reader, Xlsx, open_workbook};
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let seeded = {
            let store = target.open().await;
            seed(&store).await
        };
        let dir = tempfile::tempdir().expect("temp dir");

        // CSV: the BOM, then the summary's figures.
        let csv_path = dir.path().join("daily.csv");
        run_report(
            &target,
            &["--kind", "daily", "--date", DAY, "--format", "csv"],
            &csv_path,
        );
        let bytes = std::fs::read(&csv_path).expect("csv");
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "{storage:?}: the CSV starts with a UTF-8 BOM so Excel reads it as UTF-8"
        );
        let csv = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8 after the BOM");
        assert!(csv.contains("\r\n"), "CRLF line ends");
        assert_eq!(
            csv_value(&csv, "出張申請サポート件数（受付）"),
            seeded.uketsuke,
            "{storage:?}"
        );
        assert_eq!(
            csv_value(&csv, "出張申請サポート件数（サポート）"),
            seeded.support
        );
        assert_eq!(
            csv_value(&csv, "出張申請サポート件数（合計）"),
            seeded.uketsuke + seeded.support,
            "an amended record counts once"
        );
        assert_eq!(
            csv_value(&csv, "マイナンバーカード交付等支援件数"),
            seeded.issue_support
        );
        assert_eq!(csv_value(&csv, "その他対応件数"), seeded.other);
        assert_eq!(csv_value(&csv, "電話対応件数"), seeded.phone);
        assert_eq!(csv_value(&csv, "写真撮り直し（回）"), seeded.retakes);
        assert_eq!(csv_value(&csv, "窓口受取"), seeded.counter_pickup);
        assert_eq!(csv_value(&csv, "返戻物"), seeded.returned);
        assert_eq!(csv_value(&csv, "カード照合"), seeded.matched);
        assert_eq!(
            csv_value(&csv, "出張申請の日程"),
            2,
            "phone topics are counted"
        );
        assert!(
            csv.contains(&app_id(7)),
            "applications are listed by 申請書ID"
        );
        assert!(
            !csv.contains("試験 太郎"),
            "{storage:?}: no name ever appears in a report"
        );
        assert!(!csv.contains("浜町7-1"), "no address either");

        // xlsx: counts are numbers, 申請書IDs text, dates Excel dates.
        let xlsx_path = dir.path().join("daily.xlsx");
        run_report(
            &target,
            &["--kind", "daily", "--date", DAY, "--format", "xlsx"],
            &xlsx_path,
        );
        let mut book: Xlsx<_> = open_workbook(&xlsx_path).expect("calamine opens the workbook");
        let names = book.sheet_names();
        assert_eq!(
            names.first().map(String::as_str),
            Some("概要"),
            "the summary comes first: {names:?}"
        );
        let summary = book.worksheet_range("概要").expect("summary sheet");
        let value = |label: &str| {
            summary
                .rows()
                .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_owned()))
                .and_then(|r| r.get(1).cloned())
                .unwrap_or_else(|| panic!("a row for {label}"))
        };
        assert_eq!(
            value("出張申請サポート件数（合計）"),
            calamine::Data::Float((seeded.uketsuke + seeded.support) as f64),
            "counts are numbers, not text"
        );
        assert_eq!(
            value("電話対応件数"),
            calamine::Data::Float(seeded.phone as f64)
        );
        let apps = book
            .worksheet_range("申請一覧（申請書ID）")
            .expect("applications sheet");
        let first = apps.rows().nth(4).expect("the first application row");
        assert!(
            matches!(&first[2], calamine::Data::String(s) if s.len() == 23),
            "a 申請書ID stays 23 digits of text: {:?}",
            first[2]
        );
        assert!(
            matches!(first[0], calamine::Data::DateTime(_)),
            "dates are Excel dates: {:?}",
            first[0]
        );
        assert_eq!(
            apps.rows().skip(4).count() as i64,
            seeded.uketsuke + seeded.support
        );

        // PDF: pdftotext reads the Japanese headings and figures back.
        let pdf_path = dir.path().join("daily.pdf");
        run_report(
            &target,
            &["--kind", "daily", "--date", DAY, "--format", "pdf"],
            &pdf_path,
        );
        let text = pdftotext(&pdf_path);
        for heading in [
            "日次報告書",
            "出張申請サポート件数（会場別）",
            "その他対応件数（内訳）",
            "電話対応件数（内容別）",
            "申請一覧（申請書ID）",
            "株式会社スバル太田工場",
        ] {
            assert!(
                text.contains(heading),
                "{storage:?}: the PDF's text holds {heading}:\n{text}"
            );
        }
        assert!(text.contains(&app_id(12)), "the PDF lists 申請書IDs");
        assert!(!text.contains("試験"), "and no names");

        // Monthly PDF with its charts, and the monthly xlsx's day table.
        let month_pdf = dir.path().join("monthly.pdf");
        run_report(
            &target,
            &["--kind", "monthly", "--month", &DAY[..7], "--format", "pdf"],
            &month_pdf,
        );
        let text = pdftotext(&month_pdf);
        for heading in [
            "月次報告書",
            "申請件数（日別）",
            "申請件数（会場別）",
            "日別集計",
        ] {
            assert!(
                text.contains(heading),
                "{storage:?}: the monthly PDF holds {heading}"
            );
        }
        let month_xlsx = dir.path().join("monthly.xlsx");
        run_report(
            &target,
            &[
                "--kind",
                "monthly",
                "--month",
                &DAY[..7],
                "--format",
                "xlsx",
            ],
            &month_xlsx,
        );
        let mut book: Xlsx<_> = open_workbook(&month_xlsx).expect("open");
        let days = book.worksheet_range("日別集計").expect("days sheet");
        assert_eq!(
            days.rows().skip(4).count(),
            31,
            "30 days of November and the total row"
        );
        let total = days.rows().next_back().expect("total row");
        assert_eq!(
            total[1],
            calamine::Data::Float(seeded.uketsuke as f64),
            "the month's 受付 total"
        );
    }
}

/// The completion report for the contract period, with the contractor's written
/// remarks, reads back with its extra figures and every paragraph (long ones wrapped,
/// not cut).
#[tokio::test]
async fn the_completion_report_carries_the_period_figures_and_the_remarks() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        {
            let store = target.open().await;
            seed(&store).await;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let remarks = dir.path().join("remarks.txt");
        let long = format!(
            "{}以上です。",
            "出張申請の会場を工業団地へ広げることを提案します。".repeat(6)
        );
        std::fs::write(&remarks, format!("# 受託者の意見\n{long}\n\n# 住民の反応\n職場で申請できて助かったという声が多くありました。\n"))
            .expect("remarks");
        let pdf = dir.path().join("completion.pdf");
        run_report(
            &target,
            &[
                "--kind",
                "completion",
                "--from",
                "2026-04-01",
                "--to",
                "2027-03-31",
                "--format",
                "pdf",
                "--remarks",
                remarks.to_str().expect("path"),
            ],
            &pdf,
        );
        let text = pdftotext(&pdf);
        let flat: String = text.split_whitespace().collect();
        for expected in [
            "完了報告書",
            "申請件数（月別）",
            "月別集計",
            "出張日数",
            "出張会場数",
            "窓口開設日数",
            "受託者の意見",
            "住民の反応",
            "職場で申請できて助かった",
            "以上です。",
        ] {
            assert!(
                flat.contains(expected),
                "{storage:?}: the completion report holds {expected}:\n{text}"
            );
        }
        let csv_path = dir.path().join("completion.csv");
        run_report(
            &target,
            &[
                "--kind",
                "completion",
                "--from",
                "2026-04-01",
                "--to",
                "2027-03-31",
                "--format",
                "csv",
            ],
            &csv_path,
        );
        let csv =
            String::from_utf8(std::fs::read(&csv_path).expect("csv")[3..].to_vec()).expect("UTF-8");
        assert_eq!(csv_value(&csv, "出張日数"), 1, "{storage:?}: one trip day");
        assert_eq!(csv_value(&csv, "出張会場数"), 2, "two sites");
        assert_eq!(
            csv_value(&csv, "窓口開設日数"),
            1,
            "counter cases on one day"
        );
    }
}

/// Figures, not a timed test (`cargo test -p outreach-server --test server
/// report_figures -- --ignored --nocapture`): a month of work (20 trip days at 8 sites,
/// 1,200 records, tallies) on SQLite, the monthly and a daily report in every format,
/// with the time each took and its size. The files are kept in
/// `OUTREACH_REPORT_SAMPLES` (default `target/report-samples`) to look at.
#[tokio::test]
#[ignore = "figures; run on purpose"]
async fn report_figures_for_a_month_of_work() {
    use outreach_server::reports::{self, Format, Period};
    let target = Storage::Sqlite.fresh_target().await;
    let store = target.open().await;
    seed(&store).await;
    let sites = [
        "株式会社スバル太田工場",
        "太田市役所前テント",
        "特別養護老人ホームおおた",
        "群馬県立太田高校",
        "イオンモール太田",
        "ミツバ株式会社",
        "太田記念病院",
        "新田暁高校",
    ];
    let mut n = 1000u32;
    for day in 1..=20u32 {
        let date = format!("2026-11-{:02}", day + 3);
        let site = sites[(day as usize) % sites.len()];
        let trip = Trip {
            id: format!("trip-{day}"),
            site_name: site.into(),
            site_address: "群馬県太田市".into(),
            trip_date: date.clone(),
            mode: if day % 3 == 0 {
                "support".into()
            } else {
                "uketsuke".into()
            },
            expected_count: Some(60),
            staff_ids: vec![],
        };
        let now = timestamp(chrono::Utc::now());
        store.insert_trip(&trip, "s001", &now).await.expect("trip");
        let batch: Vec<_> = (0..60)
            .map(|i| {
                n += 1;
                record(
                    n,
                    1,
                    &trip,
                    if i % 7 == 0 { "counter" } else { "mail" },
                    i64::from(i % 3),
                )
            })
            .collect();
        for chunk in batch.chunks(200) {
            store
                .put_records("dev-1", chunk, &now)
                .await
                .expect("records");
        }
        store
            .insert_counter_case(
                &CounterCase {
                    case_id: format!("m-{day}"),
                    on_date: date.clone(),
                    place: "本庁舎窓口".into(),
                    kind: "issue_support".into(),
                    detail: String::new(),
                    count: 30,
                    created_by: "s001".into(),
                },
                &now,
            )
            .await
            .expect("counter");
        store
            .insert_phone_enquiry(
                &PhoneEnquiry {
                    enquiry_id: format!("p-{day}"),
                    on_date: date,
                    topic: "出張申請の日程".into(),
                    answer: "案内".into(),
                    created_by: "s001".into(),
                },
                &now,
            )
            .await
            .expect("phone");
    }
    let out = std::env::var_os("OUTREACH_REPORT_SAMPLES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(
                std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "../../target".into()),
            )
            .join("report-samples")
        });
    std::fs::create_dir_all(&out).expect("samples folder");
    for period in [
        Period::monthly("2026-11").expect("month"),
        Period::daily("2026-11-10").expect("day"),
        Period::completion("2026-04-01", "2027-03-31").expect("contract"),
    ] {
        let started = std::time::Instant::now();
        let report = reports::build(&store, &period, "2026-12-01T00:00:00.000Z")
            .await
            .expect("report");
        let read = started.elapsed();
        for format in [Format::Xlsx, Format::Csv, Format::Pdf] {
            let started = std::time::Instant::now();
            let bytes = reports::render(&report, format).expect("render");
            let took = started.elapsed();
            let path = out.join(period.file_name(format.extension()));
            std::fs::write(&path, &bytes).expect("write");
            println!(
                "figure: {} {}: read+compute {} ms, render {} ms, {} bytes -> {}",
                report.title,
                format.extension(),
                read.as_millis(),
                took.as_millis(),
                bytes.len(),
                path.display()
            );
        }
    }
}
