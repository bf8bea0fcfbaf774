//! The core — what judges and what it hands back — names none of the shell above it: not the server
//! (actix), the stores (diesel), the maps (plotters) or siting (HiGHS), nor the command line. Its
//! crate (`crates/core`) cannot import them: they are not in its manifest, and the shell's modules are
//! not in its tree. This test keeps the two lists of `src/` honest: every module is placed in one, and
//! no core file so much as names the shell (a doc link would break the core's documentation).

use std::path::{Path, PathBuf};

/// The modules of the core, as `src/` holds them.
const CORE: [&str; 25] = [
    "access",
    "allocate",
    "builtin.rs",
    "check.rs",
    "compare.rs",
    "cql2.rs",
    "crs",
    "digest.rs",
    "engine",
    "fields.rs",
    "limits.rs",
    "load",
    "model.rs",
    "network.rs",
    "report",
    "rules",
    "safe_write.rs",
    "spatial.rs",
    "synth.rs",
    "tiles",
    "toml_file.rs",
    "write.rs",
    "core.rs",
    "lib.rs",
    "main.rs",
];
/// What the core must not name.
const SHELL: [&str; 12] = [
    "crate::map",
    "crate::siting",
    "crate::store",
    "crate::server",
    "crate::cli",
    "actix",
    "diesel",
    "postgis_diesel",
    "plotters",
    "good_lp",
    "highs",
    "utoipa",
];

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn the_core_names_nothing_of_the_shell() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for module in CORE.iter().filter(|m| !["lib.rs", "main.rs"].contains(m)) {
        let mut paths = Vec::new();
        files(&src.join(module), &mut paths);
        assert!(!paths.is_empty(), "src/{module} is gone: update CORE");
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                for name in SHELL.iter().filter(|s| line.contains(**s)) {
                    found.push(format!("{}:{}: names {name}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "the core names the shell:\n{}", found.join("\n"));
    // Every module of src/ is either core or shell: a new one must be placed.
    let shell = ["map", "siting", "store", "server", "cli"];
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            CORE.contains(&name.as_str()) || shell.contains(&name.as_str()),
            "src/{name}: core or shell?"
        );
    }
}
