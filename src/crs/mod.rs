//! Coordinate reference systems a dataset may be written in, and their conversion to WGS84.
//!
//! GCJ-02 and BD-09 are offset systems (Amap/Tencent and Baidu); their offset in Fujian is several
//! hundred metres, as large as the radii being checked, so they are converted and never read as WGS84.
//! CGCS2000 and WGS84 agree to a few centimetres, far below anything the rules measure, so they are
//! taken as equal.

mod gauss_kruger;
mod offset;

pub use gauss_kruger::GaussKruger;
pub use offset::{bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02};

use std::fmt;
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum CrsError {
    #[error("未知坐标系 unknown CRS \"{0}\": expected EPSG:4326, EPSG:4490, GCJ-02, BD-09 or a CGCS2000 3-degree Gauss-Krüger code EPSG:4513 … EPSG:4554")]
    Unknown(String),
    #[error("坐标无法转换 coordinate ({x}, {y}) cannot be converted from {crs}: {reason}")]
    Projection {
        crs: String,
        x: f64,
        y: f64,
        reason: String,
    },
}

/// A CRS carecircle reads. Coordinates are always x then y (longitude or easting first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    /// EPSG:4326.
    Wgs84,
    /// EPSG:4490, China Geodetic Coordinate System 2000, geographic.
    Cgcs2000,
    /// GCJ-02 (国测局坐标, Amap, Tencent).
    Gcj02,
    /// BD-09 (Baidu).
    Bd09,
    /// CGCS2000 3-degree Gauss-Krüger, EPSG:4513-4554.
    GaussKruger(GaussKruger),
}

impl Crs {
    /// Whether a file declaring `declared` holds coordinates in this (the dataset's) CRS: the same CRS,
    /// or any geographic one for a geographic dataset (CGCS2000 and WGS84 differ by centimetres), or a
    /// geographic declaration for a GCJ-02 or BD-09 dataset (their offsets have no CRS code of their own).
    ///
    /// ```
    /// use carecircle_core::crs::Crs;
    /// assert!(Crs::Cgcs2000.holds_coordinates_of(Crs::Wgs84));
    /// assert!(Crs::Gcj02.holds_coordinates_of(Crs::Wgs84));
    /// assert!(!Crs::parse("EPSG:4549").unwrap().holds_coordinates_of(Crs::Wgs84));
    /// ```
    pub fn holds_coordinates_of(self, declared: Crs) -> bool {
        let geographic = |c: Crs| matches!(c, Crs::Wgs84 | Crs::Cgcs2000);
        declared == self || (geographic(declared) && (geographic(self) || matches!(self, Crs::Gcj02 | Crs::Bd09)))
    }

    /// Parses the `crs` value of `dataset.toml`.
    ///
    /// ```
    /// use carecircle_core::crs::Crs;
    /// assert_eq!(Crs::parse("EPSG:4326").unwrap(), Crs::Wgs84);
    /// assert_eq!(Crs::parse("gcj-02").unwrap(), Crs::Gcj02);
    /// let gk = Crs::parse("EPSG:4549").unwrap();
    /// assert_eq!(gk.to_string(), "EPSG:4549");
    /// assert!(Crs::parse("EPSG:3857").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        let norm = text.trim().to_ascii_uppercase().replace(['_', ' '], "-");
        match norm.as_str() {
            "EPSG:4326" | "WGS84" | "WGS-84" => return Ok(Crs::Wgs84),
            "EPSG:4490" | "CGCS2000" => return Ok(Crs::Cgcs2000),
            "GCJ-02" | "GCJ02" => return Ok(Crs::Gcj02),
            "BD-09" | "BD09" => return Ok(Crs::Bd09),
            _ => {}
        }
        norm.strip_prefix("EPSG:")
            .and_then(|code| code.parse::<u16>().ok())
            .and_then(GaussKruger::from_epsg)
            .map(Crs::GaussKruger)
            .ok_or_else(|| CrsError::Unknown(text.to_string()))
    }

    /// Parses the CRS a GeoJSON file names in its `crs` member (`{"type": "name", "properties": {"name":
    /// …}}`, as GDAL and QGIS write it): the forms of [`Crs::parse`], OGC URNs and URLs, and CRS84.
    ///
    /// ```
    /// use carecircle_core::crs::Crs;
    /// assert_eq!(Crs::parse_declared("urn:ogc:def:crs:OGC:1.3:CRS84").unwrap(), Crs::Wgs84);
    /// assert_eq!(Crs::parse_declared("urn:ogc:def:crs:EPSG::4549").unwrap().to_string(), "EPSG:4549");
    /// assert_eq!(Crs::parse_declared("http://www.opengis.net/def/crs/EPSG/0/4490").unwrap(), Crs::Cgcs2000);
    /// assert!(Crs::parse_declared("urn:ogc:def:crs:EPSG::3857").is_err());
    /// ```
    pub fn parse_declared(name: &str) -> Result<Crs, CrsError> {
        let lower = name.trim().to_ascii_lowercase();
        if lower.ends_with("crs84") {
            return Ok(Crs::Wgs84);
        }
        let code = lower
            .strip_prefix("urn:ogc:def:crs:epsg:")
            .map(|rest| rest.rsplit(':').next().unwrap_or(rest))
            .or_else(|| {
                lower
                    .strip_prefix("http://www.opengis.net/def/crs/epsg/")
                    .map(|rest| rest.rsplit('/').next().unwrap_or(rest))
            });
        match code {
            Some(code) => Crs::parse(&format!("EPSG:{code}")).map_err(|_| CrsError::Unknown(name.to_string())),
            None => Crs::parse(name),
        }
    }

    /// Whether coordinates are longitude/latitude degrees (rather than projected metres).
    pub fn is_geographic(self) -> bool {
        !matches!(self, Crs::GaussKruger(_))
    }

    /// Builds the converter for this CRS.
    pub fn converter(self) -> Result<Converter, CrsError> {
        Converter::new(self)
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::Wgs84 => f.write_str("EPSG:4326"),
            Crs::Cgcs2000 => f.write_str("EPSG:4490"),
            Crs::Gcj02 => f.write_str("GCJ-02"),
            Crs::Bd09 => f.write_str("BD-09"),
            Crs::GaussKruger(gk) => write!(f, "EPSG:{}", gk.epsg()),
        }
    }
}

/// Converts coordinates of one CRS to and from WGS84 longitude/latitude degrees.
pub struct Converter {
    crs: Crs,
    method: Method,
}

enum Method {
    Identity,
    Gcj02,
    Bd09,
    GaussKruger(Box<gauss_kruger::Projection>),
}

impl Converter {
    pub fn new(crs: Crs) -> Result<Converter, CrsError> {
        let method = match crs {
            Crs::Wgs84 | Crs::Cgcs2000 => Method::Identity,
            Crs::Gcj02 => Method::Gcj02,
            Crs::Bd09 => Method::Bd09,
            Crs::GaussKruger(gk) => Method::GaussKruger(Box::new(gk.projection()?)),
        };
        Ok(Converter { crs, method })
    }

    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// Whether coordinates come out as they went in (WGS84 and CGCS2000, taken as equal).
    pub fn is_identity(&self) -> bool {
        matches!(self.method, Method::Identity)
    }

    /// From this CRS to WGS84 (longitude, latitude).
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        Ok(match &self.method {
            Method::Identity => (x, y),
            Method::Gcj02 => gcj02_to_wgs84(x, y),
            Method::Bd09 => {
                let (lon, lat) = bd09_to_gcj02(x, y);
                gcj02_to_wgs84(lon, lat)
            }
            Method::GaussKruger(p) => p.inverse(x, y).map_err(|reason| self.error(x, y, reason))?,
        })
    }

    /// From WGS84 (longitude, latitude) to this CRS.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        Ok(match &self.method {
            Method::Identity => (lon, lat),
            Method::Gcj02 => wgs84_to_gcj02(lon, lat),
            Method::Bd09 => {
                let (x, y) = wgs84_to_gcj02(lon, lat);
                gcj02_to_bd09(x, y)
            }
            Method::GaussKruger(p) => p.forward(lon, lat).map_err(|reason| self.error(lon, lat, reason))?,
        })
    }

    fn error(&self, x: f64, y: f64, reason: String) -> CrsError {
        CrsError::Projection {
            crs: self.crs.to_string(),
            x,
            y,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_gauss_kruger_code() {
        for code in 4513..=4554u16 {
            let crs = Crs::parse(&format!("EPSG:{code}")).unwrap();
            assert_eq!(crs.to_string(), format!("EPSG:{code}"));
            assert!(!crs.is_geographic());
        }
        assert!(Crs::parse("EPSG:4512").is_err());
        assert!(Crs::parse("EPSG:4555").is_err());
    }

    #[test]
    fn unknown_crs_lists_accepted_ones() {
        let err = Crs::parse("EPSG:3857").unwrap_err().to_string();
        assert!(
            err.contains("EPSG:3857") && err.contains("GCJ-02") && err.contains("4513"),
            "{err}"
        );
    }
}
