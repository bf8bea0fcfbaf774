//! The HTTP service on the embedded store, through the router the server uses (`actix_web::test`).

mod common;

use actix_web::{test, web, App};
use carecircle::load::load_dataset;
use carecircle::rules::load_ruleset;
use carecircle::server::{router, AppState};
use common::{demo_state, get_json};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

const TOKEN: &str = "s3cret-token-for-tests";

macro_rules! app {
    ($state_dir:expr) => {
        test::init_service(
            App::new()
                .app_data(demo_state($state_dir, Some(TOKEN)))
                .configure(router),
        )
        .await
    };
}

#[actix_web::test]
async fn landing_conformance_and_collections_follow_ogc_api_features() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (status, landing) = get_json(&app, "/").await;
    assert_eq!(status, 200);
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel}");
    }
    let (_, conf) = get_json(&app, "/conformance").await;
    let classes = conf["conformsTo"].as_array().unwrap();
    for class in ["conf/core", "conf/geojson", "conf/oas30"] {
        assert!(classes.iter().any(|c| c.as_str().unwrap().ends_with(class)), "{class}");
    }
    let (_, cols) = get_json(&app, "/collections").await;
    let ids: Vec<&str> = cols["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "demo.admin_units",
            "demo.residential_areas",
            "demo.facilities",
            "demo.roads",
            "demo.candidates"
        ]
    );
    for c in cols["collections"].as_array().unwrap() {
        let bbox = &c["extent"]["spatial"]["bbox"][0];
        assert!((119.3..119.7).contains(&bbox[0].as_f64().unwrap()), "{c}");
        assert_eq!(
            c["extent"]["spatial"]["crs"],
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        );
    }
    let (status, one) = get_json(&app, "/collections/demo.facilities").await;
    assert_eq!((status, one["id"].as_str()), (200, Some("demo.facilities")));
    let (status, missing) = get_json(&app, "/collections/demo.parks").await;
    assert_eq!(status, 404);
    assert!(missing["detail"].as_str().unwrap().contains("demo.parks"));
}

#[actix_web::test]
async fn items_page_with_next_links_until_every_feature_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let mut uri = "/collections/demo.facilities/items?limit=10".to_string();
    let mut ids = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let resp = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
        assert_eq!(resp.headers().get("content-type").unwrap(), "application/geo+json");
        let page: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
        assert_eq!(page["numberMatched"], 96);
        let features = page["features"].as_array().unwrap();
        assert_eq!(page["numberReturned"].as_u64().unwrap() as usize, features.len());
        for f in features {
            assert!(ids.insert(f["id"].as_str().unwrap().to_string()), "{} twice", f["id"]);
        }
        pages += 1;
        let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next");
        match next {
            Some(l) => {
                uri = l["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://localhost:8080")
                    .to_string()
            }
            None => break,
        }
    }
    assert_eq!((ids.len(), pages), (96, 10));

    // A box around 罗星街道 holds fewer features; a bad box is a 400 with a JSON body.
    let (_, boxed) = get_json(
        &app,
        "/collections/demo.facilities/items?bbox=119.398,25.968,119.434,25.993&limit=1000",
    )
    .await;
    let n = boxed["numberMatched"].as_u64().unwrap();
    assert!(n > 5 && n < 96, "{n}");
    let (status, bad) = get_json(&app, "/collections/demo.facilities/items?bbox=1,2,x").await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().contains("bbox"));
    let (status, bad) = get_json(&app, "/collections/demo.facilities/items?limit=-3").await;
    assert_eq!(status, 400, "{bad}");

    let (status, item) = get_json(&app, "/collections/demo.facilities/items/S01").await;
    assert_eq!((status, item["id"].as_str()), (200, Some("S01")));
    assert_eq!(item["properties"]["name"], "沿山社区居家养老服务站");
    let (status, _) = get_json(&app, "/collections/demo.facilities/items/NOPE").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn checks_need_the_token_and_come_back_as_the_contract_document() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let body = json!({"dataset": "demo", "rulesets": ["anxi-2022"], "mode": "audit", "by": "street"});
    let resp = test::call_service(
        &app,
        test::TestRequest::post().uri("/checks").set_json(&body).to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 401);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/checks")
            .insert_header(("Authorization", "Bearer wrong-token-of-same-size"))
            .set_json(&body)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 401);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/checks")
            .insert_header(("Authorization", format!("Bearer {TOKEN}")))
            .set_json(&body)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert_eq!(created["id"], 1);

    // The same document the CLI prints (DATA-CONTRACT §4), judged by the same engine.
    let (status, doc) = get_json(&app, "/checks/1").await;
    assert_eq!(status, 200);
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let anxi = load_ruleset(Path::new("rules/anxi-2022.toml")).unwrap();
    let report = carecircle::engine::judge(&demo, &[anxi], carecircle::model::Mode::Audit);
    assert_eq!(doc["findings"].as_array().unwrap().len(), report.findings.len());
    assert_eq!(doc["summary"].as_array().unwrap().len(), report.outcomes.len());
    assert_eq!(doc["rulesets"][0]["id"], "anxi-2022");
    assert!(doc["by_unit"].as_array().unwrap().len() == 4 * report.outcomes.len());

    let (_, list) = get_json(&app, "/checks").await;
    assert_eq!(list["checks"].as_array().unwrap().len(), 1);
    let (_, findings) = get_json(&app, "/checks/1/findings").await;
    assert_eq!(findings["features"].as_array().unwrap().len(), report.findings.len());
    let mut matched = 0;
    for family in ["points", "polygons"] {
        let (_, col) = get_json(&app, &format!("/collections/check-1.findings-{family}/items?limit=5")).await;
        matched += col["numberMatched"].as_u64().unwrap() as usize;
    }
    assert_eq!(matched, report.findings.len());
    let (status, _) = get_json(&app, "/checks/99").await;
    assert_eq!(status, 404);

    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/checks/1/findings.xlsx").to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(test::read_body(resp).await.starts_with(b"PK"));
    let resp = test::call_service(&app, test::TestRequest::get().uri("/checks/1/report.html").to_request()).await;
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains("anxi-2022/service-radius"));
    let resp = test::call_service(&app, test::TestRequest::get().uri("/checks/1/map.svg").to_request()).await;
    assert_eq!(resp.status().as_u16(), 200, "a CJK font is installed by scripts/test");
    let resp = test::call_service(&app, test::TestRequest::get().uri("/checks/1/map.png").to_request()).await;
    assert!(test::read_body(resp).await.starts_with(b"\x89PNG"));
}

#[actix_web::test]
async fn bad_bodies_get_json_errors_never_500() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let auth = ("Authorization", format!("Bearer {TOKEN}"));
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("/checks", b"{\"dataset\": ".to_vec(), 400),
        ("/checks", br#"{"dataset": "demo", "mode": "sideways"}"#.to_vec(), 400),
        ("/checks", br#"{"dataset": "demo", "rulesets": ["nope"]}"#.to_vec(), 400),
        ("/checks", br#"{"dataset": "demo", "colour": "red"}"#.to_vec(), 400),
        ("/checks", br#"{"dataset": "atlantis"}"#.to_vec(), 404),
        ("/checks", br#"{"dataset": "demo", "as_of": "2030-01-01"}"#.to_vec(), 400),
        ("/review", br#"{"dataset": "demo", "proposal": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"layer": "parks"}, "geometry": null}]}}"#.to_vec(), 400),
        ("/review", br#"{"dataset": "demo", "proposal": 7}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "anxi-2022/service-radius"}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "anxi-2022/service-radius", "add": 2, "cover_all": true}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "anxi-2022/service-radius", "add": 0}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "anxi-2022/service-radius", "add": 2, "time_limit": 1e9}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "anxi-2022/new-area-ratio", "add": 2}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "demo", "rule": "nope/radius", "add": 2}"#.to_vec(), 400),
        ("/site", br#"{"dataset": "atlantis", "rule": "anxi-2022/service-radius", "add": 2}"#.to_vec(), 404),
        // A position with one number: a 400 naming it, not a panic that drops the connection.
        ("/review", br#"{"dataset": "demo", "proposal": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"layer": "facilities", "id": "X", "name": "x", "tier": "station", "floor_area_m2": 300, "status": "planned"}, "geometry": {"type": "MultiPoint", "coordinates": [[1]]}}]}}"#.to_vec(), 400),
    ];
    for (uri, body, expected) in cases {
        let resp = test::call_service(
            &app,
            test::TestRequest::post()
                .uri(uri)
                .insert_header(auth.clone())
                .insert_header(("content-type", "application/json"))
                .set_payload(body.clone())
                .to_request(),
        )
        .await;
        let status = resp.status().as_u16();
        let json: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap_or(Value::Null);
        assert_eq!(status, expected, "{uri} {}: {json}", String::from_utf8_lossy(&body));
        assert!(json["detail"].is_string(), "{json}");
    }
    let huge = vec![b' '; carecircle::limits::BODY_BYTES + 10];
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/review")
            .insert_header(("content-type", "application/json"))
            .set_payload(huge)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 413);
}

#[actix_web::test]
async fn review_rules_coverage_and_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let proposal: Value =
        serde_json::from_slice(&std::fs::read("geodata/proposals/langqi-jiangjing.geojson").unwrap()).unwrap();
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/review")
            .set_json(json!({"dataset": "demo", "rulesets": ["anxi-2022"], "proposal": proposal}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let verdict: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert_eq!(verdict["pass"], false);
    let ratio = verdict["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "anxi-2022/new-area-ratio")
        .unwrap();
    assert_eq!(
        (ratio["measured"].as_f64(), ratio["required"].as_f64()),
        (Some(320.0), Some(720.0))
    );
    // 琅岐镇 lacks an institution with or without the estate: an existing gap, not the proposal's.
    assert_eq!(verdict["existing_gaps"], 1);
    let institution = verdict["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "anxi-2022/township-institution")
        .unwrap();
    assert_eq!(
        (&institution["pass"], &institution["existing_gaps"][0]["name"]),
        (&json!(true), &json!("琅岐镇"))
    );

    let (_, rules) = get_json(&app, "/rules").await;
    assert_eq!(rules["rulesets"].as_array().unwrap().len(), common::RULES.len());
    let (status, rule) = get_json(&app, "/rules/anxi-2022/service-radius").await;
    assert_eq!((status, rule["clause"].as_str()), (200, Some("二(二)7")));
    let (status, _) = get_json(&app, "/rules/anxi-2022/nope").await;
    assert_eq!(status, 404);

    let (status, cov) = get_json(&app, "/coverage?dataset=demo&tiers=station,daycare_center&radius_m=700").await;
    assert_eq!(status, 200);
    let features = cov["features"].as_array().unwrap();
    assert_eq!(features[0]["id"], "covered");
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    // Every area out of reach is listed, and each lies outside the covered polygons.
    let covered: geo::MultiPolygon<f64> = serde_json::from_value::<geojson::Geometry>(features[0]["geometry"].clone())
        .unwrap()
        .try_into()
        .unwrap();
    for f in &features[1..] {
        let area: geo::Geometry<f64> = serde_json::from_value::<geojson::Geometry>(f["geometry"].clone())
            .unwrap()
            .try_into()
            .unwrap();
        let c = geo::Centroid::centroid(&area).unwrap();
        assert!(!geo::Contains::contains(&covered, &c), "{}", f["id"]);
        assert!(f["properties"]["nearest_m"].as_f64().unwrap() > 700.0);
    }
    assert!(features.len() > 1);
    let (status, _) = get_json(&app, "/coverage?dataset=demo&tiers=spa").await;
    assert_eq!(status, 400);

    let (_, api) = get_json(&app, "/api").await;
    assert_eq!(api["openapi"], "3.0.3");
    assert_eq!(api["components"]["parameters"]["limit"]["schema"]["maximum"], 10_000);
    assert_eq!(api["components"]["parameters"]["limit"]["schema"]["default"], 100);
    let items = &api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"];
    assert!(items
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["$ref"] == "#/components/parameters/limit"));
    for path in [
        "/checks",
        "/review",
        "/site",
        "/rules",
        "/coverage",
        "/collections/{collectionId}/items/{featureId}",
    ] {
        assert!(api["paths"][path].is_object(), "{path}");
    }
}

/// Forwarded headers are ignored unless the server is told it sits behind a proxy; even then only an
/// http(s) scheme and a well-formed host are used. The bearer scheme is case-insensitive.
#[actix_web::test]
async fn forwarded_headers_are_trusted_only_behind_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "javascript"),
        ("Forwarded", "host=evil.example;proto=javascript"),
    ];
    let landing = |app_state: web::Data<AppState>| async move {
        let app = test::init_service(App::new().app_data(app_state).configure(router)).await;
        let mut req = test::TestRequest::get()
            .uri("/")
            .insert_header(("Host", "carecircle.bureau:8080"));
        for h in hostile {
            req = req.insert_header(h);
        }
        let body: Value = test::call_and_read_body_json(&app, req.to_request()).await;
        body["links"][0]["href"].as_str().unwrap().to_string()
    };
    let plain = demo_state(dir.path(), Some(TOKEN));
    assert_eq!(landing(plain).await, "http://carecircle.bureau:8080/");

    let other = tempfile::tempdir().unwrap();
    let mut behind = AppState::new(
        Arc::clone(&demo_state(other.path(), Some(TOKEN)).store),
        vec![],
        None,
        false,
    );
    behind.trust_proxy = true;
    let behind = web::Data::new(behind);
    // Trusted, the host is used but the javascript scheme is not.
    assert_eq!(landing(behind.clone()).await, "http://evil.example/");
    let app = test::init_service(App::new().app_data(behind).configure(router)).await;
    let body: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/")
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("X-Forwarded-Host", "gis.bureau.gov.cn"))
            .insert_header(("X-Forwarded-Prefix", "/carecircle/"))
            .to_request(),
    )
    .await;
    assert_eq!(body["links"][0]["href"], "https://gis.bureau.gov.cn/carecircle/");

    // POST /checks answers with a Location built the same way, and `bearer` in lower case is accepted.
    let app = test::init_service(
        App::new()
            .app_data(demo_state(dir.path(), Some(TOKEN)))
            .configure(router),
    )
    .await;
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/checks")
            .insert_header(("Authorization", format!("bearer {TOKEN}")))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .insert_header(("X-Forwarded-Proto", "javascript"))
            .set_json(json!({"dataset": "demo", "rulesets": ["mawei-2020"]}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp.headers().get("Location").unwrap().to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://localhost") && !location.contains("evil"),
        "{location}"
    );
}

/// Every request is bounded: a proposal of more features than a project has, a coverage radius past 2 km.
#[actix_web::test]
async fn requests_past_their_bounds_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let feature = json!({"type": "Feature", "properties": {"layer": "facilities", "id": "X", "name": "x",
        "tier": "station", "floor_area_m2": 300, "status": "planned"},
        "geometry": {"type": "Point", "coordinates": [119.45, 25.99]}});
    let features: Vec<Value> = (0..1001).map(|_| feature.clone()).collect();
    let body = json!({"dataset": "demo", "proposal": {"type": "FeatureCollection", "features": features}});
    let resp = test::call_service(
        &app,
        test::TestRequest::post().uri("/review").set_json(&body).to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    let json: Value = test::read_body_json(resp).await;
    assert!(
        json["detail"].as_str().unwrap().contains("at most 1000 features"),
        "{json}"
    );

    let (status, json) = get_json(&app, "/coverage?dataset=demo&radius_m=100000").await;
    assert_eq!(status, 400);
    assert!(json["detail"].as_str().unwrap().contains("at most 2000"), "{json}");
    let (status, _) = get_json(&app, "/coverage?dataset=demo&radius_m=700").await;
    assert_eq!(status, 200);
}

/// HTTP as clients expect it: HEAD wherever GET is, 405 with Allow for other methods, 404 with a JSON body
/// for unknown routes, 400 for a page of 0 and for query parameters a route does not know.
#[actix_web::test]
async fn http_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    for uri in [
        "/",
        "/collections",
        "/collections/demo.facilities/items?limit=2",
        "/rules",
        "/api",
    ] {
        let resp = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri(uri)
                .to_request(),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200, "HEAD {uri}");
    }
    let resp = test::call_service(&app, test::TestRequest::delete().uri("/checks").to_request()).await;
    assert_eq!(resp.status().as_u16(), 405);
    let allow = resp.headers().get("Allow").unwrap().to_str().unwrap().to_string();
    for m in ["GET", "HEAD", "POST"] {
        assert!(allow.contains(m), "{allow}");
    }
    let body: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert_eq!(body["error"], "Method Not Allowed");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("DELETE /checks is not allowed here: use "),
        "{body}"
    );
    let resp = test::call_service(&app, test::TestRequest::get().uri("/review").to_request()).await;
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers().get("content-type").unwrap(), "application/json");
    let body: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert!(body["detail"].as_str().unwrap().contains("use POST"), "{body}");

    let (status, json) = get_json(&app, "/no/such/route").await;
    assert_eq!(status, 404);
    assert!(json["detail"].as_str().unwrap().contains("/no/such/route"), "{json}");
    let (status, json) = get_json(&app, "/collections/demo.facilities/items?limit=0").await;
    assert_eq!(status, 400, "{json}");
    // Past the page's bound, refused: nothing is cut short in silence.
    let (status, json) = get_json(&app, "/collections/demo.facilities/items?limit=10001").await;
    assert_eq!(status, 400, "{json}");
    assert!(json["detail"].as_str().unwrap().contains("1 to 10000"), "{json}");
    let (status, json) = get_json(&app, "/collections/demo.facilities/items?tier=station").await;
    assert_eq!(status, 400);
    assert!(json["detail"].as_str().unwrap().contains("\"tier\""), "{json}");
    let (status, _) = get_json(&app, "/collections?tier=station").await;
    assert_eq!(status, 400);
    let (status, _) = get_json(&app, "/collections/demo.facilities/items?f=json&limit=3").await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&app, "/coverage?dataset=demo&radius=700").await;
    assert_eq!(status, 400);
}

/// `serves` reaches GIS clients as one string, as findings' `facilities` do (QGIS takes arrays as NULL).
#[actix_web::test]
async fn list_properties_are_served_as_one_string() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (_, page) = get_json(&app, "/collections/demo.facilities/items?limit=10000").await;
    let serving: Vec<&Value> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"]["serves"])
        .filter(|s| s.as_str().is_some_and(|s| s.contains(';')))
        .collect();
    assert!(!serving.is_empty(), "the demo has facilities serving two areas");
    assert!(page["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["serves"].is_string()));
}

/// `POST /site` needs the token and answers as `carecircle site --format json` does: the same sites, the
/// same households (tests/site_cli.rs checks those against `check` itself).
#[actix_web::test]
async fn siting_over_http_is_the_command_s_answer() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let body = json!({"dataset": "demo", "rule": "anxi-2022/service-radius", "add": 3, "rulesets": ["anxi-2022"]});
    let resp = test::call_service(
        &app,
        test::TestRequest::post().uri("/site").set_json(&body).to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 401);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/site")
            .insert_header(("Authorization", format!("Bearer {TOKEN}")))
            .set_json(&body)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let doc: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    let cli = common::carecircle(&common::site_anxi("geodata/demo", &["--add", "3", "--format", "json"]));
    let expected: Value = serde_json::from_slice(&cli.stdout).unwrap();
    for key in [
        "chosen",
        "covered_households",
        "before_households",
        "upper_bound",
        "optimal",
        "too_small",
        "sites",
    ] {
        assert_eq!(doc[key], expected[key], "{key}");
    }
    assert_eq!(doc["optimal"], true);
}

/// OGC API – Tiles: each collection links its tilesets; a tile comes with a strong ETag that answers
/// If-None-Match with 304; tiles beyond the grid are 404 and malformed ones 400.
#[actix_web::test]
async fn collections_serve_vector_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (_, c) = get_json(&app, "/collections/demo.facilities").await;
    assert!(c["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"));
    let (status, sets) = get_json(&app, "/collections/demo.facilities/tiles").await;
    assert_eq!(status, 200);
    let template = sets["tilesets"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        template.ends_with("/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"),
        "{template}"
    );
    assert_eq!(sets["tilesets"][0]["layers"][0]["geometryType"], "points");
    // The tile matrix set is linked typed and served here, not at opengis.net, which an intranet cannot
    // reach; its zoom 0 is one 256-pixel tile of 156 543.03 m pixels.
    let scheme = sets["tilesets"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")
        .unwrap();
    assert_eq!(scheme["type"], "application/json");
    let href = scheme["href"].as_str().unwrap();
    assert!(
        href.ends_with("/tileMatrixSets/WebMercatorQuad") && !href.contains("opengis.net"),
        "{href}"
    );
    let (status, tms) = get_json(&app, "/tileMatrixSets/WebMercatorQuad").await;
    assert_eq!(status, 200);
    let matrices = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(matrices.len(), 23);
    assert!((matrices[0]["cellSize"].as_f64().unwrap() - 156_543.033_928).abs() < 1e-3);
    assert_eq!(matrices[22]["matrixWidth"], 1u64 << 22);
    let (_, list) = get_json(&app, "/tileMatrixSets").await;
    assert_eq!(list["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    // Limits: at zoom 7 the demo's facilities lie in tile row 54, column 106.
    let limits = sets["tilesets"][0]["tileMatrixSetLimits"].as_array().unwrap();
    let z7 = limits.iter().find(|l| l["tileMatrix"] == "7").unwrap();
    assert_eq!(
        (z7["minTileRow"].as_u64(), z7["maxTileCol"].as_u64()),
        (Some(54), Some(106))
    );
    // Zoom 7, row 54, column 106 holds the whole demo, 17 km across, where an 8-pixel block is 4.9 km: the
    // tile is thinned to the first facility of each block, S01 (the first of all) among them.
    let facilities: serde_json::Value =
        serde_json::from_slice(&std::fs::read("geodata/demo/facilities.geojson").unwrap()).unwrap();
    let all: Vec<(String, f64, f64)> = facilities["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["properties"]["id"].as_str().unwrap().to_string(),
                c[0].as_f64().unwrap(),
                c[1].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(all.len(), 96);
    // A tag value in the protobuf: field 1 (string), its length, its bytes.
    let holds = |tile: &[u8], id: &str| {
        let mut needle = vec![0x0a, id.len() as u8];
        needle.extend_from_slice(id.as_bytes());
        tile.windows(needle.len()).any(|w| w == needle.as_slice())
    };
    let uri = "/collections/demo.facilities/tiles/WebMercatorQuad/7/54/106";
    let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    let etag = resp.headers().get("etag").unwrap().to_str().unwrap().to_string();
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "application/vnd.mapbox-vector-tile"
    );
    let body = test::read_body(resp).await;
    let shown = all.iter().filter(|(id, ..)| holds(&body, id)).count();
    assert!(holds(&body, &all[0].0), "the first facility is drawn");
    assert!((1..48).contains(&shown), "{shown} of 96 drawn at zoom 7");
    // At zoom 16 (blocks of 10 m; the closest facilities are 44 m apart) every facility is in its tile.
    for (id, lon, lat) in &all {
        let n = f64::from(1u32 << 16);
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let y = ((1.0 - (lat.to_radians().tan() + 1.0 / lat.to_radians().cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            as u32;
        let uri = format!("/collections/demo.facilities/tiles/WebMercatorQuad/16/{y}/{x}");
        let tile =
            test::read_body(test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await).await;
        assert!(holds(&tile, id), "{id} in {uri}");
    }
    let again = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(uri)
            .insert_header(("If-None-Match", etag.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(again.status().as_u16(), 304);
    // A tile far from the demo is empty, and a different tile.
    let far = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/demo.facilities/tiles/WebMercatorQuad/7/10/10")
            .to_request(),
    )
    .await;
    assert_eq!(far.status().as_u16(), 200);
    assert!(test::read_body(far).await.len() < body.len());
    // Asked for gzip, the same tile comes compressed, and decompresses to the same bytes.
    let zipped = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(uri)
            .insert_header(("Accept-Encoding", "gzip, deflate"))
            .to_request(),
    )
    .await;
    assert_eq!(zipped.headers().get("content-encoding").unwrap(), "gzip");
    assert!(zipped
        .headers()
        .get("vary")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Accept-Encoding"));
    let zipped = test::read_body(zipped).await;
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, body);
    for (uri, expected) in [
        ("/collections/demo.facilities/tiles/WebMercatorQuad/23/0/0", 404),
        ("/collections/demo.facilities/tiles/WebMercatorQuad/3/8/0", 404),
        ("/collections/demo.facilities/tiles/WebMercatorQuad/x/0/0", 400),
        ("/collections/demo.nothing/tiles/WebMercatorQuad/0/0/0", 404),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(resp.status().as_u16(), expected, "{uri}");
    }
}

/// Every tile the demo serves, read by a strict MVT 2.1 reader: over each layer and a run's findings, every
/// tile covering the demo at zooms 8–14 and the tile over a point inside the district at every zoom 0–22.
/// No exterior ring is wound backwards, no ring is degenerate, and a tile over a feature is never empty.
#[actix_web::test]
async fn every_demo_tile_is_mvt_as_the_specification_says() {
    use carecircle::tiles::{validate, TileId};
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let id = common::create_run(&app, &["anxi-2022", "mawei-2020"], Some(TOKEN)).await;
    let (_, collections) = get_json(&app, "/collections").await;
    let ids: Vec<String> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .filter(|c| c.starts_with("demo.") || c.starts_with(&format!("check-{id}.")))
        .collect();
    assert!(ids.len() >= 7, "{ids:?}");
    // The demo district: 119.400–119.574 E, 25.970–25.999 N, and a point inside it.
    let (west, south, east, north) = (119.4, 25.97, 119.574, 25.999);
    let inside = (119.44, 25.99);
    let (mut tiles, mut rings) = (0usize, 0usize);
    for collection in &ids {
        let mut addresses: Vec<(TileId, bool)> = (0..=22)
            .map(|z| (TileId::containing(z, inside.0, inside.1).unwrap(), true))
            .collect();
        for z in 8..=14 {
            let nw = TileId::containing(z, west, north).unwrap();
            let se = TileId::containing(z, east, south).unwrap();
            for x in nw.x..=se.x {
                for y in nw.y..=se.y {
                    addresses.push((TileId::new(z, x, y).unwrap(), false));
                }
            }
        }
        // Where a pooled area's part, clipped onto the buffer's edge, came out as a two-point ring.
        addresses
            .extend([(13, 3483, 6813), (15, 13934, 27255)].map(|(z, y, x)| (TileId::new(z, x, y).unwrap(), false)));
        for (t, over_the_district) in addresses {
            let uri = format!(
                "/collections/{collection}/tiles/WebMercatorQuad/{}/{}/{}",
                t.z, t.y, t.x
            );
            let resp = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(resp.status().as_u16(), 200, "{uri}");
            let read = validate::read(&test::read_body(resp).await).unwrap_or_else(|e| panic!("{uri}: {e}"));
            assert!(read.problems().is_empty(), "{uri}: {:?}", read.problems());
            tiles += 1;
            rings += read
                .layers
                .iter()
                .flat_map(|l| &l.features)
                .map(|f| f.rings().len())
                .sum::<usize>();
            if over_the_district && collection == "demo.admin_units" {
                assert_eq!(read.layers.len(), 1, "{uri}: the district is under this tile");
            }
        }
    }
    // Residential areas are small: at zooms 0–5 they are dots, never nothing.
    let r057 = (119.5119, 25.9808);
    for z in 0..=22 {
        let t = TileId::containing(z, r057.0, r057.1).unwrap();
        let uri = format!(
            "/collections/demo.residential_areas/tiles/WebMercatorQuad/{}/{}/{}",
            t.z, t.y, t.x
        );
        let body =
            test::read_body(test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await).await;
        let read = validate::read(&body).unwrap();
        assert_eq!(read.layers.len(), 1, "{uri}: R057 is under this tile");
    }
    assert!(tiles > 400 && rings > 2_000, "{tiles} tiles, {rings} rings read");
}

/// A run's findings collections each declare their own features' extent: "zoom to layer" on the points
/// goes to the points, not to the whole district the admin-unit findings cover.
#[actix_web::test]
async fn findings_collections_declare_their_own_extent() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let id = common::create_run(&app, &["anxi-2022", "mawei-2020"], Some(TOKEN)).await;
    let mut boxes = Vec::new();
    for family in ["points", "polygons"] {
        let cid = format!("check-{id}.findings-{family}");
        let (_, c) = get_json(&app, &format!("/collections/{cid}")).await;
        let declared: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let (_, items) = get_json(&app, &format!("/collections/{cid}/items?limit=10000")).await;
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut add = |p: &Value| {
            let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        };
        for f in items["features"].as_array().unwrap() {
            let g = &f["geometry"];
            match g["type"].as_str().unwrap() {
                "Point" => add(&g["coordinates"]),
                "MultiPolygon" => g["coordinates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|p| p[0].as_array().unwrap().iter())
                    .for_each(&mut add),
                "Polygon" => g["coordinates"][0].as_array().unwrap().iter().for_each(&mut add),
                other => panic!("{other}"),
            }
        }
        for k in 0..4 {
            assert!((declared[k] - b[k]).abs() < 1e-9, "{cid}: {declared:?} against {b:?}");
        }
        boxes.push(b);
    }
    let area = |b: &[f64; 4]| (b[2] - b[0]) * (b[3] - b[1]);
    assert!(
        area(&boxes[0]) < area(&boxes[1]),
        "the points' box is the smaller: {boxes:?}"
    );
}

/// With `--cors`, browser code on the allowed origin can read the headers it needs: the paging `Link`,
/// `Content-Crs`, a tile's `ETag`, a new run's `Location`.
#[actix_web::test]
async fn cors_exposes_the_headers_browser_code_reads() {
    let dir = tempfile::tempdir().unwrap();
    let app = test::init_service(
        App::new()
            .wrap(carecircle::server::cors(&["http://maps.example".to_string()]))
            .app_data(demo_state(dir.path(), Some(TOKEN)))
            .configure(router),
    )
    .await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/demo.facilities/items?limit=2")
            .insert_header(("Origin", "http://maps.example"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let h = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_lowercase());
    assert_eq!(h("access-control-allow-origin").as_deref(), Some("http://maps.example"));
    let exposed = h("access-control-expose-headers").unwrap_or_default();
    for name in ["link", "content-crs", "etag", "location"] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
}

/// Bodies that could stall or fool the service are refused before any work: a ruleset named twice or
/// more than the limit allows (400), a body not sent as JSON — what a page of another origin can send
/// without asking first — or sent compressed (415), and a check sent from a page of another origin (403);
/// the service's own pages, and the origins `--cors` names, may.
#[actix_web::test]
async fn cross_site_and_unbounded_requests_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = std::sync::Arc::try_unwrap(demo_state(dir.path(), None).into_inner())
        .ok()
        .unwrap();
    state.cors = vec!["http://maps.example".to_string()];
    let app = test::init_service(App::new().app_data(actix_web::web::Data::new(state)).configure(router)).await;
    let post = |uri: &'static str, body: String, headers: Vec<(&'static str, &'static str)>| {
        let mut r = test::TestRequest::post().uri(uri).set_payload(body);
        for h in headers {
            r = r.insert_header(h);
        }
        r.to_request()
    };
    let json = ("Content-Type", "application/json");
    let twice = json!({"dataset": "demo", "rulesets": ["anxi-2022", "anxi-2022"]}).to_string();
    let many = json!({"dataset": "demo", "rulesets": vec!["anxi-2022"; 60_000]}).to_string();
    let one = json!({"dataset": "demo", "rulesets": ["anxi-2022"]}).to_string();
    for (uri, body, headers, status, says) in [
        ("/checks", twice.clone(), vec![json], 400, "asked for twice"),
        (
            "/review",
            twice.replace("}", ",\"proposal\":{\"type\":\"FeatureCollection\",\"features\":[]}}"),
            vec![json],
            400,
            "asked for twice",
        ),
        (
            "/review",
            many.replace("}", ",\"proposal\":{}}"),
            vec![json],
            400,
            "at most 64",
        ),
        (
            "/checks",
            one.clone(),
            vec![("Content-Type", "text/plain")],
            415,
            "application/json",
        ),
        ("/checks", one.clone(), vec![], 415, "missing"),
        (
            "/checks",
            one.clone(),
            vec![json, ("Content-Encoding", "br")],
            415,
            "uncompressed",
        ),
        (
            "/checks",
            one.clone(),
            vec![json, ("Origin", "http://evil.example")],
            403,
            "evil.example",
        ),
    ] {
        let resp = test::call_service(&app, post(uri, body, headers)).await;
        assert_eq!(resp.status().as_u16(), status, "{uri} {says}");
        let answer: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
        assert!(answer["detail"].as_str().unwrap().contains(says), "{answer}");
    }
    // A page of the service itself, and one of an origin --cors allows, may run a check.
    for origin in ["http://localhost:8080", "http://maps.example"] {
        let resp = test::call_service(
            &app,
            post(
                "/checks",
                one.clone(),
                vec![json, ("Origin", origin), ("Host", "localhost:8080")],
            ),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 201, "{origin}");
    }
}

/// Every answer carries `nosniff` and a `Referrer-Policy`; every page its `Content-Security-Policy`: the
/// app's own script and the basemap's origin, the API page's own script (its start is a file), and a kept
/// report — a name in which could hold markup — no script at all.
#[actix_web::test]
async fn pages_carry_their_security_policy() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = std::sync::Arc::try_unwrap(demo_state(dir.path(), None).into_inner())
        .ok()
        .unwrap();
    state.basemap = Some("http://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}".into());
    let app = test::init_service(App::new().app_data(actix_web::web::Data::new(state)).configure(router)).await;
    let id = common::create_run(&app, &["anxi-2022"], None).await;
    let headers = |uri: String| {
        let app = &app;
        async move {
            let resp = test::call_service(app, test::TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(resp.status().as_u16(), 200, "{uri}");
            let h = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_string());
            (
                h("content-security-policy"),
                h("x-content-type-options"),
                h("referrer-policy"),
            )
        }
    };
    for uri in ["/collections".to_string(), format!("/checks/{id}/findings.csv")] {
        let (csp, nosniff, referrer) = headers(uri.clone()).await;
        assert_eq!(
            (nosniff.as_deref(), referrer.as_deref()),
            (Some("nosniff"), Some("same-origin")),
            "{uri}"
        );
        assert!(csp.is_none(), "{uri} is no page");
    }
    let (app_csp, _, _) = headers("/app/".into()).await;
    let app_csp = app_csp.unwrap();
    assert!(
        app_csp.contains("script-src 'self';") && !app_csp.contains("unsafe-eval"),
        "{app_csp}"
    );
    assert!(
        app_csp.contains("connect-src 'self' http://t0.tianditu.gov.cn;"),
        "{app_csp}"
    );
    let (api_csp, _, _) = headers("/api.html".into()).await;
    assert!(api_csp.unwrap().contains("script-src 'self';"));
    let resp = test::call_service(&app, test::TestRequest::get().uri("/api.html").to_request()).await;
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(!html.contains("<script>"), "no inline script: {html}");
    let (report_csp, nosniff, _) = headers(format!("/checks/{id}/report.html")).await;
    let report_csp = report_csp.unwrap();
    assert!(
        report_csp.starts_with("default-src 'none';") && !report_csp.contains("script-src"),
        "{report_csp}"
    );
    assert_eq!(nosniff.as_deref(), Some("nosniff"));
}

/// The web app: its page, its configuration, MapLibre with its licence, all from the binary; linked from
/// the landing page. A run's findings come as CSV too.
#[actix_web::test]
async fn the_web_app_is_served_from_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (_, landing) = get_json(&app, "/").await;
    assert!(landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["href"].as_str().unwrap().ends_with("/app/") && l["type"] == "text/html"));
    let get = |uri: &'static str| test::call_service(&app, test::TestRequest::get().uri(uri).to_request());
    let redirect = get("/app").await;
    assert_eq!(redirect.status().as_u16(), 308);
    assert_eq!(redirect.headers().get("location").unwrap(), "app/");
    let page = get("/app/").await;
    assert_eq!(page.status().as_u16(), 200);
    let page = String::from_utf8(test::read_body(page).await.to_vec()).unwrap();
    assert!(page.contains(r#"<script type="module" src="app.js">"#) && page.contains("回头看"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing from outside"
    );
    let (status, config) = get_json(&app, "/app/config.json").await;
    assert_eq!(status, 200);
    assert_eq!(config["datasets"], serde_json::json!(["demo"]));
    assert_eq!(config["token_required"], true);
    assert_eq!(config["basemap"], serde_json::Value::Null);
    assert_eq!(config["rulesets"].as_array().unwrap().len(), 5);
    for (uri, kind) in [
        ("/app/app.js", "text/javascript"),
        ("/app/app.css", "text/css"),
        ("/app/vendor/maplibre-gl/maplibre-gl.mjs", "text/javascript"),
        ("/app/vendor/maplibre-gl/maplibre-gl-worker.mjs", "text/javascript"),
        ("/app/vendor/maplibre-gl/LICENSE.txt", "text/plain"),
    ] {
        let resp = get(uri).await;
        assert_eq!(resp.status().as_u16(), 200, "{uri}");
        assert!(
            resp.headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{uri}"
        );
    }
    let licence = test::read_body(get("/app/vendor/maplibre-gl/LICENSE.txt").await).await;
    assert!(String::from_utf8_lossy(&licence).contains("MapLibre contributors"));
    assert_eq!(get("/app/nothing.js").await.status().as_u16(), 404);
    assert_eq!(get("/app/vendor/maplibre-gl/../app.js").await.status().as_u16(), 404);

    // A run's findings as CSV, with the byte-order mark Excel needs.
    let created = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/checks")
            .insert_header(("Authorization", format!("Bearer {TOKEN}")))
            .set_json(serde_json::json!({"dataset": "demo", "rulesets": ["anxi-2022"]}))
            .to_request(),
    )
    .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: serde_json::Value = test::read_body_json(created).await;
    let id = created["id"].as_u64().unwrap();
    assert!(created["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["type"] == "text/csv"));
    let csv = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/checks/{id}/findings.csv"))
            .to_request(),
    )
    .await;
    assert_eq!(csv.status().as_u16(), 200);
    let csv = test::read_body(csv).await;
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    // One header line and one line per finding: anxi-2022 finds 45 on the demo.
    let text = String::from_utf8_lossy(&csv);
    assert!(text.contains("R011"), "{text}");
    assert_eq!(created["findings"], 45);
    assert_eq!(text.lines().count(), 46, "{text}");
}

/// Many first tiles of one collection at once, as a map asks for them: every one is answered, and alike
/// (they wait for one index build rather than racing their own).
#[actix_web::test]
async fn first_tiles_asked_at_once_are_all_answered_alike() {
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = common::start_server(state.path(), env!("CARGO_MANIFEST_DIR").as_ref());
    let start = Arc::new(std::sync::Barrier::new(12));
    let answers: Vec<String> = (0..12)
        .map(|_| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                common::http(
                    port,
                    "HEAD",
                    "/collections/demo.residential_areas/tiles/WebMercatorQuad/12/1741/3407",
                    None,
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    server.kill().ok();
    let etag = |answer: &str| {
        answer
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("etag: ").map(str::to_string))
            .unwrap_or_else(|| panic!("{answer}"))
    };
    for answer in &answers {
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(etag(answer), etag(&answers[0]));
    }
}
