//! Reads a layer written as GeoParquet (`residential_areas.parquet`: what GDAL, DuckDB, GeoPandas and
//! Sedona write), versions 1.0 and 1.1: the geometry as WKB or in a native GeoArrow encoding (`point`,
//! `linestring`, `polygon` and their multis, separated or interleaved coordinates), the CRS from the `geo`
//! metadata (PROJJSON; none given is OGC:CRS84), which must be the dataset's, and the 1.1 `bbox` covering
//! column checked against each geometry (a file whose boxes lie is refused by the row).
//!
//! Row groups are read in parallel, each by Arrow's Parquet reader, straight into raw features. The file
//! is held whole in memory under the layer's byte bound, and what it declares it holds, uncompressed,
//! is bounded before a page is read (as a zip is: [`crate::limits::UNZIP_RATIO`], at most
//! [`crate::limits::LAYER_BYTES`]). A reader panic on a crafted file is caught: one problem naming it.

use super::problem::Problem;
use super::propmap::{id_text, ColumnKey, PropMap};
use super::source::{label, Each, RawFeature, RawGeometry, ReadLayer};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use serde_json::{Number, Value};

/// A row group read: its batches of features, and the problems found in them.
type RowGroup<F> = (Vec<Vec<F>>, Vec<Problem>);

/// Rows converted at a time in each row group.
const BATCH_ROWS: usize = 8_192;

/// What the file's `geo` metadata says of its primary geometry column.
struct GeoColumn {
    name: String,
    encoding: Encoding,
    /// The 1.1 covering: the struct column holding each row's box, and its four fields.
    covering: Option<(String, [String; 4])>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    Wkb,
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
}

/// Reads the layer, passing each row through `each` as its row group is read (on every core), so the
/// raw features of a whole layer never sit in memory beside what they become.
pub(super) fn read_parquet<F: Send>(
    file: &str,
    bytes: Vec<u8>,
    dataset_crs: Option<crate::crs::Crs>,
    id_key: &str,
    each: Each<F>,
) -> Result<ReadLayer<F>, Vec<Problem>> {
    let size = bytes.len() as u64;
    let bytes = bytes::Bytes::from(bytes);
    let damaged = || {
        vec![Problem::file(
            file,
            "不是可读的 GeoParquet not a readable Parquet file: the reader failed inside it (a damaged or crafted file)",
        )]
    };
    let metadata = super::guard::quietly(|| ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new()))
        .ok_or_else(damaged)?
        .map_err(|e| {
            vec![Problem::file(
                file,
                format!("不是可读的 GeoParquet not a readable Parquet file: {e}"),
            )]
        })?;
    let geo = geo_column(file, &metadata, dataset_crs)?;
    let parquet = metadata.metadata();
    // What the file says it holds, uncompressed, bounded as an archive is before anything is unpacked.
    let declared: i64 = parquet
        .row_groups()
        .iter()
        .flat_map(|g| g.columns())
        .map(|c| c.uncompressed_size().max(0))
        // Saturating: a crafted footer's sizes could overflow a plain sum to something small.
        .fold(0i64, i64::saturating_add);
    let bound = crate::limits::LAYER_BYTES
        .min((size.saturating_mul(crate::limits::UNZIP_RATIO)).max(crate::limits::UNZIP_FLOOR_BYTES));
    if declared as u64 > bound {
        return Err(vec![Problem::file(
            file,
            format!(
                "declares {} uncompressed in {}, more than carecircle unpacks from a file this size ({})",
                crate::limits::human(declared as u64),
                crate::limits::human(size),
                crate::limits::human(bound)
            ),
        )]);
    }
    let schema = metadata.schema().clone();
    let Ok(geometry_index) = schema.index_of(&geo.name) else {
        return Err(vec![Problem::file(
            file,
            format!(
                "the geo metadata names geometry column \"{}\", which the file does not have",
                geo.name
            ),
        )]);
    };
    // Each row group's first row, for rows' labels.
    let mut first_rows = Vec::with_capacity(parquet.num_row_groups());
    let mut rows = 0i64;
    for g in parquet.row_groups() {
        first_rows.push(rows.max(0) as usize);
        rows = rows.saturating_add(g.num_rows().max(0));
    }
    use rayon::prelude::*;
    let groups: Vec<Result<RowGroup<F>, Vec<Problem>>> = (0..parquet.num_row_groups())
        .into_par_iter()
        .map(|g| {
            super::guard::quietly(|| {
                let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), metadata.clone())
                    .with_row_groups(vec![g])
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| vec![Problem::file(file, format!("cannot read row group {g}: {e}"))])?;
                let mut batches = Vec::new();
                let mut problems = Vec::new();
                let mut row = first_rows[g];
                for batch in reader {
                    let batch =
                        batch.map_err(|e| vec![Problem::file(file, format!("cannot read row group {g}: {e}"))])?;
                    batches.push(read_batch(
                        file,
                        &batch,
                        geometry_index,
                        &geo,
                        id_key,
                        row,
                        each,
                        &mut problems,
                    )?);
                    row += batch.num_rows();
                }
                Ok((batches, problems))
            })
            .unwrap_or_else(|| Err(damaged()))
        })
        .collect();
    // The batches kept as they were read, in order: the caller moves each feature out once.
    let mut batches = Vec::new();
    let mut problems = Vec::new();
    for group in groups {
        let (mut b, mut p) = group?;
        batches.append(&mut b);
        problems.append(&mut p);
    }
    Ok(ReadLayer {
        file: file.to_string(),
        text_cells: false,
        features: batches.into(),
        problems,
    })
}

/// The primary geometry column the `geo` metadata describes, with its CRS checked against the dataset's.
fn geo_column(
    file: &str,
    metadata: &ArrowReaderMetadata,
    dataset_crs: Option<crate::crs::Crs>,
) -> Result<GeoColumn, Vec<Problem>> {
    let refuse = |why: String| vec![Problem::file(file, why)];
    let text = metadata
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.clone())
        .ok_or_else(|| {
            refuse(
                "不是 GeoParquet not GeoParquet: a Parquet file without `geo` metadata (write it with GDAL, GeoPandas \
                 or DuckDB's spatial extension, which add it)"
                    .into(),
            )
        })?;
    let geo: Value = serde_json::from_str(&text).map_err(|e| refuse(format!("its `geo` metadata is not JSON: {e}")))?;
    let primary = geo
        .get("primary_column")
        .and_then(Value::as_str)
        .ok_or_else(|| refuse("its `geo` metadata names no primary_column".into()))?;
    let column = geo.get("columns").and_then(|c| c.get(primary)).ok_or_else(|| {
        refuse(format!(
            "its `geo` metadata does not describe the primary column \"{primary}\""
        ))
    })?;
    let encoding = match column.get("encoding").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("wkb") => Encoding::Wkb,
        Some("point") => Encoding::Point,
        Some("linestring") => Encoding::LineString,
        Some("polygon") => Encoding::Polygon,
        Some("multipoint") => Encoding::MultiPoint,
        Some("multilinestring") => Encoding::MultiLineString,
        Some("multipolygon") => Encoding::MultiPolygon,
        other => {
            return Err(refuse(format!(
                "geometry column \"{primary}\" has encoding {}: carecircle reads WKB, point, linestring, polygon, \
                 multipoint, multilinestring and multipolygon",
                other.map_or("(none)".to_string(), |e| format!("\"{e}\""))
            )))
        }
    };
    if let Some(dataset) = dataset_crs {
        // No `crs` member: OGC:CRS84 (longitude, latitude on WGS84). `null`: undefined.
        let declared = match column.get("crs") {
            None => Some(("OGC".to_string(), "CRS84".to_string())),
            Some(Value::Null) => None,
            Some(projjson) => Some(projjson_id(projjson).ok_or_else(|| {
                refuse(format!(
                    "the CRS of geometry column \"{primary}\" names no authority and code (its PROJJSON has no `id`): \
                     carecircle cannot tell it is the dataset's {dataset}"
                ))
            })?),
        };
        if let Some((authority, code)) = declared {
            let theirs = if authority.eq_ignore_ascii_case("OGC") && code.eq_ignore_ascii_case("CRS84") {
                Ok(crate::crs::Crs::Wgs84)
            } else {
                crate::crs::Crs::parse(&format!("{authority}:{code}"))
            };
            if !theirs.is_ok_and(|t| dataset.holds_coordinates_of(t)) {
                return Err(refuse(format!(
                    "坐标系不符 geometry column \"{primary}\" is in {authority}:{code}, where dataset.toml says the \
                     dataset is in {dataset}: write it in the dataset's CRS or change dataset.toml's crs"
                )));
            }
        }
    }
    let covering = column.get("covering").and_then(|c| c.get("bbox")).and_then(|b| {
        let part = |k: &str| {
            let path = b.get(k)?.as_array()?;
            match path.as_slice() {
                [Value::String(column), Value::String(field)] => Some((column.clone(), field.clone())),
                _ => None,
            }
        };
        let [xmin, ymin, xmax, ymax] = ["xmin", "ymin", "xmax", "ymax"].map(part);
        let (column, xmin) = xmin?;
        Some((column, [xmin, ymin?.1, xmax?.1, ymax?.1]))
    });
    Ok(GeoColumn {
        name: primary.to_string(),
        encoding,
        covering,
    })
}

/// A PROJJSON CRS's authority and code (`"id": {"authority": "EPSG", "code": 4490}`).
fn projjson_id(projjson: &Value) -> Option<(String, String)> {
    let id = projjson.get("id")?;
    let authority = id.get("authority")?.as_str()?.to_string();
    let code = match id.get("code")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some((authority, code))
}

/// One batch's rows, each read into a raw feature and passed through `each` on every core (a file of
/// one row group is read on every core too), with the problems of single rows.
#[allow(clippy::too_many_arguments)]
fn read_batch<F: Send>(
    file: &str,
    batch: &RecordBatch,
    geometry_index: usize,
    geo: &GeoColumn,
    id_key: &str,
    first_row: usize,
    each: Each<F>,
    problems: &mut Vec<Problem>,
) -> Result<Vec<F>, Vec<Problem>> {
    use rayon::prelude::*;
    let schema = batch.schema();
    let covering_index = geo.covering.as_ref().and_then(|(c, _)| schema.index_of(c).ok());
    // Every column but the geometry and its covering is a property: each checked once for its type.
    let mut columns: Vec<(&str, &ArrayRef)> = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        if i == geometry_index || Some(i) == covering_index {
            continue;
        }
        if !readable(field.data_type()) {
            return Err(vec![Problem::file(
                file,
                format!(
                    "column \"{}\" is of type {}: carecircle reads text, whole and decimal numbers, true/false, \
                     dates and lists of them",
                    field.name(),
                    field.data_type()
                ),
            )]);
        }
        columns.push((field.name().as_str(), batch.column(i)));
    }
    // Each column's key resolved once for the batch; a name the schema gives twice is inserted by
    // name, the last value kept (as a JSON object's repeated key is).
    let keys: Vec<Option<ColumnKey>> = columns
        .iter()
        .map(|(name, _)| (columns.iter().filter(|(n, _)| n == name).count() == 1).then(|| ColumnKey::new(name)))
        .collect();
    let geometries = batch.column(geometry_index);
    let covering = covering_index.and_then(|i| {
        let boxes = batch.column(i).as_struct_opt()?;
        let [a, b, c, d] = geo
            .covering
            .as_ref()?
            .1
            .each_ref()
            .map(|f| boxes.column_by_name(f).cloned());
        Some([a?, b?, c?, d?])
    });
    // Unzipped as collected: a feature is moved once from the core that read it into the batch's list.
    let (features, row_problems): (Vec<F>, Vec<Vec<Problem>>) = (0..batch.num_rows())
        .into_par_iter()
        .map(|r| {
            let mut problems = Vec::new();
            let index = first_row + r + 1;
            let mut properties = PropMap::with_capacity(columns.len());
            for ((name, array), key) in columns.iter().zip(&keys) {
                if let Some(v) = value(array.as_ref(), r) {
                    match key {
                        Some(key) => properties.push_column(key, v),
                        None => properties.insert(name, v),
                    }
                }
            }
            let label = label(
                id_key,
                properties.get(id_key).and_then(id_text).as_deref(),
                "row",
                index,
            );
            let mut problem = |property: &str, message: String| {
                problems.push(Problem {
                    file: file.to_string(),
                    feature: Some(label.clone()),
                    property: Some(property.to_string()),
                    message,
                })
            };
            let geometry = if geometries.is_null(r) {
                None
            } else {
                match geometry(geometries.as_ref(), r, geo.encoding) {
                    Ok(g) => {
                        if let (Some(boxes), Some(extent)) = (&covering, geo::BoundingRect::bounding_rect(&g)) {
                            if let Some(why) = outside_box(boxes, r, extent) {
                                problem(geo.covering.as_ref().map_or("bbox", |(c, _)| c), why);
                            }
                        }
                        Some(RawGeometry::Parsed(g))
                    }
                    Err(why) => {
                        problem(&geo.name, why);
                        Some(RawGeometry::Unreadable)
                    }
                }
            };
            let raw = RawFeature {
                label,
                geometry,
                properties,
            };
            (each(raw, file, false), problems)
        })
        .unzip();
    problems.extend(row_problems.into_iter().flatten());
    Ok(features)
}

/// Whether the property reader knows a column type.
fn readable(t: &DataType) -> bool {
    use DataType::*;
    match t {
        Null
        | Boolean
        | Int8
        | Int16
        | Int32
        | Int64
        | UInt8
        | UInt16
        | UInt32
        | UInt64
        | Float32
        | Float64
        | Utf8
        | LargeUtf8
        | Utf8View
        | Date32
        | Date64
        | Timestamp(_, _) => true,
        List(f) | LargeList(f) => readable(f.data_type()),
        Dictionary(_, v) => readable(v),
        _ => false,
    }
}

/// A cell as the JSON value the layers read; `None` when it is null.
fn value(array: &dyn Array, row: usize) -> Option<Value> {
    use DataType::*;
    if array.is_null(row) {
        return None;
    }
    let number = |x: f64| Number::from_f64(x).map(Value::Number);
    Some(match array.data_type() {
        Boolean => Value::Bool(array.as_boolean().value(row)),
        Int8 => array.as_primitive::<Int8Type>().value(row).into(),
        Int16 => array.as_primitive::<Int16Type>().value(row).into(),
        Int32 => array.as_primitive::<Int32Type>().value(row).into(),
        Int64 => array.as_primitive::<Int64Type>().value(row).into(),
        UInt8 => array.as_primitive::<UInt8Type>().value(row).into(),
        UInt16 => array.as_primitive::<UInt16Type>().value(row).into(),
        UInt32 => array.as_primitive::<UInt32Type>().value(row).into(),
        UInt64 => array.as_primitive::<UInt64Type>().value(row).into(),
        Float32 => return number(f64::from(array.as_primitive::<Float32Type>().value(row))),
        Float64 => return number(array.as_primitive::<Float64Type>().value(row)),
        Utf8 => array.as_string::<i32>().value(row).into(),
        LargeUtf8 => array.as_string::<i64>().value(row).into(),
        Utf8View => array.as_string_view().value(row).into(),
        Date32 => day(
            i64::from(array.as_primitive::<arrow_array::types::Date32Type>().value(row)),
            0,
        ),
        Date64 => {
            let ms = array.as_primitive::<arrow_array::types::Date64Type>().value(row);
            day(ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000))
        }
        Timestamp(unit, _) => {
            let n = match unit {
                TimeUnit::Second => array
                    .as_primitive::<arrow_array::types::TimestampSecondType>()
                    .value(row),
                TimeUnit::Millisecond => array
                    .as_primitive::<arrow_array::types::TimestampMillisecondType>()
                    .value(row),
                TimeUnit::Microsecond => array
                    .as_primitive::<arrow_array::types::TimestampMicrosecondType>()
                    .value(row),
                TimeUnit::Nanosecond => array
                    .as_primitive::<arrow_array::types::TimestampNanosecondType>()
                    .value(row),
            };
            let per_day: i64 = match unit {
                TimeUnit::Second => 86_400,
                TimeUnit::Millisecond => 86_400_000,
                TimeUnit::Microsecond => 86_400_000_000,
                TimeUnit::Nanosecond => 86_400_000_000_000,
            };
            day(n.div_euclid(per_day), n.rem_euclid(per_day))
        }
        List(_) => list(array.as_list::<i32>().value(row).as_ref()),
        LargeList(_) => list(array.as_list::<i64>().value(row).as_ref()),
        Dictionary(key_type, _) => {
            // This row's key alone (`normalized_keys` would list every row's, for each row).
            let key = match key_type.as_ref() {
                Int8 => usize::try_from(array.as_dictionary::<Int8Type>().keys().value(row)).ok(),
                Int16 => usize::try_from(array.as_dictionary::<Int16Type>().keys().value(row)).ok(),
                Int32 => usize::try_from(array.as_dictionary::<Int32Type>().keys().value(row)).ok(),
                Int64 => usize::try_from(array.as_dictionary::<Int64Type>().keys().value(row)).ok(),
                UInt8 => Some(usize::from(array.as_dictionary::<UInt8Type>().keys().value(row))),
                UInt16 => Some(usize::from(array.as_dictionary::<UInt16Type>().keys().value(row))),
                UInt32 => usize::try_from(array.as_dictionary::<UInt32Type>().keys().value(row)).ok(),
                UInt64 => usize::try_from(array.as_dictionary::<UInt64Type>().keys().value(row)).ok(),
                _ => None,
            }?;
            let values = array.as_any_dictionary().values().clone();
            return (key < values.len()).then(|| value(values.as_ref(), key)).flatten();
        }
        _ => return None,
    })
}

/// A day `days` after 1970-01-01 as the layers read a date; a time past midnight is kept as text (and
/// refused where a day is expected).
fn day(days: i64, rest: i64) -> Value {
    let date = crate::model::Date::from_ymd(1970, 1, 1).map(|d| d.plus_days(days));
    match (date, rest) {
        (Some(d), 0) => Value::from(d.to_string()),
        (Some(d), _) => Value::from(format!("{d} (with a time of day)")),
        (None, _) => Value::Null,
    }
}

fn list(values: &dyn Array) -> Value {
    Value::Array(
        (0..values.len())
            .map(|i| value(values, i).unwrap_or(Value::Null))
            .collect(),
    )
}

/// Why a geometry's extent lies outside the row's covering box, if it does (a float box may be rounded
/// to within two of its steps).
fn outside_box(boxes: &[ArrayRef; 4], row: usize, extent: geo::Rect<f64>) -> Option<String> {
    let side = |a: &ArrayRef| -> Option<f64> {
        if a.is_null(row) {
            return None;
        }
        match a.data_type() {
            DataType::Float32 => Some(f64::from(a.as_primitive::<Float32Type>().value(row))),
            DataType::Float64 => Some(a.as_primitive::<Float64Type>().value(row)),
            _ => None,
        }
    };
    let [xmin, ymin, xmax, ymax] = boxes.each_ref().map(side);
    let (xmin, ymin, xmax, ymax) = (xmin?, ymin?, xmax?, ymax?);
    let slack = |v: f64| v.abs() * 2.5e-7 + 1e-9;
    let inside = extent.min().x >= xmin - slack(xmin)
        && extent.min().y >= ymin - slack(ymin)
        && extent.max().x <= xmax + slack(xmax)
        && extent.max().y <= ymax + slack(ymax);
    (!inside).then(|| {
        format!(
            "the file's box for this row ({xmin}, {ymin}, {xmax}, {ymax}) does not hold its geometry ({}, {}, {}, {}): \
             the box column lies",
            extent.min().x,
            extent.min().y,
            extent.max().x,
            extent.max().y
        )
    })
}

/// A row's geometry in the column's encoding.
fn geometry(array: &dyn Array, row: usize, encoding: Encoding) -> Result<Geometry<f64>, String> {
    use geozero::ToGeo;
    let native = |what: &str| {
        format!(
            "not a {what} in GeoArrow's native layout (column type {})",
            array.data_type()
        )
    };
    match encoding {
        Encoding::Wkb => {
            let wkb: &[u8] = match array.data_type() {
                DataType::Binary => array.as_binary::<i32>().value(row),
                DataType::LargeBinary => array.as_binary::<i64>().value(row),
                DataType::BinaryView => array.as_binary_view().value(row),
                other => return Err(format!("a WKB column must be binary, not {other}")),
            };
            geozero::wkb::Wkb(wkb)
                .to_geo()
                .map_err(|e| format!("not readable WKB: {e}"))
        }
        Encoding::Point => {
            let c = coords(array, row, row + 1).ok_or_else(|| native("point"))?;
            c.first()
                .map(|c| Geometry::Point(Point(*c)))
                .ok_or_else(|| native("point"))
        }
        Encoding::LineString => line(array, row)
            .map(Geometry::LineString)
            .ok_or_else(|| native("linestring")),
        Encoding::Polygon => polygon(array, row)
            .map(Geometry::Polygon)
            .ok_or_else(|| native("polygon")),
        Encoding::MultiPoint => {
            let (points, start, end) = range(array, row).ok_or_else(|| native("multipoint"))?;
            let c = coords(points.as_ref(), start, end).ok_or_else(|| native("multipoint"))?;
            Ok(Geometry::MultiPoint(MultiPoint(c.into_iter().map(Point).collect())))
        }
        Encoding::MultiLineString => {
            let (lines, start, end) = range(array, row).ok_or_else(|| native("multilinestring"))?;
            (start..end)
                .map(|i| line(lines.as_ref(), i))
                .collect::<Option<Vec<_>>>()
                .map(|l| Geometry::MultiLineString(MultiLineString(l)))
                .ok_or_else(|| native("multilinestring"))
        }
        Encoding::MultiPolygon => {
            let (polygons, start, end) = range(array, row).ok_or_else(|| native("multipolygon"))?;
            (start..end)
                .map(|i| polygon(polygons.as_ref(), i))
                .collect::<Option<Vec<_>>>()
                .map(|p| Geometry::MultiPolygon(MultiPolygon(p)))
                .ok_or_else(|| native("multipolygon"))
        }
    }
}

/// A list array's values and the range of row `row` in them.
fn range(array: &dyn Array, row: usize) -> Option<(ArrayRef, usize, usize)> {
    match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            let o = l.value_offsets();
            Some((l.values().clone(), *o.get(row)? as usize, *o.get(row + 1)? as usize))
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            let o = l.value_offsets();
            Some((l.values().clone(), *o.get(row)? as usize, *o.get(row + 1)? as usize))
        }
        _ => None,
    }
}

fn line(array: &dyn Array, row: usize) -> Option<LineString<f64>> {
    let (points, start, end) = range(array, row)?;
    coords(points.as_ref(), start, end).map(LineString)
}

fn polygon(array: &dyn Array, row: usize) -> Option<Polygon<f64>> {
    let (rings, start, end) = range(array, row)?;
    let mut rings: Vec<LineString<f64>> = (start..end).map(|i| line(rings.as_ref(), i)).collect::<Option<_>>()?;
    if rings.is_empty() {
        return Some(Polygon::new(LineString(Vec::new()), Vec::new()));
    }
    let exterior = rings.remove(0);
    Some(Polygon::new(exterior, rings))
}

/// Coordinates `start..end` of a GeoArrow coordinate array: a struct of `x`, `y` (separated) or a
/// fixed-size list of 2 to 4 numbers (interleaved); z and m are dropped.
fn coords(array: &dyn Array, start: usize, end: usize) -> Option<Vec<Coord<f64>>> {
    if start > end || end > array.len() {
        return None;
    }
    match array.data_type() {
        DataType::Struct(_) => {
            let s = array.as_struct();
            let x = s.column_by_name("x")?.as_primitive_opt::<Float64Type>()?;
            let y = s.column_by_name("y")?.as_primitive_opt::<Float64Type>()?;
            Some(
                (start..end)
                    .map(|i| Coord {
                        x: x.value(i),
                        y: y.value(i),
                    })
                    .collect(),
            )
        }
        DataType::FixedSizeList(_, size) if (2..=4).contains(size) => {
            let l = array.as_fixed_size_list();
            let values = l.values().as_primitive_opt::<Float64Type>()?;
            let v = values.values();
            (start..end)
                .map(|i| {
                    let at = l.value_offset_at(i);
                    Some(Coord {
                        x: *v.get(at)?,
                        y: *v.get(at + 1)?,
                    })
                })
                .collect()
        }
        _ => None,
    }
}
