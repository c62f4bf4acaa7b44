//! Issue 24, defect 6: a state-changing request a browser sends from another site is
//! refused by one layer that every route passes, so a console endpoint added later is
//! covered from the start; the console's own (same-origin) requests still work.

use outreach_protocol::ErrorBody;
use outreach_server::store::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};

use crate::client::{Console, Tablet};
use crate::support::{Storage, TestServer};

async fn refused(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 403, "{what} must be refused");
    let body: ErrorBody = r.json().await.expect("error body");
    assert_eq!(body.code, "cross_site_refused", "{what}: the precise code");
}

async fn batches(console: &Console) -> usize {
    let list: serde_json::Value = console
        .get("/api/v1/console/card-batches")
        .await
        .json()
        .await
        .expect("list");
    list["batches"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn issue_24_cross_origin_import_and_revoke_are_refused_and_same_origin_work() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &console, "タブレット").await;
        let import =
            server.url("/api/v1/console/card-batches/import?label=x&deliveredOn=2026-11-26");
        let csv = "申請書ID\n12345678901234567890123\n";

        // A form on another site can post text/plain without a CORS preflight.
        let r = console
            .http
            .post(&import)
            .header(COOKIE, &console.cookie)
            .header(CONTENT_TYPE, "text/plain")
            .header(ORIGIN, "https://evil.example")
            .body(csv)
            .send()
            .await
            .expect("answer");
        refused(r, "a cross-origin text/plain card import").await;
        let r = console
            .http
            .post(&import)
            .header(COOKIE, &console.cookie)
            .header(CONTENT_TYPE, "text/plain")
            .header("sec-fetch-site", "cross-site")
            .body(csv)
            .send()
            .await
            .expect("answer");
        refused(r, "a cross-site import by Sec-Fetch-Site").await;
        assert_eq!(
            batches(&console).await,
            0,
            "{storage:?}: nothing was imported"
        );

        let revoke = server.url(&format!(
            "/api/v1/console/devices/{}/revoke",
            tablet.credential.device_id
        ));
        let r = console
            .http
            .post(&revoke)
            .header(COOKIE, &console.cookie)
            .header(ORIGIN, "https://evil.example")
            .send()
            .await
            .expect("answer");
        refused(r, "a revoke with a foreign Origin").await;
        assert_eq!(
            tablet.get("/api/v1/device").await.status(),
            200,
            "{storage:?}: the tablet is not revoked"
        );

        // The console's own page: same origin, by Origin or by Sec-Fetch-Site.
        let own = format!("http://{}", server.addr);
        let r = console
            .http
            .post(&import)
            .header(COOKIE, &console.cookie)
            .header(CONTENT_TYPE, "text/csv")
            .header(ORIGIN, &own)
            .body(csv)
            .send()
            .await
            .expect("answer");
        assert_eq!(
            r.status(),
            201,
            "{storage:?}: the console's own import works"
        );
        assert_eq!(batches(&console).await, 1);
        let r = console
            .http
            .post(&revoke)
            .header(COOKIE, &console.cookie)
            .header("sec-fetch-site", "same-origin")
            .header(ORIGIN, &own)
            .send()
            .await
            .expect("answer");
        assert_eq!(
            r.status(),
            204,
            "{storage:?}: the console's own revoke works"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn issue_24_every_state_changing_console_route_is_behind_the_cross_site_check() {
    let server = TestServer::start(Storage::Sqlite).await;
    let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
    let (_, doc) = outreach_server::api::router();
    let mut checked = 0;
    for (path, item) in &doc.paths.paths {
        if !path.starts_with("/console") {
            continue;
        }
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let methods = [
            (reqwest::Method::POST, item.post.is_some()),
            (reqwest::Method::PUT, item.put.is_some()),
            (reqwest::Method::PATCH, item.patch.is_some()),
            (reqwest::Method::DELETE, item.delete.is_some()),
        ];
        for (method, served) in methods {
            if !served {
                continue;
            }
            let r = console
                .http
                .request(method.clone(), server.url(&format!("/api/v1{concrete}")))
                .header(COOKIE, &console.cookie)
                .header("sec-fetch-site", "cross-site")
                .header(CONTENT_TYPE, "application/json")
                .body("{}")
                .send()
                .await
                .expect("answer");
            refused(r, &format!("{method} {path} from another site")).await;
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "the console's writes were all tried ({checked})"
    );
    server.stop().await;
}
