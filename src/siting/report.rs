//! A siting answer as people and programs read it: JSON, text, CSV, GeoJSON, a workbook and an HTML page,
//! all from one list of rows ([`SitingView::rows`]), Chinese first.

use super::{Goal, Siting};
use crate::model::Dataset;
use crate::rules::Rule;
use carecircle_core::report::html::esc;
use serde::Serialize;
use std::fmt::Write;

/// The files `site --out` writes, and so the only ones it will replace.
pub const SITE_FILES: &[&str] = &[
    "siting.json",
    "sites.geojson",
    "sites.csv",
    "sites.xlsx",
    "siting.html",
    "coverage-before.png",
    "coverage-after.png",
];

/// What a siting answer is read with.
pub struct SitingView<'a> {
    pub dataset: &'a Dataset,
    pub rule: &'a Rule,
    pub siting: &'a Siting,
}

/// One chosen site, in build order (phase 1 first).
#[derive(Debug, Clone, Serialize)]
pub struct SiteRow {
    pub phase: usize,
    pub id: String,
    pub name: String,
    pub floor_area_m2: Option<f64>,
    /// Households it newly reaches after the sites of the phases before.
    pub newly_reached_households: u64,
    /// Households within reach once this phase is built (the locked facilities' included).
    pub households_within_reach: u64,
    pub newly_reached_areas: Vec<String>,
}

/// The JSON document (`site --format json`, `POST /site`, `siting.json`).
#[derive(Debug, Serialize)]
pub struct SitingDocument<'a> {
    pub dataset: &'a str,
    pub rule: &'a str,
    /// `add` (at most `added` sites, the most households: maximal covering) or `cover_all` (the fewest
    /// sites reaching every area a candidate can reach: set covering).
    pub goal: &'static str,
    pub added: usize,
    pub chosen: Vec<&'a str>,
    pub covered_households: u64,
    pub total_households: u64,
    pub before_households: u64,
    pub upper_bound: u64,
    /// `cover_all`: no answer uses fewer sites than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_sites: Option<u64>,
    pub optimal: bool,
    pub gap: f64,
    pub seconds: f64,
    pub greedy_households: u64,
    pub min_area_m2: f64,
    pub too_small: Vec<&'a str>,
    pub area_unknown: Vec<&'a str>,
    pub unreachable: Vec<&'a str>,
    pub reduction: Reduction,
    pub sites: Vec<SiteRow>,
    pub notes: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct Reduction {
    pub rows_before: usize,
    pub rows_after: usize,
    pub candidates_before: usize,
    pub candidates_after: usize,
}

impl<'a> SitingView<'a> {
    /// The chosen sites as rows: the one place a siting answer becomes rows.
    pub fn rows(&self) -> Vec<SiteRow> {
        let d = self.dataset;
        let mut within = self.siting.before_households;
        self.siting
            .chosen
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let k = &d.candidates[c.candidate];
                within += c.newly_reached_households;
                SiteRow {
                    phase: i + 1,
                    id: k.id.clone(),
                    name: k.name.clone(),
                    floor_area_m2: k.floor_area_m2,
                    newly_reached_households: c.newly_reached_households,
                    households_within_reach: within,
                    newly_reached_areas: c
                        .newly_reached
                        .iter()
                        .map(|&a| d.residential_areas[a].id.clone())
                        .collect(),
                }
            })
            .collect()
    }

    pub fn document(&self) -> SitingDocument<'a> {
        let s = self.siting;
        let d = self.dataset;
        let candidate_ids = |ks: &[usize]| ks.iter().map(|&k| d.candidates[k].id.as_str()).collect();
        SitingDocument {
            dataset: &d.name,
            rule: &s.rule,
            goal: goal_key(s.goal),
            added: s.chosen.len(),
            chosen: s.chosen.iter().map(|c| d.candidates[c.candidate].id.as_str()).collect(),
            covered_households: s.covered_households,
            total_households: s.total_households,
            before_households: s.before_households,
            upper_bound: s.upper_bound,
            min_sites: s.min_sites,
            optimal: s.optimal,
            gap: carecircle_core::report::json::round(s.gap, 6),
            seconds: carecircle_core::report::json::round(s.seconds, 3),
            greedy_households: s.greedy_households,
            min_area_m2: s.min_area_m2,
            too_small: candidate_ids(&s.too_small),
            area_unknown: candidate_ids(&s.area_unknown),
            unreachable: s
                .unreachable
                .iter()
                .map(|&a| d.residential_areas[a].id.as_str())
                .collect(),
            reduction: Reduction {
                rows_before: s.reduction.rows_before,
                rows_after: s.reduction.rows_after,
                candidates_before: s.reduction.sites_before,
                candidates_after: s.reduction.sites_after,
            },
            sites: self.rows(),
            notes: &s.notes,
        }
    }

    /// One line of the verdict, Chinese first.
    pub fn headline(&self) -> String {
        let s = self.siting;
        let (proof_zh, proof) = if s.optimal {
            ("已证明最优".to_string(), "proved optimal".to_string())
        } else {
            (
                format!("未证明最优，与上界差距至多{:.2}%", s.gap * 100.0),
                format!("not proved optimal: within {:.2} % of the proved bound", s.gap * 100.0),
            )
        };
        let share = |h: u64| {
            if s.total_households == 0 {
                0.0
            } else {
                h as f64 * 100.0 / s.total_households as f64
            }
        };
        format!(
            "新增{}处，服务范围内住户由{}户（{:.1}%）增至{}户（{:.1}%），共{}户；{} — {} sites added: households within reach \
             {} → {} of {}; {}",
            s.chosen.len(),
            s.before_households,
            share(s.before_households),
            s.covered_households,
            share(s.covered_households),
            s.total_households,
            proof_zh,
            s.chosen.len(),
            s.before_households,
            s.covered_households,
            s.total_households,
            proof
        )
    }

    /// The text people read at a terminal.
    pub fn text(&self) -> String {
        let s = self.siting;
        let mut t = String::new();
        let _ = writeln!(
            t,
            "选址 Siting — {} · 规则 rule {} · {}",
            self.dataset.name,
            s.rule,
            match s.goal {
                Goal::Add(n) => format!("至多新增{n}处，覆盖住户最多 — at most {n} sites, the most households (MCLP)"),
                Goal::CoverAll =>
                    "最少设施覆盖所有可达小区 — the fewest sites reaching every reachable area (LSCP)".into(),
            }
        );
        let _ = writeln!(t, "{}", self.headline());
        if let Some(min) = s.min_sites {
            let _ = writeln!(t, "至少需要{min}处 — no answer uses fewer than {min} sites");
        } else {
            let _ = writeln!(
                t,
                "上界{}户（贪心解{}户）— bound {} households (greedy alone: {})",
                s.upper_bound, s.greedy_households, s.upper_bound, s.greedy_households
            );
        }
        let _ = writeln!(t);
        let mut rows = vec![vec![
            "期次 phase".to_string(),
            "编号 id".into(),
            "名称 name".into(),
            "面积 m²".into(),
            "新增覆盖住户 +households".into(),
            "累计 within reach".into(),
        ]];
        for r in self.rows() {
            rows.push(vec![
                r.phase.to_string(),
                r.id,
                r.name,
                r.floor_area_m2.map_or("—".to_string(), |a| format!("{a:.0}")),
                r.newly_reached_households.to_string(),
                r.households_within_reach.to_string(),
            ]);
        }
        t.push_str(&carecircle_core::report::text::table(&rows));
        if let Goal::Add(n) = s.goal {
            if s.chosen.len() < n {
                let _ = writeln!(
                    t,
                    "只需{}处：再多的候选点不会增加覆盖 — only {} sites are worth adding: no further candidate reaches anyone more",
                    s.chosen.len(),
                    s.chosen.len()
                );
            }
        }
        let d = self.dataset;
        let ids = |ks: &[usize]| {
            ks.iter()
                .map(|&k| d.candidates[k].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !s.too_small.is_empty() {
            let _ = writeln!(
                t,
                "\n面积不足{}平方米而未纳入{}处 — {} candidates left out as smaller than {} m²: {}",
                s.min_area_m2,
                s.too_small.len(),
                s.too_small.len(),
                s.min_area_m2,
                ids(&s.too_small)
            );
        }
        if !s.area_unknown.is_empty() {
            let _ = writeln!(
                t,
                "未填面积、仍纳入{}处 — {} candidates with no floor area given, kept in: {}",
                s.area_unknown.len(),
                s.area_unknown.len(),
                ids(&s.area_unknown)
            );
        }
        if !s.unreachable.is_empty() {
            let shown: Vec<&str> = s
                .unreachable
                .iter()
                .take(20)
                .map(|&a| d.residential_areas[a].id.as_str())
                .collect();
            let _ = writeln!(
                t,
                "任何候选点都够不到的小区{}个 — {} areas out of reach of every candidate: {}{}",
                s.unreachable.len(),
                s.unreachable.len(),
                shown.join(", "),
                if s.unreachable.len() > shown.len() { ", …" } else { "" }
            );
        }
        let _ = writeln!(
            t,
            "约简 reduced: {} → {} 行 rows, {} → {} 候选点 candidates · {:.2} s",
            s.reduction.rows_before,
            s.reduction.rows_after,
            s.reduction.sites_before,
            s.reduction.sites_after,
            s.seconds
        );
        for n in &s.notes {
            let _ = writeln!(t, "注意 note: {n}");
        }
        t
    }

    /// `sites.csv`, with a byte-order mark so Excel reads the Chinese.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = carecircle_core::report::excel_csv::ExcelCsv::new();
        w.write_record([
            "期次 phase",
            "编号 id",
            "名称 name",
            "面积 floor_area_m2",
            "新增覆盖住户 newly_reached_households",
            "累计覆盖住户 households_within_reach",
            "新增覆盖小区 newly_reached_areas",
        ])?;
        for r in self.rows() {
            w.write_record([
                r.phase.to_string(),
                r.id,
                r.name,
                r.floor_area_m2.map(|a| a.to_string()).unwrap_or_default(),
                r.newly_reached_households.to_string(),
                r.households_within_reach.to_string(),
                r.newly_reached_areas.join(";"),
            ])?;
        }
        w.into_inner()
    }

    /// `sites.geojson`: the chosen sites with their rows' properties.
    pub fn geojson(&self) -> Result<Vec<u8>, serde_json::Error> {
        let features: Vec<serde_json::Value> = self
            .rows()
            .into_iter()
            .zip(&self.siting.chosen)
            .map(|(r, c)| {
                let geometry = carecircle_core::report::json::GeoJson(&self.dataset.candidates[c.candidate].geometry);
                serde_json::json!({
                    "type": "Feature",
                    "id": r.id,
                    "geometry": geometry,
                    "properties": r,
                })
            })
            .collect();
        let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
            "type": "FeatureCollection",
            "features": features,
        }))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// `sites.xlsx`: the sites in build order, and the answer's figures.
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let head = Format::new().set_bold().set_background_color("#ECEFF1");
        let sheet = book.add_worksheet().set_name("选址 sites")?;
        let columns = [
            ("期次 phase", 8.0),
            ("编号 id", 16.0),
            ("名称 name", 28.0),
            ("面积 m²", 10.0),
            ("新增覆盖住户", 14.0),
            ("累计覆盖住户", 14.0),
            ("新增覆盖小区 areas", 60.0),
        ];
        for (c, (title, width)) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *title, &head)?;
            sheet.set_column_width(c as u16, *width)?;
        }
        for r in self.rows() {
            let row = r.phase as u32;
            sheet.write_number(row, 0, r.phase as f64)?;
            sheet.write_string(row, 1, &r.id)?;
            sheet.write_string(row, 2, &r.name)?;
            if let Some(a) = r.floor_area_m2 {
                sheet.write_number(row, 3, a)?;
            }
            sheet.write_number(row, 4, r.newly_reached_households as f64)?;
            sheet.write_number(row, 5, r.households_within_reach as f64)?;
            sheet.write_string(row, 6, r.newly_reached_areas.join(";"))?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let s = self.siting;
        let sheet = book.add_worksheet().set_name("结论 answer")?;
        let figures: [(&str, String); 10] = [
            ("规则 rule", s.rule.clone()),
            ("目标 goal", goal_key(s.goal).to_string()),
            ("新增 sites", s.chosen.len().to_string()),
            ("原覆盖住户 before", s.before_households.to_string()),
            ("现覆盖住户 covered", s.covered_households.to_string()),
            ("总住户 total", s.total_households.to_string()),
            ("上界 upper bound", s.upper_bound.to_string()),
            ("最优 optimal", proof_zh(s).to_string()),
            ("差距 gap", format!("{:.4}%", s.gap * 100.0)),
            ("说明 headline", self.headline()),
        ];
        sheet.set_column_width(0, 20.0)?;
        sheet.set_column_width(1, 100.0)?;
        for (i, (k, v)) in figures.iter().enumerate() {
            sheet.write_string_with_format(i as u32, 0, *k, &head)?;
            sheet.write_string(i as u32, 1, v)?;
        }
        book.save_to_buffer()
    }

    /// `siting.html`: the answer, the sites in build order, and the maps before and after (PNG files beside
    /// it, named here), self-contained apart from them.
    pub fn html(&self, maps: bool) -> String {
        let s = self.siting;
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{} — 养老服务设施选址</title>\
             <style>{}</style></head><body>\n<h1>{} — 养老服务设施选址 <span class=\"small\">Siting</span></h1>\n\
             <p class=\"meta\">规则 rule: <b>{}</b> · {}</p>\n<p class=\"verdict {}\">{}</p>\n",
            esc(&self.dataset.name),
            carecircle_core::report::html::STYLE,
            esc(&self.dataset.name),
            esc(&s.rule),
            esc(self.rule.quote.as_str()),
            if s.optimal { "pass" } else { "fail" },
            esc(&self.headline())
        );
        let _ = write!(
            h,
            "<h2>分期建设顺序 Sites in build order</h2>\n<table><tr><th>期次 phase</th><th>编号 id</th><th>名称 name</th>\
             <th>面积 m²</th><th>新增覆盖住户</th><th>累计覆盖住户</th><th>新增覆盖小区 areas</th></tr>\n"
        );
        for r in self.rows() {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td>{}</td></tr>",
                r.phase,
                esc(&r.id),
                esc(&r.name),
                r.floor_area_m2.map_or("—".to_string(), |a| format!("{a:.0}")),
                r.newly_reached_households,
                r.households_within_reach,
                esc(&r.newly_reached_areas.join(", "))
            );
        }
        h.push_str("</table>\n");
        let notes = self.text();
        let _ = write!(h, "<h2>说明 Notes</h2>\n<pre class=\"small\">{}</pre>\n", esc(&notes));
        if maps {
            h.push_str(
                "<h2>覆盖图 Coverage before and after</h2>\n<p><img src=\"coverage-before.png\" alt=\"选址前覆盖 coverage before\" \
                 style=\"max-width:49%\"> <img src=\"coverage-after.png\" alt=\"选址后覆盖 coverage after\" style=\"max-width:49%\"></p>\n",
            );
        }
        h.push_str("</body></html>\n");
        h
    }
}

fn goal_key(goal: Goal) -> &'static str {
    match goal {
        Goal::Add(_) => "add",
        Goal::CoverAll => "cover_all",
    }
}

fn proof_zh(s: &Siting) -> &'static str {
    if s.optimal {
        "已证明最优"
    } else {
        "未证明最优"
    }
}
