//! carecircle works from any folder: the standard rulesets and the demo dataset are built in, named by id
//! (`--rules mawei-2020`, dataset `demo`), and a path still wins over a built-in of the same name.

mod common;
use common::start_server;
use std::process::Command;

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn built_ins_judge_as_the_files_do_from_any_folder() {
    let elsewhere = tempfile::tempdir().unwrap();
    let built_in = run_in(
        elsewhere.path(),
        &[
            "check",
            "demo",
            "--rules",
            "mawei-2020",
            "anxi-2022",
            "--format",
            "json",
        ],
    );
    assert!(
        built_in.status.success(),
        "{}",
        String::from_utf8_lossy(&built_in.stderr)
    );
    let here = env!("CARGO_MANIFEST_DIR");
    let from_files = run_in(
        std::path::Path::new(here),
        &[
            "check",
            "geodata/demo",
            "--rules",
            "rules/mawei-2020.toml",
            "rules/anxi-2022.toml",
            "--format",
            "json",
        ],
    );
    let a: serde_json::Value = serde_json::from_slice(&built_in.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&from_files.stdout).unwrap();
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["rulesets"], b["rulesets"], "the same texts, so the same sha256");

    let listed = run_in(elsewhere.path(), &["rules"]);
    let text = String::from_utf8(listed.stdout).unwrap();
    for id in ["anxi-2022", "yaohai-2023", "jinan-2017", "mawei-2020", "gb50180-2018"] {
        assert!(text.contains(id), "{id} not listed");
    }
    let unknown = run_in(elsewhere.path(), &["check", "demo", "--rules", "atlantis-2099"]);
    assert_eq!(unknown.status.code(), Some(2));

    let out = elsewhere.path().join("mine");
    assert!(run_in(elsewhere.path(), &["demo", out.to_str().unwrap()])
        .status
        .success());
    for name in [
        "dataset.toml",
        "admin_units.geojson",
        "residential_areas.geojson",
        "facilities.geojson",
        "roads.geojson",
    ] {
        let written = std::fs::read(out.join(name)).unwrap();
        let original = std::fs::read(std::path::Path::new(here).join("geodata/demo").join(name)).unwrap();
        assert!(written == original, "{name} differs");
    }
    // Nothing was left behind in the folder or the temporary directory but what was asked for.
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn serve_from_any_folder_serves_the_built_in_demo_and_rules() {
    use std::io::{Read, Write};
    let elsewhere = tempfile::tempdir().unwrap();
    let (mut server, port) = start_server(&elsewhere.path().join("state"), elsewhere.path());
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /collections/demo.facilities/items?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let mut rules = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    rules
        .write_all(b"GET /rules HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut listed = String::new();
    rules.read_to_string(&mut listed).unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("\"numberMatched\":96"),
        "{answer}"
    );
    assert!(listed.contains("gb50180-2018/daycare-5min"), "{listed}");
}
