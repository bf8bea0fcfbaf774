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

/// What a rule checks, with its numbers.
#[derive(Debug, Clone)]
pub enum RuleKind {
    AreaPerHouseholds(AreaPerHouseholds),
    ServiceRadius(ServiceRadius),
    TierPresence(TierPresence),
    FacilityMinArea(FacilityMinArea),
    AreaPerPopulation(AreaPerPopulation),
    SizeByPopulation(SizeByPopulation),
    BedsPerElderly(BedsPerElderly),
    NursingBedShare(NursingBedShare),
    Adjacency(Adjacency),
    SynchronousHandover(SynchronousHandover),
    AttributeShare(AttributeShare),
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::AreaPerHouseholds(_) => "area_per_households",
            RuleKind::ServiceRadius(_) => "service_radius",
            RuleKind::TierPresence(_) => "tier_presence",
            RuleKind::FacilityMinArea(_) => "facility_min_area",
            RuleKind::AreaPerPopulation(_) => "area_per_population",
            RuleKind::SizeByPopulation(_) => "size_by_population",
            RuleKind::BedsPerElderly(_) => "beds_per_elderly",
            RuleKind::NursingBedShare(_) => "nursing_bed_share",
            RuleKind::Adjacency(_) => "adjacency",
            RuleKind::SynchronousHandover(_) => "synchronous_handover",
            RuleKind::AttributeShare(_) => "attribute_share",
        }
    }

    /// The share of checked subjects that must pass.
    pub fn target(&self) -> f64 {
        match self {
            RuleKind::ServiceRadius(r) => r.target,
            RuleKind::TierPresence(r) => r.target,
            RuleKind::AreaPerPopulation(r) => r.target,
            RuleKind::Adjacency(r) => r.target,
            RuleKind::AttributeShare(r) => r.target,
            RuleKind::AreaPerHouseholds(_)
            | RuleKind::FacilityMinArea(_)
            | RuleKind::SizeByPopulation(_)
            | RuleKind::BedsPerElderly(_)
            | RuleKind::NursingBedShare(_)
            | RuleKind::SynchronousHandover(_) => 1.0,
        }
    }

    /// Whether judging needs the admin units layer.
    pub fn needs_admin_units(&self) -> bool {
        match self {
            RuleKind::AreaPerHouseholds(r) => r.area_kind == AreaKind::Existing,
            RuleKind::TierPresence(_)
            | RuleKind::AreaPerPopulation(_)
            | RuleKind::SizeByPopulation(_)
            | RuleKind::BedsPerElderly(_)
            | RuleKind::NursingBedShare(_) => true,
            RuleKind::ServiceRadius(_)
            | RuleKind::FacilityMinArea(_)
            | RuleKind::Adjacency(_)
            | RuleKind::SynchronousHandover(_)
            | RuleKind::AttributeShare(_) => false,
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

/// Which head count of an admin unit a per-capita rule divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headcount {
    /// All residents (`population`).
    Population,
    /// Residents aged 60 and over (`elderly`).
    Elderly,
}

/// Floor area of counted facilities in each admin unit per 1000 people.
#[derive(Debug, Clone)]
pub struct AreaPerPopulation {
    pub level: Level,
    pub m2_per_1000: f64,
    pub headcount: Headcount,
    pub tiers: Vec<Tier>,
    pub target: f64,
}

/// The largest facility of a tier in each unit is as large as the unit's population class asks.
#[derive(Debug, Clone)]
pub struct SizeByPopulation {
    pub levels: Vec<Level>,
    pub tier: Tier,
    /// Sorted by `min_population`.
    pub classes: Vec<PopulationClass>,
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

/// Beds of counted facilities in each unit per 1000 elderly.
#[derive(Debug, Clone)]
pub struct BedsPerElderly {
    pub level: Level,
    pub per_1000: f64,
    pub beds: BedCount,
    pub tiers: Vec<Tier>,
}

/// Nursing beds as a share of all beds in each unit.
#[derive(Debug, Clone)]
pub struct NursingBedShare {
    pub level: Level,
    pub min_share: f64,
    /// `>` rather than `≥` (超过).
    pub strict: bool,
    pub tiers: Vec<Tier>,
}

/// Facilities of some tiers lie next to one of other tiers (医养结合: stations beside clinics).
#[derive(Debug, Clone)]
pub struct Adjacency {
    pub tiers: Vec<Tier>,
    pub near_tiers: Vec<Tier>,
    pub distance_m: f64,
    /// Only facilities handed over on or after this day; one with no date counts as new.
    pub since: Option<Date>,
    pub target: f64,
}

/// New residential areas get their care facilities handed over with the homes (四同步).
#[derive(Debug, Clone)]
pub struct SynchronousHandover {
    pub grace_days: u32,
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

/// A share of counted facilities of some tiers have a yes/no property.
#[derive(Debug, Clone)]
pub struct AttributeShare {
    pub tiers: Vec<Tier>,
    pub attribute: FacilityAttribute,
    pub target: f64,
}
