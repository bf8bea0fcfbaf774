//! The `check` command end to end: the JSON contract (DATA-CONTRACT §4), `--out`, exit statuses.

mod common;
use common::carecircle;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn rulesets() -> Vec<String> {
    ["anxi-2022", "yaohai-2023", "jinan-2017", "mawei-2020", "gb50180-2018"]
        .iter()
        .map(|r| format!("rules/{r}.toml"))
        .collect()
}

fn check_json(extra: &[&str]) -> (Value, Output) {
    let rules = rulesets();
    let mut args = vec!["check", "geodata/demo", "--format", "json", "--rules"];
    args.extend(rules.iter().map(String::as_str));
    args.extend(extra);
    let out = carecircle(&args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (doc, out)
}

/// Every rule of the catalog, under its exact id (RULES.md).
const CATALOG_IDS: [&str; 25] = [
    "anxi-2022/new-area-ratio",
    "anxi-2022/existing-area-ratio",
    "anxi-2022/service-radius",
    "anxi-2022/township-institution",
    "anxi-2022/nursing-beds-per-1000",
    "anxi-2022/nursing-bed-share",
    "anxi-2022/happiness-court-size",
    "yaohai-2023/new-area-ratio",
    "yaohai-2023/existing-area-ratio",
    "yaohai-2023/street-complex",
    "yaohai-2023/synchronous-handover",
    "jinan-2017/daycare-size",
    "jinan-2017/station-size",
    "jinan-2017/street-daycare",
    "jinan-2017/synchronous-handover",
    "mawei-2020/daycare-coverage",
    "mawei-2020/station-coverage",
    "mawei-2020/township-center",
    "mawei-2020/village-court",
    "mawei-2020/area-per-1000",
    "mawei-2020/medical-adjacency",
    "mawei-2020/meal-service",
    "mawei-2020/synchronous-handover",
    "gb50180-2018/daycare-5min",
    "gb50180-2018/institution-15min",
];

#[test]
fn json_document_follows_the_contract() {
    let (doc, out) = check_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["dataset"], "马尾区 2024 回头看（演示）");
    assert_eq!(doc["as_of"], "2024-12-31");
    assert_eq!(doc["mode"], "audit");
    let rulesets = doc["rulesets"].as_array().unwrap();
    assert_eq!(rulesets.len(), 5);
    for r in rulesets {
        assert_eq!(r["sha256"].as_str().unwrap().len(), 64);
    }
    let summary = doc["summary"].as_array().unwrap();
    let mut ids: Vec<&str> = summary.iter().map(|s| s["rule"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected = CATALOG_IDS.to_vec();
    expected.sort();
    assert_eq!(ids, expected);
    let findings = doc["findings"].as_array().unwrap();
    for s in summary {
        for key in ["checked", "failed", "rate", "target"] {
            assert!(s[key].is_number(), "{key} in {s}");
        }
        let rate = s["rate"].as_f64().unwrap();
        assert_eq!(s["pass"].as_bool().unwrap(), rate >= s["target"].as_f64().unwrap());
        // JSON never abbreviates: one finding per failing subject.
        let rule = s["rule"].as_str().unwrap();
        let n = findings.iter().filter(|f| f["rule"] == rule).count();
        assert_eq!(n as u64, s["failed"].as_u64().unwrap(), "{rule}");
    }
    assert!(!findings.is_empty());
    // The demo has a roads layer: the walking-distance rules say they walked it.
    let walk = summary
        .iter()
        .find(|s| s["rule"] == "gb50180-2018/daycare-5min")
        .unwrap();
    assert!(
        walk["notes"][0]
            .as_str()
            .unwrap()
            .contains("walking distance along the roads layer"),
        "{walk}"
    );
    for f in findings {
        for key in ["rule", "severity", "layer", "id", "unit", "message"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert!(f["required"].is_number());
        assert!(f["measured"].is_number() || f["measured"].is_null());
        let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).expect("GeoJSON geometry");
        let geo: geo::Geometry<f64> = g.try_into().unwrap();
        let c = geo::Centroid::centroid(&geo).unwrap();
        // WGS84 around Mawei, longitude first.
        assert!(
            (119.3..119.8).contains(&c.x()) && (25.9..26.2).contains(&c.y()),
            "{c:?}"
        );
    }
}

#[test]
fn review_mode_counts_planned_facilities() {
    let (audit, _) = check_json(&[]);
    let (review, _) = check_json(&["--mode", "review"]);
    assert_eq!(review["mode"], "review");
    let failed = |doc: &Value, rule: &str| {
        doc["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rule"] == rule)
            .unwrap()["failed"]
            .as_u64()
            .unwrap()
    };
    // 马尾镇's day-care centre is being built: it fails the audit and passes the plan review.
    assert_eq!(failed(&audit, "mawei-2020/daycare-coverage"), 1);
    assert_eq!(failed(&review, "mawei-2020/daycare-coverage"), 0);
    assert!(failed(&review, "anxi-2022/service-radius") < failed(&audit, "anxi-2022/service-radius"));
}

#[test]
fn out_writes_findings_and_summary_for_excel() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let (doc, out) = check_json(&["--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let findings = doc["findings"].as_array().unwrap().len();
    for (name, rows) in [("findings.csv", findings + 1), ("summary.csv", CATALOG_IDS.len() + 1)] {
        let bytes = std::fs::read(out_dir.join(name)).unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{name} starts with a BOM");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
        assert_eq!(reader.records().count(), rows, "{name}");
    }
    let csv_text = std::fs::read_to_string(out_dir.join("findings.csv")).unwrap();
    assert!(csv_text.contains("琅岐镇"));
    let geojson: Value = serde_json::from_slice(&std::fs::read(out_dir.join("findings.geojson")).unwrap()).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), findings);
}

#[test]
fn fail_on_sets_the_exit_status() {
    let out = carecircle(&[
        "check",
        "geodata/demo",
        "--rules",
        "rules/jinan-2017.toml",
        "--fail-on",
        "error",
    ]);
    assert_eq!(out.status.code(), Some(1)); // jinan-2017/station-size fails on the demo
    let out = carecircle(&[
        "check",
        "geodata/demo",
        "--rules",
        "rules/yaohai-2023.toml",
        "--fail-on",
        "warning",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = carecircle(&["check", "geodata/demo", "--rules", "rules/jinan-2017.toml"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn text_shows_the_table_with_chinese_names() {
    let out = carecircle(&["check", "geodata/demo", "--rules", "rules/anxi-2022.toml"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("anxi-2022/township-institution"));
    assert!(text.contains("琅岐镇"), "{text}");
    assert!(text.contains("达标率 rate"));
}

#[test]
fn bad_ruleset_exits_2_naming_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.toml");
    let text = std::fs::read_to_string("rules/anxi-2022.toml").unwrap().replacen(
        "radius_m = 700",
        "radius_m = 700\nradus = 5",
        1,
    );
    std::fs::write(&rules, &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("radus")).unwrap() + 1;
    let out_dir = dir.path().join("out");
    let out = carecircle(&[
        "check",
        "geodata/demo",
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!out_dir.exists());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("line {line}")) && err.contains("radus"), "{err}");
}

#[test]
fn validate_and_rules_commands() {
    let out = carecircle(&["validate", "geodata/demo"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("72 residential areas"));
    let out = carecircle(&["rules", "rules/mawei-2020.toml"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("mawei-2020/village-court") && text.contains("村有“院”"),
        "{text}"
    );
}

#[test]
fn synth_writes_a_loadable_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("synth");
    let out = carecircle(&[
        "synth",
        "--areas",
        "400",
        "--facilities",
        "60",
        "--seed",
        "3",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let d = carecircle::load::load_dataset(Path::new(&path)).unwrap();
    assert_eq!((d.residential_areas.len(), d.facilities.len()), (400, 60));
}

#[test]
fn ledger_by_community_and_street() {
    let (doc, out) = check_json(&["--by", "community"]);
    assert_eq!(out.status.code(), Some(0));
    let rows = doc["by_unit"].as_array().unwrap();
    // 17 communities and 62 villages × every rule.
    assert_eq!(rows.len(), 79 * CATALOG_IDS.len());
    let row = |rows: &[Value], code: &str, rule: &str| {
        let r = rows.iter().find(|r| r["code"] == code && r["rule"] == rule).unwrap();
        (r["checked"].as_u64().unwrap(), r["failed"].as_u64().unwrap())
    };
    // The station-coverage findings are exactly the ledger's failing community rows.
    let failing: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "mawei-2020/station-coverage")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(failing.len(), 2);
    for code in &failing {
        assert_eq!(row(rows, code, "mawei-2020/station-coverage"), (1, 1));
    }
    // The street ledger adds the communities up; the street's village-court row counts its villages.
    let dir = tempfile::tempdir().unwrap();
    let (street, out) = check_json(&["--by", "street", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let rows = street["by_unit"].as_array().unwrap();
    assert_eq!(rows.len(), 4 * CATALOG_IDS.len());
    let stations: u64 = ["350105001", "350105100", "350105101", "350105102"]
        .iter()
        .map(|code| row(rows, code, "mawei-2020/station-coverage").1)
        .sum();
    assert_eq!(stations, 2);
    let csv = std::fs::read(dir.path().join("ledger.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}代码 code".as_bytes()));
    assert_eq!(csv.iter().filter(|&&b| b == b'\n').count(), 1 + 4 * CATALOG_IDS.len());
}

#[test]
fn as_of_judges_the_dataset_as_it_stood() {
    let (doc, out) = check_json(&["--as-of", "2021-12-31"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(doc["as_of"], "2021-12-31");
    // 安溪 (effective 2022-02-21) and 瑶海 (2023-12-10) were not in force yet.
    let not_in_force: Vec<&str> = doc["not_in_force"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["ruleset"].as_str().unwrap())
        .collect();
    assert_eq!(not_in_force, ["anxi-2022", "yaohai-2023"]);
    assert!(doc["summary"].as_array().unwrap().iter().all(|s| {
        let rule = s["rule"].as_str().unwrap();
        !rule.starts_with("anxi-2022/") && !rule.starts_with("yaohai-2023/")
    }));
    // Only the new areas delivered by then are judged for 四同步; counted here from the file itself.
    let areas: Value =
        serde_json::from_slice(&std::fs::read("geodata/demo/residential_areas.geojson").unwrap()).unwrap();
    let delivered_by_then = areas["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "new")
        .filter(|f| f["properties"]["delivered"].as_str().is_some_and(|d| d <= "2021-12-31"))
        .count();
    assert!(delivered_by_then > 0);
    let handover = doc["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == "mawei-2020/synchronous-handover")
        .unwrap();
    assert_eq!(handover["checked"].as_u64().unwrap() as usize, delivered_by_then);

    let later = carecircle(&[
        "check",
        "geodata/demo",
        "--rules",
        "rules/mawei-2020.toml",
        "--as-of",
        "2030-01-01",
    ]);
    assert_eq!(later.status.code(), Some(2));
    assert!(later.stdout.is_empty());
    assert!(String::from_utf8_lossy(&later.stderr).contains("cannot say what stood on a later day"));
}

/// A radius rule's rate is household-weighted and says so; beside it, every rule gives the plain share of
/// subjects passing. By hand from its counts: 72 areas checked, 5 failed → 67 / 72 = 0.931.
#[test]
fn every_rate_says_what_it_weighs() {
    let (doc, _) = check_json(&[]);
    let row = |id: &str| {
        doc["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rule"] == id)
            .unwrap()
            .clone()
    };
    let radius = row("anxi-2022/service-radius");
    assert_eq!(
        (radius["checked"].as_u64(), radius["failed"].as_u64()),
        (Some(72), Some(5))
    );
    assert_eq!(radius["rate_basis"], "households");
    assert_eq!(radius["subjects_rate"], 0.931);
    assert_ne!(radius["rate"], radius["subjects_rate"]);
    let court = row("mawei-2020/village-court");
    assert_eq!(court["rate_basis"], "subjects");
    assert_eq!(court["subjects_rate"], court["rate"]);
}

/// The ledger says what each rate weighs too: a radius row's rate is a share of households, beside the
/// share of subjects passing, in JSON, ledger.csv and the text table.
#[test]
fn ledger_rows_say_what_their_rate_weighs() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, out) = check_json(&["--by", "street", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let kind = |rule: &Value| {
        doc["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rule"] == *rule)
            .unwrap()["kind"]
            .clone()
    };
    for r in doc["by_unit"].as_array().unwrap() {
        let (checked, failed) = (r["checked"].as_u64().unwrap(), r["failed"].as_u64().unwrap());
        // Radius rules weigh households (the catalog's two walking rules among them); the rest subjects.
        let basis = if kind(&r["rule"]) == "service_radius" {
            "households"
        } else {
            "subjects"
        };
        assert_eq!(r["rate_basis"], basis, "{r}");
        if checked == 0 {
            assert!(r["subjects_rate"].is_null() && r["rate"].is_null(), "{r}");
        } else {
            let share = (checked - failed) as f64 / checked as f64;
            assert!((r["subjects_rate"].as_f64().unwrap() - share).abs() < 0.0006, "{r}");
            if basis == "subjects" {
                assert_eq!(r["rate"], r["subjects_rate"], "{r}");
            }
        }
    }
    // 罗星街道's 20 areas, 2 out of reach: 90% of them, but more of its households are within reach.
    let luoxing = doc["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "350105001" && r["rule"] == "anxi-2022/service-radius")
        .unwrap();
    assert_eq!(
        (luoxing["checked"].as_u64(), luoxing["failed"].as_u64()),
        (Some(20), Some(2))
    );
    assert_eq!(luoxing["subjects_rate"], 0.9);
    assert!(luoxing["rate"].as_f64().unwrap() > 0.9, "{luoxing}");
    let csv = String::from_utf8(std::fs::read(dir.path().join("ledger.csv")).unwrap()).unwrap();
    let head = csv.lines().next().unwrap();
    assert!(head.ends_with("达标率按 rate_basis,对象达标率 subjects_rate"), "{head}");
    assert!(
        csv.contains("350105001,罗星街道,street,anxi-2022/service-radius,20,2,"),
        "{csv}"
    );

    let text = carecircle(&["check", "geodata/demo", "--rules", "anxi-2022", "--by", "street"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("350105001") && l.contains("anxi-2022/service-radius"))
        .unwrap();
    assert!(
        line.contains("% 户 households") && line.trim_end().ends_with("90.0%"),
        "{line}"
    );
}

/// Walking findings say the walk measured, the search's cut-off, and what an empty figure means, with
/// Chinese names in the Chinese half.
#[test]
fn walking_findings_say_how_far_the_search_went() {
    let (doc, _) = check_json(&[]);
    let walk: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "gb50180-2018/daycare-5min")
        .collect();
    assert!(!walk.is_empty());
    let unmeasured = walk.iter().find(|f| f["measured"].is_null()).unwrap();
    let message = unmeasured["message"].as_str().unwrap();
    let (zh, en) = message.split_once(" — ").unwrap();
    assert!(
        zh.contains("步行600米") && zh.contains("要求300米的两倍") && zh.contains("照料中心"),
        "{zh}"
    );
    assert!(!zh.contains("daycare_center"), "{zh}");
    assert!(
        en.contains("within a 600 m walk")
            && en.contains("twice the 300 m required")
            && en.contains("not measured further"),
        "{en}"
    );
    let notes = doc["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == "gb50180-2018/daycare-5min")
        .unwrap()["notes"]
        .to_string();
    assert!(
        notes.contains("empty measured figure means none was found that near"),
        "{notes}"
    );
}

/// The report opens with the overall verdict and folds its findings by rule and by street; a failing
/// warning rule reads the same in the text, the report and the workbook.
#[test]
fn the_report_opens_with_its_verdict_and_folds_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, out) = check_json(&["--out", dir.path().to_str().unwrap(), "--no-maps"]);
    assert_eq!(out.status.code(), Some(0));
    let summary = doc["summary"].as_array().unwrap();
    let failing = summary.iter().filter(|s| s["pass"] == false).count();
    let warnings = summary
        .iter()
        .filter(|s| s["pass"] == false && s["severity"] == "warning")
        .count();
    let findings = doc["findings"].as_array().unwrap();
    assert!(failing > 0 && warnings > 0);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let verdict = format!(
        "{} of {} rules fail ({} errors, {} warning{})",
        failing,
        summary.len(),
        failing - warnings,
        warnings,
        if warnings == 1 { "" } else { "s" }
    );
    let first_h2 = html.find("<h2>").unwrap();
    let at = html
        .find(&verdict)
        .unwrap_or_else(|| panic!("no \"{verdict}\" in the report"));
    assert!(at < first_h2, "the verdict comes before every section");
    // Folded: one group per rule with findings, one per street (and district-wide); every finding
    // twice, once in each grouping.
    let rules_with_findings: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    let groups = html.matches("<details>").count();
    assert!(
        groups > rules_with_findings.len() && groups <= rules_with_findings.len() + 5,
        "{groups}"
    );
    let grouped = &html[html.find("<h2>不合格清单").unwrap()..];
    let rows = grouped.matches("<tr><td>").count();
    assert_eq!(rows, 2 * findings.len());

    let warning_rule = summary
        .iter()
        .find(|s| s["pass"] == false && s["severity"] == "warning")
        .unwrap();
    let words = "未达标 FAIL (提示 warning)";
    assert!(html.contains(words));
    let text = carecircle(&["check", "geodata/demo", "--rules", "rules/gb50180-2018.toml"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains(words));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(dir.path().join("findings.xlsx")).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(1).unwrap().unwrap();
    let row = sheet
        .rows()
        .find(|r| r[0] == warning_rule["rule"].as_str().unwrap())
        .unwrap();
    assert_eq!(row[7].to_string(), words);
}
