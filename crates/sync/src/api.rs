//! The office API as the tablet calls it: typed requests, typed errors.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use outreach_protocol::sync::{
    AuditReceipt, BatchResult, DeviceCredential, DeviceSettings, DeviceStatus, EnrolRequest,
    Manifest, ManifestRequest, RecordKey, RecordUpload, Roster, TabletAuditEvent, Trips,
};
use outreach_protocol::tus::{OFFSET_CONTENT_TYPE, TUS_VERSION, UPLOADS_PATH};
use outreach_protocol::{API_PREFIX, ErrorBody};
use reqwest::{Method, StatusCode};

use crate::OfficeClient;

/// Most bytes sent in one PATCH: small photos go in one request (round trips cost on a
/// 60 ms link), a big one in a few, so progress moves and a cut costs little.
pub const PATCH_BYTES: usize = 1024 * 1024;

/// Why a call to the office failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The link failed or timed out: try again later.
    #[error("the office server could not be reached: {0}")]
    Unreachable(String),
    /// The office revoked this tablet: lock it and destroy the key wraps.
    #[error("this tablet was revoked by the office")]
    Revoked,
    /// The credential is unknown or expired: enrol again.
    #[error("the office does not accept this tablet's credential ({0})")]
    NotEnrolled(String),
    /// The office holds these versions with another payload; nothing was stored.
    #[error("the office holds {} record version(s) with different content", .0.len())]
    Conflict(Vec<RecordKey>),
    /// The office refused the request (a 4xx with its stable code).
    #[error("the office refused the request: {code} ({status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's stable code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The server failed (5xx) or answered something unreadable: try again later.
    #[error("the office server failed: {0}")]
    Server(String),
}

impl ApiError {
    /// True when trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Unreachable(_) | ApiError::Server(_))
    }

    /// True when the link failed because the server's key is not the pinned one: the
    /// wrong server (or a machine in between), not a bad signal.
    pub fn is_pin_mismatch(&self) -> bool {
        matches!(self, ApiError::Unreachable(why) if *why == crate::pin::PinMismatch.to_string())
    }
}

fn unreachable(e: &reqwest::Error) -> ApiError {
    ApiError::Unreachable(crate::describe(e))
}

/// Turns a non-success response into an [`ApiError`].
async fn failure(response: reqwest::Response) -> ApiError {
    let status = response.status();
    if status.is_server_error() {
        return ApiError::Server(format!("answered {status}"));
    }
    let body: Option<ErrorBody> = response.json().await.ok();
    let (code, message, conflicts) = body.map_or_else(
        || (String::new(), String::new(), Vec::new()),
        |b| (b.code, b.message, b.conflicts),
    );
    match (status, code.as_str()) {
        (StatusCode::UNAUTHORIZED, "device_revoked") => ApiError::Revoked,
        (StatusCode::UNAUTHORIZED, _) => ApiError::NotEnrolled(code),
        (StatusCode::CONFLICT, "record_conflict") => ApiError::Conflict(conflicts),
        _ => ApiError::Refused {
            status: status.as_u16(),
            code,
            message,
        },
    }
}

/// The state of a tus upload at the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// The office has this many bytes of it.
    At(u64),
    /// The upload is gone (finished, expired or never made): start a new one.
    Gone,
}

impl OfficeClient {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with(API_PREFIX) {
            format!("{}{path}", self.base)
        } else {
            format!("{}{API_PREFIX}{path}", self.base)
        }
    }

    fn request(&self, method: Method, path: &str, credential: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(credential)
    }

    async fn json<T: serde::de::DeserializeOwned>(
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        let response = request.send().await.map_err(|e| unreachable(&e))?;
        if !response.status().is_success() {
            return Err(failure(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| ApiError::Server(format!("unreadable answer: {e}")))
    }

    /// Enrols with a one-time code (no credential yet), naming the tablet's stable
    /// identity and, when enrolling again, the device it was.
    pub async fn enrol(
        &self,
        code: &str,
        tablet_id: Option<&str>,
        previous_device_id: Option<&str>,
    ) -> Result<DeviceCredential, ApiError> {
        Self::json(self.http.post(self.url("/enrol")).json(&EnrolRequest {
            code: code.to_owned(),
            tablet_id: tablet_id.map(str::to_owned),
            previous_device_id: previous_device_id.map(str::to_owned),
        }))
        .await
    }

    /// A renewed credential; the one given keeps working until the new one is used.
    pub async fn renew_credential(&self, credential: &str) -> Result<DeviceCredential, ApiError> {
        Self::json(self.request(Method::POST, "/device/credential", credential)).await
    }

    /// The device as the office sees it (also: is this credential good?).
    pub async fn device(&self, credential: &str) -> Result<DeviceStatus, ApiError> {
        Self::json(self.request(Method::GET, "/device", credential)).await
    }

    /// The staff roster with key wraps.
    pub async fn roster(&self, credential: &str) -> Result<Roster, ApiError> {
        Self::json(self.request(Method::GET, "/roster", credential)).await
    }

    /// Trips from today on.
    pub async fn trips(&self, credential: &str) -> Result<Trips, ApiError> {
        Self::json(self.request(Method::GET, "/trips", credential)).await
    }

    /// Retention, document rules, the office key.
    pub async fn settings(&self, credential: &str) -> Result<DeviceSettings, ApiError> {
        Self::json(self.request(Method::GET, "/settings", credential)).await
    }

    /// Sends a batch of records (all or nothing).
    pub async fn put_records(
        &self,
        credential: &str,
        records: &[RecordUpload],
    ) -> Result<BatchResult, ApiError> {
        Self::json(
            self.request(Method::POST, "/records", credential)
                .json(&serde_json::json!({ "records": records })),
        )
        .await
    }

    /// Sends audit events of the tablet's chain; the office checks and keeps them.
    pub async fn put_audit(
        &self,
        credential: &str,
        events: &[TabletAuditEvent],
    ) -> Result<AuditReceipt, ApiError> {
        Self::json(
            self.request(Method::POST, "/audit", credential)
                .json(&serde_json::json!({ "events": events })),
        )
        .await
    }

    /// Which of these versions the office holds, with their photos.
    pub async fn manifest(
        &self,
        credential: &str,
        keys: &[RecordKey],
    ) -> Result<Manifest, ApiError> {
        Self::json(
            self.request(Method::POST, "/manifest", credential)
                .json(&ManifestRequest {
                    records: keys.to_vec(),
                }),
        )
        .await
    }

    /// Starts a tus upload for a photo of `length` bytes with this lowercase hex
    /// SHA-256; returns its URL path.
    pub async fn create_upload(
        &self,
        credential: &str,
        length: u64,
        sha256_hex: &str,
    ) -> Result<String, ApiError> {
        let response = self
            .request(Method::POST, UPLOADS_PATH, credential)
            .header("tus-resumable", TUS_VERSION)
            .header("upload-length", length)
            .header(
                "upload-metadata",
                format!("sha256 {}", STANDARD.encode(sha256_hex)),
            )
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        if response.status() != StatusCode::CREATED {
            return Err(failure(response).await);
        }
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| ApiError::Server("upload created without a Location".into()))
    }

    /// How far an upload has come.
    pub async fn upload_offset(
        &self,
        credential: &str,
        url: &str,
    ) -> Result<UploadState, ApiError> {
        let response = self
            .request(Method::HEAD, url, credential)
            .header("tus-resumable", TUS_VERSION)
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        match response.status() {
            StatusCode::OK => response
                .headers()
                .get("upload-offset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map(UploadState::At)
                .ok_or_else(|| ApiError::Server("HEAD without Upload-Offset".into())),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(UploadState::Gone),
            _ => Err(failure(response).await),
        }
    }

    /// Sends `bytes` (the photo's bytes from `offset` on, at most [`PATCH_BYTES`]);
    /// returns the office's new offset.
    pub async fn patch_upload(
        &self,
        credential: &str,
        url: &str,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<u64, ApiError> {
        let response = self
            .request(Method::PATCH, url, credential)
            .header("tus-resumable", TUS_VERSION)
            .header("upload-offset", offset)
            .header("content-type", OFFSET_CONTENT_TYPE)
            .body(bytes)
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        if response.status() != StatusCode::NO_CONTENT {
            return Err(failure(response).await);
        }
        response
            .headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ApiError::Server("PATCH without Upload-Offset".into()))
    }
}
