//! The rule engine: judges a [`Dataset`] against rulesets and returns what it found.
//!
//! Architecture invariant: the engine does no I/O and never fails. Whatever the data, it returns
//! a [`Report`]; a rule that cannot judge something says so in its outcome's notes.
//!
//! ```no_run
//! use carecircle::{engine, load, model::Mode, rules};
//! let dataset = load::load_dataset("geodata/demo".as_ref()).unwrap();
//! let ruleset = rules::load_ruleset("rules/anxi-2022.toml".as_ref()).unwrap();
//! let report = engine::judge(&dataset, &[ruleset], Mode::Audit);
//! for outcome in &report.outcomes {
//!     println!("{} {}/{} pass={}", outcome.rule, outcome.failed, outcome.checked, outcome.pass);
//! }
//! ```

mod area_per_households;
mod facility_min_area;
mod service_radius;
mod tier_presence;

use crate::model::{Dataset, Facility, Mode, Tier};
use crate::rules::{Rule, RuleKind, Ruleset, Severity};
use crate::spatial::UnitLocator;
use geo::Geometry;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a check found: one outcome per rule, one finding per failing subject.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub findings: Vec<Finding>,
}

/// How one rule fared.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub rule: String,
    pub kind: &'static str,
    pub severity: Severity,
    pub checked: usize,
    pub failed: usize,
    /// Share of what was checked that passed (household-weighted for radius rules); 1 when nothing was checked.
    pub rate: f64,
    pub target: f64,
    pub pass: bool,
    /// What the reader should know about how the rule was judged (method used, subjects skipped).
    pub notes: Vec<String>,
}

/// The layer a finding's subject belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    ResidentialAreas,
    Facilities,
    AdminUnits,
    /// A pool of residential areas meeting their quota together (集中配建).
    Pools,
}

impl Layer {
    pub fn key(self) -> &'static str {
        match self {
            Layer::ResidentialAreas => "residential_areas",
            Layer::Facilities => "facilities",
            Layer::AdminUnits => "admin_units",
            Layer::Pools => "pools",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Metres,
    SquareMetres,
    Count,
}

impl Unit {
    pub fn key(self) -> &'static str {
        match self {
            Unit::Metres => "m",
            Unit::SquareMetres => "m2",
            Unit::Count => "count",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Unit::Metres => "米",
            Unit::SquareMetres => "平方米",
            Unit::Count => "处",
        }
    }
}

/// One subject failing one rule, with what was measured and what was required.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub layer: Layer,
    pub id: String,
    pub name: String,
    /// `None` when there was nothing to measure (no counted facility at all).
    pub measured: Option<f64>,
    pub required: f64,
    pub unit: Unit,
    /// Bilingual, Chinese first; names what was counted so the figure can be traced.
    pub message: String,
    pub geometry: Geometry<f64>,
    /// Ids of the facilities the figure rests on (nearest, counted, found).
    pub facilities: Vec<String>,
}

impl Finding {
    /// How far the subject falls short, as a share of what was required (for ordering by severity).
    pub fn shortfall(&self) -> f64 {
        let required = self.required.max(f64::EPSILON);
        match (self.unit, self.measured) {
            (_, None) => f64::INFINITY,
            (Unit::Metres, Some(m)) => (m - self.required) / required,
            (_, Some(m)) => (self.required - m) / required,
        }
    }
}

/// Judges the dataset against every rule of the rulesets, in order.
pub fn judge(dataset: &Dataset, rulesets: &[Ruleset], mode: Mode) -> Report {
    let context = Context::new(dataset, mode);
    let mut outcomes = Vec::new();
    let mut findings = Vec::new();
    for rule in rulesets.iter().flat_map(|r| &r.rules) {
        let (outcome, mut found) = judge_rule(rule, &context);
        outcomes.push(outcome);
        findings.append(&mut found);
    }
    Report { outcomes, findings }
}

/// Judges one rule.
pub fn judge_rule(rule: &Rule, context: &Context) -> (Outcome, Vec<Finding>) {
    let mut verdict = match &rule.kind {
        RuleKind::AreaPerHouseholds(p) => area_per_households::judge(p, context),
        RuleKind::ServiceRadius(p) => service_radius::judge(p, context),
        RuleKind::TierPresence(p) => tier_presence::judge(p, context),
        RuleKind::FacilityMinArea(p) => facility_min_area::judge(p, context),
    };
    for f in &mut verdict.findings {
        f.rule = rule.id.clone();
        f.severity = rule.severity;
    }
    let target = rule.kind.target();
    let rate = verdict.rate.unwrap_or_else(|| {
        if verdict.checked == 0 {
            1.0
        } else {
            (verdict.checked - verdict.findings.len()) as f64 / verdict.checked as f64
        }
    });
    let outcome = Outcome {
        rule: rule.id.clone(),
        kind: rule.kind.name(),
        severity: rule.severity,
        checked: verdict.checked,
        failed: verdict.findings.len(),
        rate,
        target,
        pass: rate >= target - 1e-12,
        notes: verdict.notes,
    };
    (outcome, verdict.findings)
}

/// What a rule kind hands back; the rule's id, severity and the outcome are filled in by [`judge_rule`].
#[derive(Debug, Default)]
struct Verdict {
    checked: usize,
    /// Set when the rate is not the plain share of passing subjects (household-weighted).
    rate: Option<f64>,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

/// The dataset prepared for judging, with look-ups computed once and only when a rule needs them.
pub struct Context<'a> {
    pub dataset: &'a Dataset,
    pub mode: Mode,
    area_index: HashMap<&'a str, usize>,
    locator: OnceLock<UnitLocator<'a>>,
    facility_units: OnceLock<Vec<Vec<usize>>>,
    area_units: OnceLock<Vec<Vec<usize>>>,
}

impl<'a> Context<'a> {
    pub fn new(dataset: &'a Dataset, mode: Mode) -> Context<'a> {
        Context {
            dataset,
            mode,
            area_index: dataset
                .residential_areas
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.as_str(), i))
                .collect(),
            locator: OnceLock::new(),
            facility_units: OnceLock::new(),
            area_units: OnceLock::new(),
        }
    }

    /// Whether a facility counts in this check's mode (DATA-CONTRACT §3).
    pub fn counts(&self, facility: &Facility) -> bool {
        facility.status.counts_in(self.mode)
    }

    /// Indices of the counted facilities of the given tiers.
    fn counted<'t>(&'t self, tiers: &'t [Tier]) -> impl Iterator<Item = (usize, &'a Facility)> + 't {
        let dataset = self.dataset;
        dataset
            .facilities
            .iter()
            .enumerate()
            .filter(move |(_, f)| tiers.contains(&f.tier) && self.counts(f))
    }

    fn area(&self, id: &str) -> Option<usize> {
        self.area_index.get(id).copied()
    }

    fn locator(&self) -> &UnitLocator<'a> {
        self.locator
            .get_or_init(|| UnitLocator::new(self.dataset.admin_units.iter().map(|u| &u.boundary)))
    }

    /// For each facility, the admin units holding its representative point.
    fn facility_units(&self) -> &[Vec<usize>] {
        self.facility_units.get_or_init(|| {
            let locator = self.locator();
            self.dataset
                .facilities
                .iter()
                .map(|f| locator.units_at(f.location))
                .collect()
        })
    }

    /// For each residential area, the admin units holding its representative point.
    fn area_units(&self) -> &[Vec<usize>] {
        self.area_units.get_or_init(|| {
            let locator = self.locator();
            self.dataset
                .residential_areas
                .iter()
                .map(|a| locator.units_at(a.location))
                .collect()
        })
    }

    /// The smallest unit (deepest level) among `units`; the first listed on a tie.
    fn smallest_unit(&self, units: &[usize]) -> Option<usize> {
        let admin = &self.dataset.admin_units;
        units
            .iter()
            .copied()
            .max_by_key(|&u| (admin[u].level.depth(), std::cmp::Reverse(u)))
    }
}

/// `name (id)` for messages.
fn label(name: &str, id: &str) -> String {
    format!("「{name}」({id})")
}

fn tier_list(tiers: &[Tier]) -> String {
    tiers.iter().map(|t| t.key()).collect::<Vec<_>>().join("/")
}

/// Rounds a figure for messages.
fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round())
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
