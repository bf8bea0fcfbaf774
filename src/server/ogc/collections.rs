//! `/collections` and `/collections/{collectionId}`.

use super::*;
use crate::server::Reply;

pub(crate) fn collection_json(base: &str, c: &CollectionInfo) -> Collection {
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
            Link::new(format!("{here}/tiles"), REL_TILESETS_VECTOR, "application/json")
                .titled("矢量瓦片 vector tiles (OGC API - Tiles)"),
        ],
    }
}

/// Every collection: each dataset's layers and each check run's findings, one geometry family each.
#[utoipa::path(get, path = "/collections", tag = "OGC API - Features",
    responses((status = 200, description = "The collections", content_type = "application/json", body = Collections)))]
pub async fn collections(req: HttpRequest, state: web::Data<AppState>) -> Reply {
    only_params(&req, &[])?;
    let base = base_url(&req);
    // Someone let in by `serve --anonymous-read` alone sees the layers, not the runs.
    let layers_only = state.anonymous_read && crate::server::policy::identity_of(&req).is_none();
    let all = blocking(move || all_collections(&state)).await?;
    Ok(HttpResponse::Ok().json(Collections {
        links: vec![Link::new(format!("{base}/collections"), "self", "application/json")],
        collections: all
            .iter()
            .filter(|c| !layers_only || is_layer_collection(&c.id))
            .map(|c| collection_json(&base, c))
            .collect(),
    }))
}

/// One collection's description.
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "`<dataset>.<layer>` (with `-points`, `-lines` or `-polygons` where the layer mixes them) or `check-<id>.findings-<family>`")),
    responses((status = 200, description = "The collection", content_type = "application/json", body = Collection),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn collection(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Reply {
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
