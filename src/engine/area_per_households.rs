//! `area_per_households`: care floor area per 100 households (配建标准).
//!
//! New areas are judged by the facilities that `serve` them (or their pool); existing areas per the
//! smallest admin unit that holds them, by the facilities located there that no new area claims.

use super::kinds::{Judges, Kind};
use super::{fmt_num, label, some_of, Context, Figures, Finding, Layer, Subject, Unit, Verdict, Wording};
use crate::model::{AreaKind, Facility, Tier};
use crate::rules::parse::Reader;
use crate::rules::parse::{MAX_AREA_M2, MAX_M2_PER_100_HOUSEHOLDS};
use geo::Geometry;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Floor area of care facilities per 100 households (配建标准).
#[derive(Debug, Clone)]
pub struct AreaPerHouseholds {
    pub area_kind: AreaKind,
    pub m2_per_100_households: f64,
    pub min_single_site_m2: Option<f64>,
    pub tiers: Vec<Tier>,
}

impl Kind for AreaPerHouseholds {
    const NAME: &'static str = "area_per_households";

    fn parse(p: &mut Reader) -> Option<Self> {
        let area_kind = p.choice("kind", AreaKind::parse, &AreaKind::accepted());
        let m2 = p.positive("m2_per_100_households", MAX_M2_PER_100_HOUSEHOLDS);
        let min_single_site_m2 = p.optional_positive("min_single_site_m2", MAX_AREA_M2);
        let tiers = p.tiers("tiers");
        p.unknown_keys(&["kind", "m2_per_100_households", "min_single_site_m2", "tiers"]);
        if area_kind == Some(AreaKind::Existing) && min_single_site_m2.is_some() {
            p.problem(
                "min_single_site_m2",
                "applies to new areas only (kind = \"new\")".into(),
            );
            return None;
        }
        Some(AreaPerHouseholds {
            area_kind: area_kind?,
            m2_per_100_households: m2?,
            min_single_site_m2,
            tiers,
        })
    }

    fn single_site_m2(&self) -> Option<f64> {
        self.min_single_site_m2
    }

    fn judges(&self) -> Judges<'_> {
        match self.area_kind {
            // New areas (and their pools) one by one.
            AreaKind::New => Judges::Features,
            AreaKind::Existing => Judges::ExistingAreasByUnit,
        }
    }

    fn judge(&self, cx: &Context) -> Verdict {
        match self.area_kind {
            AreaKind::New => new_areas(self, cx),
            AreaKind::Existing => existing_areas(self, cx),
        }
    }
}

/// A subject of the quota: one area, a pool of areas, or (existing areas) an admin unit.
/// Borrows its id and name from the dataset where it can: most subjects pass and need no copy.
struct Quota<'a> {
    key: Subject,
    layer: Layer,
    id: Cow<'a, str>,
    name: Cow<'a, str>,
    geometry: Arc<Geometry<f64>>,
    households: u64,
    facilities: Vec<usize>,
    members: Vec<String>,
}

fn new_areas(rule: &AreaPerHouseholds, cx: &Context) -> Verdict {
    let areas = &cx.dataset.residential_areas;
    let facilities = &cx.dataset.facilities;
    let mut serving: Vec<Vec<usize>> = vec![Vec::new(); areas.len()];
    for (fi, f) in cx.counted(&rule.tiers) {
        for id in &f.serves {
            if let Some(ai) = cx.area(id) {
                serving[ai].push(fi);
            }
        }
    }
    // Areas sharing a pool id meet their quota together; the pool keeps the order of its first area.
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    let mut pool_slot: BTreeMap<&str, usize> = BTreeMap::new();
    for (ai, a) in areas.iter().enumerate().filter(|(_, a)| a.kind == AreaKind::New) {
        match a.pool.as_deref() {
            Some(pool) => {
                let slot = *pool_slot.entry(pool).or_insert_with(|| {
                    groups.push((Some(pool), Vec::new()));
                    groups.len() - 1
                });
                groups[slot].1.push(ai);
            }
            None => groups.push((None, vec![ai])),
        }
    }
    let subjects = groups.into_iter().map(|(pool, mut members)| {
        // A pool is listed, and placed in its unit, by its member of smallest id: the file's order of
        // features must not decide which community a pool that straddles two is counted in.
        if pool.is_some() {
            members.sort_by(|&x, &y| areas[x].id.cmp(&areas[y].id));
        }
        let mut fs: Vec<usize> = members.iter().flat_map(|&ai| serving[ai].iter().copied()).collect();
        fs.sort_unstable();
        fs.dedup();
        let households = members.iter().map(|&ai| areas[ai].households).sum();
        match pool {
            Some(pool) => Quota {
                key: Subject::Pool(members[0]),
                layer: Layer::Pools,
                id: Cow::Borrowed(pool),
                name: Cow::Owned(format!("集中配建 pool {pool}")),
                geometry: Arc::new(pool_geometry(members.iter().map(|&ai| &*areas[ai].geometry))),
                households,
                facilities: fs,
                members: members.iter().map(|&ai| areas[ai].id.clone()).collect(),
            },
            None => {
                let a = &areas[members[0]];
                Quota {
                    key: Subject::Area(members[0]),
                    layer: Layer::ResidentialAreas,
                    id: Cow::Borrowed(&a.id),
                    name: Cow::Borrowed(&a.name),
                    geometry: a.geometry.clone(),
                    households,
                    facilities: fs,
                    members: vec![],
                }
            }
        }
    });
    let mut verdict = quota(rule, subjects.collect(), facilities);

    if let Some(min) = rule.min_single_site_m2 {
        let mut seen = HashSet::new();
        for fi in serving
            .iter()
            .enumerate()
            .filter(|(ai, _)| areas[*ai].kind == AreaKind::New)
            .flat_map(|(_, fs)| fs)
        {
            if !seen.insert(*fi) {
                continue;
            }
            let f = &facilities[*fi];
            if f.floor_area_m2 >= min {
                verdict.passed(Subject::Facility(*fi), Some(f.floor_area_m2), min, Unit::SquareMetres);
            } else {
                let place = Subject::Facility(*fi);
                let found = Finding::about(Layer::Facilities, &f.id, &f.name, f.geometry.clone())
                    .figures(Some(f.floor_area_m2), min, Unit::SquareMetres)
                    .says(format!(
                        "{}单处用房{}平方米，低于单处最低{}平方米 — single site of {} m² is below the minimum single site of {} m²",
                        label(&f.name, &f.id),
                        fmt_num(f.floor_area_m2),
                        fmt_num(min),
                        fmt_num(f.floor_area_m2),
                        fmt_num(min)
                    ))
                    .resting_on(vec![f.id.clone()]);
                verdict.failed(place, found);
            }
        }
    }
    verdict
}

fn existing_areas(rule: &AreaPerHouseholds, cx: &Context) -> Verdict {
    let d = cx.dataset;
    let facility_units = cx.facility_units();
    let new_ids: HashSet<&str> = d
        .residential_areas
        .iter()
        .filter(|a| a.kind == AreaKind::New)
        .map(|a| a.id.as_str())
        .collect();
    let claimed = |f: &Facility| f.serves.iter().any(|id| new_ids.contains(id.as_str()));

    // Existing areas grouped by the smallest unit holding them; areas in no unit stand alone.
    // Located here, only the existing areas: a new city's million areas hold few existing ones, and the
    // units of every area are a table of their own.
    let locator = cx.locator();
    let existing: Vec<(usize, Option<usize>)> = d
        .residential_areas
        .par_iter()
        .enumerate()
        .filter(|(_, a)| a.kind == AreaKind::Existing)
        .map(|(ai, a)| (ai, cx.smallest_unit(&locator.units_at(a.location))))
        .collect();
    let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut alone = Vec::new();
    for (ai, unit) in existing {
        match unit {
            Some(u) => by_unit.entry(u).or_default().push(ai),
            None => alone.push(ai),
        }
    }
    let mut unit_facilities: Vec<Vec<usize>> = vec![Vec::new(); d.admin_units.len()];
    for (fi, _) in cx.counted(&rule.tiers).filter(|(_, f)| !claimed(f)) {
        for &u in &facility_units[fi] {
            unit_facilities[u].push(fi);
        }
    }
    let mut subjects = Vec::new();
    for (u, members) in by_unit {
        let unit = &d.admin_units[u];
        let facilities = std::mem::take(&mut unit_facilities[u]);
        subjects.push(Quota {
            key: Subject::Unit(u),
            layer: Layer::AdminUnits,
            id: Cow::Borrowed(&unit.code),
            name: Cow::Borrowed(&unit.name),
            geometry: Arc::new(Geometry::MultiPolygon(unit.boundary.clone())),
            households: members.iter().map(|&ai| d.residential_areas[ai].households).sum(),
            facilities,
            members: members.iter().map(|&ai| d.residential_areas[ai].id.clone()).collect(),
        });
    }
    for ai in &alone {
        let a = &d.residential_areas[*ai];
        subjects.push(Quota {
            key: Subject::Area(*ai),
            layer: Layer::ResidentialAreas,
            id: Cow::Borrowed(&a.id),
            name: Cow::Borrowed(&a.name),
            geometry: a.geometry.clone(),
            households: a.households,
            facilities: vec![],
            members: vec![],
        });
    }
    let mut verdict = quota(rule, subjects, &d.facilities);
    if !alone.is_empty() {
        verdict.notes.push(format!(
            "{} existing area(s) lie in no admin unit and were judged alone, with no facility counted",
            alone.len()
        ));
    }
    verdict
}

/// Judges each subject's provided floor area against households × m² per 100 households.
fn quota(rule: &AreaPerHouseholds, subjects: Vec<Quota>, facilities: &[Facility]) -> Verdict {
    // Judged on every core (a city has hundreds of thousands of new areas), gathered in subject order.
    let none_counted: Arc<dyn Wording> = Arc::new(NoneCounted {
        m2_per_100_households: rule.m2_per_100_households,
    });
    let judged: Vec<(Subject, f64, f64, Option<Finding>)> = subjects
        .into_par_iter()
        .map(|s| judge_quota(rule, s, facilities, &none_counted))
        .collect();
    let mut verdict = Verdict::default();
    for (key, provided, required, finding) in judged {
        match finding {
            Some(f) => verdict.failed(key, f),
            None => verdict.passed(key, Some(provided), required, Unit::SquareMetres),
        }
    }
    verdict
}

/// One subject's provided and required floor area, and the finding when it falls short.
fn judge_quota(
    rule: &AreaPerHouseholds,
    s: Quota,
    facilities: &[Facility],
    none_counted: &Arc<dyn Wording>,
) -> (Subject, f64, f64, Option<Finding>) {
    // `Sum` of no f64 is -0.0; adding 0.0 keeps an empty total printable as 0.
    let provided: f64 = 0.0 + s.facilities.iter().map(|&fi| facilities[fi].floor_area_m2).sum::<f64>();
    let required = s.households as f64 * rule.m2_per_100_households / 100.0;
    if provided >= required {
        return (s.key, provided, required, None);
    }
    let found =
        Finding::about(s.layer, &s.id, &s.name, s.geometry).figures(Some(provided), required, Unit::SquareMetres);
    if s.facilities.is_empty() && s.members.is_empty() {
        // Most failing areas of a large city: worded when written.
        let figures = Figures {
            number: s.households as f64,
            name: None,
        };
        return (s.key, provided, required, Some(found.worded_by(none_counted, figures)));
    }
    let counted = if s.facilities.is_empty() {
        "无 none".to_string()
    } else {
        let counted: Vec<String> = s
            .facilities
            .iter()
            .map(|&fi| {
                format!(
                    "{} {} m²",
                    label(&facilities[fi].name, &facilities[fi].id),
                    fmt_num(facilities[fi].floor_area_m2)
                )
            })
            .collect::<Vec<_>>();
        some_of(&counted, "、")
    };
    let members = if s.members.is_empty() {
        String::new()
    } else {
        format!("; areas {}", some_of(&s.members, ", "))
    };
    let message = Shortfall {
        finding: &found,
        households: s.households,
        m2_per_100_households: rule.m2_per_100_households,
        counted: &counted,
        members: &members,
    }
    .to_string();
    let ids = s.facilities.iter().map(|&fi| facilities[fi].id.clone()).collect();
    (s.key, provided, required, Some(found.says(message).resting_on(ids)))
}

/// The sentence of every shortfall of this kind: "N households need X m² at R m² per 100 households;
/// counted P m²", with what was counted and a pool's areas; the subject, X and P are the finding's own.
struct Shortfall<'a> {
    finding: &'a Finding,
    households: u64,
    m2_per_100_households: f64,
    counted: &'a str,
    /// `; areas …` for a pool, else nothing.
    members: &'a str,
}

impl fmt::Display for Shortfall<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shortfall {
            finding,
            households,
            counted,
            members,
            ..
        } = self;
        let ratio = fmt_num(self.m2_per_100_households);
        let required = fmt_num(finding.required);
        let provided = fmt_num(finding.measured.unwrap_or(0.0));
        write!(
            out,
            "{}共{households}户，按每百户{ratio}平方米应配{required}平方米，已计入{provided}平方米（{counted}）— \
             {households} households need {required} m² at {ratio} m² per 100 households; counted {provided} m²{members}",
            label(&finding.name, &finding.id),
        )
    }
}

/// A subject with no facility counted for it: "N households need X m²; counted 0 m² (none)", the
/// households in the figures, the rest the finding's own.
struct NoneCounted {
    m2_per_100_households: f64,
}

impl Wording for NoneCounted {
    fn word(&self, finding: &Finding, figures: &Figures, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sentence = Shortfall {
            finding,
            households: figures.number as u64,
            m2_per_100_households: self.m2_per_100_households,
            counted: "无 none",
            members: "",
        };
        fmt::Display::fmt(&sentence, out)
    }
}

/// A pool's areas as one geometry of one family, as GIS clients need: a MultiPolygon of polygonal areas, a
/// MultiPoint of point areas; only a pool mixing the two is a GeometryCollection.
fn pool_geometry<'a>(members: impl Iterator<Item = &'a Geometry<f64>>) -> Geometry<f64> {
    let members: Vec<&Geometry<f64>> = members.collect();
    let mut polygons = Vec::new();
    let mut points = Vec::new();
    for g in &members {
        match g {
            Geometry::Polygon(p) => polygons.push(p.clone()),
            Geometry::MultiPolygon(mp) => polygons.extend(mp.0.iter().cloned()),
            Geometry::Point(p) => points.push(*p),
            _ => {}
        }
    }
    if points.is_empty() && !polygons.is_empty() {
        Geometry::MultiPolygon(geo::MultiPolygon(polygons))
    } else if polygons.is_empty() && !points.is_empty() {
        Geometry::MultiPoint(geo::MultiPoint(points))
    } else {
        Geometry::GeometryCollection(geo::GeometryCollection(members.into_iter().cloned().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Level, Mode, Status, Tier};

    fn rule(kind: AreaKind, m2: f64, min: Option<f64>) -> AreaPerHouseholds {
        AreaPerHouseholds {
            area_kind: kind,
            m2_per_100_households: m2,
            min_single_site_m2: min,
            tiers: Tier::COMMUNITY.to_vec(),
        }
    }

    fn ids(v: &Verdict) -> Vec<(&str, &str)> {
        v.findings.iter().map(|f| (f.layer.key(), f.id.as_str())).collect()
    }

    /// New areas: N1 (2 000 hh → 600 m² at 30/100) served by a 700 m² centre: passes.
    /// N2 (2 000 hh) served by a 380 m² station: short by 220 m², and 380 < 400 single-site.
    /// Pool P: N3 (1 000 hh) + N4 (1 000 hh) → 600 m², served by a planned 650 m² centre:
    /// fails in audit (nothing counted), passes in review.
    fn city() -> crate::model::Dataset {
        let mut d = dataset();
        let mut n3 = area("N3", 1_000, AreaKind::New, 2_000.0, 0.0);
        n3.pool = Some("P".into());
        let mut n4 = area("N4", 1_000, AreaKind::New, 2_100.0, 0.0);
        n4.pool = Some("P".into());
        d.residential_areas = vec![
            area("N1", 2_000, AreaKind::New, 0.0, 0.0),
            area("N2", 2_000, AreaKind::New, 1_000.0, 0.0),
            n3,
            n4,
        ];
        let mut f1 = facility("F1", Tier::DaycareCenter, 700.0, Status::Operating, 0.0, 50.0);
        f1.serves = vec!["N1".into()];
        let mut f2 = facility("F2", Tier::Station, 380.0, Status::HandedOver, 1_000.0, 50.0);
        f2.serves = vec!["N2".into()];
        let mut f3 = facility("F3", Tier::DaycareCenter, 650.0, Status::Planned, 2_050.0, 50.0);
        f3.serves = vec!["N3".into()];
        d.facilities = vec![f1, f2, f3];
        d
    }

    /// An area with nothing counted for it is worded when written: 1 234 households at 30 m² per 100 need
    /// 370.2 m²; none counted.
    #[test]
    fn an_area_with_nothing_counted_says_so_in_full() {
        let mut d = dataset();
        d.residential_areas = vec![area("N5", 1_234, AreaKind::New, 0.0, 0.0)];
        let v = Kind::judge(&rule(AreaKind::New, 30.0, None), &Context::new(&d, Mode::Audit));
        assert_eq!(ids(&v), [("residential_areas", "N5")]);
        assert_eq!(
            v.findings[0].message().to_string(),
            "「N5小区」(N5)共1234户，按每百户30平方米应配370.2平方米，已计入0平方米（无 none）— 1234 households need \
             370.2 m² at 30 m² per 100 households; counted 0 m²"
        );
    }

    #[test]
    fn new_areas_with_pools_and_single_site_minimum() {
        let d = city();
        let v = Kind::judge(&rule(AreaKind::New, 30.0, Some(400.0)), &Context::new(&d, Mode::Audit));
        // Subjects N1, N2, pool P; single sites F1, F2 (F3 is planned: not counted in audit).
        assert_eq!(v.checked.len(), 5);
        assert_eq!(
            ids(&v),
            [("residential_areas", "N2"), ("pools", "P"), ("facilities", "F2")]
        );
        let n2 = &v.findings[0];
        assert_eq!((n2.measured, n2.required), (Some(380.0), 600.0));
        assert_eq!(n2.facilities, ["F2"]);
        assert_eq!((v.findings[1].measured, v.findings[1].required), (Some(0.0), 600.0));

        let v = Kind::judge(&rule(AreaKind::New, 30.0, Some(400.0)), &Context::new(&d, Mode::Review));
        assert_eq!(ids(&v), [("residential_areas", "N2"), ("facilities", "F2")]);
    }

    /// Community C (0-1 km) holds existing areas E1 (1 500 hh) and E2 (1 000 hh): 2 500 hh need
    /// 500 m² at 20/100. It holds a 300 m² station and F1 (700 m², claimed by new area N1, so not
    /// counted): 300 < 500 fails. Community K (2-3 km) holds E3 (500 hh → 100 m²) and a 150 m² station.
    #[test]
    fn existing_areas_judged_per_community() {
        let mut d = dataset();
        d.admin_units = vec![
            unit("S", Level::Street, None, (-500.0, -500.0, 3_500.0, 1_000.0)),
            unit("C", Level::Community, Some("S"), (-500.0, -500.0, 1_000.0, 1_000.0)),
            unit("K", Level::Community, Some("S"), (2_000.0, -500.0, 3_000.0, 1_000.0)),
        ];
        d.residential_areas = vec![
            area("E1", 1_500, AreaKind::Existing, 100.0, 100.0),
            area("E2", 1_000, AreaKind::Existing, 600.0, 100.0),
            area("E3", 500, AreaKind::Existing, 2_500.0, 100.0),
            area("N1", 800, AreaKind::New, 300.0, 600.0),
        ];
        let mut f1 = facility("F1", Tier::DaycareCenter, 700.0, Status::Operating, 300.0, 650.0);
        f1.serves = vec!["N1".into()];
        d.facilities = vec![
            f1,
            facility("S1", Tier::Station, 300.0, Status::Operating, 400.0, 300.0),
            facility("S2", Tier::Station, 150.0, Status::Operating, 2_500.0, 300.0),
        ];
        let v = Kind::judge(&rule(AreaKind::Existing, 20.0, None), &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 2);
        assert_eq!(ids(&v), [("admin_units", "C")]);
        assert_eq!((v.findings[0].measured, v.findings[0].required), (Some(300.0), 500.0));
        assert_eq!(v.findings[0].facilities, ["S1"]);
        assert!(
            v.findings[0].message().to_string().contains("E1, E2"),
            "{}",
            v.findings[0].message()
        );
    }

    #[test]
    fn a_pool_is_one_geometry_family() {
        let a = (*area("A", 10, AreaKind::New, 0.0, 0.0).geometry).clone();
        let b = (*area("B", 10, AreaKind::New, 100.0, 0.0).geometry).clone();
        let p = Geometry::Point(at(50.0, 50.0));
        assert!(matches!(pool_geometry([&a, &b].into_iter()), Geometry::MultiPolygon(mp) if mp.0.len() == 2));
        assert!(matches!(pool_geometry([&p, &p].into_iter()), Geometry::MultiPoint(m) if m.0.len() == 2));
        assert!(matches!(
            pool_geometry([&a, &p].into_iter()),
            Geometry::GeometryCollection(_)
        ));
    }
}
