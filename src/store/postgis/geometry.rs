//! postgis_diesel geometries → geo-types (postgis_diesel has no conversion of its own); they are written
//! as hex EWKB (`rows.rs`).

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use postgis_diesel::types as pg;

fn coord(p: &pg::Point) -> Coord<f64> {
    Coord { x: p.x, y: p.y }
}

fn from_line(l: &pg::LineString<pg::Point>) -> LineString<f64> {
    LineString(l.points.iter().map(coord).collect())
}

fn from_polygon(p: &pg::Polygon<pg::Point>) -> Polygon<f64> {
    let mut rings = p.rings.iter().map(|r| LineString(r.iter().map(coord).collect()));
    let exterior = rings.next().unwrap_or_else(|| LineString(vec![]));
    Polygon::new(exterior, rings.collect())
}

/// A geometry read back from PostGIS.
pub fn from_pg(g: &pg::GeometryContainer<pg::Point>) -> Geometry<f64> {
    use pg::GeometryContainer as C;
    match g {
        C::Point(p) => Geometry::Point(coord(p).into()),
        C::LineString(l) => Geometry::LineString(from_line(l)),
        C::Polygon(p) => Geometry::Polygon(from_polygon(p)),
        C::MultiPoint(mp) => Geometry::MultiPoint(mp.points.iter().map(|p| geo::Point::from(coord(p))).collect()),
        C::MultiLineString(ml) => Geometry::MultiLineString(MultiLineString(ml.lines.iter().map(from_line).collect())),
        C::MultiPolygon(mp) => Geometry::MultiPolygon(MultiPolygon(mp.polygons.iter().map(from_polygon).collect())),
        C::GeometryCollection(gc) => {
            Geometry::GeometryCollection(geo::GeometryCollection(gc.geometries.iter().map(from_pg).collect()))
        }
    }
}
