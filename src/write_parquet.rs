//! Writes one layer as GeoParquet 1.1 (`facilities.parquet`), the columnar format DuckDB, Sedona,
//! GeoPandas and GDAL read: a column per field of the layer's table (text, whole and decimal numbers,
//! true/false, days as dates, lists as lists of text), the geometry as WKB, a `bbox` covering column
//! (GeoParquet 1.1) so a reader can skip rows by box, and the `geo` metadata naming the CRS as PROJJSON
//! (none for WGS84: GeoParquet's default, OGC:CRS84). Rows stay in the dataset's order, in row groups of
//! [`ROW_GROUP_ROWS`] that readers (carecircle's own) take in parallel; Snappy, every reader's default.

use crate::crs::Crs;
use crate::fields::{FieldInfo, FieldType};
use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Schema};
use geo::Geometry;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The layer `name` as a GeoParquet file's bytes.
pub fn geoparquet(
    name: &str,
    fields: &[FieldInfo],
    rows: &[(Geometry<f64>, Map<String, Value>)],
    crs: Crs,
) -> Result<Vec<u8>, String> {
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut schema_fields = Vec::new();
    for f in fields {
        let (array, kind) = column(f, rows)?;
        schema_fields.push(Field::new(f.key, kind, true));
        columns.push(array);
    }
    let mut wkb = BinaryBuilder::new();
    let mut boxes: [Float64Builder; 4] = std::array::from_fn(|_| Float64Builder::new());
    let mut types = std::collections::BTreeSet::new();
    let mut extent: Option<geo::Rect<f64>> = None;
    for (g, _) in rows {
        use geozero::ToWkb;
        wkb.append_value(g.to_wkb(geozero::CoordDimensions::xy()).map_err(|e| e.to_string())?);
        types.insert(geojson::Geometry::from(g).value.type_name());
        let b = geo::BoundingRect::bounding_rect(g);
        for (builder, side) in boxes.iter_mut().zip([
            b.map(|b| b.min().x),
            b.map(|b| b.min().y),
            b.map(|b| b.max().x),
            b.map(|b| b.max().y),
        ]) {
            builder.append_option(side);
        }
        if let Some(b) = b {
            extent = Some(extent.map_or(b, |e| {
                geo::Rect::new(
                    geo::coord! { x: e.min().x.min(b.min().x), y: e.min().y.min(b.min().y) },
                    geo::coord! { x: e.max().x.max(b.max().x), y: e.max().y.max(b.max().y) },
                )
            }));
        }
    }
    schema_fields.push(Field::new("geometry", DataType::Binary, true));
    columns.push(Arc::new(wkb.finish()));
    let sides: Vec<(Arc<Field>, ArrayRef)> = ["xmin", "ymin", "xmax", "ymax"]
        .iter()
        .zip(boxes.iter_mut())
        .map(|(n, b)| {
            (
                Arc::new(Field::new(*n, DataType::Float64, true)),
                Arc::new(b.finish()) as ArrayRef,
            )
        })
        .collect();
    let bbox = StructArray::from(sides);
    schema_fields.push(Field::new("bbox", bbox.data_type().clone(), true));
    columns.push(Arc::new(bbox));

    let mut column = json!({
        "encoding": "WKB",
        "geometry_types": types.into_iter().collect::<Vec<_>>(),
        "covering": {"bbox": {
            "xmin": ["bbox", "xmin"], "ymin": ["bbox", "ymin"], "xmax": ["bbox", "xmax"], "ymax": ["bbox", "ymax"]
        }},
    });
    if let Some(e) = extent {
        column["bbox"] = json!([e.min().x, e.min().y, e.max().x, e.max().y]);
    }
    match crs {
        Crs::Wgs84 => {}
        Crs::Gcj02 | Crs::Bd09 => column["crs"] = Value::Null,
        Crs::Cgcs2000 | Crs::GaussKruger(_) => column["crs"] = projjson(crs),
    }
    let geo = json!({"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}});
    let schema = Arc::new(Schema::new(schema_fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?;
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // GeoParquet's metadata lives among the file's key-value metadata.
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "geo".to_string(),
            geo.to_string(),
        )]))
        .set_created_by(format!("carecircle {} ({name})", env!("CARGO_PKG_VERSION")))
        .build();
    let mut bytes = Vec::new();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(&mut bytes, schema, Some(properties)).map_err(|e| e.to_string())?;
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// One field's column, and its Arrow type.
fn column(f: &FieldInfo, rows: &[(Geometry<f64>, Map<String, Value>)]) -> Result<(ArrayRef, DataType), String> {
    let cells = rows.iter().map(|(_, p)| p.get(f.key).filter(|v| !v.is_null()));
    let wrong = |v: &Value| format!("{}: {v} is not a {:?}", f.key, f.kind);
    let array: ArrayRef = match f.kind {
        FieldType::Text => {
            let mut b = StringBuilder::new();
            for v in cells {
                match v {
                    None => b.append_null(),
                    Some(Value::String(s)) => b.append_value(s),
                    Some(other) => return Err(wrong(other)),
                }
            }
            Arc::new(b.finish())
        }
        FieldType::Integer => {
            let mut b = Int64Builder::new();
            for v in cells {
                b.append_option(v.map(|v| v.as_i64().ok_or_else(|| wrong(v))).transpose()?);
            }
            Arc::new(b.finish())
        }
        FieldType::Number => {
            let mut b = Float64Builder::new();
            for v in cells {
                b.append_option(v.map(|v| v.as_f64().ok_or_else(|| wrong(v))).transpose()?);
            }
            Arc::new(b.finish())
        }
        FieldType::Boolean => {
            let mut b = BooleanBuilder::new();
            for v in cells {
                b.append_option(v.map(|v| v.as_bool().ok_or_else(|| wrong(v))).transpose()?);
            }
            Arc::new(b.finish())
        }
        FieldType::Date => {
            let epoch = crate::model::Date::from_ymd(1970, 1, 1).ok_or("no epoch")?;
            let mut b = Date32Builder::new();
            for v in cells {
                let day = v
                    .map(|v| {
                        v.as_str()
                            .and_then(crate::model::Date::parse)
                            .and_then(|d| i32::try_from(d.days_since(epoch)).ok())
                            .ok_or_else(|| wrong(v))
                    })
                    .transpose()?;
                b.append_option(day);
            }
            Arc::new(b.finish())
        }
        FieldType::List => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for v in cells {
                // An unknown list is an empty one, as every other format writes it.
                for item in v.and_then(Value::as_array).into_iter().flatten() {
                    match item {
                        Value::String(s) => b.values().append_value(s),
                        other => b.values().append_value(other.to_string()),
                    }
                }
                b.append(true);
            }
            Arc::new(b.finish())
        }
    };
    let kind = array.data_type().clone();
    Ok((array, kind))
}

/// A CGCS2000 CRS as PROJJSON (what GeoParquet's `crs` holds), with its EPSG id.
fn projjson(crs: Crs) -> Value {
    let id = |code: u32| json!({"authority": "EPSG", "code": code});
    let degree_axis = |name: &str, abbreviation: &str, direction: &str| json!({"name": name, "abbreviation": abbreviation, "direction": direction, "unit": "degree"});
    let geographic = json!({
        "type": "GeographicCRS",
        "name": "China Geodetic Coordinate System 2000",
        "datum": {
            "type": "GeodeticReferenceFrame",
            "name": "China 2000",
            "ellipsoid": {"name": "CGCS2000", "semi_major_axis": 6378137, "inverse_flattening": 298.257222101}
        },
        "coordinate_system": {"subtype": "ellipsoidal", "axis": [
            degree_axis("Geodetic latitude", "Lat", "north"),
            degree_axis("Geodetic longitude", "Lon", "east")
        ]},
        "id": id(4490)
    });
    let schema = "https://proj.org/schemas/v0.7/projjson.schema.json";
    match crs {
        Crs::GaussKruger(gk) => {
            let cm = gk.central_meridian();
            let title = if gk.zone_prefixed() {
                format!("3-degree Gauss-Kruger zone {}", gk.zone())
            } else {
                format!("3-degree Gauss-Kruger CM {cm}E")
            };
            let parameter = |name: &str, value: f64, unit: &str, code: u32| json!({"name": name, "value": value, "unit": unit, "id": id(code)});
            json!({
                "$schema": schema,
                "type": "ProjectedCRS",
                "name": format!("CGCS2000 / {title}"),
                "base_crs": geographic,
                "conversion": {
                    "name": title,
                    "method": {"name": "Transverse Mercator", "id": id(9807)},
                    "parameters": [
                        parameter("Latitude of natural origin", 0.0, "degree", 8801),
                        parameter("Longitude of natural origin", cm, "degree", 8802),
                        parameter("Scale factor at natural origin", 1.0, "unity", 8805),
                        parameter("False easting", gk.false_easting(), "metre", 8806),
                        parameter("False northing", 0.0, "metre", 8807)
                    ]
                },
                "coordinate_system": {"subtype": "Cartesian", "axis": [
                    {"name": "Northing", "abbreviation": "X", "direction": "north", "unit": "metre"},
                    {"name": "Easting", "abbreviation": "Y", "direction": "east", "unit": "metre"}
                ]},
                "id": id(u32::from(gk.epsg()))
            })
        }
        _ => {
            let mut g = geographic;
            g["$schema"] = json!(schema);
            g
        }
    }
}
