//! The exact answer: the covering problem as an integer program, modelled with `good_lp` and solved by
//! HiGHS, started from the greedy answer. When the time limit stops it, the best answer found is kept
//! with the bound HiGHS proved, and it is not called optimal.
//!
//! Maximal covering (MCLP, Church & ReVelle 1974), with `x_s` = build site s and `y_r` = row r reached:
//! maximise Σ w_r·y_r subject to y_r ≤ Σ_{s reaches r} x_s, Σ x_s ≤ p, x binary, 0 ≤ y ≤ 1.
//! Set covering (LSCP, Toregas et al. 1971): minimise Σ x_s subject to Σ_{s reaches r} x_s ≥ 1.

use super::problem::Problem;
use good_lp::solvers::highs::highs;
use good_lp::{constraint, variable, Expression, ProblemVariables, SolverModel, Variable};
use std::time::Duration;

/// What the solver found.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    pub chosen: Vec<u32>,
    /// The objective of `chosen`: households reached (maximal covering) or sites (set covering).
    pub objective: f64,
    /// The best bound proved: no answer reaches more households (maximal covering), none uses fewer
    /// sites (set covering).
    pub bound: f64,
    /// Proved: the objective meets the bound.
    pub optimal: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    #[error("求解器出错 the solver failed: {0}")]
    Solver(String),
}

/// At most `p` sites reaching the most households, from `start` (a feasible answer).
pub fn max_cover(problem: &Problem, p: usize, start: &[u32], time_limit: Duration) -> Result<Solved, SolveError> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = problem.sites.iter().map(|_| vars.add(variable().binary())).collect();
    let y: Vec<Variable> = problem
        .rows
        .iter()
        .map(|_| vars.add(variable().min(0).max(1)))
        .collect();
    let objective: Expression = problem.rows.iter().zip(&y).map(|(r, v)| r.weight as f64 * *v).sum();
    let mut model = vars.maximise(objective).using(highs);
    for (row, v) in problem.rows.iter().zip(&y) {
        let reach: Expression = row.sites.iter().map(|&s| x[s as usize]).sum();
        model.add_constraint(constraint!(*v <= reach));
    }
    let built: Expression = x.iter().copied().sum();
    model.add_constraint(constraint!(built <= p as f64));
    // The start: its sites built, and the rows they reach reached.
    let mut on = vec![false; problem.sites.len()];
    for &s in start {
        on[s as usize] = true;
    }
    let mut guess: Vec<f64> = on.iter().map(|&b| f64::from(u8::from(b))).collect();
    guess.extend(
        problem
            .rows
            .iter()
            .map(|r| f64::from(u8::from(r.sites.iter().any(|&s| on[s as usize])))),
    );
    let solved = run(model, &guess, time_limit)?;
    Ok(answer(solved, problem.sites.len()))
}

/// The fewest sites reaching every row, from `start` (a feasible answer).
pub fn cover_all(problem: &Problem, start: &[u32], time_limit: Duration) -> Result<Solved, SolveError> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = problem.sites.iter().map(|_| vars.add(variable().binary())).collect();
    let objective: Expression = x.iter().copied().sum();
    let mut model = vars.minimise(objective).using(highs);
    for row in &problem.rows {
        let reach: Expression = row.sites.iter().map(|&s| x[s as usize]).sum();
        model.add_constraint(constraint!(reach >= 1));
    }
    let mut guess = vec![0.0; problem.sites.len()];
    for &s in start {
        guess[s as usize] = 1.0;
    }
    let solved = run(model, &guess, time_limit)?;
    Ok(answer(solved, problem.sites.len()))
}

/// The solver's raw answer: column values, objective, proved bound, and whether it proved optimality.
struct Raw {
    columns: Vec<f64>,
    objective: f64,
    bound: f64,
    optimal: bool,
}

fn run(model: good_lp::solvers::highs::HighsProblem, start: &[f64], time_limit: Duration) -> Result<Raw, SolveError> {
    use highs::HighsModelStatus as S;
    let mut inner = model.try_into_inner().map_err(|e| SolveError::Solver(e.to_string()))?;
    inner.make_quiet();
    let options: [(&str, f64); 3] = [
        ("time_limit", time_limit.as_secs_f64().max(0.001)),
        // Households and site counts are whole numbers: a gap under 1 proves the optimum, and nothing
        // short of that is called optimal.
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", 0.5),
    ];
    for (name, value) in options {
        inner
            .try_set_option(name, value)
            .map_err(|e| SolveError::Solver(format!("option {name}: {e:?}")))?;
    }
    inner
        .try_set_solution(Some(start), None, None, None)
        .map_err(|e| SolveError::Solver(format!("start: {e:?}")))?;
    let solved = inner.try_solve().map_err(|e| SolveError::Solver(format!("{e:?}")))?;
    let optimal = match solved.status() {
        S::Optimal => true,
        S::ReachedTimeLimit | S::ReachedIterationLimit | S::ReachedSolutionLimit | S::ReachedInterrupt => false,
        other => return Err(SolveError::Solver(format!("{other:?}"))),
    };
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .map_err(|e| SolveError::Solver(format!("bound: {e:?}")))?;
    Ok(Raw {
        columns: solved.get_solution().columns().to_vec(),
        objective: solved.objective_value(),
        bound,
        optimal,
    })
}

fn answer(raw: Raw, sites: usize) -> Solved {
    let chosen = raw.columns[..sites]
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.5)
        .map(|(s, _)| s as u32)
        .collect();
    Solved {
        chosen,
        objective: raw.objective,
        bound: raw.bound,
        optimal: raw.optimal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::greedy;
    use crate::problem::by_hand as problem;

    /// Greedy's trap again (see greedy's tests): the solver finds 1 and 2, 16 households, and proves it.
    #[test]
    fn finds_and_proves_the_optimum_greedy_misses() {
        let p = problem(&[(5, &[1]), (5, &[2]), (3, &[0, 1]), (3, &[0, 2]), (3, &[0])], 3);
        let solved = max_cover(&p, 2, &[0, 1], Duration::from_secs(10)).unwrap();
        assert_eq!(solved.chosen, vec![1, 2]);
        assert_eq!(solved.objective.round(), 16.0);
        assert!(solved.optimal);
        assert!(solved.bound < 17.0, "{solved:?}");
    }

    #[test]
    fn covers_every_row_with_the_fewest_sites() {
        // Rows 0–6 on a line; site s (0–4) reaches rows s to s + 2. Row 0 needs site 0, row 6 site 4, and
        // row 3 one of sites 1–3: three sites, no fewer.
        let mut rows: Vec<(u64, Vec<u32>)> = Vec::new();
        for r in 0..7u32 {
            let sites: Vec<u32> = (r.saturating_sub(2)..=r.min(4)).collect();
            rows.push((1, sites));
        }
        let rows: Vec<(u64, &[u32])> = rows.iter().map(|(w, s)| (*w, s.as_slice())).collect();
        let p = problem(&rows, 5);
        let start = greedy::cover_all(&p);
        let solved = cover_all(&p, &start, Duration::from_secs(10)).unwrap();
        assert_eq!(solved.chosen.len(), 3, "{solved:?}");
        assert!(solved.optimal);
        let covered = p.covered_weight(&solved.chosen);
        assert_eq!(covered, 7);
    }

    /// A problem HiGHS cannot finish in a millisecond: it stops, keeps the start (or better), proves a
    /// bound at least as high, and does not call the answer optimal.
    #[test]
    fn a_time_limit_gives_the_best_found_and_an_honest_bound() {
        let mut seed: u64 = 3;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let sites = 400u64;
        let rows: Vec<(u64, Vec<u32>)> = (0..6_000)
            .map(|_| {
                let mut s: Vec<u32> = (0..2 + next(5)).map(|_| next(sites) as u32).collect();
                s.sort_unstable();
                s.dedup();
                (1 + next(200), s)
            })
            .collect();
        let rows: Vec<(u64, &[u32])> = rows.iter().map(|(w, s)| (*w, s.as_slice())).collect();
        let p = problem(&rows, sites as usize);
        let start = greedy::max_cover(&p, 40);
        let greedy_weight = p.covered_weight(&start) as f64;
        let solved = max_cover(&p, 40, &start, Duration::from_millis(1)).unwrap();
        assert!(!solved.optimal, "{solved:?}");
        assert!(
            solved.objective >= greedy_weight - 1e-6,
            "{} < {greedy_weight}",
            solved.objective
        );
        assert!(solved.bound >= solved.objective, "{solved:?}");
        assert_eq!(p.covered_weight(&solved.chosen) as f64, solved.objective.round());
    }
}
