//! `service_radius`: every residential area lies within reach of a counted facility.

use super::kinds::Kind;
use super::{
    fmt_num, label, tier_list, tier_list_zh, Checked, Context, Figures, Finding, Layer, Same, Subject, Unit, Verdict,
    Wording,
};
use crate::model::Tier;
use crate::network::WalkNetwork;
use crate::rules::parse::Reader;
use crate::rules::parse::MAX_DISTANCE_M;
use crate::rules::Metric;
use crate::spatial::{Nearest, SurfaceIndex};
use rayon::prelude::*;
use std::fmt;
use std::sync::Arc;

/// Every residential area within reach of a counted facility.
#[derive(Debug, Clone)]
pub struct ServiceRadius {
    pub radius_m: f64,
    pub tiers: Vec<Tier>,
    pub metric: Metric,
    /// `<` rather than `≤`.
    pub strict: bool,
    pub target: f64,
}

impl ServiceRadius {
    /// Whether a facility `distance_m` away is within the radius (`<` for a strict rule, else `≤`).
    fn reaches(&self, distance_m: f64) -> bool {
        crate::spatial::within_radius(distance_m, self.radius_m, self.strict)
    }
}

impl Kind for ServiceRadius {
    const NAME: &'static str = "service_radius";

    fn reach_m(&self) -> f64 {
        self.radius_m
    }

    fn parse(p: &mut Reader) -> Option<Self> {
        let radius_m = p.positive("radius_m", MAX_DISTANCE_M);
        let tiers = p.tiers("tiers");
        let metric = match p.optional_string("metric").as_deref() {
            None | Some("euclidean") => Some(Metric::Euclidean),
            Some("network") => Some(Metric::Network),
            Some(other) => {
                p.problem(
                    "metric",
                    format!("unknown metric \"{other}\": expected euclidean or network"),
                );
                None
            }
        };
        let strict = p.optional_bool("strict").unwrap_or(false);
        let target = p.target();
        p.unknown_keys(&["radius_m", "tiers", "metric", "strict", "target"]);
        Some(ServiceRadius {
            radius_m: radius_m?,
            tiers,
            metric: metric?,
            strict,
            target: target?,
        })
    }

    fn target(&self) -> f64 {
        self.target
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let facilities = &cx.dataset.facilities;
        let areas = &cx.dataset.residential_areas;
        let network = match self.metric {
            Metric::Network => cx.walk_network(),
            Metric::Euclidean => None,
        };
        let (reached, mut notes, how) = match (self.metric, network) {
            (Metric::Network, Some(network)) => (
                failing_on_foot(self, cx, network),
                vec![format!(
                    "步行距离，沿道路图层（{0}段）测量，搜索至要求距离的两倍（{1}米），更远者不再测量、实测值为空 — walking \
                     distance along the roads layer ({0} segments); areas and facilities join their nearest road; the walk \
                     is searched up to twice the required distance ({1} m) and an empty measured figure means none was \
                     found that near",
                    network.segment_count(),
                    fmt_num(walk_limit(self))
                )],
                ("步行", "walk"),
            ),
            (Metric::Network, None) => (
                failing_straight(self, cx),
                vec!["直线距离 straight-line geodesic distance: the dataset has no walkable roads, so the walking \
                      distance fell back to straight-line"
                    .to_string()],
                ("直线", "straight-line"),
            ),
            (Metric::Euclidean, _) => (
                failing_straight(self, cx),
                vec!["直线距离 straight-line geodesic distance".to_string()],
                ("直线", "straight-line"),
            ),
        };
        if cx.counted(&self.tiers).next().is_none() {
            notes.push(format!("no counted facility of tiers {}", tier_list(&self.tiers)));
        }
        let op = if self.strict { "<" } else { "≤" };
        let mut checked: Vec<Checked> = areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Checked::new(
                    Subject::Area(i),
                    a.households as f64,
                    true,
                    None,
                    self.radius_m,
                    Unit::Metres,
                )
            })
            .collect();
        let mut failing = Vec::new();
        for reach in reached {
            checked[reach.area].set_measured(reach.nearest.map(|n| n.distance_m));
            if !reach.covered {
                checked[reach.area].passed = false;
                failing.push((reach.area, reach.nearest));
            }
        }

        // Most of a large city's areas can fail a walking rule: their findings keep the nearest
        // facility's name (shared) and are worded when written.
        let nearest_wording: Arc<dyn Wording> = Arc::new(NearestTooFar { how, op });
        let names: Vec<Arc<str>> = if failing.is_empty() {
            Vec::new()
        } else {
            facilities.par_iter().map(|f| Arc::from(f.name.as_str())).collect()
        };
        // The same text for every area with no counted facility near: one, shared.
        let none_near: Arc<dyn Wording> = Arc::new(Same(if network.is_some() {
            format!(
                "步行{0}米（要求{1}米的两倍，即搜索范围）内无已计入的{2}设施，实测步行距离超出搜索范围 — no counted \
                 facility of tiers {3} within a {0} m walk (the search stops at twice the {1} m required), so the \
                 walk is longer than {0} m and was not measured further",
                fmt_num(walk_limit(self)),
                fmt_num(self.radius_m),
                tier_list_zh(&self.tiers),
                tier_list(&self.tiers)
            )
        } else {
            format!(
                "无已计入的{}设施 — no counted facility of tiers {} at all",
                tier_list_zh(&self.tiers),
                tier_list(&self.tiers)
            )
        }));
        let findings = failing
            .into_par_iter()
            .map(|(i, nearest)| {
                let area = &areas[i];
                let finding = Finding::about(Layer::ResidentialAreas, &area.id, &area.name, area.geometry.clone())
                    .figures(nearest.map(|n| n.distance_m), self.radius_m, Unit::Metres);
                match nearest {
                    Some(n) => finding.resting_on(vec![facilities[n.index].id.clone()]).worded_by(
                        &nearest_wording,
                        Figures {
                            name: Some(Arc::clone(&names[n.index])),
                            ..Figures::default()
                        },
                    ),
                    None => finding.worded_by(&none_near, Figures::default()),
                }
            })
            .collect();
        Verdict {
            checked,
            findings,
            notes,
        }
    }
}

/// "The nearest counted facility is this far": the facility's name in the figures, its id the one the
/// finding rests on, the distance and the radius the finding's measured and required figures.
struct NearestTooFar {
    /// How the distance was measured: (Chinese, English).
    how: (&'static str, &'static str),
    op: &'static str,
}

impl Wording for NearestTooFar {
    fn word(&self, finding: &Finding, figures: &Figures, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = finding.facilities.first().map_or("", String::as_str);
        let name = figures.name.as_deref().unwrap_or("");
        let distance = fmt_num(finding.measured.unwrap_or(0.0));
        let (radius, op) = (fmt_num(finding.required), self.op);
        write!(
            out,
            "距最近的已计入设施{}{}{distance}米，要求{op}{radius}米 — nearest counted facility {id} is {distance} m away ({}); \
             required {op} {radius} m",
            label(name, id),
            self.how.0,
            self.how.1,
        )
    }
}

/// For each new site, the residential areas within the rule's reach of it, measured as the rule measures
/// a facility's reach (straight-line, or on foot along the walkable roads when the rule walks and the
/// dataset has them), each list in area order. What siting chooses from.
pub fn areas_within_reach(rule: &ServiceRadius, cx: &Context, sites: &[geo::Point<f64>]) -> Vec<Vec<usize>> {
    area_distances(rule, cx, sites, rule.radius_m)
        .into_iter()
        .map(|found| {
            found
                .into_iter()
                .filter(|(_, d)| rule.reaches(*d))
                .map(|(a, _)| a)
                .collect()
        })
        .collect()
}

/// For each site, the residential areas within `limit_m` of it (inclusive) and how far, measured as the
/// rule measures (straight-line, or on foot when the rule walks and the dataset has walkable roads), in
/// area order. What siting and accessibility (2SFCA) build on.
pub(crate) fn area_distances(
    rule: &ServiceRadius,
    cx: &Context,
    sites: &[geo::Point<f64>],
    limit_m: f64,
) -> Vec<Vec<(usize, f64)>> {
    let areas = &cx.dataset.residential_areas;
    let network = match rule.metric {
        Metric::Network => cx.walk_network(),
        Metric::Euclidean => None,
    };
    match network {
        Some(network) => {
            let targets = cx.area_joins();
            let joined: Vec<(usize, crate::network::Join)> = sites
                .iter()
                .enumerate()
                .filter_map(|(i, p)| network.join(*p).map(|j| (i, j)))
                .collect();
            let joins: Vec<_> = joined.iter().map(|(_, j)| *j).collect();
            let walks = network.walks_from_each(&joins, targets, limit_m);
            let mut found = vec![Vec::new(); sites.len()];
            for ((site, _), walks) in joined.iter().zip(walks) {
                found[*site] = walks;
            }
            found
        }
        None => {
            let index = SurfaceIndex::new(areas.iter().map(|a| a.location).enumerate());
            sites
                .par_iter()
                .map(|p| {
                    let mut found: Vec<(usize, f64)> = index
                        .within(*p, limit_m)
                        .into_iter()
                        .map(|n| (n.index, n.distance_m))
                        .collect();
                    found.sort_unstable_by_key(|(a, _)| *a);
                    found
                })
                .collect()
        }
    }
}

/// How the rule measures: "walk" when it walks along roads the dataset has, else "straight-line".
pub(crate) fn measured_on_foot(rule: &ServiceRadius, cx: &Context) -> bool {
    rule.metric == Metric::Network && cx.walk_network().is_some()
}

/// How an area fares: whether a counted facility is within the radius, and the nearest one.
struct Reach {
    area: usize,
    covered: bool,
    nearest: Option<Nearest>,
}

/// Areas farther than the radius in a straight line, with their nearest counted facility; every area
/// when the context measures passing subjects too.
fn failing_straight(rule: &ServiceRadius, cx: &Context) -> Vec<Reach> {
    let index = SurfaceIndex::new(cx.counted(&rule.tiers).map(|(i, f)| (i, f.location)));
    cx.dataset
        .residential_areas
        .par_iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let covered = index.any_within(a.location, rule.radius_m, rule.strict);
            (!covered || cx.measure_passes).then(|| Reach {
                area: i,
                covered,
                nearest: index.nearest(a.location),
            })
        })
        .collect()
}

/// How far the walking search goes: twice the radius, so a finding can say how long the walk is.
fn walk_limit(rule: &ServiceRadius) -> f64 {
    2.0 * rule.radius_m
}

/// Areas farther than the radius on foot, with the counted facility nearest on foot (within the limit).
fn failing_on_foot(rule: &ServiceRadius, cx: &Context, network: &WalkNetwork) -> Vec<Reach> {
    let sources: Vec<_> = cx
        .counted(&rule.tiers)
        .filter_map(|(i, f)| network.join(f.location).map(|j| (i, j)))
        .collect();
    let walks = network.nearest_walks(&sources, cx.area_joins(), walk_limit(rule));
    walks
        .into_iter()
        .enumerate()
        .filter_map(|(i, walk)| {
            let covered = walk.is_some_and(|w| rule.reaches(w.distance_m));
            (!covered || cx.measure_passes).then(|| Reach {
                area: i,
                covered,
                nearest: walk.map(|w| Nearest {
                    index: w.source,
                    distance_m: w.distance_m,
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{AreaKind, Mode, Status, Tier};

    fn rule(radius_m: f64, strict: bool) -> ServiceRadius {
        ServiceRadius {
            radius_m,
            tiers: Tier::COMMUNITY.to_vec(),
            metric: Metric::Euclidean,
            strict,
            target: 1.0,
        }
    }

    /// Station at the origin; areas at 300 m (covered), 1 200 m and 2 000 m (not); a planned station
    /// near the far one that counts only in review mode; a medical centre that never counts here.
    fn city() -> crate::model::Dataset {
        let mut d = dataset();
        d.facilities = vec![
            facility("F1", Tier::Station, 200.0, Status::Operating, 0.0, 0.0),
            facility("F2", Tier::Station, 200.0, Status::Planned, 2_000.0, 100.0),
            facility("M1", Tier::Medical, 900.0, Status::Operating, 1_200.0, 50.0),
        ];
        d.residential_areas = vec![
            area("A", 100, AreaKind::Existing, 300.0, 0.0),
            area("B", 300, AreaKind::Existing, 1_200.0, 0.0),
            area("C", 600, AreaKind::New, 2_000.0, 0.0),
        ];
        d
    }

    #[test]
    fn audit_counts_existing_facilities_only() {
        let d = city();
        let v = Kind::judge(&rule(700.0, true), &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 3);
        let ids: Vec<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["B", "C"]);
        // Household-weighted: only A's 100 of 1 000 households are covered.
        assert!((crate::engine::rate(&v.checked) - 0.1).abs() < 1e-9);
        let b = &v.findings[0];
        assert!((b.measured.unwrap() - 1_200.0).abs() < 1.0, "{:?}", b.measured);
        assert_eq!(b.facilities, ["F1"]);
        assert_eq!(
            b.message().to_string(),
            "距最近的已计入设施「F1站」(F1)直线1200米，要求<700米 — nearest counted facility F1 is 1200 m away \
             (straight-line); required < 700 m"
        );
        // With no counted facility of the tiers at all, every area says the same.
        let mut nothing = rule(700.0, false);
        nothing.tiers = vec![Tier::HappinessCourt];
        let v = Kind::judge(&nothing, &Context::new(&d, Mode::Audit));
        let said: Vec<String> = v.findings.iter().map(|f| f.message().to_string()).collect();
        assert_eq!(said.len(), 3);
        assert!(said.iter().all(|m| m == &said[0]), "{said:?}");
        let at_all = format!("no counted facility of tiers {} at all", Tier::HappinessCourt.key());
        assert!(
            said[0].starts_with("无已计入的") && said[0].ends_with(&at_all),
            "{said:?}"
        );
    }

    #[test]
    fn review_counts_planned_facilities() {
        let d = city();
        let v = Kind::judge(&rule(700.0, true), &Context::new(&d, Mode::Review));
        let ids: Vec<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["B"]);
        // B is 800 m from the planned station F2 and 1 200 m from F1.
        assert!((v.findings[0].measured.unwrap() - 800.0).abs() < 10.0);
        assert_eq!(v.findings[0].facilities, ["F2"]);
        assert!((crate::engine::rate(&v.checked) - 0.7).abs() < 1e-9);
    }

    #[test]
    fn no_counted_facility_at_all() {
        let mut d = city();
        d.facilities.retain(|f| f.tier == Tier::Medical);
        let v = Kind::judge(&rule(700.0, false), &Context::new(&d, Mode::Audit));
        assert_eq!(v.findings.len(), 3);
        assert!(v.findings.iter().all(|f| f.measured.is_none()));
        assert_eq!(crate::engine::rate(&v.checked), 0.0);
    }

    /// A daycare centre at the origin and a home 250 m north across a canal; the only road goes round
    /// it (400 m east, 250 m north, 400 m back west): a 1 050 m walk. Straight-line it passes 300 m, on
    /// foot it fails; with no roads the network rule falls back to straight-line and says so.
    #[test]
    fn network_metric_walks_round_the_canal() {
        let mut d = dataset();
        d.facilities = vec![facility("D", Tier::DaycareCenter, 500.0, Status::Operating, 0.0, -5.0)];
        d.residential_areas = vec![area("H", 100, AreaKind::Existing, 0.0, 255.0)];
        let line = [(0.0, 0.0), (400.0, 0.0), (400.0, 250.0), (0.0, 250.0)]
            .iter()
            .map(|&(e, n)| (at(e, n).x(), at(e, n).y()))
            .collect::<Vec<_>>();
        d.roads = vec![crate::model::Road {
            walkable: true,
            geometry: geo::MultiLineString(vec![geo::LineString::from(line)]),
        }];
        let mut rule = rule(300.0, false);
        rule.tiers = vec![Tier::DaycareCenter];
        rule.metric = Metric::Network;
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.findings.len(), 1, "{:?}", v.notes);
        // 300 m limit: the walk (≈1 060 m) is beyond twice the radius, so no distance is given.
        assert_eq!(v.findings[0].measured, None);
        assert!(v.notes[0].contains("walking distance"), "{:?}", v.notes);
        rule.radius_m = 1_000.0;
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        let walk = v.findings[0].measured.unwrap();
        assert!((walk - 1_060.0).abs() < 5.0, "{walk}");
        assert_eq!(v.findings[0].facilities, ["D"]);

        rule.radius_m = 300.0;
        d.roads.clear();
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert!(v.findings.is_empty());
        assert!(v.notes[0].contains("fell back to straight-line"), "{:?}", v.notes);
        rule.metric = Metric::Euclidean;
        assert!(Kind::judge(&rule, &Context::new(&d, Mode::Audit)).findings.is_empty());
    }
}
