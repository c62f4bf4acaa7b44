//! The TOTP second factor for supervisors (issue 24), end to end over HTTP, and the
//! command line's reset for a supervisor who lost their authenticator.

use outreach_protocol::ErrorBody;
use outreach_protocol::console::{ConsoleUser, TotpSetup};
use outreach_server::store::Role;
use serde_json::json;

use crate::client::{Console, http};
use crate::support::{Storage, TestServer};

fn code_at(secret: &str, offset_secs: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into())
        .expect("totp");
    let at = chrono::Utc::now().timestamp() + offset_secs;
    t.generate(u64::try_from(at).expect("after 1970"))
}

async fn sign_in(server: &TestServer, code: Option<&str>) -> (u16, String) {
    let mut body = json!({ "staffId": "boss01", "password": "correct horse battery" });
    if let Some(c) = code {
        body["totpCode"] = json!(c);
    }
    let r = http()
        .post(server.url("/api/v1/console/session"))
        .json(&body)
        .send()
        .await
        .expect("answers");
    let status = r.status().as_u16();
    let code = if status == 200 {
        String::new()
    } else {
        r.json::<ErrorBody>().await.expect("body").code
    };
    (status, code)
}

#[tokio::test]
async fn issue_24_a_supervisor_turns_on_totp_and_sign_in_asks_for_a_one_time_code() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let setup = boss.post("/api/v1/console/session/totp", json!(null)).await;
        assert_eq!(setup.status(), 201, "{storage:?}");
        let setup: TotpSetup = setup.json().await.expect("setup");
        assert!(
            setup
                .uri
                .starts_with("otpauth://totp/Outreach:boss01?secret=")
                && setup.qr_svg.contains("<svg")
        );
        assert_eq!(
            sign_in(&server, None).await,
            (200, String::new()),
            "{storage:?}: not in effect before a code confirms it"
        );

        let confirm = |code: String| {
            boss.post(
                "/api/v1/console/session/totp/confirm",
                json!({ "code": code }),
            )
        };
        assert_eq!(
            confirm(code_at(&setup.secret, 600)).await.status(),
            422,
            "{storage:?}: a code from another time"
        );
        assert_eq!(
            confirm(code_at(&setup.secret, -30)).await.status(),
            204,
            "{storage:?}"
        );
        let me: ConsoleUser = boss
            .get("/api/v1/console/session")
            .await
            .json()
            .await
            .expect("me");
        assert!(me.totp);

        assert_eq!(
            sign_in(&server, None).await,
            (401, "totp_required".into()),
            "{storage:?}: the code is asked for"
        );
        let now = code_at(&setup.secret, 0);
        assert_eq!(
            sign_in(&server, Some(&now)).await,
            (200, String::new()),
            "{storage:?}: password and code"
        );
        assert_eq!(
            sign_in(&server, Some(&now)).await,
            (401, "totp_failed".into()),
            "{storage:?}: a code works once"
        );
        assert_eq!(
            sign_in(&server, Some("12345x")).await,
            (401, "totp_failed".into())
        );
        let next = code_at(&setup.secret, 30);
        assert_eq!(
            sign_in(&server, Some(&next)).await.0,
            200,
            "{storage:?}: the next step's code (drift)"
        );

        let off = boss
            .http
            .delete(format!("{}/api/v1/console/session/totp", boss.base))
            .header("cookie", &boss.cookie)
            .send()
            .await
            .expect("answers");
        assert_eq!(off.status(), 204, "{storage:?}");
        assert_eq!(
            sign_in(&server, None).await,
            (200, String::new()),
            "{storage:?}: off again"
        );
        let actions = boss.audit_actions().await;
        for a in ["totp_enabled", "totp_removed"] {
            assert!(
                actions.iter().any(|(_, x, s)| x == a && s == "boss01"),
                "{storage:?}: {a} audited"
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn issue_24_totp_codes_count_against_the_sign_in_limits() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let boss = Console::sign_in(&server, "boss01", Role::Supervisor).await;
        let setup: TotpSetup = boss
            .post("/api/v1/console/session/totp", json!(null))
            .await
            .json()
            .await
            .expect("setup");
        assert_eq!(
            boss.post(
                "/api/v1/console/session/totp/confirm",
                json!({ "code": code_at(&setup.secret, 0) })
            )
            .await
            .status(),
            204
        );
        for _ in 0..5 {
            assert_eq!(sign_in(&server, Some("000000")).await.0, 401);
        }
        let right = code_at(&setup.secret, 30);
        assert_eq!(
            sign_in(&server, Some(&right)).await.0,
            429,
            "{storage:?}: wrong codes lock the ID like wrong passwords"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn issue_24_the_cli_resets_a_locked_out_supervisors_totp() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        crate::support::staff_add_cli(&target, "boss01", "supervisor", "correct horse battery");
        let store = target.open().await;
        assert!(
            store
                .set_totp_pending("boss01", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
                .await
                .expect("set")
        );
        assert!(
            store
                .use_totp_step("boss01", 7, "2026-12-07T00:00:00.000Z")
                .await
                .expect("confirm")
        );
        let reset = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
            .args(["staff", "reset-totp", "--id", "boss01"])
            .args(target.args())
            .output()
            .expect("runs");
        assert!(
            reset.status.success(),
            "{}",
            String::from_utf8_lossy(&reset.stderr)
        );
        assert_eq!(
            store.totp("boss01").await.expect("read"),
            None,
            "{storage:?}"
        );
        let log = store.audit_log(10).await.expect("audit");
        assert!(log.iter().any(|e| e.action == "totp_removed"
            && e.actor_kind == "system"
            && e.subject == "boss01"));
    }
}
