//! A real OGC API client: GDAL's OAPIF driver (`ogrinfo`, `ogr2ogr`; Debian's gdal-bin) lists the
//! service's layers, reads every feature of a layer larger than one page, types fields from the
//! collections' schemas, and copies a run's findings to Shapefiles. In CI (`CI=true`) a missing ogrinfo
//! fails.

mod common;

use common::{http, serve_with_a_run};
use std::process::Command;

fn ogrinfo_available() -> bool {
    let found = Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "ogrinfo (gdal-bin) is missing in CI: scripts/test installs it"
        );
        eprintln!(
            "\n*** SKIPPED: ogrinfo not installed (apt-get install gdal-bin); the GDAL client test did not run ***\n"
        );
    }
    found
}

fn ogrinfo(args: &[&str]) -> (String, String) {
    let out = Command::new("ogrinfo").args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gdal_reads_every_layer_with_its_types_and_copies_findings_to_shapefiles() {
    if !ogrinfo_available() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022","mawei-2020"]"#);
    let url = format!("OAPIF:http://127.0.0.1:{port}");

    let (text, _) = ogrinfo(&["-ro", "-q", &url]);
    for layer in [
        "demo.admin_units",
        "demo.residential_areas",
        "demo.facilities",
        "demo.roads",
        "check-1.findings-points",
        "check-1.findings-polygons",
    ] {
        assert!(text.contains(layer), "{layer} in {text}");
    }
    // Pages of 10: the 96 facilities take ten pages, followed by `next` links.
    let (out, err) = ogrinfo(&["-ro", "-oo", "PAGE_SIZE=10", "--debug", "on", &url, "demo.facilities"]);
    let features = out
        .lines()
        .filter(|l| l.starts_with("OGRFeature(demo.facilities)"))
        .count();
    assert_eq!(features, 96, "{err}");
    let pages = err
        .lines()
        .filter(|l| l.contains("/collections/demo.facilities/items?"))
        .count();
    assert!(pages >= 10, "{pages} page requests: {err}");
    assert!(out.contains("沿山社区居家养老服务站"));

    // Field types come from the schema, not from guesses over nulls (the first facility has no beds).
    let (summary, _) = ogrinfo(&["-ro", "-so", &url, "demo.facilities"]);
    for field in [
        "beds: Integer",
        "nursing_beds: Integer",
        "meal_service: Integer(Boolean)",
        "floor_area_m2: Real",
        "handed_over: Date",
    ] {
        assert!(summary.contains(field), "{field} in {summary}");
    }
    let (units, _) = ogrinfo(&["-ro", "-so", &url, "demo.admin_units"]);
    assert!(
        units.contains("central: Integer(Boolean)") && units.contains("population: Integer"),
        "{units}"
    );

    // Each family of the findings is one layer a Shapefile can take whole.
    let out_dir = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for (layer, geometry) in [
        ("check-1.findings-points", "Geometry: Point"),
        ("check-1.findings-polygons", "Geometry: Multi Polygon"),
    ] {
        let (summary, _) = ogrinfo(&["-ro", "-so", &url, layer]);
        assert!(
            summary.contains(geometry) && summary.contains("measured: Real"),
            "{summary}"
        );
        let shp = out_dir.path().join(format!("{layer}.shp"));
        let status = Command::new("ogr2ogr")
            .args(["-lco", "ENCODING=UTF-8"])
            .arg(&shp)
            .args([url.as_str(), layer])
            .status()
            .unwrap();
        assert!(status.success(), "ogr2ogr {layer}");
        let (copy, _) = ogrinfo(&["-ro", "-so", shp.to_str().unwrap(), layer]);
        let count: usize = copy
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        copied += count;
    }
    let record = http(port, "GET", "/checks/1", None);
    let body: serde_json::Value = serde_json::from_str(&record[record.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(copied, body["findings"].as_array().unwrap().len());
    let _ = server.kill();
    let _ = server.wait();
}
