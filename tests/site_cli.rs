//! `carecircle site` on the demo: the answer, checked against `check` with the chosen sites built, its
//! files, and its refusals.

mod common;
use common::carecircle;

use serde_json::Value;
use std::path::Path;

fn site(args: &[&str]) -> (Value, std::process::Output) {
    let mut all = vec!["site", "geodata/demo", "--format", "json"];
    all.extend(args);
    let out = carecircle(&all);
    (serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), out)
}

/// `site` over the demo for Anxi's 700 m radius rule, with `extra`.
fn site_radius(extra: &[&str]) -> (Value, std::process::Output) {
    site(
        &[
            &["--rules", "anxi-2022", "--rule", "anxi-2022/service-radius"][..],
            extra,
        ]
        .concat(),
    )
}

/// The households of the areas the radius rule finds out of reach in a check of `dir`.
fn uncovered_households(dir: &Path, areas: &Value) -> u64 {
    let out = carecircle(&[
        "check",
        dir.to_str().unwrap(),
        "--rules",
        "anxi-2022",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let households = |id: &str| {
        areas["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .and_then(|f| f["properties"]["households"].as_u64())
            .unwrap()
    };
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "anxi-2022/service-radius")
        .map(|f| households(f["id"].as_str().unwrap()))
        .sum()
}

/// The demo and the Anxi 700 m rule: the chosen sites, once written into the demo as operating stations,
/// leave out of reach exactly the households the answer says — `check` itself is the judge.
#[test]
fn the_answer_is_what_check_finds_with_the_sites_built() {
    let (doc, out) = site_radius(&["--add", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["goal"], "add");
    assert_eq!(doc["optimal"], true);
    assert_eq!(doc["gap"], 0.0);
    let chosen: Vec<&str> = doc["chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(!chosen.is_empty() && chosen.len() <= 3, "{chosen:?}");
    // The 400 m² single-site minimum of anxi-2022 leaves the 260 m² former clinics out.
    assert_eq!(doc["min_area_m2"], 400.0);
    let small = doc["too_small"].as_array().unwrap();
    assert!(!small.is_empty());
    for id in chosen
        .iter()
        .chain(small.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().iter())
    {
        assert!(id.starts_with('K'), "{id}");
    }

    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/demo");
    let areas: Value = serde_json::from_slice(&std::fs::read(demo.join("residential_areas.geojson")).unwrap()).unwrap();
    let total = doc["total_households"].as_u64().unwrap();
    let before = doc["before_households"].as_u64().unwrap();
    assert_eq!(total - before, uncovered_households(&demo, &areas));

    // The demo again, with the chosen candidates built as operating community stations.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("demo");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&demo).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    let mut facilities: Value =
        serde_json::from_slice(&std::fs::read(demo.join("facilities.geojson")).unwrap()).unwrap();
    let candidates: Value = serde_json::from_slice(&std::fs::read(demo.join("candidates.geojson")).unwrap()).unwrap();
    for id in &chosen {
        let c = candidates["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"] == *id)
            .unwrap();
        facilities["features"].as_array_mut().unwrap().push(serde_json::json!({
            "type": "Feature",
            "geometry": c["geometry"],
            "properties": {"id": format!("NEW-{id}"), "name": "新址", "tier": "station", "status": "operating",
                           "floor_area_m2": c["properties"]["floor_area_m2"]}
        }));
    }
    std::fs::write(
        copy.join("facilities.geojson"),
        serde_json::to_vec(&facilities).unwrap(),
    )
    .unwrap();
    let covered = doc["covered_households"].as_u64().unwrap();
    assert_eq!(total - covered, uncovered_households(&copy, &areas));
    assert!(covered > before);
    // Build order: the first site newly reaches the most, and the phases add up.
    let sites = doc["sites"].as_array().unwrap();
    let gains: Vec<u64> = sites
        .iter()
        .map(|s| s["newly_reached_households"].as_u64().unwrap())
        .collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
    assert_eq!(before + gains.iter().sum::<u64>(), covered);
}

#[test]
fn cover_all_names_what_no_candidate_reaches() {
    let (doc, out) = site_radius(&["--cover-all"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["goal"], "cover_all");
    assert_eq!(doc["optimal"], true);
    assert_eq!(
        doc["min_sites"].as_u64(),
        Some(doc["chosen"].as_array().unwrap().len() as u64)
    );
    let unreachable = doc["unreachable"].as_array().unwrap();
    assert!(!unreachable.is_empty());
    // Every area out of reach after the answer is one no candidate reaches.
    assert_eq!(doc["covered_households"], doc["upper_bound"]);
}

#[test]
fn out_writes_every_file_and_refuses_a_foreign_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let out = carecircle(&common::site_anxi(
        "geodata/demo",
        &["--add", "2", "--out", dir.to_str().unwrap()],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("已证明最优") && text.contains("proved optimal"), "{text}");
    let doc: Value = serde_json::from_slice(&std::fs::read(dir.join("siting.json")).unwrap()).unwrap();
    let n = doc["chosen"].as_array().unwrap().len();
    let csv = std::fs::read_to_string(dir.join("sites.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    assert_eq!(csv.lines().count(), n + 1);
    let geo: Value = serde_json::from_slice(&std::fs::read(dir.join("sites.geojson")).unwrap()).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), n);
    assert_eq!(geo["features"][0]["properties"]["phase"], 1);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(dir.join("sites.xlsx")).unwrap();
    let sheet = book.worksheet_range("选址 sites").unwrap();
    assert_eq!(sheet.height(), n + 1);
    let html = std::fs::read_to_string(dir.join("siting.html")).unwrap();
    assert!(html.contains("分期建设顺序"));
    for map in ["coverage-before.png", "coverage-after.png"] {
        if html.contains(map) {
            assert!(std::fs::read(dir.join(map)).unwrap().starts_with(b"\x89PNG"));
        }
    }
    // A folder holding someone else's file is not replaced.
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep").unwrap();
    let refused = carecircle(&common::site_anxi(
        "geodata/demo",
        &["--add", "2", "--out", foreign.to_str().unwrap()],
    ));
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep");
}

#[test]
fn refusals_name_what_is_wrong() {
    let (_, out) = site(&["--rules", "anxi-2022", "--rule", "anxi-2022/no-such", "--add", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("anxi-2022/no-such") && err.contains("anxi-2022/service-radius"),
        "{err}"
    );

    let (_, out) = site(&[
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/new-area-ratio",
        "--add",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("service_radius"));

    let (_, out) = site(&["--rules", "anxi-2022", "--rule", "anxi-2022/service-radius"]);
    assert_eq!(out.status.code(), Some(2), "a goal is required");

    let (_, out) = site_radius(&["--add", "1", "--time-limit", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--time-limit"));

    // A dataset with no candidates layer.
    let tmp = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/demo");
    for entry in std::fs::read_dir(&demo).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "candidates.geojson" {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
        }
    }
    let out = carecircle(&common::site_anxi(tmp.path().to_str().unwrap(), &["--add", "1"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("candidates.geojson"));
}
