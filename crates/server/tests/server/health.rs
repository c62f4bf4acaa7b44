//! The office server, really running: on a free loopback port, on embedded SQLite and
//! on PostgreSQL (a fresh database per test on the server named by
//! `OUTREACH_TEST_DATABASE_URL`; `make test` starts a throwaway one).

use std::time::Duration;

use crate::support::{Storage, TestServer};
use outreach_protocol::{ErrorBody, Health, StorageKind};

#[tokio::test]
async fn health_reports_version_and_storage_on_every_storage() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let response = crate::support::get(server.url("/api/v1/health")).await;
        assert_eq!(
            response.status(),
            200,
            "{storage:?}: a healthy server answers 200"
        );
        assert_eq!(
            response
                .headers()
                .get("outreach-api-version")
                .and_then(|v| v.to_str().ok()),
            Some(outreach_protocol::API_VERSION),
            "{storage:?}: every response announces the API version"
        );
        let health: Health = response.json().await.expect("health body");
        assert_eq!(health.version, outreach_server::VERSION);
        assert_eq!(
            health.storage,
            storage.kind(),
            "health must say which database the server runs on"
        );
        assert_eq!(
            health.schema_version,
            outreach_server::migrations::latest(),
            "{storage:?}: migrations ran to the newest"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn unknown_routes_get_a_json_404_with_a_stable_code() {
    for storage in Storage::all() {
        let server = TestServer::start(storage).await;
        let response = crate::support::get(server.url("/api/v1/no-such-thing?name=太田")).await;
        assert_eq!(response.status(), 404);
        let body: ErrorBody = response.json().await.expect("error body is JSON");
        assert_eq!(body.code, "not_found", "clients branch on the code");
        assert!(
            !body.message.contains("太田"),
            "errors must not echo request data"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_migrate_twice() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let first = target.open().await;
        let started = first
            .init_meta("first_started_at", "2026-11-26T00:00:00Z")
            .await
            .expect("record first start");
        drop(first);
        let second = target.open().await;
        assert_eq!(
            second.ping().await.expect("ping"),
            outreach_server::migrations::latest()
        );
        let kept = second
            .init_meta("first_started_at", "2030-01-01T00:00:00Z")
            .await
            .expect("second start");
        assert_eq!(
            kept, started,
            "{storage:?}: the first start time must survive a restart and not be overwritten"
        );
        assert_eq!(
            second.meta("first_started_at").await.expect("meta"),
            Some(started)
        );
    }
}

#[tokio::test]
async fn the_binary_serves_health_and_stops_cleanly_on_sigterm() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let mut child = crate::support::spawn_binary(&target);
        let addr = crate::support::read_listening_line(&mut child).await;
        let health: Health = crate::support::get(format!("http://{addr}/api/v1/health"))
            .await
            .json()
            .await
            .expect("health body");
        assert_eq!(health.storage, storage.kind());

        let pid = child.id().expect("running child has a pid");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "SIGTERM was delivered");
        let exit = tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .expect("the server must stop within 15 s of SIGTERM")
            .expect("wait");
        assert!(
            exit.success(),
            "{storage:?}: SIGTERM is a clean shutdown (exit 0), got {exit}"
        );
    }
}

#[tokio::test]
async fn without_a_database_url_the_server_uses_sqlite_in_its_data_folder() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = outreach_server::store::open(&data.path().join("nested"), None)
        .await
        .expect("default storage opens");
    assert_eq!(
        store.kind(),
        StorageKind::Sqlite,
        "SQLite is the default: nothing else to install"
    );
    assert!(
        data.path().join("nested/outreach.db").is_file(),
        "the database lives in the data folder"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join("nested"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(
            mode, 0o700,
            "the data folder holds residents' data: owner only"
        );
    }
}

#[test]
fn storage_kinds_cover_both_databases() {
    let kinds: Vec<StorageKind> = Storage::all().iter().map(|s| s.kind()).collect();
    assert!(
        kinds.contains(&StorageKind::Sqlite),
        "SQLite is always tested"
    );
    if std::env::var_os("OUTREACH_TEST_DATABASE_URL").is_some() {
        assert!(
            kinds.contains(&StorageKind::Postgres),
            "PostgreSQL is tested when a server is given"
        );
    }
}

/// Issue 24, defect 9: `/health` says not-ok when the data folder cannot be written.
/// The probe's failure path, anywhere: a data folder that is not a folder.
#[tokio::test]
async fn issue_24_health_is_not_ok_when_the_data_folder_cannot_be_written() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        let not_a_folder = target.data_dir().join("a-file");
        std::fs::write(&not_a_folder, b"x").expect("write");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr = listener.local_addr().expect("addr");
        let mut state = outreach_server::AppState::new(store, outreach_keys::KdfParams::FOR_TESTS);
        state.data_dir = Some(not_a_folder);
        tokio::spawn(outreach_server::serve(
            listener,
            state,
            std::future::pending(),
        ));
        let r = crate::support::get(format!("http://{addr}/api/v1/health")).await;
        assert_eq!(
            r.status(),
            503,
            "{storage:?}: a server that cannot write is not well"
        );
        let body: ErrorBody = r.json().await.expect("error body");
        assert_eq!(body.code, "storage_unwritable");
    }
}

/// The same with a real full disk: the SQLite data folder on a 4 MiB tmpfs, filled up.
/// Needs root (to mount); skipped with a note otherwise.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn issue_24_health_is_not_ok_on_a_full_disk() {
    let dir = tempfile::tempdir().expect("dir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(dir.path())
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("note: cannot mount a tmpfs here (not root?): the full-disk check is skipped");
        return;
    }
    let data = dir.path().join("data");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args(["serve", "--plain-http", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server");
    let addr = crate::support::read_listening_line(&mut child).await;
    let health = || async {
        crate::support::get(format!("http://{addr}/api/v1/health"))
            .await
            .status()
    };
    assert_eq!(health().await, 200, "well before the disk is full");
    let fill = dir.path().join("fill");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&fill).expect("fill");
        while f.write_all(&[0u8; 64 * 1024]).is_ok() {}
        while f.write_all(&[0u8; 512]).is_ok() {}
    }
    assert_eq!(
        health().await,
        503,
        "a full disk: nothing can be stored, and /health says so"
    );
    std::fs::remove_file(&fill).expect("unfill");
    assert_eq!(health().await, 200, "well again once there is room");
    crate::support::stop_binary(child).await;
    let _ = std::process::Command::new("umount")
        .arg(dir.path())
        .status();
}
