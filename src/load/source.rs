//! Reads a layer's file — GeoJSON, CSV with `lon`/`lat` or `wkt` columns, a workbook, a GeoPackage, a zipped
//! Shapefile, FlatGeobuf or GeoParquet — into raw features:
//! a geometry still in the dataset's CRS and untyped properties.

use super::problem::Problem;
use super::propmap::{id_text, PropMap};
use super::settings::LayerSettings;
use rayon::prelude::*;
use serde_json::Value;
use std::path::Path;

/// A feature as read, before its properties are typed and its geometry checked and converted.
pub struct RawFeature {
    /// How messages name this feature: `id "R-17"`, `index 4` or `line 7`.
    pub label: String,
    pub geometry: Option<RawGeometry>,
    pub properties: PropMap,
}

pub enum RawGeometry {
    /// Straight from GeoJSON, so ring closure can still be checked.
    GeoJson(geojson::Geometry),
    /// From a CSV `lon`/`lat` pair or `wkt` cell.
    Parsed(geo::Geometry<f64>),
    /// Could not be read; the problem is reported already. The feature stays, so that its id and
    /// properties still count in the cross-checks.
    Unreadable,
}

pub struct ReadLayer<F> {
    pub file: String,
    /// Whether properties came as text cells (CSV).
    pub text_cells: bool,
    /// Each feature as the reader's caller turned it (`RawFeature` itself, or what it converted it to).
    pub features: Chunks<F>,
    /// What was wrong with single features as they were read (their geometry, a CSV row).
    pub problems: Vec<Problem>,
}

/// A layer's features in reading order, kept in the chunks they were read in (a Parquet batch, a run of
/// GeoJSON features): whoever takes them moves them out a chunk at a time, each chunk freed as it is
/// emptied, so what they become never sits in memory beside all of them (at 1 000 000 areas, a copy of
/// the whole layer less at the peak).
#[derive(Debug, Clone)]
pub struct Chunks<F>(Vec<Vec<F>>);

impl<F> Chunks<F> {
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    pub fn iter(&self) -> impl Iterator<Item = &F> {
        self.0.iter().flatten()
    }

    /// Every feature, in order, on every core.
    pub fn par_iter(&self) -> impl ParallelIterator<Item = &F>
    where
        F: Sync,
    {
        self.0.par_iter().flat_map_iter(|chunk| chunk.iter())
    }
}

impl<F> From<Vec<F>> for Chunks<F> {
    fn from(features: Vec<F>) -> Chunks<F> {
        Chunks(vec![features])
    }
}

impl<F> From<Vec<Vec<F>>> for Chunks<F> {
    fn from(chunks: Vec<Vec<F>>) -> Chunks<F> {
        Chunks(chunks)
    }
}

impl<F> IntoIterator for Chunks<F> {
    type Item = F;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<F>>>;

    /// The features in order, each chunk's memory freed once its last feature is taken.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().flatten()
    }
}

/// A layer's features as read.
pub type RawLayer = ReadLayer<RawFeature>;

impl RawLayer {
    /// The layer with each feature passed through `each`, on every core.
    pub fn each<F: Send>(self, each: Each<F>) -> ReadLayer<F> {
        let (file, text_cells) = (&self.file, self.text_cells);
        ReadLayer {
            features: Chunks(
                self.features
                    .0
                    .into_par_iter()
                    .map(|chunk| chunk.into_par_iter().map(|f| each(f, file, text_cells)).collect())
                    .collect(),
            ),
            file: self.file,
            text_cells: self.text_cells,
            problems: self.problems,
        }
    }
}

/// What a caller makes of each feature as it is read: given the feature, the file's name and whether its
/// properties are text cells. GeoJSON features go through it as they are parsed, on every core, so a
/// city's raw features never all sit in memory beside what they become.
pub type Each<'a, F> = &'a (dyn Fn(RawFeature, &str, bool) -> F + Sync);

/// The file formats a layer may come in, in the order they are looked for.
pub(super) const EXTENSIONS: [&str; 7] = ["geojson", "csv", "xlsx", "gpkg", "shp.zip", "fgb", "parquet"];

/// The coordinate columns of a table (CSV, workbook), by the names offices give them.
const COORDINATES: [(&str, &[&str]); 3] = [
    ("lon", &["lon", "经度", "x", "lng", "longitude", "东经"]),
    ("lat", &["lat", "纬度", "y", "latitude", "北纬"]),
    ("wkt", &["wkt", "几何", "geometry"]),
];

/// The names a layer's columns and properties may go by, each with the contract's key, normalised once
/// per layer read (`crate::fields::column_key`), so that no feature looks through the field tables again.
struct Names {
    /// What `dataset.toml` maps (`columns = { name = "机构名称" }`).
    mapped: Vec<(String, &'static str)>,
    /// The coordinate columns of a table: `lon`, `lat`, `wkt` and their other names.
    coordinates: Vec<(String, &'static str)>,
    /// Every field's key, Chinese name and variants (`crate::fields::key_for`'s).
    fields: Vec<(String, &'static str)>,
}

impl Names {
    fn new(layer: &str, settings: &LayerSettings) -> Names {
        use crate::fields::column_key;
        Names {
            mapped: settings.columns.iter().map(|(c, k)| (column_key(c), *k)).collect(),
            coordinates: COORDINATES
                .iter()
                .flat_map(|(key, names)| names.iter().map(|n| (column_key(n), *key)))
                .collect(),
            fields: crate::fields::layer_fields(layer)
                .unwrap_or_default()
                .iter()
                .flat_map(|f| {
                    std::iter::once(f.key)
                        .chain(f.aliases.iter().copied())
                        .map(|n| (column_key(n), f.key))
                })
                .collect(),
        }
    }

    /// The contract's key for a column or property named `name`: as `dataset.toml` maps it, a coordinate
    /// column's (where `coordinates`), a field's key or the key whose other name it is; `None` when none.
    fn key(&self, name: &str, coordinates: bool) -> Option<&'static str> {
        let wanted = crate::fields::column_key(name);
        let find = |names: &[(String, &'static str)]| names.iter().find(|(n, _)| *n == wanted).map(|(_, k)| *k);
        find(&self.mapped)
            .or_else(|| coordinates.then(|| find(&self.coordinates)).flatten())
            .or_else(|| find(&self.fields))
    }
}

/// Finds and reads the layer's file — the one `dataset.toml` names, else `<layer>.geojson`, `.csv`,
/// `.xlsx`, `.gpkg`, `.shp.zip`, `.fgb` or `.parquet` — passing each feature, its properties under the contract's keys and
/// its values in the contract's words, through `each`. `Ok(None)` when the layer has no file.
pub fn read_layer<F: Send>(
    dir: &Path,
    layer: &str,
    settings: &LayerSettings,
    id_key: &str,
    each: Each<F>,
) -> Result<Option<ReadLayer<F>>, Vec<Problem>> {
    // Chinese names and mapped columns become the contract's keys, an office's words its values, before
    // the layer reads them.
    let names = Names::new(layer, settings);
    let renamed = |mut f: RawFeature, file: &str, text_cells: bool| {
        f.properties.rename(|name| names.key(name, false));
        for (key, words) in &settings.values {
            f.properties.map_value(key, words);
        }
        each(f, file, text_cells)
    };
    let each: Each<F> = &renamed;
    let after = |l: RawLayer| l.each(each);
    let found: Vec<_> = match &settings.file {
        Some(named) => {
            let path = dir.join(named);
            if !path.is_file() {
                return Err(vec![Problem::file(
                    named,
                    format!("找不到文件 dataset.toml names {named} for layer {layer}, and the folder has no such file"),
                )]);
            }
            vec![path]
        }
        None => EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("{layer}.{ext}")))
            .filter(|p| p.is_file())
            .collect(),
    };
    match found.as_slice() {
        [] => Ok(None),
        [path] => {
            let file = file_name(path);
            let column = |name: &str| names.key(name, true);
            if file.to_lowercase().ends_with(".gpkg") {
                // SQLite reads the file itself, page by page.
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                if size > crate::limits::LAYER_BYTES {
                    return Err(vec![Problem::file(
                        &file,
                        format!(
                            "larger than carecircle reads ({})",
                            crate::limits::human(crate::limits::LAYER_BYTES)
                        ),
                    )]);
                }
                let plain = |name: &str| names.key(name, false);
                return super::gpkg::read_gpkg(
                    &file,
                    path,
                    layer,
                    settings.table.as_deref(),
                    settings.crs,
                    id_key,
                    &plain,
                )
                .map(|l| Some(after(l)));
            }
            let bytes = crate::limits::read_capped(path, crate::limits::LAYER_BYTES)
                .map_err(|e| vec![Problem::file(&file, format!("无法读取 cannot read: {e}"))])?;
            let lower = file.to_lowercase();
            if lower.ends_with(".csv") || lower.ends_with(".txt") {
                let (text, _) =
                    super::text::decode(&bytes, settings.encoding).map_err(|why| vec![Problem::file(&file, why)])?;
                read_csv(&file, &text, &column).map(|l| Some(after(l)))
            } else if lower.ends_with(".xlsx") {
                super::xlsx::read_xlsx(&file, &bytes, settings.sheet.as_deref(), &column).map(|l| Some(after(l)))
            } else if lower.ends_with(".shp.zip") {
                super::shp_zip::read_shp_zip(&file, bytes, id_key).map(|l| Some(after(l)))
            } else if lower.ends_with(".fgb") {
                super::fgb::read_fgb(&file, &bytes, id_key).map(|l| Some(after(l)))
            } else if lower.ends_with(".parquet") || lower.ends_with(".geoparquet") {
                super::parquet::read_parquet(&file, bytes, settings.crs, id_key, each).map(Some)
            } else if lower.ends_with(".geojson") || lower.ends_with(".json") {
                read_geojson(&file, &bytes, id_key, each).map(Some)
            } else {
                Err(vec![Problem::file(
                    &file,
                    format!(
                        "不支持的格式 carecircle reads a layer from {}: name a file of one of them",
                        EXTENSIONS.map(|e| format!(".{e}")).join(", ")
                    ),
                )])
            }
        }
        many => Err(vec![Problem::file(
            &file_name(&many[0]),
            format!(
                "layer {layer} is given twice ({}): keep one",
                many.iter().map(|p| file_name(p)).collect::<Vec<_>>().join(", ")
            ),
        )]),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a GeoJSON FeatureCollection. The text is scanned once for the collection's members, leaving each
/// feature an unparsed slice of it; the features are then parsed on every core, straight into raw
/// features (no tree of the whole file, no copies of property maps), each one's problems its own, and
/// each passed through `each` at once.
pub(super) fn read_geojson<F: Send>(
    file: &str,
    bytes: &[u8],
    id_key: &str,
    each: Each<F>,
) -> Result<ReadLayer<F>, Vec<Problem>> {
    use serde_json::value::RawValue;

    /// The collection's members that matter, left unparsed; any others are skipped.
    #[derive(serde::Deserialize)]
    struct Collection<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<&'a RawValue>,
        #[serde(borrow)]
        features: Option<&'a RawValue>,
    }

    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![Problem::file(
            file,
            format!("not UTF-8 text (byte {}): GeoJSON must be UTF-8", e.valid_up_to()),
        )]
    })?;
    let collection: Collection = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        let what = if e.is_eof() {
            "JSON ends too early (truncated file?)"
        } else {
            "not valid JSON, or not a JSON object"
        };
        vec![Problem::file(
            file,
            format!("{what} at line {} column {}: {e}", e.line(), e.column()),
        )]
    })?;
    let kind = collection
        .kind
        .and_then(|k| serde_json::from_str::<String>(k.get()).ok());
    if kind.as_deref() != Some("FeatureCollection") {
        return Err(vec![Problem::file(
            file,
            format!(
                "expected a GeoJSON FeatureCollection, found type {}",
                kind.as_deref().unwrap_or("(none)")
            ),
        )]);
    }
    let features: Vec<&RawValue> = collection
        .features
        .and_then(|f| serde_json::from_str(f.get()).ok())
        .ok_or_else(|| vec![Problem::file(file, "FeatureCollection has no \"features\" array")])?;
    // In chunks, each kept as it was made: no second list of the whole layer.
    const CHUNK: usize = 2_048;
    let parsed: Vec<(Vec<F>, Vec<Problem>)> = features
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut out = Vec::with_capacity(chunk.len());
            let mut problems = Vec::new();
            for (i, raw) in chunk.iter().enumerate() {
                let (feature, problem) = read_feature(file, raw, c * CHUNK + i, id_key);
                out.extend(feature.map(|f| each(f, file, false)));
                problems.extend(problem);
            }
            (out, problems)
        })
        .collect();
    let (chunks, problems): (Vec<Vec<F>>, Vec<Vec<Problem>>) = parsed.into_iter().unzip();
    let problems = problems.into_iter().flatten().collect();
    Ok(ReadLayer {
        file: file.to_string(),
        text_cells: false,
        features: Chunks(chunks),
        problems,
    })
}

/// One feature of a collection, from its slice of the text.
fn read_feature(
    file: &str,
    raw: &serde_json::value::RawValue,
    index: usize,
    id_key: &str,
) -> (Option<RawFeature>, Option<Problem>) {
    use serde_json::value::RawValue;

    #[derive(serde::Deserialize)]
    struct Feature<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<&'a RawValue>,
        #[serde(borrow)]
        id: Option<&'a RawValue>,
        #[serde(borrow)]
        properties: Option<&'a RawValue>,
        #[serde(borrow)]
        geometry: Option<&'a RawValue>,
    }

    let feature: Option<Feature> = serde_json::from_str(raw.get()).ok();
    // A properties member that is not an object counts as none: the layer then names what is missing. One
    // whose value JSON cannot hold (a number beyond ±1.8e308, a lone surrogate) is read property by
    // property, so the problem names that property and value rather than every property as missing.
    let (properties, unreadable) = match feature.as_ref().and_then(|f| f.properties) {
        None => (PropMap::default(), None),
        Some(p) => match serde_json::from_str::<PropMap>(p.get()) {
            Ok(map) => (map, None),
            Err(_) => properties_one_by_one(p.get()),
        },
    };
    let member: Option<Value> = feature
        .as_ref()
        .and_then(|f| f.id)
        .and_then(|i| serde_json::from_str(i.get()).ok());
    let id = properties.get(id_key).or(member.as_ref()).and_then(id_text);
    let label = label(id_key, id.as_deref(), "index", index);
    let is_feature = feature
        .as_ref()
        .and_then(|f| f.kind)
        .is_some_and(|k| k.get() == "\"Feature\"");
    if let Some((property, message)) = unreadable.filter(|_| is_feature) {
        let problem = Problem {
            file: file.to_string(),
            feature: Some(label),
            property,
            message,
        };
        return (None, Some(problem));
    }
    let Some(feature) = feature.filter(|_| is_feature) else {
        let problem = Problem {
            file: file.to_string(),
            feature: Some(label),
            property: None,
            message: "expected a GeoJSON Feature".into(),
        };
        return (None, Some(problem));
    };
    let (geometry, problem) = match feature.geometry.map(RawValue::get) {
        None | Some("null") => (None, None),
        Some(text) => match serde_json::from_str::<geojson::Geometry>(text) {
            Ok(g) => (Some(RawGeometry::GeoJson(g)), None),
            Err(e) => {
                // Where in the slice the parser stopped means nothing to a reader of the file.
                let reason = e.to_string();
                let reason = reason.split(" at line ").next().unwrap_or_default();
                let problem = Problem {
                    file: file.to_string(),
                    feature: Some(label.clone()),
                    property: Some("geometry".into()),
                    message: format!("not a valid GeoJSON geometry: {reason}"),
                };
                (Some(RawGeometry::Unreadable), Some(problem))
            }
        },
    };
    (
        Some(RawFeature {
            label,
            geometry,
            properties,
        }),
        problem,
    )
}

/// A properties object that does not parse whole, read one property at a time: the properties that read,
/// and the first that does not (its name, and what is wrong with its value, the value shown as written).
fn properties_one_by_one(text: &str) -> (PropMap, Option<(Option<String>, String)>) {
    use serde_json::value::RawValue;
    let reason = |e: serde_json::Error| {
        let e = e.to_string();
        e.split(" at line ").next().unwrap_or_default().to_string()
    };
    let raw: Vec<(String, &RawValue)> =
        match serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(text) {
            Ok(map) => map.into_iter().collect(),
            Err(e) => {
                let message = format!("无法读取属性 the properties cannot be read: {}", reason(e));
                return (PropMap::default(), Some((None, message)));
            }
        };
    let mut map = PropMap::new();
    let mut bad = None;
    for (key, value) in raw {
        match serde_json::from_str::<Value>(value.get()) {
            Ok(v) => map.insert(&key, v),
            Err(e) if bad.is_none() => {
                let shown: String = value.get().chars().take(40).collect();
                let more = if value.get().chars().count() > 40 { "…" } else { "" };
                bad = Some((
                    Some(key),
                    format!("无法读取的值 the value {shown}{more} cannot be read: {}", reason(e)),
                ));
            }
            Err(_) => {}
        }
    }
    (map, bad)
}

/// How a problem names a feature: `id "R-17" (index 4)` — `id_key`, the id, and where it stands (`kind`
/// and its number) — or, with no id, `index 4`; an id too long to be one is shown by its start. Built
/// by hand, not by `format!`: every feature of a million-feature layer is labelled.
pub(super) fn label(id_key: &str, id: Option<&str>, kind: &str, number: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let number = digits.format(number);
    let Some(id) = id else {
        return [kind, " ", number].concat();
    };
    // Where the 41st character starts, when there is one (no more bytes than 40 is no more characters).
    let cut = if id.len() > 40 {
        id.char_indices().nth(40).map(|(i, _)| i)
    } else {
        None
    };
    match cut {
        Some(end) => [id_key, " \"", &id[..end], "…\" (", kind, " ", number, ")"].concat(),
        None => [id_key, " \"", id, "\" (", kind, " ", number, ")"].concat(),
    }
}

/// A table's column named for the contract: `column` gives its key (a coordinate's, a field's), else it
/// keeps its name.
pub(super) fn table_headers(
    headers: impl Iterator<Item = String>,
    column: &dyn Fn(&str) -> Option<&'static str>,
) -> Vec<String> {
    headers
        .map(|h| {
            let h = h.trim().to_string();
            column(&h).map_or(h, str::to_string)
        })
        .collect()
}

fn read_csv(file: &str, text: &str, column: &dyn Fn(&str) -> Option<&'static str>) -> Result<RawLayer, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(super::text::separator(text))
        .from_reader(text.as_bytes());
    let headers = table_headers(
        reader
            .headers()
            .map_err(|e| vec![Problem::file(file, format!("cannot read the CSV header: {e}"))])?
            .iter()
            .map(str::to_string),
        column,
    );
    let (lon, lat, wkt_col) = coordinate_columns(file, &headers)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(format!("line {line}")),
                    property: None,
                    message: format!("cannot read this CSV row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        out.push(table_row(
            file,
            format!("line {line}"),
            &headers,
            &record.iter().collect::<Vec<_>>(),
            (lon, lat, wkt_col),
            &mut problems,
        ));
    }
    finish(file, true, out, problems)
}

/// The coordinate columns of a table's (renamed) headers: `lon` and `lat`, or `wkt`; refused, naming
/// what was found, when it has neither.
pub(super) type Coordinates = (Option<usize>, Option<usize>, Option<usize>);

pub(super) fn coordinate_columns(file: &str, headers: &[String]) -> Result<Coordinates, Vec<Problem>> {
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (lon, lat, wkt_col) = (col("lon"), col("lat"), col("wkt"));
    if wkt_col.is_none() && (lon.is_none() || lat.is_none()) {
        return Err(vec![Problem::file(
            file,
            format!(
                "a table needs longitude and latitude columns (lon/lat, 经度/纬度, X/Y) or a wkt column; found {} \
                 (name the columns in dataset.toml: [layers.<layer>] columns = {{ lon = \"…\", lat = \"…\" }})",
                headers.join(", ")
            ),
        )]);
    }
    Ok((lon, lat, wkt_col))
}

/// One row of a table (its cells as text) as a raw feature: the coordinate columns its geometry, the
/// other non-empty cells its properties.
pub(super) fn table_row(
    file: &str,
    label: String,
    headers: &[String],
    cells: &[&str],
    (lon, lat, wkt_col): Coordinates,
    problems: &mut Vec<Problem>,
) -> RawFeature {
    let mut properties = PropMap::new();
    for (i, cell) in cells.iter().enumerate() {
        if Some(i) != lon && Some(i) != lat && Some(i) != wkt_col {
            if let Some(h) = headers.get(i) {
                properties.insert(h, Value::String(cell.to_string()));
            }
        }
    }
    let cell = |i: Option<usize>| i.and_then(|i| cells.get(i).copied()).unwrap_or("");
    let geometry = match csv_geometry(cell(lon), cell(lat), wkt_col.map(|i| cell(Some(i)))) {
        Ok(g) => g.map(RawGeometry::Parsed),
        Err((property, message)) => {
            problems.push(Problem {
                file: file.to_string(),
                feature: Some(label.clone()),
                property: Some(property.into()),
                message,
            });
            Some(RawGeometry::Unreadable)
        }
    };
    RawFeature {
        label,
        geometry,
        properties,
    }
}

/// The layer as read, with the problems of its single features.
pub(super) fn finish(
    file: &str,
    text_cells: bool,
    features: Vec<RawFeature>,
    problems: Vec<Problem>,
) -> Result<RawLayer, Vec<Problem>> {
    Ok(RawLayer {
        file: file.to_string(),
        text_cells,
        features: features.into(),
        problems,
    })
}

fn csv_geometry(lon: &str, lat: &str, wkt: Option<&str>) -> Result<Option<geo::Geometry<f64>>, (&'static str, String)> {
    if let Some(text) = wkt.map(str::trim) {
        if !text.is_empty() {
            // The WKT parser recurses once per parenthesis: a cell nested thousands deep would overflow the stack.
            let depth = text
                .bytes()
                .scan(0i64, |d, b| {
                    *d += match b {
                        b'(' => 1,
                        b')' => -1,
                        _ => 0,
                    };
                    Some(*d)
                })
                .max()
                .unwrap_or(0);
            if depth > crate::limits::WKT_DEPTH as i64 {
                return Err((
                    "wkt",
                    format!(
                        "nested {depth} parentheses deep: at most {} is allowed",
                        crate::limits::WKT_DEPTH
                    ),
                ));
            }
            let parsed: wkt::Wkt<f64> = text.parse().map_err(|e| ("wkt", format!("not valid WKT: {e}")))?;
            let geometry =
                geo::Geometry::try_from(parsed).map_err(|e| ("wkt", format!("unsupported WKT geometry: {e}")))?;
            return Ok(Some(geometry));
        }
    }
    let cell = |text: &str, name: &'static str| {
        let text = text.trim();
        text.parse::<f64>()
            .map_err(|_| (name, format!("expected a number, found \"{text}\"")))
    };
    if lon.trim().is_empty() && lat.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(geo::Geometry::Point(geo::Point::new(
        cell(lon, "lon")?,
        cell(lat, "lat")?,
    ))))
}

#[cfg(test)]
mod tests {
    use super::{label, read_geojson};

    #[test]
    fn a_big_collection_keeps_its_order_and_its_problems_indices_across_chunks() {
        // More features than three chunks hold; one is not a Feature.
        let features: Vec<String> = (0..7_000)
            .map(|i| {
                let kind = if i == 4_321 { "Featur" } else { "Feature" };
                format!(
                    r#"{{"type":"{kind}","geometry":{{"type":"Point","coordinates":[119.4,26.0]}},"properties":{{"id":"P{i}"}}}}"#
                )
            })
            .collect();
        let text = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
        let read = read_geojson("f.geojson", text.as_bytes(), "id", &|f, _, _| f).unwrap();
        let labels: Vec<&str> = read.features.iter().map(|f| f.label.as_str()).collect();
        let expected: Vec<String> = (0..7_000)
            .filter(|i| *i != 4_321)
            .map(|i| format!("id \"P{i}\" (index {i})"))
            .collect();
        assert_eq!(labels, expected);
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].feature.as_deref(), Some("id \"P4321\" (index 4321)"));
    }

    #[test]
    fn a_label_names_the_feature_by_its_id_and_place() {
        assert_eq!(label("id", Some("R-17"), "index", 4), "id \"R-17\" (index 4)");
        assert_eq!(label("code", None, "row", 1_000_007), "row 1000007");
        // Forty characters are shown whole; the forty-first is cut, counting characters, not bytes.
        let forty = "养".repeat(40);
        assert_eq!(label("id", Some(&forty), "row", 2), format!("id \"{forty}\" (row 2)"));
        let long = format!("{forty}老院");
        assert_eq!(
            label("id", Some(&long), "record", 3),
            format!("id \"{forty}…\" (record 3)")
        );
    }
}
