//! The dataset digest: sha256 of a dataset's canonical content, so a kept run names exactly the data it
//! judged, whatever folder, file format or CRS it came from.
//!
//! The canonical content is the dataset as judged (geometries in WGS84), encoded field by field in a fixed
//! order: strings as their UTF-8 length and bytes, numbers as little-endian bits, absent values as a tag,
//! geometries as a type tag with their coordinate counts and coordinates. Two datasets with the same digest
//! give the same findings; the same data read from GeoJSON, CSV, a zipped Shapefile or PostGIS has the same
//! digest when it has the same coordinates bit for bit.

use crate::fields::{
    Field, FieldValue, ADMIN_UNIT_FIELDS, CANDIDATE_FIELDS, FACILITY_FIELDS, RESIDENTIAL_AREA_FIELDS, ROAD_FIELDS,
};
use crate::model::{Dataset, Date};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use sha2::{Digest as _, Sha256};

/// The sha256 of the dataset's canonical content, as 64 lowercase hex digits.
///
/// ```
/// let demo = carecircle_core::load::load_dataset("geodata/demo".as_ref()).unwrap();
/// let digest = carecircle_core::digest::dataset_digest(&demo);
/// assert_eq!(digest.len(), 64);
/// assert_eq!(digest, carecircle_core::digest::dataset_digest(&demo.clone()));
/// ```
pub fn dataset_digest(dataset: &Dataset) -> String {
    let mut c = Canonical(Sha256::new());
    c.text("carecircle dataset 1");
    c.text(&dataset.name);
    c.text(&dataset.source_crs.to_string());
    c.date(Some(dataset.as_of));
    c.count(dataset.admin_units.len());
    for u in &dataset.admin_units {
        c.fields(ADMIN_UNIT_FIELDS, u);
        c.multi_polygon(&u.boundary);
    }
    c.count(dataset.residential_areas.len());
    for a in &dataset.residential_areas {
        c.fields(RESIDENTIAL_AREA_FIELDS, a);
        c.geometry(&a.geometry);
    }
    c.count(dataset.facilities.len());
    for f in &dataset.facilities {
        c.fields(FACILITY_FIELDS, f);
        c.geometry(&f.geometry);
    }
    c.count(dataset.roads.len());
    for r in &dataset.roads {
        c.fields(ROAD_FIELDS, r);
        c.multi_line(&r.geometry);
    }
    c.count(dataset.candidates.len());
    for k in &dataset.candidates {
        c.fields(CANDIDATE_FIELDS, k);
        c.geometry(&k.geometry);
    }
    c.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

struct Canonical(Sha256);

impl Canonical {
    /// A feature's properties in its layer's field order (`crate::fields`): a property that may be
    /// missing is tagged present or absent first; yes/no and days are always tagged, lists counted.
    fn fields<T>(&mut self, fields: &[Field<T>], x: &T) {
        for f in fields {
            match ((f.read)(x), f.nullable) {
                (FieldValue::Text(Some(t)), false) => self.text(t),
                (FieldValue::Text(t), _) => self.opt_text(t),
                (FieldValue::Integer(Some(n)), false) => self.u64(n),
                (FieldValue::Integer(n), _) => self.opt_u64(n),
                (FieldValue::Number(Some(v)), false) => self.f64(v),
                (FieldValue::Number(Some(v)), true) => {
                    self.tag(1);
                    self.f64(v);
                }
                (FieldValue::Number(None), _) => self.tag(0),
                (FieldValue::Boolean(b), _) => self.opt_bool(b),
                (FieldValue::Date(d), _) => self.date(d),
                (FieldValue::List(ids), _) => {
                    self.count(ids.len());
                    ids.iter().for_each(|s| self.text(s));
                }
            }
        }
    }

    fn tag(&mut self, t: u8) {
        self.0.update([t]);
    }
    fn u64(&mut self, n: u64) {
        self.0.update(n.to_le_bytes());
    }
    fn count(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn f64(&mut self, v: f64) {
        self.0.update(v.to_bits().to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.count(s.len());
        self.0.update(s.as_bytes());
    }
    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.tag(1);
                self.text(s);
            }
            None => self.tag(0),
        }
    }
    fn opt_u64(&mut self, n: Option<u64>) {
        match n {
            Some(n) => {
                self.tag(1);
                self.u64(n);
            }
            None => self.tag(0),
        }
    }
    fn opt_bool(&mut self, b: Option<bool>) {
        self.tag(match b {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
    }
    fn date(&mut self, d: Option<Date>) {
        match d {
            Some(d) => {
                self.tag(1);
                self.text(&d.to_string());
            }
            None => self.tag(0),
        }
    }
    fn coord(&mut self, c: Coord<f64>) {
        self.f64(c.x);
        self.f64(c.y);
    }
    fn line(&mut self, l: &LineString<f64>) {
        self.count(l.0.len());
        l.0.iter().for_each(|&c| self.coord(c));
    }
    fn polygon(&mut self, p: &Polygon<f64>) {
        self.count(p.interiors().len() + 1);
        self.line(p.exterior());
        p.interiors().iter().for_each(|l| self.line(l));
    }
    fn multi_line(&mut self, m: &MultiLineString<f64>) {
        self.tag(4);
        self.count(m.0.len());
        m.0.iter().for_each(|l| self.line(l));
    }
    fn multi_polygon(&mut self, m: &MultiPolygon<f64>) {
        self.tag(6);
        self.count(m.0.len());
        m.0.iter().for_each(|p| self.polygon(p));
    }
    fn geometry(&mut self, g: &Geometry<f64>) {
        match g {
            Geometry::Point(p) => {
                self.tag(1);
                self.coord(p.0);
            }
            Geometry::MultiPoint(m) => {
                self.tag(2);
                self.count(m.0.len());
                m.0.iter().for_each(|p| self.coord(p.0));
            }
            Geometry::LineString(l) => {
                self.tag(3);
                self.line(l);
            }
            Geometry::MultiLineString(m) => self.multi_line(m),
            Geometry::Polygon(p) => {
                self.tag(5);
                self.polygon(p);
            }
            Geometry::MultiPolygon(m) => self.multi_polygon(m),
            Geometry::GeometryCollection(gc) => {
                self.tag(7);
                self.count(gc.0.len());
                gc.0.iter().for_each(|g| self.geometry(g));
            }
            Geometry::Line(l) => {
                self.tag(3);
                self.count(2);
                self.coord(l.start);
                self.coord(l.end);
            }
            Geometry::Rect(r) => self.geometry(&Geometry::Polygon(r.to_polygon())),
            Geometry::Triangle(t) => self.geometry(&Geometry::Polygon(t.to_polygon())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::{self, area, facility};
    use crate::model::{AreaKind, Status, Tier};

    fn base() -> Dataset {
        let mut d = fixtures::dataset();
        d.residential_areas.push(area("R1", 300, AreaKind::New, 0.0, 0.0));
        d.facilities
            .push(facility("F1", Tier::Station, 400.0, Status::Operating, 100.0, 0.0));
        d
    }

    #[test]
    fn any_change_of_content_changes_the_digest() {
        let base = base();
        let d0 = dataset_digest(&base);
        let mut moved = base.clone();
        moved.facilities[0].geometry = Geometry::Point(geo::Point::new(
            moved.facilities[0].location.x() + 1e-9,
            moved.facilities[0].location.y(),
        ))
        .into();
        let mut renamed = base.clone();
        renamed.residential_areas[0].name.push('x');
        let mut later = base.clone();
        later.as_of = later.as_of.plus_days(1);
        for other in [moved, renamed, later] {
            assert_ne!(dataset_digest(&other), d0);
        }
        assert_eq!(dataset_digest(&base.clone()), d0);
    }

    #[test]
    fn strings_are_length_prefixed_so_fields_cannot_run_into_each_other() {
        let mut a = base();
        let mut b = a.clone();
        a.facilities[0].id = "F1".into();
        a.facilities[0].name = "x站".into();
        b.facilities[0].id = "F1x".into();
        b.facilities[0].name = "站".into();
        assert_ne!(dataset_digest(&a), dataset_digest(&b));
    }
}
