//! A finding's columns, written once: their keys, Chinese and English titles, types and how each is read
//! from a [`Finding`]. `findings.csv`, `findings.geojson`, the workbook's findings sheet, the report's
//! tables, the OGC schema of a run's findings and the PostGIS store's `findings` rows all read this
//! table; `check.json`'s finding rows carry the same keys (a test holds them to it).
//!
//! ```
//! use carecircle_core::report::finding_columns::FINDING_COLUMNS;
//! let keys: Vec<&str> = FINDING_COLUMNS.iter().map(|c| c.key).collect();
//! assert_eq!(keys[..4], ["rule", "severity", "layer", "id"]);
//! ```

use super::json::figure;
use crate::engine::{Finding, Worded};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Number,
    /// Ids, written joined by `;` where a cell holds one text.
    List,
}

/// One cell of a finding's row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    /// A finding's message, worded as it is written.
    Worded(Worded<'a>),
    Number(Option<f64>),
    List(&'a [String]),
}

impl Cell<'_> {
    /// The cell as one text: numbers as the document writes them (nothing when there is none), lists
    /// joined by `;`.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.to_string(),
            Cell::Worded(w) => w.to_string(),
            Cell::Number(n) => n.map(|n| figure(n).to_string()).unwrap_or_default(),
            Cell::List(ids) => ids.join(";"),
        }
    }

    /// The cell as JSON for GIS clients (`findings.geojson`): numbers as the document rounds them (`null`
    /// when there is none), lists joined by `;`.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(t) => (*t).into(),
            Cell::Worded(w) => w.to_string().into(),
            Cell::Number(n) => n.map(figure).into(),
            Cell::List(ids) => ids.join(";").into(),
        }
    }
}

/// One column of a finding's row.
pub struct Column {
    /// The key files and APIs use.
    pub key: &'static str,
    /// The title people read, Chinese first.
    pub title: &'static str,
    pub kind: ColumnType,
    /// Whether the value may be missing (served as `null`).
    pub nullable: bool,
    /// The value as files and APIs carry it.
    pub value: for<'a> fn(&'a Finding) -> Cell<'a>,
    /// The value as a Chinese reader sees it (the workbook): vocabulary in Chinese.
    pub chinese: for<'a> fn(&'a Finding) -> Cell<'a>,
}

/// A finding's columns, in the order every table has them.
pub const FINDING_COLUMNS: [Column; 10] = [
    Column {
        key: "rule",
        title: "规则 rule",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(&f.rule),
        chinese: |f| Cell::Text(&f.rule),
    },
    Column {
        key: "severity",
        title: "级别 severity",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(f.severity.key()),
        chinese: |f| Cell::Text(f.severity.chinese()),
    },
    Column {
        key: "layer",
        title: "图层 layer",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(f.layer.key()),
        chinese: |f| Cell::Text(f.layer.chinese()),
    },
    Column {
        key: "id",
        title: "对象编号 subject id",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(&f.id),
        chinese: |f| Cell::Text(&f.id),
    },
    Column {
        key: "name",
        title: "对象名称 subject name",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(&f.name),
        chinese: |f| Cell::Text(&f.name),
    },
    Column {
        key: "measured",
        title: "实测 measured",
        kind: ColumnType::Number,
        // Nothing to measure: no counted facility at all.
        nullable: true,
        value: |f| Cell::Number(f.measured),
        chinese: |f| Cell::Number(f.measured),
    },
    Column {
        key: "required",
        title: "要求 required",
        kind: ColumnType::Number,
        // Always a number in a run made now; served as nullable because a kept run's findings are read
        // back from its file as made.
        nullable: true,
        value: |f| Cell::Number(Some(f.required)),
        chinese: |f| Cell::Number(Some(f.required)),
    },
    Column {
        key: "unit",
        title: "单位 unit",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Text(f.unit.key()),
        chinese: |f| Cell::Text(f.unit.chinese()),
    },
    Column {
        key: "message",
        title: "说明 message",
        kind: ColumnType::Text,
        nullable: false,
        value: |f| Cell::Worded(f.message()),
        chinese: |f| Cell::Worded(f.message()),
    },
    Column {
        key: "facilities",
        title: "计入设施 facilities counted (ids separated by ;)",
        kind: ColumnType::List,
        nullable: false,
        value: |f| Cell::List(&f.facilities),
        chinese: |f| Cell::List(&f.facilities),
    },
];

/// The column with `key`.
pub fn column(key: &str) -> Option<&'static Column> {
    FINDING_COLUMNS.iter().find(|c| c.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check.json`'s finding rows carry every column's key (beside the geometry and, in a record, the
    /// admin units), and no other.
    #[test]
    fn the_document_rows_carry_the_columns() {
        let f = crate::engine::fixtures::finding();
        let row = serde_json::to_value(super::super::json::FindingRow::from_finding(&f)).unwrap();
        let mut keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
        keys.retain(|k| *k != "geometry" && *k != "units");
        keys.sort();
        let mut columns: Vec<&str> = FINDING_COLUMNS.iter().map(|c| c.key).collect();
        columns.sort();
        assert_eq!(keys, columns);
    }

    #[test]
    fn cells_read_as_the_files_write_them() {
        let mut f = crate::engine::fixtures::finding();
        f.measured = None;
        f.facilities = vec!["S1".into(), "S2".into()];
        let text = |key: &str| (column(key).unwrap().value)(&f).text();
        assert_eq!(text("measured"), "");
        assert_eq!(text("facilities"), "S1;S2");
        assert_eq!((column("severity").unwrap().chinese)(&f).text(), "不合规");
    }
}
