//! Rulesets: the policy numbers as data. One TOML file per source document, parsed into these
//! domain types (no serde here); the engine judges a dataset against them.

pub(crate) mod parse;

pub use parse::{load_ruleset, parse_ruleset, RulesError};

use crate::model::{Date, Level, Tier};
use std::fmt;

/// One ruleset file: the rules read out of one document.
#[derive(Debug, Clone)]
pub struct Ruleset {
    pub id: String,
    pub title: String,
    /// The document number, e.g. 安政办〔2022〕14号.
    pub document: String,
    pub issued_by: Option<String>,
    pub effective: Option<Date>,
    /// The seed file the rules were read from.
    pub source: Option<String>,
    /// sha256 of the file's bytes, so a report names exactly the rules it applied.
    pub sha256: String,
    /// The file's text, so a stored run can be judged again with exactly these rules.
    pub text: String,
    pub rules: Vec<Rule>,
}

impl Ruleset {
    /// Whether the ruleset applies on `day`: it has no `effective` date, or that date is not later.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.effective.is_none_or(|effective| effective <= day)
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// `<ruleset>/<name>`, e.g. `anxi-2022/service-radius`.
    pub id: String,
    pub title: Option<String>,
    pub severity: Severity,
    pub clause: String,
    /// The Chinese sentence the rule encodes, quoted from the document.
    pub quote: String,
    pub kind: RuleKind,
}

impl Rule {
    /// A rule made in code rather than read from a ruleset (maps, coverage, benchmarks), with no source.
    pub fn adhoc(id: &str, kind: RuleKind) -> Rule {
        Rule {
            id: id.to_string(),
            title: None,
            severity: Severity::Error,
            clause: String::new(),
            quote: String::new(),
            kind,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Severity::Error => "不合规",
            Severity::Warning => "提示",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

pub use crate::engine::kinds::{
    Adjacency, AreaPerHouseholds, AreaPerPopulation, AttributeShare, BedsPerElderly, FacilityMinArea, NursingBedShare,
    RuleKind, ServiceRadius, SizeByPopulation, SynchronousHandover, TierPresence,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Geodesic straight-line distance on the WGS84 ellipsoid.
    Euclidean,
    /// Walking distance along the roads layer.
    Network,
}

/// A filter on admin units (`where` in a ruleset).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCondition {
    /// `None`: applies to units of every level of the rule.
    pub level: Option<Level>,
    pub test: UnitTest,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UnitTest {
    Central(bool),
    MinPopulation(u64),
    MaxPopulation(u64),
}

/// Which head count of an admin unit a per-capita rule divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headcount {
    /// All residents (`population`).
    Population,
    /// Residents aged 60 and over (`elderly`).
    Elderly,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PopulationClass {
    pub min_population: u64,
    pub max_population: u64,
    pub min_area_m2: f64,
}

/// Which bed count a bed rule adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BedCount {
    Beds,
    NursingBeds,
}

/// A yes/no property of facilities that a share of them must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacilityAttribute {
    MealService,
}

impl FacilityAttribute {
    pub fn key(self) -> &'static str {
        match self {
            FacilityAttribute::MealService => "meal_service",
        }
    }
}
