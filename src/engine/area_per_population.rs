//! `area_per_population`: floor area of counted facilities in each admin unit per 1000 people (千人指标).

use super::kinds::{Judges, Kind};
use super::{
    fmt_num, label, not_judged, tier_list, tier_list_zh, unit_finding, units_holding, Context, Subject, Unit, Verdict,
};
use crate::model::{Level, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_M2_PER_1000;
use crate::rules::Headcount;

/// Floor area of counted facilities in each admin unit per 1000 people.
#[derive(Debug, Clone)]
pub struct AreaPerPopulation {
    pub level: Level,
    pub m2_per_1000: f64,
    pub headcount: Headcount,
    pub tiers: Vec<Tier>,
    pub target: f64,
}

impl Kind for AreaPerPopulation {
    const NAME: &'static str = "area_per_population";

    fn parse(p: &mut Reader) -> Option<Self> {
        let level = p.choice("level", Level::parse, &Level::accepted());
        let m2_per_1000 = p.positive("m2_per_1000", MAX_M2_PER_1000);
        let headcount = p.headcount("population");
        let tiers = p.tiers("tiers");
        let target = p.target();
        p.unknown_keys(&["level", "m2_per_1000", "population", "tiers", "target"]);
        Some(AreaPerPopulation {
            level: level?,
            m2_per_1000: m2_per_1000?,
            headcount: headcount?,
            tiers,
            target: target?,
        })
    }

    fn target(&self) -> f64 {
        self.target
    }

    fn judges(&self) -> Judges<'_> {
        Judges::UnitsHolding(&self.tiers)
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        let mut unknown = Vec::new();
        let (key, chinese) = match self.headcount {
            Headcount::Population => ("residents", "常住人口"),
            Headcount::Elderly => ("elderly", "老年人口"),
        };
        for (u, unit, facilities) in units_holding(cx, std::slice::from_ref(&self.level), &self.tiers) {
            let people = match self.headcount {
                Headcount::Population => unit.population,
                Headcount::Elderly => unit.elderly,
            };
            let Some(people) = people.filter(|n| *n > 0) else {
                unknown.push(unit.code.as_str());
                continue;
            };
            // `Sum` of no f64 is -0.0; adding 0.0 keeps an empty total printable as 0.
            let area = 0.0 + facilities.iter().map(|f| f.floor_area_m2).sum::<f64>();
            let per_1000 = area / people as f64 * 1000.0;
            let finding = (per_1000 < self.m2_per_1000).then(|| {
                unit_finding(unit, &facilities)
                    .figures(Some(per_1000), self.m2_per_1000, Unit::SquareMetresPer1000)
                    .says(format!(
                        "{}{}{}人，已计入{}设施{}平方米，每千人{}平方米，要求{}平方米 — {} {key}, {} m² of counted {} facilities: {} m² per 1000; required {} m²",
                        label(&unit.name, &unit.code),
                        chinese,
                        people,
                        tier_list_zh(&self.tiers),
                        fmt_num(area),
                        fmt_num(per_1000),
                        fmt_num(self.m2_per_1000),
                        people,
                        fmt_num(area),
                        tier_list(&self.tiers),
                        fmt_num(per_1000),
                        fmt_num(self.m2_per_1000),
                    ))
            });
            verdict.judged(
                Subject::Unit(u),
                per_1000,
                self.m2_per_1000,
                Unit::SquareMetresPer1000,
                finding,
            );
        }
        verdict
            .notes
            .extend(not_judged(&format!("{key} figure missing or zero"), &unknown));
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};

    /// Street S1 (40 000 residents) holds 1 500 m² + 800 m² = 2 300 m²: 57.5 per 1000, passes 50.
    /// Street S2 (30 000) holds 900 m² (30 per 1000) and a planned 1 000 m² centre: fails in audit,
    /// passes in review (63.3). Street S3 has no population figure: noted, not judged.
    #[test]
    fn floor_area_per_thousand_residents() {
        let mut d = dataset();
        let mut s1 = unit("S1", Level::Street, None, (0.0, 0.0, 1_000.0, 1_000.0));
        s1.population = Some(40_000);
        let mut s2 = unit("S2", Level::Street, None, (2_000.0, 0.0, 3_000.0, 1_000.0));
        s2.population = Some(30_000);
        let s3 = unit("S3", Level::Street, None, (4_000.0, 0.0, 5_000.0, 1_000.0));
        d.admin_units = vec![s1, s2, s3];
        d.facilities = vec![
            facility("A", Tier::DaycareCenter, 1_500.0, Status::Operating, 300.0, 500.0),
            facility("B", Tier::Station, 800.0, Status::Operating, 700.0, 500.0),
            facility("M", Tier::Medical, 5_000.0, Status::Operating, 500.0, 200.0),
            facility("C", Tier::Station, 900.0, Status::Operating, 2_300.0, 500.0),
            facility("D", Tier::DaycareCenter, 1_000.0, Status::Planned, 2_700.0, 500.0),
            facility("E", Tier::Station, 100.0, Status::Operating, 4_500.0, 500.0),
        ];
        let rule = AreaPerPopulation {
            level: Level::Street,
            m2_per_1000: 50.0,
            headcount: Headcount::Population,
            tiers: Tier::COMMUNITY.to_vec(),
            target: 1.0,
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 2);
        assert_eq!(v.findings.len(), 1);
        let f = &v.findings[0];
        assert_eq!((f.id.as_str(), f.measured, f.required), ("S2", Some(30.0), 50.0));
        assert_eq!(f.facilities, ["C"]);
        assert!(v.notes.iter().any(|n| n.contains("S3")), "{:?}", v.notes);
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Review));
        assert!(v.findings.is_empty());
    }
}
