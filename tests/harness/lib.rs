//! The end-to-end harness: a real office server on a free loopback port, a private
//! Xvfb display, tauri-driver (which drives WebKitWebDriver) and the real app binary.
//!
//! Every screen a test visits is saved as a PNG in a folder the test output names, so
//! a person can look at what the test saw.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use tokio::process::{Child, Command};

pub mod x11;

/// The staff member every test tablet has on its roster.
pub const STAFF_ID: &str = "e2e01";
/// Their password.
pub const STAFF_PASSWORD: &str = "e2e-kiri-7291-sakura";
/// Their name.
pub const STAFF_NAME: &str = "出張 花子";

/// How long any one wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

/// One running app with everything around it.
pub struct Session {
    client: Client,
    display: String,
    xvfb: Guard,
    driver: Guard,
    server: Option<InProcessServer>,
    shots: PathBuf,
    shot_count: u32,
    log: PathBuf,
    launched: Instant,
    first_screen: Option<Duration>,
}

/// The office server inside the test process (plain HTTP), with the demo tablet's vault.
struct InProcessServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _data: tempfile::TempDir,
    _tablet: tempfile::TempDir,
}

impl Session {
    /// Starts a server, a display, tauri-driver and the app. `name` names the
    /// screenshot folder.
    pub async fn start(name: &str) -> anyhow::Result<Self> {
        Self::start_with(name, &[]).await
    }

    /// Like [`Session::start`], with extra environment for the app (for example a
    /// short idle-lock time).
    pub async fn start_with(name: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let server_data = tempfile::tempdir()?;
        let store = outreach_server::store::Store::open_sqlite(server_data.path()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let server_addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(outreach_server::serve(
            listener,
            outreach_server::AppState::new(Arc::new(store), outreach_keys::KdfParams::FOR_TESTS),
            async {
                let _ = stopped.await;
            },
        ));

        // A tablet with one staff member, wrapped with the real cost parameters.
        let tablet = tempfile::tempdir()?;
        let vault = tablet.path().join("vault.db");
        let office = outreach_keys::SecretKey::generate()?;
        let staff_key = outreach_keys::SecretKey::generate()?;
        let entry = outreach_vault::RosterEntry {
            staff_id: STAFF_ID.into(),
            name: STAFF_NAME.into(),
            public_key: staff_key.public_key(),
            wrap: outreach_keys::PasswordWrap::wrap(
                &staff_key,
                STAFF_PASSWORD,
                outreach_keys::KdfParams::RFC9106_SECOND,
                STAFF_ID.as_bytes(),
            )?,
        };
        outreach_vault::Vault::create(&vault, &office.public_key(), &[entry], chrono::Utc::now())?;

        let server_url = format!("http://{server_addr}");
        let vault = vault.display().to_string();
        let mut app_env = vec![
            ("OUTREACH_SERVER_URL", server_url.as_str()),
            ("OUTREACH_VAULT", vault.as_str()),
        ];
        app_env.extend_from_slice(env);
        let mut session = Self::start_app(name, &app_env).await?;
        session.server = Some(InProcessServer {
            stop: Some(stop),
            task: server,
            _data: server_data,
            _tablet: tablet,
        });
        Ok(session)
    }

    /// Starts a display, tauri-driver and the app with `env`, and nothing else: the test
    /// brings its own office server (see [`OfficeServer`]) and names the vault file
    /// (`OUTREACH_VAULT`). The app's log goes to `app.log` in the screenshot folder.
    pub async fn start_app(name: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let shots = screenshot_root().join(name);
        std::fs::create_dir_all(&shots)?;
        println!("screenshots of this test: {}", shots.display());
        let log = shots.join("app.log");
        let log_file = std::fs::File::create(&log)?;
        let app = app_binary()?;
        let (display, xvfb) = start_xvfb().await?;
        let port = free_port()?;
        let native_port = free_port()?;
        let driver = Guard(
            Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("DISPLAY", &display)
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(log_file)
                .kill_on_drop(true)
                .spawn()
                .context(
                    "starting tauri-driver (install it with `cargo install tauri-driver --locked`)",
                )?,
        );
        wait_for_port(port)
            .await
            .context("tauri-driver did not start listening")?;
        // tauri-driver accepts before its WebKitWebDriver does; a session request sent
        // in between fails, so wait for the native driver too.
        wait_for_port(native_port)
            .await
            .context("WebKitWebDriver did not start listening")?;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        let launched = Instant::now();
        // Without a display the app dies but WebDriver never answers: bound the wait.
        let client = tokio::time::timeout(
            Duration::from_secs(90),
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .context("the WebDriver session was not created within 90 s")??;

        Ok(Self {
            client,
            display,
            xvfb,
            driver,
            server: None,
            shots,
            shot_count: 0,
            log,
            launched,
            first_screen: None,
        })
    }

    /// The app window's title (tauri.conf.json).
    pub const WINDOW_TITLE: &'static str = "Outreach 出張申請";

    /// Minimises the app's window as a window manager would (see [`x11`]) and answers
    /// once it is unmapped.
    pub fn minimise_window(&self) -> anyhow::Result<()> {
        let x = x11::X11::open(&self.display)?;
        let windows = x.windows_titled(Self::WINDOW_TITLE)?;
        if windows.is_empty() {
            bail!(
                "no window titled {} on {}",
                Self::WINDOW_TITLE,
                self.display
            );
        }
        for w in windows {
            x.unmap(w)?;
        }
        Ok(())
    }

    /// Restores the window [`Session::minimise_window`] put away.
    pub fn restore_window(&self) -> anyhow::Result<()> {
        let x = x11::X11::open(&self.display)?;
        for w in x.windows_titled(Self::WINDOW_TITLE)? {
            x.map(w)?;
        }
        Ok(())
    }

    /// What the app (and its web view) wrote to standard error so far.
    pub fn app_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Empties the input or text area matching `css`.
    pub async fn clear(&mut self, css: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        bounded(el.clear()).await
    }

    /// Waits until the element matching `css` is gone.
    pub async fn wait_gone(&mut self, css: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if bounded(self.client.find(Locator::Css(css))).await.is_err() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css} did not go away within {WAIT:?}")
    }

    /// The WebDriver client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&mut self, css: &str) -> anyhow::Result<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(el) = bounded(self.client.find(Locator::Css(css))).await {
                self.first_screen
                    .get_or_insert_with(|| self.launched.elapsed());
                return Ok(el);
            }
            if Instant::now() > deadline {
                bail!("{css} did not appear within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_for_text(&mut self, css: &str, needle: &str) -> anyhow::Result<String> {
        self.wait_for_text_within(css, needle, WAIT).await
    }

    /// Like [`Session::wait_for_text`], for waits longer than the usual bound (a sync
    /// over a slow link).
    pub async fn wait_for_text_within(
        &mut self,
        css: &str,
        needle: &str,
        within: Duration,
    ) -> anyhow::Result<String> {
        let deadline = Instant::now() + within;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = bounded(self.client.find(Locator::Css(css))).await {
                last = bounded(el.text()).await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("{css} never contained {needle:?} within {within:?}; last text: {last:?}")
    }

    /// Signs the roster's staff member in and waits for the home screen.
    pub async fn sign_in(&mut self) -> anyhow::Result<()> {
        self.type_into("#staff-id", STAFF_ID).await?;
        self.type_into("#password", STAFF_PASSWORD).await?;
        self.click("#sign-in").await?;
        self.wait_for_text("#home-screen", STAFF_NAME)
            .await
            .map(|_| ())
    }

    /// Types `text` into the input matching `css`.
    pub async fn type_into(&mut self, css: &str, text: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        bounded(el.send_keys(text)).await
    }

    /// Clicks the element matching `css`.
    pub async fn click(&mut self, css: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        bounded(el.click()).await
    }

    /// Resizes the app window, e.g. to a tablet held upright (800 × 1280).
    pub async fn resize(&mut self, width: u32, height: u32) -> anyhow::Result<()> {
        bounded(self.client.set_window_size(width, height)).await
    }

    /// The page's whole HTML as the web view holds it now.
    pub async fn source(&self) -> anyhow::Result<String> {
        bounded(self.client.source()).await
    }

    /// Saves a screenshot as `NN-name.png` in this test's folder.
    pub async fn screenshot(&mut self, name: &str) -> anyhow::Result<PathBuf> {
        // WebKitGTK under Xvfb can hand back the previous frame: let two frames render.
        bounded(self.client.execute_async(
            "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));",
            vec![],
        ))
        .await?;
        let png = bounded(self.client.screenshot()).await?;
        self.shot_count += 1;
        let path = self
            .shots
            .join(format!("{:02}-{name}.png", self.shot_count));
        std::fs::write(&path, png)?;
        println!("screenshot: {}", path.display());
        Ok(path)
    }

    /// Prints the time from launch to the first screen and the app's memory.
    pub async fn report_startup(&self) {
        if let Some(t) = self.first_screen {
            println!("figure: launch to first screen {} ms", t.as_millis());
        }
        for (name, kib) in rss_by_process(&["outreach-app", "WebKitWebProces", "WebKitNetworkPr"]) {
            println!("figure: RSS {name} {:.1} MiB", kib as f64 / 1024.0);
        }
    }

    /// Closes the app and stops everything.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let closed = bounded(self.client.clone().close()).await;
        kill_tree(self.driver.0.id());
        kill_tree(self.xvfb.0.id());
        if let Some(server) = &mut self.server {
            if let Some(stop) = server.stop.take() {
                let _ = stop.send(());
            }
            (&mut server.task).await??;
        }
        closed.context("closing the WebDriver session")
    }
}

/// The real `outreach-server` binary over HTTPS on a free loopback port, with its own
/// data folder (embedded SQLite, its self-made certificate and recovery key).
pub struct OfficeServer {
    process: Option<Guard>,
    data: tempfile::TempDir,
    port: u16,
    /// More `serve` arguments (settings a test needs).
    extra: Vec<String>,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The SPKI pin it printed at start (`sha256/…`).
    pub pin: String,
}

impl OfficeServer {
    /// Starts the server and waits until it prints its pin.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(&[]).await
    }

    /// Starts the server with more `serve` arguments (e.g. `--credential-days 10`).
    pub async fn start_with(extra: &[&str]) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let port = free_port()?;
        let mut server = Self {
            process: None,
            data,
            port,
            extra: extra.iter().map(|a| (*a).to_owned()).collect(),
            url: format!("https://127.0.0.1:{port}"),
            pin: String::new(),
        };
        server.pin = server.spawn().await?;
        Ok(server)
    }

    async fn spawn(&mut self) -> anyhow::Result<String> {
        use tokio::io::AsyncBufReadExt;
        let mut child = Command::new(tool("outreach-server")?)
            .args(["serve", "--data"])
            .arg(self.data.path())
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(&self.extra)
            .env("OUTREACH_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting outreach-server (build it with `make build`)")?;
        let stdout = child.stdout.take().context("server stdout")?;
        self.process = Some(Guard(child));
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let pin = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(pin) = line.strip_prefix("spki-pin ") {
                    return Ok(pin.trim().to_owned());
                }
            }
            bail!("outreach-server exited before printing its pin")
        })
        .await
        .context("outreach-server did not print its pin in time")??;
        // Keep reading, so a line the server prints later never blocks it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(pin)
    }

    /// Stops the server (the link goes down); [`OfficeServer::restart`] brings it back.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the server again on the same port and data folder; the pin must not change.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        let pin = self.spawn().await?;
        if pin != self.pin {
            bail!(
                "the server's pin changed across a restart: {} → {pin}",
                self.pin
            );
        }
        Ok(())
    }

    /// Replaces the server's TLS key (a re-keyed server: a new pin, the same data and
    /// port); tablets pinned to the old key will not talk to it.
    pub async fn rekey(&mut self) -> anyhow::Result<()> {
        self.stop();
        std::fs::remove_dir_all(self.data.path().join("tls")).context("removing the TLS key")?;
        let pin = self.spawn().await?;
        if pin == self.pin {
            bail!("the server kept its pin after its key was removed");
        }
        self.pin = pin;
        Ok(())
    }

    /// `outreach-server staff add … --password-stdin`.
    pub async fn add_staff(&self, id: &str, name: &str, password: &str) -> anyhow::Result<()> {
        let data = self.data.path().display().to_string();
        run_tool(
            "outreach-server",
            &[
                "staff",
                "add",
                "--data",
                &data,
                "--id",
                id,
                "--name",
                name,
                "--role",
                "staff",
                "--password-stdin",
            ],
            Some(password),
        )
        .await
        .map(drop)
    }

    /// `outreach-server device enrol --json`: the text the enrolment QR code carries.
    pub async fn enrolment_code(&self, tablet: &str) -> anyhow::Result<String> {
        let data = self.data.path().display().to_string();
        let out = run_tool(
            "outreach-server",
            &[
                "device",
                "enrol",
                "--data",
                &data,
                "--name",
                tablet,
                "--server-url",
                &self.url,
                "--json",
            ],
            None,
        )
        .await?;
        Ok(out.trim().to_owned())
    }

    /// Record versions and photos the office holds, read from its SQLite file.
    pub fn held(&self) -> anyhow::Result<(i64, i64)> {
        let db = rusqlite::Connection::open_with_flags(
            self.data.path().join("outreach.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let count = |table: &str| -> anyhow::Result<i64> {
            Ok(db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok((count("records")?, count("photos")?))
    }
}

/// A slow link for the app: the bad-link harness's fault proxy (`badlink proxy`) on a
/// free loopback port in front of a server, with its own rate limit and latency (no
/// network namespace needed).
pub struct SlowLink {
    _process: Guard,
    /// `https://127.0.0.1:PORT`: where the tablet reaches the server through the link.
    pub url: String,
}

impl SlowLink {
    /// Starts the proxy in front of `server_url` with `args` (`--up-rate 2mbit`,
    /// `--up-delay-ms 30`, …; see `badlink proxy --help`).
    pub async fn start(server_url: &str, args: &[&str]) -> anyhow::Result<Self> {
        let to = server_url
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let port = free_port()?;
        let child = Command::new(tool("badlink")?)
            .args([
                "proxy",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--to",
                to,
            ])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting badlink proxy (build it with `make build`)")?;
        let process = Guard(child);
        wait_for_port(port).await?;
        Ok(Self {
            _process: process,
            url: format!("https://127.0.0.1:{port}"),
        })
    }
}

/// Runs one of the workspace's binaries (`outreach`, `outreach-server`) to the end,
/// with `stdin` as its standard input; answers its standard output.
pub async fn run_tool(name: &str, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(tool(name)?)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {name}"))?;
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        input.write_all(format!("{text}\n").as_bytes()).await?;
    }
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .with_context(|| format!("{name} did not finish within 120 s"))??;
    if !out.status.success() {
        bail!(
            "{name} {} failed ({}): {}",
            args.first().copied().unwrap_or_default(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A workspace binary in the target folder.
fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let path = target_dir().join("debug").join(name);
    if !path.is_file() {
        bail!(
            "{} does not exist: build it with `make build`",
            path.display()
        );
    }
    Ok(path)
}

/// A child process that takes its descendants with it when dropped, so a failed test
/// (even one that fails half-way through starting) leaves no driver, app or display
/// behind.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        kill_tree(self.0.id());
    }
}

/// Bounds one WebDriver call: a hung driver becomes a test failure, not a stuck run.
async fn bounded<T, E>(call: impl std::future::Future<Output = Result<T, E>>) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(WAIT, call).await {
        Ok(result) => Ok(result?),
        Err(_) => bail!("a WebDriver call did not answer within {WAIT:?}"),
    }
}

/// Kills a process and all its descendants (tauri-driver starts WebKitWebDriver, which
/// starts the app and WebKit's helper processes).
fn kill_tree(pid: Option<u32>) {
    let Some(pid) = pid else { return };
    let mut family = vec![pid];
    let mut i = 0;
    while i < family.len() {
        family.extend(children_of(family[i]));
        i += 1;
    }
    for p in family {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.to_owned()))
                .and_then(|rest| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(parent)
        })
        .collect()
}

/// The app binary: `OUTREACH_APP_BIN`, or the debug build in the target folder.
fn app_binary() -> anyhow::Result<String> {
    let path = match std::env::var_os("OUTREACH_APP_BIN") {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("debug").join("outreach-app"),
    };
    if !path.is_file() {
        bail!(
            "the app binary {} does not exist: build it with `make build`",
            path.display()
        );
    }
    Ok(std::fs::canonicalize(&path)?.display().to_string())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        })
}

fn screenshot_root() -> PathBuf {
    std::env::var_os("OUTREACH_E2E_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("e2e-screenshots"))
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join("tauri-driver"));
    match home_bin {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// True when the process named in an X lock file still runs.
fn lock_holder_alive(lock: &Path) -> bool {
    std::fs::read_to_string(lock)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// Starts Xvfb on the first free display number from :90 and waits for its socket.
async fn start_xvfb() -> anyhow::Result<(String, Guard)> {
    for n in 90..200 {
        let lock = PathBuf::from(format!("/tmp/.X{n}-lock"));
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        // An Xvfb killed with SIGKILL (a test's guard, a killed CI run) leaves its lock
        // and socket behind: a lock whose process is gone is stale and is cleared, as X
        // servers themselves do, or a few hundred runs would use up every display.
        if lock.exists() && !lock_holder_alive(&lock) {
            let _ = std::fs::remove_file(&lock);
            let _ = std::fs::remove_file(&socket);
        }
        if lock.exists() || socket.exists() {
            continue;
        }
        let display = format!(":{n}");
        let mut child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x1280x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting Xvfb (apt-get install xvfb)")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if socket.exists() {
                return Ok((display, Guard(child)));
            }
            if let Some(status) = child.try_wait()? {
                bail!("Xvfb {display} exited at once ({status})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill().await;
    }
    bail!("no free X display between :90 and :199")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("nothing listens on 127.0.0.1:{port}")
}

/// Resident memory of running processes whose name (as /proc/PID/comm cuts it to 15
/// characters) is one of `names`, summed per name.
fn rss_by_process(names: &[&str]) -> Vec<(String, u64)> {
    let mut totals: Vec<(String, u64)> = names.iter().map(|n| ((*n).to_owned(), 0)).collect();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return totals;
    };
    for entry in dir.flatten() {
        let p = entry.path();
        let Ok(comm) = std::fs::read_to_string(p.join("comm")) else {
            continue;
        };
        let Some(slot) = totals.iter_mut().find(|(n, _)| n == comm.trim()) else {
            continue;
        };
        let status = std::fs::read_to_string(p.join("status")).unwrap_or_default();
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
        slot.1 += kib;
    }
    totals
}
