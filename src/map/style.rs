//! Colours, symbols and the words on the map, Chinese by default and English with `--lang en`.

use super::{Coverage, MapError};
use crate::model::{Date, Mode, Tier};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos};
use plotters::style::{FontDesc, FontFamily, FontStyle, IntoFont, RGBColor, TextStyle};

pub use crate::report::Lang;

/// Sites a siting answer adds.
pub const ADDED: RGBColor = RGBColor(33, 33, 33);
pub const WATER: RGBColor = RGBColor(236, 242, 247);
pub const LAND: RGBColor = RGBColor(250, 249, 245);
pub const DISTRICT: RGBColor = RGBColor(33, 33, 33);
pub const STREET: RGBColor = RGBColor(97, 97, 97);
pub const COMMUNITY: RGBColor = RGBColor(189, 189, 189);
pub const STREET_TEXT: RGBColor = RGBColor(38, 50, 56);
pub const COMMUNITY_TEXT: RGBColor = RGBColor(55, 71, 79);
pub const MUTED: RGBColor = RGBColor(84, 110, 122);
pub const HALO: RGBColor = RGBColor(255, 255, 255);
/// The reach of a straight-line radius: one flat tint for the union of the circles, and its edge.
pub const RADIUS_FILL: RGBColor = RGBColor(227, 239, 250);
pub const RADIUS_LINE: RGBColor = RGBColor(144, 185, 226);
/// Roads within a walking radius.
pub const REACH: RGBColor = RGBColor(120, 176, 230);
pub const ROAD: RGBColor = RGBColor(200, 200, 200);
/// Within reach: a quiet green, so what is out of reach stands out.
pub const COVERED: RGBColor = RGBColor(102, 160, 106);
pub const UNCOVERED: RGBColor = RGBColor(230, 81, 0);
pub const UNJUDGED: RGBColor = RGBColor(96, 125, 139);
pub const FAILING: RGBColor = RGBColor(213, 0, 0);
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

/// The map's words in one language, and how they are put on the picture.
pub struct Text {
    lang: Lang,
    /// Drawing pixels (PNG) rather than SVG text.
    raster: bool,
}

impl Text {
    pub fn new(lang: Lang, raster: bool) -> Text {
        Text { lang, raster }
    }

    /// Text at a pixel position, in a style.
    ///
    /// plotters' raster text drops each glyph's left side bearing, so glyphs drift ("数据日 期",
    /// "service-r adius"); in a PNG each character is placed by its own advance and bearing (with kerning)
    /// from the font, then drawn on its own. SVG text is laid out by whatever shows it.
    pub fn write<DB: DrawingBackend, S: Into<String>>(
        &self,
        root: &DrawingArea<DB, Shift>,
        text: S,
        (x, y): (i32, i32),
        style: TextStyle,
    ) -> Result<(), MapError> {
        let text = text.into();
        let face = super::font::face();
        let (true, Some(face)) = (self.raster, face) else {
            return root
                .draw(&plotters::element::Text::new(text, (x, y), style))
                .map_err(|e| MapError::Draw(format!("{e:?}")));
        };
        use ab_glyph::{Font, ScaleFont};
        let scaled = face.as_scaled(style.font.get_size() as f32);
        let mut pen = Vec::with_capacity(text.len());
        let mut advance = 0.0f32;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                advance += scaled.kern(p, id);
            }
            let bearing = scaled
                .outline_glyph(id.with_scale(scaled.scale()))
                .map_or(0.0, |g| g.px_bounds().min.x);
            pen.push((c, advance + bearing));
            advance += scaled.h_advance(id);
            previous = Some(id);
        }
        let start = match style.pos.h_pos {
            HPos::Left => x as f32,
            HPos::Center => x as f32 - advance / 2.0,
            HPos::Right => x as f32 - advance,
        };
        let one = style.pos(Pos::new(HPos::Left, style.pos.v_pos));
        for (c, at) in pen {
            if c.is_whitespace() {
                continue;
            }
            root.draw(&plotters::element::Text::new(
                c.to_string(),
                ((start + at).round() as i32, y),
                one.clone(),
            ))
            .map_err(|e| MapError::Draw(format!("{e:?}")))?;
        }
        Ok(())
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

    /// The title of a map shading areas by accessibility rather than coverage.
    pub fn access_title(&self, dataset: &str) -> String {
        if self.zh() {
            format!("{dataset} — 养老服务可达性图")
        } else {
            format!("{dataset} — elderly-care accessibility map")
        }
    }

    pub fn subtitle(&self, as_of: Date, mode: Mode, coverage: Option<&Coverage>) -> String {
        let rule = coverage.map_or(String::new(), |c| format!(" · {}", c.rule));
        match (self.zh(), mode) {
            (true, Mode::Audit) => format!("数据日期 {as_of} · 回头看（只计已建成设施）{rule}"),
            (true, Mode::Review) => format!("数据日期 {as_of} · 规划审查（计入规划、在建设施）{rule}"),
            (false, Mode::Audit) => format!("as of {as_of} · audit (existing facilities count){rule}"),
            (false, Mode::Review) => format!("as of {as_of} · plan review (planned facilities count too){rule}"),
        }
    }

    pub fn too_small(&self, n: usize) -> String {
        if self.zh() {
            format!(" · {n}处不合格小区过小未加红框（用 --bbox 放大查看）")
        } else {
            format!(" · {n} failing areas too small to outline here (zoom in with --bbox)")
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

    /// How the rule measures: a walk along the roads or a straight line.
    fn how(&self, coverage: &Coverage) -> &'static str {
        match (self.zh(), coverage.walking) {
            (true, true) => "步行",
            (true, false) => "",
            (false, true) => " walk",
            (false, false) => "",
        }
    }

    pub fn covered(&self, coverage: &Coverage) -> String {
        if self.zh() {
            format!("小区：{}{}米内有设施", self.how(coverage), coverage.radius_m)
        } else {
            format!("Area within a {} m{}", coverage.radius_m, self.how(coverage))
        }
    }

    pub fn uncovered(&self, coverage: &Coverage) -> String {
        if self.zh() {
            format!("小区：{}{}米内无设施（不合格）", self.how(coverage), coverage.radius_m)
        } else {
            format!("Area beyond a {} m{} (failing)", coverage.radius_m, self.how(coverage))
        }
    }

    pub fn radius(&self, coverage: &Coverage) -> String {
        match (self.zh(), coverage.walking) {
            (true, true) => format!("步行{}米可达的道路", coverage.radius_m),
            (true, false) => format!("服务半径{}米覆盖范围", coverage.radius_m),
            (false, true) => format!("Roads within a {} m walk", coverage.radius_m),
            (false, false) => format!("Within the {} m service radius", coverage.radius_m),
        }
    }

    pub fn failing_unit(&self) -> &'static str {
        if self.zh() {
            "红字（或红点）：有规则未达标的社区/村"
        } else {
            "Red name (or dot): a unit failing a rule"
        }
    }

    pub fn failing_unit_sample(&self) -> &'static str {
        if self.zh() {
            "村"
        } else {
            "A"
        }
    }

    pub fn roads(&self) -> &'static str {
        if self.zh() {
            "道路"
        } else {
            "Road"
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
            "户数：颜色越深户数越多"
        } else {
            "Households: darker, more"
        }
    }

    pub fn nothing_within_reach(&self) -> &'static str {
        if self.zh() {
            "服务半径内无设施"
        } else {
            "No facility within reach"
        }
    }

    pub fn added(&self) -> &'static str {
        if self.zh() {
            "黑圈：选址新增的设施"
        } else {
            "Black ring: a site the siting adds"
        }
    }

    pub fn failing(&self) -> &'static str {
        if self.zh() {
            "红框：不合格的小区、设施"
        } else {
            "Red outline: failing area or facility"
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

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    /// Columns holding ink in a one-line raster of `text`, as runs (start, end).
    fn ink_runs(text: &str, size: u32) -> Vec<(usize, usize)> {
        let font = crate::find_font(None).expect("a CJK font (scripts/test installs fonts-wqy-microhei)");
        crate::register(&font).unwrap();
        let (w, h) = (1200usize, 2 * size as usize);
        let mut rgb = vec![255u8; w * h * 3];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w as u32, h as u32)).into_drawing_area();
            let t = super::Text::new(Lang::Chinese, true);
            t.write(&root, text, (10, 8), t.font(size, false)).unwrap();
            root.present().unwrap();
        }
        let inked: Vec<bool> = (0..w).map(|x| (0..h).any(|y| rgb[(y * w + x) * 3] < 160)).collect();
        let mut runs = Vec::new();
        let mut start = None;
        for (x, ink) in inked.iter().enumerate() {
            match (ink, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// Each glyph's ink starts where the font puts it: the pen (advances and kerning) plus the glyph's own
    /// left side bearing, which plotters' raster text drops ("数据日 期", "service-r adius").
    #[test]
    fn raster_glyphs_sit_where_the_font_puts_them() {
        use ab_glyph::{Font, ScaleFont};
        for text in ["数据日期", "r a d i u s"] {
            // Large, so side bearings (a few pixels) dwarf anti-aliasing's pixel of doubt.
            let runs = ink_runs(text, 80);
            let face = crate::font::face().unwrap().as_scaled(80.0);
            let mut pen = 0.0f32;
            let mut expected = Vec::new();
            let mut previous = None;
            for c in text.chars() {
                let id = face.glyph_id(c);
                if let Some(p) = previous {
                    pen += face.kern(p, id);
                }
                if let Some(glyph) = face.outline_glyph(id.with_scale(80.0)) {
                    expected.push(10.0 + pen + glyph.px_bounds().min.x);
                }
                pen += face.h_advance(id);
                previous = Some(id);
            }
            assert_eq!(runs.len(), expected.len(), "{text}: {runs:?}");
            for (run, want) in runs.iter().zip(&expected) {
                assert!(
                    (run.0 as f32 - want).abs() <= 1.5,
                    "{text}: ink at {runs:?}, font says {expected:?}"
                );
            }
        }
    }
}
