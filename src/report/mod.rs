//! What a check hands back to people and programs: the JSON document of DATA-CONTRACT §4, a text
//! table, and the files `--out` writes. These types are the output's own (serde); they are built
//! from the engine's [`Report`](crate::engine::Report) and never flow back into it.

pub mod allocation;
pub mod files;
pub mod html;
pub mod json;
pub mod review;
pub mod text;
pub mod xlsx;

use crate::engine::{Ledger, Report};
use crate::model::{Dataset, Mode};
use crate::rules::Ruleset;

/// Everything an output format needs about one check.
pub struct Check<'a> {
    pub dataset: &'a Dataset,
    pub rulesets: &'a [Ruleset],
    pub mode: Mode,
    pub report: &'a Report,
    /// The look-back ledger, when `--by` asked for one.
    pub ledger: Option<&'a Ledger>,
}

impl Check<'_> {
    /// The ledger's rows as cells: code, name, level, rule, checked, failed, rate (blank when nothing
    /// was checked in the unit).
    pub fn ledger_cells(&self) -> Vec<[String; 7]> {
        let Some(ledger) = self.ledger else {
            return Vec::new();
        };
        ledger
            .rows
            .iter()
            .map(|r| {
                let unit = &self.dataset.admin_units[r.unit];
                [
                    unit.code.clone(),
                    unit.name.clone(),
                    unit.level.key().to_string(),
                    r.rule.clone(),
                    r.checked.to_string(),
                    r.failed.to_string(),
                    r.rate.map(|x| json::round(x, 4).to_string()).unwrap_or_default(),
                ]
            })
            .collect()
    }
}
