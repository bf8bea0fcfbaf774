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
                .filter(|f| *f.rule == *rule.id)
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
    flips_between(before, after, &a, &b, |_| true)
}

/// What flips between two judged reports: every rule, and the subjects `kept` lets through.
fn flips_between(
    before: &Dataset,
    after: &Dataset,
    a: &Report,
    b: &Report,
    kept: impl Fn(&(&'static str, &str)) -> bool,
) -> Flips {
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
            .filter(|(key, _)| kept(key))
            .filter(|(key, v)| now.get(*key).map(|n| n.1) != Some(v.1))
            .map(|(key, v)| (key, v.0, Some(v.1), now.get(key).map(|n| n.1)))
            .chain(
                now.iter()
                    .filter(|(key, _)| kept(key) && !then.contains_key(*key))
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

/// Each rule's weights over all the subjects it checked — judged, passed — and its target: what a rule's
/// overall verdict rests on (`engine::rate`), kept per dataset version so an edit re-judged on a window
/// can patch them ([`flips_near`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals(Vec<RuleTotals>);

#[derive(Debug, Clone, PartialEq)]
struct RuleTotals {
    rule: String,
    weight: f64,
    passed: f64,
    target: f64,
}

impl RuleTotals {
    /// The rule's verdict, computed as the engine computes it.
    fn pass(&self) -> bool {
        let rate = if self.weight <= 0.0 {
            1.0
        } else {
            (0.0 + self.passed) / self.weight
        };
        rate >= self.target - 1e-12
    }
}

impl Totals {
    /// Every rule's totals in a judged report.
    pub fn of(report: &Report) -> Totals {
        Totals(
            report
                .outcomes
                .iter()
                .map(|o| RuleTotals {
                    rule: o.rule.clone(),
                    weight: o.subjects.iter().map(|c| c.weight).sum(),
                    passed: o.subjects.iter().filter(|c| c.passed).map(|c| c.weight).sum(),
                    target: o.target,
                })
                .collect(),
        )
    }
}

/// The feature an edit touched: its layer, and where it stands in the dataset before and after.
#[derive(Debug, Clone, Copy)]
pub struct Touched<'a> {
    pub layer: &'a str,
    pub before: Option<usize>,
    pub after: Option<usize>,
}

/// [`flips`] for one edit, judging only what it can touch: the areas within the largest reach of any
/// rule (`reach_m`) of where the feature stood or stands, the areas a facility serves and their pools,
/// the admin units holding it — on a window of the dataset holding only what those subjects rest on
/// ([`Site::window`]: the facilities within twice the reach, in those units or serving an area of the
/// window; the areas near, named, pooled, in the smallest unit or served; the units holding any of
/// them; the roads within twice the reach). Each rule's overall verdict is
/// `totals` (the version before, all subjects) patched by the touched subjects' change. Beside the flips,
/// the totals of the version after. An edit of an admin unit or a road is judged whole; candidate sites
/// enter no rule.
pub fn flips_near(
    before: &Dataset,
    after: &Dataset,
    totals: &Totals,
    touched: Touched,
    rulesets: &[Ruleset],
    mode: Mode,
) -> (Flips, Totals) {
    match touched.layer {
        "candidates" => return (Flips::default(), totals.clone()),
        "residential_areas" | "facilities" => {}
        _ => {
            let (a, b) = rayon::join(
                || engine::judge(before, rulesets, mode),
                || engine::judge(after, rulesets, mode),
            );
            return (flips_between(before, after, &a, &b, |_| true), Totals::of(&b));
        }
    }
    let reach = rulesets
        .iter()
        .flat_map(|r| &r.rules)
        .map(|r| r.kind.reach_m())
        .fold(0.0, f64::max);
    let site = Site::new(before, after, touched, reach);
    // A facility's edit leaves the areas as they were, and the window's areas the same on both sides.
    let areas_before = site.areas_of(before);
    let areas_after = match touched.layer {
        "facilities" => areas_before.clone(),
        _ => site.areas_of(after),
    };
    let (wb, wa) = (site.window(before, &areas_before), site.window(after, &areas_after));
    let (a, b) = rayon::join(
        || engine::judge(&wb, rulesets, mode),
        || engine::judge(&wa, rulesets, mode),
    );
    let in_site = |key: &(&'static str, &str)| site.holds(key);
    let flips = flips_between(&wb, &wa, &a, &b, in_site);
    // Each rule's totals patched by its touched subjects' weights, before and after.
    let mut now = totals.clone();
    for t in &mut now.0 {
        let sums = |d: &Dataset, r: &Report| -> (f64, f64) {
            r.outcomes
                .iter()
                .find(|o| o.rule == t.rule)
                .map(|o| {
                    o.subjects
                        .iter()
                        .filter(|c| subject_key(d, c.subject).is_some_and(|(l, id, _)| in_site(&(l, id))))
                        .fold((0.0, 0.0), |(w, p), c| {
                            (w + c.weight, if c.passed { p + c.weight } else { p })
                        })
                })
                .unwrap_or((0.0, 0.0))
        };
        let ((w0, p0), (w1, p1)) = (sums(&wb, &a), sums(&wa, &b));
        t.weight += w1 - w0;
        t.passed += p1 - p0;
    }
    let mut flips = flips;
    flips.rules = totals
        .0
        .iter()
        .zip(&now.0)
        .filter(|(was, is)| was.pass() != is.pass())
        .map(|(was, is)| RuleFlip {
            rule: was.rule.clone(),
            before: was.pass(),
            after: is.pass(),
        })
        .collect();
    flips.rules.sort_by(|x, y| x.rule.cmp(&y.rule));
    (flips, now)
}

/// Where an edit happened and what it can touch. Borrows the two sides' ids: a write on a city of a
/// hundred thousand areas copies none of them.
struct Site<'d> {
    /// Where the feature stood and stands, and the facilities serving an edited area.
    centres: Vec<geo::Point<f64>>,
    reach: f64,
    /// Areas the edit touches by name: those a facility serves, the edited area, and their pools' members.
    areas: HashSet<&'d str>,
    pools: HashSet<&'d str>,
    /// The edited facility and those within the reach of a centre (a facility's verdict may rest on its
    /// neighbours: adjacency), and the admin units holding a centre (any level).
    facilities: HashSet<&'d str>,
    units: HashSet<&'d str>,
    /// The admin units holding a centre, with their extents: every facility in them is in the window (a
    /// unit's verdict rests on them), and every area in the smallest of them (its quota of existing areas).
    holding: Vec<(geo::Rect<f64>, &'d geo::MultiPolygon<f64>)>,
    smallest: Vec<(geo::Rect<f64>, &'d geo::MultiPolygon<f64>)>,
}

impl<'d> Site<'d> {
    fn new(before: &'d Dataset, after: &'d Dataset, touched: Touched, reach: f64) -> Site<'d> {
        let mut centres = Vec::new();
        let mut areas = HashSet::new();
        let mut facilities = HashSet::new();
        for (d, i) in [(before, touched.before), (after, touched.after)] {
            let Some(i) = i else { continue };
            if touched.layer == "facilities" {
                let f = &d.facilities[i];
                centres.push(f.location);
                areas.extend(f.serves.iter().map(String::as_str));
                facilities.insert(f.id.as_str());
            } else {
                let a = &d.residential_areas[i];
                centres.push(a.location);
                areas.insert(a.id.as_str());
                // A facility serving the area may be claimed or not by it: its place is touched too.
                centres.extend(
                    d.facilities
                        .iter()
                        .filter(|f| f.serves.contains(&a.id))
                        .map(|f| f.location),
                );
            }
        }
        // An edit changes one layer: when it is the facilities, the areas are the same on both sides and
        // are read once (a city's areas are tens of megabytes to pass over).
        let area_sides: &[&'d Dataset] = if touched.layer == "facilities" {
            &[before]
        } else {
            &[before, after]
        };
        let mut pooled = Vec::new();
        for d in area_sides {
            for a in &d.residential_areas {
                let is_near = near(&centres, a.location, reach);
                if is_near {
                    areas.insert(a.id.as_str());
                }
                if let Some(pool) = &a.pool {
                    pooled.push((a.id.as_str(), pool.as_str(), is_near));
                }
            }
        }
        for d in [before, after] {
            facilities.extend(
                d.facilities
                    .iter()
                    .filter(|f| near(&centres, f.location, reach))
                    .map(|f| f.id.as_str()),
            );
        }
        let pools = pooled
            .iter()
            .filter(|(id, _, is_near)| *is_near || areas.contains(id))
            .map(|(_, pool, _)| *pool)
            .collect();
        let mut units = HashSet::new();
        let (mut holding, mut smallest) = (Vec::new(), Vec::new());
        for d in [before, after] {
            for c in &centres {
                let held_by: Vec<&crate::model::AdminUnit> = d
                    .admin_units
                    .iter()
                    .filter(|u| geo::Intersects::intersects(&u.boundary, c))
                    .collect();
                units.extend(held_by.iter().map(|u| u.code.as_str()));
                let extent = |u: &'d crate::model::AdminUnit| {
                    geo::BoundingRect::bounding_rect(&u.boundary).map(|e| (e, &u.boundary))
                };
                holding.extend(held_by.iter().filter_map(|u| extent(u)));
                if let Some(u) = held_by
                    .iter()
                    .max_by_key(|u| (u.level.depth(), std::cmp::Reverse(u.code.as_str())))
                {
                    smallest.extend(extent(u));
                }
            }
        }
        Site {
            centres,
            reach,
            areas,
            pools,
            facilities,
            units,
            holding,
            smallest,
        }
    }

    /// Whether a subject is one the edit can touch.
    fn holds(&self, (layer, id): &(&'static str, &str)) -> bool {
        match *layer {
            "residential_areas" => self.areas.contains(*id),
            "pools" => self.pools.contains(*id),
            "facilities" => self.facilities.contains(*id),
            "admin_units" => self.units.contains(*id),
            _ => false,
        }
    }

    /// The areas of `d` the touched subjects rest on, by position: those near the edit, named by it, in
    /// its pools, in the smallest units holding it, or served by a facility of the window (whether a
    /// facility is claimed by a new area rests on them).
    fn areas_of(&self, d: &Dataset) -> Vec<usize> {
        let placed = self.facilities_placed(d);
        let served: HashSet<&str> = d
            .facilities
            .iter()
            .zip(&placed)
            .filter(|(_, placed)| **placed)
            .flat_map(|(f, _)| f.serves.iter().map(String::as_str))
            .collect();
        d.residential_areas
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                near(&self.centres, a.location, self.reach)
                    || self.areas.contains(a.id.as_str())
                    || a.pool.as_deref().is_some_and(|p| self.pools.contains(p))
                    || served.contains(a.id.as_str())
                    || within(&self.smallest, &a.location)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Which facilities of `d` lie where the touched subjects measure to: within twice the reach (an
    /// area or facility within the reach measures that far), or in a unit holding the edit (what the
    /// unit's verdict counts).
    fn facilities_placed(&self, d: &Dataset) -> Vec<bool> {
        d.facilities
            .iter()
            .map(|f| near(&self.centres, f.location, 2.0 * self.reach) || within(&self.holding, &f.location))
            .collect()
    }

    /// `d` cut to what the touched subjects rest on: the `areas` ([`Site::areas_of`]); the facilities
    /// placed near the edit or in a unit holding it, and those serving an area of the window (an area's
    /// quota counts them); the admin units holding the edit or anything in the window (each area and
    /// facility placed in units as in the whole city); the roads within twice the reach.
    fn window(&self, d: &Dataset, areas: &[usize]) -> Dataset {
        let box_m = 2.0 * self.reach * 1.01 + 10.0;
        let placed = self.facilities_placed(d);
        let residential_areas: Vec<crate::model::ResidentialArea> = areas
            .iter()
            .filter_map(|&i| d.residential_areas.get(i).cloned())
            .collect();
        let in_window: HashSet<&str> = residential_areas.iter().map(|a| a.id.as_str()).collect();
        let facilities: Vec<crate::model::Facility> = d
            .facilities
            .iter()
            .zip(&placed)
            .filter(|(f, placed)| **placed || f.serves.iter().any(|id| in_window.contains(id.as_str())))
            .map(|(f, _)| f.clone())
            .collect();
        let locations: Vec<geo::Point<f64>> = residential_areas
            .iter()
            .map(|a| a.location)
            .chain(facilities.iter().map(|f| f.location))
            .chain(self.centres.iter().copied())
            .collect();
        let admin_units = d
            .admin_units
            .iter()
            .filter(|u| {
                geo::BoundingRect::bounding_rect(&u.boundary).is_some_and(|extent| {
                    locations
                        .iter()
                        .any(|p| geo::Intersects::intersects(&extent, p) && geo::Intersects::intersects(&u.boundary, p))
                })
            })
            .cloned()
            .collect();
        Dataset {
            name: d.name.clone(),
            source_crs: d.source_crs,
            as_of: d.as_of,
            admin_units,
            facilities,
            residential_areas,
            roads: d
                .roads
                .iter()
                .filter(|r| {
                    geo::BoundingRect::bounding_rect(&r.geometry)
                        .is_some_and(|b| self.centres.iter().any(|c| box_near(b, *c, box_m)))
                })
                .cloned()
                .collect(),
            candidates: Vec::new(),
        }
    }
}

/// Whether `p` lies in one of `shapes` (each with its extent, tried first).
fn within(shapes: &[(geo::Rect<f64>, &geo::MultiPolygon<f64>)], p: &geo::Point<f64>) -> bool {
    shapes
        .iter()
        .any(|(extent, u)| geo::Intersects::intersects(extent, p) && geo::Intersects::intersects(*u, p))
}

/// Whether `p` lies within `metres` (and a margin) of any of `centres`.
fn near(centres: &[geo::Point<f64>], p: geo::Point<f64>, metres: f64) -> bool {
    let limit = metres * 1.01 + 1.0;
    // A degree of latitude is 111 195 m on the haversine sphere: no point farther north or south than
    // the limit can be within it, so most of a city is passed over without a distance.
    let dlat = limit / 111_000.0;
    centres
        .iter()
        .any(|c| (c.y() - p.y()).abs() <= dlat && geo::Distance::distance(&geo::Haversine, *c, p) <= limit)
}

/// Whether the box `b` (degrees) comes within `metres` of `c`.
fn box_near(b: geo::Rect<f64>, c: geo::Point<f64>, metres: f64) -> bool {
    let dlat = metres / 110_000.0;
    let dlon = metres / (110_000.0 * c.y().to_radians().cos().max(0.01));
    b.min().x <= c.x() + dlon && b.max().x >= c.x() - dlon && b.min().y <= c.y() + dlat && b.max().y >= c.y() - dlat
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
            .map(|f| geo::Centroid::centroid(&*f.geometry).map_or(Place::Nowhere, Place::Point)),
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

    /// Judging an edit on its window says exactly what judging the whole city says: the same subjects
    /// flip, the same rules, and the totals after are the whole judgement's — for every facility closed,
    /// every third one deleted, every area's households changed, every second area's kind turned, and a
    /// station created, on the demo under every ruleset of rules/.
    #[test]
    fn an_edit_judged_on_its_window_is_judged_as_the_whole_city_judges_it() {
        use crate::edit::{apply, Edit};
        use serde_json::json;
        let demo = crate::load::load_dataset(std::path::Path::new("geodata/demo")).unwrap();
        let rulesets: Vec<Ruleset> = ["anxi-2022", "yaohai-2023", "jinan-2017", "mawei-2020", "gb50180-2018"]
            .iter()
            .map(|r| crate::rules::load_ruleset(std::path::Path::new(&format!("rules/{r}.toml"))).unwrap())
            .collect();
        let totals = Totals::of(&engine::judge(&demo, &rulesets, Mode::Audit));
        let mut edits: Vec<Edit> = Vec::new();
        for (i, f) in demo.facilities.iter().enumerate() {
            edits.push(Edit::update(
                "facilities",
                &f.id,
                json!({"properties": {"status": "closed"}}),
            ));
            if i % 3 == 0 {
                edits.push(Edit::delete("facilities", &f.id));
            }
        }
        for (i, a) in demo.residential_areas.iter().enumerate() {
            edits.push(Edit::update(
                "residential_areas",
                &a.id,
                json!({"properties": {"households": a.households + 777}}),
            ));
            if i % 2 == 0 {
                let kind = if a.kind == AreaKind::New { "existing" } else { "new" };
                edits.push(Edit::update(
                    "residential_areas",
                    &a.id,
                    json!({"properties": {"kind": kind}}),
                ));
            }
        }
        let at = demo.residential_areas[7].location;
        edits.push(Edit::create(
            "facilities",
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [at.x(), at.y()]},
                   "properties": {"id": "S-WIN-1", "name": "窗口站", "tier": "station", "floor_area_m2": 500.0, "status": "operating", "handed_over": "2020-01-01"}}),
        ));
        let mut checked = 0;
        let mut flipped = 0;
        for edit in &edits {
            let Ok(applied) = apply(&demo, edit) else { continue };
            let whole_after = engine::judge(&applied.dataset, &rulesets, Mode::Audit);
            let whole = flips(&demo, &applied.dataset, &rulesets, Mode::Audit);
            let touched = Touched {
                layer: &applied.layer,
                before: edit.feature_id.as_ref().map(|_| applied.position),
                after: applied.after.as_ref().map(|_| applied.position),
            };
            let (near, after_totals) = flips_near(&demo, &applied.dataset, &totals, touched, &rulesets, Mode::Audit);
            assert_eq!(near, whole, "{:?} {:?}", edit.op(), edit.feature_id);
            assert_eq!(
                after_totals,
                Totals::of(&whole_after),
                "{:?} {:?}",
                edit.op(),
                edit.feature_id
            );
            checked += 1;
            flipped += usize::from(!whole.subjects.is_empty());
        }
        assert!(checked > 200, "{checked} edits checked");
        assert!(
            flipped > 20,
            "only {flipped} edits flip anything: the test would not see a wrong window"
        );
    }

    /// The same on a synthetic city (walking roads, denser facilities): facilities closed, deleted, moved
    /// and made to serve a far area, areas' households changed, across the city.
    #[test]
    fn an_edit_judged_on_its_window_is_judged_as_the_whole_city_judges_it_in_a_synthetic_city() {
        use crate::edit::{apply, Edit};
        use serde_json::json;
        let city = crate::synth::synthesize(3_000, 300, 7);
        let rulesets: Vec<Ruleset> = ["anxi-2022", "yaohai-2023", "jinan-2017", "mawei-2020", "gb50180-2018"]
            .iter()
            .map(|r| crate::rules::load_ruleset(std::path::Path::new(&format!("rules/{r}.toml"))).unwrap())
            .collect();
        let totals = Totals::of(&engine::judge(&city, &rulesets, Mode::Audit));
        let mut edits = Vec::new();
        // The window holds only the facilities the touched subjects rest on: moves (about 600 m) and a
        // facility made to serve an area across the city test that it holds enough of them.
        let far = city.residential_areas.len() / 2;
        for (k, f) in city.facilities.iter().enumerate().step_by(11) {
            edits.push(Edit::update(
                "facilities",
                &f.id,
                json!({"properties": {"status": "closed"}}),
            ));
            edits.push(Edit::delete("facilities", &f.id));
            let (x, y) = (f.location.x() + 0.004, f.location.y() + 0.003);
            edits.push(Edit::update(
                "facilities",
                &f.id,
                json!({"geometry": {"type": "Point", "coordinates": [x, y]}, "properties": {"status": "operating"}}),
            ));
            let served = &city.residential_areas[(far + k * 37) % city.residential_areas.len()];
            edits.push(Edit::update(
                "facilities",
                &f.id,
                json!({"properties": {"serves": [served.id], "tier": "station", "status": "operating"}}),
            ));
        }
        for a in city.residential_areas.iter().step_by(97) {
            edits.push(Edit::update(
                "residential_areas",
                &a.id,
                json!({"properties": {"households": a.households * 3 + 1}}),
            ));
        }
        let mut flipped = 0;
        for edit in &edits {
            let applied = apply(&city, edit).unwrap();
            let whole = flips(&city, &applied.dataset, &rulesets, Mode::Audit);
            let touched = Touched {
                layer: &applied.layer,
                before: Some(applied.position),
                after: applied.after.as_ref().map(|_| applied.position),
            };
            let (near, after_totals) = flips_near(&city, &applied.dataset, &totals, touched, &rulesets, Mode::Audit);
            assert_eq!(near, whole, "{:?} {:?}", edit.op(), edit.feature_id);
            assert_eq!(
                after_totals,
                Totals::of(&engine::judge(&applied.dataset, &rulesets, Mode::Audit))
            );
            flipped += usize::from(!whole.subjects.is_empty());
        }
        assert!(flipped > 10, "only {flipped} edits flip anything");
    }

    /// A ruleset of one quota rule on stations: `kind` areas ("new" or "existing"), `m2` per 100 households.
    fn quota(kind: &str, m2: u32) -> Ruleset {
        let text = format!(
            "[ruleset]\nid = \"q\"\ntitle = \"测试\"\ndocument = \"测〔2024〕1号\"\neffective = \"2020-01-01\"\n\
             [[rule]]\nid = \"q/{kind}\"\nkind = \"area_per_households\"\nseverity = \"error\"\nclause = \"一\"\nquote = \"句\"\n\
             [rule.params]\nkind = \"{kind}\"\nm2_per_100_households = {m2}\ntiers = [\"station\"]\n"
        );
        parse_ruleset("q.toml", &text).unwrap()
    }

    /// Closes facility `id` of `city` and judges it on its window, holding the flips and the totals after
    /// to the whole city's judgement; the flips.
    fn closing_judged_near(city: &Dataset, id: &str, rulesets: &[Ruleset]) -> Flips {
        use crate::edit::{apply, Edit};
        let closed = apply(
            city,
            &Edit::update(
                "facilities",
                id,
                serde_json::json!({"properties": {"status": "closed"}}),
            ),
        )
        .unwrap();
        let at = crate::edit::position(city, "facilities", id);
        let touched = Touched {
            layer: "facilities",
            before: at,
            after: at,
        };
        let totals = Totals::of(&engine::judge(city, rulesets, Mode::Audit));
        let (near, after) = flips_near(city, &closed.dataset, &totals, touched, rulesets, Mode::Audit);
        assert_eq!(near, flips(city, &closed.dataset, rulesets, Mode::Audit));
        assert_eq!(
            after,
            Totals::of(&engine::judge(&closed.dataset, rulesets, Mode::Audit))
        );
        near
    }

    /// The window keeps the facilities an area near the edit measures to, though they lie farther from
    /// the edit than the reach: closing F (600 m east of A) leaves A within 1 000 m of G (300 m west of
    /// A, 900 m from F), so nothing flips — a window holding only what lies within the reach of F would
    /// see A fail. With F closed, closing G too flips A to failing, and the rule with it.
    #[test]
    fn a_window_holds_the_facilities_an_area_near_the_edit_measures_to() {
        let mut city = dataset();
        city.residential_areas = vec![area("A", 100, AreaKind::Existing, 0.0, 0.0)];
        city.facilities = vec![
            facility("F", Tier::Station, 300.0, Status::Operating, 600.0, 0.0),
            facility("G", Tier::Station, 300.0, Status::Operating, -300.0, 0.0),
        ];
        let rulesets = [ruleset("t", "2020-01-01", 1_000.0)];
        assert_eq!(closing_judged_near(&city, "F", &rulesets), Flips::default());
        // G closed as well: A is out of reach, and the rule fails.
        city.facilities[0].status = Status::Closed;
        let near = closing_judged_near(&city, "G", &rulesets);
        let flipped: Vec<_> = near.subjects.iter().map(|s| (s.id.as_str(), s.after)).collect();
        assert_eq!(flipped, [("A", Some(false))]);
        assert_eq!(near.rules.len(), 1);
    }

    /// The window keeps every facility serving an area the edit touches, wherever it lies: new area A
    /// (1 000 households, so 300 m² at 30 per 100) is served by F (100 m², 5 km east) and H (250 m²,
    /// 9 km west); closing F leaves 250 m², and A flips to failing — which a window without H would
    /// not see (100 m² before, none after: failing on both sides).
    #[test]
    fn a_window_holds_every_facility_serving_a_touched_area() {
        let mut city = dataset();
        city.residential_areas = vec![area("A", 1_000, AreaKind::New, 0.0, 0.0)];
        let mut f = facility("F", Tier::Station, 100.0, Status::Operating, 5_000.0, 0.0);
        let mut h = facility("H", Tier::Station, 250.0, Status::Operating, -9_000.0, 0.0);
        f.serves = vec!["A".into()];
        h.serves = vec!["A".into()];
        city.facilities = vec![f, h];
        let near = closing_judged_near(&city, "F", &[quota("new", 30)]);
        let flipped: Vec<_> = near
            .subjects
            .iter()
            .map(|s| (s.id.as_str(), s.before, s.after))
            .collect();
        assert_eq!(flipped, [("A", Some(true), Some(false))]);
    }

    /// The window keeps the admin unit holding each area in it, so an area is counted in its own
    /// community's quota as in the whole city: B (community C2, east of the line) lies near F
    /// (community C1); closing F fails C1's existing areas (A's 1 000 households need 200 m²) and no
    /// other unit. A window that dropped C2 would count B in street S instead and see S fail too.
    #[test]
    fn a_window_places_its_areas_in_their_own_units() {
        use crate::model::Level;
        let mut city = dataset();
        city.admin_units = vec![
            unit("S", Level::Street, None, (-1_000.0, -1_000.0, 1_000.0, 1_000.0)),
            unit("C1", Level::Community, Some("S"), (-1_000.0, -1_000.0, 0.0, 1_000.0)),
            unit("C2", Level::Community, Some("S"), (0.0, -1_000.0, 1_000.0, 1_000.0)),
        ];
        city.residential_areas = vec![
            area("A", 1_000, AreaKind::Existing, -200.0, 0.0),
            area("B", 100, AreaKind::Existing, 200.0, 0.0),
        ];
        city.facilities = vec![facility("F", Tier::Station, 300.0, Status::Operating, -100.0, 0.0)];
        let near = closing_judged_near(
            &city,
            "F",
            &[ruleset("r", "2020-01-01", 1_000.0), quota("existing", 20)],
        );
        let units: Vec<_> = near
            .subjects
            .iter()
            .filter(|s| s.layer == "admin_units")
            .map(|s| (s.id.as_str(), s.before, s.after))
            .collect();
        assert_eq!(units, [("C1", Some(true), Some(false))]);
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
