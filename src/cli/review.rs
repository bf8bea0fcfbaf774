//! `carecircle review`: plan review (规划审查) of a proposal inside its real surroundings.

use super::{load_inputs, Format, EXIT_BAD_INPUT};
use carecircle::engine;
use carecircle::load::load_proposal;
use carecircle::report::review::{render, ReviewCheck, ReviewDocument};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReviewArgs {
    /// The dataset folder: the proposal's real surroundings.
    dataset: PathBuf,
    /// GeoJSON FeatureCollection of the proposed residential areas and facilities, each with a `layer`
    /// property (residential_areas or facilities) and the layers' properties, in the dataset's CRS.
    #[arg(long)]
    proposal: PathBuf,
    /// Ruleset TOML files (one or more; may be repeated).
    #[arg(long, num_args = 1.., required = true)]
    rules: Vec<PathBuf>,
    /// text: a verdict table for people; json: every rule's verdict with its subjects and findings.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Exit 0 when the proposal passes, 1 when a rule of severity error fails, 2 on bad input.
pub fn run(args: ReviewArgs) -> i32 {
    let Some((rulesets, dataset)) = load_inputs(&args.rules, &args.dataset) else {
        return EXIT_BAD_INPUT;
    };
    let proposal = match load_proposal(&args.proposal, &dataset) {
        Ok(p) => p,
        Err(problems) => {
            eprint!("{}: {problems}", args.proposal.display());
            return EXIT_BAD_INPUT;
        }
    };
    let review = engine::review(&dataset, &proposal, &rulesets);
    let name = args.proposal.display().to_string();
    let check = ReviewCheck {
        dataset: &dataset,
        rulesets: &rulesets,
        proposal: &name,
        review: &review,
    };
    match args.format {
        Format::Text => print!("{}", render(&check)),
        Format::Json => match serde_json::to_string_pretty(&ReviewDocument::new(&check)) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("cannot render JSON: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    }
    if review.pass {
        0
    } else {
        1
    }
}
