//! A slow sync as staff see it: the app sends its records through the bad-link
//! harness's fault proxy at 2 Mbit/s up with 60 ± 20 ms round trips, and the sync
//! panel shows records, photo bytes and speed while the photos go up, then that
//! everything has reached the office.

use std::time::{Duration, Instant};

use outreach_e2e::{
    OfficeServer, STAFF_ID, STAFF_NAME, STAFF_PASSWORD, Session, SlowLink, run_tool,
};

const RECORDS: i64 = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and the built app: run `make e2e`"]
async fn the_sync_panel_shows_a_slow_sync_as_it_goes_and_when_it_is_done() {
    let office = OfficeServer::start()
        .await
        .expect("the office server starts");
    office
        .add_staff(STAFF_ID, STAFF_NAME, STAFF_PASSWORD)
        .await
        .expect("staff added");
    let link = SlowLink::start(
        &office.url,
        &[
            "--up-rate",
            "2mbit",
            "--down-rate",
            "8mbit",
            "--up-delay-ms",
            "30",
            "--down-delay-ms",
            "30",
            "--jitter-ms",
            "10",
        ],
    )
    .await
    .expect("the slow link starts");
    let code = office
        .enrolment_code("slow-tablet")
        .await
        .expect("an enrolment code");

    // A tablet enrolled over the slow link, with records captured and not yet sent.
    let tablet = tempfile::tempdir().expect("tablet folder");
    let vault = tablet.path().join("vault.db").display().to_string();
    let records = RECORDS.to_string();
    run_tool(
        "outreach",
        &[
            "sim",
            "--enrolment",
            &code,
            "--server",
            &link.url,
            "--db",
            &vault,
            "--staff-id",
            STAFF_ID,
            "--password-stdin",
            "--records",
            &records,
            "--no-sync",
        ],
        Some(STAFF_PASSWORD),
    )
    .await
    .expect("the headless tablet enrols and captures");

    let mut s = Session::start_app("slow-sync", &[("OUTREACH_VAULT", vault.as_str())])
        .await
        .expect("the app starts");
    s.sign_in().await.expect("signed in");
    let started = Instant::now();

    // Half-way through the photos, with a speed measured.
    let deadline = started + Duration::from_secs(90);
    loop {
        let percent = s
            .client()
            .execute(
                "const bar = document.querySelector('#sync-panel [role=progressbar]');
                 const figures = document.querySelector('#sync-progress');
                 return bar && figures && figures.textContent.includes('速度')
                   ? Number(bar.getAttribute('aria-valuenow')) : -1;",
                vec![],
            )
            .await
            .expect("the panel can be read");
        if percent.as_i64().is_some_and(|p| (20..=80).contains(&p)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the panel never showed a sync half-way ({percent})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.wait_for_text("#sync-phase", "写真を送信中")
        .await
        .expect("the panel says photos are going up");
    let during = s
        .wait_for_text("#sync-panel", "速度")
        .await
        .expect("the panel's text");
    println!("the panel during the slow sync: {during:?}");
    assert!(
        during.contains(&format!("まだ届いていない記録が{RECORDS}件")),
        "while photos go up, staff are told that records have not reached the office yet: {during}"
    );
    s.screenshot("sync-panel-slow-sync")
        .await
        .expect("screenshot");

    s.wait_for_text_within(
        "#sync-switch-off",
        "すべての記録が事務所に届いています",
        Duration::from_secs(120),
    )
    .await
    .expect("everything reaches the office over the slow link");
    println!(
        "figure: {RECORDS} records over 2 Mbit/s, sign-in to all sent {} ms",
        started.elapsed().as_millis()
    );
    s.screenshot("sync-panel-slow-sync-done")
        .await
        .expect("screenshot");
    assert_eq!(
        office.held().expect("the office's database"),
        (RECORDS, RECORDS),
        "each record and photo exactly once"
    );
    s.finish().await.expect("clean end");
}
