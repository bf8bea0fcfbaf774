//! Accessibility scores as people and programs read them: JSON (full precision, for checking against other
//! tools), text and CSV (rounded), Chinese first.

use crate::access::{Access, Demand, Kernel, Supply};
use crate::model::Dataset;
use serde::Serialize;
use std::fmt::Write;

/// The files `access --out` writes, and so the only ones it will replace.
pub const ACCESS_FILES: &[&str] = &["access.json", "access.csv", "streets.csv", "access.png"];

pub struct AccessView<'a> {
    pub dataset: &'a Dataset,
    pub access: &'a Access,
}

/// One area, as every output shows it.
#[derive(Debug, Serialize)]
pub struct AreaRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The street or township's code.
    pub street: Option<&'a str>,
    pub demand: f64,
    /// A_i × 100: supply per 100 households (or elderly), unrounded.
    pub score: f64,
    /// Counted facilities within the catchment.
    pub facilities: usize,
}

#[derive(Debug, Serialize)]
pub struct StreetRow<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub areas: usize,
    pub mean: f64,
    pub min: f64,
    pub unreached: usize,
}

#[derive(Debug, Serialize)]
pub struct AccessDocument<'a> {
    pub dataset: &'a str,
    pub rule: &'a str,
    pub method: &'static str,
    pub catchment_m: f64,
    /// `walk` or `straight-line`.
    pub metric: &'static str,
    pub supply: &'static str,
    pub demand: &'static str,
    pub kernel: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_m: Option<f64>,
    /// What `score` counts, e.g. `m2 per 100 households`.
    pub unit: String,
    pub areas: Vec<AreaRow<'a>>,
    pub streets: Vec<StreetRow<'a>>,
    pub notes: &'a [String],
}

impl<'a> AccessView<'a> {
    /// The areas as rows: the one place a score becomes a row.
    pub fn rows(&self) -> Vec<AreaRow<'a>> {
        let d = self.dataset;
        self.access
            .areas
            .iter()
            .map(|s| {
                let a = &d.residential_areas[s.area];
                AreaRow {
                    id: &a.id,
                    name: &a.name,
                    street: s.street.map(|u| d.admin_units[u].code.as_str()),
                    demand: s.demand,
                    score: s.score * 100.0,
                    facilities: s.facilities,
                }
            })
            .collect()
    }

    pub fn street_rows(&self) -> Vec<StreetRow<'a>> {
        let d = self.dataset;
        self.access
            .streets
            .iter()
            .map(|s| StreetRow {
                code: &d.admin_units[s.unit].code,
                name: &d.admin_units[s.unit].name,
                areas: s.areas,
                mean: s.mean * 100.0,
                min: s.min * 100.0,
                unreached: s.unreached,
            })
            .collect()
    }

    pub fn unit(&self) -> String {
        let r = &self.access.request;
        format!(
            "{} per 100 {}",
            match r.supply {
                Supply::FloorArea => "m2",
                Supply::Beds => "beds",
            },
            match r.demand {
                Demand::Households => "households",
                Demand::Elderly => "elderly",
            }
        )
    }

    pub fn unit_zh(&self) -> &'static str {
        let r = &self.access.request;
        match (r.supply, r.demand) {
            (Supply::FloorArea, Demand::Households) => "平方米/百户",
            (Supply::FloorArea, Demand::Elderly) => "平方米/百名老人",
            (Supply::Beds, Demand::Households) => "张床/百户",
            (Supply::Beds, Demand::Elderly) => "张床/百名老人",
        }
    }

    pub fn document(&self) -> AccessDocument<'a> {
        let a = self.access;
        let r = &a.request;
        AccessDocument {
            dataset: &self.dataset.name,
            rule: &a.rule,
            method: "2SFCA",
            catchment_m: a.catchment_m,
            metric: if a.walking { "walk" } else { "straight-line" },
            supply: match r.supply {
                Supply::FloorArea => "floor_area",
                Supply::Beds => "beds",
            },
            demand: match r.demand {
                Demand::Households => "households",
                Demand::Elderly => "elderly",
            },
            kernel: match r.kernel {
                Kernel::Gaussian { .. } => "gaussian",
                Kernel::Dai => "dai",
            },
            sigma_m: match r.kernel {
                Kernel::Gaussian { sigma_m } => Some(sigma_m),
                Kernel::Dai => None,
            },
            unit: self.unit(),
            areas: self.rows(),
            streets: self.street_rows(),
            notes: &a.notes,
        }
    }

    /// The text people read: the spread of scores, the streets, the least served areas.
    pub fn text(&self) -> String {
        let a = self.access;
        let mut t = String::new();
        let _ = writeln!(
            t,
            "可达性 Accessibility (2SFCA) — {} · 规则 rule {} · 服务半径 catchment {} m ({}) · {}",
            self.dataset.name,
            a.rule,
            a.catchment_m,
            if a.walking {
                "步行 walk"
            } else {
                "直线 straight-line"
            },
            match a.request.kernel {
                Kernel::Gaussian { sigma_m } => format!("高斯权重 Gaussian σ = {sigma_m} m"),
                Kernel::Dai => "Dai (2010) 高斯权重 Gaussian weights".to_string(),
            }
        );
        let rows = self.rows();
        let mut scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
        scores.sort_by(f64::total_cmp);
        let unreached = rows.iter().filter(|r| r.facilities == 0).count();
        let median = scores.get(scores.len() / 2).copied().unwrap_or(0.0);
        let _ = writeln!(
            t,
            "{}个小区，中位数{:.2} {}，{}个小区服务半径内无设施 — {} areas, median {:.2} {}; {} reached by no counted facility\n",
            rows.len(),
            median,
            self.unit_zh(),
            unreached,
            rows.len(),
            median,
            self.unit(),
            unreached
        );
        let mut table = vec![vec![
            "街道 street".to_string(),
            "小区数 areas".into(),
            format!("均值 mean ({})", self.unit_zh()),
            "最低 min".into(),
            "无设施 unreached".into(),
        ]];
        for s in self.street_rows() {
            table.push(vec![
                format!("{} {}", s.code, s.name),
                s.areas.to_string(),
                format!("{:.2}", s.mean),
                format!("{:.2}", s.min),
                s.unreached.to_string(),
            ]);
        }
        t.push_str(&super::text::table(&table));
        let mut least: Vec<&AreaRow> = rows.iter().filter(|r| r.facilities > 0).collect();
        least.sort_by(|x, y| x.score.total_cmp(&y.score));
        if !least.is_empty() {
            let _ = writeln!(t, "\n可达但最拥挤的小区 the most crowded areas within reach:");
            for r in least.iter().take(5) {
                let _ = writeln!(t, "  {} {}: {:.2} {}", r.id, r.name, r.score, self.unit_zh());
            }
        }
        for n in &a.notes {
            let _ = writeln!(t, "注意 note: {n}");
        }
        t
    }

    /// `access.csv`: every area, scores to 0.01, with a byte-order mark for Excel.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = super::excel_csv::ExcelCsv::new();
        w.write_record([
            "编号 id",
            "名称 name",
            "街道 street",
            "需求 demand",
            &format!("得分 score ({})", self.unit()),
            "服务半径内设施 facilities",
        ])?;
        for r in self.rows() {
            w.write_record([
                r.id.to_string(),
                r.name.to_string(),
                r.street.unwrap_or("").to_string(),
                format!("{:.2}", r.demand),
                format!("{:.2}", r.score),
                r.facilities.to_string(),
            ])?;
        }
        w.into_inner()
    }

    /// `streets.csv`: the per-street summary.
    pub fn streets_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = super::excel_csv::ExcelCsv::new();
        w.write_record([
            "代码 code",
            "街道 street",
            "小区数 areas",
            &format!("均值 mean ({})", self.unit()),
            "最低 min",
            "无设施 unreached",
        ])?;
        for s in self.street_rows() {
            w.write_record([
                s.code.to_string(),
                s.name.to_string(),
                s.areas.to_string(),
                format!("{:.2}", s.mean),
                format!("{:.2}", s.min),
                s.unreached.to_string(),
            ])?;
        }
        w.into_inner()
    }
}
