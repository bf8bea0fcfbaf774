//! OGC API – Features: the landing page, conformance, and collections over every layer of every dataset
//! (`demo.facilities`) and every kept run's findings (`check-1.findings-polygons`), with Part 2 (CRS),
//! Part 3 (queryables, CQL2 text filters) and Part 5 (schemas).
//!
//! GIS clients fix a layer's geometry type and field types from its first features, so every collection
//! holds one geometry family (a layer mixing points and polygons, and every run's findings, are split into
//! `-points`, `-lines` and `-polygons` collections, and a family holding any multi-geometry serves all of
//! its features as multi), publishes its schema (`describedby`), and serves first a few features that
//! between them give every nullable property a value.

use super::cql2::{Filter, Kind};
use super::ogc_crs::{ServedCrs, CRS84};
use super::schemas::{
    Collection, Collections, Conformance, Extent, Feature, FeatureCollection, FeatureCollectionType, FeatureType,
    LandingPage, Link, SpatialExtent,
};
use super::{base_url, blocking, readable, ApiError, AppState};
use crate::model::{AreaKind, Dataset, Level, Status, Tier};
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{Geometry, Intersects, Rect};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = crate::limits::ITEMS_PAGE;
/// The one filter language understood.
pub const FILTER_LANG: &str = "cql2-text";
const GEOJSON: &str = "application/geo+json";
const SCHEMA_JSON: &str = "application/schema+json";
const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const REL_SCHEMA: &str = "http://www.opengis.net/def/rel/ogc/1.0/schema";
const LAYERS: [&str; 5] = ["admin_units", "residential_areas", "facilities", "roads", "candidates"];
/// How many features are looked through for ones that give nullable properties a value.
const LEAD_SCAN: usize = 10_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/", landing))
        .service(readable("/conformance", conformance))
        .service(readable("/collections", collections))
        .service(readable("/collections/{collectionId}", collection))
        .service(readable("/collections/{collectionId}/schema", schema))
        .service(readable("/collections/{collectionId}/queryables", queryables))
        .service(readable("/collections/{collectionId}/items", items))
        .service(readable("/collections/{collectionId}/items/{featureId}", item));
}

/// The landing page: what this service is and where everything is.
#[utoipa::path(get, path = "/", tag = "OGC API - Features",
    responses((status = 200, description = "The landing page", content_type = "application/json", body = LandingPage)))]
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let base = base_url(&req);
    let json = "application/json";
    let html = "text/html";
    Ok(HttpResponse::Ok().json(LandingPage {
        title: "carecircle 养老服务设施布局合规检查".into(),
        description: format!(
            "Elderly-care facility layout checks; {} store. Datasets and check findings as OGC API - Features collections.",
            state.store.kind()
        ),
        links: vec![
            Link::new(format!("{base}/"), "self", json).titled("this document"),
            Link::new(format!("{base}/api"), "service-desc", super::openapi::OPENAPI_MEDIA_TYPE).titled("the API definition"),
            Link::new(format!("{base}/openapi.json"), "service-desc", json).titled("the API definition (JSON)"),
            Link::new(format!("{base}/api.html"), "service-doc", html).titled("接口文档 the API documentation"),
            Link::new(format!("{base}/app/"), "service-doc", html).titled("网页应用 the web app for reviewers and auditors"),
            Link::new(format!("{base}/conformance"), "conformance", json).titled("conformance classes"),
            Link::new(format!("{base}/collections"), "data", json).titled("the collections"),
            Link::new(format!("{base}/tileMatrixSets"), super::tiles::REL_TILING_SCHEMES, json).titled("瓦片矩阵集 the tile matrix sets"),
            Link::new(format!("{base}/checks"), "related", json).titled("check runs"),
            Link::new(format!("{base}/rules"), "related", json).titled("rules"),
        ],
    }))
}

/// Refuses query parameters a route does not know (OGC API – Features /req/core/query-param-unknown): a
/// user who types `?tier=station` must not believe they filtered, and is told how to. `f` (the format,
/// always JSON here) is known everywhere.
pub(super) fn only_params(req: &HttpRequest, known: &[&str]) -> Result<(), ApiError> {
    let given = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("bad query string: {e}")))?;
    for (name, value) in given.iter() {
        if name != "f" && !known.contains(&name.as_str()) {
            let expected = if known.is_empty() {
                "this resource takes none (but f)".to_string()
            } else {
                format!("expected one of {}, f", known.join(", "))
            };
            let hint = if known.contains(&"filter") {
                format!("; to select by a property write filter={name}='{value}' (CQL2 text, see /queryables)")
            } else {
                String::new()
            };
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter \"{name}\": {expected}{hint}"
            )));
        }
    }
    Ok(())
}

pub const CONFORMANCE: [&str; 18] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/returnables-and-receivables",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

/// The conformance classes: Core, GeoJSON, OpenAPI 3.0, CRS by reference, queryables and CQL2 text
/// filters, schemas.
#[utoipa::path(get, path = "/conformance", tag = "OGC API - Features",
    responses((status = 200, description = "Conformance classes", content_type = "application/json", body = Conformance)))]
pub async fn conformance(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    Ok(HttpResponse::Ok().json(Conformance {
        conforms_to: CONFORMANCE.iter().map(|c| c.to_string()).collect(),
    }))
}

/// What a feature source is: one layer of a dataset, or one kept run's findings.
#[derive(Debug, Clone, PartialEq)]
enum SourceId {
    Layer { dataset: String, layer: &'static str },
    Findings { run: u64 },
}

impl SourceId {
    fn id(&self) -> String {
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

    fn title(self) -> &'static str {
        match self {
            Family::Points => "点 points",
            Family::Lines => "线 lines",
            Family::Polygons => "面 polygons",
        }
    }

    pub(super) fn suffix(self) -> &'static str {
        match self {
            Family::Points => "points",
            Family::Lines => "lines",
            Family::Polygons => "polygons",
        }
    }

    /// The family's part of a geometry (a GeometryCollection's members of this family, as one
    /// multi-geometry), or `None` when it has none.
    fn part(self, g: &Geometry<f64>) -> Option<Cow<'_, Geometry<f64>>> {
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
    fn multi(self, parts: Vec<Geometry<f64>>) -> Geometry<f64> {
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

    fn is_multi(g: &Geometry<f64>) -> bool {
        matches!(
            g,
            Geometry::MultiPoint(_) | Geometry::MultiLineString(_) | Geometry::MultiPolygon(_)
        )
    }

    fn geometry_format(self, multi: bool) -> &'static str {
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
fn families<'g>(geometries: impl Iterator<Item = &'g Geometry<f64>>) -> Vec<(Family, bool)> {
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

/// One property of a collection's features, as its schema declares it.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// May be null (unknown): such properties are given a value by the lead features.
    pub nullable: bool,
    pub title: &'static str,
    /// The closed vocabulary it takes, if any.
    pub values: Vec<&'static str>,
}

fn field(name: &'static str, kind: Kind, nullable: bool, title: &'static str) -> Field {
    Field {
        name,
        kind,
        nullable,
        title,
        values: Vec::new(),
    }
}

fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

/// The properties every layer's features carry, in the order they are served.
fn layer_fields(layer: &str) -> Vec<Field> {
    use Kind::*;
    match layer {
        "admin_units" => vec![
            field("code", Text, false, "区划代码 code"),
            field("name", Text, false, "名称 name"),
            Field {
                values: keys(Level::ALL, Level::key),
                ..field("level", Text, false, "层级 level")
            },
            field("parent", Text, true, "上级代码 parent code"),
            field("population", Integer, true, "常住人口 population"),
            field("elderly", Integer, true, "老年人口 elderly"),
            field("households", Integer, true, "户数 households"),
            field("central", Boolean, true, "中心城区 central"),
        ],
        "residential_areas" => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            field("households", Integer, false, "户数 households"),
            Field {
                values: keys(AreaKind::ALL, AreaKind::key),
                ..field("kind", Text, false, "新建/已建 kind")
            },
            field("delivered", Date, true, "交付日期 delivered"),
            field("pool", Text, true, "统筹组 pool"),
        ],
        "facilities" => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            Field {
                values: keys(Tier::ALL, Tier::key),
                ..field("tier", Text, false, "层级 tier")
            },
            field("floor_area_m2", Number, false, "建筑面积 floor area (m²)"),
            field("beds", Integer, true, "床位 beds"),
            field("nursing_beds", Integer, true, "护理型床位 nursing beds"),
            Field {
                values: keys(Status::ALL, Status::key),
                ..field("status", Text, false, "状态 status")
            },
            field("handed_over", Date, true, "移交日期 handed over"),
            field("serves", Text, false, "配建服务小区 serves (ids separated by ;)"),
            field("meal_service", Boolean, true, "助餐服务 meal service"),
        ],
        "roads" => vec![field("walkable", Boolean, false, "可步行 walkable")],
        _ => vec![
            field("id", Text, false, "编号 id"),
            field("name", Text, false, "名称 name"),
            field("floor_area_m2", Number, true, "建筑面积 floor area (m²)"),
        ],
    }
}

/// The properties of a run's findings (as `findings.geojson` holds them).
fn finding_fields() -> Vec<Field> {
    use Kind::*;
    vec![
        field("rule", Text, false, "规则 rule"),
        field("severity", Text, false, "级别 severity"),
        field("layer", Text, false, "图层 layer"),
        field("id", Text, false, "对象编号 subject id"),
        field("name", Text, false, "对象名称 subject name"),
        field("measured", Number, true, "实测 measured"),
        field("required", Number, true, "要求 required"),
        field("unit", Text, false, "单位 unit"),
        field("message", Text, false, "说明 message"),
        field(
            "facilities",
            Text,
            false,
            "计入设施 facilities counted (ids separated by ;)",
        ),
    ]
}

/// The features of a source, lazily converted: ids and geometries first, properties on demand.
pub(super) struct Features<'a> {
    pub(super) geometries: Vec<(String, Cow<'a, Geometry<f64>>)>,
    pub(super) properties: Box<dyn Fn(usize) -> Map<String, Value> + 'a>,
    fields: Vec<Field>,
    /// The property holding each feature's day, which `datetime` selects on.
    temporal: Option<&'static str>,
}

fn layer_features<'a>(d: &'a Dataset, layer: &str) -> Features<'a> {
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
pub(super) fn layer_len(d: &Dataset, layer: &str) -> usize {
    match layer {
        "admin_units" => d.admin_units.len(),
        "residential_areas" => d.residential_areas.len(),
        "facilities" => d.facilities.len(),
        "roads" => d.roads.len(),
        _ => d.candidates.len(),
    }
}

/// A layer feature's id: its own, an admin unit's code, a road's position from 1.
pub(super) fn layer_id<'a>(d: &'a Dataset, layer: &str, i: usize) -> Cow<'a, str> {
    match layer {
        "admin_units" => Cow::Borrowed(&d.admin_units[i].code),
        "residential_areas" => Cow::Borrowed(&d.residential_areas[i].id),
        "facilities" => Cow::Borrowed(&d.facilities[i].id),
        "roads" => Cow::Owned((i + 1).to_string()),
        _ => Cow::Borrowed(&d.candidates[i].id),
    }
}

/// A layer feature's geometry in WGS84.
pub(super) fn layer_geometry<'a>(d: &'a Dataset, layer: &str, i: usize) -> Cow<'a, Geometry<f64>> {
    match layer {
        "admin_units" => Cow::Owned(Geometry::MultiPolygon(d.admin_units[i].boundary.clone())),
        "residential_areas" => Cow::Borrowed(&d.residential_areas[i].geometry),
        "facilities" => Cow::Borrowed(&d.facilities[i].geometry),
        "roads" => Cow::Owned(Geometry::MultiLineString(d.roads[i].geometry.clone())),
        _ => Cow::Borrowed(&d.candidates[i].geometry),
    }
}

/// A layer feature's properties, as the layer's fields name them.
pub(super) fn layer_properties(d: &Dataset, layer: &str, i: usize) -> Map<String, Value> {
    let text = |s: &str| Value::String(s.to_string());
    let day = |x: Option<crate::model::Date>| x.map_or(Value::Null, |x| text(&x.to_string()));
    let mut m = Map::new();
    match layer {
        "admin_units" => {
            let u = &d.admin_units[i];
            m.insert("code".into(), text(&u.code));
            m.insert("name".into(), text(&u.name));
            m.insert("level".into(), text(u.level.key()));
            m.insert("parent".into(), u.parent.as_deref().map_or(Value::Null, text));
            m.insert("population".into(), u.population.into());
            m.insert("elderly".into(), u.elderly.into());
            m.insert("households".into(), u.households.into());
            m.insert("central".into(), u.central.into());
        }
        "residential_areas" => {
            let a = &d.residential_areas[i];
            m.insert("id".into(), text(&a.id));
            m.insert("name".into(), text(&a.name));
            m.insert("households".into(), a.households.into());
            m.insert("kind".into(), text(a.kind.key()));
            m.insert("delivered".into(), day(a.delivered));
            m.insert("pool".into(), a.pool.as_deref().map_or(Value::Null, text));
        }
        "facilities" => {
            let f = &d.facilities[i];
            m.insert("id".into(), text(&f.id));
            m.insert("name".into(), text(&f.name));
            m.insert("tier".into(), text(f.tier.key()));
            m.insert("floor_area_m2".into(), json!(f.floor_area_m2));
            m.insert("beds".into(), f.beds.into());
            m.insert("nursing_beds".into(), f.nursing_beds.into());
            m.insert("status".into(), text(f.status.key()));
            m.insert("handed_over".into(), day(f.handed_over));
            // One string, as findings' `facilities` are: GIS clients take arrays as NULL or as two formats.
            m.insert("serves".into(), json!(f.serves.join(";")));
            m.insert("meal_service".into(), f.meal_service.into());
        }
        "roads" => {
            m.insert("walkable".into(), d.roads[i].walkable.into());
        }
        _ => {
            let c = &d.candidates[i];
            m.insert("id".into(), text(&c.id));
            m.insert("name".into(), text(&c.name));
            m.insert("floor_area_m2".into(), c.floor_area_m2.into());
        }
    }
    m
}

/// A kept run's findings, from its findings.geojson as made.
pub(crate) struct KeptFindings {
    geometries: Vec<Geometry<f64>>,
    properties: Vec<Map<String, Value>>,
}

/// A kept run's findings, parsed once and kept by run id (a run never changes), the runs read last first
/// to go when those kept pass [`crate::limits::KEPT_FINDINGS_BYTES`] of findings.geojson.
fn kept_findings(state: &AppState, run: u64) -> Result<std::sync::Arc<KeptFindings>, ApiError> {
    if let Some(found) = state.kept_findings.get(&run, |_| true) {
        return Ok(found);
    }
    let (parsed, size) = parse_findings(state, run)?;
    let parsed = std::sync::Arc::new(parsed);
    state.kept_findings.put(run, std::sync::Arc::clone(&parsed), size);
    Ok(parsed)
}

/// A kept run's findings.geojson parsed, and its size.
fn parse_findings(state: &AppState, run: u64) -> Result<(KeptFindings, usize), ApiError> {
    let bytes = state.store.run_file(run, "findings.geojson")?;
    let size = bytes.len();
    let bad = |e: String| ApiError::Internal(format!("run {run}'s findings.geojson: {e}"));
    let collection: geojson::FeatureCollection = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut kept = KeptFindings {
        geometries: Vec::with_capacity(collection.features.len()),
        properties: Vec::with_capacity(collection.features.len()),
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

/// A finding's feature id: its place in the run's findings.geojson, from 1.
fn finding_id(i: usize) -> String {
    (i + 1).to_string()
}

fn finding_features(kept: &KeptFindings) -> Features<'_> {
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
fn finding_family_extents(state: &AppState, run: u64) -> Result<Vec<super::FindingFamily>, ApiError> {
    if let Some(f) = state.finding_families.lock().ok().and_then(|m| m.get(&run).cloned()) {
        return Ok(f);
    }
    let kept = kept_findings(state, run)?;
    let found: Vec<super::FindingFamily> = families(kept.geometries.iter())
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

/// What a collection id names: a source and, where the source is split, one family of it.
fn parse_id(id: &str) -> Option<(SourceId, Option<Family>)> {
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
pub(super) struct Served<'s, 'a> {
    pub(super) features: &'s Features<'a>,
    /// (index into the source, the geometry as served in WGS84), lead features first.
    pub(super) members: Vec<(usize, Cow<'s, Geometry<f64>>)>,
}

impl<'s, 'a> Served<'s, 'a> {
    fn new(features: &'s Features<'a>, family: Family) -> Served<'s, 'a> {
        let mut members: Vec<(usize, Cow<'s, Geometry<f64>>)> = features
            .geometries
            .iter()
            .enumerate()
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
    fn leads_first(&mut self) {
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
pub(super) struct CollectionInfo {
    pub(super) id: String,
    title: String,
    pub(super) extent: Option<Rect<f64>>,
    pub(super) family: Family,
    /// Served as multi-geometries.
    multi: bool,
    offered: Vec<ServedCrs>,
    storage: ServedCrs,
}

fn centre(r: Option<Rect<f64>>) -> Option<(f64, f64)> {
    r.map(|r| (r.center().x, r.center().y))
}

/// The collections of one source: one per family, suffixed when the source has several (findings always).
fn source_collections(
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
fn all_collections(state: &AppState) -> Result<Vec<CollectionInfo>, ApiError> {
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

fn dataset_collections(state: &AppState, name: &str) -> Result<Vec<CollectionInfo>, ApiError> {
    let d = state.store.dataset(name)?.dataset;
    Ok(LAYERS
        .into_iter()
        .flat_map(|layer| layer_collections(name, &d, layer, &layer_features(&d, layer)))
        .collect())
}

/// The collections one layer of a dataset makes, from its features as built.
fn layer_collections(name: &str, d: &Dataset, layer: &'static str, f: &Features) -> Vec<CollectionInfo> {
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
fn run_with_findings(state: &AppState, run: u64) -> Option<crate::store::RunSummary> {
    state
        .store
        .run(run)
        .ok()
        .filter(|r| r.files.iter().any(|f| f == "findings.geojson"))
}

fn run_collections(state: &AppState, run: &crate::store::RunSummary) -> Result<Vec<CollectionInfo>, ApiError> {
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

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no collection \"{id}\": see /collections"))
}

/// One collection's listing entry, by id, without listing every other.
fn find_collection(state: &AppState, id: &str) -> Result<CollectionInfo, ApiError> {
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
fn pick(candidates: Vec<CollectionInfo>, source: &SourceId, id: &str) -> Result<CollectionInfo, ApiError> {
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

fn collection_json(base: &str, c: &CollectionInfo) -> Collection {
    let bbox = c.extent.map_or([-180.0, -90.0, 180.0, 90.0], |r| {
        [r.min().x, r.min().y, r.max().x, r.max().y]
    });
    let id = &c.id;
    let here = format!("{base}/collections/{id}");
    Collection {
        id: id.clone(),
        title: c.title.clone(),
        item_type: "feature".into(),
        crs: c.offered.iter().map(|s| s.uri()).collect(),
        storage_crs: c.storage.uri(),
        extent: Extent {
            spatial: SpatialExtent {
                bbox: vec![bbox],
                crs: CRS84.into(),
            },
        },
        links: vec![
            Link::new(&here, "self", "application/json").titled(&c.title),
            Link::new(format!("{here}/items"), "items", GEOJSON).titled("items"),
            Link::new(format!("{here}/schema"), "describedby", SCHEMA_JSON).titled("字段 the features' schema"),
            Link::new(format!("{here}/schema"), REL_SCHEMA, SCHEMA_JSON).titled("字段 the features' schema"),
            Link::new(format!("{here}/queryables"), REL_QUERYABLES, SCHEMA_JSON)
                .titled("可筛选字段 the properties filter may use"),
            Link::new(
                format!("{here}/tiles"),
                super::tiles::REL_TILESETS_VECTOR,
                "application/json",
            )
            .titled("矢量瓦片 vector tiles (OGC API - Tiles)"),
        ],
    }
}

/// Every collection: each dataset's layers and each check run's findings, one geometry family each.
#[utoipa::path(get, path = "/collections", tag = "OGC API - Features",
    responses((status = 200, description = "The collections", content_type = "application/json", body = Collections)))]
pub async fn collections(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let base = base_url(&req);
    let all = blocking(move || all_collections(&state)).await?;
    Ok(HttpResponse::Ok().json(Collections {
        links: vec![Link::new(format!("{base}/collections"), "self", "application/json")],
        collections: all.iter().map(|c| collection_json(&base, c)).collect(),
    }))
}

/// One collection's description.
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "`<dataset>.<layer>` (with `-points`, `-lines` or `-polygons` where the layer mixes them) or `check-<id>.findings-<family>`")),
    responses((status = 200, description = "The collection", content_type = "application/json", body = Collection),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let id = path.into_inner();
    let found = {
        let id = id.clone();
        blocking(move || find_collection(&state, &id)).await?
    };
    let base = base_url(&req);
    Ok(HttpResponse::Ok()
        .insert_header((
            "Link",
            format!("<{base}/collections/{id}/queryables>; rel=\"{REL_QUERYABLES}\"; type=\"{SCHEMA_JSON}\""),
        ))
        .json(collection_json(&base, &found)))
}

fn field_schema(f: &Field) -> Value {
    let (kind, format) = match f.kind {
        Kind::Text => ("string", None),
        Kind::Integer => ("integer", None),
        Kind::Number => ("number", None),
        Kind::Boolean => ("boolean", None),
        Kind::Date => ("string", Some("date")),
    };
    // A nullable property is typed as its kind or null, as the features carry it (JSON Schema 2020-12).
    let mut s = if f.nullable {
        json!({"title": f.title, "type": [kind, "null"], "description": "可为空（未知） may be null (unknown)"})
    } else {
        json!({"title": f.title, "type": kind})
    };
    if let Some(format) = format {
        s["format"] = json!(format);
    }
    if !f.values.is_empty() {
        let mut values: Vec<Value> = f.values.iter().map(|v| json!(v)).collect();
        if f.nullable {
            values.push(Value::Null);
        }
        s["enum"] = Value::Array(values);
    }
    s
}

fn schema_document(base: &str, id: &str, path: &str, c: &CollectionInfo, fields: &[Field], geometry: bool) -> Value {
    let mut properties = Map::new();
    if geometry {
        properties.insert(
            "geometry".into(),
            json!({"format": c.family.geometry_format(c.multi), "x-ogc-role": "primary-geometry"}),
        );
    }
    for f in fields {
        properties.insert(f.name.into(), field_schema(f));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{id}/{path}"),
        "type": "object",
        "title": c.title,
        "properties": properties,
        "additionalProperties": false
    })
}

/// The schema of a collection's features (Part 5): each property's type, title and values.
#[utoipa::path(get, path = "/collections/{collectionId}/schema", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them")),
    responses((status = 200, description = "A JSON Schema of the features", content_type = "application/schema+json", body = Object),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn schema(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    schema_or_queryables(req, state, path, "schema").await
}

/// The properties a `filter` may use (Part 3).
#[utoipa::path(get, path = "/collections/{collectionId}/queryables", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them")),
    responses((status = 200, description = "A JSON Schema of the queryable properties", content_type = "application/schema+json", body = Object),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    schema_or_queryables(req, state, path, "queryables").await
}

async fn schema_or_queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    which: &str,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let id = path.into_inner();
    let c = {
        let id = id.clone();
        blocking(move || find_collection(&state, &id)).await?
    };
    let fields = match parse_id(&id) {
        Some((SourceId::Layer { layer, .. }, _)) => layer_fields(layer),
        _ => finding_fields(),
    };
    let doc = schema_document(&base_url(&req), &id, which, &c, &fields, which == "schema");
    Ok(HttpResponse::Ok().content_type(SCHEMA_JSON).body(doc.to_string()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// How many features per page (default 100, at most 10 000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
    /// How many matching features to skip.
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// Only features meeting this box: 4 numbers (or 6, heights ignored), lower corner then upper, in
    /// `bbox-crs` (CRS84 longitude, latitude by default).
    #[param(value_type = Option<Vec<f64>>, style = Form, explode = false, min_items = 4, max_items = 6, example = json!([119.39, 25.96, 119.44, 26.0]))]
    pub bbox: Option<String>,
    /// The CRS of `bbox`, one of the collection's `crs` (default CRS84).
    #[serde(rename = "bbox-crs")]
    #[param(rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// The CRS of the features served, one of the collection's `crs` (default CRS84), in its axis order.
    pub crs: Option<String>,
    /// Only features whose day (facilities: `handed_over`; residential areas: `delivered`) is this day
    /// (`2023-06-01`) or in this interval (`2023-01-01/2023-12-31`, `../2021-12-31`, `2022-01-01/..`).
    /// Features without a day are left out; collections without days ignore it.
    pub datetime: Option<String>,
    /// A CQL2 text filter over the collection's queryables: `tier='station' AND status='operating'`.
    pub filter: Option<String>,
    /// The filter language: `cql2-text` (the only one).
    #[serde(rename = "filter-lang")]
    #[param(rename = "filter-lang")]
    pub filter_lang: Option<String>,
}

/// Reads `bbox` in its CRS into WGS84 boxes: one, or two where a geographic box crosses the antimeridian
/// (its western longitude above its eastern, as OGC API – Features §7.15.3 writes such a box).
fn parse_bbox(text: &str, crs: ServedCrs) -> Result<Vec<Rect<f64>>, ApiError> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::BadRequest(format!("bbox \"{text}\": expected four numbers")))?;
    let bad = || {
        ApiError::BadRequest(format!(
            "bbox \"{text}\": expected lower corner then upper corner (min ≤ max; a western longitude above \
             the eastern crosses the antimeridian) in the axis order of {}",
            crs.uri()
        ))
    };
    let (lo, hi) = match v.as_slice() {
        [a, b, c, d] | [a, b, _, c, d, _] if v.iter().all(|x| x.is_finite()) => ([*a, *b], [*c, *d]),
        _ => return Err(bad()),
    };
    let to_wgs84 = |lo: [f64; 2], hi: [f64; 2]| {
        crs.bbox_to_wgs84(lo[0], lo[1], hi[0], hi[1])
            .map_err(ApiError::BadRequest)
    };
    let lon = crs.longitude_axis();
    let other = lon.map_or(0, |l| 1 - l);
    if lo[other] > hi[other] {
        return Err(bad());
    }
    match lon {
        Some(l) if lo[l] > hi[l] && (-180.0..=180.0).contains(&lo[l]) && (-180.0..=180.0).contains(&hi[l]) => {
            let (mut east_end, mut west_start) = (hi, lo);
            east_end[l] = 180.0;
            west_start[l] = -180.0;
            Ok(vec![to_wgs84(lo, east_end)?, to_wgs84(west_start, hi)?])
        }
        Some(l) if lo[l] > hi[l] => Err(bad()),
        None if lo[0] > hi[0] => Err(bad()),
        _ => Ok(vec![to_wgs84(lo, hi)?]),
    }
}

/// A `datetime` value as an inclusive range of days (`None` for an open end).
fn parse_datetime(text: &str) -> Result<(Option<String>, Option<String>), ApiError> {
    let day = |t: &str| -> Result<Option<String>, ApiError> {
        let t = t.trim();
        if t.is_empty() || t == ".." {
            return Ok(None);
        }
        let d = t.get(..10).unwrap_or(t);
        crate::model::Date::parse(d)
            .map(|_| Some(d.to_string()))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "datetime \"{text}\": expected a day (2023-06-01), or an interval a/b with .. for an open end"
                ))
            })
    };
    match text.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            if let (Some(x), Some(y)) = (&a, &b) {
                if x > y {
                    return Err(ApiError::BadRequest(format!(
                        "datetime \"{text}\": the interval ends before it starts"
                    )));
                }
            }
            Ok((a, b))
        }
        None => {
            let d = day(text)?.ok_or_else(|| ApiError::BadRequest(format!("datetime \"{text}\": expected a day")))?;
            Ok((Some(d.clone()), Some(d)))
        }
    }
}

fn served_crs(param: Option<&str>, offered: &[ServedCrs]) -> Result<ServedCrs, ApiError> {
    param.map_or(Ok(ServedCrs::Crs84), |t| {
        ServedCrs::parse(t, offered).map_err(ApiError::BadRequest)
    })
}

fn geometry_json(g: &Geometry<f64>, crs: ServedCrs) -> Result<geojson::Geometry, ApiError> {
    let g = crs.geometry(g).map_err(ApiError::Internal)?;
    Ok(geojson::Geometry::from(&g))
}

/// A page of a collection's features, GeoJSON, with `next` while pages remain.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them"), ItemsQuery),
    responses((status = 200, description = "A page of features", content_type = "application/geo+json", body = FeatureCollection),
              (status = 400, description = "Bad parameter", body = Exception),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ItemsQuery>,
) -> Result<HttpResponse, ApiError> {
    only_params(
        &req,
        &[
            "limit",
            "offset",
            "bbox",
            "bbox-crs",
            "crs",
            "datetime",
            "filter",
            "filter-lang",
        ],
    )?;
    // Refused rather than cut: a client asking for more than a page holds must not believe it has all.
    if let Some(limit) = query.limit.filter(|l| !(1..=MAX_LIMIT).contains(l)) {
        return Err(ApiError::BadRequest(format!(
            "limit {limit}: expected a page of 1 to {MAX_LIMIT} features (follow the next links for more)"
        )));
    }
    if let Some(lang) = query.filter_lang.as_deref().filter(|l| *l != FILTER_LANG) {
        return Err(ApiError::BadRequest(format!(
            "filter-lang \"{lang}\": only cql2-text is understood"
        )));
    }
    let id = path.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = query.offset.unwrap_or(0);
    let days = query.datetime.as_deref().map(parse_datetime).transpose()?;
    let base = base_url(&req);
    let query = query.into_inner();
    // Filtering walks the whole collection: off the async workers.
    let (crs, link_header, page) = blocking(move || with_served(&state, &id, |served, info| {
        let crs = served_crs(query.crs.as_deref(), &info.offered)?;
        let bbox_crs = served_crs(query.bbox_crs.as_deref(), &info.offered)?;
        let bbox = query.bbox.as_deref().map(|b| parse_bbox(b, bbox_crs)).transpose()?;
        let queryable: Vec<(&str, Kind)> = served.features.fields.iter().map(|f| (f.name, f.kind)).collect();
        let filter = query
            .filter
            .as_deref()
            .map(|f| Filter::parse(f, &queryable).map_err(|e| ApiError::BadRequest(format!("filter: {e}"))))
            .transpose()?;
        let needs_properties = filter.is_some() || (days.is_some() && served.features.temporal.is_some());
        let matching: Vec<usize> = (0..served.members.len())
            .filter(|&k| {
                let (i, g) = &served.members[k];
                if bbox
                    .as_ref()
                    .is_some_and(|boxes| !boxes.iter().any(|b| g.intersects(b)))
                {
                    return false;
                }
                if !needs_properties {
                    return true;
                }
                let p = (served.features.properties)(*i);
                let on_day = match (&days, served.features.temporal) {
                    (Some((from, to)), Some(key)) => p.get(key).and_then(Value::as_str).is_some_and(|d| {
                        from.as_deref().is_none_or(|f| d >= f) && to.as_deref().is_none_or(|t| d <= t)
                    }),
                    _ => true,
                };
                on_day && filter.as_ref().is_none_or(|f| f.matches(&p))
            })
            .collect();
        let page: Vec<Feature> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&k| {
                let (i, g) = &served.members[k];
                Ok(Feature {
                    kind: FeatureType::Feature,
                    id: served.features.geometries[*i].0.to_string(),
                    geometry: geometry_json(g, crs)?,
                    properties: (served.features.properties)(*i),
                    links: None,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        let mut kept_params = String::new();
        for (name, value) in [
            ("bbox", &query.bbox),
            ("bbox-crs", &query.bbox_crs),
            ("crs", &query.crs),
            ("datetime", &query.datetime),
            ("filter", &query.filter),
            ("filter-lang", &query.filter_lang),
        ] {
            if let Some(v) = value {
                kept_params.push_str(&format!("&{name}={}", encode(v)));
            }
        }
        let href = |o: usize| format!("{base}/collections/{id}/items?limit={limit}&offset={o}{kept_params}");
        let mut links = vec![
            Link::new(href(offset), "self", GEOJSON),
            Link::new(format!("{base}/collections/{id}"), "collection", "application/json"),
        ];
        if offset + page.len() < matching.len() {
            links.push(Link::new(href(offset + page.len()), "next", GEOJSON));
        }
        if offset > 0 {
            links.push(Link::new(href(offset.saturating_sub(limit)), "prev", GEOJSON));
        }
        // The links in a header too (Part 3 clients look there for the queryables).
        let link_header = format!(
            "<{}>; rel=\"self\"; type=\"{GEOJSON}\", <{base}/collections/{id}/queryables>; rel=\"{REL_QUERYABLES}\"; type=\"{SCHEMA_JSON}\"",
            href(offset)
        );
        Ok((
            crs.uri(),
            link_header,
            FeatureCollection {
                kind: FeatureCollectionType::FeatureCollection,
                number_matched: matching.len() as u64,
                number_returned: page.len() as u64,
                time_stamp: crate::store::now_rfc3339(),
                links,
                features: page,
            },
        ))
    }))
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{crs}>")))
        .insert_header(("Link", link_header))
        .json(page))
}

/// Percent-encodes a query value for a link.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// The CRS of the feature served, one of the collection's `crs` (default CRS84), in its axis order.
    pub crs: Option<String>,
}

/// One feature by its id.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them"),
           ("featureId" = String, Path, description = "The feature's id"), ItemQuery),
    responses((status = 200, description = "The feature", content_type = "application/geo+json", body = Feature),
              (status = 404, description = "No such collection or feature", body = Exception)))]
pub async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ItemQuery>,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &["crs"])?;
    let (id, fid) = path.into_inner();
    let base = base_url(&req);
    let query = query.into_inner();
    let (id_, fid_) = (id.clone(), fid.clone());
    let response = blocking(move || {
        with_served(&state, &id_, |served, info| {
            let (id, fid) = (&id_, &fid_);
            let crs = served_crs(query.crs.as_deref(), &info.offered)?;
            let Some((i, g)) = served
                .members
                .iter()
                .find(|(i, _)| served.features.geometries[*i].0 == *fid)
            else {
                return Ok(None);
            };
            let feature = Feature {
                kind: FeatureType::Feature,
                id: fid.clone(),
                geometry: geometry_json(g, crs)?,
                properties: (served.features.properties)(*i),
                links: Some(vec![
                    Link::new(
                        format!("{base}/collections/{id}/items/{}", encode(fid)),
                        "self",
                        GEOJSON,
                    ),
                    Link::new(format!("{base}/collections/{id}"), "collection", "application/json"),
                ]),
            };
            Ok::<_, ApiError>(Some((crs.uri(), feature)))
        })
    })
    .await?;
    let (crs, feature) = response.ok_or_else(|| ApiError::NotFound(format!("no feature \"{fid}\" in \"{id}\"")))?;
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{crs}>")))
        .json(feature))
}

/// Runs `f` over a collection as served (its source loaded once, its family picked out, leads first) with
/// its listing entry.
pub(super) fn with_served<T>(
    state: &AppState,
    id: &str,
    f: impl FnOnce(&Served, &CollectionInfo) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let (source, _) = parse_id(id).ok_or_else(|| not_found(id))?;
    match &source {
        SourceId::Layer { dataset, layer } => {
            let d = state.store.dataset(dataset).map_err(|_| not_found(id))?.dataset;
            let features = layer_features(&d, layer);
            let info = pick(layer_collections(dataset, &d, layer, &features), &source, id)?;
            f(&Served::new(&features, info.family), &info)
        }
        SourceId::Findings { run } => {
            let summary = run_with_findings(state, *run).ok_or_else(|| not_found(id))?;
            let info = pick(run_collections(state, &summary)?, &source, id)?;
            let kept = kept_findings(state, *run).map_err(|_| not_found(id))?;
            let features = finding_features(&kept);
            f(&Served::new(&features, info.family), &info)
        }
    }
}

/// A collection's source, held so that tiles are drawn from it without loading it again.
pub(super) enum Held {
    Layer {
        dataset: std::sync::Arc<Dataset>,
        layer: &'static str,
    },
    Findings(std::sync::Arc<KeptFindings>),
}

impl Held {
    pub(super) fn id(&self, i: usize) -> Cow<'_, str> {
        match self {
            Held::Layer { dataset, layer } => layer_id(dataset, layer, i),
            Held::Findings(_) => Cow::Owned(finding_id(i)),
        }
    }

    pub(super) fn geometry(&self, i: usize) -> Cow<'_, Geometry<f64>> {
        match self {
            Held::Layer { dataset, layer } => layer_geometry(dataset, layer, i),
            Held::Findings(kept) => Cow::Borrowed(&kept.geometries[i]),
        }
    }

    pub(super) fn properties(&self, i: usize) -> Map<String, Value> {
        match self {
            Held::Layer { dataset, layer } => layer_properties(dataset, layer, i),
            Held::Findings(kept) => kept.properties[i].clone(),
        }
    }

    /// Still what the store holds: a layer's dataset unchanged (runs never change).
    pub(super) fn is_current(&self, now: Option<&std::sync::Arc<Dataset>>) -> bool {
        match (self, now) {
            (Held::Layer { dataset, .. }, Some(now)) => std::sync::Arc::ptr_eq(dataset, now),
            (Held::Findings(_), None) => true,
            _ => false,
        }
    }
}

/// The dataset a layer collection is served from now (`None` for a run's findings, which never change).
pub(super) fn current_dataset(state: &AppState, id: &str) -> Result<Option<std::sync::Arc<Dataset>>, ApiError> {
    match parse_id(id).ok_or_else(|| not_found(id))?.0 {
        SourceId::Layer { dataset, .. } => Ok(Some(state.store.dataset(&dataset).map_err(|_| not_found(id))?.dataset)),
        SourceId::Findings { .. } => Ok(None),
    }
}

/// A collection's source held, and its members in the source's order: (index into the source, the family's
/// part where the collection serves only part of the geometry).
pub(super) type HeldMembers = (Held, Vec<(usize, Option<Geometry<f64>>)>);

/// Holds a collection's source with its members (no properties are read).
pub(super) fn hold(state: &AppState, id: &str) -> Result<HeldMembers, ApiError> {
    let (source, _) = parse_id(id).ok_or_else(|| not_found(id))?;
    let members = |features: &Features, family: Family| {
        features
            .geometries
            .iter()
            .enumerate()
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
            let members = members(&features, info.family);
            drop(features);
            Ok((Held::Layer { dataset: d, layer }, members))
        }
        SourceId::Findings { run } => {
            let summary = run_with_findings(state, *run).ok_or_else(|| not_found(id))?;
            let info = pick(run_collections(state, &summary)?, &source, id)?;
            let kept = kept_findings(state, *run).map_err(|_| not_found(id))?;
            let members = members(&finding_features(&kept), info.family);
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
            runs.push(crate::store::keep(store.as_ref(), &judged, None).unwrap().id);
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
        let served = Served::new(&features, Family::Points);
        let order: Vec<usize> = served.members.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [4, 5, 0, 1, 2, 3]);
    }

    /// A geographic box whose western longitude is above its eastern crosses the antimeridian: two boxes,
    /// in either axis order; a projected box so written, or one upside down, is refused.
    #[test]
    fn a_bbox_across_the_antimeridian_is_two_boxes() {
        let boxes = parse_bbox("170,-10,-170,10", ServedCrs::Crs84).unwrap();
        let corners: Vec<_> = boxes
            .iter()
            .map(|b| (b.min().x, b.min().y, b.max().x, b.max().y))
            .collect();
        assert_eq!(
            corners,
            vec![(170.0, -10.0, 180.0, 10.0), (-180.0, -10.0, -170.0, 10.0)]
        );
        let lat_first = parse_bbox("-10,170,10,-170", ServedCrs::Epsg4326).unwrap();
        assert_eq!(lat_first, boxes);
        assert_eq!(parse_bbox("119,25,120,26", ServedCrs::Crs84).unwrap().len(), 1);
        assert!(parse_bbox("119,26,120,25", ServedCrs::Crs84).is_err(), "upside down");
        assert!(parse_bbox("190,0,-170,10", ServedCrs::Crs84).is_err(), "beyond ±180");
        let zone = ServedCrs::offered(crate::crs::Crs::Wgs84, Some((119.45, 26.0)))[3];
        assert!(parse_bbox("2874055,440365,2873955,440265", zone).is_err());
    }

    #[test]
    fn datetime_takes_days_and_intervals() {
        let d = |t: &str| parse_datetime(t).unwrap();
        assert_eq!(d("2023-06-01"), (Some("2023-06-01".into()), Some("2023-06-01".into())));
        assert_eq!(d("2023-06-01T00:00:00Z/.."), (Some("2023-06-01".into()), None));
        assert_eq!(d("../2021-12-31"), (None, Some("2021-12-31".into())));
        assert!(parse_datetime("2024-01-01/2023-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }
}
