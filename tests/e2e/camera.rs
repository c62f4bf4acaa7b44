//! The photo step's camera path with WebKit's fake camera (`OUTREACH_TEST_MOCK_CAMERA=1`,
//! src-tauri/src/webkit.rs): the still is taken at the largest size the camera offers,
//! and the check report says so.

use outreach_e2e::Session;

use crate::capture::{make_trip, next, wait_value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn the_camera_takes_a_full_resolution_still_and_the_report_shows_its_size() {
    let mut s = Session::start_with(
        "camera",
        &[
            ("OUTREACH_SERVER_URL", "http://127.0.0.1:9"),
            ("OUTREACH_TEST_MOCK_CAMERA", "1"),
        ],
    )
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
    s.type_into("#app-id-1", "52345678901234567890123")
        .await
        .expect("type");
    s.type_into("#app-id-2", "52345678901234567890123")
        .await
        .expect("type");
    next(&mut s, "氏名・フリガナ").await;
    s.type_into("#name", "新井　一郎").await.expect("name");
    s.type_into("#kana", "あらい いちろう").await.expect("kana");
    next(&mut s, "生年月日・性別").await;
    s.click("#era-平成").await.expect("era");
    s.type_into("#birth-year", "2").await.expect("year");
    s.type_into("#birth-month", "3").await.expect("month");
    s.type_into("#birth-day", "4").await.expect("day");
    s.click("#sex-male").await.expect("sex");
    s.wait_for_text("#birth-display", "平成2年3月4日")
        .await
        .expect("birth");
    next(&mut s, "住所・電話番号").await;
    s.type_into("#postal", "3730847").await.expect("postal");
    s.click("#postal-search").await.expect("search");
    wait_value(&mut s, "#address", "群馬県太田市西新町").await;
    s.type_into("#address", "100").await.expect("house number");
    next(&mut s, "電子証明書など").await;
    next(&mut s, "顔写真").await;

    s.click("#photo-camera").await.expect("camera");
    s.wait_for("#photo-shoot")
        .await
        .expect("the camera started");
    // What the fake camera's track runs at, and the most it offers, as the page sees it.
    let mut track = serde_json::Value::Null;
    for _ in 0..100 {
        track = s
            .client()
            .execute(
                "const v = document.querySelector('.camera-frame video');
                 const t = v && v.srcObject && v.srcObject.getVideoTracks()[0];
                 if (!t || v.videoWidth === 0) return null;
                 const c = t.getCapabilities ? t.getCapabilities() : {};
                 const st = t.getSettings();
                 return { width: st.width, height: st.height, label: t.label,
                          maxWidth: c.width ? c.width.max : null, maxHeight: c.height ? c.height.max : null,
                          imageCapture: typeof ImageCapture === 'function' };",
                vec![],
            )
            .await
            .expect("read the track");
        if !track.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!("figure: fake camera track {track}");
    assert!(!track.is_null(), "the fake camera delivers frames");
    s.screenshot("camera-live").await.expect("screenshot");

    s.click("#photo-shoot").await.expect("shoot");
    let shown = s
        .wait_for_text("#photo-resolution", "撮影解像度")
        .await
        .expect("the report says the resolution");
    let el = s.wait_for("#photo-resolution").await.expect("resolution");
    let width: u64 = el
        .attr("data-width")
        .await
        .expect("attr")
        .and_then(|w| w.parse().ok())
        .expect("width");
    let height: u64 = el
        .attr("data-height")
        .await
        .expect("attr")
        .and_then(|h| h.parse().ok())
        .expect("height");
    println!("figure: still {width}×{height} ({shown})");
    assert_eq!(
        shown.trim(),
        format!("撮影解像度 {width}×{height}"),
        "said in Japanese with the size"
    );
    // The size is what the Rust side decoded from the bytes it keeps for the record.
    assert_eq!(
        (Some(width), Some(height)),
        (track["width"].as_u64(), track["height"].as_u64()),
        "the still is taken at the track's real size"
    );
    if let (Some(w), Some(h)) = (track["maxWidth"].as_u64(), track["maxHeight"].as_u64()) {
        assert_eq!(
            (width, height),
            (w, h),
            "the camera was opened at the largest size it offers"
        );
    }
    assert!(
        width > 640,
        "larger than the video size a default stream gets"
    );
    s.wait_for("#photo-verdict").await.expect("checked");
    s.screenshot("camera-still-report")
        .await
        .expect("screenshot");
    s.click("#photo-use").await.expect("use photo");
    next(&mut s, "備考").await;
    s.finish().await.expect("finish");
}
