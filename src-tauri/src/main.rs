//! Desktop entry point; the mobile builds enter through `outreach_app_lib::run`.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    outreach_app_lib::run();
}
