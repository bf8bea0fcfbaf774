//! What `carecircle review` hands back: one verdict per rule that concerns the proposal, and overall.

use super::json::{figure, FindingRow, NotInForce};
use super::text::table;
use crate::engine::{Review, RuleVerdict, SubjectVerdict};
use crate::model::Dataset;
use crate::rules::Ruleset;
use serde::Serialize;

/// Everything an output format needs about one review.
pub struct ReviewCheck<'a> {
    pub dataset: &'a Dataset,
    pub rulesets: &'a [Ruleset],
    /// The proposal file, as the user named it.
    pub proposal: &'a str,
    pub review: &'a Review,
}

#[derive(Debug, Serialize)]
pub struct ReviewDocument<'a> {
    pub dataset: String,
    pub as_of: String,
    pub mode: &'static str,
    pub proposal: String,
    /// Overall: no rule of severity error fails on the proposal's own subjects (本方案); existing gaps
    /// (既有缺口) do not decide it.
    pub pass: bool,
    /// How many shortfalls the proposal's surroundings have without it, over every rule.
    pub existing_gaps: usize,
    pub rules: Vec<RuleRow<'a>>,
    pub not_in_force: Vec<NotInForce>,
}

#[derive(Debug, Serialize)]
pub struct RuleRow<'a> {
    pub rule: String,
    pub kind: String,
    pub severity: String,
    pub pass: bool,
    /// The deciding subject's figures: the worst failing one, else the one closest to its requirement.
    pub measured: Option<f64>,
    pub required: Option<f64>,
    pub unit: Option<String>,
    pub document: String,
    pub clause: String,
    pub quote: String,
    pub subjects: Vec<SubjectRow>,
    pub findings: Vec<FindingRow<'a>>,
    /// Admin units the proposal concerns that fail without it as well (既有缺口), with their figures on
    /// the surroundings alone; they do not decide `pass`.
    pub existing_gaps: Vec<SubjectRow>,
    pub existing_findings: Vec<FindingRow<'a>>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SubjectRow {
    pub layer: String,
    pub id: String,
    pub name: String,
    pub pass: bool,
    pub measured: Option<f64>,
    pub required: f64,
    pub unit: String,
}

impl SubjectRow {
    fn new(s: &SubjectVerdict) -> SubjectRow {
        SubjectRow {
            layer: s.layer.key().to_string(),
            id: s.id.clone(),
            name: s.name.clone(),
            pass: s.passed,
            measured: s.measured.map(figure),
            required: figure(s.required),
            unit: s.unit.key().to_string(),
        }
    }
}

fn document_of<'r>(rulesets: &'r [Ruleset], v: &RuleVerdict) -> &'r str {
    rulesets
        .iter()
        .find(|r| r.rules.iter().any(|rule| rule.id == v.rule.id))
        .map_or("", |r| r.document.as_str())
}

impl<'a> ReviewDocument<'a> {
    pub fn new(check: &'a ReviewCheck) -> ReviewDocument<'a> {
        ReviewDocument {
            dataset: check.dataset.name.clone(),
            as_of: check.dataset.as_of.to_string(),
            mode: "review",
            proposal: check.proposal.to_string(),
            pass: check.review.pass,
            existing_gaps: check.review.rules.iter().map(|v| v.existing_gaps.len()).sum(),
            rules: check
                .review
                .rules
                .iter()
                .map(|v| {
                    let deciding = v.deciding();
                    RuleRow {
                        rule: v.rule.id.clone(),
                        kind: v.rule.kind.name().to_string(),
                        severity: v.rule.severity.key().to_string(),
                        pass: v.pass,
                        measured: deciding.and_then(|s| s.measured).map(figure),
                        required: deciding.map(|s| figure(s.required)),
                        unit: deciding.map(|s| s.unit.key().to_string()),
                        document: document_of(check.rulesets, v).to_string(),
                        clause: v.rule.clause.clone(),
                        quote: v.rule.quote.clone(),
                        subjects: v.subjects.iter().map(SubjectRow::new).collect(),
                        findings: v.findings.iter().map(FindingRow::from_finding).collect(),
                        existing_gaps: v.existing_gaps.iter().map(SubjectRow::new).collect(),
                        existing_findings: v.existing_findings.iter().map(FindingRow::from_finding).collect(),
                        notes: v.notes.clone(),
                    }
                })
                .collect(),
            not_in_force: NotInForce::list(&check.review.not_in_force),
        }
    }
}

/// The review for people: the overall verdict, a table of rules, then why each failing rule fails.
pub fn render(check: &ReviewCheck) -> String {
    let review = check.review;
    let mut out = format!(
        "规划审查 plan review: {} in {} (as of {})\n",
        check.proposal, check.dataset.name, check.dataset.as_of
    );
    out.push_str(if review.pass {
        "结论 verdict: 通过 PASS\n"
    } else {
        "结论 verdict: 不通过 FAIL\n"
    });
    let gaps: usize = review.rules.iter().map(|v| v.existing_gaps.len()).sum();
    out.push_str(&if gaps == 0 {
        "（结论只看本方案 the verdict rests on the proposal's own obligations）\n\n".to_string()
    } else {
        format!(
            "（结论只看本方案；另有 {gaps} 处既有缺口，不因本方案产生，见下 the verdict rests on the proposal's own obligations; {gaps} existing gap(s), not caused by it, below）\n\n"
        )
    });
    let mut rows = vec![[
        "规则 rule",
        "结论 result",
        "实测 measured",
        "要求 required",
        "依据 source",
    ]
    .map(String::from)
    .to_vec()];
    for v in &review.rules {
        let deciding = v.deciding();
        let unit = deciding.map_or("", |s| s.unit.key());
        let shown = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{} {unit}", figure(x)));
        rows.push(vec![
            v.rule.id.clone(),
            match (v.pass, v.rule.severity) {
                (true, _) if !v.existing_gaps.is_empty() => "通过 pass · 既有缺口 gap".into(),
                (true, _) => "通过 pass".into(),
                (false, s) => format!("不通过 FAIL ({})", s.key()),
            },
            shown(deciding.and_then(|s| s.measured)),
            shown(deciding.map(|s| s.required)),
            format!("{} {}", document_of(check.rulesets, v), v.rule.clause),
        ]);
    }
    out.push_str(&table(&rows));
    for v in review.rules.iter().filter(|v| !v.pass) {
        out.push_str(&format!("\n{} — 「{}」\n", v.rule.id, v.rule.quote));
        for f in &v.findings {
            out.push_str(&format!("  {} {}: {}\n", f.layer.key(), f.id, f.message()));
        }
    }
    if gaps > 0 {
        out.push_str("\n既有缺口 existing gaps (without the proposal as well; they do not decide the verdict):\n");
        for v in review.rules.iter().filter(|v| !v.existing_gaps.is_empty()) {
            for f in &v.existing_findings {
                out.push_str(&format!(
                    "  {} {} {}: {}\n",
                    v.rule.id,
                    f.layer.key(),
                    f.id,
                    f.message()
                ));
            }
        }
    }
    for (ruleset, effective) in &review.not_in_force {
        out.push_str(&format!(
            "\n未施行 not in force: {ruleset} takes effect on {effective}: not applied\n"
        ));
    }
    if review.rules.is_empty() {
        out.push_str("\n没有规则涉及该方案 no rule concerns this proposal\n");
    }
    out
}
