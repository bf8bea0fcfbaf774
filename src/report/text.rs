//! The text report: a table per rule and the worst findings, Chinese names as they are.

use super::Check;
use crate::engine::Finding;
use unicode_width::UnicodeWidthStr;

/// How many findings per rule the text shows (JSON and `--out` always hold all of them).
pub const FINDINGS_PER_RULE: usize = 5;

/// Pads `text` to `width` terminal columns (CJK characters take two).
pub fn pad(text: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// Lays out rows as an aligned table; the first row is the header.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| UnicodeWidthStr::width(s.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().enumerate().map(|(c, cell)| pad(cell, widths[c])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    out
}

pub fn render(check: &Check) -> String {
    let d = check.dataset;
    let mut out = String::new();
    out.push_str(&format!("数据集 dataset: {}\n", d.name));
    out.push_str(&format!("数据日期 as of: {}   模式 mode: {}\n", d.as_of, check.mode));
    for r in check.rulesets {
        out.push_str(&format!("规则 ruleset: {} — {} {}\n", r.id, r.document, r.title));
    }
    for (ruleset, effective) in &check.report.not_in_force {
        out.push_str(&format!(
            "未施行 not in force: {ruleset} takes effect on {effective}, after {}: not applied\n",
            d.as_of
        ));
    }
    out.push('\n');
    let mut rows = vec![[
        "规则 rule",
        "检查 checked",
        "不合格 failed",
        "达标率 rate",
        "对象达标 subjects",
        "目标 target",
        "结论 result",
    ]
    .map(String::from)
    .to_vec()];
    for o in &check.report.outcomes {
        rows.push(vec![
            o.rule.clone(),
            o.checked.to_string(),
            o.failed.to_string(),
            match super::rate_basis(o) {
                "households" => format!("{:.1}% 户 households", o.rate * 100.0),
                _ => format!("{:.1}%", o.rate * 100.0),
            },
            format!("{:.1}%", super::subjects_rate(o) * 100.0),
            format!("{:.0}%", o.target * 100.0),
            match (o.pass, o.severity) {
                (true, _) => "达标 pass".into(),
                (false, _) => super::verdict_words(o).to_string(),
            },
        ]);
    }
    out.push_str(&table(&rows));

    let worst = |rule: &str| {
        let mut fs: Vec<&Finding> = check.report.findings.iter().filter(|f| *f.rule == *rule).collect();
        fs.sort_by(|a, b| b.shortfall().total_cmp(&a.shortfall()));
        fs
    };
    for o in &check.report.outcomes {
        let findings = worst(&o.rule);
        if findings.is_empty() && o.notes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{} — {} 处不合格 failing\n", o.rule, findings.len()));
        for n in &o.notes {
            out.push_str(&format!("  注 note: {n}\n"));
        }
        for f in findings.iter().take(FINDINGS_PER_RULE) {
            let measured = f.measured.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into());
            out.push_str(&format!(
                "  {} {} {}: {} / {} {} — {}\n",
                f.layer.key(),
                f.id,
                f.name,
                measured,
                super::json::figure(f.required),
                f.unit.key(),
                f.message()
            ));
        }
        if findings.len() > FINDINGS_PER_RULE {
            out.push_str(&format!(
                "  … 另有 and {} more (all of them in --format json and --out)\n",
                findings.len() - FINDINGS_PER_RULE
            ));
        }
    }
    if let Some(ledger) = check.ledger {
        out.push_str(&ledger_text(check, ledger));
    }
    out
}

/// The ledger: the units where a rule checked something (every row is in JSON and ledger.csv).
fn ledger_text(check: &Check, ledger: &crate::engine::Ledger) -> String {
    let mut out = format!(
        "\n回头看台账 look-back ledger by {} — units where a rule checked something\n",
        ["district", "street/township", "community/village"][usize::from(ledger.depth.min(2))]
    );
    let mut rows = vec![[
        "代码 code",
        "名称 name",
        "规则 rule",
        "检查 checked",
        "不合格 failed",
        "达标率 rate",
        "对象达标 subjects",
    ]
    .map(String::from)
    .to_vec()];
    let percent = |r: &str| {
        r.parse::<f64>()
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_default()
    };
    for [code, name, _, rule, checked, failed, rate, basis, subjects] in check.ledger_cells() {
        if checked == "0" {
            continue;
        }
        // As in the summary table: only a rate weighted by households is marked.
        let rate = match basis.as_str() {
            "households" => format!("{} 户 households", percent(&rate)),
            _ => percent(&rate),
        };
        rows.push(vec![code, name, rule, checked, failed, rate, percent(&subjects)]);
    }
    out.push_str(&table(&rows));
    if !ledger.above.is_empty() {
        out.push_str(&format!(
            "  注 note: judged above this level, so in no row: {}\n",
            ledger.above.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_cells_align_by_display_width() {
        let t = table(&[
            vec!["名称".into(), "n".into()],
            vec!["罗星街道".into(), "1".into()],
            vec!["ab".into(), "22".into()],
        ]);
        let lines: Vec<&str> = t.lines().collect();
        // "罗星街道" is 8 columns wide, so the second column starts at column 10 on every row.
        assert_eq!(UnicodeWidthStr::width(lines[2].split("1").next().unwrap()), 10);
        assert_eq!(lines[3], "ab        22");
    }
}
