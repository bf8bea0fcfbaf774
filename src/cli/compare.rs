//! `carecircle compare`: the rectification ledger (整改台账) between two kept runs.

use super::EXIT_BAD_INPUT;
use carecircle::compare::{compare, read_doc, By};
use carecircle::report::compare::{csv, report_with_section, text, xlsx, CompareDocument};
use carecircle::safe_write::write_folder;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct CompareArgs {
    /// The earlier run: its check.json, or the folder `check --out` wrote it to.
    old: PathBuf,
    /// The later run, the same way.
    new: PathBuf,
    /// Break the ledger down by street (with townships) or community (with villages).
    #[arg(long, value_parser = By::parse, value_name = "street|community")]
    by: Option<By>,
    /// text for people; json; csv and xlsx for Excel (written to standard output).
    #[arg(long, value_enum, default_value = "text")]
    format: CompareFormat,
    /// Also write compare.json, compare.csv, compare.xlsx and, when NEW is a run folder, NEW's report.html
    /// with the ledger as a section, into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareFormat {
    Text,
    Json,
    Csv,
    Xlsx,
}

/// The files `compare --out` may write.
const COMPARE_FILES: &[&str] = &["compare.json", "compare.csv", "compare.xlsx", "report.html"];

/// A run's check.json (and its folder's report.html), from the file or the folder named.
fn read_run(path: &Path) -> Result<(Vec<u8>, Option<String>), String> {
    let (file, folder) = if path.is_dir() {
        (path.join("check.json"), Some(path))
    } else {
        (path.to_path_buf(), None)
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let report = folder.and_then(|f| std::fs::read_to_string(f.join("report.html")).ok());
    Ok((bytes, report))
}

pub fn run(args: CompareArgs) -> i32 {
    use std::io::IsTerminal;
    if matches!(args.format, CompareFormat::Xlsx) && std::io::stdout().is_terminal() {
        eprintln!(
            "--format xlsx writes a workbook: redirect standard output to a file (> ledger.xlsx), or give --out DIR"
        );
        return EXIT_BAD_INPUT;
    }
    let result = (|| -> Result<(), String> {
        let (old_bytes, _) = read_run(&args.old)?;
        let (new_bytes, new_report) = read_run(&args.new)?;
        let old = read_doc(&args.old.display().to_string(), &old_bytes).map_err(|e| e.to_string())?;
        let new = read_doc(&args.new.display().to_string(), &new_bytes).map_err(|e| e.to_string())?;
        let comparison = compare(old, new, args.by).map_err(|e| e.to_string())?;
        for w in &comparison.warnings {
            eprintln!("注意 warning: {w}");
        }
        let json =
            || super::json_line(&CompareDocument::new(&comparison)).map_err(|e| format!("cannot render JSON: {e}"));
        let csv = || csv(&comparison).map_err(|e| format!("cannot render CSV: {e}"));
        let xlsx = || xlsx(&comparison).map_err(|e| format!("cannot render the workbook: {e}"));
        let printed = match args.format {
            CompareFormat::Text => text(&comparison).into_bytes(),
            CompareFormat::Json => json()?,
            CompareFormat::Csv => csv()?,
            CompareFormat::Xlsx => xlsx()?,
        };
        if let Some(dir) = &args.out {
            let mut files = vec![
                ("compare.json", json()?),
                ("compare.csv", csv()?),
                ("compare.xlsx", xlsx()?),
            ];
            if let Some(html) = new_report.as_deref().and_then(|r| report_with_section(r, &comparison)) {
                files.push(("report.html", html.into_bytes()));
            }
            write_folder(dir, &files, COMPARE_FILES).map_err(|e| e.to_string())?;
        }
        let _ = std::io::stdout().write_all(&printed);
        Ok(())
    })();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
    }
}
