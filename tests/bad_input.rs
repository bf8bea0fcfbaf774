//! Every class of bad input gets a clear message naming the file, the feature, the property and
//! what was expected; all problems of a dataset are reported together; exit 2; nothing written.

use carecircle::load::{load_dataset, Problem};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const HEADER: &str = "name = \"坏数据\"\ncrs = \"EPSG:4326\"\nas_of = \"2024-12-31\"\n";

fn square(x: f64, y: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]]})
}

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn write(dir: &Path, name: &str, features: Vec<Value>) {
    let fc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(&fc).unwrap()).unwrap();
}

/// A small valid dataset: one community, two areas, one station.
fn good(dir: &Path) {
    std::fs::write(dir.join("dataset.toml"), HEADER).unwrap();
    write(
        dir,
        "admin_units.geojson",
        vec![feature(
            json!({"type": "Polygon", "coordinates": [[[119.4, 25.9], [119.5, 25.9], [119.5, 26.0], [119.4, 26.0], [119.4, 25.9]]]}),
            json!({"code": "C1", "name": "罗星社区", "level": "社区"}),
        )],
    );
    write(
        dir,
        "residential_areas.geojson",
        vec![
            feature(
                square(119.45, 25.95),
                json!({"id": "R1", "name": "一号小区", "households": 300, "kind": "新建"}),
            ),
            feature(
                square(119.46, 25.95),
                json!({"id": "R2", "name": "二号小区", "households": 200, "kind": "existing"}),
            ),
        ],
    );
    write(
        dir,
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.455, 25.952]}),
            json!({"id": "F1", "name": "服务站", "tier": "居家养老服务站", "floor_area_m2": 200, "status": "operating", "serves": ["R1"]}),
        )],
    );
}

fn problems(dir: &Path) -> Vec<Problem> {
    load_dataset(dir).expect_err("the dataset is bad").0
}

fn find<'a>(problems: &'a [Problem], feature: &str, property: &str) -> &'a Problem {
    problems
        .iter()
        .find(|p| p.feature.as_deref().is_some_and(|f| f.contains(feature)) && p.property.as_deref() == Some(property))
        .unwrap_or_else(|| panic!("no problem for {feature}/{property} in {problems:#?}"))
}

#[test]
fn the_good_fixture_loads() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    let d = load_dataset(dir.path()).unwrap();
    assert_eq!(
        (d.admin_units.len(), d.residential_areas.len(), d.facilities.len()),
        (1, 2, 1)
    );
}

#[test]
fn every_feature_problem_is_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    let unclosed = json!({"type": "Polygon", "coordinates": [[[119.45, 25.95], [119.451, 25.95], [119.451, 25.951], [119.45, 25.951]]]});
    let bowtie = json!({"type": "Polygon", "coordinates": [[[119.45, 25.95], [119.451, 25.951], [119.451, 25.95], [119.45, 25.951], [119.45, 25.95]]]});
    write(
        dir.path(),
        "residential_areas.geojson",
        vec![
            feature(
                square(119.45, 25.95),
                json!({"id": "R1", "name": "一号", "households": 300, "kind": "new"}),
            ),
            feature(
                json!({"type": "LineString", "coordinates": [[119.45, 25.95], [119.46, 25.95]]}),
                json!({"id": "LINE", "name": "线", "households": 10, "kind": "new"}),
            ),
            feature(
                unclosed,
                json!({"id": "OPEN", "name": "开口", "households": 10, "kind": "new"}),
            ),
            feature(
                bowtie,
                json!({"id": "BOW", "name": "自交", "households": 10, "kind": "new"}),
            ),
            feature(
                square(200.0, 25.95),
                json!({"id": "FAR", "name": "越界", "households": 10, "kind": "new"}),
            ),
            feature(
                square(25.95, 119.45),
                json!({"id": "SWAP", "name": "颠倒", "households": 10, "kind": "new"}),
            ),
            feature(
                square(119.47, 25.95),
                json!({"id": "NEG", "name": "负户", "households": -5, "kind": "new"}),
            ),
            feature(
                square(119.48, 25.95),
                json!({"id": "NOHH", "name": "无户", "kind": "new"}),
            ),
            feature(
                square(119.49, 25.95),
                json!({"id": "R1", "name": "重复", "households": 10, "kind": "new"}),
            ),
            feature(
                square(119.49, 25.96),
                json!({"name": "无编号", "households": 10, "kind": "shiny"}),
            ),
        ],
    );
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.455, 25.952]}),
            json!({"id": "F1", "name": "站", "tier": "spa", "floor_area_m2": 200, "status": "operating", "serves": ["R404"]}),
        )],
    );
    let p = problems(dir.path());

    let m = &find(&p, "LINE", "geometry").message;
    assert!(
        m.contains("wrong geometry type LineString") && m.contains("Polygon, MultiPolygon or Point"),
        "{m}"
    );
    let m = &find(&p, "OPEN", "geometry").message;
    assert!(m.contains("not closed"), "{m}");
    let m = &find(&p, "BOW", "geometry").message;
    assert!(m.contains("self-intersection"), "{m}");
    let m = &find(&p, "FAR", "geometry").message;
    assert!(m.contains("out of range") && m.contains("longitude -180 … 180"), "{m}");
    let m = &find(&p, "SWAP", "geometry").message;
    assert!(m.contains("axes look swapped"), "{m}");
    let m = &find(&p, "NEG", "households").message;
    assert!(m.contains("an integer from 1 to") && m.contains("-5"), "{m}");
    let m = &find(&p, "NOHH", "households").message;
    assert!(m.contains("missing"), "{m}");
    let m = &find(&p, "R1", "id").message;
    assert!(m.contains("duplicate"), "{m}");
    // A feature with no id is named by its index.
    let m = &find(&p, "index 9", "kind").message;
    assert!(
        m.contains("\"shiny\"") && m.contains("new (新建)") && m.contains("existing (已建成, 老城区, 老旧小区)"),
        "{m}"
    );
    let m = &find(&p, "F1", "tier").message;
    assert!(
        m.contains("\"spa\"") && m.contains("happiness_court (农村幸福院, 幸福院)"),
        "{m}"
    );
    let m = &find(&p, "F1", "serves").message;
    assert!(m.contains("R404"), "{m}");
    assert!(p
        .iter()
        .all(|p| p.file == "residential_areas.geojson" || p.file == "facilities.geojson"));
    let m = &find(&p, "index 9", "id").message;
    assert!(m.contains("missing"), "{m}");
    assert_eq!(p.len(), 12, "{p:#?}");
}

#[test]
fn truncated_json_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    let text = std::fs::read_to_string(dir.path().join("facilities.geojson")).unwrap();
    std::fs::write(dir.path().join("facilities.geojson"), &text[..text.len() / 2]).unwrap();
    let p = problems(dir.path());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].file, "facilities.geojson");
    assert!(
        p[0].message.contains("truncated") && p[0].message.contains("line"),
        "{}",
        p[0].message
    );
}

#[test]
fn unknown_crs_and_missing_layer() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    std::fs::write(
        dir.path().join("dataset.toml"),
        HEADER.replace("EPSG:4326", "EPSG:3857"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("facilities.geojson")).unwrap();
    let p = problems(dir.path());
    let crs = p
        .iter()
        .find(|p| p.property.as_deref() == Some("crs"))
        .expect("crs problem");
    assert!(
        crs.message.contains("EPSG:3857") && crs.message.contains("GCJ-02"),
        "{}",
        crs.message
    );
    assert!(p
        .iter()
        .any(|p| p.file == "facilities.geojson" && p.message.contains("required layer missing")));
}

#[test]
fn gauss_kruger_swapped_axes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    std::fs::write(
        dir.path().join("dataset.toml"),
        HEADER.replace("EPSG:4326", "EPSG:4549"),
    )
    .unwrap();
    // Northing first, as EPSG declares for the CRS; carecircle reads easting first.
    let (e, n) = (443_789.0, 2_876_024.0);
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [n, e]}),
            json!({"id": "F1", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
        )],
    );
    let p = problems(dir.path());
    let m = &find(&p, "F1", "geometry").message;
    assert!(m.contains("axes look swapped") && m.contains("easting first"), "{m}");
}

#[test]
fn csv_layers_load_and_bad_cells_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    std::fs::remove_file(dir.path().join("facilities.geojson")).unwrap();
    std::fs::write(
        dir.path().join("facilities.csv"),
        "\u{feff}id,name,tier,floor_area_m2,status,serves,lon,lat\nF1,服务站,station,200,operating,R1,119.455,25.952\nF2,二站,station,lots,operating,,119.456,25.952\n",
    )
    .unwrap();
    let p = problems(dir.path());
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (p[0].file.as_str(), p[0].feature.as_deref(), p[0].property.as_deref()),
        ("facilities.csv", Some("line 3"), Some("floor_area_m2"))
    );
    std::fs::write(
        dir.path().join("facilities.csv"),
        "id,name,tier,floor_area_m2,status,serves,wkt\nF1,服务站,station,200,operating,R1;R2,POINT(119.455 25.952)\n",
    )
    .unwrap();
    let d = load_dataset(dir.path()).unwrap();
    assert_eq!(d.facilities[0].serves, ["R1", "R2"]);
}

#[test]
fn the_cli_exits_2_prints_nothing_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.455, 25.952]}),
            json!({"id": "F1", "name": "站", "tier": "spa", "floor_area_m2": 200, "status": "operating"}),
        )],
    );
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            dir.path().to_str().unwrap(),
            "--rules",
            "rules/anxi-2022.toml",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!out_dir.exists());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "facilities.geojson: feature id \"F1\" (index 0): property \"tier\": 未知取值 unknown value \"spa\""
        ),
        "{err}"
    );
}

/// A position with fewer than two numbers is a problem named like any other, never a panic (the GeoJSON
/// conversion indexes the second number), in every geometry type and through the command line.
#[test]
fn short_positions_are_problems_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    write(
        dir.path(),
        "facilities.geojson",
        vec![
            feature(
                json!({"type": "MultiPoint", "coordinates": [[1]]}),
                json!({"id": "MP", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
            ),
            feature(
                json!({"type": "Polygon", "coordinates": [[[119.45, 25.95], [119.451], [119.451, 25.951], [119.45, 25.95]]]}),
                json!({"id": "PG", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
            ),
            feature(
                json!({"type": "GeometryCollection", "geometries": [{"type": "LineString", "coordinates": [[1, 2], []]}]}),
                json!({"id": "GC", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
            ),
        ],
    );
    let found = problems(dir.path());
    for id in ["MP", "PG", "GC"] {
        assert!(find(&found, id, "geometry").message.contains("fewer than two numbers"));
    }
    for command in ["validate", "check"] {
        let mut args = vec![command, dir.path().to_str().unwrap()];
        if command == "check" {
            args.extend(["--rules", "rules/mawei-2020.toml"]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A Point's position is checked as GeoJSON is read.
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.4]}),
            json!({"id": "PT", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
        )],
    );
    assert!(find(&problems(dir.path()), "PT", "geometry")
        .message
        .contains("two or more"));
}

/// Misspelt optional keys would flip verdicts in silence: they are warnings naming the nearest known key,
/// and `--strict` makes them errors.
#[test]
fn unknown_properties_are_warned_of_with_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.455, 25.952]}),
            json!({"id": "F1", "name": "服务站", "tier": "station", "floor_area_m2": 200, "status": "operating",
                   "handed_ovr": "2023-01-01", "nursing_bed": 3, "colour": "red"}),
        )],
    );
    let (_, warnings) = carecircle::load::load_dataset_with_warnings(dir.path()).unwrap();
    let message = |key: &str| {
        warnings
            .iter()
            .find(|w| w.property.as_deref() == Some(key))
            .unwrap_or_else(|| panic!("no warning for {key}: {warnings:?}"))
            .message
            .clone()
    };
    assert!(message("handed_ovr").contains("did you mean \"handed_over\""));
    assert!(message("nursing_bed").contains("did you mean \"nursing_beds\""));
    assert!(!message("colour").contains("did you mean"));
    let run = |strict: bool| {
        let mut args = vec!["validate", dir.path().to_str().unwrap()];
        if strict {
            args.push("--strict");
        }
        Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(&args)
            .output()
            .unwrap()
    };
    let lenient = run(false);
    assert_eq!(lenient.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&lenient.stderr).contains("handed_ovr"));
    assert_eq!(run(true).status.code(), Some(2));
}

/// One unreadable geometry is one problem: the feature stays for the cross-checks, so the facilities
/// serving it are not reported as naming nothing.
#[test]
fn one_bad_geometry_does_not_hide_its_layer() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    write(
        dir.path(),
        "residential_areas.geojson",
        vec![
            feature(
                json!({"type": "Point", "coordinates": [119.45]}),
                json!({"id": "R1", "name": "一号小区", "households": 300, "kind": "new"}),
            ),
            feature(
                square(119.46, 25.95),
                json!({"id": "R2", "name": "二号小区", "households": 200, "kind": "existing"}),
            ),
        ],
    );
    let found = problems(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].property.as_deref(), Some("geometry"));
}

/// GCJ-02 is undefined outside China; an admin unit needs a boundary and a parent other than itself.
#[test]
fn points_outside_china_in_gcj02_and_malformed_admin_units_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    std::fs::write(dir.path().join("dataset.toml"), HEADER.replace("EPSG:4326", "GCJ-02")).unwrap();
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [10.0, 50.0]}),
            json!({"id": "F1", "name": "服务站", "tier": "station", "floor_area_m2": 200, "status": "operating"}),
        )],
    );
    write(
        dir.path(),
        "admin_units.geojson",
        vec![
            feature(
                json!({"type": "Polygon", "coordinates": [[[119.4, 25.9], [119.5, 25.9], [119.5, 26.0], [119.4, 26.0], [119.4, 25.9]]]}),
                json!({"code": "C1", "name": "罗星社区", "level": "社区", "parent": "C1"}),
            ),
            feature(
                json!({"type": "MultiPolygon", "coordinates": []}),
                json!({"code": "C2", "name": "空社区", "level": "社区"}),
            ),
        ],
    );
    let found = problems(dir.path());
    assert!(find(&found, "F1", "geometry").message.contains("outside China"));
    assert!(find(&found, "C1", "parent").message.contains("names the unit itself"));
    assert!(find(&found, "C2", "geometry").message.contains("empty MultiPolygon"));
}

/// A value JSON cannot hold — a number beyond ±1.8e308, a lone surrogate — is one problem naming that
/// property and the value as written, not every property of the feature as missing.
#[test]
fn an_unreadable_value_is_named_as_itself() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    let path = dir.path().join("residential_areas.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replacen("\"households\": 300", "\"households\": 1e400", 1)
        .replacen("\"name\": \"二号小区\"", "\"name\": \"\\ud800二号小区\"", 1);
    assert!(
        text.contains("1e400") && text.contains("\\ud800"),
        "the fixture changed"
    );
    std::fs::write(&path, text).unwrap();
    let problems = problems(dir.path());
    let big = find(&problems, "R1", "households");
    assert!(
        big.message.contains("1e400") && big.message.contains("number out of range"),
        "{big:?}"
    );
    let surrogate = find(&problems, "R2", "name");
    assert!(surrogate.message.contains("\\ud800"), "{surrogate:?}");
    assert!(
        !problems
            .iter()
            .any(|p| p.message.contains("missing") || p.message.contains("缺少")),
        "nothing reported missing: {problems:#?}"
    );
}

/// A facility may serve an area that has problems of its own: that area's problems are reported, and
/// the link to it is not a second one (the ids of the areas that did not load are kept for this).
#[test]
fn serving_an_area_with_problems_is_not_a_second_problem() {
    let dir = tempfile::tempdir().unwrap();
    good(dir.path());
    let areas = [("R1", 300.0, 119.45), ("NEG", -5.0, 119.47)].map(|(id, households, x)| {
        feature(
            square(x, 25.95),
            json!({"id": id, "name": id, "households": households, "kind": "new"}),
        )
    });
    write(dir.path(), "residential_areas.geojson", areas.to_vec());
    write(
        dir.path(),
        "facilities.geojson",
        vec![feature(
            json!({"type": "Point", "coordinates": [119.455, 25.952]}),
            json!({"id": "F1", "name": "站", "tier": "station", "floor_area_m2": 200, "status": "operating", "serves": ["NEG", "R404"]}),
        )],
    );
    let p = problems(dir.path());
    assert!(find(&p, "NEG", "households").message.contains("-5"));
    let serves: Vec<&str> = p
        .iter()
        .filter(|p| p.property.as_deref() == Some("serves"))
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(serves.len(), 1, "{p:#?}");
    assert!(serves[0].contains("R404"), "{serves:?}");
}
