//! What `carecircle allocate` prints: the JSON of RULES.md ("Task decomposition"), a text table, CSV.

use super::text::table;
use crate::allocate::{Allocation, Plan};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AllocationDocument {
    pub targets: Vec<TargetRow>,
}

#[derive(Debug, Serialize)]
pub struct TargetRow {
    pub name: String,
    pub total: u64,
    pub allocations: Vec<AllocationRow>,
}

#[derive(Debug, Serialize)]
pub struct AllocationRow {
    pub unit: String,
    /// `null` when the plan has no groups.
    pub group: Option<String>,
    pub value: u64,
}

impl AllocationDocument {
    pub fn new(plan: &Plan, allocations: &[Allocation]) -> AllocationDocument {
        AllocationDocument {
            targets: allocations
                .iter()
                .map(|a| TargetRow {
                    name: a.target.clone(),
                    total: a.total,
                    allocations: plan
                        .units
                        .iter()
                        .zip(&a.values)
                        .map(|(u, v)| AllocationRow {
                            unit: u.name.clone(),
                            group: u.group.map(|g| plan.groups[g].name.clone()),
                            value: *v,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Rows of unit, group, then one column per target, with a total row.
fn rows(plan: &Plan, allocations: &[Allocation]) -> Vec<Vec<String>> {
    let mut rows = vec![["单位 unit", "分组 group"].map(String::from).to_vec()];
    rows[0].extend(allocations.iter().map(|a| a.target.clone()));
    for (i, u) in plan.units.iter().enumerate() {
        let mut row = vec![
            u.name.clone(),
            u.group.map(|g| plan.groups[g].name.clone()).unwrap_or_default(),
        ];
        row.extend(allocations.iter().map(|a| a.values[i].to_string()));
        rows.push(row);
    }
    let mut total = vec!["合计 total".to_string(), String::new()];
    total.extend(allocations.iter().map(|a| a.values.iter().sum::<u64>().to_string()));
    rows.push(total);
    rows
}

pub fn text(plan: &Plan, allocations: &[Allocation]) -> String {
    table(&rows(plan, allocations))
}

/// CSV with a byte-order mark, so Excel shows the Chinese names.
pub fn csv(plan: &Plan, allocations: &[Allocation]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = super::excel_csv::ExcelCsv::new();
    for row in rows(plan, allocations) {
        writer.write_record(&row)?;
    }
    writer.into_inner()
}
