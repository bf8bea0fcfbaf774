//! Reads a layer written as FlatGeobuf (`<layer>.fgb`, what `ogr2ogr -f FlatGeobuf` writes): the binary
//! big-data format beside GeoJSON.
//!
//! FlatGeobuf beside GeoParquet (`parquet.rs`): GDAL (and so QGIS, and Debian's GDAL) writes it with no
//! extra driver, the reader is one small crate (`flatgeobuf`, through `geozero` into geo-types), it
//! streams feature by feature with typed columns, and it carries its own spatial index for the day the
//! service reads only a box.
//!
//! A crafted file can make the reader index past the end of a feature's bytes: the read runs under
//! `catch_unwind` (`guard.rs`), silently, and such a file is one problem naming it, never a crash.

use super::problem::Problem;
use super::propmap::{id_text, PropMap};
use super::source::{finish, label, RawFeature, RawGeometry, RawLayer};
use geozero::{ColumnValue, FeatureProperties, PropertyProcessor, ToGeo};
use serde_json::{Number, Value};

pub(super) fn read_fgb(file: &str, bytes: &[u8], id_key: &str) -> Result<RawLayer, Vec<Problem>> {
    super::guard::quietly(|| read_features(file, bytes, id_key)).unwrap_or_else(|| {
        Err(vec![Problem::file(
            file,
            "not a readable FlatGeobuf file: a feature's bytes run past its end (a damaged or crafted file)",
        )])
    })
}

fn read_features(file: &str, bytes: &[u8], id_key: &str) -> Result<RawLayer, Vec<Problem>> {
    use flatgeobuf::{FallibleStreamingIterator, FgbReader};
    let bad = |e: flatgeobuf::Error| vec![Problem::file(file, format!("not a readable FlatGeobuf file: {e}"))];
    let mut features = FgbReader::open(std::io::Cursor::new(bytes))
        .and_then(FgbReader::select_all_seq)
        .map_err(bad)?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut index = 0;
    while let Some(feature) = features.next().map_err(bad)? {
        let mut properties = Properties(PropMap::new());
        let read = feature.process_properties(&mut properties);
        let label = label(
            id_key,
            properties.0.get(id_key).and_then(id_text).as_deref(),
            "feature",
            index,
        );
        if let Err(e) = read {
            problems.push(Problem {
                file: file.to_string(),
                feature: Some(label.clone()),
                property: None,
                message: format!("cannot read this feature's properties: {e}"),
            });
        }
        let geometry = match feature.to_geo() {
            Ok(g) => Some(RawGeometry::Parsed(g)),
            // A feature may have no geometry at all; anything else unreadable is a problem.
            Err(geozero::error::GeozeroError::GeometryFormat) if feature.fbs_feature().geometry().is_none() => None,
            Err(e) => {
                problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(label.clone()),
                    property: Some("geometry".into()),
                    message: format!("not a readable geometry: {e}"),
                });
                Some(RawGeometry::Unreadable)
            }
        };
        out.push(RawFeature {
            label,
            geometry,
            properties: properties.0,
        });
        index += 1;
    }
    finish(file, false, out, problems)
}

/// A feature's typed columns as the JSON values the layers read.
struct Properties(PropMap);

impl PropertyProcessor for Properties {
    fn property(&mut self, _index: usize, name: &str, value: &ColumnValue) -> geozero::error::Result<bool> {
        let json = match *value {
            ColumnValue::Byte(v) => Value::from(v),
            ColumnValue::UByte(v) => Value::from(v),
            ColumnValue::Bool(v) => Value::from(v),
            ColumnValue::Short(v) => Value::from(v),
            ColumnValue::UShort(v) => Value::from(v),
            ColumnValue::Int(v) => Value::from(v),
            ColumnValue::UInt(v) => Value::from(v),
            ColumnValue::Long(v) => Value::from(v),
            ColumnValue::ULong(v) => Value::from(v),
            ColumnValue::Float(v) => Number::from_f64(f64::from(v)).map_or(Value::Null, Value::Number),
            ColumnValue::Double(v) => Number::from_f64(v).map_or(Value::Null, Value::Number),
            ColumnValue::String(s) => Value::from(s),
            // GDAL writes a date column as a date-time at midnight: the day is what the layers read.
            ColumnValue::DateTime(s) => match s.split_once('T') {
                Some((day, time)) if time.trim_end_matches('Z').trim_end_matches(".000") == "00:00:00" => {
                    Value::from(day)
                }
                _ => Value::from(s),
            },
            // GDAL writes string lists (serves) as JSON text.
            ColumnValue::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::from(s)),
            ColumnValue::Binary(_) => Value::Null,
        };
        self.0.insert(name, json);
        Ok(false)
    }
}
