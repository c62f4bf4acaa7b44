//! HTTPS by default, the SPKI pin tablets trust, and the office recovery key made at
//! first start: the real binary on a free loopback port.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::support::{
    Storage, read_announcement, spawn_binary, spawn_binary_tls, spawn_binary_with, stop_binary,
};
use outreach_server::recovery::{KEY_FILE, OFFICE_PUBLIC_KEY, OFFICE_RECOVERY_WRAP};
use outreach_sync::{OfficeClient, Reachability};

fn pinned(url: &str, pin: &str) -> OfficeClient {
    OfficeClient::new_pinned(url, pin, Duration::from_secs(10)).expect("pinned client")
}

/// The pin of some other key: what a tablet enrolled elsewhere would carry.
fn another_pin() -> String {
    let dir = tempfile::tempdir().expect("dir");
    outreach_server::tls::TlsMaterial::self_made(dir.path(), &[])
        .expect("another certificate")
        .spki_pin()
        .to_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn https_is_the_default_and_only_the_pinned_key_is_trusted() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let mut child = spawn_binary_tls(&target);
        let announced = read_announcement(&mut child).await;
        assert_eq!(announced.scheme, "https", "{storage:?}: HTTPS unless told");
        let pin = announced.pin.clone().expect("the pin is printed");
        assert!(pin.starts_with("sha256/"), "{pin}");

        let tls_dir = target.data_dir().join("tls");
        let cert = std::fs::read(tls_dir.join("cert.pem")).expect("cert.pem in DATA/tls");
        let der = <rustls::pki_types::CertificateDer<'static> as rustls::pki_types::pem::PemObject>::from_pem_slice(&cert)
            .expect("a PEM certificate");
        assert_eq!(
            outreach_server::tls::spki_pin(&der).expect("pin"),
            pin,
            "the printed pin is the stored certificate's"
        );
        #[cfg(unix)]
        {
            assert_eq!(
                mode(&tls_dir.join("key.pem")),
                0o600,
                "the key is owner-only"
            );
            assert_eq!(mode(&tls_dir), 0o700);
        }

        match pinned(&announced.url(""), &pin).probe().await {
            Reachability::Reachable(h) => assert_eq!(h.storage, storage.kind()),
            other => panic!("{storage:?}: the pinned client must reach the server: {other:?}"),
        }
        match pinned(&announced.url(""), &another_pin()).probe().await {
            Reachability::Unreachable(reason) => {
                assert!(reason.contains("pin"), "the tablet says why: {reason}")
            }
            other => panic!("{storage:?}: another pin must be refused: {other:?}"),
        }
        stop_binary(child).await;
    }
}

#[tokio::test]
async fn the_certificate_and_its_pin_survive_a_restart() {
    let target = Storage::Sqlite.fresh_target().await;
    let mut first = spawn_binary_tls(&target);
    let pin = read_announcement(&mut first).await.pin.expect("pin");
    let cert = std::fs::read(target.data_dir().join("tls/cert.pem")).expect("cert");
    stop_binary(first).await;

    let mut second = spawn_binary_tls(&target);
    let announced = read_announcement(&mut second).await;
    assert_eq!(
        announced.pin.as_deref(),
        Some(pin.as_str()),
        "enrolled tablets keep working after a restart"
    );
    assert_eq!(
        std::fs::read(target.data_dir().join("tls/cert.pem")).expect("cert"),
        cert,
        "the certificate is reused, not remade"
    );
    assert!(matches!(
        pinned(&announced.url(""), &pin).probe().await,
        Reachability::Reachable(_)
    ));
    stop_binary(second).await;

    // A new host name reissues the certificate over the same key: same pin.
    let mut third = spawn_binary_with(&target, &["--tls-hostname", "outreach.city.example"], &[]);
    let announced = read_announcement(&mut third).await;
    assert_eq!(announced.pin.as_deref(), Some(pin.as_str()));
    stop_binary(third).await;
}

#[tokio::test]
async fn plain_http_is_served_only_when_asked() {
    let target = Storage::Sqlite.fresh_target().await;
    let mut child = spawn_binary(&target);
    let announced = read_announcement(&mut child).await;
    assert_eq!(announced.scheme, "http");
    assert_eq!(announced.pin, None, "no pin without TLS");
    let response = crate::support::get(announced.url("/api/v1/health")).await;
    assert_eq!(response.status(), 200);
    assert!(
        !target.data_dir().join("tls").exists(),
        "no certificate is made for plain HTTP"
    );
    stop_binary(child).await;
}

#[tokio::test]
async fn plain_http_and_garbage_to_the_tls_port_do_not_stop_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = Storage::Sqlite.fresh_target().await;
    let mut child = spawn_binary_tls(&target);
    let announced = read_announcement(&mut child).await;
    let pin = announced.pin.clone().expect("pin");
    for bytes in [
        &b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
        &[0x16, 0x03, 0x01, 0xff, 0xff, 0, 1, 2, 3][..],
        &b""[..],
    ] {
        let mut s = tokio::net::TcpStream::connect(announced.addr)
            .await
            .expect("connect");
        let _ = s.write_all(bytes).await;
        let _ = s.shutdown().await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut answer)).await;
        assert!(
            !answer.starts_with(b"HTTP/"),
            "no plain-HTTP answer on the TLS port"
        );
    }
    // The plain reqwest client (no pin, no CA for this certificate) is refused too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    assert!(
        reqwest::Client::new()
            .get(announced.url("/api/v1/health"))
            .send()
            .await
            .is_err(),
        "a client that does not know the pin is refused"
    );
    assert!(
        child.try_wait().expect("status").is_none(),
        "the server is still running"
    );
    assert!(
        matches!(
            pinned(&announced.url(""), &pin).probe().await,
            Reachability::Reachable(_)
        ),
        "and still serving"
    );
    stop_binary(child).await;
}

#[tokio::test]
async fn tls_cert_without_tls_key_is_refused_with_a_clear_message() {
    let target = Storage::Sqlite.fresh_target().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .arg("serve")
        .args(target.args())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "/nonexistent/cert.pem",
        ])
        .env_remove("OUTREACH_TLS_KEY")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--tls-key"),
        "the message names what is missing: {stderr}"
    );
}

#[tokio::test]
async fn without_a_passphrase_first_start_writes_the_recovery_key_file() {
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let mut child = spawn_binary_tls(&target);
        read_announcement(&mut child).await;
        let store = target.open().await;
        let key_file = target.data_dir().join(KEY_FILE);
        let key = outreach_server::recovery::read_key_file(&key_file)
            .expect("office-recovery.key holds the hex private key");
        #[cfg(unix)]
        assert_eq!(mode(&key_file), 0o600, "{storage:?}: owner-only");
        assert_eq!(
            outreach_server::recovery::office_public_key(&store)
                .await
                .expect("meta"),
            Some(key.public_key()),
            "{storage:?}: the public key on record is the file's"
        );
        assert_eq!(
            store.meta(OFFICE_RECOVERY_WRAP).await.expect("meta"),
            None,
            "no wrap without a passphrase"
        );
        stop_binary(child).await;

        // Made once: a restart keeps it.
        let mut again = spawn_binary_tls(&target);
        read_announcement(&mut again).await;
        stop_binary(again).await;
        assert_eq!(
            outreach_server::recovery::office_public_key(&store)
                .await
                .expect("meta"),
            Some(key.public_key())
        );
    }
}

fn export(target: &crate::support::Target, passphrase: &str, out: &Path) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args(["recovery-key", "export"])
        .args(target.args())
        .args(["--passphrase-stdin", "--out"])
        .arg(out)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{passphrase}\n").as_bytes())
        .expect("passphrase");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn with_a_passphrase_only_the_wrap_is_stored_and_export_needs_the_passphrase() {
    let passphrase = "金庫の合言葉 correct horse";
    for storage in Storage::all() {
        let target = storage.fresh_target().await;
        let secrets = tempfile::tempdir().expect("dir");
        let passphrase_file = secrets.path().join("passphrase");
        std::fs::write(&passphrase_file, format!("{passphrase}\n")).expect("write");
        let mut child = spawn_binary_with(
            &target,
            &[
                "--recovery-passphrase-file",
                passphrase_file.to_str().expect("utf-8 path"),
            ],
            &[],
        );
        read_announcement(&mut child).await;
        stop_binary(child).await;

        assert!(
            !target.data_dir().join(KEY_FILE).exists(),
            "{storage:?}: with a passphrase the private key is never written in the clear"
        );
        let store = target.open().await;
        let wrap = store.meta(OFFICE_RECOVERY_WRAP).await.expect("meta");
        assert!(wrap.is_some(), "{storage:?}: the wrap is stored");
        let public_key = outreach_server::recovery::office_public_key(&store)
            .await
            .expect("meta")
            .expect("the public key is on record");
        assert!(store.meta(OFFICE_PUBLIC_KEY).await.expect("meta").is_some());

        let wrong_out = secrets.path().join("wrong.key");
        let wrong = export(&target, "not the passphrase at all", &wrong_out);
        assert!(
            !wrong.status.success(),
            "{storage:?}: a wrong passphrase fails"
        );
        let stderr = String::from_utf8_lossy(&wrong.stderr);
        assert!(
            stderr.contains("wrong passphrase"),
            "a clear message: {stderr}"
        );
        assert!(
            !wrong_out.exists(),
            "nothing is written for a wrong passphrase"
        );

        let out = secrets.path().join("office.key");
        let right = export(&target, passphrase, &out);
        assert!(
            right.status.success(),
            "{storage:?}: {}",
            String::from_utf8_lossy(&right.stderr)
        );
        let key = outreach_server::recovery::read_key_file(&out).expect("hex key file");
        assert_eq!(
            key.public_key(),
            public_key,
            "the exported key is the office's"
        );
        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600);
        assert!(
            !export(&target, passphrase, &out).status.success(),
            "an existing key file is not replaced"
        );
    }
}

#[tokio::test]
async fn staff_add_on_a_new_office_makes_the_recovery_key_with_the_env_passphrase() {
    let target = Storage::Sqlite.fresh_target().await;
    let passphrase = "office safe passphrase 2026";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args(["staff", "add"])
        .args(target.args())
        .args([
            "--id",
            "sup1",
            "--name",
            "上田 一子",
            "--role",
            "supervisor",
        ])
        .arg("--password-stdin")
        .env("OUTREACH_RECOVERY_PASSPHRASE", passphrase)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"supervisor-pass-1\n")
        .expect("password");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!target.data_dir().join(KEY_FILE).exists());

    // The server started later keeps what staff add made.
    let mut server = spawn_binary_tls(&target);
    read_announcement(&mut server).await;
    stop_binary(server).await;
    let store = target.open().await;
    let public_key = outreach_server::recovery::office_public_key(&store)
        .await
        .expect("meta")
        .expect("made by staff add");
    let out = target.data_dir().join("exported.key");
    let exported = export(&target, passphrase, &out);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert_eq!(
        outreach_server::recovery::read_key_file(&out)
            .expect("key")
            .public_key(),
        public_key
    );
}
