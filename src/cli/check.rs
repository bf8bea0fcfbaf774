//! `carecircle check`: DATA-CONTRACT §4.

use super::{load_inputs, Format, EXIT_BAD_INPUT};
use carecircle::engine;
use carecircle::map::{self, Coverage, MapSpec};
use carecircle::model::{Date, Level, Mode};
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
    /// Also write findings.geojson, findings.csv, summary.csv, findings.xlsx, report.html, coverage.png and
    /// coverage.svg (and ledger.csv with --by) into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit with status 1 when a rule of this severity (or worse) fails.
    #[arg(long, value_enum)]
    fail_on: Option<SeverityArg>,
    /// 回头看台账 Add the look-back ledger: every admin unit at this level × every rule (street includes
    /// townships, community includes villages); written as ledger.csv with --out.
    #[arg(long, value_enum)]
    by: Option<ByArg>,
    /// A .ttf/.ttc font that draws Chinese, for the maps --out draws (default: $CARECIRCLE_FONT, else an
    /// installed CJK font such as Debian's fonts-wqy-microhei).
    #[arg(long)]
    font: Option<PathBuf>,
    /// Language of the map's words (place names are shown as they are).
    #[arg(long, value_enum, default_value = "zh")]
    lang: super::map::LangArg,
    /// Judge the dataset as it stood on this day (YYYY-MM-DD, not after its as_of): later hand-overs and
    /// deliveries are ignored, and rulesets not yet in force are not applied.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ByArg {
    District,
    Street,
    Community,
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
    // The maps need a font that draws Chinese: say so before anything is judged or written.
    if args.out.is_some() {
        if let Err(e) = map::find_font(args.font.as_deref()).and_then(|path| map::register(&path)) {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    }
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
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
    let dataset = match &args.as_of {
        None => dataset,
        Some(text) => match Date::parse(text) {
            Some(day) if day <= dataset.as_of => dataset.as_it_stood_on(day),
            Some(day) => {
                eprintln!(
                    "--as-of {day}: {} describes {}; it cannot say what stood on a later day",
                    args.dataset.display(),
                    dataset.as_of
                );
                return EXIT_BAD_INPUT;
            }
            None => {
                eprintln!("--as-of \"{text}\": expected a date YYYY-MM-DD");
                return EXIT_BAD_INPUT;
            }
        },
    };
    let mode = match args.mode {
        ModeArg::Audit => Mode::Audit,
        ModeArg::Review => Mode::Review,
    };
    let report = engine::judge(&dataset, &rulesets, mode);
    let ledger = args.by.map(|by| {
        let level = match by {
            ByArg::District => Level::District,
            ByArg::Street => Level::Street,
            ByArg::Community => Level::Community,
        };
        engine::ledger(&dataset, &report, level)
    });
    let check = Check {
        dataset: &dataset,
        rulesets: &rulesets,
        mode,
        report: &report,
        ledger: ledger.as_ref(),
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
        let coverage = Coverage::of(&dataset, mode, &rulesets, None, Some(&report));
        let spec = MapSpec {
            dataset: &dataset,
            mode,
            coverage: coverage.as_ref(),
            findings: &report.findings,
            bbox: None,
            width: 1600,
            lang: super::map::lang(args.lang),
        };
        let maps = match (map::render_svg(&spec), map::render_png(&spec)) {
            (Ok(svg), Ok(png)) => Some(files::Maps { svg, png }),
            // A dataset with nothing to draw still gets its other files.
            (Err(map::MapError::Empty), _) | (_, Err(map::MapError::Empty)) => None,
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                return EXIT_BAD_INPUT;
            }
        };
        if let Err(e) = files::write_out(dir, &check, maps.as_ref()) {
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
