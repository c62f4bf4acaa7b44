//! `outreach-server`: the office server's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use outreach_server::{AppState, store};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "outreach-server", version, about = "Outreach office server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Office staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Start the server.
    Serve {
        /// Folder for the embedded database and the server's files.
        #[arg(long, env = "OUTREACH_DATA", default_value = "outreach-data")]
        data: PathBuf,
        /// PostgreSQL instead of embedded SQLite, e.g. postgres://outreach@localhost/outreach.
        #[arg(long, env = "OUTREACH_DATABASE_URL")]
        database_url: Option<String>,
        /// Address to listen on. Loopback by default: opening the server to the
        /// network is a decision the operator makes explicitly.
        #[arg(long, env = "OUTREACH_LISTEN", default_value = "127.0.0.1:8620")]
        listen: SocketAddr,
        /// Log as JSON lines (for log collectors) instead of text.
        #[arg(long)]
        log_json: bool,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff account: a login for the console and a key pair whose private key
    /// is wrapped under the same password for the tablets.
    Add {
        /// Folder of the embedded database.
        #[arg(long, env = "OUTREACH_DATA", default_value = "outreach-data")]
        data: PathBuf,
        /// PostgreSQL instead of embedded SQLite.
        #[arg(long, env = "OUTREACH_DATABASE_URL")]
        database_url: Option<String>,
        /// Per-person login ID.
        #[arg(long)]
        id: String,
        /// Name as shown to staff.
        #[arg(long)]
        name: String,
        /// supervisor or staff.
        #[arg(long, value_parser = ["supervisor", "staff"])]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Staff {
            command:
                StaffCommand::Add {
                    data,
                    database_url,
                    id,
                    name,
                    role,
                    password_stdin: _,
                },
        } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password")?;
            let password = line.trim_end_matches(['\n', '\r']);
            let role = store::Role::parse(&role).context("role is supervisor or staff")?;
            let kdf = outreach_server::staff::calibrated_kdf()?;
            let account = outreach_server::staff::new_account(
                &id,
                &name,
                role,
                password,
                kdf,
                chrono::Utc::now(),
            )?;
            let store = store::open(&data, database_url.as_deref())
                .await
                .context("opening the database")?;
            store
                .insert_staff(&account)
                .await
                .with_context(|| format!("adding {id}"))?;
            println!("added staff {id} ({})", role.as_str());
            Ok(())
        }
        Command::Serve {
            data,
            database_url,
            listen,
            log_json,
        } => {
            init_logging(log_json);
            serve(data, database_url, listen).await
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OUTREACH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(
    data: PathBuf,
    database_url: Option<String>,
    listen: SocketAddr,
) -> anyhow::Result<()> {
    let store = store::open(&data, database_url.as_deref())
        .await
        .context("opening the database")?;
    store
        .init_meta("first_started_at", &chrono::Utc::now().to_rfc3339())
        .await
        .context("recording the first start")?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, storage = %store.kind(), version = outreach_server::VERSION, "outreach-server listening");
    // The line tests and scripts wait for; printed on stdout, once.
    println!("listening on http://{addr}");
    outreach_server::serve(listener, AppState::new(store, outreach_server::staff::calibrated_kdf()?), shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("outreach-server stopped");
    Ok(())
}

/// Completes on SIGTERM (service managers) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("interrupt received, shutting down"),
        () = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
