//! Accessibility (可达性): who can really reach care, crowding counted. Coverage says yes or no; the
//! two-step floating catchment area (2SFCA) weighs each facility's supply by the demand that can reach it.
//!
//! With d₀ the rule's radius, measured as the rule measures (straight line, or on foot), facility j's
//! supply S_j (floor area or beds), area k's demand P_k (households, or its share of its community's
//! elderly) and a distance weight f:
//!
//! - R_j = S_j / Σ_{k: d_kj ≤ d₀} f(d_kj)·P_k — the supply per unit of demand that can reach j;
//! - A_i = Σ_{j: d_ij ≤ d₀} f(d_ij)·R_j — what area i can reach, shared with everyone else who can.
//!
//! Weights: the Gaussian f(d) = exp(−d²/2σ²) as PySAL `access` defines it (`weights.gaussian(σ)`, not
//! normalised, f(0) = 1); or Dai's (2010) form f(d) = (e^{−½(d/d₀)²} − e^{−½}) / (1 − e^{−½}), which falls
//! to 0 at d₀ and is common in Chinese studies. Luo & Wang (2003) gave 2SFCA; Dai (2010) the Gaussian
//! catchment. Scores are reported per 100 households (or per 100 elderly).
//!
//! Like the engine, this does no I/O.

use crate::engine::{self, Context};
use crate::model::{Dataset, Level, Mode};
use crate::rules::{Rule, RuleKind};

/// The distance weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// exp(−d²/2σ²), σ in metres.
    Gaussian { sigma_m: f64 },
    /// Dai (2010): (e^{−½(d/d₀)²} − e^{−½}) / (1 − e^{−½}).
    Dai,
}

impl Kernel {
    /// The weight of a distance `d` within the catchment `d0`.
    pub fn weight(self, d: f64, d0: f64) -> f64 {
        match self {
            Kernel::Gaussian { sigma_m } => (-(d * d) / (2.0 * sigma_m * sigma_m)).exp(),
            Kernel::Dai => {
                let edge = (-0.5f64).exp();
                ((-0.5 * (d / d0).powi(2)).exp() - edge) / (1.0 - edge)
            }
        }
    }
}

/// What a facility offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    FloorArea,
    Beds,
}

/// Who needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demand {
    Households,
    /// Each area's share, by households, of the elderly of the community or village it lies in.
    Elderly,
}

#[derive(Debug, Clone)]
pub struct AccessRequest {
    pub supply: Supply,
    pub demand: Demand,
    pub kernel: Kernel,
    pub mode: Mode,
}

/// One area's accessibility.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaScore {
    pub area: usize,
    pub demand: f64,
    /// A_i: supply per unit of demand (m² or beds per household or elderly person).
    pub score: f64,
    /// Counted facilities within the catchment.
    pub facilities: usize,
    /// The street or township the area lies in (index into the admin units), if any.
    pub street: Option<usize>,
}

/// One street's (or township's) summary.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetScore {
    pub unit: usize,
    pub areas: usize,
    /// Demand-weighted mean of the areas' scores.
    pub mean: f64,
    pub min: f64,
    /// Areas no counted facility reaches.
    pub unreached: usize,
}

#[derive(Debug, Clone)]
pub struct Access {
    pub rule: String,
    pub catchment_m: f64,
    pub walking: bool,
    pub request: AccessRequest,
    pub areas: Vec<AreaScore>,
    pub streets: Vec<StreetScore>,
    /// R_j for each counted facility (index into the facilities), in facility order.
    pub ratios: Vec<(usize, f64)>,
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("规则{0}不是服务半径规则 — rule {0} is a {1} rule; accessibility needs a service_radius rule (its radius is the catchment)")]
    NotARadiusRule(String, &'static str),
    #[error("小区{0}所在社区/村没有老年人口（elderly）— area {0} lies in no community or village with an elderly count, so its elderly demand is unknown")]
    NoElderly(String),
    #[error("--sigma {0}: 应为正数 expected a positive width in metres")]
    BadSigma(f64),
}

/// Computes every area's 2SFCA score for `rule`'s facilities and catchment.
pub fn access(dataset: &Dataset, rule: &Rule, request: &AccessRequest) -> Result<Access, AccessError> {
    let RuleKind::ServiceRadius(radius) = &rule.kind else {
        return Err(AccessError::NotARadiusRule(rule.id.clone(), rule.kind.name()));
    };
    if let Kernel::Gaussian { sigma_m } = request.kernel {
        if !(sigma_m.is_finite() && sigma_m > 0.0) {
            return Err(AccessError::BadSigma(sigma_m));
        }
    }
    let d0 = radius.radius_m;
    let context = Context::new(dataset, request.mode);
    let units_of = context.area_units();
    let demand = demand(dataset, units_of, request.demand)?;
    let mut notes = Vec::new();

    let counted: Vec<usize> = context.counted(&radius.tiers).map(|(i, _)| i).collect();
    let supply: Vec<f64> = counted
        .iter()
        .map(|&j| {
            let f = &dataset.facilities[j];
            match request.supply {
                Supply::FloorArea => f.floor_area_m2,
                Supply::Beds => f.beds.unwrap_or(0) as f64,
            }
        })
        .collect();
    if request.supply == Supply::Beds {
        let none = counted
            .iter()
            .filter(|&&j| dataset.facilities[j].beds.is_none())
            .count();
        if none > 0 {
            notes.push(format!(
                "{none}处计入设施未填床位数，按0计 — {none} counted facilities give no beds and count as 0"
            ));
        }
    }
    let points: Vec<_> = counted.iter().map(|&j| dataset.facilities[j].location).collect();
    let reach = engine::area_distances(radius, &context, &points, d0);

    // Step 1: each facility's supply over the weighted demand within its catchment.
    let ratios: Vec<f64> = reach
        .iter()
        .zip(&supply)
        .map(|(found, s)| {
            let weighted: f64 = found
                .iter()
                .map(|&(k, d)| request.kernel.weight(d, d0) * demand[k])
                .sum();
            if weighted > 0.0 {
                s / weighted
            } else {
                0.0 // no demand reaches it: it serves nobody, and adds to no area's score
            }
        })
        .collect();
    // Step 2: each area's sum of the ratios it reaches, weighted.
    let mut scores = vec![0.0f64; dataset.residential_areas.len()];
    let mut reached = vec![0usize; dataset.residential_areas.len()];
    for (found, r) in reach.iter().zip(&ratios) {
        for &(i, d) in found {
            scores[i] += request.kernel.weight(d, d0) * r;
            reached[i] += 1;
        }
    }
    let street_of = |units: &[usize]| {
        units
            .iter()
            .copied()
            .find(|&u| matches!(dataset.admin_units[u].level, Level::Street | Level::Township))
    };
    let areas: Vec<AreaScore> = (0..dataset.residential_areas.len())
        .map(|i| AreaScore {
            area: i,
            demand: demand[i],
            score: scores[i],
            facilities: reached[i],
            street: street_of(&units_of[i]),
        })
        .collect();
    Ok(Access {
        rule: rule.id.clone(),
        catchment_m: d0,
        walking: engine::measured_on_foot(radius, &context),
        request: request.clone(),
        streets: streets(&areas),
        areas,
        ratios: counted.into_iter().zip(ratios).collect(),
        notes,
    })
}

/// Each area's demand.
fn demand(dataset: &Dataset, units_of: &[Vec<usize>], kind: Demand) -> Result<Vec<f64>, AccessError> {
    let areas = &dataset.residential_areas;
    match kind {
        Demand::Households => Ok(areas.iter().map(|a| a.households as f64).collect()),
        Demand::Elderly => {
            // The community or village (the finest unit) with an elderly count that holds the area.
            let home: Vec<Option<usize>> = units_of
                .iter()
                .map(|units| {
                    units
                        .iter()
                        .copied()
                        .filter(|&u| dataset.admin_units[u].elderly.is_some())
                        .max_by_key(|&u| dataset.admin_units[u].level.depth())
                })
                .collect();
            let mut households_in = vec![0u64; dataset.admin_units.len()];
            for (a, u) in areas.iter().zip(&home) {
                if let Some(u) = u {
                    households_in[*u] += a.households;
                }
            }
            areas
                .iter()
                .zip(&home)
                .map(|(a, u)| {
                    let u = u.ok_or_else(|| AccessError::NoElderly(a.id.clone()))?;
                    let elderly = dataset.admin_units[u].elderly.unwrap_or(0) as f64;
                    Ok(match households_in[u] {
                        0 => 0.0,
                        total => elderly * a.households as f64 / total as f64,
                    })
                })
                .collect()
        }
    }
}

/// Per street or township: the demand-weighted mean score, the lowest, and the areas reached by nothing.
fn streets(areas: &[AreaScore]) -> Vec<StreetScore> {
    let mut by: std::collections::BTreeMap<usize, Vec<&AreaScore>> = std::collections::BTreeMap::new();
    for a in areas {
        if let Some(s) = a.street {
            by.entry(s).or_default().push(a);
        }
    }
    by.into_iter()
        .map(|(unit, members)| {
            let demand: f64 = members.iter().map(|a| a.demand).sum();
            let mean = if demand > 0.0 {
                members.iter().map(|a| a.score * a.demand).sum::<f64>() / demand
            } else {
                0.0
            };
            StreetScore {
                unit,
                areas: members.len(),
                mean,
                min: members.iter().map(|a| a.score).fold(f64::INFINITY, f64::min),
                unreached: members.iter().filter(|a| a.facilities == 0).count(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::*;
    use crate::model::{AreaKind, Status, Tier};
    use crate::rules::{Metric, ServiceRadius};

    fn rule() -> Rule {
        Rule::adhoc(
            "test/radius",
            RuleKind::ServiceRadius(ServiceRadius {
                radius_m: 1_000.0,
                tiers: Tier::COMMUNITY.to_vec(),
                metric: Metric::Euclidean,
                strict: false,
                target: 1.0,
            }),
        )
    }

    fn request(kernel: Kernel) -> AccessRequest {
        AccessRequest {
            supply: Supply::FloorArea,
            demand: Demand::Households,
            kernel,
            mode: Mode::Audit,
        }
    }

    /// Three areas on a line at x = 0, 600 and 1 500 m; station F1 (300 m²) at x = 0 and F2 (600 m²) at
    /// x = 1 500. Catchment 1 000 m: F1 reaches areas 1 (0 m) and 2 (600 m); F2 reaches areas 2 (900 m)
    /// and 3 (0 m). Households 100, 200, 300. With weights f:
    /// R1 = 300 / (f(0)·100 + f(600)·200), R2 = 600 / (f(900)·200 + f(0)·300),
    /// A1 = f(0)·R1, A2 = f(600)·R1 + f(900)·R2, A3 = f(0)·R2.
    fn line() -> Dataset {
        let mut d = dataset();
        // All on one east-west line: (id, tier, floor area, metres east).
        let facilities = [
            ("F1", Tier::Station, 300.0, 0.0),
            ("F2", Tier::Station, 600.0, 1_500.0),
            ("M", Tier::Medical, 5_000.0, 600.0),
        ];
        d.facilities = facilities
            .map(|(id, tier, m2, east)| facility(id, tier, m2, Status::Operating, east, 0.0))
            .to_vec();
        let areas = [("A1", 100, 0.0), ("A2", 200, 600.0), ("A3", 300, 1_500.0)];
        d.residential_areas = areas
            .map(|(id, households, east)| area(id, households, AreaKind::Existing, east, 0.0))
            .to_vec();
        d
    }

    fn by_hand(f: impl Fn(f64) -> f64) -> [f64; 3] {
        let r1 = 300.0 / (f(0.0) * 100.0 + f(600.0) * 200.0);
        let r2 = 600.0 / (f(900.0) * 200.0 + f(0.0) * 300.0);
        [f(0.0) * r1, f(600.0) * r1 + f(900.0) * r2, f(0.0) * r2]
    }

    fn close(a: f64, b: f64) -> bool {
        // The fixture's points are placed to about a millimetre: that is all the figures can differ by.
        (a - b).abs() <= 1e-4 * b.abs().max(1e-9)
    }

    #[test]
    fn gaussian_two_step_catchment_on_three_areas_by_hand() {
        let sigma = 500.0;
        let f = |d: f64| (-(d * d) / (2.0 * sigma * sigma)).exp();
        // f(600) = e^{−0.72} ≈ 0.4868, f(900) = e^{−1.62} ≈ 0.1979.
        // R1 = 300 / (100 + 97.35) ≈ 1.5201; R2 = 600 / (39.58 + 300) ≈ 1.7669.
        // A1 ≈ 1.5201, A2 ≈ 0.7400 + 0.3497 ≈ 1.0897, A3 ≈ 1.7669.
        let expected = by_hand(f);
        assert!(
            (expected[0] - 1.5201).abs() < 1e-3 && (expected[2] - 1.7669).abs() < 1e-3,
            "{expected:?}"
        );
        let a = access(&line(), &rule(), &request(Kernel::Gaussian { sigma_m: sigma })).unwrap();
        for (got, want) in a.areas.iter().zip(expected) {
            assert!(close(got.score, want), "{} vs {want}", got.score);
        }
        assert_eq!(a.areas.iter().map(|s| s.facilities).collect::<Vec<_>>(), [1, 2, 1]);
        assert_eq!(a.ratios.len(), 2, "the medical centre is not counted");
    }

    #[test]
    fn dai_weights_fall_to_nothing_at_the_edge() {
        assert!((Kernel::Dai.weight(0.0, 1_000.0) - 1.0).abs() < 1e-12);
        assert!(Kernel::Dai.weight(1_000.0, 1_000.0).abs() < 1e-12);
        let f = |d: f64| Kernel::Dai.weight(d, 1_000.0);
        let expected = by_hand(f);
        let a = access(&line(), &rule(), &request(Kernel::Dai)).unwrap();
        for (got, want) in a.areas.iter().zip(expected) {
            assert!(close(got.score, want), "{} vs {want}", got.score);
        }
    }

    /// Total supply is conserved: Σ A_i·P_i = Σ S_j over facilities some demand reaches (each facility's
    /// supply is shared out exactly among the demand within its catchment).
    #[test]
    fn the_supply_is_shared_out_exactly() {
        let a = access(&line(), &rule(), &request(Kernel::Gaussian { sigma_m: 700.0 })).unwrap();
        let shared: f64 = a.areas.iter().map(|s| s.score * s.demand).sum();
        assert!((shared - 900.0).abs() < 1e-6, "{shared}");
    }

    #[test]
    fn elderly_demand_is_each_area_s_share_of_its_community() {
        let mut d = line();
        let mut c = unit("C1", Level::Community, None, (-200.0, -200.0, 2_000.0, 200.0));
        c.elderly = Some(1_200);
        d.admin_units = vec![c];
        let mut r = request(Kernel::Dai);
        r.demand = Demand::Elderly;
        let a = access(&d, &rule(), &r).unwrap();
        let demand: Vec<f64> = a.areas.iter().map(|s| s.demand).collect();
        assert_eq!(demand, [200.0, 400.0, 600.0]);
        d.admin_units.clear();
        assert!(matches!(access(&d, &rule(), &r), Err(AccessError::NoElderly(id)) if id == "A1"));
    }
}
