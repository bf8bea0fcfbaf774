//! Rows written from the tables that describe them, and read back through the loader.
//!
//! A layer's rows are written from its field table (`crate::fields`): a column per field, named by its
//! key. They are read back as features — their columns as properties — that the loader converts and
//! checks exactly as it does a folder's files (`load::convert_layers`). A run's findings are written from
//! the finding columns (`report::finding_columns`). Adding a field is then its row in the table and a
//! migration adding its column; no code here changes.

use crate::fields::{Field, FieldValue, Lists};
use crate::load::{LayerSource, PropMap, RawFeature, RawGeometry, RawLayer};
use crate::report::finding_columns::{Cell, FINDING_COLUMNS};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Jsonb};
use geo::Geometry;
use geozero::{CoordDimensions, ToWkb};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Rows per INSERT: the batch's JSON stays a few megabytes.
const BATCH: usize = 2_000;

/// The table of each layer of a dataset folder.
pub(crate) const LAYER_TABLES: [(&str, &str); 5] = [
    ("admin_units", "admin_units"),
    ("residential_areas", "residential_areas"),
    ("facilities", "facilities"),
    ("roads", "roads"),
    ("candidates", "candidate_sites"),
];

fn table_of(layer: &str) -> &'static str {
    LAYER_TABLES
        .iter()
        .find(|(l, _)| *l == layer)
        .map_or("admin_units", |(_, t)| t)
}

/// The column of a finding's column key: `id` is `subject_id` in the table (`id` would read as the row's).
pub(super) fn finding_column(key: &str) -> &str {
    match key {
        "id" => "subject_id",
        other => other,
    }
}

/// A geometry as PostGIS reads it from text: hex EWKB with SRID 4326, every coordinate's bits kept.
fn ewkb_hex(g: &Geometry<f64>) -> Result<String, diesel::result::Error> {
    use std::fmt::Write;
    let bytes = g
        .to_ewkb(CoordDimensions::xy(), Some(4326))
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

/// Inserts `rows` (objects keyed by `table`'s columns) in batches.
fn insert(conn: &mut PgConnection, table: &str, rows: Vec<Value>) -> QueryResult<()> {
    let sql = include_str!("insert_rows.sql").replace("{table}", table);
    for chunk in rows.chunks(BATCH) {
        diesel::sql_query(&sql)
            .bind::<Jsonb, _>(Value::Array(chunk.to_vec()))
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts one row per item into `table`: placed by `(key, id)` (the dataset version or the run) and its
/// order, with the columns `columns` gives it and its geometry.
fn insert_placed<T>(
    conn: &mut PgConnection,
    table: &str,
    placed_by: (&str, i64),
    items: &[T],
    columns: impl Fn(&T, &mut Map<String, Value>),
    geometry: impl Fn(&T) -> Geometry<f64>,
) -> QueryResult<usize> {
    let rows = items
        .iter()
        .enumerate()
        .map(|(ord, item)| {
            let mut row = Map::new();
            row.insert(placed_by.0.into(), placed_by.1.into());
            row.insert("ord".into(), ord.into());
            columns(item, &mut row);
            row.insert("geom".into(), ewkb_hex(&geometry(item))?.into());
            Ok(Value::Object(row))
        })
        .collect::<QueryResult<Vec<_>>>()?;
    let count = rows.len();
    insert(conn, table, rows)?;
    Ok(count)
}

/// Writes a layer's features as rows of its table, a column per field of `fields`.
pub(super) fn insert_layer<T>(
    conn: &mut PgConnection,
    layer: &str,
    dataset_id: i32,
    features: &[T],
    fields: &[Field<T>],
    geometry: impl Fn(&T) -> Geometry<f64>,
) -> QueryResult<usize> {
    let columns = |feature: &T, row: &mut Map<String, Value>| {
        for field in fields {
            let value = match (field.read)(feature) {
                // An array column: an empty list is an empty array, not NULL.
                FieldValue::List(ids) => serde_json::json!(ids),
                other => other.json(Lists::Array),
            };
            row.insert(field.key.into(), value);
        }
    };
    insert_placed(
        conn,
        table_of(layer),
        ("dataset_id", dataset_id.into()),
        features,
        columns,
        geometry,
    )
}

/// Writes a run's findings as rows of `findings`, a column per finding column.
pub(super) fn insert_findings(
    conn: &mut PgConnection,
    run_id: i64,
    findings: &[crate::engine::Finding],
) -> QueryResult<()> {
    let columns = |finding: &crate::engine::Finding, row: &mut Map<String, Value>| {
        for column in &FINDING_COLUMNS {
            let value = match (column.value)(finding) {
                Cell::Text(t) => t.into(),
                Cell::Worded(w) => w.to_string().into(),
                Cell::Number(n) => n.map_or(Value::Null, Value::from),
                Cell::List(ids) => serde_json::json!(ids),
            };
            row.insert(finding_column(column.key).into(), value);
        }
    };
    insert_placed(conn, "findings", ("run_id", run_id), findings, columns, |f| {
        (*f.geometry).clone()
    })?;
    Ok(())
}

#[derive(QueryableByName)]
struct FeatureRow {
    #[diesel(sql_type = Jsonb)]
    properties: Value,
    #[diesel(sql_type = postgis_diesel::sql_types::Geometry)]
    geom: super::Geom,
}

/// Every layer of dataset version `dataset_id` as features, for `load::convert_layers`. Problems in them
/// name the table (`facilities (PostGIS)`) and the feature by its id.
pub(super) fn read_layers(conn: &mut PgConnection, dataset_id: i32) -> QueryResult<impl LayerSource> {
    let mut layers: HashMap<&str, RawLayer> = HashMap::new();
    for (layer, id_key, _) in crate::load::LAYERS {
        let table = table_of(layer);
        let rows: Vec<FeatureRow> = diesel::sql_query(include_str!("layer_rows.sql").replace("{table}", table))
            .bind::<Int4, _>(dataset_id)
            .load(conn)?;
        let features: Vec<_> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let mut properties = PropMap::new();
                if let Value::Object(columns) = row.properties {
                    for (key, value) in columns {
                        properties.insert(&key, value);
                    }
                }
                let label = match properties.get(id_key) {
                    Some(Value::String(id)) => format!("{id_key} \"{id}\" (row {i})"),
                    _ => format!("row {i}"),
                };
                RawFeature {
                    label,
                    geometry: Some(RawGeometry::Parsed(super::geometry::from_pg(&row.geom))),
                    properties,
                }
            })
            .collect();
        layers.insert(
            layer,
            RawLayer {
                file: format!("{table} (PostGIS)"),
                text_cells: false,
                features: features.into(),
                problems: Vec::new(),
            },
        );
    }
    Ok(layers)
}

/// The columns each table must have: the keys that place a row, a column per field (or finding column),
/// and the geometry.
fn expected_columns() -> Vec<(&'static str, Vec<&'static str>)> {
    let row = |keys: &[&'static str], placed_by: &'static str| {
        let mut columns = vec![placed_by, "ord"];
        columns.extend(keys);
        columns.push("geom");
        columns
    };
    let mut tables: Vec<_> = LAYER_TABLES
        .iter()
        .map(|(layer, table)| (*table, row(&crate::fields::layer_keys(layer), "dataset_id")))
        .collect();
    let findings: Vec<&str> = FINDING_COLUMNS.iter().map(|c| finding_column(c.key)).collect();
    tables.push(("findings", row(&findings, "run_id")));
    tables
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Where the database's tables and the field tables disagree, in sentences: a field with no column would
/// be lost on import, a column with no field read back as a property no layer knows.
pub(super) fn schema_mismatches(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    let found: Vec<ColumnRow> = diesel::sql_query(include_str!("columns.sql")).load(conn)?;
    let mut mismatches = Vec::new();
    for (table, expected) in expected_columns() {
        let columns: Vec<&str> = found
            .iter()
            .filter(|c| c.table_name == table)
            .map(|c| c.column_name.as_str())
            .collect();
        for missing in expected.iter().filter(|e| !columns.contains(e)) {
            mismatches.push(format!("table {table} has no column {missing}"));
        }
        for extra in columns.iter().filter(|c| !expected.contains(c)) {
            mismatches.push(format!(
                "table {table} has a column {extra} that carecircle does not know"
            ));
        }
    }
    Ok(mismatches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_placed_keyed_and_located() {
        let tables = expected_columns();
        assert_eq!(tables.len(), 6);
        let facilities = &tables.iter().find(|(t, _)| *t == "facilities").unwrap().1;
        assert_eq!(facilities[..4], ["dataset_id", "ord", "id", "name"]);
        assert_eq!(facilities.last(), Some(&"geom"));
        let findings = &tables.iter().find(|(t, _)| *t == "findings").unwrap().1;
        assert!(findings.contains(&"subject_id") && !findings.contains(&"id"));
        assert_eq!(table_of("candidates"), "candidate_sites");
    }

    #[test]
    fn ewkb_is_little_endian_with_the_srid() {
        let hex = ewkb_hex(&Geometry::Point(geo::Point::new(1.0, 2.0))).unwrap();
        // Byte order 01, type 0x20000001 (a point with an SRID), SRID 4326 (0x10E6), then x = 1.0, y = 2.0.
        assert_eq!(hex, "0101000020e6100000000000000000f03f0000000000000040");
    }
}
