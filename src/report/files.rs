//! The files of a run, as `check --out DIR` writes them and stores keep them: check.json (the record),
//! findings.geojson, findings.csv, summary.csv, findings.xlsx, report.html, coverage.png and coverage.svg,
//! and ledger.csv with `--by`.
//!
//! Every file is first rendered in memory, then the whole folder is written beside its final name and
//! renamed into place, so a failure never leaves a half-written or mixed report behind. CSVs start with a UTF-8 byte-order mark,
//! which Excel needs to show Chinese correctly.

use super::finding_columns::FINDING_COLUMNS;
use super::json::{rate, CheckDocument};
use super::Check;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("无法写入 cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render {what}: {reason}")]
    Render { what: &'static str, reason: String },
    #[error("拒绝覆盖 refusing to write into {dir}: it holds what carecircle did not write there ({names}); give a new or empty folder")]
    Foreign { dir: PathBuf, names: String },
}

/// The coverage map, already drawn.
pub struct Maps {
    pub svg: String,
    pub png: Vec<u8>,
}

/// The names of the files a run may have; a folder holding only these is a run folder carecircle wrote.
pub const RUN_FILES: &[&str] = &[
    "check.json",
    "findings.geojson",
    "findings.csv",
    "summary.csv",
    "findings.xlsx",
    "ledger.csv",
    "report.html",
    "coverage.svg",
    "coverage.png",
];

/// Renders every file of a check: `check.json` when it is kept as a run (it has a record), the findings
/// and summary, the ledger with `--by`, the workbook, the maps when drawn and the HTML report that shows them.
pub fn render(check: &Check, maps: Option<&Maps>) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
    let mut files = Vec::new();
    if check.record.is_some() {
        // Compact: a record holds every finding's geometry, and indenting it would triple its size.
        let mut json = serde_json::to_vec(&CheckDocument::new(check)).map_err(|e| WriteError::Render {
            what: "check.json",
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        files.push(("check.json", json));
    }
    files.extend([
        ("findings.geojson", findings_geojson(check)?),
        ("findings.csv", findings_csv(check)?),
        ("summary.csv", summary_csv(check)?),
        (
            "findings.xlsx",
            super::xlsx::render(check).map_err(|e| WriteError::Render {
                what: "findings.xlsx",
                reason: e.to_string(),
            })?,
        ),
    ]);
    if check.ledger.is_some() {
        files.push(("ledger.csv", ledger_csv(check)?));
    }
    if let Some(maps) = maps {
        files.push(("coverage.svg", maps.svg.clone().into_bytes()));
        files.push(("coverage.png", maps.png.clone()));
    }
    files.push((
        "report.html",
        super::html::render(check, maps.map(|m| m.svg.as_str())).into_bytes(),
    ));
    Ok(files)
}

fn findings_geojson(check: &Check) -> Result<Vec<u8>, WriteError> {
    // The rows alone: the whole document (summary, ledger, the record's units) is not needed here.
    let features: Vec<geojson::Feature> = check
        .report
        .findings
        .iter()
        .map(|f| {
            let properties: serde_json::Map<String, serde_json::Value> = FINDING_COLUMNS
                .iter()
                .map(|c| (c.key.to_string(), (c.value)(f).json()))
                .collect();
            geojson::Feature {
                bbox: None,
                geometry: Some(geojson::Geometry::from(&*f.geometry)),
                id: None,
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    let collection = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    serde_json::to_vec(&collection).map_err(|e| WriteError::Render {
        what: "findings.geojson",
        reason: e.to_string(),
    })
}

fn csv_bytes(what: &'static str, rows: Vec<Vec<String>>) -> Result<Vec<u8>, WriteError> {
    let mut writer = super::excel_csv::ExcelCsv::new();
    for row in rows {
        writer.write_record(&row).map_err(|e| WriteError::Render {
            what,
            reason: e.to_string(),
        })?;
    }
    writer.into_inner().map_err(|e| WriteError::Render {
        what,
        reason: e.to_string(),
    })
}

fn findings_csv(check: &Check) -> Result<Vec<u8>, WriteError> {
    use super::finding_columns::FINDING_COLUMNS;
    let mut rows = vec![FINDING_COLUMNS.iter().map(|c| c.key.to_string()).collect::<Vec<_>>()];
    for f in &check.report.findings {
        rows.push(FINDING_COLUMNS.iter().map(|c| (c.value)(f).text()).collect());
    }
    csv_bytes("findings.csv", rows)
}

fn summary_csv(check: &Check) -> Result<Vec<u8>, WriteError> {
    let mut rows = vec![[
        "rule",
        "kind",
        "severity",
        "checked",
        "failed",
        "rate",
        "target",
        "pass",
        "notes",
        "rate_basis",
        "subjects_rate",
    ]
    .map(String::from)
    .to_vec()];
    for o in &check.report.outcomes {
        rows.push(vec![
            o.rule.clone(),
            o.kind.into(),
            o.severity.key().into(),
            o.checked.to_string(),
            o.failed.to_string(),
            rate(o.rate).to_string(),
            o.target.to_string(),
            o.pass.to_string(),
            o.notes.join("; "),
            super::rate_basis(o).into(),
            rate(super::subjects_rate(o)).to_string(),
        ]);
    }
    csv_bytes("summary.csv", rows)
}

/// The look-back ledger, headed in Chinese and English as auditors file it.
fn ledger_csv(check: &Check) -> Result<Vec<u8>, WriteError> {
    let mut rows = vec![[
        "代码 code",
        "名称 name",
        "级别 level",
        "规则 rule",
        "检查 checked",
        "不合格 failed",
        "达标率 rate",
        "达标率按 rate_basis",
        "对象达标率 subjects_rate",
    ]
    .map(String::from)
    .to_vec()];
    rows.extend(check.ledger_cells().into_iter().map(|cells| cells.to_vec()));
    csv_bytes("ledger.csv", rows)
}
