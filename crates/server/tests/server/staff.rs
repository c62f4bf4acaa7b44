//! Office staff accounts on both storages, and the key material they carry to tablets.

use std::io::Write;

use crate::support::Storage;
use outreach_keys::{KdfParams, verify_login_password};
use outreach_server::staff::{StaffError, new_account};
use outreach_server::store::{Role, StoreError};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn accounts_are_stored_once_and_listed_for_the_roster() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        let a = new_account(
            "s001",
            "太田 花子",
            Role::Supervisor,
            "hanako-pass-1",
            KdfParams::FOR_TESTS,
            now(),
        )
        .expect("account");
        store.insert_staff(&a).await.expect("insert");
        let again = new_account(
            "s001",
            "別人",
            Role::Staff,
            "someone else's phrase",
            KdfParams::FOR_TESTS,
            now(),
        )
        .expect("account");
        assert!(
            matches!(
                store.insert_staff(&again).await,
                Err(StoreError::Conflict(_))
            ),
            "{storage:?}: a taken login ID is a conflict, not an overwrite"
        );
        let stored = store.staff("s001").await.expect("read").expect("exists");
        assert_eq!(
            stored, a,
            "{storage:?}: what is stored reads back unchanged"
        );
        assert!(
            verify_login_password("hanako-pass-1", &stored.password_hash),
            "the console login works"
        );
        let roster = store.active_staff().await.expect("roster");
        assert_eq!(
            roster
                .iter()
                .map(|s| s.staff_id.as_str())
                .collect::<Vec<_>>(),
            ["s001"]
        );
        assert_eq!(store.staff("nobody").await.expect("read"), None);
    }
}

#[test]
fn the_key_material_opens_a_tablet_vault_with_the_same_password() {
    let a = new_account(
        "s002",
        "桐生 一郎",
        Role::Staff,
        "ichiro-pass-1",
        KdfParams::FOR_TESTS,
        now(),
    )
    .expect("account");
    // What a tablet receives: ID, name, public key and wrap; never the login hash.
    let entry: outreach_vault::RosterEntry = serde_json::from_value(serde_json::json!({
        "staff_id": a.staff_id,
        "name": a.name,
        "public_key": a.public_key,
        "wrap": serde_json::from_str::<serde_json::Value>(&a.key_wrap).expect("wrap JSON"),
    }))
    .expect("the server's key material is a tablet roster entry");
    assert!(
        !a.key_wrap.contains(&a.password_hash),
        "the wrap never carries the login hash"
    );

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("vault.db");
    let office = outreach_keys::SecretKey::generate().expect("office key");
    outreach_vault::Vault::create(&path, &office.public_key(), &[entry], now())
        .expect("create vault");
    let v = outreach_vault::Vault::sign_in(
        &path,
        "s002",
        "ichiro-pass-1",
        now(),
        outreach_vault::Policy::default(),
    )
    .expect("the office password opens the tablet");
    assert_eq!(v.staff_name().expect("name"), "桐生 一郎");
}

#[test]
fn bad_ids_names_and_short_passwords_are_refused() {
    let make = |id: &str, name: &str, pw: &str| {
        new_account(id, name, Role::Staff, pw, KdfParams::FOR_TESTS, now())
    };
    assert!(matches!(
        make("s 1", "x", "long-enough"),
        Err(StaffError::BadId)
    ));
    assert!(
        matches!(make("../etc", "x", "long-enough"), Err(StaffError::BadId)),
        "no path tricks in IDs"
    );
    assert!(matches!(
        make("", "x", "long-enough"),
        Err(StaffError::BadId)
    ));
    assert!(matches!(
        make("s1", "  ", "long-enough"),
        Err(StaffError::NoName)
    ));
    assert!(matches!(
        make("s1", "x", "short"),
        Err(StaffError::WeakPassword(
            outreach_keys::WeakPassword::TooShort(10)
        ))
    ));
}

#[tokio::test]
async fn the_admin_cli_adds_staff_and_refuses_a_duplicate() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let add = || {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
                .args(["staff", "add"])
                .args(target.args())
                .args([
                    "--id",
                    "clerk1",
                    "--name",
                    "新田 三郎",
                    "--role",
                    "staff",
                    "--password-stdin",
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("outreach-server runs");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"clerk-pass-2026\n")
                .expect("password");
            child.wait_with_output().expect("wait")
        };
        let first = add();
        assert!(
            first.status.success(),
            "{storage:?}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        let second = add();
        assert!(
            !second.status.success(),
            "{storage:?}: adding the same ID twice must fail"
        );
        let store = target.open().await;
        let stored = store.staff("clerk1").await.expect("read").expect("exists");
        assert!(verify_login_password(
            "clerk-pass-2026",
            &stored.password_hash
        ));
        assert!(
            !String::from_utf8_lossy(&second.stderr).contains("clerk-pass-2026"),
            "the password never appears in output"
        );
    }
}

/// Issue 24, defect 9: only supervisors see the tablets.
#[tokio::test]
async fn issue_24_staff_who_are_not_supervisors_cannot_list_tablets() {
    for storage in Storage::all() {
        let server = crate::support::TestServer::start(storage).await;
        let boss = crate::client::Console::sign_in(&server, "boss", Role::Supervisor).await;
        let clerk = crate::client::Console::sign_in(&server, "clerk", Role::Staff).await;
        assert_eq!(boss.get("/api/v1/console/devices").await.status(), 200);
        let r = clerk.get("/api/v1/console/devices").await;
        assert_eq!(
            r.status(),
            403,
            "{storage:?}: a staff member is refused the tablet list"
        );
        server.stop().await;
    }
}

/// The server reads one injected clock: a console session ends after its lifetime by
/// moving a manual clock, with no sleeping.
#[tokio::test]
async fn a_console_session_ends_after_its_lifetime_on_the_injected_clock() {
    use crate::support::{Clock, TestServer};
    use outreach_server::api::console::SESSION_HOURS;
    for storage in Storage::all() {
        let clock = Clock::manual(chrono::Utc::now());
        // Idle longer than the lifetime: only the lifetime ends it here.
        let server = TestServer::start_with(storage, |s| {
            s.clock = clock.clone();
            s.console_idle = chrono::Duration::hours(SESSION_HOURS + 1);
        })
        .await;
        let boss = crate::client::Console::sign_in(&server, "boss", Role::Supervisor).await;
        assert_eq!(boss.get("/api/v1/console/devices").await.status(), 200);
        clock.advance(chrono::Duration::hours(SESSION_HOURS) - chrono::Duration::minutes(1));
        assert_eq!(boss.get("/api/v1/console/devices").await.status(), 200);
        clock.advance(chrono::Duration::minutes(2));
        let r = boss.get("/api/v1/console/devices").await;
        assert_eq!(
            r.status(),
            401,
            "{storage:?}: the session outlived its lifetime"
        );
        server.stop().await;
    }
}

/// A console session ends after 30 minutes without use (issue 24), however young; each
/// use moves the deadline, and the use is written at most once a minute.
#[tokio::test]
async fn issue_24_a_console_session_ends_after_thirty_idle_minutes() {
    use crate::support::{Clock, TestServer};
    for storage in Storage::all() {
        let clock = Clock::manual(chrono::Utc::now());
        let server = TestServer::start_with_clock(storage, clock.clone()).await;
        let boss = crate::client::Console::sign_in(&server, "boss", Role::Supervisor).await;
        let devices = || boss.get("/api/v1/console/devices");
        for _ in 0..4 {
            clock.advance(chrono::Duration::minutes(29));
            assert_eq!(
                devices().await.status(),
                200,
                "{storage:?}: used within 30 minutes"
            );
        }
        let before = server.store.audit_log(1).await.expect("audit");
        clock.advance(chrono::Duration::seconds(20));
        assert_eq!(devices().await.status(), 200);
        assert_eq!(devices().await.status(), 200);
        assert_eq!(
            server.store.audit_log(1).await.expect("audit"),
            before,
            "{storage:?}: reads, no audit"
        );
        clock.advance(chrono::Duration::minutes(30) + chrono::Duration::seconds(1));
        assert_eq!(
            devices().await.status(),
            401,
            "{storage:?}: 30 idle minutes after its last use, well within its lifetime"
        );
        server.stop().await;
    }
}
