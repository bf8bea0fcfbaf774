//! `carecircle review`: plan review of the demo proposals inside the demo dataset.

mod common;
use common::{carecircle, RULES};

use serde_json::Value;
use std::process::Output;

/// `review` of `proposal` in the demo, with `extra`.
fn review_in_demo(proposal: &str, extra: &[&str]) -> Output {
    carecircle(&[&["review", "geodata/demo", "--proposal", proposal][..], extra].concat())
}

fn review(proposal: &str) -> (Value, Output) {
    let out = review_in_demo(proposal, &[&["--format", "json", "--rules"][..], &RULES].concat());
    (serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), out)
}

fn rule<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id)
        .unwrap_or_else(|| panic!("{id} not reported"))
}

/// 马限璟园: 1 500 households need 1 500 × 30 / 100 = 450 m²; its planned station has 480 m² (above the
/// 400 m² single-site minimum) and stands 40 m from 马限 community health station.
#[test]
fn a_sound_proposal_passes() {
    let (doc, out) = review("geodata/proposals/majian-jingyuan.geojson");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["pass"], true);
    assert_eq!(doc["mode"], "review");
    let ratio = rule(&doc, "anxi-2022/new-area-ratio");
    assert_eq!(
        (
            ratio["pass"].as_bool(),
            ratio["measured"].as_f64(),
            ratio["required"].as_f64()
        ),
        (Some(true), Some(480.0), Some(450.0))
    );
    assert_eq!(ratio["document"], "安政办〔2022〕14号");
    assert_eq!(ratio["clause"], "二(二)7");
    // Its own planned station counts in review: the estate is about 100 m from it.
    let radius = rule(&doc, "anxi-2022/service-radius");
    assert!(radius["measured"].as_f64().unwrap() < 150.0, "{radius}");
    // Only rules that concern the proposal: the village courts and bed ratios are elsewhere.
    for unrelated in [
        "mawei-2020/village-court",
        "anxi-2022/nursing-beds-per-1000",
        "anxi-2022/existing-area-ratio",
    ] {
        assert!(
            doc["rules"].as_array().unwrap().iter().all(|r| r["rule"] != unrelated),
            "{unrelated}"
        );
    }
    // Warnings (the 5-minute walk to a day-care centre) do not fail the proposal.
    assert_eq!(rule(&doc, "gb50180-2018/daycare-5min")["pass"], false);
}

/// 琅岐江景苑: 2 400 households need 720 m²; the proposed 320 m² falls short and under both single-site
/// minimums (anxi 400, yaohai 350): exit 1. 琅岐镇 has no institution with or without it: an existing
/// gap, listed beside the verdict.
#[test]
fn a_short_proposal_fails_with_its_reasons() {
    let (doc, out) = review("geodata/proposals/langqi-jiangjing.geojson");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(doc["pass"], false);
    let ratio = rule(&doc, "anxi-2022/new-area-ratio");
    assert_eq!(ratio["pass"], false);
    let subjects: Vec<(&str, f64, f64)> = ratio["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["measured"].as_f64().unwrap(),
                s["required"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(subjects.contains(&("PLAN-2", 320.0, 720.0)), "{subjects:?}");
    assert!(subjects.contains(&("PLAN-F2", 320.0, 400.0)), "{subjects:?}");
    assert_eq!(ratio["findings"].as_array().unwrap().len(), 2);
    assert_eq!(
        rule(&doc, "yaohai-2023/new-area-ratio")["subjects"][0]["required"],
        720.0
    );
    let institution = rule(&doc, "anxi-2022/township-institution");
    assert_eq!(
        institution["pass"], true,
        "the missing institution is not the proposal's"
    );
    assert_eq!(institution["subjects"].as_array().unwrap().len(), 0);
    assert_eq!(institution["existing_gaps"][0]["id"], "350105102");
    assert_eq!(institution["existing_gaps"][0]["measured"], 0.0);
    assert_eq!(institution["existing_findings"][0]["id"], "350105102");
    assert!(doc["existing_gaps"].as_u64().unwrap() >= 1);

    let text = review_in_demo(
        "geodata/proposals/langqi-jiangjing.geojson",
        &["--rules", "rules/anxi-2022.toml"],
    );
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("不通过 FAIL") && text.contains("琅岐江景苑"), "{text}");
    assert!(text.contains("既有缺口") && text.contains("350105102"), "{text}");
}

/// The same estate with an 800 m² station planned in it meets its own obligations and passes, though
/// 琅岐镇 still lacks an institution: that gap is listed, not held against the project.
#[test]
fn a_proposal_passes_on_its_own_obligations_beside_an_existing_gap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.geojson");
    let mut proposal: Value =
        serde_json::from_str(&std::fs::read_to_string("geodata/proposals/langqi-jiangjing.geojson").unwrap()).unwrap();
    for f in proposal["features"].as_array_mut().unwrap() {
        if f["properties"]["floor_area_m2"].is_number() {
            f["properties"]["floor_area_m2"] = 800.into();
        }
    }
    std::fs::write(&path, proposal.to_string()).unwrap();
    let out = review_in_demo(
        path.to_str().unwrap(),
        &["--rules", "rules/anxi-2022.toml", "--format", "json"],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["pass"], true);
    assert_eq!(rule(&doc, "anxi-2022/new-area-ratio")["pass"], true);
    let institution = rule(&doc, "anxi-2022/township-institution");
    assert_eq!(institution["existing_gaps"][0]["id"], "350105102");
    // Under anxi-2022 that is the one existing gap.
    assert_eq!(doc["existing_gaps"], 1);
}

#[test]
fn a_bad_proposal_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.geojson");
    let feature = |layer: &str, id: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"layer":"{layer}","id":"{id}","name":"x","households":100,"kind":"new"}},"geometry":{{"type":"Point","coordinates":[119.41,25.975]}}}}"#
        )
    };
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        feature("residential_areas", "R001"),
        feature("parks", "X1")
    );
    std::fs::write(&path, text).unwrap();
    let out = review_in_demo(path.to_str().unwrap(), &["--rules", RULES[0]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("R001") && err.contains("already has this id"), "{err}");
    assert!(err.contains("\"parks\"") && err.contains("layer"), "{err}");
}

/// A proposal that names its CRS (`crs`, as GDAL writes it) is converted from it: langqi-jiangjing in
/// CGCS2000 / 3-degree Gauss-Krüger zone 40 (EPSG:4549) gets the same verdict and figures as in WGS84.
/// A CRS carecircle cannot convert is refused by name.
#[test]
fn a_proposal_in_its_own_declared_crs_is_converted_or_refused_by_name() {
    use carecircle::crs::{Converter, Crs};
    let gk = Converter::new(Crs::parse("EPSG:4549").unwrap()).unwrap();
    let mut proposal: Value =
        serde_json::from_str(&std::fs::read_to_string("geodata/proposals/langqi-jiangjing.geojson").unwrap()).unwrap();
    fn project(c: &mut Value, gk: &Converter) {
        match c.as_array_mut() {
            Some(a) if a.first().is_some_and(Value::is_number) => {
                let (x, y) = gk.from_wgs84(a[0].as_f64().unwrap(), a[1].as_f64().unwrap()).unwrap();
                *c = serde_json::json!([x, y]);
            }
            Some(a) => a.iter_mut().for_each(|c| project(c, gk)),
            None => {}
        }
    }
    for f in proposal["features"].as_array_mut().unwrap() {
        project(&mut f["geometry"]["coordinates"], &gk);
    }
    assert!(
        proposal["features"][0]["geometry"]["coordinates"][0][0][0]
            .as_f64()
            .unwrap()
            > 100_000.0
    );
    proposal["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gk.geojson");
    std::fs::write(&path, proposal.to_string()).unwrap();
    let (converted, out) = review(path.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (wgs84, _) = review("geodata/proposals/langqi-jiangjing.geojson");
    let figures = |doc: &Value, id: &str| {
        (
            rule(doc, id)["pass"].clone(),
            rule(doc, id)["measured"].as_f64().unwrap(),
        )
    };
    for id in ["anxi-2022/new-area-ratio", "anxi-2022/service-radius"] {
        let (a, b) = (figures(&converted, id), figures(&wgs84, id));
        assert_eq!(a.0, b.0, "{id}");
        assert!((a.1 - b.1).abs() < 0.5, "{id}: {} against {}", a.1, b.1);
    }

    proposal["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}});
    std::fs::write(&path, proposal.to_string()).unwrap();
    let (_, out) = review(path.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("gk.geojson") && said.contains("crs") && said.contains("3857"),
        "{said}"
    );
}
