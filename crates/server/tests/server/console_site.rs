//! The web console's files: served from `--console-dir` with a strict CSP, only the
//! console page and its assets, and nothing at all without the option.

use outreach_server::AppState;
use outreach_server::store::Store;

async fn serve(
    console_dir: Option<std::path::PathBuf>,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tempfile::TempDir,
) {
    let data = tempfile::tempdir().expect("temp dir");
    let store = std::sync::Arc::new(Store::open_sqlite(data.path()).await.expect("store"));
    let mut state = AppState::new(store, outreach_keys::KdfParams::FOR_TESTS);
    state.console_dir = console_dir;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(outreach_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop, data)
}

#[tokio::test]
async fn the_console_is_served_with_a_strict_csp_and_nothing_else_is() {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::create_dir_all(dist.path().join("assets")).expect("assets");
    std::fs::write(
        dist.path().join("console.html"),
        "<!doctype html><title>console</title>",
    )
    .expect("page");
    std::fs::write(dist.path().join("index.html"), "the tablet app").expect("tablet page");
    std::fs::write(dist.path().join("assets/console-abc123.js"), "export {}").expect("script");
    let (addr, stop, _data) = serve(Some(dist.path().to_path_buf())).await;
    let http = crate::client::http();
    let get = |path: &str| http.get(format!("http://{addr}{path}")).send();

    let page = get("/console").await.expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe"),
        "no unsafe-inline or unsafe-eval: {csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        page.headers()["cache-control"],
        "no-cache",
        "a new build takes effect at once"
    );
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );

    let script = get("/assets/console-abc123.js").await.expect("script");
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .contains("javascript")
    );
    assert!(
        script.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("immutable"),
        "hashed assets are kept"
    );
    assert!(script.headers().contains_key("content-security-policy"));

    for path in [
        "/index.html",
        "/console.html",
        "/assets/../console.html",
        "/assets/nothing.js",
    ] {
        let r = get(path).await.expect("answers");
        assert_eq!(
            r.status(),
            404,
            "{path}: only the console page and its assets are served"
        );
    }
    assert_eq!(
        get("/api/v1/health").await.expect("health").status(),
        200,
        "the API is beside it"
    );
    let _ = stop.send(());

    let (addr, stop, _data) = serve(None).await;
    let r = http
        .get(format!("http://{addr}/console"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        r.status(),
        404,
        "without --console-dir there is no console route"
    );
    let _ = stop.send(());
}
