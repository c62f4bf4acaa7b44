//! A new tablet enrols from the pasted enrolment code against the real office server
//! over HTTPS (pinned), and its records reach the office by themselves once the server
//! answers, with the sync panel saying whether the tablet may be switched off.

use std::time::Instant;

use outreach_e2e::{OfficeServer, STAFF_ID, STAFF_NAME, STAFF_PASSWORD, Session, run_tool};

const RECORDS: i64 = 5;

/// Draws `text` as a QR code into a grey frame and has the app's `decode_qr` command
/// read it, through the web view's IPC as the camera reader sends frames.
async fn decode_in_app(s: &Session, text: &str) -> serde_json::Value {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
    let (modules, colors) = (code.width(), code.to_colors());
    let (scale, margin) = (3, 24);
    let side = modules * scale + 2 * margin;
    let mut luma = vec![230u8; side * side];
    for y in 0..modules * scale {
        for x in 0..modules * scale {
            if colors[(y / scale) * modules + x / scale] == qrcode::Color::Dark {
                luma[(y + margin) * side + x + margin] = 25;
            }
        }
    }
    s.client()
        .execute_async(
            "const [bytes, side, done] = arguments;
             window.__TAURI_INTERNALS__
               .invoke('decode_qr', new Uint8Array(bytes), {
                 headers: { 'x-frame-width': String(side), 'x-frame-height': String(side) },
               })
               .then(done, (e) => done({ failed: e }));",
            vec![serde_json::json!(luma), serde_json::json!(side)],
        )
        .await
        .expect("decode_qr answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn a_new_tablet_enrols_from_the_pasted_code_and_its_records_reach_the_office() {
    let mut office = OfficeServer::start()
        .await
        .expect("the office server starts");
    office
        .add_staff(STAFF_ID, STAFF_NAME, STAFF_PASSWORD)
        .await
        .expect("staff added");
    let code = office
        .enrolment_code("t1")
        .await
        .expect("an enrolment code");
    assert!(
        code.contains(&office.pin),
        "the code carries the server's pin: {code}"
    );

    let tablet = tempfile::tempdir().expect("tablet folder");
    let vault = tablet.path().join("vault.db");
    let vault_arg = vault.display().to_string();
    let mut s = Session::start_app("enrol-sync", &[("OUTREACH_VAULT", vault_arg.as_str())])
        .await
        .expect("the app starts");

    // No vault yet: the enrolment screen, not sign-in.
    s.wait_for("#enrol-screen").await.expect("enrolment screen");
    s.screenshot("enrolment").await.expect("screenshot");

    s.type_into("#enrol-code", "https://example.jp/another-qr-code")
        .await
        .expect("type");
    s.click("#enrol-next").await.expect("next");
    s.wait_for_text("#enrol-code-error", "端末登録用のコードではありません")
        .await
        .expect("another QR code's text is refused at once");
    s.screenshot("not-an-enrolment-code")
        .await
        .expect("screenshot");

    // The camera is a shortcut: without one (as under Xvfb) staff are told to paste.
    s.click("#enrol-camera").await.expect("camera");
    s.wait_for_text("#enrol-camera-error", "貼り付けてください")
        .await
        .expect("no camera here: the paste field stays");
    s.screenshot("enrol-no-camera").await.expect("screenshot");
    // The reader's Rust half reads the code from a camera frame sent by the web view.
    assert_eq!(
        decode_in_app(&s, &code).await,
        serde_json::json!(code),
        "a frame showing the QR code reads back as the code's text"
    );

    s.clear("#enrol-code").await.expect("clear");
    s.type_into("#enrol-code", &code)
        .await
        .expect("paste the code");
    s.click("#enrol-next").await.expect("next");
    s.wait_for_text("#enrol-summary", &office.url)
        .await
        .expect("the code's server is shown before anything is sent");

    s.type_into("#enrol-staff-id", STAFF_ID).await.expect("id");
    s.type_into("#enrol-password", "not-the-password")
        .await
        .expect("password");
    s.click("#enrol-submit").await.expect("submit");
    s.wait_for_text("#enrol-error", "パスワードが違います")
        .await
        .expect("a wrong password is refused");
    assert!(
        !vault.exists(),
        "no vault is created until the right password is given"
    );
    s.screenshot("enrol-wrong-password")
        .await
        .expect("screenshot");

    // The code was redeemed by the first attempt; the retry needs no new one.
    s.type_into("#enrol-password", STAFF_PASSWORD)
        .await
        .expect("password");
    let started = Instant::now();
    s.click("#enrol-submit").await.expect("submit");
    s.wait_for_text("#home-screen", STAFF_NAME)
        .await
        .expect("enrolled and signed in");
    println!(
        "figure: enrolment (redeem, create the vault, Argon2id sign-in) {} ms",
        started.elapsed().as_millis()
    );
    assert!(
        vault.exists(),
        "the vault was created from the office roster"
    );
    s.wait_for_text("#sync-switch-off", "送信する記録はありません")
        .await
        .expect("an empty outbox may be switched off");
    s.wait_for_text("#server-status", "接続あり")
        .await
        .expect("the status bar reaches the enrolled server through its pin");
    s.wait_for_text("#sync-last-success", "令和")
        .await
        .expect("the first run succeeded");
    s.screenshot("sync-panel-enrolled")
        .await
        .expect("screenshot");

    // Records captured while the app is signed out and the office cannot be reached.
    s.click("#sign-out").await.expect("sign out");
    s.wait_for("#signin-screen").await.expect("signed out");
    office.stop();
    let seeded = run_tool(
        "outreach",
        &[
            "vault",
            "seed",
            "--db",
            &vault_arg,
            "--staff-id",
            STAFF_ID,
            "--password-stdin",
            "--records",
            &RECORDS.to_string(),
        ],
        Some(STAFF_PASSWORD),
    )
    .await
    .expect("records seeded into the vault");
    assert_eq!(
        seeded.lines().filter(|l| l.starts_with("saved ")).count(),
        5
    );

    s.sign_in().await.expect("signed in again");
    s.wait_for_text("#sync-switch-off", "まだ届いていない記録が5件")
        .await
        .expect("the panel says what has not reached the office");
    let text = s
        .wait_for_text("#sync-phase", "接続できません")
        .await
        .expect("and why it waits");
    assert!(text.contains("秒後"), "and when it tries again: {text}");
    s.screenshot("sync-panel-offline")
        .await
        .expect("screenshot");

    // The office comes back: sync starts by itself.
    office.restart().await.expect("the server restarts");
    let back = Instant::now();
    s.wait_for_text("#sync-switch-off", "すべての記録が事務所に届いています")
        .await
        .expect("everything reaches the office without a touch");
    println!(
        "figure: server back to all sent {} ms",
        back.elapsed().as_millis()
    );
    s.wait_for_text("#sync-outbox", "送信済み")
        .await
        .expect("outbox");
    let sent = s
        .client()
        .execute(
            "return document.querySelector('#sync-outbox [data-state=sent]').dataset.count",
            vec![],
        )
        .await
        .expect("sent count");
    assert_eq!(sent, serde_json::json!("5"), "the panel counts five sent");
    s.screenshot("sync-panel-all-sent")
        .await
        .expect("screenshot");
    s.resize(800, 1280).await.expect("portrait");
    s.screenshot("sync-panel-portrait")
        .await
        .expect("screenshot");

    let (records, photos) = office.held().expect("the office's database");
    assert_eq!(
        (records, photos),
        (RECORDS, RECORDS),
        "the office holds each record and its photo exactly once"
    );

    // 今すぐ送信 with nothing left changes nothing.
    s.click("#sync-now").await.expect("send now");
    s.wait_for_text("#sync-switch-off", "すべての記録が事務所に届いています")
        .await
        .expect("still all sent");
    assert_eq!(
        office.held().expect("db"),
        (RECORDS, RECORDS),
        "no duplicates"
    );

    let log = s.app_log();
    let secret = code
        .split("\"code\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the one-time code");
    assert!(
        !log.contains(secret) && !log.contains(STAFF_PASSWORD),
        "the app never logs the enrolment code or the password"
    );
    let opened = outreach_vault::Vault::sign_in(
        &vault,
        STAFF_ID,
        STAFF_PASSWORD,
        chrono::Utc::now(),
        outreach_vault::Policy::default(),
    )
    .expect("the vault opens beside the app");
    let enrolment = outreach_vault::outbox::enrolment(opened.conn())
        .expect("read")
        .expect("the vault holds its enrolment");
    assert_eq!(enrolment.spki_pin.as_deref(), Some(office.pin.as_str()));
    assert!(
        !log.contains(&enrolment.credential),
        "the app never logs the device credential"
    );
    drop(opened);
    s.finish().await.expect("clean end");
}
