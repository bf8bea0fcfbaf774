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
}

/// Writes `dataset` into `dir` with its coordinates converted to `crs`; `description` goes into dataset.toml.
pub fn write_dataset(dataset: &Dataset, dir: &Path, crs: Crs, description: &str) -> Result<(), DatasetWriteError> {
    let converter = Converter::new(crs)?;
    let geometry = |g: &Geometry<f64>| -> Result<Value, CrsError> {
        let g = g.try_map_coords(|c| converter.from_wgs84(c.x, c.y).map(|(x, y)| geo::coord! { x: x, y: y }))?;
        Ok(serde_json::to_value(geojson::Geometry::from(&g)).unwrap_or(Value::Null))
    };
    let collection = |features: Vec<(Value, Map<String, Value>)>| {
        let features: Vec<Value> = features
            .into_iter()
            .map(|(g, p)| json!({"type": "Feature", "geometry": g, "properties": p}))
            .collect();
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap_or_default()
    };
    // Each layer's properties from its field table; what is unknown is left out, as a folder omits it.
    fn props<T>(fields: &[Field<T>], x: &T) -> Map<String, Value> {
        fields
            .iter()
            .map(|f| (f.key.to_string(), (f.read)(x).json(Lists::Array)))
            .filter(|(_, v)| !v.is_null())
            .collect()
    }
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
