//! The PostGIS store against a real PostgreSQL/PostGIS: import and export round-trip exactly, re-import
//! makes a new version, the service serves from it, a kept run survives a restart and a re-import byte for
//! byte, and PostGIS's own ST_DWithin agrees with the engine's coverage.
//!
//! The database is `CARECIRCLE_TEST_DATABASE_URL` (scripts/test creates it). Without one, on a laptop,
//! these tests say loudly that they skipped; in CI (`CI=true`) a missing PostGIS fails them.

mod common;

use carecircle::engine::judge_rule;
use carecircle::load::load_dataset;
use carecircle::model::{Mode, Tier};
use carecircle::rules::{Metric, Rule, RuleKind, ServiceRadius};
use carecircle::store::postgis::PostgisStore;
use carecircle::store::{Records, Store};
use diesel::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A `count(*) AS n` row.
#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    n: i64,
}

/// The check both runs of the re-import test make.
fn kept_check() -> actix_http::Request {
    actix_web::test::TestRequest::post()
        .uri("/checks")
        .set_json(serde_json::json!({"dataset": "kept", "by": "community"}))
        .to_request()
}

/// One test at a time: they share the database.
static SERIAL: Mutex<()> = Mutex::new(());

fn store() -> Option<PostgisStore> {
    let url = std::env::var("CARECIRCLE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/carecircle_test".into());
    match PostgisStore::connect_unchecked(&url) {
        Ok(s) => {
            // One migration at a time: tests start together, and two cannot create one table.
            static MIGRATING: Mutex<()> = Mutex::new(());
            let _one = MIGRATING.lock().unwrap_or_else(|e| e.into_inner());
            s.migrate().expect("migrations apply");
            Some(s)
        }
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "PostGIS is required in CI ({url}): {e}");
            eprintln!("\n*** SKIPPED: no PostGIS at {url} ({e}); the PostGIS tests did not run ***\n");
            None
        }
    }
}

fn url() -> String {
    std::env::var("CARECIRCLE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/carecircle_test".into())
}

#[test]
fn import_export_round_trip_is_exact_and_reimport_replaces() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(store) = store() else { return };
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let description = toml::from_str::<toml::Table>(&std::fs::read_to_string("geodata/demo/dataset.toml").unwrap())
        .unwrap()["description"]
        .as_str()
        .unwrap()
        .to_string();
    let layers = std::cell::RefCell::new(Vec::new());
    let first = store
        .import("roundtrip", &demo, &description, &|layer, rows| {
            layers.borrow_mut().push((layer.to_string(), rows))
        })
        .unwrap();
    assert_eq!(layers.borrow()[2], ("facilities".to_string(), 96));
    // Twice: the second is the next version, and the first, which no run points at, is gone with its layers.
    assert_eq!(
        store.import("roundtrip", &demo, &description, &|_, _| {}).unwrap(),
        first + 1
    );
    let mut conn = PgConnection::establish(&url()).unwrap();
    let count: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM facilities f JOIN datasets d ON d.id = f.dataset_id WHERE d.name = 'roundtrip'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(count.n, 96);

    let back = store.dataset("roundtrip").unwrap();
    assert_eq!(back.version, Some(first + 1));
    // The digest kept at import is the digest of what comes back, and of the folder it came from.
    assert_eq!(back.digest(), carecircle::digest::dataset_digest(&back.dataset));
    assert_eq!(back.digest(), carecircle::digest::dataset_digest(&demo));
    let back = back.dataset;
    let dir = tempfile::tempdir().unwrap();
    carecircle::write::write_dataset(
        &back,
        dir.path(),
        carecircle::crs::Crs::Wgs84,
        &store.description("roundtrip").unwrap(),
    )
    .unwrap();
    for file in [
        "dataset.toml",
        "admin_units.geojson",
        "residential_areas.geojson",
        "facilities.geojson",
        "roads.geojson",
    ] {
        let exported = std::fs::read(dir.path().join(file)).unwrap();
        let original = std::fs::read(Path::new("geodata/demo").join(file)).unwrap();
        assert!(exported == original, "{file} differs after the round trip");
    }
    assert!(matches!(
        store.dataset("nope"),
        Err(carecircle::store::StoreError::NoDataset(_))
    ));
}

/// The oracle: PostGIS's ST_DWithin on geography and the engine agree on which areas are out of reach
/// (700 m, counted community facilities), on the demo and on a synthetic city of 20 000 areas.
#[test]
fn postgis_and_the_engine_find_the_same_uncovered_areas() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(store) = store() else { return };
    let mut conn = PgConnection::establish(&url()).unwrap();
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let rule = Rule::adhoc(
        "oracle/700",
        RuleKind::ServiceRadius(ServiceRadius {
            radius_m: 700.0,
            tiers: Tier::COMMUNITY.to_vec(),
            metric: Metric::Euclidean,
            // ST_DWithin includes the radius itself.
            strict: false,
            target: 1.0,
        }),
    );
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let synthetic = carecircle::synth::synthesize(20_000, 2_000, 7);
    for (name, dataset) in [("oracle-demo", demo), ("oracle-synth", synthetic)] {
        store.import(name, &dataset, "", &|_, _| {}).unwrap();
        let by_postgis: Vec<String> = diesel::sql_query(include_str!("sql/uncovered.sql"))
            .bind::<diesel::sql_types::Text, _>(name)
            .load::<Id>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        let (_, findings) = judge_rule(&rule, &carecircle::engine::Context::new(&dataset, Mode::Audit));
        let mut by_engine: Vec<String> = findings.into_iter().map(|f| f.id).collect();
        by_engine.sort();
        assert!(!by_engine.is_empty(), "{name}");
        assert_eq!(by_engine, by_postgis, "{name}");
    }
}

#[actix_web::test]
async fn the_service_serves_from_postgis() {
    let store = {
        let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let Some(store) = store() else { return };
        let demo = load_dataset(Path::new("geodata/demo")).unwrap();
        store.import("served", &demo, "", &|_, _| {}).unwrap();
        store
    };
    use actix_web::{test, App};
    let rulesets = vec![carecircle::rules::load_ruleset(Path::new("rules/mawei-2020.toml")).unwrap()];
    let state = carecircle::server::state(Arc::new(store), rulesets, None, false);
    let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
    let page: serde_json::Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/collections/served.facilities/items?limit=10")
            .to_request(),
    )
    .await;
    assert_eq!(page["numberMatched"], 96);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/checks")
            .set_json(serde_json::json!({"dataset": "served", "by": "street"}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    let created: serde_json::Value = test::read_body_json(resp).await;
    let id = created["id"].as_u64().unwrap();
    // Read back from the database as kept.
    let doc: serde_json::Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get().uri(&format!("/checks/{id}")).to_request(),
    )
    .await;
    assert_eq!(
        doc["findings"].as_array().unwrap().len() as u64,
        created["findings"].as_u64().unwrap()
    );
    assert_eq!(doc["rulesets"][0]["id"], "mawei-2020");
    // The findings are rows too, column for column as the document has them.
    #[derive(QueryableByName)]
    struct FindingRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        rule: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        subject_id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Float8>)]
        measured: Option<f64>,
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
        facilities: Vec<String>,
    }
    let rows: Vec<FindingRow> =
        diesel::sql_query("SELECT rule, subject_id, measured, facilities FROM findings WHERE run_id = $1 ORDER BY ord")
            .bind::<diesel::sql_types::Int8, _>(id as i64)
            .load(&mut PgConnection::establish(&url()).unwrap())
            .unwrap();
    let kept = doc["findings"].as_array().unwrap();
    assert_eq!(rows.len(), kept.len());
    for (row, finding) in rows.iter().zip(kept) {
        assert_eq!(row.rule, finding["rule"].as_str().unwrap());
        assert_eq!(row.subject_id, finding["id"].as_str().unwrap());
        // The row keeps the figure unrounded; the document shows it rounded.
        match (row.measured, finding["measured"].as_f64()) {
            (Some(row), Some(shown)) => assert!((row - shown).abs() < 0.06, "{row} vs {shown}"),
            (row, shown) => assert_eq!(row, shown),
        }
        assert_eq!(serde_json::json!(row.facilities), finding["facilities"]);
    }
    assert!(rows.iter().any(|r| !r.facilities.is_empty()) && rows.iter().any(|r| r.measured.is_some()));
    assert_eq!(
        doc["by_unit"].as_array().unwrap().len(),
        4 * doc["summary"].as_array().unwrap().len()
    );

    // Vector tiles from the PostGIS store: the zoom-7 tile over the demo draws its first facility; after
    // the dataset is imported again with that facility renamed, the tile shows the new name (the tile
    // index follows the store's newest version).
    let first = &load_dataset(Path::new("geodata/demo")).unwrap().facilities[0]
        .id
        .clone();
    let tile = "/collections/served.facilities/tiles/WebMercatorQuad/7/54/106";
    let body = test::call_and_read_body(&app, test::TestRequest::get().uri(tile).to_request()).await;
    assert!(String::from_utf8_lossy(&body).contains(first.as_str()));
    {
        let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let Some(store) = crate::store() else { return };
        let mut demo = load_dataset(Path::new("geodata/demo")).unwrap();
        demo.facilities[0].id = "RENAMED-FIRST".into();
        store.import("served", &demo, "", &|_, _| {}).unwrap();
    }
    let body = test::call_and_read_body(&app, test::TestRequest::get().uri(tile).to_request()).await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("RENAMED-FIRST") && !text.contains(&format!("\n\u{3}{first}")),
        "{text}"
    );
    // The run's findings are tiles too.
    let findings = format!("/collections/check-{id}.findings-polygons/tiles/WebMercatorQuad/7/54/106");
    let resp = test::call_service(&app, test::TestRequest::get().uri(&findings).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(!test::read_body(resp).await.is_empty());
}

/// A kept run is a record: after the dataset is imported again with other content, and after a restart
/// (a new store on the same database), the run reads back byte for byte; the old version stays while the
/// run points at it, and the next run gets a new id and judges the new version.
#[actix_web::test]
// Each test has its own thread and runtime: the lock only keeps tests sharing the database apart.
#[allow(clippy::await_holding_lock)]
async fn a_kept_run_survives_a_reimport_and_a_restart_byte_for_byte() {
    use actix_web::{test, App};
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(store) = store() else { return };
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let first_version = store.import("kept", &demo, "", &|_, _| {}).unwrap();
    let rulesets = vec![carecircle::rules::load_ruleset(Path::new("rules/mawei-2020.toml")).unwrap()];
    let files = ["", "/findings", "/report.html", "/findings.xlsx"];

    let (id, before) = {
        let state = carecircle::server::state(Arc::new(store), rulesets.clone(), None, false);
        let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
        let created: serde_json::Value = test::call_and_read_body_json(&app, kept_check()).await;
        let id = created["id"].as_u64().unwrap();
        assert_eq!(created["dataset_version"], first_version);
        let mut before = Vec::new();
        for f in files {
            let uri = format!("/checks/{id}{f}");
            before.push(test::call_and_read_body(&app, test::TestRequest::get().uri(&uri).to_request()).await);
        }
        (id, before)
    };
    let record: serde_json::Value = serde_json::from_slice(&before[0]).unwrap();
    assert_eq!(record["id"], id.to_string());
    assert_eq!(record["dataset_digest"], carecircle::digest::dataset_digest(&demo));
    let findings_before = record["findings"].as_array().unwrap().len();

    // The same name, other content: the first 20 facilities are gone.
    let mut changed = demo.clone();
    changed.facilities.drain(0..20);
    let restarted = PostgisStore::connect(&url()).unwrap();
    assert_eq!(
        restarted.import("kept", &changed, "", &|_, _| {}).unwrap(),
        first_version + 1
    );
    let mut conn = PgConnection::establish(&url()).unwrap();
    let versions: Count = diesel::sql_query("SELECT count(*) AS n FROM datasets WHERE name = 'kept'")
        .get_result(&mut conn)
        .unwrap();
    assert!(versions.n >= 2, "the version the run points at stays");

    let state = carecircle::server::state(Arc::new(restarted), rulesets, None, false);
    let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
    for (f, bytes) in files.iter().zip(&before) {
        let uri = format!("/checks/{id}{f}");
        let after = test::call_and_read_body(&app, test::TestRequest::get().uri(&uri).to_request()).await;
        assert!(after == *bytes, "{uri} changed after the re-import and restart");
    }
    let again: serde_json::Value = test::call_and_read_body_json(&app, kept_check()).await;
    assert!(again["id"].as_u64().unwrap() > id);
    assert_eq!(again["dataset_version"], first_version + 1);
    assert_ne!(again["dataset_digest"], record["dataset_digest"]);
    // Fewer facilities, more gaps: the new run says so, the old one still says what it said.
    assert!(again["findings"].as_u64().unwrap() > findings_before as u64);

    // A run as of a day before its ruleset took effect lists it as not applied, in the store's summary too.
    let early = test::TestRequest::post()
        .uri("/checks")
        .set_json(serde_json::json!({"dataset": "kept", "as_of": "2019-12-31"}))
        .to_request();
    let early: serde_json::Value = test::call_and_read_body_json(&app, early).await;
    let list: serde_json::Value =
        test::call_and_read_body_json(&app, test::TestRequest::get().uri("/checks").to_request()).await;
    let kept = list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == early["id"])
        .unwrap();
    assert_eq!(
        kept["not_in_force"],
        serde_json::json!([{"ruleset": "mawei-2020", "effective": "2020-01-01"}])
    );
    assert_eq!(kept["rules"], 0);
}

/// Checks racing re-imports of the dataset they judge: each kept run judged one whole version, points at
/// it afterwards (the import's pruning skips a version a check has pinned), and carries that version's
/// digest — its findings are those of a check of that version, made again after the race. Two imports
/// of one name at once are serialised, not a unique-key error.
#[test]
fn checks_racing_reimports_keep_what_they_judged() {
    use carecircle::check::{check, CheckRequest};
    use std::sync::atomic::{AtomicBool, Ordering};
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(store) = store() else { return };
    let store = Arc::new(store);
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    // Versions that judge differently: the whole demo, and the demo with half its facilities.
    let mut half = demo.clone();
    half.facilities.truncate(48);
    let first = store.import("raced", &demo, "", &|_, _| {}).unwrap();
    let rulesets = vec![carecircle::rules::load_ruleset(Path::new("rules/anxi-2022.toml")).unwrap()];
    let request = move || CheckRequest {
        rulesets: rulesets.clone(),
        mode: Mode::Audit,
        as_of: None,
        by: None,
    };
    let done = Arc::new(AtomicBool::new(false));
    let importers: Vec<_> = (0..2)
        .map(|k| {
            let (store, done) = (Arc::clone(&store), Arc::clone(&done));
            let (demo, half) = (demo.clone(), half.clone());
            std::thread::spawn(move || {
                for i in 0..10 {
                    let d = if (i + k) % 2 == 0 { &half } else { &demo };
                    store
                        .import("raced", d, "", &|_, _| {})
                        .expect("imports of one name wait for each other");
                }
                done.store(true, Ordering::SeqCst);
            })
        })
        .collect();
    let checkers: Vec<_> = (0..2)
        .map(|_| {
            let (store, done, request) = (Arc::clone(&store), Arc::clone(&done), request.clone());
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                while !done.load(Ordering::SeqCst) || kept.len() < 2 {
                    let source = store.dataset("raced").unwrap();
                    let judged = check(&source, request()).unwrap();
                    let summary = carecircle::store::keep(store.as_ref(), &judged, None, None).unwrap();
                    kept.push((summary, judged.report.findings.len()));
                }
                kept
            })
        })
        .collect();
    for t in importers {
        t.join().unwrap();
    }
    let kept: Vec<_> = checkers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let mut conn = PgConnection::establish(&url()).unwrap();
    let mut versions_judged = std::collections::BTreeSet::new();
    for (summary, findings) in &kept {
        let pointing: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM check_runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.id = $1 AND d.version = $2",
        )
        .bind::<diesel::sql_types::Int8, _>(summary.id as i64)
        .bind::<diesel::sql_types::Int4, _>(summary.dataset_version.unwrap() as i32)
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(pointing.n, 1, "run {} points at the version it judged", summary.id);
        let version = store
            .dataset_version("raced", summary.dataset_version.unwrap())
            .unwrap();
        assert_eq!(
            summary.dataset_digest,
            carecircle::digest::dataset_digest(&version.dataset),
            "run {}: the digest of what it judged",
            summary.id
        );
        let again = check(&version, request()).unwrap();
        assert_eq!(
            again.report.findings.len(),
            *findings,
            "run {}: a check of its own version",
            summary.id
        );
        assert_eq!(summary.findings, *findings);
        versions_judged.insert(version.dataset.facilities.len());
    }
    // Twenty versions were made after the first, numbered one after another.
    let latest: Count = diesel::sql_query("SELECT max(version)::int8 AS n FROM datasets WHERE name = 'raced'")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(latest.n, i64::from(first) + 20);
    assert!(kept.len() >= 4, "{} runs", kept.len());
    eprintln!(
        "{} checks raced 20 imports; versions judged held {versions_judged:?} facilities",
        kept.len()
    );
}

/// A schema of the test database of its own, made anew and migrated: a connection to the database and
/// the URL whose connections use the schema; `None` without PostGIS (said by `store`).
fn own_schema(name: &str) -> Option<(PgConnection, String)> {
    let store = store()?;
    drop(store);
    let mut conn = PgConnection::establish(&url()).unwrap();
    for sql in [
        format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
        format!("CREATE SCHEMA {name}"),
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    let sep = if url().contains('?') { '&' } else { '?' };
    let schema_url = format!("{}{sep}options=-csearch_path%3D{name},public", url());
    PostgisStore::connect_unchecked(&schema_url).unwrap().migrate().unwrap();
    Some((conn, schema_url))
}

/// A database whose layer table lacks a field's column is refused at connect, naming the table and the
/// column (an import would otherwise drop the field's values without a word). Made in a schema of its
/// own so the other tests' tables stay whole.
#[test]
fn a_table_without_a_fields_column_is_refused_by_name() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((mut conn, drift_url)) = own_schema("drift") else {
        return;
    };
    assert!(
        PostgisStore::connect(&drift_url).is_ok(),
        "a migrated schema matches the field tables"
    );
    diesel::sql_query("ALTER TABLE drift.facilities DROP COLUMN meal_service")
        .execute(&mut conn)
        .unwrap();
    let refused = PostgisStore::connect(&drift_url).err().expect("refused").to_string();
    assert!(
        refused.contains("table facilities has no column meal_service"),
        "{refused}"
    );
    diesel::sql_query("DROP SCHEMA drift CASCADE")
        .execute(&mut conn)
        .unwrap();
}

/// Accounts kept in PostGIS: the CLI adds them and gives tokens (kept as digests only), the store finds an
/// enabled account by its token's digest, and the service's policy reads them — in a schema of its own,
/// so the other tests' service stays without accounts.
#[actix_web::test]
async fn accounts_are_kept_in_postgis_and_the_policy_reads_them() {
    use carecircle::accounts::{token_digest, Account, Role};
    let Some((mut conn, acct_url)) = own_schema("acct") else {
        return;
    };
    let store = PostgisStore::connect(&acct_url).unwrap();
    assert!(store.accounts().unwrap().is_empty());

    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(["users", "--database-url", &acct_url])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    cli(&["add", "viewer", "--role", "viewer", "--scope", "350105001"]);
    cli(&["add", "审计员", "--role", "auditor"]);
    let viewer = cli(&["token", "viewer"]);
    let auditor = cli(&["token", "审计员"]);
    let accounts = store.accounts().unwrap();
    assert_eq!(
        accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["viewer", "审计员"]
    );
    assert_eq!(accounts[0].scope, ["350105001"]);
    // Each token is kept as its digest only.
    assert_eq!(accounts[1].role, Role::Auditor);
    assert_eq!(
        accounts[1].token_sha256.as_deref(),
        Some(token_digest(&auditor).as_str())
    );
    assert_eq!(
        accounts[0].token_sha256.as_deref(),
        Some(token_digest(&viewer).as_str())
    );
    // Adding a taken name is refused; replacing an unknown one too.
    let taken = Account::new("viewer", Role::Admin, vec![]).unwrap();
    assert!(store.save_account(&taken, false).is_err());
    let unknown = Account::new("nobody", Role::Admin, vec![]).unwrap();
    assert!(store.save_account(&unknown, true).is_err());

    use actix_web::{test, App};
    let state = carecircle::server::state(Arc::new(store), Vec::new(), None, false);
    let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
    let call = |token: Option<&str>, post: bool| {
        let mut req = if post {
            test::TestRequest::post()
                .uri("/checks")
                .set_json(serde_json::json!({"dataset": "none"}))
        } else {
            test::TestRequest::get().uri("/collections")
        };
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        req.to_request()
    };
    macro_rules! status {
        ($token:expr, $post:expr) => {
            test::call_service(&app, call($token, $post))
                .await
                .status()
                .as_u16()
        };
    }
    assert_eq!(status!(None, false), 401);
    assert_eq!(status!(Some(&viewer), false), 200);
    assert_eq!(status!(Some(&viewer), true), 403);
    // Past the policy: no dataset "none" here.
    assert_eq!(status!(Some(&auditor), true), 404);
    cli(&["disable", "viewer"]);
    assert_eq!(status!(Some(&viewer), false), 401);
    // The audit trail: five account changes on the command line, then the viewer's refused check and
    // the auditor's; the chain walks whole, and the table takes no change.
    let audit = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(["audit", "--database-url", &acct_url])
            .args(args)
            .output()
            .unwrap()
    };
    let text = String::from_utf8(audit(&[]).stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + 7, "{text}");
    assert!(text.contains("\tviewer\tPOST /checks\t-\t-\t403\t"), "{text}");
    assert!(text.contains("\t审计员\tPOST /checks\tnone\t-\t404\t"), "{text}");
    let verified = audit(&["--verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("7 entries"));
    let refused = diesel::sql_query("UPDATE acct.audit_log SET status = 201 WHERE status = 403").execute(&mut conn);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    assert!(diesel::sql_query("DELETE FROM acct.audit_log")
        .execute(&mut conn)
        .is_err());
    diesel::sql_query("DROP SCHEMA acct CASCADE")
        .execute(&mut conn)
        .unwrap();
}

/// A viewer scoped to 罗星街道 reads only its street of a PostGIS dataset and run (items, tiles,
/// findings), and an administrator voids a run, as on the embedded store — in a schema of its own.
#[actix_web::test]
async fn a_scoped_viewer_reads_only_its_street_and_a_void_is_kept_in_postgis() {
    use carecircle::accounts::{new_token, Account, Role};
    let Some((mut conn, scope_url)) = own_schema("scoped") else {
        return;
    };
    let store = PostgisStore::connect(&scope_url).unwrap();
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    store.import("demo", &demo, "", &|_, _| {}).unwrap();
    let token = |name: &str, role: Role, scope: Vec<String>| {
        let (token, digest) = new_token().unwrap();
        let account = Account::new(name, role, scope).unwrap().with_token(digest);
        store.save_account(&account, false).unwrap();
        token
    };
    let viewer = token("罗星查看", Role::Viewer, vec!["350105001".into()]);
    let auditor = token("审计", Role::Auditor, vec![]);
    let admin = token("管理员", Role::Admin, vec![]);
    use actix_web::{test, App};
    let rulesets = vec![carecircle::rules::load_ruleset(Path::new("rules/anxi-2022.toml")).unwrap()];
    let state = carecircle::server::state(Arc::new(store), rulesets, None, false);
    let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
    let run = common::create_run(&app, &["anxi-2022"], Some(&auditor)).await;
    common::a_scoped_viewer_reads_only_its_street(&app, "demo", run, &viewer, &auditor).await;
    // Voiding, on the same store: a row of run_voids, which no one may change or remove.
    common::create_run(&app, &["anxi-2022"], Some(&auditor)).await;
    common::voiding_keeps_the_run_and_records_the_void(&app, run, &admin, &auditor).await;
    for sql in [
        "UPDATE scoped.run_voids SET reason = 'x'",
        "DELETE FROM scoped.run_voids",
    ] {
        let refused = diesel::sql_query(sql).execute(&mut conn).unwrap_err().to_string();
        assert!(refused.contains("never changed or taken back"), "{sql}: {refused}");
    }
    diesel::sql_query("DROP SCHEMA scoped CASCADE")
        .execute(&mut conn)
        .unwrap();
}

/// `db import` on the command line goes on the audit trail, naming the dataset and its version; `db
/// export --format gpkg` writes it back as one GeoPackage that reads as the same dataset, and
/// `--format parquet` as GeoParquet files that do too.
#[test]
fn an_import_goes_on_the_audit_trail_and_exports_as_a_geopackage() {
    let Some((mut conn, import_url)) = own_schema("imported") else {
        return;
    };
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(args)
            .args(["--database-url", &import_url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    cli(&["db", "import", "geodata/demo", "--name", "马尾"]);
    let trail = cli(&["audit"]);
    assert!(
        trail.contains("\tdb import geodata/demo (version 1)\t马尾\t"),
        "{trail}"
    );
    // And back out as one GeoPackage, read again as the very dataset imported.
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("马尾");
    cli(&["db", "export", "马尾", folder.to_str().unwrap(), "--format", "gpkg"]);
    assert!(folder.join("dataset.gpkg").is_file());
    let digest = |d: &Path| carecircle::digest::dataset_digest(&load_dataset(d).unwrap());
    assert_eq!(digest(&folder), digest(Path::new("geodata/demo")));
    // And as GeoParquet, a file a layer, for DuckDB and Sedona.
    let columnar = out.path().join("columnar");
    cli(&[
        "db",
        "export",
        "马尾",
        columnar.to_str().unwrap(),
        "--format",
        "parquet",
    ]);
    assert!(columnar.join("facilities.parquet").is_file());
    assert_eq!(digest(&columnar), digest(Path::new("geodata/demo")));
    diesel::sql_query("DROP SCHEMA imported CASCADE")
        .execute(&mut conn)
        .unwrap();
}

/// Keeping the ledger through OGC API – Features Part 4 on PostGIS: the scenario the embedded store passes
/// (`common::editing_keeps_the_ledger`), each write a new version with a `feature_edits` row no one may
/// change, and an earlier version read back as it stood — from its rows, and once pruned, by undoing.
#[actix_web::test]
async fn editing_keeps_the_ledger_in_postgis() {
    use carecircle::accounts::{new_token, Account, Role};
    let Some((mut conn, url)) = own_schema("editing") else {
        return;
    };
    let store = Arc::new(PostgisStore::connect(&url).unwrap());
    let demo = load_dataset(Path::new("geodata/demo")).unwrap();
    let first = store.import("demo", &demo, "", &|_, _| {}).unwrap();
    let token = |name: &str, role: Role, scope: Vec<String>| {
        let (token, digest) = new_token().unwrap();
        let account = Account::new(name, role, scope).unwrap().with_token(digest);
        store.save_account(&account, false).unwrap();
        token
    };
    let editor = token("编辑甲", Role::Editor, vec![]);
    let second = token("编辑乙", Role::Editor, vec![]);
    let scoped = token("罗星编辑", Role::Editor, vec!["350105001".into()]);
    let viewer = token("查看", Role::Viewer, vec![]);
    let auditor = token("审计", Role::Auditor, vec![]);
    use actix_web::{test, App};
    let rulesets = ["anxi-2022", "jinan-2017", "mawei-2020"]
        .iter()
        .map(|r| carecircle::rules::load_ruleset(Path::new(&format!("rules/{r}.toml"))).unwrap())
        .collect();
    let shared: Arc<dyn Store> = store.clone();
    let state = carecircle::server::state(shared, rulesets, None, false);
    let app = test::init_service(App::new().app_data(state).configure(carecircle::server::router)).await;
    common::editing_keeps_the_ledger(&app, &editor, &second, &scoped, &viewer, &auditor).await;
    // Four writes were kept (the delete, two updates, a create): four versions after the import.
    let edits = store.edits("demo").unwrap();
    assert_eq!(edits.len(), 4);
    assert_eq!(edits.last().unwrap().version, first + 4);
    assert_eq!(store.dataset("demo").unwrap().version, Some(first + 4));
    // Read back by another connection from the rows (the untouched layers copied in the database, the
    // edited one written anew), the newest version is what the edits made, to the digest.
    let fresh = PostgisStore::connect(&url).unwrap().dataset("demo").unwrap();
    assert_eq!(fresh.version, Some(first + 4));
    assert_eq!(
        carecircle::digest::dataset_digest(&fresh.dataset),
        carecircle::digest::dataset_digest(&store.dataset("demo").unwrap().dataset)
    );
    assert!(fresh.dataset.facilities.iter().any(|f| f.id == "S-NEW-1"));
    assert!(fresh.dataset.facilities.iter().all(|f| f.id != "D89"));
    // The imported version, made again by undoing every edit, is the demo to the digest.
    let then = store.dataset_at("demo", first).unwrap();
    assert_eq!(then.digest(), carecircle::digest::dataset_digest(&demo));
    // The command line lists the edits and exports any version.
    let out = common::carecircle(&["db", "history", "demo", "--database-url", &url, "--feature", "S01"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("beds – → 12") && text.contains("beds 12 → 14") && text.contains("编辑乙"),
        "{text}"
    );
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("first");
    let version = first.to_string();
    let out = common::carecircle(&[
        "db",
        "export",
        "demo",
        dir.to_str().unwrap(),
        "--database-url",
        &url,
        "--version",
        &version,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let back = load_dataset(&dir).unwrap();
    assert_eq!(
        carecircle::digest::dataset_digest(&back),
        carecircle::digest::dataset_digest(&demo)
    );
    for sql in [
        "UPDATE editing.feature_edits SET by_who = 'x'",
        "DELETE FROM editing.feature_edits",
    ] {
        let refused = diesel::sql_query(sql).execute(&mut conn).unwrap_err().to_string();
        assert!(refused.contains("never changed or removed"), "{sql}: {refused}");
    }
    diesel::sql_query("DROP SCHEMA editing CASCADE")
        .execute(&mut conn)
        .unwrap();
}
