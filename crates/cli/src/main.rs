//! `outreach`: the headless tablet and admin tool.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod bench;
mod bench_server;
mod photo;
mod sim;
mod synthetic;
mod vault;

#[derive(Parser)]
#[command(name = "outreach", version, about = "Outreach tablet and admin tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that an office server answers, and what it runs on.
    ///
    /// An https server is reached only through its key's pin, as a tablet does: `--pin`, or `--code` with
    /// an enrolment code (which carries the address and the pin).
    Probe(ProbeArgs),
    /// Photo tools.
    Photo {
        #[command(subcommand)]
        command: PhotoCommand,
    },
    /// A headless tablet: enrol, sign in, capture synthetic records, sync, and print a
    /// JSON summary.
    Sim(sim::SimArgs),
    /// Enrol a tablet's vault with a code from the office: a new vault from the
    /// office's roster, or an existing one again (its records and drafts kept).
    Enrol(sim::EnrolArgs),
    /// Benchmarks (run them from bench/ with a release build).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Tablet vault tools: create one for a demo or test, recover one at the office.
    Vault {
        #[command(subcommand)]
        command: vault::VaultCommand,
    },
}

#[derive(clap::Args)]
struct ProbeArgs {
    /// The server's address, e.g. http://127.0.0.1:8620 (or https://… with `--pin`).
    #[arg(required_unless_present = "code")]
    url: Option<String>,
    /// The SPKI pin of the server's key (`sha256/…`, as the server prints it and the
    /// enrolment code carries it).
    #[arg(long, conflicts_with = "code")]
    pin: Option<String>,
    /// An enrolment code's JSON text (the QR code's text): its address and pin are used,
    /// the one-time code is not.
    #[arg(long, conflicts_with = "url")]
    code: Option<String>,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Vault unlock time and inserts per second, encrypted versus plain SQLite.
    Vault {
        /// How many records to insert into each database.
        #[arg(long, default_value_t = 300)]
        records: u32,
        /// Only these variants (for profiling one side): vault, defaults, plain4k,
        /// plain16k. The ratio is printed when vault and a plain variant are run.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Where to put the databases (default: a temporary folder under TMPDIR).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Skip the unlock timing.
        #[arg(long)]
        no_unlock: bool,
    },
    /// Many simulated tablets uploading records with a photo each to a running office
    /// server, beside a plain local SQLite floor.
    Server(bench_server::ServerArgs),
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Decode a photo as the app would and print its format and size.
    Inspect {
        /// A JPEG or PNG file.
        file: PathBuf,
    },
    /// Run every ID-photo check, write the digital and print photos and the print
    /// sheet, and report. Exit status 0: nothing failed; 1: a check failed; 2: the
    /// input could not be read.
    Check(photo::CheckArgs),
}

/// The client `outreach probe` uses: pinned for https, as the tablet's own.
fn probe_client(args: ProbeArgs) -> anyhow::Result<outreach_sync::OfficeClient> {
    let (url, pin) = match (args.code, args.url) {
        (Some(code), _) => {
            let code = outreach_sync::enrol::parse_code(&code)?;
            (code.server_url, code.spki_pin)
        }
        (None, Some(url)) => (url, args.pin),
        (None, None) => anyhow::bail!("give the server's address or --code"),
    };
    outreach_sync::enrol::client(&url, pin.as_deref(), Duration::from_secs(10))
        .with_context(|| format!("a client for {url}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Probe(args) => {
            let client = probe_client(args)?;
            match client.probe().await {
                outreach_sync::Reachability::Reachable(h) => {
                    println!(
                        "reachable: version {} api {} storage {} schema {}",
                        h.version, h.api_version, h.storage, h.schema_version
                    );
                }
                outreach_sync::Reachability::Incompatible { server_api_version } => {
                    anyhow::bail!(
                        "not a compatible Outreach server (api version {server_api_version:?})"
                    )
                }
                outreach_sync::Reachability::Unreachable(why) => {
                    anyhow::bail!("unreachable: {why}")
                }
            }
        }
        Command::Photo {
            command: PhotoCommand::Inspect { file },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let photo = outreach_photo::decode(&bytes)?;
            println!("{:?} {}x{}", photo.format, photo.width(), photo.height());
        }
        Command::Photo {
            command: PhotoCommand::Check(args),
        } => std::process::exit(photo::check(args)?),
        Command::Vault { command } => vault::run(command)?,
        Command::Sim(args) => sim::run(args).await?,
        Command::Enrol(args) => sim::enrol(args).await?,
        Command::Bench {
            command:
                BenchCommand::Vault {
                    records,
                    only,
                    dir,
                    no_unlock,
                },
        } => bench::vault(records, &only, dir.as_deref(), !no_unlock)?,
        Command::Bench {
            command: BenchCommand::Server(args),
        } => bench_server::run(args).await?,
    }
    Ok(())
}
