//! The standard rulesets and the demo dataset, built into the binary: carecircle works from any folder and
//! after `cargo install`, with no default path that depends on the current folder. A path on the command
//! line still wins over a built-in of the same name.

use crate::report::files::WriteError;
use crate::rules::{parse_ruleset, RulesError, Ruleset};
use crate::safe_write::write_folder;
use std::path::Path;

/// Every ruleset of `rules/`, by id.
pub const RULESETS: [(&str, &str); 5] = [
    ("anxi-2022", include_str!("../rules/anxi-2022.toml")),
    ("yaohai-2023", include_str!("../rules/yaohai-2023.toml")),
    ("jinan-2017", include_str!("../rules/jinan-2017.toml")),
    ("mawei-2020", include_str!("../rules/mawei-2020.toml")),
    ("gb50180-2018", include_str!("../rules/gb50180-2018.toml")),
];

/// The name the built-in demo dataset answers to.
pub const DEMO: &str = "demo";

/// The files of `geodata/demo`.
pub const DEMO_FILES: [(&str, &str); 6] = [
    ("dataset.toml", include_str!("../geodata/demo/dataset.toml")),
    (
        "admin_units.geojson",
        include_str!("../geodata/demo/admin_units.geojson"),
    ),
    (
        "residential_areas.geojson",
        include_str!("../geodata/demo/residential_areas.geojson"),
    ),
    ("facilities.geojson", include_str!("../geodata/demo/facilities.geojson")),
    ("candidates.geojson", include_str!("../geodata/demo/candidates.geojson")),
    ("roads.geojson", include_str!("../geodata/demo/roads.geojson")),
];

/// The built-in ruleset `id`, if there is one.
pub fn ruleset(id: &str) -> Option<Result<Ruleset, RulesError>> {
    RULESETS.iter().find(|(known, _)| *known == id).map(parse)
}

/// Every built-in ruleset.
pub fn rulesets() -> Result<Vec<Ruleset>, RulesError> {
    RULESETS.iter().map(parse).collect()
}

fn parse((id, text): &(&str, &str)) -> Result<Ruleset, RulesError> {
    parse_ruleset(&format!("{id} (built in)"), text)
}

/// Writes the demo dataset into `dir` (a folder holding an earlier copy is replaced whole; one holding
/// other files is refused).
pub fn write_demo(dir: &Path) -> Result<(), WriteError> {
    let names: Vec<&str> = DEMO_FILES.iter().map(|(n, _)| *n).collect();
    write_folder(dir, &DEMO_FILES, &names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_ruleset_parses_under_its_id_with_the_files_sha256() {
        for (id, text) in RULESETS {
            let built_in = ruleset(id).unwrap().unwrap();
            assert_eq!(built_in.id, id);
            let file = crate::rules::load_ruleset(Path::new(&format!("rules/{id}.toml"))).unwrap();
            assert_eq!(built_in.sha256, file.sha256);
            assert_eq!(built_in.text, text);
        }
        assert!(ruleset("nope").is_none());
    }

    #[test]
    fn the_demo_written_out_loads_as_the_folder_does() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        write_demo(&out).unwrap();
        let written = crate::load::load_dataset(&out).unwrap();
        let folder = crate::load::load_dataset(Path::new("geodata/demo")).unwrap();
        assert_eq!(
            crate::digest::dataset_digest(&written),
            crate::digest::dataset_digest(&folder)
        );
    }
}
