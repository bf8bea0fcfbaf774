//! Small hand-made datasets for the rule kinds' tests, laid out in metres around one origin.

use crate::crs::Crs;
use crate::model::*;
use geo::{Destination, Geodesic, Geometry, LineString, MultiPolygon, Point, Polygon};

/// 马尾 (Mawei): every fixture is laid out in metres east and north of here.
pub const ORIGIN: (f64, f64) = (119.44, 25.99);

/// The point `east` metres east and `north` metres north of the origin.
pub fn at(east: f64, north: f64) -> Point<f64> {
    let p = Geodesic.destination(Point::new(ORIGIN.0, ORIGIN.1), 0.0, north);
    Geodesic.destination(p, 90.0, east)
}

/// A rectangle between two corners given in metres from the origin.
pub fn rect(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    let corners = [
        at(west, south),
        at(east, south),
        at(east, north),
        at(west, north),
        at(west, south),
    ];
    Polygon::new(
        LineString::from(corners.iter().map(|p| (p.x(), p.y())).collect::<Vec<_>>()),
        vec![],
    )
}

pub fn dataset() -> Dataset {
    Dataset {
        name: "fixture".into(),
        source_crs: Crs::Wgs84,
        as_of: Date::from_ymd(2024, 12, 31).expect("valid"),
        admin_units: vec![],
        residential_areas: vec![],
        facilities: vec![],
        roads: vec![],
        candidates: vec![],
    }
}

/// A residential area: a 40 m square centred `east`/`north` metres from the origin.
pub fn area(id: &str, households: u64, kind: AreaKind, east: f64, north: f64) -> ResidentialArea {
    let polygon = rect(east - 20.0, north - 20.0, east + 20.0, north + 20.0);
    ResidentialArea {
        id: id.into(),
        name: format!("{id}小区"),
        households,
        kind,
        delivered: None,
        pool: None,
        location: geo::Centroid::centroid(&polygon).expect("non-empty"),
        geometry: Geometry::Polygon(polygon).into(),
    }
}

pub fn facility(id: &str, tier: Tier, floor_area_m2: f64, status: Status, east: f64, north: f64) -> Facility {
    Facility::at_point(
        id.into(),
        format!("{id}站"),
        tier,
        floor_area_m2,
        status,
        at(east, north),
    )
}

pub fn unit(code: &str, level: Level, parent: Option<&str>, bounds: (f64, f64, f64, f64)) -> AdminUnit {
    AdminUnit {
        code: code.into(),
        name: format!("{code}单元"),
        level,
        parent: parent.map(str::to_string),
        population: None,
        elderly: None,
        households: None,
        central: None,
        boundary: MultiPolygon(vec![rect(bounds.0, bounds.1, bounds.2, bounds.3)]),
    }
}

/// A candidate site (idle building) at a point, with its floor area when known.
pub fn candidate(id: &str, floor_area_m2: Option<f64>, east: f64, north: f64) -> Candidate {
    let location = at(east, north);
    Candidate {
        id: id.into(),
        name: format!("{id}闲置用房"),
        floor_area_m2,
        geometry: Geometry::Point(location).into(),
        location,
    }
}

/// A walkable road through points given in metres from the origin.
pub fn road(points: &[(f64, f64)]) -> Road {
    let line = LineString::from(
        points
            .iter()
            .map(|&(e, n)| (at(e, n).x(), at(e, n).y()))
            .collect::<Vec<_>>(),
    );
    Road {
        walkable: true,
        geometry: geo::MultiLineString(vec![line]),
    }
}

/// A finding as a radius rule makes one: R1 is 812.5 m from its nearest station, 700 m allowed.
pub fn finding() -> crate::engine::Finding {
    crate::engine::Finding {
        rule: "t/radius".into(),
        severity: crate::rules::Severity::Error,
        layer: crate::engine::Layer::ResidentialAreas,
        id: "R1".into(),
        name: "R1小区".into(),
        measured: Some(812.5),
        required: 700.0,
        unit: crate::engine::Unit::Metres,
        message: "距最近的站 812.5米 — nearest station 812.5 m".into(),
        geometry: Geometry::Point(at(0.0, 0.0)).into(),
        facilities: vec!["S1".into()],
    }
}
