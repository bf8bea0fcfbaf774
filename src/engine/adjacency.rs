//! `adjacency`: facilities of some tiers lie within a distance of a facility of other tiers
//! (医养结合: new stations and centres next to a clinic).

use super::kinds::Kind;
use super::{
    fmt_num, handed_over_since, label, since_note, tier_list, tier_list_zh, Context, Finding, Layer, Subject, Unit,
    Verdict,
};
use crate::model::{Date, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_DISTANCE_M;
use crate::spatial::SurfaceIndex;

/// Facilities of some tiers lie next to one of other tiers (医养结合: stations beside clinics).
#[derive(Debug, Clone)]
pub struct Adjacency {
    pub tiers: Vec<Tier>,
    pub near_tiers: Vec<Tier>,
    pub distance_m: f64,
    /// Only facilities handed over on or after this day; one with no date counts as new.
    pub since: Option<Date>,
    pub target: f64,
}

impl Kind for Adjacency {
    const NAME: &'static str = "adjacency";

    fn reach_m(&self) -> f64 {
        self.distance_m
    }

    fn parse(p: &mut Reader) -> Option<Self> {
        let tiers = p.tiers("tiers");
        let near_tiers = p.list("near_tiers", Tier::parse, &Tier::accepted());
        let distance_m = p.positive("distance_m", MAX_DISTANCE_M);
        let since = p.optional_date("since");
        let target = p.target();
        p.unknown_keys(&["tiers", "near_tiers", "distance_m", "since", "target"]);
        Some(Adjacency {
            tiers,
            near_tiers: near_tiers?,
            distance_m: distance_m?,
            since,
            target: target?,
        })
    }

    fn target(&self) -> f64 {
        self.target
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let facilities = &cx.dataset.facilities;
        let near = SurfaceIndex::new(cx.counted(&self.near_tiers).map(|(i, f)| (i, f.location)));
        let mut verdict = Verdict::default();
        for (i, f) in cx
            .counted(&self.tiers)
            .filter(|(_, f)| handed_over_since(f, self.since))
        {
            // A facility is not its own neighbour when the two tier lists overlap.
            let adjacent = near
                .within(f.location, self.distance_m)
                .into_iter()
                .find(|n| n.index != i);
            if let Some(n) = adjacent {
                verdict.passed(Subject::Facility(i), Some(n.distance_m), self.distance_m, Unit::Metres);
                continue;
            }
            let nearest = near.nearest(f.location).filter(|n| n.index != i);
            let finding = Finding::about(Layer::Facilities, &f.id, &f.name, f.geometry.clone()).figures(
                nearest.map(|n| n.distance_m),
                self.distance_m,
                Unit::Metres,
            );
            let finding = match nearest {
                Some(n) => {
                    let other = &facilities[n.index];
                    finding
                        .says(format!(
                            "{}距最近的{}设施{}{}米，要求相邻（{}米内）— nearest {} facility {} is {} m away; adjacent means within {} m",
                            label(&f.name, &f.id),
                            tier_list_zh(&self.near_tiers),
                            label(&other.name, &other.id),
                            fmt_num(n.distance_m),
                            fmt_num(self.distance_m),
                            tier_list(&self.near_tiers),
                            other.id,
                            fmt_num(n.distance_m),
                            fmt_num(self.distance_m),
                        ))
                        .resting_on(vec![other.id.clone()])
                }
                None => finding.says(format!(
                    "{}附近无已计入的{}设施 — no counted {} facility at all",
                    label(&f.name, &f.id),
                    tier_list_zh(&self.near_tiers),
                    tier_list(&self.near_tiers),
                )),
            };
            verdict.failed(Subject::Facility(i), finding);
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

    /// Clinic M at the origin. Station S1 40 m away (adjacent), S2 600 m away (not), S3 handed over in
    /// 2018 (before `since`: not judged), centre D1 with no date (new) 30 m from M.
    #[test]
    fn new_facilities_next_to_a_clinic() {
        let mut d = dataset();
        let mut s3 = facility("S3", Tier::Station, 200.0, Status::Operating, 2_000.0, 0.0);
        s3.handed_over = Date::from_ymd(2018, 5, 1);
        let mut s1 = facility("S1", Tier::Station, 200.0, Status::Operating, 40.0, 0.0);
        s1.handed_over = Date::from_ymd(2021, 5, 1);
        d.facilities = vec![
            facility("M", Tier::Medical, 800.0, Status::Operating, 0.0, 0.0),
            s1,
            facility("S2", Tier::Station, 200.0, Status::Built, 600.0, 0.0),
            s3,
            facility("D1", Tier::DaycareCenter, 500.0, Status::Built, 0.0, 30.0),
        ];
        let rule = Adjacency {
            tiers: vec![Tier::Station, Tier::DaycareCenter],
            near_tiers: vec![Tier::Medical],
            distance_m: 100.0,
            since: Date::from_ymd(2020, 1, 1),
            target: 0.8,
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 3);
        assert_eq!(v.findings.len(), 1);
        let f = &v.findings[0];
        assert_eq!((f.id.as_str(), f.facilities.clone()), ("S2", vec!["M".to_string()]));
        assert!((f.measured.unwrap() - 600.0).abs() < 1.0);
        assert!((crate::engine::rate(&v.checked) - 2.0 / 3.0).abs() < 1e-9);
    }
}
