//! The contract users read ships with the code: `docs/data-contract.md` names every property the loader
//! knows, every key of `dataset.toml`, and every rule kind and rule of the catalog is in `docs/rules.md`.

use carecircle::load::{properties, HEADER_KEYS};

fn doc(name: &str) -> String {
    std::fs::read_to_string(format!("docs/{name}")).unwrap()
}

/// Whether `word` occurs in `text` as a whole word (not inside `floor_area_m2_x` or `households_new`).
fn names(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

#[test]
fn the_contract_names_every_property_the_loader_knows() {
    let contract = doc("data-contract.md");
    let layers = &contract[contract.find("## 2.").unwrap()..contract.find("## 3.").unwrap()];
    for (layer, keys) in properties() {
        let start = layers
            .find(&format!("**{layer}**"))
            .unwrap_or_else(|| panic!("docs/data-contract.md §2 has no section for {layer}"));
        let rest = &layers[start + layer.len() + 4..];
        let section = &rest[..rest.find("**").unwrap_or(rest.len())];
        for key in keys {
            assert!(
                names(section, key),
                "docs/data-contract.md §2 {layer} does not name \"{key}\""
            );
        }
        // And every other name a file may give a key (its Chinese name, the variants offices write).
        for field in carecircle::fields::layer_fields(layer).unwrap() {
            for alias in field.aliases {
                assert!(
                    section.contains(alias),
                    "docs/data-contract.md §2 {layer} does not name \"{alias}\" for {}",
                    field.key
                );
            }
        }
    }
    let header = &contract[contract.find("`dataset.toml`:").unwrap()..contract.find("## 2.").unwrap()];
    for key in HEADER_KEYS {
        assert!(
            names(header, key),
            "docs/data-contract.md does not name dataset.toml's \"{key}\""
        );
    }
}

#[test]
fn the_rules_doc_names_every_rule_of_the_rulesets() {
    let rules = doc("rules.md");
    for entry in std::fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let Ok(ruleset) = carecircle::rules::load_ruleset(&path) else {
            continue; // a task-decomposition plan, not a ruleset
        };
        if ruleset.id == "gb50180-2018" {
            continue; // the national standard's table, beyond the catalog: see rules/README.md
        }
        for rule in &ruleset.rules {
            assert!(rules.contains(&rule.id), "docs/rules.md does not name {}", rule.id);
            assert!(
                names(&rules, rule.kind.name()),
                "docs/rules.md does not name the kind {}",
                rule.kind.name()
            );
        }
    }
}

/// The catalog in `docs/rules.md` names every kind the one list registers (`engine::kinds`), and no
/// kind that list lacks.
#[test]
fn the_rules_catalog_is_the_list_of_kinds() {
    let rules = doc("rules.md");
    for kind in carecircle::rules::RuleKind::NAMES {
        assert!(
            rules.contains(&format!("`{kind}`")),
            "docs/rules.md does not name the kind {kind}"
        );
    }
    // Every kind the table of kinds describes is registered.
    let table = &rules[rules.find("## Rule kinds").unwrap()..rules.find("## The catalog").unwrap()];
    let described: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| l.split('`').next().unwrap())
        .collect();
    assert_eq!(
        described.len(),
        carecircle::rules::RuleKind::NAMES.len(),
        "{described:?}"
    );
    for kind in described {
        assert!(
            carecircle::rules::RuleKind::NAMES.contains(&kind),
            "docs/rules.md describes {kind}, which is not a kind"
        );
    }
}

/// Every key `site`, `access` and `review` print on the demo is named in the contract's §4.
#[test]
fn the_contract_names_every_key_of_siting_accessibility_and_review() {
    let contract = doc("data-contract.md");
    let section = &contract[contract.find("## 4.").unwrap()..];
    let run = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_carecircle"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let common = [
        "geodata/demo",
        "--rules",
        "anxi-2022",
        "--rule",
        "anxi-2022/service-radius",
        "--format",
        "json",
    ];
    let site = run(&[&["site"][..], &common, &["--cover-all"]].concat());
    let access = run(&[&["access"][..], &common].concat());
    let review = run(&[
        "review",
        "geodata/demo",
        "--proposal",
        "geodata/proposals/langqi-jiangjing.geojson",
        "--rules",
        "anxi-2022",
        "--format",
        "json",
    ]);
    let keys = |v: &serde_json::Value, nested: &str| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        if let Some(first) = v[nested].as_array().and_then(|a| a.first()) {
            k.extend(first.as_object().unwrap().keys().cloned());
        }
        k
    };
    for key in keys(&site, "sites")
        .into_iter()
        .chain(keys(&site["reduction"], ""))
        .chain(keys(&access, "areas"))
        .chain(keys(&access, "streets"))
        .chain(keys(&review, "rules"))
    {
        assert!(names(section, &key), "docs/data-contract.md §4 does not name \"{key}\"");
    }
}
