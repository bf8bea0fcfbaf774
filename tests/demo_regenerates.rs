//! The demo dataset is made, not edited: `examples/make_demo.rs`, from the sources kept in the repo
//! (`geodata/sources/`), writes `geodata/demo/` again byte for byte.

use std::path::Path;

#[allow(dead_code)] // its main() is the example's
#[path = "../examples/make_demo.rs"]
mod make_demo;

#[test]
fn make_demo_writes_the_committed_demo_again() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("demo");
    let here = env!("CARGO_MANIFEST_DIR");
    make_demo::make(
        &Path::new(here).join("geodata/sources/nbs-2023-mawei-communities.csv"),
        &dir,
    );
    let committed = Path::new(here).join("geodata/demo");
    let mut names: Vec<String> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut made: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, names);
    for name in names {
        let a = std::fs::read(committed.join(&name)).unwrap();
        let b = std::fs::read(dir.join(&name)).unwrap();
        assert!(a == b, "{name} differs from what make_demo writes");
    }
}
