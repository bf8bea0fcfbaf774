//! A real OGC API client: GDAL's OAPIF driver (`ogrinfo`, `ogr2ogr`; Debian's gdal-bin) lists the
//! service's layers, reads every feature of a layer larger than one page, types fields from the
//! collections' schemas, and copies a run's findings to Shapefiles; GDAL's MVT driver reads the tiles, and
//! its OGC API driver opens every kind of collection's tileset (OGC API – Tiles) and reads its features.
//! In CI (`CI=true`) a missing ogrinfo or Python environment fails.

mod common;

use common::{http, python_venv, serve_with_a_run};
use std::process::Command;

fn ogrinfo(args: &[&str]) -> (String, String) {
    let out = Command::new("ogrinfo").args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gdal_reads_every_layer_with_its_types_and_copies_findings_to_shapefiles() {
    if !common::tool_available("ogrinfo", "gdal-bin") {
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

/// Fetches a path's body as bytes.
fn fetch(port: u16, path: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let head = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let header = String::from_utf8_lossy(&answer[..head]).to_lowercase();
    assert!(header.starts_with("http/1.1 200"), "{header}");
    assert!(
        header.contains("content-type: application/vnd.mapbox-vector-tile"),
        "{header}"
    );
    assert!(!header.contains("transfer-encoding: chunked"), "{header}");
    answer[head + 4..].to_vec()
}

/// GDAL's MVT driver reads carecircle's vector tiles: a tile over the whole demo holds all 72 residential
/// areas with their properties, and in a zoom-14 tile area R001's corners lie where Web Mercator puts them.
#[test]
fn gdal_reads_the_vector_tiles() {
    if !common::tool_available("ogrinfo", "gdal-bin") {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022"]"#);
    let dir = tempfile::tempdir().unwrap();
    let save = |z: u32, x: u32, y: u32| {
        let bytes = fetch(
            port,
            &format!("/collections/demo.residential_areas/tiles/WebMercatorQuad/{z}/{y}/{x}"),
        );
        let path = dir.path().join(format!("{z}/{x}"));
        std::fs::create_dir_all(&path).unwrap();
        let file = path.join(format!("{y}.pbf"));
        std::fs::write(&file, bytes).unwrap();
        file.to_str().unwrap().to_string()
    };
    // Zoom 7, column 106, row 54 spans 118.1°–120.9° E and 24.5°–27.1° N: all of the demo, whose areas
    // are dots there, thinned to one per 8-pixel block (4.9 km).
    let (text, err) = ogrinfo(&["-ro", "-al", "-so", &save(7, 106, 54)]);
    assert!(text.contains("Layer name: demo.residential_areas"), "{text}{err}");
    assert!(text.contains("households") && text.contains("kind"), "{text}");
    let count = |text: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{text}"))
    };
    assert!((1..40).contains(&count(&text)), "{text}");
    // At zoom 12 (blocks of 153 m; the areas are at least 445 m apart) the three tiles over the demo hold
    // every one of its 72 areas.
    let mut ids = std::collections::BTreeSet::new();
    for x in [3406, 3407, 3408] {
        let (text, _) = ogrinfo(&["-ro", "-al", &save(12, x, 1741)]);
        ids.extend(
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("id (String) = "))
                .map(str::to_string),
        );
    }
    assert_eq!(ids.len(), 72, "{ids:?}");

    // R001's first corner, and the zoom-14 tile holding it.
    let areas: serde_json::Value =
        serde_json::from_slice(&std::fs::read("geodata/demo/residential_areas.geojson").unwrap()).unwrap();
    let r001 = areas["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "R001")
        .unwrap();
    let corner = &r001["geometry"]["coordinates"][0][0];
    let (lon, lat) = (corner[0].as_f64().unwrap(), corner[1].as_f64().unwrap());
    let r = 6_378_137.0f64;
    let (mx, my) = (
        r * lon.to_radians(),
        r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln(),
    );
    let n = f64::from(1u32 << 14);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y =
        ((1.0 - (lat.to_radians().tan() + 1.0 / lat.to_radians().cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    let (text, _) = ogrinfo(&["-ro", "-al", "-where", "id = 'R001'", &save(14, x, y)]);
    let polygon = text
        .lines()
        .find(|l| l.trim_start().starts_with("POLYGON"))
        .unwrap_or_else(|| panic!("{text}"));
    let numbers: Vec<f64> = polygon
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.parse().ok())
        .collect();
    // One grid cell at zoom 14 is 40 075 km / 2^14 / 4 096 ≈ 0.6 m: every corner within two of the truth.
    let near = numbers
        .chunks(2)
        .any(|p| (p[0] - mx).abs() < 1.2 && (p[1] - my).abs() < 1.2);
    assert!(near, "({mx}, {my}) not among {polygon}");
    server.kill().ok();
}

/// GDAL's OGC API driver opens each kind of collection's tileset — polygons, points, lines, a run's
/// findings — through `/tiles`, the tileset and the local `/tileMatrixSets/WebMercatorQuad`, and reads its
/// features from the zoom-14 tiles: every facility, residential area and admin unit, and every finding of
/// each family. The GDAL is pyogrio's (3.12): Debian bookworm's 3.6 is built without the driver's vector
/// tiles (`tests/python/ogcapi_tiles.py` says why).
#[test]
fn gdal_opens_every_kind_of_tileset_through_ogc_api_tiles() {
    let Some(venv) = python_venv("pyogrio") else { return };
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022","mawei-2020"]"#);
    let collections = [
        "demo.residential_areas",
        "demo.admin_units",
        "demo.facilities",
        "demo.roads",
        "check-1.findings-points",
        "check-1.findings-polygons",
    ];
    let out = Command::new(venv.join("bin/python"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/ogcapi_tiles.py"))
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("14")
        .args(collections)
        .output()
        .unwrap();
    let items = |id: &str| -> std::collections::BTreeSet<String> {
        let answer = http(port, "GET", &format!("/collections/{id}/items?limit=10000"), None);
        let body: serde_json::Value = serde_json::from_str(&answer[answer.find("\r\n\r\n").unwrap() + 4..]).unwrap();
        body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f["properties"]
                    .get("id")
                    .unwrap_or(&f["id"])
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let expected: Vec<_> = collections.iter().map(|c| items(c)).collect();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (id, want) in collections.iter().zip(&expected) {
        let got: std::collections::BTreeSet<String> = read[id]["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(!want.is_empty(), "{id} serves features");
        assert_eq!(&got, want, "{id}: the features GDAL read from the zoom-14 tiles");
    }
    assert_eq!(read["demo.facilities"]["features"], 96);
    assert!(read["demo.facilities"]["columns"].to_string().contains("floor_area_m2"));
}
