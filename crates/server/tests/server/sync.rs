//! Enrolment, devices, records up and the manifest, on every storage.

use outreach_protocol::ErrorBody;
use outreach_protocol::sync::{BatchResult, Manifest, RecordOutcome, Roster};
use outreach_server::store::{NewEnrolment, Role, timestamp};
use serde_json::json;

use crate::client::{Console, Tablet, new_record_id, photo, record};
use crate::support::{Storage, TestServer, japan_day};

async fn error(r: reqwest::Response) -> ErrorBody {
    r.json().await.expect("a JSON error body")
}

#[tokio::test]
async fn an_enrolment_code_works_once_and_only_in_time() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let issued = boss.enrolment("タブレット1").await;
        assert_eq!(issued.enrolment.kind, "outreach-enrolment");
        assert!(issued.qr_svg.starts_with("<?xml") && issued.qr_svg.contains("<svg"));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&issued.text).expect("text is JSON")["code"],
            issued.enrolment.code.as_str(),
            "{storage:?}: the pasted text carries the same code"
        );

        let http = crate::client::http();
        let enrol = |code: String| {
            let http = http.clone();
            let url = server.url("/api/v1/enrol");
            async move {
                http.post(url)
                    .json(&json!({ "code": code }))
                    .send()
                    .await
                    .expect("answers")
            }
        };
        let first = enrol(issued.enrolment.code.clone()).await;
        assert_eq!(first.status(), 201, "{storage:?}: a fresh code enrols");
        let credential: outreach_protocol::sync::DeviceCredential =
            first.json().await.expect("credential");
        assert_eq!(credential.device_name, "タブレット1");

        let replay = enrol(issued.enrolment.code.clone()).await;
        assert_eq!(
            replay.status(),
            410,
            "{storage:?}: a replayed code is refused"
        );
        assert_eq!(error(replay).await.code, "enrolment_code_used");

        // A code past its time (made straight in the database, with a known secret).
        let code = outreach_server::auth::new_secret().expect("secret");
        let now = chrono::Utc::now();
        server
            .store
            .create_enrolment(&NewEnrolment {
                code_hash: outreach_server::auth::secret_hash(&code),
                device_name: "古いコード".into(),
                created_by: "boss01".into(),
                created_at: timestamp(now - chrono::Duration::minutes(30)),
                expires_at: timestamp(now - chrono::Duration::minutes(15)),
            })
            .await
            .expect("stored");
        let late = enrol(code).await;
        assert_eq!(late.status(), 410);
        assert_eq!(error(late).await.code, "enrolment_code_expired");

        let unknown = enrol(outreach_server::auth::new_secret().expect("secret")).await;
        assert_eq!(unknown.status(), 404, "{storage:?}: an unknown code");
        let malformed = enrol("../../etc/passwd".into()).await;
        assert_eq!(malformed.status(), 400);

        // The credential works in a header, and the device sees itself.
        let tablet = Tablet {
            http: http.clone(),
            base: server.url(""),
            credential,
        };
        let me = tablet.get("/api/v1/device").await;
        assert_eq!(me.status(), 200, "{storage:?}: the credential works");
        let no_header = http
            .get(server.url("/api/v1/device"))
            .send()
            .await
            .expect("answers");
        assert_eq!(no_header.status(), 401);
        assert_eq!(error(no_header).await.code, "credential_missing");

        let actions = boss.audit_actions().await;
        assert!(
            actions
                .iter()
                .any(|(k, a, _)| k == "device" && a == "enrol"),
            "{storage:?}: enrolment is audited"
        );
        assert!(
            actions
                .iter()
                .any(|(k, a, _)| k == "staff" && a == "enrolment_issued")
        );
        assert!(actions.iter().any(|(k, a, _)| k == "staff" && a == "login"));
        server.stop().await;
    }
}

#[tokio::test]
async fn a_revoked_or_rotated_credential_is_refused_at_once() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let mut tablet = Tablet::enrol(&server, &boss, "タブレット2").await;

        // Rotation: the new credential works, the old one no longer does.
        let old = tablet.credential.clone();
        let rotated = tablet.post("/api/v1/device/credential", &json!({})).await;
        assert_eq!(rotated.status(), 200);
        tablet.credential = rotated.json().await.expect("new credential");
        assert_ne!(tablet.credential.credential, old.credential);
        assert_eq!(tablet.get("/api/v1/device").await.status(), 200);
        let stale = Tablet {
            credential: old,
            http: tablet.http.clone(),
            base: tablet.base.clone(),
        };
        assert_eq!(
            stale.get("/api/v1/device").await.status(),
            401,
            "{storage:?}: the old credential died"
        );

        // Only a supervisor revokes.
        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let id = tablet.credential.device_id.clone();
        let refused = clerk
            .post(&format!("/api/v1/console/devices/{id}/revoke"), json!({}))
            .await;
        assert_eq!(refused.status(), 403, "{storage:?}: staff cannot revoke");
        let enrol_refused = clerk
            .post("/api/v1/console/enrolments", json!({ "deviceName": "x" }))
            .await;
        assert_eq!(
            enrol_refused.status(),
            403,
            "{storage:?}: staff cannot enrol tablets"
        );

        let revoked = boss
            .post(&format!("/api/v1/console/devices/{id}/revoke"), json!({}))
            .await;
        assert_eq!(revoked.status(), 204);
        for path in [
            "/api/v1/device",
            "/api/v1/roster",
            "/api/v1/trips",
            "/api/v1/settings",
        ] {
            let r = tablet.get(path).await;
            assert_eq!(
                r.status(),
                401,
                "{storage:?}: {path} refuses a revoked tablet"
            );
            let body = error(r).await;
            assert_eq!(body.code, "device_revoked", "the tablet is told why");
            assert!(
                body.message.contains("destroy"),
                "and told to destroy its wraps"
            );
        }
        let r = tablet
            .post(
                "/api/v1/records",
                &json!({ "records": [record(&new_record_id(), 1, &[])] }),
            )
            .await;
        assert_eq!(
            r.status(),
            401,
            "{storage:?}: a revoked tablet uploads nothing"
        );
        let unknown = boss
            .post("/api/v1/console/devices/no-such-device/revoke", json!({}))
            .await;
        assert_eq!(unknown.status(), 404);

        let devices: outreach_protocol::console::DeviceList = boss
            .get("/api/v1/console/devices")
            .await
            .json()
            .await
            .expect("devices");
        assert!(
            devices
                .devices
                .iter()
                .any(|d| d.device_id == id && d.revoked_at.is_some())
        );
        assert!(
            boss.audit_actions()
                .await
                .iter()
                .any(|(k, a, s)| k == "staff" && a == "revoke" && *s == id)
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn records_are_stored_once_and_a_changed_payload_is_a_conflict() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット3").await;
        let (p1, p2) = (photo(300_000, 1), photo(200_000, 2));
        let a = record(&new_record_id(), 1, &[&p1]);
        let b = record(&new_record_id(), 1, &[&p2]);

        let first = tablet
            .post("/api/v1/records", &json!({ "records": [a, b] }))
            .await;
        assert_eq!(first.status(), 200, "{storage:?}");
        let result: BatchResult = first.json().await.expect("result");
        assert!(
            result
                .results
                .iter()
                .all(|r| r.outcome == RecordOutcome::Stored)
        );

        // The same batch again: a success that changes nothing.
        let again = tablet
            .post("/api/v1/records", &json!({ "records": [a, b] }))
            .await;
        assert_eq!(again.status(), 200, "{storage:?}: a re-upload is a success");
        let result: BatchResult = again.json().await.expect("result");
        assert!(
            result
                .results
                .iter()
                .all(|r| r.outcome == RecordOutcome::AlreadyHeld)
        );

        // The manifest lists them, incomplete until the photos arrive.
        let keys =
            json!({ "records": [{ "id": a.id, "version": 1 }, { "id": b.id, "version": 1 }] });
        let manifest: Manifest = tablet
            .post("/api/v1/manifest", &keys)
            .await
            .json()
            .await
            .expect("manifest");
        assert_eq!(manifest.records.len(), 2);
        assert!(
            manifest.records.iter().all(|r| !r.complete),
            "{storage:?}: no photo yet, not complete"
        );
        tablet.upload_photo(&p1).await;
        let manifest: Manifest = tablet
            .post("/api/v1/manifest", &keys)
            .await
            .json()
            .await
            .expect("manifest");
        let by_id = |id: &str| {
            manifest
                .records
                .iter()
                .find(|r| r.id == id)
                .expect("listed")
        };
        assert!(
            by_id(&a.id).complete,
            "{storage:?}: record and photo held: complete"
        );
        assert!(!by_id(&b.id).complete);
        assert_eq!(by_id(&a.id).payload_hash, a.payload_hash);

        // A different payload under a held version, beside a new record: 409, nothing stored.
        let mut changed = a.clone();
        changed.payload = changed.payload.replace("九丁目", "八丁目");
        changed.payload_hash = crate::client::sha256_hex(changed.payload.as_bytes());
        let c = record(&new_record_id(), 1, &[]);
        let conflict = tablet
            .post("/api/v1/records", &json!({ "records": [c, changed] }))
            .await;
        assert_eq!(conflict.status(), 409, "{storage:?}");
        let body = error(conflict).await;
        assert_eq!(body.code, "record_conflict");
        assert_eq!(body.conflicts.len(), 1);
        assert_eq!(body.conflicts[0].id, a.id);
        assert!(
            !body.message.contains("八丁目"),
            "the body never echoes the payload"
        );
        let manifest: Manifest = tablet
            .post(
                "/api/v1/manifest",
                &json!({ "records": [{ "id": c.id, "version": 1 }] }),
            )
            .await
            .json()
            .await
            .expect("manifest");
        assert!(
            manifest.records.is_empty(),
            "{storage:?}: the batch was all or nothing"
        );

        // An amendment is a new version naming its base.
        let v2 = record(&a.id, 2, &[&p1]);
        let amended = tablet
            .post("/api/v1/records", &json!({ "records": [v2] }))
            .await;
        assert_eq!(amended.status(), 200, "{storage:?}: an amendment is stored");
        let orphan = record(&new_record_id(), 2, &[]);
        let r = tablet
            .post("/api/v1/records", &json!({ "records": [orphan] }))
            .await;
        assert_eq!(
            r.status(),
            422,
            "{storage:?}: an amendment of a version the office lacks"
        );
        assert_eq!(error(r).await.code, "unknown_base_version");

        let audit = boss.audit_actions().await;
        assert_eq!(
            audit
                .iter()
                .filter(|(_, a, _)| a == "record_stored")
                .count(),
            3,
            "{storage:?}: two records and one amendment stored, each audited once"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_roster_settings_and_trips_come_down_without_secrets() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット4").await;
        let today = japan_day(0);
        let trip = outreach_protocol::sync::Trip {
            id: new_record_id(),
            site_name: "中野精機株式会社".into(),
            site_address: "東京都中野区".into(),
            trip_date: today,
            mode: "uketsuke".into(),
            expected_count: Some(40),
            staff_ids: vec!["boss01".into()],
        };
        server
            .store
            .insert_trip(&trip, "boss01", &timestamp(chrono::Utc::now()))
            .await
            .expect("trip");

        let roster_response = tablet.get("/api/v1/roster").await;
        assert_eq!(roster_response.status(), 200);
        let text = roster_response.text().await.expect("body");
        assert!(
            !text.contains("$argon2"),
            "{storage:?}: no login hash ever reaches a tablet"
        );
        let roster: Roster = serde_json::from_str(&text).expect("roster");
        // boss01 and the author of the test records (client::AUTHOR).
        assert_eq!(roster.staff.len(), 2);
        assert!(
            roster.staff.iter().all(|s| s.key_wrap.is_object()),
            "the wrap travels as JSON"
        );

        let trips: outreach_protocol::sync::Trips = tablet
            .get("/api/v1/trips")
            .await
            .json()
            .await
            .expect("trips");
        assert_eq!(
            trips.trips,
            vec![trip],
            "{storage:?}: today's trip comes down"
        );
        let settings: outreach_protocol::sync::DeviceSettings = tablet
            .get("/api/v1/settings")
            .await
            .json()
            .await
            .expect("settings");
        assert_eq!(
            settings.retention,
            outreach_protocol::sync::RetentionSetting::EndOfDay
        );
        assert!(settings.document_rules.get("anyOf").is_some());
        server.stop().await;
    }
}

#[tokio::test]
async fn bad_requests_get_precise_errors_and_store_nothing() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット5").await;
        let post_raw = |body: Vec<u8>, content_type: &'static str| {
            tablet
                .req(reqwest::Method::POST, "/api/v1/records")
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let r = post_raw(b"{\"records\": [".to_vec(), "application/json")
            .await
            .expect("answers");
        assert_eq!(
            (r.status().as_u16(), error(r).await.code.as_str()),
            (400, "malformed_json"),
            "{storage:?}"
        );
        let r = post_raw(b"{}".to_vec(), "text/plain")
            .await
            .expect("answers");
        assert_eq!(
            (r.status().as_u16(), error(r).await.code.as_str()),
            (415, "unsupported_media_type")
        );
        let huge = format!("{{\"records\": [\"{}\"]}}", "x".repeat(3 * 1024 * 1024));
        let r = post_raw(huge.into_bytes(), "application/json")
            .await
            .expect("answers");
        assert_eq!(
            (r.status().as_u16(), error(r).await.code.as_str()),
            (413, "payload_too_large"),
            "{storage:?}"
        );
        let r = post_raw(b"{\"records\": [{\"id\": 1}]}".to_vec(), "application/json")
            .await
            .expect("answers");
        assert_eq!(
            r.status(),
            422,
            "{storage:?}: a body not matching the schema"
        );

        let id = new_record_id();
        let mut cases = Vec::new();
        let mut bad_format = record(&id, 1, &[]);
        bad_format.format = 99;
        cases.push((bad_format, "unknown_record_format"));
        let mut bad_version = record(&id, 1, &[]);
        bad_version.version = 0;
        cases.push((bad_version, "unknown_record_version"));
        let mut bad_hash = record(&id, 1, &[]);
        bad_hash.payload_hash = "0".repeat(64);
        cases.push((bad_hash, "payload_hash_mismatch"));
        let mut bad_id = record(&id, 1, &[]);
        bad_id.id = "../../etc/passwd".into();
        cases.push((bad_id, "invalid_record"));
        let mut my_number = record(&id, 1, &[]);
        my_number.payload =
            json!({ "name": "鷺ノ宮 蘭丸", "note": "個人番号 1234 5678 9018" }).to_string();
        my_number.payload_hash = crate::client::sha256_hex(my_number.payload.as_bytes());
        cases.push((my_number, "my_number_refused"));
        for (bad, code) in cases {
            let r = tablet
                .post(
                    "/api/v1/records",
                    &json!({ "records": [record(&new_record_id(), 1, &[]), bad] }),
                )
                .await;
            assert_eq!(r.status(), 422, "{storage:?}: {code}");
            let body = error(r).await;
            assert_eq!(body.code, code, "{storage:?}");
            assert!(
                !body.message.contains("鷺ノ宮") && !body.message.contains("9018"),
                "no content echoed"
            );
        }
        let empty = tablet
            .post("/api/v1/records", &json!({ "records": [] }))
            .await;
        assert_eq!(empty.status(), 422);
        assert!(
            !boss
                .audit_actions()
                .await
                .iter()
                .any(|(_, a, _)| a == "record_stored"),
            "{storage:?}: no refused batch stored anything"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn console_sign_in_refuses_wrong_passwords_and_backs_off() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        crate::client::add_staff(&server, "boss01", Role::Supervisor, "correct horse battery")
            .await;
        let http = crate::client::http();
        let login = |password: &'static str| {
            http.post(server.url("/api/v1/console/session"))
                .json(&json!({ "staffId": "boss01", "password": password }))
                .send()
        };
        for _ in 0..5 {
            let r = login("wrong password").await.expect("answers");
            assert_eq!(r.status(), 401, "{storage:?}");
            assert_eq!(error(r).await.code, "login_failed");
        }
        let r = login("correct horse battery").await.expect("answers");
        assert_eq!(
            r.status(),
            429,
            "{storage:?}: after five failures even the right password waits"
        );
        let unknown = http
            .post(server.url("/api/v1/console/session"))
            .json(&json!({ "staffId": "nobody", "password": "whatever12" }))
            .send()
            .await
            .expect("answers");
        assert_eq!(
            unknown.status(),
            401,
            "an unknown ID looks like a wrong password"
        );
        let no_session = http
            .get(server.url("/api/v1/console/devices"))
            .send()
            .await
            .expect("answers");
        assert_eq!(no_session.status(), 401);
        let forged = http
            .get(server.url("/api/v1/console/devices"))
            .header(
                "cookie",
                format!(
                    "outreach_session={}",
                    outreach_server::auth::new_secret().expect("s")
                ),
            )
            .send()
            .await
            .expect("answers");
        assert_eq!(
            forged.status(),
            401,
            "{storage:?}: a made-up session is refused"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        assert_eq!(boss.get("/api/v1/console/session").await.status(), 200);
        let out = boss
            .http
            .delete(format!("{}/api/v1/console/session", boss.base))
            .header("cookie", &boss.cookie)
            .send()
            .await
            .expect("answers");
        assert_eq!(out.status(), 204);
        assert_eq!(
            boss.get("/api/v1/console/session").await.status(),
            401,
            "{storage:?}: the old cookie is dead"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_password_change_keeps_the_key_pair_and_a_disabled_account_leaves_the_roster() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let before = server
            .store
            .staff("clerk01")
            .await
            .expect("read")
            .expect("there");

        let wrong = clerk
            .post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": "not it at all", "newPassword": "a new password 2" }),
            )
            .await;
        assert_eq!(
            wrong.status(),
            403,
            "{storage:?}: the current password must be right"
        );
        let short = clerk
            .post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": "correct horse battery", "newPassword": "short" }),
            )
            .await;
        assert_eq!(short.status(), 422);
        let ok = clerk
            .post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": "correct horse battery", "newPassword": "a new password 2" }),
            )
            .await;
        assert_eq!(ok.status(), 204, "{storage:?}");
        let after = server
            .store
            .staff("clerk01")
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            after.public_key, before.public_key,
            "{storage:?}: the key pair stays: tablet vaults stay sealed to it"
        );
        let wrap: outreach_keys::PasswordWrap =
            serde_json::from_str(&after.key_wrap).expect("wrap");
        let key = wrap
            .unwrap("a new password 2", b"clerk01")
            .expect("the new password opens the key");
        assert_eq!(
            serde_json::to_value(key.public_key()).expect("pk"),
            serde_json::Value::String(before.public_key.clone()),
            "the same private key, newly wrapped"
        );
        assert!(
            wrap.unwrap("correct horse battery", b"clerk01").is_err(),
            "the old password no longer opens it"
        );

        let tablet = Tablet::enrol(&server, &boss, "タブレット").await;
        let roster: Roster = tablet
            .get("/api/v1/roster")
            .await
            .json()
            .await
            .expect("roster");
        // boss01, clerk01 and the author of the test records (client::AUTHOR).
        assert_eq!(roster.staff.len(), 3);
        let disabled = boss
            .post("/api/v1/console/staff/clerk01/disable", json!({}))
            .await;
        assert_eq!(disabled.status(), 204, "{storage:?}");
        let roster: Roster = tablet
            .get("/api/v1/roster")
            .await
            .json()
            .await
            .expect("roster");
        assert_eq!(
            roster.staff.len(),
            2,
            "{storage:?}: a disabled account leaves the roster"
        );
        assert_eq!(
            clerk.get("/api/v1/console/session").await.status(),
            401,
            "and its session ends"
        );
        let own = boss
            .post("/api/v1/console/staff/boss01/disable", json!({}))
            .await;
        assert_eq!(own.status(), 409, "a supervisor cannot lock themselves out");
        let actions = boss.audit_actions().await;
        assert!(
            actions
                .iter()
                .any(|(_, a, s)| a == "password_changed" && s == "clerk01")
        );
        assert!(
            actions
                .iter()
                .any(|(_, a, s)| a == "staff_disabled" && s == "clerk01")
        );
        server.stop().await;
    }
}
