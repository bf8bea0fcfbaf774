//! The HTML report: one self-contained file per check (no network needed to open it), Chinese first.

use super::json::figure;
use super::Check;
use crate::engine::Finding;
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str =
    "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;\
margin:24px;color:#263238;line-height:1.45}h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;\
border-bottom:2px solid #cfd8dc;padding-bottom:4px}.meta{color:#546e7a}table{border-collapse:collapse;width:100%;\
font-size:13px}th,td{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eceff1;\
position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#2e7d32;font-weight:bold}\
.fail{color:#c62828;font-weight:bold}.warn{color:#ef6c00;font-weight:bold}.quote{color:#455a64}.map svg{max-width:100%;\
height:auto;border:1px solid #cfd8dc}.small{font-size:12px;color:#607d8b}.verdict{font-size:17px;padding:8px 12px;\
border-left:6px solid}.verdict.fail{border-color:#c62828;background:#ffebee}.verdict.pass{border-color:#2e7d32;\
background:#e8f5e9}details{margin:4px 0}summary{cursor:pointer;padding:4px 0}h3{font-size:16px;margin:18px 0 6px}\
@media print{details::details-content{content-visibility:visible;display:block}th{position:static}}";

/// The report; `map_svg` is the coverage map drawn inline.
pub fn render(check: &Check, map_svg: Option<&str>) -> String {
    let d = check.dataset;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{} — 养老服务设施布局检查报告</title>\
         <style>{STYLE}</style></head><body>\n",
        esc(&d.name)
    );
    let _ = write!(
        h,
        "<h1>{} — 养老服务设施布局检查报告 <span class=\"small\">Elderly-care layout check</span></h1>\n\
         <p class=\"meta\">数据日期 as of: <b>{}</b> · 模式 mode: <b>{}</b> ({}) · 坐标系 source CRS: {}</p>\n",
        esc(&d.name),
        d.as_of,
        check.mode.key(),
        match check.mode {
            crate::model::Mode::Audit => "回头看：只计已建成、已验收、已移交、运营中的设施",
            crate::model::Mode::Review => "规划审查：规划、在建设施同样计入",
        },
        d.source_crs
    );

    if let Some(r) = check.record {
        let _ = writeln!(
            h,
            "<p class=\"meta\">检查记录 run <b>{}</b> · 生成 created {} · 数据 dataset {}{} · 数据摘要 digest <code>{}</code></p>",
            esc(&r.id),
            esc(&r.created),
            esc(&r.dataset_name),
            r.dataset_version.map(|v| format!(" v{v}")).unwrap_or_default(),
            esc(&r.dataset_digest)
        );
    }
    let failing = check.report.outcomes.iter().any(|o| !o.pass);
    let _ = writeln!(
        h,
        "<p class=\"verdict {}\">总体结论 Overall: {}</p>",
        if failing { "fail" } else { "pass" },
        esc(&super::overall_words(check.report))
    );
    h.push_str("<h2>依据文件 Rulesets</h2>\n<table><tr><th>编号 id</th><th>文号 document</th><th>标题 title</th><th>施行 effective</th><th>sha256</th></tr>\n");
    for r in check.rulesets {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
            esc(&r.id),
            esc(&r.document),
            esc(&r.title),
            r.effective.map(|e| e.to_string()).unwrap_or_default(),
            &r.sha256[..16.min(r.sha256.len())]
        );
    }
    h.push_str("</table>\n");
    for (ruleset, effective) in &check.report.not_in_force {
        let _ = writeln!(
            h,
            "<p class=\"warn\">未施行 not in force: {} takes effect on {effective}, after {}: not applied.</p>",
            esc(ruleset),
            d.as_of
        );
    }

    h.push_str("<h2>规则结论 Results by rule</h2>\n<table><tr><th>规则 rule</th><th>结论 result</th><th>检查 checked</th><th>不合格 failed</th><th>达标率 rate</th><th>对象达标率 subjects passing</th><th>目标 target</th><th>条款 clause</th><th>原文 quoted sentence</th></tr>\n");
    for o in &check.report.outcomes {
        let rule = check.rulesets.iter().flat_map(|r| &r.rules).find(|r| r.id == o.rule);
        let class = verdict_class(o);
        let word = super::verdict_words(o);
        let _ = writeln!(
            h,
            "<tr><td>{}<br><span class=\"small\">{}</span></td><td class=\"{class}\">{word}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{:.1}%<br><span class=\"small\">{}</span></td><td class=\"n\">{:.1}%</td><td class=\"n\">{:.0}%</td><td>{}</td><td class=\"quote\">「{}」{}</td></tr>",
            esc(&o.rule),
            esc(rule.and_then(|r| r.title.as_deref()).unwrap_or("")),
            o.checked,
            o.failed,
            o.rate * 100.0,
            // As in the text table: only a rate weighted by households is marked; the rest are shares of subjects.
            if super::rate_basis(o) == "households" {
                super::xlsx::basis_words("households")
            } else {
                ""
            },
            super::subjects_rate(o) * 100.0,
            o.target * 100.0,
            esc(rule.map_or("", |r| r.clause.as_str())),
            esc(rule.map_or("", |r| r.quote.as_str())),
            if o.notes.is_empty() {
                String::new()
            } else {
                format!("<br><span class=\"small\">注 note: {}</span>", esc(&o.notes.join("; ")))
            }
        );
    }
    h.push_str("</table>\n");
    // A comparison with an earlier run goes right after the results (carecircle compare --out).
    let _ = writeln!(h, "{COMPARE_MARK}");

    match map_svg {
        Some(svg) => {
            let svg = svg.find("<svg").map_or(svg, |i| &svg[i..]);
            let _ = write!(h, "<h2>覆盖图 Coverage map</h2>\n<div class=\"map\">{svg}</div>\n");
        }
        None => h.push_str(
            "<p class=\"small\">地图未生成 no map in this run: it was made without a font that draws Chinese \
             (fonts-wqy-microhei) or with --no-maps.</p>\n",
        ),
    }

    if check.ledger.is_some() {
        h.push_str("<h2>回头看台账 Look-back ledger</h2>\n<table><tr><th>代码 code</th><th>名称 name</th><th>级别 level</th><th>规则 rule</th><th>检查 checked</th><th>不合格 failed</th><th>达标率 rate</th><th>对象达标率 subjects passing</th></tr>\n");
        let percent = |r: &str| {
            r.parse::<f64>()
                .map(|r| format!("{:.1}%", r * 100.0))
                .unwrap_or_else(|_| "—".into())
        };
        for [code, name, level, rule, checked, failed, rate, basis, subjects] in check.ledger_cells() {
            let marked = if basis == "households" {
                format!("<br><span class=\"small\">{}</span>", super::xlsx::basis_words(&basis))
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{checked}</td><td class=\"n\">{failed}</td><td class=\"n\">{}{marked}</td><td class=\"n\">{}</td></tr>",
                esc(&code),
                esc(&name),
                esc(&level),
                esc(&rule),
                percent(&rate),
                percent(&subjects)
            );
        }
        h.push_str("</table>\n");
    }

    findings_grouped(&mut h, check);
    h.push_str("<p class=\"small\">carecircle · 由 carecircle 生成</p>\n</body></html>\n");
    h
}

/// Where a comparison with an earlier run goes in a run's report (`carecircle compare --out`).
pub const COMPARE_MARK: &str = "<!-- carecircle: compare -->";

fn verdict_class(o: &crate::engine::Outcome) -> &'static str {
    match (o.pass, o.severity) {
        (true, _) => "pass",
        (false, crate::rules::Severity::Error) => "fail",
        (false, crate::rules::Severity::Warning) => "warn",
    }
}

/// The findings tables' head: the finding's columns (`finding_columns`), with layer and id in one cell.
fn findings_head() -> String {
    let title = |key| crate::report::finding_columns::column(key).map_or("", |c| c.title);
    format!(
        "<table><tr><th>{}</th><th>对象 subject</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        title("rule"),
        title("name"),
        title("measured"),
        title("required"),
        title("message")
    )
}

/// The findings twice, folded: by rule (each with its verdict) and by street or township (where an auditor
/// files them), so a reader opens only what concerns them.
fn findings_grouped(h: &mut String, check: &Check) {
    let d = check.dataset;
    let findings = &check.report.findings;
    let _ = writeln!(
        h,
        "<h2>不合格清单 Findings ({})</h2>\n<p class=\"small\">按规则、按街道（乡镇）分组，点击展开 — grouped by rule and by street or township; click to unfold</p>\n<h3>按规则 By rule</h3>",
        findings.len()
    );
    for o in check
        .report
        .outcomes
        .iter()
        .filter(|o| findings.iter().any(|f| *f.rule == *o.rule))
    {
        let of_rule: Vec<&Finding> = findings.iter().filter(|f| *f.rule == *o.rule).collect();
        let _ = write!(
            h,
            "<details><summary><b>{}</b> · <span class=\"{}\">{}</span> · {} 处 findings</summary>\n{}",
            esc(&o.rule),
            verdict_class(o),
            super::verdict_words(o),
            of_rule.len(),
            findings_head()
        );
        for f in of_rule {
            finding_row(h, f);
        }
        h.push_str("</table></details>\n");
    }
    let places = match check.record {
        Some(r) if r.places.len() == findings.len() => r.places.clone(),
        _ => crate::engine::finding_units(d, findings),
    };
    // Streets in code order; findings above any street (a district's own) last.
    let mut streets: std::collections::BTreeMap<(bool, &str, Option<usize>), Vec<&Finding>> = Default::default();
    for (f, place) in findings.iter().zip(&places) {
        let code = place[1].map_or("", |u| d.admin_units[u].code.as_str());
        streets.entry((place[1].is_none(), code, place[1])).or_default().push(f);
    }
    h.push_str("<h3>按街道（乡镇） By street or township</h3>\n");
    for ((_, _, street), list) in streets {
        let name = street.map_or("区级（不属任何街道） district-wide".to_string(), |u| {
            format!("{} ({})", d.admin_units[u].name, d.admin_units[u].code)
        });
        let rules: std::collections::BTreeSet<&str> = list.iter().map(|f| &*f.rule).collect();
        let _ = write!(
            h,
            "<details><summary><b>{}</b> · {} 处 findings · {} 条规则 rules</summary>\n{}",
            esc(&name),
            list.len(),
            rules.len(),
            findings_head()
        );
        for f in list {
            finding_row(h, f);
        }
        h.push_str("</table></details>\n");
    }
}

fn finding_row(h: &mut String, f: &Finding) {
    let measured = f
        .measured
        .map_or("—".to_string(), |m| format!("{} {}", figure(m), f.unit.key()));
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{} {}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} {}</td><td>{}</td></tr>",
        esc(&f.rule),
        f.layer.key(),
        esc(&f.id),
        esc(&f.name),
        measured,
        figure(f.required),
        f.unit.key(),
        esc(&f.message().to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<b>\"A&B\"</b>"), "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;");
        assert_eq!(esc("马尾区"), "马尾区");
    }
}
