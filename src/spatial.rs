//! Spatial look-ups on the WGS84 ellipsoid: nearest facility, facilities within a radius, and
//! which admin unit holds a point.
//!
//! Points are indexed by their earth-centred (ECEF) position in metres. The straight chord
//! between two surface points is never longer than the geodesic between them, and for the
//! distances rules use (below 100 km) it is shorter by less than 2·10⁻⁵. So the chord prunes
//! the search exactly, and every distance reported is the geodesic (Karney's algorithm).

use geo::{BoundingRect, Distance, Geodesic, Intersects, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use std::ops::ControlFlow;

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// Upper bound of geodesic/chord − 1 for chords up to [`SHORT_CHORD_M`]: s/c ≤ 1 + s²/(24ρ²)
/// with the smallest radius of curvature ρ = b²/a ≈ 6 335 km gives 1.04·10⁻⁵; doubled for margin.
const SHORT_CHORD_SLACK: f64 = 2e-5;
const SHORT_CHORD_M: f64 = 100_000.0;
/// How far a chord computed from earth-centred positions (some 6.4·10⁶ m from the centre, where an f64
/// is good to about 10⁻⁹ m) can come out longer than the geodesic it underestimates: pruning by chord
/// allows this much, so a point at exactly the radius is not lost to rounding.
const CHORD_ROUNDING_M: f64 = 1e-6;

/// Geodesic distance in metres on the WGS84 ellipsoid.
///
/// ```
/// use geo::Point;
/// // 马尾 to 福州 (Mawei to Fuzhou's centre): about 15 km.
/// let d = carecircle_core::spatial::geodesic_m(Point::new(119.4386, 25.9916), Point::new(119.2965, 26.0745));
/// assert!((16_000.0..17_000.0).contains(&d));
/// ```
pub fn geodesic_m(a: Point<f64>, b: Point<f64>) -> f64 {
    Geodesic.distance(a, b)
}

/// Earth-centred, earth-fixed position (metres) of a point on the WGS84 ellipsoid.
pub fn ecef(p: Point<f64>) -> [f64; 3] {
    let (lon, lat) = (p.x().to_radians(), p.y().to_radians());
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let n = WGS84_A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    [
        n * lat.cos() * lon.cos(),
        n * lat.cos() * lon.sin(),
        n * (1.0 - e2) * lat.sin(),
    ]
}

/// Whether `distance_m` is within `radius_m`: `<` when `strict`, else `≤`.
pub fn within_radius(distance_m: f64, radius_m: f64, strict: bool) -> bool {
    if strict {
        distance_m < radius_m
    } else {
        distance_m <= radius_m
    }
}

/// The straight line between two earth-centred positions, in metres.
fn chord(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// An indexed point: its earth-centred position, the caller's index and the point itself.
type Entry = GeomWithData<[f64; 3], (usize, Point<f64>)>;

/// A set of points (facilities), each tagged with the caller's index.
pub struct SurfaceIndex {
    tree: RTree<Entry>,
}

/// The nearest point found and its geodesic distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    pub index: usize,
    pub distance_m: f64,
}

impl SurfaceIndex {
    /// Indexes `(index, point)` pairs; `index` is handed back by the queries.
    pub fn new(points: impl IntoIterator<Item = (usize, Point<f64>)>) -> SurfaceIndex {
        let entries = points
            .into_iter()
            .map(|(i, p)| GeomWithData::new(ecef(p), (i, p)))
            .collect();
        SurfaceIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// The geodesically nearest point, exactly: candidates come in chord order, and the search
    /// stops once a chord exceeds the best geodesic found (a geodesic is never shorter than its chord).
    pub fn nearest(&self, p: Point<f64>) -> Option<Nearest> {
        let mut best: Option<Nearest> = None;
        for (entry, chord2) in self.tree.nearest_neighbor_iter_with_distance_2(&ecef(p)) {
            if best.is_some_and(|b| chord2.sqrt() > b.distance_m + CHORD_ROUNDING_M) {
                break;
            }
            let (index, point) = entry.data;
            let d = geodesic_m(p, point);
            if best.is_none_or(|b| d < b.distance_m) {
                best = Some(Nearest { index, distance_m: d });
            }
        }
        best
    }

    /// Whether some point lies within `radius_m` (`< radius_m` when `strict`). Avoids the geodesic
    /// when the chord alone decides, which is almost always.
    pub fn any_within(&self, p: Point<f64>, radius_m: f64, strict: bool) -> bool {
        // A box query visited depth-first, stopping at the first point near enough: a million areas
        // ask, and the nearest-neighbour search's heap cost four times as much as this.
        let q = ecef(p);
        let r = radius_m + CHORD_ROUNDING_M;
        let cube = AABB::from_corners([q[0] - r, q[1] - r, q[2] - r], [q[0] + r, q[1] + r, q[2] + r]);
        let short = radius_m <= SHORT_CHORD_M;
        self.tree
            .locate_in_envelope_intersecting_int(&cube, |entry| {
                let chord = chord(entry.geom(), &q);
                // A geodesic is never shorter than its chord: a point whose chord is beyond the radius is too.
                if chord > r {
                    return ControlFlow::Continue(());
                }
                if short && chord * (1.0 + SHORT_CHORD_SLACK) < radius_m {
                    return ControlFlow::Break(());
                }
                if within_radius(geodesic_m(p, entry.data.1), radius_m, strict) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .is_break()
    }

    /// Every point within `radius_m` (inclusive), with its geodesic distance, nearest first.
    pub fn within(&self, p: Point<f64>, radius_m: f64) -> Vec<Nearest> {
        let mut found: Vec<Nearest> = self
            .tree
            .locate_within_distance(ecef(p), (radius_m + CHORD_ROUNDING_M).powi(2))
            .map(|e| Nearest {
                index: e.data.0,
                distance_m: geodesic_m(p, e.data.1),
            })
            .filter(|n| n.distance_m <= radius_m)
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        found
    }
}

/// Finds the admin units (polygons) that hold a point.
pub struct UnitLocator<'a> {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    boundaries: Vec<&'a MultiPolygon<f64>>,
}

impl<'a> UnitLocator<'a> {
    pub fn new(boundaries: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> UnitLocator<'a> {
        let boundaries: Vec<_> = boundaries.into_iter().collect();
        let entries = boundaries
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let r = b.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        UnitLocator {
            tree: RTree::bulk_load(entries),
            boundaries,
        }
    }

    /// Indices of the units whose polygon holds the point (its boundary included), in index order.
    pub fn units_at(&self, p: Point<f64>) -> Vec<usize> {
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            .map(|e| e.data)
            .filter(|&i| self.boundaries[i].intersects(&p))
            .collect();
        hits.sort_unstable();
        hits
    }
}

/// The box around every geometry, or `None` when there is none with coordinates.
pub fn extent<'a>(geometries: impl IntoIterator<Item = &'a geo::Geometry<f64>>) -> Option<geo::Rect<f64>> {
    geometries.into_iter().filter_map(|g| g.bounding_rect()).reduce(|a, b| {
        geo::Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point `metres` east of `p` along the parallel (good to millimetres at these distances).
    fn east(p: Point<f64>, metres: f64) -> Point<f64> {
        use geo::Destination;
        Geodesic.destination(p, 90.0, metres)
    }

    #[test]
    fn nearest_is_the_geodesic_nearest() {
        let origin = Point::new(119.44, 25.99);
        let pts = [east(origin, 900.0), east(origin, 350.0), east(origin, -500.0)];
        let index = SurfaceIndex::new(pts.iter().copied().enumerate());
        let n = index.nearest(origin).unwrap();
        assert_eq!(n.index, 1);
        assert!((n.distance_m - 350.0).abs() < 0.01);
        assert!(index.any_within(origin, 400.0, true));
        assert!(!index.any_within(origin, 300.0, false));
        let within: Vec<usize> = index.within(origin, 600.0).iter().map(|n| n.index).collect();
        assert_eq!(within, vec![1, 2]);
    }

    #[test]
    fn chord_is_within_slack_of_geodesic() {
        let a = Point::new(119.0, 26.0);
        for d in [10.0, 700.0, 5_000.0, 99_000.0] {
            let b = east(a, d);
            let [x1, y1, z1] = ecef(a);
            let [x2, y2, z2] = ecef(b);
            let chord = ((x1 - x2).powi(2) + (y1 - y2).powi(2) + (z1 - z2).powi(2)).sqrt();
            assert!(
                chord <= d + 1e-6 && chord * (1.0 + SHORT_CHORD_SLACK) >= d,
                "d={d} chord={chord}"
            );
        }
    }

    #[test]
    fn any_within_agrees_with_the_nearest_at_the_radius_itself() {
        let origin = Point::new(119.44, 25.99);
        let pts: Vec<Point<f64>> = (0..200)
            .map(|i| {
                use geo::Destination;
                Geodesic.destination(origin, f64::from(i) * 37.0 % 360.0, 300.0 + f64::from(i) * 13.7)
            })
            .collect();
        let index = SurfaceIndex::new(pts.iter().copied().enumerate());
        let probes = [
            origin,
            east(origin, 1_000.0),
            east(origin, -2_500.0),
            Point::new(119.46, 26.0),
        ];
        for probe in probes {
            let nearest = index.nearest(probe).unwrap().distance_m;
            // At exactly the nearest's distance: inside when inclusive, outside when strict.
            assert!(index.any_within(probe, nearest, false), "{probe:?}");
            assert!(!index.any_within(probe, nearest, true), "{probe:?}");
            for radius in [nearest * 0.99, nearest * 1.01, 50.0, 700.0, 5_000.0] {
                for strict in [false, true] {
                    let expected = if strict { nearest < radius } else { nearest <= radius };
                    assert_eq!(
                        index.any_within(probe, radius, strict),
                        expected,
                        "{probe:?} {radius} {strict}"
                    );
                }
            }
        }
    }

    #[test]
    fn nearest_agrees_with_every_point_measured() {
        use geo::Destination;
        let origin = Point::new(119.44, 25.99);
        // Scattered points, a little irregular, and probes among and beyond them.
        let pts: Vec<Point<f64>> = (0..500)
            .map(|i| Geodesic.destination(origin, f64::from(i * 7919 % 360), f64::from(i * 104_729 % 9_000)))
            .collect();
        let index = SurfaceIndex::new(pts.iter().copied().enumerate());
        for k in 0..60 {
            let probe = Geodesic.destination(origin, f64::from(k * 47 % 360), f64::from(k) * 300.0);
            let (i, d) = pts
                .iter()
                .enumerate()
                .map(|(i, q)| (i, geodesic_m(probe, *q)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let n = index.nearest(probe).unwrap();
            assert_eq!((n.index, n.distance_m), (i, d), "probe {k}");
        }
    }

    #[test]
    fn empty_index_finds_nothing() {
        let index = SurfaceIndex::new(std::iter::empty());
        assert!(index.nearest(Point::new(0.0, 0.0)).is_none());
        assert!(!index.any_within(Point::new(0.0, 0.0), 1e6, false));
    }

    #[test]
    fn locator_finds_the_holding_units() {
        let square = |x0: f64, y0: f64, s: f64| {
            MultiPolygon(vec![geo::Polygon::new(
                geo::LineString::from(vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s), (x0, y0)]),
                vec![],
            )])
        };
        let units = [square(0.0, 0.0, 10.0), square(0.0, 0.0, 1.0), square(20.0, 0.0, 1.0)];
        let locator = UnitLocator::new(units.iter());
        assert_eq!(locator.units_at(Point::new(0.5, 0.5)), vec![0, 1]);
        assert_eq!(locator.units_at(Point::new(5.0, 5.0)), vec![0]);
        assert!(locator.units_at(Point::new(15.0, 5.0)).is_empty());
    }
}
