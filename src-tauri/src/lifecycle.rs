//! The window's lifecycle: a tablet put away (window hidden or minimised) locks like an
//! idle one, and one taken out again looks for the office at once.
//!
//! The rule itself lives in the UI's one lock path (App.svelte `lock`), which first
//! keeps what is being typed, encrypted in the vault, as the idle lock does. This
//! module only tells the UI when the window was put away or came back: the UI waits on
//! [`crate::commands`]' `wait_window_change` (a command, not an event, so the window
//! needs no event permission), and on its own hears `visibilitychange` from the web
//! view. Coming back also wakes the sync task here, so the probe and a sync run start
//! even while nobody is signed in.
//!
//! What Tauri reports differs by platform: on Linux (tao over GTK) minimising shows up
//! as `Moved` and `Resized` events and focus changes as `Focused`, never as a
//! "minimised" event. So on any of these the window's state is read again through
//! [`WindowView`] (the seam the tests use), and a change is passed on once.

use tokio::sync::watch;

use crate::ipc::{WindowChange, WindowVisibility};

/// What this module reads of a window; a fake in tests, the Tauri window in the app.
pub trait WindowView {
    /// The window is mapped (not hidden by the app).
    fn is_visible(&self) -> bool;
    /// The window is minimised (iconified).
    fn is_minimized(&self) -> bool;
}

impl<R: tauri::Runtime> WindowView for tauri::Window<R> {
    fn is_visible(&self) -> bool {
        // An error means the window is going away: as good as hidden.
        tauri::Window::is_visible(self).unwrap_or(false)
    }

    fn is_minimized(&self) -> bool {
        tauri::Window::is_minimized(self).unwrap_or(false)
    }
}

/// The window's visibility as last seen, and the bell the UI waits on.
pub struct Lifecycle {
    changes: watch::Sender<WindowChange>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            changes: watch::Sender::new(WindowChange {
                seq: 0,
                visibility: WindowVisibility::Shown,
            }),
        }
    }
}

impl Lifecycle {
    /// Reads `window` again after one of its events; answers the change, if it is one.
    pub fn observe(&self, window: &impl WindowView) -> Option<WindowVisibility> {
        self.set(if window.is_visible() && !window.is_minimized() {
            WindowVisibility::Shown
        } else {
            WindowVisibility::Hidden
        })
    }

    /// Records `now`; answers it when it differs from what was last seen.
    fn set(&self, now: WindowVisibility) -> Option<WindowVisibility> {
        let changed = self.changes.send_if_modified(|last| {
            if last.visibility == now {
                return false;
            }
            last.seq += 1;
            last.visibility = now;
            true
        });
        changed.then_some(now)
    }

    /// The last change (the tests read it).
    #[cfg(test)]
    pub fn current(&self) -> WindowChange {
        *self.changes.borrow()
    }

    /// Waits for the first change after the one numbered `after` (0: none seen yet)
    /// and answers it; at once if it happened already.
    pub async fn next_after(&self, after: u32) -> WindowChange {
        let mut rx = self.changes.subscribe();
        // Copied out at once: the channel's read guard must not live across an await.
        let seen = rx.wait_for(|c| c.seq > after).await.map(|change| *change);
        match seen {
            Ok(change) => change,
            // The sender lives as long as the app; were it gone, nothing changes again.
            Err(_) => std::future::pending().await,
        }
    }
}

/// Tauri's window events: those after which the window may have been put away or
/// taken out. Anything else (a close request, a drop, a theme) says nothing about it.
fn may_change_visibility(event: &tauri::WindowEvent) -> bool {
    matches!(
        event,
        tauri::WindowEvent::Moved(_)
            | tauri::WindowEvent::Resized(_)
            | tauri::WindowEvent::Focused(_)
            | tauri::WindowEvent::ScaleFactorChanged { .. }
    )
}

/// Called for each of the main window's events: passes a change on to the UI, and on
/// coming back calls `wake_sync` (the app's: a probe, then a sync run).
pub fn on_window_event(
    lifecycle: &Lifecycle,
    window: &impl WindowView,
    event: &tauri::WindowEvent,
    wake_sync: impl FnOnce(),
) {
    let change = match event {
        // Android's onPause / onResume, iOS's resign-active / enter-foreground.
        #[cfg(mobile)]
        tauri::WindowEvent::Suspended => lifecycle.set(WindowVisibility::Hidden),
        #[cfg(mobile)]
        tauri::WindowEvent::Resumed => lifecycle.set(WindowVisibility::Shown),
        e if may_change_visibility(e) => lifecycle.observe(window),
        _ => None,
    };
    match change {
        Some(WindowVisibility::Hidden) => tracing::info!("window put away: the UI locks"),
        Some(WindowVisibility::Shown) => {
            tracing::info!("window shown again: probing the office");
            wake_sync();
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;

    #[derive(Default)]
    struct FakeWindow {
        hidden: Cell<bool>,
        minimized: Cell<bool>,
    }

    impl WindowView for FakeWindow {
        fn is_visible(&self) -> bool {
            !self.hidden.get()
        }
        fn is_minimized(&self) -> bool {
            self.minimized.get()
        }
    }

    const MOVED: tauri::WindowEvent =
        tauri::WindowEvent::Moved(tauri::PhysicalPosition { x: 0, y: 0 });

    #[test]
    fn minimising_or_hiding_is_one_change_and_coming_back_another() {
        let lifecycle = Lifecycle::default();
        let window = FakeWindow::default();
        assert_eq!(lifecycle.observe(&window), None, "shown from the start");
        window.minimized.set(true);
        assert_eq!(lifecycle.observe(&window), Some(WindowVisibility::Hidden));
        // GTK sends Moved and Resized for one minimise: the UI hears of it once.
        assert_eq!(lifecycle.observe(&window), None);
        window.hidden.set(true);
        assert_eq!(lifecycle.observe(&window), None, "still put away");
        window.minimized.set(false);
        assert_eq!(lifecycle.observe(&window), None, "restored but hidden");
        window.hidden.set(false);
        assert_eq!(lifecycle.observe(&window), Some(WindowVisibility::Shown));
        assert_eq!(lifecycle.current().seq, 2);
    }

    #[test]
    fn coming_back_wakes_sync_and_only_window_state_events_count() {
        let lifecycle = Lifecycle::default();
        let wakes = Cell::new(0);
        let wake = || wakes.set(wakes.get() + 1);
        let window = FakeWindow::default();
        window.minimized.set(true);
        on_window_event(&lifecycle, &window, &tauri::WindowEvent::Destroyed, wake);
        assert_eq!(
            lifecycle.current().seq,
            0,
            "a window going away is not looked at"
        );
        on_window_event(&lifecycle, &window, &MOVED, wake);
        assert_eq!(lifecycle.current().visibility, WindowVisibility::Hidden);
        assert_eq!(wakes.get(), 0, "putting the tablet away starts no sync run");
        window.minimized.set(false);
        on_window_event(&lifecycle, &window, &MOVED, wake);
        on_window_event(
            &lifecycle,
            &window,
            &tauri::WindowEvent::Focused(true),
            wake,
        );
        assert_eq!(lifecycle.current().visibility, WindowVisibility::Shown);
        assert_eq!(wakes.get(), 1, "coming back wakes sync once");
    }

    #[test]
    fn the_ui_waits_for_the_next_change_and_gets_a_missed_one_at_once() {
        let lifecycle = Lifecycle::default();
        let window = FakeWindow::default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let waiting = tokio::time::timeout(Duration::from_millis(50), lifecycle.next_after(0));
            assert!(waiting.await.is_err(), "nothing happened yet");
            window.minimized.set(true);
            lifecycle.observe(&window);
            let change = lifecycle.next_after(0).await;
            assert_eq!(change.visibility, WindowVisibility::Hidden);
            assert_eq!(change.seq, 1);
            let waiting = tokio::time::timeout(Duration::from_millis(50), lifecycle.next_after(1));
            assert!(waiting.await.is_err(), "change 1 was seen already");
        });
    }
}
