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

/// `carecircle serve` on a free loopback port, run in `cwd` with its runs under `state`, once it accepts
/// connections.
pub fn start_server(state: &Path, cwd: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(env!("CARGO_BIN_EXE_carecircle"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--state-dir"])
        .arg(state)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("CARECIRCLE_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 60, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (server, port)
}
