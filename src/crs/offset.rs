//! GCJ-02 and BD-09, the offset systems of Chinese web maps.
//!
//! No projection library carries them (PROJ declined), so they follow the published algorithm
//! (the widely cross-checked "eviltransform" formulation). The forward directions are closed-form;
//! the inverses are solved by fixed-point iteration to well under a millimetre.

use std::f64::consts::PI;

/// Semi-major axis and eccentricity² of the Krasovsky ellipsoid, as the GCJ-02 algorithm uses them.
const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
const BD_X_PI: f64 = PI * 3000.0 / 180.0;
/// Stop iterating when the residual falls below this many degrees (about 0.01 mm).
const TOLERANCE_DEG: f64 = 1e-10;
const MAX_ITERATIONS: usize = 50;

/// GCJ-02 is applied only inside this box around mainland China; outside it equals WGS84.
fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02, longitude first.
///
/// ```
/// // Beijing, from the reference tables of the coordtransform library.
/// let (lon, lat) = carecircle_core::crs::wgs84_to_gcj02(116.404, 39.915);
/// assert!((lon - 116.41024449916938).abs() < 1e-9 && (lat - 39.91640428150164).abs() < 1e-9);
/// ```
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = shift_lat(lon - 105.0, lat - 35.0);
    let d_lon = shift_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → WGS84, longitude first, by iterating the forward transform.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, wgs84_to_gcj02)
}

/// GCJ-02 → BD-09, longitude first.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 → GCJ-02, longitude first: the published closed form, refined by iteration so that the
/// round trip closes to well under a millimetre.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    refine((lon, lat), (z * theta.cos(), z * theta.sin()), gcj02_to_bd09)
}

fn invert(x: f64, y: f64, forward: fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    refine((x, y), (x, y), forward)
}

/// Finds `p` with `forward(p) == target`, starting from `guess`.
fn refine(target: (f64, f64), guess: (f64, f64), forward: fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let mut p = guess;
    for _ in 0..MAX_ITERATIONS {
        let f = forward(p.0, p.1);
        let (dx, dy) = (target.0 - f.0, target.1 - f.1);
        p = (p.0 + dx, p.1 + dy);
        if dx.abs() < TOLERANCE_DEG && dy.abs() < TOLERANCE_DEG {
            break;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
    }

    /// Published pairs (WGS84 lon, lat; GCJ-02 lon, lat) from the eviltransform test suite.
    const WGS_GCJ: [((f64, f64), (f64, f64)); 3] = [
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)), // Shanghai
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)), // Shenzhen
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)), // Beijing
    ];

    #[test]
    fn gcj02_matches_published_pairs_both_ways() {
        for (wgs, gcj) in WGS_GCJ {
            assert!(metres(wgs84_to_gcj02(wgs.0, wgs.1), gcj) < 0.01);
            assert!(metres(gcj02_to_wgs84(gcj.0, gcj.1), wgs) < 0.01);
        }
    }

    #[test]
    fn bd09_matches_published_pairs_both_ways() {
        // coordtransform: gcj02tobd09(116.404, 39.915) and bd09togcj02(116.404, 39.915).
        let bd = gcj02_to_bd09(116.404, 39.915);
        assert!(metres(bd, (116.41036949371029, 39.92133699351021)) < 0.01);
        let gcj = bd09_to_gcj02(116.404, 39.915);
        assert!(metres(gcj, (116.39762729119315, 39.90865673957631)) < 1.0);
        // Shanghai GCJ-02 → BD-09, cross-checked in several libraries.
        let bd = gcj02_to_bd09(121.531541859215, 31.17530398364597);
        assert!(metres(bd, (121.53801568643858, 31.181328606874466)) < 0.01);
        let back = bd09_to_gcj02(bd.0, bd.1);
        assert!(metres(back, (121.531541859215, 31.17530398364597)) < 0.001);
    }

    #[test]
    fn fuzhou_offset_is_several_hundred_metres() {
        let wgs = (119.4386, 25.9916); // 马尾 (Mawei)
        let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
        let shift = metres(wgs, gcj);
        assert!((450.0..700.0).contains(&shift), "GCJ-02 shift {shift} m");
        let back = gcj02_to_wgs84(gcj.0, gcj.1);
        assert!(metres(back, wgs) < 0.001);
    }

    #[test]
    fn outside_china_is_unchanged() {
        assert_eq!(wgs84_to_gcj02(139.6917, 35.6895), (139.6917, 35.6895));
    }
}
