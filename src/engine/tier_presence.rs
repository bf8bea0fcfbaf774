//! `tier_presence`: each admin unit of some levels holds facilities of some tiers (三级布局 coverage).

use super::kinds::{Judges, Kind};
use super::{
    facilities_by_unit, label, some_of, tier_list, tier_list_zh, unit_finding, Context, Subject, Unit, Verdict,
};
use crate::model::{AdminUnit, Facility, Level, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_COUNT;
use crate::rules::{UnitCondition, UnitTest};
use toml::Value;

/// Each admin unit of some levels holds facilities of some tiers.
#[derive(Debug, Clone)]
pub struct TierPresence {
    pub levels: Vec<Level>,
    pub tiers: Vec<Tier>,
    pub min_count: usize,
    /// Conditions a unit must meet to be checked: for every level, or for one level.
    pub conditions: Vec<UnitCondition>,
    pub target: f64,
}

impl Kind for TierPresence {
    const NAME: &'static str = "tier_presence";

    fn parse(p: &mut Reader) -> Option<Self> {
        let levels = p.list("levels", Level::parse, &Level::accepted());
        let tiers = p.tiers("tiers");
        let min_count = match p.table.get("min_count") {
            None => Some(1),
            Some(Value::Integer(n)) if (1..=MAX_COUNT).contains(n) => Some(*n as usize),
            Some(_) => {
                p.problem("min_count", format!("expected an integer from 1 to {MAX_COUNT}"));
                None
            }
        };
        let conditions = p.conditions();
        let target = p.target();
        p.unknown_keys(&["levels", "tiers", "min_count", "where", "target"]);
        let levels = levels?;
        if levels.is_empty() {
            p.problem("levels", "expected at least one level".into());
            return None;
        }
        let conditions = conditions?;
        for c in &conditions {
            if let Some(level) = c.level {
                if !levels.contains(&level) {
                    p.problem("where", format!("condition for level {level}, which is not in levels"));
                    return None;
                }
            }
        }
        Some(TierPresence {
            levels,
            tiers,
            min_count: min_count?,
            conditions,
            target: target?,
        })
    }

    fn target(&self) -> f64 {
        self.target
    }

    fn judges(&self) -> Judges<'_> {
        Judges::Units
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let units = &cx.dataset.admin_units;
        let found = facilities_by_unit(cx, &self.tiers);
        let mut verdict = Verdict::default();
        let mut unknown_population = Vec::new();
        for (u, unit) in units.iter().enumerate() {
            if !self.levels.contains(&unit.level) {
                continue;
            }
            match applies(self, unit) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    unknown_population.push(unit.code.as_str());
                    continue;
                }
            }
            let count = found[u].len();
            if count >= self.min_count {
                verdict.passed(Subject::Unit(u), Some(count as f64), self.min_count as f64, Unit::Count);
                continue;
            }
            let facilities: Vec<&Facility> = found[u].iter().map(|&i| &cx.dataset.facilities[i]).collect();
            let finding =
                unit_finding(unit, &facilities).figures(Some(count as f64), self.min_count as f64, Unit::Count);
            let ids = &finding.facilities;
            let message = format!(
                    "{}（{}）内已计入的{}设施{}处，要求至少{}处 — {} ({}) holds {} counted facilities of tiers {}; required at least {}{}",
                    label(&unit.name, &unit.code),
                    unit.level.chinese()[0],
                    tier_list_zh(&self.tiers),
                    count,
                    self.min_count,
                    unit.code,
                    unit.level,
                    count,
                    tier_list(&self.tiers),
                    self.min_count,
                    if ids.is_empty() { String::new() } else { format!(" (found: {})", some_of(ids, ", ")) }
                );
            verdict.failed(Subject::Unit(u), finding.says(message));
        }
        let notes = &mut verdict.notes;
        if !unknown_population.is_empty() {
            notes.push(format!(
                "未判定 not judged, population unknown: {} unit(s) ({})",
                unknown_population.len(),
                some_of(&unknown_population, ", ")
            ));
        }
        if verdict.checked.is_empty() {
            let levels: Vec<&str> = self.levels.iter().map(|l| l.key()).collect();
            verdict
                .notes
                .push(format!("no admin unit of level {} matches the rule", levels.join("/")));
        }
        verdict
    }
}

/// Whether the rule's conditions select this unit; `None` when a population condition meets a unit
/// with no population figure.
fn applies(rule: &TierPresence, unit: &AdminUnit) -> Option<bool> {
    let mut result = true;
    for condition in rule
        .conditions
        .iter()
        .filter(|c| c.level.is_none_or(|l| l == unit.level))
    {
        let ok = match condition.test {
            UnitTest::Central(want) => unit.central.unwrap_or(false) == want,
            UnitTest::MinPopulation(n) => unit.population? >= n,
            UnitTest::MaxPopulation(n) => unit.population? <= n,
        };
        result &= ok;
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};
    use crate::rules::UnitCondition;

    /// Street S (0-2 km) with communities C1 (0-1 km) and C2 (1-2 km); townships T1 (central) and
    /// T2 (not central) to the east; a daycare centre in S (inside C1), a station in C2, a planned
    /// daycare centre in T2 and a closed one in T1.
    fn city() -> crate::model::Dataset {
        let mut d = dataset();
        let mut t1 = unit("T1", Level::Township, None, (3_000.0, 0.0, 5_000.0, 2_000.0));
        t1.central = Some(true);
        t1.population = Some(60_000);
        let mut t2 = unit("T2", Level::Township, None, (6_000.0, 0.0, 8_000.0, 2_000.0));
        t2.population = Some(20_000);
        d.admin_units = vec![
            unit("S", Level::Street, None, (0.0, 0.0, 2_000.0, 2_000.0)),
            unit("C1", Level::Community, Some("S"), (0.0, 0.0, 1_000.0, 2_000.0)),
            unit("C2", Level::Community, Some("S"), (1_000.0, 0.0, 2_000.0, 2_000.0)),
            t1,
            t2,
        ];
        d.facilities = vec![
            facility("D1", Tier::DaycareCenter, 500.0, Status::Operating, 500.0, 1_000.0),
            facility("ST", Tier::Station, 150.0, Status::Operating, 1_500.0, 1_000.0),
            facility("D2", Tier::DaycareCenter, 500.0, Status::Planned, 7_000.0, 1_000.0),
            facility("D3", Tier::DaycareCenter, 500.0, Status::Closed, 4_000.0, 1_000.0),
        ];
        d
    }

    fn rule(levels: &[Level], tiers: &[Tier], conditions: Vec<UnitCondition>) -> TierPresence {
        TierPresence {
            levels: levels.to_vec(),
            tiers: tiers.to_vec(),
            min_count: 1,
            conditions,
            target: 1.0,
        }
    }

    fn failing(v: &Verdict) -> Vec<&str> {
        v.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn every_street_and_central_township_has_a_daycare_centre() {
        let d = city();
        let r = rule(
            &[Level::Street, Level::Township],
            &[Tier::DaycareCenter],
            vec![UnitCondition {
                level: Some(Level::Township),
                test: UnitTest::Central(true),
            }],
        );
        let v = Kind::judge(&r, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 2); // S and central T1; T2 is not central
        assert_eq!(failing(&v), ["T1"]); // its only daycare centre is closed
        assert_eq!(v.findings[0].measured, Some(0.0));
    }

    #[test]
    fn every_community_has_a_station() {
        let d = city();
        let v = Kind::judge(
            &rule(&[Level::Community], &[Tier::Station], vec![]),
            &Context::new(&d, Mode::Audit),
        );
        assert_eq!(v.checked.len(), 2);
        assert_eq!(failing(&v), ["C1"]);
    }

    #[test]
    fn review_counts_planned_and_population_filters() {
        let d = city();
        let all_townships = rule(&[Level::Township], &[Tier::DaycareCenter], vec![]);
        assert_eq!(
            failing(&Kind::judge(&all_townships, &Context::new(&d, Mode::Audit))),
            ["T1", "T2"]
        );
        assert_eq!(
            failing(&Kind::judge(&all_townships, &Context::new(&d, Mode::Review))),
            ["T1"]
        );
        let big = daycare_in_townships_of_50_000();
        let v = Kind::judge(&big, &Context::new(&d, Mode::Audit));
        assert_eq!((v.checked.len(), failing(&v)), (1, vec!["T1"]));
    }

    /// A day-care centre in every township of 50 000 people or more.
    fn daycare_in_townships_of_50_000() -> TierPresence {
        rule(
            &[Level::Township],
            &[Tier::DaycareCenter],
            vec![UnitCondition {
                level: None,
                test: UnitTest::MinPopulation(50_000),
            }],
        )
    }

    #[test]
    fn unknown_population_is_reported_not_skipped_silently() {
        let mut d = city();
        d.admin_units[4].population = None;
        let big = daycare_in_townships_of_50_000();
        let v = Kind::judge(&big, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 1);
        assert!(v.notes.iter().any(|n| n.contains("T2")), "{:?}", v.notes);
    }
}
