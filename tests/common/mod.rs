//! What the end-to-end tests share: running the built binary, and every ruleset of the catalog.
#![allow(dead_code)] // each test file uses part of it

use std::process::{Command, Output};

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
