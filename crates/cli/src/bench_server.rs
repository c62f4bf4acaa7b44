//! `outreach bench server`: many simulated tablets on loopback uploading finalized
//! records with a photo each to a running office server, exactly as the app talks to
//! it (enrol; per record a tus creation and one PATCH with the whole photo; per batch
//! the records, then the manifest, which must list every record `complete`), beside a
//! floor: the same photos and record rows written into a plain local SQLite file from
//! one thread, WAL and `synchronous=FULL`, one transaction per photo.
//!
//! A benchmark, not a test: it prints figures and ratios and fails only when the
//! server cannot be used at all. Lost records (not `complete` in the manifest) and
//! failed requests are counted and printed, never hidden.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use outreach_protocol::sync::{
    BatchResult, DeviceCredential, EnrolmentCode, Manifest, ManifestRequest, PhotoRef, RecordBatch,
    RecordKey, RecordUpload,
};
use sha2::{Digest, Sha256};

/// What ODK Central reports for a small server: 41 submissions per second on a
/// 2 GB droplet (other hardware than this benchmark's).
const ODK_CENTRAL_SUBMISSIONS_PER_S: f64 = 41.0;
/// Issue 5's target for this server, records with a photo per second.
const TARGET_RECORDS_PER_S: f64 = 400.0;

/// `outreach bench server` arguments.
#[derive(clap::Args, Debug)]
pub struct ServerArgs {
    /// The server's base URL, http://… or https://… (the URL in the enrolment codes is
    /// not used, so codes made for another address still work).
    #[arg(long)]
    url: String,
    /// Enrolment codes, one JSON object per line as `outreach-server device enrol
    /// --json` prints them; each tablet uses one.
    #[arg(long)]
    codes: PathBuf,
    /// SPKI pin (`sha256/…`) of an https server; by default the pin in the codes.
    #[arg(long)]
    pin: Option<String>,
    /// Simulated tablets, each its own enrolled device with its own connection.
    #[arg(long, default_value_t = 16)]
    tablets: usize,
    /// Records each tablet sends.
    #[arg(long, default_value_t = 100)]
    records_per_tablet: usize,
    /// Photo size in KB (1 KB = 1000 bytes); random bytes, different for every record.
    #[arg(long, default_value_t = 300)]
    photo_kb: usize,
    /// Records per `POST /api/v1/records` batch (and per manifest check).
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// The server's process ID: its memory (VmRSS before, during and after the load,
    /// VmHWM) and CPU time are read from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Skip the reference run (the floor).
    #[arg(long)]
    no_reference: bool,
    /// Folder for the reference SQLite file; put it on the same disk as the server's
    /// data. Default: a temporary folder.
    #[arg(long)]
    reference_dir: Option<PathBuf>,
    /// Page size of the reference SQLite file: by default the office server's own
    /// (16 KB, set in crates/server/src/store/sqlite.rs).
    #[arg(long, default_value_t = 16384)]
    floor_page_size: u32,
}

/// The request kinds timed.
#[derive(Clone, Copy)]
enum Kind {
    Enrol = 0,
    Create = 1,
    Patch = 2,
    Records = 3,
    Manifest = 4,
}

const KINDS: [(&str, Kind); 5] = [
    ("enrol", Kind::Enrol),
    ("create", Kind::Create),
    ("patch", Kind::Patch),
    ("records", Kind::Records),
    ("manifest", Kind::Manifest),
];

/// One record to send: its upload form and the seed of its photo.
#[derive(Clone)]
struct Work {
    record: RecordUpload,
    photo_seed: u64,
}

/// What one tablet saw.
#[derive(Default)]
struct Outcome {
    latencies: [Vec<f64>; 5],
    errors: [u64; 5],
    samples: Vec<String>,
    sent: u64,
    complete: u64,
}

impl Outcome {
    fn time(&mut self, kind: Kind, since: Instant) {
        self.latencies[kind as usize].push(since.elapsed().as_secs_f64() * 1000.0);
    }

    fn error(&mut self, kind: Kind, what: String) {
        self.errors[kind as usize] += 1;
        if self.samples.len() < 5 {
            self.samples.push(what);
        }
    }

    fn merge(&mut self, other: Outcome) {
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies) {
            mine.extend(theirs);
        }
        for (mine, theirs) in self.errors.iter_mut().zip(other.errors) {
            *mine += theirs;
        }
        for s in other.samples {
            if self.samples.len() < 10 {
                self.samples.push(s);
            }
        }
        self.sent += other.sent;
        self.complete += other.complete;
    }
}

/// Bytes that stand in for a photo: `len` random-looking bytes between a JPEG's start
/// and end markers, different for every seed, so no two records share a photo and
/// content addressing cannot flatter the figure. The server does not decode them.
/// A structurally sound JPEG of `len` bytes (the office refuses anything else):
/// quantisation and Huffman tables, a 640 × 480 frame header, a scan header, image data
/// without 0xFF bytes (so nothing needs stuffing) and the end-of-image marker.
fn photo_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = crate::synthetic::Rng::new(seed);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00];
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11,
        0x00, 0x03, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x13, 0x00,
    ]);
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00,
    ]);
    let header = out.len();
    while out.len() + 2 < len {
        out.extend(rng.next().to_le_bytes().map(|b| b.min(0xFE)));
    }
    out.truncate(len.saturating_sub(2).max(header));
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A finalized record's fields as the app would send them: about 1.2 KB of JSON with
/// Japanese names and addresses (made up), never anything like a 個人番号.
fn payload(rng: &mut crate::synthetic::Rng, staff: &str) -> String {
    let mut p = crate::synthetic::applicant(rng);
    const DOCS: &[(&str, &str)] = &[
        ("運転免許証", "A"),
        ("パスポート", "A"),
        ("健康保険証", "B"),
        ("年金手帳", "B"),
        ("介護保険証", "B"),
    ];
    let (doc, list) = DOCS[rng.below(DOCS.len() as u64) as usize];
    let extra = serde_json::json!({
        "applicationType": "新規",
        "addressKana": "グンマケン オオタシ",
        "residentSince": format!("{:04}-{:02}-01", 1960 + rng.below(60), 1 + rng.below(12)),
        "identityDocuments": [
            { "kind": doc, "list": list, "checked": true, "checkedBy": staff },
            { "kind": "社員証", "list": "B", "checked": true, "checkedBy": staff },
        ],
        "photo": {
            "source": "camera",
            "checks": { "background": "無地", "face": "正面", "size": "適合", "glasses": "なし", "shadow": "なし" },
            "crop": { "x": 212, "y": 148, "width": 540, "height": 720 },
        },
        "delivery": { "mode": "uketsuke", "mailTo": "住民票の住所", "notice": "本人限定受取郵便" },
        "consents": { "privacyNotice": true, "photoUse": true, "proxyPickup": false },
        "pinSettings": { "userAuth": "後日設定", "signature": "後日設定" },
        "remarks": "事業所の会議室にて受付。本人確認書類は原本を確認済み。写真は当日撮影、背景と顔の向きを確認した。",
        "site": { "name": "太田市役所 出張申請（事業所）", "address": "群馬県太田市浜町2-35" },
        "staff": { "receivedBy": staff, "photoBy": staff },
        "appVersion": "0.1.0",
    });
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p.to_string()
}

/// The records of one tablet; photo hashes are computed here, before the clock runs.
fn make_work(
    tablet: usize,
    n: usize,
    photo_len: usize,
    rng: &mut crate::synthetic::Rng,
) -> Vec<Work> {
    let staff = format!("s{:03}", tablet + 1);
    let trip_id = uuid::Uuid::now_v7().to_string();
    (0..n)
        .map(|i| {
            let payload = payload(rng, &staff);
            let photo_seed = ((tablet as u64) << 32) | (i as u64 + 1);
            let photo_sha = sha256_hex(&photo_bytes(photo_seed, photo_len));
            Work {
                record: RecordUpload {
                    id: uuid::Uuid::now_v7().to_string(),
                    version: 1,
                    format: 1,
                    trip_id: trip_id.clone(),
                    base_version: None,
                    amend_reason: None,
                    created_by: staff.clone(),
                    finalized_at: chrono::Utc::now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    payload_hash: sha256_hex(payload.as_bytes()),
                    payload,
                    photos: vec![PhotoRef {
                        role: "original".into(),
                        sha256: photo_sha,
                    }],
                },
                photo_seed,
            }
        })
        .collect()
}

/// An HTTP client for one tablet: plain, or pinned to the server's key.
fn client(https_pin: Option<&str>) -> anyhow::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent("outreach-bench/0.1");
    let builder = match https_pin {
        Some(pin) => builder.tls_backend_preconfigured(
            outreach_sync::pin::pinned_client_config(pin).context("the pin")?,
        ),
        None => builder,
    };
    Ok(builder.build()?)
}

/// A short description of a refused request: status and the server's error code.
async fn refusal(what: &str, r: reqwest::Response) -> String {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    format!(
        "{what}: {status} {}",
        body.chars().take(200).collect::<String>()
    )
}

struct Tablet {
    http: reqwest::Client,
    base: String,
    auth: String,
}

async fn enrol(http: reqwest::Client, base: String, code: String) -> (Result<Tablet, String>, f64) {
    let started = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/enrol"))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let tablet = match r {
        Ok(r) if r.status() == 201 => match r.json::<DeviceCredential>().await {
            Ok(c) => Ok(Tablet {
                http,
                base,
                auth: format!("Bearer {}", c.credential),
            }),
            Err(e) => Err(format!("enrol: unreadable credential: {e}")),
        },
        Ok(r) => Err(refusal("enrol", r).await),
        Err(e) => Err(format!("enrol: {e}")),
    };
    (tablet, ms)
}

/// One photo over tus: creation, then the whole photo in one PATCH. True when stored.
async fn upload(t: &Tablet, w: &Work, photo_len: usize, out: &mut Outcome) -> bool {
    let photo = photo_bytes(w.photo_seed, photo_len);
    let sha = &w.record.photos[0].sha256;
    let started = Instant::now();
    let r = t
        .http
        .post(format!("{}/api/v1/uploads", t.base))
        .header("authorization", &t.auth)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", photo.len().to_string())
        .header(
            "upload-metadata",
            format!("sha256 {}", STANDARD.encode(sha)),
        )
        .send()
        .await;
    let location = match r {
        Ok(r) if r.status() == 201 => {
            out.time(Kind::Create, started);
            match r.headers().get("location").and_then(|v| v.to_str().ok()) {
                Some(l) if l.starts_with("http") => l.to_owned(),
                Some(l) => format!("{}{l}", t.base),
                None => {
                    out.error(Kind::Create, "create: no Location".into());
                    return false;
                }
            }
        }
        Ok(r) => {
            let e = refusal("create", r).await;
            out.error(Kind::Create, e);
            return false;
        }
        Err(e) => {
            out.error(Kind::Create, format!("create: {e}"));
            return false;
        }
    };
    let len = photo.len();
    let started = Instant::now();
    let r = t
        .http
        .patch(location)
        .header("authorization", &t.auth)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(photo)
        .send()
        .await;
    match r {
        Ok(r) if r.status() == 204 => {
            out.time(Kind::Patch, started);
            let offset = r
                .headers()
                .get("upload-offset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if offset == Some(len) {
                true
            } else {
                out.error(Kind::Patch, format!("patch: offset {offset:?} of {len}"));
                false
            }
        }
        Ok(r) => {
            let e = refusal("patch", r).await;
            out.error(Kind::Patch, e);
            false
        }
        Err(e) => {
            out.error(Kind::Patch, format!("patch: {e}"));
            false
        }
    }
}

/// A tablet's whole run, batch after batch, as the sync engine does it.
async fn run_tablet(t: Tablet, work: Vec<Work>, photo_len: usize, batch: usize) -> Outcome {
    let mut out = Outcome::default();
    for chunk in work.chunks(batch) {
        out.sent += chunk.len() as u64;
        for w in chunk {
            // A photo that failed is not retried: the manifest then shows the record
            // incomplete and it is counted lost.
            upload(&t, w, photo_len, &mut out).await;
        }
        let body = RecordBatch {
            records: chunk.iter().map(|w| w.record.clone()).collect(),
        };
        let started = Instant::now();
        match t
            .http
            .post(format!("{}/api/v1/records", t.base))
            .header("authorization", &t.auth)
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => {
                out.time(Kind::Records, started);
                match r.json::<BatchResult>().await {
                    Ok(b) if b.results.len() == chunk.len() => {}
                    Ok(b) => out.error(
                        Kind::Records,
                        format!("records: {} results for {}", b.results.len(), chunk.len()),
                    ),
                    Err(e) => out.error(Kind::Records, format!("records: unreadable: {e}")),
                }
            }
            Ok(r) => {
                let e = refusal("records", r).await;
                out.error(Kind::Records, e);
            }
            Err(e) => out.error(Kind::Records, format!("records: {e}")),
        }
        let ask = ManifestRequest {
            records: chunk
                .iter()
                .map(|w| RecordKey {
                    id: w.record.id.clone(),
                    version: w.record.version,
                })
                .collect(),
        };
        let started = Instant::now();
        match t
            .http
            .post(format!("{}/api/v1/manifest", t.base))
            .header("authorization", &t.auth)
            .json(&ask)
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => {
                out.time(Kind::Manifest, started);
                match r.json::<Manifest>().await {
                    Ok(m) => {
                        out.complete += chunk
                            .iter()
                            .filter(|w| {
                                m.records.iter().any(|h| {
                                    h.id == w.record.id
                                        && h.version == w.record.version
                                        && h.payload_hash == w.record.payload_hash
                                        && h.complete
                                        && h.photos.len() == w.record.photos.len()
                                })
                            })
                            .count() as u64;
                    }
                    Err(e) => out.error(Kind::Manifest, format!("manifest: unreadable: {e}")),
                }
            }
            Ok(r) => {
                let e = refusal("manifest", r).await;
                out.error(Kind::Manifest, e);
            }
            Err(e) => out.error(Kind::Manifest, format!("manifest: {e}")),
        }
    }
    out
}

/// The floor: the same photos and record rows into a plain SQLite file from one
/// thread, WAL and synchronous=FULL and the page size the server opens its database with, one durable
/// transaction per photo and one per batch of records. No HTTP, no TLS, no hashing.
fn reference(
    dir: &Path,
    work: &[Work],
    photo_len: usize,
    batch: usize,
    page_size: u32,
) -> anyhow::Result<Duration> {
    let path = dir.join("outreach-bench-floor.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut c = rusqlite::Connection::open(&path).context("reference database")?;
    c.pragma_update(None, "page_size", page_size)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.execute_batch(
        "CREATE TABLE photos (sha256 TEXT PRIMARY KEY NOT NULL, bytes BLOB NOT NULL, size INTEGER NOT NULL, stored_at TEXT NOT NULL) STRICT;
         CREATE TABLE records (record_id TEXT NOT NULL, version INTEGER NOT NULL, format INTEGER NOT NULL, trip_id TEXT NOT NULL,
             created_by TEXT NOT NULL, finalized_at TEXT NOT NULL, payload TEXT NOT NULL, payload_hash TEXT NOT NULL,
             received_at TEXT NOT NULL, PRIMARY KEY (record_id, version)) STRICT;
         CREATE TABLE record_photos (record_id TEXT NOT NULL, version INTEGER NOT NULL, role TEXT NOT NULL, sha256 TEXT NOT NULL,
             PRIMARY KEY (record_id, version, role)) STRICT;",
    )?;
    let started = Instant::now();
    for chunk in work.chunks(batch) {
        for w in chunk {
            let photo = photo_bytes(w.photo_seed, photo_len);
            let now = chrono::Utc::now().to_rfc3339();
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO photos (sha256, bytes, size, stored_at) VALUES (?1, ?2, ?3, ?4)",
                (&w.record.photos[0].sha256, &photo, photo.len() as i64, &now),
            )?;
            tx.commit()?;
        }
        let now = chrono::Utc::now().to_rfc3339();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for w in chunk {
            let r = &w.record;
            tx.execute(
                "INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    r.id,
                    r.version,
                    r.format,
                    r.trip_id,
                    r.created_by,
                    r.finalized_at,
                    r.payload,
                    r.payload_hash,
                    now
                ],
            )?;
            for p in &r.photos {
                tx.execute(
                    "INSERT INTO record_photos VALUES (?1, ?2, ?3, ?4)",
                    (&r.id, r.version, &p.role, &p.sha256),
                )?;
            }
        }
        tx.commit()?;
    }
    let took = started.elapsed();
    drop(c);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(took)
}

/// `VmRSS` and `VmHWM` of a process, in kB.
fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// User + system CPU seconds of a process (clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Whole-machine CPU ticks: (busy, iowait, total).
fn machine_ticks() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user)
    let busy = v[0] + v[1] + v[2] + v.get(5)? + v.get(6)? + v.get(7)?;
    let iowait = v[4];
    Some((busy, iowait, busy + v[3] + iowait))
}

/// p-th percentile (0..=1) of sorted values, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs the benchmark and prints its figures.
pub async fn run(a: ServerArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if a.tablets == 0 || a.records_per_tablet == 0 || a.batch == 0 {
        bail!("--tablets, --records-per-tablet and --batch are at least 1");
    }
    let base = a.url.trim_end_matches('/').to_owned();
    let text = std::fs::read_to_string(&a.codes)
        .with_context(|| format!("reading {}", a.codes.display()))?;
    let codes: Vec<EnrolmentCode> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("an enrolment code per line, as JSON")?;
    if codes.len() < a.tablets {
        bail!(
            "{} enrolment codes for {} tablets: one code per tablet",
            codes.len(),
            a.tablets
        );
    }
    let tls = base.starts_with("https://");
    let pin = if tls {
        Some(
            a.pin
                .clone()
                .or_else(|| codes[0].spki_pin.clone())
                .context("an https server needs --pin or a pin in the codes")?,
        )
    } else {
        None
    };
    let photo_len = a.photo_kb * 1000;

    let health: serde_json::Value = client(pin.as_deref())?
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .with_context(|| format!("{base} does not answer"))?
        .json()
        .await
        .context("health")?;
    let storage = health["storage"].as_str().unwrap_or("?").to_owned();

    // Everything a tablet sends is prepared before the clock runs.
    let mut rng = crate::synthetic::Rng::new(0x0ff1ce);
    let work: Vec<Vec<Work>> = (0..a.tablets)
        .map(|t| make_work(t, a.records_per_tablet, photo_len, &mut rng))
        .collect();
    let payload_avg = work
        .iter()
        .flatten()
        .map(|w| w.record.payload.len())
        .sum::<usize>()
        / (a.tablets * a.records_per_tablet);

    let mut total = Outcome::default();
    let mut enrolled = Vec::new();
    let mut joins = Vec::new();
    for code in codes.iter().take(a.tablets) {
        joins.push(tokio::spawn(enrol(
            client(pin.as_deref())?,
            base.clone(),
            code.code.clone(),
        )));
    }
    for j in joins {
        let (tablet, ms) = j.await?;
        match tablet {
            Ok(t) => {
                total.latencies[Kind::Enrol as usize].push(ms);
                enrolled.push(t);
            }
            Err(e) => total.error(Kind::Enrol, e),
        }
    }
    if enrolled.len() < a.tablets {
        bail!(
            "only {} of {} tablets enrolled: {:?}",
            enrolled.len(),
            a.tablets,
            total.samples
        );
    }

    let server_before = a.server_pid.and_then(memory_kb);
    let server_cpu_before = a.server_pid.and_then(|p| cpu_seconds(&p.to_string()));
    let self_cpu_before = cpu_seconds("self");
    let machine_before = machine_ticks();
    // The server's resident memory during the load, sampled every 50 ms (its VmHWM
    // is no use for this: the Argon2 calibration at start already peaks at ~75 MB).
    let load_peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = a.server_pid.map(|pid| {
        let peak = load_peak.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tick.tick().await;
                if let Some((rss, _)) = memory_kb(pid) {
                    peak.fetch_max(rss, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })
    });
    let started = Instant::now();
    let mut joins = Vec::new();
    for (t, w) in enrolled.into_iter().zip(work.iter().cloned()) {
        joins.push(tokio::spawn(run_tablet(t, w, photo_len, a.batch)));
    }
    for j in joins {
        total.merge(j.await?);
    }
    let wall = started.elapsed().as_secs_f64();
    let machine_after = machine_ticks();
    if let Some(s) = sampler {
        s.abort();
    }
    let load_peak_kb =
        Some(load_peak.load(std::sync::atomic::Ordering::Relaxed)).filter(|&k| k > 0);
    let self_cpu = cpu_seconds("self").zip(self_cpu_before).map(|(a, b)| a - b);
    let server_cpu = a
        .server_pid
        .and_then(|p| cpu_seconds(&p.to_string()))
        .zip(server_cpu_before)
        .map(|(a, b)| a - b);
    let server_after = a.server_pid.and_then(memory_kb);
    let (busy_pct, iowait_pct, busy_s) = match (machine_before, machine_after) {
        (Some(b), Some(a)) if a.2 > b.2 => {
            let total = (a.2 - b.2) as f64;
            (
                Some(100.0 * (a.0 - b.0) as f64 / total),
                Some(100.0 * (a.1 - b.1) as f64 / total),
                Some((a.0 - b.0) as f64 / 100.0),
            )
        }
        _ => (None, None, None),
    };
    // Everything else that ran meanwhile: PostgreSQL, the kernel's own threads, and
    // whatever else the machine was doing (which then makes the figures unreliable).
    let other_cpu = busy_s.map(|b| b - server_cpu.unwrap_or(0.0) - self_cpu.unwrap_or(0.0));

    let floor = if a.no_reference {
        None
    } else {
        let dir = match &a.reference_dir {
            Some(d) => d.clone(),
            None => std::env::temp_dir(),
        };
        let all: Vec<Work> = work.iter().flatten().cloned().collect();
        let (batch, page_size) = (a.batch, a.floor_page_size);
        Some(
            tokio::task::spawn_blocking(move || reference(&dir, &all, photo_len, batch, page_size))
                .await??
                .as_secs_f64(),
        )
    };

    let sent = total.sent;
    let lost = sent - total.complete.min(sent);
    let rec_s = total.complete as f64 / wall;
    let mb_s = rec_s * photo_len as f64 / 1e6;
    let requests: usize = total.latencies[1..].iter().map(Vec::len).sum();
    let errors: u64 = total.errors.iter().sum();
    let floor_rec_s = floor.map(|s| sent as f64 / s);
    let ratio = floor_rec_s.map(|f| rec_s / f);
    let mut lat = Vec::new();
    for (name, kind) in KINDS {
        let mut v = total.latencies[kind as usize].clone();
        v.sort_by(f64::total_cmp);
        lat.push((name, kind, v));
    }

    if a.json {
        let latency: serde_json::Map<String, serde_json::Value> = lat
            .iter()
            .map(|(name, _, v)| {
                (
                    (*name).to_owned(),
                    serde_json::json!({
                        "count": v.len(),
                        "p50": percentile(v, 0.5),
                        "p99": percentile(v, 0.99),
                        "max": v.last().copied().unwrap_or(f64::NAN),
                    }),
                )
            })
            .collect();
        let errors_by: serde_json::Map<String, serde_json::Value> = KINDS
            .iter()
            .map(|(name, kind)| ((*name).to_owned(), total.errors[*kind as usize].into()))
            .collect();
        let out = serde_json::json!({
            "url": base,
            "storage": storage,
            "tls": tls,
            "tablets": a.tablets,
            "recordsPerTablet": a.records_per_tablet,
            "batch": a.batch,
            "photoBytes": photo_len,
            "payloadBytesAvg": payload_avg,
            "recordsSent": sent,
            "recordsComplete": total.complete,
            "recordsLost": lost,
            "requestErrors": errors,
            "errors": errors_by,
            "errorSamples": total.samples,
            "wallSeconds": wall,
            "recordsPerSecond": rec_s,
            "photoMBPerSecond": mb_s,
            "requestsPerSecond": requests as f64 / wall,
            "latencyMs": latency,
            "server": {
                "pid": a.server_pid,
                "rssBeforeLoadKB": server_before.map(|m| m.0),
                "rssAfterLoadKB": server_after.map(|m| m.0),
                "hwmKB": server_after.map(|m| m.1),
                "rssPeakDuringLoadKB": load_peak_kb,
                "cpuSeconds": server_cpu,
            },
            "clientCpuSeconds": self_cpu,
            "otherCpuSeconds": other_cpu,
            "machineBusyPercent": busy_pct,
            "machineIowaitPercent": iowait_pct,
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "floorRecordsPerSecond": floor_rec_s,
            "floorSeconds": floor,
            "floorPageSize": a.floor_page_size,
            "ratioServerToFloor": ratio,
            "targetRecordsPerSecond": TARGET_RECORDS_PER_S,
            "odkCentralSubmissionsPerSecond": ODK_CENTRAL_SUBMISSIONS_PER_S,
        });
        println!("{out}");
        return Ok(());
    }

    println!(
        "office server {base} ({storage}, {}): {} tablets × {} records, batches of {}, a {} KB photo each (random bytes, different per record), payload ≈ {} bytes",
        if tls { "HTTPS, pinned" } else { "plain HTTP" },
        a.tablets,
        a.records_per_tablet,
        a.batch,
        photo_len / 1000,
        payload_avg
    );
    println!(
        "  complete in the manifest  {} of {sent} (lost {lost}; failed requests {errors})",
        total.complete
    );
    println!("  wall time                 {wall:.2} s");
    println!(
        "  records with photo /s     {rec_s:.0}   (target ≥ {TARGET_RECORDS_PER_S:.0}: {})",
        if rec_s >= TARGET_RECORDS_PER_S {
            "met"
        } else {
            "not met"
        }
    );
    println!("  photo MB/s                {mb_s:.1}");
    println!("  requests /s               {:.0}", requests as f64 / wall);
    println!(
        "  × ODK Central's 41/s      {:.1}  (its figure is from a 2 GB droplet: other hardware)",
        rec_s / ODK_CENTRAL_SUBMISSIONS_PER_S
    );
    println!("  latency ms      count      p50      p99      max");
    for (name, _, v) in &lat {
        println!(
            "    {name:<10} {:>8} {:>8.1} {:>8.1} {:>8.1}",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    if let Some(pid) = a.server_pid {
        let mb =
            |kb: Option<u64>| kb.map_or("?".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0));
        println!(
            "  server (pid {pid}) memory  {} before the load (VmRSS), {} at most during it (sampled every 50 ms), {} right after; {} peak since start (VmHWM)",
            mb(server_before.map(|m| m.0)),
            mb(load_peak_kb),
            mb(server_after.map(|m| m.0)),
            mb(server_after.map(|m| m.1))
        );
    }
    let f = |x: Option<f64>, unit: &str| x.map_or("?".to_owned(), |x| format!("{x:.1}{unit}"));
    println!(
        "  CPU                       server {}, this client {}, other processes {}; machine busy {} of {} cores, iowait {}",
        f(server_cpu, " s"),
        f(self_cpu, " s"),
        f(other_cpu, " s"),
        f(busy_pct, " %"),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        f(iowait_pct, " %")
    );
    if let (Some(secs), Some(fr), Some(ratio)) = (floor, floor_rec_s, ratio) {
        println!(
            "  floor: plain SQLite file, one thread, WAL + synchronous=FULL, {} KB pages, a transaction per photo and per batch: {fr:.0} records/s ({:.1} MB/s, {secs:.2} s)",
            a.floor_page_size / 1024,
            fr * photo_len as f64 / 1e6
        );
        println!("  ratio server/floor        {ratio:.2}");
    }
    for s in &total.samples {
        println!("  error: {s}");
    }
    Ok(())
}
