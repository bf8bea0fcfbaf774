//! Generates `geodata/demo/`: Fuzhou's 马尾区 (Mawei) with its real street, townships, communities
//! and villages (names and codes from the NBS 2023 division codes), and invented geometry,
//! residential areas and facilities.
//!
//!     cargo run --example make_demo -- [NBS_COMMUNITIES_CSV] [OUT_DIR]
//!
//! Defaults: geodata/sources/nbs-2023-mawei-communities.csv (its origin: geodata/sources/SOURCE.md) and
//! geodata/demo.
//! The layout is deterministic: running it again gives the same files.

use carecircle::crs::Crs;
use carecircle::model::*;
use geo::{Centroid, Geometry, MultiPolygon, Point, Polygon};
use std::path::PathBuf;

/// South-west corner of the invented layout, near the real Mawei.
const ORIGIN: (f64, f64) = (119.40, 25.97);
const CELL_M: f64 = 800.0;

fn point(east: f64, north: f64) -> Point<f64> {
    carecircle::synth::local_point(ORIGIN, east, north)
}

fn rect(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    carecircle::synth::local_rect(ORIGIN, west, south, east, north)
}

/// Short display name: the NBS list writes 君山社区居委会, 上岐村委会.
fn display_name(raw: &str, village: bool) -> String {
    let base = raw
        .trim_end_matches("居民委员会")
        .trim_end_matches("居委会")
        .trim_end_matches("村委会");
    if village {
        if base.ends_with('村') {
            base.to_string()
        } else {
            format!("{base}村")
        }
    } else if base.ends_with("社区") {
        base.to_string()
    } else {
        format!("{base}社区")
    }
}

struct Town {
    code: &'static str,
    name: &'static str,
    level: Level,
    population: u64,
    central: bool,
    columns: usize,
}

const TOWNS: [Town; 4] = [
    Town {
        code: "350105001",
        name: "罗星街道",
        level: Level::Street,
        population: 92_000,
        central: false,
        columns: 4,
    },
    Town {
        code: "350105100",
        name: "马尾镇",
        level: Level::Township,
        population: 61_000,
        central: true,
        columns: 5,
    },
    Town {
        code: "350105101",
        name: "亭江镇",
        level: Level::Township,
        population: 38_000,
        central: false,
        columns: 5,
    },
    Town {
        code: "350105102",
        name: "琅岐镇",
        level: Level::Township,
        population: 56_000,
        central: false,
        columns: 7,
    },
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let csv = PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "geodata/sources/nbs-2023-mawei-communities.csv".into()),
    );
    let out = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "geodata/demo".into()));
    make(&csv, &out);
}

/// Writes the demo dataset into `out` from the NBS list at `csv` (`tests/demo_regenerates.rs` calls it too).
pub fn make(csv: &std::path::Path, out: &std::path::Path) {
    let mut reader = csv::Reader::from_path(csv).unwrap_or_else(|e| panic!("cannot read {}: {e}", csv.display()));
    let rows: Vec<(String, String, String, String)> = reader
        .records()
        .map(|r| r.expect("valid CSV row"))
        .filter(|r| &r[5] == "350105")
        .map(|r| (r[0].to_string(), r[1].to_string(), r[2].to_string(), r[3].to_string()))
        .collect();
    assert_eq!(
        rows.len(),
        79,
        "马尾区 has 17 communities and 62 villages in the NBS 2023 list"
    );

    let mut units = Vec::new();
    let mut areas = Vec::new();
    let mut facilities = Vec::new();
    let mut west = 0.0;
    let mut roads = Vec::new();
    let mut trunk_xs: Vec<f64> = Vec::new();
    let mut area_no: usize = 0;
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut candidate = |name: String, floor_area_m2: f64, at: Point<f64>| {
        let id = format!("K{:02}", candidates.len() + 1);
        candidates.push(Candidate {
            id,
            name,
            floor_area_m2: Some(floor_area_m2),
            geometry: Geometry::Point(at).into(),
            location: at,
        });
    };
    let mut facility_no = 0;
    let mut fid = |prefix: &str| {
        facility_no += 1;
        format!("{prefix}{facility_no:02}")
    };
    let district_south = 0.0;
    let mut district_east: f64 = 0.0;
    let mut district_north: f64 = 0.0;
    for (t, town) in TOWNS.iter().enumerate() {
        let members: Vec<_> = rows.iter().filter(|r| r.3 == town.code).collect();
        let rows_needed = members.len().div_ceil(town.columns);
        let (east, north) = (west + town.columns as f64 * CELL_M, rows_needed as f64 * CELL_M);
        district_east = district_east.max(east);
        district_north = district_north.max(north);
        units.push(AdminUnit {
            code: town.code.into(),
            name: town.name.into(),
            level: town.level,
            parent: Some("350105".into()),
            population: Some(town.population),
            elderly: Some(town.population * 18 / 100),
            households: Some(town.population / 3),
            central: (town.level == Level::Township).then_some(town.central),
            boundary: MultiPolygon(vec![rect(west, district_south, east, north)]),
        });
        for (i, (code, raw_name, kind, _)) in members.iter().enumerate() {
            let village = kind == "cun";
            let (cx, cy) = (
                west + (i % town.columns) as f64 * CELL_M,
                (i / town.columns) as f64 * CELL_M,
            );
            let name = display_name(raw_name, village);
            let population = if village {
                1_500 + (i as u64 * 137) % 1_500
            } else {
                8_000 + (i as u64 * 911) % 4_000
            };
            units.push(AdminUnit {
                code: code.clone(),
                name: name.clone(),
                level: if village { Level::Village } else { Level::Community },
                parent: Some(town.code.into()),
                population: Some(population),
                elderly: Some(population / 5),
                households: Some(population / 3),
                central: None,
                boundary: MultiPolygon(vec![rect(cx, cy, cx + CELL_M, cy + CELL_M)]),
            });
            let at = |fx: f64, fy: f64| point(cx + fx * CELL_M, cy + fy * CELL_M);
            let mut area = |fx: f64, fy: f64, households: u64, kind: AreaKind, label: &str| {
                area_no += 1;
                let polygon = rect(
                    cx + fx * CELL_M - 60.0,
                    cy + fy * CELL_M - 50.0,
                    cx + fx * CELL_M + 60.0,
                    cy + fy * CELL_M + 50.0,
                );
                let id = format!("R{area_no:03}");
                areas.push(ResidentialArea {
                    id: id.clone(),
                    name: format!("{}{label}", name.trim_end_matches("社区").trim_end_matches('村')),
                    households,
                    kind,
                    delivered: (kind == AreaKind::New)
                        .then(|| Date::from_ymd(2021 + (area_no % 3) as i32, 6, 30).expect("valid")),
                    pool: None,
                    location: polygon.centroid().expect("non-empty"),
                    geometry: Geometry::Polygon(polygon).into(),
                });
                id
            };
            if village {
                // Every third village has a settlement registered as a residential area.
                if i % 3 == 0 {
                    area(0.5, 0.5, 150 + (i as u64 * 31) % 200, AreaKind::Existing, "新村");
                }
                // Two villages in three have a happiness court; one of them is small.
                if i % 3 != 1 {
                    let small = t == 2 && i % 3 == 0;
                    facilities.push(Facility::at_point(
                        fid("H"),
                        format!("{name}农村幸福院"),
                        Tier::HappinessCourt,
                        if small { 150.0 } else { 200.0 + (i % 4) as f64 * 20.0 },
                        if i % 5 == 4 {
                            Status::Building
                        } else {
                            Status::Operating
                        },
                        at(0.3, 0.6),
                    ));
                }
                // Candidate sites (idle public buildings, 闲置公共用房): a closed village school in one
                // village in six.
                if i % 6 == 0 {
                    candidate(
                        format!("{name}原村小学校舍"),
                        520.0 + (i % 4) as f64 * 40.0,
                        at(0.45, 0.55),
                    );
                }
                continue;
            }
            // Communities: two existing estates and one new one served by its own facility.
            let hh = 500 + (i as u64 * 263) % 700;
            area(0.25, 0.3, hh, AreaKind::Existing, "花园");
            area(0.75, 0.3, hh + 200, AreaKind::Existing, "新村");
            let new_households = 1_200 + (i as u64 * 377) % 1_000;
            let new_id = area(0.5, 0.8, new_households, AreaKind::New, "府");
            // The community station: missing in every fifth community; closed in one.
            if i % 5 != 3 {
                let status = if t == 1 && i == 1 {
                    Status::Closed
                } else {
                    Status::Operating
                };
                // One station built after 2017 is smaller than the 150 m² a new station needs.
                let floor = if i == 4 { 120.0 } else { 180.0 + (i % 4) as f64 * 90.0 };
                let mut f = Facility::at_point(
                    fid("S"),
                    format!("{name}居家养老服务站"),
                    Tier::Station,
                    floor,
                    status,
                    at(0.5, 0.45),
                );
                f.handed_over = Date::from_ymd(2015 + (i % 6) as i32, 3, 1);
                facilities.push(f);
            }
            // The new estate's own facility (配建): enough in some, too small in others, planned in one.
            let share = [1.2, 0.7, 1.05, 0.5][i % 4];
            let floor = (new_households as f64 * 0.30 * share).round();
            let status = match i % 6 {
                _ if i % 5 == 3 => Status::Planned,
                2 => Status::Planned,
                4 => Status::Accepted,
                _ => Status::HandedOver,
            };
            let mut f = Facility::at_point(
                fid("P"),
                format!("{name}配建养老服务用房"),
                Tier::Station,
                floor,
                status,
                at(0.55, 0.8),
            );
            // Handed over with the homes (四同步), except one in three, which came 75 days late.
            let delivered = areas.last().and_then(|a: &ResidentialArea| a.delivered);
            f.serves = vec![new_id];
            f.handed_over = delivered.filter(|_| status == Status::HandedOver).and_then(|d| {
                let (y, _, _) = d.ymd();
                if i % 3 == 1 {
                    Date::from_ymd(y, 9, 13)
                } else {
                    Some(d)
                }
            });
            facilities.push(f);
            // Candidate sites: idle offices where the station is missing, and in one community in three a
            // former clinic too small for the 400 m² single site the Anxi rules want.
            if i % 5 == 3 {
                candidate(
                    format!("{name}闲置办公用房"),
                    450.0 + (i % 3) as f64 * 80.0,
                    at(0.55, 0.5),
                );
            }
            if i % 3 == 0 {
                candidate(format!("{name}原社区卫生室"), 260.0, at(0.15, 0.85));
            }
            // A community health station next door to three estates' facilities in four (医养结合).
            if i % 4 != 3 {
                let mut clinic = Facility::at_point(
                    fid("M"),
                    format!("{name}社区卫生服务站"),
                    Tier::Medical,
                    300.0,
                    Status::Operating,
                    at(0.60, 0.8),
                );
                clinic.handed_over = None;
                facilities.push(clinic);
            }
        }
        // A street every half cell, with a vertex at every crossing so the streets connect.
        let step = CELL_M / 2.0;
        let xs: Vec<f64> = (0..=(2 * town.columns)).map(|k| west + k as f64 * step).collect();
        let ys: Vec<f64> = (0..=(2 * rows_needed)).map(|k| k as f64 * step).collect();
        for &x in &xs {
            roads.push(street(ys.iter().map(|&y| point(x, y)).collect()));
        }
        for &y in &ys {
            roads.push(street(xs.iter().map(|&x| point(x, y)).collect()));
        }
        trunk_xs.extend(xs);
        west = east + 200.0;
    }
    // The trunk road along the district's southern edge links the towns.
    roads.push(street(trunk_xs.iter().map(|&x| point(x, 0.0)).collect()));

    // Two new estates in 马尾镇 meet their quota together (集中配建) from one shared centre.
    let pooled: Vec<String> = areas
        .iter()
        .filter(|a| a.kind == AreaKind::New)
        .skip(6)
        .take(2)
        .map(|a| a.id.clone())
        .collect();
    for a in areas.iter_mut().filter(|a| pooled.contains(&a.id)) {
        a.pool = Some("POOL-马尾镇-1".into());
    }
    for f in facilities
        .iter_mut()
        .filter(|f| f.serves.iter().any(|s| pooled.contains(s)))
    {
        f.serves = pooled.clone();
    }

    // Street- and township-level facilities (three-tier layout).
    let town_at = |t: usize, fx: f64, fy: f64| {
        let u = units.iter().find(|u| u.code == TOWNS[t].code).expect("town");
        let r = geo::BoundingRect::bounding_rect(&u.boundary).expect("bounds");
        Point::new(r.min().x + fx * r.width(), r.min().y + fy * r.height())
    };
    let mut add = |prefix: &str, name: &str, tier: Tier, floor: f64, status: Status, at: Point<f64>| {
        let mut f = Facility::at_point(fid(prefix), name.into(), tier, floor, status, at);
        if matches!(tier, Tier::Institution | Tier::RegionalCenter) {
            f.beds = Some((floor / 20.0) as u64);
            f.nursing_beds = Some((floor / 30.0) as u64);
        }
        if tier == Tier::DaycareCenter {
            f.meal_service = Some(status != Status::Building);
        }
        facilities.push(f);
    };
    add(
        "C",
        "罗星街道养老服务综合体",
        Tier::RegionalCenter,
        1_500.0,
        Status::Operating,
        town_at(0, 0.45, 0.55),
    );
    add(
        "D",
        "罗星街道居家社区养老服务照料中心",
        Tier::DaycareCenter,
        650.0,
        Status::Operating,
        town_at(0, 0.6, 0.35),
    );
    add(
        "D",
        "马尾镇居家社区养老服务照料中心",
        Tier::DaycareCenter,
        420.0,
        Status::Building,
        town_at(1, 0.5, 0.5),
    );
    add(
        "D",
        "亭江镇居家社区养老服务照料中心",
        Tier::DaycareCenter,
        320.0,
        Status::Operating,
        town_at(2, 0.3, 0.3),
    );
    add(
        "I",
        "马尾区社会福利中心",
        Tier::Institution,
        6_000.0,
        Status::Operating,
        town_at(1, 0.3, 0.2),
    );
    add(
        "I",
        "亭江镇敬老院",
        Tier::Institution,
        2_400.0,
        Status::Planned,
        town_at(2, 0.7, 0.6),
    );
    add(
        "K",
        "罗星长者食堂",
        Tier::Canteen,
        180.0,
        Status::Operating,
        town_at(0, 0.35, 0.4),
    );
    add(
        "M",
        "罗星街道社区卫生服务中心",
        Tier::Medical,
        2_000.0,
        Status::Operating,
        town_at(0, 0.62, 0.37),
    );
    add(
        "M",
        "琅岐镇卫生院",
        Tier::Medical,
        1_800.0,
        Status::Operating,
        town_at(3, 0.5, 0.5),
    );

    units.insert(
        0,
        AdminUnit {
            code: "350105".into(),
            name: "马尾区".into(),
            level: Level::District,
            parent: None,
            population: Some(TOWNS.iter().map(|t| t.population).sum()),
            elderly: Some(TOWNS.iter().map(|t| t.population * 18 / 100).sum()),
            households: None,
            central: None,
            boundary: MultiPolygon(vec![rect(0.0, district_south, district_east, district_north)]),
        },
    );
    let dataset = Dataset {
        name: "马尾区 2024 回头看（演示）".into(),
        source_crs: Crs::Wgs84,
        as_of: Date::from_ymd(2024, 12, 31).expect("valid"),
        admin_units: units,
        residential_areas: areas,
        facilities,
        roads,
        candidates,
    };
    let description = "演示数据：行政区划名称和代码取自国家统计局2023年统计用区划代码；边界、小区和设施均为虚构。\
                       Demo data: unit names and codes are real (NBS 2023); all geometry, residential areas and facilities are invented.";
    carecircle::write::write_dataset(&dataset, out, Crs::Wgs84, description).expect("write the demo dataset");
    println!(
        "wrote {}: {} admin units, {} residential areas, {} facilities, {} candidate sites",
        out.display(),
        dataset.admin_units.len(),
        dataset.residential_areas.len(),
        dataset.facilities.len(),
        dataset.candidates.len()
    );
}

fn street(points: Vec<Point<f64>>) -> Road {
    Road {
        walkable: true,
        geometry: geo::MultiLineString(vec![geo::LineString::from(points)]),
    }
}
