//! The properties each collection's features carry, and a layer feature's properties as served.

use super::*;

/// One property of a collection's features, as its schema declares it.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// May be null (unknown): such properties are given a value by the lead features.
    pub nullable: bool,
    pub title: &'static str,
    /// The closed vocabulary it takes, if any.
    pub values: Vec<&'static str>,
}

pub(crate) fn field(name: &'static str, kind: Kind, nullable: bool, title: &'static str) -> Field {
    Field {
        name,
        kind,
        nullable,
        title,
        values: Vec::new(),
    }
}

/// The properties every layer's features carry, in the order of the layer's field table
/// (`crate::fields`).
pub(crate) fn layer_fields(layer: &str) -> Vec<Field> {
    use crate::fields::FieldType;
    crate::fields::layer_fields(layer)
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let kind = match f.kind {
                FieldType::Text | FieldType::List => Kind::Text,
                FieldType::Integer => Kind::Integer,
                FieldType::Number => Kind::Number,
                FieldType::Boolean => Kind::Boolean,
                FieldType::Date => Kind::Date,
            };
            Field {
                values: f.vocabulary,
                ..field(f.key, kind, f.nullable, f.title)
            }
        })
        .collect()
}

/// The properties of a run's findings (as `findings.geojson` holds them).
pub(crate) fn finding_fields() -> Vec<Field> {
    use crate::report::finding_columns::{ColumnType, FINDING_COLUMNS};
    FINDING_COLUMNS
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ColumnType::Number => Kind::Number,
                ColumnType::Text | ColumnType::List => Kind::Text,
            };
            field(c.key, kind, c.nullable, c.title)
        })
        .collect()
}

/// A layer feature's properties, as the layer's field table (`crate::fields`) reads them from the model.
pub(crate) fn layer_properties(d: &Dataset, layer: &str, i: usize) -> Map<String, Value> {
    use crate::fields::*;
    fn served<T>(fields: &[Field<T>], x: &T) -> Map<String, Value> {
        fields
            .iter()
            .map(|f| (f.key.to_string(), (f.read)(x).json(Lists::Joined)))
            .collect()
    }
    match layer {
        "admin_units" => served(ADMIN_UNIT_FIELDS, &d.admin_units[i]),
        "residential_areas" => served(RESIDENTIAL_AREA_FIELDS, &d.residential_areas[i]),
        "facilities" => served(FACILITY_FIELDS, &d.facilities[i]),
        "roads" => served(ROAD_FIELDS, &d.roads[i]),
        _ => served(CANDIDATE_FIELDS, &d.candidates[i]),
    }
}
