//! CGCS2000 3-degree Gauss-Krüger zones (EPSG:4513-4554), through proj4rs.
//!
//! EPSG:4513-4533 are zones 25-45 with the zone number prefixed to the false easting
//! (zone 40: 40 500 000 m); EPSG:4534-4554 are the same central meridians without the prefix.

use super::CrsError;
use proj4rs::Proj;

/// One CGCS2000 3-degree Gauss-Krüger CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussKruger {
    epsg: u16,
}

const FIRST_ZONE_CODE: u16 = 4513;
const FIRST_CM_CODE: u16 = 4534;
const LAST_CODE: u16 = 4554;
const FIRST_ZONE: u16 = 25;

impl GaussKruger {
    /// The CRS of an EPSG code in 4513-4554, or `None`.
    pub fn from_epsg(code: u16) -> Option<GaussKruger> {
        (FIRST_ZONE_CODE..=LAST_CODE)
            .contains(&code)
            .then_some(GaussKruger { epsg: code })
    }

    pub fn epsg(self) -> u16 {
        self.epsg
    }

    /// Zone number 25-45 (central meridian = 3° × zone).
    pub fn zone(self) -> u16 {
        if self.epsg < FIRST_CM_CODE {
            FIRST_ZONE + (self.epsg - FIRST_ZONE_CODE)
        } else {
            FIRST_ZONE + (self.epsg - FIRST_CM_CODE)
        }
    }

    pub fn central_meridian(self) -> f64 {
        3.0 * f64::from(self.zone())
    }

    /// Whether eastings carry the zone number in front (40 443 789 m rather than 443 789 m).
    pub fn zone_prefixed(self) -> bool {
        self.epsg < FIRST_CM_CODE
    }

    pub fn false_easting(self) -> f64 {
        let prefix = if self.zone_prefixed() {
            f64::from(self.zone()) * 1e6
        } else {
            0.0
        };
        prefix + 500_000.0
    }

    /// The plausible easting range of the zone (central meridian ± 3°, generously).
    pub fn easting_range(self) -> std::ops::RangeInclusive<f64> {
        let fe = self.false_easting();
        (fe - 400_000.0)..=(fe + 400_000.0)
    }

    pub(super) fn projection(self) -> Result<Projection, CrsError> {
        let definition = format!(
            "+proj=tmerc +lat_0=0 +lon_0={} +k=1 +x_0={} +y_0=0 +ellps=GRS80 +units=m +no_defs",
            self.central_meridian(),
            self.false_easting()
        );
        let build = |text: &str| {
            Proj::from_proj_string(text).map_err(|e| CrsError::Projection {
                crs: format!("EPSG:{}", self.epsg),
                x: 0.0,
                y: 0.0,
                reason: e.to_string(),
            })
        };
        Ok(Projection {
            grid: build(&definition)?,
            geographic: build("+proj=longlat +ellps=GRS80 +no_defs")?,
        })
    }
}

pub(super) struct Projection {
    grid: Proj,
    geographic: Proj,
}

impl Projection {
    pub(super) fn inverse(&self, easting: f64, northing: f64) -> Result<(f64, f64), String> {
        let (lon, lat) = proj4rs::adaptors::transform_xy(&self.grid, &self.geographic, easting, northing)
            .map_err(|e| e.to_string())?;
        Ok((lon.to_degrees(), lat.to_degrees()))
    }

    pub(super) fn forward(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        proj4rs::adaptors::transform_xy(&self.geographic, &self.grid, lon.to_radians(), lat.to_radians())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use crate::crs::Crs;
    use geo::{Distance, Geodesic, Point};

    /// Reference pairs computed with PROJ 9.5.1 (pyproj 3.7.2, `always_xy`), the library the EPSG
    /// definitions are maintained with: (EPSG, lon, lat, easting, northing).
    const REFERENCE: [(u16, f64, f64, f64, f64); 7] = [
        (4549, 119.4386, 25.9916, 443789.36038901284, 2876024.6404781193),
        (4549, 119.3, 26.08, 429964.0593459436, 2885885.7501167073),
        (4549, 121.2, 25.0, 621145.8415017087, 2766590.3703516196),
        (4528, 119.4386, 25.9916, 40443789.36038901, 2876024.6404781193),
        (4548, 117.3, 31.86, 528390.9898090736, 3526367.685824975),
        (4548, 118.2, 25.05, 621096.7570537337, 2772129.818854601),
        (4527, 117.3, 31.86, 39528390.98980907, 3526367.685824975),
    ];

    #[test]
    fn matches_proj_both_ways_to_under_a_millimetre() {
        for (code, lon, lat, e, n) in REFERENCE {
            let conv = Crs::parse(&format!("EPSG:{code}")).unwrap().converter().unwrap();
            let (x, y) = conv.from_wgs84(lon, lat).unwrap();
            assert!(
                (x - e).abs() < 1e-3 && (y - n).abs() < 1e-3,
                "EPSG:{code} forward ({x}, {y})"
            );
            let (lo, la) = conv.to_wgs84(e, n).unwrap();
            let off = Geodesic.distance(Point::new(lo, la), Point::new(lon, lat));
            assert!(off < 1e-3, "EPSG:{code} inverse off by {off} m");
        }
    }

    #[test]
    fn zones_and_meridians() {
        let gk = super::GaussKruger::from_epsg(4528).unwrap();
        assert_eq!(
            (gk.zone(), gk.central_meridian(), gk.false_easting()),
            (40, 120.0, 40_500_000.0)
        );
        let gk = super::GaussKruger::from_epsg(4549).unwrap();
        assert_eq!(
            (gk.zone(), gk.central_meridian(), gk.false_easting()),
            (40, 120.0, 500_000.0)
        );
        assert_eq!(super::GaussKruger::from_epsg(4513).unwrap().central_meridian(), 75.0);
        assert_eq!(super::GaussKruger::from_epsg(4554).unwrap().central_meridian(), 135.0);
    }
}
