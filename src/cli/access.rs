//! `carecircle access`: who can really reach care, crowding counted (2SFCA).

use super::{load_inputs, EXIT_BAD_INPUT};
use carecircle::access::{self, AccessRequest, Demand, Kernel, Supply};
use carecircle::check::parse_mode;
use carecircle::model::Mode;
use carecircle::report::access::{AccessView, ACCESS_FILES};
use carecircle::rules::RuleKind;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
enum SupplyArg {
    FloorArea,
    Beds,
}

#[derive(Clone, Copy, ValueEnum)]
enum DemandArg {
    Households,
    Elderly,
}

#[derive(Clone, Copy, ValueEnum)]
enum KernelArg {
    Gaussian,
    Dai,
}

#[derive(Clone, Copy, ValueEnum)]
enum AccessFormat {
    Text,
    Json,
    Csv,
}

#[derive(Args)]
pub struct AccessArgs {
    /// The dataset folder.
    dataset: PathBuf,
    /// Ruleset TOML files or built-in ids (one or more; may be repeated).
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// The service_radius rule whose facilities (tiers) and radius (the catchment, straight-line or
    /// walking) to use, e.g. anxi-2022/service-radius.
    #[arg(long, value_name = "RULE_ID")]
    rule: String,
    /// What a facility offers: its floor area (m²) or its beds.
    #[arg(long, value_enum, default_value = "floor-area")]
    supply: SupplyArg,
    /// Who needs it: households, or each area's share (by households) of its community's elderly.
    #[arg(long, value_enum, default_value = "households")]
    demand: DemandArg,
    /// The distance weight: gaussian exp(−d²/2σ²) (PySAL access) or dai (Dai 2010, 0 at the radius).
    #[arg(long, value_enum, default_value = "gaussian")]
    kernel: KernelArg,
    /// σ of the Gaussian weight, metres (default: half the radius).
    #[arg(long, value_name = "M")]
    sigma: Option<f64>,
    /// audit: facilities built now; review: planned and building ones count too.
    #[arg(long, default_value = "audit", value_parser = parse_mode, value_name = "audit|review")]
    mode: Mode,
    /// text: for people; json: every area's score unrounded; csv: every area, for Excel.
    #[arg(long, value_enum, default_value = "text")]
    format: AccessFormat,
    /// Also write access.json, access.csv and streets.csv into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: AccessArgs) -> i32 {
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    let rule = match carecircle::siting::find_rule(&rulesets, &args.rule) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("--rule {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let radius = match &rule.kind {
        RuleKind::ServiceRadius(r) => r.radius_m,
        _ => 0.0,
    };
    let request = AccessRequest {
        supply: match args.supply {
            SupplyArg::FloorArea => Supply::FloorArea,
            SupplyArg::Beds => Supply::Beds,
        },
        demand: match args.demand {
            DemandArg::Households => Demand::Households,
            DemandArg::Elderly => Demand::Elderly,
        },
        kernel: match args.kernel {
            KernelArg::Gaussian => Kernel::Gaussian {
                sigma_m: args.sigma.unwrap_or(radius / 2.0),
            },
            KernelArg::Dai => Kernel::Dai,
        },
        mode: args.mode,
    };
    let result = match access::access(&dataset, rule, &request) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{}: {e}", args.dataset.display());
            return EXIT_BAD_INPUT;
        }
    };
    let view = AccessView {
        dataset: &dataset,
        access: &result,
    };
    let json = || super::json_line(&view.document());
    let printed = match args.format {
        AccessFormat::Text => Ok(view.text().into_bytes()),
        AccessFormat::Json => json().map_err(|e| e.to_string()),
        AccessFormat::Csv => view.csv().map_err(|e| e.to_string()),
    };
    let printed = match printed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot render: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if let Some(dir) = &args.out {
        let files: Result<Vec<(&str, Vec<u8>)>, String> = (|| {
            let mut files = vec![
                ("access.json", json().map_err(|e| e.to_string())?),
                ("access.csv", view.csv().map_err(|e| e.to_string())?),
                ("streets.csv", view.streets_csv().map_err(|e| e.to_string())?),
            ];
            if let Some(png) = access_map(&view, args.mode)? {
                files.push(("access.png", png));
            }
            Ok(files)
        })();
        let written = files.and_then(|files| {
            carecircle::safe_write::write_folder(dir, &files, ACCESS_FILES).map_err(|e| e.to_string())
        });
        match written {
            Ok(()) => eprintln!("写入 wrote {}", dir.display()),
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

/// The areas shaded by score, when a font that draws Chinese is found (said when not).
fn access_map(view: &AccessView, mode: Mode) -> Result<Option<Vec<u8>>, String> {
    use carecircle::map;
    if !super::map_font(None, "可达性地图未生成 access.png is skipped")? {
        return Ok(None);
    }
    let shading = map::access_shading(view);
    let spec = map::MapSpec {
        dataset: view.dataset,
        mode,
        coverage: None,
        findings: &[],
        bbox: None,
        width: 1200,
        lang: map::Lang::Chinese,
        shading: Some(&shading),
    };
    match map::render_png(&spec) {
        Ok(png) => Ok(Some(png)),
        Err(map::MapError::Empty) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
