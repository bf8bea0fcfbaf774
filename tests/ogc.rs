//! OGC API – Features as GIS clients use it: one geometry family per collection, schemas that match what
//! is served, other CRSs (Part 2), CQL2 filters (Part 3), and the OpenAPI document and its HTML page.

mod common;

use actix_web::{test, App};
use carecircle::load::load_dataset;
use carecircle::server::router;
use common::{demo_state, encode, get_json};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

macro_rules! app {
    ($state_dir:expr) => {
        test::init_service(App::new().app_data(demo_state($state_dir, None)).configure(router)).await
    };
}

/// Every feature of a collection, through `limit=10000`.
macro_rules! all_items {
    ($app:expr, $id:expr) => {{
        let (status, page) = get_json(&$app, &format!("/collections/{}/items?limit=10000", $id)).await;
        assert_eq!(status, 200, "{}: {page}", $id);
        page["features"].as_array().unwrap().clone()
    }};
}

fn family(geometry_type: &str) -> &'static str {
    match geometry_type {
        "Point" | "MultiPoint" => "points",
        "LineString" | "MultiLineString" => "lines",
        "Polygon" | "MultiPolygon" => "polygons",
        other => panic!("{other} is in no family"),
    }
}

#[actix_web::test]
async fn every_collection_holds_one_geometry_family_and_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let id = common::create_run(&app, &["anxi-2022", "mawei-2020"], None).await;
    let (_, record) = get_json(&app, &format!("/checks/{id}")).await;
    let findings = record["findings"].as_array().unwrap().len();

    let (_, cols) = get_json(&app, "/collections").await;
    let ids: Vec<String> = cols["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    // The demo's layers are each of one family; its findings are areas (polygons) and facilities (points).
    assert_eq!(
        ids,
        [
            "demo.admin_units",
            "demo.residential_areas",
            "demo.facilities",
            "demo.roads",
            "demo.candidates",
            "check-1.findings-points",
            "check-1.findings-polygons"
        ]
    );
    let mut served_findings = 0;
    for id in &ids {
        let features = all_items!(app, id);
        assert!(!features.is_empty(), "{id}");
        let types: BTreeSet<&str> = features
            .iter()
            .map(|f| f["geometry"]["type"].as_str().unwrap())
            .collect();
        let families: BTreeSet<&str> = types.iter().map(|t| family(t)).collect();
        assert_eq!(families.len(), 1, "{id} mixes {types:?}");
        if let Some(suffix) = id.rsplit('-').next().filter(|_| id.starts_with("check-")) {
            assert_eq!(families.iter().next().unwrap(), &suffix, "{id}");
            served_findings += features.len();
        }

        // The schema names exactly the properties served, with their types; its geometry, the family.
        let (status, schema) = get_json(&app, &format!("/collections/{id}/schema")).await;
        assert_eq!(status, 200);
        let props = schema["properties"].as_object().unwrap();
        let format = props["geometry"]["format"].as_str().unwrap();
        for t in &types {
            let multi = t.starts_with("Multi");
            assert_eq!(
                format.starts_with("geometry-multi"),
                multi,
                "{id}: {format} serving {t}"
            );
            assert_eq!(
                format.trim_start_matches("geometry-").trim_start_matches("multi"),
                t.to_lowercase().trim_start_matches("multi")
            );
        }
        let declared: BTreeSet<&str> = props.keys().map(String::as_str).filter(|k| *k != "geometry").collect();
        for f in &features {
            let p = f["properties"].as_object().unwrap();
            let served: BTreeSet<&str> = p.keys().map(String::as_str).collect();
            assert_eq!(served, declared, "{id}");
            for (name, value) in p {
                // A nullable property's type is [kind, "null"].
                let types: Vec<&str> = match &props[name]["type"] {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    t => vec![t.as_str().unwrap()],
                };
                let kind = types[0];
                let ok = match (kind, value) {
                    (_, Value::Null) => types.contains(&"null"),
                    ("string", Value::String(s)) => {
                        props[name]["format"] != "date" || (s.len() == 10 && s.as_bytes()[4] == b'-')
                    }
                    ("integer", Value::Number(n)) => n.is_u64() || n.is_i64(),
                    ("number", Value::Number(_)) | ("boolean", Value::Bool(_)) => true,
                    _ => false,
                };
                assert!(ok, "{id}: {name} = {value} against {}", props[name]);
            }
        }
        // Queryables: the same properties, without the geometry.
        let (_, queryables) = get_json(&app, &format!("/collections/{id}/queryables")).await;
        let q: BTreeSet<&str> = queryables["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(q, declared, "{id}");
    }
    assert_eq!(served_findings, findings);

    // The run's summary links each family's collection; the unsplit name says where its features went.
    let (_, list) = get_json(&app, "/checks").await;
    let links: Vec<&str> = list["checks"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["rel"] == "collection")
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert!(links[0].ends_with("/collections/check-1.findings-points"), "{links:?}");
    assert!(
        links[1].ends_with("/collections/check-1.findings-polygons"),
        "{links:?}"
    );
    let (status, _) = get_json(&app, "/collections/check-1.findings").await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&app, "/collections/demo.facilities-polygons").await;
    assert_eq!(status, 404);
}

/// Clients type a field from the first page: every nullable property that has a value anywhere has one
/// on the first page of ten.
#[actix_web::test]
async fn the_first_page_gives_every_nullable_property_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    for id in ["demo.admin_units", "demo.residential_areas", "demo.facilities"] {
        let (_, schema) = get_json(&app, &format!("/collections/{id}/schema")).await;
        let all = all_items!(app, id);
        let (_, first) = get_json(&app, &format!("/collections/{id}/items?limit=10")).await;
        let first = first["features"].as_array().unwrap();
        let has_value = |features: &[Value], name: &str| features.iter().any(|f| !f["properties"][name].is_null());
        for (name, s) in schema["properties"].as_object().unwrap() {
            if s["description"].as_str().is_some_and(|d| d.contains("null")) && has_value(&all, name) {
                assert!(has_value(first, name), "{id}: no value of {name} on the first page");
            }
        }
        // Reordered, not lost: the same ids.
        let ids = |features: &[Value]| -> BTreeSet<String> { features.iter().map(|f| f["id"].to_string()).collect() };
        assert_eq!(ids(&all).len(), all.len());
    }
    // The demo's first facility has no beds; the first page still types beds as a number.
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    assert!(demo.facilities[0].beds.is_none());
}

#[actix_web::test]
async fn features_are_served_in_cgcs2000_and_its_gauss_kruger_zone() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (_, col) = get_json(&app, "/collections/demo.facilities").await;
    let crs: Vec<&str> = col["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        crs,
        [
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "http://www.opengis.net/def/crs/EPSG/0/4326",
            "http://www.opengis.net/def/crs/EPSG/0/4490",
            // Mawei lies in the 3-degree zone of 120°E.
            "http://www.opengis.net/def/crs/EPSG/0/4549"
        ]
    );
    assert_eq!(col["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");

    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/demo.facilities/items/S01?crs=http://www.opengis.net/def/crs/EPSG/0/4549")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers().get("Content-Crs").unwrap(),
        "<http://www.opengis.net/def/crs/EPSG/0/4549>"
    );
    let s01: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    let c = &s01["geometry"]["coordinates"];
    // S01 at 119.40399683087828°E 25.973233920229966°N; PROJ 9.5 (pyproj 3.7.2,
    // Transformer.from_crs("OGC:CRS84", "EPSG:4549")) gives northing 2874005.1726, easting 440315.3409.
    assert!((c[0].as_f64().unwrap() - 2_874_005.172_6).abs() < 0.001, "{c}");
    assert!((c[1].as_f64().unwrap() - 440_315.340_9).abs() < 0.001, "{c}");

    let (_, lat_first) = get_json(&app, "/collections/demo.facilities/items/S01?crs=%5BEPSG:4490%5D").await;
    assert_eq!(
        lat_first["geometry"]["coordinates"],
        json!([25.973233920229966, 119.40399683087828])
    );
    let (_, plain) = get_json(&app, "/collections/demo.facilities/items/S01").await;
    assert_eq!(
        plain["geometry"]["coordinates"],
        json!([119.40399683087828, 25.973233920229966])
    );

    // A 100 m box around S01 given in the zone, northing first, finds it and little else.
    let (status, near) = get_json(
        &app,
        "/collections/demo.facilities/items?bbox=2873955,440265,2874055,440365&bbox-crs=EPSG:4549&crs=EPSG:4549",
    )
    .await;
    assert_eq!(status, 200, "{near}");
    let ids: Vec<&str> = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"S01") && ids.len() < 4, "{ids:?}");

    let (status, bad) = get_json(&app, "/collections/demo.facilities/items?crs=EPSG:3857").await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().contains("4549"), "{bad}");
    let (_, conf) = get_json(&app, "/conformance").await;
    assert!(conf["conformsTo"]
        .as_array()
        .unwrap()
        .contains(&json!("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs")));
}

#[actix_web::test]
async fn cql2_filters_select_what_the_data_holds() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let count =
        |pred: &dyn Fn(&carecircle::model::Facility) -> bool| demo.facilities.iter().filter(|f| pred(f)).count();
    let cases: Vec<(&str, usize)> = vec![
        (
            "tier='station' AND status='operating'",
            count(&|f| f.tier.key() == "station" && f.status.key() == "operating"),
        ),
        ("beds > 10", count(&|f| f.beds.is_some_and(|b| b > 10))),
        ("NOT (beds > 100)", count(&|f| f.beds.is_some_and(|b| b <= 100))),
        ("name LIKE '%社区%'", count(&|f| f.name.contains("社区"))),
        (
            "floor_area_m2 BETWEEN 300 AND 800",
            count(&|f| (300.0..=800.0).contains(&f.floor_area_m2)),
        ),
        ("handed_over IS NULL", count(&|f| f.handed_over.is_none())),
        (
            "tier IN ('daycare_center', 'regional_center') OR meal_service = true",
            count(&|f| matches!(f.tier.key(), "daycare_center" | "regional_center") || f.meal_service == Some(true)),
        ),
    ];
    for (filter, expected) in cases {
        assert!(
            expected > 0 && expected < demo.facilities.len(),
            "{filter} should select some, not all"
        );
        let uri = format!("/collections/demo.facilities/items?limit=5&filter={}", encode(filter));
        let (status, page) = get_json(&app, &uri).await;
        assert_eq!(status, 200, "{filter}: {page}");
        assert_eq!(page["numberMatched"].as_u64().unwrap() as usize, expected, "{filter}");
        // The next page keeps the filter.
        let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next");
        if expected > 5 {
            let href = next.unwrap()["href"].as_str().unwrap();
            let (_, second) = get_json(&app, &href[href.find("/collections").unwrap()..]).await;
            assert_eq!(second["numberMatched"], page["numberMatched"], "{filter}");
        }
    }
    // datetime selects by the day a facility was handed over (those without a day are left out).
    let (_, early) = get_json(&app, "/collections/demo.facilities/items?datetime=../2020-12-31").await;
    let expected = count(&|f| f.handed_over.is_some_and(|d| d.to_string().as_str() <= "2020-12-31"));
    assert!(expected > 0);
    assert_eq!(early["numberMatched"].as_u64().unwrap() as usize, expected);

    let (status, bad) = get_json(
        &app,
        &format!("/collections/demo.facilities/items?filter={}", encode("tire='station'")),
    )
    .await;
    assert_eq!(status, 400);
    let detail = bad["detail"].as_str().unwrap();
    assert!(
        detail.contains("unknown property \"tire\"") && detail.contains("tier"),
        "{detail}"
    );
    let (status, bad) = get_json(&app, "/collections/demo.facilities/items?tier=station").await;
    assert_eq!(status, 400);
    assert!(
        bad["detail"].as_str().unwrap().contains("filter=tier='station'"),
        "{bad}"
    );
    let (status, _) = get_json(
        &app,
        "/collections/demo.facilities/items?filter=beds%3E1&filter-lang=cql2-json",
    )
    .await;
    assert_eq!(status, 400);
}

#[actix_web::test]
async fn the_api_document_types_its_parameters_and_bodies_and_has_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (_, api) = get_json(&app, "/api").await;
    let items = &api["paths"]["/collections/{collectionId}/items"]["get"];
    let param = |name: &str| {
        items["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .clone()
    };
    let bbox = param("bbox");
    assert_eq!(
        (bbox["style"].as_str(), bbox["explode"].as_bool()),
        (Some("form"), Some(false))
    );
    assert_eq!(bbox["schema"]["type"], "array");
    assert_eq!(bbox["schema"]["items"]["type"], "number");
    assert_eq!(
        (bbox["schema"]["minItems"].as_u64(), bbox["schema"]["maxItems"].as_u64()),
        (Some(4), Some(6))
    );
    for name in ["datetime", "filter", "filter-lang", "crs", "bbox-crs"] {
        assert_eq!(param(name)["in"], "query", "{name}");
    }
    // Response schemas are references into components.schemas, which hold them.
    let resolve = |schema: &Value| -> Value {
        let name = schema["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/components/schemas/");
        api["components"]["schemas"][name].clone()
    };
    let ok = resolve(&items["responses"]["200"]["content"]["application/geo+json"]["schema"]);
    assert!(ok["properties"]["numberMatched"].is_object(), "{ok}");
    let landing = resolve(&api["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]);
    assert!(landing["properties"]["links"].is_object(), "{landing}");

    let (_, root) = get_json(&app, "/").await;
    let doc = root["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "service-doc")
        .unwrap();
    assert_eq!(doc["type"], "text/html");
    let resp = test::call_service(&app, test::TestRequest::get().uri("/api.html").to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains("assets/swagger-ui/swagger-ui-bundle.js") && !html.contains("https://"));
    for (asset, kind) in [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("LICENSE", "text/plain; charset=utf-8"),
    ] {
        let resp = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/assets/swagger-ui/{asset}"))
                .to_request(),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200, "{asset}");
        assert_eq!(resp.headers().get("content-type").unwrap(), kind);
        assert!(test::read_body(resp).await.len() > 1000, "{asset}");
    }
}

/// A box across the antimeridian, from 119.45° E eastwards to 179° W, holds the demo's facilities east of
/// 119.45° E: 58 of 96, counted by hand from the file.
#[actix_web::test]
async fn a_bbox_across_the_antimeridian_selects_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (status, page) = get_json(
        &app,
        "/collections/demo.facilities/items?bbox=119.45,25.9,-179,26.1&limit=1000",
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["numberMatched"], 58);
    let (status, page) = get_json(&app, "/collections/demo.facilities/items?bbox=170,25.9,-179,26.1").await;
    assert_eq!((status, page["numberMatched"].as_u64()), (200, Some(0)));
}
