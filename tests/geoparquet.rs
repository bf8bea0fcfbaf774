//! GeoParquet layers: `convert --format parquet` writes files that read back as the dataset and that
//! GeoPandas reads with their CRS; GeoPandas's own GeoParquet (1.0 and 1.1, WKB and GeoArrow's native
//! encoding, with the bbox covering column) reads as the demo; a damaged, lying or bomb-like file is a
//! problem naming it, never a panic.

mod common;

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, StructArray};
use carecircle::load::load_dataset;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn demo_digest() -> String {
    carecircle::digest::dataset_digest(&load_dataset(Path::new("geodata/demo")).unwrap())
}

/// The demo converted to GeoParquet into `out/name`, in `crs`.
fn converted(out: &Path, name: &str, crs: &str) -> PathBuf {
    let folder = out.join(name);
    let done = common::carecircle(&[
        "convert",
        "geodata/demo",
        folder.to_str().unwrap(),
        "--format",
        "parquet",
        "--crs",
        crs,
    ]);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    folder
}

/// A GeoParquet file's `geo` metadata.
fn geo_metadata(file: &Path) -> Value {
    let bytes = bytes::Bytes::from(std::fs::read(file).unwrap());
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
    let kv = reader.metadata().file_metadata().key_value_metadata().unwrap();
    let geo = kv.iter().find(|k| k.key == "geo").unwrap();
    serde_json::from_str(geo.value.as_deref().unwrap()).unwrap()
}

#[test]
fn convert_writes_geoparquet_that_reads_back_as_the_dataset() {
    let out = tempfile::tempdir().unwrap();
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let wgs84 = converted(out.path(), "wgs84", "EPSG:4326");
    assert_eq!(
        carecircle::digest::dataset_digest(&load_dataset(&wgs84).unwrap()),
        demo_digest()
    );
    let geo = geo_metadata(&wgs84.join("residential_areas.parquet"));
    assert_eq!(geo["version"], "1.1.0");
    assert_eq!(geo["primary_column"], "geometry");
    let column = &geo["columns"]["geometry"];
    assert_eq!(column["encoding"], "WKB");
    assert_eq!(column["geometry_types"], serde_json::json!(["Polygon"]));
    assert_eq!(column["covering"]["bbox"]["xmin"], serde_json::json!(["bbox", "xmin"]));
    // WGS84 is GeoParquet's default CRS (OGC:CRS84): no `crs` member.
    assert!(column.get("crs").is_none(), "{column}");
    let bbox: Vec<f64> = serde_json::from_value(column["bbox"].clone()).unwrap();
    let within = |p: geo::Point<f64>| p.x() >= bbox[0] && p.y() >= bbox[1] && p.x() <= bbox[2] && p.y() <= bbox[3];
    assert!(demo.residential_areas.iter().all(|a| within(a.location)));

    // In a Gauss-Krüger zone: the CRS as PROJJSON with its EPSG id; every facility back within a
    // millimetre.
    let zone = converted(out.path(), "zone", "EPSG:4549");
    let geo = geo_metadata(&zone.join("facilities.parquet"));
    let crs = &geo["columns"]["geometry"]["crs"];
    assert_eq!(crs["type"], "ProjectedCRS");
    assert_eq!(crs["id"], serde_json::json!({"authority": "EPSG", "code": 4549}));
    let back = load_dataset(&zone).unwrap();
    assert_eq!(back.source_crs.to_string(), "EPSG:4549");
    assert_eq!(back.facilities.len(), demo.facilities.len());
    for (a, b) in back.facilities.iter().zip(&demo.facilities) {
        assert_eq!((&a.id, &a.serves, a.handed_over), (&b.id, &b.serves, b.handed_over));
        let metres = geo::Distance::distance(&geo::Haversine, a.location, b.location);
        assert!(metres < 0.001, "{} moved {metres} m", a.id);
    }
}

/// GeoPandas (pyarrow, pyproj) reads what carecircle writes — every layer's rows, its CRS as
/// authority and code, its columns — and carecircle reads GeoPandas's GeoParquet 1.0 and 1.1, in WKB
/// and in GeoArrow's native encoding, as the demo itself.
#[test]
fn geopandas_and_carecircle_read_each_others_geoparquet() {
    let Some(venv) = common::python_venv("geopandas") else {
        return;
    };
    let python = |args: &[&str]| {
        let out = std::process::Command::new(venv.join("bin/python"))
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/geoparquet.py"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let out = tempfile::tempdir().unwrap();
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    for (crs, name) in [
        ("EPSG:4326", "OGC:CRS84"),
        ("EPSG:4490", "EPSG:4490"),
        ("EPSG:4549", "EPSG:4549"),
    ] {
        let folder = converted(out.path(), &crs.replace(':', "-"), crs);
        let read: Vec<Value> = python(&["read", folder.to_str().unwrap()])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let rows = |layer: &str| read.iter().find(|l| l["layer"] == layer).map(|l| l["rows"].clone());
        assert_eq!(rows("facilities"), Some(demo.facilities.len().into()), "{read:?}");
        assert_eq!(rows("residential_areas"), Some(demo.residential_areas.len().into()));
        assert_eq!(rows("admin_units"), Some(demo.admin_units.len().into()));
        assert_eq!(rows("roads"), Some(demo.roads.len().into()));
        assert!(
            read.iter().all(|l| l["crs"] == name && l["version"] == "1.1.0"),
            "{crs}: {read:?}"
        );
        let facilities = read.iter().find(|l| l["layer"] == "facilities").unwrap();
        assert!(facilities["columns"]
            .as_array()
            .unwrap()
            .contains(&"handed_over".into()));
    }
    let written = out.path().join("geopandas");
    let kinds = python(&["write", "geodata/demo", written.to_str().unwrap()]);
    for kind in ["wkb-1.0.0", "wkb-1.1.0", "geoarrow-1.1.0"] {
        assert!(kinds.contains(kind), "{kinds}");
        let folder = written.join(kind);
        let areas = geo_metadata(&folder.join("residential_areas.parquet"));
        let encoding = areas["columns"]["geometry"]["encoding"].as_str().unwrap().to_string();
        assert_eq!(encoding, if kind.starts_with("geoarrow") { "polygon" } else { "WKB" });
        let loaded = load_dataset(&folder).unwrap_or_else(|p| panic!("{kind}: {p}"));
        assert_eq!(carecircle::digest::dataset_digest(&loaded), demo_digest(), "{kind}");
    }
}

/// Writes `batch` as a Parquet file with `geo` metadata (none when `None`).
fn parquet_file(path: &Path, batch: &RecordBatch, geo: Option<&Value>, properties: WriterProperties) {
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
    if let Some(geo) = geo {
        writer.append_key_value_metadata(parquet::file::metadata::KeyValue::new(
            "geo".to_string(),
            geo.to_string(),
        ));
    }
    writer.write(batch).unwrap();
    writer.close().unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A GeoParquet file's rows as one batch.
fn rows(file: &Path) -> RecordBatch {
    let bytes = bytes::Bytes::from(std::fs::read(file).unwrap());
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap();
    reader.next().unwrap().unwrap()
}

/// The demo's folder with its facilities layer removed, to put a crafted one in.
fn without_facilities(crs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["admin_units.geojson", "residential_areas.geojson"] {
        std::fs::copy(Path::new("geodata/demo").join(name), dir.path().join(name)).unwrap();
    }
    let toml = std::fs::read_to_string("geodata/demo/dataset.toml")
        .unwrap()
        .replace("EPSG:4326", crs);
    std::fs::write(dir.path().join("dataset.toml"), toml).unwrap();
    dir
}

/// The problems loading `dir` gives, each on facilities.parquet.
fn problems(dir: &Path) -> Vec<carecircle::load::Problem> {
    let problems = load_dataset(dir).expect_err("refused").0;
    assert!(problems.iter().all(|p| p.file == "facilities.parquet"), "{problems:?}");
    problems
}

fn the_one_problem(dir: &Path) -> String {
    let problems = problems(dir);
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems[0].message.clone()
}

#[test]
fn a_damaged_lying_or_bomb_like_geoparquet_is_refused_with_its_name() {
    let out = tempfile::tempdir().unwrap();
    let good = converted(out.path(), "good", "EPSG:4326").join("facilities.parquet");
    let real = std::fs::read(&good).unwrap();
    let dir = without_facilities("EPSG:4326");
    let file = dir.path().join("facilities.parquet");
    let write = |bytes: &[u8]| std::fs::write(&file, bytes).unwrap();

    write(b"not a parquet file at all");
    assert!(the_one_problem(dir.path()).contains("not a readable Parquet file"));
    write(&real[..real.len() / 2]);
    assert!(the_one_problem(dir.path()).contains("not a readable Parquet file"));
    write(&[b"PAR1".as_slice(), &real[4..real.len() / 3], b"PAR1"].concat());
    assert!(the_one_problem(dir.path()).contains("not a readable Parquet file"));

    // A Parquet file with no `geo` metadata is not GeoParquet.
    let batch = rows(&good);
    parquet_file(&file, &batch, None, WriterProperties::default());
    assert!(the_one_problem(dir.path()).contains("not GeoParquet"));

    // The geo metadata lying: an encoding GeoParquet does not have, a column the file lacks.
    let mut geo = geo_metadata(&good);
    geo["columns"]["geometry"]["encoding"] = "hexagons".into();
    parquet_file(&file, &batch, Some(&geo), WriterProperties::default());
    assert!(the_one_problem(dir.path()).contains("encoding \"hexagons\""));
    let mut geo = geo_metadata(&good);
    geo["primary_column"] = "shape".into();
    geo["columns"]["shape"] = geo["columns"]["geometry"].clone();
    parquet_file(&file, &batch, Some(&geo), WriterProperties::default());
    assert!(the_one_problem(dir.path()).contains("column \"shape\""));

    // The bbox covering column lying: every row's box shifted a tenth of a degree east.
    let geo = geo_metadata(&good);
    let schema = batch.schema();
    let bbox_at = schema.index_of("bbox").unwrap();
    let boxes = batch.column(bbox_at).as_any().downcast_ref::<StructArray>().unwrap();
    let shifted: Vec<(Arc<arrow_schema::Field>, ArrayRef)> = boxes
        .fields()
        .iter()
        .zip(boxes.columns())
        .map(|(f, c)| {
            let values = c.as_any().downcast_ref::<arrow_array::Float64Array>().unwrap();
            let moved: arrow_array::Float64Array = values
                .iter()
                .map(|v| v.map(|v| if f.name().starts_with('x') { v + 0.1 } else { v }))
                .collect();
            (f.clone(), Arc::new(moved) as ArrayRef)
        })
        .collect();
    let mut columns = batch.columns().to_vec();
    columns[bbox_at] = Arc::new(StructArray::from(shifted));
    let lying = RecordBatch::try_new(schema.clone(), columns).unwrap();
    parquet_file(&file, &lying, Some(&geo), WriterProperties::default());
    let said = problems(dir.path());
    assert_eq!(said.len(), batch.num_rows(), "{said:?}");
    assert!(said
        .iter()
        .all(|p| p.message.contains("the box column lies") && p.property.as_deref() == Some("bbox")));

    // A file in another CRS than dataset.toml says.
    let zone = converted(out.path(), "zone", "EPSG:4549").join("facilities.parquet");
    std::fs::copy(&zone, &file).unwrap();
    let said = the_one_problem(dir.path());
    assert!(said.contains("坐标系不符") && said.contains("EPSG:4549"), "{said}");

    // A column of a type no layer property can hold.
    let mut columns = batch.columns().to_vec();
    let mut fields: Vec<arrow_schema::Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let at = schema.index_of("floor_area_m2").unwrap();
    columns[at] = Arc::new(arrow_array::Decimal128Array::from(vec![Some(1_i128); batch.num_rows()]));
    fields[at] = arrow_schema::Field::new("floor_area_m2", columns[at].data_type().clone(), true);
    let decimal = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
    parquet_file(&file, &decimal, Some(&geo), WriterProperties::default());
    let said = the_one_problem(dir.path());
    assert!(
        said.contains("column \"floor_area_m2\" is of type Decimal128"),
        "{said}"
    );

    // A bomb: 96 names of over a mebibyte each (the same letter), ZSTD-compressed into a file of a few kilobytes,
    // declaring far more than a file its size may unpack to.
    let mut columns = batch.columns().to_vec();
    let at = schema.index_of("name").unwrap();
    let long = "养".repeat(3 << 17);
    columns[at] = Arc::new(StringArray::from(vec![long.as_str(); batch.num_rows()]));
    let bomb = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let zstd = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_dictionary_enabled(false)
        .build();
    parquet_file(&file, &bomb, Some(&geo), zstd);
    assert!(std::fs::metadata(&file).unwrap().len() < 4 << 20);
    let said = the_one_problem(dir.path());
    assert!(
        said.contains("declares") && said.contains("more than carecircle unpacks"),
        "{said}"
    );
}

/// A column written as a dictionary (pandas' categories, Arrow's dictionary encoding) reads as its
/// values: the demo's facilities with `tier` and `status` as dictionaries are the demo's facilities.
#[test]
fn dictionary_columns_read_as_their_values() {
    let out = tempfile::tempdir().unwrap();
    let good = converted(out.path(), "good", "EPSG:4326").join("facilities.parquet");
    let batch = rows(&good);
    let schema = batch.schema();
    let mut columns = batch.columns().to_vec();
    let mut fields: Vec<arrow_schema::Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for name in ["tier", "status"] {
        let at = schema.index_of(name).unwrap();
        let text = columns[at].as_any().downcast_ref::<StringArray>().unwrap();
        let dictionary: arrow_array::DictionaryArray<arrow_array::types::Int32Type> = text.iter().collect();
        fields[at] = arrow_schema::Field::new(name, dictionary.data_type().clone(), true);
        columns[at] = Arc::new(dictionary);
    }
    let encoded = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
    let dir = without_facilities("EPSG:4326");
    parquet_file(
        &dir.path().join("facilities.parquet"),
        &encoded,
        Some(&geo_metadata(&good)),
        WriterProperties::default(),
    );
    let loaded = load_dataset(dir.path()).unwrap_or_else(|p| panic!("{p}"));
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let kinds = |d: &carecircle::model::Dataset| -> Vec<_> {
        d.facilities.iter().map(|f| (f.id.clone(), f.tier, f.status)).collect()
    };
    assert_eq!(kinds(&loaded), kinds(&demo));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A real GeoParquet layer with any bytes changed, or cut anywhere: a dataset or problems naming
    /// the file, never a panic.
    #[test]
    fn any_damaged_geoparquet_is_loaded_or_refused(
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..40),
        cut in any::<prop::sample::Index>(),
        cut_it in any::<bool>(),
    ) {
        static GOOD: std::sync::OnceLock<(tempfile::TempDir, Vec<u8>)> = std::sync::OnceLock::new();
        let (_, real) = GOOD.get_or_init(|| {
            let out = tempfile::tempdir().unwrap();
            let folder = converted(out.path(), "good", "EPSG:4326");
            let bytes = std::fs::read(folder.join("facilities.parquet")).unwrap();
            (out, bytes)
        });
        let mut bytes = real.clone();
        for (at, byte) in &changes {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        if cut_it {
            bytes.truncate(cut.index(bytes.len()));
        }
        let dir = without_facilities("EPSG:4326");
        std::fs::write(dir.path().join("facilities.parquet"), &bytes).unwrap();
        if let Err(problems) = load_dataset(dir.path()) {
            prop_assert!(!problems.0.is_empty());
            prop_assert!(problems.0.iter().all(|p| p.file == "facilities.parquet"), "{:?}", problems.0);
        }
    }
}
