//! The server's log never holds personal data: the real binary, over HTTPS, with
//! distinctive names in records, refused requests and failed sign-ins.

use serde_json::json;

use crate::client::{new_record_id, photo, record, sha256_hex};
use crate::support::{Storage, read_announcement, stop_binary};

fn pinned_http(pin: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_backend_preconfigured(outreach_sync::pin::pinned_client_config(pin).expect("pin"))
        .build()
        .expect("client")
}

#[tokio::test]
async fn no_personal_data_or_secret_reaches_the_log() {
    let target = Storage::Sqlite.fresh_target().await;
    let data = target.data_dir().to_path_buf();
    let log_path = data.join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .arg("serve")
        .args(target.args())
        .args(["--listen", "127.0.0.1:0", "--log-json"])
        .env("OUTREACH_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let announced = read_announcement(&mut child).await;
    let pin = announced.pin.clone().expect("HTTPS by default");
    let http = pinned_http(&pin);
    let url = |p: &str| announced.url(p);

    // A supervisor and an enrolment code, through the admin CLI.
    let password = "secret-password-鷺";
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args([
            "staff",
            "add",
            "--id",
            "boss01",
            "--name",
            "鷺ノ宮 上司",
            "--role",
            "supervisor",
            "--password-stdin",
        ])
        .args(target.args())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("staff add");
    {
        use std::io::Write;
        let mut stdin = add.stdin.take().expect("stdin");
        writeln!(stdin, "{password}").expect("password");
    }
    assert!(add.wait().expect("wait").success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args([
            "device",
            "enrol",
            "--name",
            "タブレット",
            "--json",
            "--server-url",
            &url(""),
        ])
        .args(target.args())
        .output()
        .expect("device enrol");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code: outreach_protocol::sync::EnrolmentCode =
        serde_json::from_slice(&out.stdout).expect("enrolment JSON");
    assert_eq!(
        code.spki_pin.as_deref(),
        Some(pin.as_str()),
        "the code carries the pin the server announced"
    );

    let credential: outreach_protocol::sync::DeviceCredential = http
        .post(url("/api/v1/enrol"))
        .json(&json!({ "code": code.code }))
        .send()
        .await
        .expect("enrol")
        .json()
        .await
        .expect("credential");
    let auth = format!("Bearer {}", credential.credential);

    // Work with personal data: records, a photo, a refused record, failed sign-ins.
    let p = photo(50_000, 11);
    let mut r = record(&new_record_id(), 1, &[&p]);
    r.created_by = "boss01".into(); // the office takes records only from its own staff
    let ok = http
        .post(url("/api/v1/records"))
        .header("authorization", &auth)
        .json(&json!({ "records": [r] }))
        .send()
        .await
        .expect("records");
    assert_eq!(ok.status(), 200);
    let meta = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sha256_hex(&p));
    let created = http
        .post(url("/api/v1/uploads"))
        .header("authorization", &auth)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", p.len().to_string())
        .header("upload-metadata", format!("sha256 {meta}"))
        .send()
        .await
        .expect("create");
    let location = created
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    let patched = http
        .patch(url(&location))
        .header("authorization", &auth)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(p.clone())
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), 204);
    let mut bad = record(&new_record_id(), 1, &[]);
    bad.format = 42;
    let refused = http
        .post(url("/api/v1/records?name=鷺ノ宮"))
        .header("authorization", &auth)
        .json(&json!({ "records": [bad] }))
        .send()
        .await
        .expect("bad");
    assert_eq!(refused.status(), 422);
    let login = http
        .post(url("/api/v1/console/session"))
        .json(&json!({ "staffId": "boss01", "password": "wrong 鷺ノ宮 蘭丸" }))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 401);
    let login = http
        .post(url("/api/v1/console/session"))
        .json(&json!({ "staffId": "boss01", "password": password }))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let session = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();

    // The office console's work over the same record: review, the record in full, a
    // card batch, its mailing list, returned mail, a phone note, a refused CSV, reports.
    let console = |method: reqwest::Method, path: &str| {
        http.request(method, url(path)).header("cookie", &session)
    };
    let review = console(reqwest::Method::GET, "/api/v1/console/review")
        .send()
        .await
        .expect("review");
    assert_eq!(review.status(), 200);
    let detail = console(
        reqwest::Method::GET,
        &format!("/api/v1/console/records/{}", r.id),
    )
    .send()
    .await
    .expect("record");
    assert_eq!(detail.status(), 200);
    let batch: outreach_protocol::console::CardBatch = console(reqwest::Method::POST, "/api/v1/console/card-batches")
        .json(&json!({"label": "第1便", "deliveredOn": "2026-11-26", "applicationIds": ["12345678901234567890123"]}))
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("batch body");
    assert_eq!(batch.matched, 1);
    let mailing = console(
        reqwest::Method::GET,
        &format!(
            "/api/v1/console/card-batches/{}/mailing/file",
            batch.batch_id
        ),
    )
    .send()
    .await
    .expect("mailing");
    assert_eq!(mailing.status(), 200);
    let returned = console(reqwest::Method::POST, "/api/v1/console/returned")
        .json(&json!({"applicationId": "12345678901234567890123", "reason": "moved", "returnedOn": "2026-11-26", "note": "鷺ノ宮さん転居"}))
        .send()
        .await
        .expect("returned");
    assert_eq!(returned.status(), 201);
    let phone = console(reqwest::Method::POST, "/api/v1/console/phone-enquiries")
        .json(&json!({"onDate": "2026-11-26", "topic": "日程", "answer": "鷺ノ宮 蘭丸さんに案内"}))
        .send()
        .await
        .expect("phone");
    assert_eq!(phone.status(), 201);
    let csv = console(
        reqwest::Method::POST,
        "/api/v1/console/card-batches/import?label=x&deliveredOn=2026-11-26",
    )
    .header("content-type", "text/csv")
    .body("申請書ID,氏名\n1234,鷺ノ宮 蘭丸\n")
    .send()
    .await
    .expect("csv");
    assert_eq!(csv.status(), 422);
    for format in ["pdf", "xlsx", "csv"] {
        let file = console(
            reqwest::Method::GET,
            &format!("/api/v1/console/reports/file?kind=daily&date=2026-11-26&format={format}"),
        )
        .send()
        .await
        .expect("report");
        assert_eq!(file.status(), 200);
    }

    stop_binary(child).await;
    let text = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        text.contains("records batch held"),
        "the log was captured (and says what happened)"
    );
    for secret in [
        "鷺ノ宮",
        "蘭丸",
        "サギノミヤ",
        "中野区",
        "12345678901234567890123",
        password,
        &credential.credential,
        &code.code,
        session.split_once('=').expect("name=value").1,
    ] {
        assert!(
            !text.contains(secret),
            "the server log must not contain {secret:?}"
        );
    }
}
