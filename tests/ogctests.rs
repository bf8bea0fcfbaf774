//! The third-party OGC API – Features conformance suite `ogctests` (PyPI, pinned in
//! `tests/python-requirements.txt`; `scripts/test` installs it into `target/test-venv`) run whole
//! over `features/core` against `carecircle serve` holding the demo and one kept run. In CI (`CI=true`) a
//! missing suite fails.

mod common;

use common::{python_venv, serve_with_a_run};
use std::process::Command;

#[test]
fn ogctests_features_core_passes_whole() {
    let Some(venv) = python_venv("ogctests") else { return };
    let state = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_with_a_run(state.path(), r#"["anxi-2022"]"#);
    // pytest finds the suite's conftest only when run from a folder above the installed package.
    let out = Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "ogctests",
            "features/core",
            "-i",
            &format!("http://127.0.0.1:{port}"),
        ])
        .current_dir(&venv)
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text.lines().rev().find(|l| l.contains(" in ")).unwrap_or_default();
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        summary.contains("29 passed") && !summary.contains("failed"),
        "{summary}"
    );
}
