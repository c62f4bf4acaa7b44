//! Counter pickup on both storages: notices printed for a batch's counter cards
//! (marked sent, stage 交付前設定), the calendar and its settings, finding a caller,
//! booking, moving and cancelling (each call counted as a phone enquiry), the day's
//! list with 交付 and 来庁なし, the daily report, and every refusal leaving nothing
//! half-saved. Slots with capacity 2 are booked by many clients at once, through the
//! HTTP API and straight on the store: never more than 2.

use std::sync::Arc;

use outreach_protocol::console::{CardBatchList, RecordDetail, Report, Tally};
use outreach_protocol::pickup::{
    NoticeList, PickupBooking, PickupCalendar, PickupDay, PickupSearch,
};
use outreach_protocol::sync::{RecordBatch, Trip};
use outreach_server::store::{Booked, NewBooking, NewCardBatch, Role, Store};
use serde_json::json;

use crate::client::{Console, Tablet};
use crate::reports::{app_id, record};
use crate::support::{Storage, TestServer, japan_day};

/// Settings under which every day is open, so the test does not depend on the date
/// it runs (the calendar's own rules are unit tests of `outreach_server::pickup`).
fn every_day_open(closed: &[String]) -> serde_json::Value {
    json!({
        "officeName": "太田市 市民課", "place": "本庁舎1階 市民課窓口", "placeAddress": "群馬県太田市浜町2-35",
        "weekdays": [1, 2, 3, 4, 5, 6, 7], "opens": "09:00", "closes": "17:00",
        "breaks": [{"from": "12:00", "to": "13:00"}], "slotMinutes": 30, "capacity": 2,
        "closedDates": closed, "openDates": [], "yearEndClosed": false, "holidaysClosed": false,
        "bookingPhone": "0276-47-1111", "bookingHours": "平日 9時〜17時", "horizonDays": 60
    })
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

/// Posts and returns the refusal: (status, code).
async fn refused(c: &Console, path: &str, body: serde_json::Value) -> (u16, String) {
    code(c.post(path, body).await).await
}

fn booking(r: serde_json::Value) -> PickupBooking {
    serde_json::from_value(r).expect("a booking")
}

#[tokio::test]
async fn counter_pickup_runs_from_the_notice_to_the_handover_and_the_report() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット1").await;
        let factory = Trip {
            id: "trip-factory".into(),
            site_name: "工場".into(),
            site_address: String::new(),
            trip_date: japan_day(-30),
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
        // 1, 2 mailed; 3 サポート; 4 受付 but for the counter; 5 a child (サポート);
        // 6 a counter case whose card has not arrived.
        let mut records = vec![
            record(1, 1, &factory, "mail", 0),
            record(2, 1, &factory, "mail", 0),
            record(3, 1, &home, "counter", 0),
            record(4, 1, &factory, "counter", 0),
            record(5, 1, &home, "counter", 0),
            record(6, 1, &home, "counter", 0),
        ];
        records[4].payload = records[4].payload.replace(
            "\"birthDate\":\"1980-01-01\"",
            "\"birthDate\":\"2014-06-01\"",
        );
        records[4].payload_hash = crate::client::sha256_hex(records[4].payload.as_bytes());
        let r = tablet
            .post("/api/v1/records", &RecordBatch { records })
            .await;
        assert_eq!(r.status(), 200, "{storage:?}: records arrive");

        let ids: Vec<String> = (1..=5)
            .map(app_id)
            .chain([format!("8{:0>22}", 1)])
            .collect();
        let r = clerk
            .post(
                "/api/v1/console/card-batches",
                json!({"label": "第3便", "deliveredOn": japan_day(-1), "applicationIds": ids, "storage": "金庫2段目"}),
            )
            .await;
        assert_eq!(r.status(), 201, "{storage:?}: the batch arrives");
        let batches: CardBatchList = clerk
            .get("/api/v1/console/card-batches")
            .await
            .json()
            .await
            .expect("batches");
        let batch = &batches.batches[0];
        assert_eq!(
            (batch.to_mail, batch.to_notify, batch.notified),
            (2, 3, 0),
            "{storage:?}: 3 counter cards need a notice"
        );
        assert_eq!(batch.storage, "金庫2段目");

        // Notices: listed with what each resident brings, then printed.
        let path = format!("/api/v1/console/card-batches/{}/notices", batch.batch_id);
        let list: NoticeList = clerk.get(&path).await.json().await.expect("notices");
        assert_eq!(list.unsent, 3);
        let ids: Vec<&str> = list
            .residents
            .iter()
            .map(|r| r.application_id.as_str())
            .collect();
        assert_eq!(ids, [app_id(3), app_id(4), app_id(5)]);
        let child = &list.residents[2];
        assert!(
            child.bring.iter().any(|b| b.contains("法定代理人")),
            "{storage:?}: a child brings a parent: {:?}",
            child.bring
        );
        assert!(
            !list.residents[0]
                .bring
                .iter()
                .any(|b| b.contains("法定代理人"))
        );
        let card = list.residents[0].card.as_ref().expect("the card's place");
        assert_eq!(
            (card.label.as_str(), card.storage.as_str(), card.number),
            ("第3便", "金庫2段目", 4)
        );

        let r = clerk.post(&path, json!({"sentOn": japan_day(0)})).await;
        assert_eq!(r.status(), 200, "{storage:?}: notices print");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let list: NoticeList = clerk.get(&path).await.json().await.expect("notices");
        assert_eq!(
            list.unsent, 0,
            "{storage:?}: printing marked every notice sent"
        );
        assert!(
            list.residents
                .iter()
                .all(|r| r.notice_sent_on.as_deref() == Some(japan_day(0).as_str()))
        );
        assert_eq!(
            refused(&clerk, &path, json!({"sentOn": japan_day(0)})).await,
            (422, "nothing_to_print".into())
        );
        // Printed again on a later day (a lost letter): the first day stays.
        let r = clerk
            .post(
                &path,
                json!({"sentOn": japan_day(1), "applicationIds": [app_id(3)]}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let list: NoticeList = clerk.get(&path).await.json().await.expect("notices");
        assert_eq!(
            list.residents[0].notice_sent_on.as_deref(),
            Some(japan_day(0).as_str())
        );
        assert_eq!(
            refused(
                &clerk,
                &path,
                json!({"sentOn": japan_day(0), "applicationIds": [app_id(1)]})
            )
            .await,
            (422, "not_in_batch".into()),
            "a mailed card has no notice"
        );
        let detail: RecordDetail = clerk
            .get(&format!(
                "/api/v1/console/records/{}",
                list.residents[0].record_id
            ))
            .await
            .json()
            .await
            .expect("record");
        assert_eq!(
            detail.item.stage, "preissue",
            "{storage:?}: a notice is sent after the pre-issue setup"
        );

        // Settings: supervisors only, checked.
        let closed = japan_day(2);
        let r = clerk
            .post("/api/v1/console/pickup/settings", every_day_open(&[]))
            .await;
        assert_eq!(r.status(), 405, "settings are PUT");
        let put = |c: &Console, body: serde_json::Value| {
            c.http
                .put(format!("{}/api/v1/console/pickup/settings", c.base))
                .header(reqwest::header::COOKIE, &c.cookie)
                .json(&body)
                .send()
        };
        assert_eq!(
            put(&clerk, every_day_open(&[]))
                .await
                .expect("answers")
                .status(),
            403
        );
        let mut bad = every_day_open(&[]);
        bad["capacity"] = json!(0);
        assert_eq!(
            code(put(&boss, bad).await.expect("answers")).await,
            (422, "invalid_settings".into())
        );
        assert_eq!(
            put(&boss, every_day_open(std::slice::from_ref(&closed)))
                .await
                .expect("answers")
                .status(),
            200
        );

        // The calendar: every slot has 2 places; the closed day has none.
        let cal: PickupCalendar = clerk
            .get(&format!(
                "/api/v1/console/pickup/calendar?from={}&to={}",
                japan_day(1),
                japan_day(3)
            ))
            .await
            .json()
            .await
            .expect("calendar");
        assert_eq!(cal.days.len(), 3);
        assert_eq!(cal.days[0].slots.len(), 14);
        assert!(
            cal.days[0]
                .slots
                .iter()
                .all(|s| s.capacity == 2 && s.booked == 0)
        );
        assert_eq!(cal.days[1].closed.as_deref(), Some("休業日"));

        // Finding the caller: by 申請書ID, or by name and birth date.
        let found: PickupSearch = clerk
            .get(&format!(
                "/api/v1/console/pickup/residents?applicationId={}",
                app_id(3)
            ))
            .await
            .json()
            .await
            .expect("found");
        assert_eq!(found.residents.len(), 1);
        assert_eq!(found.residents[0].name, "試験 太郎3");
        let found: PickupSearch = clerk
            .get("/api/v1/console/pickup/residents?name=%E5%A4%AA%E9%83%8E4&birthDate=1980-01-01")
            .await
            .json()
            .await
            .expect("found");
        assert_eq!(
            found
                .residents
                .iter()
                .map(|r| r.application_id.clone())
                .collect::<Vec<_>>(),
            [app_id(4)],
            "「太郎4」 born 1980-01-01"
        );
        assert_eq!(
            code(
                clerk
                    .get(&format!(
                        "/api/v1/console/pickup/residents?applicationId={}",
                        app_id(77)
                    ))
                    .await
            )
            .await,
            (404, "unknown_application".into())
        );
        assert_eq!(
            code(
                clerk
                    .get("/api/v1/console/pickup/residents?applicationId=123")
                    .await
            )
            .await,
            (422, "invalid_application_id".into())
        );

        // Booking, and each refusal leaving nothing behind.
        let tomorrow = japan_day(1);
        let book = |id: String, date: &str, time: &str| json!({"applicationId": id, "date": date, "time": time});
        let r = clerk
            .post(
                "/api/v1/console/pickup/bookings",
                book(app_id(3), &tomorrow, "10:00"),
            )
            .await;
        assert_eq!(r.status(), 201, "{storage:?}: booked by phone");
        let first = booking(r.json().await.expect("booking"));
        assert_eq!(
            (first.status.as_str(), first.time.as_str()),
            ("booked", "10:00")
        );
        for (body, want) in [
            (book(app_id(3), &tomorrow, "11:00"), (409, "already_booked")),
            (
                book(app_id(6), &tomorrow, "11:00"),
                (422, "card_not_arrived"),
            ),
            (
                book(app_id(77), &tomorrow, "11:00"),
                (404, "unknown_application"),
            ),
            (book(app_id(4), &closed, "11:00"), (422, "closed_day")),
            (book(app_id(4), &tomorrow, "12:00"), (422, "outside_hours")),
            (book(app_id(4), &tomorrow, "10:10"), (422, "outside_hours")),
            (
                book(app_id(4), &japan_day(-1), "10:00"),
                (422, "out_of_range"),
            ),
            (
                book(app_id(4), &japan_day(61), "10:00"),
                (422, "out_of_range"),
            ),
            (
                book("12".into(), &tomorrow, "10:00"),
                (422, "invalid_application_id"),
            ),
        ] {
            let got = refused(&clerk, "/api/v1/console/pickup/bookings", body.clone()).await;
            assert_eq!(got, (want.0, want.1.to_owned()), "{storage:?}: {body}");
        }
        let r = clerk
            .post(
                "/api/v1/console/pickup/bookings",
                book(app_id(4), &tomorrow, "10:00"),
            )
            .await;
        assert_eq!(r.status(), 201, "the second place of 10:00");
        let second = booking(r.json().await.expect("booking"));
        assert_eq!(
            refused(
                &clerk,
                "/api/v1/console/pickup/bookings",
                book(app_id(5), &tomorrow, "10:00")
            )
            .await,
            (409, "slot_full".into()),
            "{storage:?}: capacity 2"
        );

        // Moving takes the new place and frees the old one, or does neither.
        let r = clerk
            .post(
                &format!("/api/v1/console/pickup/bookings/{}/move", second.booking_id),
                json!({"date": tomorrow, "time": "13:00"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let moved = booking(r.json().await.expect("booking"));
        assert_eq!(
            refused(
                &clerk,
                &format!("/api/v1/console/pickup/bookings/{}/move", second.booking_id),
                json!({"date": tomorrow, "time": "13:30"})
            )
            .await,
            (409, "not_open".into())
        );
        let r = clerk
            .post(
                "/api/v1/console/pickup/bookings",
                book(app_id(5), &tomorrow, "10:00"),
            )
            .await;
        assert_eq!(r.status(), 201, "{storage:?}: the place freed by the move");
        let third = booking(r.json().await.expect("booking"));
        assert_eq!(
            refused(
                &clerk,
                &format!("/api/v1/console/pickup/bookings/{}/move", moved.booking_id),
                json!({"date": tomorrow, "time": "10:00"})
            )
            .await,
            (409, "slot_full".into())
        );
        let cal: PickupCalendar = clerk
            .get(&format!(
                "/api/v1/console/pickup/calendar?from={tomorrow}&to={tomorrow}"
            ))
            .await
            .json()
            .await
            .expect("calendar");
        let at = |t: &str| {
            cal.days[0]
                .slots
                .iter()
                .find(|s| s.time == t)
                .map(|s| s.booked)
        };
        assert_eq!(
            (at("10:00"), at("13:00")),
            (Some(2), Some(1)),
            "{storage:?}: a refused move changed nothing"
        );
        let r = clerk
            .post(
                &format!(
                    "/api/v1/console/pickup/bookings/{}/cancel",
                    third.booking_id
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(booking(r.json().await.expect("b")).status, "cancelled");

        // Today's list: book 3 today, hand it over; 4 becomes a no-show to call.
        let r = clerk
            .post(
                &format!("/api/v1/console/pickup/bookings/{}/move", first.booking_id),
                json!({"date": japan_day(0), "time": "16:30"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let today_booking = booking(r.json().await.expect("b"));
        assert_eq!(
            refused(
                &clerk,
                &format!(
                    "/api/v1/console/pickup/bookings/{}/no-show",
                    moved.booking_id
                ),
                json!({})
            )
            .await,
            (422, "not_yet".into()),
            "tomorrow's booking is no no-show yet"
        );
        let r = clerk
            .post(
                &format!("/api/v1/console/pickup/bookings/{}/move", moved.booking_id),
                json!({"date": japan_day(0), "time": "16:30"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let absent = booking(r.json().await.expect("b"));
        let day: PickupDay = clerk
            .get(&format!("/api/v1/console/pickup/day?date={}", japan_day(0)))
            .await
            .json()
            .await
            .expect("day");
        assert_eq!(day.entries.len(), 2);
        assert!(
            day.entries
                .iter()
                .all(|e| e.resident.card.is_some() && !e.resident.bring.is_empty())
        );
        let r = clerk
            .post(
                &format!(
                    "/api/v1/console/pickup/bookings/{}/handover",
                    today_booking.booking_id
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200, "{storage:?}: handed over");
        assert_eq!(
            refused(
                &clerk,
                &format!(
                    "/api/v1/console/pickup/bookings/{}/handover",
                    today_booking.booking_id
                ),
                json!({})
            )
            .await,
            (409, "not_open".into())
        );
        let r = clerk
            .post(
                &format!(
                    "/api/v1/console/pickup/bookings/{}/no-show",
                    absent.booking_id
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let day: PickupDay = clerk
            .get(&format!("/api/v1/console/pickup/day?date={}", japan_day(0)))
            .await
            .json()
            .await
            .expect("day");
        assert_eq!(
            day.follow_up.len(),
            1,
            "{storage:?}: the no-show is listed to call"
        );
        assert_eq!(day.follow_up[0].resident.application_id, app_id(4));
        let r = clerk
            .post(
                &format!(
                    "/api/v1/console/pickup/bookings/{}/follow-up",
                    absent.booking_id
                ),
                json!({"note": "不在。明日再度連絡"}),
            )
            .await;
        assert_eq!(r.status(), 204);
        let found: PickupSearch = clerk
            .get(&format!(
                "/api/v1/console/pickup/residents?applicationId={}",
                app_id(3)
            ))
            .await
            .json()
            .await
            .expect("found");
        assert_eq!(
            found.residents[0].stage, "issued",
            "{storage:?}: 交付 moved the stage"
        );
        assert_eq!(
            refused(
                &clerk,
                "/api/v1/console/pickup/bookings",
                book(app_id(3), &tomorrow, "14:00")
            )
            .await,
            (409, "already_issued".into())
        );

        // A mailed card that came back (返戻物) is collected at the counter: booked at the
        // desk (not on the phone), handed over, and its 返戻物 is resolved with it.
        let r = clerk
            .post(
                "/api/v1/console/returned",
                json!({"applicationId": app_id(1), "reason": "unclaimed", "returnedOn": japan_day(0), "note": ""}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let mut body = book(app_id(1), &japan_day(0), "16:00");
        body["byPhone"] = json!(false);
        let r = clerk.post("/api/v1/console/pickup/bookings", body).await;
        assert_eq!(r.status(), 201, "{storage:?}: a returned card is booked");
        let returned_booking = booking(r.json().await.expect("b"));
        let r = clerk
            .post(
                &format!(
                    "/api/v1/console/pickup/bookings/{}/handover",
                    returned_booking.booking_id
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let returned: outreach_protocol::console::ReturnedList = clerk
            .get("/api/v1/console/returned")
            .await
            .json()
            .await
            .expect("returned");
        let item = returned
            .items
            .iter()
            .find(|i| i.application_id == app_id(1))
            .expect("the returned card");
        assert_eq!(
            (item.resolution.as_deref(), item.resolved_on.as_deref()),
            (Some("collected"), Some(japan_day(0).as_str())),
            "{storage:?}: the handover resolved the 返戻物"
        );

        // The calls were counted as phone enquiries, and the day's report counts the handover.
        let tally: Tally = clerk
            .get(&format!("/api/v1/console/tally?date={}", japan_day(0)))
            .await
            .json()
            .await
            .expect("tally");
        let topics: Vec<&str> = tally.phone.iter().map(|p| p.topic.as_str()).collect();
        assert_eq!(
            topics.iter().filter(|t| **t == "受け取り予約").count(),
            3,
            "{storage:?}: {topics:?}"
        );
        assert_eq!(
            topics
                .iter()
                .filter(|t| **t == "受け取り予約の変更")
                .count(),
            3
        );
        assert_eq!(
            topics
                .iter()
                .filter(|t| **t == "受け取り予約の取消")
                .count(),
            1
        );
        assert!(
            tally.phone.iter().all(|p| !p.answer.contains("太郎")),
            "no names in the tally"
        );
        let report: Report = clerk
            .get(&format!(
                "/api/v1/console/reports?kind=daily&date={}",
                japan_day(0)
            ))
            .await
            .json()
            .await
            .expect("report");
        let summary = report
            .sections
            .iter()
            .find(|s| s.key == "summary")
            .expect("summary");
        let value = |label: &str| {
            summary
                .rows
                .iter()
                .find(|r| r[0] == outreach_protocol::console::ReportCell::Text(label.into()))
                .map(|r| r[1].clone())
        };
        assert_eq!(
            value("うち窓口交付（予約来庁）"),
            Some(outreach_protocol::console::ReportCell::Int(2)),
            "{storage:?}"
        );
        assert_eq!(
            value("来庁なし（予約）"),
            Some(outreach_protocol::console::ReportCell::Int(1))
        );
        assert_eq!(
            value("マイナンバーカード交付等支援件数"),
            Some(outreach_protocol::console::ReportCell::Int(2)),
            "{storage:?}: each handover is a 交付等支援 case"
        );
        assert_eq!(
            value("電話対応件数"),
            Some(outreach_protocol::console::ReportCell::Int(7))
        );
        let actions: Vec<String> = boss
            .audit_actions()
            .await
            .into_iter()
            .map(|(_, a, _)| a)
            .collect();
        for a in [
            "pickup_notices_printed",
            "pickup_booked",
            "pickup_moved",
            "pickup_cancelled",
            "pickup_issued",
            "pickup_no_show",
            "pickup_settings_changed",
            "pickup_resident_viewed",
            "pickup_day_viewed",
        ] {
            assert!(actions.iter().any(|x| x == a), "{storage:?}: {a} audited");
        }
        server.stop().await;
    }
}

/// Many staff booking the last places at once through the API: a slot of capacity 2
/// ends with exactly 2, and one resident booked from many desks at once gets one.
#[tokio::test]
async fn many_clients_at_once_never_overbook_a_slot() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット1").await;
        let home = Trip {
            id: "trip-home".into(),
            site_name: "ホーム".into(),
            site_address: String::new(),
            trip_date: japan_day(-30),
            mode: "support".into(),
            expected_count: None,
            staff_ids: vec![],
        };
        let records = (1..=24)
            .map(|n| record(n, 1, &home, "counter", 0))
            .collect();
        assert_eq!(
            tablet
                .post("/api/v1/records", &RecordBatch { records })
                .await
                .status(),
            200
        );
        let ids: Vec<String> = (1..=24).map(app_id).collect();
        let r = boss
            .post(
                "/api/v1/console/card-batches",
                json!({"label": "便", "deliveredOn": japan_day(-1), "applicationIds": ids}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let r = boss
            .http
            .put(format!("{}/api/v1/console/pickup/settings", boss.base))
            .header(reqwest::header::COOKIE, &boss.cookie)
            .json(&every_day_open(&[]))
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status(), 200);
        let mut desks = Vec::new();
        for n in 0..4 {
            desks.push(Arc::new(
                Console::sign_in(&server, &format!("desk{n:02}"), Role::Staff).await,
            ));
        }
        let tomorrow = japan_day(1);
        // 20 residents into one slot from 4 desks at once.
        let mut tasks = Vec::new();
        for n in 1..=20u32 {
            let desk = desks[n as usize % desks.len()].clone();
            let body = json!({"applicationId": app_id(n), "date": tomorrow, "time": "09:30"});
            tasks.push(tokio::spawn(async move {
                code(desk.post("/api/v1/console/pickup/bookings", body).await).await
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.expect("task"));
        }
        let booked = got.iter().filter(|(s, _)| *s == 201).count();
        let full = got
            .iter()
            .filter(|(s, c)| *s == 409 && c == "slot_full")
            .count();
        assert_eq!((booked, full), (2, 18), "{storage:?}: {got:?}");
        // One resident into 8 different slots from 4 desks at once.
        let mut tasks = Vec::new();
        for (i, time) in [
            "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        ]
        .into_iter()
        .enumerate()
        {
            let desk = desks[i % desks.len()].clone();
            let body = json!({"applicationId": app_id(24), "date": tomorrow, "time": time});
            tasks.push(tokio::spawn(async move {
                code(desk.post("/api/v1/console/pickup/bookings", body).await).await
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.expect("task"));
        }
        assert_eq!(
            got.iter().filter(|(s, _)| *s == 201).count(),
            1,
            "{storage:?}: {got:?}"
        );
        assert!(
            got.iter()
                .filter(|(s, _)| *s != 201)
                .all(|(s, c)| *s == 409 && c == "already_booked")
        );
        let cal: PickupCalendar = boss
            .get(&format!(
                "/api/v1/console/pickup/calendar?from={tomorrow}&to={tomorrow}"
            ))
            .await
            .json()
            .await
            .expect("calendar");
        let total: i64 = cal.days[0].slots.iter().map(|s| s.booked).sum();
        assert_eq!(total, 3, "{storage:?}: the counts match the bookings");
        assert!(cal.days[0].slots.iter().all(|s| s.booked <= 2));
        server.stop().await;
    }
}

/// The same straight on the store, 40 bookings at once on a pool of connections
/// (PostgreSQL: truly concurrent transactions).
#[tokio::test]
async fn concurrent_bookings_on_the_store_never_pass_capacity() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store: Arc<Store> = target.open().await;
        let ids: Vec<String> = (1..=41).map(app_id).collect();
        store
            .insert_card_batch(&NewCardBatch {
                batch_id: "b1".into(),
                label: "便".into(),
                delivered_on: "2026-11-25".into(),
                storage: String::new(),
                cards: ids.iter().map(|id| (id.clone(), None)).collect(),
                created_by: "s".into(),
                created_at: "2026-11-25T00:00:00Z".into(),
            })
            .await
            .expect("batch")
            .expect("stored");
        let new = |n: u32, time: &str| NewBooking {
            booking_id: format!("bk-{n}-{time}"),
            application_id: app_id(n),
            record_id: format!("r{n}"),
            slot_date: "2026-12-01".into(),
            slot_time: time.into(),
            capacity: 2,
            by: "s".into(),
            at: "2026-11-26T00:00:00Z".into(),
        };
        for round in 0..3 {
            let time = ["09:00", "09:30", "10:00"][round];
            let mut tasks = Vec::new();
            for n in 1..=40u32 {
                let (store, b) = (store.clone(), new(n + 100 * round as u32, time));
                let b = NewBooking {
                    application_id: app_id(n),
                    ..b
                };
                tasks.push(tokio::spawn(
                    async move { store.book(&b, None, None).await },
                ));
            }
            let mut outcomes = Vec::new();
            for t in tasks {
                outcomes.push(t.await.expect("task").expect("the store answers"));
            }
            let booked = outcomes
                .iter()
                .filter(|o| matches!(o, Booked::Booked(_)))
                .count();
            assert_eq!(booked, 2, "{storage:?} round {round}: capacity 2");
            assert!(outcomes.iter().all(|o| matches!(
                o,
                Booked::Booked(_) | Booked::SlotFull | Booked::AlreadyBooked(_)
            )));
            let counts = store
                .slot_counts("2026-12-01", "2026-12-01")
                .await
                .expect("counts");
            assert_eq!(
                counts.iter().find(|(_, t, _)| t == time).map(|c| c.2),
                Some(2)
            );
        }
        // One card from 20 tasks at once into 20 different slots: one open booking.
        let mut tasks = Vec::new();
        for i in 0..20u32 {
            let store = store.clone();
            let b = NewBooking {
                slot_time: format!("{:02}:00", i + 1),
                booking_id: format!("one-{i}"),
                ..new(41, "x")
            };
            tasks.push(tokio::spawn(
                async move { store.book(&b, None, None).await },
            ));
        }
        let mut booked = 0;
        for t in tasks {
            if let Booked::Booked(_) = t.await.expect("task").expect("answers") {
                booked += 1;
            }
        }
        assert_eq!(booked, 1, "{storage:?}: one open booking per card");
    }
}

/// The 交付通知書 as printed: its text layer read back with `pdftotext` (the address
/// block's every word inside the 長3 window area), and page 1 rendered to PNG with
/// `pdftoppm` into `target/pickup-notice/` for a person to look at.
#[test]
fn the_notice_puts_the_address_in_the_envelope_window_and_reads_back() {
    use outreach_server::pickup::notice::{ADDRESS_AREA, Notice, write};
    use outreach_server::pickup::{PickupCase, default_settings};
    let mut settings = default_settings();
    settings.office_name = "太田市 市民課 マイナンバーカード担当".into();
    settings.booking_phone = "0276-47-1111".into();
    settings.place_address = "群馬県太田市浜町2-35".into();
    let child = PickupCase::of(
        r#"{"name":"太田 花子","kana":"オオタ ハナコ","birthDate":"2014-06-01","postalCode":"3730853","address":"群馬県太田市浜町2-1 スバルハイツ305号室","delivery":"counter","trip":{"mode":"uketsuke"}}"#,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    );
    let adult = PickupCase::of(
        r#"{"name":"上野 一郎","kana":"ウエノ イチロウ","birthDate":"1950-02-03","postalCode":"373-0851","address":"群馬県太田市飯田町1000","trip":{"mode":"support"},"mailing":{"oldCard":"notReturned"}}"#,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    );
    let notices = [
        Notice {
            application_id: "12345678901234567890123".into(),
            bring: child.bring(),
            case: child,
        },
        Notice {
            application_id: "98765432109876543210987".into(),
            bring: adult.bring(),
            case: adult,
        },
    ];
    let pdf = write(
        &notices,
        &settings,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    )
    .expect("pdf");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pickup-notice");
    std::fs::create_dir_all(&out).expect("out dir");
    let path = out.join("notices.pdf");
    std::fs::write(&path, &pdf).expect("write pdf");

    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    for want in [
        "交付通知書",
        "太田 花子 様",
        "〒373-0853",
        "12345678901234567890123",
        "法定代理人",
        "上野 一郎 様",
        "0276-47-1111",
        "令和8年12月1日",
        "お持ちの通知カード",
    ] {
        assert!(
            text.contains(want),
            "the text layer reads {want:?} back:\n{text}"
        );
    }
    assert_eq!(text.matches('\u{c}').count(), 2, "one page per resident");

    // Every word of the address block lies inside the window area (PDF points from
    // the top left, as pdftotext -bbox gives them).
    let bbox = std::process::Command::new("pdftotext")
        .args(["-bbox", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext -bbox");
    let html = String::from_utf8_lossy(&bbox.stdout);
    let mm = 72.0 / 25.4;
    let (l, t, r, b) = ADDRESS_AREA;
    let mut seen = Vec::new();
    for line in html.lines().filter(|l| l.contains("<word")) {
        let num = |k: &str| -> f32 {
            let at = line.find(&format!("{k}=\"")).expect("attribute") + k.len() + 2;
            line[at..]
                .split('"')
                .next()
                .and_then(|v| v.parse().ok())
                .expect("number")
        };
        let word = line
            .rsplit_once('>')
            .map(|(h, _)| h)
            .and_then(|h| h.split_once("\">"))
            .map(|(_, w)| w.trim_end_matches("</word").to_owned())
            .unwrap_or_default();
        let in_address = [
            "〒373-0853",
            "群馬県太田市浜町2-1",
            "スバルハイツ305号室",
            "太田",
            "花子",
            "様",
        ]
        .contains(&word.as_str());
        if in_address && num("yMin") < 60.0 * mm {
            seen.push(word.clone());
            assert!(
                num("xMin") >= l * mm - 0.5
                    && num("xMax") <= r * mm + 0.5
                    && num("yMin") >= t * mm - 0.5
                    && num("yMax") <= b * mm + 0.5,
                "{word} at x {}–{} y {}–{} pt is outside the window area",
                num("xMin"),
                num("xMax"),
                num("yMin"),
                num("yMax")
            );
        }
    }
    assert_eq!(seen.len(), 6, "the whole address block was found: {seen:?}");

    let png = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(out.join("notice"))
        .status()
        .expect("pdftoppm");
    assert!(png.success());
}
