//! `carecircle map`: a coverage map of a dataset, as PNG or SVG.

use super::{load_inputs, EXIT_BAD_INPUT};
use carecircle::engine;
use carecircle::map::{self, Coverage, Lang, MapSpec};
use carecircle::model::{Mode, Tier};
use carecircle::report::files::write_all;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct MapArgs {
    /// The dataset folder.
    dataset: PathBuf,
    /// Ruleset TOML files: the first radius rule gives the coverage; every failing subject is outlined.
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// Facility tiers whose service radius is drawn and judged (default: the radius rule's own).
    #[arg(long, value_delimiter = ',', value_name = "TIER,...")]
    tiers: Vec<String>,
    /// The picture to write: .png or .svg.
    #[arg(long, default_value = "coverage.png")]
    out: PathBuf,
    /// Show only this box, in WGS84: min_lon,min_lat,max_lon,max_lat (default: the whole dataset).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "MIN_LON,MIN_LAT,MAX_LON,MAX_LAT",
        allow_negative_numbers = true
    )]
    bbox: Vec<f64>,
    /// Width in pixels; the height follows the data.
    #[arg(long, default_value_t = 1600)]
    width: u32,
    /// Language of the map's words (place names are shown as they are).
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
    /// audit: only existing facilities count; review: planned and building ones too.
    #[arg(long, value_enum, default_value = "audit")]
    mode: ModeArg,
    /// A .ttf/.ttc font that draws Chinese (default: $CARECIRCLE_FONT, else an installed CJK font).
    #[arg(long)]
    font: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Audit,
    Review,
}

pub fn run(args: MapArgs) -> i32 {
    let format = match args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "png" || e == "svg" => e,
        _ => {
            eprintln!(
                "--out {}: expected a file name ending in .png or .svg",
                args.out.display()
            );
            return EXIT_BAD_INPUT;
        }
    };
    let mut tiers = Vec::new();
    for t in &args.tiers {
        match Tier::parse(t) {
            Some(tier) => tiers.push(tier),
            None => {
                eprintln!("--tiers: unknown tier \"{t}\": expected one of {}", Tier::accepted());
                return EXIT_BAD_INPUT;
            }
        }
    }
    let bbox = match args.bbox.as_slice() {
        [] => None,
        [a, b, c, d] if a < c && b < d && (-180.0..=180.0).contains(a) && (-90.0..=90.0).contains(b) => Some(
            geo::Rect::new(geo::coord! { x: *a, y: *b }, geo::coord! { x: *c, y: *d }),
        ),
        _ => {
            eprintln!("--bbox: expected min_lon,min_lat,max_lon,max_lat in WGS84 with min < max");
            return EXIT_BAD_INPUT;
        }
    };
    if let Err(e) = map::find_font(args.font.as_deref()).and_then(|path| map::register(&path)) {
        eprintln!("{e}");
        return EXIT_BAD_INPUT;
    }
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    let mode = match args.mode {
        ModeArg::Audit => Mode::Audit,
        ModeArg::Review => Mode::Review,
    };
    let report = engine::judge(&dataset, &rulesets, mode);
    let coverage = Coverage::of(
        &dataset,
        mode,
        &rulesets,
        (!tiers.is_empty()).then_some(tiers.as_slice()),
        Some(&report),
    );
    let spec = MapSpec {
        dataset: &dataset,
        mode,
        coverage: coverage.as_ref(),
        findings: &report.findings,
        bbox,
        width: args.width,
        lang: lang(args.lang),
    };
    let bytes = if format == "svg" {
        map::render_svg(&spec).map(String::into_bytes)
    } else {
        map::render_png(&spec)
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = args
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match write_all(dir, vec![(name.as_str(), bytes)]) {
        Ok(_) => {
            eprintln!("地图 map written: {}", args.out.display());
            0
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
    }
}

pub fn lang(arg: LangArg) -> Lang {
    match arg {
        LangArg::Zh => Lang::Chinese,
        LangArg::En => Lang::English,
    }
}
