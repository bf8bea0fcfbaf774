//! Checks a raw geometry — type, ring closure, coordinate ranges, swapped axes, validity — and
//! converts it to WGS84.

use super::source::RawGeometry;
use crate::crs::{Converter, Crs};
use geo::winding_order::Winding;
use geo::{Centroid, CoordsIter, Geometry, MapCoords, Point, Validation};

/// The geometry types a layer accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Polygon or MultiPolygon.
    Polygonal,
    /// Polygon, MultiPolygon or Point.
    PolygonalOrPoint,
    /// Point or Polygon.
    PointOrPolygon,
    /// LineString or MultiLineString.
    Linear,
}

impl Shape {
    fn expected(self) -> &'static str {
        match self {
            Shape::Polygonal => "Polygon or MultiPolygon",
            Shape::PolygonalOrPoint => "Polygon, MultiPolygon or Point",
            Shape::PointOrPolygon => "Point or Polygon",
            Shape::Linear => "LineString or MultiLineString",
        }
    }

    fn accepts(self, g: &Geometry<f64>) -> bool {
        matches!(
            (self, g),
            (
                Shape::Polygonal | Shape::PolygonalOrPoint,
                Geometry::Polygon(_) | Geometry::MultiPolygon(_)
            ) | (Shape::PolygonalOrPoint | Shape::PointOrPolygon, Geometry::Point(_))
                | (Shape::PointOrPolygon, Geometry::Polygon(_))
                | (Shape::Linear, Geometry::LineString(_) | Geometry::MultiLineString(_))
        )
    }
}

/// Checks `raw` and returns it in WGS84, or every problem found (as messages for the `geometry` property).
pub fn prepare(raw: Option<&RawGeometry>, shape: Shape, converter: &Converter) -> Result<Geometry<f64>, Vec<String>> {
    let Some(raw) = raw else {
        return Err(vec![format!(
            "缺少几何 missing: expected a {} geometry",
            shape.expected()
        )]);
    };
    let geometry = match raw {
        RawGeometry::GeoJson(g) => {
            // The conversion below indexes [0] and [1] of every position: look first.
            if let Some(problem) = short_position(&g.value) {
                return Err(vec![problem]);
            }
            let mut problems = ring_problems(&g.value);
            let converted =
                Geometry::<f64>::try_from(&g.value).map_err(|e| vec![format!("not a usable geometry: {e}")])?;
            if !shape.accepts(&converted) {
                return Err(vec![format!(
                    "wrong geometry type {}: expected {}",
                    type_name(&converted),
                    shape.expected()
                )]);
            }
            if !problems.is_empty() {
                problems.sort();
                return Err(problems);
            }
            converted
        }
        RawGeometry::Unreadable => return Err(Vec::new()),
        RawGeometry::Parsed(g) => {
            if !shape.accepts(g) {
                return Err(vec![format!(
                    "wrong geometry type {}: expected {}",
                    type_name(g),
                    shape.expected()
                )]);
            }
            g.clone()
        }
    };
    if let Some(problem) = range_problem(&geometry, converter.crs()) {
        return Err(vec![problem]);
    }
    if let Some(problem) = outside_china(&geometry, converter.crs()) {
        return Err(vec![problem]);
    }
    let wgs84 = if converter.is_identity() {
        geometry
    } else {
        geometry
            .try_map_coords(|c| converter.to_wgs84(c.x, c.y).map(|(x, y)| geo::coord! { x: x, y: y }))
            .map_err(|e| vec![e.to_string()])?
    };
    let invalid: Vec<String> = match &wgs84 {
        Geometry::Polygon(p) => p.validation_errors().iter().map(ToString::to_string).collect(),
        Geometry::MultiPolygon(p) => p.validation_errors().iter().map(ToString::to_string).collect(),
        Geometry::LineString(l) => l.validation_errors().iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    if invalid.is_empty() {
        Ok(right_hand_rule(wgs84))
    } else {
        Err(invalid
            .into_iter()
            .map(|e| format!("无效几何 invalid geometry: {e}"))
            .collect())
    }
}

/// Exterior rings counter-clockwise and holes clockwise, as RFC 7946 asks of output GeoJSON; Shapefiles store
/// them the other way round.
fn right_hand_rule(mut geometry: Geometry<f64>) -> Geometry<f64> {
    // In place: most rings are already wound so, and a copy of every polygon would double the load's
    // allocations.
    fn orient(p: &mut geo::Polygon<f64>) {
        p.exterior_mut(|e| e.make_ccw_winding());
        p.interiors_mut(|holes| holes.iter_mut().for_each(|h| h.make_cw_winding()));
    }
    match &mut geometry {
        Geometry::Polygon(p) => orient(p),
        Geometry::MultiPolygon(m) => m.0.iter_mut().for_each(orient),
        _ => {}
    }
    geometry
}

/// The representative point: the centroid of a polygon, the point itself.
pub fn representative_point(geometry: &Geometry<f64>) -> Option<Point<f64>> {
    geometry.centroid()
}

fn type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Rings as written in GeoJSON must be closed and have at least four positions.
/// A position with fewer than two numbers, anywhere in the geometry.
fn short_position(value: &geojson::GeometryValue) -> Option<String> {
    use geojson::GeometryValue as V;
    let short = |p: &geojson::Position| p.len() < 2;
    let found = match value {
        V::Point { coordinates } => short(coordinates),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => coordinates.iter().any(short),
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => coordinates.iter().flatten().any(short),
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().flatten().any(short),
        V::GeometryCollection { geometries } => return geometries.iter().find_map(|g| short_position(&g.value)),
    };
    found.then(|| "a position has fewer than two numbers: expected [x, y]".to_string())
}

fn ring_problems(value: &geojson::GeometryValue) -> Vec<String> {
    let polygons: Vec<&geojson::PolygonType> = match value {
        geojson::GeometryValue::Polygon { coordinates: p } => vec![p],
        geojson::GeometryValue::MultiPolygon { coordinates: ps } => ps.iter().collect(),
        _ => return Vec::new(),
    };
    let many = polygons.len() > 1;
    let mut problems = Vec::new();
    for (pi, polygon) in polygons.iter().enumerate() {
        for (ri, ring) in polygon.iter().enumerate() {
            let name = || match (many, ri) {
                (false, 0) => "exterior ring".to_string(),
                (false, r) => format!("interior ring {r}"),
                (true, 0) => format!("polygon {pi} exterior ring"),
                (true, r) => format!("polygon {pi} interior ring {r}"),
            };
            if ring.len() < 4 {
                problems.push(format!(
                    "{} has {} positions: a closed ring needs at least 4",
                    name(),
                    ring.len()
                ));
            } else if ring.first() != ring.last() {
                let (a, b) = (&ring[0], &ring[ring.len() - 1]);
                problems.push(format!(
                    "{} is not closed: it starts at {} and ends at {} (the last position must repeat the first)",
                    name(),
                    position(a),
                    position(b)
                ));
            }
        }
    }
    problems
}

fn position(p: &geojson::Position) -> String {
    format!(
        "[{}]",
        p.as_slice()
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Coordinates outside the CRS's range, with a hint when the axes look swapped.
/// GCJ-02 and BD-09 are defined only over China: their offset is not applied outside it, so a point there
/// means the data is in another CRS. The box is the one the published conversions use.
fn outside_china(geometry: &Geometry<f64>, crs: Crs) -> Option<String> {
    if !matches!(crs, Crs::Gcj02 | Crs::Bd09) {
        return None;
    }
    geometry
        .coords_iter()
        .find(|c| !(72.004..=137.8347).contains(&c.x) || !(0.8293..=55.8271).contains(&c.y))
        .map(|c| {
            format!(
                "({}, {}) lies outside China, where {crs} is not defined: is the dataset's crs right?",
                c.x, c.y
            )
        })
}

fn range_problem(geometry: &Geometry<f64>, crs: Crs) -> Option<String> {
    let mut coords = geometry.coords_iter().peekable();
    coords.peek()?;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in coords {
        if !c.x.is_finite() || !c.y.is_finite() {
            return Some(format!("coordinate ({}, {}) is not a finite number", c.x, c.y));
        }
        min_x = min_x.min(c.x);
        max_x = max_x.max(c.x);
        min_y = min_y.min(c.y);
        max_y = max_y.max(c.y);
    }
    // Formatted only for a message: four floats per feature add up over a million features.
    let span = || format!("x {min_x} … {max_x}, y {min_y} … {max_y}");
    match crs {
        Crs::GaussKruger(gk) => {
            let eastings = gk.easting_range();
            let northings = 0.0..=10_000_000.0;
            let ok = |lo: f64, hi: f64, r: &std::ops::RangeInclusive<f64>| r.contains(&lo) && r.contains(&hi);
            if ok(min_x, max_x, &eastings) && ok(min_y, max_y, &northings) {
                return None;
            }
            if ok(min_y, max_y, &eastings) && ok(min_x, max_x, &northings) {
                return Some(format!(
                    "坐标轴颠倒 axes look swapped ({}): carecircle reads easting first, then northing, \
                     whatever axis order EPSG:{} declares",
                    span(),
                    gk.epsg()
                ));
            }
            if gk.zone_prefixed() && (100_000.0..=900_000.0).contains(&min_x) && max_x <= 900_000.0 {
                return Some(format!(
                    "eastings out of range ({}): EPSG:{} expects the zone number {} in front \
                     ({:.0} … {:.0}); without it the CRS is EPSG:{}",
                    span(),
                    gk.epsg(),
                    gk.zone(),
                    eastings.start(),
                    eastings.end(),
                    gk.epsg() + 21
                ));
            }
            Some(format!(
                "坐标超出范围 coordinates out of range ({}): EPSG:{} expects eastings {:.0} … {:.0} and northings 0 … 10000000",
                span(),
                gk.epsg(),
                eastings.start(),
                eastings.end()
            ))
        }
        _ => {
            let lon_ok = min_x >= -180.0 && max_x <= 180.0;
            let lat_ok = min_y >= -90.0 && max_y <= 90.0;
            // Mainland China: longitude 73-135, latitude 18-54.
            let looks_swapped_in_china = min_x >= 15.0 && max_x <= 56.0 && min_y >= 70.0 && max_y <= 140.0;
            if (lon_ok && !lat_ok && min_x >= -90.0 && max_x <= 90.0 && min_y >= -180.0 && max_y <= 180.0)
                || looks_swapped_in_china
            {
                return Some(format!(
                    "坐标轴颠倒 axes look swapped ({}): carecircle reads longitude first, then latitude",
                    span()
                ));
            }
            if !lon_ok || !lat_ok {
                return Some(format!(
                    "坐标超出范围 coordinates out of range ({}): {crs} expects longitude -180 … 180 and latitude -90 … 90",
                    span()
                ));
            }
            None
        }
    }
}
