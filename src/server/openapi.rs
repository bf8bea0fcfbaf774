//! The OpenAPI 3.0 document, generated from the handlers, served at `/api` and `/openapi.json`.
//!
//! GDAL and QGIS read the items page size from it: `limit` is declared once under
//! `components.parameters`, with its default and maximum, and the items path refers to it.

use super::features::{self, DEFAULT_LIMIT, MAX_LIMIT};
use super::{checks, siting};
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "carecircle", description = "养老服务设施布局合规检查 — elderly-care facility layout checks: OGC API - Features, checks, plan review, rules, coverage."),
    paths(
        features::landing,
        features::conformance,
        features::collections,
        features::collection,
        features::schema,
        features::queryables,
        features::items,
        features::item,
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
        checks::review,
        siting::site,
        checks::list_rules,
        checks::get_rule,
        checks::coverage,
    ),
    components(schemas(checks::CheckRequest, checks::ReviewRequest, siting::SiteBody, checks::ModeParam, checks::ByParam)),
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

/// The document, with `limit` moved to `components.parameters` where OGC clients look for it.
pub fn document() -> Value {
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
    if let Some(params) = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"].as_array_mut() {
        for p in params.iter_mut() {
            if p["name"] == "limit" {
                *p = json!({"$ref": "#/components/parameters/limit"});
            }
        }
    }
    doc
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::readable("/api", api))
        .service(super::readable("/openapi.json", api))
        .service(super::readable("/api.html", api_html))
        .service(super::readable("/assets/swagger-ui/{file}", swagger_asset));
}

/// The API documentation page (Swagger UI, vendored from npm and compiled in: no CDN, works offline).
async fn api_html() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
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
<script>
window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
</script>
</body>
</html>
"##;

/// Swagger UI's files, with its licence.
async fn swagger_asset(file: web::Path<String>) -> HttpResponse {
    const JS: &str = "text/javascript";
    const TEXT: &str = "text/plain; charset=utf-8";
    const FILES: [super::Embedded; 5] = [
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

async fn api() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .json(document())
}
