//! The landing page and the conformance classes.

use super::*;
use crate::server::Reply;

/// The landing page: what this service is and where everything is.
#[utoipa::path(get, path = "/", tag = "OGC API - Features",
    responses((status = 200, description = "The landing page", content_type = "application/json", body = LandingPage)))]
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> Reply {
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
            Link::new(format!("{base}/api"), "service-desc", crate::server::openapi::OPENAPI_MEDIA_TYPE).titled("the API definition"),
            Link::new(format!("{base}/openapi.json"), "service-desc", json).titled("the API definition (JSON)"),
            Link::new(format!("{base}/api.html"), "service-doc", html).titled("接口文档 the API documentation"),
            Link::new(format!("{base}/app/"), "service-doc", html).titled("网页应用 the web app for reviewers and auditors"),
            Link::new(format!("{base}/conformance"), "conformance", json).titled("conformance classes"),
            Link::new(format!("{base}/collections"), "data", json).titled("the collections"),
            Link::new(format!("{base}/tileMatrixSets"), REL_TILING_SCHEMES, json).titled("瓦片矩阵集 the tile matrix sets"),
            Link::new(format!("{base}/checks"), "related", json).titled("check runs"),
            Link::new(format!("{base}/rules"), "related", json).titled("rules"),
        ],
    }))
}

pub const CONFORMANCE: [&str; 21] = [
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
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
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
pub async fn conformance(req: HttpRequest) -> Reply {
    only_params(&req, &[])?;
    Ok(HttpResponse::Ok().json(Conformance {
        conforms_to: CONFORMANCE.iter().map(|c| c.to_string()).collect(),
    }))
}
