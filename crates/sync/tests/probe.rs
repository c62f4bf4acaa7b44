//! The reachability probe against a real office server on a free loopback port.

use std::time::Duration;

use outreach_server::{AppState, store::Store};
use outreach_sync::{OfficeClient, Reachability};

#[tokio::test]
async fn a_running_server_is_reachable_and_a_closed_port_is_not() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(data.path())
        .await
        .expect("sqlite store opens");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let addr = listener.local_addr().expect("bound address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(outreach_server::serve(
        listener,
        AppState::new(
            std::sync::Arc::new(store),
            outreach_keys::KdfParams::FOR_TESTS,
        ),
        async {
            let _ = stopped.await;
        },
    ));

    let client =
        OfficeClient::new(&format!("http://{addr}"), Duration::from_secs(5)).expect("client");
    match client.probe().await {
        Reachability::Reachable(h) => assert_eq!(h.status, "ok", "a healthy server says ok"),
        other => panic!("the server on {addr} must be reachable, got {other:?}"),
    }

    stop.send(()).expect("server still running");
    server.await.expect("server task").expect("clean shutdown");
    match client.probe().await {
        Reachability::Unreachable(_) => {}
        other => panic!("a stopped server must be unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn something_that_is_not_our_server_is_incompatible() {
    // A captive portal or another web server answers HTTP but announces no API version.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        if let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi")
                .await;
        }
    });
    let client =
        OfficeClient::new(&format!("http://{addr}"), Duration::from_secs(5)).expect("client");
    assert_eq!(
        client.probe().await,
        Reachability::Incompatible {
            server_api_version: String::new()
        },
        "a 200 from a stranger is not a reachable office server"
    );
}
