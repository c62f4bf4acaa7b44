//! Declares the app's own commands so that capabilities can allow each one by name
//! (least privilege: a command no capability lists cannot be called).

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "server_status",
            "sign_in",
            "sign_out",
            "lock_session",
            "take_unsaved",
            "wait_window_change",
            "enrol",
            "reenrol",
            "decode_qr",
            "sync_status",
            "sync_now",
            "trips_today",
            "create_trip",
            "trip_detail",
            "capture_options",
            "check_record",
            "save_record",
            "finalize_record",
            "open_record",
            "amend_record",
            "application_id_from_qr",
            "wareki_to_date",
            "lookup_postal",
            "check_photo",
        ]),
    ))
    .expect("tauri build script failed");
}
