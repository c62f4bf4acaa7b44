//! `outreach photo check`: the ID-photo pipeline on a file, as the app runs it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use outreach_photo::{CheckName, Config, Report, Verdict};
use serde::Serialize;

/// Arguments of `outreach photo check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// A JPEG or PNG photo.
    input: PathBuf,
    /// Where to write the digital photo, the print photo and the print sheet.
    #[arg(long)]
    out_dir: PathBuf,
    /// Print the report as JSON (otherwise one line per check).
    #[arg(long)]
    json: bool,
    /// Do not make the print sheet (a 2102 × 3000 PNG; the benchmark leaves it out).
    #[arg(long)]
    no_sheet: bool,
    /// A JSON file with thresholds to override (see outreach_photo::Config).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Files written next to the report.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Files {
    digital: Option<PathBuf>,
    print: Option<PathBuf>,
    sheet: Option<PathBuf>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    input: &'a Path,
    #[serde(flatten)]
    report: &'a Report,
    files: Files,
}

/// Exit status: 0 nothing failed, 1 a check failed, 2 the input could not be read.
pub fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str::<Config>(&text)
                .with_context(|| format!("parsing {}", path.display()))?
        }
        None => Config::default(),
    };
    let bytes = match std::fs::read(&args.input) {
        Ok(b) => b,
        Err(e) => {
            return Ok(unreadable(
                &args,
                "unreadable_file",
                &format!("ファイルを読み込めません: {e}"),
            ));
        }
    };
    let outcome = match outreach_photo::process(&bytes, &config) {
        Ok(o) => o,
        Err(e) => return Ok(unreadable(&args, e.code(), &e.to_string())),
    };
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let stem = args
        .input
        .file_stem()
        .map_or_else(|| "photo".to_string(), |s| s.to_string_lossy().into_owned());
    let write = |suffix: &str, data: &[u8]| -> anyhow::Result<PathBuf> {
        let path = args.out_dir.join(format!("{stem}.{suffix}"));
        std::fs::write(&path, data).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let mut files = Files {
        digital: None,
        print: None,
        sheet: None,
    };
    if let Some(d) = &outcome.digital_jpeg {
        files.digital = Some(write("digital.jpg", d)?);
    }
    if let Some(p) = &outcome.print_jpeg {
        files.print = Some(write("print.jpg", p)?);
    }
    if let (Some(p), false) = (&outcome.print_jpeg, args.no_sheet) {
        let sheet = outreach_photo::print_sheet_png(p).context("making the print sheet")?;
        files.sheet = Some(write("sheet.png", &sheet)?);
    }
    let report = &outcome.report;
    if args.json {
        let out = Output {
            input: &args.input,
            report,
            files,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for c in &report.checks {
            let value = c.value.map_or_else(|| "-".to_string(), |v| format!("{v}"));
            println!(
                "{:<8} {:<22} {:>12} {}  {}",
                format!("{:?}", c.result).to_lowercase(),
                name(c.name),
                value,
                c.unit,
                c.reason.as_deref().unwrap_or("")
            );
        }
        println!("verdict: {:?}", report.verdict);
    }
    Ok(if report.verdict == Verdict::Fail {
        1
    } else {
        0
    })
}

fn name(n: CheckName) -> String {
    serde_json::to_value(n)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn unreadable(args: &CheckArgs, code: &str, message: &str) -> i32 {
    if args.json {
        let v = serde_json::json!({
            "input": args.input,
            "error": { "code": code, "message": message },
        });
        println!("{v:#}");
    }
    eprintln!("{}: {message}", args.input.display());
    2
}
