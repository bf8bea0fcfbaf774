//! Reads a ruleset TOML file, reporting every problem with the line it is on.

use super::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use toml::{Table, Value};

use crate::toml_file::TomlFile;
pub use crate::toml_file::TomlFileError as RulesError;

const RULE_KEYS: [&str; 7] = ["id", "kind", "title", "severity", "clause", "quote", "params"];
const RULESET_KEYS: [&str; 7] = ["id", "title", "document", "issued_by", "effective", "source", "note"];

// The bounds of a rule's parameters live with every other bound, in `crate::limits`.
pub use crate::limits::{
    MAX_AREA_M2, MAX_BEDS_PER_1000, MAX_COUNT, MAX_DISTANCE_M, MAX_M2_PER_1000, MAX_M2_PER_100_HOUSEHOLDS,
    MAX_POPULATION, MAX_TEXT_CHARS,
};

/// Reads and parses a ruleset file.
pub fn load_ruleset(path: &Path) -> Result<Ruleset, RulesError> {
    let file = path.display().to_string();
    let bytes = crate::limits::read_capped(path, crate::limits::SMALL_FILE_BYTES).map_err(|e| RulesError {
        what: TomlFile::Ruleset,
        file: file.clone(),
        problems: vec![(0, format!("无法读取 cannot read: {e}"))],
    })?;
    let text = String::from_utf8(bytes).map_err(|_| RulesError {
        what: TomlFile::Ruleset,
        file: file.clone(),
        problems: vec![(0, "not UTF-8 text".into())],
    })?;
    parse_ruleset(&file, &text)
}

/// Parses ruleset text; `file` names it in messages.
///
/// ```
/// let text = r#"
/// [ruleset]
/// id = "demo"
/// title = "示例"
/// document = "示例〔2024〕1号"
///
/// [[rule]]
/// id = "demo/radius"
/// kind = "service_radius"
/// severity = "error"
/// clause = "一"
/// quote = "服务半径应小于700米"
/// [rule.params]
/// radius_m = 700
/// strict = true
/// "#;
/// let ruleset = carecircle_core::rules::parse_ruleset("demo.toml", text).unwrap();
/// assert_eq!(ruleset.rules[0].kind.name(), "service_radius");
/// ```
pub fn parse_ruleset(file: &str, text: &str) -> Result<Ruleset, RulesError> {
    let fail = |problems| RulesError {
        what: TomlFile::Ruleset,
        file: file.to_string(),
        problems,
    };
    let root: Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        fail(vec![(line, format!("not valid TOML: {}", e.message()))])
    })?;
    if root.contains_key("target") && root.contains_key("unit") && !root.contains_key("rule") {
        return Err(fail(vec![(
            0,
            "this is a task-decomposition plan for `carecircle allocate`, not a ruleset".into(),
        )]));
    }
    let lines = KeyLines::new(text);
    let mut problems = Vec::new();

    for key in root.keys() {
        if key != "ruleset" && key != "rule" {
            problems.push((
                lines.top(key),
                format!("unknown section \"{key}\": expected [ruleset] and [[rule]]"),
            ));
        }
    }
    let header = match root.get("ruleset") {
        Some(Value::Table(t)) => t.clone(),
        _ => {
            problems.push((0, "missing [ruleset] section with id, title and document".into()));
            Table::new()
        }
    };
    let mut head = Reader {
        table: &header,
        line: &|key| lines.ruleset(key),
        context: String::new(),
        problems: &mut problems,
    };
    let id = head.string("id");
    let title = head.string("title");
    let document = head.string("document");
    let issued_by = head.optional_string("issued_by");
    let effective = head.optional_date("effective");
    let source = head.optional_string("source");
    head.unknown_keys(&RULESET_KEYS);

    let mut rules = Vec::new();
    match root.get("rule") {
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match item {
                    Value::Table(t) => {
                        if let Some(rule) = parse_rule(t, index, &lines, id.as_deref(), &mut problems) {
                            rules.push(rule);
                        }
                    }
                    _ => problems.push((0, format!("rule {index} is not a table: write it as [[rule]]"))),
                }
            }
        }
        None => problems.push((0, "no rules: add at least one [[rule]]".into())),
        Some(_) => problems.push((lines.top("rule"), "rule must be written as [[rule]] tables".into())),
    }
    let mut seen = std::collections::HashSet::new();
    for (index, rule) in rules.iter().enumerate() {
        if !seen.insert(rule.id.as_str()) {
            problems.push((lines.rule(index, "id"), format!("duplicate rule id \"{}\"", rule.id)));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|(line, _)| *line);
        return Err(fail(problems));
    }
    let (Some(id), Some(title), Some(document)) = (id, title, document) else {
        return Err(fail(vec![(0, "incomplete [ruleset] header".into())]));
    };
    Ok(Ruleset {
        id,
        title,
        document,
        issued_by,
        effective,
        source,
        sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        text: text.to_string(),
        rules,
    })
}

fn parse_rule(
    table: &Table,
    index: usize,
    lines: &KeyLines,
    ruleset_id: Option<&str>,
    problems: &mut Vec<(usize, String)>,
) -> Option<Rule> {
    let rule_line = |key: &str| lines.rule(index, key);
    let mut r = Reader {
        table,
        line: &rule_line,
        context: format!("rule {index}: "),
        problems,
    };
    let id = r.string("id");
    if let Some(id) = &id {
        r.context = format!("rule {id}: ");
        if let Some(prefix) = ruleset_id {
            if !id.starts_with(&format!("{prefix}/")) {
                let line = (r.line)("id");
                r.problems.push((
                    line,
                    format!("rule {id}: id must start with the ruleset id \"{prefix}/\""),
                ));
            }
        }
    }
    let title = r.optional_string("title");
    let severity = match r.string("severity").as_deref() {
        Some("error") => Some(Severity::Error),
        Some("warning") => Some(Severity::Warning),
        Some(other) => {
            r.problem(
                "severity",
                format!("unknown severity \"{other}\": expected error or warning"),
            );
            None
        }
        None => None,
    };
    let clause = r.string("clause");
    let quote = r.string("quote");
    let kind_name = r.string("kind");
    r.unknown_keys(&RULE_KEYS);
    let context = r.context.clone();

    let empty = Table::new();
    let params = match table.get("params") {
        Some(Value::Table(t)) => t,
        Some(_) => {
            r.problem("params", "expected a table: write [rule.params]".into());
            &empty
        }
        None => &empty,
    };
    let param_line = |key: &str| lines.params(index, key);
    let mut p = Reader {
        table: params,
        line: &param_line,
        context,
        problems: r.problems,
    };
    let kind = match kind_name.as_deref() {
        Some(name) => match RuleKind::parse(name, &mut p) {
            Some(kind) => kind,
            None => {
                let line = rule_line("kind");
                p.problems.push((
                    line,
                    format!(
                        "{}kind \"{name}\" is not a rule kind: expected one of {}",
                        p.context,
                        RuleKind::NAMES.join(", ")
                    ),
                ));
                None
            }
        },
        None => None,
    };
    Some(Rule {
        id: id?,
        title,
        severity: severity?,
        clause: clause?,
        quote: quote?,
        kind: kind?,
    })
}

/// Reads typed values from one table, recording problems with their lines.
/// Reads one table of a ruleset (a rule, or its `params`), naming the line of every problem.
pub(crate) struct Reader<'a> {
    pub(crate) table: &'a Table,
    line: &'a dyn Fn(&str) -> usize,
    /// `rule anxi-2022/service-radius: `, put before every message.
    context: String,
    problems: &'a mut Vec<(usize, String)>,
}

impl Reader<'_> {
    pub(crate) fn problem(&mut self, key: &str, message: String) {
        let line = (self.line)(key);
        self.problems
            .push((line, format!("{}\"{key}\": {message}", self.context)));
    }

    /// An absent key, reported on the line of its table (the key has no line of its own).
    pub(crate) fn missing(&mut self, what: &str, key: &str) {
        let line = (self.line)("");
        self.problems
            .push((line, format!("{}missing {what}\"{key}\"", self.context)));
    }

    pub(crate) fn string(&mut self, key: &str) -> Option<String> {
        match self.table.get(key) {
            Some(Value::String(s)) if s.trim().chars().count() > MAX_TEXT_CHARS => {
                self.problem(
                    key,
                    format!(
                        "{} characters: at most {MAX_TEXT_CHARS} (a quoted sentence, not a document)",
                        s.trim().chars().count()
                    ),
                );
                None
            }
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(_) => {
                self.problem(key, "expected a non-empty string".into());
                None
            }
            None => {
                self.missing("", key);
                None
            }
        }
    }

    pub(crate) fn optional_string(&mut self, key: &str) -> Option<String> {
        self.table.contains_key(key).then(|| self.string(key)).flatten()
    }

    pub(crate) fn optional_bool(&mut self, key: &str) -> Option<bool> {
        match self.table.get(key) {
            None => None,
            Some(Value::Boolean(b)) => Some(*b),
            Some(_) => {
                self.problem(key, "expected true or false".into());
                None
            }
        }
    }

    pub(crate) fn optional_date(&mut self, key: &str) -> Option<Date> {
        let value = self.table.get(key)?;
        let date = match value {
            Value::String(s) => Date::parse(s),
            Value::Datetime(d) if d.time.is_none() => Date::parse(&d.to_string()),
            _ => None,
        };
        if date.is_none() {
            self.problem(key, "expected a date YYYY-MM-DD".into());
        }
        date
    }

    pub(crate) fn number(&self, key: &str) -> Option<Option<f64>> {
        match self.table.get(key) {
            None => Some(None),
            Some(Value::Integer(n)) => Some(Some(*n as f64)),
            Some(Value::Float(f)) if f.is_finite() => Some(Some(*f)),
            Some(_) => None,
        }
    }

    /// A number above 0 and at most `max` (what the rule can mean), when given.
    pub(crate) fn optional_positive(&mut self, key: &str, max: f64) -> Option<f64> {
        match self.number(key) {
            Some(Some(n)) if n > 0.0 && n <= max => Some(n),
            Some(None) => None,
            _ => {
                self.problem(key, format!("expected a number > 0 and ≤ {max}"));
                None
            }
        }
    }

    pub(crate) fn positive(&mut self, key: &str, max: f64) -> Option<f64> {
        if !self.table.contains_key(key) {
            self.missing("parameter ", key);
            return None;
        }
        self.optional_positive(key, max)
    }

    /// A required share between 0 and 1.
    pub(crate) fn share(&mut self, key: &str) -> Option<f64> {
        match self.number(key) {
            Some(Some(t)) if (0.0..=1.0).contains(&t) => Some(t),
            Some(None) => {
                self.missing("parameter ", key);
                None
            }
            _ => {
                self.problem(key, "expected a share between 0 and 1".into());
                None
            }
        }
    }

    /// `population` or `elderly`, default `population`.
    pub(crate) fn headcount(&mut self, key: &str) -> Option<Headcount> {
        match self.optional_string(key).as_deref() {
            None | Some("population") => Some(Headcount::Population),
            Some("elderly") => Some(Headcount::Elderly),
            Some(other) => {
                self.problem(
                    key,
                    format!("unknown value \"{other}\": expected population or elderly"),
                );
                None
            }
        }
    }

    /// `classes = [{ min_population, max_population, min_area_m2 }, …]`, sorted and not overlapping.
    pub(crate) fn classes(&mut self) -> Option<Vec<PopulationClass>> {
        let Some(Value::Array(items)) = self.table.get("classes") else {
            if self.table.contains_key("classes") {
                self.problem(
                    "classes",
                    "expected a list of { min_population, max_population, min_area_m2 }".into(),
                );
            } else {
                self.missing("parameter ", "classes");
            }
            return None;
        };
        let mut classes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let t = item.as_table();
            let int = |k: &str| t.and_then(|t| t.get(k)).and_then(Value::as_integer).filter(|n| *n >= 0);
            let area = t.and_then(|t| t.get("min_area_m2")).and_then(|v| match v {
                Value::Integer(n) => Some(*n as f64),
                Value::Float(f) => Some(*f),
                _ => None,
            });
            let known = t.is_some_and(|t| {
                t.keys()
                    .all(|k| ["min_population", "max_population", "min_area_m2"].contains(&k.as_str()))
            });
            match (int("min_population"), int("max_population"), area) {
                (Some(lo), Some(hi), Some(m2))
                    if lo <= hi && hi <= MAX_POPULATION && m2 > 0.0 && m2 <= MAX_AREA_M2 && known =>
                {
                    classes.push(PopulationClass {
                        min_population: lo as u64,
                        max_population: hi as u64,
                        min_area_m2: m2,
                    })
                }
                _ => {
                    self.problem(
                        "classes",
                        format!(
                            "class {i}: expected {{ min_population = N, max_population = N ≥ min (≤ {MAX_POPULATION}), min_area_m2 = N > 0 (≤ {MAX_AREA_M2}) }}"
                        ),
                    );
                    return None;
                }
            }
        }
        classes.sort_by_key(|c| c.min_population);
        if classes.is_empty() || classes.windows(2).any(|w| w[1].min_population <= w[0].max_population) {
            self.problem(
                "classes",
                "expected at least one class, with population ranges that do not overlap".into(),
            );
            return None;
        }
        Some(classes)
    }

    /// `target`: the share of checked subjects that must pass, default 1.
    pub(crate) fn target(&mut self) -> Option<f64> {
        match self.number("target") {
            Some(None) => Some(1.0),
            Some(Some(t)) if (0.0..=1.0).contains(&t) => Some(t),
            _ => {
                self.problem("target", "expected a share between 0 and 1".into());
                None
            }
        }
    }

    pub(crate) fn choice<T>(&mut self, key: &str, parse: fn(&str) -> Option<T>, accepted: &str) -> Option<T> {
        if !self.table.contains_key(key) {
            self.missing("parameter ", key);
            return None;
        }
        let text = self.string(key)?;
        let value = parse(&text);
        if value.is_none() {
            self.problem(key, format!("unknown value \"{text}\": expected one of {accepted}"));
        }
        value
    }

    pub(crate) fn list<T>(&mut self, key: &str, parse: fn(&str) -> Option<T>, accepted: &str) -> Option<Vec<T>> {
        let items = match self.table.get(key) {
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.problem(key, "expected a list of strings".into());
                return None;
            }
            None => {
                self.missing("parameter ", key);
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match item.as_str().and_then(parse) {
                Some(v) => out.push(v),
                None => {
                    ok = false;
                    self.problem(key, format!("unknown value {item}: expected one of {accepted}"));
                }
            }
        }
        ok.then_some(out)
    }

    pub(crate) fn list_or_one<T>(&mut self, key: &str, parse: fn(&str) -> Option<T>, accepted: &str) -> Option<Vec<T>> {
        if let Some(Value::String(_)) = self.table.get(key) {
            self.choice(key, parse, accepted).map(|v| vec![v])
        } else {
            self.list(key, parse, accepted)
        }
    }

    /// `tiers`, defaulting to the community facilities.
    pub(crate) fn tiers(&mut self, key: &str) -> Vec<Tier> {
        if !self.table.contains_key(key) {
            return Tier::COMMUNITY.to_vec();
        }
        self.list(key, Tier::parse, &Tier::accepted()).unwrap_or_default()
    }

    /// `where`: conditions for every level, or tables of conditions keyed by level.
    pub(crate) fn conditions(&mut self) -> Option<Vec<UnitCondition>> {
        let table = match self.table.get("where") {
            None => return Some(Vec::new()),
            Some(Value::Table(t)) => t,
            Some(_) => {
                self.problem("where", "expected a table such as { central = true }".into());
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, value) in table {
            if let Some(level) = Level::parse(key) {
                match value {
                    Value::Table(inner) => {
                        for (k, v) in inner {
                            match self.condition(k, v) {
                                Some(test) => out.push(UnitCondition {
                                    level: Some(level),
                                    test,
                                }),
                                None => ok = false,
                            }
                        }
                    }
                    _ => {
                        self.problem("where", format!("\"{key}\" must hold a table of conditions"));
                        ok = false;
                    }
                }
            } else {
                match self.condition(key, value) {
                    Some(test) => out.push(UnitCondition { level: None, test }),
                    None => ok = false,
                }
            }
        }
        ok.then_some(out)
    }

    pub(crate) fn condition(&mut self, key: &str, value: &Value) -> Option<UnitTest> {
        let test = match (key, value) {
            ("central", Value::Boolean(b)) => Some(UnitTest::Central(*b)),
            ("min_population", Value::Integer(n)) if *n >= 0 => Some(UnitTest::MinPopulation(*n as u64)),
            ("max_population", Value::Integer(n)) if *n >= 0 => Some(UnitTest::MaxPopulation(*n as u64)),
            _ => None,
        };
        if test.is_none() {
            self.problem(
                "where",
                format!(
                    "unknown condition {key} = {value}: expected central = true|false, min_population = N, \
                     max_population = N, or a level name holding such conditions"
                ),
            );
        }
        test
    }

    pub(crate) fn unknown_keys(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .table
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.problem(&key, format!("unknown parameter: expected one of {}", known.join(", ")));
        }
    }
}

/// Where each key is written, so problems name their line.
struct KeyLines {
    /// (section, rule index, key) → 1-based line.
    keys: HashMap<(Section, usize, String), usize>,
    /// Header line of each [[rule]].
    rule_headers: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Section {
    Top,
    Ruleset,
    Rule,
    Params,
}

impl KeyLines {
    fn new(text: &str) -> KeyLines {
        let mut keys = HashMap::new();
        let mut rule_headers = Vec::new();
        let mut section = Section::Top;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let number = i + 1;
            if line.starts_with("[[rule]]") {
                section = Section::Rule;
                rule_headers.push(number);
                continue;
            }
            if line.starts_with('[') {
                let name = line.trim_matches(|c| c == '[' || c == ']').trim();
                section = match name {
                    "ruleset" => Section::Ruleset,
                    "rule.params" => Section::Params,
                    _ => Section::Top,
                };
                continue;
            }
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim().trim_matches('"').to_string();
                if !key.is_empty() && !key.starts_with('#') {
                    let rule = rule_headers.len().saturating_sub(1);
                    keys.entry((section, rule, key)).or_insert(number);
                }
            }
        }
        KeyLines { keys, rule_headers }
    }

    fn top(&self, key: &str) -> usize {
        self.keys.get(&(Section::Top, 0, key.to_string())).copied().unwrap_or(0)
    }

    fn ruleset(&self, key: &str) -> usize {
        self.keys
            .get(&(Section::Ruleset, 0, key.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// The line of a rule's key, or of its `[[rule]]` header.
    fn rule(&self, index: usize, key: &str) -> usize {
        self.keys
            .get(&(Section::Rule, index, key.to_string()))
            .or_else(|| self.rule_headers.get(index))
            .copied()
            .unwrap_or(0)
    }

    fn params(&self, index: usize, key: &str) -> usize {
        self.keys
            .get(&(Section::Params, index, key.to_string()))
            .copied()
            .unwrap_or_else(|| self.rule(index, "params"))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "[ruleset]\nid = \"t\"\ntitle = \"测试\"\ndocument = \"测〔2024〕1号\"\n\n";

    fn rule(kind: &str, params: &str) -> String {
        format!(
            "{HEADER}[[rule]]\nid = \"t/r\"\nkind = \"{kind}\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n[rule.params]\n{params}"
        )
    }

    #[test]
    fn parses_every_kind() {
        let r = parse_ruleset(
            "t.toml",
            &rule("service_radius", "radius_m = 700\nstrict = true\ntarget = 0.9\n"),
        )
        .unwrap();
        let RuleKind::ServiceRadius(s) = &r.rules[0].kind else {
            panic!()
        };
        assert_eq!((s.radius_m, s.strict, s.target, s.tiers.len()), (700.0, true, 0.9, 4));
        let r = parse_ruleset(
            "t.toml",
            &rule("tier_presence", "levels = [\"street\", \"township\"]\ntiers = [\"daycare_center\"]\n[rule.params.where.township]\ncentral = true\n"),
        )
        .unwrap();
        let RuleKind::TierPresence(t) = &r.rules[0].kind else {
            panic!()
        };
        assert_eq!(
            t.conditions,
            vec![UnitCondition {
                level: Some(Level::Township),
                test: UnitTest::Central(true)
            }]
        );
        let r = parse_ruleset(
            "t.toml",
            &rule(
                "facility_min_area",
                "tier = \"station\"\nmin_area_m2 = 150\nsince = 2017-01-05\n",
            ),
        )
        .unwrap();
        let RuleKind::FacilityMinArea(f) = &r.rules[0].kind else {
            panic!()
        };
        assert_eq!(
            (f.tiers.clone(), f.since),
            (vec![Tier::Station], Date::parse("2017-01-05"))
        );
        let r = parse_ruleset(
            "t.toml",
            &rule(
                "area_per_households",
                "kind = \"new\"\nm2_per_100_households = 30\nmin_single_site_m2 = 400\n",
            ),
        )
        .unwrap();
        assert_eq!(r.sha256.len(), 64);
    }

    #[test]
    fn unknown_parameter_names_its_line() {
        let text = rule("service_radius", "radius_m = 700\nradus_m = 800\n");
        let err = parse_ruleset("t.toml", &text).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        let (line, message) = &err.problems[0];
        assert_eq!(*line, 14, "{err}");
        assert!(
            message.contains("radus_m") && message.contains("unknown parameter") && message.contains("radius_m"),
            "{message}"
        );
    }

    #[test]
    fn unknown_kind_names_its_line_and_the_known_kinds() {
        let err = parse_ruleset("t.toml", &rule("coverage_magic", "")).unwrap_err();
        let (line, message) = &err.problems[0];
        assert_eq!(*line, 8);
        assert!(
            message.contains("coverage_magic") && message.contains("service_radius"),
            "{message}"
        );
        let err = parse_ruleset("t.toml", &rule("beds_per_elderly", "")).unwrap_err();
        assert!(err.to_string().contains("missing parameter \"per_1000\""), "{err}");
        assert!(err.to_string().contains("missing parameter \"level\""), "{err}");
    }

    /// Numbers past what a rule can mean are typos, named with their line: a radius of a million
    /// kilometres would make every map and walk search pointless.
    #[test]
    fn parameters_past_their_meaning_are_refused_with_the_line() {
        for (kind, params, key) in [
            ("service_radius", "radius_m = 1e9\n", "radius_m"),
            (
                "adjacency",
                "tiers = [\"station\"]\nnear_tiers = [\"medical\"]\ndistance_m = 60000\n",
                "distance_m",
            ),
            (
                "area_per_households",
                "kind = \"new\"\nm2_per_100_households = 5000\n",
                "m2_per_100_households",
            ),
            (
                "facility_min_area",
                "tier = \"station\"\nmin_area_m2 = 1e7\n",
                "min_area_m2",
            ),
            (
                "tier_presence",
                "levels = [\"community\"]\ntiers = [\"station\"]\nmin_count = 100000\n",
                "min_count",
            ),
        ] {
            let err = parse_ruleset("t.toml", &rule(kind, params)).unwrap_err();
            let (line, message) = &err.problems[0];
            let expected = rule(kind, params).lines().position(|l| l.starts_with(key)).unwrap() + 1;
            assert_eq!(*line, expected, "{kind}: {message}");
            assert!(
                message.contains(key) && message.contains('≤') || message.contains("to 1000"),
                "{message}"
            );
        }
        assert!(parse_ruleset("t.toml", &rule("service_radius", "radius_m = 50000\n")).is_ok());
    }

    #[test]
    fn a_plan_is_not_a_ruleset() {
        let err = parse_ruleset(
            "p.toml",
            "[[target]]\nname = \"x\"\ntotal = 1\n[[unit]]\nname = \"a\"\nweight = 1\n",
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(err.problems[0].1.contains("carecircle allocate"), "{err}");
    }

    #[test]
    fn syntax_error_names_its_line() {
        let err = parse_ruleset("t.toml", "[ruleset]\nid = \"t\"\ntitle = oops\n").unwrap_err();
        assert_eq!(err.problems[0].0, 3, "{err}");
    }

    #[test]
    fn bad_values_are_all_reported() {
        let text = rule(
            "service_radius",
            "radius_m = -5\nmetric = \"crow\"\ntiers = [\"spa\"]\n",
        );
        let err = parse_ruleset("t.toml", &text).unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
        assert!(
            err.to_string().contains("line 13") && err.to_string().contains("line 14"),
            "{err}"
        );
    }
}
