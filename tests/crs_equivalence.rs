//! One dataset written in WGS84, GCJ-02, BD-09 and CGCS2000 Gauss-Krüger gives identical findings.

use carecircle::crs::Crs;
use carecircle::engine::{judge, Report};
use carecircle::load::load_dataset;
use carecircle::model::Mode;
use carecircle::rules::load_ruleset;
use std::path::Path;

fn rulesets() -> Vec<carecircle::rules::Ruleset> {
    ["anxi-2022", "yaohai-2023", "jinan-2017", "mawei-2020"]
        .iter()
        .map(|r| load_ruleset(Path::new(&format!("rules/{r}.toml"))).unwrap())
        .collect()
}

fn check(dir: &Path) -> Report {
    let dataset = load_dataset(dir).unwrap_or_else(|p| panic!("{p}"));
    judge(&dataset, &rulesets(), Mode::Audit)
}

#[test]
fn the_demo_in_four_crss_gives_the_same_findings() {
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let reference = check(Path::new("geodata/demo"));
    assert!(reference.findings.len() > 50);
    let tmp = tempfile::tempdir().unwrap();
    for crs in ["GCJ-02", "BD-09", "EPSG:4549", "EPSG:4528"] {
        let dir = tmp.path().join(crs.replace(':', "-"));
        carecircle::write::write_dataset(&demo, &dir, Crs::parse(crs).unwrap(), "").unwrap();
        // The files really are in the other CRS: GCJ-02 moves Mawei by about half a kilometre.
        let text = std::fs::read_to_string(dir.join("facilities.geojson")).unwrap();
        assert!(!text.contains(&format!("{}", demo.facilities[0].location.x())), "{crs}");
        let report = check(&dir);
        assert_eq!(report.findings.len(), reference.findings.len(), "{crs}");
        for (a, b) in reference.findings.iter().zip(&report.findings) {
            assert_eq!((&a.rule, &a.id), (&b.rule, &b.id), "{crs}");
            match (a.measured, b.measured) {
                (Some(x), Some(y)) => assert!((x - y).abs() < 0.01, "{crs} {} {}: {x} vs {y}", a.rule, a.id),
                (x, y) => assert_eq!(x, y),
            }
        }
        for (a, b) in reference.outcomes.iter().zip(&report.outcomes) {
            assert_eq!(
                (a.checked, a.failed, a.pass),
                (b.checked, b.failed, b.pass),
                "{crs} {}",
                a.rule
            );
        }
    }
}
