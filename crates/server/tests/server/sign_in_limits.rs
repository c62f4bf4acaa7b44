//! Password guessing (issue 24, defect 1): a failure is counted in the database before
//! the Argon2 check runs, per staff ID, per client address and overall, on sign-in and
//! on the password change's current-password check; the count survives a restart.
//!
//! Real verifications are measured from what only a verification can produce: a 401
//! `login_failed` (or a 403 `wrong_password`) is answered only after Argon2 ran, and
//! so is the `login_failed` audit event; a throttled request is answered 429 before
//! the account is even read.

use outreach_protocol::ErrorBody;
use outreach_server::store::Role;
use serde_json::json;

use crate::client::{Console, add_staff, http};
use crate::support::{
    Storage, TestServer, read_listening_line, spawn_binary, staff_add_cli, stop_binary,
};

const RIGHT: &str = "correct horse battery";

async fn sign_in(
    client: &reqwest::Client,
    url: &str,
    id: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(url)
        .json(&json!({ "staffId": id, "password": password }))
        .send()
        .await
        .expect("answers")
}

/// Sends `n` requests at once (each made by `make(i)`), and their answers.
async fn at_once(
    n: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> Vec<reqwest::Response> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let request = make(i);
        set.spawn(async move { request.send().await.expect("answers") });
    }
    set.join_all().await
}

fn statuses(rs: &[reqwest::Response]) -> (usize, usize) {
    let n = |s: u16| rs.iter().filter(|r| r.status().as_u16() == s).count();
    (n(401), n(429))
}

async fn failed_in_audit(server: &TestServer) -> usize {
    let log = server.store.audit_log(1000).await.expect("audit");
    log.iter().filter(|e| e.action == "login_failed").count()
}

#[tokio::test]
async fn twenty_parallel_wrong_passwords_for_one_id_get_five_real_checks() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        add_staff(&server, "boss01", Role::Supervisor, RIGHT).await;
        let client = http();
        let url = server.url("/api/v1/console/session");
        let answers = at_once(20, |i| {
            client
                .post(&url)
                .json(&json!({ "staffId": "boss01", "password": format!("wrong guess {i}") }))
        })
        .await;
        let (checked, throttled) = statuses(&answers);
        // A reserved check may find every place for Argon2 work taken on a busy
        // machine (503 `busy`, no verification ran): it still counts as a failure.
        let busy = answers.iter().filter(|r| r.status() == 503).count();
        assert_eq!(
            (checked + busy, throttled),
            (5, 15),
            "{storage:?}: the lockout's allowance of 5 reached Argon2 (or its queue), the rest were refused before"
        );
        assert_eq!(
            failed_in_audit(&server).await,
            checked,
            "{storage:?}: as many verifications audited"
        );
        let limited = answers
            .into_iter()
            .find(|r| r.status() == 429)
            .expect("a 429");
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .expect("text")
            .parse()
            .expect("seconds");
        assert!(
            (1..=900).contains(&wait),
            "{storage:?}: Retry-After within the window, got {wait}"
        );
        let body: ErrorBody = limited.json().await.expect("body");
        assert_eq!(body.code, "too_many_attempts");
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            429,
            "{storage:?}: locked out: even the right password waits for the window"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn spraying_many_ids_from_one_address_is_stopped_there() {
    for storage in Storage::all() {
        let server = TestServer::start_with(storage, |s| s.sign_in_limits.per_address = 8).await;
        add_staff(&server, "boss01", Role::Supervisor, RIGHT).await;
        let client = http();
        let url = server.url("/api/v1/console/session");
        let mut answers = Vec::new();
        for i in 0..20 {
            answers.push(sign_in(&client, &url, &format!("staff{i:02}"), "Password1!").await);
        }
        assert_eq!(
            statuses(&answers),
            (8, 12),
            "{storage:?}: 8 checks from this address, then 429"
        );
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            429,
            "{storage:?}: this address waits, whatever ID it names"
        );
        // Another address (127.0.0.2 reaches the loopback listener too) is not held.
        let elsewhere = {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::builder()
        }
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().expect("ip"))
        .build()
        .expect("client");
        assert_eq!(
            sign_in(&elsewhere, &url, "boss01", RIGHT).await.status(),
            200,
            "{storage:?}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_overall_limit_holds_many_addresses() {
    for storage in Storage::all() {
        let server = TestServer::start_with(storage, |s| s.sign_in_limits.overall = 6).await;
        let url = server.url("/api/v1/console/session");
        let mut answers = Vec::new();
        for i in 0..10u8 {
            let from = {
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::builder()
            }
            .local_address(std::net::IpAddr::from([127, 0, 1, i + 1]))
            .build()
            .expect("client");
            answers.push(sign_in(&from, &url, &format!("id{i}"), "Password1!").await);
        }
        assert_eq!(statuses(&answers), (6, 4), "{storage:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_success_resets_the_count_for_the_id() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        add_staff(&server, "boss01", Role::Supervisor, RIGHT).await;
        let (client, url) = (http(), server.url("/api/v1/console/session"));
        for _ in 0..4 {
            assert_eq!(
                sign_in(&client, &url, "boss01", "wrong one").await.status(),
                401
            );
        }
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            200,
            "{storage:?}"
        );
        for _ in 0..5 {
            assert_eq!(
                sign_in(&client, &url, "boss01", "wrong one").await.status(),
                401,
                "{storage:?}: five new failures allowed after a success"
            );
        }
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            429,
            "{storage:?}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_current_password_check_is_limited_too() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let clerk = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let change = |current: &str| {
            clerk.post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": current, "newPassword": "a brand new phrase 7" }),
            )
        };
        let answers = at_once(12, |_| {
            clerk
                .http
                .post(format!("{}/api/v1/console/session/password", clerk.base))
                .header("cookie", &clerk.cookie)
                .json(&json!({ "currentPassword": "not the password", "newPassword": "a brand new phrase 7" }))
        })
        .await;
        let n = |s: u16| answers.iter().filter(|r| r.status().as_u16() == s).count();
        assert_eq!(
            (n(403), n(429)),
            (5, 7),
            "{storage:?}: five real checks of the current password"
        );
        assert_eq!(
            change(RIGHT).await.status(),
            429,
            "{storage:?}: and then the account waits"
        );
        let (client, url) = (http(), server.url("/api/v1/console/session"));
        assert_eq!(
            sign_in(&client, &url, "clerk01", RIGHT).await.status(),
            429,
            "{storage:?}: the same lockout as a sign-in"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_only() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let here = Console::sign_in(&server, "clerk01", Role::Staff).await;
        let response = sign_in(
            &http(),
            &server.url("/api/v1/console/session"),
            "clerk01",
            RIGHT,
        )
        .await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .expect("text")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let elsewhere = Console {
            http: http(),
            base: here.base.clone(),
            cookie,
        };
        assert_eq!(elsewhere.get("/api/v1/console/session").await.status(), 200);
        let changed = here
            .post(
                "/api/v1/console/session/password",
                json!({ "currentPassword": RIGHT, "newPassword": "a brand new phrase 7" }),
            )
            .await;
        assert_eq!(changed.status(), 204, "{storage:?}");
        assert_eq!(
            here.get("/api/v1/console/session").await.status(),
            200,
            "{storage:?}: the session that changed it stays"
        );
        assert_eq!(
            elsewhere.get("/api/v1/console/session").await.status(),
            401,
            "{storage:?}: every other session of the account ends"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_lockout_survives_a_restart_of_the_real_server() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        staff_add_cli(&target, "boss01", "supervisor", RIGHT);
        let mut child = spawn_binary(&target);
        let url = format!(
            "http://{}/api/v1/console/session",
            read_listening_line(&mut child).await
        );
        let client = http();
        for _ in 0..5 {
            assert_eq!(
                sign_in(&client, &url, "boss01", "wrong one").await.status(),
                401
            );
        }
        stop_binary(child).await;
        let mut child = spawn_binary(&target);
        let url = format!(
            "http://{}/api/v1/console/session",
            read_listening_line(&mut child).await
        );
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            429,
            "{storage:?}: the count is in the database, not the process"
        );
        stop_binary(child).await;
    }
}

#[tokio::test]
async fn the_right_password_works_once_the_lockout_window_has_passed() {
    for storage in Storage::all() {
        let clock = crate::support::Clock::manual(chrono::Utc::now());
        let server = TestServer::start_with_clock(storage, clock.clone()).await;
        add_staff(&server, "boss01", Role::Supervisor, RIGHT).await;
        let (client, url) = (http(), server.url("/api/v1/console/session"));
        for _ in 0..5 {
            assert_eq!(
                sign_in(&client, &url, "boss01", "wrong one").await.status(),
                401
            );
        }
        clock.advance(chrono::Duration::minutes(14));
        let r = sign_in(&client, &url, "boss01", RIGHT).await;
        assert_eq!(r.status(), 429, "{storage:?}: within the 15-minute window");
        let wait: i64 = r.headers()["retry-after"]
            .to_str()
            .expect("text")
            .parse()
            .expect("seconds");
        assert!(
            (1..=60).contains(&wait),
            "{storage:?}: about a minute left, got {wait}"
        );
        clock.advance(chrono::Duration::minutes(1) + chrono::Duration::seconds(1));
        assert_eq!(
            sign_in(&client, &url, "boss01", RIGHT).await.status(),
            200,
            "{storage:?}: after the window"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_lowered_limit_set_on_the_command_line_applies() {
    let target = Storage::Sqlite.fresh_target().await;
    staff_add_cli(&target, "boss01", "supervisor", RIGHT);
    // One limit by flag, one by environment, as an operator would set them.
    let mut child = crate::support::spawn_binary_with(
        &target,
        &["--plain-http", "--sign-in-limit-per-id", "2"],
        &[("OUTREACH_SIGN_IN_LIMIT_PER_ADDRESS", "3")],
    );
    let url = format!(
        "http://{}/api/v1/console/session",
        read_listening_line(&mut child).await
    );
    let client = http();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(sign_in(&client, &url, "boss01", "wrong one").await);
    }
    assert_eq!(statuses(&answers), (2, 1), "2 checks for the ID, then 429");
    assert_eq!(
        sign_in(&client, &url, "staff01", "wrong one")
            .await
            .status(),
        401,
        "another ID: the address's third check"
    );
    assert_eq!(
        sign_in(&client, &url, "staff02", "wrong one")
            .await
            .status(),
        429,
        "the address's limit of 3 is reached"
    );
    stop_binary(child).await;
}
