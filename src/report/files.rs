//! The files `check --out DIR` writes: findings.geojson, findings.csv, summary.csv, findings.xlsx,
//! report.html, coverage.png and coverage.svg, and ledger.csv with `--by`.
//!
//! Every file is first rendered in memory, then written beside its final name and renamed, so a
//! failure never leaves a half-written report behind. CSVs start with a UTF-8 byte-order mark,
//! which Excel needs to show Chinese correctly.

use super::json::{round, CheckDocument};
use super::Check;
use std::path::{Path, PathBuf};
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
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The coverage map, already drawn.
pub struct Maps {
    pub svg: String,
    pub png: Vec<u8>,
}

/// Renders and writes every report file into `dir` (created if needed): with `maps`, also the maps
/// and the HTML report that shows them.
pub fn write_out(dir: &Path, check: &Check, maps: Option<&Maps>) -> Result<Vec<PathBuf>, WriteError> {
    let mut files = vec![
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
    ];
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
    write_all(dir, files)
}

/// Writes named byte buffers into `dir`: each to a temporary name first, then renamed.
pub fn write_all(dir: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<Vec<PathBuf>, WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut staged = Vec::new();
    for (name, bytes) in &files {
        let tmp = dir.join(format!(".{name}.partial"));
        if let Err(e) = std::fs::write(&tmp, bytes) {
            for (t, _) in &staged {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&tmp)(e));
        }
        staged.push((tmp, dir.join(name)));
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

fn findings_geojson(check: &Check) -> Result<Vec<u8>, WriteError> {
    let doc = CheckDocument::new(check);
    let features: Vec<geojson::Feature> = doc
        .findings
        .into_iter()
        .map(|f| {
            let mut properties = serde_json::Map::new();
            properties.insert("rule".into(), f.rule.into());
            properties.insert("severity".into(), f.severity.into());
            properties.insert("layer".into(), f.layer.into());
            properties.insert("id".into(), f.id.into());
            properties.insert("name".into(), f.name.into());
            properties.insert("measured".into(), f.measured.into());
            properties.insert("required".into(), f.required.into());
            properties.insert("unit".into(), f.unit.into());
            properties.insert("message".into(), f.message.into());
            properties.insert("facilities".into(), f.facilities.join(";").into());
            geojson::Feature {
                bbox: None,
                geometry: Some(f.geometry),
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
    let mut writer = csv::Writer::from_writer(BOM.to_vec());
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
    let mut rows = vec![[
        "rule",
        "severity",
        "layer",
        "id",
        "name",
        "measured",
        "required",
        "unit",
        "message",
        "facilities",
    ]
    .map(String::from)
    .to_vec()];
    for f in &check.report.findings {
        rows.push(vec![
            f.rule.clone(),
            f.severity.key().into(),
            f.layer.key().into(),
            f.id.clone(),
            f.name.clone(),
            f.measured.map(|m| round(m, 1).to_string()).unwrap_or_default(),
            round(f.required, 1).to_string(),
            f.unit.key().into(),
            f.message.clone(),
            f.facilities.join(";"),
        ]);
    }
    csv_bytes("findings.csv", rows)
}

fn summary_csv(check: &Check) -> Result<Vec<u8>, WriteError> {
    let mut rows = vec![[
        "rule", "kind", "severity", "checked", "failed", "rate", "target", "pass", "notes",
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
            round(o.rate, 4).to_string(),
            o.target.to_string(),
            o.pass.to_string(),
            o.notes.join("; "),
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
    ]
    .map(String::from)
    .to_vec()];
    rows.extend(check.ledger_cells().into_iter().map(|cells| cells.to_vec()));
    csv_bytes("ledger.csv", rows)
}
