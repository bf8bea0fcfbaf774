//! `beds_per_elderly`: beds (or nursing beds) of counted facilities in each unit per 1000 elderly.

use super::kinds::{Judges, Kind};
use super::{
    fmt_num, label, not_judged, tier_list, tier_list_zh, unit_finding, units_holding, Context, Subject, Unit, Verdict,
};
use crate::model::{Facility, Level, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_BEDS_PER_1000;
use crate::rules::BedCount;

/// Beds of counted facilities in each unit per 1000 elderly.
#[derive(Debug, Clone)]
pub struct BedsPerElderly {
    pub level: Level,
    pub per_1000: f64,
    pub beds: BedCount,
    pub tiers: Vec<Tier>,
}

impl Kind for BedsPerElderly {
    const NAME: &'static str = "beds_per_elderly";

    fn parse(p: &mut Reader) -> Option<Self> {
        let level = p.choice("level", Level::parse, &Level::accepted());
        let per_1000 = p.positive("per_1000", MAX_BEDS_PER_1000);
        let beds = match p.optional_string("beds").as_deref() {
            None | Some("beds") => Some(BedCount::Beds),
            Some("nursing_beds") => Some(BedCount::NursingBeds),
            Some(other) => {
                p.problem(
                    "beds",
                    format!("unknown value \"{other}\": expected beds or nursing_beds"),
                );
                None
            }
        };
        let tiers = p.tiers("tiers");
        p.unknown_keys(&["level", "per_1000", "beds", "tiers"]);
        Some(BedsPerElderly {
            level: level?,
            per_1000: per_1000?,
            beds: beds?,
            tiers,
        })
    }

    fn judges(&self) -> Judges<'_> {
        Judges::UnitsHolding(&self.tiers)
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        let mut unknown = Vec::new();
        let mut no_count = Vec::new();
        let (key, chinese) = match self.beds {
            BedCount::Beds => ("beds", "床位"),
            BedCount::NursingBeds => ("nursing beds", "护理型床位"),
        };
        for (u, unit, facilities) in units_holding(cx, std::slice::from_ref(&self.level), &self.tiers) {
            let Some(elderly) = unit.elderly.filter(|n| *n > 0) else {
                unknown.push(unit.code.as_str());
                continue;
            };
            let count = |f: &Facility| match self.beds {
                BedCount::Beds => f.beds,
                BedCount::NursingBeds => f.nursing_beds,
            };
            no_count.extend(facilities.iter().filter(|f| count(f).is_none()).map(|f| f.id.as_str()));
            let beds: u64 = facilities.iter().filter_map(|f| count(f)).sum();
            let per_1000 = beds as f64 / elderly as f64 * 1000.0;
            let finding = (per_1000 < self.per_1000).then(|| {
                unit_finding(unit, &facilities)
                    .figures(Some(per_1000), self.per_1000, Unit::BedsPer1000)
                    .says(format!(
                        "{}老年人口{}人，{}设施{}{}张，每千名老人{}张，要求{}张 — {} elderly, {} {key} in {} facilities: {} per 1000 elderly; required {}",
                        label(&unit.name, &unit.code),
                        elderly,
                        tier_list_zh(&self.tiers),
                        chinese,
                        beds,
                        fmt_num(per_1000),
                        fmt_num(self.per_1000),
                        elderly,
                        beds,
                        tier_list(&self.tiers),
                        fmt_num(per_1000),
                        fmt_num(self.per_1000),
                    ))
            });
            verdict.judged(Subject::Unit(u), per_1000, self.per_1000, Unit::BedsPer1000, finding);
        }
        verdict
            .notes
            .extend(not_judged("elderly figure missing or zero", &unknown));
        if !no_count.is_empty() {
            verdict.notes.push(format!(
                "counted as 0 {key}, no figure given: facilities {}",
                super::some_of(&no_count, ", ")
            ));
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};

    /// District D: 20 000 elderly; an institution with 180 nursing beds and a centre with 60:
    /// 240 / 20 = 12 per 1000 passes 12. District E: 10 000 elderly, 50 nursing beds (5 per 1000)
    /// and an institution with no nursing-bed figure (noted, counted as 0).
    #[test]
    fn nursing_beds_per_thousand_elderly() {
        let mut d = dataset();
        let mut dd = unit("D", Level::District, None, (0.0, 0.0, 1_000.0, 1_000.0));
        dd.elderly = Some(20_000);
        let mut de = unit("E", Level::District, None, (2_000.0, 0.0, 3_000.0, 1_000.0));
        de.elderly = Some(10_000);
        d.admin_units = vec![dd, de];
        let mut i1 = facility("I1", Tier::Institution, 5_000.0, Status::Operating, 300.0, 500.0);
        i1.nursing_beds = Some(180);
        let mut c1 = facility("C1", Tier::RegionalCenter, 2_000.0, Status::Operating, 700.0, 500.0);
        c1.nursing_beds = Some(60);
        let mut i2 = facility("I2", Tier::Institution, 3_000.0, Status::Operating, 2_300.0, 500.0);
        i2.nursing_beds = Some(50);
        let i3 = facility("I3", Tier::Institution, 3_000.0, Status::Operating, 2_700.0, 500.0);
        d.facilities = vec![i1, c1, i2, i3];
        let rule = BedsPerElderly {
            level: Level::District,
            per_1000: 12.0,
            beds: BedCount::NursingBeds,
            tiers: vec![Tier::Institution, Tier::RegionalCenter],
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 2);
        assert_eq!(v.findings.len(), 1);
        let f = &v.findings[0];
        assert_eq!((f.id.as_str(), f.measured, f.required), ("E", Some(5.0), 12.0));
        assert!(v.notes.iter().any(|n| n.contains("I3")), "{:?}", v.notes);
    }
}
