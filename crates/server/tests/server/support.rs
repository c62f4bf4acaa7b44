//! Test support: real servers on free loopback ports, on SQLite or PostgreSQL.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub use outreach_domain::clock::Clock;
use outreach_protocol::StorageKind;
use outreach_server::AppState;
use outreach_server::store::Store;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A storage the tests run against.
#[derive(Debug, Clone, Copy)]
pub enum Storage {
    Sqlite,
    Postgres,
}

impl Storage {
    /// SQLite always; PostgreSQL when `OUTREACH_TEST_DATABASE_URL` names a server.
    /// `OUTREACH_REQUIRE_POSTGRES=1` (set by `make test`) turns a missing server into
    /// a failure, so CI can never pass by skipping PostgreSQL.
    pub fn all() -> Vec<Storage> {
        let mut all = vec![Storage::Sqlite];
        if std::env::var_os("OUTREACH_TEST_DATABASE_URL").is_some() {
            all.push(Storage::Postgres);
        } else if std::env::var("OUTREACH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("OUTREACH_REQUIRE_POSTGRES=1 but OUTREACH_TEST_DATABASE_URL is not set");
        } else {
            eprintln!("note: PostgreSQL tests skipped (set OUTREACH_TEST_DATABASE_URL)");
        }
        all
    }

    pub fn kind(self) -> StorageKind {
        match self {
            Storage::Sqlite => StorageKind::Sqlite,
            Storage::Postgres => StorageKind::Postgres,
        }
    }

    /// An empty place to put a database: a temp folder, or a new PostgreSQL database.
    pub async fn fresh_target(self) -> Target {
        match self {
            Storage::Sqlite => Target::Sqlite(tempfile::tempdir().expect("temp dir")),
            Storage::Postgres => Target::Postgres(
                fresh_postgres_database().await,
                tempfile::tempdir().expect("temp dir"),
            ),
        }
    }
}

/// Where one test's database lives. A PostgreSQL target has a data folder too: the
/// server keeps its certificate and recovery key file there.
pub enum Target {
    Sqlite(tempfile::TempDir),
    Postgres(String, tempfile::TempDir),
}

impl Target {
    pub async fn open(&self) -> Arc<Store> {
        match self {
            Target::Sqlite(dir) => {
                Arc::new(Store::open_sqlite(dir.path()).await.expect("sqlite opens"))
            }
            Target::Postgres(url, _) => Arc::new(
                Store::connect_postgres(url)
                    .await
                    .expect("postgres connects"),
            ),
        }
    }

    /// The command-line arguments that select this storage (and the data folder).
    pub fn args(&self) -> Vec<String> {
        match self {
            Target::Sqlite(dir) => vec!["--data".into(), dir.path().display().to_string()],
            Target::Postgres(url, dir) => vec![
                "--database-url".into(),
                url.clone(),
                "--data".into(),
                dir.path().display().to_string(),
            ],
        }
    }

    /// The server's data folder (certificate, recovery key file; SQLite's database).
    pub fn data_dir(&self) -> &std::path::Path {
        match self {
            Target::Sqlite(dir) | Target::Postgres(_, dir) => dir.path(),
        }
    }
}

static DB_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates `outreach_test_<pid>_<n>` on the test server and returns its URL.
async fn fresh_postgres_database() -> String {
    let base = std::env::var("OUTREACH_TEST_DATABASE_URL").expect("OUTREACH_TEST_DATABASE_URL");
    let config: tokio_postgres::Config = base.parse().expect("a valid postgres URL");
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(conn);
    let name = format!(
        "outreach_test_{}_{}",
        std::process::id(),
        DB_COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop old db");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    // Replace the database name in the URL's path, keeping its query string.
    let (head, query) = base
        .split_once('?')
        .map_or((base.as_str(), None), |(h, q)| (h, Some(q)));
    let authority_end = head.find("://").map_or(0, |i| i + 3);
    let path_start = head[authority_end..]
        .find('/')
        .map_or(head.len(), |i| authority_end + i);
    let mut url = format!("{}/{name}", &head[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// A server on a free loopback port, in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The server's database, for setting up and checking what a test needs.
    pub store: Arc<Store>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _target: Target,
}

impl TestServer {
    pub async fn start(storage: Storage) -> Self {
        Self::start_with(storage, |_| {}).await
    }

    /// A server reading `clock`: a test moves a manual one instead of sleeping.
    pub async fn start_with_clock(storage: Storage, clock: Clock) -> Self {
        Self::start_with(storage, |s| s.clock = clock).await
    }

    /// A server whose state `adjust` changed first (limits, settings, the clock).
    pub async fn start_with(storage: Storage, adjust: impl FnOnce(&mut AppState)) -> Self {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        let mut state = AppState::new(store.clone(), outreach_keys::KdfParams::FOR_TESTS);
        adjust(&mut state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("free port");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(outreach_server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            store,
            stop,
            task,
            _target: target,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("server task")
            .expect("server stops cleanly");
    }
}

/// The day in Japan `offset` days from today, as the server counts it.
pub fn japan_day(offset: i64) -> String {
    (outreach_domain::japan::date_at(chrono::Utc::now()) + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// Starts the real `outreach-server` binary on a free port, serving plain HTTP
/// (`--plain-http`); [`spawn_binary_tls`] for the default, HTTPS.
pub fn spawn_binary(target: &Target) -> tokio::process::Child {
    spawn_binary_with(target, &["--plain-http"], &[])
}

/// Starts the real binary on a free port as it runs by default: HTTPS, with its own
/// certificate in the target's data folder.
pub fn spawn_binary_tls(target: &Target) -> tokio::process::Child {
    spawn_binary_with(target, &[], &[])
}

/// Starts `outreach-server serve` on a free port with extra arguments and
/// environment. Settings the test did not ask for are kept out of the environment.
pub fn spawn_binary_with(
    target: &Target,
    args: &[&str],
    env: &[(&str, &str)],
) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"));
    command
        .arg("serve")
        .args(target.args())
        .args(["--listen", "127.0.0.1:0"])
        .args(args);
    for var in [
        "OUTREACH_PLAIN_HTTP",
        "OUTREACH_TLS_CERT",
        "OUTREACH_TLS_KEY",
        "OUTREACH_RECOVERY_PASSPHRASE",
    ] {
        command.env_remove(var);
    }
    command
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts")
}

/// What the binary announced on standard output once it accepts connections.
#[derive(Debug)]
pub struct Announced {
    /// `http` or `https`.
    pub scheme: String,
    pub addr: SocketAddr,
    /// The `spki-pin` line, printed when it serves HTTPS.
    pub pin: Option<String>,
}

impl Announced {
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }
}

/// Reads `listening on SCHEME://ADDR` and, for HTTPS, the `spki-pin sha256/…` line.
pub async fn read_announcement(child: &mut tokio::process::Child) -> Announced {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = next_line(&mut lines).await;
    let (scheme, addr) = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split_once("://"))
        .unwrap_or_else(|| panic!("the announced line, got {line:?}"));
    let (scheme, addr) = (scheme.to_owned(), addr.parse().expect("an address"));
    let pin = if scheme == "https" {
        let line = next_line(&mut lines).await;
        Some(
            line.strip_prefix("spki-pin ")
                .unwrap_or_else(|| panic!("the pin line, got {line:?}"))
                .to_owned(),
        )
    } else {
        None
    };
    Announced { scheme, addr, pin }
}

async fn next_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("the server must announce itself within 60 s")
        .expect("read stdout")
        .expect("a line")
}

/// Reads the `listening on http://ADDR` line a plain-HTTP binary prints once it
/// accepts.
pub async fn read_listening_line(child: &mut tokio::process::Child) -> SocketAddr {
    let announced = read_announcement(child).await;
    assert_eq!(announced.scheme, "http", "spawned with --plain-http");
    announced.addr
}

/// Sends SIGTERM and waits for a clean exit.
pub async fn stop_binary(mut child: tokio::process::Child) {
    let pid = child.id().expect("running child has a pid");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "SIGTERM was delivered");
    let exit = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait())
        .await
        .expect("the server must stop within 15 s of SIGTERM")
        .expect("wait");
    assert!(
        exit.success(),
        "SIGTERM is a clean shutdown (exit 0), got {exit}"
    );
}

/// GET with a client that uses our TLS provider (reqwest is built without one).
pub async fn get(url: impl reqwest::IntoUrl) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("the server answers")
}

/// Adds a staff account with the admin CLI (`outreach-server staff add`), as an office
/// does before the first start.
pub fn staff_add_cli(target: &Target, id: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .args([
            "staff",
            "add",
            "--id",
            id,
            "--name",
            "試験 職員",
            "--role",
            role,
        ])
        .arg("--password-stdin")
        .args(target.args())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("staff add");
    writeln!(add.stdin.take().expect("stdin"), "{password}").expect("password");
    let out = add.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "staff add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A client that trusts exactly the server with `pin` and speaks HTTP/2 only (ALPN h2),
/// as browsers and most clients do.
pub fn http2_pinned(pin: &str) -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = outreach_sync::pin::pinned_client_config(pin).expect("pin");
    config.alpn_protocols = vec![b"h2".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .http2_prior_knowledge()
}
