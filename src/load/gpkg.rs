//! Reads a GeoPackage layer (`facilities.gpkg`, QGIS's and GDAL's default format): the features table
//! named after the layer (or the one `[layers.<layer>] table` names, or the file's only one), its
//! geometry from the GeoPackage binary header and WKB (geozero's reader), its columns typed as SQLite
//! and the declared types hold them (a BOOLEAN 0/1 as a flag, a list GDAL wrote as JSON as a list), its CRS
//! from `gpkg_spatial_ref_sys`, which must be the dataset's.
//!
//! Opened read-only with SQLite built in; only a real table is read (never a view, whose query a crafted
//! file could make endless), each statement is cut off after [`crate::limits::GPKG_SECONDS`], and a file
//! SQLite finds damaged is one problem with its name.

use super::problem::Problem;
use super::propmap::PropMap;
use super::source::{finish, RawFeature, RawGeometry, RawLayer};
use geozero::ToGeo;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::path::Path;

pub(super) fn read_gpkg(
    file: &str,
    path: &Path,
    layer: &str,
    table: Option<&str>,
    dataset_crs: Option<crate::crs::Crs>,
    id_key: &str,
    column: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<RawLayer, Vec<Problem>> {
    let refuse = |why: String| vec![Problem::file(file, why)];
    let sql = |e: rusqlite::Error| refuse(format!("不是可读的 GeoPackage not a readable GeoPackage: {e}"));
    let mut conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(sql)?;
    let started = std::time::Instant::now();
    conn.progress_handler(
        10_000,
        Some(move || started.elapsed().as_secs() >= crate::limits::GPKG_SECONDS),
    )
    .map_err(sql)?;
    // The feature tables the file lists, each a real table with its geometry column and CRS.
    let listed: Vec<(String, String, i64)> = {
        let mut statement = conn
            .prepare(
                "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c \
                 JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
                 JOIN sqlite_master m ON m.name = c.table_name AND m.type = 'table' \
                 WHERE c.data_type = 'features' ORDER BY c.table_name",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)?
    };
    let names = || listed.iter().map(|(t, _, _)| t.as_str()).collect::<Vec<_>>().join(", ");
    let chosen = match table {
        Some(wanted) => listed.iter().find(|(t, _, _)| t == wanted).ok_or_else(|| {
            refuse(format!(
                "找不到图层 the GeoPackage has no feature table \"{wanted}\": it has {}",
                names()
            ))
        })?,
        None => match listed.as_slice() {
            [] => return Err(refuse("the GeoPackage holds no feature table".into())),
            [one] => one,
            many => many.iter().find(|(t, _, _)| t == layer).ok_or_else(|| {
                refuse(format!(
                    "the GeoPackage holds {} feature tables ({}) and none is named {layer}: name one in dataset.toml \
                     ([layers.{layer}] table = …)",
                    many.len(),
                    names()
                ))
            })?,
        },
    };
    let (table, geometry_column, srs_id) = chosen.clone();
    check_crs(&conn, file, &table, srs_id, dataset_crs)?;
    // Each column's declared type, and whether it is the row id GDAL and QGIS add (`fid`), which is no
    // property of the feature.
    let declared: Vec<(String, String, bool)> = {
        let mut statement = conn
            .prepare("SELECT name, upper(type), pk = 1 AND upper(type) = 'INTEGER' FROM pragma_table_info(?1)")
            .map_err(sql)?;
        let rows = statement
            .query_map([&table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)?
    };
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let mut statement = conn
        .prepare(&format!("SELECT * FROM {}", quoted(&table)))
        .map_err(sql)?;
    let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
    let keys: Vec<String> = columns
        .iter()
        .map(|c| column(c).map_or_else(|| c.to_string(), str::to_string))
        .collect();
    let kinds: Vec<(String, bool)> = columns
        .iter()
        .map(|c| {
            declared
                .iter()
                .find(|(n, _, _)| n == c)
                .map(|(_, t, row_id)| (t.clone(), *row_id && column(c).is_none()))
                .unwrap_or_default()
        })
        .collect();
    let mut rows = statement.query([]).map_err(sql)?;
    let mut features = Vec::new();
    let mut problems = Vec::new();
    let mut index = 0usize;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return Err(sql(e)),
        };
        index += 1;
        let mut properties = PropMap::new();
        let mut geometry = None;
        for (i, name) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if *name == geometry_column {
                geometry = match value {
                    ValueRef::Blob(blob) => Some(match geozero::wkb::GpkgWkb(blob).to_geo() {
                        Ok(g) => RawGeometry::Parsed(g),
                        Err(e) => {
                            problems.push(Problem {
                                file: file.into(),
                                feature: Some(format!("row {index}")),
                                property: Some(name.clone()),
                                message: format!("not a GeoPackage geometry: {e}"),
                            });
                            RawGeometry::Unreadable
                        }
                    }),
                    _ => None,
                };
                continue;
            }
            let (kind, row_id) = &kinds[i];
            if *row_id {
                continue;
            }
            if let Some(v) = json(value, kind) {
                properties.insert(&keys[i], v);
            }
        }
        let id = properties.get(id_key).and_then(super::propmap::id_text);
        let label = super::source::label(id_key, id.as_deref(), "row", index);
        features.push(RawFeature {
            label,
            geometry,
            properties,
        });
    }
    finish(file, false, features, problems)
}

/// A cell as the value a typed format gives: numbers, text, a BOOLEAN as a flag, a JSON list as a list;
/// `None` for NULL and for other blobs.
fn json(value: ValueRef, declared: &str) -> Option<Value> {
    match value {
        ValueRef::Null | ValueRef::Blob(_) => None,
        ValueRef::Integer(n) if declared == "BOOLEAN" => Some(Value::Bool(n != 0)),
        ValueRef::Integer(n) => Some(Value::from(n)),
        ValueRef::Real(x) => Some(serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            if text.starts_with('[') {
                if let Ok(list @ Value::Array(_)) = serde_json::from_str::<Value>(&text) {
                    return Some(list);
                }
            }
            Some(Value::String(text))
        }
    }
}

/// The table's CRS, from `gpkg_spatial_ref_sys`: the dataset's (CGCS2000 and WGS84 as one, and a
/// GCJ-02 or BD-09 dataset's points stored as geographic ones), or undefined; else one problem.
fn check_crs(
    conn: &Connection,
    file: &str,
    table: &str,
    srs_id: i64,
    dataset: Option<crate::crs::Crs>,
) -> Result<(), Vec<Problem>> {
    use crate::crs::Crs;
    let Some(dataset) = dataset else { return Ok(()) };
    if srs_id <= 0 {
        return Ok(());
    }
    let declared: Option<(String, i64)> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let Some((organization, code)) = declared else {
        return Ok(());
    };
    let theirs = Crs::parse(&format!("{organization}:{code}")).ok();
    if theirs.is_some_and(|t| dataset.holds_coordinates_of(t)) {
        return Ok(());
    }
    Err(vec![Problem::file(
        file,
        format!(
            "坐标系不符 table {table} is in {organization}:{code}, where dataset.toml says the dataset is in {dataset:?}: \
             write it in the dataset's CRS (ogr2ogr -t_srs) or change dataset.toml's crs"
        ),
    )])
}
