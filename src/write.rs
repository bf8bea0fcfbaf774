//! Writes a [`Dataset`] as a dataset folder (DATA-CONTRACT §1-2), in any supported CRS.
//! Used by `synth`, the demo generator and the tests that check CRS round trips.

use crate::crs::{Converter, Crs, CrsError};
use crate::fields::{
    Field, Lists, ADMIN_UNIT_FIELDS, CANDIDATE_FIELDS, FACILITY_FIELDS, RESIDENTIAL_AREA_FIELDS, ROAD_FIELDS,
};
use crate::model::Dataset;
use geo::{Geometry, MapCoords};
use serde_json::{json, Map, Value};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DatasetWriteError {
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error(transparent)]
    Write(#[from] crate::report::files::WriteError),
    #[error("cannot write the GeoPackage: {0}")]
    GeoPackage(String),
    #[error("cannot write {0}.fgb: {1}")]
    FlatGeobuf(String, String),
    #[error("cannot write {0}.parquet: {1}")]
    GeoParquet(String, String),
}

/// The formats a dataset folder is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One GeoJSON file a layer (the contract's own folder).
    GeoJson,
    /// One GeoPackage holding every layer as a table, named in `dataset.toml` (`[layers.<layer>] file`),
    /// as QGIS keeps a project's layers.
    GeoPackage,
    /// One FlatGeobuf file a layer (`facilities.fgb`), in the dataset's order (no spatial index, so a
    /// folder written and read back is the same dataset).
    FlatGeobuf,
    /// One GeoParquet 1.1 file a layer (`facilities.parquet`), in the dataset's order, for DuckDB,
    /// Sedona and GeoPandas.
    GeoParquet,
}

/// Writes `dataset` into `dir` with its coordinates converted to `crs`; `description` goes into dataset.toml.
pub fn write_dataset(dataset: &Dataset, dir: &Path, crs: Crs, description: &str) -> Result<(), DatasetWriteError> {
    write_dataset_as(dataset, dir, crs, description, Format::GeoJson)
}

/// [`write_dataset`] in `format`.
pub fn write_dataset_as(
    dataset: &Dataset,
    dir: &Path,
    crs: Crs,
    description: &str,
    format: Format,
) -> Result<(), DatasetWriteError> {
    let converter = Converter::new(crs)?;
    let converted = |g: &Geometry<f64>| -> Result<Geometry<f64>, CrsError> {
        g.try_map_coords(|c| converter.from_wgs84(c.x, c.y).map(|(x, y)| geo::coord! { x: x, y: y }))
    };
    let geometry = |g: &Geometry<f64>| -> Result<Value, CrsError> {
        Ok(serde_json::to_value(geojson::Geometry::from(&converted(g)?)).unwrap_or(Value::Null))
    };
    if format != Format::GeoJson {
        let mut layers = Vec::new();
        let mut layer = |name: &'static str, rows: Vec<(Geometry<f64>, Map<String, Value>)>| {
            let fields = crate::fields::layer_fields(name).unwrap_or_default();
            layers.push((name, fields, rows));
        };
        let rows = |items: Vec<(Geometry<f64>, Map<String, Value>)>| items;
        layer(
            "admin_units",
            rows(
                dataset
                    .admin_units
                    .iter()
                    .map(|u| {
                        Ok((
                            converted(&Geometry::MultiPolygon(u.boundary.clone()))?,
                            props(ADMIN_UNIT_FIELDS, u),
                        ))
                    })
                    .collect::<Result<_, CrsError>>()?,
            ),
        );
        layer(
            "residential_areas",
            dataset
                .residential_areas
                .iter()
                .map(|a| Ok((converted(&a.geometry)?, props(RESIDENTIAL_AREA_FIELDS, a))))
                .collect::<Result<_, CrsError>>()?,
        );
        layer(
            "facilities",
            dataset
                .facilities
                .iter()
                .map(|f| Ok((converted(&f.geometry)?, props(FACILITY_FIELDS, f))))
                .collect::<Result<_, CrsError>>()?,
        );
        if !dataset.roads.is_empty() {
            layer(
                "roads",
                dataset
                    .roads
                    .iter()
                    .map(|r| {
                        Ok((
                            converted(&Geometry::MultiLineString(r.geometry.clone()))?,
                            props(ROAD_FIELDS, r),
                        ))
                    })
                    .collect::<Result<_, CrsError>>()?,
            );
        }
        if !dataset.candidates.is_empty() {
            layer(
                "candidates",
                dataset
                    .candidates
                    .iter()
                    .map(|c| Ok((converted(&c.geometry)?, props(CANDIDATE_FIELDS, c))))
                    .collect::<Result<_, CrsError>>()?,
            );
        }
        if matches!(format, Format::FlatGeobuf | Format::GeoParquet) {
            let mut files = vec![(
                "dataset.toml".to_string(),
                header(dataset, crs, description).into_bytes(),
            )];
            for (name, fields, rows) in &layers {
                files.push(if format == Format::FlatGeobuf {
                    (format!("{name}.fgb"), flatgeobuf(name, fields, rows, crs)?)
                } else {
                    (
                        format!("{name}.parquet"),
                        crate::write_parquet::geoparquet(name, fields, rows, crs)
                            .map_err(|e| DatasetWriteError::GeoParquet(name.to_string(), e))?,
                    )
                });
            }
            crate::safe_write::write_all(dir, files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect())?;
            return Ok(());
        }
        let file = "dataset.gpkg";
        let bytes = crate::write_gpkg::geopackage(&layers, crs).map_err(DatasetWriteError::GeoPackage)?;
        let mut toml = header(dataset, crs, description);
        for (name, _, _) in &layers {
            toml.push_str(&format!("\n[layers.{name}]\nfile = \"{file}\"\n"));
        }
        crate::safe_write::write_all(dir, vec![("dataset.toml", toml.into_bytes()), (file, bytes)])?;
        return Ok(());
    }
    let collection = |features: Vec<(Value, Map<String, Value>)>| {
        let features: Vec<Value> = features
            .into_iter()
            .map(|(g, p)| json!({"type": "Feature", "geometry": g, "properties": p}))
            .collect();
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap_or_default()
    };
    let mut units = Vec::new();
    for u in &dataset.admin_units {
        units.push((
            geometry(&Geometry::MultiPolygon(u.boundary.clone()))?,
            props(ADMIN_UNIT_FIELDS, u),
        ));
    }
    let mut areas = Vec::new();
    for a in &dataset.residential_areas {
        areas.push((geometry(&a.geometry)?, props(RESIDENTIAL_AREA_FIELDS, a)));
    }
    let mut facilities = Vec::new();
    for f in &dataset.facilities {
        facilities.push((geometry(&f.geometry)?, props(FACILITY_FIELDS, f)));
    }
    let mut files = vec![
        ("dataset.toml", header(dataset, crs, description).into_bytes()),
        ("admin_units.geojson", collection(units)),
        ("residential_areas.geojson", collection(areas)),
        ("facilities.geojson", collection(facilities)),
    ];
    if !dataset.roads.is_empty() {
        let mut roads = Vec::new();
        for r in &dataset.roads {
            roads.push((
                geometry(&Geometry::MultiLineString(r.geometry.clone()))?,
                props(ROAD_FIELDS, r),
            ));
        }
        files.push(("roads.geojson", collection(roads)));
    }
    if !dataset.candidates.is_empty() {
        let mut candidates = Vec::new();
        for c in &dataset.candidates {
            candidates.push((geometry(&c.geometry)?, props(CANDIDATE_FIELDS, c)));
        }
        files.push(("candidates.geojson", collection(candidates)));
    }
    crate::safe_write::write_all(dir, files)?;
    Ok(())
}

/// One layer as a FlatGeobuf file: a column per field of its table (lists as JSON text, days as
/// date-times at midnight, as GDAL writes them), a feature per row in order, unknown values left out.
fn flatgeobuf(
    name: &str,
    fields: &[crate::fields::FieldInfo],
    rows: &[(Geometry<f64>, Map<String, Value>)],
    crs: Crs,
) -> Result<Vec<u8>, DatasetWriteError> {
    use crate::fields::FieldType;
    use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
    use geozero::{ColumnValue, PropertyProcessor};
    let failed = |e: &dyn std::fmt::Display| DatasetWriteError::FlatGeobuf(name.to_string(), e.to_string());
    let code = match crs {
        Crs::Wgs84 => 4326,
        Crs::Cgcs2000 => 4490,
        Crs::GaussKruger(gk) => gk.epsg() as i32,
        Crs::Gcj02 | Crs::Bd09 => 0,
    };
    let crs_name = crs.to_string();
    let options = FgbWriterOptions {
        write_index: false,
        detect_type: false,
        promote_to_multi: false,
        crs: FgbCrs {
            code,
            name: Some(&crs_name),
            ..Default::default()
        },
        title: Some(name),
        ..Default::default()
    };
    let mut fgb = FgbWriter::create_with_options(name, GeometryType::Unknown, options).map_err(|e| failed(&e))?;
    for f in fields {
        let kind = match f.kind {
            FieldType::Text => ColumnType::String,
            FieldType::Integer => ColumnType::Long,
            FieldType::Number => ColumnType::Double,
            FieldType::Boolean => ColumnType::Bool,
            FieldType::Date => ColumnType::DateTime,
            FieldType::List => ColumnType::Json,
        };
        let nullable = f.nullable;
        fgb.add_column(f.key, kind, |_, column| column.nullable = nullable);
    }
    for (geometry, properties) in rows {
        let mut problem = None;
        fgb.add_feature_geom(geometry.clone(), |feature| {
            for (i, f) in fields.iter().enumerate() {
                // An empty list is written as one (`[]`), as the column is not nullable; other unknowns
                // are left out.
                let empty = Value::Array(Vec::new());
                let Some(value) = properties
                    .get(f.key)
                    .filter(|v| !v.is_null())
                    .or((f.kind == FieldType::List).then_some(&empty))
                else {
                    continue;
                };
                let day;
                let json;
                let column = match (f.kind, value) {
                    (FieldType::Text, Value::String(t)) => ColumnValue::String(t),
                    (FieldType::Integer, v) if v.as_i64().is_some() => {
                        ColumnValue::Long(v.as_i64().unwrap_or_default())
                    }
                    (FieldType::Number, v) if v.as_f64().is_some() => {
                        ColumnValue::Double(v.as_f64().unwrap_or_default())
                    }
                    (FieldType::Boolean, Value::Bool(b)) => ColumnValue::Bool(*b),
                    (FieldType::Date, Value::String(d)) => {
                        day = format!("{d}T00:00:00Z");
                        ColumnValue::DateTime(&day)
                    }
                    (FieldType::List, v) => {
                        json = v.to_string();
                        ColumnValue::Json(&json)
                    }
                    (_, other) => {
                        problem = Some(format!("{}: {other} is not a {:?}", f.key, f.kind));
                        continue;
                    }
                };
                if let Err(e) = feature.property(i, f.key, &column) {
                    problem = Some(e.to_string());
                }
            }
        })
        .map_err(|e| failed(&e))?;
        if let Some(p) = problem {
            return Err(failed(&p));
        }
    }
    let mut bytes = Vec::new();
    fgb.write(&mut bytes).map_err(|e| failed(&e))?;
    Ok(bytes)
}

/// Each layer's properties from its field table; what is unknown is left out, as a folder omits it.
pub(crate) fn props<T>(fields: &[Field<T>], x: &T) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| (f.key.to_string(), (f.read)(x).json(Lists::Array)))
        .filter(|(_, v)| !v.is_null())
        .collect()
}

fn header(dataset: &Dataset, crs: Crs, description: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = format!(
        "name = {}\ncrs = {}\nas_of = \"{}\"\n",
        quote(&dataset.name),
        quote(&crs.to_string()),
        dataset.as_of
    );
    if !description.is_empty() {
        text.push_str(&format!("description = {}\n", quote(description)));
    }
    text
}
