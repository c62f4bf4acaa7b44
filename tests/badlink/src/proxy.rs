//! A fault-injecting TCP proxy: what a bad mobile link does to a connection, on top of
//! the bandwidth that `tc tbf` shapes on the veth pair (this kernel has no netem).
//!
//! - **Latency with jitter**, per chunk and per direction: each chunk read is held
//!   until `arrival + delay ± jitter` (never before the chunk ahead of it, so bytes stay
//!   in order) and the link stays pipelined: a delay does not cut the throughput.
//! - **Stalls**: every `stall_every` seconds nothing moves for `stall_for` seconds;
//!   connections stay open (the radio is there but nothing gets through).
//! - **Cuts**: every `cut_every` seconds every connection is reset (both sides get a
//!   RST, whatever was in flight in the proxy is lost) and the listening socket is
//!   closed, so new connections are refused, for `cut_for` seconds.
//! - **Rate** (optional, per direction): a token bucket in the proxy itself, for a
//!   slow link on plain loopback where there is no veth to shape.
//!
//! Counters (bytes from the client, bytes to the client, connections, cuts, stalls)
//! are written as JSON to `--stats` every 250 ms and when the proxy stops.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};

/// Arguments of `badlink proxy`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// Where tablets connect.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The office server behind the proxy.
    #[arg(long)]
    pub to: SocketAddr,
    /// One-way delay from the tablet to the office, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub up_delay_ms: u64,
    /// One-way delay from the office to the tablet, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub down_delay_ms: u64,
    /// Each chunk's delay varies uniformly by ± this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Rate limit from the tablet to the office (`5mbit`, `800kbit`, bits/s); none by
    /// default (tbf shapes the veth).
    #[arg(long, value_parser = parse_rate)]
    pub up_rate: Option<u64>,
    /// Rate limit from the office to the tablet.
    #[arg(long, value_parser = parse_rate)]
    pub down_rate: Option<u64>,
    /// A stall every this many seconds (0: never).
    #[arg(long, default_value_t = 0.0)]
    pub stall_every: f64,
    /// How long a stall lasts, in seconds.
    #[arg(long, default_value_t = 0.0)]
    pub stall_for: f64,
    /// A cut every this many seconds (0: never).
    #[arg(long, default_value_t = 0.0)]
    pub cut_every: f64,
    /// How long the link stays down after a cut (connections refused), in seconds.
    #[arg(long, default_value_t = 0.0)]
    pub cut_for: f64,
    /// Counters as JSON, rewritten every 250 ms.
    #[arg(long)]
    pub stats: Option<PathBuf>,
    /// Seed of the jitter.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `5mbit`, `20Mbit`, `800kbit`, `1000000` (bits per second) → bytes per second.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let value: f64 = number.parse().map_err(|_| format!("not a rate: {s}"))?;
    let bits = match unit {
        "" | "bit" | "bps" => value,
        "kbit" => value * 1e3,
        "mbit" => value * 1e6,
        "gbit" => value * 1e9,
        _ => return Err(format!("unknown unit in {s} (bit, kbit, mbit, gbit)")),
    };
    if bits < 8.0 {
        return Err(format!("rate too low: {s}"));
    }
    Ok((bits / 8.0) as u64)
}

/// What one direction of a connection does to the bytes.
#[derive(Debug, Clone, Copy)]
struct Direction {
    delay: Duration,
    jitter: Duration,
    rate: Option<u64>,
    /// Counted on read (bytes the sender put through the link).
    upward: bool,
}

/// Counters, all connections together.
#[derive(Debug, Default)]
pub struct Stats {
    /// Bytes read from tablets (what they put on the link towards the office).
    pub up_bytes: AtomicU64,
    /// Bytes written to tablets.
    pub down_bytes: AtomicU64,
    /// Connections accepted and connected through.
    pub connections: AtomicU64,
    /// Cuts so far.
    pub cuts: AtomicU64,
    /// Stalls so far.
    pub stalls: AtomicU64,
    /// Connections reset by a cut.
    pub reset: AtomicU64,
    /// Bytes from tablets that a cut caught inside the proxy (read, not yet passed on).
    pub lost_up: AtomicU64,
}

impl Stats {
    /// The counters as JSON.
    pub fn json(&self) -> serde_json::Value {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        serde_json::json!({
            "upBytes": get(&self.up_bytes),
            "downBytes": get(&self.down_bytes),
            "connections": get(&self.connections),
            "cuts": get(&self.cuts),
            "stalls": get(&self.stalls),
            "connectionsReset": get(&self.reset),
            "upBytesLostInCuts": get(&self.lost_up),
        })
    }
}

/// A small xorshift generator: the jitter needs no cryptographic randomness, and a
/// seed makes a run repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [-span, +span].
    fn jitter(&mut self, span: Duration) -> i128 {
        let span = span.as_micros() as i128;
        if span == 0 {
            return 0;
        }
        (self.next() % (2 * span as u64 + 1)) as i128 - span
    }
}

struct Shared {
    to: SocketAddr,
    up: Direction,
    down: Direction,
    stats: Arc<Stats>,
    stalled: watch::Receiver<bool>,
    cut: watch::Receiver<u64>,
    link_down: watch::Receiver<bool>,
    rng: Mutex<Rng>,
    started: Instant,
}

impl Shared {
    async fn wait_unstalled(&self) {
        let mut rx = self.stalled.clone();
        while *rx.borrow_and_update() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    fn due(&self, dir: &Direction, after: Instant) -> Instant {
        let jitter = self
            .rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .jitter(dir.jitter);
        let micros = (dir.delay.as_micros() as i128 + jitter).max(0) as u64;
        // Never before the chunk ahead of it: bytes stay in order.
        (Instant::now() + Duration::from_micros(micros)).max(after)
    }

    fn log(&self, what: &str) {
        eprintln!(
            "badlink proxy {:7.2}s {what}",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// A running proxy (for tests): its address and counters; dropping it stops nothing,
/// the runtime does.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its counters.
    pub stats: Arc<Stats>,
}

/// Starts the proxy on the current runtime and returns once it listens.
pub async fn start(args: &ProxyArgs) -> anyhow::Result<Running> {
    let (stall_tx, stalled) = watch::channel(false);
    let (cut_tx, cut) = watch::channel(0u64);
    let (down_tx, link_down) = watch::channel(false);
    let stats = Arc::new(Stats::default());
    let shared = Arc::new(Shared {
        to: args.to,
        up: Direction {
            delay: Duration::from_millis(args.up_delay_ms),
            jitter: Duration::from_millis(args.jitter_ms),
            rate: args.up_rate,
            upward: true,
        },
        down: Direction {
            delay: Duration::from_millis(args.down_delay_ms),
            jitter: Duration::from_millis(args.jitter_ms),
            rate: args.down_rate,
            upward: false,
        },
        stats: stats.clone(),
        stalled,
        cut,
        link_down,
        rng: Mutex::new(Rng(args.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)),
        started: Instant::now(),
    });
    let listener = bind(args.listen)?;
    let addr = listener.local_addr()?;
    tokio::spawn(accept_loop(listener, addr, shared.clone()));
    tokio::spawn(schedule(
        shared,
        (args.stall_every, args.stall_for),
        (args.cut_every, args.cut_for),
        stall_tx,
        cut_tx,
        down_tx,
    ));
    Ok(Running { addr, stats })
}

/// Runs the proxy until SIGTERM or Ctrl-C, writing its counters to `--stats`.
pub async fn run(args: ProxyArgs) -> anyhow::Result<()> {
    let running = start(&args).await?;
    println!("proxy listening on {} → {}", running.addr, args.to);
    let write = |stats: &Stats| -> anyhow::Result<()> {
        if let Some(path) = &args.stats {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, stats.json().to_string())?;
            std::fs::rename(&tmp, path)?;
        }
        Ok(())
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = tick.tick() => write(&running.stats)?,
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    write(&running.stats)?;
    Ok(())
}

fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .with_context(|| format!("binding {addr}"))?;
    Ok(socket.listen(1024)?)
}

/// Accepts while the link is up; while it is down the listening socket is closed, so
/// a connection attempt is refused at once.
async fn accept_loop(first: TcpListener, addr: SocketAddr, shared: Arc<Shared>) {
    let mut down = shared.link_down.clone();
    let mut listener = Some(first);
    loop {
        let l = match listener.take() {
            Some(l) => l,
            None => {
                while *down.borrow_and_update() {
                    if down.changed().await.is_err() {
                        return;
                    }
                }
                // The port was ours a moment ago: binding again may need a retry.
                let mut bound = None;
                for _ in 0..100 {
                    match bind(addr) {
                        Ok(l) => {
                            bound = Some(l);
                            break;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                match bound {
                    Some(l) => l,
                    None => {
                        shared.log("could not listen again: stopping");
                        return;
                    }
                }
            }
        };
        loop {
            tokio::select! {
                accepted = l.accept() => {
                    if let Ok((stream, _)) = accepted {
                        tokio::spawn(connection(stream, shared.clone()));
                    }
                }
                changed = down.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *down.borrow_and_update() {
                        break;
                    }
                }
            }
        }
        drop(l);
    }
}

/// Stalls and cuts on the clock from the proxy's start: a stall at every multiple of
/// `stall_every`, a cut at every multiple of `cut_every`.
async fn schedule(
    shared: Arc<Shared>,
    (stall_every, stall_for): (f64, f64),
    (cut_every, cut_for): (f64, f64),
    stall_tx: watch::Sender<bool>,
    cut_tx: watch::Sender<u64>,
    down_tx: watch::Sender<bool>,
) {
    let in_window = |t: f64, every: f64, length: f64| {
        every > 0.0 && length > 0.0 && t >= every && (t % every) < length
    };
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    loop {
        tick.tick().await;
        let t = shared.started.elapsed().as_secs_f64();
        let stall = in_window(t, stall_every, stall_for);
        if stall != *stall_tx.borrow() {
            if stall {
                shared.stats.stalls.fetch_add(1, Ordering::SeqCst);
                shared.log(&format!("stall for {stall_for} s"));
            }
            let _ = stall_tx.send(stall);
        }
        let down = in_window(t, cut_every, cut_for);
        if down != *down_tx.borrow() {
            if down {
                shared.stats.cuts.fetch_add(1, Ordering::SeqCst);
                shared.log(&format!(
                    "cut: every connection reset, new ones refused for {cut_for} s"
                ));
                let _ = down_tx.send(true);
                cut_tx.send_modify(|g| *g += 1);
            } else {
                shared.log("link up again");
                let _ = down_tx.send(false);
            }
        }
    }
}

async fn connection(mut tablet: TcpStream, shared: Arc<Shared>) {
    let mut cut = shared.cut.clone();
    cut.borrow_and_update();
    if *shared.link_down.borrow() {
        let _ = tablet.set_zero_linger();
        return;
    }
    let Ok(mut office) = TcpStream::connect(shared.to).await else {
        let _ = tablet.set_zero_linger();
        return;
    };
    let _ = tablet.set_nodelay(true);
    let _ = office.set_nodelay(true);
    shared.stats.connections.fetch_add(1, Ordering::SeqCst);
    let up_in_line = AtomicU64::new(0);
    let down_in_line = AtomicU64::new(0);
    let was_cut = {
        let (mut tr, mut tw) = tablet.split();
        let (mut or, mut ow) = office.split();
        let up = pump(&mut tr, &mut ow, shared.up, &shared, &up_in_line);
        let down = pump(&mut or, &mut tw, shared.down, &shared, &down_in_line);
        tokio::select! {
            _ = async { tokio::join!(up, down) } => false,
            _ = cut.changed() => true,
        }
    };
    if was_cut {
        // A RST to both ends, as when the router's link dies and the phone gives up.
        shared.stats.reset.fetch_add(1, Ordering::SeqCst);
        shared
            .stats
            .lost_up
            .fetch_add(up_in_line.load(Ordering::SeqCst), Ordering::SeqCst);
        let _ = tablet.set_zero_linger();
        let _ = office.set_zero_linger();
    }
}

/// Copies one direction through a delay line: a reader stamps each chunk with the time
/// it may leave, a writer sends it then.
async fn pump<R, W>(from: &mut R, to: &mut W, dir: Direction, shared: &Shared, in_line: &AtomicU64)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    const CHUNK: usize = 16 * 1024;
    // A bounded line: with a rate of its own the proxy must not soak up more than
    // about the link's bandwidth-delay product, or a cut would lose more than a real
    // link holds in flight.
    let capacity = match dir.rate {
        Some(rate) => {
            let bdp = rate as f64 * (dir.delay + dir.jitter).as_secs_f64();
            (bdp as usize / CHUNK + 2).clamp(2, 64)
        }
        None => 64,
    };
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(capacity);
    let reader = async {
        let tx = tx;
        let mut buf = vec![0u8; CHUNK];
        let mut last = Instant::now();
        loop {
            shared.wait_unstalled().await;
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if dir.upward {
                shared.stats.up_bytes.fetch_add(n as u64, Ordering::SeqCst);
            }
            in_line.fetch_add(n as u64, Ordering::SeqCst);
            let due = shared.due(&dir, last);
            last = due;
            if tx.send((due, buf[..n].to_vec())).await.is_err() {
                break;
            }
        }
    };
    let writer = async {
        let mut free_at = Instant::now();
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due.into()).await;
            shared.wait_unstalled().await;
            if let Some(rate) = dir.rate {
                tokio::time::sleep_until(free_at.into()).await;
                free_at = free_at.max(Instant::now())
                    + Duration::from_secs_f64(bytes.len() as f64 / rate as f64);
            }
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            in_line.fetch_sub(bytes.len() as u64, Ordering::SeqCst);
            if !dir.upward {
                shared
                    .stats
                    .down_bytes
                    .fetch_add(bytes.len() as u64, Ordering::SeqCst);
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_like_tc() {
        assert_eq!(parse_rate("5mbit"), Ok(625_000));
        assert_eq!(parse_rate("20Mbit"), Ok(2_500_000));
        assert_eq!(parse_rate("800kbit"), Ok(100_000));
        assert_eq!(parse_rate("8000"), Ok(1000));
        assert!(parse_rate("5mb").is_err());
    }

    #[test]
    fn jitter_stays_within_its_span() {
        let mut rng = Rng(7);
        for _ in 0..10_000 {
            let j = rng.jitter(Duration::from_millis(20));
            assert!((-20_000..=20_000).contains(&j));
        }
        assert_eq!(rng.jitter(Duration::ZERO), 0);
    }

    fn args(to: SocketAddr) -> ProxyArgs {
        ProxyArgs {
            listen: "127.0.0.1:0".parse().expect("addr"),
            to,
            up_delay_ms: 0,
            down_delay_ms: 0,
            jitter_ms: 0,
            up_rate: None,
            down_rate: None,
            stall_every: 0.0,
            stall_for: 0.0,
            cut_every: 0.0,
            cut_for: 0.0,
            stats: None,
            seed: 1,
        }
    }

    /// An echo server: what comes in goes back.
    async fn echo() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn bytes_arrive_whole_and_in_order_through_delay_and_jitter() {
        let mut a = args(echo().await);
        a.up_delay_ms = 20;
        a.down_delay_ms = 20;
        a.jitter_ms = 15;
        let proxy = start(&a).await.expect("proxy");
        let mut s = TcpStream::connect(proxy.addr).await.expect("connect");
        let data: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
        let started = Instant::now();
        let (mut r, mut w) = s.split();
        let send = async {
            for piece in data.chunks(7_000) {
                w.write_all(piece).await.expect("write");
            }
            w.shutdown().await.expect("shutdown");
        };
        let mut back = Vec::new();
        let receive = async { r.read_to_end(&mut back).await.expect("read") };
        tokio::join!(send, receive);
        assert_eq!(back, data, "every byte, in order");
        assert!(
            started.elapsed() >= Duration::from_millis(10),
            "the delay applies"
        );
        assert_eq!(proxy.stats.up_bytes.load(Ordering::SeqCst), 400_000);
        assert_eq!(proxy.stats.down_bytes.load(Ordering::SeqCst), 400_000);
    }

    #[tokio::test]
    async fn a_cut_resets_connections_and_refuses_new_ones_until_the_link_is_back() {
        let mut a = args(echo().await);
        a.cut_every = 1.0;
        a.cut_for = 0.5;
        let proxy = start(&a).await.expect("proxy");
        let mut s = TcpStream::connect(proxy.addr).await.expect("connect");
        s.write_all(b"hello").await.expect("write");
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).await.expect("echo");
        // The cut at 1 s resets the connection.
        let mut rest = [0u8; 1];
        let ended = tokio::time::timeout(Duration::from_secs(2), s.read(&mut rest))
            .await
            .expect("the cut ends the connection");
        assert!(matches!(ended, Ok(0) | Err(_)));
        // Down until 1.5 s: refused.
        assert!(
            TcpStream::connect(proxy.addr).await.is_err(),
            "refused while down"
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut again = TcpStream::connect(proxy.addr).await.expect("up again");
        again.write_all(b"x").await.expect("write");
        again.read_exact(&mut rest).await.expect("echo again");
        assert_eq!(proxy.stats.cuts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_rate_limit_slows_the_link() {
        let mut a = args(echo().await);
        a.up_rate = Some(200_000); // 1.6 Mbit/s
        let proxy = start(&a).await.expect("proxy");
        let mut s = TcpStream::connect(proxy.addr).await.expect("connect");
        let started = Instant::now();
        let (mut r, mut w) = s.split();
        let send = async {
            w.write_all(&[1u8; 100_000]).await.expect("write");
            w.shutdown().await.expect("shutdown");
        };
        let mut back = Vec::new();
        let receive = async { r.read_to_end(&mut back).await.expect("read") };
        tokio::join!(send, receive);
        assert_eq!(back.len(), 100_000);
        let t = started.elapsed().as_secs_f64();
        assert!(
            (0.35..2.0).contains(&t),
            "100 kB at 200 kB/s takes about half a second, took {t}"
        );
    }
}
