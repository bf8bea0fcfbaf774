//! geo-types ↔ postgis_diesel geometries (postgis_diesel has no conversion of its own).

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use postgis_diesel::types as pg;

const SRID: Option<u32> = Some(4326);

fn point(c: Coord<f64>) -> pg::Point {
    pg::Point {
        x: c.x,
        y: c.y,
        srid: SRID,
    }
}

fn line(l: &LineString<f64>) -> pg::LineString<pg::Point> {
    pg::LineString {
        points: l.0.iter().map(|c| point(*c)).collect(),
        srid: SRID,
    }
}

fn polygon(p: &Polygon<f64>) -> pg::Polygon<pg::Point> {
    pg::Polygon {
        rings: std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| r.0.iter().map(|c| point(*c)).collect())
            .collect(),
        srid: SRID,
    }
}

/// A geometry as PostGIS stores it (SRID 4326).
pub fn to_pg(g: &Geometry<f64>) -> pg::GeometryContainer<pg::Point> {
    use pg::GeometryContainer as C;
    match g {
        Geometry::Point(p) => C::Point(point(p.0)),
        Geometry::LineString(l) => C::LineString(line(l)),
        Geometry::Polygon(p) => C::Polygon(polygon(p)),
        Geometry::MultiPoint(mp) => C::MultiPoint(pg::MultiPoint {
            points: mp.0.iter().map(|p| point(p.0)).collect(),
            srid: SRID,
        }),
        Geometry::MultiLineString(ml) => C::MultiLineString(pg::MultiLineString {
            lines: ml.0.iter().map(line).collect(),
            srid: SRID,
        }),
        Geometry::MultiPolygon(mp) => C::MultiPolygon(pg::MultiPolygon {
            polygons: mp.0.iter().map(polygon).collect(),
            srid: SRID,
        }),
        Geometry::GeometryCollection(gc) => C::GeometryCollection(pg::GeometryCollection {
            geometries: gc.0.iter().map(to_pg).collect(),
            srid: SRID,
        }),
        Geometry::Line(l) => to_pg(&Geometry::LineString(LineString::from(vec![l.start, l.end]))),
        Geometry::Rect(r) => to_pg(&Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => to_pg(&Geometry::Polygon(t.to_polygon())),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        let square = Polygon::new(
            LineString::from(vec![
                (119.0, 26.0),
                (119.1, 26.0),
                (119.1, 26.1),
                (119.0, 26.1),
                (119.0, 26.0),
            ]),
            vec![LineString::from(vec![
                (119.02, 26.02),
                (119.03, 26.02),
                (119.03, 26.03),
                (119.02, 26.02),
            ])],
        );
        for g in [
            Geometry::Point(geo::Point::new(119.438_612_345_678_9, 25.991_6)),
            Geometry::Polygon(square.clone()),
            Geometry::MultiPolygon(MultiPolygon(vec![square])),
            Geometry::MultiLineString(MultiLineString(vec![LineString::from(vec![
                (119.0, 26.0),
                (119.5, 26.5),
            ])])),
        ] {
            assert_eq!(from_pg(&to_pg(&g)), g);
        }
    }
}
