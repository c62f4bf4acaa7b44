//! Issue 24, defect 4: a client's `X-Request-Id` is kept only when short and of a safe
//! alphabet, so a forged one never reaches a log line; the client address is in every
//! request's span. The real binary, logging text as it does by default.

use crate::support::{Storage, read_listening_line, stop_binary};

#[tokio::test]
async fn issue_24_a_forged_request_id_never_appears_raw_in_a_log_line() {
    let target = Storage::Sqlite.fresh_target().await;
    let log_path = target.data_dir().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .arg("serve")
        .args(target.args())
        .args(["--listen", "127.0.0.1:0", "--plain-http"])
        .env("OUTREACH_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let addr = read_listening_line(&mut child).await;
    let http = crate::client::http();
    let url = format!("http://{addr}/api/v1/records");

    let forged: Vec<Vec<u8>> = vec![
        b"x}: outreach_server::api::records: records batch held device=evil-device records=99"
            .to_vec(),
        b"abc\" request_id=\"forged-quote".to_vec(),
        b"\tINFO records batch held device=tab-forged".to_vec(),
        "a".repeat(500).into_bytes(),
        b"caf\xc3\xa9-forged-obs-text".to_vec(),
    ];
    for value in &forged {
        let r = http
            .post(&url)
            .header(
                "x-request-id",
                reqwest::header::HeaderValue::from_bytes(value).expect("a header value"),
            )
            .json(&serde_json::json!({ "records": [] }))
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), 401, "refused: no credential");
        let echoed = r
            .headers()
            .get("x-request-id")
            .expect("every answer names its request id")
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            uuid::Uuid::parse_str(&echoed).is_ok(),
            "a forged id is replaced by a generated one, got {echoed:?}"
        );
    }
    let kept = "tablet-7.sync_42";
    let r = http
        .post(&url)
        .header("x-request-id", kept)
        .json(&serde_json::json!({ "records": [] }))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some(kept),
        "a short id of the safe alphabet is kept"
    );

    stop_binary(child).await;
    let raw = std::fs::read_to_string(&log_path).expect("log");
    // The text format colours field names (ANSI escapes): read it as a terminal shows it.
    let mut text = String::new();
    let mut in_escape = false;
    for c in raw.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => text.push(c),
        }
    }
    assert!(
        text.contains(&format!("request_id={kept}")),
        "the kept id is in the log"
    );
    assert!(
        text.contains("client=127.0.0.1"),
        "the client address is in the request's span"
    );
    for needle in [
        "device=evil-device",
        "forged-quote",
        "tab-forged",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "forged-obs-text",
    ] {
        assert!(
            !text.contains(needle),
            "a forged request id must never reach the log: found {needle:?}"
        );
    }
    assert!(
        !text.contains("records batch held"),
        "no line says a batch was held: none was"
    );
}
