//! End-to-end tests of the real app. One binary; its modules read like a table of
//! contents. Each test needs Xvfb, tauri-driver, WebKitWebDriver and the built app,
//! so they are ignored by a plain `cargo test`; `make e2e` (part of `make test`) runs
//! them with `--ignored`.

mod camera;
mod capture;
mod enrol_sync;
mod lifecycle;
mod reenrol;
mod signin;
mod slow_sync;
mod startup;
