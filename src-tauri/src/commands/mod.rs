//! The app's commands, grouped by area. Each is one call into `crates/` plus an error
//! conversion.

mod capture;
mod enrol;
mod photo;
mod session;
mod status;
mod sync;

pub use enrol::PendingEnrolment;
pub use photo::PendingPhoto;

/// The invoke handler with every command the capabilities may allow.
pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        status::app_info,
        status::server_status,
        session::sign_in,
        session::sign_out,
        session::lock_session,
        session::take_unsaved,
        session::wait_window_change,
        enrol::enrol,
        enrol::reenrol,
        enrol::decode_qr,
        sync::sync_status,
        sync::sync_now,
        capture::trips_today,
        capture::create_trip,
        capture::trip_detail,
        capture::capture_options,
        capture::check_record,
        capture::save_record,
        capture::finalize_record,
        capture::open_record,
        capture::amend_record,
        capture::application_id_from_qr,
        capture::wareki_to_date,
        capture::lookup_postal,
        photo::check_photo
    ]
}
