//! Where a collection's features come from: a dataset layer or a kept run's findings, split into one
//! geometry family per collection, listed, looked up by id, and held for tiles.

use super::*;

/// What a feature source is: one layer of a dataset, or one kept run's findings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SourceId {
    Layer { dataset: String, layer: &'static str },
    Findings { run: u64 },
}

impl SourceId {
    pub(crate) fn id(&self) -> String {
        match self {
            SourceId::Layer { dataset, layer } => format!("{dataset}.{layer}"),
            SourceId::Findings { run } => format!("check-{run}.findings"),
        }
    }
}

/// A geometry family: what a GIS layer holds one of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Points,
    Lines,
    Polygons,
}

impl Family {
    const ALL: [Family; 3] = [Family::Points, Family::Lines, Family::Polygons];

    pub(crate) fn title(self) -> &'static str {
        match self {
            Family::Points => "点 points",
            Family::Lines => "线 lines",
            Family::Polygons => "面 polygons",
        }
    }

    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Family::Points => "points",
            Family::Lines => "lines",
            Family::Polygons => "polygons",
        }
    }

    /// The family's part of a geometry (a GeometryCollection's members of this family, as one
    /// multi-geometry), or `None` when it has none.
    pub(crate) fn part(self, g: &Geometry<f64>) -> Option<Cow<'_, Geometry<f64>>> {
        match (self, g) {
            (Family::Points, Geometry::Point(_) | Geometry::MultiPoint(_))
            | (Family::Lines, Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_))
            | (Family::Polygons, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) => Some(Cow::Borrowed(g)),
            (Family::Polygons, Geometry::Rect(r)) => Some(Cow::Owned(Geometry::Polygon(r.to_polygon()))),
            (Family::Polygons, Geometry::Triangle(t)) => Some(Cow::Owned(Geometry::Polygon(t.to_polygon()))),
            (_, Geometry::GeometryCollection(gc)) => {
                let parts: Vec<Geometry<f64>> = gc.iter().filter_map(|m| self.part(m)).map(Cow::into_owned).collect();
                if parts.is_empty() {
                    return None;
                }
                Some(Cow::Owned(self.multi(parts)))
            }
            _ => None,
        }
    }

    /// Members of this family as one multi-geometry.
    pub(crate) fn multi(self, parts: Vec<Geometry<f64>>) -> Geometry<f64> {
        match self {
            Family::Points => Geometry::MultiPoint(
                parts
                    .into_iter()
                    .flat_map(|g| match g {
                        Geometry::Point(p) => vec![p],
                        Geometry::MultiPoint(m) => m.0,
                        _ => vec![],
                    })
                    .collect(),
            ),
            Family::Lines => Geometry::MultiLineString(geo::MultiLineString(
                parts
                    .into_iter()
                    .flat_map(|g| match g {
                        Geometry::Line(l) => vec![geo::LineString::from(vec![l.start, l.end])],
                        Geometry::LineString(l) => vec![l],
                        Geometry::MultiLineString(m) => m.0,
                        _ => vec![],
                    })
                    .collect(),
            )),
            Family::Polygons => Geometry::MultiPolygon(geo::MultiPolygon(
                parts
                    .into_iter()
                    .flat_map(|g| match g {
                        Geometry::Polygon(p) => vec![p],
                        Geometry::MultiPolygon(m) => m.0,
                        _ => vec![],
                    })
                    .collect(),
            )),
        }
    }

    pub(crate) fn is_multi(g: &Geometry<f64>) -> bool {
        matches!(
            g,
            Geometry::MultiPoint(_) | Geometry::MultiLineString(_) | Geometry::MultiPolygon(_)
        )
    }

    pub(crate) fn geometry_format(self, multi: bool) -> &'static str {
        match (self, multi) {
            (Family::Points, false) => "geometry-point",
            (Family::Points, true) => "geometry-multipoint",
            (Family::Lines, false) => "geometry-linestring",
            (Family::Lines, true) => "geometry-multilinestring",
            (Family::Polygons, false) => "geometry-polygon",
            (Family::Polygons, true) => "geometry-multipolygon",
        }
    }
}

/// The families a source's geometries belong to, in order, each with whether it holds a multi-geometry
/// (and so is served all multi).
pub(crate) fn families<'g>(geometries: impl Iterator<Item = &'g Geometry<f64>>) -> Vec<(Family, bool)> {
    let mut found: [Option<bool>; 3] = [None; 3];
    for g in geometries {
        for (k, f) in Family::ALL.iter().enumerate() {
            if let Some(part) = f.part(g) {
                let multi = Family::is_multi(&part);
                found[k] = Some(found[k].unwrap_or(false) || multi);
            }
        }
    }
    Family::ALL
        .into_iter()
        .zip(found)
        .filter_map(|(f, m)| m.map(|m| (f, m)))
        .collect()
}

/// The features of a source, lazily converted: ids and geometries first, properties on demand.
pub(crate) struct Features<'a> {
    pub(crate) geometries: Vec<(String, Cow<'a, Geometry<f64>>)>,
    pub(crate) properties: Box<dyn Fn(usize) -> Map<String, Value> + 'a>,
    pub(crate) fields: Vec<Field>,
    /// The property holding each feature's day, which `datetime` selects on.
    pub(crate) temporal: Option<&'static str>,
}

pub(crate) fn layer_features<'a>(d: &'a Dataset, layer: &str) -> Features<'a> {
    let layer = LAYERS.iter().copied().find(|l| *l == layer).unwrap_or("candidates");
    Features {
        geometries: (0..layer_len(d, layer))
            .map(|i| (layer_id(d, layer, i).into_owned(), layer_geometry(d, layer, i)))
            .collect(),
        properties: Box::new(move |i| layer_properties(d, layer, i)),
        fields: layer_fields(layer),
        temporal: match layer {
            "residential_areas" => Some("delivered"),
            "facilities" => Some("handed_over"),
            _ => None,
        },
    }
}

/// How many features a dataset layer holds.
pub(crate) fn layer_len(d: &Dataset, layer: &str) -> usize {
    match layer {
        "admin_units" => d.admin_units.len(),
        "residential_areas" => d.residential_areas.len(),
        "facilities" => d.facilities.len(),
        "roads" => d.roads.len(),
        _ => d.candidates.len(),
    }
}

/// A layer feature's id: its own, an admin unit's code, a road's position from 1.
pub(crate) fn layer_id<'a>(d: &'a Dataset, layer: &str, i: usize) -> Cow<'a, str> {
    match layer {
        "admin_units" => Cow::Borrowed(&d.admin_units[i].code),
        "residential_areas" => Cow::Borrowed(&d.residential_areas[i].id),
        "facilities" => Cow::Borrowed(&d.facilities[i].id),
        "roads" => Cow::Owned((i + 1).to_string()),
        _ => Cow::Borrowed(&d.candidates[i].id),
    }
}

/// A layer feature's geometry in WGS84.
pub(crate) fn layer_geometry<'a>(d: &'a Dataset, layer: &str, i: usize) -> Cow<'a, Geometry<f64>> {
    match layer {
        "admin_units" => Cow::Owned(Geometry::MultiPolygon(d.admin_units[i].boundary.clone())),
        "residential_areas" => Cow::Borrowed(&d.residential_areas[i].geometry),
        "facilities" => Cow::Borrowed(&d.facilities[i].geometry),
        "roads" => Cow::Owned(Geometry::MultiLineString(d.roads[i].geometry.clone())),
        _ => Cow::Borrowed(&d.candidates[i].geometry),
    }
}

/// A kept run's findings, from its findings.geojson as made, with the admin units placing each (its
/// `units` in check.json, whose findings are the same in the same order).
pub(crate) struct KeptFindings {
    pub(crate) geometries: Vec<Geometry<f64>>,
    pub(crate) properties: Vec<Map<String, Value>>,
    /// The codes of the district, street and community holding each finding.
    pub(crate) units: Vec<Vec<String>>,
}

impl KeptFindings {
    /// Which findings a reader of `scope` sees: those its units place in scope (`None`: all).
    pub(crate) fn visible(&self, scope: Option<&Scope>) -> Option<Vec<bool>> {
        scope.map(|s| {
            self.units
                .iter()
                .map(|codes| s.holds_codes(codes.iter().map(String::as_str)))
                .collect()
        })
    }
}

/// A kept run's findings, parsed once and kept by run id (a run never changes), the runs read last first
/// to go when those kept pass [`crate::limits::KEPT_FINDINGS_BYTES`] of findings.geojson.
pub(crate) fn kept_findings(state: &AppState, run: u64) -> Result<std::sync::Arc<KeptFindings>, ApiError> {
    if let Some(found) = state.kept_findings.get(&run, |_| true) {
        return Ok(found);
    }
    let (parsed, size) = parse_findings(state, run)?;
    let parsed = std::sync::Arc::new(parsed);
    state.kept_findings.put(run, std::sync::Arc::clone(&parsed), size);
    Ok(parsed)
}

/// A kept run's findings.geojson parsed, and its size.
pub(crate) fn parse_findings(state: &AppState, run: u64) -> Result<(KeptFindings, usize), ApiError> {
    let bytes = state.store.run_file(run, "findings.geojson")?;
    let size = bytes.len();
    let bad = |e: String| ApiError::Internal(format!("run {run}'s findings.geojson: {e}"));
    let collection: geojson::FeatureCollection = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let units = finding_units(state, run)?;
    if units.len() != collection.features.len() {
        return Err(bad(format!(
            "{} findings, where check.json places {}",
            collection.features.len(),
            units.len()
        )));
    }
    let mut kept = KeptFindings {
        geometries: Vec::with_capacity(collection.features.len()),
        properties: Vec::with_capacity(collection.features.len()),
        units,
    };
    for feature in collection.features {
        let geometry = feature
            .geometry
            .ok_or_else(|| bad("a finding without geometry".into()))?;
        kept.geometries
            .push(Geometry::try_from(geometry).map_err(|e| bad(e.to_string()))?);
        kept.properties.push(feature.properties.unwrap_or_default());
    }
    Ok((kept, size))
}

/// The codes of the admin units placing each of a kept run's findings, from its check.json.
fn finding_units(state: &AppState, run: u64) -> Result<Vec<Vec<String>>, ApiError> {
    #[derive(Deserialize)]
    struct Record {
        findings: Vec<Row>,
    }
    #[derive(Deserialize)]
    struct Row {
        #[serde(default)]
        units: std::collections::BTreeMap<String, String>,
    }
    let bytes = state.store.run_file(run, "check.json")?;
    let record: Record =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(format!("run {run}'s check.json: {e}")))?;
    Ok(record
        .findings
        .into_iter()
        .map(|row| row.units.into_values().collect())
        .collect())
}

/// A finding's feature id: its place in the run's findings.geojson, from 1.
pub(crate) fn finding_id(i: usize) -> String {
    (i + 1).to_string()
}

pub(crate) fn finding_features(kept: &KeptFindings) -> Features<'_> {
    Features {
        geometries: kept
            .geometries
            .iter()
            .enumerate()
            .map(|(i, g)| (finding_id(i), Cow::Borrowed(g)))
            .collect(),
        properties: Box::new(move |i| kept.properties[i].clone()),
        fields: finding_fields(),
        temporal: None,
    }
}

/// The geometry families a kept run's findings fall in, read once per run (runs never change).
pub(crate) fn finding_families(state: &AppState, run: u64) -> Result<Vec<(Family, bool)>, ApiError> {
    Ok(finding_family_extents(state, run)?
        .into_iter()
        .map(|(f, multi, _)| (f, multi))
        .collect())
}

/// A kept run's findings' geometry families, each with its extent, read once (runs never change).
pub(crate) fn finding_family_extents(
    state: &AppState,
    run: u64,
) -> Result<Vec<crate::server::FindingFamily>, ApiError> {
    if let Some(f) = state.finding_families.lock().ok().and_then(|m| m.get(&run).cloned()) {
        return Ok(f);
    }
    let kept = kept_findings(state, run)?;
    let found: Vec<crate::server::FindingFamily> = families(kept.geometries.iter())
        .into_iter()
        .map(|(family, multi)| {
            let parts: Vec<_> = kept.geometries.iter().filter_map(|g| family.part(g)).collect();
            (family, multi, crate::spatial::extent(parts.iter().map(|c| c.as_ref())))
        })
        .collect();
    if let Ok(mut cache) = state.finding_families.lock() {
        cache.insert(run, found.clone());
    }
    Ok(found)
}

/// The collection ids of a kept run's findings, one per geometry family.
pub(crate) fn finding_collection_ids(state: &AppState, run: u64) -> Result<Vec<String>, ApiError> {
    Ok(finding_families(state, run)?
        .into_iter()
        .map(|(f, _)| format!("check-{run}.findings-{}", f.suffix()))
        .collect())
}

/// Whether a collection id names a dataset layer (not a run's findings).
pub(crate) fn is_layer_collection(id: &str) -> bool {
    matches!(parse_id(id), Some((SourceId::Layer { .. }, _)))
}

/// What a collection id names: a source and, where the source is split, one family of it.
pub(crate) fn parse_id(id: &str) -> Option<(SourceId, Option<Family>)> {
    let (head, tail) = id.rsplit_once('.')?;
    let (layer, family) = match tail.rsplit_once('-') {
        Some((layer, suffix)) => (layer, Some(Family::ALL.into_iter().find(|f| f.suffix() == suffix)?)),
        None => (tail, None),
    };
    if layer == "findings" {
        let run = head.strip_prefix("check-")?.parse().ok()?;
        // Findings are always split by family.
        return family.map(|f| (SourceId::Findings { run }, Some(f)));
    }
    let layer = LAYERS.iter().find(|l| **l == layer)?;
    Some((
        SourceId::Layer {
            dataset: head.to_string(),
            layer,
        },
        family,
    ))
}

/// A collection as served: the source's features of one family, in serving order.
pub(crate) struct Served<'s, 'a> {
    pub(crate) features: &'s Features<'a>,
    /// (index into the source, the geometry as served in WGS84), lead features first.
    pub(crate) members: Vec<(usize, Cow<'s, Geometry<f64>>)>,
}

impl<'s, 'a> Served<'s, 'a> {
    /// The features of one family, those `visible` marks only (all when `None`).
    pub(crate) fn new(features: &'s Features<'a>, family: Family, visible: Option<&[bool]>) -> Served<'s, 'a> {
        let mut members: Vec<(usize, Cow<'s, Geometry<f64>>)> = features
            .geometries
            .iter()
            .enumerate()
            .filter(|(i, _)| visible.is_none_or(|v| v.get(*i).copied().unwrap_or(false)))
            .filter_map(|(i, (_, g))| family.part(g).map(|p| (i, p)))
            .collect();
        let multi = members.iter().any(|(_, g)| Family::is_multi(g));
        if multi {
            for (_, g) in members.iter_mut() {
                if !Family::is_multi(g) {
                    *g = Cow::Owned(family.multi(vec![g.clone().into_owned()]));
                }
            }
        }
        let mut served = Served { features, members };
        served.leads_first();
        served
    }

    /// Moves to the front, in their own order, the first features that give each nullable property a
    /// value: clients that type fields from the first page then see a number or a boolean, not only nulls.
    pub(crate) fn leads_first(&mut self) {
        let mut missing: Vec<&str> = self
            .features
            .fields
            .iter()
            .filter(|f| f.nullable)
            .map(|f| f.name)
            .collect();
        let mut leads = Vec::new();
        for (pos, (i, _)) in self.members.iter().enumerate().take(LEAD_SCAN) {
            if missing.is_empty() {
                break;
            }
            let p = (self.features.properties)(*i);
            let fills: Vec<&str> = missing
                .iter()
                .copied()
                .filter(|m| p.get(*m).is_some_and(|v| !v.is_null()))
                .collect();
            if !fills.is_empty() {
                missing.retain(|m| !fills.contains(m));
                leads.push(pos);
            }
        }
        if leads.iter().enumerate().all(|(k, pos)| k == *pos) {
            return;
        }
        let mut front = Vec::with_capacity(self.members.len());
        let mut rest = Vec::with_capacity(self.members.len());
        for (pos, m) in std::mem::take(&mut self.members).into_iter().enumerate() {
            if leads.contains(&pos) {
                front.push(m);
            } else {
                rest.push(m);
            }
        }
        front.extend(rest);
        self.members = front;
    }
}

/// A collection's listing entry.
pub(crate) struct CollectionInfo {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) extent: Option<Rect<f64>>,
    pub(crate) family: Family,
    /// Served as multi-geometries.
    pub(crate) multi: bool,
    pub(crate) offered: Vec<ServedCrs>,
    pub(crate) storage: ServedCrs,
}

pub(crate) fn centre(r: Option<Rect<f64>>) -> Option<(f64, f64)> {
    r.map(|r| (r.center().x, r.center().y))
}

/// The collections of one source: one per family, suffixed when the source has several (findings always).
pub(crate) fn source_collections(
    source: &SourceId,
    title: &str,
    source_crs: crate::crs::Crs,
    found: &[(Family, bool)],
    extent: impl Fn(Family) -> Option<Rect<f64>>,
) -> Vec<CollectionInfo> {
    let split = found.len() > 1 || matches!(source, SourceId::Findings { .. });
    found
        .iter()
        .map(|&(family, multi)| {
            let extent = extent(family);
            let offered = ServedCrs::offered(source_crs, centre(extent));
            let storage = offered
                .iter()
                .copied()
                .find(|c| match (source_crs, c) {
                    (crate::crs::Crs::Cgcs2000, ServedCrs::Cgcs2000) => true,
                    (crate::crs::Crs::GaussKruger(a), ServedCrs::GaussKruger(b)) => a == *b,
                    _ => false,
                })
                .unwrap_or(ServedCrs::Crs84);
            let (id, title) = if split {
                (
                    format!("{}-{}", source.id(), family.suffix()),
                    format!("{title} ({})", family.title()),
                )
            } else {
                (source.id(), title.to_string())
            };
            CollectionInfo {
                id,
                title,
                extent,
                family,
                multi,
                offered,
                storage,
            }
        })
        .collect()
}

/// Every collection the store holds.
pub(crate) fn all_collections(state: &AppState) -> Result<Vec<CollectionInfo>, ApiError> {
    let mut out = Vec::new();
    for name in state.store.dataset_names()? {
        out.extend(dataset_collections(state, &name)?);
    }
    for run in state.store.runs()? {
        if !run.files.iter().any(|f| f == "findings.geojson") {
            continue;
        }
        out.extend(run_collections(state, &run)?);
    }
    Ok(out)
}

pub(crate) fn dataset_collections(state: &AppState, name: &str) -> Result<Vec<CollectionInfo>, ApiError> {
    let d = state.store.dataset(name)?.dataset;
    Ok(LAYERS
        .into_iter()
        .flat_map(|layer| layer_collections(name, &d, layer, &layer_features(&d, layer)))
        .collect())
}

/// The collections one layer of a dataset makes, from its features as built.
pub(crate) fn layer_collections(name: &str, d: &Dataset, layer: &'static str, f: &Features) -> Vec<CollectionInfo> {
    let found = families(f.geometries.iter().map(|(_, g)| g.as_ref()));
    let source = SourceId::Layer {
        dataset: name.to_string(),
        layer,
    };
    source_collections(
        &source,
        &format!("{} — {layer}", d.name),
        d.source_crs,
        &found,
        |family| {
            crate::spatial::extent(
                f.geometries
                    .iter()
                    .filter_map(|(_, g)| family.part(g))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|c| c.as_ref()),
            )
        },
    )
}

/// A kept run's summary, when it has findings to serve.
pub(crate) fn run_with_findings(state: &AppState, run: u64) -> Option<crate::store::RunSummary> {
    state
        .store
        .run(run)
        .ok()
        .filter(|r| r.files.iter().any(|f| f == "findings.geojson"))
}

pub(crate) fn run_collections(
    state: &AppState,
    run: &crate::store::RunSummary,
) -> Result<Vec<CollectionInfo>, ApiError> {
    // Each family's extent is its own findings' (a run's points lie in a smaller box than its polygons).
    let found = finding_family_extents(state, run.id)?;
    let families: Vec<(Family, bool)> = found.iter().map(|(f, multi, _)| (*f, *multi)).collect();
    let title = format!("check {} findings — {} ({})", run.id, run.dataset, run.as_of);
    Ok(source_collections(
        &SourceId::Findings { run: run.id },
        &title,
        crate::crs::Crs::Wgs84,
        &families,
        |family| {
            found
                .iter()
                .find(|(f, _, _)| *f == family)
                .and_then(|(_, _, extent)| *extent)
        },
    ))
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no collection \"{id}\": see /collections"))
}

/// One collection's listing entry, by id, without listing every other.
pub(crate) fn find_collection(state: &AppState, id: &str) -> Result<CollectionInfo, ApiError> {
    let (source, _) = parse_id(id).ok_or_else(|| not_found(id))?;
    let candidates = match &source {
        SourceId::Layer { dataset, layer } => {
            let d = state.store.dataset(dataset).map_err(|_| not_found(id))?.dataset;
            let features = layer_features(&d, layer);
            layer_collections(dataset, &d, layer, &features)
        }
        SourceId::Findings { run } => {
            let summary = run_with_findings(state, *run).ok_or_else(|| not_found(id))?;
            run_collections(state, &summary)?
        }
    };
    pick(candidates, &source, id)
}

/// The collection named `id` among its source's; a 404 naming the split ids when the source is split.
pub(crate) fn pick(candidates: Vec<CollectionInfo>, source: &SourceId, id: &str) -> Result<CollectionInfo, ApiError> {
    let prefix = source.id();
    let mut siblings = Vec::new();
    for c in candidates {
        if c.id == id {
            return Ok(c);
        }
        if c.id.starts_with(&prefix) {
            siblings.push(c.id);
        }
    }
    if siblings.is_empty() {
        Err(not_found(id))
    } else {
        Err(ApiError::NotFound(format!(
            "no collection \"{id}\": its features are served one geometry family a collection, as {}",
            siblings.join(", ")
        )))
    }
}

/// Runs `f` over a collection as served to a reader of `scope` (its source loaded once, its family picked
/// out, what lies outside the scope left out, leads first) with its listing entry.
pub(crate) fn with_served<T>(
    state: &AppState,
    id: &str,
    scope: Option<&Scope>,
    f: impl FnOnce(&Served, &CollectionInfo) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    with_served_at(state, id, scope, None, f)
}

/// [`with_served`], a dataset layer as it stood at `version` when one is given (an earlier version is
/// made again by the store; a run's findings have no versions).
pub(crate) fn with_served_at<T>(
    state: &AppState,
    id: &str,
    scope: Option<&Scope>,
    version: Option<u32>,
    f: impl FnOnce(&Served, &CollectionInfo) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let (source, _) = parse_id(id).ok_or_else(|| not_found(id))?;
    match &source {
        SourceId::Layer { dataset, layer } => {
            let d = match version {
                None => state.store.dataset(dataset).map_err(|_| not_found(id))?.dataset,
                Some(v) => state.store.dataset_at(dataset, v).map_err(|e| match e {
                    crate::store::StoreError::NoDataset(_) => ApiError::NotFound(format!(
                        "dataset \"{dataset}\" has no version {v} (its versions are listed by each item's history; imports before the newest may be gone)"
                    )),
                    other => other.into(),
                })?.dataset,
            };
            let features = layer_features(&d, layer);
            let info = pick(layer_collections(dataset, &d, layer, &features), &source, id)?;
            let visible = scope.map(|s| s.layer(&d, layer));
            f(&Served::new(&features, info.family, visible.as_deref()), &info)
        }
        SourceId::Findings { .. } if version.is_some() => Err(ApiError::BadRequest(
            "version and at name a dataset layer's versions: a kept run's findings never change".into(),
        )),
        SourceId::Findings { run } => {
            let summary = run_with_findings(state, *run).ok_or_else(|| not_found(id))?;
            let info = pick(run_collections(state, &summary)?, &source, id)?;
            let kept = kept_findings(state, *run).map_err(|_| not_found(id))?;
            let features = finding_features(&kept);
            let visible = kept.visible(scope);
            f(&Served::new(&features, info.family, visible.as_deref()), &info)
        }
    }
}

/// The version a request's `version` or `at` names for collection `id`: `version` as given; `at` (a day
/// or an RFC 3339 time) the newest version made by then, through the dataset's edits (before its first
/// edit, the version that edit was made on). `None` for the newest.
pub(crate) fn version_asked(
    state: &AppState,
    id: &str,
    version: Option<u32>,
    at: Option<&str>,
) -> Result<Option<u32>, ApiError> {
    let Some(at) = at else {
        return Ok(version);
    };
    if version.is_some() {
        return Err(ApiError::BadRequest("give version or at, not both".into()));
    }
    let moment = match at.trim() {
        t if t.len() == 10 && crate::model::Date::parse(t).is_some() => format!("{t}T23:59:59Z"),
        t if t.len() == 20 && t.ends_with('Z') && crate::model::Date::parse(&t[..10]).is_some() => t.to_string(),
        t => {
            return Err(ApiError::BadRequest(format!(
                "at \"{t}\": expected a day (2026-12-01) or a UTC time (2026-12-01T09:30:00Z)"
            )))
        }
    };
    let Some((SourceId::Layer { dataset, .. }, _)) = parse_id(id) else {
        return Err(ApiError::BadRequest(
            "version and at name a dataset layer's versions: a kept run's findings never change".into(),
        ));
    };
    let edits = state.store.edits(&dataset).map_err(|_| not_found(id))?;
    let Some(first) = edits.first() else {
        return Ok(None);
    };
    Ok(Some(
        edits
            .iter()
            .take_while(|e| e.at <= moment)
            .last()
            .map_or(first.version - 1, |e| e.version),
    ))
}

/// A collection's source, held so that tiles are drawn from it without loading it again.
pub(crate) enum Held {
    Layer {
        dataset: std::sync::Arc<Dataset>,
        layer: &'static str,
    },
    Findings(std::sync::Arc<KeptFindings>),
}

impl Held {
    pub(crate) fn id(&self, i: usize) -> Cow<'_, str> {
        match self {
            Held::Layer { dataset, layer } => layer_id(dataset, layer, i),
            Held::Findings(_) => Cow::Owned(finding_id(i)),
        }
    }

    pub(crate) fn geometry(&self, i: usize) -> Cow<'_, Geometry<f64>> {
        match self {
            Held::Layer { dataset, layer } => layer_geometry(dataset, layer, i),
            Held::Findings(kept) => Cow::Borrowed(&kept.geometries[i]),
        }
    }

    pub(crate) fn properties(&self, i: usize) -> Map<String, Value> {
        match self {
            Held::Layer { dataset, layer } => layer_properties(dataset, layer, i),
            Held::Findings(kept) => kept.properties[i].clone(),
        }
    }

    /// Still what the store holds: a layer's dataset unchanged (runs never change).
    pub(crate) fn is_current(&self, now: Option<&std::sync::Arc<Dataset>>) -> bool {
        match (self, now) {
            (Held::Layer { dataset, .. }, Some(now)) => std::sync::Arc::ptr_eq(dataset, now),
            (Held::Findings(_), None) => true,
            _ => false,
        }
    }
}

/// The dataset a layer collection is served from now (`None` for a run's findings, which never change).
pub(crate) fn current_dataset(state: &AppState, id: &str) -> Result<Option<std::sync::Arc<Dataset>>, ApiError> {
    match parse_id(id).ok_or_else(|| not_found(id))?.0 {
        SourceId::Layer { dataset, .. } => Ok(Some(state.store.dataset(&dataset).map_err(|_| not_found(id))?.dataset)),
        SourceId::Findings { .. } => Ok(None),
    }
}

/// A collection's source held, and its members in the source's order: (index into the source, the family's
/// part where the collection serves only part of the geometry).
pub(crate) type HeldMembers = (Held, Vec<(usize, Option<Geometry<f64>>)>);

/// Holds a collection's source with its members a reader of `scope` sees (no properties are read).
pub(crate) fn hold(state: &AppState, id: &str, scope: Option<&Scope>) -> Result<HeldMembers, ApiError> {
    let (source, _) = parse_id(id).ok_or_else(|| not_found(id))?;
    let members = |features: &Features, family: Family, visible: Option<Vec<bool>>| {
        features
            .geometries
            .iter()
            .enumerate()
            .filter(|(i, _)| visible.as_ref().is_none_or(|v| v.get(*i).copied().unwrap_or(false)))
            .filter_map(|(i, (_, g))| {
                family.part(g).map(|p| match p {
                    Cow::Borrowed(_) => (i, None),
                    Cow::Owned(part) => (i, Some(part)),
                })
            })
            .collect::<Vec<_>>()
    };
    match &source {
        SourceId::Layer { dataset, layer } => {
            let d = state.store.dataset(dataset).map_err(|_| not_found(id))?.dataset;
            let features = layer_features(&d, layer);
            let info = pick(layer_collections(dataset, &d, layer, &features), &source, id)?;
            let members = members(&features, info.family, scope.map(|s| s.layer(&d, layer)));
            drop(features);
            Ok((Held::Layer { dataset: d, layer }, members))
        }
        SourceId::Findings { run } => {
            let summary = run_with_findings(state, *run).ok_or_else(|| not_found(id))?;
            let info = pick(run_collections(state, &summary)?, &source, id)?;
            let kept = kept_findings(state, *run).map_err(|_| not_found(id))?;
            let members = members(&finding_features(&kept), info.family, kept.visible(scope));
            Ok((Held::Findings(kept), members))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's findings are parsed once: the second read is the same parse, and after another run is read
    /// it is still held (far under the memory bound).
    #[test]
    fn findings_are_parsed_once_per_run() {
        use crate::store::{embedded::EmbeddedStore, Store};
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::load::load_dataset(std::path::Path::new("geodata/demo")).unwrap();
        let store = std::sync::Arc::new(EmbeddedStore::open(vec![("demo".into(), demo)], dir.path()).unwrap());
        let rulesets = vec![crate::rules::load_ruleset(std::path::Path::new("rules/anxi-2022.toml")).unwrap()];
        let state = AppState::new(store.clone(), rulesets.clone(), None, false);
        let mut runs = Vec::new();
        for _ in 0..2 {
            let request = crate::check::CheckRequest {
                rulesets: rulesets.clone(),
                mode: crate::model::Mode::Audit,
                as_of: None,
                by: None,
            };
            let judged = crate::check::check(&store.dataset("demo").unwrap(), request).unwrap();
            runs.push(crate::store::keep(store.as_ref(), &judged, None, None).unwrap().id);
        }
        let first = kept_findings(&state, runs[0]).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &kept_findings(&state, runs[0]).unwrap()));
        let other = kept_findings(&state, runs[1]).unwrap();
        assert!(!std::sync::Arc::ptr_eq(&first, &other));
        assert!(std::sync::Arc::ptr_eq(&first, &kept_findings(&state, runs[0]).unwrap()));
        assert_eq!(first.geometries.len(), other.geometries.len());
    }

    #[test]
    fn ids_name_a_source_and_a_family() {
        assert_eq!(
            parse_id("demo.facilities"),
            Some((
                SourceId::Layer {
                    dataset: "demo".into(),
                    layer: "facilities"
                },
                None
            ))
        );
        assert_eq!(
            parse_id("马尾.v2.residential_areas-points"),
            Some((
                SourceId::Layer {
                    dataset: "马尾.v2".into(),
                    layer: "residential_areas"
                },
                Some(Family::Points)
            ))
        );
        assert_eq!(
            parse_id("check-7.findings-polygons"),
            Some((SourceId::Findings { run: 7 }, Some(Family::Polygons)))
        );
        assert_eq!(parse_id("check-7.findings"), None);
        assert_eq!(parse_id("demo.facilities-circles"), None);
        assert_eq!(parse_id("demo.nothing"), None);
    }

    #[test]
    fn a_mixed_pool_is_split_between_families() {
        let pool = Geometry::GeometryCollection(geo::GeometryCollection(vec![
            Geometry::Point(geo::Point::new(1.0, 2.0)),
            Geometry::Polygon(geo::Rect::new((0.0, 0.0), (1.0, 1.0)).to_polygon()),
            Geometry::Point(geo::Point::new(3.0, 4.0)),
        ]));
        let Some(Geometry::MultiPoint(points)) = Family::Points.part(&pool).map(Cow::into_owned) else {
            panic!()
        };
        assert_eq!(points.0.len(), 2);
        let Some(Geometry::MultiPolygon(polygons)) = Family::Polygons.part(&pool).map(Cow::into_owned) else {
            panic!()
        };
        assert_eq!(polygons.0.len(), 1);
        assert!(Family::Lines.part(&pool).is_none());
        assert_eq!(
            families([pool].iter()),
            [(Family::Points, true), (Family::Polygons, true)]
        );
    }

    #[test]
    fn leads_give_every_nullable_property_a_value_first() {
        let geometries: Vec<Geometry<f64>> = (0..6)
            .map(|i| Geometry::Point(geo::Point::new(i as f64, 0.0)))
            .collect();
        // Only feature 4 has beds, only feature 5 a day; features 0-3 have neither.
        let props: Vec<Map<String, Value>> = (0..6)
            .map(|i| {
                let mut m = Map::new();
                m.insert("beds".into(), if i == 4 { json!(3) } else { Value::Null });
                m.insert("day".into(), if i == 5 { json!("2024-01-01") } else { Value::Null });
                m
            })
            .collect();
        let features = Features {
            geometries: geometries
                .iter()
                .enumerate()
                .map(|(i, g)| (i.to_string(), Cow::Borrowed(g)))
                .collect(),
            properties: Box::new(|i| props[i].clone()),
            fields: vec![
                field("beds", Kind::Integer, true, "beds"),
                field("day", Kind::Date, true, "day"),
            ],
            temporal: None,
        };
        let served = Served::new(&features, Family::Points, None);
        let order: Vec<usize> = served.members.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [4, 5, 0, 1, 2, 3]);
    }
}
