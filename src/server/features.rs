//! OGC API – Features (Core, GeoJSON, OpenAPI 3.0): the landing page, conformance, and a collection per
//! layer of every dataset (`demo.facilities`) and per check run's findings (`check-1.findings`).

use super::{base_url, readable, ApiError, AppState};
use crate::model::Dataset;
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{Geometry, Intersects, Rect};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;
const GEOJSON: &str = "application/geo+json";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const LAYERS: [&str; 5] = ["admin_units", "residential_areas", "facilities", "roads", "candidates"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/", landing))
        .service(readable("/conformance", conformance))
        .service(readable("/collections", collections))
        .service(readable("/collections/{collectionId}", collection))
        .service(readable("/collections/{collectionId}/items", items))
        .service(readable("/collections/{collectionId}/items/{featureId}", item));
}

/// The landing page: what this service is and where everything is.
#[utoipa::path(get, path = "/", tag = "OGC API - Features",
    responses((status = 200, description = "The landing page", content_type = "application/json", body = Object)))]
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let base = base_url(&req);
    Ok(HttpResponse::Ok().json(json!({
        "title": "carecircle 养老服务设施布局合规检查",
        "description": format!(
            "Elderly-care facility layout checks; {} store. Datasets and check findings as OGC API - Features collections.",
            state.store.kind()
        ),
        "links": [
            {"href": format!("{base}/"), "rel": "self", "type": "application/json", "title": "this document"},
            {"href": format!("{base}/api"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
            {"href": format!("{base}/openapi.json"), "rel": "service-desc", "type": "application/json", "title": "the API definition (JSON)"},
            {"href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "the collections"},
            {"href": format!("{base}/checks"), "rel": "related", "type": "application/json", "title": "check runs"},
            {"href": format!("{base}/rules"), "rel": "related", "type": "application/json", "title": "rules"}
        ]
    })))
}

/// Refuses query parameters a route does not know (OGC API – Features /req/core/query-param-unknown): a
/// user who types `?tier=station` must not believe they filtered. `f` (the format, always JSON here) is
/// known everywhere.
fn only_params(req: &HttpRequest, known: &[&str]) -> Result<(), ApiError> {
    let given = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("bad query string: {e}")))?;
    for (name, _) in given.iter() {
        if name != "f" && !known.contains(&name.as_str()) {
            let expected = if known.is_empty() {
                "this resource takes none (but f)".to_string()
            } else {
                format!("expected one of {}, f", known.join(", "))
            };
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter \"{name}\": {expected}"
            )));
        }
    }
    Ok(())
}

/// The conformance classes: Core, GeoJSON and OpenAPI 3.0.
#[utoipa::path(get, path = "/conformance", tag = "OGC API - Features",
    responses((status = 200, description = "Conformance classes", content_type = "application/json", body = Object)))]
pub async fn conformance(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    Ok(HttpResponse::Ok().json(json!({
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
        ]
    })))
}

/// What a collection id names.
enum Source {
    Layer { dataset: String, layer: &'static str },
    Findings { run: u64 },
}

fn parse_id(id: &str) -> Option<Source> {
    let (head, layer) = id.rsplit_once('.')?;
    if layer == "findings" {
        let run = head.strip_prefix("check-")?.parse().ok()?;
        return Some(Source::Findings { run });
    }
    let layer = LAYERS.iter().find(|l| **l == layer)?;
    Some(Source::Layer {
        dataset: head.to_string(),
        layer,
    })
}

/// One feature, before it becomes GeoJSON.
struct Item<'a> {
    id: String,
    geometry: &'a Geometry<f64>,
    properties: Map<String, Value>,
}

/// The features of a collection, lazily converted: ids and geometries first, properties on demand.
struct Features<'a> {
    geometries: Vec<(String, Cow<'a, Geometry<f64>>)>,
    properties: Box<dyn Fn(usize) -> Map<String, Value> + 'a>,
}

fn layer_features<'a>(d: &'a Dataset, layer: &str) -> Features<'a> {
    let text = |s: &str| Value::String(s.to_string());
    match layer {
        "admin_units" => Features {
            geometries: d
                .admin_units
                .iter()
                .map(|u| (u.code.clone(), Cow::Owned(Geometry::MultiPolygon(u.boundary.clone()))))
                .collect(),
            properties: Box::new(move |i| {
                let u = &d.admin_units[i];
                let mut m = Map::new();
                m.insert("code".into(), text(&u.code));
                m.insert("name".into(), text(&u.name));
                m.insert("level".into(), text(u.level.key()));
                m.insert("parent".into(), u.parent.as_deref().map_or(Value::Null, text));
                m.insert("population".into(), u.population.into());
                m.insert("elderly".into(), u.elderly.into());
                m.insert("households".into(), u.households.into());
                m.insert("central".into(), u.central.into());
                m
            }),
        },
        "residential_areas" => Features {
            geometries: d
                .residential_areas
                .iter()
                .map(|a| (a.id.clone(), Cow::Borrowed(&a.geometry)))
                .collect(),
            properties: Box::new(move |i| {
                let a = &d.residential_areas[i];
                let mut m = Map::new();
                m.insert("id".into(), text(&a.id));
                m.insert("name".into(), text(&a.name));
                m.insert("households".into(), a.households.into());
                m.insert("kind".into(), text(a.kind.key()));
                m.insert(
                    "delivered".into(),
                    a.delivered.map_or(Value::Null, |x| text(&x.to_string())),
                );
                m.insert("pool".into(), a.pool.as_deref().map_or(Value::Null, text));
                m
            }),
        },
        "facilities" => Features {
            geometries: d
                .facilities
                .iter()
                .map(|f| (f.id.clone(), Cow::Borrowed(&f.geometry)))
                .collect(),
            properties: Box::new(move |i| {
                let f = &d.facilities[i];
                let mut m = Map::new();
                m.insert("id".into(), text(&f.id));
                m.insert("name".into(), text(&f.name));
                m.insert("tier".into(), text(f.tier.key()));
                m.insert("floor_area_m2".into(), json!(f.floor_area_m2));
                m.insert("beds".into(), f.beds.into());
                m.insert("nursing_beds".into(), f.nursing_beds.into());
                m.insert("status".into(), text(f.status.key()));
                m.insert(
                    "handed_over".into(),
                    f.handed_over.map_or(Value::Null, |x| text(&x.to_string())),
                );
                // One string, as findings' `facilities` are: GIS clients take arrays as NULL or as two formats.
                m.insert("serves".into(), json!(f.serves.join(";")));
                m.insert("meal_service".into(), f.meal_service.into());
                m
            }),
        },
        "roads" => Features {
            geometries: d
                .roads
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        (i + 1).to_string(),
                        Cow::Owned(Geometry::MultiLineString(r.geometry.clone())),
                    )
                })
                .collect(),
            properties: Box::new(move |i| {
                let mut m = Map::new();
                m.insert("walkable".into(), d.roads[i].walkable.into());
                m
            }),
        },
        _ => Features {
            geometries: d
                .candidates
                .iter()
                .map(|c| (c.id.clone(), Cow::Borrowed(&c.geometry)))
                .collect(),
            properties: Box::new(move |i| {
                let c = &d.candidates[i];
                let mut m = Map::new();
                m.insert("id".into(), text(&c.id));
                m.insert("name".into(), text(&c.name));
                m.insert("floor_area_m2".into(), c.floor_area_m2.into());
                m
            }),
        },
    }
}

/// A kept run's findings, from its findings.geojson as made.
struct KeptFindings {
    geometries: Vec<Geometry<f64>>,
    properties: Vec<Map<String, Value>>,
}

fn kept_findings(state: &AppState, run: u64) -> Result<KeptFindings, ApiError> {
    let bytes = state.store.run_file(run, "findings.geojson")?;
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
    Ok(kept)
}

fn finding_features(kept: &KeptFindings) -> Features<'_> {
    Features {
        geometries: kept
            .geometries
            .iter()
            .enumerate()
            .map(|(i, g)| ((i + 1).to_string(), Cow::Borrowed(g)))
            .collect(),
        properties: Box::new(move |i| kept.properties[i].clone()),
    }
}

/// A collection's id, title and extent.
type CollectionInfo = (String, String, Option<Rect<f64>>);

/// Every collection the store holds, with its title and extent.
fn all_collections(state: &AppState) -> Result<Vec<CollectionInfo>, ApiError> {
    let mut out = Vec::new();
    for name in state.store.dataset_names()? {
        let d = state.store.dataset(&name)?.dataset;
        for layer in LAYERS {
            let f = layer_features(&d, layer);
            if f.geometries.is_empty() {
                continue;
            }
            out.push((format!("{name}.{layer}"), format!("{} — {layer}", d.name), extent(&f)));
        }
    }
    for run in state.store.runs()? {
        if !run.files.iter().any(|f| f == "findings.geojson") {
            continue;
        }
        let extent = run
            .bbox
            .map(|[a, b, c, d]| Rect::new(geo::coord! { x: a, y: b }, geo::coord! { x: c, y: d }));
        out.push((
            format!("check-{}.findings", run.id),
            format!("check {} findings — {} ({})", run.id, run.dataset, run.as_of),
            extent,
        ));
    }
    Ok(out)
}

fn extent(f: &Features) -> Option<Rect<f64>> {
    crate::spatial::extent(f.geometries.iter().map(|(_, g)| g.as_ref()))
}

fn collection_json(base: &str, id: &str, title: &str, bbox: Option<Rect<f64>>) -> Value {
    let bbox = bbox.map_or(json!([-180.0, -90.0, 180.0, 90.0]), |r| {
        json!([r.min().x, r.min().y, r.max().x, r.max().y])
    });
    json!({
        "id": id,
        "title": title,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": [
            {"href": format!("{base}/collections/{id}"), "rel": "self", "type": "application/json", "title": title},
            {"href": format!("{base}/collections/{id}/items"), "rel": "items", "type": GEOJSON, "title": "items"}
        ]
    })
}

/// Every collection: each dataset's layers and each check run's findings.
#[utoipa::path(get, path = "/collections", tag = "OGC API - Features",
    responses((status = 200, description = "The collections", content_type = "application/json", body = Object)))]
pub async fn collections(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let base = base_url(&req);
    let list: Vec<Value> = all_collections(&state)?
        .iter()
        .map(|(id, title, bbox)| collection_json(&base, id, title, *bbox))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "links": [{"href": format!("{base}/collections"), "rel": "self", "type": "application/json"}],
        "collections": list
    })))
}

/// One collection's description.
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "`<dataset>.<layer>` or `check-<id>.findings`")),
    responses((status = 200, description = "The collection", content_type = "application/json", body = Object),
              (status = 404, description = "No such collection", body = Object)))]
pub async fn collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let id = path.into_inner();
    let found = all_collections(&state)?
        .into_iter()
        .find(|(c, _, _)| *c == id)
        .ok_or_else(|| ApiError::NotFound(format!("no collection \"{id}\"")))?;
    Ok(HttpResponse::Ok().json(collection_json(&base_url(&req), &found.0, &found.1, found.2)))
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
    /// Only features meeting this box: min_lon,min_lat,max_lon,max_lat in CRS84.
    #[param(
        pattern = r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
        example = "119.39,25.96,119.44,26.0"
    )]
    pub bbox: Option<String>,
}

fn parse_bbox(text: &str) -> Result<Rect<f64>, ApiError> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::BadRequest(format!("bbox \"{text}\": expected four numbers")))?;
    match v.as_slice() {
        [a, b, c, d] | [a, b, _, c, d, _] if a <= c && b <= d && v.iter().all(|x| x.is_finite()) => {
            Ok(Rect::new(geo::coord! { x: *a, y: *b }, geo::coord! { x: *c, y: *d }))
        }
        _ => Err(ApiError::BadRequest(format!(
            "bbox \"{text}\": expected min_lon,min_lat,max_lon,max_lat with min ≤ max"
        ))),
    }
}

/// A page of a collection's features, GeoJSON, with `next` while pages remain.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "`<dataset>.<layer>` or `check-<id>.findings`"), ItemsQuery),
    responses((status = 200, description = "A page of features", content_type = "application/geo+json", body = Object),
              (status = 400, description = "Bad parameter", body = Object),
              (status = 404, description = "No such collection", body = Object)))]
pub async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ItemsQuery>,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &["limit", "offset", "bbox"])?;
    if query.limit == Some(0) {
        return Err(ApiError::BadRequest(format!(
            "limit 0: expected a page of 1 to {MAX_LIMIT} features"
        )));
    }
    let id = path.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = query.offset.unwrap_or(0);
    let bbox = query.bbox.as_deref().map(parse_bbox).transpose()?;
    let base = base_url(&req);
    with_features(&state, &id, |features| {
        let matching: Vec<usize> = (0..features.geometries.len())
            .filter(|&i| bbox.is_none_or(|b| features.geometries[i].1.intersects(&b)))
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&i| {
                feature_json(Item {
                    id: features.geometries[i].0.clone(),
                    geometry: &features.geometries[i].1,
                    properties: (features.properties)(i),
                })
            })
            .collect();
        let bbox_param = query.bbox.as_deref().map_or(String::new(), |b| format!("&bbox={b}"));
        let href = |o: usize| format!("{base}/collections/{id}/items?limit={limit}&offset={o}{bbox_param}");
        let mut links = vec![
            json!({"href": href(offset), "rel": "self", "type": GEOJSON}),
            json!({"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"}),
        ];
        if offset + page.len() < matching.len() {
            links.push(json!({"href": href(offset + page.len()), "rel": "next", "type": GEOJSON}));
        }
        if offset > 0 {
            links.push(json!({"href": href(offset.saturating_sub(limit)), "rel": "prev", "type": GEOJSON}));
        }
        HttpResponse::Ok().content_type(GEOJSON).json(json!({
            "type": "FeatureCollection",
            "numberMatched": matching.len(),
            "numberReturned": page.len(),
            "timeStamp": crate::store::now_rfc3339(),
            "links": links,
            "features": page
        }))
    })
}

/// One feature by its id.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "`<dataset>.<layer>` or `check-<id>.findings`"),
           ("featureId" = String, Path, description = "The feature's id")),
    responses((status = 200, description = "The feature", content_type = "application/geo+json", body = Object),
              (status = 404, description = "No such collection or feature", body = Object)))]
pub async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    only_params(&req, &[])?;
    let (id, fid) = path.into_inner();
    let base = base_url(&req);
    let response = with_features(&state, &id, |features| {
        let i = features.geometries.iter().position(|(f, _)| *f == fid)?;
        let mut feature = feature_json(Item {
            id: fid.clone(),
            geometry: &features.geometries[i].1,
            properties: (features.properties)(i),
        });
        feature["links"] = json!([
            {"href": format!("{base}/collections/{id}/items/{fid}"), "rel": "self", "type": GEOJSON},
            {"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"}
        ]);
        Some(HttpResponse::Ok().content_type(GEOJSON).json(feature))
    })?;
    response.ok_or_else(|| ApiError::NotFound(format!("no feature \"{fid}\" in \"{id}\"")))
}

fn with_features<T>(state: &AppState, id: &str, f: impl FnOnce(&Features) -> T) -> Result<T, ApiError> {
    let not_found = || ApiError::NotFound(format!("no collection \"{id}\""));
    match parse_id(id).ok_or_else(not_found)? {
        Source::Layer { dataset, layer } => {
            let d = state.store.dataset(&dataset).map_err(|_| not_found())?.dataset;
            let features = layer_features(&d, layer);
            if features.geometries.is_empty() {
                return Err(not_found());
            }
            Ok(f(&features))
        }
        Source::Findings { run } => {
            let kept = kept_findings(state, run).map_err(|_| not_found())?;
            let features = finding_features(&kept);
            let out = f(&features);
            Ok(out)
        }
    }
}

fn feature_json(item: Item) -> Value {
    json!({
        "type": "Feature",
        "id": item.id,
        "geometry": geojson::Geometry::from(item.geometry),
        "properties": item.properties
    })
}
