//! Rulesets: the policy numbers as data. One TOML file per source document, parsed into these
//! domain types (no serde here); the engine judges a dataset against them.

mod parse;

pub use parse::{load_ruleset, parse_ruleset, RulesError};

use crate::model::{AreaKind, Date, Level, Status, Tier};
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
    pub rules: Vec<Rule>,
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

/// What a rule checks, with its numbers.
#[derive(Debug, Clone)]
pub enum RuleKind {
    AreaPerHouseholds(AreaPerHouseholds),
    ServiceRadius(ServiceRadius),
    TierPresence(TierPresence),
    FacilityMinArea(FacilityMinArea),
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::AreaPerHouseholds(_) => "area_per_households",
            RuleKind::ServiceRadius(_) => "service_radius",
            RuleKind::TierPresence(_) => "tier_presence",
            RuleKind::FacilityMinArea(_) => "facility_min_area",
        }
    }

    /// The share of checked subjects that must pass.
    pub fn target(&self) -> f64 {
        match self {
            RuleKind::ServiceRadius(r) => r.target,
            RuleKind::TierPresence(r) => r.target,
            RuleKind::AreaPerHouseholds(_) | RuleKind::FacilityMinArea(_) => 1.0,
        }
    }

    /// Whether judging needs the admin units layer.
    pub fn needs_admin_units(&self) -> bool {
        match self {
            RuleKind::AreaPerHouseholds(r) => r.area_kind == AreaKind::Existing,
            RuleKind::TierPresence(_) => true,
            RuleKind::ServiceRadius(_) | RuleKind::FacilityMinArea(_) => false,
        }
    }
}

/// Floor area of care facilities per 100 households (配建标准).
#[derive(Debug, Clone)]
pub struct AreaPerHouseholds {
    pub area_kind: AreaKind,
    pub m2_per_100_households: f64,
    pub min_single_site_m2: Option<f64>,
    pub tiers: Vec<Tier>,
}

/// Every residential area within reach of a counted facility.
#[derive(Debug, Clone)]
pub struct ServiceRadius {
    pub radius_m: f64,
    pub tiers: Vec<Tier>,
    pub metric: Metric,
    /// `<` rather than `≤`.
    pub strict: bool,
    pub target: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Geodesic straight-line distance on the WGS84 ellipsoid.
    Euclidean,
    /// Walking distance along the roads layer.
    Network,
}

/// Each admin unit of some levels holds facilities of some tiers.
#[derive(Debug, Clone)]
pub struct TierPresence {
    pub levels: Vec<Level>,
    pub tiers: Vec<Tier>,
    pub min_count: usize,
    /// Conditions a unit must meet to be checked: for every level, or for one level.
    pub conditions: Vec<UnitCondition>,
    pub target: f64,
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

/// Each counted facility of a tier has at least a floor area.
#[derive(Debug, Clone)]
pub struct FacilityMinArea {
    pub tiers: Vec<Tier>,
    pub min_area_m2: f64,
    /// Only facilities with these statuses (all, when empty).
    pub statuses: Vec<Status>,
    /// Only facilities handed over on or after this day; one with no date counts as new.
    pub since: Option<Date>,
}
