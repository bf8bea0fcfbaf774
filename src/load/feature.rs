//! One feature written through the API (OGC API – Features Part 4), read exactly as loading reads a
//! layer's: the same GeoJSON reader, the same per-layer conversion and checks, in the CRS the body is
//! written in. A property no layer knows is an error here, not a warning: a write is judged as sent.

use super::layers;
use super::problem::{Problem, Problems};
use super::props::Props;
use super::source::{read_geojson, RawFeature};
use crate::crs::{Converter, Crs};
use crate::model::{AdminUnit, Candidate, Dataset, Facility, ResidentialArea, Road};
use serde_json::Value;
use std::borrow::Cow;

/// A feature of one of a dataset's layers, converted and checked.
#[derive(Debug, Clone)]
pub enum LayerFeature {
    AdminUnit(AdminUnit),
    ResidentialArea(ResidentialArea),
    Facility(Facility),
    Road(Road),
    Candidate(Candidate),
}

/// Reads `feature` (a GeoJSON Feature object) as a feature of `layer` of `dataset`, its coordinates in
/// `crs`. `source` names it in messages (`demo.facilities`); a facility's `serves` must name residential
/// areas of `dataset`.
pub fn read_feature(
    source: &str,
    layer: &str,
    feature: &Value,
    crs: Crs,
    dataset: &Dataset,
) -> Result<LayerFeature, Problems> {
    let fail = |message: String| Problems(vec![Problem::file(source, message)]);
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(fail(
            "expected a GeoJSON Feature ({\"type\": \"Feature\", \"geometry\": …, \"properties\": {…}})".into(),
        ));
    }
    let id_key = super::LAYERS
        .iter()
        .find(|(l, _, _)| *l == layer)
        .map_or("id", |(_, key, _)| key);
    let bytes = serde_json::to_vec(&serde_json::json!({"type": "FeatureCollection", "features": [feature]}))
        .map_err(|e| fail(e.to_string()))?;
    let raw = read_geojson(source, &bytes, id_key, &|f, _, _| f).map_err(Problems)?;
    if !raw.problems.is_empty() {
        return Err(Problems(raw.problems));
    }
    let Some(mut raw_feature) = raw.features.into_iter().next() else {
        return Err(fail("expected one feature".into()));
    };
    // Named by its id alone: its place in the one-feature collection read means nothing to the sender.
    if let Some(id) = raw_feature.properties.get(id_key).and_then(super::propmap::id_text) {
        raw_feature.label = format!("id \"{}\"", id.trim());
    }
    let converter = Converter::new(crs).map_err(|e| fail(e.to_string()))?;
    let area_ids: super::layers::AreaIds = dataset
        .residential_areas
        .iter()
        .map(|a| Cow::Borrowed(a.id.as_str()))
        .collect();
    let convert = |f: &dyn Fn(&mut Props, &RawFeature, &Converter) -> Option<LayerFeature>| {
        let (value, mut problems, mut unknown) =
            layers::convert_one(source, false, &raw_feature, &converter, &|p, r, c| f(p, r, c));
        problems.append(&mut unknown);
        match value {
            Some(v) if problems.is_empty() => Ok(v),
            _ if problems.is_empty() => Err(fail("the feature could not be read".into())),
            _ => Err(Problems(problems)),
        }
    };
    match layer {
        "admin_units" => convert(&|p, r, c| layers::admin_unit(p, r, c).map(LayerFeature::AdminUnit)),
        "residential_areas" => convert(&|p, r, c| layers::residential_area(p, r, c).map(LayerFeature::ResidentialArea)),
        "facilities" => convert(&|p, r, c| layers::facility(p, r, c, &area_ids).map(LayerFeature::Facility)),
        "roads" => convert(&|p, r, c| layers::road(p, r, c).map(LayerFeature::Road)),
        "candidates" => convert(&|p, r, c| layers::candidate(p, r, c).map(LayerFeature::Candidate)),
        other => Err(fail(format!("no layer \"{other}\""))),
    }
}
