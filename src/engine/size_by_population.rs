//! `size_by_population`: the largest facility of a tier in each unit is as large as the unit's population
//! class requires (e.g. 日间照料中心 600 m² for 80 000–120 000 residents).

use super::kinds::{Judges, Kind};
use super::{fmt_num, label, not_judged, unit_finding, units_holding, Context, Subject, Unit, Verdict};
use crate::model::{Level, Tier};
use crate::rules::parse::Reader;
use crate::rules::PopulationClass;

/// The largest facility of a tier in each unit is as large as the unit's population class asks.
#[derive(Debug, Clone)]
pub struct SizeByPopulation {
    pub levels: Vec<Level>,
    pub tier: Tier,
    /// Sorted by `min_population`.
    pub classes: Vec<PopulationClass>,
}

impl Kind for SizeByPopulation {
    const NAME: &'static str = "size_by_population";

    fn parse(p: &mut Reader) -> Option<Self> {
        let levels = p.list("levels", Level::parse, &Level::accepted());
        let tier = p.choice("tier", Tier::parse, &Tier::accepted());
        let classes = p.classes();
        p.unknown_keys(&["levels", "tier", "classes"]);
        Some(SizeByPopulation {
            levels: levels?,
            tier: tier?,
            classes: classes?,
        })
    }

    fn judges(&self) -> Judges<'_> {
        Judges::UnitsHolding(std::slice::from_ref(&self.tier))
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        let mut unknown = Vec::new();
        let mut below = Vec::new();
        for (u, unit, facilities) in units_holding(cx, &self.levels, std::slice::from_ref(&self.tier)) {
            let Some(population) = unit.population else {
                unknown.push(unit.code.as_str());
                continue;
            };
            let Some(class) = class_for(&self.classes, population) else {
                below.push(unit.code.as_str());
                continue;
            };
            let largest = facilities
                .iter()
                .copied()
                .max_by(|a, b| a.floor_area_m2.total_cmp(&b.floor_area_m2));
            let size = largest.map_or(0.0, |f| f.floor_area_m2);
            let finding = (size < class.min_area_m2).then(|| {
                let which = largest.map_or("无 none".to_string(), |f| label(&f.name, &f.id));
                unit_finding(unit, &largest.into_iter().collect::<Vec<_>>())
                    .figures(Some(size), class.min_area_m2, Unit::SquareMetres)
                    .says(format!(
                        "{}常住人口{}人（{}–{}人档），最大的{}为{}（{}平方米），要求不少于{}平方米 — population {} falls in the {}–{} class; the largest {} is {} m², required {} m²",
                        label(&unit.name, &unit.code),
                        population,
                        class.min_population,
                        class.max_population,
                        self.tier.chinese()[0],
                        which,
                        fmt_num(size),
                        fmt_num(class.min_area_m2),
                        population,
                        class.min_population,
                        class.max_population,
                        self.tier.key(),
                        fmt_num(size),
                        fmt_num(class.min_area_m2),
                    ))
            });
            verdict.judged(Subject::Unit(u), size, class.min_area_m2, Unit::SquareMetres, finding);
        }
        verdict.notes.extend(not_judged("population unknown", &unknown));
        verdict.notes.extend(not_judged("population below every class", &below));
        verdict
    }
}

/// The class a population falls in; between two classes, the lower one; above all, the top one.
fn class_for(classes: &[PopulationClass], population: u64) -> Option<&PopulationClass> {
    classes.iter().rev().find(|c| c.min_population <= population)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};

    fn classes() -> Vec<PopulationClass> {
        vec![
            PopulationClass {
                min_population: 30_000,
                max_population: 50_000,
                min_area_m2: 300.0,
            },
            PopulationClass {
                min_population: 80_000,
                max_population: 120_000,
                min_area_m2: 600.0,
            },
        ]
    }

    #[test]
    fn classes_between_and_above() {
        let c = classes();
        assert_eq!(class_for(&c, 20_000), None);
        assert_eq!(class_for(&c, 40_000).map(|c| c.min_area_m2), Some(300.0));
        assert_eq!(class_for(&c, 65_000).map(|c| c.min_area_m2), Some(300.0));
        assert_eq!(class_for(&c, 100_000).map(|c| c.min_area_m2), Some(600.0));
        assert_eq!(class_for(&c, 200_000).map(|c| c.min_area_m2), Some(600.0));
    }

    /// S1 (100 000) has daycare centres of 450 and 350 m²: the largest, 450, is short of 600.
    /// S2 (65 000, between classes → 300 m²) has one of 320 m²: passes. T (20 000): no class.
    #[test]
    fn the_largest_centre_meets_its_class() {
        let mut d = dataset();
        let mut s1 = unit("S1", Level::Street, None, (0.0, 0.0, 1_000.0, 1_000.0));
        s1.population = Some(100_000);
        let mut s2 = unit("S2", Level::Street, None, (2_000.0, 0.0, 3_000.0, 1_000.0));
        s2.population = Some(65_000);
        let mut t = unit("T", Level::Township, None, (4_000.0, 0.0, 5_000.0, 1_000.0));
        t.population = Some(20_000);
        d.admin_units = vec![s1, s2, t];
        d.facilities = vec![
            facility("D1", Tier::DaycareCenter, 450.0, Status::Operating, 300.0, 500.0),
            facility("D2", Tier::DaycareCenter, 350.0, Status::Operating, 700.0, 500.0),
            facility("D3", Tier::DaycareCenter, 320.0, Status::Operating, 2_500.0, 500.0),
        ];
        let rule = SizeByPopulation {
            levels: vec![Level::Street, Level::Township],
            tier: Tier::DaycareCenter,
            classes: classes(),
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 2);
        assert_eq!(v.findings.len(), 1);
        let f = &v.findings[0];
        assert_eq!((f.id.as_str(), f.measured, f.required), ("S1", Some(450.0), 600.0));
        assert_eq!(f.facilities, ["D1"]);
        assert!(v
            .notes
            .iter()
            .any(|n| n.contains("below every class") && n.contains('T')));
    }
}
