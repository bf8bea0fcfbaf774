//! What the end-to-end tests share: running the built binary, and every ruleset of the catalog.
#![allow(dead_code)] // each test file uses part of it

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Runs the built `carecircle` in the project folder.
pub fn carecircle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run carecircle")
}

/// Every ruleset of the catalog.
pub const RULES: [&str; 5] = [
    "rules/anxi-2022.toml",
    "rules/yaohai-2023.toml",
    "rules/jinan-2017.toml",
    "rules/mawei-2020.toml",
    "rules/gb50180-2018.toml",
];

/// The arguments of `site` over `data` for Anxi's 700 m radius rule (the rule siting serves), then `extra`.
pub fn site_anxi<'a>(data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "site",
        data,
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/service-radius",
    ];
    args.extend(extra);
    args
}

/// `carecircle serve` on a free loopback port, run in `cwd` with its runs under `state`, once it accepts
/// connections.
pub fn start_server(state: &Path, cwd: &Path) -> (Child, u16) {
    start_server_with_token(state, cwd, None)
}

/// [`start_server`] with its write endpoints guarded by `token`.
pub fn start_server_with_token(state: &Path, cwd: &Path, token: Option<&str>) -> (Child, u16) {
    start_server_with(state, cwd, token, &[])
}

/// [`start_server_with_token`] with more arguments to `serve`.
pub fn start_server_with(state: &Path, cwd: &Path, token: Option<&str>, args: &[&str]) -> (Child, u16) {
    // A free port is picked by binding and letting go; until our server holds it, a test starting
    // another server beside this one could be handed the same port. One start at a time rules that out.
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_carecircle"));
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--state-dir"])
        .arg(state)
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("CARECIRCLE_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(token) = token {
        command.env("CARECIRCLE_TOKEN", token);
    }
    let server = command.spawn().unwrap();
    let mut server = server;
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 60, "the server did not start");
        assert!(
            server.try_wait().ok().flatten().is_none(),
            "the server on port {port} exited before it listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (server, port)
}

/// The service's state on the demo dataset with every ruleset of the catalog, its runs kept under
/// `state_dir`, writes guarded by `token`.
pub fn demo_state(state_dir: &Path, token: Option<&str>) -> actix_web::web::Data<carecircle::server::AppState> {
    use carecircle::{load::load_dataset, rules::load_ruleset, store::embedded::EmbeddedStore};
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let rulesets = RULES.iter().map(|r| load_ruleset(Path::new(r)).unwrap()).collect();
    let maps = carecircle::map::find_font(None)
        .and_then(|p| carecircle::map::register(&p))
        .is_ok();
    let store = EmbeddedStore::open(vec![("demo".into(), demo)], state_dir).unwrap();
    carecircle::server::state(std::sync::Arc::new(store), rulesets, token.map(str::to_string), maps)
}

/// GET `uri` from the service under test: the status and the body as JSON (null when it is not JSON).
pub async fn get_json(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    uri: &str,
) -> (u16, serde_json::Value) {
    use actix_web::test;
    let resp = test::call_service(app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

/// POST /checks to the service under test for the demo judged by `rulesets`, with `token` when given:
/// the new run's id.
pub async fn create_run(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    rulesets: &[&str],
    token: Option<&str>,
) -> u64 {
    use actix_web::test;
    let mut request = test::TestRequest::post()
        .uri("/checks")
        .set_json(serde_json::json!({"dataset": "demo", "rulesets": rulesets}));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let resp = test::call_service(app, request.to_request()).await;
    assert_eq!(resp.status().as_u16(), 201);
    let run: serde_json::Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    run["id"].as_u64().unwrap()
}

/// One HTTP/1.1 request to a server on loopback: the whole answer, status line and headers included.
pub fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> String {
    http_with(port, method, path, &[], body)
}

/// [`http`] with more request headers (a `Content-Type` among them takes the place of JSON's).
pub fn http_with(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> String {
    try_http_with(port, method, path, headers, body).unwrap()
}

/// [`http_with`], an error where the server cannot be reached or stops answering (killed on purpose).
pub fn try_http_with(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let body = body.unwrap_or("");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(
        stream,
        "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// `carecircle serve` in the project folder (the built-in demo, no token) with one kept run of the demo
/// judged by `rulesets` (a JSON list such as `["anxi-2022"]`) as run 1.
pub fn serve_with_a_run(state: &Path, rulesets: &str) -> (Child, u16) {
    let (server, port) = start_server(state, env!("CARGO_MANIFEST_DIR").as_ref());
    let body = format!(r#"{{"dataset":"demo","rulesets":{rulesets}}}"#);
    let created = http(port, "POST", "/checks", Some(&body));
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    (server, port)
}

/// Percent-encodes a query value (everything but letters, digits and `-_.`).
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The tests' Python environment (`target/test-venv`, or `CARECIRCLE_TEST_VENV`), which `scripts/test`
/// installs from `tests/python-requirements.txt`; `None`, said loudly, when it is missing — and in CI
/// (`CI=true`) a missing one fails the test that needs `tool`.
pub fn python_venv(tool: &str) -> Option<std::path::PathBuf> {
    let venv = std::env::var_os("CARECIRCLE_TEST_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"));
    if venv.join("bin/python").exists() {
        return Some(venv);
    }
    assert!(
        std::env::var("CI").is_err(),
        "{tool} is missing in CI at {}: scripts/test installs it",
        venv.display()
    );
    eprintln!(
        "\n*** SKIPPED: no {tool} at {} (scripts/test installs it); this test did not run ***\n",
        venv.display()
    );
    None
}

/// The demo's residential areas whose centroid lies in admin unit `code`, worked out here from the files
/// themselves (geo's centroid and point-in-polygon), apart from the server's placing.
pub fn demo_areas_in(code: &str) -> std::collections::BTreeSet<String> {
    use geo::{Centroid, Intersects};
    let read = |layer: &str| -> geojson::FeatureCollection {
        std::fs::read_to_string(format!("geodata/demo/{layer}.geojson"))
            .unwrap()
            .parse::<geojson::GeoJson>()
            .unwrap()
            .try_into()
            .unwrap()
    };
    let unit = read("admin_units")
        .features
        .into_iter()
        .find(|f| f.property("code").and_then(|c| c.as_str()) == Some(code))
        .unwrap();
    let boundary = geo::Geometry::<f64>::try_from(unit.geometry.unwrap()).unwrap();
    read("residential_areas")
        .features
        .into_iter()
        .filter(|f| {
            let g = geo::Geometry::<f64>::try_from(f.geometry.clone().unwrap()).unwrap();
            boundary.intersects(&g.centroid().unwrap())
        })
        .map(|f| f.property("id").unwrap().as_str().unwrap().to_string())
        .collect()
}

/// What a viewer scoped to 罗星街道 (350105001) reads of dataset `name` (the demo) and of kept run `run`,
/// beside an account for the whole city: only its street's residential areas in items and in tiles,
/// only its street's findings, and no whole-city file.
pub async fn a_scoped_viewer_reads_only_its_street(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    name: &str,
    run: u64,
    scoped: &str,
    whole: &str,
) {
    use actix_web::test;
    use std::collections::BTreeSet;
    let get = |uri: String, token: &str| {
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    let street = demo_areas_in("350105001");
    let all_areas = demo_areas_in("350105");
    assert!(
        !street.is_empty() && street.len() < all_areas.len(),
        "{} of {}",
        street.len(),
        all_areas.len()
    );
    // Items: exactly the street's areas; the whole city for the other account.
    let ids = |page: &serde_json::Value| -> BTreeSet<String> {
        page["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let items = format!("/collections/{name}.residential_areas/items?limit=1000");
    let page: serde_json::Value = test::call_and_read_body_json(app, get(items.clone(), scoped)).await;
    assert_eq!(ids(&page), street);
    assert_eq!(page["numberMatched"], street.len());
    let page: serde_json::Value = test::call_and_read_body_json(app, get(items, whole)).await;
    assert_eq!(ids(&page).len(), 72);
    // One area outside the street: not found for the scoped viewer, found for the other.
    let outside = all_areas.difference(&street).next().unwrap();
    let one = |token| get(format!("/collections/{name}.residential_areas/items/{outside}"), token);
    assert_eq!(test::call_service(app, one(scoped)).await.status().as_u16(), 404);
    assert_eq!(test::call_service(app, one(whole)).await.status().as_u16(), 200);
    // Tiles at zoom 13 over the district (areas are tens of pixels there, none thinned): the distinct
    // features drawn are the street's areas for the scoped viewer, all 72 for the other.
    for (token, expected) in [(scoped, street.len()), (whole, 72)] {
        let mut numbers = BTreeSet::new();
        let (nw, se) = (
            carecircle::tiles::TileId::containing(13, 119.35, 26.10).unwrap(),
            carecircle::tiles::TileId::containing(13, 119.65, 25.90).unwrap(),
        );
        for y in nw.y..=se.y {
            for x in nw.x..=se.x {
                let uri = format!("/collections/{name}.residential_areas/tiles/WebMercatorQuad/13/{y}/{x}");
                let resp = test::call_service(app, get(uri.clone(), token)).await;
                assert_eq!(resp.status().as_u16(), 200, "{uri}");
                let read = carecircle::tiles::validate::read(&test::read_body(resp).await).unwrap();
                assert!(read.problems().is_empty(), "{uri}: {:?}", read.problems());
                numbers.extend(read.layers.iter().flat_map(|l| &l.features).filter_map(|f| f.id));
            }
        }
        assert_eq!(numbers.len(), expected, "features drawn in the tiles");
    }
    // The run's findings: only those its record places in the street, in every form served.
    let record: serde_json::Value = test::call_and_read_body_json(app, get(format!("/checks/{run}"), whole)).await;
    let in_street = |f: &&serde_json::Value| f["units"]["street"] == "350105001";
    let all_findings = record["findings"].as_array().unwrap();
    let expected = all_findings.iter().filter(in_street).count();
    assert!(
        expected > 0 && expected < all_findings.len(),
        "{expected} of {}",
        all_findings.len()
    );
    let scoped_record: serde_json::Value =
        test::call_and_read_body_json(app, get(format!("/checks/{run}"), scoped)).await;
    let shown = scoped_record["findings"].as_array().unwrap();
    assert_eq!(shown.len(), expected);
    assert!(shown.iter().all(|f| in_street(&f)));
    assert_eq!(scoped_record["scope"]["findings_in_run"], all_findings.len());
    assert_eq!(scoped_record["scope"]["units"], serde_json::json!(["350105001"]));
    let geojson: serde_json::Value =
        test::call_and_read_body_json(app, get(format!("/checks/{run}/findings"), scoped)).await;
    assert_eq!(geojson["features"].as_array().unwrap().len(), expected);
    let mut served = 0;
    for family in ["points", "polygons"] {
        let uri = format!("/collections/check-{run}.findings-{family}/items?limit=10000");
        let resp = test::call_service(app, get(uri, scoped)).await;
        if resp.status().as_u16() == 200 {
            let page: serde_json::Value = test::read_body_json(resp).await;
            served += page["numberMatched"].as_u64().unwrap();
        }
    }
    assert_eq!(served as usize, expected, "the findings collections");
    // Whole-city files and work: refused, saying why; the whole-city account gets them.
    for uri in [format!("/checks/{run}/report.html"), format!("/checks/{run}/map.svg")] {
        let resp = test::call_service(app, get(uri.clone(), scoped)).await;
        assert_eq!(resp.status().as_u16(), 403, "{uri}");
        let body: serde_json::Value = test::read_body_json(resp).await;
        assert!(body["detail"].as_str().unwrap().contains("whole city"), "{body}");
        let status = test::call_service(app, get(uri.clone(), whole)).await.status().as_u16();
        assert_ne!(status, 403, "{uri}");
    }
}

/// A run voided by `admin` (a token) on the service under test: once, with its reason; the run's record
/// byte for byte as before; listed as void; a second void, another role, no reason or no run refused.
pub async fn voiding_keeps_the_run_and_records_the_void(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    run: u64,
    admin: &str,
    auditor: &str,
) {
    use actix_web::test;
    let send = |method: &str, uri: String, token: &str, body: Option<serde_json::Value>| {
        let mut req = match method {
            "POST" => test::TestRequest::post(),
            _ => test::TestRequest::get(),
        }
        .uri(&uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
        if let Some(b) = body {
            req = req.set_json(b);
        }
        req.to_request()
    };
    let record = |token: &str| send("GET", format!("/checks/{run}"), token, None);
    let before = test::read_body(test::call_service(app, record(admin)).await).await;
    let void = |token: &str, reason: &str| {
        send(
            "POST",
            format!("/checks/{run}/void"),
            token,
            Some(serde_json::json!({ "reason": reason })),
        )
    };
    let status = |resp: actix_web::dev::ServiceResponse| resp.status().as_u16();
    assert_eq!(status(test::call_service(app, void(auditor, "错了")).await), 403);
    assert_eq!(status(test::call_service(app, void(admin, "  ")).await), 400);
    let nowhere = send(
        "POST",
        "/checks/999999/void".into(),
        admin,
        Some(serde_json::json!({"reason": "x"})),
    );
    assert_eq!(status(test::call_service(app, nowhere).await), 404);
    let resp = test::call_service(app, void(admin, "导入数据有误")).await;
    assert_eq!(resp.status().as_u16(), 201);
    let made: serde_json::Value = test::read_body_json(resp).await;
    assert_eq!(made["run"], run);
    assert_eq!(made["reason"], "导入数据有误");
    let by = made["by"].as_str().unwrap().to_string();
    // Once only, saying when and by whom it was voided.
    let resp = test::call_service(app, void(admin, "again")).await;
    assert_eq!(resp.status().as_u16(), 409);
    let body: serde_json::Value = test::read_body_json(resp).await;
    assert!(body["detail"].as_str().unwrap().contains(&by), "{body}");
    // The run stays as made; the list says it is void.
    let after = test::read_body(test::call_service(app, record(admin)).await).await;
    assert_eq!(before, after, "a void changes nothing of the run");
    let list: serde_json::Value =
        test::call_and_read_body_json(app, send("GET", "/checks".into(), auditor, None)).await;
    let listed = list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == run)
        .unwrap();
    assert_eq!(listed["voided"]["reason"], "导入数据有误");
    assert_eq!(listed["voided"]["by"], by.as_str());
    assert!(list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] != run)
        .all(|c| c["voided"].is_null()));
    // And the void is on the audit trail.
    let trail: serde_json::Value = test::call_and_read_body_json(app, send("GET", "/audit".into(), admin, None)).await;
    let entries = trail["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == format!("POST /checks/{run}/void") && e["status"] == 201 && e["run"] == run),
        "{trail}"
    );
}

/// Whether the command `tool` (from the Debian package `package`) runs here: in CI a missing one fails
/// the test; elsewhere it says loudly that the test skipped.
pub fn tool_available(tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "{tool} ({package}) is missing in CI: scripts/test installs it"
        );
        eprintln!(
            "\n*** SKIPPED: {tool} not installed (apt-get install {package}); a test that needs it did not run ***\n"
        );
    }
    found
}

/// What the sender of `token` is told at `method uri` by the service under test, status and JSON body (null
/// when not JSON): 401 and 403 are refusals, anything else got through the policy. A POST to `/checks`
/// asks for a check of the demo; any other POST sends a body that is no proposal (400 once through).
pub async fn status(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = match method {
        "POST" => actix_web::test::TestRequest::post(),
        _ => actix_web::test::TestRequest::get(),
    }
    .uri(uri);
    if method == "POST" {
        let body = match uri {
            "/checks" => serde_json::json!({"dataset": "demo", "rulesets": ["anxi-2022"]}),
            // Not a proposal: 400 once through the policy.
            _ => serde_json::json!({"dataset": "demo"}),
        };
        req = req.set_json(body);
    }
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let resp = actix_web::test::call_service(app, req.to_request()).await;
    let code = resp.status().as_u16();
    let body = actix_web::test::read_body(resp).await;
    (code, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

/// A request with a JSON body and headers to the service under test: status, headers and JSON body.
pub async fn send(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> (u16, actix_web::http::header::HeaderMap, serde_json::Value) {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = actix_web::test::TestRequest::default().method(method).uri(uri);
    if let Some(b) = body {
        req = req.set_json(b);
    }
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let resp = actix_web::test::call_service(app, req.to_request()).await;
    let code = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = actix_web::test::read_body(resp).await;
    (
        code,
        headers,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// The (rule, layer, id) of every finding of run `run`, read from its findings.
pub async fn finding_subjects(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    run: u64,
    token: &str,
) -> std::collections::BTreeSet<(String, String, String)> {
    let (code, _, body) = send(app, "GET", &format!("/checks/{run}"), Some(token), &[], None).await;
    assert_eq!(code, 200, "{body}");
    body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (text("rule"), text("layer"), text("id"))
        })
        .collect()
}

/// Keeping the ledger through OGC API – Features Part 4, on the demo served as dataset `demo` by either
/// store: who may write, bad values refused whole, ETags, the verdicts a write flips (held to the findings
/// of runs judged before and after it), history with authors, kept runs unchanged, scope.
pub async fn editing_keeps_the_ledger(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    editor: &str,
    second_editor: &str,
    scoped_editor: &str,
    viewer: &str,
    auditor: &str,
) {
    use serde_json::json;
    let item = "/collections/demo.facilities/items";
    let patch = |v: serde_json::Value| Some(v);
    // A viewer may read but not write; writes are told apart by OPTIONS.
    let (code, _, _) = send(
        app,
        "PATCH",
        &format!("{item}/S01"),
        Some(viewer),
        &[],
        patch(json!({"properties": {"beds": 1}})),
    )
    .await;
    assert_eq!(code, 403);
    let (code, headers, _) = send(app, "OPTIONS", item, None, &[], None).await;
    assert_eq!(code, 204);
    assert!(headers.get("allow").unwrap().to_str().unwrap().contains("POST"));
    let (code, headers, _) = send(
        app,
        "OPTIONS",
        "/collections/check-1.findings-points/items",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(code, 204);
    assert!(
        !headers.get("allow").unwrap().to_str().unwrap().contains("POST"),
        "a run's findings never change"
    );

    let etag_of = |h: &actix_web::http::header::HeaderMap| h.get("etag").unwrap().to_str().unwrap().to_string();
    let (code, headers, _) = send(app, "GET", &format!("{item}/S01"), Some(viewer), &[], None).await;
    assert_eq!(code, 200);
    let first_tag = etag_of(&headers);

    // A bad value: 400 naming the feature, the property and what is expected; nothing changes.
    let (code, _, body) = send(
        app,
        "PATCH",
        &format!("{item}/S01"),
        Some(editor),
        &[],
        patch(json!({"properties": {"status": "flying"}})),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("S01") && detail.contains("\"status\"") && detail.contains("operating"),
        "{detail}"
    );
    let (_, headers, _) = send(app, "GET", &format!("{item}/S01"), Some(viewer), &[], None).await;
    assert_eq!(etag_of(&headers), first_tag, "a refused write changed the feature");

    // A run kept before any write.
    let before_run = create_run_as(app, auditor).await;
    let (_, _, kept_before) = send(app, "GET", &format!("/checks/{before_run}"), Some(auditor), &[], None).await;

    // Deleting D89, the street's day-care centre: the dry run and the write say the same flips, and they
    // are exactly the difference between the findings of runs judged before and after it.
    let (code, headers, d89) = send(app, "GET", &format!("{item}/D89"), Some(viewer), &[], None).await;
    assert_eq!(code, 200, "{d89}");
    let d89_tag = etag_of(&headers);
    let (code, _, dry) = send(
        app,
        "DELETE",
        &format!("{item}/D89?dry-run=true"),
        Some(editor),
        &[],
        None,
    )
    .await;
    assert_eq!(code, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let (code, _, _) = send(app, "GET", &format!("{item}/D89"), Some(viewer), &[], None).await;
    assert_eq!(code, 200, "a dry run deleted the feature");
    let (code, _, deleted) = send(
        app,
        "DELETE",
        &format!("{item}/D89"),
        Some(editor),
        &[("If-Match", &d89_tag)],
        None,
    )
    .await;
    assert_eq!(code, 200, "{deleted}");
    assert_eq!(deleted["verdicts"], dry["verdicts"]);
    let (code, _, _) = send(app, "GET", &format!("{item}/D89"), Some(viewer), &[], None).await;
    assert_eq!(code, 404);
    let after_run = create_run_as(app, auditor).await;
    let (was, is) = (
        finding_subjects(app, before_run, auditor).await,
        finding_subjects(app, after_run, auditor).await,
    );
    let flipped = |before: &str, after: &str| -> std::collections::BTreeSet<(String, String, String)> {
        deleted["verdicts"]["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                let side = |k: &str| s[k].as_str().unwrap_or("none");
                (side("before") == before || (before == "pass" && side("before") == "none"))
                    && (side("after") == after || (after == "pass" && side("after") == "none"))
            })
            .map(|s| {
                let text = |k: &str| s[k].as_str().unwrap().to_string();
                (text("rule"), text("layer"), text("id"))
            })
            .collect()
    };
    let newly_failing: std::collections::BTreeSet<_> = is.difference(&was).cloned().collect();
    let no_longer_failing: std::collections::BTreeSet<_> = was.difference(&is).cloned().collect();
    assert!(
        !newly_failing.is_empty(),
        "deleting the day-care centre should fail someone"
    );
    assert_eq!(flipped("pass", "fail"), newly_failing);
    assert_eq!(flipped("fail", "pass"), no_longer_failing);

    // The run kept before the writes is unchanged, byte for byte as JSON.
    let (_, _, kept_after) = send(app, "GET", &format!("/checks/{before_run}"), Some(auditor), &[], None).await;
    assert_eq!(kept_after, kept_before);

    // Two writers, one ETag: the second is told the feature changed, and nothing of it is written.
    let (_, headers, _) = send(app, "GET", &format!("{item}/S01"), Some(viewer), &[], None).await;
    let tag = etag_of(&headers);
    let (code, headers, first) = send(
        app,
        "PATCH",
        &format!("{item}/S01"),
        Some(editor),
        &[("If-Match", &tag)],
        patch(json!({"properties": {"beds": 12}})),
    )
    .await;
    assert_eq!(code, 200, "{first}");
    assert_ne!(etag_of(&headers), tag);
    let (code, _, second) = send(
        app,
        "PATCH",
        &format!("{item}/S01"),
        Some(second_editor),
        &[("If-Match", &tag)],
        patch(json!({"properties": {"beds": 99}})),
    )
    .await;
    assert_eq!(code, 412, "{second}");
    let (code, _, second) = send(
        app,
        "PATCH",
        &format!("{item}/S01"),
        Some(second_editor),
        &[],
        patch(json!({"properties": {"beds": 14}})),
    )
    .await;
    assert_eq!(code, 200, "{second}");
    assert_eq!(second["version"].as_u64(), first["version"].as_u64().map(|v| v + 1));
    let (_, _, now) = send(app, "GET", &format!("{item}/S01"), Some(viewer), &[], None).await;
    assert_eq!(now["properties"]["beds"], 14);

    // The history lists both versions with their authors, and what each replaced.
    let (code, _, history) = send(app, "GET", &format!("{item}/S01/history"), Some(viewer), &[], None).await;
    assert_eq!(code, 200, "{history}");
    let edits = history["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{history}");
    assert_eq!(edits[0]["after"]["properties"]["beds"], 12);
    assert_eq!(edits[1]["before"]["properties"]["beds"], 12);
    assert_eq!(edits[1]["after"]["properties"]["beds"], 14);
    assert_ne!(edits[0]["by"], edits[1]["by"]);
    let (_, _, d89_history) = send(app, "GET", &format!("{item}/D89/history"), Some(viewer), &[], None).await;
    assert_eq!(d89_history["edits"][0]["op"], "delete");
    assert_eq!(
        d89_history["edits"][0]["before"]["properties"]["name"],
        d89["properties"]["name"]
    );

    // Creating a station: inside the scoped editor's street it is taken (201 with its Location), outside
    // refused (403), and a taken id is refused (400).
    let demo = carecircle::load::load_dataset(std::path::Path::new("geodata/demo")).unwrap();
    let street = demo_areas_in("350105001");
    let inside = demo
        .residential_areas
        .iter()
        .find(|a| street.contains(&a.id))
        .unwrap()
        .location;
    let outside = demo
        .residential_areas
        .iter()
        .find(|a| !street.contains(&a.id))
        .unwrap()
        .location;
    let station = |id: &str, at: geo::Point<f64>| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [at.x(), at.y()]},
               "properties": {"id": id, "name": "新建社区养老服务站", "tier": "station", "floor_area_m2": 420.0, "status": "building"}})
    };
    let (code, headers, made) = send(
        app,
        "POST",
        item,
        Some(scoped_editor),
        &[],
        Some(station("S-NEW-1", inside)),
    )
    .await;
    assert_eq!(code, 201, "{made}");
    assert!(headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("/collections/demo.facilities/items/S-NEW-1"));
    let (code, _, _) = send(app, "GET", &format!("{item}/S-NEW-1"), Some(viewer), &[], None).await;
    assert_eq!(code, 200);
    let (code, _, refused) = send(
        app,
        "POST",
        item,
        Some(scoped_editor),
        &[],
        Some(station("S-NEW-2", outside)),
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    let (code, _, taken) = send(app, "POST", item, Some(editor), &[], Some(station("S-NEW-1", outside))).await;
    assert_eq!(code, 400, "{taken}");
    assert!(taken["detail"].as_str().unwrap().contains("duplicate"), "{taken}");
}

/// POST /checks of the demo under every ruleset the service has, as `token`: the run's id.
async fn create_run_as(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    token: &str,
) -> u64 {
    let (_, _, rules) = send(app, "GET", "/rules", Some(token), &[], None).await;
    let ids: Vec<serde_json::Value> = rules["rulesets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    let (code, _, run) = send(
        app,
        "POST",
        "/checks",
        Some(token),
        &[],
        Some(serde_json::json!({"dataset": "demo", "rulesets": ids, "mode": "audit"})),
    )
    .await;
    assert_eq!(code, 201, "{run}");
    run["id"].as_u64().unwrap()
}
