//! The OpenAPI 3.0 document, generated from the handlers' annotations and the response types they
//! serialise (`schemas.rs`), served at `/api` and `/openapi.json`.
//!
//! What routes share is added to every operation here, from the code that does it: a 400 (every route
//! refuses unknown query parameters and bad path segments), a 404 for a path with parameters, a 500; 408
//! 413 and 415 where a body is read (`json_body`), 401 where the token guards the route (`authorize`),
//! 401 and 403 wherever the policy table asks for a role (`policy.rs`).
//! Ranges and vocabularies come from the constants the handlers check (`crate::limits`) and the rulesets
//! the server was started with. GDAL and QGIS read the items page size from `components.parameters.limit`.

use super::ogc::{self, DEFAULT_LIMIT, MAX_LIMIT};
use super::schemas::*;
use super::{app, audit, checks, siting, tiles, ApiError, AppState};
use crate::server::Reply;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The media type of the document, as OGC API – Features asks for it.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

#[derive(OpenApi)]
#[openapi(
    info(title = "carecircle", description = "养老服务设施布局合规检查 — elderly-care facility layout checks: OGC API - Features and Tiles, checks, plan review, siting, rules, coverage."),
    paths(
        ogc::landing,
        ogc::conformance,
        ogc::collections,
        ogc::collection,
        ogc::schema,
        ogc::queryables,
        ogc::items,
        ogc::item,
        ogc::create_item,
        ogc::replace_item,
        ogc::update_item,
        ogc::delete_item,
        ogc::items_options,
        ogc::item_options,
        ogc::item_history,
        tiles::tile_matrix_sets,
        tiles::tile_matrix_set,
        tiles::tilesets,
        tiles::tileset,
        tiles::tile,
        checks::create_check,
        checks::list_checks,
        checks::get_check,
        checks::get_findings,
        checks::get_report,
        checks::get_map_png,
        checks::get_map_svg,
        checks::get_xlsx,
        checks::get_csv,
        checks::get_compare,
        checks::void_run,
        checks::review,
        siting::site,
        checks::list_rules,
        checks::get_rule,
        checks::coverage,
        audit::audit,
        app::config,
        app::to_the_page,
        app::page,
        app::asset,
        app::vendored,
        api,
        api_at_api,
        api_html,
        swagger_asset,
    ),
    components(schemas(
        Link, LandingPage, Conformance, SpatialExtent, Extent, Collection, Collections, Feature, FeatureType,
        FeatureCollectionType, FeatureCollection, Exception, TileSets, TileSet, TileMatrixLimits, TileLayer,
        TileMatrixSets, TileMatrixSetRef, TileMatrixSet, BoundingBox, TileMatrix, CheckRun, CheckRuns, NotInForce, RunVoid, checks::VoidBody, RuleInfo, RulesetInfo,
        Rulesets, AppRuleset, AppConfig, AppOidc, SignedIn, Coverage, CoverageFeature, CoverageProperties,
        checks::CheckBody, checks::ReviewRequest, siting::SiteBody, checks::ModeParam, checks::ByParam,
        checks::CompareBy, checks::CompareFormat, AuditTrail, EditAnswer, EditVerdicts, RuleFlipBody,
        SubjectFlipBody, FeatureHistory, HistoryEntry,
    )),
    modifiers(&Bearer)
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// An error response of the shared shape.
fn exception(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Exception"}}}
    })
}

/// Replaces parameter `name` of an operation by what `to` makes of it.
fn param(doc: &mut Value, path: &str, method: &str, name: &str, to: impl Fn(&Value) -> Value) {
    if let Some(params) = doc["paths"][path][method]["parameters"].as_array_mut() {
        for p in params.iter_mut().filter(|p| p["name"] == name) {
            *p = to(p);
        }
    }
}

/// A parameter with `schema` in place of the one utoipa wrote.
fn with_schema(schema: Value) -> impl Fn(&Value) -> Value {
    move |p| {
        let mut p = p.clone();
        p["schema"] = schema.clone();
        p
    }
}

/// The document for a server holding `datasets` and applying `rulesets` (their ids).
pub fn document(datasets: &[String], ruleset_ids: &[String]) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    doc["components"]["parameters"]["limit"] = json!({
        "name": "limit",
        "in": "query",
        "description": "How many features per page.",
        "required": false,
        "style": "form",
        "explode": false,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                let needs = super::policy::access(&method.to_uppercase(), path);
                let has_body = op.get("requestBody").is_some();
                let guarded = op.get("security").is_some();
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                let mut add = |status: &str, description: &str| {
                    responses.entry(status).or_insert_with(|| exception(description));
                };
                add(
                    "400",
                    "A query parameter, path segment or value is not one this route takes: named in `detail`",
                );
                if path.contains('{') {
                    add("404", "Nothing at this path");
                }
                // Bodies are read by one function (`json_body`), writes guarded by one (`authorize`).
                if has_body {
                    add("408", "The body did not arrive in time");
                    add("413", "The body is larger than this route takes");
                    add("415", "The body is not sent as application/json, or is compressed");
                }
                if guarded {
                    add("401", "No bearer token, or not the one configured");
                }
                // Where accounts are kept, the policy table (`policy.rs`) guards every route but the open
                // ones: without a known token 401, with too small a role 403.
                if let super::policy::Access::Least(role) = needs {
                    add(
                        "401",
                        "Accounts are kept and no known personal token was sent (`carecircle users token NAME`)",
                    );
                    add(
                        "403",
                        &format!(
                            "Accounts are kept and this account's role is smaller than this route needs ({})",
                            role.key()
                        ),
                    );
                }
                add("500", "The server failed; `detail` says what it was doing");
            }
        }
    }
    let items = "/collections/{collectionId}/items";
    param(
        &mut doc,
        items,
        "get",
        "limit",
        |_| json!({"$ref": "#/components/parameters/limit"}),
    );
    param(
        &mut doc,
        items,
        "get",
        "filter-lang",
        with_schema(json!({"type": "string", "enum": [ogc::FILTER_LANG]})),
    );
    param(
        &mut doc,
        "/coverage",
        "get",
        "radius_m",
        with_schema(
            json!({"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": crate::limits::COVERAGE_RADIUS_M, "default": 700}),
        ),
    );
    param(
        &mut doc,
        "/coverage",
        "get",
        "dataset",
        with_schema(json!({"type": "string", "enum": datasets})),
    );
    param(
        &mut doc,
        "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
        "get",
        "tileMatrix",
        with_schema(json!({"type": "integer", "minimum": 0, "maximum": crate::tiles::MAX_ZOOM})),
    );
    let schemas = &mut doc["components"]["schemas"];
    schemas["SiteBody"]["properties"]["add"]["maximum"] = json!(crate::limits::SITE_MAX_ADD);
    schemas["SiteBody"]["properties"]["time_limit"]["exclusiveMinimum"] = json!(true);
    schemas["SiteBody"]["properties"]["time_limit"]["minimum"] = json!(0);
    schemas["SiteBody"]["properties"]["time_limit"]["maximum"] = json!(crate::limits::SITE_HTTP_MAX_SECONDS);
    for body in ["CheckRequest", "ReviewRequest", "SiteBody"] {
        let rulesets = &mut schemas[body]["properties"]["rulesets"];
        if rulesets["items"].is_object() {
            rulesets["items"]["enum"] = json!(ruleset_ids);
            rulesets["uniqueItems"] = json!(true);
            rulesets["maxItems"] = json!(crate::limits::RULESETS_PER_REQUEST);
        }
        let dataset = &mut schemas[body]["properties"]["dataset"];
        if dataset.is_object() {
            dataset["enum"] = json!(datasets);
        }
    }
    doc
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::readable("/api", api_at_api))
        .service(super::readable("/openapi.json", api))
        .service(super::readable("/api.html", api_html))
        .service(super::readable("/assets/swagger-ui/{file}", swagger_asset));
}

/// The API documentation page (Swagger UI, vendored from npm and compiled in: no CDN, works offline).
#[utoipa::path(get, path = "/api.html", tag = "documentation",
    responses((status = 200, description = "This document, shown by Swagger UI", content_type = "text/html")))]
pub async fn api_html() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .body(API_HTML)
}

const API_HTML: &str = r##"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>carecircle 接口文档 API</title>
<link rel="stylesheet" href="assets/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="assets/swagger-ui/swagger-ui-bundle.js"></script>
<script src="assets/swagger-ui/start.js"></script>
</body>
</html>
"##;

/// Swagger UI's files, with its licence.
#[utoipa::path(get, path = "/assets/swagger-ui/{file}", tag = "documentation",
    params(("file" = String, Path, description = "`swagger-ui-bundle.js`, `swagger-ui.css`, `LICENSE`, `NOTICE` or `swagger-ui-bundle.js.LICENSE.txt`")),
    responses((status = 200, description = "The file", content(("text/javascript" = String), ("text/css" = String), ("text/plain" = String))),
              (status = 404, description = "No such file", body = Exception)))]
pub async fn swagger_asset(file: web::Path<String>) -> HttpResponse {
    const JS: &str = "text/javascript";
    const TEXT: &str = "text/plain; charset=utf-8";
    const FILES: [super::Embedded; 6] = [
        (
            "swagger-ui-bundle.js",
            include_bytes!("assets/swagger-ui/swagger-ui-bundle.js"),
            JS,
        ),
        (
            "swagger-ui.css",
            include_bytes!("assets/swagger-ui/swagger-ui.css"),
            "text/css",
        ),
        // The page's own start, a file rather than an inline script, so its policy can forbid inline ones.
        (
            "start.js",
            b"window.ui = SwaggerUIBundle({ url: \"openapi.json\", dom_id: \"#swagger-ui\", deepLinking: true });\n",
            JS,
        ),
        ("LICENSE", include_bytes!("assets/swagger-ui/LICENSE"), TEXT),
        ("NOTICE", include_bytes!("assets/swagger-ui/NOTICE"), TEXT),
        (
            "swagger-ui-bundle.js.LICENSE.txt",
            include_bytes!("assets/swagger-ui/swagger-ui-bundle.js.LICENSE.txt"),
            TEXT,
        ),
    ];
    super::embedded(&FILES, &file, "public, max-age=86400", "asset")
}

/// This document, where OGC API – Features' `service-desc` link points.
#[utoipa::path(get, path = "/api", tag = "OGC API - Features",
    responses((status = 200, description = "The OpenAPI 3.0 document (also at /openapi.json)", content_type = "application/vnd.oai.openapi+json;version=3.0", body = Object)))]
pub async fn api_at_api(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    api(req, state).await
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "OGC API - Features",
    responses((status = 200, description = "The OpenAPI 3.0 document (also at /api)", content_type = "application/vnd.oai.openapi+json;version=3.0", body = Object)))]
pub async fn api(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    ogc::only_params(&req, &[])?;
    let ids: Vec<String> = state.rulesets.iter().map(|r| r.id.clone()).collect();
    let store = state.store.clone();
    let datasets = web::block(move || store.dataset_names())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::Ok()
        .content_type(OPENAPI_MEDIA_TYPE)
        .json(document(&datasets, &ids)))
}
