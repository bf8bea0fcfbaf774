//! OGC API – Tiles over every collection: the tileset list, the WebMercatorQuad tileset, and its tiles as
//! Mapbox Vector Tiles (`crate::tiles` encodes them). Tiles carry a strong ETag, answer `If-None-Match`
//! with 304, and are gzipped here, at the fastest level, when the client accepts it.
//!
//! The first tile of a collection indexes it ([`Tiled`]); later tiles look up only the features they
//! draw. The index is kept while the collection's dataset is the one the store holds.

use super::ogc::{current_dataset, hold, with_served, Held};
use super::schemas::{
    BoundingBox, Link, TileLayer, TileMatrix, TileMatrixLimits, TileMatrixSet, TileMatrixSetRef, TileMatrixSets,
    TileSet, TileSets,
};
use super::{base_url, readable, ApiError, AppState};
use crate::server::Reply;
use crate::tiles::{self, TileFeature, TileId, TileIndex};
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{BoundingRect, Geometry};
use std::sync::Arc;

/// From a tileset to its tile matrix set, and from the landing page to the list of them.
const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
const MVT: &str = "application/vnd.mapbox-vector-tile";
const JSON: &str = "application/json";
const WEB_MERCATOR_QUAD: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/tileMatrixSets", tile_matrix_sets))
        .service(readable("/tileMatrixSets/WebMercatorQuad", tile_matrix_set))
        .service(readable("/collections/{collectionId}/tiles", tilesets))
        .service(readable("/collections/{collectionId}/tiles/WebMercatorQuad", tileset))
        .service(readable(
            "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            tile,
        ));
}

/// The tile matrix sets served: WebMercatorQuad only.
#[utoipa::path(get, path = "/tileMatrixSets", tag = "OGC API - Tiles",
    responses((status = 200, description = "The tile matrix sets", body = TileMatrixSets)))]
pub async fn tile_matrix_sets(req: HttpRequest) -> Reply {
    super::ogc::only_params(&req, &[])?;
    let base = base_url(&req);
    Ok(HttpResponse::Ok().json(TileMatrixSets {
        tile_matrix_sets: vec![TileMatrixSetRef {
            id: "WebMercatorQuad".into(),
            title: "Google Maps Compatible for the World".into(),
            uri: WEB_MERCATOR_QUAD.into(),
            links: vec![Link::new(
                format!("{base}/tileMatrixSets/WebMercatorQuad"),
                "self",
                JSON,
            )],
        }],
    }))
}

/// WebMercatorQuad as OGC 2D Tile Matrix Set 2.0 defines it, served here so that clients on an intranet
/// need not reach opengis.net.
#[utoipa::path(get, path = "/tileMatrixSets/WebMercatorQuad", tag = "OGC API - Tiles",
    responses((status = 200, description = "The WebMercatorQuad tile matrix set", body = TileMatrixSet)))]
pub async fn tile_matrix_set(req: HttpRequest) -> Reply {
    super::ogc::only_params(&req, &[])?;
    Ok(HttpResponse::Ok().json(web_mercator_quad()))
}

fn web_mercator_quad() -> TileMatrixSet {
    // OGC 17-083r4 Annex D: 256-pixel tiles, 0.28 mm pixels for the scale denominator.
    let origin = tiles::ORIGIN_M;
    TileMatrixSet {
        id: "WebMercatorQuad".into(),
        title: "Google Maps Compatible for the World".into(),
        uri: WEB_MERCATOR_QUAD.into(),
        crs: EPSG_3857.into(),
        ordered_axes: vec!["X".into(), "Y".into()],
        well_known_scale_set: "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible".into(),
        kind: "TileMatrixSetType".into(),
        identifier: "WebMercatorQuad".into(),
        supported_crs: EPSG_3857.into(),
        bounding_box: BoundingBox {
            kind: "BoundingBoxType".into(),
            crs: EPSG_3857.into(),
            lower_corner: [-origin, -origin],
            upper_corner: [origin, origin],
        },
        tile_matrices: (0..=tiles::MAX_ZOOM)
            .map(|z| {
                let n = 1u64 << z;
                let cell_size = 2.0 * origin / 256.0 / n as f64;
                TileMatrix {
                    id: z.to_string(),
                    identifier: z.to_string(),
                    kind: "TileMatrixType".into(),
                    scale_denominator: cell_size / 0.000_28,
                    cell_size,
                    corner_of_origin: "topLeft".into(),
                    point_of_origin: [-origin, origin],
                    top_left_corner: [-origin, origin],
                    tile_width: 256,
                    tile_height: 256,
                    matrix_width: n,
                    matrix_height: n,
                }
            })
            .collect(),
    }
}

fn tileset_json(base: &str, id: &str, family: &str, extent: Option<geo::Rect<f64>>) -> TileSet {
    let here = format!("{base}/collections/{id}/tiles/WebMercatorQuad");
    let limits = extent
        .map(|r| {
            (0..=tiles::MAX_ZOOM)
                .filter_map(|z| {
                    let nw = TileId::containing(z, r.min().x, r.max().y)?;
                    let se = TileId::containing(z, r.max().x, r.min().y)?;
                    Some(TileMatrixLimits {
                        tile_matrix: z.to_string(),
                        min_tile_row: nw.y,
                        max_tile_row: se.y,
                        min_tile_col: nw.x,
                        max_tile_col: se.x,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    TileSet {
        title: format!("{id} 矢量瓦片 vector tiles"),
        data_type: "vector".into(),
        crs: EPSG_3857.into(),
        tile_matrix_set_uri: WEB_MERCATOR_QUAD.into(),
        links: vec![
            Link::new(&here, "self", JSON).titled("the tileset"),
            Link::new(
                format!("{base}/tileMatrixSets/WebMercatorQuad"),
                REL_TILING_SCHEME,
                JSON,
            )
            .titled("WebMercatorQuad"),
            Link::new(format!("{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"), "item", MVT)
                .templated()
                .titled(format!("瓦片 a tile (tileMatrix = zoom 0–{})", tiles::MAX_ZOOM)),
        ],
        tile_matrix_set_limits: limits,
        layers: vec![TileLayer {
            id: id.to_string(),
            data_type: "vector".into(),
            geometry_type: family.to_string(),
            min_tile_matrix: "0".into(),
            max_tile_matrix: tiles::MAX_ZOOM.to_string(),
        }],
    }
}

/// The geometry family a collection serves (`points`, `lines`, `polygons`) and its extent; 404 for no
/// such collection.
async fn served_family(
    state: &web::Data<AppState>,
    id: &str,
) -> Result<(&'static str, Option<geo::Rect<f64>>), ApiError> {
    let (state, id) = (state.clone(), id.to_string());
    web::block(move || with_served(&state, &id, None, |_, info| Ok((info.family.suffix(), info.extent))))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// The collection's tilesets: one, in WebMercatorQuad.
#[utoipa::path(get, path = "/collections/{collectionId}/tiles", tag = "OGC API - Tiles",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them")),
    responses((status = 200, description = "The collection's tilesets", body = TileSets),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn tilesets(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Reply {
    let (base, id, tileset) = the_tileset(&req, &state, path).await?;
    Ok(HttpResponse::Ok().json(TileSets {
        links: vec![Link::new(format!("{base}/collections/{id}/tiles"), "self", JSON)],
        tilesets: vec![tileset],
    }))
}

/// The WebMercatorQuad tileset of a collection.
#[utoipa::path(get, path = "/collections/{collectionId}/tiles/WebMercatorQuad", tag = "OGC API - Tiles",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them")),
    responses((status = 200, description = "The tileset", body = TileSet),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn tileset(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Reply {
    let (_, _, tileset) = the_tileset(&req, &state, path).await?;
    Ok(HttpResponse::Ok().json(tileset))
}

/// The collection's one tileset, with the base URL and the collection's id it was made for.
async fn the_tileset(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    path: web::Path<String>,
) -> Result<(String, String, TileSet), ApiError> {
    super::ogc::only_params(req, &[])?;
    let id = path.into_inner();
    let base = base_url(req);
    let (family, extent) = served_family(state, &id).await?;
    let tileset = tileset_json(&base, &id, family, extent);
    Ok((base, id, tileset))
}

/// One tile: the collection's features that meet it, as a Mapbox Vector Tile with one layer named after
/// the collection.
#[utoipa::path(get, path = "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", tag = "OGC API - Tiles",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them"),
           ("tileMatrix" = u8, Path, description = "The zoom", minimum = 0, maximum = 22),
           ("tileRow" = u32, Path, description = "The row, from the north, below 2^tileMatrix"),
           ("tileCol" = u32, Path, description = "The column, from the west, below 2^tileMatrix"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag of the tile already held")),
    responses((status = 200, description = "The tile (gzipped when the client accepts it)", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>,
               headers(("ETag" = String, description = "The tile's strong ETag"))),
              (status = 304, description = "The tile is the one the client holds"),
              (status = 404, description = "No such collection, or no such tile in WebMercatorQuad", body = Exception)))]
pub async fn tile(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
) -> Reply {
    super::ogc::only_params(&req, &[])?;
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
    let scope = super::policy::scope_of(&req);
    let bytes = web::block(move || {
        let tiled = tiled(&state, &id, scope.as_ref())?;
        let picked = tiled.index.pick(tile);
        let ids: Vec<_> = picked.iter().map(|k| tiled.member(*k)).collect();
        let features = picked.iter().zip(&ids).map(|(k, (i, id, geometry))| TileFeature {
            number: u64::from(*k) + 1,
            id,
            geometry,
            properties: tiled.held.properties(*i),
        });
        tiles::encode(tile, &id, features).map_err(|e| ApiError::Internal(e.to_string()))
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
        .insert_header(("Vary", "Accept-Encoding"))
        .content_type(MVT);
    if matches {
        return Ok(response.finish());
    }
    // Compressed here at the fastest level rather than by the server's middleware at its default one:
    // a tile is small and wanted now (measured: 4–14 ms a 17 KB tile there, well under 1 ms here).
    let gzip = req
        .headers()
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"))
        });
    if gzip {
        use std::io::Write;
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 2), flate2::Compression::fast());
        let zipped = encoder
            .write_all(&bytes)
            .and_then(|_| encoder.finish())
            .map_err(|e| ApiError::Internal(format!("gzip: {e}")))?;
        response.insert_header(("Content-Encoding", "gzip"));
        return Ok(response.body(zipped));
    }
    Ok(response.body(bytes))
}

/// A collection ready to tile: its source held, its members and their index.
pub struct Tiled {
    held: Held,
    /// (index into the source, the family's part where the collection serves only part of it).
    members: Vec<(usize, Option<Geometry<f64>>)>,
    index: TileIndex,
}

impl Tiled {
    /// Member `k`: its index in the source, id and geometry as served.
    fn member(&self, k: u32) -> (usize, std::borrow::Cow<'_, str>, std::borrow::Cow<'_, Geometry<f64>>) {
        let (i, part) = &self.members[k as usize];
        let geometry = part
            .as_ref()
            .map_or_else(|| self.held.geometry(*i), std::borrow::Cow::Borrowed);
        (*i, self.held.id(*i), geometry)
    }
}

/// The collection's index of what a reader of `scope` sees: kept from an earlier tile while its source
/// is unchanged, else built. Each scope has an index of its own, so that thinning a tile never lets a
/// feature outside the scope stand for one inside it.
fn tiled(state: &AppState, id: &str, scope: Option<&crate::scope::Scope>) -> Result<Arc<Tiled>, ApiError> {
    let now = current_dataset(state, id)?;
    let key = match scope {
        None => id.to_string(),
        Some(s) => format!("{id} scope {}", s.codes().collect::<Vec<_>>().join(",")),
    };
    let kept = || state.tiled.get(&key, |t| t.held.is_current(now.as_ref()));
    if let Some(found) = kept() {
        return Ok(found);
    }
    // One build at a time; whoever waited finds the index the first one built. The lock guards no data,
    // so one that a failed build poisoned is as good as any.
    let _building = state.tiling.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = kept() {
        return Ok(found);
    }
    let (held, members) = hold(state, id, scope)?;
    let index = TileIndex::new(members.iter().map(|(i, part)| match part {
        Some(p) => p.bounding_rect(),
        None => held.geometry(*i).bounding_rect(),
    }));
    // A member and its index entry take about 120 bytes; a part held apart, 16 bytes a coordinate.
    let bytes = members.len() * 120
        + members
            .iter()
            .filter_map(|(_, part)| part.as_ref())
            .map(|g| geo::CoordsIter::coords_count(g) * 16)
            .sum::<usize>();
    let built = Arc::new(Tiled { held, members, index });
    state.tiled.put(key, built.clone(), bytes);
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tile indexes are kept by the memory they take, not by count: the 25 collections of five small
    /// datasets are all kept, where a count of 16 let the first go (`recent.rs` tests letting go).
    #[test]
    fn tile_indexes_are_kept_by_memory_not_count() {
        use crate::store::embedded::EmbeddedStore;
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::load::load_dataset(std::path::Path::new("geodata/demo")).unwrap();
        let datasets = (0..5).map(|k| (format!("d{k}"), demo.clone())).collect();
        let store = Arc::new(EmbeddedStore::open(datasets, dir.path()).unwrap());
        let state = AppState::new(store, vec![], None, false);
        let layers = ["admin_units", "residential_areas", "facilities", "roads", "candidates"];
        let ids: Vec<String> = (0..5).flat_map(|k| layers.map(|l| format!("d{k}.{l}"))).collect();
        for id in &ids {
            tiled(&state, id, None).unwrap();
        }
        let (kept, total) = state.tiled.kept();
        assert_eq!(kept.len(), 25, "every small index is kept");
        assert!(total < crate::limits::TILED_BYTES / 100, "{total} bytes");
        assert_eq!(kept[0], "d0.admin_units", "the least lately tiled first");
    }
}
