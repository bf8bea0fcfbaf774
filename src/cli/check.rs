//! `carecircle check`: DATA-CONTRACT §4.

use super::{load_rulesets, load_with_progress, Format, EXIT_BAD_INPUT};
use carecircle::engine;
use carecircle::model::Mode;
use carecircle::report::{files, json::CheckDocument, text, Check};
use carecircle::rules::Severity;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
    /// The dataset folder (holding dataset.toml and the layer files).
    dataset: PathBuf,
    /// Ruleset TOML files (one or more; may be repeated).
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// audit (回头看): only existing facilities count; review (规划审查): planned and building count too.
    #[arg(long, value_enum, default_value = "audit")]
    mode: ModeArg,
    /// text: a table for people; json: the document of DATA-CONTRACT §4, every finding included.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write findings.geojson, findings.csv and summary.csv into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit with status 1 when a rule of this severity (or worse) fails.
    #[arg(long, value_enum)]
    fail_on: Option<SeverityArg>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Audit,
    Review,
}

#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Error,
    Warning,
}

pub fn run(args: CheckArgs) -> i32 {
    let rulesets = load_rulesets(&args.rules);
    let dataset = load_with_progress(&args.dataset);
    let (rulesets, dataset) = match (rulesets, dataset) {
        (Ok(r), Ok(d)) => (r, d),
        (r, d) => {
            if let Err(errors) = r {
                errors.iter().for_each(|e| eprint!("{e}"));
            }
            if let Err(problems) = d {
                eprint!("{}: {problems}", args.dataset.display());
            }
            return EXIT_BAD_INPUT;
        }
    };
    if dataset.admin_units.is_empty() {
        let needing: Vec<&str> = rulesets
            .iter()
            .flat_map(|r| &r.rules)
            .filter(|r| r.kind.needs_admin_units())
            .map(|r| r.id.as_str())
            .collect();
        if !needing.is_empty() {
            eprintln!(
                "{}: 缺少 admin_units.geojson: the rules {} judge admin units, and the dataset has none",
                args.dataset.display(),
                needing.join(", ")
            );
            return EXIT_BAD_INPUT;
        }
    }
    let mode = match args.mode {
        ModeArg::Audit => Mode::Audit,
        ModeArg::Review => Mode::Review,
    };
    let report = engine::judge(&dataset, &rulesets, mode);
    let check = Check {
        dataset: &dataset,
        rulesets: &rulesets,
        mode,
        report: &report,
    };
    let printed = match args.format {
        Format::Text => text::render(&check),
        Format::Json => match serde_json::to_string_pretty(&CheckDocument::new(&check)) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("cannot render JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };
    if let Some(dir) = &args.out {
        if let Err(e) = files::write_out(dir, &check) {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    }
    print!("{printed}");
    let threshold = args.fail_on.map(|s| match s {
        SeverityArg::Error => Severity::Error,
        SeverityArg::Warning => Severity::Warning,
    });
    match threshold {
        Some(t) if report.outcomes.iter().any(|o| !o.pass && o.severity >= t) => 1,
        _ => 0,
    }
}
