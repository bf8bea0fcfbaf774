//! The covering problem siting solves, and its reduction before solving.
//!
//! A row is demand: households not yet within reach, and the sites that would reach them. Reduction keeps
//! the optimum and shrinks the problem: rows with the same sites are one row (their households add), and a
//! site whose rows another site also reaches is dropped (the other is never worse; of two with the same
//! rows the first stays). Dropping sites can make rows equal again, so rows are merged once more.

use std::collections::HashMap;

/// Demand: households and the sites (indices into [`Problem::sites`]) that reach them, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub weight: u64,
    pub sites: Vec<u32>,
}

/// A covering problem over sites.
#[derive(Debug, Clone)]
pub struct Problem {
    pub rows: Vec<Row>,
    /// For each site, the candidate it stands for (the caller's index).
    pub sites: Vec<usize>,
}

/// How much reduction took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reduction {
    pub rows_before: usize,
    pub rows_after: usize,
    pub sites_before: usize,
    pub sites_after: usize,
}

impl Problem {
    /// From what each candidate reaches (`reach[k]`, areas by index) and the areas' households, leaving
    /// out areas already reached (`reached`) and areas no candidate reaches. Areas of no households are
    /// kept only when `keep_empty` (covering every area counts them; covering households does not).
    pub fn new(
        candidates: &[usize],
        reach: &[Vec<usize>],
        households: &[u64],
        reached: &[bool],
        keep_empty: bool,
    ) -> Problem {
        let mut sites_of: Vec<Vec<u32>> = vec![Vec::new(); households.len()];
        for (site, areas) in reach.iter().enumerate() {
            for &area in areas {
                if !reached[area] && (keep_empty || households[area] > 0) {
                    sites_of[area].push(site as u32);
                }
            }
        }
        let rows = sites_of
            .into_iter()
            .zip(households)
            .filter(|(sites, _)| !sites.is_empty())
            .map(|(sites, &weight)| Row { weight, sites })
            .collect();
        Problem {
            rows,
            sites: candidates.to_vec(),
        }
    }

    /// For each site, the rows it reaches, in row order.
    pub fn rows_of_sites(&self) -> Vec<Vec<u32>> {
        let mut rows_of = vec![Vec::new(); self.sites.len()];
        for (r, row) in self.rows.iter().enumerate() {
            for &s in &row.sites {
                rows_of[s as usize].push(r as u32);
            }
        }
        rows_of
    }

    /// The households of the rows the chosen sites reach.
    pub fn covered_weight(&self, chosen: &[u32]) -> u64 {
        let mut on = vec![false; self.sites.len()];
        for &s in chosen {
            on[s as usize] = true;
        }
        self.rows
            .iter()
            .filter(|r| r.sites.iter().any(|&s| on[s as usize]))
            .map(|r| r.weight)
            .sum()
    }

    /// The same problem, reduced: see the module's comment. The optimum is unchanged.
    pub fn reduce(self) -> (Problem, Reduction) {
        let rows_before = self.rows.len();
        let sites_before = self.sites.len();
        let merged = self.merge_rows();
        let rows_of = merged.rows_of_sites();
        // Sites reaching the same rows: the first stays (a cheap pass that also bounds the next one when a
        // file holds many copies of one site).
        let mut first_with: HashMap<&[u32], usize> = HashMap::new();
        let mut keep: Vec<bool> = (0..merged.sites.len())
            .map(|a| !rows_of[a].is_empty() && *first_with.entry(rows_of[a].as_slice()).or_insert(a) == a)
            .collect();
        // Dominated sites, when checking them stays within a bounded amount of work (it is only a speed-up).
        let rarest = |a: usize| {
            rows_of[a]
                .iter()
                .map(|&r| merged.rows[r as usize].sites.len() as u64)
                .min()
        };
        let work: u64 = (0..merged.sites.len()).filter(|&a| keep[a]).filter_map(rarest).sum();
        if work <= crate::limits::SITE_DOMINANCE_WORK {
            for a in 0..merged.sites.len() {
                if keep[a] && merged.dominated(a, &rows_of, &keep) {
                    keep[a] = false;
                }
            }
        }
        let mut new_index = vec![u32::MAX; merged.sites.len()];
        let mut sites = Vec::new();
        for (a, &k) in keep.iter().enumerate() {
            if k {
                new_index[a] = sites.len() as u32;
                sites.push(merged.sites[a]);
            }
        }
        let rows = merged
            .rows
            .into_iter()
            .map(|r| Row {
                weight: r.weight,
                sites: r
                    .sites
                    .iter()
                    .filter(|&&s| keep[s as usize])
                    .map(|&s| new_index[s as usize])
                    .collect(),
            })
            .collect();
        let reduced = Problem { rows, sites }.merge_rows();
        let reduction = Reduction {
            rows_before,
            rows_after: reduced.rows.len(),
            sites_before,
            sites_after: reduced.sites.len(),
        };
        (reduced, reduction)
    }

    /// Rows with the same sites as one row, in the order each set first appears.
    fn merge_rows(self) -> Problem {
        let mut at: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut rows: Vec<Row> = Vec::new();
        for row in self.rows {
            match at.get(&row.sites) {
                Some(&i) => rows[i].weight += row.weight,
                None => {
                    at.insert(row.sites.clone(), rows.len());
                    rows.push(row);
                }
            }
        }
        Problem {
            rows,
            sites: self.sites,
        }
    }

    /// Whether another site still kept reaches every row site `a` reaches, and more (sites reaching the same
    /// rows are already one). Dropping `a` for one kept is safe: whatever `a` reaches, it reaches too.
    fn dominated(&self, a: usize, rows_of: &[Vec<u32>], kept: &[bool]) -> bool {
        let mine = &rows_of[a];
        // Any site reaching all of `a`'s rows reaches its rarest row: look only there.
        let Some(rarest) = mine.iter().min_by_key(|&&r| self.rows[r as usize].sites.len()) else {
            return false;
        };
        self.rows[*rarest as usize].sites.iter().any(|&b| {
            let b = b as usize;
            b != a && kept[b] && rows_of[b].len() > mine.len() && is_subset(mine, &rows_of[b])
        })
    }
}

/// A problem written out by hand for tests: `(households, sites)` per row, sites numbered from 0.
#[cfg(test)]
pub(crate) fn by_hand(rows: &[(u64, &[u32])], sites: usize) -> Problem {
    Problem {
        rows: rows
            .iter()
            .map(|(w, s)| Row {
                weight: *w,
                sites: s.to_vec(),
            })
            .collect(),
        sites: (0..sites).collect(),
    }
}

/// Whether sorted `small` lies within sorted `big`.
fn is_subset(small: &[u32], big: &[u32]) -> bool {
    let mut big = big.iter();
    small.iter().all(|x| big.by_ref().any(|y| y == x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four areas, three candidates: A reaches areas 0 and 1, B reaches 1, C reaches 2 and 3; area 3 is
    /// already reached. B is dominated by A; areas 0 and 1 then share A alone and merge.
    #[test]
    fn reduction_merges_and_drops_dominated_sites() {
        let reach = vec![vec![0, 1], vec![1], vec![2, 3]];
        let problem = Problem::new(
            &[10, 11, 12],
            &reach,
            &[5, 7, 11, 13],
            &[false, false, false, true],
            false,
        );
        assert_eq!(problem.rows.len(), 3);
        let (reduced, reduction) = problem.reduce();
        assert_eq!(reduced.sites, vec![10, 12]);
        assert_eq!(
            reduced.rows,
            vec![
                Row {
                    weight: 12,
                    sites: vec![0]
                },
                Row {
                    weight: 11,
                    sites: vec![1]
                }
            ]
        );
        assert_eq!(
            reduction,
            Reduction {
                rows_before: 3,
                rows_after: 2,
                sites_before: 3,
                sites_after: 2
            }
        );
    }

    #[test]
    fn of_two_equal_sites_the_first_stays() {
        let reach = vec![vec![0], vec![0]];
        let (reduced, _) = Problem::new(&[0, 1], &reach, &[3], &[false], false).reduce();
        assert_eq!(reduced.sites, vec![0]);
        assert_eq!(reduced.covered_weight(&[0]), 3);
    }

    #[test]
    fn areas_of_no_households_count_only_when_covering_every_area() {
        let reach = vec![vec![0, 1]];
        assert_eq!(
            Problem::new(&[0], &reach, &[0, 4], &[false, false], false).rows.len(),
            1
        );
        assert_eq!(Problem::new(&[0], &reach, &[0, 4], &[false, false], true).rows.len(), 2);
    }

    /// The best households for every p, by brute force over all subsets of sites.
    fn best_by_p(problem: &Problem, max_p: usize) -> Vec<u64> {
        let n = problem.sites.len();
        let mut best = vec![0u64; max_p + 1];
        for mask in 0u32..(1 << n) {
            let size = mask.count_ones() as usize;
            if size <= max_p {
                let chosen: Vec<u32> = (0..n as u32).filter(|s| mask & (1 << s) != 0).collect();
                let w = problem.covered_weight(&chosen);
                for b in best.iter_mut().skip(size) {
                    *b = (*b).max(w);
                }
            }
        }
        best
    }

    /// Random problems (a fixed generator), 10 sites each: the reduced problem has the same optimum for
    /// every p, and usually fewer rows and sites.
    #[test]
    fn reduction_keeps_the_optimum() {
        let mut seed: u64 = 11;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let mut shrank = 0;
        for _ in 0..30 {
            let reach: Vec<Vec<usize>> = (0..10)
                .map(|_| {
                    let mut areas: Vec<usize> = (0..1 + next(6)).map(|_| next(25) as usize).collect();
                    areas.sort_unstable();
                    areas.dedup();
                    areas
                })
                .collect();
            let households: Vec<u64> = (0..25).map(|_| next(300)).collect();
            let reached: Vec<bool> = (0..25).map(|_| next(5) == 0).collect();
            let candidates: Vec<usize> = (0..10).collect();
            let problem = Problem::new(&candidates, &reach, &households, &reached, false);
            let before = best_by_p(&problem, 4);
            let (reduced, reduction) = problem.reduce();
            let after = best_by_p(&reduced, 4);
            assert_eq!(before, after, "{reduction:?}");
            if reduction.sites_after < reduction.sites_before || reduction.rows_after < reduction.rows_before {
                shrank += 1;
            }
        }
        assert!(shrank > 10, "reduction did something in {shrank} of 30");
    }

    /// A file holding thousands of copies of one site (or of nested ones) reduces to the one site without
    /// checking every pair.
    #[test]
    fn copies_of_one_site_reduce_to_one() {
        let n = 20_000;
        let mut reach: Vec<Vec<usize>> = vec![vec![0, 1, 2]; n];
        reach.push(vec![0, 1, 2, 3]);
        let candidates: Vec<usize> = (0..=n).collect();
        let (reduced, reduction) = Problem::new(&candidates, &reach, &[1, 2, 3, 4], &[false; 4], false).reduce();
        assert_eq!(reduced.sites, vec![n]);
        assert_eq!(reduction.sites_after, 1);
        assert_eq!(reduced.covered_weight(&[0]), 10);
    }
}
