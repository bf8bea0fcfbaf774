//! What an account's scope lets it see: the admin units it names (辖区). A feature lies in scope when the
//! district, street or community holding it — placed as the ledger places findings
//! ([`crate::engine::ledger::place`]: an admin unit by its `parent` chain, anything else by the unit that
//! holds its representative point, the unit of smallest code on a shared boundary) — is one the scope
//! names. So a street's account sees the street, its communities and what lies in them, and a run's
//! findings there are exactly those its `units` place in them. No I/O.
//!
//! ```
//! use carecircle_core::scope::Scope;
//! let street = Scope::new(&["350105001".to_string()]).unwrap();
//! assert!(street.holds_codes(["350105", "350105001", "350105001003"]));
//! assert!(!street.holds_codes(["350105", "350105100"]));
//! assert!(Scope::new(&[]).is_none(), "no codes: the whole city");
//! ```

use crate::engine::{place, Place};
use crate::model::Dataset;
use std::collections::BTreeSet;

/// The admin-unit codes an account acts in; never empty (an account without codes has the whole city).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    codes: BTreeSet<String>,
}

impl Scope {
    /// The scope of these codes, or `None` for none: the whole city.
    pub fn new(codes: &[String]) -> Option<Scope> {
        (!codes.is_empty()).then(|| Scope {
            codes: codes.iter().cloned().collect(),
        })
    }

    /// The codes, in order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }

    /// Whether one of the codes placing something (its district, street and community) is in scope.
    pub fn holds_codes<'a>(&self, placed: impl IntoIterator<Item = &'a str>) -> bool {
        placed.into_iter().any(|c| self.codes.contains(c))
    }

    /// Which features of a dataset layer (`admin_units`, `residential_areas`, `facilities`, `roads`,
    /// `candidates`) lie in scope, by their index in the layer. A road is placed by its centroid.
    pub fn layer(&self, dataset: &Dataset, layer: &str) -> Vec<bool> {
        let places: Vec<Place> = match layer {
            "admin_units" => (0..dataset.admin_units.len()).map(Place::Unit).collect(),
            "residential_areas" => dataset
                .residential_areas
                .iter()
                .map(|a| Place::Point(a.location))
                .collect(),
            "facilities" => dataset.facilities.iter().map(|f| Place::Point(f.location)).collect(),
            "roads" => dataset
                .roads
                .iter()
                .map(|r| geo::Centroid::centroid(&r.geometry).map_or(Place::Nowhere, Place::Point))
                .collect(),
            "candidates" => dataset.candidates.iter().map(|c| Place::Point(c.location)).collect(),
            _ => Vec::new(),
        };
        self.places(dataset, places)
    }

    /// Which of these places lie in scope, placed in the dataset's admin units.
    pub fn places(&self, dataset: &Dataset, places: impl IntoIterator<Item = Place>) -> Vec<bool> {
        place(dataset, places)
            .into_iter()
            .map(|units| {
                self.holds_codes(
                    units
                        .into_iter()
                        .flatten()
                        .map(|u| dataset.admin_units[u].code.as_str()),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{AreaKind, Level, Status, Tier};

    /// District D holds streets S1 (west) and S2 (east), S1 holds community C1. Areas A1 in C1, A2 in S2,
    /// A3 outside every unit; a facility in S2; the units themselves.
    fn city() -> Dataset {
        let mut d = dataset();
        d.admin_units = vec![
            unit("D", Level::District, None, (0.0, 0.0, 2_000.0, 1_000.0)),
            unit("S1", Level::Street, Some("D"), (0.0, 0.0, 1_000.0, 1_000.0)),
            unit("S2", Level::Street, Some("D"), (1_000.0, 0.0, 2_000.0, 1_000.0)),
            unit("C1", Level::Community, Some("S1"), (0.0, 0.0, 1_000.0, 1_000.0)),
        ];
        d.residential_areas = vec![
            area("A1", 100, AreaKind::New, 300.0, 500.0),
            area("A2", 100, AreaKind::New, 1_500.0, 500.0),
            area("A3", 100, AreaKind::New, 5_000.0, 5_000.0),
        ];
        d.facilities = vec![facility("F1", Tier::Station, 400.0, Status::Operating, 1_600.0, 400.0)];
        d
    }

    #[test]
    fn a_street_sees_itself_its_communities_and_what_lies_in_them() {
        let d = city();
        let s1 = Scope::new(&["S1".into()]).unwrap();
        assert_eq!(s1.layer(&d, "admin_units"), [false, true, false, true]);
        assert_eq!(s1.layer(&d, "residential_areas"), [true, false, false]);
        assert_eq!(s1.layer(&d, "facilities"), [false]);
        let s2 = Scope::new(&["S2".into()]).unwrap();
        assert_eq!(s2.layer(&d, "residential_areas"), [false, true, false]);
        assert_eq!(s2.layer(&d, "facilities"), [true]);
    }

    #[test]
    fn a_district_sees_all_within_it_and_nothing_outside() {
        let d = city();
        let district = Scope::new(&["D".into()]).unwrap();
        assert_eq!(district.layer(&d, "admin_units"), [true; 4]);
        assert_eq!(district.layer(&d, "residential_areas"), [true, true, false]);
        let community = Scope::new(&["C1".into(), "S2".into()]).unwrap();
        assert_eq!(community.layer(&d, "residential_areas"), [true, true, false]);
        assert_eq!(community.layer(&d, "admin_units"), [false, false, true, true]);
    }

    #[test]
    fn an_unknown_code_sees_nothing() {
        let d = city();
        let elsewhere = Scope::new(&["350105".into()]).unwrap();
        assert!(elsewhere.layer(&d, "residential_areas").iter().all(|held| !held));
        assert!(elsewhere.layer(&d, "admin_units").iter().all(|held| !held));
    }
}
