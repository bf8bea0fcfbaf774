//! CQL2 text filters (OGC API – Features Part 3) over a collection's properties: comparison (`=`, `<>`,
//! `<`, `>`, `<=`, `>=`), `LIKE`, `BETWEEN`, `IN`, `IS [NOT] NULL`, and `AND`, `OR`, `NOT` with
//! parentheses — Basic CQL2 and the advanced comparison operators.
//!
//! Written here rather than taken from the `cql2` crate: that crate turns on serde_json's
//! `preserve_order` for the whole build (which would reorder every JSON document carecircle writes and
//! change kept runs' bytes) and brings sqlparser, jsonschema and geozero for a few hundred lines of
//! grammar. Spatial and temporal functions are refused with a pointer to `bbox` and `datetime`.
//!
//! Nulls follow CQL2's three-valued logic: a comparison with a missing value is unknown, and only
//! features for which the whole filter is true are selected.
//!
//! ```
//! use carecircle_core::cql2::{Filter, Kind};
//! let fields = [("tier", Kind::Text), ("floor_area_m2", Kind::Number)];
//! let f = Filter::parse("tier='station' AND floor_area_m2 >= 400", &fields).unwrap();
//! let p = serde_json::json!({"tier": "station", "floor_area_m2": 420.0});
//! assert!(f.matches(p.as_object().unwrap()));
//! assert!(Filter::parse("beds > 3", &fields).unwrap_err().contains("beds"));
//! ```

use serde_json::{Map, Value};
use std::cmp::Ordering;

pub use crate::limits::{MAX_FILTER_BYTES, MAX_FILTER_DEPTH as MAX_DEPTH, MAX_LIKE_CHARS};

/// What type a property holds, as a collection's schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    /// An ISO 8601 day held as text (`2023-06-01`).
    Date,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
        }
    }
}

/// A parsed filter, checked against the collection's properties and their types.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Scalar, Op, Scalar),
    Like {
        value: Scalar,
        pattern: Vec<char>,
        negated: bool,
    },
    Between {
        value: Scalar,
        low: Scalar,
        high: Scalar,
        negated: bool,
    },
    In {
        value: Scalar,
        list: Vec<Scalar>,
        negated: bool,
    },
    IsNull {
        value: Scalar,
        negated: bool,
    },
    /// A boolean property or literal standing alone.
    Truth(Scalar),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Property(String),
    Text(String),
    Number(f64),
    Boolean(bool),
    Date(String),
}

impl Filter {
    /// Parses CQL2 text against the collection's properties (`fields`: name and type), naming what is
    /// wrong: an unknown property (with the ones there are), a type mismatch, a token out of place.
    pub fn parse(text: &str, fields: &[(&str, Kind)]) -> Result<Filter, String> {
        if text.len() > MAX_FILTER_BYTES {
            return Err(format!(
                "the filter is {} bytes: at most {MAX_FILTER_BYTES}",
                text.len()
            ));
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, at: 0, fields };
        let expr = parser.or(0)?;
        if let Some(t) = parser.tokens.get(parser.at) {
            return Err(format!("unexpected {} after a complete filter", t.describe()));
        }
        Ok(Filter(expr))
    }

    /// Whether a feature with these properties is selected (the filter is true, not false or unknown).
    pub fn matches(&self, properties: &Map<String, Value>) -> bool {
        eval(&self.0, properties) == Some(true)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Text(String),
    Number(f64),
    Symbol(&'static str),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("\"{w}\""),
            Token::Quoted(w) => format!("\"{w}\""),
            Token::Text(t) => format!("'{t}'"),
            Token::Number(n) => n.to_string(),
            Token::Symbol(s) => format!("\"{s}\""),
        }
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(k))
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            // '' inside a string (and "" inside a quoted name) stands for one quote.
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("a {c}…{c} is not closed")),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        s.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            out.push(if c == '\'' { Token::Text(s) } else { Token::Quoted(s) });
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit() || *d == '.'))
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || chars[i] == 'E'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n: f64 = s.parse().map_err(|_| format!("\"{s}\" is not a number"))?;
            if !n.is_finite() {
                return Err(format!("\"{s}\" is not a finite number"));
            }
            out.push(Token::Number(n));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.' || chars[i] == ':')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = ["<>", "<=", ">=", "!="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| ["=", "<", ">", "(", ")", ","].into_iter().find(|s| s.starts_with(c)));
            match symbol {
                Some("!=") => return Err("\"!=\" is not CQL2: write <>".into()),
                Some(s) => {
                    i += s.chars().count();
                    out.push(Token::Symbol(s));
                }
                None => return Err(format!("unexpected character '{c}'")),
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    fields: &'a [(&'a str, Kind)],
}

const RESERVED: [&str; 12] = [
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "BETWEEN",
    "IN",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "DATE",
    "TIMESTAMP",
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        if self.peek().is_some_and(|t| t.keyword(k)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_symbol(&mut self, s: &'static str) -> bool {
        if self.peek() == Some(&Token::Symbol(s)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, s: &'static str) -> Result<(), String> {
        if self.eat_symbol(s) {
            Ok(())
        } else {
            Err(format!("expected \"{s}\", found {}", self.found()))
        }
    }

    fn found(&self) -> String {
        self.peek().map_or("the end of the filter".to_string(), Token::describe)
    }

    fn deeper(depth: usize) -> Result<usize, String> {
        if depth >= MAX_DEPTH {
            Err(format!("the filter nests deeper than {MAX_DEPTH} levels"))
        } else {
            Ok(depth + 1)
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, String> {
        let mut terms = vec![self.and(depth)?];
        while self.eat_keyword("OR") {
            terms.push(self.and(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, String> {
        let mut terms = vec![self.not(depth)?];
        while self.eat_keyword("AND") {
            terms.push(self.not(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn not(&mut self, depth: usize) -> Result<Expr, String> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not(Self::deeper(depth)?)?)));
        }
        if self.eat_symbol("(") {
            let inner = self.or(Self::deeper(depth)?)?;
            self.expect_symbol(")")?;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, String> {
        let value = self.scalar()?;
        let negated = self.eat_keyword("NOT");
        if self.eat_keyword("LIKE") {
            self.want(&value, &[Kind::Text], "LIKE")?;
            let Some(Token::Text(p)) = self.peek().cloned() else {
                return Err(format!("LIKE takes a 'pattern' in quotes, found {}", self.found()));
            };
            self.at += 1;
            let pattern: Vec<char> = p.chars().collect();
            if pattern.len() > MAX_LIKE_CHARS {
                return Err(format!("a LIKE pattern has at most {MAX_LIKE_CHARS} characters"));
            }
            return Ok(Expr::Like {
                value,
                pattern,
                negated,
            });
        }
        if self.eat_keyword("BETWEEN") {
            let low = self.scalar()?;
            if !self.eat_keyword("AND") {
                return Err(format!("BETWEEN a AND b: expected AND, found {}", self.found()));
            }
            let high = self.scalar()?;
            for bound in [&low, &high] {
                self.comparable(&value, bound)?;
            }
            return Ok(Expr::Between {
                value,
                low,
                high,
                negated,
            });
        }
        if self.eat_keyword("IN") {
            self.expect_symbol("(")?;
            let mut list = vec![self.scalar()?];
            while self.eat_symbol(",") {
                list.push(self.scalar()?);
            }
            self.expect_symbol(")")?;
            for item in &list {
                self.comparable(&value, item)?;
            }
            return Ok(Expr::In { value, list, negated });
        }
        if negated {
            return Err(format!(
                "NOT here must be followed by LIKE, BETWEEN or IN, found {}",
                self.found()
            ));
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(format!("IS [NOT] NULL: expected NULL, found {}", self.found()));
            }
            return Ok(Expr::IsNull { value, negated });
        }
        let op = match self.peek() {
            Some(Token::Symbol("=")) => Some(Op::Eq),
            Some(Token::Symbol("<>")) => Some(Op::Ne),
            Some(Token::Symbol("<")) => Some(Op::Lt),
            Some(Token::Symbol(">")) => Some(Op::Gt),
            Some(Token::Symbol("<=")) => Some(Op::Le),
            Some(Token::Symbol(">=")) => Some(Op::Ge),
            _ => None,
        };
        let Some(op) = op else {
            // A boolean standing alone (`central`, `TRUE`).
            if self.kind(&value) == Some(Kind::Boolean) {
                return Ok(Expr::Truth(value));
            }
            return Err(format!(
                "expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL), found {}",
                self.found()
            ));
        };
        self.at += 1;
        let right = self.scalar()?;
        self.comparable(&value, &right)?;
        if matches!(op, Op::Lt | Op::Gt | Op::Le | Op::Ge) && self.kind(&value) == Some(Kind::Boolean) {
            return Err("booleans compare only with = and <>".into());
        }
        Ok(Expr::Compare(value, op, right))
    }

    fn scalar(&mut self) -> Result<Scalar, String> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| "the filter ends where a value was expected".to_string())?;
        self.at += 1;
        Ok(match token {
            Token::Text(s) => Scalar::Text(s),
            Token::Number(n) => Scalar::Number(n),
            Token::Quoted(name) => self.property(name)?,
            Token::Word(w) if w.eq_ignore_ascii_case("TRUE") => Scalar::Boolean(true),
            Token::Word(w) if w.eq_ignore_ascii_case("FALSE") => Scalar::Boolean(false),
            Token::Word(w) if w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP") => {
                self.expect_symbol("(")?;
                let Some(Token::Text(day)) = self.peek().cloned() else {
                    return Err(format!("{w}('…') takes a quoted day, found {}", self.found()));
                };
                self.at += 1;
                self.expect_symbol(")")?;
                let d = day.get(..10).unwrap_or("");
                if crate::model::Date::parse(d).is_none() {
                    return Err(format!("{w}('{day}'): expected YYYY-MM-DD"));
                }
                Scalar::Date(d.to_string())
            }
            Token::Word(w) if RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => {
                return Err(format!("\"{w}\" where a property or a value was expected"));
            }
            Token::Word(w) if self.peek() == Some(&Token::Symbol("(")) => {
                return Err(format!(
                    "function {w}(…) is not supported: only comparisons of properties; use bbox for places and datetime for days"
                ));
            }
            Token::Word(w) => self.property(w)?,
            Token::Symbol(s) => return Err(format!("\"{s}\" where a property or a value was expected")),
        })
    }

    fn property(&self, name: String) -> Result<Scalar, String> {
        if self.fields.iter().any(|(f, _)| *f == name) {
            Ok(Scalar::Property(name))
        } else {
            let names: Vec<&str> = self.fields.iter().map(|(f, _)| *f).collect();
            Err(format!(
                "unknown property \"{name}\": this collection's queryables are {}",
                names.join(", ")
            ))
        }
    }

    fn kind(&self, s: &Scalar) -> Option<Kind> {
        match s {
            Scalar::Property(p) => self.fields.iter().find(|(f, _)| f == p).map(|(_, k)| *k),
            Scalar::Text(_) => Some(Kind::Text),
            Scalar::Number(_) => Some(Kind::Number),
            Scalar::Boolean(_) => Some(Kind::Boolean),
            Scalar::Date(_) => Some(Kind::Date),
        }
    }

    fn want(&self, s: &Scalar, kinds: &[Kind], what: &str) -> Result<(), String> {
        match self.kind(s) {
            Some(k) if kinds.contains(&k) => Ok(()),
            k => Err(format!("{what} needs a string, not {}", describe(s, k))),
        }
    }

    /// Both sides of a comparison hold the same kind of value (a day may be written as a string).
    fn comparable(&self, a: &Scalar, b: &Scalar) -> Result<(), String> {
        let family = |k: Kind| match k {
            Kind::Integer | Kind::Number => 0,
            Kind::Text | Kind::Date => 1,
            Kind::Boolean => 2,
        };
        match (self.kind(a), self.kind(b)) {
            (Some(x), Some(y)) if family(x) == family(y) => Ok(()),
            (x, y) => Err(format!("cannot compare {} with {}", describe(a, x), describe(b, y))),
        }
    }
}

fn describe(s: &Scalar, kind: Option<Kind>) -> String {
    let k = kind.map_or("?", Kind::name);
    match s {
        Scalar::Property(p) => format!("property {p} ({k})"),
        Scalar::Text(t) => format!("'{t}' (string)"),
        Scalar::Number(n) => format!("{n} (number)"),
        Scalar::Boolean(b) => format!("{b} (boolean)"),
        Scalar::Date(d) => format!("DATE('{d}')"),
    }
}

/// A scalar's value in a feature; `None` when it is missing or null.
fn value<'a>(s: &'a Scalar, p: &'a Map<String, Value>) -> Option<Val<'a>> {
    Some(match s {
        Scalar::Property(name) => match p.get(name)? {
            Value::String(t) => Val::Text(t),
            Value::Number(n) => Val::Number(n.as_f64()?),
            Value::Bool(b) => Val::Boolean(*b),
            _ => return None,
        },
        Scalar::Text(t) | Scalar::Date(t) => Val::Text(t),
        Scalar::Number(n) => Val::Number(*n),
        Scalar::Boolean(b) => Val::Boolean(*b),
    })
}

enum Val<'a> {
    Text(&'a str),
    Number(f64),
    Boolean(bool),
}

fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Number(x), Val::Number(y)) => x.partial_cmp(y),
        (Val::Boolean(x), Val::Boolean(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn eval(e: &Expr, p: &Map<String, Value>) -> Option<bool> {
    let flip = |v: Option<bool>, negated: bool| v.map(|b| b != negated);
    match e {
        Expr::And(terms) => {
            let mut unknown = false;
            for t in terms {
                match eval(t, p) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        Expr::Or(terms) => {
            let mut unknown = false;
            for t in terms {
                match eval(t, p) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
        Expr::Not(inner) => eval(inner, p).map(|b| !b),
        Expr::Compare(a, op, b) => {
            let o = order(&value(a, p)?, &value(b, p)?)?;
            Some(match op {
                Op::Eq => o == Ordering::Equal,
                Op::Ne => o != Ordering::Equal,
                Op::Lt => o == Ordering::Less,
                Op::Gt => o == Ordering::Greater,
                Op::Le => o != Ordering::Greater,
                Op::Ge => o != Ordering::Less,
            })
        }
        Expr::Like {
            value: v,
            pattern,
            negated,
        } => match value(v, p)? {
            Val::Text(t) => flip(Some(like(&t.chars().collect::<Vec<_>>(), pattern)), *negated),
            _ => None,
        },
        Expr::Between {
            value: v,
            low,
            high,
            negated,
        } => {
            let x = value(v, p)?;
            let inside =
                order(&value(low, p)?, &x)? != Ordering::Greater && order(&x, &value(high, p)?)? != Ordering::Greater;
            flip(Some(inside), *negated)
        }
        Expr::In {
            value: v,
            list,
            negated,
        } => {
            let x = value(v, p)?;
            let mut unknown = false;
            for item in list {
                match value(item, p).and_then(|y| order(&x, &y)) {
                    Some(Ordering::Equal) => return flip(Some(true), *negated),
                    None => unknown = true,
                    _ => {}
                }
            }
            if unknown {
                None
            } else {
                flip(Some(false), *negated)
            }
        }
        Expr::IsNull { value: v, negated } => Some(value(v, p).is_none() != *negated),
        Expr::Truth(v) => match value(v, p)? {
            Val::Boolean(b) => Some(b),
            _ => None,
        },
    }
}

/// `%` any run of characters, `_` one character, `\` takes the next one literally. The pattern is cut at
/// each `%` and its pieces matched leftmost in turn, which is exact for such patterns and costs at most
/// the text's length times the pattern's.
fn like(text: &[char], pattern: &[char]) -> bool {
    // Pieces between %s, each a list of Some(char) or None for `_`.
    let mut pieces: Vec<Vec<Option<char>>> = vec![Vec::new()];
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '%' => pieces.push(Vec::new()),
            '_' => pieces.last_mut().into_iter().for_each(|p| p.push(None)),
            '\\' if i + 1 < pattern.len() => {
                i += 1;
                pieces.last_mut().into_iter().for_each(|p| p.push(Some(pattern[i])));
            }
            c => pieces.last_mut().into_iter().for_each(|p| p.push(Some(c))),
        }
        i += 1;
    }
    let fits = |at: usize, piece: &[Option<char>]| {
        at + piece.len() <= text.len()
            && piece
                .iter()
                .enumerate()
                .all(|(k, c)| c.is_none_or(|c| text[at + k] == c))
    };
    let (first, rest) = pieces
        .split_first()
        .map_or((&[][..], &[][..]), |(f, r)| (f.as_slice(), r));
    if rest.is_empty() {
        return first.len() == text.len() && fits(0, first);
    }
    if !fits(0, first) {
        return false;
    }
    let mut at = first.len();
    let (last, middle) = rest.split_last().map_or((&[][..], &[][..]), |(l, m)| (l.as_slice(), m));
    for piece in middle {
        match (at..=text.len().saturating_sub(piece.len())).find(|&s| fits(s, piece)) {
            Some(s) => at = s + piece.len(),
            None => return false,
        }
    }
    text.len() >= at + last.len() && fits(text.len() - last.len(), last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: [(&str, Kind); 6] = [
        ("tier", Kind::Text),
        ("status", Kind::Text),
        ("beds", Kind::Integer),
        ("floor_area_m2", Kind::Number),
        ("meal_service", Kind::Boolean),
        ("handed_over", Kind::Date),
    ];

    fn hits(filter: &str) -> Vec<&'static str> {
        let f = Filter::parse(filter, &FIELDS).unwrap_or_else(|e| panic!("{filter}: {e}"));
        let features = [
            (
                "A",
                json!({"tier": "station", "status": "operating", "beds": 10, "floor_area_m2": 420.0, "meal_service": true, "handed_over": "2022-05-01"}),
            ),
            (
                "B",
                json!({"tier": "station", "status": "planned", "beds": null, "floor_area_m2": 300.0, "meal_service": false, "handed_over": null}),
            ),
            (
                "C",
                json!({"tier": "street_center", "status": "operating", "beds": 40, "floor_area_m2": 1500.0, "meal_service": null, "handed_over": "2019-12-31"}),
            ),
            (
                "D",
                json!({"tier": "it's", "status": "operating", "beds": 0, "floor_area_m2": 50.5, "meal_service": true, "handed_over": "2024-01-01"}),
            ),
        ];
        features
            .iter()
            .filter(|(_, p)| f.matches(p.as_object().unwrap()))
            .map(|(id, _)| *id)
            .collect()
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(hits("tier='station' AND status='operating'"), ["A"]);
        assert_eq!(hits("tier = 'station' or beds >= 40"), ["A", "B", "C"]);
        assert_eq!(hits("NOT (tier='station')"), ["C", "D"]);
        assert_eq!(hits("floor_area_m2 < 400 AND floor_area_m2 > 100"), ["B"]);
        assert_eq!(hits("beds <> 10"), ["C", "D"]);
        assert_eq!(hits("beds <= 10"), ["A", "D"]);
        assert_eq!(hits("meal_service"), ["A", "D"]);
        assert_eq!(hits("meal_service = false"), ["B"]);
        assert_eq!(hits("tier = 'it''s'"), ["D"]);
        assert_eq!(hits("\"tier\" = 'street_center'"), ["C"]);
    }

    #[test]
    fn nulls_are_unknown_not_false() {
        // B's beds is null: neither > 5 nor its negation selects it.
        assert_eq!(hits("beds > 5"), ["A", "C"]);
        assert_eq!(hits("NOT (beds > 5)"), ["D"]);
        assert_eq!(hits("beds IS NULL"), ["B"]);
        assert_eq!(hits("beds IS NOT NULL AND meal_service IS NULL"), ["C"]);
        // Unknown OR true is true.
        assert_eq!(hits("beds > 5 OR tier = 'station'"), ["A", "B", "C"]);
    }

    #[test]
    fn advanced_comparisons_and_days() {
        assert_eq!(hits("floor_area_m2 BETWEEN 300 AND 420"), ["A", "B"]);
        assert_eq!(hits("floor_area_m2 NOT BETWEEN 300 AND 420"), ["C", "D"]);
        assert_eq!(hits("tier IN ('street_center', 'nothing')"), ["C"]);
        assert_eq!(hits("beds NOT IN (0, 10)"), ["C"]);
        assert_eq!(hits("tier LIKE 'st%'"), ["A", "B", "C"]);
        assert_eq!(hits("tier LIKE '%center'"), ["C"]);
        assert_eq!(hits("tier LIKE 's_a%o_'"), ["A", "B"]);
        assert_eq!(hits("tier NOT LIKE '%a%'"), ["C", "D"]);
        assert_eq!(hits("handed_over >= DATE('2022-01-01')"), ["A", "D"]);
        assert_eq!(hits("handed_over < '2020-01-01'"), ["C"]);
    }

    #[test]
    fn like_matches_as_sql_does() {
        let m = |t: &str, p: &str| like(&t.chars().collect::<Vec<_>>(), &p.chars().collect::<Vec<_>>());
        assert!(m("福州市马尾区", "%马尾%"));
        assert!(m("abcabc", "%abc"));
        assert!(m("abc", "abc") && !m("abcd", "abc") && !m("ab", "abc"));
        assert!(m("a%b", "a\\%b") && !m("axb", "a\\%b"));
        assert!(m("aXbXc", "a%b%c") && !m("acb", "a%b%c"));
        assert!(m("", "%") && m("", "") && !m("", "_"));
        assert!(m("aaa", "%a%a%a%") && !m("aa", "%a%a%a%"));
    }

    #[test]
    fn mistakes_are_named() {
        let err = |f: &str| Filter::parse(f, &FIELDS).unwrap_err();
        assert!(
            err("tire = 'station'").contains("unknown property \"tire\""),
            "{}",
            err("tire = 'station'")
        );
        assert!(err("tire = 'station'").contains("tier, status"));
        assert!(err("beds = 'ten'").contains("cannot compare property beds (integer) with 'ten' (string)"));
        assert!(err("tier = ").contains("ends where a value"));
        assert!(err("tier = 'a").contains("not closed"));
        assert!(err("tier != 'a'").contains("<>"));
        assert!(err("S_INTERSECTS(geometry, POINT(1 2))").contains("bbox"));
        assert!(err("tier = 'a' tier").contains("after a complete filter"));
        assert!(err("meal_service > true").contains("booleans"));
        assert!(err("beds LIKE '1%'").contains("LIKE needs a string"));
        assert!(err("tier").contains("expected a comparison"));
        assert!(err(&"(".repeat(40)).contains("deeper than 32"));
        assert!(err(&format!("tier LIKE '{}'", "%".repeat(65))).contains("at most 64"));
        assert!(err(&"x".repeat(5000)).contains("at most 4096"));
    }
}
