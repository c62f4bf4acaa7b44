//! A tablet over a contract year, as the office sees it, on every storage: credentials
//! renewed with the old one valid until the new one is used, re-enrolment that links
//! the new device to the tablet it was, and records that stay their tablet's own.

use chrono::{Duration, TimeZone, Utc};
use outreach_domain::clock::Clock;
use outreach_protocol::ErrorBody;
use outreach_protocol::sync::{DeviceCredential, Manifest, RecordUpload};
use outreach_server::store::Role;
use serde_json::json;

use crate::client::{Console, Tablet, ensure_author, http, new_record_id, record};
use crate::support::{Storage, TestServer};

async fn code_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: ErrorBody = r.json().await.expect("a JSON error body");
    (status, body.code)
}

/// Enrols with a fresh code from the console, naming the tablet (and the device it
/// was), as the tablet's sync crate does.
async fn enrol_as(
    server: &TestServer,
    boss: &Console,
    tablet_id: Option<&str>,
    previous: Option<&str>,
) -> Tablet {
    ensure_author(server).await;
    let issued = boss.enrolment("タブレットA").await;
    let http = http();
    let r = http
        .post(server.url("/api/v1/enrol"))
        .json(&json!({
            "code": issued.enrolment.code,
            "tabletId": tablet_id,
            "previousDeviceId": previous,
        }))
        .send()
        .await
        .expect("enrol answers");
    assert_eq!(r.status(), 201, "a fresh code enrols");
    Tablet {
        http,
        base: server.url(""),
        credential: r.json().await.expect("credential"),
    }
}

fn with(tablet: &Tablet, credential: DeviceCredential) -> Tablet {
    Tablet {
        http: tablet.http.clone(),
        base: tablet.base.clone(),
        credential,
    }
}

fn amendment(of: &RecordUpload, version: i64) -> RecordUpload {
    let mut r = record(&of.id, version, &[]);
    r.base_version = Some(version - 1);
    r.amend_reason = Some("住所の誤り".into());
    r
}

#[tokio::test]
async fn a_renewed_credential_replaces_the_old_one_only_once_it_is_used() {
    let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    for storage in Storage::all() {
        let clock = Clock::manual(start);
        let server = TestServer::start_with(storage, |s| {
            s.clock = clock.clone();
            s.credential_lifetime = Duration::days(180);
        })
        .await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = enrol_as(&server, &boss, Some("vault-1"), None).await;
        let first = tablet.credential.clone();
        assert_eq!(
            first.expires_at, "2026-09-28T00:00:00.000Z",
            "{storage:?}: 180 days"
        );
        assert_eq!(
            first.renew_after, "2026-06-30T00:00:00.000Z",
            "{storage:?}: half of it"
        );

        // Day 179: a renewal. The answer is lost on the way; the old credential still
        // works, and asking again replaces the renewal that never arrived.
        clock.advance(Duration::days(179));
        let lost = tablet.post("/api/v1/device/credential", &json!({})).await;
        assert_eq!(lost.status(), 200);
        let lost: DeviceCredential = lost.json().await.expect("credential");
        assert_eq!(
            tablet.get("/api/v1/device").await.status(),
            200,
            "{storage:?}: old still valid"
        );
        let renewed: DeviceCredential = tablet
            .post("/api/v1/device/credential", &json!({}))
            .await
            .json()
            .await
            .expect("credential");
        assert_ne!(
            renewed.credential, first.credential,
            "the credential value changed"
        );
        assert_eq!(renewed.device_id, first.device_id, "the same device");
        assert_eq!(
            with(&tablet, lost).get("/api/v1/device").await.status(),
            401,
            "{storage:?}: a renewal superseded before use is dead"
        );

        // The renewed one is used: from then on the old one is refused.
        let renewed_tablet = with(&tablet, renewed.clone());
        assert_eq!(renewed_tablet.get("/api/v1/device").await.status(), 200);
        assert_eq!(
            code_of(tablet.get("/api/v1/device").await).await,
            (401, "credential_invalid".into()),
            "{storage:?}: the old credential ended when the new one was used"
        );

        // Day 200, past the first credential's expiry: the renewed one syncs.
        clock.advance(Duration::days(21));
        let r = record(&new_record_id(), 1, &[]);
        let sent = renewed_tablet
            .post("/api/v1/records", &json!({ "records": [r] }))
            .await;
        assert_eq!(sent.status(), 200, "{storage:?}: syncs on day 200");

        // The console session of day 0 ended long ago.
        let boss = Console::sign_in(&server, "boss02", Role::Supervisor).await;
        let actions = boss.audit_actions().await;
        let count = |a: &str| actions.iter().filter(|(_, x, _)| x == a).count();
        assert_eq!(count("credential_renewal_issued"), 2, "{storage:?}");
        assert_eq!(
            count("credential_renewed"),
            1,
            "{storage:?}: confirmed once"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn an_expired_tablet_enrolled_again_keeps_its_records_and_the_old_device_ends() {
    let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    for storage in Storage::all() {
        let clock = Clock::manual(start);
        let server = TestServer::start_with_clock(storage, clock.clone()).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let old = enrol_as(&server, &boss, Some("vault-7"), None).await;
        let a = record(&new_record_id(), 1, &[]);
        assert_eq!(
            old.post("/api/v1/records", &json!({ "records": [a] }))
                .await
                .status(),
            200
        );

        // Offline past expiry: refused, with the code the tablet turns into Japanese.
        clock.advance(Duration::days(181));
        assert_eq!(
            code_of(old.get("/api/v1/device").await).await,
            (401, "credential_expired".into()),
            "{storage:?}"
        );

        // Enrolled again with a new code from a supervisor signed in today: a new
        // device of the same tablet.
        let boss = Console::sign_in(&server, "boss02", Role::Supervisor).await;
        let new = enrol_as(
            &server,
            &boss,
            Some("vault-7"),
            Some(&old.credential.device_id),
        )
        .await;
        assert_ne!(new.credential.device_id, old.credential.device_id);
        // The record re-sent is held already; its amendment from the new device is the
        // same tablet's and is accepted; the manifest answers for it.
        let b = amendment(&a, 2);
        let sent = new
            .post("/api/v1/records", &json!({ "records": [a, b] }))
            .await;
        assert_eq!(sent.status(), 200, "{storage:?}: the tablet's own record");
        let manifest: Manifest = new
            .post(
                "/api/v1/manifest",
                &json!({ "records": [{ "id": a.id, "version": 2 }] }),
            )
            .await
            .json()
            .await
            .expect("manifest");
        assert_eq!(manifest.records.len(), 1, "{storage:?}");

        let devices: serde_json::Value = boss
            .get("/api/v1/console/devices")
            .await
            .json()
            .await
            .expect("devices");
        let old_row = devices["devices"]
            .as_array()
            .expect("list")
            .iter()
            .find(|d| d["deviceId"] == old.credential.device_id.as_str())
            .expect("the old device is listed")
            .clone();
        assert_eq!(
            old_row["replacedBy"],
            new.credential.device_id.as_str(),
            "{storage:?}: the console shows which device replaced it"
        );
        let actions = boss.audit_actions().await;
        assert!(
            actions.iter().any(|(_, a, s)| a == "device_replaced"
                && s.contains(&old.credential.device_id)
                && s.contains(&new.credential.device_id)),
            "{storage:?}: the replacement is audited"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_tablet_cannot_rewrite_or_ask_about_another_tablets_record() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let a = enrol_as(&server, &boss, Some("vault-a"), None).await;
        let b = enrol_as(&server, &boss, Some("vault-b"), None).await;
        let mine = record(&new_record_id(), 1, &[]);
        assert_eq!(
            a.post("/api/v1/records", &json!({ "records": [mine] }))
                .await
                .status(),
            200
        );

        // B sends version 2 of A's record: refused, nothing stored.
        let forged = amendment(&mine, 2);
        assert_eq!(
            code_of(
                b.post("/api/v1/records", &json!({ "records": [forged] }))
                    .await
            )
            .await,
            (403, "record_of_another_tablet".into()),
            "{storage:?}"
        );
        // Nor may B re-send A's first version, or learn of it through the manifest.
        assert_eq!(
            b.post("/api/v1/records", &json!({ "records": [mine] }))
                .await
                .status(),
            403
        );
        let asked = json!({ "records": [{ "id": mine.id, "version": 1 }] });
        let seen: Manifest = b
            .post("/api/v1/manifest", &asked)
            .await
            .json()
            .await
            .expect("manifest");
        assert!(
            seen.records.is_empty(),
            "{storage:?}: B learns nothing of A's record"
        );
        let own: Manifest = a
            .post("/api/v1/manifest", &asked)
            .await
            .json()
            .await
            .expect("manifest");
        assert_eq!(own.records.len(), 1);

        // A tablet claiming B's predecessor without being B stays apart: a device ID
        // already linked to a tablet is not taken over.
        let c = enrol_as(
            &server,
            &boss,
            Some("vault-c"),
            Some(&a.credential.device_id),
        )
        .await;
        assert_eq!(
            c.post(
                "/api/v1/records",
                &json!({ "records": [amendment(&mine, 2)] })
            )
            .await
            .status(),
            403,
            "{storage:?}"
        );
        assert_eq!(
            a.get("/api/v1/device").await.status(),
            200,
            "A is not replaced"
        );

        // A record naming an author the office never had is refused.
        let mut stranger = record(&new_record_id(), 1, &[]);
        stranger.created_by = "nobody99".into();
        assert_eq!(
            code_of(
                a.post("/api/v1/records", &json!({ "records": [stranger] }))
                    .await
            )
            .await,
            (422, "created_by_unknown".into()),
            "{storage:?}"
        );
        let stored = server.store.stats().await.expect("stats").records;
        assert_eq!(stored, 1, "{storage:?}: only A's first record is held");
        server.stop().await;
    }
}
