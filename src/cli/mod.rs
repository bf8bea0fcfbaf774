//! Command-line interface: parses arguments, calls the library, prints, and picks the exit status
//! (0 ran, 1 `--fail-on` tripped, 2 bad input).

mod access;
mod audit;
mod bench;
mod check;
mod compare;
mod db;
mod map;
mod review;
mod serve;
mod site;
mod users;

use carecircle::load::{load_dataset_with_warnings, Problems};
use carecircle::model::Dataset;
use carecircle::rules::{load_ruleset, RulesError, Ruleset};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// 养老服务设施布局合规检查 — checks whether a city's elderly-care facilities are laid out as
/// local policy requires, flags every gap, and reports coverage.
#[derive(Parser)]
#[command(
    name = "carecircle",
    version,
    about = "养老服务设施布局合规检查 — checks whether a city's elderly-care facilities are laid out as local policy requires, and flags every gap"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Treat warnings about the data (properties no layer knows, such as a misspelt handed_ovr) as errors.
    #[arg(long, global = true)]
    strict: bool,
}

/// `--strict`, set once from the command line.
static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

#[derive(Subcommand)]
enum Command {
    /// 检查 Judge a dataset folder against rulesets and report every gap.
    Check(check::CheckArgs),
    /// 整改台账 Compare two kept runs: what was fixed, what is new, what still fails (per street or community).
    Compare(compare::CompareArgs),
    /// 规划审查 Judge a proposed residential project inside its real surroundings (exit 1 when it fails).
    Review(review::ReviewArgs),
    /// 选址 Choose candidate sites that close a radius rule's gaps: at most N (the most households) or the fewest covering all.
    Site(site::SiteArgs),
    /// 可达性 Accessibility with crowding counted: each area's two-step floating catchment (2SFCA) score for a radius rule.
    Access(access::AccessArgs),
    /// 地图 Draw a coverage map (PNG or SVG): areas by coverage, facilities by tier, failing subjects outlined.
    Map(map::MapArgs),
    /// 任务分解 Split city-wide targets into whole numbers per unit that add up (largest remainder).
    Allocate {
        /// The plan: [[target]] name and total, optional [[group]] name and share, [[unit]] name, weight, group.
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: AllocateFormat,
    },
    /// 服务 Serve datasets and checks over HTTP: OGC API - Features for GIS tools, checks, plan review.
    Serve(Box<serve::ServeArgs>),
    /// 数据库 The PostGIS store: migrate, import a dataset folder, export it back.
    Db(db::DbArgs),
    /// 账户 The accounts of a shared service: add, list, disable, give a personal token.
    Users(users::UsersArgs),
    /// 审计 The audit trail: who judged, exported or changed what; --verify walks its chain.
    Audit(audit::AuditArgs),
    /// 校验 Load a dataset folder and report every problem in it, without judging.
    Validate {
        /// The dataset folder (holding dataset.toml).
        dataset: PathBuf,
    },
    /// 转换 Write a dataset folder again in another format (and CRS): every layer read and checked as
    /// `check` reads it, then written whole — to hand a bureau's ledger to QGIS, GDAL or another office.
    Convert {
        /// The dataset folder to read (holding dataset.toml).
        dataset: PathBuf,
        /// The folder to write (made; a folder carecircle did not write is refused).
        out: PathBuf,
        /// `geojson` (a file a layer, the contract's folder), `gpkg` (one GeoPackage holding every
        /// layer, as QGIS keeps them), `fgb` (a FlatGeobuf file a layer) or `parquet` (a GeoParquet
        /// file a layer, for DuckDB, Sedona and GeoPandas).
        #[arg(long, value_enum, default_value = "geojson")]
        format: ConvertFormat,
        /// The CRS to write in (EPSG:4326, EPSG:4490, a CGCS2000 Gauss-Krüger zone …); default the
        /// dataset's own.
        #[arg(long)]
        crs: Option<String>,
    },
    /// 规则 List the rules of ruleset files with their sources.
    Rules {
        /// Ruleset TOML files or built-in ids (default: every built-in ruleset).
        files: Vec<PathBuf>,
    },
    /// 演示数据 Write the built-in demo dataset (马尾区, invented geometry) into a folder.
    Demo {
        /// The folder to write it into.
        dir: PathBuf,
    },
    /// 合成 Write a deterministic synthetic dataset of any size.
    Synth {
        /// Number of residential areas (at most 10 000 000).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=carecircle::limits::SYNTH_AREAS))]
        areas: u64,
        /// Number of facilities (at most 1 000 000).
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=carecircle::limits::SYNTH_FACILITIES))]
        facilities: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Candidate sites for `site` (candidates.geojson; none by default).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=carecircle::limits::SYNTH_FACILITIES))]
        candidates: u64,
        /// Dense cores (households up to 10×, most facilities and candidates around them) instead of a
        /// uniform city: a harder siting benchmark (0: uniform; at most 1 000).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1_000))]
        clusters: u64,
        /// Folder to write the dataset into.
        #[arg(long)]
        out: PathBuf,
    },
    /// 基准 Time the radius rule (straight-line and walking), a whole check and (--map) the map on a synthetic city.
    Bench(bench::BenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConvertFormat {
    Geojson,
    Gpkg,
    Fgb,
    Parquet,
}

#[derive(Clone, Copy, ValueEnum)]
enum AllocateFormat {
    Text,
    Json,
    Csv,
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    let _ = STRICT.set(cli.strict);
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Review(args) => review::run(args),
        Command::Map(args) => map::run(args),
        Command::Site(args) => site::run(args),
        Command::Access(args) => access::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Db(args) => db::run(args),
        Command::Users(args) => users::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Validate { dataset } => validate(&dataset),
        Command::Convert {
            dataset,
            out,
            format,
            crs,
        } => convert(&dataset, &out, format, crs.as_deref()),
        Command::Rules { files } => rules(&files),
        Command::Demo { dir } => match carecircle::builtin::write_demo(&dir) {
            Ok(()) => {
                println!("写入 wrote the demo dataset to {}", dir.display());
                0
            }
            Err(e) => {
                eprintln!("{e}");
                EXIT_BAD_INPUT
            }
        },
        Command::Synth {
            areas,
            facilities,
            seed,
            candidates,
            clusters,
            out,
        } => synth(
            areas as usize,
            facilities as usize,
            candidates as usize,
            clusters as usize,
            seed,
            &out,
        ),
        Command::Bench(args) => bench::run(args),
        Command::Allocate { file, format } => allocate(&file, format),
    }
}

fn allocate(file: &Path, format: AllocateFormat) -> i32 {
    use carecircle::allocate::{allocate, load_plan};
    use carecircle::report::allocation;
    let plan = match load_plan(file) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let allocations = allocate(&plan);
    let rendered = match format {
        AllocateFormat::Text => Ok(allocation::text(&plan, &allocations).into_bytes()),
        AllocateFormat::Json => {
            json_line(&allocation::AllocationDocument::new(&plan, &allocations)).map_err(|e| e.to_string())
        }
        AllocateFormat::Csv => allocation::csv(&plan, &allocations).map_err(|e| e.to_string()),
    };
    match rendered {
        Ok(bytes) => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&bytes);
            0
        }
        Err(e) => {
            eprintln!("cannot render: {e}");
            EXIT_BAD_INPUT
        }
    }
}

pub const EXIT_BAD_INPUT: i32 = 2;

/// A document as `--format json` prints it: pretty, ending in a newline.
fn json_line<T: serde::Serialize>(doc: &T) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(doc).map(|mut v| {
        v.push(b'\n');
        v
    })
}

/// Registers the font the maps draw Chinese with (`font`, else an installed one): `Ok(false)` when none
/// is installed, which is said with `skipped` (what is not drawn); `Err` when a font is there but unusable.
fn map_font(font: Option<&Path>, skipped: &str) -> Result<bool, String> {
    match carecircle::map::find_font(font) {
        Ok(path) => carecircle::map::register(&path)
            .map(|()| true)
            .map_err(|e| e.to_string()),
        Err(e @ carecircle::map::FontError::NotFound { .. }) => {
            eprintln!("注意 note: {e}; {skipped}");
            Ok(false)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The built-in demo written out for loading, removed again when dropped.
struct DemoCopy(PathBuf);

impl Drop for DemoCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads a dataset with a spinner on a terminal; prints its warnings, which `--strict` makes errors.
/// `demo`, when no such folder exists, is the built-in demo dataset.
fn load_with_progress(dir: &Path) -> Result<Dataset, Problems> {
    let _demo;
    let dir = if !dir.exists() && dir == Path::new(carecircle::builtin::DEMO) {
        let copy = std::env::temp_dir().join(format!("carecircle-demo-{}", std::process::id()));
        carecircle::builtin::write_demo(&copy).map_err(|e| {
            Problems(vec![carecircle::load::Problem::file(
                "demo",
                format!("cannot write the built-in demo: {e}"),
            )])
        })?;
        _demo = DemoCopy(copy);
        _demo.0.as_path()
    } else {
        dir
    };
    let spinner = indicatif::ProgressBar::new_spinner().with_message(format!("读取 loading {}", dir.display()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = load_dataset_with_warnings(dir);
    spinner.finish_and_clear();
    let (dataset, warnings) = result?;
    if STRICT.get().copied().unwrap_or(false) && !warnings.is_empty() {
        return Err(warnings);
    }
    for w in warnings.iter().take(carecircle::load::SHOWN_PROBLEMS) {
        eprintln!("注意 warning: {}: {w}", dir.display());
    }
    if warnings.len() > carecircle::load::SHOWN_PROBLEMS {
        eprintln!(
            "注意 warning: … 另有 and {} more",
            warnings.len() - carecircle::load::SHOWN_PROBLEMS
        );
    }
    Ok(dataset)
}

/// Loads the rulesets and the dataset, printing every problem of both; `None` when any is bad.
fn load_inputs(rules: &[PathBuf], dataset: &Path) -> Option<(Vec<Ruleset>, Dataset)> {
    let rulesets = load_rulesets(rules);
    let loaded = load_with_progress(dataset);
    match (rulesets, loaded) {
        (Ok(r), Ok(d)) => Some((r, d)),
        (r, d) => {
            if let Err(errors) = r {
                errors.iter().for_each(|e| eprint!("{e}"));
            }
            if let Err(problems) = d {
                eprint!("{}: {problems}", dataset.display());
            }
            None
        }
    }
}

/// A dataset folder's name: what the store and the record call the dataset.
fn folder_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

/// Loads every ruleset, collecting the problems of all files.
fn load_rulesets(files: &[PathBuf]) -> Result<Vec<Ruleset>, Vec<RulesError>> {
    let mut rulesets = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        // A path that exists is read; otherwise a built-in ruleset of that id, if there is one.
        let built_in = (!file.exists())
            .then(|| file.to_str().and_then(carecircle::builtin::ruleset))
            .flatten();
        match built_in.unwrap_or_else(|| load_ruleset(file)) {
            Ok(r) => rulesets.push(r),
            Err(e) => errors.push(e),
        }
    }
    let mut seen = std::collections::HashMap::new();
    for (ruleset, file) in rulesets.iter().zip(files) {
        if let Some(other) = seen.insert(ruleset.id.clone(), file) {
            errors.push(RulesError {
                what: carecircle::toml_file::TomlFile::Ruleset,
                file: file.display().to_string(),
                problems: vec![(
                    0,
                    format!("ruleset id \"{}\" is also used by {}", ruleset.id, other.display()),
                )],
            });
        }
    }
    if errors.is_empty() {
        Ok(rulesets)
    } else {
        Err(errors)
    }
}

/// `convert`: the folder read and checked, then written whole in `format` and `crs`.
fn convert(dir: &Path, out: &Path, format: ConvertFormat, crs: Option<&str>) -> i32 {
    use carecircle::write::Format;
    let dataset = match load_with_progress(dir) {
        Ok(d) => d,
        Err(problems) => {
            eprint!("{problems}");
            return EXIT_BAD_INPUT;
        }
    };
    let crs = match crs.map(carecircle::crs::Crs::parse).transpose() {
        Ok(c) => c.unwrap_or(dataset.source_crs),
        Err(e) => {
            eprintln!("--crs: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let description = std::fs::read_to_string(dir.join("dataset.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("description").and_then(|d| d.as_str()).map(str::to_string))
        .unwrap_or_default();
    let format = match format {
        ConvertFormat::Geojson => Format::GeoJson,
        ConvertFormat::Gpkg => Format::GeoPackage,
        ConvertFormat::Fgb => Format::FlatGeobuf,
        ConvertFormat::Parquet => Format::GeoParquet,
    };
    match carecircle::write::write_dataset_as(&dataset, out, crs, &description, format) {
        Ok(()) => {
            println!(
                "转换 converted {} to {} ({crs}): {} admin units, {} residential areas, {} facilities, {} roads, {} candidates",
                dir.display(),
                out.display(),
                dataset.admin_units.len(),
                dataset.residential_areas.len(),
                dataset.facilities.len(),
                dataset.roads.len(),
                dataset.candidates.len()
            );
            0
        }
        Err(e) => {
            eprintln!("{}: {e}", out.display());
            EXIT_BAD_INPUT
        }
    }
}

fn validate(dir: &Path) -> i32 {
    match load_with_progress(dir) {
        Ok(d) => {
            println!(
                "数据有效 valid: {} — {} admin units, {} residential areas, {} facilities, {} roads, {} candidates ({}, as of {})",
                d.name,
                d.admin_units.len(),
                d.residential_areas.len(),
                d.facilities.len(),
                d.roads.len(),
                d.candidates.len(),
                d.source_crs,
                d.as_of
            );
            0
        }
        Err(problems) => {
            eprint!("{problems}");
            EXIT_BAD_INPUT
        }
    }
}

fn rules(files: &[PathBuf]) -> i32 {
    let listed = if files.is_empty() {
        carecircle::builtin::RULESETS
            .iter()
            .map(|(id, _)| PathBuf::from(id))
            .collect()
    } else {
        files.to_vec()
    };
    let rulesets = match load_rulesets(&listed) {
        Ok(r) => r,
        Err(errors) => {
            errors.iter().for_each(|e| eprint!("{e}"));
            return EXIT_BAD_INPUT;
        }
    };
    for r in &rulesets {
        println!("{} — {} {}", r.id, r.document, r.title);
        if let Some(by) = &r.issued_by {
            println!("  发文 issued by: {by}");
        }
        if let Some(day) = r.effective {
            println!("  生效 effective: {day}");
        }
        println!("  sha256: {}", r.sha256);
        let mut rows = vec![["规则 rule", "类型 kind", "级别 severity", "条款 clause"]
            .map(String::from)
            .to_vec()];
        for rule in &r.rules {
            rows.push(vec![
                rule.id.clone(),
                rule.kind.name().into(),
                rule.severity.key().into(),
                rule.clause.clone(),
            ]);
        }
        for line in carecircle::report::text::table(&rows).lines() {
            println!("  {line}");
        }
        for rule in &r.rules {
            println!("  {}: “{}”", rule.id, rule.quote);
        }
        println!();
    }
    0
}

fn synth(areas: usize, facilities: usize, candidates: usize, clusters: usize, seed: u64, out: &Path) -> i32 {
    let mut dataset = carecircle::synth::synthesize(areas, facilities, seed);
    carecircle::synth::add_candidates(&mut dataset, candidates, seed);
    carecircle::synth::cluster(&mut dataset, clusters, seed);
    let description = "合成数据，非真实 synthetic data, not a real place";
    match carecircle::write::write_dataset(&dataset, out, carecircle::crs::Crs::Wgs84, description) {
        Ok(()) => {
            println!(
                "写入 wrote {}: {} admin units, {} residential areas, {} facilities, {} candidate sites",
                out.display(),
                dataset.admin_units.len(),
                dataset.residential_areas.len(),
                dataset.facilities.len(),
                dataset.candidates.len()
            );
            0
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
    }
}
