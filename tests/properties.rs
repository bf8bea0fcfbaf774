//! Property-based tests: whatever a file or a request holds, the loader answers with a dataset or with
//! problems, and the server with a status below 500 — never a panic. Cases are generated GeoJSON
//! geometries (any type, positions of any length, rings open or closed), properties of any JSON type, CSV
//! rows and WKT cells. `PROPTEST_CASES` sets how many (64 by default, so CI stays quick).

mod common;
use common::encode;

use actix_web::{test as web_test, App};
use carecircle::load::{load_dataset, parse_proposal};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

fn demo() -> &'static carecircle::model::Dataset {
    static DEMO: OnceLock<carecircle::model::Dataset> = OnceLock::new();
    DEMO.get_or_init(|| load_dataset(Path::new("geodata/demo")).unwrap())
}

/// A number: ordinary coordinates near Mawei most of the time, anything finite sometimes.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (119.3f64..119.6).prop_map(|x| json!(x)),
        4 => (25.9f64..26.1).prop_map(|y| json!(y)),
        1 => any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(|f| json!(f)),
        1 => any::<i64>().prop_map(|n| json!(n)),
    ]
}

/// A position of 0 to 4 numbers (GeoJSON wants 2 or 3).
fn position() -> impl Strategy<Value = Value> {
    prop::collection::vec(number(), 0..5).prop_map(Value::Array)
}

fn positions(max: usize) -> impl Strategy<Value = Value> {
    prop::collection::vec(position(), 0..max).prop_map(Value::Array)
}

/// A ring that is closed half the time.
fn ring() -> impl Strategy<Value = Value> {
    (prop::collection::vec(position(), 0..7), any::<bool>()).prop_map(|(mut ring, close)| {
        if close {
            if let Some(first) = ring.first().cloned() {
                ring.push(first);
            }
        }
        Value::Array(ring)
    })
}

fn geometry() -> impl Strategy<Value = Value> {
    let rings = || prop::collection::vec(ring(), 0..3).prop_map(Value::Array);
    prop_oneof![
        position().prop_map(|c| json!({"type": "Point", "coordinates": c})),
        positions(4).prop_map(|c| json!({"type": "MultiPoint", "coordinates": c})),
        positions(5).prop_map(|c| json!({"type": "LineString", "coordinates": c})),
        prop::collection::vec(positions(4), 0..3).prop_map(|c| json!({"type": "MultiLineString", "coordinates": c})),
        rings().prop_map(|c| json!({"type": "Polygon", "coordinates": c})),
        prop::collection::vec(rings(), 0..3).prop_map(|c| json!({"type": "MultiPolygon", "coordinates": c})),
        Just(json!(null)),
        Just(json!({"type": "Circle", "coordinates": [1, 2]})),
        Just(json!({"type": "GeometryCollection", "geometries": [{"type": "MultiPoint", "coordinates": [[1]]}]})),
    ]
}

/// Any JSON value a property may hold.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        number(),
        "[\\PC]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("station"),
            Just("operating"),
            Just("new"),
            Just("2024-13-40"),
            Just("社区")
        ]
        .prop_map(|s| json!(s)),
        prop::collection::vec("[a-zA-Z0-9]{0,6}", 0..3).prop_map(|v| json!(v)),
    ]
}

const KEYS: [&str; 14] = [
    "id",
    "name",
    "tier",
    "status",
    "floor_area_m2",
    "households",
    "kind",
    "serves",
    "beds",
    "nursing_beds",
    "handed_over",
    "delivered",
    "layer",
    "handed_ovr",
];

fn properties() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), value(), 0..10).prop_map(|m| {
        let mut map = serde_json::Map::new();
        for (k, v) in m {
            map.insert(k.to_string(), v);
        }
        Value::Object(map)
    })
}

fn feature() -> impl Strategy<Value = Value> {
    (
        geometry(),
        properties(),
        prop_oneof![Just("residential_areas"), Just("facilities"), Just("parks")],
    )
        .prop_map(|(g, mut p, layer)| {
            if p.get("layer").is_none() {
                p["layer"] = json!(layer);
            }
            json!({"type": "Feature", "geometry": g, "properties": p})
        })
}

fn collection() -> impl Strategy<Value = Value> {
    prop::collection::vec(feature(), 0..6).prop_map(|f| json!({"type": "FeatureCollection", "features": f}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Proposals are parsed from bytes, as `review` and `POST /review` do: problems or a proposal.
    #[test]
    fn any_proposal_is_parsed_or_refused(fc in collection()) {
        let bytes = serde_json::to_vec(&fc).unwrap();
        if let Err(problems) = parse_proposal("p.geojson", &bytes, demo()) {
            prop_assert!(!problems.is_empty());
        }
    }

    /// A dataset whose facilities layer is anything GeoJSON can say.
    #[test]
    fn any_geojson_layer_is_loaded_or_refused(fc in collection()) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["dataset.toml", "admin_units.geojson", "residential_areas.geojson"] {
            std::fs::copy(Path::new("geodata/demo").join(name), dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("facilities.geojson"), serde_json::to_vec(&fc).unwrap()).unwrap();
        if let Err(problems) = load_dataset(dir.path()) {
            prop_assert!(!problems.is_empty());
        }
    }

    /// CSV rows with any cells, `lon`/`lat` or `wkt` of any shape (nested, unbalanced, empty).
    #[test]
    fn any_csv_layer_is_loaded_or_refused(
        rows in prop::collection::vec(
            (
                "[\\PC]{0,8}",
                prop_oneof![Just("station".to_string()), "[a-z]{0,6}"],
                "-?[0-9]{0,4}(\\.[0-9]{0,3})?",
                prop_oneof![
                    Just("POINT (119.45 25.99)".to_string()),
                    "(POINT|LINESTRING|POLYGON|MULTIPOLYGON|GEOMETRYCOLLECTION) ?[(), 0-9.]{0,40}",
                    (1usize..200).prop_map(|d| format!("GEOMETRYCOLLECTION{}{}", "(".repeat(d), ")".repeat(d))),
                ],
            ),
            0..6,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["dataset.toml", "admin_units.geojson", "residential_areas.geojson"] {
            std::fs::copy(Path::new("geodata/demo").join(name), dir.path().join(name)).unwrap();
        }
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(["id", "name", "tier", "floor_area_m2", "status", "wkt"]).unwrap();
        for (i, (name, tier, area, wkt)) in rows.iter().enumerate() {
            csv.write_record([format!("F{i}").as_str(), name, tier, area, "operating", wkt]).unwrap();
        }
        std::fs::write(dir.path().join("facilities.csv"), csv.into_inner().unwrap()).unwrap();
        if let Err(problems) = load_dataset(dir.path()) {
            prop_assert!(!problems.is_empty());
        }
    }

    /// A workbook layer of any cells (numbers, text, dates, in any columns up to Excel's last, and any
    /// column names), and any bytes at all named `.xlsx` or written as a GBK or UTF-16 CSV: a dataset or
    /// problems, never a panic.
    #[test]
    fn any_workbook_or_encoded_table_is_loaded_or_refused(
        cells in prop::collection::vec((0u32..6, 0u16..1_100, prop_oneof![
            "[\\PC]{0,12}".prop_map(Value::from),
            number(),
            Just(Value::from("经度")),
            Just(Value::from("纬度")),
        ]), 0..24),
        junk in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["dataset.toml", "admin_units.geojson", "residential_areas.geojson"] {
            std::fs::copy(Path::new("geodata/demo").join(name), dir.path().join(name)).unwrap();
        }
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (row, col, value) in &cells {
            match value {
                Value::Number(n) => sheet.write_number(*row, *col, n.as_f64().unwrap_or(0.0)).map(|_| ()),
                other => sheet.write_string(*row, *col, other.as_str().unwrap_or("")).map(|_| ()),
            }
            .unwrap();
        }
        let facilities = dir.path().join("facilities.xlsx");
        std::fs::write(&facilities, book.save_to_buffer().unwrap()).unwrap();
        if let Err(problems) = load_dataset(dir.path()) {
            prop_assert!(!problems.is_empty());
        }
        // Any bytes as a workbook, as a GeoPackage (after SQLite's own header, too), then as text in each
        // encoding carecircle detects.
        std::fs::write(&facilities, &junk).unwrap();
        prop_assert!(load_dataset(dir.path()).is_err());
        std::fs::remove_file(&facilities).unwrap();
        let gpkg = dir.path().join("facilities.gpkg");
        for bytes in [junk.clone(), [b"SQLite format 3\0".as_slice(), &junk].concat()] {
            std::fs::write(&gpkg, &bytes).unwrap();
            prop_assert!(load_dataset(dir.path()).is_err());
        }
        std::fs::remove_file(&gpkg).unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(&junk);
        for bytes in [junk.clone(), utf16] {
            std::fs::write(dir.path().join("facilities.csv"), &bytes).unwrap();
            if let Err(problems) = load_dataset(dir.path()) {
                prop_assert!(!problems.is_empty());
            }
        }
    }

    /// Through the router: any proposal to `POST /review` and any check request to `POST /checks` gets
    /// an answer below 500.
    #[test]
    fn the_router_answers_any_body_below_500(fc in collection(), mode in value(), as_of in value(), by in value()) {
        let state_dir = tempfile::tempdir().unwrap();
        let statuses = actix_web::rt::System::new().block_on(async {
            let store = carecircle::store::embedded::EmbeddedStore::open(
                vec![("demo".into(), demo().clone())],
                state_dir.path(),
            )
            .unwrap();
            let rulesets = vec![carecircle::rules::load_ruleset(Path::new("rules/mawei-2020.toml")).unwrap()];
            let state = carecircle::server::state(Arc::new(store), rulesets, None, false);
            let app = web_test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
            let review = web_test::call_service(
                &app,
                web_test::TestRequest::post()
                    .uri("/review")
                    .set_json(json!({"dataset": "demo", "proposal": fc}))
                    .to_request(),
            )
            .await
            .status()
            .as_u16();
            let check = web_test::call_service(
                &app,
                web_test::TestRequest::post()
                    .uri("/checks")
                    .set_json(json!({"dataset": "demo", "mode": mode, "as_of": as_of, "by": by}))
                    .to_request(),
            )
            .await
            .status()
            .as_u16();
            (review, check)
        });
        prop_assert!(statuses.0 < 500 && statuses.1 < 500, "{statuses:?}");
    }

    /// Any `filter`, `crs`, `bbox-crs`, `bbox` and `datetime` to a collection's items gets an answer below
    /// 500, and a filter that parses selects a subset of the collection.
    #[test]
    fn the_items_query_answers_anything_below_500(
        filter in filter_text(),
        crs in prop_oneof![Just(String::new()), Just("EPSG:4549".to_string()), Just("EPSG:4490".to_string()), "[ -~]{0,20}"],
        bbox in prop_oneof![Just(String::new()), "[-0-9.,e]{0,40}", Just("2873955,440265,2874055,440365".to_string())],
        datetime in prop_oneof![Just(String::new()), "[-0-9./T:Z]{0,30}"],
    ) {
        let mut uri = format!("/collections/demo.facilities/items?limit=1&filter={}", encode(&filter));
        for (name, value) in [("crs", &crs), ("bbox", &bbox), ("bbox-crs", &crs), ("datetime", &datetime)] {
            if !value.is_empty() {
                uri.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        let (status, _, body) = get_from_demo(&uri);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let matched = body["numberMatched"].as_u64();
        prop_assert!(status < 500, "{status}");
        if let Some(n) = matched {
            prop_assert!(n as usize <= demo().facilities.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Any tile address to any collection gets an answer below 500, and a 200 is a vector tile.
    #[test]
    fn any_tile_address_answers_below_500(
        collection in prop_oneof![Just("demo.residential_areas"), Just("demo.facilities"), Just("demo.admin_units"), Just("demo.roads"), Just("demo.nothing"), Just("check-1.findings-points")],
        z in prop_oneof!["[0-9]{1,3}", "-?[0-9]{1,12}", "[ -~]{0,6}"],
        y in prop_oneof!["[0-9]{1,7}", "-?[0-9]{1,20}", "[ -~]{0,6}"],
        x in prop_oneof!["[0-9]{1,7}", "-?[0-9]{1,20}", "[ -~]{0,6}"],
    ) {
        let uri = format!(
            "/collections/{collection}/tiles/WebMercatorQuad/{}/{}/{}",
            encode(&z), encode(&y), encode(&x)
        );
        let (status, kind, _) = get_from_demo(&uri);
        prop_assert!(status < 500, "{status}");
        if status == 200 {
            prop_assert_eq!(kind.as_deref(), Some("application/vnd.mapbox-vector-tile"));
        }
    }

    /// However features crowd a tile — anywhere on the globe, of any size — a tile draws them in order,
    /// each meeting it, with at most (4 224 / 64)² dots.
    #[test]
    fn any_city_gives_bounded_tiles(
        centre in (-179.0f64..179.0, -84.0f64..84.0),
        spread in prop_oneof![0.001f64..0.05, 0.05f64..1.0, 1.0f64..20.0],
        extents in prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0, 0.0f64..0.01, 0.0f64..0.01), 0..12_000),
        z in 0u8..=22,
    ) {
        use carecircle::tiles::{TileId, TileIndex, TINY_CELLS, EXTENT, BUFFER};
        // A city of up to 12 000 features around `centre`, `spread` degrees across, a few large.
        let rects: Vec<Option<geo::Rect<f64>>> = extents
            .iter()
            .enumerate()
            .map(|(i, (dx, dy, w, h))| {
                let (x, y) = ((centre.0 + dx * spread).clamp(-180.0, 180.0), (centre.1 + dy * spread).clamp(-89.0, 89.0));
                let grow = if i % 500 == 0 { 50.0 } else { 1.0 };
                Some(geo::Rect::new((x, y), ((x + w * grow).min(180.0), (y + h * grow).min(89.0))))
            })
            .collect();
        let at = (centre.0, centre.1);
        let index = TileIndex::new(rects.iter().copied());
        let tile = TileId::containing(z, at.0, at.1).unwrap();
        let picked = index.pick(tile);
        prop_assert!(picked.windows(2).all(|w| w[0] < w[1]));
        let reach = tile.buffered_bounds();
        for k in &picked {
            let r = rects[*k as usize].unwrap();
            // Web Mercator's latitude limit clamps the reach; a rectangle beyond it meets the edge row.
            prop_assert!(r.max().x >= reach.min().x - 1e-9 && r.min().x <= reach.max().x + 1e-9);
        }
        // Dots: features under TINY_CELLS grid cells both ways at this zoom, in Web Mercator.
        let cells = f64::from(EXTENT) * 2f64.powi(i32::from(z)) / (2.0 * std::f64::consts::PI);
        let merc = |lat: f64| (std::f64::consts::FRAC_PI_4 + lat.clamp(-85.051_128_78, 85.051_128_78).to_radians() / 2.0).tan().ln();
        let dots = picked
            .iter()
            .filter(|k| {
                let r = rects[**k as usize].unwrap();
                let wide = r.width().to_radians() * cells;
                let high = (merc(r.max().y) - merc(r.min().y)) * cells;
                wide < TINY_CELLS * 0.999 && high < TINY_CELLS * 0.999
            })
            .count();
        let blocks = (f64::from(EXTENT + 2 * BUFFER) / TINY_CELLS).ceil() as usize;
        prop_assert!(dots <= blocks * blocks, "{dots} dots");
    }
}

/// GET `uri` from the router over the demo (no rulesets): the status, the content type and the body.
fn get_from_demo(uri: &str) -> (u16, Option<String>, Vec<u8>) {
    let state_dir = tempfile::tempdir().unwrap();
    actix_web::rt::System::new().block_on(async {
        let store =
            carecircle::store::embedded::EmbeddedStore::open(vec![("demo".into(), demo().clone())], state_dir.path())
                .unwrap();
        let state = carecircle::server::state(Arc::new(store), vec![], None, false);
        let app = web_test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
        let resp = web_test::call_service(&app, web_test::TestRequest::get().uri(uri).to_request()).await;
        let kind = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_string());
        (resp.status().as_u16(), kind, web_test::read_body(resp).await.to_vec())
    })
}

/// Filters: random text, and well-formed pieces of CQL2 joined at random.
fn filter_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("tier='station'".to_string()),
        Just("beds > 10".to_string()),
        Just("name LIKE '%社区%'".to_string()),
        Just("floor_area_m2 BETWEEN 100 AND 900".to_string()),
        Just("handed_over IS NULL".to_string()),
        Just("meal_service".to_string()),
        "[ -~]{0,30}",
    ];
    prop::collection::vec(
        (atom, prop_oneof![Just(" AND "), Just(" OR "), Just(" AND NOT ")]),
        1..5,
    )
    .prop_map(|parts| {
        let mut out = String::new();
        for (i, (a, join)) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_str(join);
            }
            out.push('(');
            out.push_str(&a);
            out.push(')');
        }
        out
    })
}
