//! The check pipeline: one path from a request to a judged run, which every front end calls (`check`,
//! `map`, the server's `POST /checks`). Its steps, in order: take the dataset as it stood on the day asked
//! for, keep the rulesets in force on that day, refuse rules that need admin units when there are none,
//! judge, break down by admin unit when asked, and take the coverage the maps draw from the run's own
//! verdicts. Then [`Judged::files`] renders every file of the run, `check.json` first.
//!
//! The pipeline does no I/O: loading is the caller's, keeping is the store's.
//!
//! ```
//! use carecircle_core::check::{check, CheckRequest, Source};
//! use carecircle_core::model::Mode;
//! let dataset = carecircle_core::load::load_dataset("geodata/demo".as_ref()).unwrap();
//! let ruleset = carecircle_core::rules::load_ruleset("rules/mawei-2020.toml".as_ref()).unwrap();
//! let source = Source::new("demo", dataset);
//! let judged = check(&source, CheckRequest::new(vec![ruleset], Mode::Audit)).unwrap();
//! assert!(!judged.report.outcomes.is_empty());
//! assert_eq!(judged.source.digest(), source.digest());
//! ```

use crate::engine::{self, Ledger, Report};
use crate::model::{Dataset, Date, Level, Mode};
use crate::report::files::{self, Maps, WriteError};
use crate::report::{Check, Record};
use crate::rules::RuleKind;
use crate::rules::Ruleset;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

/// A dataset ready to be judged, with the name it was asked for by and its digest.
#[derive(Debug, Clone)]
pub struct Source {
    /// The store's name for it, or the folder's.
    pub name: String,
    pub dataset: Arc<Dataset>,
    /// [`crate::digest::dataset_digest`] of `dataset`, computed when a record first needs it (a check that
    /// keeps no record never pays for it) and shared by every clone.
    digest: Arc<OnceLock<String>>,
    /// The version a store gave it (PostGIS counts imports of one name); `None` for a folder.
    pub version: Option<u32>,
    /// What the store holds while anyone judges this version (PostGIS: a lock no import's pruning takes),
    /// let go when the last clone is dropped.
    hold: Option<Hold>,
}

/// A store's hold on the version a [`Source`] was read from.
#[derive(Clone)]
// Held for what its drop does (a store lets the version go), never read.
struct Hold(#[allow(dead_code)] Arc<dyn std::any::Any + Send + Sync>);

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hold")
    }
}

impl Source {
    /// A dataset read from a folder.
    pub fn new(name: &str, dataset: Dataset) -> Source {
        Source {
            name: name.to_string(),
            dataset: Arc::new(dataset),
            digest: Arc::default(),
            version: None,
            hold: None,
        }
    }

    /// A dataset a store kept, with the digest and version it kept beside it.
    pub fn kept(name: &str, dataset: Arc<Dataset>, digest: String, version: u32) -> Source {
        Source {
            name: name.to_string(),
            dataset,
            digest: Arc::new(OnceLock::from(digest)),
            version: Some(version),
            hold: None,
        }
    }

    /// A version of a dataset made by editing (or undoing edits), its digest computed when first asked for.
    pub fn edited(name: &str, dataset: Dataset, version: u32) -> Source {
        Source {
            version: Some(version),
            ..Source::new(name, dataset)
        }
    }

    /// The same source, keeping `hold` alive as long as any clone of it lives: the store's guarantee that
    /// the version stays while it is judged and kept.
    pub fn held(mut self, hold: Arc<dyn std::any::Any + Send + Sync>) -> Source {
        self.hold = Some(Hold(hold));
        self
    }

    /// The sha256 of the dataset's canonical content.
    pub fn digest(&self) -> &str {
        self.digest.get_or_init(|| crate::digest::dataset_digest(&self.dataset))
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub rulesets: Vec<Ruleset>,
    pub mode: Mode,
    /// Judge the dataset as it stood on this day (not after the dataset's own `as_of`).
    pub as_of: Option<Date>,
    /// Add the look-back ledger at this tier.
    pub by: Option<Level>,
}

impl CheckRequest {
    pub fn new(rulesets: Vec<Ruleset>, mode: Mode) -> CheckRequest {
        CheckRequest {
            rulesets,
            mode,
            as_of: None,
            by: None,
        }
    }
}

/// Why a request cannot be judged. The pipeline's only errors: whatever the data, the engine judges it.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("as-of {day}: the dataset describes {as_of}; it cannot say what stood on a later day")]
    AsOfAfterDataset { day: Date, as_of: Date },
    #[error("缺少 admin_units: the rules {0} judge admin units, and the dataset has none")]
    NoAdminUnits(String),
}

/// A judged run: everything any output of it needs.
#[derive(Debug)]
pub struct Judged {
    /// The dataset as given (before `as_of` was applied): its name, digest and store version.
    pub source: Source,
    /// The dataset as judged: as it stood on the day asked for.
    pub dataset: Arc<Dataset>,
    pub request: CheckRequest,
    pub report: Report,
    pub ledger: Option<Ledger>,
    /// The radius rule the maps draw, with this run's verdict on it.
    pub coverage: Option<Coverage>,
}

pub use crate::model::{parse_day, parse_level, parse_mode};

/// Runs the pipeline on one dataset.
pub fn check(source: &Source, request: CheckRequest) -> Result<Judged, CheckError> {
    let dataset = match request.as_of {
        None => Arc::clone(&source.dataset),
        Some(day) if day <= source.dataset.as_of => Arc::new(source.dataset.as_it_stood_on(day)),
        Some(day) => {
            return Err(CheckError::AsOfAfterDataset {
                day,
                as_of: source.dataset.as_of,
            })
        }
    };
    if dataset.admin_units.is_empty() {
        let needing: Vec<&str> = request
            .rulesets
            .iter()
            .filter(|r| r.in_force_on(dataset.as_of))
            .flat_map(|r| &r.rules)
            .filter(|r| r.kind.needs_admin_units())
            .map(|r| r.id.as_str())
            .collect();
        if !needing.is_empty() {
            return Err(CheckError::NoAdminUnits(needing.join(", ")));
        }
    }
    let report = engine::judge(&dataset, &request.rulesets, request.mode);
    let ledger = request.by.map(|level| engine::ledger(&dataset, &report, level));
    let coverage = Coverage::of(&request.rulesets, &report);
    Ok(Judged {
        source: source.clone(),
        dataset,
        request,
        report,
        ledger,
        coverage,
    })
}

impl Judged {
    /// The view every output format takes of the run; `record` when it is kept as one.
    pub fn view<'a>(&'a self, record: Option<&'a Record>) -> Check<'a> {
        Check {
            dataset: &self.dataset,
            rulesets: &self.request.rulesets,
            mode: self.request.mode,
            report: &self.report,
            ledger: self.ledger.as_ref(),
            record,
        }
    }

    /// The record of this run under the id and time it was kept with.
    pub fn record(&self, id: &str, created: &str) -> Record {
        Record {
            id: id.to_string(),
            created: created.to_string(),
            dataset_name: self.source.name.clone(),
            dataset_digest: self.source.digest().to_string(),
            dataset_version: self.source.version,
            as_of: self.request.as_of,
            by: self.request.by,
            created_by: None,
            places: engine::finding_units(&self.dataset, &self.report.findings),
        }
    }

    /// Every file of the run as kept: `check.json` (the record), findings, summary, ledger, workbook,
    /// report, and the maps when drawn.
    pub fn files(&self, record: &Record, maps: Option<&Maps>) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
        files::render(&self.view(Some(record)), maps)
    }
}

/// The coverage a map shows: one radius rule's verdict on every residential area.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub rule: String,
    pub radius_m: f64,
    pub tiers: Vec<crate::model::Tier>,
    /// The rule measures the walk along the roads (drawn as the roads within reach), not a straight line
    /// (drawn as circles).
    pub walking: bool,
    /// Ids of the residential areas out of reach.
    pub uncovered: HashSet<String>,
    /// Sites a siting answer adds (where, and the candidate's id), marked and named on the map.
    pub added: Vec<(geo::Point<f64>, String)>,
    /// Words added to the subtitle (which answer this map shows).
    pub caption: Option<String>,
}

impl Coverage {
    /// The coverage of the first straight-line or walking radius rule that the check judged (so only a rule
    /// in force), with the check's own verdict: nothing is judged again here. `None` when the check judged
    /// no radius rule.
    pub fn of(rulesets: &[Ruleset], report: &Report) -> Option<Coverage> {
        let (rule, params) = rulesets
            .iter()
            .flat_map(|r| &r.rules)
            .find_map(|rule| match &rule.kind {
                RuleKind::ServiceRadius(p) if report.outcomes.iter().any(|o| o.rule == rule.id) => Some((rule, p)),
                _ => None,
            })?;
        Some(Coverage {
            rule: rule.id.clone(),
            radius_m: params.radius_m,
            tiers: params.tiers.clone(),
            walking: params.metric == crate::rules::Metric::Network,
            uncovered: report
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .map(|f| f.id.clone())
                .collect(),
            added: Vec::new(),
            caption: None,
        })
    }
}

/// What `GET /coverage` shows: one ad-hoc straight-line radius rule judged through the same engine as a
/// check (the pipeline's sibling for a question that is not a ruleset), with the union of the counted
/// facilities' reach.
pub struct CoverageAnswer {
    /// The household-weighted share within reach.
    pub household_rate: f64,
    /// How many facilities count (their tier asked for, and counting in the mode).
    pub facilities: usize,
    /// The union of their reach, as 64-sided geodesic circles.
    pub covered: geo::MultiPolygon<f64>,
    /// The residential areas out of reach, each a finding of the ad-hoc rule.
    pub uncovered: Vec<engine::Finding>,
}

/// A subject whose verdict an edit changes (`None`: the subject is not there on that side, or was not
/// judged).
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectFlip {
    pub rule: String,
    /// The layer the subject belongs to (`residential_areas`, `facilities`, `admin_units`, `pools`).
    pub layer: &'static str,
    pub id: String,
    pub name: String,
    pub before: Option<bool>,
    pub after: Option<bool>,
}

/// A rule whose overall verdict an edit changes.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFlip {
    pub rule: String,
    pub before: bool,
    pub after: bool,
}

/// What an edit changes in compliance under `rulesets` (those in force on the dataset's day) in `mode`:
/// the subjects whose verdicts flip (pass → fail, fail → pass, or a subject that appears or goes with a
/// verdict) and the rules whose overall verdict flips. The pipeline's sibling: both sides are judged by
/// the engine as a check judges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flips {
    pub rules: Vec<RuleFlip>,
    pub subjects: Vec<SubjectFlip>,
}

/// Judges `before` and `after` and says what flips between them.
///
/// ```
/// use carecircle_core::{check::flips, edit, load, model::Mode, rules};
/// let demo = load::load_dataset("geodata/demo".as_ref()).unwrap();
/// let ruleset = rules::load_ruleset("rules/mawei-2020.toml".as_ref()).unwrap();
/// let same = flips(&demo, &demo, &[ruleset], Mode::Audit);
/// assert!(same.subjects.is_empty() && same.rules.is_empty());
/// ```
pub fn flips(before: &Dataset, after: &Dataset, rulesets: &[Ruleset], mode: Mode) -> Flips {
    let (a, b) = rayon::join(
        || engine::judge(before, rulesets, mode),
        || engine::judge(after, rulesets, mode),
    );
    let mut out = Flips::default();
    for was in &a.outcomes {
        let Some(is) = b.outcomes.iter().find(|n| n.rule == was.rule) else {
            continue;
        };
        if was.pass != is.pass {
            out.rules.push(RuleFlip {
                rule: was.rule.clone(),
                before: was.pass,
                after: is.pass,
            });
        }
        // Each side's verdicts keyed by the subject's layer and id, borrowed from its dataset: strings
        // are made only for what flips (a city's hundred thousand areas are compared, not copied).
        let (then, now) = (verdicts(before, was), verdicts(after, is));
        let mut flipped: Vec<SubjectFlip> = then
            .iter()
            .filter(|(key, v)| now.get(*key).map(|n| n.1) != Some(v.1))
            .map(|(key, v)| (key, v.0, Some(v.1), now.get(key).map(|n| n.1)))
            .chain(
                now.iter()
                    .filter(|(key, _)| !then.contains_key(*key))
                    .map(|(key, v)| (key, v.0, None, Some(v.1))),
            )
            .map(|((layer, id), name, before, after)| SubjectFlip {
                rule: was.rule.clone(),
                layer,
                id: id.to_string(),
                name: name.to_string(),
                before,
                after,
            })
            .collect();
        flipped.sort_by(|x, y| (x.layer, &x.id).cmp(&(y.layer, &y.id)));
        out.subjects.append(&mut flipped);
    }
    out.rules.sort_by(|x, y| x.rule.cmp(&y.rule));
    out.subjects
        .sort_by(|x, y| (&x.rule, x.layer, &x.id).cmp(&(&y.rule, y.layer, &y.id)));
    out
}

/// One rule's verdicts on `d`, by the subject's layer and id: its name and whether it passed.
fn verdicts<'d>(
    d: &'d Dataset,
    outcome: &engine::Outcome,
) -> std::collections::HashMap<(&'static str, &'d str), (&'d str, bool)> {
    outcome
        .subjects
        .iter()
        .filter_map(|c| {
            let (layer, id, name) = subject_key(d, c.subject)?;
            Some(((layer, id), (name, c.passed)))
        })
        .collect()
}

/// A subject's layer, id and name, borrowed from the dataset.
fn subject_key(d: &Dataset, subject: engine::Subject) -> Option<(&'static str, &str, &str)> {
    use engine::Subject;
    Some(match subject {
        Subject::Area(i) => {
            let a = d.residential_areas.get(i)?;
            ("residential_areas", a.id.as_str(), a.name.as_str())
        }
        Subject::Pool(i) => {
            let a = d.residential_areas.get(i)?;
            ("pools", a.pool.as_deref().unwrap_or(&a.id), a.name.as_str())
        }
        Subject::Facility(i) => {
            let f = d.facilities.get(i)?;
            ("facilities", f.id.as_str(), f.name.as_str())
        }
        Subject::Unit(i) => {
            let u = d.admin_units.get(i)?;
            ("admin_units", u.code.as_str(), u.name.as_str())
        }
    })
}

/// Judges "every area within `radius_m` of a facility of `tiers`" on `dataset` in `mode`; for a reader
/// of `scope`, the areas it holds only (reached by any facility, in scope or not), and the reach drawn
/// within its units.
pub fn coverage(
    dataset: &Dataset,
    mode: Mode,
    tiers: &[crate::model::Tier],
    radius_m: f64,
    scope: Option<&crate::scope::Scope>,
) -> CoverageAnswer {
    use crate::rules::{Metric, Rule, RuleKind, ServiceRadius};
    let rule = Rule::adhoc(
        "coverage",
        RuleKind::ServiceRadius(ServiceRadius {
            radius_m,
            tiers: tiers.to_vec(),
            metric: Metric::Euclidean,
            strict: false,
            target: 1.0,
        }),
    );
    let context = engine::Context::new(dataset, mode);
    let (outcome, findings) = engine::judge_rule(&rule, &context);
    let circles: Vec<geo::Polygon<f64>> = dataset
        .facilities
        .iter()
        .filter(|f| tiers.contains(&f.tier) && context.counts(f))
        .map(|f| circle(f.location, radius_m))
        .collect();
    let covered = geo::unary_union(&circles);
    let uncovered = findings
        .into_iter()
        .filter(|f| f.layer == engine::Layer::ResidentialAreas);
    let Some(scope) = scope else {
        return CoverageAnswer {
            household_rate: outcome.rate,
            facilities: circles.len(),
            covered,
            uncovered: uncovered.collect(),
        };
    };
    use crate::engine::Place;
    let areas_held = scope.layer(dataset, "residential_areas");
    let held = |subject: engine::Subject| match subject {
        engine::Subject::Area(i) | engine::Subject::Pool(i) => areas_held.get(i).copied().unwrap_or(false),
        _ => false,
    };
    let checked: Vec<engine::Checked> = outcome.subjects.iter().copied().filter(|c| held(c.subject)).collect();
    let units = geo::MultiPolygon(
        dataset
            .admin_units
            .iter()
            .filter(|u| scope.holds_codes([u.code.as_str()]))
            .flat_map(|u| u.boundary.0.iter().cloned())
            .collect(),
    );
    let uncovered: Vec<engine::Finding> = uncovered.collect();
    let in_scope = scope.places(
        dataset,
        uncovered
            .iter()
            .map(|f| geo::Centroid::centroid(&f.geometry).map_or(Place::Nowhere, Place::Point)),
    );
    CoverageAnswer {
        household_rate: engine::rate(&checked),
        facilities: circles.len(),
        covered: geo::BooleanOps::intersection(&covered, &geo::unary_union(&units.0)),
        uncovered: uncovered
            .into_iter()
            .zip(in_scope)
            .filter_map(|(f, held)| held.then_some(f))
            .collect(),
    }
}

/// A geodesic circle as a 64-sided polygon.
fn circle(centre: geo::Point<f64>, radius_m: f64) -> geo::Polygon<f64> {
    use geo::{Destination, Geodesic};
    let ring: Vec<(f64, f64)> = (0..=64)
        .map(|k| {
            let p = Geodesic.destination(centre, f64::from(k % 64) * 360.0 / 64.0, radius_m);
            (p.x(), p.y())
        })
        .rev()
        .collect();
    geo::Polygon::new(geo::LineString::from(ring), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{AreaKind, Status, Tier};
    use crate::rules::parse_ruleset;

    fn ruleset(id: &str, effective: &str, radius_m: f64) -> Ruleset {
        let text = format!(
            "[ruleset]\nid = \"{id}\"\ntitle = \"测试\"\ndocument = \"测〔2024〕1号\"\neffective = \"{effective}\"\n\
             [[rule]]\nid = \"{id}/radius\"\nkind = \"service_radius\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n\
             [rule.params]\nradius_m = {radius_m}\n"
        );
        parse_ruleset("t.toml", &text).unwrap()
    }

    /// One station handed over on 2023-06-01, 500 m from A1 and 1 500 m from A2.
    fn source() -> Source {
        let mut d = dataset();
        let mut f = facility("F", Tier::Station, 200.0, Status::Operating, 0.0, 0.0);
        f.handed_over = Date::parse("2023-06-01");
        d.facilities = vec![f];
        d.residential_areas = vec![
            area("A1", 100, AreaKind::Existing, 500.0, 0.0),
            area("A2", 100, AreaKind::Existing, 1_500.0, 0.0),
        ];
        Source::new("t", d)
    }

    #[test]
    fn the_map_draws_the_first_radius_rule_in_force_with_the_runs_own_verdict() {
        // Both rulesets have a radius rule; on 2021-12-31 only "old" (1 000 m) is in force, and the station
        // did not stand yet, so both areas are out of reach of it.
        let rules = vec![
            ruleset("new", "2022-06-01", 700.0),
            ruleset("old", "2020-01-01", 1_000.0),
        ];
        let mut request = CheckRequest::new(rules.clone(), Mode::Audit);
        request.as_of = Date::parse("2021-12-31");
        let then = check(&source(), request).unwrap();
        let coverage = then.coverage.as_ref().unwrap();
        assert_eq!(coverage.rule, "old/radius");
        assert_eq!(coverage.radius_m, 1_000.0);
        let mut uncovered: Vec<&str> = coverage.uncovered.iter().map(String::as_str).collect();
        uncovered.sort();
        assert_eq!(uncovered, ["A1", "A2"]);
        assert_eq!(then.report.not_in_force.len(), 1);

        // On the dataset's own day both are in force: "new" comes first, 700 m reaches A1 only.
        let now = check(&source(), CheckRequest::new(rules, Mode::Audit)).unwrap();
        let coverage = now.coverage.as_ref().unwrap();
        assert_eq!(coverage.rule, "new/radius");
        assert_eq!(coverage.uncovered.iter().collect::<Vec<_>>(), ["A2"]);
    }

    #[test]
    fn a_day_after_the_dataset_is_refused() {
        let mut request = CheckRequest::new(vec![], Mode::Audit);
        request.as_of = Date::parse("2025-01-01");
        assert!(matches!(
            check(&source(), request),
            Err(CheckError::AsOfAfterDataset { .. })
        ));
    }

    #[test]
    fn rules_on_admin_units_need_admin_units_but_only_when_in_force() {
        let presence = |effective: &str| {
            parse_ruleset(
                "t.toml",
                &format!(
                    "[ruleset]\nid = \"p\"\ntitle = \"测试\"\ndocument = \"测\"\neffective = \"{effective}\"\n\
                     [[rule]]\nid = \"p/station\"\nkind = \"tier_presence\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n\
                     [rule.params]\nlevels = [\"community\"]\ntiers = [\"station\"]\n"
                ),
            )
            .unwrap()
        };
        let in_force = CheckRequest::new(vec![presence("2020-01-01")], Mode::Audit);
        assert!(matches!(check(&source(), in_force), Err(CheckError::NoAdminUnits(r)) if r == "p/station"));
        let later = CheckRequest::new(vec![presence("2030-01-01")], Mode::Audit);
        assert!(check(&source(), later).is_ok());
    }
}
