//! `service_radius`: every residential area lies within reach of a counted facility.

use super::{fmt_num, label, tier_list, Checked, Context, Finding, Layer, Place, Unit, Verdict};
use crate::rules::{Metric, ServiceRadius};
use crate::spatial::{Nearest, SurfaceIndex};
use rayon::prelude::*;

pub(super) fn judge(rule: &ServiceRadius, cx: &Context) -> Verdict {
    let facilities = &cx.dataset.facilities;
    let index = SurfaceIndex::new(cx.counted(&rule.tiers).map(|(i, f)| (i, f.location)));
    let mut notes = vec![match rule.metric {
        Metric::Euclidean => "直线距离 straight-line geodesic distance".to_string(),
        Metric::Network => {
            "直线距离 straight-line geodesic distance: the network metric is not implemented yet, so the \
             walking distance was not measured"
                .to_string()
        }
    }];
    if index.is_empty() {
        notes.push(format!("no counted facility of tiers {}", tier_list(&rule.tiers)));
    }
    let op = if rule.strict { "<" } else { "≤" };
    let areas = &cx.dataset.residential_areas;
    let failing: Vec<(usize, Option<Nearest>)> = areas
        .par_iter()
        .enumerate()
        .filter(|(_, a)| !index.any_within(a.location, rule.radius_m, rule.strict))
        .map(|(i, a)| (i, index.nearest(a.location)))
        .collect();
    let mut checked: Vec<Checked> = areas
        .iter()
        .map(|a| Checked {
            place: Place::Point(a.location),
            weight: a.households as f64,
            passed: true,
        })
        .collect();
    for (i, _) in &failing {
        checked[*i].passed = false;
    }

    let findings = failing
        .into_iter()
        .map(|(i, nearest)| {
            let area = &areas[i];
            let (measured, message, ids) = match nearest {
                Some(n) => {
                    let f = &facilities[n.index];
                    (
                        Some(n.distance_m),
                        format!(
                            "距最近的已计入设施{}{}米，要求{}{}米 — nearest counted facility {} is {} m away; required {op} {} m",
                            label(&f.name, &f.id),
                            fmt_num(n.distance_m),
                            op,
                            fmt_num(rule.radius_m),
                            f.id,
                            fmt_num(n.distance_m),
                            fmt_num(rule.radius_m)
                        ),
                        vec![f.id.clone()],
                    )
                }
                None => (
                    None,
                    format!("无已计入的{0}设施 — no counted facility of tiers {0} at all", tier_list(&rule.tiers)),
                    vec![],
                ),
            };
            Finding {
                rule: String::new(),
                severity: crate::rules::Severity::Error,
                layer: Layer::ResidentialAreas,
                id: area.id.clone(),
                name: area.name.clone(),
                measured,
                required: rule.radius_m,
                unit: Unit::Metres,
                message,
                geometry: area.geometry.clone(),
                facilities: ids,
            }
        })
        .collect();
    Verdict {
        checked,
        findings,
        notes,
    }
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
        let v = judge(&rule(700.0, true), &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 3);
        let ids: Vec<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["B", "C"]);
        // Household-weighted: only A's 100 of 1 000 households are covered.
        assert!((crate::engine::rate(&v.checked) - 0.1).abs() < 1e-9);
        let b = &v.findings[0];
        assert!((b.measured.unwrap() - 1_200.0).abs() < 1.0, "{:?}", b.measured);
        assert_eq!(b.facilities, ["F1"]);
        assert!(b.message.contains("F1") && b.message.contains("1200"), "{}", b.message);
    }

    #[test]
    fn review_counts_planned_facilities() {
        let d = city();
        let v = judge(&rule(700.0, true), &Context::new(&d, Mode::Review));
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
        let v = judge(&rule(700.0, false), &Context::new(&d, Mode::Audit));
        assert_eq!(v.findings.len(), 3);
        assert!(v.findings.iter().all(|f| f.measured.is_none()));
        assert_eq!(crate::engine::rate(&v.checked), 0.0);
    }
}
