//! `attribute_share`: a share of counted facilities of some tiers have a yes/no property
//! (e.g. every daycare centre serves meals, 助餐).

use super::kinds::Kind;
use super::{label, tier_list, Context, Finding, Layer, Subject, Unit, Verdict};
use crate::model::{Facility, Tier};
use crate::rules::parse::Reader;
use crate::rules::FacilityAttribute;

/// A share of counted facilities of some tiers have a yes/no property.
#[derive(Debug, Clone)]
pub struct AttributeShare {
    pub tiers: Vec<Tier>,
    pub attribute: FacilityAttribute,
    pub target: f64,
}

impl Kind for AttributeShare {
    const NAME: &'static str = "attribute_share";

    fn parse(p: &mut Reader) -> Option<Self> {
        let tiers = p.tiers("tiers");
        let attribute = match p.string("attribute").as_deref() {
            Some("meal_service") => Some(FacilityAttribute::MealService),
            Some(other) => {
                p.problem(
                    "attribute",
                    format!("unknown facility attribute \"{other}\": expected meal_service"),
                );
                None
            }
            None => None,
        };
        let target = p.target();
        p.unknown_keys(&["tiers", "attribute", "target"]);
        Some(AttributeShare {
            tiers,
            attribute: attribute?,
            target: target?,
        })
    }

    fn target(&self) -> f64 {
        self.target
    }

    fn judge(&self, cx: &Context) -> Verdict {
        let mut verdict = Verdict::default();
        let value = |f: &Facility| match self.attribute {
            FacilityAttribute::MealService => f.meal_service,
        };
        let key = self.attribute.key();
        for (i, f) in cx.counted(&self.tiers) {
            let place = Subject::Facility(i);
            let has = value(f);
            if has == Some(true) {
                verdict.passed(place, Some(1.0), 1.0, Unit::Count);
                continue;
            }
            let (chinese, english) = match has {
                Some(_) => ("否", "false"),
                None => ("未填写", "not given"),
            };
            verdict.failed(
                place,
                Finding::about(Layer::Facilities, &f.id, &f.name, f.geometry.clone())
                    .figures(Some(0.0), 1.0, Unit::Count)
                    .says(format!(
                        "{}的{}为{} — {} is {english}",
                        label(&f.name, &f.id),
                        key,
                        chinese,
                        key
                    ))
                    .resting_on(vec![f.id.clone()]),
            );
        }
        if verdict.checked.is_empty() {
            verdict
                .notes
                .push(format!("no counted facility of tiers {}", tier_list(&self.tiers)));
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{Mode, Status, Tier};

    #[test]
    fn daycare_centres_serve_meals() {
        let mut d = dataset();
        let with = |id: &str, meal: Option<bool>, status: Status| {
            let mut f = facility(id, Tier::DaycareCenter, 500.0, status, 0.0, 0.0);
            f.meal_service = meal;
            f
        };
        d.facilities = vec![
            with("D1", Some(true), Status::Operating),
            with("D2", Some(false), Status::Operating),
            with("D3", None, Status::Operating),
            with("D4", Some(false), Status::Planned),
            with("D5", Some(true), Status::Operating),
        ];
        let rule = AttributeShare {
            tiers: vec![Tier::DaycareCenter],
            attribute: FacilityAttribute::MealService,
            target: 1.0,
        };
        let v = Kind::judge(&rule, &Context::new(&d, Mode::Audit));
        assert_eq!(v.checked.len(), 4);
        let ids: Vec<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["D2", "D3"]);
        assert!(v.findings[1].message().to_string().contains("not given"));
        assert_eq!(crate::engine::rate(&v.checked), 0.5);
    }
}
