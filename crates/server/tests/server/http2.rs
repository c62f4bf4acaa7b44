//! Issue 24, defect 5: HTTP/2, what browsers and most clients negotiate. The request's
//! authority comes from `:authority` (so a console enrolment works) and is checked
//! against the certificate's names; a refusal sent before the request body is read
//! arrives as its status, with reqwest (hyper) and with curl, the client that failed.

use serde_json::json;

use crate::client::{photo, sha256_hex};
use crate::support::{
    Storage, http2_pinned, read_announcement, spawn_binary_tls, staff_add_cli, stop_binary,
};

const PASSWORD: &str = "http2 supervisor phrase";

async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/console/session"))
        .json(&json!({ "staffId": "boss2", "password": PASSWORD }))
        .send()
        .await
        .expect("sign in over HTTP/2");
    assert_eq!(r.version(), reqwest::Version::HTTP_2, "spoken over HTTP/2");
    assert_eq!(r.status(), 200);
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

#[tokio::test]
async fn issue_24_a_console_enrolment_over_http2_names_the_server_by_its_authority() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        staff_add_cli(&target, "boss2", "supervisor", PASSWORD);
        let mut child = spawn_binary_tls(&target);
        let announced = read_announcement(&mut child).await;
        let pin = announced.pin.clone().expect("pin");
        let http = http2_pinned(&pin)
            .resolve("localhost", announced.addr)
            .resolve("evil.example", announced.addr)
            .build()
            .expect("client");
        let base = announced.url("");
        let cookie = sign_in(&http, &base).await;
        let enrol = |base: String| {
            let (http, cookie) = (http.clone(), cookie.clone());
            async move {
                http.post(format!("{base}/api/v1/console/enrolments"))
                    .header("cookie", cookie)
                    .json(&json!({ "deviceName": "タブレット2" }))
                    .send()
                    .await
                    .expect("answer")
            }
        };
        let r = enrol(base.clone()).await;
        assert_eq!(
            r.status(),
            201,
            "{storage:?}: enrolment over HTTP/2 succeeds"
        );
        let issued: outreach_protocol::console::EnrolmentIssued = r.json().await.expect("body");
        assert_eq!(
            issued.enrolment.server_url, base,
            "the code names the URL the console used"
        );

        let port = announced.addr.port();
        let r = enrol(format!("https://localhost:{port}")).await;
        assert_eq!(
            r.status(),
            201,
            "localhost is one of the certificate's names"
        );
        let issued: outreach_protocol::console::EnrolmentIssued = r.json().await.expect("body");
        assert_eq!(
            issued.enrolment.server_url,
            format!("https://localhost:{port}")
        );

        let r = enrol(format!("https://evil.example:{port}")).await;
        assert_eq!(
            r.status(),
            400,
            "a host the certificate does not name goes into no QR code"
        );
        let body: outreach_protocol::ErrorBody = r.json().await.expect("error");
        assert_eq!(body.code, "host_not_in_certificate");
        stop_binary(child).await;
    }
}

/// Runs curl over HTTP/2 with `args` and returns the status it printed, or `None` when
/// curl failed (e.g. "HTTP/2 stream was not closed cleanly").
fn curl_status(args: &[&str]) -> Option<u16> {
    let out = std::process::Command::new("curl")
        .args(["-sk", "--http2", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).parse().ok())
        .flatten()
}

#[tokio::test]
async fn issue_24_every_early_refusal_arrives_as_its_status_over_http2_100_times() {
    let curl = std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("HTTP2"));
    if !curl {
        eprintln!("note: curl with HTTP/2 is not installed: only reqwest is checked");
    }
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        staff_add_cli(&target, "boss2", "supervisor", PASSWORD);
        let mut child = spawn_binary_tls(&target);
        let announced = read_announcement(&mut child).await;
        let http = http2_pinned(announced.pin.as_deref().expect("pin"))
            .build()
            .expect("client");
        let base = announced.url("");
        let cookie = sign_in(&http, &base).await;
        let issued: outreach_protocol::console::EnrolmentIssued = http
            .post(format!("{base}/api/v1/console/enrolments"))
            .header("cookie", &cookie)
            .json(&json!({ "deviceName": "h2" }))
            .send()
            .await
            .expect("enrolment")
            .json()
            .await
            .expect("body");
        let credential: outreach_protocol::sync::DeviceCredential = http
            .post(format!("{base}/api/v1/enrol"))
            .json(&json!({ "code": issued.enrolment.code }))
            .send()
            .await
            .expect("enrol")
            .json()
            .await
            .expect("credential");
        let auth = format!("Bearer {}", credential.credential);
        let p = photo(100_000, 3);
        let meta =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sha256_hex(&p));
        let created = http
            .post(format!("{base}/api/v1/uploads"))
            .header("authorization", &auth)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", p.len().to_string())
            .header("upload-metadata", format!("sha256 {meta}"))
            .send()
            .await
            .expect("create");
        assert_eq!(created.status(), 201);
        let upload = format!(
            "{base}{}",
            created.headers()["location"].to_str().expect("location")
        );
        let wrong_sum = format!(
            "sha256 {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                <sha2::Sha256 as sha2::Digest>::digest(b"other")
            )
        );
        let too_long = vec![7u8; 300_000];
        let tus = |offset: &str, body: Vec<u8>| {
            http.patch(&upload)
                .header("authorization", &auth)
                .header("tus-resumable", "1.0.0")
                .header("upload-offset", offset.to_owned())
                .header("content-type", "application/offset+octet-stream")
                .body(body)
        };
        let dir = tempfile::tempdir().expect("dir");
        let big = dir.path().join("big");
        std::fs::write(&big, &too_long).expect("write");
        let part = dir.path().join("part");
        std::fs::write(&part, &p[..50_000]).expect("write");
        let big_arg = format!("@{}", big.display());
        let part_arg = format!("@{}", part.display());
        let auth_h = format!("authorization: {auth}");
        let checksum_h = format!("upload-checksum: {wrong_sum}");
        let records = format!("{base}/api/v1/records");

        for round in 0..100 {
            let cases: [(u16, reqwest::RequestBuilder); 4] = [
                (
                    401,
                    http.post(&records)
                        .header("content-type", "application/json")
                        .body("{}"),
                ),
                (413, tus("0", too_long.clone())),
                (409, tus("5", p[..50_000].to_vec())),
                (
                    460,
                    tus("0", p[..50_000].to_vec()).header("upload-checksum", &wrong_sum),
                ),
            ];
            for (status, request) in cases {
                let r = request.send().await.unwrap_or_else(|e| {
                    panic!("{storage:?} round {round}: the {status} must arrive, not {e:?}")
                });
                assert_eq!(r.version(), reqwest::Version::HTTP_2);
                assert_eq!(r.status().as_u16(), status, "{storage:?} round {round}");
            }
            if curl {
                let tus_args = |offset: &'static str| {
                    vec![
                        "-X",
                        "PATCH",
                        "-H",
                        "tus-resumable: 1.0.0",
                        "-H",
                        "content-type: application/offset+octet-stream",
                        "-H",
                        offset,
                    ]
                };
                let cases: [(u16, Vec<&str>); 4] = [
                    (
                        401,
                        vec![
                            "-X",
                            "POST",
                            "-H",
                            "content-type: application/json",
                            "-d",
                            "xx",
                            &records,
                        ],
                    ),
                    (
                        413,
                        [
                            tus_args("upload-offset: 0"),
                            vec!["-H", &auth_h, "--data-binary", &big_arg, &upload],
                        ]
                        .concat(),
                    ),
                    (
                        409,
                        [
                            tus_args("upload-offset: 5"),
                            vec!["-H", &auth_h, "--data-binary", &part_arg, &upload],
                        ]
                        .concat(),
                    ),
                    (
                        460,
                        [
                            tus_args("upload-offset: 0"),
                            vec![
                                "-H",
                                &auth_h,
                                "-H",
                                &checksum_h,
                                "--data-binary",
                                &part_arg,
                                &upload,
                            ],
                        ]
                        .concat(),
                    ),
                ];
                for (status, args) in cases {
                    assert_eq!(
                        curl_status(&args),
                        Some(status),
                        "{storage:?} round {round}: curl --http2 must get the {status}, not a stream error"
                    );
                }
            }
        }
        stop_binary(child).await;
    }
}
