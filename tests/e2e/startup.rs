//! The app starts, connects to the office server and shows the sign-in screen.

use outreach_e2e::Session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn app_starts_on_the_japanese_sign_in_screen_connected_to_the_server() {
    let mut s = Session::start("startup")
        .await
        .expect("the app starts under WebDriver");

    let screen = s
        .wait_for("#signin-screen")
        .await
        .expect("the sign-in screen appears");
    let text = screen.text().await.expect("screen text");
    assert!(
        text.contains("職員サインイン"),
        "the first screen must be the Japanese sign-in screen, got: {text}"
    );
    for id in ["#staff-id", "#password", "#sign-in"] {
        s.wait_for(id)
            .await
            .unwrap_or_else(|e| panic!("{id} must be on the sign-in screen: {e}"));
    }

    let status = s
        .wait_for_text("#server-status", "接続あり")
        .await
        .expect("the status bar reports the server");
    assert!(
        status.contains(outreach_server::VERSION),
        "the status bar must show the version of the server it reached, got: {status}"
    );
    s.screenshot("sign-in").await.expect("screenshot");
    s.report_startup().await;

    // The same screen on a tablet held upright.
    s.resize(800, 1280).await.expect("portrait window");
    let width: serde_json::Value = s
        .client()
        .execute("return window.innerWidth", vec![])
        .await
        .expect("read width");
    assert_eq!(
        width,
        serde_json::json!(800),
        "the web view must follow the window to portrait"
    );
    s.screenshot("sign-in-portrait").await.expect("screenshot");
    s.finish().await.expect("the session ends cleanly");
}
