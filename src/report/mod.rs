//! What a check hands back to people and programs: the JSON document of DATA-CONTRACT §4, a text
//! table, and the files `--out` writes. These types are the output's own (serde); they are built
//! from the engine's [`Report`](crate::engine::Report) and never flow back into it.

/// The language of the words on a map or page. Place names are shown as they are in either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Chinese,
    English,
}

pub mod access;
pub mod allocation;
pub mod compare;
pub mod excel_csv;
pub mod files;
pub mod finding_columns;
pub mod html;
pub mod json;
pub mod review;
pub mod text;
pub mod xlsx;

use crate::engine::{Ledger, Outcome, Report};
use crate::model::{Dataset, Date, Level, Mode};
use crate::rules::Ruleset;

/// What makes a check a record (a kept run): its id, when it was made, and exactly what it judged.
#[derive(Debug, Clone)]
pub struct Record {
    /// The store's id (`7`), or `cli-` and a digest for a run written by `check --out`.
    pub id: String,
    /// RFC 3339 UTC.
    pub created: String,
    /// The dataset's name as asked for (the store's name, or the folder's).
    pub dataset_name: String,
    /// sha256 of the dataset's canonical content, before `as_of` was applied.
    pub dataset_digest: String,
    /// The store's version of the dataset (PostGIS); `None` for a folder.
    pub dataset_version: Option<u32>,
    /// The day asked for, if any.
    pub as_of: Option<Date>,
    /// The ledger's tier asked for, if any.
    pub by: Option<Level>,
    /// Who had the service make it (the account's name, or `shared-token`); `None` for a run made without
    /// an identity, and for `check --out`.
    pub created_by: Option<String>,
    /// Per finding, the admin units (indices) holding its subject at district, street and community tier.
    pub places: Vec<[Option<usize>; 3]>,
}

/// Everything an output format needs about one check.
pub struct Check<'a> {
    pub dataset: &'a Dataset,
    pub rulesets: &'a [Ruleset],
    pub mode: Mode,
    pub report: &'a Report,
    /// The look-back ledger, when `--by` asked for one.
    pub ledger: Option<&'a Ledger>,
    /// Present when the check is kept as a run.
    pub record: Option<&'a Record>,
}

impl Check<'_> {
    /// The ledger's rows as cells: code, name, level, rule, checked, failed, rate (blank when nothing
    /// was checked in the unit), what the rate weighs (its rule's [`rate_basis`]) and the share of
    /// subjects passing (blank likewise).
    pub fn ledger_cells(&self) -> Vec<[String; 9]> {
        let Some(ledger) = self.ledger else {
            return Vec::new();
        };
        ledger
            .rows
            .iter()
            .map(|r| {
                let unit = &self.dataset.admin_units[r.unit];
                let (basis, subjects) = self.row_basis(r);
                [
                    unit.code.clone(),
                    unit.name.clone(),
                    unit.level.key().to_string(),
                    r.rule.clone(),
                    r.checked.to_string(),
                    r.failed.to_string(),
                    r.rate.map(|x| json::rate(x).to_string()).unwrap_or_default(),
                    basis.to_string(),
                    subjects.map(|x| json::rate(x).to_string()).unwrap_or_default(),
                ]
            })
            .collect()
    }

    /// What a ledger row's rate weighs (its rule's [`rate_basis`]) and the share of its subjects passing
    /// (`None` when nothing was checked in the unit).
    pub fn row_basis(&self, r: &crate::engine::LedgerRow) -> (&'static str, Option<f64>) {
        let basis = self
            .report
            .outcomes
            .iter()
            .find(|o| o.rule == r.rule)
            .map_or("subjects", rate_basis);
        let subjects = (r.checked > 0).then(|| (r.checked - r.failed) as f64 / r.checked as f64);
        (basis, subjects)
    }
}

/// A rule's result in the words every output uses: a failing warning rule reads the same everywhere.
pub fn verdict_words(o: &Outcome) -> &'static str {
    match (o.pass, o.severity) {
        (true, _) => "达标 pass",
        (false, crate::rules::Severity::Error) => "未达标 FAIL (错误 error)",
        (false, crate::rules::Severity::Warning) => "未达标 FAIL (提示 warning)",
    }
}

/// The overall verdict a report opens with: how many rules fail, of which how many are errors.
pub fn overall_words(report: &Report) -> String {
    let failing: Vec<&Outcome> = report.outcomes.iter().filter(|o| !o.pass).collect();
    let errors = failing
        .iter()
        .filter(|o| o.severity == crate::rules::Severity::Error)
        .count();
    let total = report.outcomes.len();
    if failing.is_empty() {
        return format!("{total}条规则全部达标 — all {total} rules pass");
    }
    let warnings = failing.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{total}条规则中{}条未达标（错误{errors}条，提示{warnings}条），不合格{}处 — {} of {total} rules fail ({}, {}); {}",
        failing.len(),
        report.findings.len(),
        failing.len(),
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(report.findings.len(), "finding")
    )
}

/// What an outcome's `rate` is a share of: `households` for radius rules (the share of households within
/// reach), `subjects` for every other kind. Every output says which, beside the plain share of subjects.
pub fn rate_basis(o: &Outcome) -> &'static str {
    if o.kind == "service_radius" {
        "households"
    } else {
        "subjects"
    }
}

/// The share of checked subjects that passed (1 when nothing was checked), whatever the rate weighs.
pub fn subjects_rate(o: &Outcome) -> f64 {
    if o.checked == 0 {
        1.0
    } else {
        (o.checked - o.failed) as f64 / o.checked as f64
    }
}
