//! A collection's schema (Part 5) and queryables (Part 3).

use super::*;
use crate::server::Reply;

pub(crate) fn field_schema(f: &Field) -> Value {
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

pub(crate) fn schema_document(
    base: &str,
    id: &str,
    path: &str,
    c: &CollectionInfo,
    fields: &[Field],
    geometry: bool,
) -> Value {
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
pub async fn schema(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Reply {
    schema_or_queryables(req, state, path, "schema").await
}

/// The properties a `filter` may use (Part 3).
#[utoipa::path(get, path = "/collections/{collectionId}/queryables", tag = "OGC API - Features",
    params(("collectionId" = String, Path, description = "A collection id, as /collections lists them")),
    responses((status = 200, description = "A JSON Schema of the queryable properties", content_type = "application/schema+json", body = Object),
              (status = 404, description = "No such collection", body = Exception)))]
pub async fn queryables(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Reply {
    schema_or_queryables(req, state, path, "queryables").await
}

pub(crate) async fn schema_or_queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    which: &str,
) -> Reply {
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
