//! Zipped Shapefile layers: the demo's facilities and residential areas as GDAL writes them for Chinese users
//! (GBK text with a `.cpg`, field names cut to ten characters, dates as DBF dates, lists as `(n:a,b)`).
//!
//! The fixtures in `tests/fixtures/shp/` were made from `geodata/demo` by GDAL 3.6.2, not by carecircle:
//! `ogr2ogr -f "ESRI Shapefile" -lco ENCODING=GBK -mapFieldType StringList=String <layer>.shp <layer>.geojson`,
//! then zipped with Info-ZIP.

use carecircle::engine::judge;
use carecircle::load::{load_dataset, Problem};
use carecircle::model::Mode;
use carecircle::rules::load_ruleset;
use std::io::{Read, Write};
use std::path::Path;

const FIXTURES: &str = "tests/fixtures/shp";

/// A dataset folder: the demo's header and admin units, the two layers as the given zip archives.
fn dataset(dir: &Path, facilities: &[u8], residential_areas: &[u8]) {
    for name in ["dataset.toml", "admin_units.geojson"] {
        std::fs::copy(Path::new("geodata/demo").join(name), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("facilities.shp.zip"), facilities).unwrap();
    std::fs::write(dir.join("residential_areas.shp.zip"), residential_areas).unwrap();
}

fn fixture(layer: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(format!("{layer}.shp.zip"))).unwrap()
}

/// The fixture archive of `layer` with its members renamed or dropped (`None`) and others added.
fn rezip(layer: &str, rename: impl Fn(&str) -> Option<String>, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(fixture(layer))).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let Some(name) = rename(&entry.name().unwrap()) else {
            continue;
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    for (name, bytes) in extra {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn problems(facilities: &[u8]) -> Vec<Problem> {
    let tmp = tempfile::tempdir().unwrap();
    dataset(tmp.path(), facilities, &fixture("residential_areas"));
    load_dataset(tmp.path()).expect_err("the dataset is bad").0
}

#[test]
fn gbk_shapefiles_load_as_the_geojson_they_came_from() {
    let tmp = tempfile::tempdir().unwrap();
    dataset(tmp.path(), &fixture("facilities"), &fixture("residential_areas"));
    let from_shp = load_dataset(tmp.path()).unwrap_or_else(|p| panic!("{p}"));
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();

    assert_eq!(from_shp.facilities.len(), demo.facilities.len());
    assert_eq!(from_shp.residential_areas.len(), 72);
    for (a, b) in demo.facilities.iter().zip(&from_shp.facilities) {
        assert_eq!(
            (&a.id, &a.name, a.tier, a.status, a.beds, a.nursing_beds),
            (&b.id, &b.name, b.tier, b.status, b.beds, b.nursing_beds)
        );
        // floor_area_m2, handed_over and meal_service: DBF cut their names to ten characters.
        assert_eq!(
            (a.floor_area_m2, a.handed_over, a.meal_service),
            (b.floor_area_m2, b.handed_over, b.meal_service)
        );
        assert_eq!(a.serves, b.serves, "{}", a.id);
        assert!((a.location.x() - b.location.x()).abs() < 1e-9 && (a.location.y() - b.location.y()).abs() < 1e-9);
    }
    for (a, b) in demo.residential_areas.iter().zip(&from_shp.residential_areas) {
        assert_eq!(
            (&a.id, &a.name, a.households, a.kind, a.delivered, &a.pool),
            (&b.id, &b.name, b.households, b.kind, b.delivered, &b.pool)
        );
    }
    // The Chinese names really went through GBK and came back.
    assert!(from_shp.facilities.iter().any(|f| f.name.contains("罗星")));
    assert!(from_shp.facilities.iter().any(|f| !f.serves.is_empty()));
    assert!(from_shp.residential_areas.iter().any(|a| a.delivered.is_some()));
    assert!(from_shp.residential_areas.iter().any(|a| a.delivered.is_none()));

    let rules: Vec<_> = ["anxi-2022", "mawei-2020"]
        .iter()
        .map(|r| load_ruleset(Path::new(&format!("rules/{r}.toml"))).unwrap())
        .collect();
    let expected = judge(&demo, &rules, Mode::Audit);
    let got = judge(&from_shp, &rules, Mode::Audit);
    assert!(expected.findings.len() > 50);
    let key = |r: &carecircle::engine::Report| {
        r.findings
            .iter()
            .map(|f| {
                (
                    f.rule.clone(),
                    f.id.clone(),
                    f.measured.map(|m| (m * 100.0).round() as i64),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&expected), key(&got));
}

#[test]
fn gbk_text_without_a_cpg_is_reported_not_garbled() {
    let no_cpg = rezip("facilities", |n| (!n.ends_with(".cpg")).then(|| n.to_string()), &[]);
    let problems = problems(&no_cpg);
    // Said once for the file, not once per record, with the record and field where it was seen.
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.file, "facilities.shp.zip");
    assert!(p.message.contains("add facilities.cpg holding GBK"), "{p:?}");
    assert!(p.message.contains("record 0") && p.message.contains("'name'"), "{p:?}");
}

#[test]
fn a_cpg_naming_an_unknown_code_page_is_named() {
    let bad_cpg = rezip(
        "facilities",
        |n| (!n.ends_with(".cpg")).then(|| n.to_string()),
        &[("facilities.cpg", b"KLINGON-8")],
    );
    let problems = problems(&bad_cpg);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("\"KLINGON-8\""), "{problems:?}");
}

#[test]
fn archives_that_are_not_one_shapefile_are_refused_with_reasons() {
    let no_dbf = rezip("facilities", |n| (!n.ends_with(".dbf")).then(|| n.to_string()), &[]);
    let p = problems(&no_dbf);
    assert!(p[0].message.contains("no facilities.dbf"), "{p:?}");

    let two = rezip(
        "facilities",
        |n| Some(n.to_string()),
        &[("other/extra.shp", &fixture("facilities")[..10])],
    );
    let p = problems(&two);
    assert!(p[0].message.contains("2 Shapefiles"), "{p:?}");

    let in_folder = rezip("facilities", |n| Some(format!("导出/{n}")), &[]);
    let tmp = tempfile::tempdir().unwrap();
    dataset(tmp.path(), &in_folder, &fixture("residential_areas"));
    assert_eq!(load_dataset(tmp.path()).unwrap().facilities.len(), 96);

    let p = problems(b"PK\x03\x04 this is not really a zip");
    assert!(p[0].message.contains("not a readable ZIP archive"), "{p:?}");
}

/// The fixture archive with every member's bytes passed through `edit`.
fn rezip_edited(layer: &str, edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(fixture(layer))).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(&edit(&name, bytes)).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A DBF header claiming 4 294 967 295 records: nothing is reserved beyond what the table's bytes hold,
/// and the layer loads (or is refused) without an abort.
#[test]
fn a_dbf_header_claiming_four_billion_records_is_not_trusted() {
    let lying = rezip_edited("facilities", |name, mut bytes| {
        if name.ends_with(".dbf") {
            bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        bytes
    });
    let tmp = tempfile::tempdir().unwrap();
    dataset(tmp.path(), &lying, &fixture("residential_areas"));
    // Whatever the verdict on the records that are there, the process is still here to give it.
    match load_dataset(tmp.path()) {
        Ok(d) => assert_eq!(d.facilities.len(), 96),
        Err(p) => assert!(!p.0.is_empty()),
    }
}

/// A zip bomb: 100 MiB of zeros in a member, about 100 KiB packed, is refused before it fills memory.
#[test]
fn a_zip_bomb_is_refused() {
    let zeros = vec![0u8; 100 << 20];
    let bomb = rezip_edited(
        "facilities",
        |name, bytes| if name.ends_with(".cpg") { zeros.clone() } else { bytes },
    );
    assert!(bomb.len() < 1 << 20, "the bomb packs small: {}", bomb.len());
    let found = problems(&bomb);
    assert!(found.iter().any(|p| p.message.contains("zip bomb")), "{found:#?}");
}
