//! Siting (选址): which candidate sites (`candidates.geojson`: idle public buildings and the like) close a
//! radius rule's gaps — at most N more facilities reaching the most households (maximal covering), or
//! the fewest reaching every area any candidate can reach (set covering). The facilities the rule counts
//! now stay, locked in.
//!
//! Reach is the rule's own: a candidate reaches the areas the rule would count it as serving (straight
//! line or on foot), and the answer is judged again by the rule with the chosen sites built, so the
//! households it reports are what the rule measures. The problem is reduced, started from greedy with
//! swaps, and solved exactly by HiGHS ([`solve`]); when the time limit stops it, the best answer is
//! reported with the bound HiGHS proved and the gap, and not called optimal.
//!
//! Like the engine, siting does no I/O.

// The core's modules by the paths the rest of carecircle gives them (`crate::model`, …): this is the
// crate carecircle-siting (crates/siting), which builds on the core alone.
use carecircle_core::{engine, limits, model, rules};

pub mod greedy;
pub mod problem;
pub mod report;
pub mod solve;

use crate::engine::{Context, Subject};
use crate::model::{Dataset, Facility, Mode, Status};
use crate::rules::{Rule, RuleKind, Ruleset};
use problem::{Problem, Reduction};
use std::time::{Duration, Instant};

/// What to site for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// At most this many sites, reaching the most households (MCLP).
    Add(usize),
    /// The fewest sites reaching every area a candidate can reach (LSCP).
    CoverAll,
}

/// A siting question about one radius rule.
#[derive(Debug, Clone)]
pub struct SiteRequest {
    pub goal: Goal,
    /// Candidates known to be smaller than this are left out.
    pub min_area_m2: f64,
    /// How long the exact solver may search before the best answer found is returned with its bound.
    pub time_limit: Duration,
    /// Which existing facilities count (and stay): audit counts what is built.
    pub mode: Mode,
}

/// One chosen site, in build order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// Index into the dataset's candidates.
    pub candidate: usize,
    /// Households it newly reaches, after the sites before it.
    pub newly_reached_households: u64,
    /// The areas it newly reaches (indices into the dataset's residential areas).
    pub newly_reached: Vec<usize>,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Siting {
    pub rule: String,
    pub goal: Goal,
    pub min_area_m2: f64,
    pub chosen: Vec<Chosen>,
    /// Households within the rule's reach with the chosen sites built, as the rule measures.
    pub covered_households: u64,
    pub total_households: u64,
    /// Households within reach now.
    pub before_households: u64,
    /// No choice within the goal reaches more households than this (proved).
    pub upper_bound: u64,
    /// Set covering: no answer uses fewer sites than this (proved).
    pub min_sites: Option<u64>,
    /// Proved optimal.
    pub optimal: bool,
    /// How far the answer may be from the optimum, as a share of the bound: households for maximal
    /// covering, sites for set covering. 0 when optimal.
    pub gap: f64,
    /// What greedy with swaps alone reached (households), the solver's start.
    pub greedy_households: u64,
    /// Candidates left out as smaller than `min_area_m2`.
    pub too_small: Vec<usize>,
    /// Candidates with no floor area given, kept in.
    pub area_unknown: Vec<usize>,
    /// Areas out of reach now that no candidate would reach.
    pub unreachable: Vec<usize>,
    /// Areas within reach now / after (by index), for maps.
    pub reached_before: Vec<bool>,
    pub reached_after: Vec<bool>,
    pub reduction: Reduction,
    pub notes: Vec<String>,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum SitingError {
    #[error(
        "规则{0}不是服务半径规则，选址只针对服务半径规则 — rule {0} is a {1} rule; siting needs a service_radius rule"
    )]
    NotARadiusRule(String, &'static str),
    #[error("数据集没有候选点（candidates.geojson）— the dataset has no candidate sites (candidates.geojson)")]
    NoCandidates,
    #[error("规则集中没有规则{0} — no rule {0} in the rulesets given; their service_radius rules: {1}")]
    NoSuchRule(String, String),
}

/// The rule of this id among the rulesets.
pub fn find_rule<'r>(rulesets: &'r [Ruleset], id: &str) -> Result<&'r Rule, SitingError> {
    let rules = || rulesets.iter().flat_map(|r| &r.rules);
    rules().find(|r| r.id == id).ok_or_else(|| {
        let radius: Vec<&str> = rules()
            .filter(|r| matches!(r.kind, RuleKind::ServiceRadius(_)))
            .map(|r| r.id.as_str())
            .collect();
        SitingError::NoSuchRule(
            id.to_string(),
            if radius.is_empty() {
                "none".into()
            } else {
                radius.join(", ")
            },
        )
    })
}

/// The smallest candidate worth siting by default: the largest single-site minimum (`min_single_site_m2`)
/// of the rulesets' floor-area rules, 0 when they set none.
pub fn default_min_area(rulesets: &[Ruleset]) -> f64 {
    rulesets
        .iter()
        .flat_map(|r| &r.rules)
        .filter_map(|r| r.kind.single_site_m2())
        .fold(0.0, f64::max)
}

/// Answers a siting question about `rule` over `dataset`.
pub fn site(dataset: &Dataset, rule: &Rule, request: &SiteRequest) -> Result<Siting, SitingError> {
    let started = Instant::now();
    let RuleKind::ServiceRadius(radius) = &rule.kind else {
        return Err(SitingError::NotARadiusRule(rule.id.clone(), rule.kind.name()));
    };
    if dataset.candidates.is_empty() {
        return Err(SitingError::NoCandidates);
    }
    let households: Vec<u64> = dataset.residential_areas.iter().map(|a| a.households).collect();
    let total_households = households.iter().sum();
    // One context for judging the rule now and for the candidates' reach: a walking rule's network is
    // built once.
    let context = Context::new(dataset, request.mode);
    let reached_before = reached(&context, rule);
    let before_households = weight_of(&households, &reached_before);

    let mut too_small = Vec::new();
    let mut area_unknown = Vec::new();
    let mut eligible = Vec::new();
    for (k, c) in dataset.candidates.iter().enumerate() {
        match c.floor_area_m2 {
            Some(a) if a < request.min_area_m2 => too_small.push(k),
            None => {
                area_unknown.push(k);
                eligible.push(k);
            }
            Some(_) => eligible.push(k),
        }
    }
    let points: Vec<_> = eligible.iter().map(|&k| dataset.candidates[k].location).collect();
    let reach = engine::areas_within_reach(radius, &context, &points);
    let mut reachable = vec![false; households.len()];
    for &a in reach.iter().flatten() {
        reachable[a] = true;
    }
    let unreachable = (0..households.len())
        .filter(|&a| !reached_before[a] && !reachable[a])
        .collect();

    let keep_empty = request.goal == Goal::CoverAll;
    // The problem's sites are positions in `eligible` (and so in `reach`).
    let slots: Vec<usize> = (0..eligible.len()).collect();
    let (problem, reduction) = Problem::new(&slots, &reach, &households, &reached_before, keep_empty).reduce();
    let mut notes = Vec::new();
    let (chosen_sites, greedy_households, bound, optimal) = solve(&problem, request, &mut notes);

    let order = greedy::phases(&problem, &chosen_sites);
    let mut newly = reached_before.clone();
    let mut chosen = Vec::new();
    for (site, gain) in order {
        if gain == 0 && request.goal != Goal::CoverAll {
            continue; // adds nothing: "at most N" leaves it out
        }
        let slot = problem.sites[site as usize];
        let newly_reached: Vec<usize> = reach[slot].iter().copied().filter(|&a| !newly[a]).collect();
        for &a in &newly_reached {
            newly[a] = true;
        }
        chosen.push(Chosen {
            candidate: eligible[slot],
            newly_reached_households: newly_reached.iter().map(|&a| households[a]).sum(),
            newly_reached,
        });
    }

    let built: Vec<usize> = chosen.iter().map(|c| c.candidate).collect();
    let after = with_sites(dataset, &built, radius);
    let reached_after = reached(&Context::new(&after, request.mode), rule);
    let covered_households = weight_of(&households, &reached_after);
    let (upper_bound, min_sites, gap) = match request.goal {
        Goal::Add(_) => {
            let upper = (before_households + (bound + 1e-6).floor().max(0.0) as u64).min(total_households);
            let upper = upper.max(covered_households);
            let gap = if optimal || upper == 0 {
                0.0
            } else {
                (upper - covered_households) as f64 / upper as f64
            };
            (upper, None, gap)
        }
        Goal::CoverAll => {
            let upper = before_households
                + weight_of(
                    &households,
                    &reachable
                        .iter()
                        .zip(&reached_before)
                        .map(|(r, b)| *r && !b)
                        .collect::<Vec<_>>(),
                );
            let min = ((bound - 1e-6).ceil().max(0.0) as u64).min(chosen.len() as u64);
            let gap = if optimal || chosen.is_empty() {
                0.0
            } else {
                (chosen.len() as u64 - min) as f64 / chosen.len() as f64
            };
            (upper, Some(min), gap)
        }
    };
    Ok(Siting {
        rule: rule.id.clone(),
        goal: request.goal,
        min_area_m2: request.min_area_m2,
        chosen,
        covered_households,
        total_households,
        before_households,
        upper_bound,
        min_sites,
        optimal: optimal && (gap == 0.0),
        gap,
        greedy_households: before_households + greedy_households,
        too_small,
        area_unknown,
        unreachable,
        reached_before,
        reached_after,
        reduction,
        notes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The chosen reduced sites, greedy's households, the proved bound (households reached beyond the locked
/// facilities, or sites), and whether the answer is proved optimal.
fn solve(problem: &Problem, request: &SiteRequest, notes: &mut Vec<String>) -> (Vec<u32>, u64, f64, bool) {
    match request.goal {
        Goal::Add(p) => {
            let (start, proved) = greedy::max_cover_with_bound(problem, p);
            let greedy_weight = problem.covered_weight(&start);
            let everything: u64 = problem.rows.iter().map(|r| r.weight).sum();
            if greedy_weight == everything {
                // Every row reached: nothing can do better.
                return (start, greedy_weight, everything as f64, true);
            }
            // HiGHS's bound, or greedy's own when that is tighter (early in a long search it often is).
            match solve::max_cover(problem, p, &start, request.time_limit) {
                Ok(s) if problem.covered_weight(&s.chosen) >= greedy_weight => {
                    (s.chosen, greedy_weight, s.bound.min(proved), s.optimal)
                }
                Ok(s) => (start, greedy_weight, s.bound.min(proved), false),
                Err(e) => {
                    notes.push(format!("{e}; 给出的是贪心解 — the greedy answer is given, not proved"));
                    (start, greedy_weight, proved, false)
                }
            }
        }
        Goal::CoverAll => {
            let start = greedy::cover_all(problem);
            let greedy_weight = problem.covered_weight(&start);
            if start.len() <= 1 {
                // None or one site: no answer uses fewer while rows remain.
                return (start.clone(), greedy_weight, start.len() as f64, true);
            }
            match solve::cover_all(problem, &start, request.time_limit) {
                Ok(s) if s.chosen.len() <= start.len() && problem.covered_weight(&s.chosen) == greedy_weight => {
                    (s.chosen, greedy_weight, s.bound, s.optimal)
                }
                Ok(s) => (start, greedy_weight, s.bound, false),
                Err(e) => {
                    notes.push(format!("{e}; 给出的是贪心解 — the greedy answer is given, not proved"));
                    (start, greedy_weight, 1.0, false)
                }
            }
        }
    }
}

/// Which areas the rule counts as within reach, as it judges them.
fn reached(context: &Context, rule: &Rule) -> Vec<bool> {
    let (outcome, _) = engine::judge_rule(rule, context);
    let mut reached = vec![false; context.dataset.residential_areas.len()];
    for s in &outcome.subjects {
        if let (Subject::Area(a), true) = (s.subject, s.passed) {
            reached[a] = true;
        }
    }
    reached
}

fn weight_of(households: &[u64], which: &[bool]) -> u64 {
    households.iter().zip(which).filter(|(_, w)| **w).map(|(h, _)| h).sum()
}

/// The dataset with the answer's sites built, as the rule judged it (for maps of the after).
pub fn dataset_after(dataset: &Dataset, rule: &Rule, siting: &Siting) -> Dataset {
    let built: Vec<usize> = siting.chosen.iter().map(|c| c.candidate).collect();
    match &rule.kind {
        RuleKind::ServiceRadius(radius) => with_sites(dataset, &built, radius),
        _ => dataset.clone(),
    }
}

/// The dataset with the chosen candidates built (and operating) as facilities of the rule's first tier.
fn with_sites(dataset: &Dataset, chosen: &[usize], radius: &crate::rules::ServiceRadius) -> Dataset {
    let mut d = dataset.clone();
    let Some(&tier) = radius.tiers.first() else { return d };
    d.facilities.extend(chosen.iter().map(|&k| {
        let c = &dataset.candidates[k];
        Facility {
            id: c.id.clone(),
            name: c.name.clone(),
            tier,
            floor_area_m2: c.floor_area_m2.unwrap_or(0.0),
            beds: None,
            nursing_beds: None,
            status: Status::Operating,
            handed_over: None,
            serves: Vec::new(),
            meal_service: None,
            geometry: c.geometry.clone(),
            location: c.location,
        }
    }));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{AreaKind, Tier};
    use crate::rules::{Metric, ServiceRadius};

    fn radius_rule(metric: Metric) -> Rule {
        Rule::adhoc(
            "test/radius",
            RuleKind::ServiceRadius(ServiceRadius {
                radius_m: 700.0,
                tiers: Tier::COMMUNITY.to_vec(),
                metric,
                strict: false,
                target: 1.0,
            }),
        )
    }

    fn request(goal: Goal) -> SiteRequest {
        SiteRequest {
            goal,
            min_area_m2: 350.0,
            time_limit: Duration::from_secs(30),
            mode: Mode::Audit,
        }
    }

    /// A station F1 by area A; areas B, C, D in a column at x = 3 000 m, E out east, F far beyond.
    /// K1 (3 000, 500) reaches B (500 m) and C (100 m); K2 (3 000, −400) reaches B (400 m) and D (150 m);
    /// K3 reaches E (200 m); K4 reaches only A, already reached; K5 (3 000, 0) would reach B, C (600 m)
    /// and D (550 m) but is too small (100 m² < 350). No distance is within 100 m of the 700 m threshold.
    fn city() -> Dataset {
        let mut d = dataset();
        d.facilities = vec![facility("F1", Tier::Station, 400.0, Status::Operating, 0.0, 0.0)];
        d.residential_areas = vec![
            area("A", 100, AreaKind::Existing, 300.0, 0.0),
            area("B", 300, AreaKind::Existing, 3_000.0, 0.0),
            area("C", 200, AreaKind::Existing, 3_000.0, 600.0),
            area("D", 400, AreaKind::Existing, 3_000.0, -550.0),
            area("E", 250, AreaKind::Existing, 6_000.0, 200.0),
            area("F", 50, AreaKind::Existing, 10_000.0, 0.0),
        ];
        d.candidates = vec![
            candidate("K1", Some(400.0), 3_000.0, 500.0),
            candidate("K2", Some(500.0), 3_000.0, -400.0),
            candidate("K3", None, 6_000.0, 0.0),
            candidate("K4", Some(800.0), 300.0, 100.0),
            candidate("K5", Some(100.0), 3_000.0, 0.0),
        ];
        d
    }

    fn ids(d: &Dataset, s: &Siting) -> Vec<String> {
        s.chosen.iter().map(|c| d.candidates[c.candidate].id.clone()).collect()
    }

    #[test]
    fn one_more_site_reaches_the_most_households() {
        let d = city();
        let s = site(&d, &radius_rule(Metric::Euclidean), &request(Goal::Add(1))).unwrap();
        assert_eq!(ids(&d, &s), ["K2"]);
        assert_eq!(s.chosen[0].newly_reached_households, 700);
        assert_eq!(
            (s.before_households, s.covered_households, s.total_households),
            (100, 800, 1_300)
        );
        assert!(s.optimal);
        assert_eq!(s.upper_bound, 800);
        assert_eq!(s.gap, 0.0);
        assert_eq!(s.too_small, vec![4]);
        assert_eq!(s.area_unknown, vec![2]);
    }

    /// Two sites: K2 + K3 (700 + 250) beats K1 + K2 (B + C + D = 900) and K1 + K3 (750). With the small
    /// K5 let in, K5 + K3 (900 + 250) is best.
    #[test]
    fn two_sites_take_the_best_pair_in_build_order() {
        let d = city();
        let s = site(&d, &radius_rule(Metric::Euclidean), &request(Goal::Add(2))).unwrap();
        assert_eq!(ids(&d, &s), ["K2", "K3"]);
        let gains: Vec<u64> = s.chosen.iter().map(|c| c.newly_reached_households).collect();
        assert_eq!(gains, [700, 250]);
        assert_eq!(s.covered_households, 1_050);
        assert!(s.optimal);
        let mut all = request(Goal::Add(2));
        all.min_area_m2 = 0.0;
        let t = site(&d, &radius_rule(Metric::Euclidean), &all).unwrap();
        assert_eq!(ids(&d, &t), ["K5", "K3"]);
        assert_eq!(t.covered_households, 1_250);
        assert!(t.too_small.is_empty());
    }

    #[test]
    fn covering_every_reachable_area_and_naming_the_rest() {
        let d = city();
        let s = site(&d, &radius_rule(Metric::Euclidean), &request(Goal::CoverAll)).unwrap();
        let mut chosen = ids(&d, &s);
        chosen.sort();
        assert_eq!(chosen, ["K1", "K2", "K3"]);
        assert_eq!(s.min_sites, Some(3));
        assert!(s.optimal);
        let unreachable: Vec<&str> = s
            .unreachable
            .iter()
            .map(|&a| d.residential_areas[a].id.as_str())
            .collect();
        assert_eq!(unreachable, ["F"]);
        assert_eq!(s.covered_households, 1_250);
        assert_eq!(s.upper_bound, 1_250);
    }

    /// Two streets joined only at their far ends (x = 1 000 m): home H beside the north one at (0, 200).
    /// KA beside the south street is 210 m from H in a straight line but about 2 220 m on foot; KB on the
    /// north street is a 520 m walk. On foot only KB reaches H; in a straight line both do.
    #[test]
    fn walking_rules_site_by_the_walk() {
        let mut d = dataset();
        d.roads = vec![
            road(&[(0.0, 0.0), (1_000.0, 0.0)]),
            road(&[(1_000.0, 0.0), (1_000.0, 200.0)]),
            road(&[(0.0, 200.0), (1_000.0, 200.0)]),
        ];
        d.residential_areas = vec![area("H", 120, AreaKind::Existing, 0.0, 210.0)];
        d.candidates = vec![candidate("KA", None, 0.0, -10.0), candidate("KB", None, 500.0, 210.0)];
        let s = site(&d, &radius_rule(Metric::Network), &request(Goal::Add(1))).unwrap();
        assert_eq!(ids(&d, &s), ["KB"]);
        assert_eq!(s.covered_households, 120);
        let straight = site(&d, &radius_rule(Metric::Euclidean), &request(Goal::Add(1))).unwrap();
        assert_eq!(
            ids(&d, &straight),
            ["KA"],
            "in a straight line both reach H; the first stays"
        );
        let reach = engine::areas_within_reach(
            match &radius_rule(Metric::Network).kind {
                RuleKind::ServiceRadius(r) => r,
                _ => unreachable!(),
            },
            &Context::new(&d, Mode::Audit),
            &[d.candidates[0].location, d.candidates[1].location],
        );
        assert_eq!(reach, vec![vec![], vec![0]]);
    }

    #[test]
    fn refuses_other_rules_and_datasets_without_candidates() {
        let d = city();
        let rule = Rule::adhoc(
            "test/min",
            RuleKind::FacilityMinArea(crate::rules::FacilityMinArea {
                tiers: vec![Tier::Station],
                min_area_m2: 100.0,
                statuses: vec![],
                since: None,
            }),
        );
        assert!(matches!(
            site(&d, &rule, &request(Goal::Add(1))),
            Err(SitingError::NotARadiusRule(..))
        ));
        let mut none = city();
        none.candidates.clear();
        assert!(matches!(
            site(&none, &radius_rule(Metric::Euclidean), &request(Goal::Add(1))),
            Err(SitingError::NoCandidates)
        ));
    }

    /// Random small cities (a fixed generator): the answer for p = 1, 2, 3 reaches as many households as
    /// the best of every subset of the 12 candidates, counted by straight geodesic distance here.
    #[test]
    fn matches_brute_force_on_small_cities() {
        let mut seed: u64 = 7;
        let mut next = move |n: f64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64 * n
        };
        for city in 0..4 {
            let mut d = dataset();
            d.facilities = vec![facility(
                "F",
                Tier::Station,
                400.0,
                Status::Operating,
                next(4_000.0),
                next(4_000.0),
            )];
            d.residential_areas = (0..40)
                .map(|i| {
                    area(
                        &format!("A{i}"),
                        1 + next(500.0) as u64,
                        AreaKind::Existing,
                        next(4_000.0),
                        next(4_000.0),
                    )
                })
                .collect();
            d.candidates = (0..12)
                .map(|k| candidate(&format!("K{k}"), None, next(4_000.0), next(4_000.0)))
                .collect();
            let rule = radius_rule(Metric::Euclidean);
            let near = |p: geo::Point<f64>, q: geo::Point<f64>| carecircle_core::spatial::geodesic_m(p, q) <= 700.0;
            let best_of = |subset: &[usize]| -> u64 {
                d.residential_areas
                    .iter()
                    .filter(|a| {
                        near(a.location, d.facilities[0].location)
                            || subset.iter().any(|&k| near(a.location, d.candidates[k].location))
                    })
                    .map(|a| a.households)
                    .sum()
            };
            for p in 1..=3usize {
                let mut best = 0;
                for mask in 0u32..(1 << 12) {
                    if mask.count_ones() as usize <= p {
                        let subset: Vec<usize> = (0..12).filter(|k| mask & (1 << k) != 0).collect();
                        best = best.max(best_of(&subset));
                    }
                }
                let s = site(&d, &rule, &request(Goal::Add(p))).unwrap();
                assert_eq!(s.covered_households, best, "city {city}, p = {p}");
                let chosen: Vec<usize> = s.chosen.iter().map(|c| c.candidate).collect();
                assert_eq!(
                    best_of(&chosen),
                    best,
                    "city {city}, p = {p}: the chosen sites themselves"
                );
                assert!(s.optimal && s.chosen.len() <= p);
            }
        }
    }
}
