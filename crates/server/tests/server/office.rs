//! The office console's work API on both storages: trips planned for the tablets,
//! records synced through the real sync API reviewed and staged, a card batch matched
//! (and bad imports refused whole), the mailing list, returned mail with contacts, the
//! counter and phone tally, and the reports; every change audited with the staff ID.

use outreach_protocol::console::{
    CardBatch, CardBatchList, ImportRejected, MailingList, RecordDetail, Report, Returned,
    ReturnedList, ReviewList, Tally, TripList,
};
use outreach_protocol::sync::{RecordBatch, Trip, Trips};
use outreach_server::store::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::json;

use crate::client::{Console, Tablet};
use crate::reports::{DAY, app_id, record};
use crate::support::{Storage, TestServer, japan_day};

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(9 + 24))
        .format("%Y-%m-%d")
        .to_string()
}

async fn post_csv(console: &Console, path: &str, body: Vec<u8>) -> reqwest::Response {
    console
        .http
        .post(format!("{}{path}", console.base))
        .header(COOKIE, &console.cookie)
        .header(CONTENT_TYPE, "text/csv")
        .body(body)
        .send()
        .await
        .expect("server answers")
}

#[tokio::test]
async fn the_office_works_through_trips_review_cards_returned_mail_tally_and_reports() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット1").await;

        // Trips: planned by office staff, downloaded by tablets.
        let planned = json!({"siteName": "株式会社スバル太田工場", "siteAddress": "群馬県太田市スバル町1-1",
            "tripDate": tomorrow(), "mode": "uketsuke", "expectedCount": 40, "staffIds": ["clerk01"]});
        let r = clerk.post("/api/v1/console/trips", planned.clone()).await;
        assert_eq!(r.status(), 201, "{storage:?}: office staff plan trips");
        let trip: Trip = r.json().await.expect("trip");
        let mut changed = planned.clone();
        changed["expectedCount"] = json!(55);
        let r = clerk
            .http
            .put(format!("{}/api/v1/console/trips/{}", clerk.base, trip.id))
            .header(COOKIE, &clerk.cookie)
            .json(&changed)
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status(), 200, "a trip can be changed");
        let downloaded: Trips = tablet
            .get("/api/v1/trips")
            .await
            .json()
            .await
            .expect("trips");
        assert_eq!(
            downloaded
                .trips
                .iter()
                .find(|t| t.id == trip.id)
                .and_then(|t| t.expected_count),
            Some(55),
            "{storage:?}: tablets download the trip as changed"
        );
        let list: TripList = clerk
            .get(&format!(
                "/api/v1/console/trips?from={DAY}&to={}",
                tomorrow()
            ))
            .await
            .json()
            .await
            .expect("trips");
        let listed = list
            .trips
            .iter()
            .find(|s| s.trip.id == trip.id)
            .expect("the planned trip is listed");
        assert_eq!(
            (listed.arrived, listed.flagged),
            (0, 0),
            "nothing came back from it yet"
        );
        let mut bad = planned.clone();
        bad["mode"] = json!("picnic");
        let r = clerk.post("/api/v1/console/trips", bad).await;
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.json::<serde_json::Value>().await.expect("body")["code"],
            "invalid_mode"
        );

        // Records through the real sync API: 6 of mode 受付 (one for the counter), 2 サポート,
        // and an amendment that changes record 2's address.
        let factory = Trip {
            id: "trip-factory".into(),
            site_name: "工場".into(),
            site_address: String::new(),
            trip_date: DAY.into(),
            mode: "uketsuke".into(),
            expected_count: None,
            staff_ids: vec![],
        };
        let home = Trip {
            id: "trip-home".into(),
            mode: "support".into(),
            site_name: "ホーム".into(),
            ..factory.clone()
        };
        let mut records: Vec<_> = (1..=8u32)
            .map(|n| {
                if n <= 6 {
                    record(n, 1, &factory, if n == 6 { "counter" } else { "mail" }, 0)
                } else {
                    record(n, 1, &home, "counter", 1)
                }
            })
            .collect();
        let mut amended = record(2, 2, &factory, "mail", 0);
        amended.payload = amended.payload.replace("浜町2-1", "新田町9-9");
        amended.payload_hash = crate::client::sha256_hex(amended.payload.as_bytes());
        records.push(amended);
        let r = tablet
            .post("/api/v1/records", &RecordBatch { records })
            .await;
        assert_eq!(
            r.status(),
            200,
            "{storage:?}: the tablet's batch is stored: {}",
            r.text().await.unwrap_or_default()
        );

        let recent: ReviewList = clerk
            .get("/api/v1/console/review")
            .await
            .json()
            .await
            .expect("recent");
        let today = japan_day(0);
        let sixty_days_ago = japan_day(-60);
        assert!(
            recent
                .items
                .iter()
                .all(|i| i.date >= sixty_days_ago && i.date <= today),
            "{storage:?}: without a trip or dates the queue is the last 60 days"
        );
        let review: ReviewList = clerk
            .get("/api/v1/console/review?from=2026-11-01&to=2026-11-30")
            .await
            .json()
            .await
            .expect("review");
        assert_eq!(
            review.items.len(),
            8,
            "{storage:?}: one item per record, its latest version"
        );
        let two = review
            .items
            .iter()
            .find(|i| i.application_id == app_id(2))
            .expect("record 2");
        assert_eq!(two.version, 2);
        assert!(two.issues.contains(&"amended".to_owned()));
        let five = review
            .items
            .iter()
            .find(|i| i.application_id == app_id(5))
            .expect("record 5");
        assert!(
            five.issues.contains(&"documents_missing".to_owned()),
            "the document rule not met is flagged"
        );
        let flagged: ReviewList = clerk
            .get("/api/v1/console/review?from=2026-11-01&to=2026-11-30&flagged=true")
            .await
            .json()
            .await
            .expect("flagged");
        assert!(flagged.items.iter().all(|i| {
            i.issues
                .iter()
                .any(|c| c != "counter_pickup" && c != "amended")
        }));
        assert!(!flagged.items.is_empty() && flagged.items.len() < 8);

        let detail: RecordDetail = clerk
            .get(&format!("/api/v1/console/records/{}", two.record_id))
            .await
            .json()
            .await
            .expect("detail");
        assert_eq!(detail.versions.len(), 2, "the amendment history");
        assert_eq!(
            detail.versions[1].amend_reason.as_deref(),
            Some("住所の訂正")
        );
        assert_eq!(detail.versions[1].changed_fields, ["address"]);
        assert_eq!(
            clerk
                .get("/api/v1/console/records/0190a000-0000-7000-8000-999999999999")
                .await
                .status(),
            404
        );

        let r = clerk
            .post(
                &format!("/api/v1/console/records/{}/stage", two.record_id),
                json!({"stage": "shipped"}),
            )
            .await;
        assert_eq!(r.status(), 204);
        let r = clerk
            .post(
                &format!("/api/v1/console/records/{}/stage", two.record_id),
                json!({"stage": "lost"}),
            )
            .await;
        assert_eq!(r.status(), 422);
        let review: ReviewList = clerk
            .get("/api/v1/console/review?from=2026-11-01&to=2026-11-30")
            .await
            .json()
            .await
            .expect("review");
        assert_eq!(
            review
                .items
                .iter()
                .find(|i| i.record_id == two.record_id)
                .map(|i| i.stage.as_str()),
            Some("shipped")
        );

        // A card batch with bad rows is refused whole; a good one matches.
        let r = clerk
            .post("/api/v1/console/card-batches", json!({"label": "第1便", "deliveredOn": DAY, "applicationIds": [app_id(1), "1234", app_id(1)]}))
            .await;
        assert_eq!(r.status(), 422);
        let rejected: ImportRejected = r.json().await.expect("problems");
        assert_eq!(
            rejected
                .problems
                .iter()
                .map(|p| (p.row, p.code.as_str()))
                .collect::<Vec<_>>(),
            [(2, "wrong_length"), (3, "duplicate")],
            "{storage:?}: each bad row named"
        );
        let none: CardBatchList = clerk
            .get("/api/v1/console/card-batches")
            .await
            .json()
            .await
            .expect("list");
        assert!(
            none.batches.is_empty(),
            "nothing of a refused batch is stored"
        );
        let r = clerk
            .post("/api/v1/console/card-batches", json!({"label": "第1便", "deliveredOn": DAY, "applicationIds": [app_id(1), app_id(2), app_id(6), app_id(7), app_id(42)]}))
            .await;
        assert_eq!(r.status(), 201);
        let batch: CardBatch = r.json().await.expect("batch");
        assert_eq!(
            (batch.cards, batch.matched, batch.to_mail),
            (5, 4, 2),
            "cards 1 and 2 go by mail; 6 and 7 to the counter"
        );
        assert_eq!(batch.unmatched, [app_id(42)]);
        assert_eq!(batch.deadline, "2026-12-10", "two weeks after delivery");
        let today = japan_day(0);
        assert_eq!(
            batch.overdue,
            today > batch.deadline,
            "overdue once the deadline has passed unmailed"
        );
        let r = clerk.post("/api/v1/console/card-batches", json!({"label": "第2便", "deliveredOn": DAY, "applicationIds": [app_id(3), app_id(1)]})).await;
        let again: ImportRejected = r.json().await.expect("problems");
        assert_eq!(
            again
                .problems
                .iter()
                .map(|p| (p.row, p.code.as_str()))
                .collect::<Vec<_>>(),
            [(2, "already_arrived")]
        );

        let text = format!("申請書ID\r\n{}\r\n", app_id(3));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let r = post_csv(
            &clerk,
            &format!("/api/v1/console/card-batches/import?label=CSV&deliveredOn={DAY}"),
            sjis.into_owned(),
        )
        .await;
        assert_eq!(r.status(), 422);
        let rejected: ImportRejected = r.json().await.expect("problems");
        assert_eq!(
            rejected.problems[0].code, "not_utf8",
            "{storage:?}: Shift_JIS is named"
        );
        let csv = format!("\u{FEFF}申請書ID\r\n{}\r\n{}\r\n", app_id(3), app_id(4));
        let r = post_csv(
            &clerk,
            &format!("/api/v1/console/card-batches/import?label=CSV&deliveredOn={DAY}"),
            csv.into_bytes(),
        )
        .await;
        assert_eq!(r.status(), 201, "a UTF-8 CSV with BOM imports");
        let listed: CardBatchList = clerk
            .get("/api/v1/console/card-batches")
            .await
            .json()
            .await
            .expect("list");
        let first = listed
            .batches
            .iter()
            .find(|b| b.batch_id == batch.batch_id)
            .expect("batch 1");
        assert_eq!(listed.batches.len(), 2, "{storage:?}");
        assert_eq!(
            (first.matched, first.to_mail, first.unmatched.clone()),
            (4, 2, vec![app_id(42)]),
            "the list (one read for all batches) says what the batch's own answer said"
        );

        let mailing: MailingList = clerk
            .get(&format!(
                "/api/v1/console/card-batches/{}/mailing",
                batch.batch_id
            ))
            .await
            .json()
            .await
            .expect("mailing");
        assert_eq!(
            mailing
                .entries
                .iter()
                .map(|e| e.application_id.clone())
                .collect::<Vec<_>>(),
            [app_id(1), app_id(2)]
        );
        let two_entry = &mailing.entries[1];
        assert!(
            two_entry.address.contains("新田町9-9") && two_entry.address_updated,
            "the amended address, marked as updated"
        );
        assert_eq!(mailing.counter_pickup, [app_id(6), app_id(7)]);
        let r = clerk
            .get(&format!(
                "/api/v1/console/card-batches/{}/mailing/file",
                batch.batch_id
            ))
            .await;
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.expect("csv");
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "the mailing CSV opens in Excel as UTF-8"
        );
        let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
        assert!(
            text.starts_with("申請書ID,氏名,郵便番号,住所,送付先更新\r\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "{},試験 太郎2,373-0853,群馬県太田市新田町9-9,更新あり",
                app_id(2)
            )),
            "{text}"
        );
        let r = clerk
            .post(
                &format!("/api/v1/console/card-batches/{}/mailed", batch.batch_id),
                json!({"mailedOn": DAY}),
            )
            .await;
        assert_eq!(r.status(), 204);
        let stages: ReviewList = clerk
            .get("/api/v1/console/review?from=2026-11-01&to=2026-11-30")
            .await
            .json()
            .await
            .expect("review");
        let stage_of = |n: u32| {
            stages
                .items
                .iter()
                .find(|i| i.application_id == app_id(n))
                .map(|i| i.stage.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            (
                stage_of(1),
                stage_of(2),
                stage_of(6),
                stage_of(7),
                stage_of(5)
            ),
            (
                "preissue".into(),
                "preissue".into(),
                "shipped".into(),
                "shipped".into(),
                "received".into()
            ),
            "{storage:?}: an arrived card is 発送, a mailed one 交付前設定; a card not arrived stays 申請受付"
        );

        // Returned mail and a phone contact.
        let r = clerk.post("/api/v1/console/returned", json!({"applicationId": app_id(1), "reason": "unclaimed", "returnedOn": DAY, "note": ""})).await;
        assert_eq!(r.status(), 201);
        let returned: Returned = r.json().await.expect("returned");
        assert_eq!(
            returned.destroy_on, "2027-11-26",
            "a year after the application"
        );
        assert!(returned.record_id.is_some(), "matched to the application");
        let r = clerk
            .post(
                &format!("/api/v1/console/returned/{}/contacts", returned.returned_id),
                json!({"contactedAt": "2026-11-27T10:15", "outcome": "不在", "nextStep": "再架電"}),
            )
            .await;
        assert_eq!(r.status(), 204);
        let r = clerk
            .post(
                &format!("/api/v1/console/returned/{}/resolve", returned.returned_id),
                json!({"resolution": "collected", "resolvedOn": "2026-11-28"}),
            )
            .await;
        assert_eq!(r.status(), 204);
        let list: ReturnedList = clerk
            .get("/api/v1/console/returned")
            .await
            .json()
            .await
            .expect("list");
        let item = &list.items[0];
        assert_eq!(item.contacts.len(), 1);
        assert_eq!(
            item.contacts[0].contacted_at, "2026-11-27T01:15:00.000Z",
            "Japan time stored as UTC"
        );
        assert_eq!(item.contacts[0].staff_id, "clerk01");
        assert_eq!(item.resolution.as_deref(), Some("collected"));
        let r = clerk
            .post(
                "/api/v1/console/returned",
                json!({"applicationId": "12", "reason": "moved", "returnedOn": DAY, "note": ""}),
            )
            .await;
        assert_eq!(r.status(), 422);

        // Counter and phone tally; a 個人番号 typed into an answer is refused.
        for (kind, detail, count) in [("issue_support", "", 4), ("other", "暗証番号再設定", 2)]
        {
            let r = clerk.post("/api/v1/console/counter-cases", json!({"onDate": DAY, "place": "本庁舎窓口", "kind": kind, "detail": detail, "count": count})).await;
            assert_eq!(r.status(), 201);
        }
        let r = clerk.post("/api/v1/console/counter-cases", json!({"onDate": DAY, "place": "本庁舎窓口", "kind": "other", "detail": "", "count": 1})).await;
        assert_eq!(r.status(), 422, "その他 needs its breakdown item");
        let r = clerk
            .post(
                "/api/v1/console/phone-enquiries",
                json!({"onDate": DAY, "topic": "日程", "answer": "12月3日と案内"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let r = clerk
            .post(
                "/api/v1/console/phone-enquiries",
                json!({"onDate": DAY, "topic": "番号", "answer": "123456789018 と言われた"}),
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.json::<serde_json::Value>().await.expect("body")["code"],
            "my_number_refused"
        );
        let tally: Tally = clerk
            .get(&format!("/api/v1/console/tally?date={DAY}"))
            .await
            .json()
            .await
            .expect("tally");
        assert_eq!((tally.counter.len(), tally.phone.len()), (2, 1));
        // A mistaken entry is removed (and audited); removing it twice is a 404.
        let r = clerk.post("/api/v1/console/counter-cases", json!({"onDate": DAY, "place": "本庁舎窓口", "kind": "issue_support", "detail": "", "count": 99})).await;
        let mistake: outreach_protocol::console::CounterCase = r.json().await.expect("case");
        let delete = |path: String| {
            clerk
                .http
                .delete(format!("{}{path}", clerk.base))
                .header(COOKIE, &clerk.cookie)
                .send()
        };
        let r = delete(format!("/api/v1/console/counter-cases/{}", mistake.case_id))
            .await
            .expect("answers");
        assert_eq!(r.status(), 204);
        let r = delete(format!("/api/v1/console/counter-cases/{}", mistake.case_id))
            .await
            .expect("answers");
        assert_eq!(r.status(), 404);
        let r = delete("/api/v1/console/phone-enquiries/no-such-id".to_owned())
            .await
            .expect("answers");
        assert_eq!(r.status(), 404);
        let tally: Tally = clerk
            .get(&format!("/api/v1/console/tally?date={DAY}"))
            .await
            .json()
            .await
            .expect("tally");
        assert_eq!(
            tally.counter.len(),
            2,
            "{storage:?}: the mistaken 99 is gone"
        );

        // Reports, as JSON for the console and as files.
        let report: Report = clerk
            .get(&format!("/api/v1/console/reports?kind=daily&date={DAY}"))
            .await
            .json()
            .await
            .expect("report");
        let summary = &report.sections[0];
        let value = |label: &str| {
            summary
                .rows
                .iter()
                .find(|r| r[0] == outreach_protocol::console::ReportCell::Text(label.into()))
                .map(|r| r[1].clone())
        };
        use outreach_protocol::console::ReportCell::Int;
        assert_eq!(
            value("出張申請サポート件数（受付）"),
            Some(Int(6)),
            "{storage:?}"
        );
        assert_eq!(value("出張申請サポート件数（サポート）"), Some(Int(2)));
        assert_eq!(value("マイナンバーカード交付等支援件数"), Some(Int(4)));
        assert_eq!(value("その他対応件数"), Some(Int(2)));
        assert_eq!(value("返戻物"), Some(Int(1)));
        assert_eq!(
            value("カード照合"),
            Some(Int(6)),
            "4 of the first batch and 2 of the CSV"
        );
        assert_eq!(value("発送"), Some(Int(2)));
        let stages = report
            .sections
            .iter()
            .find(|s| s.key == "stages")
            .expect("the pipeline");
        let stage = |label: &str| {
            stages
                .rows
                .iter()
                .find(|r| r[0] == outreach_protocol::console::ReportCell::Text(label.into()))
                .map(|r| r[1].clone())
        };
        assert_eq!(stage("申請受付数"), Some(Int(8)));
        assert_eq!(
            stage("発送枚数"),
            Some(Int(6)),
            "{storage:?}: the six cards that arrived"
        );
        assert_eq!(
            stage("交付前設定実施済み数"),
            Some(Int(2)),
            "the two mailed"
        );
        assert_eq!(stage("交付実施済み数"), Some(Int(0)));
        for (format, magic, kind) in [
            ("pdf", &b"%PDF"[..], "application/pdf"),
            ("xlsx", &b"PK"[..], "spreadsheetml"),
            ("csv", &b"\xEF\xBB\xBF"[..], "text/csv"),
        ] {
            let r = clerk
                .get(&format!(
                    "/api/v1/console/reports/file?kind=monthly&month={}&format={format}",
                    &DAY[..7]
                ))
                .await;
            assert_eq!(r.status(), 200);
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap_or_default()
                    .contains(kind)
            );
            assert!(
                r.headers()["content-disposition"]
                    .to_str()
                    .unwrap_or_default()
                    .contains("outreach-monthly-2026-11.")
            );
            assert!(
                r.bytes().await.expect("bytes").starts_with(magic),
                "{format} file"
            );
        }
        let r = clerk.get("/api/v1/console/reports?kind=weekly").await;
        assert_eq!(r.status(), 422);

        // Signed out: nothing. Every change and view audited with the staff ID.
        assert_eq!(
            crate::client::http()
                .get(server.url("/api/v1/console/review"))
                .send()
                .await
                .expect("answers")
                .status(),
            401
        );
        let audit = boss.audit_actions().await;
        for action in [
            "trip_created",
            "trip_updated",
            "record_viewed",
            "stage_shipped",
            "card_batch_added",
            "mailing_list_viewed",
            "mailing_list_exported",
            "card_batch_mailed",
            "returned_added",
            "returned_contact_added",
            "returned_collected",
            "counter_case_added",
            "counter_case_deleted",
            "phone_enquiry_added",
            "report_viewed",
            "report_exported",
        ] {
            assert!(
                audit
                    .iter()
                    .any(|(kind, a, _)| kind == "staff" && a == action),
                "{storage:?}: {action} is audited with the staff ID"
            );
        }
        server.stop().await;
    }
}

/// A database made by the previous release (migrations 1 to 3, a record already held)
/// is brought to 0004 at start, and the office's work runs over the old record.
#[tokio::test]
async fn a_database_from_before_the_office_work_upgrades_and_keeps_its_records() {
    use outreach_server::migrations::{POSTGRES, SQLITE};
    use outreach_server::store::{RecordFilter, timestamp};
    const RECORD: &str = "INSERT INTO devices (device_id, name, credential_hash, credential_expires_at, enrolled_at)
             VALUES ('dev-old', '旧端末', 'h', '2999-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
         INSERT INTO records (record_id, version, format, trip_id, created_by, finalized_at, payload, payload_hash, device_id, received_at)
             VALUES ('0190c000-0000-7000-8000-000000000001', 1, 1, 'trip-old', 's1', '2026-10-01T01:00:00.000Z',
                     '{\"name\":\"古い 記録\",\"applicationId\":\"12345678901234567890123\"}', 'x', 'dev-old', '2026-10-01T02:00:00.000Z');";
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        match &target {
            crate::support::Target::Sqlite(dir) => {
                let mut c =
                    rusqlite::Connection::open(dir.path().join("outreach.db")).expect("open");
                c.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT;")
                    .expect("migration table");
                for m in &SQLITE[..3] {
                    let tx = c.transaction().expect("tx");
                    tx.execute_batch(m.sql).expect("old migration");
                    tx.execute(
                        "INSERT INTO schema_migrations VALUES (?1, ?2, ?3, '2026-01-01')",
                        (m.version, m.name, m.checksum()),
                    )
                    .expect("recorded");
                    tx.commit().expect("commit");
                }
                c.execute_batch(RECORD).expect("an old record");
            }
            crate::support::Target::Postgres(url, _) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect");
                tokio::spawn(conn);
                client
                    .batch_execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());")
                    .await
                    .expect("migration table");
                for m in &POSTGRES[..3] {
                    client.batch_execute(m.sql).await.expect("old migration");
                    client
                        .execute("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", &[&m.version, &m.name, &m.checksum()])
                        .await
                        .expect("recorded");
                }
                client.batch_execute(RECORD).await.expect("an old record");
            }
        }
        let store = target.open().await;
        assert_eq!(
            store.ping().await.expect("ping"),
            outreach_server::migrations::latest(),
            "{storage:?}: upgraded through the office work schema to the latest"
        );
        let held = store
            .latest_records(&RecordFilter::default())
            .await
            .expect("records");
        assert_eq!(held.len(), 1, "the old record is still there");
        assert_eq!(
            held[0].stage, "received",
            "an old record starts at 申請受付"
        );
        assert!(
            store
                .set_stage(
                    &held[0].record_id,
                    "issued",
                    "s1",
                    &timestamp(chrono::Utc::now())
                )
                .await
                .expect("stage"),
            "{storage:?}: the new tables work over old records"
        );
        let by_id = store
            .latest_records(&RecordFilter {
                application_ids: Some(vec!["12345678901234567890123".into()]),
                ..Default::default()
            })
            .await
            .expect("by 申請書ID");
        assert_eq!(
            by_id.len(),
            1,
            "{storage:?}: found by the 申請書ID inside its payload"
        );
    }
}

/// Two imports of batches sharing a card at the same moment: exactly one stores, the
/// other is told the card arrived already (never a 5xx, never a half batch).
#[tokio::test]
async fn two_batches_with_the_same_card_at_once_store_one() {
    use outreach_server::store::NewCardBatch;
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        for round in 0..5 {
            let shared = format!("1{round:0>22}");
            let batch = |n: u32| NewCardBatch {
                batch_id: format!("b-{round}-{n}"),
                label: format!("便{n}"),
                delivered_on: DAY.into(),
                storage: String::new(),
                cards: vec![
                    (shared.clone(), None),
                    (format!("2{round:0>11}{n:0>11}"), None),
                ],
                created_by: "s1".into(),
                created_at: "2026-11-26T00:00:00.000Z".into(),
            };
            let (a, b) = (batch(1), batch(2));
            let (ra, rb) = tokio::join!(store.insert_card_batch(&a), store.insert_card_batch(&b));
            let (ra, rb) = (ra.expect("no storage error"), rb.expect("no storage error"));
            assert!(
                ra.is_ok() != rb.is_ok(),
                "{storage:?}: exactly one of two racing batches stores: {ra:?} {rb:?}"
            );
            let refused = ra.err().or(rb.err()).expect("one refusal");
            assert_eq!(
                refused,
                std::slice::from_ref(&shared),
                "the refusal names the shared card"
            );
        }
        let batches = store.card_batches().await.expect("batches");
        assert_eq!(batches.len(), 5, "{storage:?}: one batch per round");
        assert!(
            batches.iter().all(|b| b.cards.len() == 2),
            "each stored whole"
        );
    }
}
