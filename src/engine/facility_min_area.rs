//! `facility_min_area`: each counted facility of some tiers has at least a floor area.

use super::kinds::Kind;
use super::{fmt_num, handed_over_since, label, since_note, Context, Finding, Layer, Subject, Unit, Verdict};
use crate::model::{Date, Status, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_AREA_M2;

/// Each counted facility of a tier has at least a floor area.
#[derive(Debug, Clone)]
pub struct FacilityMinArea {
    pub tiers: Vec<Tier>,
    pub min_area_m2: f64,
    /// Only facilities with these statuses (all, when empty).
    pub statuses: Vec<Status>,
    /// Only facilities handed over on or after this day; one with no date counts as new.
    pub since: Option<Date>,
}

impl Kind for FacilityMinArea {
    const NAME: &'static str = "facility_min_area";

    fn parse(p: &mut Reader) -> Option<Self> {
        let tiers = if p.table.contains_key("tier") {
            p.list_or_one("tier", Tier::parse, &Tier::accepted())
        } else {
            p.list("tiers", Tier::parse, &Tier::accepted())
        };
        let min_area_m2 = p.positive("min_area_m2", MAX_AREA_M2);
        let statuses = if p.table.contains_key("statuses") {
            p.list("statuses", Status::parse, &Status::accepted())
        } else {
            Some(Vec::new())
        };
        let since = p.optional_date("since");
        p.unknown_keys(&["tier", "tiers", "min_area_m2", "statuses", "since"]);
        let tiers = tiers?;
        if tiers.is_empty() {
            p.problem("tier", "expected a tier".into());
            return None;
        }
        Some(FacilityMinArea {
            tiers,
            min_area_m2: min_area_m2?,
            statuses: statuses?,
            since,
        })
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        for (i, f) in cx.counted(&self.tiers) {
            if !self.statuses.is_empty() && !self.statuses.contains(&f.status) {
                continue;
            }
            if !handed_over_since(f, self.since) {
                continue;
            }
            let finding = (f.floor_area_m2 < self.min_area_m2).then(|| {
                Finding::about(Layer::Facilities, &f.id, &f.name, f.geometry.clone())
                    .figures(Some(f.floor_area_m2), self.min_area_m2, Unit::SquareMetres)
                    .says(format!(
                        "{}建筑面积{}平方米，低于{}平方米 — floor area {} m² is below the minimum {} m²",
                        label(&f.name, &f.id),
                        fmt_num(f.floor_area_m2),
                        fmt_num(self.min_area_m2),
                        fmt_num(f.floor_area_m2),
                        fmt_num(self.min_area_m2)
                    ))
                    .resting_on(vec![f.id.clone()])
            });
            verdict.judged(
                Subject::Facility(i),
                f.floor_area_m2,
                self.min_area_m2,
                Unit::SquareMetres,
                finding,
            );
        }
        verdict.notes.extend(since_note(self.since));
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Date, Mode, Status, Tier};

    #[test]
    fn small_new_stations_fail_old_ones_are_not_judged() {
        let mut d = dataset();
        let mut old = facility("OLD", Tier::Station, 80.0, Status::Operating, 0.0, 0.0);
        old.handed_over = Date::from_ymd(2015, 6, 1);
        let mut small = facility("SMALL", Tier::Station, 90.0, Status::Operating, 100.0, 0.0);
        small.handed_over = Date::from_ymd(2019, 3, 1);
        let big = facility("BIG", Tier::Station, 240.0, Status::Built, 200.0, 0.0);
        let planned = facility("PLAN", Tier::Station, 60.0, Status::Planned, 300.0, 0.0);
        let court = facility("COURT", Tier::HappinessCourt, 50.0, Status::Operating, 400.0, 0.0);
        d.facilities = vec![old, small, big, planned, court];
        let rule = FacilityMinArea {
            tiers: vec![Tier::Station],
            min_area_m2: 150.0,
            statuses: vec![],
            since: Date::from_ymd(2017, 1, 5),
        };
        let audit = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(audit.checked.len(), 2); // SMALL, BIG
        assert_eq!(
            audit.findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["SMALL"]
        );
        assert_eq!(audit.findings[0].measured, Some(90.0));
        let review = Kind::judge(&rule, &Context::new(&d, Mode::Review));
        assert_eq!(review.checked.len(), 3);
        assert_eq!(
            review.findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["SMALL", "PLAN"]
        );
    }
}
