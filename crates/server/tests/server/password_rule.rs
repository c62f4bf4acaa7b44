//! Issue 24: new and changed passwords meet one rule (crates/keys `check_new_password`):
//! length, not the staff ID, not a common or trivial password. At the console, in the
//! password change, and in the admin CLI.

use outreach_protocol::ErrorBody;
use outreach_server::store::Role;
use serde_json::json;

use crate::client::Console;
use crate::support::{Storage, TestServer};

#[tokio::test]
async fn issue_24_weak_passwords_are_refused_with_a_precise_code_everywhere() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let console = Console::sign_in(&server, "boss", Role::Supervisor).await;
        for (password, code) in [
            ("11111111", "password_too_short"),
            ("password123", "password_guessable"),
            ("qwertyuiop", "password_guessable"),
            ("aaaaaaaaaaaa", "password_guessable"),
            ("clerk77clerk77", "password_holds_staff_id"),
        ] {
            let r = console
                .post(
                    "/api/v1/console/staff",
                    json!({ "staffId": "clerk77", "name": "新田 三郎", "role": "staff", "password": password }),
                )
                .await;
            assert_eq!(r.status(), 422, "{storage:?}: {password:?} is refused");
            let e: ErrorBody = r.json().await.expect("error");
            assert_eq!(e.code, code, "{storage:?}: {password:?}");
            assert!(
                !e.message.contains(password),
                "the message never repeats the password"
            );
        }
        assert!(
            server.store.staff("clerk77").await.expect("read").is_none(),
            "{storage:?}: no account was made"
        );
        let r = console
            .post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": "correct horse battery", "newPassword": "1qaz2wsx3edc" }),
            )
            .await;
        assert_eq!(r.status(), 422, "a password change meets the rule too");
        let e: ErrorBody = r.json().await.expect("error");
        assert_eq!(e.code, "password_guessable");
        server.stop().await;
    }
}

#[tokio::test]
async fn issue_24_the_admin_cli_refuses_a_common_password() {
    use std::io::Write;
    let target = Storage::Sqlite.fresh_target().await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args([
            "staff",
            "add",
            "--id",
            "sup9",
            "--name",
            "上田 一子",
            "--role",
            "supervisor",
            "--password-stdin",
        ])
        .args(target.args())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    writeln!(child.stdin.take().expect("stdin"), "password2026").expect("password");
    let out = child.wait_with_output().expect("wait");
    assert!(
        !out.status.success(),
        "a common password is refused at the CLI too"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("too easy to guess"), "{stderr}");
}
