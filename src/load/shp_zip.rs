//! Reads a zipped Shapefile (`<layer>.shp.zip`): the `.shp` geometry, the `.dbf` attributes decoded in the code
//! page the `.cpg` names (GBK is common in Chinese data), or the one the `.dbf` header marks.
//!
//! Attribute names are matched case-insensitively, and the contract's keys that the DBF format cuts to ten
//! characters (`floor_area` for `floor_area_m2`) are recognised, as ogr2ogr and ArcGIS write them.

use super::problem::Problem;
use super::source::{finish, RawFeature, RawGeometry, RawLayer};
use serde_json::{Number, Value};
use shapefile::dbase::{self, encoding::EncodingRs, CodePageMark, FieldValue};
use std::io::{Cursor, Read};

/// Contract keys longer than the ten characters a DBF field name may have.
const LONG_KEYS: [&str; 4] = ["floor_area_m2", "nursing_beds", "handed_over", "meal_service"];

/// The members of the archive that make up the one Shapefile in it.
struct Members {
    stem: String,
    shp: Vec<u8>,
    dbf: Vec<u8>,
    cpg: Option<String>,
}

pub fn read_shp_zip(file: &str, bytes: Vec<u8>, id_key: &str) -> Result<RawLayer, Vec<Problem>> {
    let fail = |message: String| vec![Problem::file(file, message)];
    let mut members = unzip(bytes).map_err(fail)?;
    let encoding = text_encoding(&members).map_err(fail)?;
    let date_fields = dates_as_text(&mut members.dbf);
    let dbf_len = members.dbf.len();
    let shapes = shapefile::ShapeReader::new(Cursor::new(members.shp))
        .map_err(|e| fail(format!("{}.shp is not a readable Shapefile: {e}", members.stem)))?;
    let table = dbase::ReaderBuilder::new()
        .with_encoding(encoding.clone())
        .build(Cursor::new(members.dbf))
        .map_err(|e| fail(format!("{}.dbf is not a readable dBase table: {e}", members.stem)))?;
    // The header's count is a claim: reserve no more than the table's bytes can hold.
    let count = table.header().num_records as usize;
    let record_size = usize::from(table.header().size_of_record).max(1);
    let reserve = count.min(dbf_len / record_size);
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut problems = Vec::new();
    let mut features = Vec::with_capacity(reserve);
    let mut seen = 0;
    for (index, item) in reader.iter_shapes_and_records().take(count).enumerate() {
        seen += 1;
        let (shape, record) = match item {
            Ok(pair) => pair,
            Err(shapefile::Error::DbaseError(e))
                if encoding.strict && matches!(e.kind(), dbase::ErrorKind::StringDecodeError(_)) =>
            {
                // Every record with Chinese text would fail the same way: say it once, with the fix.
                return Err(fail(format!(
                    "{stem}.dbf text is not UTF-8 and no {stem}.cpg names its code page: add {stem}.cpg \
                     holding GBK (or the code page it was written in). First seen at {e}",
                    stem = members.stem
                )));
            }
            Err(e) => {
                let message = match e {
                    shapefile::Error::DbaseError(e) => e.to_string(),
                    e => e.to_string(),
                };
                problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(format!("record {index}")),
                    property: None,
                    message: format!("cannot read this record ({}): {message}", encoding.name),
                });
                continue;
            }
        };
        let properties = properties(record, &date_fields);
        let id = properties.get(id_key).and_then(super::propmap::id_text);
        let label = super::source::label(id_key, id.as_deref(), "record", index);
        let geometry = match shape {
            shapefile::Shape::NullShape => None,
            shape => match geo::Geometry::<f64>::try_from(shape) {
                Ok(geometry) => Some(RawGeometry::Parsed(single_part(geometry))),
                Err(e) => {
                    problems.push(Problem {
                        file: file.to_string(),
                        feature: Some(label.clone()),
                        property: Some("geometry".into()),
                        message: format!("cannot read this shape: {e}"),
                    });
                    Some(RawGeometry::Unreadable)
                }
            },
        };
        features.push(RawFeature {
            label,
            geometry,
            properties,
        });
    }
    if seen < count {
        problems.push(Problem::file(
            file,
            format!(
                "{}.dbf has {count} records but {}.shp only {} shapes: the two files do not belong together",
                members.stem, members.stem, seen
            ),
        ));
    }
    // DBF cells may hold numbers, flags and id lists as text, as CSV cells do.
    finish(file, true, features, problems)
}

fn unzip(bytes: Vec<u8>) -> Result<Members, String> {
    use crate::limits::{human, LAYER_BYTES, UNZIP_FLOOR_BYTES, UNZIP_RATIO};
    // What the members may unpack to, together: a zip bomb is refused before it fills memory.
    let mut budget = (bytes.len() as u64)
        .saturating_mul(UNZIP_RATIO)
        .clamp(UNZIP_FLOOR_BYTES, LAYER_BYTES);
    let allowed = budget;
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable ZIP archive: {e}"))?;
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot list the ZIP archive: {e}"))?;
    let shp_names: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp") && !n.starts_with("__MACOSX/"))
        .collect();
    let shp_name = match shp_names.as_slice() {
        [one] => one.to_string(),
        [] => {
            return Err(format!(
                "the archive holds no .shp file (it holds: {})",
                names.join(", ")
            ))
        }
        many => {
            return Err(format!(
                "the archive holds {} Shapefiles ({}): put one layer in each .shp.zip",
                many.len(),
                many.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
            ))
        }
    };
    let stem = shp_name[..shp_name.len() - 4].to_string();
    let mut member = |ext: &str| -> Result<Option<Vec<u8>>, String> {
        let wanted = format!("{stem}.{ext}");
        let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(&wanted)) else {
            return Ok(None);
        };
        let entry = archive.by_name(name).map_err(|e| format!("cannot open {name}: {e}"))?;
        let mut out = Vec::new();
        entry
            .take(budget + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot unpack {name}: {e}"))?;
        if out.len() as u64 > budget {
            return Err(format!(
                "the archive unpacks to more than {} ({UNZIP_RATIO} times its size, at most {}): refused as a zip bomb",
                human(allowed),
                human(LAYER_BYTES)
            ));
        }
        budget -= out.len() as u64;
        Ok(Some(out))
    };
    let shp = member("shp")?.unwrap_or_default();
    let dbf = member("dbf")?.ok_or_else(|| {
        format!("the archive has {stem}.shp but no {stem}.dbf: the layer's properties are in the .dbf")
    })?;
    let cpg = member("cpg")?.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    Ok(Members { stem, shp, dbf, cpg })
}

/// The code page of the DBF text: the `.cpg` when there is one, else the mark in the DBF header; UTF-8 when
/// neither says, read strictly so that GBK text without a `.cpg` is reported rather than garbled.
fn text_encoding(members: &Members) -> Result<TextEncoding, String> {
    if let Some(label) = &members.cpg {
        return encoding_for_label(label).map(TextEncoding::declared).ok_or_else(|| {
            format!(
                "{}.cpg names the code page \"{label}\", which is not known: write UTF-8, GBK, GB18030 or BIG5 in it",
                members.stem
            )
        });
    }
    let header = dbase::ReaderBuilder::new()
        .with_encoding(dbase::Unicode)
        .build(Cursor::new(&members.dbf[..]))
        .map(|r| r.header().code_page_mark);
    Ok(match header {
        Ok(CodePageMark::CP936) => TextEncoding::declared(encoding_rs::GBK),
        Ok(CodePageMark::CP950) => TextEncoding::declared(encoding_rs::BIG5),
        _ => TextEncoding::strict_utf8(),
    })
}

/// Names a `.cpg` file may hold: WHATWG labels (`GBK`, `gb2312`, `UTF-8`) and Windows code page numbers.
fn encoding_for_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim().trim_start_matches('\u{feff}');
    if let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) {
        return Some(encoding);
    }
    let upper = label.to_ascii_uppercase();
    let number = upper
        .trim_start_matches("ANSI")
        .trim_start_matches("CP")
        .trim_start_matches("WINDOWS-")
        .trim();
    match number {
        "936" => Some(encoding_rs::GBK),
        "54936" => Some(encoding_rs::GB18030),
        "950" => Some(encoding_rs::BIG5),
        "65001" => Some(encoding_rs::UTF_8),
        "1252" => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    }
}

#[derive(Clone)]
struct TextEncoding {
    name: &'static str,
    /// Undeclared UTF-8, decoded strictly.
    strict: bool,
    dbase: dbase::encoding::DynEncoding,
}

impl TextEncoding {
    fn declared(encoding: &'static encoding_rs::Encoding) -> Self {
        TextEncoding {
            name: encoding.name(),
            strict: false,
            dbase: EncodingRs::from(encoding).into(),
        }
    }

    fn strict_utf8() -> Self {
        TextEncoding {
            name: "UTF-8",
            strict: true,
            dbase: dbase::Unicode.into(),
        }
    }
}

impl From<TextEncoding> for dbase::encoding::DynEncoding {
    fn from(encoding: TextEncoding) -> Self {
        encoding.dbase
    }
}

/// Retypes the DBF's date fields (`D`) as text (`C`, the same eight bytes) and returns their names.
///
/// GDAL writes an empty date as `00000000`, which the dbase crate refuses; read as text, such a date is
/// recognised as empty and a real one converted by [`dbf_date`].
fn dates_as_text(dbf: &mut [u8]) -> Vec<String> {
    const DESCRIPTOR: usize = 32;
    let mut names = Vec::new();
    let mut at = DESCRIPTOR;
    while at + DESCRIPTOR <= dbf.len() && dbf[at] != 0x0D {
        if dbf[at + 11] == b'D' {
            dbf[at + 11] = b'C';
            let name = &dbf[at..at + 11];
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            names.push(String::from_utf8_lossy(&name[..end]).to_string());
        }
        at += DESCRIPTOR;
    }
    names
}

/// A DBF date `YYYYMMDD` as the contract's `YYYY-MM-DD`; blank or all zeros is no date.
fn dbf_date(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() || text.bytes().all(|b| b == b'0') {
        return Value::Null;
    }
    match (text.len(), text.get(..4), text.get(4..6), text.get(6..8)) {
        (8, Some(y), Some(m), Some(d)) => Value::String(format!("{y}-{m}-{d}")),
        // Left as it is, so the date reader names it as a bad date.
        _ => Value::String(text.to_string()),
    }
}

/// DBF values as JSON values; field names lower-cased and the cut-off long keys restored.
fn properties(record: dbase::Record, date_fields: &[String]) -> super::propmap::PropMap {
    let mut map = super::propmap::PropMap::new();
    for (name, value) in record {
        let value = match value {
            FieldValue::Character(text) if date_fields.contains(&name) => dbf_date(text.as_deref().unwrap_or("")),
            value => json_value(value),
        };
        let name = name.trim().to_lowercase();
        let key = LONG_KEYS
            .iter()
            .find(|long| name.len() == 10 && long.starts_with(name.as_str()))
            .map_or(name, |long| long.to_string());
        map.insert(&key, value);
    }
    map
}

fn json_value(value: FieldValue) -> Value {
    let number = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            Value::Number(Number::from(x as i64))
        } else {
            Number::from_f64(x).map_or(Value::Null, Value::Number)
        }
    };
    let date = |d: dbase::Date| Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()));
    match value {
        FieldValue::Character(text) => text.map_or(Value::Null, Value::String),
        FieldValue::Memo(text) => Value::String(text),
        FieldValue::Numeric(x) => x.map_or(Value::Null, number),
        FieldValue::Float(x) => x.map_or(Value::Null, |x| number(f64::from(x))),
        FieldValue::Integer(x) => Value::Number(x.into()),
        FieldValue::Double(x) | FieldValue::Currency(x) => number(x),
        FieldValue::Logical(flag) => flag.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, date),
        FieldValue::DateTime(t) => date(t.date()),
    }
}

/// A Shapefile polygon layer stores every polygon as a multipolygon; one part is a plain polygon.
fn single_part(geometry: geo::Geometry<f64>) -> geo::Geometry<f64> {
    match geometry {
        geo::Geometry::MultiPolygon(mut mp) if mp.0.len() == 1 => geo::Geometry::Polygon(mp.0.remove(0)),
        geo::Geometry::MultiPoint(mut mp) if mp.0.len() == 1 => geo::Geometry::Point(mp.0.remove(0)),
        geo::Geometry::MultiLineString(mut ml) if ml.0.len() == 1 => geo::Geometry::LineString(ml.0.remove(0)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_labels_name_their_encodings() {
        assert_eq!(encoding_for_label("GBK"), Some(encoding_rs::GBK));
        assert_eq!(encoding_for_label("\u{feff}cp936\r\n"), Some(encoding_rs::GBK));
        assert_eq!(encoding_for_label("ANSI 936"), Some(encoding_rs::GBK));
        assert_eq!(encoding_for_label("UTF-8"), Some(encoding_rs::UTF_8));
        assert_eq!(encoding_for_label("65001"), Some(encoding_rs::UTF_8));
        assert_eq!(encoding_for_label("GB18030"), Some(encoding_rs::GB18030));
        assert_eq!(encoding_for_label("KLINGON"), None);
    }

    #[test]
    fn dbf_dates_become_contract_dates_and_zeros_none() {
        assert_eq!(dbf_date("20240131"), Value::String("2024-01-31".into()));
        assert_eq!(dbf_date("00000000"), Value::Null);
        assert_eq!(dbf_date("        "), Value::Null);
        assert_eq!(dbf_date("2024-1"), Value::String("2024-1".into()));
    }

    #[test]
    fn cut_field_names_are_restored() {
        let mut record = dbase::Record::default();
        record.insert("FLOOR_AREA".into(), FieldValue::Numeric(Some(420.0)));
        record.insert("NURSING_BE".into(), FieldValue::Numeric(Some(12.0)));
        record.insert(
            "Name".into(),
            FieldValue::Character(Some("罗星街道日间照料中心".into())),
        );
        let map = properties(record, &[]);
        assert_eq!(map.get("floor_area_m2"), Some(&Value::from(420)));
        assert_eq!(map.get("nursing_beds"), Some(&Value::from(12)));
        assert_eq!(map.get("name"), Some(&Value::from("罗星街道日间照料中心")));
    }
}
