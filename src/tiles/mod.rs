//! Vector tiles: Mapbox Vector Tiles 2.1 in OGC's WebMercatorQuad tile matrix set, what web maps draw.
//!
//! A tile holds one layer: the features whose bounding box meets the tile (with a buffer, so strokes and
//! labels at the edge are not cut), projected to Web Mercator, simplified to half a cell of the tile's
//! 4 096 grid — so a feature is as detailed as its zoom shows, and no more — and cut to the buffered tile
//! as MVT 2.1 wants ([`clip`]: exterior rings positive, holes negative, no degenerate ring). [`validate`]
//! reads any tile back and names every breach of the specification. Properties travel as tags, and the
//! id as the tag `id` unless a property is named so (a finding's `id` is its subject's).
//!
//! No I/O: the server hands in features and gets bytes.
//!
//! ```
//! use carecircle_core::tiles::TileId;
//! let t = TileId::new(14, 13_627, 6_997).unwrap();
//! let b = t.bounds();
//! assert!(b.min().x < 119.44 && 119.44 < b.max().x + 0.1);
//! assert!(TileId::new(3, 8, 0).is_none(), "x beyond 2^z");
//! ```

pub mod clip;
pub mod validate;

use clip::GridBox;
use geo::{Coord, Geometry, LineString, Rect, Simplify};
use mvt::{GeomEncoder, GeomType, Tile};
use serde_json::Value;

/// Tile grid cells per side.
pub const EXTENT: u32 = 4_096;
/// Grid cells drawn beyond each edge.
pub const BUFFER: u32 = 64;
/// The deepest zoom served (about 2 cm per grid cell).
pub const MAX_ZOOM: u8 = 22;
/// Half of Web Mercator's square world, in metres: its corners are (±ORIGIN_M, ±ORIGIN_M).
pub const ORIGIN_M: f64 = std::f64::consts::PI * EARTH_RADIUS_M;
/// Web Mercator's latitude limit.
const MAX_LAT: f64 = 85.051_128_779_806_59;
const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// A tile of WebMercatorQuad: zoom (tile matrix), column (x) and row (y, from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// `None` beyond the grid: zoom above [`MAX_ZOOM`], a column or row beyond 2^z.
    pub fn new(z: u8, x: u32, y: u32) -> Option<TileId> {
        (z <= MAX_ZOOM && u64::from(x) < 1u64 << z && u64::from(y) < 1u64 << z).then_some(TileId { z, x, y })
    }

    /// The tile of zoom `z` holding a point (longitude, latitude); `None` for a zoom beyond [`MAX_ZOOM`].
    pub fn containing(z: u8, lon: f64, lat: f64) -> Option<TileId> {
        let (x, y) = project(Coord { x: lon, y: lat });
        let half = ORIGIN_M;
        let n = f64::from(1u32 << z.min(MAX_ZOOM));
        let cell = |v: f64| ((v / (2.0 * half) * n).floor().clamp(0.0, n - 1.0)) as u32;
        TileId::new(z, cell(x + half), cell(half - y))
    }

    /// The tile's extent in Web Mercator metres.
    fn mercator_bounds(&self) -> (f64, f64, f64, f64) {
        let size = 2.0 * ORIGIN_M / f64::from(1u32 << self.z.min(31));
        let origin = ORIGIN_M;
        let west = -origin + f64::from(self.x) * size;
        let north = origin - f64::from(self.y) * size;
        (west, north - size, west + size, north)
    }

    /// The tile's extent in longitude and latitude.
    pub fn bounds(&self) -> Rect<f64> {
        let (w, s, e, n) = self.mercator_bounds();
        Rect::new(unproject(w, s), unproject(e, n))
    }

    /// The extent with the buffer, in longitude and latitude: what features must meet to be drawn.
    pub fn buffered_bounds(&self) -> Rect<f64> {
        let (w, s, e, n) = self.mercator_bounds();
        let pad = (e - w) * f64::from(BUFFER) / f64::from(EXTENT);
        Rect::new(unproject(w - pad, s - pad), unproject(e + pad, n + pad))
    }
}

fn project(c: Coord<f64>) -> (f64, f64) {
    let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    (
        EARTH_RADIUS_M * c.x.to_radians(),
        EARTH_RADIUS_M * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln(),
    )
}

fn unproject(x: f64, y: f64) -> Coord<f64> {
    Coord {
        x: (x / EARTH_RADIUS_M).to_degrees(),
        y: (2.0 * (y / EARTH_RADIUS_M).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
    }
}

/// Features smaller than this many grid cells on both sides (8 pixels of a 512-pixel tile) are thinned.
pub const TINY_CELLS: f64 = 64.0;

/// Which features each tile draws: an R-tree over the features' extents in Web Mercator, and the
/// thinning that keeps a tile's size bounded however dense the city.
///
/// A feature smaller than [`TINY_CELLS`] on both sides shows as a dot at the tile's zoom; of the dots whose
/// centres fall in one [`TINY_CELLS`]-square block of the tile, only the first (the lowest number, so the
/// caller orders features by importance) is drawn. A tile thus holds at most (4 224 / 64)² = 4 356 dots
/// beside its larger features; zoom in and every feature comes back.
///
/// ```
/// use carecircle_core::tiles::{TileId, TileIndex};
/// use geo::Rect;
/// // Two tiny areas 10 m apart and one 5 km away.
/// let near = |dx: f64| Some(Rect::new((119.44 + dx, 26.0), (119.4401 + dx, 26.0001)));
/// let index = TileIndex::new([near(0.0), near(0.0001), near(0.05)]);
/// let city = TileId::containing(10, 119.44, 26.0).unwrap();
/// assert_eq!(index.pick(city), vec![0, 2], "at zoom 10 the second area shares the first one's block");
/// let street = TileId::containing(18, 119.4401, 26.0).unwrap();
/// assert_eq!(index.pick(street), vec![0, 1], "at zoom 18 both are drawn");
/// ```
pub struct TileIndex {
    tree: rstar::RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>>,
}

impl TileIndex {
    /// Indexes features by their extents in longitude and latitude, numbered from 0 in the order given;
    /// a feature without an extent (an empty geometry) is never drawn.
    pub fn new(extents: impl IntoIterator<Item = Option<Rect<f64>>>) -> TileIndex {
        let entries = extents
            .into_iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let r = r?;
                let (x0, y0) = project(r.min());
                let (x1, y1) = project(r.max());
                let k = u32::try_from(k).ok()?;
                Some(rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners([x0, y0], [x1, y1]),
                    k,
                ))
            })
            .collect();
        TileIndex {
            tree: rstar::RTree::bulk_load(entries),
        }
    }

    /// The numbers of the features the tile draws, ascending: those meeting the buffered tile, thinned.
    pub fn pick(&self, tile: TileId) -> Vec<u32> {
        let (w, s, e, n) = tile.mercator_bounds();
        let scale = f64::from(EXTENT) / (e - w);
        let pad = f64::from(BUFFER) / scale;
        let reach = rstar::AABB::from_corners([w - pad, s - pad], [e + pad, n + pad]);
        let mut hits: Vec<(u32, [f64; 2], [f64; 2])> = self
            .tree
            .locate_in_envelope_intersecting(&reach)
            .map(|g| (g.data, g.geom().lower(), g.geom().upper()))
            .collect();
        hits.sort_unstable_by_key(|h| h.0);
        let blocks = (f64::from(EXTENT + 2 * BUFFER) / TINY_CELLS).ceil() as usize;
        let mut taken = vec![false; blocks * blocks];
        hits.into_iter()
            .filter(|(_, lo, hi)| {
                let (width, height) = ((hi[0] - lo[0]) * scale, (hi[1] - lo[1]) * scale);
                if width >= TINY_CELLS || height >= TINY_CELLS {
                    return true;
                }
                let cell = |v: f64| ((v + f64::from(BUFFER)) / TINY_CELLS).clamp(0.0, (blocks - 1) as f64) as usize;
                let bx = cell(((lo[0] + hi[0]) / 2.0 - w) * scale);
                let by = cell((n - (lo[1] + hi[1]) / 2.0) * scale);
                !std::mem::replace(&mut taken[by * blocks + bx], true)
            })
            .map(|(k, _, _)| k)
            .collect()
    }
}

/// A feature to put in a tile.
pub struct TileFeature<'a> {
    /// The feature's number in the tile (its id in MVT terms): the same in every tile, so a client can
    /// match the pieces of a feature cut by tile edges.
    pub number: u64,
    pub id: &'a str,
    pub geometry: &'a Geometry<f64>,
    pub properties: serde_json::Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("矢量瓦片编码失败 cannot encode the vector tile: {0}")]
    Encode(String),
}

/// The tile's bytes (uncompressed protobuf): one layer named `layer` with the features that meet it.
pub fn encode<'a>(
    tile: TileId,
    layer: &str,
    features: impl IntoIterator<Item = TileFeature<'a>>,
) -> Result<Vec<u8>, TileError> {
    let err = |e: mvt::Error| TileError::Encode(e.to_string());
    let (w, _, e, n) = tile.mercator_bounds();
    let scale = f64::from(EXTENT) / (e - w);
    let to_grid = |c: &Coord<f64>| {
        let (x, y) = project(*c);
        Coord {
            x: (x - w) * scale,
            y: (n - y) * scale,
        }
    };
    let mut out = Tile::new(EXTENT);
    let mut l = out.create_layer(layer);
    let reach = tile.buffered_bounds();
    for f in features {
        let meets =
            geo::BoundingRect::bounding_rect(f.geometry).is_some_and(|r| geo::Intersects::intersects(&r, &reach));
        if !meets {
            continue;
        }
        let Some(data) = geometry(f.geometry, &to_grid).map_err(err)? else {
            continue;
        };
        let mut feature = l.into_feature(data);
        feature.set_id(f.number);
        // A property named id (a finding's subject, an area's own) stands for itself; else the id is one.
        if !f.properties.contains_key("id") {
            feature.add_tag_string("id", f.id);
        }
        for (k, v) in &f.properties {
            match v {
                Value::String(s) => feature.add_tag_string(k, s),
                Value::Bool(b) => feature.add_tag_bool(k, *b),
                Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => feature.add_tag_sint(k, i),
                    (None, Some(x)) => feature.add_tag_double(k, x),
                    _ => {}
                },
                Value::Null => {}
                other => feature.add_tag_string(k, &other.to_string()),
            }
        }
        l = feature.into_layer();
    }
    if l.num_features() > 0 {
        out.add_layer(l).map_err(err)?;
    }
    out.to_bytes().map_err(err)
}

/// One feature's geometry in tile grid cells, cut by [`clip`]; `None` when nothing of it is left. A
/// polygon whose every part is too small to draw at this zoom shows as a [`clip::dot`] where its largest
/// part meets the tile, so no feature the index picked vanishes.
fn geometry(
    g: &Geometry<f64>,
    to_grid: &impl Fn(&Coord<f64>) -> Coord<f64>,
) -> Result<Option<mvt::GeomData>, mvt::Error> {
    let bx = GridBox {
        lo: -f64::from(BUFFER),
        hi: f64::from(EXTENT + BUFFER),
    };
    let grid =
        |l: &LineString<f64>| -> LineString<f64> { LineString::from(l.coords().map(to_grid).collect::<Vec<_>>()) };
    let mut parts: Vec<Vec<clip::Cell>> = Vec::new();
    let kind = match g {
        Geometry::Point(p) => {
            parts.extend(clip::points_inside([to_grid(&p.0)], bx).into_iter().map(|c| vec![c]));
            GeomType::Point
        }
        Geometry::MultiPoint(m) => {
            parts.extend(
                clip::points_inside(m.0.iter().map(|p| to_grid(&p.0)), bx)
                    .into_iter()
                    .map(|c| vec![c]),
            );
            GeomType::Point
        }
        Geometry::LineString(l) => {
            parts.extend(clip::line_pieces(&grid(l).simplify(0.5).0, bx));
            GeomType::Linestring
        }
        Geometry::MultiLineString(m) => {
            for l in &m.0 {
                parts.extend(clip::line_pieces(&grid(l).simplify(0.5).0, bx));
            }
            GeomType::Linestring
        }
        Geometry::Polygon(p) => {
            polygon_rings(std::slice::from_ref(p), &grid, bx, &mut parts);
            GeomType::Polygon
        }
        Geometry::MultiPolygon(m) => {
            polygon_rings(&m.0, &grid, bx, &mut parts);
            GeomType::Polygon
        }
        Geometry::Rect(r) => return geometry(&Geometry::Polygon(r.to_polygon()), to_grid),
        Geometry::Triangle(t) => return geometry(&Geometry::Polygon(t.to_polygon()), to_grid),
        Geometry::Line(l) => return geometry(&Geometry::LineString(LineString::from(vec![l.start, l.end])), to_grid),
        // The served collections hold one geometry family each: a collection is never served whole.
        Geometry::GeometryCollection(_) => return Ok(None),
    };
    if parts.is_empty() {
        return Ok(None);
    }
    if kind == GeomType::Linestring {
        parts = join_touching(parts);
    }
    let mut enc = GeomEncoder::<f64>::new(kind);
    let mut previous_end: Option<clip::Cell> = None;
    for mut part in parts {
        if kind == GeomType::Point {
            enc.add_point(f64::from(part[0].0), f64::from(part[0].1))?;
            continue;
        }
        // The encoder takes a part that starts where the last one ended as its continuation (no MoveTo):
        // start a ring elsewhere on itself (lines that touch were joined above).
        if kind == GeomType::Polygon && previous_end == part.first().copied() {
            part.rotate_left(1);
        }
        previous_end = part.last().copied();
        for c in &part {
            enc.add_point(f64::from(c.0), f64::from(c.1))?;
        }
        enc.complete_geom()?;
    }
    Ok(Some(enc.encode()?))
}

/// Lines where each that starts where the one before ends is joined to it: the encoder would otherwise
/// run on without a MoveTo, which MVT 2.1 §4.3.4.3 does not allow.
fn join_touching(parts: Vec<Vec<clip::Cell>>) -> Vec<Vec<clip::Cell>> {
    let mut joined: Vec<Vec<clip::Cell>> = Vec::with_capacity(parts.len());
    for part in parts {
        match joined.last_mut() {
            Some(last) if last.last() == part.first() => last.extend(part.into_iter().skip(1)),
            _ => joined.push(part),
        }
    }
    joined
}

/// Each polygon's exterior and holes, clipped, snapped and wound as MVT wants, in `out`; a part too small
/// to draw is dropped (its holes with it), and if every part is, one dot stands for them.
fn polygon_rings(
    polygons: &[geo::Polygon<f64>],
    grid: &impl Fn(&LineString<f64>) -> LineString<f64>,
    bx: GridBox,
    out: &mut Vec<Vec<clip::Cell>>,
) {
    let start = out.len();
    let mut largest: Option<(Coord<f64>, f64)> = None;
    for p in polygons {
        let exterior = grid(p.exterior());
        let Some(ring) = clip::grid_ring(&clip::clip_ring(&exterior.simplify(0.5).0, bx), true) else {
            if let Some((centre, area)) = clip::part_centre(&exterior.0, bx) {
                if largest.is_none_or(|(_, a)| area > a) {
                    largest = Some((centre, area));
                }
            }
            continue;
        };
        out.push(ring);
        for hole in p.interiors() {
            if let Some(ring) = clip::grid_ring(&clip::clip_ring(&grid(hole).simplify(0.5).0, bx), false) {
                out.push(ring);
            }
        }
    }
    if out.len() == start {
        if let Some((centre, _)) = largest {
            out.push(clip::dot(centre, bx));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_tile_the_world() {
        let root = TileId::new(0, 0, 0).unwrap().bounds();
        assert!((root.min().x + 180.0).abs() < 1e-9 && (root.max().x - 180.0).abs() < 1e-9);
        assert!((root.max().y - MAX_LAT).abs() < 1e-6);
        // The four children of a tile share its corners.
        let t = TileId::new(10, 857, 434).unwrap().bounds();
        let nw = TileId::new(11, 1714, 868).unwrap().bounds();
        let se = TileId::new(11, 1715, 869).unwrap().bounds();
        assert!((nw.min().x - t.min().x).abs() < 1e-9 && (nw.max().y - t.max().y).abs() < 1e-9);
        assert!((se.max().x - t.max().x).abs() < 1e-9 && (se.min().y - t.min().y).abs() < 1e-9);
        assert!(TileId::new(23, 0, 0).is_none());
        assert_eq!(TileId::containing(7, 119.5, 25.98), TileId::new(7, 106, 54));
        assert_eq!(TileId::containing(0, 179.99, -89.0), TileId::new(0, 0, 0));
        assert_eq!(
            TileId::containing(1, 180.0, -89.0),
            TileId::new(1, 1, 1),
            "the edge stays on the grid"
        );
        assert!(TileId::new(2, 3, 4).is_none());
    }

    /// A point at a tile's centre lands at grid cell (2 048, 2 048), and a feature outside the buffered
    /// tile is not in it.
    #[test]
    fn a_point_lands_where_it_should() {
        let t = TileId::new(14, 13_627, 6_997).unwrap();
        let b = t.bounds();
        let (w, s, e, n) = t.mercator_bounds();
        let centre = unproject((w + e) / 2.0, (s + n) / 2.0);
        let p = Geometry::Point(geo::Point(centre));
        let far = Geometry::Point(geo::Point::new(b.max().x + 1.0, b.max().y));
        let features = [("NEAR-POINT", &p), ("FAR-POINT", &far)].map(|(id, g)| TileFeature {
            number: 1,
            id,
            geometry: g,
            properties: serde_json::Map::from_iter([("tier".to_string(), Value::from("station"))]),
        });
        let bytes = encode(t, "facilities", features).unwrap();
        // Decoded by hand: the protobuf holds the layer name, one feature, its tags and MoveTo(2048, 2048),
        // zigzag-encoded as 4096, 4096 after the command integer 9 (MoveTo, count 1).
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("facilities") && text.contains("station"));
        assert!(
            text.contains("NEAR-POINT") && !text.contains("FAR-POINT"),
            "the far point is left out"
        );
        let moveto = [9u8, 0x80, 0x20, 0x80, 0x20];
        assert!(bytes.windows(5).any(|w| w == moveto), "{bytes:?}");
    }

    /// However many tiny features crowd a tile, it draws at most one per block; large ones always; and
    /// each feature drawn meets the buffered tile.
    #[test]
    fn thinning_bounds_a_tile() {
        // 200 000 areas of 20 m in a 0.1° square (a dense city), with 50 of 2 km among them.
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1_000_000) as f64 / 1_000_000.0
        };
        let extents: Vec<Option<Rect<f64>>> = (0..200_000)
            .map(|k| {
                let (x, y) = (119.4 + next() * 0.1, 26.0 + next() * 0.1);
                let size = if k % 4_000 == 0 { 0.02 } else { 0.0002 };
                Some(Rect::new((x, y), (x + size, y + size)))
            })
            .collect();
        let index = TileIndex::new(extents.iter().copied());
        let blocks = (f64::from(EXTENT + 2 * BUFFER) / TINY_CELLS).ceil() as usize;
        for z in [8u8, 10, 12] {
            let tile = TileId::containing(z, 119.45, 26.05).unwrap();
            let picked = index.pick(tile);
            let reach = tile.buffered_bounds();
            assert!(picked.windows(2).all(|w| w[0] < w[1]), "ascending");
            assert!(picked
                .iter()
                .all(|k| geo::Intersects::intersects(&extents[*k as usize].unwrap(), &reach)));
            let large = picked.iter().filter(|k| **k % 4_000 == 0).count();
            let meeting_large = (0..200_000)
                .filter(|k| k % 4_000 == 0 && geo::Intersects::intersects(&extents[*k].unwrap(), &reach))
                .count();
            assert_eq!(large, meeting_large, "zoom {z}: every large area is drawn");
            assert!(
                picked.len() - large <= blocks * blocks,
                "zoom {z}: {} dots",
                picked.len()
            );
        }
        // At zoom 8 the 0.1° city is 73 pixels across: far fewer dots than areas.
        let z8 = index.pick(TileId::containing(8, 119.45, 26.05).unwrap());
        assert!(z8.len() < 2_000, "{}", z8.len());
    }

    fn square(lon: f64, lat: f64, side: f64) -> geo::Polygon<f64> {
        // Anticlockwise in longitude and latitude, as the loader orients exteriors.
        geo::Polygon::new(
            LineString::from(vec![
                (lon, lat),
                (lon + side, lat),
                (lon + side, lat + side),
                (lon, lat + side),
                (lon, lat),
            ]),
            vec![],
        )
    }

    fn one(tile: TileId, g: &Geometry<f64>) -> validate::ReadTile {
        let f = TileFeature {
            number: 1,
            id: "A",
            geometry: g,
            properties: Default::default(),
        };
        validate::read(&encode(tile, "areas", [f]).unwrap()).unwrap()
    }

    /// Exterior rings come out positive and holes negative in tile coordinates, whichever way the
    /// data winds them (the issue's own example was (761,957)→(1655,957)→(1655,212)→(761,212), −666 030).
    #[test]
    fn rings_are_wound_as_mvt_wants() {
        // A square a quarter of a zoom-12 tile wide, at the tile's centre, with a hole 0.4 of its side.
        let tile = TileId::containing(12, 119.44, 26.0).unwrap();
        let b = tile.bounds();
        let side = b.width() / 4.0;
        let (cx, cy) = (b.center().x, b.center().y);
        let outer = square(cx - side / 2.0, cy - side / 2.0, side);
        let hole = square(cx - 0.2 * side, cy - 0.2 * side, 0.4 * side);
        let with_hole = geo::Polygon::new(outer.exterior().clone(), vec![hole.exterior().clone()]);
        let mut backwards = with_hole.clone();
        backwards.exterior_mut(|r| r.0.reverse());
        for p in [with_hole, backwards] {
            let read = one(tile, &Geometry::Polygon(p));
            assert!(read.problems().is_empty(), "{:?}", read.problems());
            let rings = read.layers[0].features[0].rings();
            assert_eq!(rings.len(), 2);
            assert!(rings[0].1 > 0 && rings[1].1 < 0, "{rings:?}");
            // 1 024 cells wide; as tall as Mercator stretches a degree of latitude at 26°: 1 024 / cos 26° ≈ 1 139.
            let outer_area = rings[0].1 as f64 / 2.0;
            assert!((1_150_000.0..1_185_000.0).contains(&outer_area), "{outer_area}");
            assert!((rings[1].1 as f64 / 2.0 / outer_area + 0.16).abs() < 0.005);
        }
    }

    /// A 20 m area at zooms 0–5 is smaller than a cell: it shows as a dot, not as nothing; at zoom 16 it
    /// is itself.
    #[test]
    fn a_tiny_area_is_a_dot_not_nothing() {
        let g = Geometry::Polygon(square(119.44, 26.0, 0.0002));
        for z in 0..=5 {
            let read = one(TileId::containing(z, 119.4401, 26.0001).unwrap(), &g);
            assert!(read.problems().is_empty(), "zoom {z}: {:?}", read.problems());
            let rings = read.layers[0].features[0].rings();
            assert_eq!(rings.len(), 1, "zoom {z}");
            assert_eq!(rings[0].1, 2 * i64::from(clip::DOT_CELLS * clip::DOT_CELLS), "zoom {z}");
        }
        let read = one(TileId::containing(16, 119.4401, 26.0001).unwrap(), &g);
        assert!(read.layers[0].features[0].rings()[0].1 > 2 * i64::from(clip::DOT_CELLS * clip::DOT_CELLS));
    }

    /// A multilinestring whose second line starts where the first ends is one line of valid commands.
    #[test]
    fn touching_lines_are_joined() {
        let g = Geometry::MultiLineString(geo::MultiLineString(vec![
            LineString::from(vec![(119.44, 26.0), (119.45, 26.0)]),
            LineString::from(vec![(119.45, 26.0), (119.45, 26.01)]),
        ]));
        let read = one(TileId::containing(12, 119.445, 26.005).unwrap(), &g);
        assert!(read.problems().is_empty(), "{:?}", read.problems());
        assert_eq!(read.layers[0].features[0].parts.len(), 1);
        assert_eq!(read.layers[0].features[0].parts[0].len(), 3);
    }

    /// A multipolygon whose second part starts where the first ends still has a MoveTo for each ring.
    #[test]
    fn touching_parts_each_start_a_ring() {
        let a = square(119.44, 26.0, 0.01);
        let b = geo::Polygon::new(
            LineString::from(vec![
                (119.44, 26.01),
                (119.45, 26.01),
                (119.45, 26.02),
                (119.44, 26.02),
                (119.44, 26.01),
            ]),
            vec![],
        );
        let tile = TileId::containing(12, 119.445, 26.01).unwrap();
        let read = one(tile, &Geometry::MultiPolygon(geo::MultiPolygon(vec![a, b])));
        assert!(read.problems().is_empty(), "{:?}", read.problems());
        assert_eq!(read.layers[0].features[0].rings().len(), 2);
    }

    /// A 20 cm polygon far from the grid's origin (found by the proptest below) is a dot at every zoom
    /// where it is smaller than a cell: its area is not lost to floating-point cancellation.
    #[test]
    fn a_tiny_polygon_far_out_is_still_a_dot() {
        let p = geo::Polygon::new(
            LineString::from(vec![
                (156.83788606789955, 17.131439500777805),
                (156.83788511022527, 17.131439900680917),
                (156.83788492370806, 17.131440625271534),
                (156.83788399265129, 17.1314390355117),
                (156.83788606789955, 17.131439500777805),
            ]),
            vec![],
        );
        let g = Geometry::Polygon(p);
        let inside = geo::InteriorPoint::interior_point(&g).unwrap();
        for z in 0..=22u8 {
            let read = one(TileId::containing(z, inside.x(), inside.y()).unwrap(), &g);
            assert_eq!(read.layers.len(), 1, "zoom {z}");
            assert!(read.problems().is_empty(), "zoom {z}: {:?}", read.problems());
        }
    }

    use proptest::prelude::*;

    /// A star-shaped polygon (simple by construction) around a centre, with perhaps a hole in its core.
    fn star() -> impl Strategy<Value = (f64, f64, geo::Polygon<f64>)> {
        (
            -179.0f64..179.0,
            -80.0f64..80.0,
            -6.0f64..0.0,
            prop::collection::vec((0.0f64..1.0, 0.3f64..1.0), 3..24),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lon, lat, log_size, spokes, hole, clockwise)| {
                let size = 10f64.powf(log_size);
                let mut angles: Vec<(f64, f64)> = spokes
                    .into_iter()
                    .map(|(a, r)| (a * std::f64::consts::TAU, r))
                    .collect();
                angles.sort_by(|a, b| a.0.total_cmp(&b.0));
                angles.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
                let ring = |scale: f64| {
                    let mut pts: Vec<(f64, f64)> = angles
                        .iter()
                        .map(|(a, r)| (lon + scale * size * r * a.cos(), lat + scale * size * r * a.sin()))
                        .collect();
                    pts.push(pts[0]);
                    LineString::from(pts)
                };
                let mut exterior = ring(1.0);
                if clockwise {
                    exterior.0.reverse();
                }
                let holes = if hole { vec![ring(0.25)] } else { vec![] };
                (lon, lat, geo::Polygon::new(exterior, holes))
            })
            // A polygon, as the loader lets one in: at least three spokes, some area.
            .prop_filter("a polygon with area", |(_, _, p)| {
                p.exterior().0.len() >= 4 && geo::Area::unsigned_area(p) > 0.0
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any polygon at any zoom and place: every ring of the tile has three distinct vertices and an
        /// area, the first ring of each part is positive, and a tile over a point inside it is not empty.
        #[test]
        fn any_polygon_tiles_as_mvt_wants(
            (lon, lat, p) in star(),
            z in 0u8..=22,
            shift in (-1.5f64..1.5, -1.5f64..1.5),
        ) {
            let g = Geometry::Polygon(p);
            let centre = TileId::containing(z, lon, lat).unwrap();
            // The tile over the centre, or one of its neighbours (the polygon may only touch it).
            let n = (1u32 << z) as i64;
            let nx = (i64::from(centre.x) + shift.0.round() as i64).clamp(0, n - 1) as u32;
            let ny = (i64::from(centre.y) + shift.1.round() as i64).clamp(0, n - 1) as u32;
            for tile in [centre, TileId::new(z, nx, ny).unwrap()] {
                let read = one(tile, &g);
                prop_assert!(read.problems().is_empty(), "{:?}", read.problems());
                for f in read.layers.iter().flat_map(|l| &l.features) {
                    prop_assert!(f.rings()[0].1 > 0);
                }
            }
            let inside = geo::InteriorPoint::interior_point(&g).unwrap();
            let over = TileId::containing(z, inside.x(), inside.y()).unwrap();
            prop_assert_eq!(one(over, &g).layers.len(), 1, "the tile over a point inside the polygon draws it");
        }
    }
}
