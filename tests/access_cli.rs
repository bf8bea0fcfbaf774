//! `carecircle access` on the demo: 2SFCA scores that share out the supply exactly, in every format.

mod common;
use common::carecircle;

use serde_json::Value;

fn access(args: &[&str]) -> (Value, std::process::Output) {
    let mut all = vec![
        "access",
        "geodata/demo",
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/service-radius",
    ];
    all.extend(args);
    let out = carecircle(&all);
    (serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), out)
}

/// Σ score × demand over the areas equals the floor area of the counted facilities some household can
/// reach: each facility's supply is shared out exactly among the demand within its catchment. The supply
/// is read from the demo's files here, not from carecircle.
#[test]
fn the_scores_share_out_the_supply_exactly() {
    for kernel in ["gaussian", "dai"] {
        let (doc, out) = access(&["--kernel", kernel, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(doc["method"], "2SFCA");
        assert_eq!(doc["catchment_m"], 700.0);
        assert_eq!(doc["unit"], "m2 per 100 households");
        let areas = doc["areas"].as_array().unwrap();
        assert_eq!(areas.len(), 72);
        let shared: f64 = areas
            .iter()
            .map(|a| a["score"].as_f64().unwrap() / 100.0 * a["demand"].as_f64().unwrap())
            .sum();
        let facilities: Value =
            serde_json::from_slice(&std::fs::read("geodata/demo/facilities.geojson").unwrap()).unwrap();
        let community = ["regional_center", "daycare_center", "station", "happiness_court"];
        let counted = ["built", "accepted", "handed_over", "operating"];
        let area_points: Vec<(f64, f64)> = {
            let a: Value =
                serde_json::from_slice(&std::fs::read("geodata/demo/residential_areas.geojson").unwrap()).unwrap();
            a["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    // The demo's areas are axis-aligned rectangles: their centroid is their ring's mean corner.
                    let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
                    let n = (ring.len() - 1) as f64;
                    let x: f64 = ring[..ring.len() - 1]
                        .iter()
                        .map(|c| c[0].as_f64().unwrap())
                        .sum::<f64>()
                        / n;
                    let y: f64 = ring[..ring.len() - 1]
                        .iter()
                        .map(|c| c[1].as_f64().unwrap())
                        .sum::<f64>()
                        / n;
                    (x, y)
                })
                .collect()
        };
        // Metres between two nearby points, roughly (equirectangular): enough to tell which facilities have
        // an area within 700 m, as none lies within 5 m of that edge (asserted).
        let metres = |a: (f64, f64), b: (f64, f64)| {
            let k = 111_320.0;
            ((a.0 - b.0) * k * a.1.to_radians().cos()).hypot((a.1 - b.1) * k)
        };
        let mut supply = 0.0;
        for f in facilities["features"].as_array().unwrap() {
            let p = &f["properties"];
            if community.contains(&p["tier"].as_str().unwrap()) && counted.contains(&p["status"].as_str().unwrap()) {
                let at = (
                    f["geometry"]["coordinates"][0].as_f64().unwrap(),
                    f["geometry"]["coordinates"][1].as_f64().unwrap(),
                );
                let nearest = area_points.iter().map(|&a| metres(a, at)).fold(f64::INFINITY, f64::min);
                assert!(
                    (nearest - 700.0).abs() > 5.0,
                    "a facility {nearest} m from its nearest area is too near the edge"
                );
                if nearest < 700.0 {
                    supply += p["floor_area_m2"].as_f64().unwrap();
                }
            }
        }
        assert!(supply > 0.0);
        assert!(
            (shared - supply).abs() < 1e-6 * supply,
            "{kernel}: {shared} shared, {supply} supplied"
        );
        // Areas no counted facility reaches score 0; the others above 0.
        for a in areas {
            assert_eq!(
                a["facilities"].as_u64() == Some(0),
                a["score"].as_f64() == Some(0.0),
                "{a}"
            );
        }
    }
}

#[test]
fn text_csv_out_and_elderly_demand() {
    let (_, out) = access(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("可达性") && text.contains("罗星街道"), "{text}");
    let (_, out) = access(&["--format", "csv"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 73);
    let (doc, out) = access(&["--demand", "elderly", "--supply", "floor-area", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["unit"], "m2 per 100 elderly");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acc");
    let (_, out) = access(&["--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    for f in ["access.json", "access.csv", "streets.csv"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // The map, when a font that draws Chinese is installed (scripts/test installs one); else it says so.
    if !dir.join("access.png").is_file() {
        assert!(String::from_utf8_lossy(&out.stderr).contains("access.png is skipped"));
    } else {
        assert!(std::fs::read(dir.join("access.png")).unwrap().starts_with(b"\x89PNG"));
    }
}

#[test]
fn refusals_name_what_is_wrong() {
    let out = carecircle(&[
        "access",
        "geodata/demo",
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/new-area-ratio",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("service_radius"));
    let (_, out) = access(&["--sigma", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--sigma"));
}
