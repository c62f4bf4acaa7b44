//! Test support: real servers on free loopback ports, on SQLite or PostgreSQL.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use outreach_protocol::StorageKind;
use outreach_server::AppState;
use outreach_server::store::{PostgresStore, SqliteStore, Store};
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
            Storage::Postgres => Target::Postgres(fresh_postgres_database().await),
        }
    }
}

/// Where one test's database lives.
pub enum Target {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Target {
    pub async fn open(&self) -> Arc<dyn Store> {
        match self {
            Target::Sqlite(dir) => Arc::new(
                SqliteStore::open_in(dir.path())
                    .await
                    .expect("sqlite opens"),
            ),
            Target::Postgres(url) => Arc::new(
                PostgresStore::connect(url)
                    .await
                    .expect("postgres connects"),
            ),
        }
    }

    /// The command-line arguments that select this storage.
    pub fn args(&self) -> Vec<String> {
        match self {
            Target::Sqlite(dir) => vec!["--data".into(), dir.path().display().to_string()],
            Target::Postgres(url) => vec!["--database-url".into(), url.clone()],
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
    pub store: Arc<dyn Store>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _target: Target,
}

impl TestServer {
    pub async fn start(storage: Storage) -> Self {
        let target = storage.fresh_target().await;
        let store = target.open().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("free port");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(outreach_server::serve(
            listener,
            AppState::new(store.clone(), outreach_keys::KdfParams::FOR_TESTS),
            async {
                let _ = stopped.await;
            },
        ));
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

/// Starts the real `outreach-server` binary on a free port.
pub fn spawn_binary(target: &Target) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_outreach-server"))
        .arg("serve")
        .args(target.args())
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts")
}

/// Reads the `listening on http://ADDR` line the binary prints once it accepts.
pub async fn read_listening_line(child: &mut tokio::process::Child) -> SocketAddr {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the server must announce its address within 30 s")
        .expect("read stdout")
        .expect("a line");
    line.strip_prefix("listening on http://")
        .expect("the announced line")
        .parse()
        .expect("an address")
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
