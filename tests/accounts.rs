//! Accounts and roles (`carecircle users`, `server::policy`): every route of the OpenAPI document has an
//! entry in the one policy table; each role reaches what the table says and is told 401 or 403 otherwise;
//! a service without accounts stays as it was.

mod common;

use actix_web::{test as web_test, App};
use carecircle::accounts::Role;
use carecircle::server::policy::{Access, POLICY};
use carecircle::server::router;
use serde_json::{json, Value};
use std::process::Output;

fn users(state: &std::path::Path, args: &[&str]) -> Output {
    let mut all = vec!["users", "--state-dir", state.to_str().unwrap()];
    all.extend(args);
    common::carecircle(&all)
}

/// An account of `role` named after it, made with the CLI; its token.
fn account(state: &std::path::Path, role: &str) -> String {
    let added = users(state, &["add", role, "--role", role]);
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let token = users(state, &["token", role]);
    assert_eq!(token.status.code(), Some(0));
    String::from_utf8(token.stdout).unwrap().trim().to_string()
}

/// The service on the demo with its state (and accounts) in `state`.
async fn service(
    state: &std::path::Path,
    token: Option<&str>,
) -> impl actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error>
{
    web_test::init_service(App::new().app_data(common::demo_state(state, token)).configure(router)).await
}

#[actix_web::test]
async fn every_documented_route_has_a_policy_entry() {
    let state = tempfile::tempdir().unwrap();
    let app = service(state.path(), None).await;
    let (status, doc) = common::get_json(&app, "/openapi.json").await;
    assert_eq!(status, 200);
    let mut missing = Vec::new();
    let mut routes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
        {
            routes += 1;
            let m = method.to_uppercase();
            if !POLICY.iter().any(|r| r.method == m && r.path == path) {
                missing.push(format!("{m} {path}"));
            }
        }
    }
    assert!(routes >= 37, "{routes} routes");
    assert!(
        missing.is_empty(),
        "routes with no entry in server::policy::POLICY: {missing:?}"
    );
    // And nothing in the table that the document does not have.
    for r in POLICY {
        let (m, p) = (r.method, r.path);
        assert!(
            doc["paths"][p][m.to_lowercase()].is_object(),
            "POLICY names {m} {p}, which is not a route"
        );
    }
}

use common::status;

#[actix_web::test]
async fn each_role_reaches_what_the_table_says_and_no_more() {
    let state = tempfile::tempdir().unwrap();
    let tokens: Vec<(Role, String)> = Role::ALL.iter().map(|r| (*r, account(state.path(), r.key()))).collect();
    let app = service(state.path(), Some("shared-token-0123456789")).await;
    // A run to read, made by the auditor.
    let auditor = &tokens[2].1;
    let (made, run) = status(&app, "POST", "/checks", Some(auditor)).await;
    assert_eq!(made, 201, "{run}");
    let id = run["id"].as_u64().unwrap();
    let routes = [
        ("GET", "/".to_string()),
        ("GET", "/collections".to_string()),
        ("GET", "/collections/demo.facilities/items?limit=1".to_string()),
        (
            "GET",
            "/collections/demo.facilities/tiles/WebMercatorQuad/7/54/106".to_string(),
        ),
        ("GET", format!("/checks/{id}")),
        ("GET", "/coverage?dataset=demo&radius_m=500".to_string()),
        ("POST", "/review".to_string()),
        ("POST", "/checks".to_string()),
        ("GET", format!("/checks/{id}/findings.csv")),
        ("GET", format!("/checks/{id}/compare/{id}")),
    ];
    for (method, uri) in &routes {
        let path = uri.split('?').next().unwrap();
        let needs = carecircle::server::policy::access(method, path);
        // No token: open routes only.
        let (code, body) = status(&app, method, uri, None).await;
        match needs {
            Access::Open => assert!(code < 400, "{method} {uri} anonymous: {code} {body}"),
            Access::Least(_) => {
                assert_eq!(code, 401, "{method} {uri} anonymous: {body}");
                assert!(body["detail"].as_str().unwrap().contains("users token"), "{body}");
            }
        }
        for (role, token) in &tokens {
            let (code, body) = status(&app, method, uri, Some(token)).await;
            let allowed = match needs {
                Access::Open => true,
                Access::Least(least) => role.allows(least),
            };
            if allowed {
                assert!(
                    code != 401 && code != 403,
                    "{} {method} {uri}: {code} {body}",
                    role.key()
                );
            } else {
                assert_eq!(code, 403, "{} {method} {uri}: {body}", role.key());
                let detail = body["detail"].as_str().unwrap();
                assert!(
                    detail.contains(role.key()) && detail.contains("needs the role"),
                    "{detail}"
                );
            }
        }
    }
    // The reviewer reaches plan review (a bad body, so 400 — past the policy) but not a check.
    assert_eq!(status(&app, "POST", "/review", Some(&tokens[1].1)).await.0, 400);
    assert_eq!(status(&app, "POST", "/checks", Some(&tokens[1].1)).await.0, 403);
    // The shared token still works, as an administrator.
    assert_eq!(
        status(&app, "POST", "/checks", Some("shared-token-0123456789")).await.0,
        201
    );
    // An unknown token is told apart from none; a disabled account's token stops working at once.
    let (code, body) = status(&app, "GET", "/collections", Some("cc_0000")).await;
    assert_eq!(code, 401);
    assert!(body["detail"].as_str().unwrap().contains("not known"), "{body}");
    let viewer = &tokens[0].1;
    assert_eq!(status(&app, "GET", "/collections", Some(viewer)).await.0, 200);
    assert_eq!(users(state.path(), &["disable", "viewer"]).status.code(), Some(0));
    assert_eq!(status(&app, "GET", "/collections", Some(viewer)).await.0, 401);
    // A new token replaces the old one.
    let admin_again = users(state.path(), &["token", "admin"]);
    let new_admin = String::from_utf8(admin_again.stdout).unwrap().trim().to_string();
    assert_eq!(status(&app, "GET", "/collections", Some(&tokens[4].1)).await.0, 401);
    assert_eq!(status(&app, "GET", "/collections", Some(&new_admin)).await.0, 200);
    // The web app's sign-in cookie counts for reads, never for changes.
    let read = web_test::TestRequest::get()
        .uri("/collections")
        .insert_header(("Cookie", format!("lang=zh; carecircle_token={new_admin}")))
        .to_request();
    assert_eq!(web_test::call_service(&app, read).await.status().as_u16(), 200);
    let change = web_test::TestRequest::post()
        .uri("/checks")
        .insert_header(("Cookie", format!("carecircle_token={new_admin}")))
        .set_json(json!({"dataset": "demo"}))
        .to_request();
    assert_eq!(web_test::call_service(&app, change).await.status().as_u16(), 401);
}

#[actix_web::test]
async fn without_accounts_the_service_is_as_it_was() {
    let state = tempfile::tempdir().unwrap();
    let app = service(state.path(), None).await;
    assert_eq!(status(&app, "GET", "/collections", None).await.0, 200);
    assert_eq!(status(&app, "POST", "/checks", None).await.0, 201);
    // A token nobody configured is not looked at.
    assert_eq!(status(&app, "GET", "/collections", Some("cc_whatever")).await.0, 200);
}

#[test]
fn the_cli_keeps_accounts_and_refuses_what_it_cannot_do() {
    let state = tempfile::tempdir().unwrap();
    let s = state.path();
    let err = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let bad_role = users(s, &["add", "bob", "--role", "root"]);
    assert_eq!(bad_role.status.code(), Some(2), "{}", err(&bad_role));
    assert!(err(&bad_role).contains("unknown role"), "{}", err(&bad_role));
    let ok = users(s, &["add", "罗星街道办", "--role", "编辑", "--scope", "350105001"]);
    assert_eq!(ok.status.code(), Some(0), "{}", err(&ok));
    let twice = users(s, &["add", "罗星街道办", "--role", "viewer"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(err(&twice).contains("exists already"), "{}", err(&twice));
    let bad_scope = users(s, &["add", "x", "--role", "viewer", "--scope", "luoxing"]);
    assert_eq!(bad_scope.status.code(), Some(2));
    assert!(err(&bad_scope).contains("scope \"luoxing\""), "{}", err(&bad_scope));
    let nobody = users(s, &["token", "nobody"]);
    assert_eq!(nobody.status.code(), Some(2));
    let token = users(s, &["token", "罗星街道办"]);
    let token = String::from_utf8(token.stdout).unwrap();
    let list = String::from_utf8(users(s, &["list"]).stdout).unwrap();
    assert!(
        list.contains("罗星街道办\t编辑 editor\t350105001\t有 yes\t启用 enabled"),
        "{list}"
    );
    // The token itself is kept nowhere.
    let kept = std::fs::read_to_string(s.join("accounts.json")).unwrap();
    assert!(!kept.contains(token.trim()) && kept.contains(&carecircle::accounts::token_digest(token.trim())));
}

/// What judges, exports or changes goes on the audit trail — who, what, the dataset and run, the status,
/// the client — including what was refused; `carecircle audit --verify` finds a hand-edited entry.
#[actix_web::test]
async fn the_audit_trail_records_who_did_what_and_shows_a_hand_edit() {
    let state = tempfile::tempdir().unwrap();
    let s = state.path();
    let auditor = account(s, "auditor");
    let viewer = account(s, "viewer");
    let admin = account(s, "admin");
    let app = service(s, None).await;
    let (made, run) = status(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(made, 201);
    let id = run["id"].as_u64().unwrap();
    // The run's record names who had it made.
    let (_, record) = status(&app, "GET", &format!("/checks/{id}"), Some(&viewer)).await;
    assert_eq!(record["created_by"], "auditor");
    assert_eq!(
        status(&app, "GET", &format!("/checks/{id}/findings.xlsx"), Some(&auditor))
            .await
            .0,
        200
    );
    assert_eq!(status(&app, "POST", "/checks", Some(&viewer)).await.0, 403);
    // Reading layers is not recorded.
    assert_eq!(status(&app, "GET", "/collections", Some(&viewer)).await.0, 200);

    let audit = |args: &[&str]| {
        let mut all = vec!["audit", "--state-dir", s.to_str().unwrap()];
        all.extend(args);
        common::carecircle(&all)
    };
    let listed = audit(&[]);
    assert_eq!(listed.status.code(), Some(0));
    let text = String::from_utf8(listed.stdout).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    // Three accounts added and given tokens on the command line, then four requests.
    assert_eq!(lines.len(), 10, "{text}");
    assert!(
        lines[0].contains("\tcli:") && lines[0].contains("users add auditor --role auditor"),
        "{text}"
    );
    assert!(
        lines[6].contains(&format!("\tauditor\tPOST /checks\tdemo\t{id}\t201\t")),
        "{text}"
    );
    assert!(
        lines[8].contains(&format!("\tauditor\tGET /checks/{id}/findings.xlsx\t-\t{id}\t200\t")),
        "{text}"
    );
    assert!(
        lines[7].contains(&format!("\tviewer\tGET /checks/{id}\t-\t{id}\t200\t")),
        "{text}"
    );
    assert!(lines[9].contains("\tviewer\tPOST /checks\t-\t-\t403\t"), "{text}");
    // GET /audit: the administrator's, filtered as asked; reading it is on the trail too.
    let (code, trail) = status(&app, "GET", "/audit?user=viewer&dataset=demo", Some(&admin)).await;
    assert_eq!(code, 200, "{trail}");
    assert_eq!(trail["number"], 0, "{trail}");
    let (_, trail) = status(&app, "GET", "/audit?user=auditor", Some(&admin)).await;
    assert_eq!(trail["number"], 2, "{trail}");
    assert_eq!(trail["entries"][0]["action"], "POST /checks");
    assert_eq!(trail["entries"][0]["run"], id);
    assert_eq!(status(&app, "GET", "/audit", Some(&auditor)).await.0, 403);
    assert_eq!(status(&app, "GET", "/audit?day=yesterday", Some(&admin)).await.0, 400);
    let viewer_only = String::from_utf8(audit(&["--user", "viewer"]).stdout).unwrap();
    assert_eq!(viewer_only.lines().count(), 3, "{viewer_only}");
    let whole = audit(&["--verify"]);
    assert_eq!(whole.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&whole.stdout).contains("14 entries"));
    // Someone turns the refused check into an allowed one, by hand.
    let log = s.join("audit.jsonl");
    let kept = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, kept.replace("\"status\":403", "\"status\":201")).unwrap();
    let broken = audit(&["--verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("entry 11"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

/// Behind an authenticating proxy (`--trust-user-header` with `--trust-proxy`), the header names the
/// account; without `--trust-proxy` it is never read, and a name that is no account is refused.
#[actix_web::test]
async fn an_authenticating_proxy_names_the_account() {
    let state = tempfile::tempdir().unwrap();
    account(state.path(), "auditor");
    account(state.path(), "viewer");
    let base = common::demo_state(state.path(), None);
    let served = |trust: bool| {
        let mut inner = carecircle::server::AppState::new(base.store.clone(), base.rulesets.clone(), None, false);
        inner.trust_proxy = trust;
        inner.trust_user_header = Some("X-Forwarded-User".into());
        actix_web::web::Data::new(inner)
    };
    let ask = |user: &str| {
        web_test::TestRequest::post()
            .uri("/checks")
            .insert_header(("X-Forwarded-User", user.to_string()))
            .set_json(json!({"dataset": "demo", "rulesets": ["anxi-2022"]}))
            .to_request()
    };
    let app = web_test::init_service(App::new().app_data(served(true)).configure(router)).await;
    assert_eq!(
        web_test::call_service(&app, ask("auditor")).await.status().as_u16(),
        201
    );
    assert_eq!(web_test::call_service(&app, ask("viewer")).await.status().as_u16(), 403);
    let nobody = web_test::call_service(&app, ask("mallory")).await;
    assert_eq!(nobody.status().as_u16(), 403);
    let body: Value = web_test::read_body_json(nobody).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("\"mallory\", which is no enabled account"),
        "{body}"
    );
    // Not behind a trusted proxy: the header is anyone's to send, and is not read.
    let app = web_test::init_service(App::new().app_data(served(false)).configure(router)).await;
    assert_eq!(
        web_test::call_service(&app, ask("auditor")).await.status().as_u16(),
        401
    );
}

/// A scoped account reads its units only (items, tiles, a run's findings), is refused whole-city work
/// and files, reviews only what lies in its units, and sees coverage there.
#[actix_web::test]
async fn a_scoped_account_reads_and_acts_in_its_units_only() {
    let state = tempfile::tempdir().unwrap();
    let s = state.path();
    let scoped = |name: &str, role: &str| {
        let added = users(s, &["add", name, "--role", role, "--scope", "350105001"]);
        assert_eq!(
            added.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        String::from_utf8(users(s, &["token", name]).stdout)
            .unwrap()
            .trim()
            .to_string()
    };
    let viewer = scoped("罗星查看", "viewer");
    let reviewer = scoped("罗星审查", "reviewer");
    let auditor_in_street = scoped("罗星审计", "auditor");
    let auditor = account(s, "auditor");
    let app = service(s, None).await;
    let (made, run) = status(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(made, 201, "{run}");
    let run = run["id"].as_u64().unwrap();
    common::a_scoped_viewer_reads_only_its_street(&app, "demo", run, &viewer, &auditor).await;

    // A scoped auditor may not have the whole city judged, exported or compared.
    for (method, uri) in [
        ("POST", "/checks".to_string()),
        ("GET", format!("/checks/{run}/findings.csv")),
        ("GET", format!("/checks/{run}/findings.xlsx")),
        ("GET", format!("/checks/{run}/compare/{run}")),
    ] {
        let (code, body) = status(&app, method, &uri, Some(&auditor_in_street)).await;
        assert_eq!(code, 403, "{uri}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("350105001") && detail.contains("whole city"), "{body}");
        assert!(status(&app, method, &uri, Some(&auditor)).await.0 < 400, "{uri}");
    }

    // Plan review: a proposal in the street is judged, one elsewhere refused naming its feature. The
    // points: 罗星's areas' centroids, and an area of another street.
    let centroid_of = |id: &str| {
        let uri = format!("/collections/demo.residential_areas/items/{id}");
        let auditor = auditor.clone();
        let app = &app;
        async move {
            let req = web_test::TestRequest::get()
                .uri(&uri)
                .insert_header(("Authorization", format!("Bearer {auditor}")))
                .to_request();
            let f: Value = web_test::call_and_read_body_json(app, req).await;
            let ring = f["geometry"]["coordinates"][0].as_array().unwrap().clone();
            let n = (ring.len() - 1) as f64;
            let sum = |k: usize| {
                ring[..ring.len() - 1]
                    .iter()
                    .map(|p| p[k].as_f64().unwrap())
                    .sum::<f64>()
                    / n
            };
            (sum(0), sum(1))
        }
    };
    let in_street = common::demo_areas_in("350105001");
    let elsewhere = common::demo_areas_in("350105100");
    let here = centroid_of(in_street.iter().next().unwrap()).await;
    let there = centroid_of(elsewhere.iter().next().unwrap()).await;
    let proposal = |(x, y): (f64, f64)| {
        json!({"dataset": "demo", "rulesets": ["anxi-2022"], "proposal": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "P1", "name": "拟建小区", "households": 300, "kind": "new",
             "layer": "residential_areas"},
             "geometry": {"type": "Point", "coordinates": [x, y]}}]}})
    };
    let review = |body: Value| {
        web_test::TestRequest::post()
            .uri("/review")
            .insert_header(("Authorization", format!("Bearer {reviewer}")))
            .set_json(body)
            .to_request()
    };
    let resp = web_test::call_service(&app, review(proposal(here))).await;
    let code = resp.status().as_u16();
    let body = web_test::read_body(resp).await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let resp = web_test::call_service(&app, review(proposal(there))).await;
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = web_test::read_body_json(resp).await;
    assert!(body["detail"].as_str().unwrap().contains("P1"), "{body}");

    // Coverage: the uncovered areas in the street only, out of the city's.
    let coverage = |token: &str| {
        web_test::TestRequest::get()
            .uri("/coverage?dataset=demo&radius_m=300")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    let uncovered = |c: &Value| -> std::collections::BTreeSet<String> {
        c["features"].as_array().unwrap()[1..]
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let city: Value = web_test::call_and_read_body_json(&app, coverage(&auditor)).await;
    let street: Value = web_test::call_and_read_body_json(&app, coverage(&reviewer)).await;
    let expected: std::collections::BTreeSet<String> = uncovered(&city).intersection(&in_street).cloned().collect();
    assert!(!expected.is_empty() && expected.len() < uncovered(&city).len());
    assert_eq!(uncovered(&street), expected);
    // The street's rate is its own households' (not the city's).
    assert_ne!(
        street["features"][0]["properties"]["household_rate"],
        city["features"][0]["properties"]["household_rate"]
    );
}

/// `serve --anonymous-read` opens the dataset layers on purpose — the collections list (layers only),
/// items and tiles — and nothing else: runs, their findings collections and the rules still need someone.
#[actix_web::test]
async fn anonymous_read_opens_the_layers_and_not_the_runs() {
    let state = tempfile::tempdir().unwrap();
    let auditor = account(state.path(), "auditor");
    let data = common::demo_state(state.path(), None);
    let mut app_state = std::sync::Arc::try_unwrap(data.into_inner()).ok().unwrap();
    app_state.anonymous_read = true;
    let app = web_test::init_service(
        App::new()
            .app_data(actix_web::web::Data::new(app_state))
            .configure(router),
    )
    .await;
    let (made, run) = status(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(made, 201);
    let id = run["id"].as_u64().unwrap();
    let (code, listed) = status(&app, "GET", "/collections", None).await;
    assert_eq!(code, 200);
    let ids: Vec<&str> = listed["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"demo.facilities") && ids.iter().all(|c| c.starts_with("demo.")),
        "{ids:?}"
    );
    let (_, listed) = status(&app, "GET", "/collections", Some(&auditor)).await;
    assert!(
        listed["collections"].as_array().unwrap().len() > ids.len(),
        "the auditor sees the runs too"
    );
    for open in [
        "/collections/demo.facilities",
        "/collections/demo.facilities/items?limit=3",
        "/collections/demo.residential_areas/tiles/WebMercatorQuad/13/3483/6813",
    ] {
        assert_eq!(status(&app, "GET", open, None).await.0, 200, "{open}");
    }
    for closed in [
        format!("/collections/check-{id}.findings-polygons/items"),
        format!("/checks/{id}"),
        "/checks".to_string(),
        "/rules".to_string(),
    ] {
        assert_eq!(status(&app, "GET", &closed, None).await.0, 401, "{closed}");
    }
    // A token that is not known is still refused, even for a layer.
    assert_eq!(
        status(&app, "GET", "/collections/demo.facilities", Some("cc_0000"))
            .await
            .0,
        401
    );
}

/// An administrator voids a run: a record of its own; the run stays byte for byte; once only.
#[actix_web::test]
async fn an_administrator_voids_a_run_and_the_run_stays() {
    let state = tempfile::tempdir().unwrap();
    let admin = account(state.path(), "admin");
    let auditor = account(state.path(), "auditor");
    let app = service(state.path(), None).await;
    let (made, run) = status(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(made, 201);
    let (made, _) = status(&app, "POST", "/checks", Some(&auditor)).await;
    assert_eq!(made, 201);
    common::voiding_keeps_the_run_and_records_the_void(&app, run["id"].as_u64().unwrap(), &admin, &auditor).await;
    let kept = std::fs::read_to_string(state.path().join("voids.json")).unwrap();
    assert!(
        kept.contains("导入数据有误") && kept.contains("\"by\": \"admin\""),
        "{kept}"
    );
}
