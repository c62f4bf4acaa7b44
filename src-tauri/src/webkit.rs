//! WebKitGTK's camera settings (Linux only). Kept apart because it is the one place the
//! app reaches past Tauri into its web view.
//!
//! WebKitGTK ships with media streams off and denies every permission request the app
//! does not answer; the web view only ever shows the app's own embedded UI (the CSP
//! allows nothing else), so video capture is granted to it and nothing more.
//!
//! For end-to-end tests, `OUTREACH_TEST_MOCK_CAMERA=1` turns on WebKit's mock capture
//! devices: a fake camera that draws moving test frames, so the photo step's camera path
//! runs under Xvfb with no camera attached. Heard by debug builds only.

use tauri::Manager;
use webkit2gtk::glib::prelude::Cast;
use webkit2gtk::{
    DeviceInfoPermissionRequest, PermissionRequestExt, SettingsExt, UserMediaPermissionRequest,
    UserMediaPermissionRequestExt, WebViewExt,
};

/// The environment variable that turns on the fake camera (tests only).
pub const MOCK_CAMERA_ENV: &str = "OUTREACH_TEST_MOCK_CAMERA";

/// True when the fake camera was asked for. Only a debug build (what the end-to-end
/// tests drive) listens: a release build on a tablet never swaps its camera for an
/// environment variable.
fn mock_camera_wanted() -> bool {
    cfg!(debug_assertions) && std::env::var(MOCK_CAMERA_ENV).is_ok_and(|v| v == "1")
}

/// Lets the web view use the camera (video only): the enrolment QR code reader and
/// the ID photo.
pub fn allow_camera(app: &tauri::App) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let mock = mock_camera_wanted();
    let result = window.with_webview(move |webview| {
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_media_stream(true);
            if mock {
                tracing::warn!("{MOCK_CAMERA_ENV}=1: the web view's camera is WebKit's fake one");
                settings.set_enable_mock_capture_devices(true);
            }
        }
        view.connect_permission_request(move |_, request| {
            if let Some(media) = request.downcast_ref::<UserMediaPermissionRequest>() {
                if media.is_for_video_device() && !media.is_for_audio_device() {
                    request.allow();
                    return true;
                }
                // Anything else: WebKit's own answer, which is no.
                return false;
            }
            // Listing the cameras (their labels) is needed only by the fake camera's
            // tests; on a tablet WebKit's own answer stands.
            if mock
                && request
                    .downcast_ref::<DeviceInfoPermissionRequest>()
                    .is_some()
            {
                request.allow();
                return true;
            }
            false
        });
    });
    if let Err(e) = result {
        tracing::warn!(error = %e, "the camera could not be enabled for the web view");
    }
}
