//! What every connection is held to, before any request is read: a cap in total and
//! per client address, and an idle timeout; hyper's header-read timeout and the TLS
//! handshake timeout are set beside them in [`crate::serve_with`].
//!
//! A connection over a cap is accepted and closed at once, so it holds no descriptor
//! and no task: one client address opening a thousand slow connections gets
//! [`Limits::max_per_address`] of them, and every other address still gets in.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Descriptors kept back from the connection cap for everything else the server
/// opens: database files and connections, the certificate, logs, uploads' temporary
/// files.
const RESERVED_DESCRIPTORS: u64 = 128;

/// The limits one server holds its connections to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, from all clients.
    pub max_connections: usize,
    /// Connections open at once from one IP address.
    pub max_per_address: usize,
    /// An HTTP/1.1 request's headers must arrive within this; it also ends a
    /// keep-alive connection that sends no next request.
    pub header_read_timeout: Duration,
    /// After the TLS handshake, the first request must arrive within this (HTTP/2
    /// included, which has no header timeout of its own).
    pub first_request_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed. Longer
    /// than any request may run silently (the API's 60 s timeout, an upload's 30 s
    /// stall).
    pub idle_timeout: Duration,
    /// The TLS handshake must end within this.
    pub tls_handshake_timeout: Duration,
}

impl Limits {
    /// Limits for a process that may open `descriptors` files (its `RLIMIT_NOFILE` soft
    /// limit): the connection cap leaves [`RESERVED_DESCRIPTORS`] for the rest, and one
    /// address may hold at most a quarter of it (and never more than 128).
    pub fn for_descriptors(descriptors: u64) -> Self {
        let total = descriptors
            .saturating_sub(RESERVED_DESCRIPTORS)
            .clamp(16, 16_384);
        let total = usize::try_from(total).unwrap_or(16_384);
        Self {
            max_connections: total,
            max_per_address: (total / 4).clamp(4, 128),
            header_read_timeout: Duration::from_secs(15),
            first_request_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(90),
            tls_handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl Default for Limits {
    /// The limits for the common 1,024-descriptor soft limit.
    fn default() -> Self {
        Self::for_descriptors(1024)
    }
}

/// Raises this process's soft limit on open files to its hard limit and returns the
/// soft limit now in force (unchanged when it cannot be raised, e.g. under a
/// `ulimit -n` that set both).
pub fn raise_descriptor_limit() -> u64 {
    #[cfg(unix)]
    {
        if let Ok(raised) = rlimit::increase_nofile_limit(u64::MAX) {
            return raised;
        }
        rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
    }
    #[cfg(not(unix))]
    {
        1024
    }
}

/// The connections open now: a total and a count per client address.
#[derive(Debug)]
pub struct Gate {
    total: Arc<Semaphore>,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
}

impl Gate {
    /// A gate for `limits`.
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(Self {
            total: Arc::new(Semaphore::new(limits.max_connections)),
            per_address: Mutex::new(HashMap::new()),
            max_per_address: limits.max_per_address,
        })
    }

    /// A place for one more connection from `ip`, or `None` when a cap is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admission> {
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let count = map.entry(ip).or_insert(0);
        if *count >= self.max_per_address {
            return None;
        }
        let permit = self.total.clone().try_acquire_owned().ok()?;
        *count += 1;
        Some(Admission {
            gate: self.clone(),
            ip,
            _permit: permit,
        })
    }

    /// Connections open now from `ip`.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&ip)
            .copied()
            .unwrap_or(0)
    }
}

/// One admitted connection's place; given back when the connection is dropped.
#[derive(Debug)]
pub struct Admission {
    gate: Arc<Gate>,
    ip: IpAddr,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut map = self
            .gate
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = map.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// An admitted connection: its place at the [`Gate`], and an idle deadline that moves
/// on with every byte read or written. Past the deadline a read or write fails, and
/// hyper closes the connection.
pub struct Watched<IO> {
    io: IO,
    idle: Duration,
    last_activity: Instant,
    deadline: Pin<Box<Sleep>>,
    _admission: Admission,
}

impl<IO> Watched<IO> {
    fn new(io: IO, idle: Duration, admission: Admission) -> Self {
        let now = Instant::now();
        Self {
            io,
            idle,
            last_activity: now,
            deadline: Box::pin(tokio::time::sleep_until(now + idle)),
            _admission: admission,
        }
    }

    /// Whether the connection has been idle too long. The sleep is only re-armed when
    /// it fires, not on every byte.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.deadline.as_mut().poll(cx).is_pending() {
                return false;
            }
            let due = self.last_activity + self.idle;
            if Instant::now() >= due {
                return true;
            }
            self.deadline.as_mut().reset(due);
        }
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.last_activity = Instant::now();
                }
                Poll::Ready(result)
            }
            Poll::Pending if this.poll_idle(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.last_activity = Instant::now();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // A client that stops reading holds the connection no longer than one
            // that stops sending.
            Poll::Pending if this.poll_idle(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.last_activity = Instant::now();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if this.poll_idle(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// An acceptor that admits a TCP connection through the [`Gate`] (or closes it at once)
/// and watches it for idleness, before `inner` (TLS, or nothing) sees it.
#[derive(Debug, Clone)]
pub struct GatedAcceptor<A> {
    inner: A,
    gate: Arc<Gate>,
    idle: Duration,
}

impl<A> GatedAcceptor<A> {
    /// Gates connections for `inner` with `limits`.
    pub fn new(inner: A, gate: Arc<Gate>, limits: &Limits) -> Self {
        Self {
            inner,
            gate,
            idle: limits.idle_timeout,
        }
    }
}

impl<A, S> Accept<TcpStream, S> for GatedAcceptor<A>
where
    A: Accept<Watched<TcpStream>, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(A::Stream, A::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let admitted = stream
            .peer_addr()
            .ok()
            .and_then(|peer| self.gate.admit(peer.ip()));
        match admitted {
            Some(admission) => Box::pin(
                self.inner
                    .accept(Watched::new(stream, self.idle, admission), service),
            ),
            // Dropping the stream here closes it: nothing is kept for this client.
            None => Box::pin(std::future::ready(Err(io::Error::other(
                "connection cap reached (in total or for this address)",
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_leave_descriptors_for_the_rest_and_share_them_between_addresses() {
        let at_1024 = Limits::for_descriptors(1024);
        assert_eq!(at_1024.max_connections, 896, "1024 less the reserve");
        assert_eq!(at_1024.max_per_address, 128);
        let small = Limits::for_descriptors(256);
        assert_eq!(small.max_connections, 128);
        assert_eq!(
            small.max_per_address, 32,
            "one address gets a quarter, so three others still fit"
        );
        assert!(
            Limits::for_descriptors(10).max_connections >= 16,
            "a tiny limit still serves"
        );
    }

    #[test]
    fn the_gate_counts_per_address_and_in_total_and_gives_places_back() {
        let limits = Limits {
            max_connections: 3,
            max_per_address: 2,
            ..Limits::default()
        };
        let gate = Gate::new(&limits);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let first = gate.admit(a).expect("first from a");
        let _second = gate.admit(a).expect("second from a");
        assert!(
            gate.admit(a).is_none(),
            "a third from one address is over its cap"
        );
        let _third = gate.admit(b).expect("another address still gets in");
        assert!(gate.admit(b).is_none(), "the total cap holds too");
        drop(first);
        assert_eq!(
            gate.open_from(a),
            1,
            "a closed connection gives its place back"
        );
        assert!(gate.admit(b).is_some());
    }
}
