//! Putting the app's window away and taking it out again, as a window manager would, on
//! the test's own Xvfb display (which has no window manager).
//!
//! An X client unmapping another's top-level window is what a window manager does to
//! minimise it: GDK reads an unmap it did not ask for as "iconified", so GTK, tao (and
//! so Tauri) and WebKit (the page's `visibilitychange`) all see a minimised window.
//! Mapping it again restores it. x11rb speaks the X protocol in safe Rust.

use anyhow::Context;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, Window};
use x11rb::rust_connection::RustConnection;

/// One connection to the test's display.
pub struct X11 {
    conn: RustConnection,
    root: Window,
}

impl X11 {
    /// Connects to `display` (":93").
    pub fn open(display: &str) -> anyhow::Result<Self> {
        let (conn, screen) = x11rb::connect(Some(display))
            .with_context(|| format!("connecting to X display {display}"))?;
        let root = conn.setup().roots[screen].root;
        Ok(Self { conn, root })
    }

    fn atom(&self, name: &str) -> anyhow::Result<u32> {
        Ok(self.conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
    }

    /// The top-level windows whose `_NET_WM_NAME` contains `title`.
    pub fn windows_titled(&self, title: &str) -> anyhow::Result<Vec<Window>> {
        let net_wm_name = self.atom("_NET_WM_NAME")?;
        let utf8 = self.atom("UTF8_STRING")?;
        let tree = self.conn.query_tree(self.root)?.reply()?;
        let mut found = Vec::new();
        for w in tree.children {
            let name = self
                .conn
                .get_property(false, w, net_wm_name, utf8, 0, 1024)?
                .reply()?;
            if String::from_utf8_lossy(&name.value).contains(title) {
                found.push(w);
            }
        }
        Ok(found)
    }

    /// Waits until the server has handled every request sent so far.
    fn sync(&self) -> anyhow::Result<()> {
        self.conn.get_input_focus()?.reply()?;
        Ok(())
    }

    /// Unmaps `window`: minimised, as far as the app can tell.
    pub fn unmap(&self, window: Window) -> anyhow::Result<()> {
        self.conn.unmap_window(window)?;
        self.sync()
    }

    /// Maps `window` again: restored.
    pub fn map(&self, window: Window) -> anyhow::Result<()> {
        self.conn.map_window(window)?;
        self.sync()
    }
}
