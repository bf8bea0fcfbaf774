//! `carecircle map`: a coverage map of a dataset, as PNG or SVG.

use super::{load_inputs, EXIT_BAD_INPUT};
use carecircle::check::{check, parse_day, parse_mode, CheckRequest, Source};
use carecircle::map::{self, Lang, MapSpec};
use carecircle::model::{Date, Mode, Tier};
use carecircle::rules::{RuleKind, Ruleset};
use carecircle::safe_write::write_all;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct MapArgs {
    /// The dataset folder.
    dataset: PathBuf,
    /// Ruleset TOML files: the first radius rule in force gives the coverage; every failing subject is outlined.
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// Facility tiers whose service radius is drawn and judged, in place of the first radius rule's own.
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
    /// audit (回头看): only existing facilities count; review (规划审查): planned and building ones too.
    #[arg(long, default_value = "audit", value_parser = parse_mode, value_name = "audit|review")]
    mode: Mode,
    /// Draw the dataset as it stood on this day (YYYY-MM-DD): only rulesets in force then are applied.
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    as_of: Option<Date>,
    /// A .ttf/.ttc font that draws Chinese (default: $CARECIRCLE_FONT, else an installed CJK font).
    #[arg(long)]
    font: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
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
    let Some((mut rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    if !tiers.is_empty() {
        retier_first_radius_rule(&mut rulesets, args.as_of.unwrap_or(dataset.as_of), &tiers);
    }
    let source = Source::new(&super::folder_name(&args.dataset), dataset);
    let request = CheckRequest {
        as_of: args.as_of,
        ..CheckRequest::new(rulesets, args.mode)
    };
    let judged = match check(&source, request) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{}: {e}", args.dataset.display());
            return EXIT_BAD_INPUT;
        }
    };
    let spec = MapSpec {
        dataset: &judged.dataset,
        mode: judged.request.mode,
        coverage: judged.coverage.as_ref(),
        findings: &judged.report.findings,
        bbox,
        width: args.width,
        lang: lang(args.lang),
        shading: None,
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

/// Gives the first radius rule in force on `day` other tiers, so the check judges and the map draws those.
fn retier_first_radius_rule(rulesets: &mut [Ruleset], day: Date, tiers: &[Tier]) {
    let first = rulesets
        .iter_mut()
        .filter(|r| r.in_force_on(day))
        .flat_map(|r| r.rules.iter_mut())
        .find_map(|rule| match &mut rule.kind {
            RuleKind::ServiceRadius(p) => Some(p),
            _ => None,
        });
    if let Some(params) = first {
        params.tiers = tiers.to_vec();
    }
}

pub fn lang(arg: LangArg) -> Lang {
    match arg {
        LangArg::Zh => Lang::Chinese,
        LangArg::En => Lang::English,
    }
}
