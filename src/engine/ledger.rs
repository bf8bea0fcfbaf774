//! The look-back ledger (回头看台账): every admin unit of one tier of the hierarchy × every rule, with what
//! was checked there, what failed and the rate.
//!
//! A subject belongs to the unit that holds its representative point; an admin unit subject to its
//! ancestor at the ledger's tier (by `parent`). A subject judged above the ledger's tier (a district-wide
//! bed ratio in a street ledger) belongs to no row, and the ledger says which rules that leaves out.

use super::{Checked, Finding, Layer, Report, Subject};
use crate::model::{Dataset, Level};
use crate::spatial::UnitLocator;
use std::collections::HashMap;

/// The ledger of one check at one tier.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// District, street/township or community/village, by [`Level::depth`].
    pub depth: u8,
    pub rows: Vec<LedgerRow>,
    /// Rules whose subjects lie above the ledger's tier, so no row holds them.
    pub above: Vec<String>,
}

/// One admin unit × one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    /// Index into the dataset's admin units.
    pub unit: usize,
    pub rule: String,
    pub checked: usize,
    pub failed: usize,
    /// Weighted like the rule's own rate; `None` when nothing was checked in the unit.
    pub rate: Option<f64>,
}

/// Breaks every outcome of `report` down by the admin units at the tier of `level`.
///
/// ```
/// use carecircle_core::{engine, load, model::{Level, Mode}, rules};
/// let dataset = load::load_dataset("geodata/demo".as_ref()).unwrap();
/// let mawei = rules::load_ruleset("rules/mawei-2020.toml".as_ref()).unwrap();
/// let report = engine::judge(&dataset, &[mawei], Mode::Audit);
/// let ledger = engine::ledger(&dataset, &report, Level::Community);
/// // Every community and village × every rule.
/// assert_eq!(ledger.rows.len(), 79 * report.outcomes.len());
/// ```
pub fn ledger(dataset: &Dataset, report: &Report, level: Level) -> Ledger {
    let depth = level.depth();
    let placer = Placer::new(dataset, depth);
    let at_tier = &placer.at_tier;
    let ancestor = |u| placer.ancestor(u);
    let in_tier = |p| placer.in_tier(p);
    let mut rows = Vec::with_capacity(at_tier.len() * report.outcomes.len());
    let mut above = Vec::new();
    for outcome in &report.outcomes {
        let mut per_unit: HashMap<usize, Vec<Checked>> = HashMap::new();
        let mut unplaced = 0;
        for subject in &outcome.subjects {
            let unit = match subject.subject {
                Subject::Unit(u) => ancestor(u),
                Subject::Area(i) | Subject::Pool(i) => in_tier(dataset.residential_areas[i].location),
                Subject::Facility(i) => in_tier(dataset.facilities[i].location),
            };
            match unit {
                Some(u) => per_unit.entry(u).or_default().push(*subject),
                None => unplaced += 1,
            }
        }
        if unplaced > 0 && per_unit.is_empty() {
            above.push(outcome.rule.clone());
        }
        for &u in at_tier {
            let subjects = per_unit.get(&u).map(Vec::as_slice).unwrap_or_default();
            rows.push(LedgerRow {
                unit: u,
                rule: outcome.rule.clone(),
                checked: subjects.len(),
                failed: subjects.iter().filter(|s| !s.passed).count(),
                rate: (!subjects.is_empty()).then(|| super::rate(subjects)),
            });
        }
    }
    Ledger { depth, rows, above }
}

/// Puts subjects in the admin units of one tier of the hierarchy.
struct Placer<'a> {
    units: &'a [crate::model::AdminUnit],
    depth: u8,
    at_tier: Vec<usize>,
    by_code: HashMap<&'a str, usize>,
    locator: UnitLocator<'a>,
}

impl<'a> Placer<'a> {
    fn new(dataset: &'a Dataset, depth: u8) -> Placer<'a> {
        let units = &dataset.admin_units;
        let at_tier: Vec<usize> = (0..units.len()).filter(|&u| units[u].level.depth() == depth).collect();
        let by_code = units.iter().enumerate().map(|(i, u)| (u.code.as_str(), i)).collect();
        let locator = UnitLocator::new(at_tier.iter().map(|&u| &units[u].boundary));
        Placer {
            units,
            depth,
            at_tier,
            by_code,
            locator,
        }
    }

    /// The unit at this tier that holds (or is) admin unit `u`, following `parent`.
    fn ancestor(&self, mut u: usize) -> Option<usize> {
        for _ in 0..8 {
            let level = self.units[u].level.depth();
            if level == self.depth {
                return Some(u);
            }
            if level < self.depth {
                return None;
            }
            u = *self.by_code.get(self.units[u].parent.as_deref()?)?;
        }
        None
    }

    /// The unit at this tier that holds the point; on a shared boundary, the one of smallest code, so the
    /// answer never depends on the order of the file's features.
    fn in_tier(&self, p: geo::Point<f64>) -> Option<usize> {
        self.locator
            .units_at(p)
            .into_iter()
            .map(|k| self.at_tier[k])
            .min_by(|&a, &b| self.units[a].code.cmp(&self.units[b].code))
    }
}

/// The admin units (indices into the dataset's) holding each finding's subject at the district, street and
/// community tiers, placed as the ledger places them: an admin unit by its `parent` chain, anything else
/// by the unit that holds its representative point.
pub fn finding_units(dataset: &Dataset, findings: &[Finding]) -> Vec<[Option<usize>; 3]> {
    let by_code: HashMap<&str, usize> = dataset
        .admin_units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    place(
        dataset,
        findings.iter().map(|f| {
            match (f.layer == Layer::AdminUnits)
                .then(|| by_code.get(f.id.as_str()).copied())
                .flatten()
            {
                Some(u) => Place::Unit(u),
                None => geo::Centroid::centroid(&*f.geometry).map_or(Place::Nowhere, Place::Point),
            }
        }),
    )
}

/// Where something to be placed in the admin units lies.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    /// An admin unit itself (index into the dataset's), placed by its `parent` chain.
    Unit(usize),
    /// A representative point (an area's or facility's `location`, a finding's centroid).
    Point(geo::Point<f64>),
    /// Nothing to place (a geometry without coordinates).
    Nowhere,
}

/// The admin units (indices into the dataset's) holding each place at the district, street and community
/// tiers, as the ledger places subjects; on a shared boundary the unit of smallest code.
pub fn place(dataset: &Dataset, places: impl IntoIterator<Item = Place>) -> Vec<[Option<usize>; 3]> {
    let placers = [0, 1, 2].map(|depth| Placer::new(dataset, depth));
    places
        .into_iter()
        .map(|p| {
            placers.each_ref().map(|placer| match p {
                Place::Unit(u) => placer.ancestor(u),
                Place::Point(point) => placer.in_tier(point),
                Place::Nowhere => None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::engine::judge;
    use crate::model::{AreaKind, Mode, Status, Tier};
    use crate::rules::{parse_ruleset, Ruleset};

    fn ruleset(text: &str) -> Ruleset {
        let head = "[ruleset]\nid = \"t\"\ntitle = \"测试\"\ndocument = \"测〔2024〕1号\"\n";
        parse_ruleset("t.toml", &format!("{head}{text}")).unwrap()
    }

    /// District D holds street S (communities C1, C2). A station in C1 covers A1 (100 hh) but not A2
    /// (300 hh, in C2, 1 500 m away). Community station presence: C1 yes, C2 no.
    #[test]
    fn rules_broken_down_by_community_and_street() {
        let mut d = dataset();
        d.admin_units = vec![
            unit("D", Level::District, None, (0.0, 0.0, 2_000.0, 1_000.0)),
            unit("S", Level::Street, Some("D"), (0.0, 0.0, 2_000.0, 1_000.0)),
            unit("C1", Level::Community, Some("S"), (0.0, 0.0, 1_000.0, 1_000.0)),
            unit("C2", Level::Community, Some("S"), (1_000.0, 0.0, 2_000.0, 1_000.0)),
        ];
        d.facilities = vec![facility("F", Tier::Station, 200.0, Status::Operating, 100.0, 500.0)];
        d.residential_areas = vec![
            area("A1", 100, AreaKind::Existing, 300.0, 500.0),
            area("A2", 300, AreaKind::Existing, 1_600.0, 500.0),
        ];
        let rules = ruleset(
            "[[rule]]\nid = \"t/radius\"\nkind = \"service_radius\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n[rule.params]\nradius_m = 700\n\n\
             [[rule]]\nid = \"t/station\"\nkind = \"tier_presence\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n[rule.params]\nlevels = [\"community\"]\ntiers = [\"station\"]\n",
        );
        let report = judge(&d, &[rules], Mode::Audit);
        let by_community = ledger(&d, &report, Level::Community);
        let row = |l: &Ledger, unit: usize, rule: &str| {
            let r = l.rows.iter().find(|r| r.unit == unit && r.rule == rule).unwrap();
            (r.checked, r.failed, r.rate)
        };
        assert_eq!(by_community.rows.len(), 4);
        assert_eq!(row(&by_community, 2, "t/radius"), (1, 0, Some(1.0)));
        assert_eq!(row(&by_community, 3, "t/radius"), (1, 1, Some(0.0)));
        assert_eq!(row(&by_community, 2, "t/station"), (1, 0, Some(1.0)));
        assert_eq!(row(&by_community, 3, "t/station"), (1, 1, Some(0.0)));

        let by_street = ledger(&d, &report, Level::Street);
        // Household-weighted as the rule is: 100 of 400 households covered.
        assert_eq!(row(&by_street, 1, "t/radius"), (2, 1, Some(0.25)));
        assert_eq!(row(&by_street, 1, "t/station"), (2, 1, Some(0.5)));
        assert!(by_street.above.is_empty());
    }
}
