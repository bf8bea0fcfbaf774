//! `synchronous_handover`: a new residential area's care facilities are handed over with its homes
//! (四同步: planned, built, accepted and handed over together).

use super::kinds::Kind;
use super::{label, Context, Finding, Layer, Subject, Unit, Verdict};
use crate::model::{AreaKind, Facility, Status};
use crate::rules::parse::Reader;
use toml::Value;

/// New residential areas get their care facilities handed over with the homes (四同步).
#[derive(Debug, Clone)]
pub struct SynchronousHandover {
    pub grace_days: u32,
}

impl Kind for SynchronousHandover {
    const NAME: &'static str = "synchronous_handover";

    fn parse(p: &mut Reader) -> Option<Self> {
        let grace_days = match p.table.get("grace_days") {
            None => Some(0),
            Some(Value::Integer(n)) if (0..=crate::limits::MAX_GRACE_DAYS).contains(n) => Some(*n as u32),
            Some(_) => {
                p.problem("grace_days", "expected a whole number of days, 0 to 3650".into());
                None
            }
        };
        p.unknown_keys(&["grace_days"]);
        Some(SynchronousHandover {
            grace_days: grace_days?,
        })
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let d = cx.dataset;
        let mut serving: Vec<Vec<&Facility>> = vec![Vec::new(); d.residential_areas.len()];
        for f in d.facilities.iter().filter(|f| f.status != Status::Closed) {
            for id in &f.serves {
                if let Some(ai) = cx.area(id) {
                    serving[ai].push(f);
                }
            }
        }
        let mut verdict = Verdict::default();
        let mut undated = 0;
        for (ai, area) in d.residential_areas.iter().enumerate() {
            if area.kind != AreaKind::New {
                continue;
            }
            let Some(delivered) = area.delivered else {
                undated += 1;
                continue;
            };
            if delivered > d.as_of {
                continue;
            }
            let place = Subject::Area(ai);
            let finding = Finding::about(Layer::ResidentialAreas, &area.id, &area.name, area.geometry.clone());
            if serving[ai].is_empty() {
                verdict.failed(
                    place,
                    finding
                        .figures(None, f64::from(self.grace_days), Unit::Days)
                        .says(format!(
                        "{}已于{}交付，但没有配建的养老服务设施 — homes delivered on {} with no facility serving the area",
                        label(&area.name, &area.id),
                        delivered,
                        delivered
                    )),
                );
                continue;
            }
            // Days each facility came after the homes; one not handed over is late by the days until as_of.
            let mut worst: Option<(i64, &Facility)> = None;
            for f in &serving[ai] {
                let handed = matches!(f.status, Status::HandedOver | Status::Operating);
                let late = match (handed, f.handed_over) {
                    (true, Some(day)) => day.days_since(delivered),
                    _ => d.as_of.days_since(delivered).max(1),
                };
                if worst.is_none_or(|(w, _)| late > w) {
                    worst = Some((late, f));
                }
            }
            let Some((late, f)) = worst else { continue };
            if late <= i64::from(self.grace_days) {
                verdict.passed(place, Some(late as f64), f64::from(self.grace_days), Unit::Days);
                continue;
            }
            let handed = matches!(f.status, Status::HandedOver | Status::Operating) && f.handed_over.is_some();
            let message = if handed {
                format!(
                    "{}于{}交付，配建设施{}晚{}天移交 — homes delivered on {}, facility {} handed over {} days later (grace {} days)",
                    label(&area.name, &area.id),
                    delivered,
                    label(&f.name, &f.id),
                    late,
                    delivered,
                    f.id,
                    late,
                    self.grace_days
                )
            } else {
                format!(
                    "{}于{}交付，配建设施{}至{}仍未移交（{}）— homes delivered on {}, facility {} still not handed over on {} ({}, {} days)",
                    label(&area.name, &area.id),
                    delivered,
                    label(&f.name, &f.id),
                    d.as_of,
                    f.status.chinese()[0],
                    delivered,
                    f.id,
                    d.as_of,
                    f.status.key(),
                    late
                )
            };
            verdict.failed(
                place,
                finding
                    .figures(Some(late as f64), f64::from(self.grace_days), Unit::Days)
                    .says(message)
                    .resting_on(serving[ai].iter().map(|f| f.id.clone()).collect()),
            );
        }
        if undated > 0 {
            verdict.notes.push(format!(
                "未判定 not judged: {undated} new area(s) not delivered yet (no delivered date)"
            ));
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::Tier;
    use crate::model::{Date, Mode};

    fn served(id: &str, area: &str, status: Status, handed_over: Option<Date>) -> Facility {
        let mut f = facility(id, Tier::Station, 300.0, status, 0.0, 0.0);
        f.serves = vec![area.into()];
        f.handed_over = handed_over;
        f
    }

    /// as_of 2024-12-31. A: delivered 2023-06-01, facility handed over the same day: passes.
    /// B: delivered 2023-06-01, handed over 2023-09-09 (100 days late). C: delivered 2024-01-01,
    /// facility still building (365 days by as_of). E: delivered, no facility. F: delivered 2025
    /// (after as_of): not checked. G: no delivered date: noted.
    #[test]
    fn facilities_handed_over_with_the_homes() {
        let mut d = dataset();
        let day = |y, m, dd| Date::from_ymd(y, m, dd);
        let mut areas = Vec::new();
        for (id, delivered) in [
            ("A", day(2023, 6, 1)),
            ("B", day(2023, 6, 1)),
            ("C", day(2024, 1, 1)),
            ("E", day(2024, 3, 1)),
            ("F", day(2025, 3, 1)),
            ("G", None),
        ] {
            let mut a = area(id, 500, AreaKind::New, 0.0, 0.0);
            a.delivered = delivered;
            areas.push(a);
        }
        d.residential_areas = areas;
        d.facilities = vec![
            served("FA", "A", Status::Operating, day(2023, 6, 1)),
            served("FB", "B", Status::HandedOver, day(2023, 9, 9)),
            served("FC", "C", Status::Building, None),
            served("FF", "F", Status::Planned, None),
        ];
        let rule = SynchronousHandover { grace_days: 0 };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 4);
        let got: Vec<(&str, Option<f64>)> = v.findings.iter().map(|f| (f.id.as_str(), f.measured)).collect();
        assert_eq!(got, [("B", Some(100.0)), ("C", Some(365.0)), ("E", None)]);
        assert!(v.notes.iter().any(|n| n.contains("1 new area")), "{:?}", v.notes);
        let lenient = Kind::judge(&SynchronousHandover { grace_days: 120 }, &Context::new(&d, Mode::Audit));
        assert_eq!(lenient.findings.len(), 2);
    }
}
