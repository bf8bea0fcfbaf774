//! Coverage maps, PNG and SVG, drawn with plotters: admin boundaries with their names, residential areas
//! shaded by coverage and households, facilities by tier, the service radius around each counted facility,
//! failing subjects outlined, a legend, a scale bar, a north arrow and a title.
//!
//! The map is laid out in a local equirectangular frame in metres around the centre of its extent, so
//! the scale bar and the radius circles are true to within a fraction of a percent at city scale.

mod font;
mod style;

pub use font::{find_font, register, FontError, FONT_ENV};
pub use style::Lang;

use crate::engine::{Finding, Layer, Report};
use crate::model::{Dataset, Level, Mode, Tier};
use crate::rules::{RuleKind, Ruleset};
use geo::{BoundingRect, Coord, Geometry, InteriorPoint, Rect};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::HashSet;
use style::{tier_colour, tier_name, Text};

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("cannot draw the map: {0}")]
    Draw(String),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
    #[error("the map has nothing to show: the dataset has no admin units, residential areas or facilities in the box")]
    Empty,
}

/// The coverage a map shows: one radius rule's verdict on every residential area.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub rule: String,
    pub radius_m: f64,
    pub tiers: Vec<Tier>,
    /// Ids of the residential areas out of reach.
    pub uncovered: HashSet<String>,
}

impl Coverage {
    /// The coverage of the first straight-line or walking radius rule that the check judged (so only a rule
    /// in force), with the check's own verdict: nothing is judged again here. `None` when the check judged
    /// no radius rule.
    pub fn of(rulesets: &[Ruleset], report: &Report) -> Option<Coverage> {
        let (rule, params) = rulesets
            .iter()
            .flat_map(|r| &r.rules)
            .find_map(|rule| match &rule.kind {
                RuleKind::ServiceRadius(p) if report.outcomes.iter().any(|o| o.rule == rule.id) => Some((rule, p)),
                _ => None,
            })?;
        Some(Coverage {
            rule: rule.id.clone(),
            radius_m: params.radius_m,
            tiers: params.tiers.clone(),
            uncovered: report
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .map(|f| f.id.clone())
                .collect(),
        })
    }
}

/// Everything a map shows.
pub struct MapSpec<'a> {
    pub dataset: &'a Dataset,
    pub mode: Mode,
    pub coverage: Option<&'a Coverage>,
    /// Subjects to outline as failing.
    pub findings: &'a [Finding],
    /// The extent to show (WGS84); the data's extent when `None`.
    pub bbox: Option<Rect<f64>>,
    pub width: u32,
    pub lang: Lang,
}

/// Renders the map as SVG text. The same spec gives the same bytes.
pub fn render_svg(spec: &MapSpec) -> Result<String, MapError> {
    let frame = Frame::new(spec)?;
    let mut svg = String::new();
    {
        let backend = SVGBackend::with_string(&mut svg, (frame.width, frame.height));
        draw(backend.into_drawing_area(), spec, &frame)?;
    }
    Ok(svg)
}

/// Renders the map as PNG bytes.
pub fn render_png(spec: &MapSpec) -> Result<Vec<u8>, MapError> {
    let frame = Frame::new(spec)?;
    let mut rgb = vec![0u8; frame.width as usize * frame.height as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut rgb, (frame.width, frame.height));
        draw(backend.into_drawing_area(), spec, &frame)?;
    }
    let image = image::RgbImage::from_raw(frame.width, frame.height, rgb)
        .ok_or_else(|| MapError::Encode("buffer size".into()))?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageOutputFormat::Png)
        .map_err(|e| MapError::Encode(e.to_string()))?;
    Ok(png.into_inner())
}

const TITLE_H: i32 = 64;
const MARGIN: i32 = 16;
const FOOTER_H: i32 = 28;
const LEGEND_H: i32 = 350;

/// Where things go: the picture's size and the projection from WGS84 to pixels.
struct Frame {
    width: u32,
    height: u32,
    legend_w: i32,
    /// The map's pixel box: left, top, right, bottom.
    map: (i32, i32, i32, i32),
    centre: Coord<f64>,
    /// Metres per degree of longitude and latitude at the centre.
    metres_per_degree: (f64, f64),
    /// Pixels per metre.
    scale: f64,
    bbox: Rect<f64>,
}

impl Frame {
    fn new(spec: &MapSpec) -> Result<Frame, MapError> {
        let bbox = match spec.bbox {
            Some(b) => b,
            None => data_extent(spec.dataset).ok_or(MapError::Empty)?,
        };
        let centre = bbox.center();
        let metres_per_degree = (111_320.0 * centre.y.to_radians().cos(), 110_574.0);
        let (ext_x, ext_y) = (
            (bbox.width() * metres_per_degree.0).max(1.0),
            (bbox.height() * metres_per_degree.1).max(1.0),
        );
        let width = spec.width.clamp(600, 8000);
        let legend_w = 270;
        let map_w = width as i32 - legend_w - 3 * MARGIN;
        let map_h = ((map_w as f64) * ext_y / ext_x).clamp(320.0, 2.0 * map_w as f64) as i32;
        let scale = (map_w as f64 / ext_x).min(map_h as f64 / ext_y);
        // Tall enough for the legend beside a wide, flat map.
        let height = (TITLE_H + map_h + FOOTER_H + MARGIN).max(TITLE_H + LEGEND_H) as u32;
        Ok(Frame {
            width,
            height,
            legend_w,
            map: (MARGIN, TITLE_H, MARGIN + map_w, TITLE_H + map_h),
            centre,
            metres_per_degree,
            scale,
            bbox,
        })
    }

    fn px(&self, c: Coord<f64>) -> (i32, i32) {
        let x = (c.x - self.centre.x) * self.metres_per_degree.0 * self.scale;
        let y = (c.y - self.centre.y) * self.metres_per_degree.1 * self.scale;
        let (l, t, r, b) = self.map;
        (
            ((l + r) as f64 / 2.0 + x).round() as i32,
            ((t + b) as f64 / 2.0 - y).round() as i32,
        )
    }

    fn shows(&self, g: &Geometry<f64>) -> bool {
        g.bounding_rect().is_some_and(|r| {
            r.max().x >= self.bbox.min().x
                && r.min().x <= self.bbox.max().x
                && r.max().y >= self.bbox.min().y
                && r.min().y <= self.bbox.max().y
        })
    }
}

/// The extent of the admin units, or of the areas and facilities when there are none, padded by 3 %.
fn data_extent(d: &Dataset) -> Option<Rect<f64>> {
    let mut rects: Vec<Rect<f64>> = d
        .admin_units
        .iter()
        .filter_map(|u| u.boundary.bounding_rect())
        .collect();
    if rects.is_empty() {
        rects.extend(d.residential_areas.iter().filter_map(|a| a.geometry.bounding_rect()));
        rects.extend(d.facilities.iter().filter_map(|f| f.geometry.bounding_rect()));
    }
    let first = *rects.first()?;
    let r = rects.iter().fold(first, |acc, r| {
        Rect::new(
            Coord {
                x: acc.min().x.min(r.min().x),
                y: acc.min().y.min(r.min().y),
            },
            Coord {
                x: acc.max().x.max(r.max().x),
                y: acc.max().y.max(r.max().y),
            },
        )
    });
    let (dx, dy) = (r.width().max(0.002) * 0.03, r.height().max(0.002) * 0.03);
    Some(Rect::new(
        Coord {
            x: r.min().x - dx,
            y: r.min().y - dy,
        },
        Coord {
            x: r.max().x + dx,
            y: r.max().y + dy,
        },
    ))
}

fn err<E: std::fmt::Debug>(e: E) -> MapError {
    MapError::Draw(format!("{e:?}"))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, spec: &MapSpec, frame: &Frame) -> Result<(), MapError> {
    let d = spec.dataset;
    let t = Text::new(spec.lang);
    root.fill(&WHITE).map_err(err)?;
    let (l, top, r, b) = frame.map;
    root.draw(&Rectangle::new([(l, top), (r, b)], style::WATER.filled()))
        .map_err(err)?;

    // Admin units, finest first so the coarser boundaries draw over them.
    let mut units: Vec<usize> = (0..d.admin_units.len()).collect();
    units.sort_by_key(|&u| std::cmp::Reverse(d.admin_units[u].level.depth()));
    for &u in &units {
        let unit = &d.admin_units[u];
        let (fill, stroke, width) = match unit.level.depth() {
            0 => (None, style::DISTRICT, 3),
            1 => (None, style::STREET, 2),
            _ => (Some(style::LAND), style::COMMUNITY, 1),
        };
        for polygon in &unit.boundary.0 {
            let ring: Vec<(i32, i32)> = polygon.exterior().coords().map(|c| frame.px(*c)).collect();
            if let Some(fill) = fill {
                root.draw(&Polygon::new(ring.clone(), fill.filled())).map_err(err)?;
            }
            root.draw(&PathElement::new(ring, stroke.stroke_width(width)))
                .map_err(err)?;
        }
    }

    // The service radius around each counted facility of the coverage tiers.
    if let Some(cov) = spec.coverage {
        // A circle wider than the picture covers it all: drawing a larger one only costs time.
        let widest = f64::from(frame.width.max(frame.height)) * 2.0;
        let radius_px = (cov.radius_m * frame.scale).round().clamp(1.0, widest) as i32;
        for f in d
            .facilities
            .iter()
            .filter(|f| cov.tiers.contains(&f.tier) && f.status.counts_in(spec.mode))
        {
            if frame.shows(&f.geometry) {
                let at = frame.px(f.location.0);
                root.draw(&Circle::new(at, radius_px, style::RADIUS_FILL.mix(0.35).filled()))
                    .map_err(err)?;
                root.draw(&Circle::new(at, radius_px, style::RADIUS_LINE.mix(0.6).stroke_width(1)))
                    .map_err(err)?;
            }
        }
    }

    // Residential areas: covered or not, darker for more households.
    let most = d
        .residential_areas
        .iter()
        .map(|a| a.households)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    for a in d.residential_areas.iter().filter(|a| frame.shows(&a.geometry)) {
        let share = (a.households as f64 / most).sqrt();
        let colour = match spec.coverage {
            Some(cov) if cov.uncovered.contains(&a.id) => style::shade(style::UNCOVERED, share),
            Some(_) => style::shade(style::COVERED, share),
            None => style::shade(style::UNJUDGED, share),
        };
        draw_area(&root, frame, &a.geometry, colour)?;
    }

    // Failing subjects outlined.
    let mut outlined = HashSet::new();
    for f in spec.findings.iter().filter(|f| frame.shows(&f.geometry)) {
        if !outlined.insert((f.layer, f.id.as_str())) {
            continue;
        }
        match (&f.geometry, f.layer) {
            (Geometry::Point(p), _) => {
                root.draw(&Circle::new(frame.px(p.0), 9, style::FAILING.stroke_width(2)))
                    .map_err(err)?;
            }
            // Units are many and large: a tint and a thin line, so the areas inside stay readable.
            (Geometry::MultiPolygon(mp), Layer::AdminUnits) => {
                for p in &mp.0 {
                    let ring: Vec<(i32, i32)> = p.exterior().coords().map(|c| frame.px(*c)).collect();
                    root.draw(&Polygon::new(ring, style::FAILING_UNIT.mix(0.07).filled()))
                        .map_err(err)?;
                }
                outline(&root, frame, &f.geometry, style::FAILING_UNIT, 1)?;
            }
            (g, _) => outline(&root, frame, g, style::FAILING, 2)?,
        }
    }

    // Facilities: one mark each, filled when counted in this mode, hollow when not.
    for f in d.facilities.iter().filter(|f| frame.shows(&f.geometry)) {
        mark(&root, frame.px(f.location.0), f.tier, f.status.counts_in(spec.mode))?;
    }

    // Whatever reaches past the map's box (circles, units cut by --bbox) is covered before the labels,
    // title and legend go on.
    let (w, h) = (frame.width as i32, frame.height as i32);
    for mask in [[(0, 0), (w, top)], [(0, 0), (l, h)], [(r, 0), (w, h)], [(0, b), (w, h)]] {
        root.draw(&Rectangle::new(mask, WHITE.filled())).map_err(err)?;
    }
    root.draw(&Rectangle::new([(l, top), (r, b)], style::STREET.stroke_width(1)))
        .map_err(err)?;
    labels(&root, spec, frame, &t)?;
    title(&root, spec, &t)?;
    legend(&root, spec, frame, &t)?;
    scale_bar(&root, frame, &t)?;
    north_arrow(&root, frame, &t)?;
    root.present().map_err(err)?;
    Ok(())
}

fn draw_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    g: &Geometry<f64>,
    colour: RGBColor,
) -> Result<(), MapError> {
    match g {
        Geometry::Polygon(p) => {
            let ring: Vec<(i32, i32)> = p.exterior().coords().map(|c| frame.px(*c)).collect();
            root.draw(&Polygon::new(ring, colour.filled())).map_err(err)?;
        }
        Geometry::MultiPolygon(mp) => {
            for p in &mp.0 {
                draw_area(root, frame, &Geometry::Polygon(p.clone()), colour)?;
            }
        }
        Geometry::Point(p) => {
            let (x, y) = frame.px(p.0);
            root.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], colour.filled()))
                .map_err(err)?;
        }
        _ => {}
    }
    Ok(())
}

fn outline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    g: &Geometry<f64>,
    colour: RGBColor,
    width: u32,
) -> Result<(), MapError> {
    let polygons: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        Geometry::GeometryCollection(gc) => {
            for g in &gc.0 {
                outline(root, frame, g, colour, width)?;
            }
            return Ok(());
        }
        _ => vec![],
    };
    for p in polygons {
        let ring: Vec<(i32, i32)> = p.exterior().coords().map(|c| frame.px(*c)).collect();
        root.draw(&PathElement::new(ring, colour.stroke_width(width)))
            .map_err(err)?;
    }
    Ok(())
}

/// One element per facility, in its tier's colour (filled when counted, outlined when not).
fn mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    tier: Tier,
    counted: bool,
) -> Result<(), MapError> {
    let colour = tier_colour(tier);
    let style = if counted {
        colour.filled()
    } else {
        colour.stroke_width(2)
    };
    let s = 6;
    let shape: Vec<(i32, i32)> = match tier {
        Tier::Station | Tier::Canteen => {
            let r = if tier == Tier::Canteen { 4 } else { 5 };
            return root.draw(&Circle::new((x, y), r, style)).map_err(err);
        }
        Tier::DaycareCenter => vec![(x, y - s - 1), (x + s, y + s - 1), (x - s, y + s - 1)],
        Tier::HappinessCourt => vec![(x, y - s), (x + s, y), (x, y + s), (x - s, y)],
        Tier::RegionalCenter | Tier::Institution => {
            let h = if tier == Tier::RegionalCenter { s + 1 } else { s };
            vec![(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)]
        }
        Tier::Medical => {
            let (a, b) = (2, s);
            vec![
                (x - a, y - b),
                (x + a, y - b),
                (x + a, y - a),
                (x + b, y - a),
                (x + b, y + a),
                (x + a, y + a),
                (x + a, y + b),
                (x - a, y + b),
                (x - a, y + a),
                (x - b, y + a),
                (x - b, y - a),
                (x - a, y - a),
            ]
        }
    };
    if counted {
        root.draw(&Polygon::new(shape, style)).map_err(err)
    } else {
        let mut closed = shape.clone();
        closed.push(shape[0]);
        root.draw(&PathElement::new(closed, style)).map_err(err)
    }
}

/// Unit names: streets and townships always, communities and villages where they fit.
fn labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &MapSpec,
    frame: &Frame,
    t: &Text,
) -> Result<(), MapError> {
    let d = spec.dataset;
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let (l, top, r, b) = frame.map;
    let mut order: Vec<usize> = (0..d.admin_units.len())
        .filter(|&u| d.admin_units[u].level != Level::District)
        .collect();
    order.sort_by_key(|&u| d.admin_units[u].level.depth());
    for u in order {
        let unit = &d.admin_units[u];
        let Some(at) = unit.boundary.interior_point() else {
            continue;
        };
        let (x, y) = frame.px(at.0);
        let coarse = unit.level.depth() == 1;
        let size = if coarse { 20 } else { 11 };
        let font = t.font(size, coarse).pos(Pos::new(HPos::Center, VPos::Center));
        let (w, h) = root.estimate_text_size(&unit.name, &font).map_err(err)?;
        let (w, h) = (w as i32, h as i32);
        let bx = (x - w / 2 - 2, y - h / 2 - 1, x + w / 2 + 2, y + h / 2 + 1);
        let inside = bx.0 >= l && bx.2 <= r && bx.1 >= top && bx.3 <= b;
        let clear = placed
            .iter()
            .all(|p| bx.2 < p.0 || bx.0 > p.2 || bx.3 < p.1 || bx.1 > p.3);
        // Street names are kept even when crowded; finer names only where they fit.
        if !inside || (!coarse && !clear) {
            continue;
        }
        let colour = if coarse {
            style::STREET_TEXT
        } else {
            style::COMMUNITY_TEXT
        };
        if coarse {
            // A light halo keeps the big names readable over areas and circles.
            root.draw(&Rectangle::new([(bx.0, bx.1), (bx.2, bx.3)], style::HALO.filled()))
                .map_err(err)?;
        }
        write(root, unit.name.clone(), (x, y), font.color(&colour))?;
        placed.push(bx);
    }
    Ok(())
}

fn title<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &MapSpec, t: &Text) -> Result<(), MapError> {
    let d = spec.dataset;
    let heading = t.title(&d.name);
    write(root, heading, (MARGIN, 10), t.font(24, true))?;
    let sub = t.subtitle(d.as_of, spec.mode, spec.coverage);
    write(root, sub, (MARGIN, 40), t.font(14, false).color(&style::MUTED))?;
    Ok(())
}

fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &MapSpec,
    frame: &Frame,
    t: &Text,
) -> Result<(), MapError> {
    let x0 = frame.width as i32 - frame.legend_w - MARGIN;
    let mut y = TITLE_H;
    let head = t.font(16, true);
    let item = t.font(13, false).pos(Pos::new(HPos::Left, VPos::Center));
    write(root, t.legend_heading(), (x0, y), head)?;
    y += 30;
    let present: Vec<Tier> = Tier::ALL
        .iter()
        .copied()
        .filter(|tier| spec.dataset.facilities.iter().any(|f| f.tier == *tier))
        .collect();
    for tier in present {
        mark(root, (x0 + 10, y), tier, true)?;
        write(root, tier_name(tier, spec.lang), (x0 + 26, y), item.clone())?;
        y += 22;
    }
    root.draw(&Circle::new((x0 + 10, y), 5, style::NOT_COUNTED.stroke_width(2)))
        .map_err(err)?;
    write(root, t.not_counted(spec.mode), (x0 + 26, y), item.clone())?;
    y += 30;
    let swatch = |colour: RGBColor, y: i32| Rectangle::new([(x0 + 2, y - 7), (x0 + 18, y + 7)], colour.filled());
    if let Some(cov) = spec.coverage {
        root.draw(&swatch(style::shade(style::COVERED, 0.8), y)).map_err(err)?;
        write(root, t.covered(cov.radius_m), (x0 + 26, y), item.clone())?;
        y += 22;
        root.draw(&swatch(style::shade(style::UNCOVERED, 0.8), y))
            .map_err(err)?;
        write(root, t.uncovered(cov.radius_m), (x0 + 26, y), item.clone())?;
        y += 22;
        root.draw(&Circle::new((x0 + 10, y), 8, style::RADIUS_LINE.stroke_width(1)))
            .map_err(err)?;
        write(root, t.radius(cov), (x0 + 26, y), item.clone())?;
        y += 22;
    } else {
        root.draw(&swatch(style::shade(style::UNJUDGED, 0.8), y)).map_err(err)?;
        write(root, t.areas(), (x0 + 26, y), item.clone())?;
        y += 22;
    }
    write(root, t.shade_note(), (x0 + 26, y), item.clone())?;
    y += 22;
    root.draw(&Rectangle::new(
        [(x0 + 2, y - 7), (x0 + 18, y + 7)],
        style::FAILING.stroke_width(2),
    ))
    .map_err(err)?;
    write(root, t.failing(), (x0 + 26, y), item.clone())?;
    y += 22;
    root.draw(&PathElement::new(
        vec![(x0 + 2, y), (x0 + 18, y)],
        style::STREET.stroke_width(2),
    ))
    .map_err(err)?;
    write(root, t.boundary(), (x0 + 26, y), item)?;
    Ok(())
}

/// Text at a pixel position, in a style.
fn write<DB: DrawingBackend, S: Into<String>>(
    root: &DrawingArea<DB, Shift>,
    text: S,
    at: (i32, i32),
    style: TextStyle,
) -> Result<(), MapError> {
    root.draw(&plotters::element::Text::new(text.into(), at, style))
        .map_err(err)
}

/// A bar of a round length, about a fifth of the map's width.
fn scale_bar<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, frame: &Frame, t: &Text) -> Result<(), MapError> {
    let (l, _, r, b) = frame.map;
    let target_m = (r - l) as f64 / 5.0 / frame.scale;
    let metres = [
        50.0, 100.0, 200.0, 250.0, 500.0, 1_000.0, 2_000.0, 2_500.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0,
    ]
    .into_iter()
    .rev()
    .find(|m| *m <= target_m)
    .unwrap_or(50.0);
    let len = (metres * frame.scale).round() as i32;
    let (x, y) = (l + 14, b - 18);
    root.draw(&Rectangle::new(
        [(x - 6, y - 24), (x + len + 60, y + 10)],
        style::HALO.filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new([(x, y - 4), (x + len / 2, y + 4)], BLACK.filled()))
        .map_err(err)?;
    root.draw(&Rectangle::new(
        [(x + len / 2, y - 4), (x + len, y + 4)],
        BLACK.stroke_width(1),
    ))
    .map_err(err)?;
    let label = if metres >= 1_000.0 {
        format!("{} km", metres / 1_000.0)
    } else {
        format!("{metres} m")
    };
    write(root, label, (x + len + 8, y - 8), t.font(13, false))?;
    Ok(())
}

fn north_arrow<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, frame: &Frame, t: &Text) -> Result<(), MapError> {
    let (_, top, r, _) = frame.map;
    let (x, y) = (r - 30, top + 22);
    root.draw(&Rectangle::new(
        [(x - 18, y - 16), (x + 18, y + 48)],
        style::HALO.filled(),
    ))
    .map_err(err)?;
    root.draw(&Polygon::new(
        vec![(x, y - 10), (x + 10, y + 22), (x, y + 14), (x - 10, y + 22)],
        BLACK.filled(),
    ))
    .map_err(err)?;
    let font = t.font(14, true).pos(Pos::new(HPos::Center, VPos::Top));
    write(root, t.north(), (x, y + 26), font)?;
    Ok(())
}
