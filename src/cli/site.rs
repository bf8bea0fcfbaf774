//! `carecircle site`: where to put the facilities that close a radius rule's gaps (选址).

use super::{load_inputs, Format, EXIT_BAD_INPUT};
use carecircle::check::parse_mode;
use carecircle::map::{self, Coverage, MapSpec};
use carecircle::model::{Dataset, Mode};
use carecircle::rules::{Rule, RuleKind};
use carecircle::siting::report::{SitingView, SITE_FILES};
use carecircle::siting::{self, Goal, SiteRequest, Siting};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("goal").required(true).args(["add", "cover_all"])))]
pub struct SiteArgs {
    /// The dataset folder; its candidates.geojson holds the candidate sites (idle public buildings …).
    dataset: PathBuf,
    /// Ruleset TOML files or built-in ids (one or more; may be repeated).
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// The service_radius rule to close the gaps of (straight-line or walking), e.g. anxi-2022/service-radius.
    #[arg(long, value_name = "RULE_ID")]
    rule: String,
    /// 最大覆盖 Choose at most N candidates, added to the facilities the rule counts now, so that the most
    /// households are within reach (maximal covering).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=carecircle::limits::SITE_MAX_ADD as i64))]
    add: Option<u32>,
    /// 全覆盖 The fewest candidates reaching every area any candidate can reach (set covering), and the areas
    /// none can reach.
    #[arg(long)]
    cover_all: bool,
    /// Leave out candidates smaller than this floor area (m²); default: the largest single-site minimum
    /// (min_single_site_m2) of the rulesets' floor-area rules. Candidates with no floor area are kept.
    #[arg(long, value_name = "M2")]
    min_area: Option<f64>,
    /// Seconds the exact solver may search; then the best answer found is given with the proved bound.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    time_limit: f64,
    /// audit: the facilities built now stay; review: planned and building ones count too.
    #[arg(long, default_value = "audit", value_parser = parse_mode, value_name = "audit|review")]
    mode: Mode,
    /// text: for people; json: the answer with every chosen site.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write siting.json, sites.geojson, sites.csv, sites.xlsx, siting.html and the coverage maps
    /// before and after into this folder (replaced whole if siting wrote it before; refused if it holds
    /// other files).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A .ttf/.ttc font that draws Chinese, for the maps (default: $CARECIRCLE_FONT, else an installed CJK font).
    #[arg(long)]
    font: Option<PathBuf>,
}

pub fn run(args: SiteArgs) -> i32 {
    if !(args.time_limit.is_finite()
        && args.time_limit > 0.0
        && args.time_limit <= carecircle::limits::SITE_MAX_SECONDS)
    {
        eprintln!(
            "--time-limit {}: expected seconds above 0 and at most {}",
            args.time_limit,
            carecircle::limits::SITE_MAX_SECONDS
        );
        return EXIT_BAD_INPUT;
    }
    if let Some(m) = args.min_area.filter(|m| !(m.is_finite() && *m >= 0.0)) {
        eprintln!("--min-area {m}: expected a floor area of 0 m² or more");
        return EXIT_BAD_INPUT;
    }
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    let rule = match siting::find_rule(&rulesets, &args.rule) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("--rule {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let request = SiteRequest {
        goal: match args.add {
            Some(n) => Goal::Add(n as usize),
            None => Goal::CoverAll,
        },
        min_area_m2: args.min_area.unwrap_or_else(|| siting::default_min_area(&rulesets)),
        time_limit: Duration::from_secs_f64(args.time_limit),
        mode: args.mode,
    };
    let spinner = indicatif::ProgressBar::new_spinner().with_message("选址求解 siting …");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let answer = siting::site(&dataset, rule, &request);
    spinner.finish_and_clear();
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{}: {e}", args.dataset.display());
            return EXIT_BAD_INPUT;
        }
    };
    let view = SitingView {
        dataset: &dataset,
        rule,
        siting: &answer,
    };
    let json = || super::json_line(&view.document());
    let printed = match args.format {
        Format::Text => view.text().into_bytes(),
        Format::Json => match json() {
            Ok(v) => v,
            Err(e) => {
                eprintln!("cannot render JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };
    if let Some(dir) = &args.out {
        let written = out_files(&view, json, args.font.as_deref(), args.mode).and_then(|files| {
            carecircle::safe_write::write_folder(dir, &files, SITE_FILES).map_err(|e| e.to_string())?;
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
    use std::io::Write;
    let _ = std::io::stdout().write_all(&printed);
    0
}

/// Every file of `--out`; the maps only when a font that draws Chinese is found (said when not).
fn out_files(
    view: &SitingView,
    json: impl Fn() -> Result<Vec<u8>, serde_json::Error>,
    font: Option<&std::path::Path>,
    mode: Mode,
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let maps = if super::map_font(font, "选址前后覆盖图未生成 the before and after maps are skipped")? {
        Some(coverage_maps(view.dataset, view.rule, view.siting, mode).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mut files = vec![
        ("siting.json", json().map_err(|e| e.to_string())?),
        ("sites.geojson", view.geojson().map_err(|e| e.to_string())?),
        ("sites.csv", view.csv().map_err(|e| e.to_string())?),
        ("sites.xlsx", view.xlsx().map_err(|e| e.to_string())?),
        ("siting.html", view.html(maps.is_some()).into_bytes()),
    ];
    if let Some((before, after)) = maps {
        files.push(("coverage-before.png", before));
        files.push(("coverage-after.png", after));
    }
    Ok(files)
}

/// The rule's coverage before and after the chosen sites are built, as PNG.
fn coverage_maps(
    dataset: &Dataset,
    rule: &Rule,
    answer: &Siting,
    mode: Mode,
) -> Result<(Vec<u8>, Vec<u8>), map::MapError> {
    let RuleKind::ServiceRadius(radius) = &rule.kind else {
        return Err(map::MapError::Empty);
    };
    let after = siting::dataset_after(dataset, rule, answer);
    let coverage = |reached: &[bool], added: Vec<(geo::Point<f64>, String)>, caption: String| Coverage {
        rule: rule.id.clone(),
        radius_m: radius.radius_m,
        tiers: radius.tiers.clone(),
        walking: radius.metric == carecircle::rules::Metric::Network,
        uncovered: dataset
            .residential_areas
            .iter()
            .zip(reached)
            .filter(|(_, r)| !**r)
            .map(|(a, _)| a.id.clone())
            .collect(),
        added,
        caption: Some(caption),
    };
    let draw = |d: &Dataset, reached: &[bool], added, caption| {
        let c = coverage(reached, added, caption);
        map::render_png(&MapSpec {
            dataset: d,
            mode,
            coverage: Some(&c),
            findings: &[],
            bbox: None,
            width: 1200,
            lang: map::Lang::Chinese,
            shading: None,
        })
    };
    let added = answer
        .chosen
        .iter()
        .map(|c| {
            let k = &dataset.candidates[c.candidate];
            (k.location, k.id.clone())
        })
        .collect();
    let before = format!(
        "选址前 before: {}/{}户 households within reach",
        answer.before_households, answer.total_households
    );
    let after_words = format!(
        "选址后 after: +{}处 sites, {}/{}户 households within reach",
        answer.chosen.len(),
        answer.covered_households,
        answer.total_households
    );
    Ok((
        draw(dataset, &answer.reached_before, Vec::new(), before)?,
        draw(&after, &answer.reached_after, added, after_words)?,
    ))
}
