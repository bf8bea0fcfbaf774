//! Loads a dataset folder (DATA-CONTRACT §1-2) into the in-memory [`Dataset`], in WGS84.
//!
//! Every problem of every file is collected and returned together; nothing is half-loaded.
//!
//! ```no_run
//! let dataset = carecircle_core::load::load_dataset("geodata/demo".as_ref()).expect("valid dataset");
//! println!("{} facilities", dataset.facilities.len());
//! ```

mod feature;
mod fgb;
mod geometry;
mod gpkg;
mod guard;
mod layers;
mod parquet;
mod problem;
mod propmap;
mod proposal;
mod props;
mod settings;
mod shp_zip;
mod source;
pub mod text;
mod xlsx;

pub use feature::{read_feature, LayerFeature};
pub use geometry::representative_point as representative;
pub use problem::{Problem, Problems, SHOWN_PROBLEMS};
pub use propmap::{id_text, PropMap};
pub use proposal::{load_proposal, parse_proposal};
pub use source::{Each, RawFeature, RawGeometry, RawLayer, ReadLayer};

use crate::crs::{Converter, Crs};
use crate::model::{Dataset, Date};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// The keys of `dataset.toml`.
pub const HEADER_KEYS: [&str; 6] = ["name", "crs", "as_of", "description", "encoding", "layers"];

/// Every property each layer reads, from the layers' field tables (`crate::fields`): what the contract
/// documents and what a property no layer knows is told apart from.
pub fn properties() -> &'static [(&'static str, Vec<&'static str>)] {
    static PROPERTIES: std::sync::OnceLock<Vec<(&str, Vec<&str>)>> = std::sync::OnceLock::new();
    PROPERTIES.get_or_init(|| {
        crate::fields::LAYERS
            .iter()
            .map(|layer| (*layer, crate::fields::layer_keys(layer)))
            .collect()
    })
}

/// The layers of a dataset folder, with the property that identifies a feature in each.
pub const LAYERS: [(&str, &str, bool); 5] = [
    ("admin_units", "code", false),
    ("residential_areas", "id", true),
    ("facilities", "id", true),
    ("roads", "id", false),
    ("candidates", "id", false),
];

/// What `dataset.toml` says: the dataset's name, the CRS its files are written in, and its day.
pub struct Header {
    pub name: String,
    pub crs: Crs,
    pub as_of: Date,
}

/// Reads, checks and converts a dataset folder. Beside the dataset it gives the warnings: properties no
/// layer knows (a misspelt `handed_ovr` would otherwise be ignored in silence), each with the nearest
/// known key. `--strict` makes them errors.
pub fn load_dataset_with_warnings(dir: &Path) -> Result<(Dataset, Problems), Problems> {
    if !dir.is_dir() {
        return Err(Problems(vec![Problem::file(
            &dir.display().to_string(),
            "不是数据集目录 not a dataset folder (expected a folder holding dataset.toml and the layer files)",
        )]));
    }
    let mut problems = Vec::new();
    let (header, settings) = read_header(dir, &mut problems);
    let converter = header.as_ref().and_then(|h| {
        Converter::new(h.crs)
            .map_err(|e| problems.push(Problem::file("dataset.toml", e.to_string())))
            .ok()
    });
    convert_layers(header, converter.as_ref(), &mut Folder { dir, settings }, problems)
}

/// Where a dataset's layers are read from: a folder's files, or features a store kept
/// (`HashMap<layer, RawLayer>`). Either way every feature goes through the same conversion and checks.
pub trait LayerSource {
    /// The layer's features, each passed through `each` as it is read; `Ok(None)` when it has none.
    fn read_layer<F: Send>(
        &mut self,
        layer: &str,
        id_key: &str,
        each: Each<F>,
    ) -> Result<Option<ReadLayer<F>>, Vec<Problem>>;
}

/// A dataset folder's layer files, read as `dataset.toml` says.
struct Folder<'a> {
    dir: &'a Path,
    settings: settings::Settings,
}

impl LayerSource for Folder<'_> {
    fn read_layer<F: Send>(
        &mut self,
        layer: &str,
        id_key: &str,
        each: Each<F>,
    ) -> Result<Option<ReadLayer<F>>, Vec<Problem>> {
        let settings = self.settings.get(layer).cloned().unwrap_or_default();
        source::read_layer(self.dir, layer, &settings, id_key, each)
    }
}

/// Layers read already (a store's rows), each handed over once.
impl LayerSource for HashMap<&str, RawLayer> {
    fn read_layer<F: Send>(
        &mut self,
        layer: &str,
        _id_key: &str,
        each: Each<F>,
    ) -> Result<Option<ReadLayer<F>>, Vec<Problem>> {
        Ok(self.remove(layer).map(|l| l.each(each)))
    }
}

/// Converts and checks the layers `layers` gives, as a folder's are: every property of every feature
/// typed and checked, every geometry checked and turned into WGS84 by `converter`, ids and references
/// checked across layers. `problems` holds those found already (the header's); without a header or a
/// converter the layers are only read, for the problems of their files. Beside the dataset: the warnings.
pub fn convert_layers(
    header: Option<Header>,
    converter: Option<&Converter>,
    layers: &mut impl LayerSource,
    mut problems: Vec<Problem>,
) -> Result<(Dataset, Problems), Problems> {
    let mut warnings = Vec::new();
    let mut files: HashMap<&str, String> = HashMap::new();
    // Each layer's features are converted as they are read (dropping each raw feature at once); the
    // areas come before the facilities, whose `serves` name them.
    let admin_units = read_converted(
        layers,
        "admin_units",
        converter,
        layers::admin_unit,
        &mut problems,
        &mut warnings,
        &mut files,
    )
    .0;
    let (residential_areas, unloaded_ids) = read_converted(
        layers,
        "residential_areas",
        converter,
        layers::residential_area,
        &mut problems,
        &mut warnings,
        &mut files,
    );
    // Every id the residential areas file names, loadable or not: a `serves` link to an area that
    // has problems of its own is not a second problem.
    let area_ids: layers::AreaIds = residential_areas
        .iter()
        .map(|a| a.id.as_str())
        .chain(unloaded_ids.iter().map(String::as_str))
        .map(Cow::Borrowed)
        .collect();
    // No id named twice among them all: the check for duplicate area ids has nothing to find.
    let areas_distinct = area_ids.len() == residential_areas.len() + unloaded_ids.len();
    let facilities = read_converted(
        layers,
        "facilities",
        converter,
        |p: &mut props::Props, f: &source::RawFeature, c: &Converter| layers::facility(p, f, c, &area_ids),
        &mut problems,
        &mut warnings,
        &mut files,
    )
    .0;
    let roads = read_converted(
        layers,
        "roads",
        converter,
        layers::road,
        &mut problems,
        &mut warnings,
        &mut files,
    )
    .0;
    let candidates = read_converted(
        layers,
        "candidates",
        converter,
        layers::candidate,
        &mut problems,
        &mut warnings,
        &mut files,
    )
    .0;
    let (Some(header), Some(_)) = (header, converter) else {
        return Err(Problems(problems));
    };
    let dataset = Dataset {
        name: header.name,
        source_crs: header.crs,
        as_of: header.as_of,
        admin_units,
        residential_areas,
        facilities,
        roads,
        candidates,
    };
    cross_check(&dataset, &files, !areas_distinct, &mut problems);
    if problems.is_empty() {
        Ok((dataset, Problems(warnings)))
    } else {
        Err(Problems(problems))
    }
}

/// One feature as `read_converted` keeps it until its layer is gathered: its value when it loaded and,
/// boxed, whatever else there is — its problems, its unknown keys, its id when it did not load. A sound
/// file's features have none of those, so a million of them cost their values and a pointer each, not
/// three lists and an id each (64 MB less at 1 000 000 areas, at the peak of reading them).
struct Kept<T> {
    value: Option<T>,
    aside: Option<Box<Aside>>,
}

struct Aside {
    problems: Vec<Problem>,
    unknown: Vec<Problem>,
    id: Option<String>,
}

impl<T> Kept<T> {
    fn of(value: Option<T>, problems: Vec<Problem>, unknown: Vec<Problem>, id: Option<String>) -> Kept<T> {
        let aside = (!problems.is_empty() || !unknown.is_empty() || id.is_some())
            .then(|| Box::new(Aside { problems, unknown, id }));
        Kept { value, aside }
    }
}

/// Reads one layer, converting each feature as it is read; its problems and warnings are added to the
/// dataset's, its file's name to `files`. Beside the values: the ids of the features that did not load
/// (those that did keep theirs in their values).
/// Without a converter (a bad `dataset.toml`) features are only read, for the problems of the file itself.
#[allow(clippy::too_many_arguments)]
fn read_converted<T: Send>(
    layers: &mut impl LayerSource,
    layer: &'static str,
    converter: Option<&Converter>,
    one: impl Fn(&mut props::Props, &source::RawFeature, &Converter) -> Option<T> + Sync,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
    files: &mut HashMap<&'static str, String>,
) -> (Vec<T>, Vec<String>) {
    let (_, id_key, required) = LAYERS
        .iter()
        .copied()
        .find(|(l, _, _)| *l == layer)
        .unwrap_or((layer, "id", false));
    let each = |raw: source::RawFeature, file: &str, text_cells: bool| {
        let id_of = |raw: &source::RawFeature| {
            let id = raw.properties.get(id_key).and_then(propmap::id_text);
            id.map(|id| id.trim().to_string())
        };
        let Some(converter) = converter else {
            return Kept::of(None, Vec::new(), Vec::new(), id_of(&raw));
        };
        let (value, problems, unknown) = layers::convert_one(file, text_cells, &raw, converter, &one);
        // A feature that loaded keeps its id in its value; only the others' are kept beside.
        let id = if value.is_some() { None } else { id_of(&raw) };
        Kept::of(value, problems, unknown, id)
    };
    match layers.read_layer(layer, id_key, &each) {
        Ok(Some(read)) => {
            problems.extend(read.problems);
            files.insert(layer, read.file);
            let count = read.features.len();
            let mut ids = Vec::new();
            // One pass: each feature moves from what was read straight into the layer's values.
            let results = read.features.into_iter().map(|kept| match kept.aside {
                None => (kept.value, Vec::new(), Vec::new()),
                Some(aside) => {
                    let Aside { problems, unknown, id } = *aside;
                    ids.extend(id);
                    (kept.value, problems, unknown)
                }
            });
            let mut c = layers::gather(count, results);
            problems.append(&mut c.problems);
            warnings.append(&mut c.warnings);
            (c.values, ids)
        }
        Ok(None) => {
            if required {
                problems.push(Problem::file(
                    &format!("{layer}.geojson"),
                    format!(
                        "缺少必需图层 required layer missing: give {}, or name its file in dataset.toml ([layers.{layer}] file = …)",
                        source::EXTENSIONS
                            .iter()
                            .map(|ext| format!("{layer}.{ext}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            (Vec::new(), Vec::new())
        }
        Err(mut p) => {
            problems.append(&mut p);
            (Vec::new(), Vec::new())
        }
    }
}

/// Reads, checks and converts a dataset folder; see [`load_dataset_with_warnings`] for what it warns of.
pub fn load_dataset(dir: &Path) -> Result<Dataset, Problems> {
    load_dataset_with_warnings(dir).map(|(dataset, _)| dataset)
}

fn read_header(dir: &Path, problems: &mut Vec<Problem>) -> (Option<Header>, settings::Settings) {
    let mut settings = settings::Settings::new();
    let header = read_header_table(dir, problems, &mut settings);
    (header, settings)
}

fn read_header_table(dir: &Path, problems: &mut Vec<Problem>, settings: &mut settings::Settings) -> Option<Header> {
    const FILE: &str = "dataset.toml";
    let read = crate::limits::read_capped(&dir.join(FILE), crate::limits::SMALL_FILE_BYTES).and_then(|b| {
        String::from_utf8(b).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
    });
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::file(FILE, format!("无法读取 cannot read: {e}")));
            return None;
        }
    };
    let table: toml::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::file(FILE, format!("not valid TOML: {}", e.to_string().trim())));
            return None;
        }
    };
    let key_problem = |key: &str, message: String| Problem {
        file: FILE.into(),
        feature: None,
        property: Some(key.into()),
        message,
    };
    let before = problems.len();
    for key in table.keys() {
        if !HEADER_KEYS.contains(&key.as_str()) {
            problems.push(key_problem(
                key,
                "unknown key: expected name, crs, as_of, description, encoding or layers".into(),
            ));
        }
    }
    *settings = settings::read(&table, problems);
    let name = match table.get("name") {
        Some(toml::Value::String(s)) if s.trim().chars().count() > crate::limits::NAME_CHARS => {
            problems.push(key_problem(
                "name",
                format!(
                    "{} characters: at most {} are allowed",
                    s.trim().chars().count(),
                    crate::limits::NAME_CHARS
                ),
            ));
            None
        }
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => {
            problems.push(key_problem("name", "expected a non-empty string".into()));
            None
        }
    };
    let crs = match table.get("crs") {
        Some(toml::Value::String(s)) => Crs::parse(s)
            .map_err(|e| problems.push(key_problem("crs", e.to_string())))
            .ok(),
        _ => {
            problems.push(key_problem("crs", "expected a string such as \"EPSG:4326\"".into()));
            None
        }
    };
    let as_of = match table.get("as_of") {
        Some(toml::Value::String(s)) => Date::parse(s),
        Some(toml::Value::Datetime(d)) if d.time.is_none() => Date::parse(&d.to_string()),
        _ => None,
    };
    if as_of.is_none() {
        problems.push(key_problem("as_of", "expected a date YYYY-MM-DD".into()));
    }
    for layer in settings.values_mut() {
        layer.crs = crs;
    }
    if problems.len() > before {
        return None;
    }
    Some(Header {
        name: name?,
        crs: crs?,
        as_of: as_of?,
    })
}

/// Checks that span features: unique ids, and references that must name an existing feature.
///
/// `area_duplicates`: whether to look for area ids used twice (a caller that hashed every area id
/// already and found them distinct need not hash a million again).
pub(crate) fn cross_check(
    dataset: &Dataset,
    files: &HashMap<&str, String>,
    area_duplicates: bool,
    problems: &mut Vec<Problem>,
) {
    let file = |layer: &str| files.get(layer).cloned().unwrap_or_else(|| format!("{layer}.geojson"));
    let mut duplicates = |layer: &str, key: &str, ids: Vec<&str>| {
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(ids.len(), Default::default());
        for id in ids {
            if !seen.insert(id) {
                problems.push(Problem {
                    file: file(layer),
                    feature: Some(format!("{key} \"{id}\"")),
                    property: Some(key.into()),
                    message: format!("重复 duplicate {key}: \"{id}\" is used by more than one feature"),
                });
            }
        }
    };
    duplicates(
        "admin_units",
        "code",
        dataset.admin_units.iter().map(|u| u.code.as_str()).collect(),
    );
    if area_duplicates {
        duplicates(
            "residential_areas",
            "id",
            dataset.residential_areas.iter().map(|a| a.id.as_str()).collect(),
        );
    }
    duplicates(
        "facilities",
        "id",
        dataset.facilities.iter().map(|f| f.id.as_str()).collect(),
    );
    duplicates(
        "candidates",
        "id",
        dataset.candidates.iter().map(|c| c.id.as_str()).collect(),
    );

    let codes: foldhash::HashSet<&str> = dataset.admin_units.iter().map(|u| u.code.as_str()).collect();
    for unit in &dataset.admin_units {
        if let Some(parent) = &unit.parent {
            if !codes.contains(parent.as_str()) {
                problems.push(Problem {
                    file: file("admin_units"),
                    feature: Some(format!("code \"{}\"", unit.code)),
                    property: Some("parent".into()),
                    message: format!("parent \"{parent}\" names no admin unit in this dataset"),
                });
            }
        }
    }
}
