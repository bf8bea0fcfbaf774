//! The OpenAPI document is valid and true, held to third-party readers: `openapi-spec-validator` checks
//! the served document against OpenAPI 3.0 (every `$ref` resolved), a bounded property-based run of
//! `schemathesis` against a live server finds no server error, no undocumented status, no wrong content
//! type and no response that breaks its schema, and every feature the demo serves meets its collection's
//! `/schema` (JSON Schema 2020-12, by `jsonschema`). The tools are pinned in
//! `tests/python-requirements.txt`; in CI (`CI=true`) a missing one fails.

mod common;

use common::{python_venv, serve_with_a_run};
use std::process::Command;

/// The server's document, read over HTTP into a file.
fn served_document(port: u16, dir: &std::path::Path) -> std::path::PathBuf {
    let answer = common::http(port, "GET", "/openapi.json", None);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let path = dir.join("openapi.json");
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn the_served_document_is_valid_openapi_3() {
    let Some(venv) = python_venv("openapi-spec-validator") else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022"]"#);
    let doc = served_document(port, state.path());
    let _ = server.kill();
    let _ = server.wait();
    let out = Command::new(venv.join("bin/openapi-spec-validator"))
        .arg(&doc)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains(": OK"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The tile routes, the web app's configuration and the CSV are in it.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&doc).unwrap()).unwrap();
    for path in [
        "/tileMatrixSets/WebMercatorQuad",
        "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
        "/app/config.json",
        "/checks/{id}/findings.csv",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
}

#[test]
fn schemathesis_finds_no_server_error_undocumented_status_or_broken_schema() {
    let Some(venv) = python_venv("schemathesis") else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022", "mawei-2020"]"#);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(served_document(port, state.path())).unwrap()).unwrap();
    // schemathesis leaves out the operation serving the document it reads.
    let operations = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum::<usize>()
        - 1;
    let examples = std::env::var("CARECIRCLE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "15".into());
    let out = Command::new(venv.join("bin/st"))
        .args([
            "run",
            &format!("http://127.0.0.1:{port}/openapi.json"),
            "--max-examples",
            &examples,
            "--seed",
            "1",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--no-color",
        ])
        .current_dir(state.path())
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text
        .lines()
        .rev()
        .find(|l| l.contains(" generated, "))
        .unwrap_or_default();
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(summary.contains(" passed") && !summary.contains("failed"), "{summary}");
    assert!(
        text.contains(&format!("Selected: {operations}/{operations}"))
            && text.contains(&format!("Tested: {operations}")),
        "all {operations} operations tested:\n{text}"
    );
}

#[test]
fn every_demo_feature_meets_its_collection_schema() {
    let Some(venv) = python_venv("jsonschema") else { return };
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022", "mawei-2020"]"#);
    let out = Command::new(venv.join("bin/python"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/feature_schemas.py"))
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("demo.facilities: 96 features"), "{text}");
    assert!(text.contains("demo.residential_areas: 72 features"), "{text}");
    assert!(text.contains(", 0 not meeting their schema"), "{text}");
}
