//! The rectification ledger (整改台账) in its formats: JSON, a text table, CSV and a workbook for Excel,
//! and a section for the newer run's HTML report. Chinese first: 已整改 fixed · 新增 new · 仍未整改 still failing.

use super::html::{esc, COMPARE_MARK};
use crate::compare::{Comparison, RuleChange, RunDoc, Subject};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;
use std::fmt::Write;

const STATES: [(&str, &str); 3] = [("已整改", "fixed"), ("新增", "new"), ("仍未整改", "still_failing")];

#[derive(Debug, Serialize)]
pub struct CompareDocument {
    pub old: RunHead,
    pub new: RunHead,
    pub warnings: Vec<String>,
    pub rules: Vec<RuleRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_unit: Option<Vec<UnitRow>>,
}

#[derive(Debug, Serialize)]
pub struct RunHead {
    pub id: Option<String>,
    pub created: Option<String>,
    pub carecircle_version: Option<String>,
    pub dataset: String,
    pub dataset_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
    pub as_of: String,
    pub mode: String,
    pub rulesets: Vec<String>,
    pub findings: usize,
}

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub rule: String,
    pub judged: &'static str,
    pub fixed: Vec<String>,
    pub new: Vec<String>,
    pub still_failing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct UnitRow {
    pub code: Option<String>,
    pub name: String,
    pub level: String,
    pub rules: Vec<RuleRow>,
}

fn head(doc: &RunDoc) -> RunHead {
    RunHead {
        id: doc.id.clone(),
        created: doc.created.clone(),
        carecircle_version: doc.carecircle_version.clone(),
        dataset: doc.request.as_ref().map_or(doc.dataset.clone(), |r| r.dataset.clone()),
        dataset_digest: doc.dataset_digest.clone(),
        dataset_version: doc.dataset_version,
        as_of: doc.as_of.clone(),
        mode: doc.mode.clone(),
        rulesets: doc.rulesets.iter().map(|r| r.id.clone()).collect(),
        findings: doc.findings.len(),
    }
}

fn rule_row(c: &RuleChange) -> RuleRow {
    let ids = |s: &[Subject]| s.iter().map(|s| s.id.clone()).collect();
    RuleRow {
        rule: c.rule.clone(),
        judged: c.judged,
        fixed: ids(&c.fixed),
        new: ids(&c.new),
        still_failing: ids(&c.still_failing),
    }
}

impl CompareDocument {
    pub fn new(c: &Comparison) -> CompareDocument {
        CompareDocument {
            old: head(&c.old),
            new: head(&c.new),
            warnings: c.warnings.clone(),
            rules: c.rules.iter().map(rule_row).collect(),
            by: c.by.map(|b| b.key()),
            by_unit: c.by.map(|_| {
                c.by_unit
                    .iter()
                    .map(|u| UnitRow {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        level: u.level.clone(),
                        rules: u.rules.iter().map(rule_row).collect(),
                    })
                    .collect()
            }),
        }
    }
}

fn lists(c: &RuleChange) -> [&[Subject]; 3] {
    [&c.fixed, &c.new, &c.still_failing]
}

fn run_line(label: &str, d: &RunDoc) -> String {
    format!(
        "{label}: {} {} · {} · as of {} · {} · {} findings",
        d.id.as_deref().unwrap_or("—"),
        d.created.as_deref().unwrap_or(""),
        d.request.as_ref().map_or(d.dataset.as_str(), |r| r.dataset.as_str()),
        d.as_of,
        d.mode,
        d.findings.len()
    )
}

/// The comparison as text for people.
pub fn text(c: &Comparison) -> String {
    let mut out = String::from("整改台账 rectification ledger\n");
    let _ = writeln!(out, "{}", run_line("旧 OLD", &c.old));
    let _ = writeln!(out, "{}", run_line("新 NEW", &c.new));
    for w in &c.warnings {
        let _ = writeln!(out, "注意 warning: {w}");
    }
    out.push('\n');
    out.push_str(&table(&c.rules));
    for u in &c.by_unit {
        let _ = writeln!(
            out,
            "\n{} {}{}",
            u.name,
            u.code.as_deref().unwrap_or(""),
            if u.level.is_empty() {
                String::new()
            } else {
                format!(" ({})", u.level)
            }
        );
        if u.rules.is_empty() {
            out.push_str("  无变化 no failures in either run\n");
        } else {
            for line in table(&u.rules).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out
}

fn table(rules: &[RuleChange]) -> String {
    let mut rows = vec![["规则 rule", "已整改 fixed", "新增 new", "仍未整改 still failing"]
        .map(String::from)
        .to_vec()];
    let cell = |s: &[Subject]| {
        let shown: Vec<&str> = s.iter().take(5).map(|s| s.id.as_str()).collect();
        let more = if s.len() > 5 {
            format!(" …(+{})", s.len() - 5)
        } else {
            String::new()
        };
        format!("{} {}{}", s.len(), shown.join(","), more)
            .trim_end()
            .to_string()
    };
    for c in rules {
        let rule = match c.judged {
            "old_only" => format!("{} (仅旧记录 OLD only)", c.rule),
            "new_only" => format!("{} (仅新记录 NEW only)", c.rule),
            _ => c.rule.clone(),
        };
        rows.push(vec![rule, cell(&c.fixed), cell(&c.new), cell(&c.still_failing)]);
    }
    super::text::table(&rows)
}

/// One row per subject and change, as auditors file it (UTF-8 with a byte-order mark, for Excel).
pub fn csv(c: &Comparison) -> Result<Vec<u8>, csv::Error> {
    let mut w = super::excel_csv::ExcelCsv::new();
    w.write_record([
        "单位代码 unit code",
        "单位 unit",
        "规则 rule",
        "状态 state",
        "state",
        "图层 layer",
        "编号 id",
        "名称 name",
    ])?;
    for (code, name, rule) in rows(c) {
        for ((zh, en), subjects) in STATES.iter().zip(lists(rule)) {
            for s in subjects {
                w.write_record([code, name, &rule.rule, zh, en, &s.layer, &s.id, &s.name])?;
            }
        }
    }
    w.into_inner()
}

/// Every (unit code, unit name, rule change) row: per unit with `--by`, else overall with blank units.
fn rows(c: &Comparison) -> Vec<(&str, &str, &RuleChange)> {
    if c.by.is_some() {
        c.by_unit
            .iter()
            .flat_map(|u| {
                u.rules
                    .iter()
                    .map(move |r| (u.code.as_deref().unwrap_or(""), u.name.as_str(), r))
            })
            .collect()
    } else {
        c.rules.iter().map(|r| ("", "", r)).collect()
    }
}

/// The workbook: a count per rule (and unit), and every subject with its state.
pub fn xlsx(c: &Comparison) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#ECEFF1");
    let sheet = book.add_worksheet().set_name("汇总 summary")?;
    let columns = [
        ("单位代码 unit code", 16.0),
        ("单位 unit", 18.0),
        ("规则 rule", 34.0),
        ("已整改 fixed", 12.0),
        ("新增 new", 12.0),
        ("仍未整改 still failing", 16.0),
    ];
    for (i, (title, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *title, &bold)?;
        sheet.set_column_width(i as u16, *width)?;
    }
    let all = rows(c);
    for (r, (code, name, change)) in all.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, *code)?;
        sheet.write_string(row, 1, *name)?;
        sheet.write_string(row, 2, &change.rule)?;
        for (k, list) in lists(change).iter().enumerate() {
            sheet.write_number(row, 3 + k as u16, list.len() as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, (all.len() as u32).max(1), 5)?;

    let sheet = book.add_worksheet().set_name("整改台账 ledger")?;
    let columns = [
        ("单位代码 unit code", 16.0),
        ("单位 unit", 18.0),
        ("规则 rule", 34.0),
        ("状态 state", 12.0),
        ("图层 layer", 18.0),
        ("编号 id", 16.0),
        ("名称 name", 24.0),
    ];
    for (i, (title, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *title, &bold)?;
        sheet.set_column_width(i as u16, *width)?;
    }
    let mut row = 0u32;
    for (code, name, change) in &all {
        for ((zh, _), subjects) in STATES.iter().zip(lists(change)) {
            for s in subjects {
                row += 1;
                for (col, value) in [*code, *name, &change.rule, zh, &s.layer, &s.id, &s.name]
                    .iter()
                    .enumerate()
                {
                    sheet.write_string(row, col as u16, *value)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, row.max(1), 6)?;
    book.save_to_buffer()
}

/// The section the newer run's report gets: counts per rule, and the subjects in each state.
pub fn html_section(c: &Comparison) -> String {
    let mut h = String::from("<h2>整改台账 Rectification since the earlier run</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"meta\">对比 compared with run <b>{}</b> ({}, as of {}) · 本次 this run <b>{}</b> (as of {})</p>",
        esc(c.old.id.as_deref().unwrap_or("—")),
        esc(c.old.created.as_deref().unwrap_or("")),
        esc(&c.old.as_of),
        esc(c.new.id.as_deref().unwrap_or("—")),
        esc(&c.new.as_of)
    );
    for w in &c.warnings {
        let _ = writeln!(h, "<p class=\"warn\">注意 warning: {}</p>", esc(w));
    }
    h.push_str("<table><tr><th>单位 unit</th><th>规则 rule</th><th>已整改 fixed</th><th>新增 new</th><th>仍未整改 still failing</th></tr>\n");
    for (code, name, change) in rows(c) {
        let unit = if code.is_empty() && name.is_empty() {
            "全部 all".to_string()
        } else {
            format!("{} {}", esc(name), esc(code))
        };
        let cell = |s: &[Subject]| {
            let names: Vec<String> = s.iter().map(|s| format!("{} {}", esc(&s.id), esc(&s.name))).collect();
            format!(
                "<b>{}</b><br><span class=\"small\">{}</span>",
                s.len(),
                names.join("; ")
            )
        };
        let judged = match change.judged {
            "old_only" => "<br><span class=\"small\">仅旧记录判定 judged by the earlier run only</span>",
            "new_only" => "<br><span class=\"small\">仅本次判定（此前未施行） judged by this run only</span>",
            _ => "",
        };
        let _ = writeln!(
            h,
            "<tr><td>{unit}</td><td>{}{judged}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&change.rule),
            cell(&change.fixed),
            cell(&change.new),
            cell(&change.still_failing)
        );
    }
    h.push_str("</table>\n");
    h
}

/// The newer run's report with the comparison's section in its place; `None` when the report has no
/// place for one (not written by this carecircle).
pub fn report_with_section(report_html: &str, c: &Comparison) -> Option<String> {
    report_html
        .contains(COMPARE_MARK)
        .then(|| report_html.replacen(COMPARE_MARK, &html_section(c), 1))
}
