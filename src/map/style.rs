//! Colours, symbols and the words on the map, Chinese by default and English with `--lang en`.

use super::Coverage;
use crate::model::{Date, Mode, Tier};
use plotters::style::{FontDesc, FontFamily, FontStyle, IntoFont, RGBColor, TextStyle};

/// The language of the map's words. Place names are shown as they are in either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Chinese,
    English,
}

pub const WATER: RGBColor = RGBColor(236, 242, 247);
pub const LAND: RGBColor = RGBColor(250, 249, 245);
pub const DISTRICT: RGBColor = RGBColor(33, 33, 33);
pub const STREET: RGBColor = RGBColor(97, 97, 97);
pub const COMMUNITY: RGBColor = RGBColor(189, 189, 189);
pub const STREET_TEXT: RGBColor = RGBColor(38, 50, 56);
pub const COMMUNITY_TEXT: RGBColor = RGBColor(117, 117, 117);
pub const MUTED: RGBColor = RGBColor(84, 110, 122);
pub const HALO: RGBColor = RGBColor(255, 255, 255);
pub const RADIUS_FILL: RGBColor = RGBColor(144, 202, 249);
pub const RADIUS_LINE: RGBColor = RGBColor(100, 149, 237);
pub const COVERED: RGBColor = RGBColor(46, 125, 50);
pub const UNCOVERED: RGBColor = RGBColor(230, 81, 0);
pub const UNJUDGED: RGBColor = RGBColor(96, 125, 139);
pub const FAILING: RGBColor = RGBColor(213, 0, 0);
pub const FAILING_UNIT: RGBColor = RGBColor(255, 23, 68);
pub const NOT_COUNTED: RGBColor = RGBColor(120, 120, 120);

/// Each tier's colour; every colour on the map is distinct, so a facility's mark can be told by it.
pub fn tier_colour(tier: Tier) -> RGBColor {
    match tier {
        Tier::RegionalCenter => RGBColor(123, 31, 162),
        Tier::DaycareCenter => RGBColor(25, 118, 210),
        Tier::Station => RGBColor(0, 137, 123),
        Tier::HappinessCourt => RGBColor(141, 110, 99),
        Tier::Institution => RGBColor(136, 14, 79),
        Tier::Canteen => RGBColor(245, 127, 23),
        Tier::Medical => RGBColor(198, 40, 40),
    }
}

pub fn tier_name(tier: Tier, lang: Lang) -> &'static str {
    match (lang, tier) {
        (Lang::Chinese, Tier::RegionalCenter) => "区域性养老服务中心/综合体",
        (Lang::Chinese, Tier::DaycareCenter) => "日间照料中心",
        (Lang::Chinese, Tier::Station) => "居家养老服务站",
        (Lang::Chinese, Tier::HappinessCourt) => "农村幸福院",
        (Lang::Chinese, Tier::Institution) => "养老机构",
        (Lang::Chinese, Tier::Canteen) => "长者食堂",
        (Lang::Chinese, Tier::Medical) => "医疗卫生机构",
        (Lang::English, Tier::RegionalCenter) => "Regional centre / complex",
        (Lang::English, Tier::DaycareCenter) => "Day-care centre",
        (Lang::English, Tier::Station) => "Community station",
        (Lang::English, Tier::HappinessCourt) => "Village happiness court",
        (Lang::English, Tier::Institution) => "Care institution",
        (Lang::English, Tier::Canteen) => "Canteen",
        (Lang::English, Tier::Medical) => "Medical",
    }
}

/// `colour` lightened towards white by `1 - share`: more households, darker.
pub fn shade(colour: RGBColor, share: f64) -> RGBColor {
    let k = 0.25 + 0.75 * share.clamp(0.0, 1.0);
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * k).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// The map's words in one language.
pub struct Text {
    lang: Lang,
}

impl Text {
    pub fn new(lang: Lang) -> Text {
        Text { lang }
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Chinese
    }

    pub fn font(&self, size: u32, bold: bool) -> TextStyle<'static> {
        let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
        let desc: FontDesc<'static> = (FontFamily::SansSerif, f64::from(size), style).into_font();
        desc.into()
    }

    pub fn title(&self, dataset: &str) -> String {
        if self.zh() {
            format!("{dataset} — 养老服务设施覆盖图")
        } else {
            format!("{dataset} — elderly-care coverage map")
        }
    }

    pub fn subtitle(&self, as_of: Date, mode: Mode, coverage: Option<&Coverage>) -> String {
        let rule = coverage.map_or(String::new(), |c| c.rule.clone());
        match (self.zh(), mode) {
            (true, Mode::Audit) => format!("数据日期 {as_of} · 回头看（只计已建成设施） · {rule}"),
            (true, Mode::Review) => format!("数据日期 {as_of} · 规划审查（计入规划、在建设施） · {rule}"),
            (false, Mode::Audit) => format!("as of {as_of} · audit (existing facilities count) · {rule}"),
            (false, Mode::Review) => format!("as of {as_of} · plan review (planned facilities count too) · {rule}"),
        }
    }

    pub fn legend_heading(&self) -> &'static str {
        if self.zh() {
            "图例"
        } else {
            "Legend"
        }
    }

    pub fn not_counted(&self, mode: Mode) -> &'static str {
        match (self.zh(), mode) {
            (true, Mode::Audit) => "空心：规划/在建/停用，不计入",
            (true, Mode::Review) => "空心：已停用，不计入",
            (false, Mode::Audit) => "Hollow: planned/building/closed",
            (false, Mode::Review) => "Hollow: closed, not counted",
        }
    }

    pub fn covered(&self, radius_m: f64) -> String {
        if self.zh() {
            format!("小区：{radius_m}米内有设施")
        } else {
            format!("Area within {radius_m} m")
        }
    }

    pub fn uncovered(&self, radius_m: f64) -> String {
        if self.zh() {
            format!("小区：{radius_m}米内无设施")
        } else {
            format!("Area beyond {radius_m} m")
        }
    }

    pub fn radius(&self, coverage: &Coverage) -> String {
        if self.zh() {
            format!("服务半径 {} 米", coverage.radius_m)
        } else {
            format!("Service radius {} m", coverage.radius_m)
        }
    }

    pub fn areas(&self) -> &'static str {
        if self.zh() {
            "居住区（无服务半径规则）"
        } else {
            "Residential area (no radius rule)"
        }
    }

    pub fn shade_note(&self) -> &'static str {
        if self.zh() {
            "颜色越深户数越多"
        } else {
            "Darker: more households"
        }
    }

    pub fn failing(&self) -> &'static str {
        if self.zh() {
            "红框：不合格对象"
        } else {
            "Red outline: failing subject"
        }
    }

    pub fn boundary(&self) -> &'static str {
        if self.zh() {
            "街道/乡镇界"
        } else {
            "Street/township boundary"
        }
    }

    pub fn north(&self) -> &'static str {
        if self.zh() {
            "北"
        } else {
            "N"
        }
    }
}
