//! `badlink`: the bad-link harness's own tools (see `tests/badlink/run.sh`).
//!
//! - `badlink proxy`: a fault-injecting TCP proxy between the tablet and the office:
//!   latency with jitter, stalls, periodic cuts (and a rate limit for plain loopback).
//! - `badlink naive`: the naive baseline tablet, re-sending a whole record and its
//!   photo after any failure, as ODK Collect does.
//! - `badlink check`: nothing lost, nothing duplicated, every photo's SHA-256 matching,
//!   read from the tablet's vault and the office's SQLite file.

use clap::{Parser, Subcommand};

mod check;
mod naive;
mod proxy;

#[derive(Parser)]
#[command(
    name = "badlink",
    about = "Bad-link harness: fault proxy, naive baseline, check"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A fault-injecting TCP proxy (latency ± jitter, stalls, cuts, optional rate).
    Proxy(proxy::ProxyArgs),
    /// The naive baseline: one run of a tablet that re-sends whole submissions.
    Naive(naive::NaiveArgs),
    /// Compare the tablet's vault with the office's database.
    Check(check::CheckArgs),
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Proxy(args) => proxy::run(args).await,
        Command::Naive(args) => naive::run(args).await,
        Command::Check(args) => check::run(args),
    }
}
