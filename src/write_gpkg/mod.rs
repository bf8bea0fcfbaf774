//! A dataset's layers as one GeoPackage (OGC 12-128r18, version 1.3): a table a layer with a `fid`, a
//! `geom` column of GeoPackage geometry blobs (geozero's writer) and one column a field of the layer's
//! field table, typed as GeoPackage types them (TEXT, INTEGER, REAL, BOOLEAN, DATE; a list as JSON text),
//! each table registered in `gpkg_contents` and `gpkg_geometry_columns` with its extent and CRS. Built in
//! memory and handed back as bytes, so that `safe_write` puts the file in place whole. No I/O.

use crate::crs::Crs;
use crate::fields::{FieldInfo, FieldType};
use geo::{BoundingRect, Geometry};
use geozero::{CoordDimensions, ToWkb};
use rusqlite::{params, Connection};
use serde_json::{Map, Value};

/// One layer to write: its name, its fields, and each feature's geometry (in the file's CRS) and
/// properties.
pub type LayerRows = (&'static str, Vec<FieldInfo>, Vec<(Geometry<f64>, Map<String, Value>)>);

/// The GeoPackage's bytes.
pub fn geopackage(layers: &[LayerRows], crs: Crs) -> Result<Vec<u8>, String> {
    let e = |e: rusqlite::Error| e.to_string();
    let mut conn = Connection::open_in_memory().map_err(e)?;
    conn.execute_batch(include_str!("schema.sql")).map_err(e)?;
    // The CRS: an EPSG code where it has one; GCJ-02 and BD-09 have none, and are written as the
    // geographic coordinates they are, with the dataset.toml beside the file saying which.
    let srs_id: i32 = crs
        .to_string()
        .strip_prefix("EPSG:")
        .and_then(|c| c.parse().ok())
        .unwrap_or(4326);
    if srs_id != 4326 {
        conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition) \
             VALUES (?1, ?2, 'EPSG', ?2, 'undefined')",
            params![crs.to_string(), srs_id],
        )
        .map_err(e)?;
    }
    let tx = conn.transaction().map_err(e)?;
    for (name, fields, rows) in layers {
        let quoted = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
        let columns: Vec<String> = fields
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    FieldType::Text | FieldType::List => "TEXT",
                    FieldType::Integer => "INTEGER",
                    FieldType::Number => "REAL",
                    FieldType::Boolean => "BOOLEAN",
                    FieldType::Date => "DATE",
                };
                format!("{} {kind}", quoted(f.key))
            })
            .collect();
        tx.execute_batch(&format!(
            "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY{}{})",
            quoted(name),
            if columns.is_empty() { "" } else { ", " },
            columns.join(", ")
        ))
        .map_err(e)?;
        let placeholders: Vec<String> = (0..=fields.len()).map(|i| format!("?{}", i + 1)).collect();
        let insert = format!(
            "INSERT INTO {} (geom{}{}) VALUES ({})",
            quoted(name),
            if fields.is_empty() { "" } else { ", " },
            fields.iter().map(|f| quoted(f.key)).collect::<Vec<_>>().join(", "),
            placeholders.join(", ")
        );
        let mut statement = tx.prepare(&insert).map_err(e)?;
        let mut extent: Option<geo::Rect<f64>> = None;
        for (geometry, properties) in rows {
            let bounds = geometry.bounding_rect();
            if let Some(b) = bounds {
                extent = Some(extent.map_or(b, |x| {
                    geo::Rect::new(
                        geo::coord! { x: x.min().x.min(b.min().x), y: x.min().y.min(b.min().y) },
                        geo::coord! { x: x.max().x.max(b.max().x), y: x.max().y.max(b.max().y) },
                    )
                }));
            }
            let envelope = bounds.map_or_else(Vec::new, |b| vec![b.min().x, b.max().x, b.min().y, b.max().y]);
            let blob = geometry
                .to_gpkg_wkb(CoordDimensions::xy(), Some(srs_id), envelope)
                .map_err(|e| e.to_string())?;
            let mut values: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Blob(blob)];
            for f in fields {
                values.push(match properties.get(f.key) {
                    None | Some(Value::Null) => rusqlite::types::Value::Null,
                    Some(Value::Bool(b)) => rusqlite::types::Value::Integer(i64::from(*b)),
                    Some(Value::Number(n)) => match (f.kind, n.as_i64()) {
                        (FieldType::Integer, Some(i)) => rusqlite::types::Value::Integer(i),
                        _ => rusqlite::types::Value::Real(n.as_f64().unwrap_or(0.0)),
                    },
                    Some(Value::String(s)) => rusqlite::types::Value::Text(s.clone()),
                    Some(other) => rusqlite::types::Value::Text(other.to_string()),
                });
            }
            statement.execute(rusqlite::params_from_iter(values)).map_err(e)?;
        }
        drop(statement);
        let (min_x, min_y, max_x, max_y) = extent.map_or((None, None, None, None), |r| {
            (Some(r.min().x), Some(r.min().y), Some(r.max().x), Some(r.max().y))
        });
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) \
             VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, min_x, min_y, max_x, max_y, srs_id],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) \
             VALUES (?1, 'geom', 'GEOMETRY', ?2, 0, 0)",
            params![name, srs_id],
        )
        .map_err(e)?;
    }
    tx.commit().map_err(e)?;
    let bytes = conn.serialize("main").map_err(e)?;
    Ok(bytes.to_vec())
}
