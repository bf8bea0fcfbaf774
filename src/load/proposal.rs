//! Reads a plan-review proposal: one GeoJSON FeatureCollection holding the new residential areas and the
//! facilities a developer proposes, each feature saying its `layer`, with the layers' own properties.
//! Coordinates are in the dataset's CRS, as its layer files are, unless the file names its own in a
//! `crs` member (as GDAL and QGIS write it): then they are converted from that one, or refused by name.

use super::layers;
use super::problem::{Problem, Problems};
use super::props::Props;
use super::source::{read_geojson, RawFeature, RawLayer};
use crate::crs::{Converter, Crs};
use crate::model::{Dataset, Proposal};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

const AREA_LAYER: [&str; 4] = ["residential_areas", "residential_area", "居住区", "小区"];
const FACILITY_LAYER: [&str; 3] = ["facilities", "facility", "设施"];

/// Reads `path` as a proposal for `base`: every problem is collected, as for a dataset.
pub fn load_proposal(path: &Path, base: &Dataset) -> Result<Proposal, Problems> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = crate::limits::read_capped(path, crate::limits::PROPOSAL_BYTES)
        .map_err(|e| Problems(vec![Problem::file(&file, format!("无法读取 cannot read: {e}"))]))?;
    parse_proposal(&file, &bytes, base)
}

/// Reads proposal GeoJSON `bytes` (named `file` in messages) for `base`.
pub fn parse_proposal(file: &str, bytes: &[u8], base: &Dataset) -> Result<Proposal, Problems> {
    let file = file.to_string();
    let fail = |message: String| Problems(vec![Problem::file(&file, message)]);
    // Count before any further work, without building the features: a proposal is one project.
    #[derive(serde::Deserialize)]
    struct Counted {
        #[serde(default)]
        features: Vec<serde::de::IgnoredAny>,
        #[serde(default)]
        crs: Option<Value>,
    }
    let mut declared = None;
    if let Ok(counted) = serde_json::from_slice::<Counted>(bytes) {
        declared = counted.crs;
        if counted.features.len() > crate::limits::PROPOSAL_FEATURES {
            return Err(fail(format!(
                "the proposal holds {} features: a proposal is one project, at most {} features",
                counted.features.len(),
                crate::limits::PROPOSAL_FEATURES
            )));
        }
    }
    let raw = read_geojson(&file, bytes, "id", &|f, _, _| f).map_err(Problems)?;
    if !raw.problems.is_empty() {
        return Err(Problems(raw.problems));
    }
    let crs = match declared.filter(|c| !c.is_null()) {
        None => base.source_crs,
        Some(member) => match member.pointer("/properties/name").and_then(Value::as_str) {
            Some(name) => Crs::parse_declared(name).map_err(|e| {
                Problems(vec![Problem {
                    file: file.clone(),
                    feature: None,
                    property: Some("crs".into()),
                    message: format!("坐标系无法换算 the file's CRS cannot be converted: {e}"),
                }])
            })?,
            None => {
                return Err(Problems(vec![Problem {
                    file: file.clone(),
                    feature: None,
                    property: Some("crs".into()),
                    message:
                        "expected {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:…\"}}, found another form"
                            .into(),
                }]))
            }
        },
    };
    let converter = Converter::new(crs).map_err(|e| fail(e.to_string()))?;

    let mut problems = Vec::new();
    let (mut areas, mut facilities) = (Vec::new(), Vec::new());
    for feature in raw.features {
        match feature.properties.get("layer").and_then(Value::as_str).map(str::trim) {
            Some(l) if AREA_LAYER.contains(&l) => areas.push(feature),
            Some(l) if FACILITY_LAYER.contains(&l) => facilities.push(feature),
            other => problems.push(Problem {
                file: file.clone(),
                feature: Some(feature.label.clone()),
                property: Some("layer".into()),
                message: format!(
                    "expected residential_areas (小区) or facilities (设施), found {}",
                    other.map_or("nothing".to_string(), |l| format!("\"{l}\""))
                ),
            }),
        }
    }
    if areas.is_empty() && facilities.is_empty() && problems.is_empty() {
        return Err(fail(
            "the proposal holds no features: give its residential areas and facilities".into(),
        ));
    }
    let layer = |features: Vec<RawFeature>| RawLayer {
        file: file.clone(),
        text_cells: false,
        features: features.into(),
        problems: Vec::new(),
    };
    let (areas, facilities) = (layer(areas), layer(facilities));
    let proposed_ids = areas.features.iter().filter_map(|f| match f.properties.get("id") {
        Some(Value::String(s)) => Some(std::borrow::Cow::Borrowed(s.trim())),
        _ => None,
    });
    let area_ids: super::layers::AreaIds = base
        .residential_areas
        .iter()
        .map(|a| std::borrow::Cow::Borrowed(a.id.as_str()))
        .chain(proposed_ids)
        .collect();
    // A proposal is judged as submitted: a property it names that no layer knows is an error, not a warning.
    let mut areas_in = layers::convert(&areas, &converter, layers::residential_area);
    problems.append(&mut areas_in.problems);
    problems.append(&mut areas_in.warnings);
    let residential_areas = areas_in.values;
    let mut facilities_c = layers::convert(&facilities, &converter, |p: &mut Props, f, c| {
        layers::facility(p, f, c, &area_ids)
    });
    problems.append(&mut facilities_c.problems);
    problems.append(&mut facilities_c.warnings);
    let facilities_in = facilities_c.values;

    let base_area_ids: HashSet<&str> = base.residential_areas.iter().map(|a| a.id.as_str()).collect();
    let base_facility_ids: HashSet<&str> = base.facilities.iter().map(|f| f.id.as_str()).collect();
    let mut seen = HashSet::new();
    for (layer_name, id, taken) in residential_areas
        .iter()
        .map(|a| ("residential_areas", &a.id, base_area_ids.contains(a.id.as_str())))
        .chain(
            facilities_in
                .iter()
                .map(|f| ("facilities", &f.id, base_facility_ids.contains(f.id.as_str()))),
        )
    {
        let why = if taken {
            format!("the dataset's {layer_name} already has this id: a proposal adds new features")
        } else if !seen.insert((layer_name, id.clone())) {
            "duplicate id in the proposal".to_string()
        } else {
            continue;
        };
        problems.push(Problem {
            file: file.clone(),
            feature: Some(format!("id \"{id}\"")),
            property: Some("id".into()),
            message: why,
        });
    }
    if problems.is_empty() {
        Ok(Proposal {
            residential_areas,
            facilities: facilities_in,
        })
    } else {
        Err(Problems(problems))
    }
}
