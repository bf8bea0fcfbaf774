//! Coverage maps, PNG and SVG, drawn with plotters: admin boundaries with their names, residential areas
//! shaded by coverage and households, facilities by tier, the service radius around each counted facility,
//! failing subjects outlined, a legend, a scale bar, a north arrow and a title.
//!
//! The map is laid out in a local equirectangular frame in metres around the centre of its extent, so
//! the scale bar and the radius circles are true to within a fraction of a percent at city scale.

// The core's modules by the paths the rest of carecircle gives them (`crate::model`, …): this is the
// crate carecircle-maps (crates/maps), which the core's manifest and its own keep from the server.
use carecircle_core::{check, engine, limits, model, network, report};

mod font;
mod style;

pub use crate::check::Coverage;
pub use crate::report::Lang;
pub use font::{find_font, register, FontError, FONT_ENV};

use crate::engine::{Finding, Layer};
use crate::model::{Dataset, Level, Mode, Tier};
use geo::{BoundingRect, Coord, Geometry, InteriorPoint, Rect};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::HashSet;
use style::{tier_colour, tier_name, Text};

/// Draws a judged run's coverage map (SVG and PNG) from its own verdicts. `None` when there is nothing
/// to draw. Needs a CJK font registered (see [`register`]).
pub fn draw_run(
    judged: &crate::check::Judged,
    lang: Lang,
    width: u32,
) -> Result<Option<crate::report::files::Maps>, MapError> {
    let spec = MapSpec {
        dataset: &judged.dataset,
        mode: judged.request.mode,
        coverage: judged.coverage.as_ref(),
        findings: &judged.report.findings,
        bbox: None,
        width,
        lang,
        shading: None,
    };
    match (render_svg(&spec), render_png(&spec)) {
        (Ok(svg), Ok(png)) => Ok(Some(crate::report::files::Maps { svg, png })),
        (Err(MapError::Empty), _) | (_, Err(MapError::Empty)) => Ok(None),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The areas' accessibility scores as a map's shading, in quartile classes.
pub fn access_shading(view: &crate::report::access::AccessView) -> Shading {
    let values = view.rows().into_iter().map(|r| (r.id.to_string(), r.score)).collect();
    Shading::quartiles(
        format!("可达性 accessibility (2SFCA), {} {}", view.unit_zh(), view.unit()),
        values,
    )
}

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

/// Areas shaded by a figure (an accessibility score) instead of by coverage, in classes.
#[derive(Debug, Clone)]
pub struct Shading {
    /// What the figure is, for the legend and subtitle (e.g. "可达性 2SFCA 平方米/百户 m² per 100 households").
    pub title: String,
    /// Area id → figure. Areas at 0 are drawn as out of reach.
    pub values: std::collections::HashMap<String, f64>,
    /// Upper bounds of the classes above 0, ascending; the last class is everything above the last bound.
    pub breaks: Vec<f64>,
}

impl Shading {
    /// Four classes above 0 at the quartiles of the positive figures.
    pub fn quartiles(title: String, values: std::collections::HashMap<String, f64>) -> Shading {
        let mut positive: Vec<f64> = values.values().copied().filter(|v| *v > 0.0).collect();
        positive.sort_by(f64::total_cmp);
        let at = |q: f64| {
            positive
                .get(((positive.len() as f64 - 1.0) * q).round() as usize)
                .copied()
        };
        let mut breaks: Vec<f64> = [0.25, 0.5, 0.75].iter().filter_map(|&q| at(q)).collect();
        breaks.dedup();
        Shading { title, values, breaks }
    }

    /// The class of a figure: 0 for nothing within reach, then 1 to breaks + 1.
    fn class(&self, v: f64) -> usize {
        if v <= 0.0 {
            0
        } else {
            1 + self.breaks.iter().filter(|b| v > **b).count()
        }
    }

    fn classes(&self) -> usize {
        self.breaks.len() + 1
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
    /// Shade the areas by this figure instead of by coverage.
    pub shading: Option<&'a Shading>,
}

/// Renders the map as SVG text. The same spec gives the same bytes.
pub fn render_svg(spec: &MapSpec) -> Result<String, MapError> {
    let t = Text::new(spec.lang, false);
    let page = Page::new(spec, &t)?;
    let reach = walking_reach(spec);
    let mut svg = String::new();
    {
        let backend = SVGBackend::with_string(&mut svg, (page.width, page.height));
        draw_page(backend.into_drawing_area(), spec, &page, &t)?;
    }
    // Each panel is an SVG of its own, nested where it goes: SVG clips it to its box.
    let mut panels = String::new();
    for (k, panel) in page.panels.iter().enumerate() {
        let mut one = String::new();
        {
            let backend = SVGBackend::with_string(&mut one, (panel.size.0 as u32, panel.size.1 as u32));
            draw_panel(backend.into_drawing_area(), spec, panel, k == 0, &reach, &t)?;
        }
        let body = one.find('>').map_or(one.as_str(), |i| &one[i + 1..]);
        panels.push_str(&format!(
            "<svg x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" overflow=\"hidden\">{body}\n",
            panel.origin.0, panel.origin.1, panel.size.0, panel.size.1, panel.size.0, panel.size.1
        ));
    }
    match svg.rfind("</svg>") {
        Some(end) => svg.insert_str(end, &panels),
        None => return Err(MapError::Draw("the SVG has no end".into())),
    }
    Ok(svg)
}

/// Renders the map as PNG bytes.
pub fn render_png(spec: &MapSpec) -> Result<Vec<u8>, MapError> {
    let t = Text::new(spec.lang, true);
    let page = Page::new(spec, &t)?;
    let reach = walking_reach(spec);
    let (w, h) = (page.width as usize, page.height as usize);
    let mut rgb = vec![0u8; w * h * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut rgb, (page.width, page.height));
        draw_page(backend.into_drawing_area(), spec, &page, &t)?;
    }
    // Each panel is drawn in a picture of its own, which clips it, then copied into place.
    for (k, panel) in page.panels.iter().enumerate() {
        let (pw, ph) = (panel.size.0 as usize, panel.size.1 as usize);
        let mut one = vec![0u8; pw * ph * 3];
        {
            let backend = BitMapBackend::with_buffer(&mut one, (pw as u32, ph as u32));
            draw_panel(backend.into_drawing_area(), spec, panel, k == 0, &reach, &t)?;
        }
        let (x0, y0) = (panel.origin.0 as usize, panel.origin.1 as usize);
        for row in 0..ph.min(h.saturating_sub(y0)) {
            let cols = pw.min(w.saturating_sub(x0));
            let to = ((y0 + row) * w + x0) * 3;
            rgb[to..to + cols * 3].copy_from_slice(&one[row * pw * 3..row * pw * 3 + cols * 3]);
        }
    }
    let image = image::RgbImage::from_raw(page.width, page.height, rgb)
        .ok_or_else(|| MapError::Encode("buffer size".into()))?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageOutputFormat::Png)
        .map_err(|e| MapError::Encode(e.to_string()))?;
    Ok(png.into_inner())
}

/// For a walking rule, the stretches of road within its radius of a counted facility (WGS84), found once
/// for every panel.
fn walking_reach(spec: &MapSpec) -> Vec<(geo::Point<f64>, geo::Point<f64>)> {
    let Some(cov) = spec.coverage.filter(|c| c.walking) else {
        return Vec::new();
    };
    let d = spec.dataset;
    let network = crate::network::WalkNetwork::new(walkable(d));
    let sources: Vec<_> = d
        .facilities
        .iter()
        .filter(|f| cov.tiers.contains(&f.tier) && f.status.counts_in(spec.mode))
        .enumerate()
        .filter_map(|(i, f)| network.join(f.location).map(|j| (i, j)))
        .collect();
    network.reach(&sources, cov.radius_m)
}

const TITLE_H: i32 = 64;
const MARGIN: i32 = 16;
const FOOTER_H: i32 = 28;
/// The legend's width beside the map, and a column's width when it runs below.
const LEGEND_W: i32 = 300;
const LEGEND_ROW: i32 = 22;
/// The smallest failing area (in pixels across) that is outlined; smaller ones are counted in the subtitle.
const OUTLINE_MIN_PX: i32 = 6;
/// The gap between stacked panels.
const GAP: i32 = 12;
/// The widest a stack of panels is meant to be, width over height, when the data is wide.
const PAGE_ASPECT: f64 = 1.4;

/// The whole picture: its size, where the legend goes, and the map's panels.
struct Page {
    width: u32,
    height: u32,
    /// The legend's top left corner.
    legend: (i32, i32),
    /// How many columns the legend runs in: 1 down the map's side, more below a flat map.
    legend_columns: usize,
    panels: Vec<Panel>,
}

/// One panel of the map: a part of the extent at one scale, drawn in its own box.
struct Panel {
    /// Its top left corner on the page, and its size in pixels.
    origin: (i32, i32),
    size: (i32, i32),
    centre: Coord<f64>,
    /// Metres per degree of longitude and latitude at the centre.
    metres_per_degree: (f64, f64),
    /// Pixels per metre.
    scale: f64,
    bbox: Rect<f64>,
}

impl Page {
    /// The layout follows the data's shape. A wide, flat extent (a district strung along a river) is cut
    /// into slices stacked like lines of text, each at the same, larger scale, instead of one thin strip;
    /// a map at least as tall as its legend keeps the legend beside it, otherwise it runs in columns below.
    fn new(spec: &MapSpec, t: &Text) -> Result<Page, MapError> {
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
        let slices = ((ext_x / ext_y / PAGE_ASPECT).sqrt().round() as usize).clamp(1, 4);
        // Slices overlap by 2 % of the width, so nothing on a cut is lost.
        let overlap = if slices > 1 { 0.02 * bbox.width() } else { 0.0 };
        let slice_w_deg = (bbox.width() + overlap * (slices as f64 - 1.0)) / slices as f64;
        let slice_x = slice_w_deg * metres_per_degree.0;

        let width = spec.width.clamp(600, 8000) as i32;
        let items = legend_items(spec, t).len() as i32;
        let legend_h = 30 + items * LEGEND_ROW;
        let stack_h = |map_w: i32| {
            let h = ((map_w as f64) * ext_y / slice_x).clamp(200.0, 2.0 * map_w as f64) as i32;
            (h, slices as i32 * h + (slices as i32 - 1) * GAP)
        };
        let beside_w = width - LEGEND_W - 3 * MARGIN;
        let legend_below = stack_h(beside_w).1 < legend_h;
        let map_w = if legend_below { width - 2 * MARGIN } else { beside_w };
        let (map_h, total_h) = stack_h(map_w);
        let scale = (map_w as f64 / slice_x).min(map_h as f64 / ext_y);
        let panels = (0..slices)
            .map(|k| {
                let min_x = bbox.min().x + k as f64 * (slice_w_deg - overlap);
                let slice = Rect::new(
                    Coord {
                        x: min_x,
                        y: bbox.min().y,
                    },
                    Coord {
                        x: min_x + slice_w_deg,
                        y: bbox.max().y,
                    },
                );
                Panel {
                    origin: (MARGIN, TITLE_H + k as i32 * (map_h + GAP)),
                    size: (map_w, map_h),
                    centre: slice.center(),
                    metres_per_degree,
                    scale,
                    bbox: slice,
                }
            })
            .collect();
        let legend_columns = if legend_below {
            ((width - 2 * MARGIN) / LEGEND_W).max(1)
        } else {
            1
        };
        let (height, legend) = if legend_below {
            let rows = (items + legend_columns - 1) / legend_columns;
            (
                TITLE_H + total_h + MARGIN + 40 + rows * LEGEND_ROW + FOOTER_H,
                (MARGIN, TITLE_H + total_h + MARGIN),
            )
        } else {
            (
                (TITLE_H + total_h + FOOTER_H + MARGIN).max(TITLE_H + legend_h + MARGIN),
                (width - LEGEND_W - MARGIN, TITLE_H),
            )
        };
        Ok(Page {
            width: width as u32,
            height: height as u32,
            legend,
            legend_columns: legend_columns as usize,
            panels,
        })
    }
}

impl Panel {
    /// Whether a failing subject is large enough here for its red outline to read: an area a few pixels
    /// wide would be all outline, and thousands of them turn a city red. Points (facilities) always are.
    fn outline_shows(&self, g: &Geometry<f64>) -> bool {
        if matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_)) {
            return true;
        }
        g.bounding_rect().is_some_and(|r| {
            let (a, b) = (self.px(r.min()), self.px(r.max()));
            (b.0 - a.0).abs().max((a.1 - b.1).abs()) >= OUTLINE_MIN_PX
        })
    }

    /// A point's pixel in the panel's own box.
    fn px(&self, c: Coord<f64>) -> (i32, i32) {
        let x = (c.x - self.centre.x) * self.metres_per_degree.0 * self.scale;
        let y = (c.y - self.centre.y) * self.metres_per_degree.1 * self.scale;
        (
            (f64::from(self.size.0) / 2.0 + x).round() as i32,
            (f64::from(self.size.1) / 2.0 - y).round() as i32,
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

/// The page around the panels: the title and the legend.
fn draw_page<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &MapSpec,
    page: &Page,
    t: &Text,
) -> Result<(), MapError> {
    root.fill(&WHITE).map_err(err)?;
    title(&root, spec, page, t)?;
    legend(&root, spec, page, t)?;
    root.present().map_err(err)?;
    Ok(())
}

/// One panel of the map, in its own box: the first carries the scale bar and the north arrow.
fn draw_panel<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &MapSpec,
    panel: &Panel,
    first: bool,
    reach: &[(geo::Point<f64>, geo::Point<f64>)],
    t: &Text,
) -> Result<(), MapError> {
    let d = spec.dataset;
    root.fill(&style::WATER).map_err(err)?;

    // Land: the finest units filled, so the water and what lies outside the district stay apart.
    for unit in d.admin_units.iter().filter(|u| u.level.depth() >= 2) {
        for polygon in &unit.boundary.0 {
            let ring: Vec<(i32, i32)> = polygon.exterior().coords().map(|c| panel.px(*c)).collect();
            root.draw(&Polygon::new(ring, style::LAND.filled())).map_err(err)?;
        }
    }

    // The reach of the counted facilities, drawn to recede: for a straight-line radius, the union of the
    // circles (each drawn a little larger in the edge colour, then all filled in one flat tint, so only
    // the union's edge shows and overlaps do not darken); for a walk, the roads within reach.
    let roads = walkable(d);
    match spec.coverage {
        Some(cov) if cov.walking && !roads.is_empty() => {
            draw_roads(&root, panel, &roads)?;
            for (a, b) in reach {
                root.draw(&PathElement::new(
                    vec![panel.px(a.0), panel.px(b.0)],
                    style::REACH.stroke_width(5),
                ))
                .map_err(err)?;
            }
        }
        Some(cov) => {
            // A circle wider than the panel covers it all: drawing a larger one only costs time.
            let widest = f64::from(panel.size.0.max(panel.size.1)) * 2.0;
            let radius_px = (cov.radius_m * panel.scale).round().clamp(1.0, widest) as i32;
            let shown: Vec<(i32, i32)> = d
                .facilities
                .iter()
                .filter(|f| cov.tiers.contains(&f.tier) && f.status.counts_in(spec.mode))
                .filter(|f| panel.shows(&f.geometry))
                .map(|f| panel.px(f.location.0))
                .collect();
            for at in &shown {
                root.draw(&Circle::new(*at, radius_px + 2, style::RADIUS_LINE.filled()))
                    .map_err(err)?;
            }
            for at in &shown {
                root.draw(&Circle::new(*at, radius_px, style::RADIUS_FILL.filled()))
                    .map_err(err)?;
            }
            draw_roads(&root, panel, &roads)?;
        }
        None => draw_roads(&root, panel, &roads)?,
    }

    // Boundaries over the reach, finest first so the coarser ones draw over them.
    let mut units: Vec<usize> = (0..d.admin_units.len()).collect();
    units.sort_by_key(|&u| std::cmp::Reverse(d.admin_units[u].level.depth()));
    for &u in &units {
        let unit = &d.admin_units[u];
        let (stroke, width) = match unit.level.depth() {
            0 => (style::DISTRICT, 3),
            1 => (style::STREET, 2),
            _ => (style::COMMUNITY, 1),
        };
        for polygon in &unit.boundary.0 {
            let ring: Vec<(i32, i32)> = polygon.exterior().coords().map(|c| panel.px(*c)).collect();
            root.draw(&PathElement::new(ring, stroke.stroke_width(width)))
                .map_err(err)?;
        }
    }

    // Residential areas: out of reach in strong orange, within reach in a quiet green; darker for more
    // households.
    let most = d
        .residential_areas
        .iter()
        .map(|a| a.households)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    for a in d.residential_areas.iter().filter(|a| panel.shows(&a.geometry)) {
        let share = (a.households as f64 / most).sqrt();
        let colour = match (spec.shading, spec.coverage) {
            (Some(sh), _) => match sh.class(sh.values.get(&a.id).copied().unwrap_or(0.0)) {
                0 => style::shade(style::UNCOVERED, 0.8),
                c => style::shade(style::COVERED, c as f64 / sh.classes() as f64),
            },
            (None, Some(cov)) if cov.uncovered.contains(&a.id) => style::shade(style::UNCOVERED, share),
            (None, Some(_)) => style::shade(style::COVERED, share),
            (None, None) => style::shade(style::UNJUDGED, share),
        };
        draw_area(&root, panel, &a.geometry, colour)?;
    }

    // Failing areas and facilities outlined in red; failing admin units are named in red instead (they are
    // many and large: outlining them would paint the whole map).
    let mut outlined = HashSet::new();
    for f in spec
        .findings
        .iter()
        .filter(|f| f.layer != Layer::AdminUnits && panel.shows(&f.geometry) && panel.outline_shows(&f.geometry))
    {
        if !outlined.insert((f.layer, f.id.as_str())) {
            continue;
        }
        match &*f.geometry {
            Geometry::Point(p) => {
                root.draw(&Circle::new(panel.px(p.0), 9, style::FAILING.stroke_width(2)))
                    .map_err(err)?;
            }
            Geometry::MultiPoint(mp) => {
                for p in &mp.0 {
                    root.draw(&Circle::new(panel.px(p.0), 9, style::FAILING.stroke_width(2)))
                        .map_err(err)?;
                }
            }
            g => outline(&root, panel, g, style::FAILING, 2)?,
        }
    }

    // Facilities: one mark each, filled when counted in this mode, hollow when not.
    for f in d.facilities.iter().filter(|f| panel.shows(&f.geometry)) {
        mark(&root, panel.px(f.location.0), f.tier, f.status.counts_in(spec.mode))?;
    }

    labels(&root, spec, panel, t)?;
    // Sites a siting answer adds: a black ring round their mark, and their id beside it, over the names.
    for (p, id) in spec.coverage.map(|c| c.added.as_slice()).unwrap_or_default() {
        let at = panel.px(p.0);
        if panel.shows(&Geometry::Point(*p)) {
            root.draw(&Circle::new(at, 10, style::ADDED.stroke_width(3)))
                .map_err(err)?;
            t.write(
                &root,
                id.clone(),
                (at.0 + 12, at.1 - 8),
                t.font(13, true).color(&style::ADDED),
            )?;
        }
    }

    if first {
        scale_bar(&root, panel, t)?;
        north_arrow(&root, panel, t)?;
    }
    let (w, h) = panel.size;
    root.draw(&Rectangle::new([(0, 0), (w - 1, h - 1)], style::STREET.stroke_width(1)))
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The lines of the walkable roads.
fn walkable(d: &Dataset) -> Vec<&geo::LineString<f64>> {
    d.roads
        .iter()
        .filter(|r| r.walkable)
        .flat_map(|r| &r.geometry.0)
        .collect()
}

/// The walkable roads, thin and light: context that recedes.
fn draw_roads<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    roads: &[&geo::LineString<f64>],
) -> Result<(), MapError> {
    for line in roads {
        let points: Vec<(i32, i32)> = line.coords().map(|c| panel.px(*c)).collect();
        root.draw(&PathElement::new(points, style::ROAD.stroke_width(1)))
            .map_err(err)?;
    }
    Ok(())
}

fn draw_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    g: &Geometry<f64>,
    colour: RGBColor,
) -> Result<(), MapError> {
    match g {
        Geometry::Polygon(p) => {
            let ring: Vec<(i32, i32)> = p.exterior().coords().map(|c| panel.px(*c)).collect();
            root.draw(&Polygon::new(ring, colour.filled())).map_err(err)?;
        }
        Geometry::MultiPolygon(mp) => {
            for p in &mp.0 {
                draw_area(root, panel, &Geometry::Polygon(p.clone()), colour)?;
            }
        }
        Geometry::Point(p) => {
            let (x, y) = panel.px(p.0);
            root.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], colour.filled()))
                .map_err(err)?;
        }
        _ => {}
    }
    Ok(())
}

fn outline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    g: &Geometry<f64>,
    colour: RGBColor,
    width: u32,
) -> Result<(), MapError> {
    let polygons: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        Geometry::GeometryCollection(gc) => {
            for g in &gc.0 {
                outline(root, panel, g, colour, width)?;
            }
            return Ok(());
        }
        _ => vec![],
    };
    for p in polygons {
        let ring: Vec<(i32, i32)> = p.exterior().coords().map(|c| panel.px(*c)).collect();
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

/// Unit names over everything, each on a light halo: streets and townships always, communities and
/// villages where they fit (those failing a rule first, and in red).
fn labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &MapSpec,
    panel: &Panel,
    t: &Text,
) -> Result<(), MapError> {
    let d = spec.dataset;
    let failing: HashSet<&str> = spec
        .findings
        .iter()
        .filter(|f| f.layer == Layer::AdminUnits)
        .map(|f| f.id.as_str())
        .collect();
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let (l, top, r, b) = (0, 0, panel.size.0, panel.size.1);
    let mut order: Vec<usize> = (0..d.admin_units.len())
        .filter(|&u| d.admin_units[u].level != Level::District)
        .collect();
    order.sort_by_key(|&u| {
        let unit = &d.admin_units[u];
        (unit.level.depth(), !failing.contains(unit.code.as_str()))
    });
    for u in order {
        let unit = &d.admin_units[u];
        let Some(at) = unit.boundary.interior_point() else {
            continue;
        };
        let (x, y) = panel.px(at.0);
        let coarse = unit.level.depth() == 1;
        let fails = failing.contains(unit.code.as_str());
        let size = if coarse { 20 } else { 12 };
        let font = t.font(size, coarse || fails).pos(Pos::new(HPos::Center, VPos::Center));
        let (w, h) = root.estimate_text_size(&unit.name, &font).map_err(err)?;
        let (w, h) = (w as i32, h as i32);
        let bx = (x - w / 2 - 3, y - h / 2 - 2, x + w / 2 + 3, y + h / 2 + 2);
        let inside = bx.0 >= l && bx.2 <= r && bx.1 >= top && bx.3 <= b;
        let clear = placed
            .iter()
            .all(|p| bx.2 < p.0 || bx.0 > p.2 || bx.3 < p.1 || bx.1 > p.3);
        // Street names are kept even when crowded; finer names only where they fit.
        if !inside || (!coarse && !clear) {
            if fails && inside {
                // No room for the name: a red dot still says this unit fails a rule.
                root.draw(&Circle::new((x, y), 4, style::FAILING.filled()))
                    .map_err(err)?;
            }
            continue;
        }
        let colour = match (coarse, fails) {
            (_, true) => style::FAILING,
            (true, false) => style::STREET_TEXT,
            (false, false) => style::COMMUNITY_TEXT,
        };
        root.draw(&Rectangle::new(
            [(bx.0, bx.1), (bx.2, bx.3)],
            style::HALO.mix(if coarse { 0.85 } else { 0.7 }).filled(),
        ))
        .map_err(err)?;
        t.write(root, unit.name.clone(), (x, y), font.color(&colour))?;
        placed.push(bx);
    }
    Ok(())
}

fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &MapSpec,
    page: &Page,
    t: &Text,
) -> Result<(), MapError> {
    let d = spec.dataset;
    let heading = match spec.shading {
        Some(_) => t.access_title(&d.name),
        None => t.title(&d.name),
    };
    t.write(root, heading, (MARGIN, 10), t.font(24, true))?;
    // Failing areas too small here to outline are not dropped in silence: the subtitle counts them.
    let mut small = HashSet::new();
    for f in spec.findings.iter().filter(|f| f.layer != Layer::AdminUnits) {
        let shown = page.panels.iter().filter(|p| p.shows(&f.geometry));
        if shown.clone().next().is_some() && shown.clone().all(|p| !p.outline_shows(&f.geometry)) {
            small.insert((f.layer, f.id.as_str()));
        }
    }
    let mut sub = t.subtitle(d.as_of, spec.mode, spec.coverage);
    if !small.is_empty() {
        sub.push_str(&t.too_small(small.len()));
    }
    if let Some(sh) = spec.shading {
        sub.push_str(" · ");
        sub.push_str(&sh.title);
    }
    if let Some(caption) = spec.coverage.and_then(|c| c.caption.as_deref()) {
        sub.push_str(" · ");
        sub.push_str(caption);
    }
    t.write(root, sub, (MARGIN, 40), t.font(14, false).color(&style::MUTED))?;
    Ok(())
}

/// One line of the legend: its symbol (its words go beside it).
enum Symbol {
    Tier(Tier),
    Hollow,
    Swatch(RGBColor),
    /// Light to dark: the households shade.
    Ramp(RGBColor),
    Circle,
    Reach,
    FailingOutline,
    FailingName,
    Added,
    Boundary,
    Road,
}

fn legend_items(spec: &MapSpec, t: &Text) -> Vec<(Symbol, String)> {
    let mut items: Vec<(Symbol, String)> = Tier::ALL
        .iter()
        .copied()
        .filter(|tier| spec.dataset.facilities.iter().any(|f| f.tier == *tier))
        .map(|tier| (Symbol::Tier(tier), tier_name(tier, spec.lang).to_string()))
        .collect();
    items.push((Symbol::Hollow, t.not_counted(spec.mode).to_string()));
    let roads = spec.dataset.roads.iter().any(|r| r.walkable);
    if let Some(sh) = spec.shading {
        items.push((
            Symbol::Swatch(style::shade(style::UNCOVERED, 0.8)),
            t.nothing_within_reach().to_string(),
        ));
        let mut low = 0.0;
        for c in 1..=sh.classes() {
            let words = match sh.breaks.get(c - 1) {
                Some(high) if c == 1 => format!("> 0 – {high:.1}"),
                Some(high) => format!("{low:.1} – {high:.1}"),
                None => format!("> {low:.1}"),
            };
            items.push((
                Symbol::Swatch(style::shade(style::COVERED, c as f64 / sh.classes() as f64)),
                words,
            ));
            low = sh.breaks.get(c - 1).copied().unwrap_or(low);
        }
    }
    match spec.coverage {
        _ if spec.shading.is_some() => {}
        Some(cov) => {
            items.push((Symbol::Swatch(style::shade(style::UNCOVERED, 0.8)), t.uncovered(cov)));
            items.push((Symbol::Swatch(style::shade(style::COVERED, 0.8)), t.covered(cov)));
            items.push((Symbol::Ramp(style::UNCOVERED), t.shade_note().to_string()));
            let symbol = if cov.walking && roads {
                Symbol::Reach
            } else {
                Symbol::Circle
            };
            items.push((symbol, t.radius(cov)));
        }
        None => {
            items.push((
                Symbol::Swatch(style::shade(style::UNJUDGED, 0.8)),
                t.areas().to_string(),
            ));
            items.push((Symbol::Ramp(style::UNJUDGED), t.shade_note().to_string()));
        }
    }
    if spec.coverage.is_some_and(|c| !c.added.is_empty()) {
        items.push((Symbol::Added, t.added().to_string()));
    }
    // Only what the map draws: areas and facilities are outlined, units named (siting and accessibility
    // maps outline nothing).
    if spec.findings.iter().any(|f| f.layer != Layer::AdminUnits) {
        items.push((Symbol::FailingOutline, t.failing().to_string()));
    }
    if spec.findings.iter().any(|f| f.layer == Layer::AdminUnits) {
        items.push((Symbol::FailingName, t.failing_unit().to_string()));
    }
    items.push((Symbol::Boundary, t.boundary().to_string()));
    if roads {
        items.push((Symbol::Road, t.roads().to_string()));
    }
    items
}

fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &MapSpec,
    page: &Page,
    t: &Text,
) -> Result<(), MapError> {
    let (x0, y0) = page.legend;
    t.write(root, t.legend_heading(), (x0, y0), t.font(16, true))?;
    let item = t.font(13, false).pos(Pos::new(HPos::Left, VPos::Center));
    let items = legend_items(spec, t);
    let rows = items.len().div_ceil(page.legend_columns);
    for (k, (symbol, words)) in items.into_iter().enumerate() {
        let (column, row) = (k / rows, k % rows);
        let x = x0 + column as i32 * LEGEND_W;
        let y = y0 + 30 + row as i32 * LEGEND_ROW;
        let line =
            |colour: RGBColor, width: u32| PathElement::new(vec![(x + 2, y), (x + 18, y)], colour.stroke_width(width));
        match symbol {
            Symbol::Tier(tier) => mark(root, (x + 10, y), tier, true)?,
            Symbol::Hollow => root
                .draw(&Circle::new((x + 10, y), 5, style::NOT_COUNTED.stroke_width(2)))
                .map_err(err)?,
            Symbol::Swatch(colour) => root
                .draw(&Rectangle::new([(x + 2, y - 7), (x + 18, y + 7)], colour.filled()))
                .map_err(err)?,
            Symbol::Ramp(colour) => {
                for (i, share) in [0.1, 0.5, 1.0].into_iter().enumerate() {
                    let left = x + 1 + i as i32 * 6;
                    root.draw(&Rectangle::new(
                        [(left, y - 7), (left + 6, y + 7)],
                        style::shade(colour, share).filled(),
                    ))
                    .map_err(err)?;
                }
            }
            Symbol::Circle => {
                root.draw(&Circle::new((x + 10, y), 9, style::RADIUS_LINE.filled()))
                    .map_err(err)?;
                root.draw(&Circle::new((x + 10, y), 7, style::RADIUS_FILL.filled()))
                    .map_err(err)?;
            }
            Symbol::Reach => root.draw(&line(style::REACH, 5)).map_err(err)?,
            Symbol::FailingOutline => root
                .draw(&Rectangle::new(
                    [(x + 2, y - 7), (x + 18, y + 7)],
                    style::FAILING.stroke_width(2),
                ))
                .map_err(err)?,
            Symbol::Added => root
                .draw(&Circle::new((x + 10, y), 7, style::ADDED.stroke_width(3)))
                .map_err(err)?,
            Symbol::FailingName => {
                let font = t
                    .font(13, true)
                    .pos(Pos::new(HPos::Center, VPos::Center))
                    .color(&style::FAILING);
                t.write(root, t.failing_unit_sample(), (x + 10, y), font)?;
            }
            Symbol::Boundary => root.draw(&line(style::STREET, 2)).map_err(err)?,
            Symbol::Road => root.draw(&line(style::ROAD, 2)).map_err(err)?,
        }
        t.write(root, words, (x + 26, y), item.clone())?;
    }
    Ok(())
}

/// A bar of a round length, about a fifth of the map's width.
fn scale_bar<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panel: &Panel, t: &Text) -> Result<(), MapError> {
    let (l, r, b) = (0, panel.size.0, panel.size.1);
    let target_m = (r - l) as f64 / 5.0 / panel.scale;
    let metres = [
        50.0, 100.0, 200.0, 250.0, 500.0, 1_000.0, 2_000.0, 2_500.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0,
    ]
    .into_iter()
    .rev()
    .find(|m| *m <= target_m)
    .unwrap_or(50.0);
    let len = (metres * panel.scale).round() as i32;
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
    t.write(root, label, (x + len + 8, y - 8), t.font(13, false))?;
    Ok(())
}

fn north_arrow<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panel: &Panel, t: &Text) -> Result<(), MapError> {
    let (top, r) = (0, panel.size.0);
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
    t.write(root, t.north(), (x, y + 26), font)?;
    Ok(())
}
