//! A tablet put away locks like one left alone: minimised mid-record, it shows the lock
//! screen, keeps the typed draft encrypted, gives it back after sign-in, and on coming
//! back looks for the office at once.

use outreach_e2e::Session;

use crate::capture::{make_trip, next, wait_value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn a_minimised_tablet_locks_keeps_the_draft_and_looks_for_the_office_when_shown() {
    // The idle lock stays at its 5 minutes: only putting the window away can lock here.
    let mut s = Session::start("lifecycle-hide")
        .await
        .expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in");
    s.sign_in().await.expect("signed in");
    make_trip(
        &mut s,
        "太田市役所 浜町会館",
        "群馬県太田市浜町3-1",
        "support",
    )
    .await;
    s.click("#record-new").await.expect("new record");
    s.type_into("#app-id-1", "42345678901234567890123")
        .await
        .expect("type");
    s.type_into("#app-id-2", "42345678901234567890123")
        .await
        .expect("type");
    next(&mut s, "氏名・フリガナ").await;
    s.type_into("#name", "浜町　桜").await.expect("name");
    s.screenshot("typing").await.expect("screenshot");

    s.minimise_window().expect("minimise the window");
    let notice = s
        .wait_for_text("#sign-in-notice", "画面が閉じられたため")
        .await
        .expect("minimising locks the tablet");
    s.restore_window().expect("restore the window");
    let notice = if notice.contains("暗号化して保存") {
        notice
    } else {
        s.wait_for_text("#sign-in-notice", "暗号化して保存")
            .await
            .expect("the draft was kept")
    };
    assert!(
        !s.source().await.expect("source").contains("浜町　桜"),
        "nothing typed stays on the lock screen: {notice}"
    );
    s.screenshot("locked-after-hide").await.expect("screenshot");

    let log = s.app_log();
    assert!(
        log.contains("window put away"),
        "the app saw the window go (its own window events, not only the page's)"
    );
    assert!(
        log.contains("window shown again: probing the office"),
        "coming back woke the probe and sync"
    );

    s.sign_in().await.expect("signed in again");
    s.wait_for_text("#record-title", "氏名・フリガナ")
        .await
        .expect("back on the step");
    let name = wait_value(&mut s, "#name", "浜町").await;
    assert_eq!(
        name, "浜町　桜",
        "the draft typed before the lock comes back"
    );
    s.screenshot("restored-after-hide")
        .await
        .expect("screenshot");
    s.finish().await.expect("finish");
}
