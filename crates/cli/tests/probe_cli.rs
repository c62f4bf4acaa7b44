//! `outreach probe` against the real office server on its default HTTPS: reached with
//! the pin, or with an enrolment code (which carries it), and refused without one.

use std::process::Command;
use std::sync::Arc;

use outreach_keys::KdfParams;
use outreach_server::tls::TlsMaterial;

/// Runs `outreach probe ARGS` off the async runtime; answers (success, stdout, stderr).
async fn probe(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
            .arg("probe")
            .args(&args)
            .output()
            .expect("outreach runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reaches_the_default_https_with_the_pin_or_the_enrolment_code() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(
        outreach_server::store::Store::open_sqlite(dir.path())
            .await
            .expect("store"),
    );
    let tls =
        TlsMaterial::self_made(&dir.path().join("tls"), &["127.0.0.1".to_owned()]).expect("cert");
    let pin = tls.spki_pin().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let mut state = outreach_server::AppState::new(store, KdfParams::FOR_TESTS);
    state.spki_pin = Some(pin.clone());
    tokio::spawn(outreach_server::serve_tls(
        listener,
        state.clone(),
        tls,
        std::future::pending(),
    ));

    let (ok, out, err) = probe(vec![url.clone(), "--pin".into(), pin.clone()]).await;
    assert!(ok, "with the pin: {err}");
    assert!(out.starts_with("reachable: version"), "{out}");

    let issued =
        outreach_server::api::console::make_enrolment(&state, "boss", "probe", 15, url.clone())
            .await
            .expect("code");
    let (ok, out, err) = probe(vec!["--code".into(), issued.text.clone()]).await;
    assert!(ok, "with the enrolment code: {err}");
    assert!(out.contains("storage sqlite"), "{out}");

    let (ok, _, err) = probe(vec![url.clone()]).await;
    assert!(!ok, "an https server without a pin is not trusted");
    assert!(err.contains("pin"), "the refusal names the pin: {err}");

    // A pin of another key: the server is refused, whatever its certificate says.
    let other = TlsMaterial::self_made(&dir.path().join("other"), &["127.0.0.1".to_owned()])
        .expect("cert")
        .spki_pin()
        .to_owned();
    let (ok, out, _) = probe(vec![url, "--pin".into(), other]).await;
    assert!(!ok, "a wrong pin is refused: {out}");

    let (ok, _, err) = probe(vec!["--code".into(), "not a code".into()]).await;
    assert!(!ok, "text that is not a code is refused");
    assert!(!err.is_empty());
}
