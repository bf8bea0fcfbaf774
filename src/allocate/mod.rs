//! Task decomposition (任务分解): splitting a city-wide target into whole numbers per unit that add up
//! exactly, by the largest-remainder (Hamilton) method — first across groups by their shares, then each
//! group's part across its units by their weights (RULES.md, "Task decomposition").

mod parse;

pub use parse::{load_plan, parse_plan, PlanError};

/// A decomposition: targets to split, optional groups with shares, and weighted units.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub targets: Vec<Target>,
    pub groups: Vec<Group>,
    pub units: Vec<PlanUnit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanUnit {
    pub name: String,
    pub weight: f64,
    /// Index into the plan's groups; `None` when the plan has none.
    pub group: Option<usize>,
}

/// One target split across the units, in the plan's unit order.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub target: String,
    pub total: u64,
    pub values: Vec<u64>,
}

/// Splits every target of the plan.
pub fn allocate(plan: &Plan) -> Vec<Allocation> {
    plan.targets
        .iter()
        .map(|t| Allocation {
            target: t.name.clone(),
            total: t.total,
            values: split(plan, t.total),
        })
        .collect()
}

fn split(plan: &Plan, total: u64) -> Vec<u64> {
    if plan.groups.is_empty() {
        let weights: Vec<f64> = plan.units.iter().map(|u| u.weight).collect();
        return largest_remainder(total, &weights);
    }
    let shares: Vec<f64> = plan.groups.iter().map(|g| g.share).collect();
    let parts = largest_remainder(total, &shares);
    let mut values = vec![0; plan.units.len()];
    for (g, part) in parts.into_iter().enumerate() {
        let members: Vec<usize> = (0..plan.units.len())
            .filter(|&u| plan.units[u].group == Some(g))
            .collect();
        let weights: Vec<f64> = members.iter().map(|&u| plan.units[u].weight).collect();
        for (u, v) in members.into_iter().zip(largest_remainder(part, &weights)) {
            values[u] = v;
        }
    }
    values
}

/// Whole numbers proportional to `weights` that add up to `total`: each gets the whole part of its quota,
/// and the units left over go to the largest remainders (ties: the larger weight, then the earlier one).
///
/// ```
/// use carecircle_core::allocate::largest_remainder;
/// // 10 split 1:1:1 → quotas 3⅓ each; the one left over goes to the first.
/// assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), [4, 3, 3]);
/// assert_eq!(largest_remainder(7, &[0.6, 0.4]), [4, 3]);
/// ```
pub fn largest_remainder(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut values: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    // In u128: the floors of huge quotas can add up past u64.
    let given: u128 = values.iter().map(|&v| u128::from(v)).sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quotas[a] - quotas[a].floor(), quotas[b] - quotas[b].floor());
        rb.total_cmp(&ra)
            .then(weights[b].total_cmp(&weights[a]))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(u128::from(total).saturating_sub(given) as usize) {
        values[i] += 1;
    }
    // Rounding in the quotas of very large totals can floor to more than the total: take the excess back
    // from the smallest remainders, so the parts always add up.
    let mut excess = given.saturating_sub(u128::from(total));
    for &i in order.iter().rev() {
        if excess == 0 {
            break;
        }
        let take = excess.min(u128::from(values[i])) as u64;
        values[i] -= take;
        excess -= u128::from(take);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_always_add_up() {
        // The last three: past f64's exact integers, where the quotas' floors add up to more than the total.
        for total in [
            0,
            1,
            7,
            100,
            4045,
            8089,
            crate::limits::PLAN_TOTAL,
            i64::MAX as u64,
            u64::MAX,
        ] {
            for weights in [
                vec![1.0],
                vec![1.0, 1.0],
                vec![3.0, 1.0, 1.0],
                vec![0.1, 0.2, 0.3, 0.4],
                vec![135565.0, 91653.0, 41855.0],
            ] {
                let v = largest_remainder(total, &weights);
                assert_eq!(
                    v.iter().map(|&x| u128::from(x)).sum::<u128>(),
                    u128::from(total),
                    "{total} {weights:?}"
                );
            }
        }
        assert_eq!(largest_remainder(5, &[0.0, 0.0]), [0, 0]);
        assert_eq!(largest_remainder(5, &[0.0, 2.0]), [0, 5]);
    }

    #[test]
    fn groups_first_then_units() {
        let plan = Plan {
            targets: vec![Target {
                name: "beds".into(),
                total: 10,
            }],
            groups: vec![
                Group {
                    name: "urban".into(),
                    share: 0.6,
                },
                Group {
                    name: "rural".into(),
                    share: 0.4,
                },
            ],
            units: vec![
                PlanUnit {
                    name: "A".into(),
                    weight: 1.0,
                    group: Some(0),
                },
                PlanUnit {
                    name: "B".into(),
                    weight: 1.0,
                    group: Some(0),
                },
                PlanUnit {
                    name: "C".into(),
                    weight: 9.0,
                    group: Some(1),
                },
            ],
        };
        // 6 to urban (3 + 3), 4 to rural, though C alone weighs 9 of 11.
        assert_eq!(allocate(&plan)[0].values, [3, 3, 4]);
    }
}
