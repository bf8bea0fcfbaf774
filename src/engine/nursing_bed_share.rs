//! `nursing_bed_share`: nursing beds as a share of all beds of counted facilities in each unit (护理型床位占比).

use super::kinds::{Judges, Kind};
use super::{label, not_judged, tier_list, tier_list_zh, unit_finding, units_holding, Context, Subject, Unit, Verdict};
use crate::model::{Level, Tier};
use crate::rules::parse::Reader;

/// Nursing beds as a share of all beds in each unit.
#[derive(Debug, Clone)]
pub struct NursingBedShare {
    pub level: Level,
    pub min_share: f64,
    /// `>` rather than `≥` (超过).
    pub strict: bool,
    pub tiers: Vec<Tier>,
}

impl Kind for NursingBedShare {
    const NAME: &'static str = "nursing_bed_share";

    fn parse(p: &mut Reader) -> Option<Self> {
        let level = p.choice("level", Level::parse, &Level::accepted());
        let min_share = p.share("min_share");
        let strict = p.optional_bool("strict").unwrap_or(false);
        let tiers = p.tiers("tiers");
        p.unknown_keys(&["level", "min_share", "strict", "tiers"]);
        Some(NursingBedShare {
            level: level?,
            min_share: min_share?,
            strict,
            tiers,
        })
    }

    fn judges(&self) -> Judges<'_> {
        Judges::UnitsHolding(&self.tiers)
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        let mut no_beds = Vec::new();
        let op = if self.strict { ">" } else { "≥" };
        for (u, unit, facilities) in units_holding(cx, std::slice::from_ref(&self.level), &self.tiers) {
            let beds: u64 = facilities.iter().filter_map(|f| f.beds).sum();
            let nursing: u64 = facilities.iter().filter_map(|f| f.nursing_beds).sum();
            if beds == 0 {
                no_beds.push(unit.code.as_str());
                continue;
            }
            let share = nursing as f64 / beds as f64;
            let passes = if self.strict {
                share > self.min_share
            } else {
                share >= self.min_share
            };
            let finding = (!passes).then(|| {
                unit_finding(unit, &facilities)
                    .figures(Some(share), self.min_share, Unit::Share)
                    .says(format!(
                        "{}{}设施床位{}张，其中护理型{}张，占{:.1}%，要求{}{:.0}% — {} of {} beds in {} facilities are nursing beds ({:.1}%); required {op} {:.0}%",
                        label(&unit.name, &unit.code),
                        tier_list_zh(&self.tiers),
                        beds,
                        nursing,
                        share * 100.0,
                        op,
                        self.min_share * 100.0,
                        nursing,
                        beds,
                        tier_list(&self.tiers),
                        share * 100.0,
                        self.min_share * 100.0,
                    ))
            });
            verdict.judged(Subject::Unit(u), share, self.min_share, Unit::Share, finding);
        }
        verdict
            .notes
            .extend(not_judged("no beds counted, so no share", &no_beds));
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};

    fn with_beds(id: &str, beds: u64, nursing: u64, east: f64) -> crate::model::Facility {
        let mut f = facility(id, Tier::Institution, 3_000.0, Status::Operating, east, 500.0);
        f.beds = Some(beds);
        f.nursing_beds = Some(nursing);
        f
    }

    /// D: 500 beds, 400 nursing (0.8) passes > 0.6. E: 500 beds, 200 nursing (0.4) fails.
    /// F: 100 beds, exactly 60 nursing (0.6): fails "more than 60 %", passes "at least 60 %".
    #[test]
    fn share_of_nursing_beds_strict_and_not() {
        let mut d = dataset();
        d.admin_units = vec![
            unit("D", Level::District, None, (0.0, 0.0, 1_000.0, 1_000.0)),
            unit("E", Level::District, None, (2_000.0, 0.0, 3_000.0, 1_000.0)),
            unit("F", Level::District, None, (4_000.0, 0.0, 5_000.0, 1_000.0)),
            unit("G", Level::District, None, (6_000.0, 0.0, 7_000.0, 1_000.0)),
        ];
        d.facilities = vec![
            with_beds("I1", 300, 250, 300.0),
            with_beds("I2", 200, 150, 700.0),
            with_beds("I3", 500, 200, 2_500.0),
            with_beds("I4", 100, 60, 4_500.0),
        ];
        let mut rule = NursingBedShare {
            level: Level::District,
            min_share: 0.6,
            strict: true,
            tiers: vec![Tier::Institution, Tier::RegionalCenter],
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        let failing: Vec<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!((v.checked.len(), failing), (3, vec!["E", "F"]));
        assert_eq!(v.findings[0].measured, Some(0.4));
        assert!(v.notes.iter().any(|n| n.contains('G')), "{:?}", v.notes);
        rule.strict = false;
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["E"]);
    }
}
