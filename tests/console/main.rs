//! The office console end to end, in a real headless browser: Debian's chromium driven
//! by chromedriver through fantoccini, against the real office server (in this process,
//! plain HTTP on a free loopback port, embedded SQLite) serving the built console from
//! `ui/dist`. A staff member signs in, plans a trip, sees the synced records and opens
//! one, matches a card batch, logs a returned card and a phone contact, counts a phone
//! enquiry, and downloads the daily report, which pdftotext reads back; the report's
//! first page is rendered to PNG with pdftoppm beside the screenshots.
//!
//! `#[ignore]`d in plain `cargo test` (it needs chromium, chromedriver, poppler-utils
//! and a built UI); `make console-e2e` runs it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use outreach_protocol::sync::{PhotoRef, RecordUpload, Trip};
use outreach_server::AppState;
use outreach_server::store::{NewDevice, NewEnrolment, Role, Store, Upload, timestamp};

const STAFF: &str = "office01";
const PASSWORD: &str = "office-kiri-7291-sakura";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::var_os("OUTREACH_E2E_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"))
                .join("e2e-screenshots")
        })
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// Today in Japan, the day the console defaults to.
fn japan_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y-%m-%d")
        .to_string()
}

fn app_id(n: u32) -> String {
    format!("8{n:0>22}")
}

/// Records as a tablet would have synced them, stored through the server's store.
async fn seed(store: &Store, day: &str) -> anyhow::Result<()> {
    let now = timestamp(chrono::Utc::now());
    let account = outreach_server::staff::new_account(
        STAFF,
        "事務 花子",
        Role::Supervisor,
        PASSWORD,
        outreach_keys::KdfParams::FOR_TESTS,
        chrono::Utc::now(),
    )?;
    store.insert_staff(&account).await?;
    store
        .create_enrolment(&NewEnrolment {
            code_hash: "e".repeat(64),
            device_name: "タブレット1".into(),
            created_by: STAFF.into(),
            created_at: now.clone(),
            expires_at: "2999-01-01T00:00:00.000Z".into(),
        })
        .await?;
    store
        .redeem_enrolment(
            &"e".repeat(64),
            &NewDevice {
                device_id: "tablet-1".into(),
                credential_hash: "f".repeat(64),
                credential_expires_at: "2999-01-01T00:00:00.000Z".into(),
                ..NewDevice::default()
            },
            &now,
        )
        .await?
        .map_err(|e| anyhow::anyhow!("enrolment refused: {e:?}"))?;
    let trip = Trip {
        id: "trip-seeded".into(),
        site_name: "太田市役所前テント".into(),
        site_address: "群馬県太田市浜町2-35".into(),
        trip_date: day.into(),
        mode: "uketsuke".into(),
        expected_count: Some(20),
        staff_ids: vec![STAFF.into()],
    };
    store.insert_trip(&trip, STAFF, &now).await?;
    // Two drawn stand-ins for ID photos (no real person), stored as a finished upload.
    let mut photos = Vec::new();
    for role in ["original", "digital"] {
        let path = repo_root().join(format!("tests/console/fixtures/photo-{role}.jpg"));
        let bytes = std::fs::read(&path)?;
        let sum = run("sha256sum", &[path.to_str().context("path")?])?;
        let sha256 = sum
            .split_whitespace()
            .next()
            .context("sha256sum output")?
            .to_owned();
        let upload = Upload {
            upload_id: format!("seed-{role}"),
            device_id: "tablet-1".into(),
            sha256: sha256.clone(),
            length: i64::try_from(bytes.len())?,
            offset: 0,
            metadata: String::new(),
            created_at: now.clone(),
            expires_at: "2999-01-01T00:00:00.000Z".into(),
        };
        if let Err(used) = store.create_upload(&upload, i64::MAX).await? {
            bail!("no upload space ({used} bytes declared)");
        }
        store.complete_upload(&upload, bytes, &now).await?;
        photos.push(PhotoRef {
            role: role.into(),
            sha256,
        });
    }
    let mut records = Vec::new();
    for n in 1..=6u32 {
        let payload = serde_json::json!({
            "format": "outreach-record/1",
            "trip": {"id": trip.id, "siteName": trip.site_name, "siteAddress": trip.site_address, "date": day, "mode": "uketsuke"},
            "applicationId": app_id(n),
            "name": format!("見本 次郎{n}"),
            "postalCode": "373-0853",
            "address": format!("群馬県太田市浜町{n}-1"),
            "delivery": if n == 6 { "counter" } else { "mail" },
            "kana": "ミホン ジロウ",
            "birthDate": "1988-04-01",
            "certificates": {"signature": true, "userAuth": true},
            "mailing": {"inPerson": true, "noForwarding": true, "noMovePlanned": n != 6, "pinConsent": true, "oldCard": "returned", "pinRequestReceived": true},
            "identity": {"documents": ["driversLicence"], "ruleName": "A書類1点", "satisfied": n != 5, "missing": if n == 5 { "B書類があと1点必要です" } else { "" }},
            "photo": {"retakes": n % 2, "warnings": if n == 4 { vec!["影"] } else { vec![] }, "failures": []},
            "notes": ""
        })
        .to_string();
        records.push(RecordUpload {
            id: format!("0190b000-0000-7000-8000-{n:0>12}"),
            version: 1,
            format: 1,
            trip_id: trip.id.clone(),
            base_version: None,
            amend_reason: None,
            created_by: STAFF.into(),
            finalized_at: now.clone(),
            payload_hash: "0".repeat(64),
            payload,
            photos: if n == 1 || n == 4 {
                photos.clone()
            } else {
                vec![]
            },
        });
    }
    store.put_records("tablet-1", &records, &now).await?;
    seed_tablet_audit(store, day).await
}

/// The tablet's audit chain as it arrived: its staff member's sign-in and records, with
/// event 4 deleted on the tablet before it was sent (a gap the office flags).
async fn seed_tablet_audit(store: &Store, day: &str) -> anyhow::Result<()> {
    use outreach_domain::audit_chain::event_hash;
    let mut prev = Vec::new();
    let mut events = Vec::new();
    for seq in 1..=6i64 {
        let at = format!("{day}T0{seq}:10:00.000Z");
        let action = match seq {
            1 => "sign_in",
            6 => "lock",
            n if n % 2 == 0 => "record_created",
            _ => "record_finalized",
        };
        let subject = format!("0195f3a0-0000-7000-8000-{seq:012}");
        let hash = event_hash(&prev, seq, &at, STAFF, action, &subject);
        prev.clone_from(&hash);
        let hex = hash.iter().map(|b| format!("{b:02x}")).collect();
        events.push(outreach_protocol::sync::TabletAuditEvent {
            seq,
            at,
            staff_id: STAFF.into(),
            action: action.into(),
            subject,
            hash: hex,
        });
    }
    events.remove(3);
    let now = timestamp(chrono::Utc::now());
    store.put_tablet_audit("tablet-1", &events, &now).await?;
    Ok(())
}

struct Driver(tokio::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("nothing listens on {port} after 20 s")
}

/// Bounds every WebDriver call: a hung browser fails the test instead of stalling CI.
async fn bounded<T, E: Into<anyhow::Error>>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T> {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .context("a WebDriver call took more than 30 s")?
        .map_err(Into::into)
}

struct Browser {
    client: Client,
    shots: PathBuf,
    count: u32,
}

impl Browser {
    async fn shot(&mut self, name: &str) -> anyhow::Result<PathBuf> {
        bounded(self.client.execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 200)));",
            vec![],
        ))
        .await?;
        let png = bounded(self.client.screenshot()).await?;
        self.count += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.count));
        std::fs::write(&path, png)?;
        println!("screenshot: {}", path.display());
        Ok(path)
    }

    async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let e = bounded(
            self.client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(css)),
        )
        .await?;
        bounded(e.clear()).await?;
        bounded(e.send_keys(text)).await?;
        Ok(())
    }

    async fn click(&self, css: &str) -> anyhow::Result<()> {
        let e = bounded(
            self.client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(css)),
        )
        .await?;
        bounded(e.click()).await?;
        Ok(())
    }

    async fn click_text(&self, tag: &str, text: &str) -> anyhow::Result<()> {
        self.click_xpath(&format!("//{tag}[contains(normalize-space(.), '{text}')]"))
            .await
    }

    async fn click_xpath(&self, xpath: &str) -> anyhow::Result<()> {
        let e = bounded(
            self.client
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::XPath(xpath)),
        )
        .await?;
        bounded(e.click()).await?;
        Ok(())
    }

    /// Opens the console and signs the seeded supervisor in.
    async fn sign_in(&mut self, base: &str) -> anyhow::Result<()> {
        bounded(self.client.goto(&format!("{base}/console"))).await?;
        self.fill("input[name=staffId]", STAFF).await?;
        self.fill("input[name=password]", PASSWORD).await?;
        self.click("button[type=submit]").await?;
        self.see("事務 花子").await
    }

    /// Waits until the page's text contains `text`.
    async fn see(&self, text: &str) -> anyhow::Result<()> {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let body = bounded(self.client.find(Locator::Css("body"))).await?;
            if bounded(body.text()).await?.contains(text) {
                return Ok(());
            }
            if Instant::now() > until {
                bail!("the page never showed {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fetches `url` inside the page (with the session cookie) and returns its bytes.
    async fn download(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let v = bounded(self.client.execute_async(
            "const [url, done] = arguments;
             fetch(url, {credentials: 'same-origin'})
               .then(r => r.ok ? r.arrayBuffer() : Promise.reject('HTTP ' + r.status))
               .then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); done(btoa(s)); })
               .catch(e => done('ERROR ' + e));",
            vec![serde_json::json!(url)],
        ))
        .await?;
        let text = v.as_str().context("the script returns a string")?;
        if text.starts_with("ERROR") {
            bail!("download of {url} failed: {text}");
        }
        use base64::Engine;
        Ok(base64::engine::general_purpose::STANDARD.decode(text)?)
    }
}

fn run(cmd: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .with_context(|| format!("running {cmd}"))?;
    if !out.status.success() {
        bail!("{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The real server (this process, plain HTTP, the built console) and a headless
/// chromium driven by chromedriver, screenshots under `target/e2e-screenshots/{shots}`.
struct Session {
    b: Browser,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _driver: Driver,
}

async fn launch(store: Arc<Store>, shots: &str) -> anyhow::Result<Session> {
    let dist = repo_root().join("ui").join("dist");
    anyhow::ensure!(
        dist.join("console.html").is_file(),
        "build the UI first (cd ui && npm run build)"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut state = AppState::new(store.clone(), outreach_keys::KdfParams::FOR_TESTS);
    state.console_dir = Some(dist);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(outreach_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let port = free_port()?;
    let _driver = Driver(
        tokio::process::Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting chromedriver (apt-get install chromium-driver)")?,
    );
    wait_for_port(port).await?;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=ja"]
        }),
    );
    let client = bounded(
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .context("a chromium session")?;
    let b = Browser {
        client,
        shots: out_dir(shots),
        count: 0,
    };
    Ok(Session {
        b,
        base: format!("http://{addr}"),
        stop,
        server,
        _driver,
    })
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver, poppler-utils and ui/dist (make console-e2e)"]
async fn office_console_from_sign_in_to_the_daily_report() -> anyhow::Result<()> {
    let day = japan_today();
    let data = tempfile::tempdir()?;
    let store: Arc<Store> = Arc::new(Store::open_sqlite(data.path()).await?);
    seed(&store, &day).await?;
    let Session {
        mut b,
        base,
        stop,
        server,
        _driver,
    } = launch(store.clone(), "console").await?;
    let started = Instant::now();

    // Sign in.
    bounded(b.client.goto(&format!("{base}/console"))).await?;
    b.fill("input[name=staffId]", STAFF).await?;
    b.fill("input[name=password]", PASSWORD).await?;
    b.shot("sign-in").await?;
    b.click("button[type=submit]").await?;
    b.see("事務 花子").await?;

    // Plan a trip; the seeded one shows its six records.
    b.see("太田市役所前テント").await?;
    b.fill("input[name=siteName]", "株式会社サンプル工業 本社")
        .await?;
    b.fill("input[name=siteAddress]", "群馬県太田市新田町1-1")
        .await?;
    b.fill("input[name=expectedCount]", "35").await?;
    b.click_text("button", "出張を登録").await?;
    b.see("株式会社サンプル工業 本社").await?;
    // Change it: the expected count.
    b.click_xpath("//tr[contains(., 'サンプル工業')]//button[contains(., '編集')]")
        .await?;
    b.fill("input[name=expectedCount]", "42").await?;
    b.click_text("button", "変更を保存").await?;
    b.see("出張を変更しました").await?;
    b.shot("trips").await?;
    let tablet_trips = store.trips_from(&day).await?;
    anyhow::ensure!(
        tablet_trips
            .iter()
            .any(|t| t.site_name == "株式会社サンプル工業 本社" && t.expected_count == Some(42)),
        "the planned and changed trip is what tablets download"
    );

    // The synced records of the seeded trip in the review queue, one opened beside its
    // details.
    b.click_xpath("//tr[contains(., '太田市役所前テント')]//button[contains(., '記録を見る')]")
        .await?;
    b.see(&app_id(5)).await?;
    b.see("本人確認書類不足").await?;
    b.click_text("button", "開く").await?;
    b.see("見本 次郎1").await?;
    let loaded = bounded(b.client.execute_async(
        "const done = arguments[arguments.length - 1];
         const imgs = [...document.querySelectorAll('.photos img')];
         Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth, () => 0))).then(done);",
        vec![],
    ))
    .await?;
    anyhow::ensure!(
        loaded
            .as_array()
            .is_some_and(|a| a.len() == 2 && a.iter().all(|w| w.as_u64().unwrap_or(0) > 0)),
        "both photos of the record load side by side under the CSP: {loaded}"
    );
    b.shot("review").await?;

    // A card batch: two of ours and one unknown.
    b.click("button[data-page=cards]").await?;
    b.fill("input[name=label]", "第1便").await?;
    b.fill(
        "textarea[name=applicationIds]",
        &format!("{}\n{}\n{}", app_id(1), app_id(2), app_id(77)),
    )
    .await?;
    b.click_text("button", "照合して登録").await?;
    b.see("照合 2 / 3").await?;
    b.click_text("button", "発送リスト").await?;
    b.see("群馬県太田市浜町2-1").await?;
    b.shot("cards").await?;
    // A CSV with a short ID is refused as a whole, row named.
    b.fill(
        "textarea[name=applicationIds]",
        &format!("{}\n1234", app_id(3)),
    )
    .await?;
    b.click_text("button", "照合して登録").await?;
    b.see("2行: 申請書IDは23桁です").await?;

    // A returned card and a phone contact about it.
    b.click("button[data-page=returned]").await?;
    b.fill("input[name=applicationId]", &app_id(1)).await?;
    b.click_text("button", "返戻物を登録").await?;
    b.see(&app_id(1)).await?;
    b.click("table#returned button").await?;
    b.fill("input[name=outcome]", "不在のため留守電").await?;
    b.fill("input[name=nextStep]", "明日午前に再架電").await?;
    b.click("form[aria-label=連絡を記録] button[type=submit]")
        .await?;
    b.see("不在のため留守電").await?;
    b.shot("returned").await?;

    // Counter and phone tally.
    b.click("button[data-page=tally]").await?;
    b.fill("input[name=topic]", "出張申請の日程").await?;
    b.fill("input[name=answer]", "次回は12月3日と案内").await?;
    b.click_text("button", "電話対応を記録").await?;
    b.see("次回は12月3日と案内").await?;
    b.click_text("button", "窓口対応を記録").await?;
    b.see("交付等支援 1件").await?;
    b.shot("tally").await?;

    // The daily report in the console, then downloaded as PDF and read back.
    b.click("button[data-page=reports]").await?;
    b.click_text("button", "表示").await?;
    b.see("日次報告書").await?;
    b.see("出張申請サポート件数（会場別）").await?;
    b.shot("report").await?;
    let href = bounded(
        bounded(b.client.find(Locator::Css("a[data-format=pdf]")))
            .await?
            .attr("href"),
    )
    .await?
    .context("the download link has an href")?;
    let pdf = b.download(&format!("{base}{href}")).await?;
    let pdf_path = b.shots.join("daily-report.pdf");
    std::fs::write(&pdf_path, &pdf)?;
    let text = run(
        "pdftotext",
        &["-layout", pdf_path.to_str().context("path")?, "-"],
    )?;
    for heading in [
        "日次報告書",
        "出張申請サポート件数（会場別）",
        "電話対応件数（内容別）",
        "太田市役所前テント",
        &app_id(6),
    ] {
        anyhow::ensure!(
            text.contains(heading),
            "the downloaded PDF's text holds {heading}"
        );
    }
    anyhow::ensure!(!text.contains("見本"), "no name reaches the report");
    let summary_line = text
        .lines()
        .find(|l| l.contains("出張申請サポート件数（合計）"))
        .context("total line")?;
    anyhow::ensure!(
        summary_line.trim_end().ends_with('6'),
        "six records synced: {summary_line}"
    );
    let png_base = b.shots.join("daily-report-page");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            pdf_path.to_str().context("path")?,
            png_base.to_str().context("path")?,
        ],
    )?;
    println!("report page: {}-1.png", png_base.display());
    println!(
        "figure: console walk-through {} ms; daily PDF {} bytes",
        started.elapsed().as_millis(),
        pdf.len()
    );

    // Supervisors: a staff account, a tablet's enrolment QR code, the audit trail.
    b.click("button[data-page=admin]").await?;
    b.fill("input[name=newStaffId]", "office02").await?;
    b.fill("input[name=newStaffName]", "窓口 三郎").await?;
    b.fill("input[name=newStaffPassword]", "office-pass-2")
        .await?;
    b.click_text("button", "職員を追加").await?;
    b.see("窓口 三郎").await?;
    b.fill("input[name=deviceName]", "タブレット2").await?;
    b.click_text("button", "登録用QRコードを発行").await?;
    bounded(
        b.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".enrolment img")),
    )
    .await?;
    let qr = bounded(b.client.execute_async(
        "const done = arguments[arguments.length - 1];
         const img = document.querySelector('.enrolment img');
         img.decode().then(() => done(img.naturalWidth), () => done(0));",
        vec![],
    ))
    .await?;
    anyhow::ensure!(
        qr.as_u64().unwrap_or(0) > 0,
        "the enrolment QR code shows under the CSP"
    );
    b.see("report_exported").await?;
    b.shot("admin").await?;
    anyhow::ensure!(
        store.staff("office02").await?.is_some(),
        "the account was added"
    );

    // The trail of one person: tablet and office actions, the tablet's gap flagged.
    b.click("button[data-page=trail]").await?;
    b.see("操作履歴（タブレットと事務所）").await?;
    bounded(
        b.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(
                "select[name=trailStaff] option[value='office01']",
            )),
    )
    .await?;
    b.click("select[name=trailStaff] option[value='office01']")
        .await?;
    b.click_text("button", "表示").await?;
    b.see("欠落あり").await?;
    b.see("改ざんの疑い 1件").await?;
    b.see("タブレット1").await?;
    b.shot("trail").await?;
    let flagged = bounded(b.client.find_all(Locator::Css("#trail tr.flagged"))).await?;
    anyhow::ensure!(flagged.len() == 1, "one flagged row, got {}", flagged.len());
    let csv = b
        .download(&format!("{base}/api/v1/console/trail/file?staffId={STAFF}"))
        .await?;
    let csv = String::from_utf8(csv)?;
    anyhow::ensure!(
        csv.contains("欠落あり") && csv.contains("タブレット"),
        "the CSV: {csv}"
    );

    let audit = store.audit_log(200).await?;
    for action in [
        "login",
        "trip_created",
        "record_viewed",
        "card_batch_added",
        "mailing_list_viewed",
        "returned_added",
        "returned_contact_added",
        "phone_enquiry_added",
        "report_exported",
    ] {
        anyhow::ensure!(
            audit
                .iter()
                .any(|e| e.action == action && e.actor_id == STAFF),
            "{action} is audited with the staff ID"
        );
    }

    bounded(b.client.close()).await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Counter pickup at the office: the 交付通知書 of a batch printed (and read back
/// from the PDF the page made), a resident found and booked on the phone into a slot
/// of the calendar, the card handed over from the day's list, and the daily report
/// counting the handover and the call.
#[tokio::test]
#[ignore = "needs chromium, chromedriver, poppler-utils and ui/dist (make console-e2e)"]
async fn counter_pickup_from_the_notice_to_the_handover() -> anyhow::Result<()> {
    let day = japan_today();
    let data = tempfile::tempdir()?;
    let store: Arc<Store> = Arc::new(Store::open_sqlite(data.path()).await?);
    seed(&store, &day).await?;
    let now = timestamp(chrono::Utc::now());
    // Two residents helped in mode サポート, beside the seeded 受付 record 6 for the counter.
    let mut records = Vec::new();
    for (n, name, kana, birth) in [
        (11u32, "窓口 一子", "マドグチ イチコ", "1961-03-03"),
        (12, "窓口 二郎", "マドグチ ジロウ", "2015-08-20"),
    ] {
        let payload = serde_json::json!({
            "format": "outreach-record/1",
            "trip": {"id": "trip-home", "siteName": "特別養護老人ホーム見本園", "siteAddress": "", "date": day, "mode": "support"},
            "applicationId": app_id(n), "name": name, "kana": kana, "birthDate": birth,
            "postalCode": "3730853", "address": format!("群馬県太田市浜町{n}-2"),
            "delivery": "counter", "photo": {"retakes": 0, "warnings": [], "failures": []}, "notes": ""
        })
        .to_string();
        records.push(RecordUpload {
            id: format!("0190b000-0000-7000-8000-{n:0>12}"),
            version: 1,
            format: 1,
            trip_id: "trip-home".into(),
            base_version: None,
            amend_reason: None,
            created_by: STAFF.into(),
            finalized_at: now.clone(),
            payload_hash: "0".repeat(64),
            payload,
            photos: vec![],
        });
    }
    store.put_records("tablet-1", &records, &now).await?;
    let cards = [1, 6, 11, 12].map(|n| (app_id(n), None::<String>));
    let held = store
        .latest_records(&outreach_server::store::RecordFilter::default())
        .await?;
    let cards: Vec<(String, Option<String>)> = cards
        .into_iter()
        .map(|(id, _)| {
            let record = held
                .iter()
                .find(|r| r.payload.contains(&id))
                .map(|r| r.record_id.clone());
            (id, record)
        })
        .collect();
    store
        .insert_card_batch(&outreach_server::store::NewCardBatch {
            batch_id: "batch-e2e".into(),
            label: "第7便".into(),
            delivered_on: day.clone(),
            storage: "金庫2段目".into(),
            cards,
            created_by: STAFF.into(),
            created_at: now.clone(),
        })
        .await?
        .map_err(|ids| anyhow::anyhow!("cards refused: {ids:?}"))?;
    // Every day open, so the test does not depend on the day it runs.
    let mut settings = outreach_server::pickup::default_settings();
    settings.weekdays = (1..=7).collect();
    settings.holidays_closed = false;
    settings.year_end_closed = false;
    settings.office_name = "太田市 市民課".into();
    settings.booking_phone = "0276-47-1111".into();
    store
        .put_setting(
            outreach_server::pickup::SETTINGS_KEY,
            &serde_json::to_string(&settings)?,
            STAFF,
            &now,
        )
        .await?;

    let Session {
        mut b,
        base,
        stop,
        server,
        _driver,
    } = launch(store.clone(), "console-pickup").await?;
    b.sign_in(&base).await?;

    // 交付通知書: the batch's three counter cards, printed together and marked sent.
    b.click("button[data-page=pickup]").await?;
    b.click("button[data-tab=notices]").await?;
    b.see("第7便").await?;
    b.click_xpath("//tr[contains(., '第7便')]//button[contains(., '通知書を見る')]")
        .await?;
    b.see("窓口 一子").await?;
    b.see("未送付 3件").await?;
    b.shot("notices").await?;
    b.click("#print-notices").await?;
    b.see("3件の通知書を作成し、送付済みにしました。").await?;
    b.see("未送付 0件").await?;
    let href = bounded(
        bounded(b.client.find(Locator::Css("#notices-pdf")))
            .await?
            .attr("href"),
    )
    .await?
    .context("the PDF link has an href")?;
    let pdf = b.download(&href).await?;
    let pdf_path = b.shots.join("notices.pdf");
    std::fs::write(&pdf_path, &pdf)?;
    let text = run(
        "pdftotext",
        &["-layout", pdf_path.to_str().context("path")?, "-"],
    )?;
    for want in [
        "マイナンバーカード交付通知書",
        "窓口 一子 様",
        "窓口 二郎 様",
        "法定代理人",
        &app_id(11),
        "0276-47-1111",
    ] {
        anyhow::ensure!(text.contains(want), "the notices' text holds {want}");
    }
    anyhow::ensure!(
        !text.contains("見本 次郎1 "),
        "a mailed card gets no notice"
    );
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            pdf_path.to_str().context("path")?,
            b.shots.join("notice-page").to_str().context("path")?,
        ],
    )?;
    b.shot("notices-printed").await?;

    // The resident phones: found by 申請書ID, booked into today's last slot.
    b.click("button[data-tab=phone]").await?;
    b.fill("input[name=applicationId]", &app_id(11)).await?;
    b.click_text("button", "検索").await?;
    b.see("マドグチ イチコ").await?;
    b.see("第7便").await?;
    b.shot("phone-found").await?;
    b.click(&format!(
        "button.slot[data-date='{day}'][data-time='16:30']"
    ))
    .await?;
    b.see("予約しました").await?;
    b.see("予約中").await?;
    b.shot("phone-booked").await?;

    // The day's list: the booking with what to bring and the card's place; handed over.
    b.click("button[data-tab=day]").await?;
    b.see("窓口 一子").await?;
    b.see("金庫2段目").await?;
    b.see("本人確認書類").await?;
    b.shot("day").await?;
    b.click_xpath("//tr[contains(., '窓口 一子')]//button[@data-act='handover']")
        .await?;
    b.see("交付済み").await?;
    b.shot("day-handed-over").await?;

    // The daily report counts the handover and the call.
    b.click("button[data-page=reports]").await?;
    b.click_text("button", "表示").await?;
    b.see("窓口交付（予約）").await?;
    b.see("受け取り予約").await?;
    let summary = bounded(b.client.execute(
        "const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes('うち窓口交付（予約来庁）'));
         return row ? row.textContent : '';",
        vec![],
    ))
    .await?;
    anyhow::ensure!(
        summary
            .as_str()
            .is_some_and(|s| s.trim_end().ends_with('1')),
        "the daily report counts one handover: {summary}"
    );
    b.shot("report").await?;
    let stage = store
        .latest_records(&outreach_server::store::RecordFilter {
            application_ids: Some(vec![app_id(11)]),
            ..Default::default()
        })
        .await?;
    anyhow::ensure!(
        stage.first().is_some_and(|r| r.stage == "issued"),
        "the record's stage is 交付"
    );

    bounded(b.client.close()).await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// The code an authenticator app shows for `secret` (base32, as the settings screen
/// shows it) in the 30-second step `step`.
fn totp_code(secret: &str, step: i64) -> anyhow::Result<String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("the secret shown is not base32: {e:?}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        STAFF.into(),
    )?;
    Ok(totp.generate(u64::try_from(step * 30)?))
}

fn this_step() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(30)
}

/// 二段階認証 from the supervisor's own settings: the QR code and the secret shown, the
/// first code (computed from the secret on the screen) confirms it; after signing out,
/// sign-in asks for a code as a second step, refuses a wrong one in Japanese and takes
/// the right one. The audit view shows where each action came from (接続元).
#[tokio::test]
#[ignore = "needs chromium, chromedriver and ui/dist (make console-e2e)"]
async fn a_supervisor_turns_on_two_step_sign_in_and_the_audit_shows_the_address()
-> anyhow::Result<()> {
    let day = japan_today();
    let data = tempfile::tempdir()?;
    let store: Arc<Store> = Arc::new(Store::open_sqlite(data.path()).await?);
    seed(&store, &day).await?;
    let Session {
        mut b,
        base,
        stop,
        server,
        _driver,
    } = launch(store.clone(), "console-totp").await?;
    b.sign_in(&base).await?;

    // The settings screen: the QR code (under the CSP) and the secret as text.
    b.click("button[data-page=account]").await?;
    b.see("未設定").await?;
    b.click_text("button", "二段階認証を設定する").await?;
    bounded(
        b.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#totp-qr")),
    )
    .await?;
    let qr = bounded(b.client.execute_async(
        "const done = arguments[arguments.length - 1];
         const img = document.querySelector('#totp-qr');
         img.decode().then(() => done(img.naturalWidth), () => done(0));",
        vec![],
    ))
    .await?;
    anyhow::ensure!(
        qr.as_u64().unwrap_or(0) >= 200,
        "the TOTP QR code shows under the CSP, at least 200 px: {qr}"
    );
    let shown = bounded(
        bounded(b.client.find(Locator::Css("#totp-secret")))
            .await?
            .text(),
    )
    .await?;
    let secret: String = shown.split_whitespace().collect();
    anyhow::ensure!(
        secret.len() == 32 && shown.contains(' '),
        "the secret is shown in groups for typing by hand: {shown:?}"
    );
    b.shot("totp-setup").await?;

    // The first code, as the app would show it now, turns it on.
    let confirmed_step = this_step();
    b.fill("input[name=totpCode]", &totp_code(&secret, confirmed_step)?)
        .await?;
    b.click_text("button", "確認して有効にする").await?;
    b.see("二段階認証を有効にしました").await?;
    b.see("有効").await?;
    b.shot("totp-enabled").await?;
    anyhow::ensure!(
        matches!(store.totp(STAFF).await?, Some((s, true)) if s == secret),
        "the server keeps the secret shown, confirmed"
    );

    // Signed out, sign-in asks for the code after the password.
    b.click_text("button", "サインアウト").await?;
    b.see("職員サインイン").await?;
    b.fill("input[name=staffId]", STAFF).await?;
    b.fill("input[name=password]", PASSWORD).await?;
    b.click("button[type=submit]").await?;
    b.see("確認コードの入力").await?;
    let input = bounded(b.client.find(Locator::Css("input[name=totpCode]"))).await?;
    anyhow::ensure!(
        bounded(input.attr("inputmode")).await?.as_deref() == Some("numeric")
            && bounded(input.attr("autocomplete")).await?.as_deref() == Some("one-time-code"),
        "the code is typed on the numeric keypad, and offered by the phone's autofill"
    );
    b.shot("sign-in-code").await?;
    // As a tablet in portrait would show it.
    bounded(b.client.set_window_size(820, 1180)).await?;
    b.shot("sign-in-code-tablet").await?;
    bounded(b.client.set_window_size(1400, 1000)).await?;

    // A wrong code (another time's) is refused in Japanese; nobody is signed in.
    let wrong = totp_code(&secret, confirmed_step + 40)?;
    let right = totp_code(&secret, confirmed_step + 1)?;
    anyhow::ensure!(wrong != right, "two steps, two codes");
    b.fill("input[name=totpCode]", &wrong).await?;
    b.click_text("button", "確認してサインイン").await?;
    b.see("確認コードが違うか、すでに使われています").await?;
    b.shot("sign-in-code-wrong").await?;
    anyhow::ensure!(
        !bounded(bounded(b.client.find(Locator::Css("body"))).await?.text())
            .await?
            .contains("事務 花子"),
        "a wrong code signs nobody in"
    );
    // The next step's code (the one confirmed is used up) signs in.
    b.fill("input[name=totpCode]", &right).await?;
    b.click_text("button", "確認してサインイン").await?;
    b.see("事務 花子").await?;

    // The audit view: 接続元 of the sign-ins is the browser's loopback address.
    b.click("button[data-page=admin]").await?;
    b.see("接続元").await?;
    b.see("login_failed").await?;
    let clients = bounded(b.client.execute(
        "const table = document.querySelector('table#audit');
         const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
         const col = heads.indexOf('接続元');
         const act = heads.indexOf('操作');
         return [...table.querySelectorAll('tbody tr')]
           .filter(tr => tr.children[act].textContent.trim().startsWith('login'))
           .map(tr => col < 0 ? '' : tr.children[col].textContent.trim());",
        vec![],
    ))
    .await?;
    let clients: Vec<String> = serde_json::from_value(clients)?;
    anyhow::ensure!(
        clients.len() >= 3 && clients.iter().all(|c| c == "127.0.0.1"),
        "every sign-in row shows 接続元 127.0.0.1: {clients:?}"
    );
    b.shot("audit-client").await?;

    bounded(b.client.close()).await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}
