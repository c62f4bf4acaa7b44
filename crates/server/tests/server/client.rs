//! A small client for the tests: a supervisor at the console and an enrolled tablet,
//! both speaking to a [`TestServer`] over real HTTP.

use base64::Engine;
use outreach_protocol::console::{EnrolmentIssued, SESSION_COOKIE};
use outreach_protocol::sync::{DeviceCredential, PhotoRef, RecordUpload};
use outreach_server::store::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::TestServer;

/// The staff ID the test records name as their author.
pub const AUTHOR: &str = "demo01";

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A photo of about `n` bytes, different for each seed: a structurally sound JPEG (the
/// server refuses anything else), not a picture.
pub fn photo(n: usize, seed: u8) -> Vec<u8> {
    outreach_server::photo_file::synthetic_jpeg(n, u32::from(seed), 640, 480)
}

/// Adds a staff account straight into the database (cheap test KDF).
pub async fn add_staff(server: &TestServer, id: &str, role: Role, password: &str) {
    let account = outreach_server::staff::new_account(
        id,
        "試験 職員",
        role,
        password,
        outreach_keys::KdfParams::FOR_TESTS,
        chrono::Utc::now(),
    )
    .expect("account");
    server
        .store
        .insert_staff(&account)
        .await
        .expect("insert staff");
}

/// A signed-in console user.
pub struct Console {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: String,
}

impl Console {
    /// Adds `id` with `role` and signs in.
    pub async fn sign_in(server: &TestServer, id: &str, role: Role) -> Console {
        add_staff(server, id, role, "correct horse battery").await;
        let http = http();
        let response = http
            .post(server.url("/api/v1/console/session"))
            .json(&json!({ "staffId": id, "password": "correct horse battery" }))
            .send()
            .await
            .expect("login answers");
        assert_eq!(response.status(), 200, "login with the right password");
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie")
            .to_owned();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
        assert!(cookie.starts_with(SESSION_COOKIE));
        Console {
            http,
            base: server.url(""),
            cookie,
        }
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .json(&body)
            .send()
            .await
            .expect("server answers")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("server answers")
    }

    pub async fn enrolment(&self, name: &str) -> EnrolmentIssued {
        let r = self
            .post("/api/v1/console/enrolments", json!({ "deviceName": name }))
            .await;
        assert_eq!(r.status(), 201, "a supervisor issues enrolment codes");
        r.json().await.expect("enrolment body")
    }

    pub async fn audit_actions(&self) -> Vec<(String, String, String)> {
        let r = self.get("/api/v1/console/audit?limit=1000").await;
        assert_eq!(r.status(), 200);
        let log: outreach_protocol::console::AuditLog = r.json().await.expect("audit");
        log.events
            .into_iter()
            .map(|e| (e.actor_kind, e.action, e.subject))
            .collect()
    }
}

/// An enrolled tablet.
pub struct Tablet {
    pub http: reqwest::Client,
    pub base: String,
    pub credential: DeviceCredential,
}

impl Tablet {
    /// Enrols a tablet, and gives the office the staff member [`record`] names as the
    /// author (the office accepts records only from staff it has).
    pub async fn enrol(server: &TestServer, console: &Console, name: &str) -> Tablet {
        ensure_author(server).await;
        let issued = console.enrolment(name).await;
        let http = http();
        let r = http
            .post(server.url("/api/v1/enrol"))
            .json(&json!({ "code": issued.enrolment.code }))
            .send()
            .await
            .expect("enrol answers");
        assert_eq!(r.status(), 201, "a fresh code enrols");
        Tablet {
            http,
            base: server.url(""),
            credential: r.json().await.expect("credential"),
        }
    }

    pub fn auth(&self) -> String {
        format!("Bearer {}", self.credential.credential)
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.http
            .request(method, url)
            .header("authorization", self.auth())
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.req(reqwest::Method::GET, path)
            .send()
            .await
            .expect("server answers")
    }

    pub async fn post(&self, path: &str, body: &impl serde::Serialize) -> reqwest::Response {
        self.req(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("server answers")
    }

    /// Creates a tus upload for these bytes; returns its path.
    pub async fn tus_create(&self, bytes: &[u8]) -> String {
        let meta = base64::engine::general_purpose::STANDARD.encode(sha256_hex(bytes));
        let r = self
            .req(reqwest::Method::POST, "/api/v1/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", bytes.len().to_string())
            .header(
                "upload-metadata",
                format!("sha256 {meta},filename cGhvdG8uanBn"),
            )
            .send()
            .await
            .expect("server answers");
        assert_eq!(r.status(), 201, "upload created");
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_owned()
    }

    pub async fn tus_patch(
        &self,
        path: &str,
        offset: usize,
        bytes: &[u8],
        checksum: Option<String>,
    ) -> reqwest::Response {
        let mut req = self
            .req(reqwest::Method::PATCH, path)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", offset.to_string())
            .header(CONTENT_TYPE, "application/offset+octet-stream");
        if let Some(c) = checksum {
            req = req.header("upload-checksum", c);
        }
        req.body(bytes.to_vec())
            .send()
            .await
            .expect("server answers")
    }

    pub async fn tus_offset(&self, path: &str) -> Option<u64> {
        let r = self
            .req(reqwest::Method::HEAD, path)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .expect("server answers");
        if r.status() != 200 {
            return None;
        }
        r.headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// Uploads a whole photo in one PATCH.
    pub async fn upload_photo(&self, bytes: &[u8]) {
        let path = self.tus_create(bytes).await;
        let r = self.tus_patch(&path, 0, bytes, None).await;
        assert_eq!(r.status(), 204, "photo stored");
    }
}

/// A finalized record with distinctive personal data (which must never reach a log).
pub fn record(id: &str, version: i64, photos: &[&[u8]]) -> RecordUpload {
    let payload = json!({
        "name": "鷺ノ宮 蘭丸",
        "kana": "サギノミヤ ランマル",
        "address": "東京都中野区鷺宮九丁目99番99号",
        "applicationId": "12345678901234567890123",
    })
    .to_string();
    RecordUpload {
        id: id.to_owned(),
        version,
        format: 1,
        trip_id: "0195f3a0-0000-7000-8000-000000000001".to_owned(),
        base_version: (version > 1).then_some(version - 1),
        amend_reason: (version > 1).then(|| "住所の誤記".to_owned()),
        created_by: AUTHOR.to_owned(),
        finalized_at: "2026-11-26T03:00:00.000Z".to_owned(),
        payload_hash: sha256_hex(payload.as_bytes()),
        payload,
        photos: photos
            .iter()
            .zip(["original", "digital", "print"])
            .map(|(p, role)| PhotoRef {
                role: role.to_owned(),
                sha256: sha256_hex(p),
            })
            .collect(),
    }
}

pub fn new_record_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The staff member [`record`] names as its author, on the office's staff list.
pub async fn ensure_author(server: &TestServer) {
    if server.store.staff(AUTHOR).await.expect("staff").is_some() {
        return;
    }
    let account = outreach_server::staff::new_account(
        AUTHOR,
        "出張 太郎",
        Role::Staff,
        "correct horse battery staple",
        outreach_keys::KdfParams::FOR_TESTS,
        chrono::Utc::now(),
    )
    .expect("account");
    match server.store.insert_staff(&account).await {
        Ok(()) | Err(outreach_server::store::StoreError::Conflict(_)) => {}
        Err(e) => panic!("adding the author: {e}"),
    }
}
