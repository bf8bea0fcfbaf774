//! What a check hands back to people and programs: the JSON document of DATA-CONTRACT §4, a text
//! table, and the files `--out` writes. These types are the output's own (serde); they are built
//! from the engine's [`Report`](crate::engine::Report) and never flow back into it.

pub mod files;
pub mod json;
pub mod text;

use crate::engine::Report;
use crate::model::{Dataset, Mode};
use crate::rules::Ruleset;

/// Everything an output format needs about one check.
pub struct Check<'a> {
    pub dataset: &'a Dataset,
    pub rulesets: &'a [Ruleset],
    pub mode: Mode,
    pub report: &'a Report,
}
