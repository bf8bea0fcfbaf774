//! The floors of the house, held by manifests: the core (`crates/core`) — what judges and what it hands
//! back — depends on no server (actix), store (diesel), map (plotters) or solver (HiGHS); the maps
//! (`crates/maps`), siting (`crates/siting`) and the stores (`crates/store`) stand on it and cannot
//! reach the server or one another except as listed; the shell (`carecircle`: the server and the command
//! line) stands on them all. A crate cannot import what its manifest lacks, so these tests keep the
//! manifests honest, and keep the two lists of `src/` honest: every module is placed in one, and no core
//! file so much as names the shell (a doc link would break the core's documentation).

use std::path::{Path, PathBuf};

/// The modules of the core, as `src/` holds them.
const CORE: [&str; 31] = [
    "audit.rs",
    "accounts.rs",
    "access",
    "allocate",
    "builtin.rs",
    "check.rs",
    "compare.rs",
    "cql2.rs",
    "crs",
    "digest.rs",
    "edit.rs",
    "engine",
    "fields.rs",
    "limits.rs",
    "load",
    "model.rs",
    "network.rs",
    "report",
    "rules",
    "safe_write.rs",
    "scope.rs",
    "spatial.rs",
    "synth.rs",
    "tiles",
    "toml_file.rs",
    "write.rs",
    "write_gpkg",
    "write_parquet.rs",
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

/// The crates a crate's manifest names, as dependencies of any kind.
fn dependencies(manifest: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest);
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    ["dependencies", "dev-dependencies"]
        .iter()
        .filter_map(|k| doc.get(*k).and_then(|d| d.as_table()))
        .flat_map(|t| t.keys().cloned())
        .collect()
}

#[test]
fn every_crate_stands_only_on_the_floors_below_it() {
    // crate: what it must not depend on.
    let server = ["actix-web", "actix-cors", "actix-http", "utoipa", "clap", "carecircle"];
    let floors: [(&str, Vec<&str>); 4] = [
        (
            "crates/core/Cargo.toml",
            [
                &server[..],
                &[
                    "diesel",
                    "postgis_diesel",
                    "plotters",
                    "image",
                    "ab_glyph",
                    "good_lp",
                    "highs",
                ],
            ]
            .concat(),
        ),
        (
            "crates/maps/Cargo.toml",
            [
                &server[..],
                &["diesel", "good_lp", "highs", "carecircle-store", "carecircle-siting"],
            ]
            .concat(),
        ),
        (
            "crates/siting/Cargo.toml",
            [
                &server[..],
                &["diesel", "plotters", "carecircle-store", "carecircle-maps"],
            ]
            .concat(),
        ),
        (
            "crates/store/Cargo.toml",
            [&server[..], &["good_lp", "highs", "carecircle-siting"]].concat(),
        ),
    ];
    for (manifest, forbidden) in floors {
        let deps = dependencies(manifest);
        assert!(
            deps.iter().any(|d| d == "carecircle-core") || manifest.contains("core"),
            "{manifest}"
        );
        for name in forbidden {
            assert!(!deps.iter().any(|d| d == name), "{manifest} depends on {name}");
        }
    }
    // The shell names the floors; the solver, the maps' and the store's crates come through them only.
    let shell = dependencies("Cargo.toml");
    for floor in [
        "carecircle-core",
        "carecircle-maps",
        "carecircle-siting",
        "carecircle-store",
    ] {
        assert!(shell.iter().any(|d| d == floor), "the shell lacks {floor}");
    }
    for below in ["plotters", "good_lp", "highs", "postgis_diesel", "diesel_migrations"] {
        assert!(!shell.iter().any(|d| d == below), "the shell depends on {below} itself");
    }
}
