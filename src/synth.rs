//! Deterministic synthetic datasets of any size, for benchmarks and scale tests.
//!
//! The same `(areas, facilities, seed)` always gives the same dataset, on any machine and with any
//! crate versions: the random numbers come from SplitMix64, written out here for that reason.

use crate::crs::Crs;
use crate::model::*;
use geo::{Geometry, LineString, MultiPolygon, Point, Polygon};

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and fixed forever.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A standard normal (Box–Muller, from two uniforms).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(f64::MIN_POSITIVE), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Fuzhou: synthetic cities are centred here.
const CENTRE: (f64, f64) = (119.30, 26.05);
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Spacing of residential areas on the synthetic grid.
const AREA_SPACING_M: f64 = 150.0;
const STREET_SIDE_M: f64 = 10_000.0;
const COMMUNITY_SIDE_M: f64 = 2_000.0;
/// Streets run every this many metres both ways, meeting at shared vertices.
const STREET_SPACING_M: f64 = 300.0;

/// A point `east`/`north` metres from `origin` (local equirectangular: fine for invented layouts).
pub fn local_point(origin: (f64, f64), east: f64, north: f64) -> Point<f64> {
    let lat0 = origin.1.to_radians();
    Point::new(
        origin.0 + east / (METRES_PER_DEGREE * lat0.cos()),
        origin.1 + north / METRES_PER_DEGREE,
    )
}

/// The rectangle between two corners given in metres from `origin`.
pub fn local_rect(origin: (f64, f64), west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    let c = [
        (west, south),
        (east, south),
        (east, north),
        (west, north),
        (west, south),
    ];
    let ring: Vec<(f64, f64)> = c
        .iter()
        .map(|&(e, n)| {
            let p = local_point(origin, e, n);
            (p.x(), p.y())
        })
        .collect();
    Polygon::new(LineString::from(ring), vec![])
}

fn point(east: f64, north: f64) -> Point<f64> {
    local_point(CENTRE, east, north)
}

fn square(west: f64, south: f64, side: f64) -> Polygon<f64> {
    local_rect(CENTRE, west, south, west + side, south + side)
}

/// The city's grid for `area_count` areas: areas per row, and the side of the square city in metres.
fn grid(area_count: usize) -> (usize, f64) {
    let per_row = (area_count as f64).sqrt().ceil().max(1.0) as usize;
    (per_row, per_row as f64 * AREA_SPACING_M)
}

/// Area `i`'s centre, in metres east and north of the city's corner.
fn area_centre(i: usize, per_row: usize) -> (f64, f64) {
    (
        (i % per_row) as f64 * AREA_SPACING_M + AREA_SPACING_M / 2.0,
        (i / per_row) as f64 * AREA_SPACING_M + AREA_SPACING_M / 2.0,
    )
}

/// Builds a synthetic city: `areas` residential areas on a grid, `facilities` facilities scattered
/// over it, streets of 10 km and communities of 2 km covering it.
pub fn synthesize(area_count: usize, facility_count: usize, seed: u64) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let (per_row, side) = grid(area_count);

    let mut admin_units = Vec::new();
    let streets = (side / STREET_SIDE_M).ceil().max(1.0) as usize;
    let per_street = (STREET_SIDE_M / COMMUNITY_SIDE_M) as usize;
    for sy in 0..streets {
        for sx in 0..streets {
            let code = format!("S{sx:03}{sy:03}");
            let (w, s) = (sx as f64 * STREET_SIDE_M, sy as f64 * STREET_SIDE_M);
            admin_units.push(AdminUnit {
                code: code.clone(),
                name: format!("合成{sx}-{sy}街道"),
                level: Level::Street,
                parent: None,
                population: Some(30_000 + rng.below(90_000)),
                elderly: None,
                households: None,
                central: None,
                boundary: MultiPolygon(vec![square(w, s, STREET_SIDE_M)]),
            });
            for cy in 0..per_street {
                for cx in 0..per_street {
                    admin_units.push(AdminUnit {
                        code: format!("{code}C{cx}{cy}"),
                        name: format!("合成{sx}-{sy}-{cx}{cy}社区"),
                        level: Level::Community,
                        parent: Some(code.clone()),
                        population: Some(5_000 + rng.below(10_000)),
                        elderly: None,
                        households: None,
                        central: None,
                        boundary: MultiPolygon(vec![square(
                            w + cx as f64 * COMMUNITY_SIDE_M,
                            s + cy as f64 * COMMUNITY_SIDE_M,
                            COMMUNITY_SIDE_M,
                        )]),
                    });
                }
            }
        }
    }

    let residential_areas: Vec<ResidentialArea> = (0..area_count)
        .map(|i| {
            let (gx, gy) = ((i % per_row) as f64, (i / per_row) as f64);
            let polygon = square(gx * AREA_SPACING_M + 45.0, gy * AREA_SPACING_M + 45.0, 60.0);
            let (e, n) = area_centre(i, per_row);
            let location = point(e, n);
            let kind = if rng.below(10) < 3 {
                AreaKind::New
            } else {
                AreaKind::Existing
            };
            ResidentialArea {
                id: format!("A{i}"),
                name: format!("合成小区{i}"),
                households: 100 + rng.below(2_900),
                kind,
                delivered: None,
                pool: (kind == AreaKind::New && rng.below(10) == 0).then(|| format!("P{}", i / 50)),
                geometry: Geometry::Polygon(polygon).into(),
                location,
            }
        })
        .collect();

    let tiers = [
        Tier::Station,
        Tier::Station,
        Tier::Station,
        Tier::DaycareCenter,
        Tier::RegionalCenter,
        Tier::Institution,
        Tier::Medical,
        Tier::Canteen,
    ];
    let statuses = [
        Status::Operating,
        Status::Operating,
        Status::HandedOver,
        Status::Built,
        Status::Accepted,
        Status::Planned,
        Status::Building,
        Status::Closed,
    ];
    let facilities = (0..facility_count)
        .map(|i| {
            let (e, n) = (rng.unit() * side, rng.unit() * side);
            let location = point(e, n);
            let tier = tiers[rng.below(tiers.len() as u64) as usize];
            // The area under the facility's grid cell, if it is new, is served by it.
            let (gx, gy) = ((e / AREA_SPACING_M) as usize, (n / AREA_SPACING_M) as usize);
            let cell = gy * per_row + gx.min(per_row - 1);
            let serves = residential_areas
                .get(cell)
                .filter(|a| a.kind == AreaKind::New && Tier::COMMUNITY.contains(&tier))
                .map(|a| vec![a.id.clone()])
                .unwrap_or_default();
            Facility {
                id: format!("F{i}"),
                name: format!("合成设施{i}"),
                tier,
                floor_area_m2: (100 + rng.below(900)) as f64,
                beds: None,
                nursing_beds: None,
                status: statuses[rng.below(statuses.len() as u64) as usize],
                handed_over: None,
                serves,
                meal_service: Some(rng.below(2) == 0),
                geometry: Geometry::Point(location).into(),
                location,
            }
        })
        .collect();

    Dataset {
        name: format!("合成数据 synthetic {area_count}×{facility_count} seed {seed}"),
        source_crs: Crs::Wgs84,
        as_of: Date::from_ymd(2024, 12, 31).unwrap_or_default(),
        admin_units,
        residential_areas,
        facilities,
        roads: street_grid(side),
        candidates: Vec::new(),
    }
}

/// Adds `count` candidate sites (idle buildings, 150–1 000 m²) scattered over the city, from their own
/// random stream so the rest of the dataset is the same with or without them.
pub fn add_candidates(dataset: &mut Dataset, count: usize, seed: u64) {
    let mut rng = SplitMix64::new(seed ^ 0xCA4D_1DA7E);
    let (_, side) = grid(dataset.residential_areas.len());
    dataset.candidates = (0..count)
        .map(|i| {
            let location = point(rng.unit() * side, rng.unit() * side);
            Candidate {
                id: format!("K{i}"),
                name: format!("合成候选点{i}"),
                floor_area_m2: Some((150 + rng.below(851)) as f64),
                geometry: Geometry::Point(location).into(),
                location,
            }
        })
        .collect();
}

/// Makes the city clustered, as real ones are: `clusters` dense cores where households run up to ten
/// times the outskirts', most facilities (70 %) and candidate sites (80 %) gathered around the cores.
/// Candidates then overlap heavily, which makes siting far harder than on the uniform city. Its own
/// random stream: the uniform city is unchanged without it. `clusters` = 0 leaves the city as it is.
pub fn cluster(dataset: &mut Dataset, clusters: usize, seed: u64) {
    if clusters == 0 {
        return;
    }
    let mut rng = SplitMix64::new(seed ^ 0xC1_05_7E_4D);
    let (per_row, side) = grid(dataset.residential_areas.len());
    let cores: Vec<(f64, f64)> = (0..clusters)
        .map(|_| (side * (0.15 + 0.7 * rng.unit()), side * (0.15 + 0.7 * rng.unit())))
        .collect();
    let sigma = side / (4.0 * (clusters as f64).sqrt());
    for (i, area) in dataset.residential_areas.iter_mut().enumerate() {
        let (e, n) = area_centre(i, per_row);
        let near = cores
            .iter()
            .map(|&(x, y)| (e - x).powi(2) + (n - y).powi(2))
            .fold(f64::INFINITY, f64::min);
        let weight = 1.0 + 9.0 * (-near / (2.0 * sigma * sigma)).exp();
        area.households = ((area.households as f64) * weight).round() as u64;
    }
    let near_a_core = |rng: &mut SplitMix64, spread: f64| {
        let (x, y) = cores[rng.below(cores.len() as u64) as usize];
        let e = (x + rng.normal() * spread).clamp(0.0, side);
        let n = (y + rng.normal() * spread).clamp(0.0, side);
        point(e, n)
    };
    for f in dataset.facilities.iter_mut() {
        if rng.below(10) < 7 {
            f.location = near_a_core(&mut rng, sigma);
            f.geometry = Geometry::Point(f.location).into();
            // It no longer stands on the area it was built with.
            f.serves.clear();
        }
    }
    for c in dataset.candidates.iter_mut() {
        if rng.below(10) < 8 {
            c.location = near_a_core(&mut rng, sigma / 2.0);
            c.geometry = Geometry::Point(c.location).into();
        }
    }
    dataset.name = format!("{}, {clusters} clusters", dataset.name);
}

/// A grid of walkable streets over the square city, a vertex at every crossing.
fn street_grid(side: f64) -> Vec<Road> {
    let lines = (side / STREET_SPACING_M).ceil() as usize;
    let at: Vec<f64> = (0..=lines).map(|k| k as f64 * STREET_SPACING_M).collect();
    let street = |points: Vec<Point<f64>>| Road {
        walkable: true,
        geometry: geo::MultiLineString(vec![geo::LineString::from(points)]),
    };
    let mut roads = Vec::with_capacity(2 * at.len());
    for &x in &at {
        roads.push(street(at.iter().map(|&y| point(x, y)).collect()));
    }
    for &y in &at {
        roads.push(street(at.iter().map(|&x| point(x, y)).collect()));
    }
    roads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_city() {
        let a = synthesize(500, 80, 7);
        let b = synthesize(500, 80, 7);
        let c = synthesize(500, 80, 8);
        assert_eq!(a.residential_areas.len(), 500);
        assert_eq!(a.facilities.len(), 80);
        let key = |d: &Dataset| {
            d.facilities
                .iter()
                .map(|f| (f.location.x().to_bits(), f.tier))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
    }

    /// Clustering keeps every count, crowds households into the cores, and gathers facilities there.
    #[test]
    fn clustered_cities_crowd_their_cores() {
        let uniform = synthesize(10_000, 400, 3);
        let mut clustered = synthesize(10_000, 400, 3);
        add_candidates(&mut clustered, 300, 3);
        cluster(&mut clustered, 3, 3);
        assert_eq!(clustered.residential_areas.len(), 10_000);
        assert_eq!(clustered.facilities.len(), 400);
        let households = |d: &Dataset| d.residential_areas.iter().map(|a| a.households).collect::<Vec<_>>();
        let (before, after) = (households(&uniform), households(&clustered));
        assert!(before.iter().zip(&after).all(|(b, a)| a >= b && *a <= 10 * b));
        // The most crowded tenth of the areas holds far more than a tenth of the households.
        let mut sorted = after.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let top: u64 = sorted[..1_000].iter().sum();
        let all: u64 = sorted.iter().sum();
        assert!(top as f64 > 0.2 * all as f64, "{top} of {all}");
        let moved = uniform
            .facilities
            .iter()
            .zip(&clustered.facilities)
            .filter(|(u, c)| u.location != c.location)
            .count();
        assert!((200..=360).contains(&moved), "{moved} of 400 gathered");
        let mut again = synthesize(10_000, 400, 3);
        add_candidates(&mut again, 300, 3);
        cluster(&mut again, 3, 3);
        assert_eq!(households(&again), after, "deterministic");
    }
}
