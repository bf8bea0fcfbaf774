//! Runs as records: `check --out` writes a whole run folder or nothing, the embedded store keeps runs byte
//! for byte across restarts and never hands an id out twice, maps draw only rules in force, and `compare`
//! gives the same ledger from the command line and over HTTP.

mod common;
use common::{carecircle, RULES};

use actix_web::{test as web_test, App};
use carecircle::compare::{compare, read_doc, By};
use carecircle::load::load_dataset;
use carecircle::server::router;
use carecircle::store::embedded::EmbeddedStore;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

fn check_out(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "geodata/demo", "--out", dir.to_str().unwrap(), "--rules"];
    args.extend(RULES);
    args.extend(extra);
    carecircle(&args)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn check_out_writes_the_record_and_replaces_an_old_run_folder_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = check_out(&dir, &["--by", "street"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("ledger.csv").exists());
    let record = read_json(&dir.join("check.json"));
    // The contract's fields and the record's.
    for field in ["dataset", "as_of", "mode", "rulesets", "summary", "findings"] {
        assert!(record.get(field).is_some(), "check.json lacks {field}");
    }
    assert!(record["id"].as_str().unwrap().starts_with("cli-"));
    assert_eq!(record["carecircle_version"], env!("CARGO_PKG_VERSION"));
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    assert_eq!(record["dataset_digest"], carecircle::digest::dataset_digest(&demo));
    assert_eq!(record["request"]["by"], "street");
    // Each ruleset's text, whose sha256 is the one named.
    for r in record["ruleset_texts"].as_array().unwrap() {
        let file = format!("rules/{}.toml", r["id"].as_str().unwrap());
        assert_eq!(r["text"].as_str().unwrap(), std::fs::read_to_string(file).unwrap());
    }
    // Every finding names the street and community it lies in, and those units are listed.
    let units: Vec<&str> = record["admin_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    let r011 = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "R011" && f["rule"] == "anxi-2022/service-radius")
        .unwrap();
    let street = r011["units"]["street"].as_str().unwrap();
    assert!(units.contains(&street));

    // Again into the same folder without --by: the stale ledger.csv goes with the rest of the old run.
    let out = check_out(&dir, &[]);
    assert!(out.status.success());
    assert!(
        !dir.join("ledger.csv").exists(),
        "a stale ledger.csv was left beside the new run"
    );
    assert_ne!(read_json(&dir.join("check.json"))["created"], Value::Null);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "nothing but the run folder is left beside it");

    // A folder holding a file carecircle did not write is refused, untouched.
    std::fs::write(dir.join("notes.txt"), "审计员的笔记").unwrap();
    let before = std::fs::read(dir.join("check.json")).unwrap();
    let out = check_out(&dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt"));
    assert_eq!(std::fs::read(dir.join("check.json")).unwrap(), before);
    assert!(dir.join("notes.txt").exists());
}

#[test]
fn as_of_map_draws_only_a_rule_in_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = check_out(tmp.path(), &["--as-of", "2021-12-31"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let record = read_json(&tmp.path().join("check.json"));
    let not_in_force: Vec<&str> = record["not_in_force"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleset"].as_str().unwrap())
        .collect();
    assert!(not_in_force.contains(&"anxi-2022"));
    let svg = std::fs::read_to_string(tmp.path().join("coverage.svg")).unwrap();
    // The map names the rule it draws: the first radius rule in force that day, not Anxi's.
    assert!(!svg.contains("anxi-2022/service-radius"));
    assert!(svg.contains("gb50180-2018/daycare-5min"));
}

macro_rules! app {
    ($state_dir:expr) => {
        web_test::init_service(
            App::new()
                .app_data(common::demo_state($state_dir, None))
                .configure(router),
        )
        .await
    };
}

macro_rules! post_check {
    ($app:expr, $body:expr) => {{
        let resp = web_test::call_service(
            &$app,
            web_test::TestRequest::post()
                .uri("/checks")
                .set_json($body)
                .to_request(),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 201);
        let created: Value = serde_json::from_slice(&web_test::read_body(resp).await).unwrap();
        created["id"].as_u64().unwrap()
    }};
}

macro_rules! get_bytes {
    ($app:expr, $uri:expr) => {{
        let resp = web_test::call_service(
            &$app,
            web_test::TestRequest::get().uri(&String::from($uri)).to_request(),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200, "{}", $uri);
        web_test::read_body(resp).await.to_vec()
    }};
}

const FILES: [&str; 6] = [
    "",
    "/findings",
    "/report.html",
    "/findings.xlsx",
    "/map.png",
    "/map.svg",
];

#[actix_web::test]
async fn embedded_runs_survive_a_restart_byte_for_byte_and_ids_never_repeat() {
    let state_dir = tempfile::tempdir().unwrap();
    let (first, second, kept) = {
        let app = app!(state_dir.path());
        let first = post_check!(app, json!({"dataset": "demo", "as_of": "2021-12-31", "by": "street"}));
        let second = post_check!(app, json!({"dataset": "demo", "rulesets": ["mawei-2020"]}));
        assert_eq!((first, second), (1, 2));
        let mut kept = Vec::new();
        for f in FILES {
            kept.push(get_bytes!(app, format!("/checks/{first}{f}")));
        }
        (first, second, kept)
    };
    // The server stopped; a second one on the same state directory is refused while it ran.
    {
        let _running = EmbeddedStore::open(vec![], state_dir.path()).unwrap();
        assert!(EmbeddedStore::open(vec![], state_dir.path()).is_err());
    }
    let app = app!(state_dir.path());
    let list: Value = serde_json::from_slice(&get_bytes!(app, "/checks")).unwrap();
    let ids: Vec<u64> = list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [first, second]);
    // The 2021 run names anxi-2022 as not applied, with its day; the later run applied everything.
    let skipped = &list["checks"][0]["not_in_force"];
    assert!(
        skipped
            .as_array()
            .unwrap()
            .contains(&json!({"ruleset": "anxi-2022", "effective": "2022-02-21"})),
        "{skipped}"
    );
    assert_eq!(list["checks"][1]["not_in_force"], json!([]));
    for (f, bytes) in FILES.iter().zip(&kept) {
        let after = get_bytes!(app, format!("/checks/{first}{f}"));
        assert!(after == *bytes, "/checks/{first}{f} changed across the restart");
    }
    // The run's findings as an OGC API collection, from the kept file.
    let record: Value = serde_json::from_slice(&kept[0]).unwrap();
    // One collection per geometry family; the demo's findings are points and polygons, none both.
    let mut matched = 0;
    for family in ["points", "polygons"] {
        let page: Value = serde_json::from_slice(&get_bytes!(
            app,
            format!("/collections/check-{first}.findings-{family}/items?limit=3")
        ))
        .unwrap();
        matched += page["numberMatched"].as_u64().unwrap();
    }
    assert_eq!(matched as usize, record["findings"].as_array().unwrap().len());

    // The newest run's folder removed by hand: its id is still not handed out again.
    std::fs::remove_dir_all(state_dir.path().join("runs").join(second.to_string())).unwrap();
    let third = post_check!(app, json!({"dataset": "demo", "rulesets": ["mawei-2020"]}));
    assert_eq!(third, 3);
    let resp = web_test::call_service(&app, web_test::TestRequest::get().uri("/checks/2").to_request()).await;
    assert_eq!(resp.status().as_u16(), 404);
}

#[actix_web::test]
async fn compare_over_http_is_the_ledger_of_the_two_kept_records() {
    let state_dir = tempfile::tempdir().unwrap();
    let app = app!(state_dir.path());
    let old = post_check!(app, json!({"dataset": "demo", "as_of": "2021-12-31"}));
    let new = post_check!(app, json!({"dataset": "demo"}));
    let body: Value =
        serde_json::from_slice(&get_bytes!(app, format!("/checks/{new}/compare/{old}?by=street"))).unwrap();
    let old_doc = get_bytes!(app, format!("/checks/{old}"));
    let new_doc = get_bytes!(app, format!("/checks/{new}"));
    let expected = compare(
        read_doc("old", &old_doc).unwrap(),
        read_doc("new", &new_doc).unwrap(),
        Some(By::Street),
    )
    .unwrap();
    assert_eq!(body["old"]["id"], old.to_string());
    assert_eq!(body["new"]["as_of"], "2024-12-31");
    assert_eq!(body["rules"].as_array().unwrap().len(), expected.rules.len());

    // Checked against the two records themselves: per rule, fixed = failing before and not after,
    // new = failing after and not before, still = in both.
    let old_v: Value = serde_json::from_slice(&old_doc).unwrap();
    let new_v: Value = serde_json::from_slice(&new_doc).unwrap();
    let failing = |doc: &Value, rule: &str| -> std::collections::BTreeSet<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let set = |v: &Value| -> std::collections::BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let mut fixed_somewhere = 0;
    for rule in body["rules"].as_array().unwrap() {
        let id = rule["rule"].as_str().unwrap();
        let (before, after) = (failing(&old_v, id), failing(&new_v, id));
        if rule["judged"] == "both" {
            assert_eq!(set(&rule["fixed"]), &before - &after, "{id}");
        }
        assert_eq!(set(&rule["new"]), &after - &before, "{id}");
        assert_eq!(set(&rule["still_failing"]), &before & &after, "{id}");
        fixed_somewhere += rule["fixed"].as_array().unwrap().len();
    }
    assert!(
        fixed_somewhere > 0,
        "the demo has facilities handed over after 2021 that fix gaps"
    );
    // Anxi's rules came into force in 2022: judged only in the newer run, never "fixed".
    let anxi = body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "anxi-2022/service-radius")
        .unwrap();
    assert_eq!(anxi["judged"], "new_only");
    assert!(body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| !w.as_str().unwrap().contains("digest")));

    // By street: every street row's subjects add up to the overall lists.
    let mut per_street = 0;
    for unit in body["by_unit"].as_array().unwrap() {
        for rule in unit["rules"].as_array().unwrap() {
            per_street += ["fixed", "new", "still_failing"]
                .iter()
                .map(|k| rule[*k].as_array().unwrap().len())
                .sum::<usize>();
        }
    }
    let overall: usize = body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            ["fixed", "new", "still_failing"]
                .iter()
                .map(|k| r[*k].as_array().unwrap().len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(per_street, overall);

    let html = String::from_utf8(get_bytes!(app, format!("/checks/{new}/compare/{old}?format=html"))).unwrap();
    assert!(html.contains("整改台账") && html.contains("不合格清单"));
    let xlsx = get_bytes!(app, format!("/checks/{new}/compare/{old}?format=xlsx"));
    assert!(xlsx.starts_with(b"PK"));
    let resp = web_test::call_service(
        &app,
        web_test::TestRequest::get()
            .uri(&format!("/checks/{new}/compare/{old}?by=planet"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    let resp = web_test::call_service(
        &app,
        web_test::TestRequest::get()
            .uri(&format!("/checks/{new}/compare/77"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 404);
}

#[test]
fn compare_from_the_command_line_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("2021"), tmp.path().join("2024"));
    assert!(check_out(&old, &["--as-of", "2021-12-31"]).status.success());
    assert!(check_out(&new, &[]).status.success());
    let run = |extra: &[&str]| {
        let mut args = vec!["compare", old.to_str().unwrap(), new.to_str().unwrap()];
        args.extend(extra);
        carecircle(&args)
    };
    let text = run(&["--by", "community"]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("整改台账") && text.contains("已整改 fixed") && text.contains("仍未整改"));

    let json = run(&["--format", "json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    // The CLI reads the same records the library compares.
    let expected = compare(
        read_doc("old", &std::fs::read(old.join("check.json")).unwrap()).unwrap(),
        read_doc("new", &std::fs::read(new.join("check.json")).unwrap()).unwrap(),
        None,
    )
    .unwrap();
    let fixed: usize = expected.rules.iter().map(|r| r.fixed.len()).sum();
    let fixed_json: usize = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fixed"].as_array().unwrap().len())
        .sum();
    assert_eq!(fixed, fixed_json);
    assert!(fixed > 0);

    let csv = run(&["--format", "csv"]).stdout;
    assert!(
        csv.starts_with("\u{feff}".as_bytes()),
        "CSV for Excel starts with a BOM"
    );
    let lines = String::from_utf8(csv).unwrap().lines().count();
    let subjects: usize = expected
        .rules
        .iter()
        .map(|r| r.fixed.len() + r.new.len() + r.still_failing.len())
        .sum();
    assert_eq!(lines, subjects + 1);

    let out = tmp.path().join("compare");
    assert!(run(&["--by", "street", "--out", out.to_str().unwrap()])
        .status
        .success());
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("整改台账 Rectification"));
    assert!(out.join("compare.xlsx").exists() && out.join("compare.csv").exists());

    // Not a check document: exit 2, named.
    std::fs::write(tmp.path().join("x.json"), "{\"hello\": 1}").unwrap();
    let bad = carecircle(&[
        "compare",
        tmp.path().join("x.json").to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("x.json"));
}

/// Without maps (no CJK font installed, or `--no-maps`), every file that needs no font is still written.
#[test]
fn check_out_without_maps_writes_everything_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = check_out(&dir, &["--no-maps", "--by", "community"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // Every file of a run but the two maps.
    let files = "check.json findings.geojson findings.csv summary.csv findings.xlsx ledger.csv report.html";
    for file in files.split(' ') {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(!dir.join("coverage.png").exists() && !dir.join("coverage.svg").exists());
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!report.contains("<svg") && report.contains("不合格清单"));
}

/// `check --out` killed mid-write (a crash injected by the debug build's test hook) never loses the
/// folder: killed before the swap, the earlier run is there whole; killed just after, the new one is; and
/// the next write removes what the killed one left beside it.
#[test]
fn a_killed_write_never_loses_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let check = |as_of: &str, crash: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"));
        c.args([
            "check",
            "geodata/demo",
            "--rules",
            "anxi-2022",
            "--no-maps",
            "--as-of",
            as_of,
            "--out",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CARECIRCLE_TEST_CRASH_AT");
        if let Some(at) = crash {
            c.env("CARECIRCLE_TEST_CRASH_AT", at);
        }
        c.output().unwrap()
    };
    let leftovers = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".run.carecircle-"))
            .count()
    };
    assert!(check("2024-12-31", None).status.success());
    let first = std::fs::read(out.join("check.json")).unwrap();
    let killed = check("2021-12-31", Some("before-swap"));
    assert!(!killed.status.success(), "the hook aborted the write");
    assert_eq!(
        std::fs::read(out.join("check.json")).unwrap(),
        first,
        "the earlier run is whole"
    );
    assert_eq!(leftovers(), 1, "the killed write's staging folder is left");
    let killed = check("2021-12-31", Some("after-swap"));
    assert!(!killed.status.success());
    let second = std::fs::read(out.join("check.json")).unwrap();
    assert_ne!(second, first, "the new run took the folder's place whole");
    assert!(String::from_utf8_lossy(&second).contains("2021-12-31"));
    assert!(check("2024-12-31", None).status.success());
    assert_eq!(leftovers(), 0, "the next write cleaned what the killed ones left");
}
