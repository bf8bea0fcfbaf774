//! FlatGeobuf layers (`<layer>.fgb`). The fixtures in `tests/fixtures/fgb/` were made from `geodata/demo` by
//! GDAL 3.6.2, not by carecircle: `ogr2ogr -f FlatGeobuf -mapFieldType StringList=String <layer>.fgb
//! <layer>.geojson` (GDAL 3.6 writes no list columns to FlatGeobuf, so `serves` is its text form
//! `(2:R023,R026)`, and dates are date-times at midnight; its spatial index orders features along a
//! Hilbert curve, so findings come in another order). The same dataset must give the same check — every
//! finding and ledger row the same, in whatever order; a damaged file is a problem naming it, never a
//! crash.

mod common;
use common::carecircle;

use std::path::Path;

fn json_check(dataset: &str) -> serde_json::Value {
    let out = carecircle(&[
        "check",
        dataset,
        "--rules",
        "anxi-2022",
        "mawei-2020",
        "gb50180-2018",
        "jinan-2017",
        "yaohai-2023",
        "--by",
        "community",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = |v: &serde_json::Value, fields: &[&str]| fields.iter().map(|f| v[*f].to_string()).collect::<Vec<_>>();
    for (list, fields) in [
        ("findings", ["rule", "layer", "id"]),
        ("by_unit", ["code", "rule", "level"]),
    ] {
        doc[list].as_array_mut().unwrap().sort_by_key(|v| key(v, &fields));
    }
    // Lists inside a finding (the facilities counted, the areas a message names) follow the file's order.
    for f in doc["findings"].as_array_mut().unwrap() {
        f["facilities"].as_array_mut().unwrap().sort_by_key(|v| v.to_string());
        f["message"] = serde_json::Value::Null;
    }
    doc
}

#[test]
fn the_demo_as_flatgeobuf_checks_as_the_geojson_does() {
    let from_geojson = json_check("geodata/demo");
    let from_fgb = json_check("tests/fixtures/fgb");
    assert!(from_geojson["findings"].as_array().unwrap().len() > 100);
    assert!(from_fgb == from_geojson, "the FlatGeobuf demo judges differently");
    let demo = carecircle::load::load_dataset(Path::new("geodata/demo")).unwrap();
    let fgb = carecircle::load::load_dataset(Path::new("tests/fixtures/fgb")).unwrap();
    assert_eq!(fgb.facilities.len(), demo.facilities.len());
    let pool = |d: &carecircle::model::Dataset| d.facilities.iter().find(|f| f.id == "P24").unwrap().serves.clone();
    assert_eq!(pool(&fgb), ["R023", "R026"]);
    assert_eq!(pool(&fgb), pool(&demo));
}

#[test]
fn a_damaged_flatgeobuf_is_a_problem_not_a_crash() {
    let fixture = std::fs::read("tests/fixtures/fgb/facilities.fgb").unwrap();
    for (what, bytes) in [
        ("cut short", fixture[..fixture.len() * 2 / 3].to_vec()),
        ("not FlatGeobuf", b"{\"type\": \"FeatureCollection\"}".to_vec()),
        (
            "bytes flipped",
            fixture
                .iter()
                .enumerate()
                .map(|(i, b)| if i > 2000 && i % 97 == 0 { !b } else { *b })
                .collect(),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        for name in ["dataset.toml", "admin_units.fgb", "residential_areas.fgb"] {
            std::fs::copy(Path::new("tests/fixtures/fgb").join(name), dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("facilities.fgb"), bytes).unwrap();
        let out = carecircle(&["validate", dir.path().to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains("facilities.fgb"), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}
