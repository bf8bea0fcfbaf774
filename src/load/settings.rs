//! How a dataset's layers are to be read when they are not the contract's files as they stand:
//! `dataset.toml`'s `encoding` (for every text layer) and its `[layers.<layer>]` tables — the file (a
//! ledger kept under its own name, `台账.xlsx`), the workbook's sheet, the text's encoding, the columns
//! (`columns = { name = "机构名称", tier = "类别" }`: the contract's key = the sheet's column) and an
//! office's own words for enumerated values (`[layers.facilities.values.tier]` `站点 = "station"`), so
//! a ledger is read as it is kept.

use super::problem::Problem;
use super::text::Encoding;
use std::collections::HashMap;

/// How one layer is read.
#[derive(Debug, Clone, Default)]
pub struct LayerSettings {
    /// The file in the dataset folder, when it is not `<layer>.<format>`.
    pub file: Option<String>,
    /// The workbook's sheet (default: the first).
    pub sheet: Option<String>,
    /// The GeoPackage's feature table (default: the one named after the layer, or the only one).
    pub table: Option<String>,
    /// The dataset's CRS, as `dataset.toml` says (a GeoPackage's must be the same).
    pub crs: Option<crate::crs::Crs>,
    /// The text's encoding (default: detected).
    pub encoding: Option<Encoding>,
    /// The contract's key for each column the office names otherwise: (column as written, key).
    pub columns: Vec<(String, &'static str)>,
    /// An office's own words for a property's values: key → (word, the contract's value).
    pub values: HashMap<&'static str, Vec<(String, String)>>,
}

/// Every layer's settings, by layer.
pub type Settings = HashMap<&'static str, LayerSettings>;

const FILE: &str = "dataset.toml";
const LAYER_KEYS: [&str; 6] = ["file", "sheet", "table", "encoding", "columns", "values"];

fn problem(key: String, message: String) -> Problem {
    Problem {
        file: FILE.into(),
        feature: None,
        property: Some(key),
        message,
    }
}

/// Reads `encoding` and `[layers]` from `dataset.toml`'s table; each problem names its key.
pub fn read(table: &toml::Table, problems: &mut Vec<Problem>) -> Settings {
    let dataset_encoding = match table.get("encoding") {
        None => None,
        Some(toml::Value::String(s)) => match Encoding::parse(s) {
            Some(e) => Some(e),
            None => {
                problems.push(problem("encoding".into(), unknown_encoding(s)));
                None
            }
        },
        Some(_) => {
            problems.push(problem("encoding".into(), "expected a string such as \"gbk\"".into()));
            None
        }
    };
    let mut settings: Settings = crate::fields::LAYERS
        .iter()
        .map(|l| {
            (
                *l,
                LayerSettings {
                    encoding: dataset_encoding,
                    ..LayerSettings::default()
                },
            )
        })
        .collect();
    let Some(layers) = table.get("layers") else {
        return settings;
    };
    let Some(layers) = layers.as_table() else {
        problems.push(problem(
            "layers".into(),
            "expected a table of layers ([layers.facilities])".into(),
        ));
        return settings;
    };
    for (name, value) in layers {
        let Some(layer) = crate::fields::LAYERS.iter().copied().find(|l| l == name) else {
            problems.push(problem(
                format!("layers.{name}"),
                format!(
                    "no layer is named {name}: expected one of {}",
                    crate::fields::LAYERS.join(", ")
                ),
            ));
            continue;
        };
        let Some(value) = value.as_table() else {
            problems.push(problem(format!("layers.{name}"), "expected a table".into()));
            continue;
        };
        let one = settings.entry(layer).or_default();
        read_layer(layer, value, one, problems);
    }
    settings
}

fn unknown_encoding(s: &str) -> String {
    format!("unknown encoding \"{s}\": expected utf-8, utf-16, gbk, gb2312 or gb18030")
}

fn read_layer(layer: &'static str, table: &toml::Table, one: &mut LayerSettings, problems: &mut Vec<Problem>) {
    let at = |key: &str| format!("layers.{layer}.{key}");
    let text = |key: &str, problems: &mut Vec<Problem>| match table.get(key) {
        None => None,
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(_) => {
            problems.push(problem(at(key), "expected a non-empty string".into()));
            None
        }
    };
    for key in table.keys() {
        if !LAYER_KEYS.contains(&key.as_str()) {
            problems.push(problem(
                at(key),
                format!("unknown key: expected {}", LAYER_KEYS.join(", ")),
            ));
        }
    }
    one.file = text("file", problems);
    if let Some(file) = &one.file {
        // Only a file beside dataset.toml: never a path out of the folder.
        if file.contains(['/', '\\']) || file == ".." || file == "." {
            problems.push(problem(
                at("file"),
                format!("\"{file}\": expected a file name in the dataset folder"),
            ));
            one.file = None;
        }
    }
    one.sheet = text("sheet", problems);
    one.table = text("table", problems);
    if let Some(name) = text("encoding", problems) {
        match Encoding::parse(&name) {
            Some(e) => one.encoding = Some(e),
            None => problems.push(problem(at("encoding"), unknown_encoding(&name))),
        }
    }
    let keys = crate::fields::layer_keys(layer);
    let key_of = |key: &str| keys.iter().copied().find(|k| *k == key);
    let named = |key: &str| {
        format!(
            "{layer} has no property {key}: expected one of {}, lon, lat or wkt",
            keys.join(", ")
        )
    };
    match table.get("columns") {
        None => {}
        Some(toml::Value::Table(columns)) => {
            for (key, column) in columns {
                let Some(column) = column.as_str().filter(|c| !c.trim().is_empty()) else {
                    problems.push(problem(format!("{}.{key}", at("columns")), "expected the column's name".into()));
                    continue;
                };
                match key_of(key).or(["lon", "lat", "wkt"].into_iter().find(|c| c == key)) {
                    Some(k) => one.columns.push((column.trim().to_string(), k)),
                    None => problems.push(problem(format!("{}.{key}", at("columns")), named(key))),
                }
            }
        }
        Some(_) => problems.push(problem(
            at("columns"),
            "expected a table of the contract's keys and the columns that hold them (columns = { name = \"机构名称\" })"
                .into(),
        )),
    }
    match table.get("values") {
        None => {}
        Some(toml::Value::Table(values)) => {
            for (key, words) in values {
                let Some(k) = key_of(key) else {
                    problems.push(problem(format!("{}.{key}", at("values")), named(key)));
                    continue;
                };
                let Some(words) = words.as_table() else {
                    problems.push(problem(
                        format!("{}.{key}", at("values")),
                        "expected a table of the office's words and the contract's values (站点 = \"station\")".into(),
                    ));
                    continue;
                };
                let mut pairs = Vec::new();
                for (word, value) in words {
                    match value.as_str() {
                        Some(v) => pairs.push((word.trim().to_string(), v.to_string())),
                        None => problems.push(problem(
                            format!("{}.{key}.{word}", at("values")),
                            "expected the contract's value, as a string".into(),
                        )),
                    }
                }
                one.values.insert(k, pairs);
            }
        }
        Some(_) => problems.push(problem(at("values"), "expected a table".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_is_described_as_kept() {
        let table: toml::Table = toml::from_str(
            r#"
            encoding = "gbk"
            [layers.facilities]
            file = "台账.xlsx"
            sheet = "设施"
            columns = { name = "机构名称", tier = "类别", lon = "东经" }
            [layers.facilities.values.tier]
            "站点" = "station"
            "#,
        )
        .unwrap();
        let mut problems = Vec::new();
        let settings = read(&table, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let f = &settings["facilities"];
        assert_eq!(f.file.as_deref(), Some("台账.xlsx"));
        assert_eq!(f.sheet.as_deref(), Some("设施"));
        assert_eq!(f.encoding, Some(Encoding::Gb18030));
        assert!(f.columns.contains(&("机构名称".into(), "name")) && f.columns.contains(&("东经".into(), "lon")));
        assert_eq!(f.values["tier"], [("站点".to_string(), "station".to_string())]);
        assert_eq!(
            settings["roads"].encoding,
            Some(Encoding::Gb18030),
            "the dataset's encoding for every layer"
        );
    }

    #[test]
    fn every_mistake_names_its_key() {
        let table: toml::Table = toml::from_str(
            r#"
            encoding = "latin1"
            [layers.parks]
            file = "x.csv"
            [layers.facilities]
            file = "../etc/passwd"
            colums = {}
            columns = { nmae = "机构名称" }
            "#,
        )
        .unwrap();
        let mut problems = Vec::new();
        read(&table, &mut problems);
        let said: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.property.clone().unwrap_or_default(), p.message))
            .collect();
        for expected in [
            "encoding: unknown encoding \"latin1\"",
            "layers.parks: no layer is named parks",
            "layers.facilities.file: \"../etc/passwd\"",
            "layers.facilities.colums: unknown key",
            "layers.facilities.columns.nmae: facilities has no property nmae",
        ] {
            assert!(said.iter().any(|s| s.starts_with(expected)), "{expected} in {said:?}");
        }
    }
}
