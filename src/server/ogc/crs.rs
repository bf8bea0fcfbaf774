//! Coordinate reference systems a collection is served in (OGC API – Features Part 2): CRS84 by
//! default, EPSG:4326 and EPSG:4490 (CGCS2000, latitude first), and the dataset's CGCS2000 3-degree
//! Gauss-Krüger zone (northing first), so a bureau's QGIS project in CGCS2000 needs no reprojection.
//!
//! Every CRS is served in the axis order its authority defines, as Part 2 requires: only CRS84 is
//! longitude, latitude.
//!
//! ```
//! use carecircle::server::ogc::crs::ServedCrs;
//! let offered = ServedCrs::offered(carecircle::crs::Crs::Wgs84, Some((119.4, 26.0)));
//! let gk = ServedCrs::parse("http://www.opengis.net/def/crs/EPSG/0/4549", &offered).unwrap();
//! let (n, e) = gk.from_wgs84(120.0, 26.0).unwrap();
//! assert!((e - 500_000.0).abs() < 1e-6 && n > 2_800_000.0);
//! ```

use crate::crs::{Converter, Crs, GaussKruger};
use geo::{Geometry, MapCoords, Rect};

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// A CRS a collection can be served in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServedCrs {
    /// Longitude, latitude on WGS84: the default.
    Crs84,
    /// WGS84, latitude first.
    Epsg4326,
    /// CGCS2000 geographic, latitude first.
    Cgcs2000,
    /// A CGCS2000 3-degree Gauss-Krüger zone, northing first, in metres.
    GaussKruger(GaussKruger),
}

impl ServedCrs {
    /// The CRSs a collection is offered in: the three geographic ones, and the dataset's own Gauss-Krüger
    /// zone (its files' CRS when that is one, else the 3-degree zone of `centre`, a longitude and
    /// latitude, when it lies in China's zones 25–45).
    pub fn offered(source: Crs, centre: Option<(f64, f64)>) -> Vec<ServedCrs> {
        let mut out = vec![ServedCrs::Crs84, ServedCrs::Epsg4326, ServedCrs::Cgcs2000];
        let zone = match source {
            Crs::GaussKruger(gk) => Some(gk),
            _ => centre.and_then(|(lon, _)| {
                let zone = (lon / 3.0).round();
                // EPSG:4534 is zone 25 (75°E) without the zone number in front of eastings.
                (25.0..=45.0)
                    .contains(&zone)
                    .then(|| GaussKruger::from_epsg(4534 + (zone as u16 - 25)))
                    .flatten()
            }),
        };
        out.extend(zone.map(ServedCrs::GaussKruger));
        out
    }

    /// The CRS's URI, as Part 2 names CRSs.
    pub fn uri(self) -> String {
        match self {
            ServedCrs::Crs84 => CRS84.to_string(),
            ServedCrs::Epsg4326 => format!("{EPSG}4326"),
            ServedCrs::Cgcs2000 => format!("{EPSG}4490"),
            ServedCrs::GaussKruger(gk) => format!("{EPSG}{}", gk.epsg()),
        }
    }

    /// Reads a `crs` or `bbox-crs` value: a URI, a safe CURIE (`[EPSG:4490]`) or `EPSG:4490`, which must be
    /// one of `offered`.
    pub fn parse(text: &str, offered: &[ServedCrs]) -> Result<ServedCrs, String> {
        let t = text.trim().trim_start_matches('[').trim_end_matches(']');
        let found = offered.iter().copied().find(|c| {
            let uri = c.uri();
            let short = match c {
                ServedCrs::Crs84 => "OGC:CRS84".to_string(),
                _ => format!("EPSG:{}", uri.rsplit('/').next().unwrap_or_default()),
            };
            t == uri || t.eq_ignore_ascii_case(&short)
        });
        found.ok_or_else(|| {
            let list: Vec<String> = offered.iter().map(|c| c.uri()).collect();
            format!("CRS \"{text}\" is not offered: expected one of {}", list.join(", "))
        })
    }

    fn converter(self) -> Result<Option<Converter>, String> {
        match self {
            ServedCrs::GaussKruger(gk) => Crs::GaussKruger(gk).converter().map(Some).map_err(|e| e.to_string()),
            _ => Ok(None),
        }
    }

    /// One WGS84 longitude and latitude in this CRS, in its axis order.
    pub fn from_wgs84(self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        match self.geometry(&Geometry::Point(geo::Point::new(lon, lat)))? {
            Geometry::Point(p) => Ok((p.x(), p.y())),
            _ => Err("a point became another geometry".into()),
        }
    }

    /// A WGS84 geometry in this CRS, in its axis order.
    pub fn geometry(self, g: &Geometry<f64>) -> Result<Geometry<f64>, String> {
        if self == ServedCrs::Crs84 {
            return Ok(g.clone());
        }
        let conv = self.converter()?;
        g.try_map_coords(|c| -> Result<geo::Coord, String> {
            match &conv {
                Some(conv) => conv
                    .from_wgs84(c.x, c.y)
                    .map(|(e, n)| geo::coord! { x: n, y: e })
                    .map_err(|e| e.to_string()),
                None => Ok(geo::coord! { x: c.y, y: c.x }),
            }
        })
    }

    /// A geometry sent in this CRS (OGC API – Features Part 2, `Content-Crs`), as GeoJSON: its coordinates
    /// turned to longitude (easting) first, and the CRS the loader converts them from.
    pub fn body(self, geometry: &mut serde_json::Value) -> Crs {
        fn swap(v: &mut serde_json::Value) {
            if let Some(items) = v.as_array_mut() {
                if items.len() >= 2 && items.iter().all(serde_json::Value::is_number) {
                    items.swap(0, 1);
                } else {
                    items.iter_mut().for_each(swap);
                }
            }
        }
        fn walk(g: &mut serde_json::Value) {
            if let Some(c) = g.get_mut("coordinates") {
                swap(c);
            }
            if let Some(members) = g.get_mut("geometries").and_then(serde_json::Value::as_array_mut) {
                members.iter_mut().for_each(walk);
            }
        }
        match self {
            ServedCrs::Crs84 => Crs::Wgs84,
            ServedCrs::Epsg4326 => {
                walk(geometry);
                Crs::Wgs84
            }
            ServedCrs::Cgcs2000 => {
                walk(geometry);
                Crs::Cgcs2000
            }
            ServedCrs::GaussKruger(gk) => {
                walk(geometry);
                Crs::GaussKruger(gk)
            }
        }
    }

    /// Which axis (0 or 1, in this CRS's order) is the longitude; `None` for a projected CRS.
    pub fn longitude_axis(self) -> Option<usize> {
        match self {
            ServedCrs::Crs84 => Some(0),
            ServedCrs::Epsg4326 | ServedCrs::Cgcs2000 => Some(1),
            ServedCrs::GaussKruger(_) => None,
        }
    }

    /// A box given in this CRS (its axis order: `[a1, b1, a2, b2]`) as a WGS84 longitude/latitude box that
    /// holds it: its edges are followed at 16 points each, since a Gauss-Krüger box's edges curve in degrees.
    pub fn bbox_to_wgs84(self, a1: f64, b1: f64, a2: f64, b2: f64) -> Result<Rect<f64>, String> {
        let conv = self.converter()?;
        let mut points = Vec::new();
        for k in 0..=16 {
            let t = f64::from(k) / 16.0;
            let (a, b) = (a1 + (a2 - a1) * t, b1 + (b2 - b1) * t);
            points.extend([(a, b1), (a, b2), (a1, b), (a2, b)]);
        }
        let lonlat: Vec<(f64, f64)> = points
            .into_iter()
            .map(|(a, b)| match (self, &conv) {
                (ServedCrs::Crs84, _) => Ok((a, b)),
                // Northing first: b is the easting.
                (_, Some(conv)) => conv.to_wgs84(b, a).map_err(|e| e.to_string()),
                _ => Ok((b, a)),
            })
            .collect::<Result<_, _>>()?;
        let (mut min, mut max) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for (x, y) in lonlat {
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
        }
        Ok(Rect::new(
            geo::coord! { x: min.0, y: min.1 },
            geo::coord! { x: max.0, y: max.1 },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Vec<ServedCrs> {
        ServedCrs::offered(Crs::Wgs84, Some((119.45, 26.0)))
    }

    #[test]
    fn the_zone_follows_the_data() {
        let uris: Vec<String> = offered().iter().map(|c| c.uri()).collect();
        assert_eq!(
            uris,
            [
                CRS84.to_string(),
                format!("{EPSG}4326"),
                format!("{EPSG}4490"),
                // 119.45°E is in the 3-degree zone of 120°E (zone 40): EPSG:4549.
                format!("{EPSG}4549")
            ]
        );
        let prefixed = Crs::parse("EPSG:4528").unwrap();
        assert_eq!(ServedCrs::offered(prefixed, None)[3].uri(), format!("{EPSG}4528"));
        assert_eq!(ServedCrs::offered(Crs::Wgs84, Some((-3.0, 51.0))).len(), 3);
    }

    #[test]
    fn names_are_read_in_their_usual_forms() {
        let o = offered();
        for name in ["http://www.opengis.net/def/crs/EPSG/0/4490", "[EPSG:4490]", "epsg:4490"] {
            assert_eq!(ServedCrs::parse(name, &o).unwrap(), ServedCrs::Cgcs2000, "{name}");
        }
        assert_eq!(ServedCrs::parse("[OGC:CRS84]", &o).unwrap(), ServedCrs::Crs84);
        let err = ServedCrs::parse("EPSG:3857", &o).unwrap_err();
        assert!(err.contains("EPSG:3857") && err.contains("4549"), "{err}");
    }

    #[test]
    fn axis_order_is_the_authority_s() {
        let o = offered();
        let p = Geometry::Point(geo::Point::new(119.5, 26.1));
        let Geometry::Point(q) = ServedCrs::Cgcs2000.geometry(&p).unwrap() else {
            panic!()
        };
        assert_eq!((q.x(), q.y()), (26.1, 119.5));
        let gk = o[3];
        let Geometry::Point(q) = gk.geometry(&p).unwrap() else {
            panic!()
        };
        // Northing (about 2.89e6 m) first, easting (west of 500 000 m at 119.5°E) second.
        assert!(q.x() > 2_800_000.0 && q.x() < 3_000_000.0, "{q:?}");
        assert!(q.y() > 440_000.0 && q.y() < 500_000.0, "{q:?}");
        // And back through a box around it.
        let r = gk
            .bbox_to_wgs84(q.x() - 10.0, q.y() - 10.0, q.x() + 10.0, q.y() + 10.0)
            .unwrap();
        assert!(r.min().x < 119.5 && r.max().x > 119.5 && r.min().y < 26.1 && r.max().y > 26.1);
        assert!(r.max().x - r.min().x < 0.001);
        let r = ServedCrs::Epsg4326.bbox_to_wgs84(26.0, 119.0, 26.2, 119.8).unwrap();
        assert_eq!((r.min().x, r.min().y, r.max().x, r.max().y), (119.0, 26.0, 119.8, 26.2));
    }
}
