//! Plan review (规划审查): a proposal judged in review mode inside its real surroundings, reporting only
//! the rules that concern it.
//!
//! The proposal's areas and facilities join the dataset; existing facilities count for the radius, the
//! admin units that would hold the proposal count for presence. A rule concerns the proposal when it
//! checked one of the proposal's areas or facilities, a pool one of its areas belongs to, or an admin unit
//! whose figure the proposal changes (see `units_for`).
//!
//! The verdict rests on the proposal's own obligations (本方案). An admin unit that fails with the
//! proposal and fails as well without it is a shortfall the proposal did not cause (既有缺口): it is
//! listed beside the verdict, judged on the surroundings alone, and does not decide it.

use super::{judge_rule, Checked, Context, Finding, Subject, Unit};
use crate::model::{AreaKind, Dataset, Date, Mode, Proposal, Tier};
use crate::rules::{Rule, Ruleset, Severity};
use crate::spatial::UnitLocator;
use std::collections::HashSet;

/// The verdict on a proposal.
#[derive(Debug, Clone)]
pub struct Review {
    pub rules: Vec<RuleVerdict>,
    /// Passes when no rule of severity error fails on the proposal's own subjects; existing gaps do not
    /// decide it.
    pub pass: bool,
    pub not_in_force: Vec<(String, Date)>,
}

/// One rule's verdict on the proposal.
#[derive(Debug, Clone)]
pub struct RuleVerdict {
    pub rule: Rule,
    /// Whether the proposal's own subjects pass (true when it has none: only existing gaps).
    pub pass: bool,
    /// The proposal's own subjects the rule checked, worst first.
    pub subjects: Vec<SubjectVerdict>,
    /// The failing ones, explained.
    pub findings: Vec<Finding>,
    /// Admin units the proposal concerns that fail with it and without it alike (既有缺口), worst
    /// first, with their figures from the surroundings alone.
    pub existing_gaps: Vec<SubjectVerdict>,
    /// The existing gaps, explained as the surroundings alone fail them.
    pub existing_findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl RuleVerdict {
    /// The deciding subject: the worst failing one, else the one closest to its requirement.
    pub fn deciding(&self) -> Option<&SubjectVerdict> {
        self.subjects.first()
    }
}

#[derive(Debug, Clone)]
pub struct SubjectVerdict {
    pub layer: super::Layer,
    pub id: String,
    pub name: String,
    pub passed: bool,
    pub measured: Option<f64>,
    pub required: f64,
    pub unit: Unit,
}

/// Judges `proposal` inside `base` against every rule in force on the dataset's day.
pub fn review(base: &Dataset, proposal: &Proposal, rulesets: &[Ruleset]) -> Review {
    let mut merged = base.clone();
    merged
        .residential_areas
        .extend(proposal.residential_areas.iter().cloned());
    merged.facilities.extend(proposal.facilities.iter().cloned());
    let (first_area, first_facility) = (base.residential_areas.len(), base.facilities.len());

    let pools: HashSet<&str> = proposal
        .residential_areas
        .iter()
        .filter_map(|a| a.pool.as_deref())
        .collect();
    let locator = UnitLocator::new(merged.admin_units.iter().map(|u| &u.boundary));
    let units_of = |p| locator.units_at(p);
    let holding_any: HashSet<usize> = proposal
        .residential_areas
        .iter()
        .map(|a| a.location)
        .chain(proposal.facilities.iter().map(|f| f.location))
        .flat_map(units_of)
        .collect();
    let holding_existing: HashSet<usize> = proposal
        .residential_areas
        .iter()
        .filter(|a| a.kind == AreaKind::Existing)
        .flat_map(|a| units_of(a.location))
        .collect();
    let holding_tiers = |tiers: &[Tier]| -> HashSet<usize> {
        proposal
            .facilities
            .iter()
            .filter(|f| tiers.contains(&f.tier))
            .flat_map(|f| units_of(f.location))
            .collect()
    };
    // Where the proposal lands; each rule kind says which of these units its figure can change
    // (`Kind::judges`).
    let holding: &dyn Fn(&[Tier]) -> HashSet<usize> = &holding_tiers;
    let touched = super::kinds::Touched {
        any: &holding_any,
        existing: &holding_existing,
        holding,
    };
    let units_for = |rule: &Rule| rule.kind.proposal_units(&touched);
    let concerns = |s: &Subject, units: &HashSet<usize>| match *s {
        Subject::Area(i) => i >= first_area,
        Subject::Pool(i) => {
            i >= first_area
                || merged.residential_areas[i]
                    .pool
                    .as_deref()
                    .is_some_and(|p| pools.contains(p))
        }
        Subject::Facility(i) => i >= first_facility,
        Subject::Unit(u) => units.contains(&u),
    };

    let mut context = Context::new(&merged, Mode::Review);
    context.measure_passes = true;
    // The surroundings alone, for telling the proposal's own shortfalls from those it found there.
    let mut without = Context::new(base, Mode::Review);
    without.measure_passes = true;
    let mut verdicts = Vec::new();
    let mut not_in_force = Vec::new();
    for ruleset in rulesets {
        if let Some(effective) = ruleset.effective.filter(|day| *day > merged.as_of) {
            not_in_force.push((ruleset.id.clone(), effective));
            continue;
        }
        for rule in &ruleset.rules {
            let (outcome, findings) = judge_rule(rule, &context);
            let units = units_for(rule);
            let concerned: Vec<&Checked> = outcome
                .subjects
                .iter()
                .filter(|c| concerns(&c.subject, &units))
                .collect();
            if concerned.is_empty() {
                continue;
            }
            // A failing unit is an existing gap when it fails on the surroundings alone too.
            let failing_units = concerned
                .iter()
                .any(|c| !c.passed && matches!(c.subject, Subject::Unit(_)));
            let (before, before_findings) = if failing_units {
                let (outcome, findings) = judge_rule(rule, &without);
                (outcome.subjects, findings)
            } else {
                (Vec::new(), Vec::new())
            };
            let failed_before: HashSet<usize> = before
                .iter()
                .filter_map(|c| match c.subject {
                    Subject::Unit(u) if !c.passed => Some(u),
                    _ => None,
                })
                .collect();
            let is_gap = |c: &Checked| !c.passed && matches!(c.subject, Subject::Unit(u) if failed_before.contains(&u));
            let (gaps, mut own): (Vec<&Checked>, Vec<&Checked>) = concerned.into_iter().partition(|c| is_gap(c));
            own.sort_by(|a, b| margin(a).total_cmp(&margin(b)));
            let subjects: Vec<SubjectVerdict> = own.iter().map(|c| describe(&merged, c)).collect();
            // The gap's figures as the surroundings alone give them.
            let mut gaps: Vec<&Checked> = before
                .iter()
                .filter(|b| gaps.iter().any(|g| g.subject == b.subject))
                .collect();
            gaps.sort_by(|a, b| margin(a).total_cmp(&margin(b)));
            let existing_gaps: Vec<SubjectVerdict> = gaps.iter().map(|c| describe(base, c)).collect();
            let findings = matching(findings, &subjects);
            let existing_findings = matching(before_findings, &existing_gaps);
            verdicts.push(RuleVerdict {
                rule: rule.clone(),
                pass: own.iter().all(|c| c.passed),
                subjects,
                findings,
                existing_gaps,
                existing_findings,
                notes: outcome.notes,
            });
        }
    }
    let pass = verdicts.iter().all(|v| v.pass || v.rule.severity == Severity::Warning);
    Review {
        rules: verdicts,
        pass,
        not_in_force,
    }
}

/// The findings about the subjects listed.
fn matching(findings: Vec<Finding>, subjects: &[SubjectVerdict]) -> Vec<Finding> {
    let keys: HashSet<(super::Layer, &str)> = subjects.iter().map(|s| (s.layer, s.id.as_str())).collect();
    findings
        .into_iter()
        .filter(|f| keys.contains(&(f.layer, f.id.as_str())))
        .collect()
}

/// How far a subject is from its requirement as a share of it: negative when failing, most negative worst.
fn margin(c: &Checked) -> f64 {
    let required = c.required.abs().max(f64::EPSILON);
    let Some(measured) = c.measured() else {
        return if c.passed { f64::INFINITY } else { f64::NEG_INFINITY };
    };
    let slack = match c.unit {
        // Distances and delays must stay below what is required.
        Unit::Metres | Unit::Days => (c.required - measured) / required,
        _ => (measured - c.required) / required,
    };
    if c.passed {
        slack.max(0.0)
    } else {
        slack.min(-f64::EPSILON) - 1.0
    }
}

fn describe(d: &Dataset, c: &Checked) -> SubjectVerdict {
    use super::Layer;
    let (layer, id, name) = match c.subject {
        Subject::Area(i) => (
            Layer::ResidentialAreas,
            &d.residential_areas[i].id,
            &d.residential_areas[i].name,
        ),
        Subject::Pool(i) => {
            let pool = d.residential_areas[i].pool.clone().unwrap_or_default();
            return SubjectVerdict {
                layer: Layer::Pools,
                name: format!("集中配建 pool {pool}"),
                id: pool,
                passed: c.passed,
                measured: c.measured(),
                required: c.required,
                unit: c.unit,
            };
        }
        Subject::Facility(i) => (Layer::Facilities, &d.facilities[i].id, &d.facilities[i].name),
        Subject::Unit(u) => (Layer::AdminUnits, &d.admin_units[u].code, &d.admin_units[u].name),
    };
    SubjectVerdict {
        layer,
        id: id.clone(),
        name: name.clone(),
        passed: c.passed,
        measured: c.measured(),
        required: c.required,
        unit: c.unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Status};
    use crate::rules::{RuleKind, TierPresence};

    /// Street S with communities C1 (0–1 km, no station) and C2 (1–2 km, a station), and the rule that
    /// every community has one.
    fn city() -> (Dataset, Vec<Ruleset>) {
        let mut d = dataset();
        d.admin_units = vec![
            unit("S", Level::Street, None, (0.0, 0.0, 2_000.0, 2_000.0)),
            unit("C1", Level::Community, Some("S"), (0.0, 0.0, 1_000.0, 2_000.0)),
            unit("C2", Level::Community, Some("S"), (1_000.0, 0.0, 2_000.0, 2_000.0)),
        ];
        d.facilities = vec![facility(
            "ST",
            Tier::Station,
            150.0,
            Status::Operating,
            1_500.0,
            1_000.0,
        )];
        let presence = RuleKind::TierPresence(TierPresence {
            levels: vec![Level::Community],
            tiers: vec![Tier::Station],
            min_count: 1,
            conditions: vec![],
            target: 1.0,
        });
        let ruleset = Ruleset {
            id: "t".into(),
            title: String::new(),
            document: String::new(),
            issued_by: None,
            effective: None,
            source: None,
            sha256: String::new(),
            text: String::new(),
            rules: vec![Rule::adhoc("t/station", presence)],
        };
        (d, vec![ruleset])
    }

    #[test]
    fn a_gap_that_exists_without_the_proposal_is_listed_beside_its_verdict() {
        let (d, rules) = city();
        // An estate in C1, which has no station with or without it.
        let proposal = Proposal {
            residential_areas: vec![area("P1", 300, AreaKind::New, 500.0, 1_000.0)],
            facilities: vec![],
        };
        let review = review(&d, &proposal, &rules);
        assert!(review.pass, "the estate does not cause C1's missing station");
        let v = &review.rules[0];
        assert!(v.pass && v.subjects.is_empty());
        let gaps: Vec<(&str, Option<f64>)> = v.existing_gaps.iter().map(|s| (s.id.as_str(), s.measured)).collect();
        assert_eq!(gaps, [("C1", Some(0.0))]);
        assert_eq!(v.existing_findings.len(), 1);
        assert_eq!(v.existing_findings[0].id, "C1");
    }

    #[test]
    fn a_proposal_that_fills_the_gap_owns_the_pass() {
        let (d, rules) = city();
        let proposal = Proposal {
            residential_areas: vec![],
            facilities: vec![facility("PF", Tier::Station, 300.0, Status::Planned, 500.0, 1_000.0)],
        };
        let review = review(&d, &proposal, &rules);
        assert!(review.pass);
        let v = &review.rules[0];
        assert!(v.existing_gaps.is_empty());
        let own: Vec<(&str, bool)> = v.subjects.iter().map(|s| (s.id.as_str(), s.passed)).collect();
        assert_eq!(own, [("C1", true)]);
    }
}
