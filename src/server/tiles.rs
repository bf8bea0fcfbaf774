//! OGC API – Tiles over every collection: the tileset list, the WebMercatorQuad tileset, and its tiles as
//! Mapbox Vector Tiles (`crate::tiles` encodes them). Tiles carry a strong ETag, answer `If-None-Match`
//! with 304, and are compressed by the server's middleware when the client accepts it.

use super::features::with_served;
use super::{base_url, readable, ApiError, AppState};
use crate::tiles::{self, TileFeature, TileId};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// The link relation from a collection to its vector tilesets.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
const MVT: &str = "application/vnd.mapbox-vector-tile";
const WEB_MERCATOR_QUAD: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/collections/{collectionId}/tiles", tilesets))
        .service(readable("/collections/{collectionId}/tiles/WebMercatorQuad", tileset))
        .service(readable(
            "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            tile,
        ));
}

fn tileset_json(base: &str, id: &str, family: &str) -> Value {
    let here = format!("{base}/collections/{id}/tiles/WebMercatorQuad");
    json!({
        "title": format!("{id} 矢量瓦片 vector tiles"),
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"href": here, "rel": "self", "type": "application/json", "title": "the tileset"},
            {"href": WEB_MERCATOR_QUAD, "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "title": "WebMercatorQuad"},
            {"href": format!("{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"), "rel": "item", "type": MVT, "templated": true,
             "title": "瓦片 a tile (tileMatrix = zoom 0–22)"}
        ],
        "layers": [{"id": id, "dataType": "vector", "geometryType": family, "minTileMatrix": "0",
                    "maxTileMatrix": tiles::MAX_ZOOM.to_string()}]
    })
}

/// The geometry family a collection serves (`points`, `lines`, `polygons`); 404 for no such collection.
async fn served_family(state: &web::Data<AppState>, id: &str) -> Result<&'static str, ApiError> {
    let (state, id) = (state.clone(), id.to_string());
    web::block(move || with_served(&state, &id, |_, info| Ok(info.family.suffix())))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// The collection's tilesets: one, in WebMercatorQuad.
pub async fn tilesets(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let base = base_url(&req);
    let family = served_family(&state, &id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "links": [{"href": format!("{base}/collections/{id}/tiles"), "rel": "self", "type": "application/json"}],
        "tilesets": [tileset_json(&base, &id, family)]
    })))
}

/// The WebMercatorQuad tileset of a collection.
pub async fn tileset(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let base = base_url(&req);
    let family = served_family(&state, &id).await?;
    Ok(HttpResponse::Ok().json(tileset_json(&base, &id, family)))
}

/// One tile: the collection's features that meet it, as a Mapbox Vector Tile with one layer named after
/// the collection.
pub async fn tile(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, z, y, x) = path.into_inner();
    let number = |name: &str, v: &str| {
        v.parse::<u32>()
            .map_err(|_| ApiError::BadRequest(format!("{name} \"{v}\": expected a whole number")))
    };
    let (z, y, x) = (
        number("tileMatrix", &z)?,
        number("tileRow", &y)?,
        number("tileCol", &x)?,
    );
    let tile = u8::try_from(z).ok().and_then(|z| TileId::new(z, x, y)).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no tile {z}/{y}/{x} in WebMercatorQuad: tileMatrix 0–{}, tileRow and tileCol below 2^tileMatrix",
            tiles::MAX_ZOOM
        ))
    })?;
    let bytes = web::block(move || {
        with_served(&state, &id, |served, _| {
            let features = served.members.iter().map(|(i, g)| TileFeature {
                id: &served.features.geometries[*i].0,
                geometry: g,
                properties: (served.features.properties)(*i),
            });
            tiles::encode(tile, &id, features).map_err(|e| ApiError::Internal(e.to_string()))
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let etag = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&bytes);
        format!(
            "\"{}\"",
            digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    let matches = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(("ETag", etag))
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type(MVT);
    Ok(if matches {
        response.finish()
    } else {
        response.body(bytes)
    })
}
