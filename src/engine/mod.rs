//! The rule engine: judges a [`Dataset`] against rulesets and returns what it found.
//!
//! Architecture invariant: the engine does no I/O and never fails. Whatever the data, it returns
//! a [`Report`]; a rule that cannot judge something says so in its outcome's notes.
//!
//! ```no_run
//! use carecircle_core::{engine, load, model::Mode, rules};
//! let dataset = load::load_dataset("geodata/demo".as_ref()).unwrap();
//! let ruleset = rules::load_ruleset("rules/anxi-2022.toml".as_ref()).unwrap();
//! let report = engine::judge(&dataset, &[ruleset], Mode::Audit);
//! for outcome in &report.outcomes {
//!     println!("{} {}/{} pass={}", outcome.rule, outcome.failed, outcome.checked, outcome.pass);
//! }
//! ```

mod adjacency;
mod area_per_households;
mod area_per_population;
mod attribute_share;
mod beds_per_elderly;
mod facility_min_area;
pub mod kinds;
mod ledger;
mod message;
mod nursing_bed_share;
mod review;
mod service_radius;
mod size_by_population;
mod synchronous_handover;
mod tier_presence;

pub use ledger::{finding_units, ledger, place, Ledger, LedgerRow, Place};
pub(crate) use message::{Figures, Same, Wording};
pub use message::{Message, Worded};
pub use review::{review, Review, RuleVerdict, SubjectVerdict};
pub use service_radius::areas_within_reach;
pub(crate) use service_radius::{area_distances, measured_on_foot};

use crate::model::{Dataset, Date, Facility, Mode, Tier};
use crate::network::{Join, WalkNetwork};
use crate::rules::{Rule, Ruleset, Severity};
use crate::spatial::UnitLocator;
use geo::Geometry;
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};

/// What a check found: one outcome per rule, one finding per failing subject.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub findings: Vec<Finding>,
    /// Rulesets not yet in force on the day judged (their `effective` date comes after it): not applied.
    pub not_in_force: Vec<(String, Date)>,
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
    /// Every subject checked, passed or not, so the outcome can be broken down by admin unit.
    pub subjects: Vec<Checked>,
}

/// One subject a rule checked, with what was measured, so that outcomes can be broken down by admin
/// unit (the ledger) and a proposal's own subjects picked out (plan review).
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    pub subject: Subject,
    /// Households for radius rules (their rate is household-weighted), else 1.
    pub weight: f64,
    pub required: f64,
    /// What was measured when `measured_known` ([`Checked::measured`]): a figure and a flag, not an
    /// `Option<f64>`, which costs a subject 8 bytes more (a national check keeps millions of them).
    measured_figure: f64,
    measured_known: bool,
    pub passed: bool,
    pub unit: Unit,
}

impl Checked {
    fn new(subject: Subject, weight: f64, passed: bool, measured: Option<f64>, required: f64, unit: Unit) -> Checked {
        let mut checked = Checked {
            subject,
            weight,
            required,
            measured_figure: 0.0,
            measured_known: false,
            passed,
            unit,
        };
        checked.set_measured(measured);
        checked
    }

    /// `None` when there was nothing to measure, or a passing distance was not asked for.
    pub fn measured(&self) -> Option<f64> {
        self.measured_known.then_some(self.measured_figure)
    }

    fn set_measured(&mut self, measured: Option<f64>) {
        self.measured_known = measured.is_some();
        self.measured_figure = measured.unwrap_or(0.0);
    }
}

/// What a rule checked, by index into the dataset's layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Area(usize),
    /// A pool of areas meeting their quota together, named by its first area.
    Pool(usize),
    Facility(usize),
    Unit(usize),
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

    /// The layer's name as Chinese readers know it.
    pub fn chinese(self) -> &'static str {
        match self {
            Layer::ResidentialAreas => "居住区",
            Layer::Facilities => "设施",
            Layer::AdminUnits => "行政区划",
            Layer::Pools => "集中配建",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Metres,
    SquareMetres,
    Count,
    /// m² of floor area per 1000 residents (or elderly).
    SquareMetresPer1000,
    /// Beds per 1000 elderly.
    BedsPer1000,
    /// A share between 0 and 1.
    Share,
    Days,
}

impl Unit {
    pub fn key(self) -> &'static str {
        match self {
            Unit::Metres => "m",
            Unit::SquareMetres => "m2",
            Unit::Count => "count",
            Unit::SquareMetresPer1000 => "m2_per_1000",
            Unit::BedsPer1000 => "beds_per_1000",
            Unit::Share => "share",
            Unit::Days => "days",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Unit::Metres => "米",
            Unit::SquareMetres => "平方米",
            Unit::Count => "处",
            Unit::SquareMetresPer1000 => "平方米/千人",
            Unit::BedsPer1000 => "张/千名老人",
            Unit::Share => "",
            Unit::Days => "天",
        }
    }
}

/// One subject failing one rule, with what was measured and what was required.
#[derive(Debug, Clone)]
pub struct Finding {
    /// One text per rule, shared by its findings.
    pub rule: Arc<str>,
    pub severity: Severity,
    pub layer: Layer,
    pub id: String,
    pub name: String,
    /// `None` when there was nothing to measure (no counted facility at all).
    pub measured: Option<f64>,
    pub required: f64,
    pub unit: Unit,
    /// Bilingual, Chinese first; names what was counted so the figure can be traced. Read as text
    /// through [`Finding::message`].
    pub message: Message,
    /// Shared with the subject's own geometry where it has one.
    pub geometry: Arc<Geometry<f64>>,
    /// Ids of the facilities the figure rests on (nearest, counted, found).
    pub facilities: Vec<String>,
}

impl Finding {
    /// A finding about a subject; the rule kind fills in the figures and the message.
    fn about(layer: Layer, id: &str, name: &str, geometry: Arc<Geometry<f64>>) -> Finding {
        Finding {
            rule: Arc::from(""),
            severity: Severity::Error,
            layer,
            id: id.to_string(),
            name: name.to_string(),
            measured: None,
            required: 0.0,
            unit: Unit::Count,
            message: Message::default(),
            geometry,
            facilities: Vec::new(),
        }
    }

    fn figures(mut self, measured: Option<f64>, required: f64, unit: Unit) -> Finding {
        self.measured = measured;
        self.required = required;
        self.unit = unit;
        self
    }

    /// The finding's message, worded.
    pub fn message(&self) -> Worded<'_> {
        Worded(self)
    }

    fn says(mut self, message: String) -> Finding {
        self.message = Message::text(message);
        self
    }

    /// The message worded by the rule's `wording` when it is written, from the finding and `figures`.
    fn worded_by(mut self, wording: &Arc<dyn Wording>, figures: Figures) -> Finding {
        self.message = Message::deferred(Arc::clone(wording), figures);
        self
    }

    fn resting_on(mut self, facilities: Vec<String>) -> Finding {
        self.facilities = facilities;
        self
    }

    /// How far the subject falls short, as a share of what was required (for ordering by severity).
    pub fn shortfall(&self) -> f64 {
        let required = self.required.max(f64::EPSILON);
        match (self.unit, self.measured) {
            (_, None) => f64::INFINITY,
            (Unit::Metres | Unit::Days, Some(m)) => (m - self.required) / required,
            (_, Some(m)) => (self.required - m) / required,
        }
    }
}

/// Judges the dataset against every rule of the rulesets in force on its `as_of` day, in order.
pub fn judge(dataset: &Dataset, rulesets: &[Ruleset], mode: Mode) -> Report {
    let context = Context::new(dataset, mode);
    let mut outcomes = Vec::new();
    let mut findings = Vec::new();
    let mut not_in_force = Vec::new();
    for ruleset in rulesets {
        if !ruleset.in_force_on(dataset.as_of) {
            not_in_force.push((ruleset.id.clone(), ruleset.effective.unwrap_or(dataset.as_of)));
            continue;
        }
        for rule in &ruleset.rules {
            let (outcome, mut found) = judge_rule(rule, &context);
            outcomes.push(outcome);
            findings.append(&mut found);
        }
    }
    Report {
        outcomes,
        findings,
        not_in_force,
    }
}

/// Judges one rule.
pub fn judge_rule(rule: &Rule, context: &Context) -> (Outcome, Vec<Finding>) {
    let mut verdict = rule.kind.judge(context);
    let id: Arc<str> = Arc::from(rule.id.as_str());
    for f in &mut verdict.findings {
        f.rule = Arc::clone(&id);
        f.severity = rule.severity;
    }
    let target = rule.kind.target();
    let rate = rate(&verdict.checked);
    let outcome = Outcome {
        rule: rule.id.clone(),
        kind: rule.kind.name(),
        severity: rule.severity,
        checked: verdict.checked.len(),
        failed: verdict.findings.len(),
        rate,
        target,
        pass: rate >= target - 1e-12,
        notes: verdict.notes,
        subjects: verdict.checked,
    };
    (outcome, verdict.findings)
}

/// The weighted share of subjects that passed; 1 when nothing was checked.
pub fn rate(subjects: &[Checked]) -> f64 {
    let total: f64 = subjects.iter().map(|s| s.weight).sum();
    if total <= 0.0 {
        return 1.0;
    }
    // `Sum` of no f64 is -0.0; adding 0.0 keeps a rate of nothing printable as 0.
    (0.0 + subjects.iter().filter(|s| s.passed).map(|s| s.weight).sum::<f64>()) / total
}

/// What a rule kind hands back; the rule's id, severity and the outcome are filled in by [`judge_rule`].
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    checked: Vec<Checked>,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

impl Verdict {
    fn passed(&mut self, subject: Subject, measured: Option<f64>, required: f64, unit: Unit) {
        self.checked
            .push(Checked::new(subject, 1.0, true, measured, required, unit));
    }

    fn failed(&mut self, subject: Subject, finding: Finding) {
        self.checked.push(Checked::new(
            subject,
            1.0,
            false,
            finding.measured,
            finding.required,
            finding.unit,
        ));
        self.findings.push(finding);
    }

    /// A subject that passed (measuring `measured`) when `finding` is `None`.
    fn judged(&mut self, subject: Subject, measured: f64, required: f64, unit: Unit, finding: Option<Finding>) {
        match finding {
            Some(f) => self.failed(subject, f),
            None => self.passed(subject, Some(measured), required, unit),
        }
    }
}

/// The dataset prepared for judging, with look-ups computed once and only when a rule needs them.
pub struct Context<'a> {
    pub dataset: &'a Dataset,
    pub mode: Mode,
    /// Also measure subjects that pass (a radius rule then finds every area's nearest facility), as plan
    /// review reports the figures of passing subjects too.
    pub measure_passes: bool,
    /// Foldhash, seeded per process: several times faster than SipHash over a city's million ids. Built
    /// when a rule first looks an area up by id (the radius rule never does).
    area_index: OnceLock<foldhash::HashMap<&'a str, usize>>,
    locator: OnceLock<UnitLocator<'a>>,
    facility_units: OnceLock<Vec<Vec<usize>>>,
    area_units: OnceLock<Vec<Vec<usize>>>,
    walk_network: OnceLock<Option<WalkNetwork>>,
    area_joins: OnceLock<Vec<Option<Join>>>,
}

impl<'a> Context<'a> {
    pub fn new(dataset: &'a Dataset, mode: Mode) -> Context<'a> {
        Context {
            dataset,
            mode,
            measure_passes: false,
            area_index: OnceLock::new(),
            locator: OnceLock::new(),
            facility_units: OnceLock::new(),
            area_units: OnceLock::new(),
            walk_network: OnceLock::new(),
            area_joins: OnceLock::new(),
        }
    }

    /// Whether a facility counts in this check's mode (DATA-CONTRACT §3).
    pub fn counts(&self, facility: &Facility) -> bool {
        facility.status.counts_in(self.mode)
    }

    /// Indices of the counted facilities of the given tiers.
    pub(crate) fn counted<'t>(&'t self, tiers: &'t [Tier]) -> impl Iterator<Item = (usize, &'a Facility)> + 't {
        let dataset = self.dataset;
        dataset
            .facilities
            .iter()
            .enumerate()
            .filter(move |(_, f)| tiers.contains(&f.tier) && self.counts(f))
    }

    fn area(&self, id: &str) -> Option<usize> {
        let dataset = self.dataset;
        self.area_index
            .get_or_init(|| {
                dataset
                    .residential_areas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (a.id.as_str(), i))
                    .collect()
            })
            .get(id)
            .copied()
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
                .par_iter()
                .map(|f| locator.units_at(f.location))
                .collect()
        })
    }

    /// For each residential area, the admin units holding its representative point.
    pub(crate) fn area_units(&self) -> &[Vec<usize>] {
        self.area_units.get_or_init(|| {
            let locator = self.locator();
            self.dataset
                .residential_areas
                .par_iter()
                .map(|a| locator.units_at(a.location))
                .collect()
        })
    }

    /// The walkable roads as a graph; `None` when the dataset has none.
    pub(crate) fn walk_network(&self) -> Option<&WalkNetwork> {
        self.walk_network
            .get_or_init(|| {
                let lines: Vec<_> = self
                    .dataset
                    .roads
                    .iter()
                    .filter(|r| r.walkable)
                    .flat_map(|r| &r.geometry.0)
                    .collect();
                let network = WalkNetwork::new(lines);
                (network.segment_count() > 0).then_some(network)
            })
            .as_ref()
    }

    /// Where each residential area meets the walkable roads (`None` for every area when there are none):
    /// found once for every walking rule of a check, the nearest-segment search being most of their cost.
    pub(crate) fn area_joins(&self) -> &[Option<Join>] {
        self.area_joins.get_or_init(|| match self.walk_network() {
            Some(network) => self
                .dataset
                .residential_areas
                .par_iter()
                .map(|a| network.join(a.location))
                .collect(),
            None => vec![None; self.dataset.residential_areas.len()],
        })
    }

    /// The smallest unit (deepest level) among `units`; on a tie, the one of smallest code, so the answer
    /// never depends on the order of the file's features.
    fn smallest_unit(&self, units: &[usize]) -> Option<usize> {
        let admin = &self.dataset.admin_units;
        units
            .iter()
            .copied()
            .max_by_key(|&u| (admin[u].level.depth(), std::cmp::Reverse(admin[u].code.as_str())))
    }
}

/// Whether a facility was handed over on or after `since`; one with no date counts as new (RULES.md).
fn handed_over_since(facility: &Facility, since: Option<crate::model::Date>) -> bool {
    match (since, facility.handed_over) {
        (Some(since), Some(day)) => day >= since,
        _ => true,
    }
}

/// The note a rule with a `since` day adds, saying which facilities it looked at.
fn since_note(since: Option<crate::model::Date>) -> Option<String> {
    since.map(|since| format!("facilities handed over on or after {since}, or not yet handed over"))
}

/// For each admin unit, the counted facilities of the tiers whose representative point it holds.
fn facilities_by_unit(cx: &Context, tiers: &[Tier]) -> Vec<Vec<usize>> {
    let facility_units = cx.facility_units();
    let mut found = vec![Vec::new(); cx.dataset.admin_units.len()];
    for (i, _) in cx.counted(tiers) {
        for &u in &facility_units[i] {
            found[u].push(i);
        }
    }
    found
}

/// The admin units of `levels`, each with the counted facilities of `tiers` it holds.
fn units_holding<'c>(
    cx: &'c Context,
    levels: &'c [crate::model::Level],
    tiers: &[Tier],
) -> impl Iterator<Item = (usize, &'c crate::model::AdminUnit, Vec<&'c Facility>)> + 'c {
    let found = facilities_by_unit(cx, tiers);
    let dataset = cx.dataset;
    found
        .into_iter()
        .enumerate()
        .filter(move |(u, _)| levels.contains(&dataset.admin_units[*u].level))
        .map(move |(u, fs)| {
            let facilities = fs.into_iter().map(|i| &dataset.facilities[i]).collect();
            (u, &dataset.admin_units[u], facilities)
        })
}

/// A note naming subjects a rule could not judge, or nothing when there are none.
fn not_judged(why: &str, codes: &[&str]) -> Option<String> {
    (!codes.is_empty()).then(|| {
        format!(
            "未判定 not judged, {why}: {} unit(s) ({})",
            codes.len(),
            some_of(codes, ", ")
        )
    })
}

/// How many items a message names before it counts the rest.
const NAMED_IN_MESSAGES: usize = 5;

/// The first few items joined with `sep`, then how many more: a message stays a line long. The full lists
/// are in the findings' `facilities` and in the JSON, CSV and workbook.
fn some_of<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let named: Vec<&str> = items.iter().take(NAMED_IN_MESSAGES).map(AsRef::as_ref).collect();
    let mut text = named.join(sep);
    if items.len() > NAMED_IN_MESSAGES {
        text += &format!("{sep}… 另有 and {} more", items.len() - NAMED_IN_MESSAGES);
    }
    text
}

/// A finding about an admin unit.
fn unit_finding(unit: &crate::model::AdminUnit, facilities: &[&Facility]) -> Finding {
    Finding::about(
        Layer::AdminUnits,
        &unit.code,
        &unit.name,
        Arc::new(Geometry::MultiPolygon(unit.boundary.clone())),
    )
    .resting_on(facilities.iter().map(|f| f.id.clone()).collect())
}

/// `name (id)` for messages.
fn label(name: &str, id: &str) -> String {
    format!("「{name}」({id})")
}

fn tier_list(tiers: &[Tier]) -> String {
    tiers.iter().map(|t| t.key()).collect::<Vec<_>>().join("/")
}

/// The tiers by their Chinese names, for the Chinese half of a message.
fn tier_list_zh(tiers: &[Tier]) -> String {
    tiers
        .iter()
        .map(|t| t.chinese().first().copied().unwrap_or(t.key()))
        .collect::<Vec<_>>()
        .join("、")
}

/// Rounds a figure for messages.
fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round())
    } else {
        format!("{v:.1}")
    }
}

// Also for the shell's tests (siting's), through the core's `fixtures` feature.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;

#[cfg(test)]
mod tests {
    use super::some_of;

    #[test]
    fn messages_name_five_and_count_the_rest() {
        let ids: Vec<String> = (1..=4000).map(|i| format!("R{i}")).collect();
        assert_eq!(some_of(&ids, ", "), "R1, R2, R3, R4, R5, … 另有 and 3995 more");
        assert_eq!(some_of(&ids[..2], "、"), "R1、R2");
    }
}
