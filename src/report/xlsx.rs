//! `findings.xlsx`: the findings, the summary and (with `--by`) the ledger as Excel sheets, Chinese
//! names and clause quotes included — civil-affairs staff work in Excel.

use super::finding_columns::{Cell, FINDING_COLUMNS};
use super::json::{figure, rate};
use super::Check;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The workbook's bytes.
pub fn render(check: &Check) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new().set_bold().set_background_color("#ECEFF1");

    let sheet = book.add_worksheet().set_name("不合格 findings")?;
    // The finding's columns (`finding_columns`), with the street and community holding it after its name.
    let (before, after) = FINDING_COLUMNS.split_at(5);
    let places = [
        ("街道（乡镇）street", 14.0),
        ("街道代码 street code", 14.0),
        ("社区（村）community", 14.0),
        ("社区代码 community code", 16.0),
    ];
    let titles: Vec<(&str, f64)> = before
        .iter()
        .map(|c| (c.title, width(c.key)))
        .chain(places)
        .chain(after.iter().map(|c| (c.title, width(c.key))))
        .collect();
    header(sheet, &head, &titles)?;
    // The street and community holding each finding, known when the check is kept as a run.
    let places = check.record.map(|r| r.places.as_slice()).unwrap_or_default();
    for (i, f) in check.report.findings.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = before
            .iter()
            .enumerate()
            .chain(after.iter().enumerate().map(|(k, c)| (k + 9, c)));
        for (col, c) in cells {
            match (c.chinese)(f) {
                Cell::Number(Some(x)) => {
                    sheet.write_number(row, col as u16, figure(x))?;
                }
                Cell::Number(None) => {}
                cell => {
                    sheet.write_string(row, col as u16, fit(&cell.text()))?;
                }
            }
        }
        let place = places.get(i).copied().unwrap_or_default();
        for (col, unit) in [(5, place[1]), (7, place[2])] {
            if let Some(unit) = unit.map(|u| &check.dataset.admin_units[u]) {
                sheet.write_string(row, col, fit(&unit.name))?;
                sheet.write_string(row, col + 1, fit(&unit.code))?;
            }
        }
    }
    finish(sheet, check.report.findings.len() as u32, titles.len() as u16 - 1)?;

    let sheet = book.add_worksheet().set_name("汇总 summary")?;
    header(
        sheet,
        &head,
        &[
            ("规则 rule", 32.0),
            ("类型 kind", 20.0),
            ("级别 severity", 10.0),
            ("检查 checked", 10.0),
            ("不合格 failed", 10.0),
            ("达标率 rate", 10.0),
            ("目标 target", 10.0),
            ("结论 pass", 8.0),
            ("文号 document", 26.0),
            ("条款 clause", 12.0),
            ("原文 quote", 80.0),
            ("达标率按 rate by", 14.0),
            ("对象达标率 subjects passing", 14.0),
        ],
    )?;
    let percent = Format::new().set_num_format("0.0%");
    for (i, o) in check.report.outcomes.iter().enumerate() {
        let row = i as u32 + 1;
        let ruleset = check
            .rulesets
            .iter()
            .find(|r| r.rules.iter().any(|rule| rule.id == o.rule));
        let rule = ruleset.and_then(|r| r.rules.iter().find(|rule| rule.id == o.rule));
        sheet.write_string(row, 0, fit(&o.rule))?;
        sheet.write_string(row, 1, fit(o.kind))?;
        sheet.write_string(row, 2, fit(o.severity.key()))?;
        sheet.write_number(row, 3, o.checked as f64)?;
        sheet.write_number(row, 4, o.failed as f64)?;
        sheet.write_number_with_format(row, 5, rate(o.rate), &percent)?;
        sheet.write_number_with_format(row, 6, o.target, &percent)?;
        sheet.write_string(row, 7, fit(super::verdict_words(o)))?;
        sheet.write_string(row, 8, fit(ruleset.map_or("", |r| r.document.as_str())))?;
        sheet.write_string(row, 9, fit(rule.map_or("", |r| r.clause.as_str())))?;
        sheet.write_string(row, 10, fit(rule.map_or("", |r| r.quote.as_str())))?;
        sheet.write_string(row, 11, basis_words(super::rate_basis(o)))?;
        sheet.write_number_with_format(row, 12, rate(super::subjects_rate(o)), &percent)?;
    }
    finish(sheet, check.report.outcomes.len() as u32, 12)?;

    if check.ledger.is_some() {
        let sheet = book.add_worksheet().set_name("台账 ledger")?;
        header(
            sheet,
            &head,
            &[
                ("代码 code", 16.0),
                ("名称 name", 16.0),
                ("级别 level", 12.0),
                ("规则 rule", 32.0),
                ("检查 checked", 10.0),
                ("不合格 failed", 10.0),
                ("达标率 rate", 10.0),
                ("达标率按 rate by", 14.0),
                ("对象达标率 subjects passing", 14.0),
            ],
        )?;
        let cells = check.ledger_cells();
        for (i, [code, name, level, rule, checked, failed, rate, basis, subjects]) in cells.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, fit(code))?;
            sheet.write_string(row, 1, fit(name))?;
            let shown = crate::model::Level::parse(level)
                .and_then(|l| l.chinese().first().copied())
                .unwrap_or(level);
            sheet.write_string(row, 2, fit(shown))?;
            sheet.write_string(row, 3, fit(rule))?;
            sheet.write_number(row, 4, checked.parse::<f64>().unwrap_or(0.0))?;
            sheet.write_number(row, 5, failed.parse::<f64>().unwrap_or(0.0))?;
            if let Ok(r) = rate.parse::<f64>() {
                sheet.write_number_with_format(row, 6, r, &percent)?;
            }
            sheet.write_string(row, 7, basis_words(basis))?;
            if let Ok(r) = subjects.parse::<f64>() {
                sheet.write_number_with_format(row, 8, r, &percent)?;
            }
        }
        finish(sheet, cells.len() as u32, 8)?;
    }
    book.save_to_buffer()
}

/// A findings column's width in the sheet, in characters.
fn width(key: &str) -> f64 {
    match key {
        "rule" => 30.0,
        "name" => 22.0,
        "message" => 90.0,
        "id" | "facilities" => 18.0,
        "severity" | "unit" => 10.0,
        _ => 12.0,
    }
}

/// What a rate weighs, in words people read.
pub(crate) fn basis_words(basis: &str) -> &'static str {
    match basis {
        "households" => "户数 households",
        _ => "对象 subjects",
    }
}

/// Excel holds at most 32 767 characters in a cell: longer text is cut, and says so.
pub(crate) fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    const CELL: usize = 32_767;
    if text.chars().count() <= CELL {
        return text.into();
    }
    let mark = "…（截断 truncated）";
    let kept: String = text.chars().take(CELL - mark.chars().count()).collect();
    (kept + mark).into()
}

fn header(sheet: &mut Worksheet, format: &Format, columns: &[(&str, f64)]) -> Result<(), XlsxError> {
    for (c, (title, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, format)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

fn finish(sheet: &mut Worksheet, rows: u32, last_col: u16) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.max(1), last_col)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn cells_past_excels_limit_are_cut_and_say_so() {
        let long = "长".repeat(40_000);
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), 32_767);
        assert!(cut.ends_with("（截断 truncated）"));
        assert_eq!(fit("短"), "短");
    }
}
