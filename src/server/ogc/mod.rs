//! OGC API – Features: the landing page, conformance, and collections over every layer of every dataset
//! (`demo.facilities`) and every kept run's findings (`check-1.findings-polygons`), with Part 2 (CRS),
//! Part 3 (queryables, CQL2 text filters) and Part 5 (schemas).
//!
//! GIS clients fix a layer's geometry type and field types from its first features, so every collection
//! holds one geometry family (a layer mixing points and polygons, and every run's findings, are split into
//! `-points`, `-lines` and `-polygons` collections, and a family holding any multi-geometry serves all of
//! its features as multi), publishes its schema (`describedby`), and serves first a few features that
//! between them give every nullable property a value.

//!
//! One room per part of the API: `landing` (landing page, conformance), `collections`, `items`, `schema`
//! (schemas and queryables), `crs` (Part 2's CRS), with `source` (where a collection's features come
//! from) and `fields` (what properties they carry) under them all. The tiles (`super::tiles`) draw from
//! `source`; nothing here imports the tiles.

mod collections;
pub mod crs;
mod edit;
mod fields;
mod items;
mod landing;
mod source;

pub use collections::*;
pub use edit::*;
pub use fields::*;
pub use items::*;
pub use landing::*;
#[allow(unused_imports)]
pub use schema::*;
pub use source::*;
mod schema;

use super::{base_url, blocking, readable, ApiError, AppState};
use crate::cql2::{Filter, Kind};
use crate::model::Dataset;
use crate::scope::Scope;
use crate::server::schemas::{
    Collection, Collections, Conformance, Extent, Feature, FeatureCollection, FeatureCollectionType, FeatureType,
    LandingPage, Link, SpatialExtent,
};
use actix_web::{web, HttpRequest, HttpResponse};
use crs::{ServedCrs, CRS84};
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
/// Link relations of OGC API – Tiles, named here so that the collections link to tiles without importing
/// the tiles' routes.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
pub const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/", landing))
        .service(readable("/conformance", conformance))
        .service(readable("/collections", collections))
        .service(readable("/collections/{collectionId}", collection))
        .service(readable("/collections/{collectionId}/schema", schema))
        .service(readable("/collections/{collectionId}/queryables", queryables))
        .service(
            readable("/collections/{collectionId}/items", items)
                .route(web::post().to(create_item))
                .route(web::method(actix_web::http::Method::OPTIONS).to(items_options)),
        )
        .service(
            readable("/collections/{collectionId}/items/{featureId}", item)
                .route(web::put().to(replace_item))
                .route(web::patch().to(update_item))
                .route(web::delete().to(delete_item))
                .route(web::method(actix_web::http::Method::OPTIONS).to(item_options)),
        )
        .service(readable(
            "/collections/{collectionId}/items/{featureId}/history",
            item_history,
        ));
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
