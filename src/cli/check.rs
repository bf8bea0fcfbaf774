//! `carecircle check`: DATA-CONTRACT §4.

use super::{load_inputs, Format, EXIT_BAD_INPUT};
use carecircle::check::{check, parse_day, parse_level, parse_mode, CheckRequest, Judged, Source};
use carecircle::map;
use carecircle::model::{Level, Mode};
use carecircle::report::{files, json::CheckDocument, text};
use carecircle::rules::Severity;
use carecircle::store::now_rfc3339;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
    /// The dataset folder (holding dataset.toml and the layer files).
    dataset: PathBuf,
    /// Ruleset TOML files (one or more; may be repeated).
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// audit (回头看): only existing facilities count; review (规划审查): planned and building count too.
    #[arg(long, default_value = "audit", value_parser = parse_mode, value_name = "audit|review")]
    mode: Mode,
    /// text: a table for people; json: the document of DATA-CONTRACT §4, every finding included.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write the run into this folder: check.json (the record), findings.geojson, findings.csv,
    /// summary.csv, findings.xlsx, report.html, coverage.png and coverage.svg (and ledger.csv with --by).
    /// A folder a run was written to before is replaced whole; one holding other files is refused.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit with status 1 when a rule of this severity (or worse) fails.
    #[arg(long, value_parser = parse_severity, value_name = "error|warning")]
    fail_on: Option<Severity>,
    /// 回头看台账 Add the look-back ledger: every admin unit at this level × every rule (street includes
    /// townships, community includes villages); written as ledger.csv with --out.
    #[arg(long, value_parser = parse_level, value_name = "district|street|community")]
    by: Option<Level>,
    /// A .ttf/.ttc font that draws Chinese, for the maps --out draws (default: $CARECIRCLE_FONT, else an
    /// installed CJK font such as Debian's fonts-wqy-microhei).
    #[arg(long)]
    font: Option<PathBuf>,
    /// Write no maps with --out (coverage.png, coverage.svg and the report's map), as when no CJK font is
    /// installed: every other file is written.
    #[arg(long)]
    no_maps: bool,
    /// Language of the map's words (place names are shown as they are).
    #[arg(long, value_enum, default_value = "zh")]
    lang: super::map::LangArg,
    /// Judge the dataset as it stood on this day (YYYY-MM-DD, not after its as_of): later hand-overs and
    /// deliveries are ignored, and rulesets not yet in force are not applied.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    match text {
        "error" => Ok(Severity::Error),
        "warning" => Ok(Severity::Warning),
        _ => Err(format!("\"{text}\": expected error or warning")),
    }
}

pub fn run(args: CheckArgs) -> i32 {
    // The maps need a font that draws Chinese. With none installed, every other file is still worth having:
    // write them and say which package brings the maps. A font named but unusable is an error.
    let draw_maps = args.out.is_some()
        && !args.no_maps
        && match map::find_font(args.font.as_deref()) {
            Err(e @ map::FontError::NotFound { .. }) => {
                eprintln!("注意 note: {e}");
                eprintln!(
                    "注意 note: 地图未生成 coverage.png, coverage.svg and the report's map are skipped; every other file is written"
                );
                false
            }
            Err(e) => {
                eprintln!("{e}");
                return EXIT_BAD_INPUT;
            }
            Ok(path) => match map::register(&path) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("{e}");
                    return EXIT_BAD_INPUT;
                }
            },
        };
    let as_of = match args.as_of.as_deref().map(parse_day).transpose() {
        Ok(day) => day,
        Err(e) => {
            eprintln!("--as-of {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    let source = Source::new(&super::folder_name(&args.dataset), dataset);
    let request = CheckRequest {
        rulesets,
        mode: args.mode,
        as_of,
        by: args.by,
    };
    let judged = match check(&source, request) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{}: {e}", args.dataset.display());
            return EXIT_BAD_INPUT;
        }
    };
    let view = judged.view(None);
    // Without --out nothing can fail after the document: stream it to standard output instead of
    // holding a copy of it (hundreds of megabytes for a big city) in memory first.
    if args.out.is_none() && matches!(args.format, Format::Json) {
        use std::io::Write;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        let written = carecircle::report::json::write_pretty(&view, &mut out)
            .map_err(|e| e.to_string())
            .and_then(|()| writeln!(out).and_then(|()| out.flush()).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("cannot write JSON: {e}");
            return EXIT_BAD_INPUT;
        }
        return exit_leaving(judged, source, args.fail_on);
    }
    let printed = match args.format {
        Format::Text => text::render(&view),
        Format::Json => match serde_json::to_string_pretty(&CheckDocument::new(&view)) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("cannot render JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };
    if let Some(dir) = &args.out {
        let created = now_rfc3339();
        let record = judged.record(&local_id(&judged, &created), &created);
        let maps = if draw_maps {
            carecircle::map::draw_run(&judged, super::map::lang(args.lang), 1600)
        } else {
            Ok(None)
        };
        let written = maps
            .map_err(|e| e.to_string())
            .and_then(|maps| judged.files(&record, maps.as_ref()).map_err(|e| e.to_string()))
            .and_then(|files| {
                carecircle::safe_write::write_folder(dir, &files, files::RUN_FILES).map_err(|e| e.to_string())?;
                Ok(files.iter().map(|(name, _)| *name).collect::<Vec<_>>())
            });
        match written {
            Ok(names) => eprintln!("写入 wrote {}: {}", dir.display(), names.join(", ")),
            Err(e) => {
                eprintln!("{e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    print!("{printed}");
    exit_leaving(judged, source, args.fail_on)
}

/// The exit status, the run and the city left to the operating system as the process ends: freeing a
/// city's million features one by one would only delay the exit (a tenth of a second at 1 000 000).
fn exit_leaving(judged: Judged, source: Source, fail_on: Option<Severity>) -> i32 {
    let status = exit_status(&judged, fail_on);
    std::mem::forget(judged);
    std::mem::forget(source);
    status
}

/// 1 when `--fail-on` is given and a rule of that severity or worse fails, else 0.
fn exit_status(judged: &Judged, fail_on: Option<Severity>) -> i32 {
    match fail_on {
        Some(t) if judged.report.outcomes.iter().any(|o| !o.pass && o.severity >= t) => 1,
        _ => 0,
    }
}

/// The id of a run written by `check --out`, kept by no store: `cli-` and 16 hex digits of a digest of
/// what it judged and when.
fn local_id(judged: &Judged, created: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [created, judged.source.digest(), judged.request.mode.key()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for r in &judged.request.rulesets {
        h.update(r.sha256.as_bytes());
    }
    h.update(format!("{:?}{:?}", judged.request.as_of, judged.request.by).as_bytes());
    let hex: String = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("cli-{hex}")
}
