//! The tablets' audit chains at the office, on every storage: an intact chain is held
//! whole; a gap, an edited event and an event sent again with other content are held
//! and flagged; supervisors read one person's trail of tablet and office actions, as
//! JSON and as CSV.

use outreach_domain::audit_chain::event_hash;
use outreach_protocol::console::Trail;
use outreach_protocol::sync::{AuditReceipt, ChainCheck, TabletAuditEvent};
use outreach_server::store::Role;
use serde_json::json;

use crate::client::{Console, Tablet};
use crate::support::{Storage, TestServer};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A chain of `n` events by `staff`, as a tablet makes it.
fn chain(n: i64, staff: &str) -> Vec<TabletAuditEvent> {
    let mut prev = Vec::new();
    (1..=n)
        .map(|seq| {
            let at = format!("2026-12-0{}T0{}:00:00.000Z", 1 + seq % 7, seq % 10);
            let action = if seq % 2 == 0 {
                "record_finalized"
            } else {
                "sign_in"
            };
            let subject = format!("0195f3a0-0000-7000-8000-{seq:012}");
            let hash = event_hash(&prev, seq, &at, staff, action, &subject);
            prev.clone_from(&hash);
            TabletAuditEvent {
                seq,
                at,
                staff_id: staff.into(),
                action: action.into(),
                subject,
                hash: hex(&hash),
            }
        })
        .collect()
}

async fn send(tablet: &Tablet, events: &[TabletAuditEvent]) -> AuditReceipt {
    let r = tablet
        .post("/api/v1/audit", &json!({ "events": events }))
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.expect("receipt")
}

#[tokio::test]
async fn a_tablet_chain_is_checked_and_flagged_events_are_kept() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let tablet = Tablet::enrol(&server, &boss, "タブレット1").await;
        let events = chain(10, "demo01");

        let first = send(&tablet, &events[..4]).await;
        assert_eq!(
            (first.held_through, first.flagged.len()),
            (4, 0),
            "{storage:?}: intact"
        );
        // Sent again (the answer was lost): nothing new, nothing flagged.
        let again = send(&tablet, &events[..4]).await;
        assert_eq!(
            (again.held_through, again.flagged.len()),
            (4, 0),
            "{storage:?}"
        );

        // Event 5 deleted, event 7 edited before they were sent.
        let mut edited = events[6].clone();
        edited.subject = "someone-else".into();
        let rest = [events[5].clone(), edited, events[7].clone()];
        let got = send(&tablet, &rest).await;
        assert_eq!(
            got.held_through, 8,
            "{storage:?}: flagged events are held, not dropped"
        );
        let flags: Vec<(i64, ChainCheck)> = got.flagged.iter().map(|f| (f.seq, f.check)).collect();
        assert_eq!(
            flags,
            [(6, ChainCheck::Gap), (7, ChainCheck::Changed)],
            "{storage:?}"
        );

        // An event the office holds, sent again with other content.
        let mut rewritten = events[1].clone();
        rewritten.subject = "rewritten".into();
        let got = send(&tablet, &[rewritten]).await;
        assert_eq!(
            got.flagged
                .iter()
                .map(|f| (f.seq, f.check))
                .collect::<Vec<_>>(),
            [(2, ChainCheck::Changed)]
        );

        // Bad input is refused precisely and stores nothing.
        let mut bad = events[8].clone();
        bad.hash = "xyz".into();
        let r = tablet
            .post("/api/v1/audit", &json!({ "events": [bad] }))
            .await;
        assert_eq!(r.status(), 422, "{storage:?}");
        let mut number = events[8].clone();
        number.subject = "1234 5678 9018".into();
        let r = tablet
            .post("/api/v1/audit", &json!({ "events": [number] }))
            .await;
        assert_eq!(
            r.status(),
            422,
            "{storage:?}: a 個人番号 is refused here too"
        );

        // The trail: the tablet's events with the device, and the office's actions.
        let trail: Trail = boss
            .get("/api/v1/console/trail?staffId=demo01")
            .await
            .json()
            .await
            .expect("trail");
        assert_eq!(trail.entries.len(), 7, "{storage:?}: 1–4 and 6–8 held");
        assert!(
            trail
                .entries
                .iter()
                .all(|e| e.source == "tablet" && e.device_name.as_deref() == Some("タブレット1"))
        );
        assert!(
            trail.entries.windows(2).all(|w| w[0].at >= w[1].at),
            "newest first"
        );
        let chains: Vec<&str> = trail
            .entries
            .iter()
            .filter_map(|e| e.chain.as_deref())
            .collect();
        assert_eq!(chains.iter().filter(|c| **c == "intact").count(), 5);
        let office: Trail = boss
            .get("/api/v1/console/trail?staffId=boss01")
            .await
            .json()
            .await
            .expect("trail");
        assert!(
            office
                .entries
                .iter()
                .any(|e| e.source == "office" && e.action == "enrolment_issued")
        );
        let day: Trail = boss
            .get("/api/v1/console/trail?staffId=demo01&from=2026-12-03&to=2026-12-03")
            .await
            .json()
            .await
            .expect("trail");
        assert!(
            !day.entries.is_empty()
                && day
                    .entries
                    .iter()
                    .all(|e| e.at.starts_with("2026-12-02T") || e.at.starts_with("2026-12-03T")),
            "{storage:?}: one Japan day: {:?}",
            day.entries.iter().map(|e| &e.at).collect::<Vec<_>>()
        );
        let device = &tablet.credential.device_id;
        let by_device: Trail = boss
            .get(&format!("/api/v1/console/trail?deviceId={device}"))
            .await
            .json()
            .await
            .expect("trail");
        assert_eq!(by_device.entries.len(), 7);

        let csv = boss.get("/api/v1/console/trail/file?staffId=demo01").await;
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.expect("csv");
        assert!(
            text.contains("日時") && text.contains("改変あり") && text.contains("欠落あり"),
            "{text}"
        );

        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        assert_eq!(
            clerk.get("/api/v1/console/trail").await.status(),
            403,
            "supervisors only"
        );
        let audit = boss.audit_actions().await;
        assert_eq!(
            audit
                .iter()
                .filter(|(_, a, _)| a == "tablet_audit_flagged")
                .count(),
            3
        );
        server.stop().await;
    }
}
