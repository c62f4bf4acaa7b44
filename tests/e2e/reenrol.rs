//! A tablet over a contract year in the real app: the status area warns a supervisor
//! when the device credential nears expiry, and a tablet whose server was re-keyed (so
//! it refuses to talk to it) is enrolled again from the sync panel with a new code,
//! keeping its vault; its unsent records then reach the office exactly once.

use outreach_e2e::{OfficeServer, STAFF_ID, STAFF_NAME, STAFF_PASSWORD, Session, run_tool};

const RECORDS: i64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn a_re_keyed_office_is_rejoined_from_the_sync_panel_and_nothing_is_lost() {
    // Ten-day credentials: the expiry warning (14 days) shows from the start.
    let mut office = OfficeServer::start_with(&["--credential-days", "10"])
        .await
        .expect("the office server starts");
    office
        .add_staff(STAFF_ID, STAFF_NAME, STAFF_PASSWORD)
        .await
        .expect("staff added");
    let tablet = tempfile::tempdir().expect("tablet folder");
    let vault = tablet.path().join("vault.db");
    let vault_arg = vault.display().to_string();

    // Enrolled headless (as scripts do), then opened in the app.
    let code = office.enrolment_code("t1").await.expect("code");
    let enrolled = run_tool(
        "outreach",
        &[
            "enrol",
            "--db",
            &vault_arg,
            "--code",
            &code,
            "--staff-id",
            STAFF_ID,
            "--password-stdin",
        ],
        Some(STAFF_PASSWORD),
    )
    .await
    .expect("outreach enrol makes the vault");
    let enrolled: serde_json::Value = serde_json::from_str(enrolled.trim()).expect("JSON");
    assert_eq!(enrolled["enrolledAgain"], false);

    let mut s = Session::start_app("reenrol", &[("OUTREACH_VAULT", vault_arg.as_str())])
        .await
        .expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in screen");
    s.sign_in().await.expect("signed in");
    s.wait_for_text("#sync-credential-warning", "あと9日")
        .await
        .expect("a supervisor is warned 9 days before the credential expires");
    s.wait_for("#reenrol-open")
        .await
        .expect("and offered 再登録");
    s.screenshot("credential-expiry-warning")
        .await
        .expect("screenshot");

    // Records captured offline; meanwhile the office's TLS key is replaced.
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
        3
    );
    office
        .rekey()
        .await
        .expect("the server comes back with a new key");

    s.sign_in().await.expect("signed in again");
    s.wait_for_text("#sync-phase", "一致しない")
        .await
        .expect("the pinned tablet refuses the re-keyed server and says so");
    s.wait_for_text("#sync-switch-off", "まだ届いていない記録が3件")
        .await
        .expect("nothing is lost meanwhile");

    // A supervisor's new code, pasted into the sync panel.
    let new_code = office.enrolment_code("t1").await.expect("a new code");
    s.click("#reenrol-open").await.expect("open 再登録");
    s.wait_for("#reenrol-panel").await.expect("the panel");
    s.type_into("#reenrol-code", &new_code)
        .await
        .expect("paste");
    s.screenshot("reenrol-panel").await.expect("screenshot");
    s.click("#reenrol-submit").await.expect("再登録する");
    s.wait_for_text("#reenrol-done", "未送信の記録3件")
        .await
        .expect("enrolled again, with what will be sent");
    s.wait_for_text("#sync-switch-off", "すべての記録が事務所に届いています")
        .await
        .expect("the unsent records reach the re-keyed office by themselves");
    s.wait_for_text("#server-status", "接続あり")
        .await
        .expect("the status bar reaches the re-keyed office through the new pin");
    s.screenshot("reenrol-done").await.expect("screenshot");
    assert_eq!(
        office.held().expect("the office's database"),
        (RECORDS, RECORDS),
        "each record and photo held exactly once"
    );
    let log = s.app_log();
    let secret = new_code
        .split("\"code\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the one-time code");
    assert!(
        !log.contains(secret),
        "the app never logs the enrolment code"
    );
    s.finish().await.expect("clean end");
}
