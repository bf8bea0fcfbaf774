//! A dataset changed one feature at a time (OGC API – Features Part 4: create, replace, update, delete).
//!
//! An edit is read as loading reads a layer (`load::read_feature`: the layer's field table, the same
//! checks, the same messages), spliced into a copy of the dataset, and the whole dataset's cross-layer
//! checks run again (unique ids, parents, the areas a facility serves). What comes back is the new
//! dataset and the feature before and after, as GeoJSON in WGS84 — what a store keeps in its history and
//! what undoing the edit puts back. No I/O: the stores keep edits, the server answers them.
//!
//! ```
//! use carecircle_core::edit::{apply, Edit, Write};
//! use serde_json::json;
//! let demo = carecircle_core::load::load_dataset("geodata/demo".as_ref()).unwrap();
//! let first = demo.facilities[0].id.clone();
//! let patch = json!({"properties": {"floor_area_m2": 812.5}});
//! let applied = apply(&demo, &Edit::update("facilities", &first, patch)).unwrap();
//! assert_eq!(applied.dataset.facilities[0].floor_area_m2, 812.5);
//! assert_eq!(applied.after.unwrap()["properties"]["floor_area_m2"], 812.5);
//! let bad = json!({"properties": {"floor_area_m2": "big"}});
//! assert!(apply(&demo, &Edit::update("facilities", &first, bad)).is_err());
//! ```

use crate::crs::Crs;
use crate::fields::{ADMIN_UNIT_FIELDS, CANDIDATE_FIELDS, FACILITY_FIELDS, RESIDENTIAL_AREA_FIELDS, ROAD_FIELDS};
use crate::load::{read_feature, LayerFeature, Problem, Problems};
use crate::model::Dataset;
use geo::Geometry;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Replace,
    Update,
    Delete,
}

impl Op {
    pub fn key(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Replace => "replace",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    pub fn parse(key: &str) -> Option<Op> {
        [Op::Create, Op::Replace, Op::Update, Op::Delete]
            .into_iter()
            .find(|op| op.key() == key)
    }
}

/// What an edit writes: a whole feature (create, replace), a JSON merge patch (RFC 7396) of the feature
/// (update), or nothing (delete).
#[derive(Debug, Clone)]
pub enum Write {
    Create(Value),
    Replace(Value),
    Update(Value),
    Delete,
}

/// One edit of one layer of a dataset.
#[derive(Debug, Clone)]
pub struct Edit {
    pub layer: String,
    /// The feature edited; `None` to create one (its id is in the body, or, for a road, its position).
    pub feature_id: Option<String>,
    pub write: Write,
    /// The CRS the body's coordinates are in, longitude (easting) first.
    pub crs: Crs,
    /// How messages name the layer (`demo.facilities`); the layer's name by default.
    pub source: String,
}

impl Edit {
    fn new(layer: &str, feature_id: Option<&str>, write: Write) -> Edit {
        Edit {
            layer: layer.to_string(),
            feature_id: feature_id.map(str::to_string),
            write,
            crs: Crs::Wgs84,
            source: layer.to_string(),
        }
    }

    pub fn create(layer: &str, feature: Value) -> Edit {
        Edit::new(layer, None, Write::Create(feature))
    }

    pub fn replace(layer: &str, id: &str, feature: Value) -> Edit {
        Edit::new(layer, Some(id), Write::Replace(feature))
    }

    pub fn update(layer: &str, id: &str, patch: Value) -> Edit {
        Edit::new(layer, Some(id), Write::Update(patch))
    }

    pub fn delete(layer: &str, id: &str) -> Edit {
        Edit::new(layer, Some(id), Write::Delete)
    }

    pub fn op(&self) -> Op {
        match self.write {
            Write::Create(_) => Op::Create,
            Write::Replace(_) => Op::Replace,
            Write::Update(_) => Op::Update,
            Write::Delete => Op::Delete,
        }
    }
}

/// Why an edit was not applied.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("没有此要素 no feature \"{id}\" in {layer}")]
    NoFeature { layer: String, id: String },
    #[error("{0}")]
    Invalid(Problems),
}

/// An edit applied: the dataset after it, and the feature before and after (GeoJSON, WGS84).
#[derive(Debug, Clone)]
pub struct Applied {
    pub dataset: Dataset,
    pub layer: String,
    pub feature_id: String,
    pub op: Op,
    /// Where in its layer the feature stands (stood, for a delete), from 0: undoing puts it back there.
    pub position: usize,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The property that identifies a layer's features (`code` for admin units; roads have none).
pub fn id_key(layer: &str) -> Option<&'static str> {
    match layer {
        "admin_units" => Some("code"),
        "residential_areas" | "facilities" | "candidates" => Some("id"),
        _ => None,
    }
}

/// How many features a layer holds.
pub fn layer_len(d: &Dataset, layer: &str) -> usize {
    match layer {
        "admin_units" => d.admin_units.len(),
        "residential_areas" => d.residential_areas.len(),
        "facilities" => d.facilities.len(),
        "roads" => d.roads.len(),
        "candidates" => d.candidates.len(),
        _ => 0,
    }
}

/// A feature's id: its own, an admin unit's code, a road's position from 1.
pub fn feature_id(d: &Dataset, layer: &str, i: usize) -> String {
    match layer {
        "admin_units" => d.admin_units[i].code.clone(),
        "residential_areas" => d.residential_areas[i].id.clone(),
        "facilities" => d.facilities[i].id.clone(),
        "candidates" => d.candidates[i].id.clone(),
        _ => (i + 1).to_string(),
    }
}

/// Where the feature `id` stands in its layer.
pub fn position(d: &Dataset, layer: &str, id: &str) -> Option<usize> {
    match layer {
        "admin_units" => d.admin_units.iter().position(|u| u.code == id),
        "residential_areas" => d.residential_areas.iter().position(|a| a.id == id),
        "facilities" => d.facilities.iter().position(|f| f.id == id),
        "candidates" => d.candidates.iter().position(|c| c.id == id),
        "roads" => id
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=d.roads.len()).contains(&n))
            .map(|n| n - 1),
        _ => None,
    }
}

/// Feature `i` of `layer` as GeoJSON in WGS84, its properties from the layer's field table.
pub fn feature_json(d: &Dataset, layer: &str, i: usize) -> Option<Value> {
    use crate::write::props;
    let (geometry, properties): (Geometry<f64>, Map<String, Value>) = match layer {
        "admin_units" => {
            let u = d.admin_units.get(i)?;
            (Geometry::MultiPolygon(u.boundary.clone()), props(ADMIN_UNIT_FIELDS, u))
        }
        "residential_areas" => {
            let a = d.residential_areas.get(i)?;
            ((*a.geometry).clone(), props(RESIDENTIAL_AREA_FIELDS, a))
        }
        "facilities" => {
            let f = d.facilities.get(i)?;
            ((*f.geometry).clone(), props(FACILITY_FIELDS, f))
        }
        "roads" => {
            let r = d.roads.get(i)?;
            (Geometry::MultiLineString(r.geometry.clone()), props(ROAD_FIELDS, r))
        }
        "candidates" => {
            let c = d.candidates.get(i)?;
            ((*c.geometry).clone(), props(CANDIDATE_FIELDS, c))
        }
        _ => return None,
    };
    Some(json!({
        "type": "Feature",
        "id": feature_id(d, layer, i),
        "geometry": serde_json::to_value(geojson::Geometry::from(&geometry)).unwrap_or(Value::Null),
        "properties": properties,
    }))
}

/// A strong entity tag of a feature's content (its GeoJSON in WGS84), quoted as HTTP writes it: any
/// change of any property or coordinate changes it.
pub fn etag(feature: &Value) -> String {
    let bytes = serde_json::to_vec(feature).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Applies a JSON merge patch (RFC 7396) to `target`: members of an object patch are merged in, `null`
/// removes a member, anything else replaces the target whole.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (key, value) in members {
                    if value.is_null() {
                        t.remove(key);
                    } else {
                        merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Applies `edit` to `dataset`: the dataset after it, or every problem the edit has.
pub fn apply(dataset: &Dataset, edit: &Edit) -> Result<Applied, EditError> {
    let layer = edit.layer.as_str();
    let mut after_dataset = dataset.clone();
    let (feature_id, position, before) = splice(&mut after_dataset, edit)?;
    let mut problems = Vec::new();
    cross_checks(&after_dataset, layer, &edit.source, &mut problems);
    if !problems.is_empty() {
        return Err(EditError::Invalid(Problems(problems)));
    }
    let after = match edit.write {
        Write::Delete => None,
        _ => feature_json(&after_dataset, layer, position),
    };
    Ok(Applied {
        dataset: after_dataset,
        layer: layer.to_string(),
        feature_id,
        op: edit.op(),
        position,
        before,
        after,
    })
}

/// The checks that span features, run again after an edit: unique ids, parents, and the areas every
/// facility serves.
fn cross_checks(d: &Dataset, layer: &str, source: &str, problems: &mut Vec<Problem>) {
    let files: HashMap<&str, String> = [(layer, source.to_string())].into_iter().collect();
    crate::load::cross_check(d, &files, true, problems);
    still_served(d, source, problems);
}

/// Makes `edit` on `dataset` itself — the feature read and checked as loading reads it — without the
/// checks that span features (the caller runs them): the feature's id, where it stands, and what it was.
fn splice(dataset: &mut Dataset, edit: &Edit) -> Result<(String, usize, Option<Value>), EditError> {
    let layer = edit.layer.as_str();
    let invalid = |property: Option<&str>, message: String| {
        EditError::Invalid(Problems(vec![Problem {
            file: edit.source.clone(),
            feature: edit.feature_id.as_ref().map(|id| format!("\"{id}\"")),
            property: property.map(str::to_string),
            message,
        }]))
    };
    if id_key(layer).is_none() && layer != "roads" {
        return Err(invalid(None, format!("no layer \"{layer}\"")));
    }
    let found = match &edit.feature_id {
        Some(id) => Some((
            id.clone(),
            position(dataset, layer, id).ok_or_else(|| EditError::NoFeature {
                layer: edit.source.clone(),
                id: id.clone(),
            })?,
        )),
        None => None,
    };
    let before = found.as_ref().and_then(|(_, i)| feature_json(dataset, layer, *i));
    // The feature to read, and the CRS its coordinates are in.
    let written: Option<(Value, Crs)> = match (&edit.write, &before) {
        (Write::Create(f) | Write::Replace(f), _) => Some((f.clone(), edit.crs)),
        (Write::Update(patch), Some(old)) => {
            if !patch.is_object() {
                return Err(invalid(
                    None,
                    "expected a JSON merge patch: an object such as {\"properties\": {\"status\": \"operating\"}}"
                        .into(),
                ));
            }
            let mut merged = old.clone();
            merge_patch(&mut merged, patch);
            // Coordinates come in the body's CRS only when the patch gives the geometry.
            let crs = if patch.get("geometry").is_some() {
                edit.crs
            } else {
                Crs::Wgs84
            };
            Some((merged, crs))
        }
        (Write::Update(_), None) => None,
        (Write::Delete, _) => None,
    };
    let (feature_id, position, converted) = match (written, found) {
        (Some((mut feature, crs)), found) => {
            served_lists_as_arrays(layer, &mut feature);
            let id = settle_id(layer, &mut feature, found.as_ref().map(|(id, _)| id.as_str()), dataset)
                .map_err(|(property, message)| invalid(property, message))?;
            let converted = read_feature(&edit.source, layer, &feature, crs, dataset).map_err(EditError::Invalid)?;
            match found {
                Some((id, i)) => (id, i, Some((converted, false))),
                None => (id, layer_len(dataset, layer), Some((converted, true))),
            }
        }
        (None, Some((id, i))) => (id, i, None),
        (None, None) => return Err(invalid(None, "nothing to write".into())),
    };
    match converted {
        Some((feature, insert)) => put(dataset, position, feature, insert),
        None => remove(dataset, layer, position),
    }
    Ok((feature_id, position, before))
}

/// A list property sent back as the service serves it to GIS clients — one string joined by `;`
/// (`fields::Lists::Joined`) — read as the list it stands for, so that a feature read and written back
/// unchanged (QGIS, OWSLib) is taken.
fn served_lists_as_arrays(layer: &str, feature: &mut Value) {
    let lists: Vec<&str> = crate::fields::layer_fields(layer)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.kind == crate::fields::FieldType::List)
        .map(|f| f.key)
        .collect();
    let Some(properties) = feature.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for key in lists {
        if let Some(Value::String(joined)) = properties.get(key) {
            let ids: Vec<Value> = joined
                .split(';')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(|id| Value::String(id.to_string()))
                .collect();
            properties.insert(key.to_string(), Value::Array(ids));
        }
    }
}

/// Gives `feature` the id it must carry and returns it: an existing feature's own (a body naming another
/// is refused: an id is changed by creating and deleting), or a new one's from its properties or its
/// top-level `id`; a new road's is its position.
fn settle_id(
    layer: &str,
    feature: &mut Value,
    existing: Option<&str>,
    dataset: &Dataset,
) -> Result<String, (Option<&'static str>, String)> {
    let Some(key) = id_key(layer) else {
        if let Some(o) = feature.as_object_mut() {
            o.remove("id");
        }
        return Ok(existing.map_or_else(|| (dataset.roads.len() + 1).to_string(), str::to_string));
    };
    let text = |v: &Value| crate::load::id_text(v).map(|t| t.trim().to_string());
    let top = feature.get("id").and_then(text);
    let inner = feature.pointer(&format!("/properties/{key}")).and_then(text);
    if let (Some(t), Some(i)) = (&top, &inner) {
        if t != i {
            return Err((
                Some(key),
                format!("the feature's id \"{t}\" and its {key} \"{i}\" differ: give one id"),
            ));
        }
    }
    let id = match existing {
        Some(old) => {
            if let Some(other) = inner.as_ref().or(top.as_ref()).filter(|i| *i != old) {
                return Err((
                    Some(key),
                    format!(
                        "a feature keeps its {key}: \"{other}\" was sent for \"{old}\" (to change it, create the feature anew and delete this one)"
                    ),
                ));
            }
            old.to_string()
        }
        None => inner.or(top).ok_or((
            Some(key),
            format!("a new feature needs its {key}: give properties.{key} (or the feature's id)"),
        ))?,
    };
    if let Some(o) = feature.as_object_mut() {
        o.remove("id");
        let properties = o.entry("properties").or_insert_with(|| Value::Object(Map::new()));
        if let Some(p) = properties.as_object_mut() {
            p.insert(key.to_string(), Value::String(id.clone()));
        }
    }
    Ok(id)
}

/// Puts `feature` at `i` of its layer: in place of the feature there, or inserted before it.
fn put(d: &mut Dataset, i: usize, feature: LayerFeature, insert: bool) {
    fn place<T>(v: &mut Vec<T>, i: usize, x: T, insert: bool) {
        if insert || i >= v.len() {
            v.insert(i.min(v.len()), x);
        } else {
            v[i] = x;
        }
    }
    match feature {
        LayerFeature::AdminUnit(u) => place(&mut d.admin_units, i, u, insert),
        LayerFeature::ResidentialArea(a) => place(&mut d.residential_areas, i, a, insert),
        LayerFeature::Facility(f) => place(&mut d.facilities, i, f, insert),
        LayerFeature::Road(r) => place(&mut d.roads, i, r, insert),
        LayerFeature::Candidate(c) => place(&mut d.candidates, i, c, insert),
    }
}

fn remove(d: &mut Dataset, layer: &str, i: usize) {
    fn take<T>(v: &mut Vec<T>, i: usize) {
        if i < v.len() {
            v.remove(i);
        }
    }
    match layer {
        "admin_units" => take(&mut d.admin_units, i),
        "residential_areas" => take(&mut d.residential_areas, i),
        "facilities" => take(&mut d.facilities, i),
        "roads" => take(&mut d.roads, i),
        _ => take(&mut d.candidates, i),
    }
}

/// Every area a facility serves must still exist (an area deleted while a facility names it).
fn still_served(d: &Dataset, source: &str, problems: &mut Vec<Problem>) {
    let areas: std::collections::HashSet<&str> = d.residential_areas.iter().map(|a| a.id.as_str()).collect();
    for f in &d.facilities {
        for served in f.serves.iter().filter(|s| !areas.contains(s.as_str())) {
            problems.push(Problem {
                file: source.to_string(),
                feature: Some(format!("facility \"{}\"", f.id)),
                property: Some("serves".into()),
                message: format!(
                    "facility \"{}\" serves residential area \"{served}\", which would no longer exist: change the facility's serves first",
                    f.id
                ),
            });
        }
    }
}

/// An edit as a store keeps it, enough to undo or redo it.
#[derive(Debug, Clone, Copy)]
pub struct Kept<'a> {
    pub layer: &'a str,
    pub feature_id: &'a str,
    pub op: Op,
    pub position: usize,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// Makes a kept edit again on the dataset it was made on (a store's replay at start).
pub fn redo(dataset: &Dataset, kept: Kept) -> Result<Dataset, EditError> {
    replay(dataset.clone(), &[kept]).map_err(|(_, e)| e)
}

impl Kept<'_> {
    /// The edit that makes this one again: a delete, or the feature after it put in place (a created
    /// feature goes at its layer's end, where it went when the edit was made).
    fn again(&self) -> Result<Edit, EditError> {
        Ok(match (self.op, self.after) {
            (Op::Delete, _) => Edit::delete(self.layer, self.feature_id),
            (Op::Create, Some(after)) => Edit::create(self.layer, after.clone()),
            (_, Some(after)) => Edit::replace(self.layer, self.feature_id, after.clone()),
            (_, None) => return Err(missing(*self, "after")),
        })
    }
}

/// Makes kept edits again, in order, on `dataset` itself (a store's start): each feature read and
/// checked as when it was made, the checks that span features once at the end — thousands of edits do
/// not copy the city thousands of times.
pub fn replay(mut dataset: Dataset, kept: &[Kept]) -> Result<Dataset, (usize, EditError)> {
    for (n, k) in kept.iter().enumerate() {
        let edit = k.again().map_err(|e| (n, e))?;
        splice(&mut dataset, &edit).map_err(|e| (n, e))?;
    }
    let mut problems = Vec::new();
    if let Some(last) = kept.last() {
        cross_checks(&dataset, last.layer, last.layer, &mut problems);
    }
    if problems.is_empty() {
        Ok(dataset)
    } else {
        Err((kept.len().saturating_sub(1), EditError::Invalid(Problems(problems))))
    }
}

/// Undoes a kept edit on the dataset it made: the dataset as it stood before the edit.
pub fn undo(dataset: &Dataset, kept: Kept) -> Result<Dataset, EditError> {
    match (kept.op, kept.before) {
        (Op::Create, _) => Ok(apply(dataset, &Edit::delete(kept.layer, kept.feature_id))?.dataset),
        (Op::Delete, Some(before)) => {
            let mut d = apply(dataset, &Edit::create(kept.layer, before.clone()))?.dataset;
            // Back where it stood, so the dataset (and its digest) is the one before the edit.
            let last = layer_len(&d, kept.layer).saturating_sub(1);
            move_feature(&mut d, kept.layer, last, kept.position);
            Ok(d)
        }
        (_, Some(before)) => Ok(apply(dataset, &Edit::replace(kept.layer, kept.feature_id, before.clone()))?.dataset),
        (_, None) => Err(missing(kept, "before")),
    }
}

fn missing(kept: Kept, what: &str) -> EditError {
    EditError::Invalid(Problems(vec![Problem {
        file: kept.layer.to_string(),
        feature: Some(format!("\"{}\"", kept.feature_id)),
        property: None,
        message: format!("the kept {} edit has no feature {what}", kept.op.key()),
    }]))
}

fn move_feature(d: &mut Dataset, layer: &str, from: usize, to: usize) {
    fn shift<T>(v: &mut Vec<T>, from: usize, to: usize) {
        if from < v.len() && to < v.len() && from != to {
            let x = v.remove(from);
            v.insert(to, x);
        }
    }
    match layer {
        "admin_units" => shift(&mut d.admin_units, from, to),
        "residential_areas" => shift(&mut d.residential_areas, from, to),
        "facilities" => shift(&mut d.facilities, from, to),
        "roads" => shift(&mut d.roads, from, to),
        _ => shift(&mut d.candidates, from, to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Dataset {
        crate::load::load_dataset(std::path::Path::new("geodata/demo")).unwrap()
    }

    fn digest(d: &Dataset) -> String {
        crate::digest::dataset_digest(d)
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
        let mut list = json!({"a": [1, 2]});
        merge_patch(&mut list, &json!({"a": [3]}));
        assert_eq!(list, json!({"a": [3]}));
    }

    #[test]
    fn an_update_changes_one_property_and_undo_restores_the_dataset() {
        let demo = demo();
        let id = demo.facilities[3].id.clone();
        let applied = apply(
            &demo,
            &Edit::update("facilities", &id, json!({"properties": {"beds": 77}})),
        )
        .unwrap();
        assert_eq!(applied.dataset.facilities[3].beds, Some(77));
        assert_eq!(applied.position, 3);
        assert_ne!(digest(&applied.dataset), digest(&demo));
        let kept = Kept {
            layer: "facilities",
            feature_id: &id,
            op: Op::Update,
            position: 3,
            before: applied.before.as_ref(),
            after: applied.after.as_ref(),
        };
        assert_eq!(digest(&undo(&applied.dataset, kept).unwrap()), digest(&demo));
        assert_eq!(digest(&redo(&demo, kept).unwrap()), digest(&applied.dataset));
    }

    #[test]
    fn a_replay_makes_the_same_dataset_as_one_edit_at_a_time() {
        let demo = demo();
        let edits = [
            Edit::update("facilities", &demo.facilities[2].id, json!({"properties": {"beds": 9}})),
            Edit::delete("candidates", &demo.candidates[0].id),
            Edit::update(
                "residential_areas",
                &demo.residential_areas[4].id,
                json!({"properties": {"households": 777}}),
            ),
            Edit::update(
                "facilities",
                &demo.facilities[2].id,
                json!({"properties": {"status": "closed"}}),
            ),
        ];
        let mut one_at_a_time = demo.clone();
        let mut made = Vec::new();
        for e in &edits {
            let a = apply(&one_at_a_time, e).unwrap();
            one_at_a_time = a.dataset.clone();
            made.push(a);
        }
        let kept: Vec<Kept> = made
            .iter()
            .map(|a| Kept {
                layer: &a.layer,
                feature_id: &a.feature_id,
                op: a.op,
                position: a.position,
                before: a.before.as_ref(),
                after: a.after.as_ref(),
            })
            .collect();
        let replayed = replay(demo.clone(), &kept).unwrap();
        assert_eq!(digest(&replayed), digest(&one_at_a_time));
        assert_ne!(digest(&replayed), digest(&demo));
    }

    #[test]
    fn a_delete_is_undone_in_its_place() {
        let demo = demo();
        let id = demo.residential_areas[5].id.clone();
        // Facilities may serve it: free them first, as a steward would.
        let mut d = demo.clone();
        for f in &mut d.facilities {
            f.serves.retain(|s| *s != id);
        }
        let applied = apply(&d, &Edit::delete("residential_areas", &id)).unwrap();
        assert!(applied.dataset.residential_areas.iter().all(|a| a.id != id));
        let kept = Kept {
            layer: "residential_areas",
            feature_id: &id,
            op: Op::Delete,
            position: applied.position,
            before: applied.before.as_ref(),
            after: None,
        };
        assert_eq!(digest(&undo(&applied.dataset, kept).unwrap()), digest(&d));
    }

    #[test]
    fn a_bad_value_names_the_feature_and_property() {
        let demo = demo();
        let id = demo.facilities[0].id.clone();
        let Err(EditError::Invalid(p)) = apply(
            &demo,
            &Edit::update("facilities", &id, json!({"properties": {"status": "flying"}})),
        ) else {
            panic!("a status outside the vocabulary was taken");
        };
        assert_eq!(p.0.len(), 1);
        assert_eq!(p.0[0].property.as_deref(), Some("status"));
        assert!(p.0[0].to_string().contains(&id), "{}", p.0[0]);
    }

    #[test]
    fn ids_stay_unique_and_keep_their_feature() {
        let demo = demo();
        let taken = demo.facilities[1].clone();
        let mut copy = feature_json(&demo, "facilities", 1).unwrap();
        copy["properties"]["name"] = json!("复制 copy");
        let Err(EditError::Invalid(p)) = apply(&demo, &Edit::create("facilities", copy.clone())) else {
            panic!("a second facility under a taken id was created");
        };
        assert!(p.to_string().contains("duplicate"), "{p}");
        copy["properties"]["id"] = json!("F-NEW-1");
        copy["id"] = json!("F-NEW-1");
        let created = apply(&demo, &Edit::create("facilities", copy)).unwrap();
        assert_eq!(created.feature_id, "F-NEW-1");
        assert_eq!(created.dataset.facilities.len(), demo.facilities.len() + 1);
        let renamed = json!({"properties": {"id": "F-OTHER"}});
        assert!(apply(&demo, &Edit::update("facilities", &taken.id, renamed)).is_err());
        assert!(matches!(
            apply(&demo, &Edit::delete("facilities", "no-such")),
            Err(EditError::NoFeature { .. })
        ));
    }

    #[test]
    fn an_area_a_facility_serves_cannot_be_deleted() {
        let demo = demo();
        let served = demo
            .facilities
            .iter()
            .find_map(|f| f.serves.first().cloned())
            .expect("the demo has a facility serving an area");
        let Err(EditError::Invalid(p)) = apply(&demo, &Edit::delete("residential_areas", &served)) else {
            panic!("an area still served was deleted");
        };
        assert!(p.0.iter().all(|x| x.property.as_deref() == Some("serves")), "{p}");
    }

    #[test]
    fn a_list_sent_back_as_served_is_read_as_its_list() {
        let demo = demo();
        let (i, f) = demo
            .facilities
            .iter()
            .enumerate()
            .find(|(_, f)| f.serves.len() >= 2)
            .unwrap();
        let mut served = feature_json(&demo, "facilities", i).unwrap();
        served["properties"]["serves"] = json!(f.serves.join(";"));
        let put = apply(&demo, &Edit::replace("facilities", &f.id, served)).unwrap();
        assert_eq!(put.dataset.facilities[i].serves, f.serves);
        assert_eq!(digest(&put.dataset), digest(&demo));
    }

    #[test]
    fn the_etag_follows_the_content() {
        let demo = demo();
        let a = feature_json(&demo, "facilities", 0).unwrap();
        let mut b = a.clone();
        assert_eq!(etag(&a), etag(&b));
        b["properties"]["beds"] = json!(1);
        assert_ne!(etag(&a), etag(&b));
    }
}
