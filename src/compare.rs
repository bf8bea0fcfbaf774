//! Look-back progress (整改台账): two kept runs compared rule by rule and subject by subject — which
//! failures were fixed (已整改), which are new (新增), which are still failing (仍未整改) — overall or per
//! street or community.
//!
//! It reads the runs' `check.json` records only: nothing is judged again, so a comparison says what the
//! two runs said when they were made.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a comparison needs of a run's `check.json`.
#[derive(Debug, Deserialize)]
pub struct RunDoc {
    pub id: Option<String>,
    pub created: Option<String>,
    pub carecircle_version: Option<String>,
    pub dataset: String,
    pub as_of: String,
    pub mode: String,
    pub dataset_digest: Option<String>,
    pub dataset_version: Option<u32>,
    pub request: Option<RequestDoc>,
    pub rulesets: Vec<RulesetDoc>,
    pub summary: Vec<SummaryDoc>,
    pub findings: Vec<FindingDoc>,
    #[serde(default)]
    pub admin_units: Vec<UnitDoc>,
}

#[derive(Debug, Deserialize)]
pub struct RequestDoc {
    pub dataset: String,
}

#[derive(Debug, Deserialize)]
pub struct RulesetDoc {
    pub id: String,
    pub sha256: String,
}

#[derive(Debug, Deserialize)]
pub struct SummaryDoc {
    pub rule: String,
}

#[derive(Debug, Deserialize)]
pub struct FindingDoc {
    pub rule: String,
    pub layer: String,
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub units: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
pub struct UnitDoc {
    pub code: String,
    pub name: String,
    pub level: String,
}

/// Why two documents cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{what}: not a carecircle check document: {reason}")]
    NotACheck { what: String, reason: String },
    #[error("{what} says nothing of admin units per finding (it is not a run's check.json): it cannot be compared --by {tier}")]
    NoUnits { what: String, tier: &'static str },
}

/// Reads a `check.json` (or a DATA-CONTRACT §4 document); `what` names it in errors.
pub fn read_doc(what: &str, bytes: &[u8]) -> Result<RunDoc, CompareError> {
    serde_json::from_slice(bytes).map_err(|e| CompareError::NotACheck {
        what: what.to_string(),
        reason: e.to_string(),
    })
}

/// The tier a comparison is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Street,
    Community,
}

impl By {
    /// Parses `street` (with townships) or `community` (with villages), in English or Chinese.
    pub fn parse(text: &str) -> Result<By, String> {
        match crate::model::parse_level(text) {
            Ok(crate::model::Level::Street) => Ok(By::Street),
            Ok(crate::model::Level::Community) => Ok(By::Community),
            _ => Err(format!("\"{text}\": expected street or community")),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            By::Street => "street",
            By::Community => "community",
        }
    }
}

/// One failing subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub layer: String,
    pub id: String,
    pub name: String,
}

/// How one rule's failures changed, overall or in one admin unit.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleChange {
    pub rule: String,
    /// `both`, `old_only` or `new_only`: which runs judged the rule.
    pub judged: &'static str,
    /// Failing in OLD, not in NEW (已整改).
    pub fixed: Vec<Subject>,
    /// Failing in NEW only (新增).
    pub new: Vec<Subject>,
    /// Failing in both (仍未整改).
    pub still_failing: Vec<Subject>,
}

/// One admin unit's changes.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChanges {
    /// `None` for subjects that lie in no unit of the tier (judged above it, or outside every unit).
    pub code: Option<String>,
    pub name: String,
    pub level: String,
    pub rules: Vec<RuleChange>,
}

/// The two runs side by side.
#[derive(Debug)]
pub struct Comparison {
    pub old: RunDoc,
    pub new: RunDoc,
    /// Why the comparison may mislead: different rule texts, datasets, modes.
    pub warnings: Vec<String>,
    pub rules: Vec<RuleChange>,
    pub by: Option<By>,
    pub by_unit: Vec<UnitChanges>,
}

/// Compares OLD with NEW, overall and (with `by`) per admin unit at that tier.
///
/// ```
/// use carecircle_core::compare::{compare, read_doc};
/// let doc = |failing: &str| format!(r#"{{"dataset":"d","as_of":"2024-12-31","mode":"audit","rulesets":[],
///     "summary":[{{"rule":"r"}}],"findings":[{{"rule":"r","layer":"residential_areas","id":"{failing}"}}]}}"#);
/// let old = read_doc("old", doc("A1").as_bytes()).unwrap();
/// let new = read_doc("new", doc("A2").as_bytes()).unwrap();
/// let c = compare(old, new, None).unwrap();
/// assert_eq!(c.rules[0].fixed[0].id, "A1");
/// assert_eq!(c.rules[0].new[0].id, "A2");
/// ```
pub fn compare(old: RunDoc, new: RunDoc, by: Option<By>) -> Result<Comparison, CompareError> {
    if let Some(by) = by {
        for (what, doc) in [("OLD", &old), ("NEW", &new)] {
            if doc.findings.iter().any(|f| f.units.is_none()) {
                return Err(CompareError::NoUnits {
                    what: what.to_string(),
                    tier: by.key(),
                });
            }
        }
    }
    let warnings = warnings(&old, &new);
    let rules = rule_order(&old, &new);
    let changes = |before: &Failing, after: &Failing, unit: Option<&str>| -> Vec<RuleChange> {
        rules
            .iter()
            .map(|(rule, judged)| change(rule, judged, subjects(before, rule, unit), subjects(after, rule, unit)))
            .collect()
    };
    let overall = changes(&failing(&old, None), &failing(&new, None), None);
    let mut by_unit = Vec::new();
    if let Some(by) = by {
        let tier = by.key();
        let (before, after) = (failing(&old, Some(tier)), failing(&new, Some(tier)));
        // Units in code order (the national codes sort streets and communities as the statistics do);
        // subjects outside every unit last.
        let codes: std::collections::BTreeSet<(bool, Option<&str>)> = before
            .keys()
            .chain(after.keys())
            .map(|&(_, code)| (code.is_none(), code))
            .collect();
        let names: HashMap<&str, &UnitDoc> = new
            .admin_units
            .iter()
            .chain(&old.admin_units)
            .map(|u| (u.code.as_str(), u))
            .rev()
            .collect();
        for (_, code) in codes {
            let unit = code.and_then(|c| names.get(c));
            by_unit.push(UnitChanges {
                name: match (unit, code) {
                    (Some(u), _) => u.name.clone(),
                    (None, Some(c)) => c.to_string(),
                    (None, None) => format!("（不在任何{}内）not in any {tier}", chinese_tier(by)),
                },
                level: unit.map(|u| u.level.clone()).unwrap_or_default(),
                code: code.map(str::to_string),
                rules: changes(&before, &after, code)
                    .into_iter()
                    .filter(|c| !(c.fixed.is_empty() && c.new.is_empty() && c.still_failing.is_empty()))
                    .collect(),
            });
        }
    }
    Ok(Comparison {
        old,
        new,
        warnings,
        rules: overall,
        by,
        by_unit,
    })
}

fn chinese_tier(by: By) -> &'static str {
    match by {
        By::Street => "街道（乡镇）",
        By::Community => "社区（村）",
    }
}

/// Every rule judged by either run: NEW's order, then those OLD alone judged.
fn rule_order(old: &RunDoc, new: &RunDoc) -> Vec<(String, &'static str)> {
    let in_old: HashSet<&str> = old.summary.iter().map(|s| s.rule.as_str()).collect();
    let in_new: HashSet<&str> = new.summary.iter().map(|s| s.rule.as_str()).collect();
    let mut rules: Vec<(String, &'static str)> = new
        .summary
        .iter()
        .map(|s| {
            let judged = if in_old.contains(s.rule.as_str()) {
                "both"
            } else {
                "new_only"
            };
            (s.rule.clone(), judged)
        })
        .collect();
    rules.extend(
        old.summary
            .iter()
            .filter(|s| !in_new.contains(s.rule.as_str()))
            .map(|s| (s.rule.clone(), "old_only")),
    );
    rules
}

/// One run's failing subjects by (rule, unit at `tier`), each subject once, in the order of the findings.
/// Without a tier every subject of a rule is in one group, under `None`.
type Failing<'a> = HashMap<(&'a str, Option<&'a str>), Vec<Subject>>;

fn failing<'a>(doc: &'a RunDoc, tier: Option<&str>) -> Failing<'a> {
    let mut seen = HashSet::new();
    let mut groups: Failing = HashMap::new();
    for f in &doc.findings {
        if !seen.insert((f.rule.as_str(), f.layer.as_str(), f.id.as_str())) {
            continue;
        }
        let unit = tier.and_then(|t| f.units.as_ref()?.get(t).map(String::as_str));
        groups.entry((f.rule.as_str(), unit)).or_default().push(Subject {
            layer: f.layer.clone(),
            id: f.id.clone(),
            name: f.name.clone(),
        });
    }
    groups
}

fn subjects<'m, 'k>(groups: &'m Failing<'k>, rule: &'k str, unit: Option<&'k str>) -> &'m [Subject] {
    groups.get(&(rule, unit)).map(Vec::as_slice).unwrap_or_default()
}

fn change(rule: &str, judged: &'static str, before: &[Subject], after: &[Subject]) -> RuleChange {
    let key = |s: &Subject| (s.layer.clone(), s.id.clone());
    let before_keys: HashSet<_> = before.iter().map(key).collect();
    let after_keys: HashSet<_> = after.iter().map(key).collect();
    let mut c = RuleChange {
        rule: rule.to_string(),
        judged,
        fixed: Vec::new(),
        new: Vec::new(),
        still_failing: Vec::new(),
    };
    // A rule one run did not judge says nothing of fixes: its failures are listed only as what they are.
    match judged {
        "old_only" => {}
        _ => {
            for s in after {
                if before_keys.contains(&key(s)) {
                    c.still_failing.push(s.clone());
                } else {
                    c.new.push(s.clone());
                }
            }
            if judged == "both" {
                c.fixed = before
                    .iter()
                    .filter(|s| !after_keys.contains(&key(s)))
                    .cloned()
                    .collect();
            }
        }
    }
    c
}

fn warnings(old: &RunDoc, new: &RunDoc) -> Vec<String> {
    let mut w = Vec::new();
    let name = |d: &RunDoc| d.request.as_ref().map_or(d.dataset.clone(), |r| r.dataset.clone());
    if name(old) != name(new) {
        w.push(format!(
            "数据集不同 the runs judged different datasets: \"{}\" and \"{}\"",
            name(old),
            name(new)
        ));
    }
    match (&old.dataset_digest, &new.dataset_digest) {
        (Some(a), Some(b)) if a != b => w.push(format!(
            "数据内容不同 the dataset's content differs (digest {} → {}): subjects may have been added, removed or edited",
            &a[..a.len().min(12)],
            &b[..b.len().min(12)]
        )),
        (None, _) | (_, None) => {
            w.push("数据摘要缺失 a document has no dataset digest: whether the data changed is unknown".into())
        }
        _ => {}
    }
    if old.mode != new.mode {
        w.push(format!(
            "模式不同 the runs used different modes: {} and {}",
            old.mode, new.mode
        ));
    }
    if old.as_of > new.as_of {
        w.push(format!(
            "日期倒置 OLD judges a later day ({}) than NEW ({})",
            old.as_of, new.as_of
        ));
    }
    let old_sets: HashMap<&str, &str> = old
        .rulesets
        .iter()
        .map(|r| (r.id.as_str(), r.sha256.as_str()))
        .collect();
    for r in &new.rulesets {
        match old_sets.get(r.id.as_str()) {
            Some(sha) if *sha != r.sha256 => w.push(format!(
                "规则文本不同 ruleset {} differs between the runs (sha256 {} → {})",
                r.id,
                &sha[..sha.len().min(12)],
                &r.sha256[..r.sha256.len().min(12)]
            )),
            Some(_) => {}
            None => w.push(format!("规则集仅新记录使用 ruleset {} was applied by NEW only", r.id)),
        }
    }
    let new_sets: HashSet<&str> = new.rulesets.iter().map(|r| r.id.as_str()).collect();
    for r in &old.rulesets {
        if !new_sets.contains(r.id.as_str()) {
            w.push(format!("规则集仅旧记录使用 ruleset {} was applied by OLD only", r.id));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made record: `findings` as (rule, id, street, community).
    fn doc(digest: &str, rules: &[&str], findings: &[(&str, &str, &str, &str)]) -> RunDoc {
        let findings: Vec<String> = findings
            .iter()
            .map(|(rule, id, street, community)| {
                format!(
                    r#"{{"rule":"{rule}","layer":"residential_areas","id":"{id}","name":"{id}小区","units":{{"street":"{street}","community":"{community}"}}}}"#
                )
            })
            .collect();
        let summary: Vec<String> = rules.iter().map(|r| format!(r#"{{"rule":"{r}"}}"#)).collect();
        let text = format!(
            r#"{{"id":"1","dataset":"d","as_of":"2024-12-31","mode":"audit","dataset_digest":"{digest}",
               "rulesets":[{{"id":"t","sha256":"aa"}}],"summary":[{}],"findings":[{}],
               "admin_units":[{{"code":"S1","name":"罗星街道","level":"street"}},{{"code":"S2","name":"亭江镇","level":"township"}},
                              {{"code":"C1","name":"一社区","level":"community"}},{{"code":"C2","name":"二社区","level":"community"}},
                              {{"code":"C3","name":"三村","level":"village"}}]}}"#,
            summary.join(","),
            findings.join(",")
        );
        read_doc("t", text.as_bytes()).unwrap()
    }

    fn ids(s: &[Subject]) -> Vec<&str> {
        s.iter().map(|s| s.id.as_str()).collect()
    }

    /// OLD fails A1, A2, A3 on the radius rule and A1 on the area rule; NEW fails A2, A4 on the radius
    /// rule and nothing on the area rule, and also judges a rule OLD did not (failing A5).
    /// By hand: radius fixed A1, A3 · new A4 · still A2; area fixed A1; presence new A5.
    #[test]
    fn fixed_new_and_still_failing_by_hand() {
        let old = doc(
            "d1",
            &["r/radius", "r/area"],
            &[
                ("r/radius", "A1", "S1", "C1"),
                ("r/radius", "A2", "S1", "C2"),
                ("r/radius", "A3", "S2", "C3"),
                ("r/area", "A1", "S1", "C1"),
            ],
        );
        let new = doc(
            "d1",
            &["r/radius", "r/area", "r/presence"],
            &[
                ("r/radius", "A2", "S1", "C2"),
                ("r/radius", "A4", "S2", "C3"),
                ("r/presence", "A5", "S1", "C1"),
            ],
        );
        let c = compare(old, new, Some(By::Street)).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let radius = &c.rules[0];
        assert_eq!(radius.rule, "r/radius");
        assert_eq!(ids(&radius.fixed), ["A1", "A3"]);
        assert_eq!(ids(&radius.new), ["A4"]);
        assert_eq!(ids(&radius.still_failing), ["A2"]);
        assert_eq!(ids(&c.rules[1].fixed), ["A1"]);
        assert_eq!((c.rules[2].judged, ids(&c.rules[2].new)), ("new_only", vec!["A5"]));

        // Street S1 (罗星街道): radius fixed A1, still A2; area fixed A1; presence new A5.
        // Street S2 (亭江镇): radius fixed A3, new A4.
        assert_eq!(c.by_unit.len(), 2);
        let s1 = &c.by_unit[0];
        assert_eq!((s1.code.as_deref(), s1.name.as_str()), (Some("S1"), "罗星街道"));
        assert_eq!(s1.rules.len(), 3);
        assert_eq!(ids(&s1.rules[0].fixed), ["A1"]);
        assert_eq!(ids(&s1.rules[0].still_failing), ["A2"]);
        assert_eq!(ids(&s1.rules[1].fixed), ["A1"]);
        assert_eq!(ids(&s1.rules[2].new), ["A5"]);
        let s2 = &c.by_unit[1];
        assert_eq!((s2.name.as_str(), s2.level.as_str()), ("亭江镇", "township"));
        assert_eq!(ids(&s2.rules[0].fixed), ["A3"]);
        assert_eq!(ids(&s2.rules[0].new), ["A4"]);
    }

    #[test]
    fn a_rule_only_the_old_run_judged_is_not_called_fixed() {
        let old = doc("d1", &["r/gone"], &[("r/gone", "A1", "S1", "C1")]);
        let new = doc("d1", &[], &[]);
        let c = compare(old, new, None).unwrap();
        assert_eq!(c.rules[0].judged, "old_only");
        assert!(c.rules[0].fixed.is_empty());
    }

    #[test]
    fn different_data_and_rule_texts_are_warned_of() {
        let old = doc("d1", &[], &[]);
        let mut new = doc("d2", &[], &[]);
        new.rulesets[0].sha256 = "bb".into();
        let c = compare(old, new, None).unwrap();
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings[0].contains("digest"));
        assert!(c.warnings[1].contains("ruleset t differs"));
    }

    #[test]
    fn a_plain_document_cannot_be_compared_by_unit() {
        let plain = || {
            read_doc(
                "plain",
                br#"{"dataset":"d","as_of":"2024-12-31","mode":"audit","rulesets":[],"summary":[],
                     "findings":[{"rule":"r","layer":"facilities","id":"F"}]}"#,
            )
            .unwrap()
        };
        assert!(matches!(
            compare(plain(), plain(), Some(By::Community)),
            Err(CompareError::NoUnits { .. })
        ));
        assert!(read_doc("x", b"{\"dataset\": 3}").is_err());
    }
}
