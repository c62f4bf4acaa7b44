//! Photo upload over tus 1.0 (<https://tus.io/protocols/resumable-upload>): core,
//! creation, checksum (sha256, sha1), termination and expiration.
//!
//! No mature tus server crate exists for Rust (DEPENDENCIES.md), so the protocol is
//! written here; a standard client (tuspy) is run against it in the tests.
//!
//! Bytes are stored as they arrive: a PATCH body is read frame by frame and whatever
//! arrived is stored when the link drops or stalls, so the tablet continues from the
//! server's offset and a cut costs at most what was in flight. Photos are
//! content-addressed: the creation request names the whole photo's SHA-256, the
//! finished upload is checked against it, and a photo already held is stored once.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use http_body_util::BodyExt;
use outreach_protocol::ErrorBody;
use outreach_protocol::tus::{
    OFFSET_CONTENT_TYPE, TUS_CHECKSUMS, TUS_EXTENSIONS, TUS_MAX_SIZE, TUS_VERSION,
    UPLOAD_EXPIRY_HOURS, UPLOADS_PATH,
};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::records::is_sha256_hex;
use crate::auth::{DeviceAuth, hex};
use crate::store::{Append, Upload, timestamp};
use crate::{AppError, AppState};

/// Bytes kept in memory before they are stored, when the link is slow.
const PIECE: usize = 256 * 1024;
/// A piece is stored once it is this old, so a fast link writes once per photo and
/// a slow one loses at most a piece when the server itself dies mid-request.
const PIECE_AGE: Duration = Duration::from_secs(1);
/// A PATCH whose body stalls this long is ended; what arrived is kept.
const STALL: Duration = Duration::from_secs(30);

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");

/// 460, tus's "Checksum Mismatch".
fn checksum_mismatch(message: &str) -> AppError {
    AppError::client(
        StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
        "checksum_mismatch",
        message,
    )
}

fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every tus request but OPTIONS names the protocol version.
fn check_version(headers: &HeaderMap) -> Result<(), AppError> {
    if header_str(headers, &TUS_RESUMABLE) == Some(TUS_VERSION) {
        Ok(())
    } else {
        Err(AppError::client(
            StatusCode::PRECONDITION_FAILED,
            "tus_version",
            format!("send 'Tus-Resumable: {TUS_VERSION}'"),
        ))
    }
}

fn parse_u64(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, AppError> {
    match header_str(headers, name) {
        None => Ok(None),
        Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
            AppError::bad_request(
                "invalid_header",
                format!("{name} is a non-negative integer"),
            )
        }),
    }
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs.
fn metadata_value(raw: &str, key: &str) -> Option<String> {
    raw.split(',').find_map(|pair| {
        let mut parts = pair.trim().splitn(2, ' ');
        (parts.next() == Some(key))
            .then(|| parts.next().unwrap_or(""))
            .and_then(|v| STANDARD.decode(v.trim()).ok())
            .and_then(|b| String::from_utf8(b).ok())
    })
}

fn http_date(rfc3339: &str) -> Option<HeaderValue> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    HeaderValue::from_str(
        &t.with_timezone(&Utc)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    )
    .ok()
}

fn tus_headers(offset: Option<i64>, upload: Option<&Upload>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(o) = offset {
        h.insert(UPLOAD_OFFSET, HeaderValue::from(o));
    }
    if let Some(v) = upload.and_then(|u| http_date(&u.expires_at)) {
        h.insert(UPLOAD_EXPIRES, v);
    }
    h
}

/// What the server supports (no credential needed).
#[utoipa::path(
    options, path = "/uploads", tag = "photos",
    responses((status = 204, description = "Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm headers"))
)]
pub async fn options() -> Response {
    let mut h = HeaderMap::new();
    h.insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    h.insert(
        HeaderName::from_static("tus-version"),
        HeaderValue::from_static(TUS_VERSION),
    );
    h.insert(
        HeaderName::from_static("tus-extension"),
        HeaderValue::from_static(TUS_EXTENSIONS),
    );
    h.insert(
        HeaderName::from_static("tus-max-size"),
        HeaderValue::from(TUS_MAX_SIZE),
    );
    h.insert(
        HeaderName::from_static("tus-checksum-algorithm"),
        HeaderValue::from_static(TUS_CHECKSUMS),
    );
    (StatusCode::NO_CONTENT, h).into_response()
}

/// Starts an upload. `Upload-Metadata` must carry `sha256` (the whole photo's lowercase
/// hex SHA-256, base64-encoded as tus metadata values are).
#[utoipa::path(
    post, path = "/uploads", tag = "photos", security(("device" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "The tus version: 1.0.0", pattern = r"^1\.0\.0$"),
        ("Upload-Length" = u64, Header, description = "The photo's size in bytes"),
        ("Upload-Metadata" = String, Header, description = "Must include `sha256 <base64 of the lowercase hex SHA-256>`"),
    ),
    responses(
        (status = 201, description = "Created; the Location header names the upload"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 507, description = "The device's unfinished uploads declare all the space allowed; nothing created", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    device: DeviceAuth,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(AppError::bad_request(
            "defer_length_unsupported",
            "send Upload-Length: a photo's size is known before it is sent",
        ));
    }
    let length = parse_u64(&headers, &UPLOAD_LENGTH)?
        .ok_or_else(|| AppError::bad_request("upload_length_missing", "send Upload-Length"))?;
    if length > TUS_MAX_SIZE {
        return Err(AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            format!("a photo is at most {TUS_MAX_SIZE} bytes"),
        ));
    }
    let metadata = header_str(&headers, &UPLOAD_METADATA)
        .unwrap_or("")
        .to_owned();
    let sha256 = metadata_value(&metadata, "sha256")
        .filter(|s| is_sha256_hex(s))
        .ok_or_else(|| {
            AppError::bad_request(
                "upload_sha256_missing",
                "Upload-Metadata must carry 'sha256' with the photo's lowercase hex SHA-256 (base64-encoded)",
            )
        })?;
    if metadata.len() > 4096 {
        return Err(AppError::bad_request(
            "upload_metadata_too_long",
            "Upload-Metadata is at most 4096 bytes",
        ));
    }
    let now = state.clock.now();
    let upload = Upload {
        upload_id: hex(uuid::Uuid::new_v4().as_bytes()),
        device_id: device.0.device_id.clone(),
        sha256,
        length: i64::try_from(length).unwrap_or(i64::MAX),
        offset: 0,
        metadata,
        created_at: timestamp(now),
        expires_at: timestamp(now + chrono::Duration::hours(UPLOAD_EXPIRY_HOURS)),
    };
    if let Err(used) = state
        .store
        .create_upload(&upload, state.upload_space)
        .await?
    {
        // 507, not 413: this photo is not too large, the device's space is full for
        // now. The tablet retries later (a 5xx), by when its other uploads have
        // finished or expired; a 413 would tell it this photo can never be sent.
        tracing::info!(used, space = state.upload_space, "upload space full");
        return Err(AppError::client(
            StatusCode::INSUFFICIENT_STORAGE,
            "upload_space_full",
            format!(
                "this device's unfinished uploads already declare {used} of the {} bytes allowed: finish or terminate them first",
                state.upload_space
            ),
        ));
    }
    let mut h = tus_headers(None, Some(&upload));
    let location = format!("{UPLOADS_PATH}/{}", upload.upload_id);
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok((StatusCode::CREATED, h).into_response())
}

/// The caller's unexpired upload, or a 404/410.
async fn owned_upload(state: &AppState, device: &DeviceAuth, id: &str) -> Result<Upload, AppError> {
    // Upload IDs are 32 hex digits; anything else (`../`, encoded slashes) names nothing.
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(AppError::NotFound);
    }
    let upload = state.store.upload(id).await?.ok_or(AppError::NotFound)?;
    if upload.device_id != device.0.device_id {
        return Err(AppError::NotFound);
    }
    if upload.expires_at < timestamp(state.clock.now()) {
        state.store.delete_upload(id).await?;
        return Err(AppError::client(
            StatusCode::GONE,
            "upload_expired",
            "this upload expired unfinished: start a new one",
        ));
    }
    Ok(upload)
}

/// How far an upload has come.
#[utoipa::path(
    head, path = "/uploads/{id}", tag = "photos", security(("device" = [])),
    params(("id" = String, Path, description = "Upload ID (32 hex digits)", pattern = "^[0-9a-f]{32}$"),
           ("Tus-Resumable" = String, Header, description = "The tus version: 1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 200, description = "Upload-Offset and Upload-Length headers"),
        (status = 401, description = "No valid device credential"),
        (status = 404, description = "No such upload (finished, terminated or never made)"),
        (status = 410, description = "Expired"),
        (status = 412, description = "Wrong Tus-Resumable"),
    )
)]
pub async fn head(
    State(state): State<AppState>,
    device: DeviceAuth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_version(&headers)?;
    let upload = owned_upload(&state, &device, &id).await?;
    let mut h = tus_headers(Some(upload.offset), Some(&upload));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(upload.length));
    if let Ok(v) = HeaderValue::from_str(&upload.metadata)
        && !upload.metadata.is_empty()
    {
        h.insert(UPLOAD_METADATA, v);
    }
    Ok((StatusCode::OK, h).into_response())
}

/// A per-PATCH checksum: `Upload-Checksum: sha256 <base64>` (or sha1).
enum Checksum {
    Sha256(Vec<u8>),
    Sha1(Vec<u8>),
}

impl Checksum {
    fn parse(headers: &HeaderMap) -> Result<Option<Checksum>, AppError> {
        let Some(raw) = header_str(headers, &UPLOAD_CHECKSUM) else {
            return Ok(None);
        };
        let bad = || {
            AppError::bad_request(
                "invalid_checksum_header",
                "Upload-Checksum is '<sha256|sha1> <base64 digest>'",
            )
        };
        let (algo, b64) = raw.trim().split_once(' ').ok_or_else(bad)?;
        let digest = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
        match algo {
            "sha256" if digest.len() == 32 => Ok(Some(Checksum::Sha256(digest))),
            "sha1" if digest.len() == 20 => Ok(Some(Checksum::Sha1(digest))),
            "sha256" | "sha1" => Err(bad()),
            _ => Err(AppError::bad_request(
                "checksum_algorithm_unsupported",
                format!("supported checksum algorithms: {TUS_CHECKSUMS}"),
            )),
        }
    }

    fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            Checksum::Sha256(d) => Sha256::digest(bytes).as_slice() == d.as_slice(),
            Checksum::Sha1(d) => Sha1::digest(bytes).as_slice() == d.as_slice(),
        }
    }
}

/// How a PATCH body ended.
enum BodyEnd {
    /// Every byte arrived.
    Complete,
    /// The link dropped or stalled; what arrived is kept.
    Cut,
}

/// Appends bytes at a known offset; a refusal means another request moved the upload.
async fn append(state: &AppState, id: &str, offset: i64, bytes: Vec<u8>) -> Result<i64, AppError> {
    match state.store.append_upload(id, offset, bytes).await? {
        Append::Appended(o) => Ok(o),
        Append::OffsetMismatch(o) => Err(AppError::client(
            StatusCode::CONFLICT,
            "offset_mismatch",
            format!("the upload is at offset {o}: ask with HEAD and continue from there"),
        )),
        Append::Gone => Err(AppError::NotFound),
    }
}

// How a PATCH body is documented: bytes as they are (`Vec<u8>` would be documented
// as a JSON array of numbers). The handler reads the body itself.
/// The photo's next bytes, as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct UploadBytes(pub Vec<u8>);

/// Sends bytes of an upload, starting at `Upload-Offset`.
#[utoipa::path(
    patch, path = "/uploads/{id}", tag = "photos", security(("device" = [])),
    params(("id" = String, Path, description = "Upload ID (32 hex digits)", pattern = "^[0-9a-f]{32}$"),
           ("Tus-Resumable" = String, Header, description = "The tus version: 1.0.0", pattern = r"^1\.0\.0$"),
           ("Upload-Offset" = u64, Header, description = "Where these bytes start; must equal the server's offset"),
           ("Upload-Checksum" = Option<String>, Header, description = "`sha256 <base64>` or `sha1 <base64>` of this request's body")),
    request_body(content = inline(UploadBytes), content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Stored; Upload-Offset is the new offset"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Upload-Offset differs from the server's", body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 413, description = "Past the declared length; nothing stored", body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "The finished photo is not a well-formed JPEG (or PNG) of a photo's size; the upload discarded", body = ErrorBody),
        (status = 460, description = "Checksum mismatch; nothing stored (or, for the whole photo, the upload discarded)", body = ErrorBody),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    device: DeviceAuth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    check_version(&headers)?;
    if header_str(&headers, &header::CONTENT_TYPE) != Some(OFFSET_CONTENT_TYPE) {
        return Err(AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send the bytes as 'Content-Type: {OFFSET_CONTENT_TYPE}'"),
        ));
    }
    let offset = parse_u64(&headers, &UPLOAD_OFFSET)?
        .ok_or_else(|| AppError::bad_request("upload_offset_missing", "send Upload-Offset"))?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let checksum = Checksum::parse(&headers)?;
    let upload = owned_upload(&state, &device, &id).await?;
    if offset != upload.offset {
        return Err(AppError::client(
            StatusCode::CONFLICT,
            "offset_mismatch",
            format!(
                "the upload is at offset {}: ask with HEAD and continue from there",
                upload.offset
            ),
        ));
    }
    let remaining = usize::try_from(upload.length - upload.offset).unwrap_or(0);
    let past_length = || {
        AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_past_length",
            format!(
                "the upload has {} bytes left of its declared Upload-Length",
                upload.length - upload.offset
            ),
        )
    };
    if parse_u64(&headers, &header::CONTENT_LENGTH)?.is_some_and(|n| n > remaining as u64) {
        return Err(past_length());
    }
    // The body is read in a task of its own: when the link drops, the server may drop
    // this request's future, and what arrived must still be stored.
    let device_id = device.0.device_id.clone();
    tokio::spawn(receive(state, device_id, upload, checksum, body))
        .await
        .map_err(|e| AppError::Internal(format!("upload task: {e}")))?
}

/// Reads a PATCH body into an upload and finishes it when it is complete.
async fn receive(
    state: AppState,
    device_id: String,
    upload: Upload,
    checksum: Option<Checksum>,
    body: Body,
) -> Result<Response, AppError> {
    let remaining = usize::try_from(upload.length - upload.offset).unwrap_or(0);
    let past_length = || {
        AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_past_length",
            format!(
                "the upload has {} bytes left of its declared Upload-Length",
                upload.length - upload.offset
            ),
        )
    };

    // Read the body frame by frame, storing pieces as they age (see PIECE_AGE).
    let mut body = body;
    let mut buffer: Vec<u8> = Vec::with_capacity(remaining.min(PIECE * 2));
    let mut at = upload.offset;
    let mut stored_any = false;
    let mut since = Instant::now();
    let end = loop {
        let frame = match tokio::time::timeout(STALL, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break BodyEnd::Complete,
            Ok(Some(Err(_))) | Err(_) => break BodyEnd::Cut,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let received = usize::try_from(at - upload.offset).unwrap_or(0) + buffer.len() + data.len();
        if received > remaining {
            // The client's idea of this upload is broken: discard it whole rather than
            // keep a prefix of something it did not mean to send.
            state.store.delete_upload(&upload.upload_id).await?;
            return Err(past_length());
        }
        buffer.extend_from_slice(&data);
        let more_to_come = received < remaining;
        if checksum.is_none()
            && more_to_come
            && buffer.len() >= PIECE
            && since.elapsed() >= PIECE_AGE
        {
            at = append(&state, &upload.upload_id, at, std::mem::take(&mut buffer)).await?;
            stored_any = true;
            since = Instant::now();
        }
    };
    if let Some(c) = &checksum {
        if matches!(end, BodyEnd::Cut) {
            // An unverifiable partial body is not kept (tus checksum extension).
            return Err(AppError::bad_request(
                "body_incomplete",
                "the request body ended early; nothing of it was stored",
            ));
        }
        if !c.matches(&buffer) {
            return Err(checksum_mismatch(
                "the body does not match Upload-Checksum; nothing of it was stored",
            ));
        }
    }
    let new_offset = at + i64::try_from(buffer.len()).unwrap_or(i64::MAX);
    if new_offset == upload.length {
        // Finished: check the whole photo against the hash named at creation.
        let bytes = if stored_any || upload.offset > 0 {
            let mut all = state.store.upload_bytes(&upload.upload_id).await?;
            all.extend_from_slice(&buffer);
            all
        } else {
            buffer
        };
        if hex(&Sha256::digest(&bytes)) != upload.sha256 {
            state.store.delete_upload(&upload.upload_id).await?;
            return Err(checksum_mismatch(
                "the photo's bytes do not match the sha256 named when the upload was made; the upload was discarded, start again",
            ));
        }
        if let Err(e) = crate::photo_file::check(&bytes) {
            state.store.delete_upload(&upload.upload_id).await?;
            return Err(AppError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code(),
                format!("{e}; the upload was discarded and nothing stored"),
            ));
        }
        state
            .store
            .complete_upload(&upload, bytes, &timestamp(state.clock.now()))
            .await?;
        tracing::info!(device = %device_id, upload = %upload.upload_id, "photo upload complete");
    } else if !buffer.is_empty() {
        append(&state, &upload.upload_id, at, buffer).await?;
    }
    if matches!(end, BodyEnd::Cut) {
        tracing::info!(upload = %upload.upload_id, offset = new_offset, "upload body cut; kept what arrived");
    }
    Ok((
        StatusCode::NO_CONTENT,
        tus_headers(Some(new_offset), Some(&upload)),
    )
        .into_response())
}

/// Abandons an upload (termination extension).
#[utoipa::path(
    delete, path = "/uploads/{id}", tag = "photos", security(("device" = [])),
    params(("id" = String, Path, description = "Upload ID (32 hex digits)", pattern = "^[0-9a-f]{32}$"),
           ("Tus-Resumable" = String, Header, description = "The tus version: 1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 204, description = "Terminated"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 412, body = ErrorBody),
    )
)]
pub async fn terminate(
    State(state): State<AppState>,
    device: DeviceAuth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_version(&headers)?;
    let upload = owned_upload(&state, &device, &id).await?;
    state.store.delete_upload(&upload.upload_id).await?;
    Ok((StatusCode::NO_CONTENT, tus_headers(None, None)).into_response())
}

/// Whether the office holds a photo already (so a tablet can skip sending it).
#[utoipa::path(
    head, path = "/photos/{sha256}", tag = "photos", security(("device" = [])),
    params(("sha256" = String, Path, description = "Lowercase hex SHA-256", pattern = "^[0-9a-f]{64}$")),
    responses((status = 200, description = "Held"), (status = 401, description = "No valid device credential"), (status = 404, description = "Not held"))
)]
pub async fn photo_held(
    State(state): State<AppState>,
    _device: DeviceAuth,
    Path(sha256): Path<String>,
) -> Result<StatusCode, AppError> {
    if is_sha256_hex(&sha256) && state.store.photo_held(&sha256).await? {
        Ok(StatusCode::OK)
    } else {
        Err(AppError::NotFound)
    }
}
