//! Reads one feature's properties into typed values, recording a problem for each bad one.

use super::problem::Problem;
use crate::model::Date;
use serde_json::Value;

/// The properties of one feature, with where they came from.
pub struct Props<'a> {
    pub file: &'a str,
    pub label: &'a str,
    pub map: &'a super::propmap::PropMap,
    /// CSV cells are text: accept numbers, booleans and lists written as text.
    pub text_cells: bool,
    pub problems: Vec<Problem>,
    /// The keys the layer looked for: any other key of the feature is unknown. Inline: a layer asks
    /// for a dozen at most, and a million features need not each allocate the list.
    pub asked: std::cell::RefCell<smallvec::SmallVec<[&'static str; 16]>>,
}

impl<'a> Props<'a> {
    pub fn problem(&mut self, property: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            feature: Some(self.label.to_string()),
            property: property.map(str::to_string),
            message: message.into(),
        });
    }

    /// The value, or `None` when absent, null or (in CSV) empty.
    fn get(&self, key: &'static str) -> Option<&'a Value> {
        self.asked.borrow_mut().push(key);
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if self.text_cells && s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// Records a required property that is missing; `expected` is worded only then (a million features
    /// with an optional property left out would each word it for nothing).
    fn missing<E: std::fmt::Display>(&mut self, key: &str, required: bool, expected: impl FnOnce() -> E) {
        if required {
            self.problem(Some(key), format!("缺少 missing: expected {}", expected()));
        }
    }

    fn wrong(&mut self, key: &str, value: &Value, expected: &str) {
        self.problem(Some(key), format!("expected {expected}, found {}", shown(value)));
    }

    pub fn string(&mut self, key: &'static str, required: bool) -> Option<String> {
        match self.get(key) {
            None => {
                self.missing(key, required, || "a string");
                None
            }
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let cap = if key == "name" {
                    crate::limits::NAME_CHARS
                } else {
                    crate::limits::ID_CHARS
                };
                self.within(key, s.trim(), cap).map(str::to_string)
            }
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(v) => {
                self.wrong(key, v, "a non-empty string");
                None
            }
        }
    }

    /// The feature's keys the layer did not look for, each with the nearest key it did, as warnings.
    pub fn unknown_keys(&self) -> Vec<Problem> {
        let asked = self.asked.borrow();
        self.map
            .keys()
            .into_iter()
            .filter(|k| !asked.contains(k) && *k != "layer")
            .map(|k| {
                // The keys asked for, and the other names a file may give them (建筑面积（平方米）).
                let names = asked.iter().flat_map(|a| {
                    std::iter::once((*a, *a)).chain(crate::fields::other_names(a).iter().map(move |alias| (*alias, *a)))
                });
                let nearest = names
                    .map(|(name, key)| (strsim::levenshtein(k, name), name, key))
                    .filter(|(d, name, _)| *d <= 3 && *d < name.chars().count())
                    .min();
                let hint = match nearest {
                    Some((_, name, key)) if name == key => format!(": did you mean \"{key}\"?"),
                    Some((_, name, key)) => format!(": did you mean \"{name}\" ({key})?"),
                    None => String::new(),
                };
                Problem {
                    file: self.file.to_string(),
                    feature: Some(self.label.to_string()),
                    property: Some(k.to_string()),
                    message: format!("未知属性 unknown property, ignored{hint}"),
                }
            })
            .collect()
    }

    /// `text` when it has at most `cap` characters; else a problem saying how long it is.
    fn within<'t>(&mut self, key: &str, text: &'t str, cap: usize) -> Option<&'t str> {
        let chars = text.chars().count();
        if chars > cap {
            let start: String = text.chars().take(20).collect();
            self.problem(
                Some(key),
                format!("{chars} characters (\"{start}…\"): at most {cap} are allowed"),
            );
            None
        } else {
            Some(text)
        }
    }

    /// A string naming one of a closed set of values.
    pub fn choice<T>(
        &mut self,
        key: &'static str,
        required: bool,
        parse: fn(&str) -> Option<T>,
        accepted: fn() -> String,
    ) -> Option<T> {
        let text = self.string(key, false);
        match text {
            None => {
                if self.get(key).is_none() {
                    self.missing(key, required, || format!("one of {}", accepted()));
                }
                None
            }
            Some(t) => {
                let parsed = parse(&t);
                if parsed.is_none() {
                    self.problem(
                        Some(key),
                        format!("未知取值 unknown value \"{t}\": expected one of {}", accepted()),
                    );
                }
                parsed
            }
        }
    }

    pub fn number(&mut self, key: &'static str, required: bool, min: f64) -> Option<f64> {
        // Worded only for a problem: a million features would each format it for nothing.
        let expected = || format!("a number ≥ {min}");
        let Some(value) = self.get(key) else {
            self.missing(key, required, expected);
            return None;
        };
        let n = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if self.text_cells => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() && n >= min => Some(n),
            _ => {
                self.wrong(key, value, &expected());
                None
            }
        }
    }

    pub fn integer(&mut self, key: &'static str, required: bool, min: u64) -> Option<u64> {
        let max = crate::limits::COUNT;
        let expected = || format!("an integer from {min} to {max}");
        let Some(value) = self.get(key) else {
            self.missing(key, required, expected);
            return None;
        };
        let n = match value {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9e15)
                    .map(|f| f as u64)
            }),
            Value::String(s) if self.text_cells => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.wrong(key, value, &expected());
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &'static str) -> Option<bool> {
        let value = self.get(key)?;
        let b = match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if self.text_cells => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "是" => Some(true),
                "false" | "0" | "no" | "否" => Some(false),
                _ => None,
            },
            // GDAL writes booleans to DBF as the integers 0 and 1.
            Value::Number(n) if self.text_cells => match n.as_u64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            _ => None,
        };
        if b.is_none() {
            self.wrong(key, value, "true or false");
        }
        b
    }

    pub fn date(&mut self, key: &'static str) -> Option<Date> {
        let value = self.get(key)?;
        let date = value.as_str().and_then(Date::parse);
        if date.is_none() {
            self.wrong(key, value, "a date YYYY-MM-DD");
        }
        date
    }

    /// A list of strings: a JSON array, GDAL's text form `(2: )` (how ogr2ogr writes a string list to
    /// DBF, CSV and FlatGeobuf), or in CSV text separated by `;` or `,` (or a JSON array as text).
    pub fn string_list(&mut self, key: &'static str) -> Vec<String> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        match value {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => {
                            if let Some(id) = self.within(key, s.trim(), crate::limits::ID_CHARS) {
                                out.push(id.to_string());
                            }
                        }
                        other => self.wrong(key, other, "an array of ids (strings)"),
                    }
                }
                out
            }
            Value::String(s) if self.text_cells => {
                let listed = serde_json::from_str::<Vec<String>>(s)
                    .ok()
                    .or_else(|| gdal_string_list(s));
                let ids: Vec<String> = match listed {
                    Some(ids) => ids,
                    None => s.split([';', ',', '；', '，']).map(str::to_string).collect(),
                };
                ids.into_iter()
                    .map(|id| id.trim().to_string())
                    .filter(|id| !id.is_empty())
                    .collect()
            }
            other => match other.as_str().and_then(gdal_string_list) {
                Some(ids) => ids.into_iter().filter(|id| !id.is_empty()).collect(),
                None => {
                    self.wrong(key, other, "an array of ids (strings)");
                    Vec::new()
                }
            },
        }
    }
}

/// GDAL's text form of a string list, as ogr2ogr writes it to DBF and CSV: `(2: )`.
fn gdal_string_list(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    let (count, items) = inner.split_once(':')?;
    let count: usize = count.parse().ok()?;
    let items: Vec<String> = items.split(',').map(|id| id.trim().to_string()).collect();
    (items.len() == count).then_some(items)
}

/// A value as a user would recognise it in their file, shortened.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::gdal_string_list;

    #[test]
    fn gdal_string_lists_are_read() {
        assert_eq!(
            gdal_string_list("(2:R-1,R-2)"),
            Some(vec!["R-1".to_string(), "R-2".to_string()])
        );
        assert_eq!(gdal_string_list("(1:R003)"), Some(vec!["R003".to_string()]));
        // A count that does not match is not GDAL's form; the caller splits it as a plain list.
        assert_eq!(gdal_string_list("(3:R-1,R-2)"), None);
        assert_eq!(gdal_string_list("R-1,R-2"), None);
    }
}
