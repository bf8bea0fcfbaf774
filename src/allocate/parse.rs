//! Reads a decomposition plan (TOML: `[[target]]`, optional `[[group]]`, `[[unit]]`), reporting every
//! problem with the line of the table it is in.

use super::{Group, Plan, PlanUnit, Target};
use std::collections::HashMap;
use std::path::Path;
use toml::{Table, Value};

use crate::toml_file::TomlFile;
pub use crate::toml_file::TomlFileError as PlanError;

pub fn load_plan(path: &Path) -> Result<Plan, PlanError> {
    let file = path.display().to_string();
    let text = crate::limits::read_capped(path, crate::limits::SMALL_FILE_BYTES)
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
        })
        .map_err(|e| PlanError {
            what: TomlFile::Plan,
            file: file.clone(),
            problems: vec![(0, format!("无法读取 cannot read: {e}"))],
        })?;
    parse_plan(&file, &text)
}

/// Parses plan text; `file` names it in messages.
pub fn parse_plan(file: &str, text: &str) -> Result<Plan, PlanError> {
    let fail = |problems| PlanError {
        what: TomlFile::Plan,
        file: file.to_string(),
        problems,
    };
    let root: Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        fail(vec![(line, format!("not valid TOML: {}", e.message()))])
    })?;
    let headers = Headers::new(text);
    let mut problems = Vec::new();
    for key in root.keys() {
        if !["target", "group", "unit"].contains(&key.as_str()) {
            problems.push((
                0,
                format!("unknown section \"{key}\": expected [[target]], [[group]] and [[unit]]"),
            ));
        }
    }
    let tables = |name: &str, problems: &mut Vec<(usize, String)>| -> Vec<Table> {
        match root.get(name) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    Value::Table(t) => Some(t.clone()),
                    _ => {
                        problems.push((headers.line(name, i), format!("{name} {i}: write it as [[{name}]]")));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                problems.push((0, format!("write {name} as [[{name}]] tables")));
                Vec::new()
            }
        }
    };
    let (target_tables, group_tables, unit_tables) = (
        tables("target", &mut problems),
        tables("group", &mut problems),
        tables("unit", &mut problems),
    );

    let mut targets = Vec::new();
    for (i, t) in target_tables.iter().enumerate() {
        let line = headers.line("target", i);
        let name = name(t, "target", i, line, &mut problems);
        unknown(t, &["name", "total"], "target", line, &mut problems);
        let total = match t.get("total") {
            Some(Value::Integer(n)) if (0..=crate::limits::PLAN_TOTAL as i64).contains(n) => Some(*n as u64),
            _ => {
                problems.push((
                    line,
                    format!(
                        "target {i}: \"total\" must be a whole number from 0 to {}",
                        crate::limits::PLAN_TOTAL
                    ),
                ));
                None
            }
        };
        if let (Some(name), Some(total)) = (name, total) {
            targets.push(Target { name, total });
        }
    }
    if targets.is_empty() && problems.is_empty() {
        problems.push((0, "no targets: add at least one [[target]] with name and total".into()));
    }

    let mut groups = Vec::new();
    for (i, g) in group_tables.iter().enumerate() {
        let line = headers.line("group", i);
        let name = name(g, "group", i, line, &mut problems);
        unknown(g, &["name", "share"], "group", line, &mut problems);
        let share = match g.get("share") {
            Some(Value::Float(x)) if (0.0..=1.0).contains(x) => Some(*x),
            Some(Value::Integer(n)) if (0..=1).contains(n) => Some(*n as f64),
            _ => {
                problems.push((line, format!("group {i}: \"share\" must be a number between 0 and 1")));
                None
            }
        };
        if let (Some(name), Some(share)) = (name, share) {
            groups.push(Group { name, share });
        }
    }
    let share_sum: f64 = groups.iter().map(|g| g.share).sum();
    if !groups.is_empty() && groups.len() == group_tables.len() && (share_sum - 1.0).abs() > 1e-9 {
        problems.push((
            headers.line("group", 0),
            format!("the group shares add up to {share_sum}, not 1"),
        ));
    }

    let group_index: HashMap<&str, usize> = groups.iter().enumerate().map(|(i, g)| (g.name.as_str(), i)).collect();
    let mut units = Vec::new();
    for (i, u) in unit_tables.iter().enumerate() {
        let line = headers.line("unit", i);
        let name = name(u, "unit", i, line, &mut problems);
        unknown(u, &["name", "weight", "group"], "unit", line, &mut problems);
        let weight = match u.get("weight") {
            Some(Value::Integer(n)) if *n >= 0 => Some(*n as f64),
            Some(Value::Float(x)) if *x >= 0.0 && x.is_finite() => Some(*x),
            _ => {
                problems.push((line, format!("unit {i}: \"weight\" must be a number ≥ 0")));
                None
            }
        };
        let group = match (u.get("group"), group_tables.is_empty()) {
            (None, true) => Some(None),
            (Some(Value::String(g)), false) => match group_index.get(g.as_str()) {
                Some(&k) => Some(Some(k)),
                None => {
                    let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
                    problems.push((
                        line,
                        format!("unit {i}: unknown group \"{g}\": expected one of {}", known.join(", ")),
                    ));
                    None
                }
            },
            (_, true) => {
                problems.push((line, format!("unit {i}: names a group, but the plan has no [[group]]")));
                None
            }
            (_, false) => {
                problems.push((line, format!("unit {i}: \"group\" must name one of the plan's groups")));
                None
            }
        };
        if let (Some(name), Some(weight), Some(group)) = (name, weight, group) {
            units.push(PlanUnit { name, weight, group });
        }
    }
    if unit_tables.is_empty() {
        problems.push((0, "no units: add [[unit]] tables with name and weight".into()));
    }
    let mut seen = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Some(first) = seen.insert(u.name.as_str(), i) {
            problems.push((
                headers.line("unit", i),
                format!("unit \"{}\" is listed twice (also unit {first})", u.name),
            ));
        }
    }
    for (g, group) in groups.iter().enumerate() {
        let weight: f64 = units.iter().filter(|u| u.group == Some(g)).map(|u| u.weight).sum();
        if group.share > 0.0 && weight <= 0.0 && problems.is_empty() {
            problems.push((
                headers.line("group", g),
                format!("group \"{}\" has a share but no unit with weight", group.name),
            ));
        }
    }
    if problems.is_empty() {
        Ok(Plan { targets, groups, units })
    } else {
        problems.sort_by_key(|(line, _)| *line);
        Err(fail(problems))
    }
}

fn name(t: &Table, what: &str, i: usize, line: usize, problems: &mut Vec<(usize, String)>) -> Option<String> {
    match t.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => {
            problems.push((line, format!("{what} {i}: \"name\" must be a non-empty string")));
            None
        }
    }
}

fn unknown(t: &Table, known: &[&str], what: &str, line: usize, problems: &mut Vec<(usize, String)>) {
    for key in t.keys().filter(|k| !known.contains(&k.as_str())) {
        problems.push((
            line,
            format!("{what}: unknown key \"{key}\": expected one of {}", known.join(", ")),
        ));
    }
}

/// The line of each `[[name]]` header, so problems name the table they are in.
struct Headers(HashMap<String, Vec<usize>>);

impl Headers {
    fn new(text: &str) -> Headers {
        let mut lines: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
                lines.entry(name.trim().to_string()).or_default().push(i + 1);
            }
        }
        Headers(lines)
    }

    fn line(&self, name: &str, index: usize) -> usize {
        self.0.get(name).and_then(|v| v.get(index)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_plans_name_their_lines() {
        let text = "[[target]]\nname = \"beds\"\ntotal = -3\n\n[[group]]\nname = \"urban\"\nshare = 0.7\n\n[[group]]\nname = \"rural\"\nshare = 0.4\n\n[[unit]]\nname = \"鼓楼\"\nweight = 10\ngroup = \"city\"\n";
        let err = parse_plan("p.toml", text).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 1: target 0: \"total\""), "{text}");
        assert!(text.contains("line 5: the group shares add up to 1.1"), "{text}");
        assert!(
            text.contains("line 13: unit 0: unknown group \"city\": expected one of urban, rural"),
            "{text}"
        );
    }

    #[test]
    fn a_plan_without_groups() {
        let plan = parse_plan(
            "p.toml",
            "[[target]]\nname = \"t\"\ntotal = 5\n[[unit]]\nname = \"a\"\nweight = 1\n[[unit]]\nname = \"b\"\nweight = 4\n",
        )
        .unwrap();
        assert_eq!(super::super::allocate(&plan)[0].values, [1, 4]);
    }
}
