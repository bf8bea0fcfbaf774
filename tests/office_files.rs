//! The bureau's data as it comes: the demo's facilities as a GBK CSV with Chinese column names and values
//! (as Chinese Excel saves "CSV (逗号分隔)"), as UTF-16 "Unicode text", as an Excel workbook GDAL wrote,
//! and as an office's own ledger (its own sheet, column names and words, mapped in `dataset.toml`) —
//! each loads into the very dataset the GeoJSON demo is (the same digest) and is judged the same. Bad and
//! crafted files are one problem each, naming the file.

mod common;

use carecircle::load::load_dataset;
use serde_json::Value;
use std::path::Path;

/// The demo's facilities as rows: (column, value as text), in the contract's order, with the point's
/// coordinates (Rust's shortest round-trip text, so the numbers come back exactly).
fn facility_rows() -> Vec<Vec<(&'static str, String)>> {
    let text = std::fs::read_to_string("geodata/demo/facilities.geojson").unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let c = &f["geometry"]["coordinates"];
            let text = |v: &Value| match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(ids) => ids.iter().map(|i| i.as_str().unwrap()).collect::<Vec<_>>().join(";"),
                other => other.to_string(),
            };
            [
                "id",
                "name",
                "tier",
                "floor_area_m2",
                "beds",
                "nursing_beds",
                "status",
                "handed_over",
                "serves",
                "meal_service",
            ]
            .into_iter()
            .map(|k| (k, text(&p[k])))
            .chain([
                ("lon", c[0].as_f64().unwrap().to_string()),
                ("lat", c[1].as_f64().unwrap().to_string()),
            ])
            .collect()
        })
        .collect()
}

/// A copy of the demo without its facilities layer, with `dataset.toml` extended by `extra`.
fn demo_without_facilities(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("geodata/demo").unwrap().flatten() {
        let name = entry.file_name().into_string().unwrap();
        if name != "facilities.geojson" {
            std::fs::copy(entry.path(), dir.path().join(&name)).unwrap();
        }
    }
    let toml = std::fs::read_to_string("geodata/demo/dataset.toml").unwrap();
    std::fs::write(dir.path().join("dataset.toml"), format!("{toml}\n{extra}\n")).unwrap();
    dir
}

/// The one problem loading `dir` finds, which must be about `file`: its message.
fn the_one_problem(dir: &Path, file: &str) -> String {
    let problems = load_dataset(dir).expect_err("refused").0;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].file, file, "{problems:?}");
    problems[0].message.clone()
}

fn demo_digest() -> String {
    carecircle::digest::dataset_digest(&load_dataset(Path::new("geodata/demo")).unwrap())
}

fn same_as_the_demo(dir: &Path) {
    let loaded = load_dataset(dir).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(carecircle::digest::dataset_digest(&loaded), demo_digest());
}

/// A Chinese header per column, and the values in Chinese where the contract has Chinese names.
fn chinese(column: &str) -> &'static str {
    match column {
        "id" => "编号",
        "name" => "设施名称",
        "tier" => "类型",
        "floor_area_m2" => "建筑面积（平方米）",
        "beds" => "床位数",
        "nursing_beds" => "护理型床位",
        "status" => "状态",
        "handed_over" => "移交日期",
        "serves" => "配建服务小区",
        "meal_service" => "助餐服务",
        "lon" => "经度",
        _ => "纬度",
    }
}

fn chinese_value(column: &str, value: &str) -> String {
    match column {
        "tier" => carecircle::model::Tier::parse(value).unwrap().chinese()[0].to_string(),
        "status" => carecircle::model::Status::parse(value).unwrap().chinese()[0].to_string(),
        _ => value.to_string(),
    }
}

fn chinese_csv(separator: &str) -> String {
    let rows = facility_rows();
    let mut out = rows[0]
        .iter()
        .map(|(k, _)| chinese(k))
        .collect::<Vec<_>>()
        .join(separator);
    out.push_str("\r\n");
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .map(|(k, v)| {
                let v = chinese_value(k, v);
                if v.contains([',', '"']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v
                }
            })
            .collect();
        out.push_str(&cells.join(separator));
        out.push_str("\r\n");
    }
    out
}

#[test]
fn a_gbk_csv_with_chinese_columns_is_the_demo() {
    let dir = demo_without_facilities("");
    let text = chinese_csv(",");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(dir.path().join("facilities.csv"), &gbk).unwrap();
    same_as_the_demo(dir.path());
    // The same findings as the GeoJSON demo, through the command line.
    let judged = |d: &Path| {
        let out = common::carecircle(&[
            "check",
            d.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            "rules/anxi-2022.toml",
        ]);
        let doc: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        doc["findings"].clone()
    };
    assert_eq!(judged(dir.path()), judged(Path::new("geodata/demo")));
}

#[test]
fn utf16_unicode_text_and_a_named_encoding_are_read() {
    let dir = demo_without_facilities("");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(chinese_csv("\t").encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("facilities.csv"), &utf16).unwrap();
    same_as_the_demo(dir.path());
    // Named in dataset.toml, under a file name of the office's own.
    let dir = demo_without_facilities("encoding = \"gb18030\"\n[layers.facilities]\nfile = \"设施台账.csv\"");
    let text = chinese_csv(",");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.path().join("设施台账.csv"), &gbk).unwrap();
    same_as_the_demo(dir.path());
}

#[test]
fn a_file_in_no_encoding_carecircle_reads_is_one_problem() {
    let dir = demo_without_facilities("");
    let mut bytes = chinese_csv(",").into_bytes();
    bytes.extend([0xFF, 0xFF, b'\n']);
    std::fs::write(dir.path().join("facilities.csv"), &bytes).unwrap();
    let said = the_one_problem(dir.path(), "facilities.csv");
    assert!(said.contains("neither UTF-8 nor GB18030"), "{said}");
    // Where dataset.toml says UTF-8, a GBK file is told so.
    let dir = demo_without_facilities("encoding = \"utf-8\"");
    let text = chinese_csv(",");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.path().join("facilities.csv"), &gbk).unwrap();
    let said = the_one_problem(dir.path(), "facilities.csv");
    assert!(said.contains("not UTF-8"), "{said}");
}

/// GDAL writes a number with 16 significant digits, where a double may need 17: the demo's points are
/// first rounded to 1e-7 degrees (1 cm), and the workbook must then give exactly that dataset.
#[test]
fn a_workbook_gdal_wrote_is_the_demo() {
    if !common::tool_available("ogr2ogr", "gdal-bin") {
        return;
    }
    let rounded = demo_without_facilities("");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string("geodata/demo/facilities.geojson").unwrap()).unwrap();
    for f in doc["features"].as_array_mut().unwrap() {
        for x in f["geometry"]["coordinates"].as_array_mut().unwrap() {
            *x = Value::from((x.as_f64().unwrap() * 1e7).round() / 1e7);
        }
    }
    let geojson = rounded.path().join("facilities.geojson");
    std::fs::write(&geojson, serde_json::to_vec(&doc).unwrap()).unwrap();
    let expected = carecircle::digest::dataset_digest(&load_dataset(rounded.path()).unwrap());
    let dir = demo_without_facilities("");
    let xlsx = dir.path().join("facilities.xlsx");
    // The points as lon and lat columns (GDAL's SQLite dialect); ids lists as GDAL writes them, (1:R003).
    let out = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "XLSX",
            xlsx.to_str().unwrap(),
            geojson.to_str().unwrap(),
            "-dialect",
            "SQLite",
            "-sql",
        ])
        .arg(
            "SELECT id, name, tier, floor_area_m2, beds, nursing_beds, status, handed_over, serves, meal_service, \
             ST_X(geometry) AS lon, ST_Y(geometry) AS lat FROM facilities",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ogr2ogr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded = load_dataset(dir.path()).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(carecircle::digest::dataset_digest(&loaded), expected);
}

#[test]
fn an_offices_own_ledger_is_read_as_kept() {
    // 台账.xlsx, sheet 养老设施 after a cover sheet, the office's own column names and words.
    let dir = demo_without_facilities(
        r#"[layers.facilities]
file = "台账.xlsx"
sheet = "养老设施"
columns = { id = "设施代码", name = "机构名称", tier = "设施级别", floor_area_m2 = "使用面积", status = "运营情况", lon = "东经", lat = "北纬", handed_over = "交付时间" }
[layers.facilities.values.tier]
"站点" = "station"
"中心" = "daycare_center"
[layers.facilities.values.status]
"在营" = "operating"
"#,
    );
    let office = |column: &str| match column {
        "id" => "设施代码",
        "name" => "机构名称",
        "tier" => "设施级别",
        "floor_area_m2" => "使用面积",
        "status" => "运营情况",
        "lon" => "东经",
        "lat" => "北纬",
        "handed_over" => "交付时间",
        other => chinese(other),
    };
    let words = |column: &str, value: &str| match (column, value) {
        ("tier", "station") => "站点".to_string(),
        ("tier", "daycare_center") => "中心".to_string(),
        ("status", "operating") => "在营".to_string(),
        _ => chinese_value(column, value),
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write_string(0, 0, "马尾区养老设施台账")
        .unwrap();
    let sheet = book.add_worksheet().set_name("养老设施").unwrap();
    let rows = facility_rows();
    for (c, (k, _)) in rows[0].iter().enumerate() {
        sheet.write_string(0, c as u16, office(k)).unwrap();
    }
    let day = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, (k, v)) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            if v.is_empty() {
                continue;
            }
            match (*k, v.parse::<f64>()) {
                // Numbers as numbers and days as Excel dates, as an office's workbook holds them.
                ("handed_over", _) => {
                    let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(v).unwrap();
                    sheet.write_datetime_with_format(r, c, &d, &day).map(|_| ())
                }
                (k, Ok(x)) if k != "id" => sheet.write_number(r, c, x).map(|_| ()),
                _ => sheet.write_string(r, c, words(k, v)).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save(dir.path().join("台账.xlsx")).unwrap();
    same_as_the_demo(dir.path());
}

#[test]
fn crafted_workbooks_are_one_problem_each() {
    let write = |name: &str, bytes: &[u8]| {
        let dir = demo_without_facilities("");
        std::fs::write(dir.path().join(name), bytes).unwrap();
        the_one_problem(dir.path(), name)
    };
    assert!(write("facilities.xlsx", b"PK\x03\x04 not really").contains("not a readable .xlsx"));
    // A zip bomb: one member of 300 MiB of zeros (a few hundred KB packed).
    let bomb = {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    assert!(write("facilities.xlsx", &bomb).contains("zip bomb"));
    // A cell claiming a far column.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "经度").unwrap();
    sheet.write_string(0, 16_000, "纬度").unwrap();
    let far = book.save_to_buffer().unwrap();
    assert!(write("facilities.xlsx", &far).contains("at most 1000 columns"));
}

#[test]
fn a_missing_layer_names_every_file_that_would_do() {
    let dir = demo_without_facilities("");
    let problems = load_dataset(dir.path()).err().unwrap().0;
    let message = &problems[0].message;
    for name in [
        "facilities.geojson",
        "facilities.csv",
        "facilities.xlsx",
        "facilities.shp.zip",
        "facilities.fgb",
    ] {
        assert!(message.contains(name), "{message}");
    }
    assert!(message.contains("[layers.facilities] file"), "{message}");
}

/// A column no key is named by is the warning an unknown property is, with the nearest name — Chinese
/// ones included.
#[test]
fn an_unknown_column_is_warned_of_with_the_nearest_name() {
    let dir = demo_without_facilities("");
    let text: String = chinese_csv(",")
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{line},{}\r\n", if i == 0 { "床位数量" } else { "1" }))
        .collect();
    std::fs::write(dir.path().join("facilities.csv"), text).unwrap();
    let (_, warnings) = carecircle::load::load_dataset_with_warnings(dir.path()).unwrap_or_else(|p| panic!("{p}"));
    let about: Vec<_> = warnings
        .0
        .iter()
        .filter(|w| w.property.as_deref() == Some("床位数量"))
        .collect();
    assert_eq!(about.len(), 1, "{warnings}");
    assert!(
        about[0].message.contains("did you mean \"床位数\" (beds)?"),
        "{}",
        about[0].message
    );
}

/// GDAL's GeoPackage of the whole demo, one table a layer in one file as QGIS keeps a project's layers:
/// the same dataset as the GeoJSON demo; a table in another CRS than dataset.toml's is refused by name.
#[test]
fn a_geopackage_gdal_wrote_is_the_demo() {
    if !common::tool_available("ogr2ogr", "gdal-bin") {
        return;
    }
    let layers = ["admin_units", "residential_areas", "facilities", "roads", "candidates"];
    let mapping: String = layers
        .iter()
        .map(|l| format!("[layers.{l}]\nfile = \"马尾.gpkg\"\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let toml = std::fs::read_to_string("geodata/demo/dataset.toml").unwrap();
    std::fs::write(dir.path().join("dataset.toml"), format!("{toml}\n{mapping}")).unwrap();
    let gpkg = dir.path().join("马尾.gpkg");
    for layer in layers {
        let out = std::process::Command::new("ogr2ogr")
            .args(["-f", "GPKG", "-append", "-nln", layer, gpkg.to_str().unwrap()])
            .arg(format!("geodata/demo/{layer}.geojson"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ogr2ogr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    same_as_the_demo(dir.path());
    let (_, warnings) = carecircle::load::load_dataset_with_warnings(dir.path()).unwrap();
    assert!(
        warnings.0.is_empty(),
        "GDAL's fid column is no unknown property: {warnings}"
    );
    // The facilities alone, as facilities.gpkg, reprojected to a Gauss-Krüger zone: refused, saying why.
    let other = demo_without_facilities("");
    let out = std::process::Command::new("ogr2ogr")
        .args(["-f", "GPKG", "-t_srs", "EPSG:4527"])
        .arg(other.path().join("facilities.gpkg"))
        .arg("geodata/demo/facilities.geojson")
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = the_one_problem(other.path(), "facilities.gpkg");
    assert!(said.contains("EPSG:4527"), "{said}");
    // Not a GeoPackage at all: one problem.
    std::fs::write(
        other.path().join("facilities.gpkg"),
        b"SQLite format 3\0 but not really",
    )
    .unwrap();
    let said = the_one_problem(other.path(), "facilities.gpkg");
    assert!(said.contains("not a readable GeoPackage"), "{said}");
}

/// The demo written back as one GeoPackage (`write_dataset_as`, what `db export --format gpkg` writes):
/// GDAL reads every layer of it, and carecircle reads it back into the very dataset it was.
#[test]
fn the_demo_written_as_a_geopackage_reads_back_as_itself() {
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    carecircle::write::write_dataset_as(
        &demo,
        &out,
        carecircle::crs::Crs::Wgs84,
        "演示",
        carecircle::write::Format::GeoPackage,
    )
    .unwrap();
    same_as_the_demo(&out);
    if !common::tool_available("ogrinfo", "gdal-bin") {
        return;
    }
    let info = std::process::Command::new("ogrinfo")
        .args(["-so", "-al"])
        .arg(out.join("dataset.gpkg"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    for (layer, count) in [
        ("admin_units", demo.admin_units.len()),
        ("residential_areas", demo.residential_areas.len()),
        ("facilities", demo.facilities.len()),
        ("roads", demo.roads.len()),
        ("candidates", demo.candidates.len()),
    ] {
        let at = text
            .find(&format!("Layer name: {layer}\n"))
            .unwrap_or_else(|| panic!("{layer}: {text}"));
        assert!(
            text[at..].contains(&format!("Feature Count: {count}\n")),
            "{layer} holds {count}: {text}"
        );
    }
    assert!(text.contains("ID[\"EPSG\",4326]"), "GDAL reads the CRS: {text}");
    assert!(
        !String::from_utf8_lossy(&info.stderr).contains("Warning"),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
}

/// `carecircle convert` writes a folder again in another format and CRS, read back as the same dataset
/// (to the digest where the coordinates stay in WGS84; in a Gauss-Krüger zone, every feature within a
/// millimetre); a folder with a problem is refused and nothing is written.
#[test]
fn convert_writes_the_dataset_again_in_another_format_and_crs() {
    let out = tempfile::tempdir().unwrap();
    let demo = carecircle::load::load_dataset(Path::new("geodata/demo")).unwrap();
    let digest = carecircle::digest::dataset_digest(&demo);
    let gpkg = out.path().join("gpkg");
    let done = common::carecircle(&["convert", "geodata/demo", gpkg.to_str().unwrap(), "--format", "gpkg"]);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(gpkg.join("dataset.gpkg").exists());
    assert_eq!(
        carecircle::digest::dataset_digest(&carecircle::load::load_dataset(&gpkg).unwrap()),
        digest
    );
    // FlatGeobuf: a file a layer, in the dataset's order, the demo to the digest; GDAL reads every
    // layer with its count and CRS, and the lists as JSON.
    let fgb = out.path().join("fgb");
    let done = common::carecircle(&["convert", "geodata/demo", fgb.to_str().unwrap(), "--format", "fgb"]);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(
        carecircle::digest::dataset_digest(&carecircle::load::load_dataset(&fgb).unwrap()),
        digest
    );
    if common::tool_available("ogrinfo", "gdal-bin") {
        for (layer, count) in [
            ("facilities", demo.facilities.len()),
            ("residential_areas", demo.residential_areas.len()),
            ("roads", demo.roads.len()),
        ] {
            let file = fgb.join(format!("{layer}.fgb"));
            let info = std::process::Command::new("ogrinfo")
                .args(["-so", "-al"])
                .arg(&file)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&info.stdout);
            assert!(
                info.status.success() && info.stderr.is_empty(),
                "{layer}: {text}{}",
                String::from_utf8_lossy(&info.stderr)
            );
            assert!(
                text.contains(&format!("Feature Count: {count}")) && text.contains("WGS 84"),
                "{layer}: {text}"
            );
        }
        let info = std::process::Command::new("ogrinfo")
            .args(["-al", "-where", "id = 'P02'"])
            .arg(fgb.join("facilities.fgb"))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&info.stdout).contains("serves (String) = [\"R003\"]"),
            "{}",
            String::from_utf8_lossy(&info.stdout)
        );
    }
    let zone = out.path().join("zone");
    let done = common::carecircle(&[
        "convert",
        gpkg.to_str().unwrap(),
        zone.to_str().unwrap(),
        "--crs",
        "EPSG:4549",
    ]);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    let back = carecircle::load::load_dataset(&zone).unwrap();
    assert_eq!(back.source_crs.to_string(), "EPSG:4549");
    assert_eq!(back.facilities.len(), demo.facilities.len());
    for (a, b) in back.facilities.iter().zip(&demo.facilities) {
        assert_eq!(a.id, b.id);
        let metres = geo::Distance::distance(&geo::Haversine, a.location, b.location);
        assert!(metres < 0.001, "{} moved {metres} m", a.id);
    }
    let broken = out.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("dataset.toml"),
        "name = \"x\"\ncrs = \"EPSG:4326\"\nas_of = \"2024-13-40\"\n",
    )
    .unwrap();
    let target = out.path().join("never");
    let refused = common::carecircle(&["convert", broken.to_str().unwrap(), target.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("as_of"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!target.exists(), "a refused dataset was written");
}
