//! The client address in audit events (issue 24, defect 4): the socket peer, or
//! `X-Forwarded-For` only when the peer is a configured trusted proxy.

use outreach_server::store::Role;
use serde_json::json;

use crate::client::add_staff;
use crate::support::{Storage, TestServer};

async fn sign_in_from(server: &TestServer, from: [u8; 4], forwarded: &str) {
    let client = {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
    }
    .local_address(std::net::IpAddr::from(from))
    .build()
    .expect("client");
    let r = client
        .post(server.url("/api/v1/console/session"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({ "staffId": "boss01", "password": "correct horse battery" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), 200);
}

async fn login_clients(server: &TestServer) -> Vec<Option<String>> {
    let log = server.store.audit_log(100).await.expect("audit");
    log.into_iter()
        .filter(|e| e.action == "login")
        .map(|e| e.client)
        .collect()
}

#[tokio::test]
async fn issue_24_audit_events_name_the_client_address() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        add_staff(&server, "boss01", Role::Supervisor, "correct horse battery").await;
        sign_in_from(&server, [127, 0, 0, 2], "198.51.100.7").await;
        assert_eq!(
            login_clients(&server).await,
            [Some("127.0.0.2".to_owned())],
            "{storage:?}: without a trusted proxy, X-Forwarded-For is ignored"
        );
        server.stop().await;

        let proxy = std::net::IpAddr::from([127, 0, 0, 3]);
        let server =
            TestServer::start_with(storage, |s| s.trusted_proxies = vec![proxy].into()).await;
        add_staff(&server, "boss01", Role::Supervisor, "correct horse battery").await;
        sign_in_from(&server, [127, 0, 0, 3], "198.51.100.7, 127.0.0.3").await;
        sign_in_from(&server, [127, 0, 0, 4], "198.51.100.8").await;
        assert_eq!(
            login_clients(&server).await,
            [
                Some("127.0.0.4".to_owned()),
                Some("198.51.100.7".to_owned())
            ],
            "{storage:?}: through the trusted proxy, the address it was sent from; past others, the peer"
        );
        server.stop().await;
    }
}
