//! Staff sign in offline against the tablet's vault, and sign out leaving nothing.

use std::time::Instant;

use outreach_e2e::{STAFF_ID, STAFF_NAME, STAFF_PASSWORD, Session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn a_wrong_password_is_refused_the_right_one_signs_in_and_sign_out_clears_the_screen() {
    let mut s = Session::start("signin").await.expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in screen");

    s.type_into("#staff-id", STAFF_ID).await.expect("type id");
    s.type_into("#password", "not-the-password")
        .await
        .expect("type password");
    s.click("#sign-in").await.expect("click");
    let error = s
        .wait_for_text("#sign-in-error", "パスワードが違います")
        .await
        .expect("the refusal is shown");
    assert!(
        error.contains("あと9回"),
        "staff are told how many attempts remain: {error}"
    );
    s.screenshot("wrong-password").await.expect("screenshot");

    s.type_into("#password", STAFF_PASSWORD)
        .await
        .expect("type password");
    let started = Instant::now();
    s.click("#sign-in").await.expect("click");
    let home = s
        .wait_for_text("#home-screen", STAFF_NAME)
        .await
        .expect("signed in");
    println!(
        "figure: sign-in (Argon2id m=64MiB t=3 p=4, debug build) {} ms",
        started.elapsed().as_millis()
    );
    assert!(
        home.contains(&format!("ようこそ、{STAFF_NAME}さん")),
        "the home screen greets the staff member: {home}"
    );
    s.screenshot("signed-in").await.expect("screenshot");

    s.click("#sign-out").await.expect("sign out");
    s.wait_for("#signin-screen")
        .await
        .expect("back on the sign-in screen");
    let html = s.source().await.expect("page source");
    assert!(
        !html.contains(STAFF_NAME),
        "nothing of the last person may remain in the web view after sign-out"
    );
    assert!(
        !html.contains(STAFF_PASSWORD),
        "the password must not remain in the page"
    );
    s.screenshot("signed-out").await.expect("screenshot");
    s.finish().await.expect("clean end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn the_app_locks_itself_when_left_alone_and_says_why() {
    let mut s = Session::start_with("idle-lock", &[("OUTREACH_IDLE_LOCK_SECS", "2")])
        .await
        .expect("the app starts");
    s.wait_for("#signin-screen").await.expect("sign-in screen");
    s.sign_in().await.expect("signed in");
    let notice = s
        .wait_for_text("#sign-in-notice", "ロックしました")
        .await
        .expect("locked after 2 s idle");
    assert!(
        !notice.contains("暗号化して保存"),
        "with nothing typed, staff are not told that input was kept: {notice}"
    );
    let html = s.source().await.expect("source");
    assert!(
        !html.contains(STAFF_NAME),
        "the locked screen shows nothing of the staff member"
    );
    s.screenshot("locked").await.expect("screenshot");
    s.finish().await.expect("clean end");
}
