//! Issue 24, defect 7: headers and content. HSTS on HTTPS, `nosniff` on every
//! response, `no-store` on the API's JSON, a `Secure` session cookie under
//! `--plain-http` too, and a photo upload that is not a JPEG refused with nothing
//! stored.

use outreach_protocol::ErrorBody;
use outreach_server::store::Role;

use crate::client::{Console, Tablet, photo, sha256_hex};
use crate::support::{
    Storage, TestServer, read_announcement, read_listening_line, spawn_binary, spawn_binary_tls,
    staff_add_cli, stop_binary,
};

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn issue_24_api_responses_say_nosniff_and_no_store_and_plain_http_has_no_hsts() {
    let server = TestServer::start(Storage::Sqlite).await;
    let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
    for r in [
        crate::support::get(server.url("/api/v1/health")).await,
        crate::support::get(server.url("/api/v1/no-such-thing")).await,
        console.get("/api/v1/console/review").await,
        console.get("/api/v1/console/staff").await,
    ] {
        let url = r.url().path().to_owned();
        assert_eq!(
            header(&r, "x-content-type-options"),
            Some("nosniff"),
            "{url}"
        );
        assert_eq!(
            header(&r, "strict-transport-security"),
            None,
            "{url}: HSTS only over HTTPS"
        );
        if url.starts_with("/api/v1/console") || url == "/api/v1/health" {
            assert_eq!(
                header(&r, "cache-control"),
                Some("no-store"),
                "{url}: JSON with residents' or staff data is never cached"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn issue_24_https_responses_carry_hsts() {
    let target = Storage::Sqlite.fresh_target().await;
    let mut child = spawn_binary_tls(&target);
    let announced = read_announcement(&mut child).await;
    let http = crate::support::http2_pinned(announced.pin.as_deref().expect("pin"))
        .build()
        .expect("client");
    let r = http
        .get(announced.url("/api/v1/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(
        header(&r, "strict-transport-security"),
        Some(outreach_server::HSTS)
    );
    assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
    stop_binary(child).await;
}

#[tokio::test]
async fn issue_24_the_session_cookie_stays_secure_behind_a_tls_proxy() {
    let target = Storage::Sqlite.fresh_target().await;
    staff_add_cli(&target, "boss3", "supervisor", "behind the proxy phrase");
    let mut child = spawn_binary(&target);
    let addr = read_listening_line(&mut child).await;
    let r = crate::client::http()
        .post(format!("http://{addr}/api/v1/console/session"))
        .json(&serde_json::json!({ "staffId": "boss3", "password": "behind the proxy phrase" }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 200);
    let cookie = header(&r, "set-cookie").expect("cookie").to_owned();
    assert!(
        cookie.split(';').any(|p| p.trim() == "Secure"),
        "--plain-http serves behind a TLS proxy: the browser sees HTTPS, so the cookie is Secure: {cookie}"
    );
    stop_binary(child).await;
}

#[tokio::test]
async fn issue_24_an_upload_that_is_not_a_jpeg_is_refused_and_nothing_is_stored() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &console, "タブレット").await;
        let html =
            b"<!doctype html><html><script>alert(document.cookie)</script></html>".repeat(50);
        let mut not_quite = photo(20_000, 9);
        not_quite.truncate(15_000);
        let mut cmyk = photo(20_000, 8);
        cmyk[80] = 4;
        for (bytes, code) in [
            (html.clone(), "photo_not_jpeg"),
            (not_quite, "photo_malformed"),
            (cmyk, "photo_not_rgb"),
            (
                outreach_server::photo_file::synthetic_jpeg(20_000, 1, 20, 20),
                "photo_dimensions",
            ),
        ] {
            let path = tablet.tus_create(&bytes).await;
            let r = tablet.tus_patch(&path, 0, &bytes, None).await;
            assert_eq!(r.status(), 422, "{storage:?}: {code}");
            let body: ErrorBody = r.json().await.expect("error");
            assert_eq!(body.code, code, "{storage:?}: the precise reason");
            assert_eq!(
                tablet.tus_offset(&path).await,
                None,
                "the upload is discarded"
            );
            let held = tablet
                .req(
                    reqwest::Method::HEAD,
                    &format!("/api/v1/photos/{}", sha256_hex(&bytes)),
                )
                .send()
                .await
                .expect("answer");
            assert_eq!(
                held.status(),
                404,
                "{storage:?}: nothing was stored ({code})"
            );
        }

        let jpeg = photo(30_000, 5);
        tablet.upload_photo(&jpeg).await;
        let served = console
            .get(&format!("/api/v1/console/photos/{}", sha256_hex(&jpeg)))
            .await;
        assert_eq!(served.status(), 200);
        assert_eq!(header(&served, "content-type"), Some("image/jpeg"));
        assert_eq!(header(&served, "x-content-type-options"), Some("nosniff"));
        server.stop().await;
    }
}
