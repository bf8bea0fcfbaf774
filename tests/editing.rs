//! Keeping the ledger live (OGC API – Features Part 4) on the embedded store: the shared scenario
//! (`common::editing_keeps_the_ledger`, also run on PostGIS in `postgis.rs`), the edits surviving a
//! restart and a `kill -9` while writes are sent, and `serve --require-if-match`.

mod common;

use actix_web::{test as web_test, App};
use carecircle::accounts::{new_token, Account, Role};
use carecircle::store::Records;

/// An account made in the store's records; its token.
fn account(state: &std::path::Path, name: &str, role: Role, scope: &[&str]) -> String {
    let records = carecircle::store::StateRecords::new(state);
    let (token, digest) = new_token().unwrap();
    let account = Account::new(name, role, scope.iter().map(|s| s.to_string()).collect())
        .unwrap()
        .with_token(digest);
    records.save_account(&account, false).unwrap();
    token
}

#[actix_web::test]
async fn editing_keeps_the_ledger_on_the_embedded_store() {
    let state = tempfile::tempdir().unwrap();
    let editor = account(state.path(), "编辑甲", Role::Editor, &[]);
    let second = account(state.path(), "编辑乙", Role::Editor, &[]);
    let scoped = account(state.path(), "罗星编辑", Role::Editor, &["350105001"]);
    let viewer = account(state.path(), "查看", Role::Viewer, &[]);
    let auditor = account(state.path(), "审计", Role::Auditor, &[]);
    let app = web_test::init_service(
        App::new()
            .app_data(common::demo_state(state.path(), None))
            .configure(carecircle::server::router),
    )
    .await;
    common::editing_keeps_the_ledger(&app, &editor, &second, &scoped, &viewer, &auditor).await;
    // Every write is on the audit trail, by name.
    let trail = carecircle::store::StateRecords::new(state.path())
        .audit_entries()
        .unwrap();
    let writes: Vec<&carecircle::audit::Entry> = trail
        .iter()
        .filter(|e| {
            ["POST ", "PUT ", "PATCH ", "DELETE "]
                .iter()
                .any(|m| e.action.starts_with(m))
                && e.action.contains("/items")
        })
        .collect();
    // The refused PATCH (400), the dry run, the delete, two PATCHes, the 412, three POSTs.
    assert!(writes.len() >= 9, "{} writes on the audit trail", writes.len());
    assert!(writes.iter().any(|e| e.who == "编辑乙" && e.status == 412));
    assert!(writes
        .iter()
        .any(|e| e.who == "罗星编辑" && e.status == 201 && e.dataset.as_deref() == Some("demo")));
}

/// The value of `name` in an HTTP answer's headers.
fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    answer.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

fn json_of(answer: &str) -> serde_json::Value {
    serde_json::from_str(answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)).unwrap_or(serde_json::Value::Null)
}

/// Writes sent while the server is killed (`kill -9`) survive the restart: every acknowledged one is
/// there, in order, and the edits file holds no torn line.
#[test]
fn acknowledged_edits_survive_a_restart_and_kill_9() {
    let state = tempfile::tempdir().unwrap();
    let cwd = env!("CARGO_MANIFEST_DIR").as_ref();
    let (mut server, port) = common::start_server(state.path(), cwd);
    let answer = common::http(
        port,
        "PATCH",
        "/collections/demo.facilities/items/S01",
        Some(r#"{"properties": {"beds": 5}}"#),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(json_of(&answer)["version"], 2);
    // Writes in a loop from another thread; the server killed while they go.
    let writer = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for beds in 6..400u64 {
            let body = format!(r#"{{"properties": {{"beds": {beds}}}}}"#);
            let path = "/collections/demo.facilities/items/S01";
            let Ok(answer) = common::try_http_with(port, "PATCH", path, &[], Some(&body)) else {
                break;
            };
            if !answer.starts_with("HTTP/1.1 200") {
                break;
            }
            acknowledged.push((beds, json_of(&answer)["version"].as_u64().unwrap()));
        }
        acknowledged
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    server.kill().unwrap();
    server.wait().unwrap();
    let acknowledged = writer.join().unwrap();
    assert!(
        acknowledged.len() >= 2,
        "too few writes were made before the kill: {acknowledged:?}"
    );
    let (last_beds, last_version) = *acknowledged.last().unwrap();
    eprintln!(
        "{} writes acknowledged before the kill, the last version {last_version}",
        acknowledged.len()
    );
    let file = std::fs::read_to_string(state.path().join("edits/demo.jsonl")).unwrap();
    assert!(file.ends_with('\n'), "a torn line was left");
    // Started again: every acknowledged write is there; at most the one in flight beyond it.
    let (mut again, port) = common::start_server(state.path(), cwd);
    let answer = common::http(port, "GET", "/collections/demo.facilities/items/S01/history", None);
    let edits = json_of(&answer)["edits"].as_array().unwrap().clone();
    let versions: Vec<u64> = edits.iter().map(|e| e["version"].as_u64().unwrap()).collect();
    for (beds, version) in &acknowledged {
        let kept = edits
            .iter()
            .find(|e| e["version"] == *version)
            .unwrap_or_else(|| panic!("version {version} lost"));
        assert_eq!(kept["after"]["properties"]["beds"], *beds);
    }
    assert!(
        versions.iter().max().copied().unwrap() <= last_version + 1,
        "{versions:?} beyond {last_version}"
    );
    assert_eq!(
        versions,
        (2..=versions.len() as u64 + 1).collect::<Vec<_>>(),
        "versions are consecutive"
    );
    let item = json_of(&common::http(
        port,
        "GET",
        "/collections/demo.facilities/items/S01",
        None,
    ));
    let beds = item["properties"]["beds"].as_u64().unwrap();
    assert!(
        beds == last_beds || beds == last_beds + 1,
        "beds {beds} after the last acknowledged {last_beds}"
    );
    again.kill().unwrap();
    again.wait().unwrap();
}

/// A folder changed under its edits is refused at start, naming the edits file, rather than edited twice.
#[test]
fn a_folder_changed_under_its_edits_is_refused() {
    let state = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("demo");
    let demo = carecircle::load::load_dataset("geodata/demo".as_ref()).unwrap();
    carecircle::write::write_dataset(&demo, &folder, carecircle::crs::Crs::Wgs84, "").unwrap();
    let cwd: &std::path::Path = env!("CARGO_MANIFEST_DIR").as_ref();
    let data_arg = folder.to_str().unwrap();
    let (mut server, port) = common::start_server_with(state.path(), cwd, None, &["--data", data_arg]);
    let answer = common::http(
        port,
        "PATCH",
        "/collections/demo.facilities/items/S01",
        Some(r#"{"properties": {"beds": 5}}"#),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.kill().unwrap();
    server.wait().unwrap();
    let mut changed = demo.clone();
    changed.facilities[1].floor_area_m2 += 1.0;
    carecircle::write::write_dataset(&changed, &folder, carecircle::crs::Crs::Wgs84, "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data", data_arg, "--state-dir"])
        .arg(state.path())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("edits/demo.jsonl") && said.contains("no longer the one"),
        "{said}"
    );
}

/// `serve --require-if-match`: a change without If-Match is 428 and writes nothing; with it, taken.
#[test]
fn require_if_match_refuses_a_blind_write() {
    let state = tempfile::tempdir().unwrap();
    let cwd = env!("CARGO_MANIFEST_DIR").as_ref();
    let (mut server, port) = common::start_server_with(state.path(), cwd, None, &["--require-if-match"]);
    let answer = common::http(
        port,
        "PATCH",
        "/collections/demo.facilities/items/S01",
        Some(r#"{"properties": {"beds": 5}}"#),
    );
    assert!(answer.starts_with("HTTP/1.1 428"), "{answer}");
    let got = common::http(port, "GET", "/collections/demo.facilities/items/S01", None);
    assert_eq!(json_of(&got)["properties"]["beds"], serde_json::Value::Null);
    let tag = header(&got, "etag").unwrap().to_string();
    let answer = common::http_with(
        port,
        "PATCH",
        "/collections/demo.facilities/items/S01",
        &[("Content-Type", "application/merge-patch+json"), ("If-Match", &tag)],
        Some(r#"{"properties": {"beds": 5}}"#),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// The layer as it stood at a version or a moment (`?version`, `?at`), and the command line's history and
/// export of any version, beside a running server.
#[test]
fn earlier_versions_are_served_listed_and_exported() {
    let state = tempfile::tempdir().unwrap();
    let cwd = env!("CARGO_MANIFEST_DIR").as_ref();
    let (mut server, port) = common::start_server(state.path(), cwd);
    let patch = |body: &str| {
        let answer = common::http(port, "PATCH", "/collections/demo.facilities/items/S01", Some(body));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        json_of(&answer)
    };
    let first = patch(r#"{"properties": {"status": "closed"}}"#);
    let second = patch(r#"{"properties": {"beds": 30}}"#);
    assert_eq!(
        (first["version"].as_u64(), second["version"].as_u64()),
        (Some(2), Some(3))
    );
    let at = |q: &str| {
        json_of(&common::http(
            port,
            "GET",
            &format!("/collections/demo.facilities/items/S01{q}"),
            None,
        ))
    };
    assert_eq!(at("?version=1")["properties"]["status"], "operating");
    assert_eq!(at("?version=2")["properties"]["status"], "closed");
    assert_eq!(at("?version=2")["properties"]["beds"], serde_json::Value::Null);
    assert_eq!(at("?version=3")["properties"]["beds"], 30);
    assert_eq!(at("?at=2000-01-01")["properties"]["status"], "operating");
    assert_eq!(
        at(&format!("?at={}", second["at"].as_str().unwrap()))["properties"]["beds"],
        30
    );
    let gone = common::http(port, "GET", "/collections/demo.facilities/items/S01?version=7", None);
    assert!(gone.starts_with("HTTP/1.1 404"), "{gone}");
    let page = json_of(&common::http(
        port,
        "GET",
        "/collections/demo.facilities/items?version=1&filter=status%3D%27closed%27",
        None,
    ));
    let closed_then = page["numberMatched"].as_u64().unwrap();
    let page = json_of(&common::http(
        port,
        "GET",
        "/collections/demo.facilities/items?filter=status%3D%27closed%27",
        None,
    ));
    assert_eq!(page["numberMatched"].as_u64().unwrap(), closed_then + 1);

    // The command line, beside the running server.
    let state_arg = state.path().to_str().unwrap();
    let out = common::carecircle(&["db", "history", "demo", "--state-dir", state_arg, "--feature", "S01"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("status operating → closed") && text.contains("beds – → 30"),
        "{text}"
    );
    let out = common::carecircle(&["db", "history", "demo", "--state-dir", state_arg, "--format", "json"]);
    let edits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(edits.as_array().unwrap().len(), 2);
    let folder = tempfile::tempdir().unwrap();
    let demo = carecircle::load::load_dataset("geodata/demo".as_ref()).unwrap();
    for (version, expected_closed) in [("1", false), ("3", true)] {
        let dir = folder.path().join(format!("v{version}"));
        let out = common::carecircle(&[
            "db",
            "export",
            "demo",
            dir.to_str().unwrap(),
            "--state-dir",
            state_arg,
            "--data",
            "geodata/demo",
            "--version",
            version,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let back = carecircle::load::load_dataset(&dir).unwrap();
        let s01 = back.facilities.iter().find(|f| f.id == "S01").unwrap();
        assert_eq!(s01.status == carecircle::model::Status::Closed, expected_closed);
        if version == "1" {
            assert_eq!(
                carecircle::digest::dataset_digest(&back),
                carecircle::digest::dataset_digest(&demo)
            );
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// OWSLib (PyPI, pinned in the tests' venv) creates, replaces and deletes a facility as a named editor;
/// the server's history says each step, by that editor, and the facility is gone.
#[test]
fn owslib_creates_replaces_and_deletes_a_facility() {
    let Some(venv) = common::python_venv("OWSLib") else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let token = account(state.path(), "街道数据员", Role::Editor, &[]);
    let cwd = env!("CARGO_MANIFEST_DIR").as_ref();
    let (mut server, port) = common::start_server(state.path(), cwd);
    let demo = carecircle::load::load_dataset("geodata/demo".as_ref()).unwrap();
    let at = demo.residential_areas[0].location;
    let out = std::process::Command::new(venv.join("bin/python"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/owslib_edit.py"))
        .args([
            format!("http://127.0.0.1:{port}"),
            token.clone(),
            at.x().to_string(),
            at.y().to_string(),
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("created S-OWS-1 status building"), "{said}");
    assert!(said.contains("replaced S-OWS-1 beds 24 status operating"), "{said}");
    assert!(said.contains("deleted S-OWS-1: no feature"), "{said}");
    // What the server kept, read apart from OWSLib.
    let bearer = format!("Bearer {token}");
    let answer = common::http_with(
        port,
        "GET",
        "/collections/demo.facilities/items/S-OWS-1/history",
        &[("Authorization", &bearer)],
        None,
    );
    let history = json_of(&answer);
    let ops: Vec<(&str, &str)> = history["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["op"].as_str().unwrap(), e["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [
            ("create", "街道数据员"),
            ("replace", "街道数据员"),
            ("delete", "街道数据员")
        ]
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A body in another of the collection's CRSs (Part 2, `Content-Crs`): EPSG:4326 is latitude first, and
/// the feature lands where it says; a CRS the collection does not offer is 400 and writes nothing.
#[actix_web::test]
async fn a_body_in_another_crs_says_so_in_content_crs() {
    use serde_json::json;
    let state = tempfile::tempdir().unwrap();
    let app = web_test::init_service(
        App::new()
            .app_data(common::demo_state(state.path(), None))
            .configure(carecircle::server::router),
    )
    .await;
    let (lon, lat) = (119.4321, 25.9876);
    let station = |id: &str, coordinates: [f64; 2]| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
               "properties": {"id": id, "name": "纬度在前的站", "tier": "station", "floor_area_m2": 300.0, "status": "planned"}})
    };
    let epsg4326 = "<http://www.opengis.net/def/crs/EPSG/0/4326>";
    let (code, _, made) = common::send(
        &app,
        "POST",
        "/collections/demo.facilities/items",
        None,
        &[("Content-Crs", epsg4326)],
        Some(station("S-LAT-1", [lat, lon])),
    )
    .await;
    assert_eq!(code, 201, "{made}");
    let (_, _, back) = common::send(
        &app,
        "GET",
        "/collections/demo.facilities/items/S-LAT-1",
        None,
        &[],
        None,
    )
    .await;
    let c = back["geometry"]["coordinates"].as_array().unwrap();
    assert!(
        (c[0].as_f64().unwrap() - lon).abs() < 1e-9 && (c[1].as_f64().unwrap() - lat).abs() < 1e-9,
        "{back}"
    );
    let (code, _, refused) = common::send(
        &app,
        "POST",
        "/collections/demo.facilities/items",
        None,
        &[("Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/3857>")],
        Some(station("S-LAT-2", [lat, lon])),
    )
    .await;
    assert_eq!(code, 400, "{refused}");
    assert!(refused["detail"].as_str().unwrap().contains("Content-Crs"), "{refused}");
    let (code, _, _) = common::send(
        &app,
        "GET",
        "/collections/demo.facilities/items/S-LAT-2",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(code, 404);
}
