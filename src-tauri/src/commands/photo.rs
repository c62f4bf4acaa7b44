//! The ID photo at the site: a frame from the camera (or an imported file) is checked
//! by `outreach-photo` against the J-LIS rules, and kept in memory, never on disk,
//! until the record it belongs to is saved into the vault with it.

use std::sync::Mutex;

use base64::Engine;
use outreach_domain::record::PhotoInfo;
use outreach_photo::{Config, Outcome};
use outreach_vault::records::{PhotoIn, PhotoRole};
use tauri::State;

use crate::ipc::{IpcError, PhotoCheck, PhotoCheckLine, PhotoRect};

/// A camera frame or a file larger than this is refused before any decoding (a 12 MP
/// camera JPEG is 3–8 MB).
const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;

/// The last photo checked and not yet saved with a record.
#[derive(Default)]
pub struct PendingPhoto(Mutex<Option<Pending>>);

/// A checked photo waiting for its record.
pub struct Pending {
    token: String,
    original: Vec<u8>,
    media_type: &'static str,
    outcome: Outcome,
}

impl PendingPhoto {
    /// Forgets the photo (sign-out, lock): nothing of the last person stays.
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The photo checked as `token`, if it is still the one kept.
    pub fn get(&self, token: &str) -> Option<Kept> {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|p| p.token == token).map(|p| Kept {
            original: p.original.clone(),
            media_type: p.media_type,
            digital: p.outcome.digital_jpeg.clone(),
            print: p.outcome.print_jpeg.clone(),
            warnings: names(&p.outcome, outreach_photo::Verdict::Warn),
            failures: names(&p.outcome, outreach_photo::Verdict::Fail),
        })
    }

    /// The photo was stored with its record: it leaves memory.
    pub fn stored(&self, token: &str) {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_some_and(|p| p.token == token) {
            *guard = None;
        }
    }
}

/// A copy of a kept photo for one save.
pub struct Kept {
    original: Vec<u8>,
    media_type: &'static str,
    digital: Option<Vec<u8>>,
    print: Option<Vec<u8>>,
    warnings: Vec<String>,
    failures: Vec<String>,
}

impl Kept {
    /// The photos to store, in their roles.
    pub fn photos(&self) -> Vec<PhotoIn<'_>> {
        let mut out = vec![PhotoIn {
            role: PhotoRole::Original,
            bytes: &self.original,
            media_type: self.media_type,
        }];
        if let Some(d) = &self.digital {
            out.push(PhotoIn {
                role: PhotoRole::Digital,
                bytes: d,
                media_type: "image/jpeg",
            });
        }
        if let Some(p) = &self.print {
            out.push(PhotoIn {
                role: PhotoRole::Print,
                bytes: p,
                media_type: "image/jpeg",
            });
        }
        out
    }

    /// What the record says about the photo: the checks that warned or failed, with
    /// the retakes and exception staff chose.
    pub fn info(&self, chosen: Option<&PhotoInfo>) -> PhotoInfo {
        PhotoInfo {
            exception: chosen.and_then(|c| c.exception),
            retakes: chosen.map_or(0, |c| c.retakes),
            warnings: self.warnings.clone(),
            failures: self.failures.clone(),
        }
    }
}

fn names(outcome: &Outcome, verdict: outreach_photo::Verdict) -> Vec<String> {
    outcome
        .report
        .checks
        .iter()
        .filter(|c| c.result == verdict)
        .map(|c| text(&c.name))
        .collect()
}

/// A serde enum's name as text (`blur`, `pass`).
fn text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn rect(r: &outreach_photo::PixelRect) -> PhotoRect {
    PhotoRect {
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
    }
}

fn error(code: &str, message: &str) -> IpcError {
    IpcError {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Checks the photo in the request body (JPEG or PNG bytes) and keeps it for the
/// record being taken, replacing any photo kept before.
#[tauri::command]
pub async fn check_photo(
    request: tauri::ipc::Request<'_>,
    pending: State<'_, PendingPhoto>,
) -> Result<PhotoCheck, IpcError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(error(
            "bad_photo",
            "写真を受け取れませんでした。撮り直してください。",
        ));
    };
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(error(
            "too_large",
            "写真のファイルが大きすぎます（40MBまで）。カメラの設定を確認してください。",
        ));
    }
    let original = bytes.clone();
    let (outcome, original) = tokio::task::spawn_blocking(move || {
        let config = Config::default();
        (outreach_photo::process(&original, &config), original)
    })
    .await
    .map_err(|_| IpcError::internal())?;
    let outcome = outcome.map_err(|e| {
        tracing::warn!(code = e.code(), "a photo could not be read");
        error(e.code(), &e.to_string())
    })?;
    let report = &outcome.report;
    let media_type = if original.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else {
        "image/jpeg"
    };
    let mut token = [0u8; 16];
    getrandom::fill(&mut token).map_err(|_| IpcError::internal())?;
    let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let view = PhotoCheck {
        token: token.clone(),
        verdict: text(&report.verdict),
        width: report.width,
        height: report.height,
        face: report.face.as_ref().map(|f| rect(&f.face_box)),
        crown_y: report.face.as_ref().map(|f| f.crown_y),
        chin_y: report.face.as_ref().map(|f| f.chin_y),
        checks: report
            .checks
            .iter()
            .map(|c| PhotoCheckLine {
                name: text(&c.name),
                label: c.label.clone(),
                result: text(&c.result),
                value: c.value,
                unit: c.unit.clone(),
                threshold: serde_json::to_string(&c.threshold).unwrap_or_default(),
                reason: c.reason.clone(),
                regions: c.regions.iter().map(rect).collect(),
            })
            .collect(),
        digital_preview: outcome.digital_jpeg.as_ref().map(|d| {
            format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(d)
            )
        }),
    };
    tracing::info!(verdict = %view.verdict, "photo checked");
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Pending {
        token,
        original,
        media_type,
        outcome,
    });
    Ok(view)
}
