//! Vector tiles: Mapbox Vector Tiles 2.1 in OGC's WebMercatorQuad tile matrix set, what web maps draw.
//!
//! A tile holds one layer: the features whose bounding box meets the tile (with a buffer, so strokes and
//! labels at the edge are not cut), projected to Web Mercator, clipped to the buffered tile by the `mvt`
//! crate, and simplified to half a pixel of the tile's 4 096 grid — so a feature is as detailed as its zoom
//! shows, and no more. Properties travel as tags; the id as the tag `id`.
//!
//! No I/O: the server hands in features and gets bytes.
//!
//! ```
//! use carecircle::tiles::TileId;
//! let t = TileId::new(14, 13_627, 6_997).unwrap();
//! let b = t.bounds();
//! assert!(b.min().x < 119.44 && 119.44 < b.max().x + 0.1);
//! assert!(TileId::new(3, 8, 0).is_none(), "x beyond 2^z");
//! ```

use geo::{Coord, Geometry, LineString, Rect, Simplify};
use mvt::{GeomEncoder, GeomType, Tile};
use serde_json::Value;

/// Tile grid cells per side.
pub const EXTENT: u32 = 4_096;
/// Grid cells drawn beyond each edge.
pub const BUFFER: u32 = 64;
/// The deepest zoom served (about 2 cm per grid cell).
pub const MAX_ZOOM: u8 = 22;
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

    /// The tile's extent in Web Mercator metres.
    fn mercator_bounds(&self) -> (f64, f64, f64, f64) {
        let size = 2.0 * std::f64::consts::PI * EARTH_RADIUS_M / f64::from(1u32 << self.z.min(31));
        let origin = std::f64::consts::PI * EARTH_RADIUS_M;
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

/// A feature to put in a tile.
pub struct TileFeature<'a> {
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
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let clip = pointy::BBox::from(((lo, lo), (hi, hi)));
    let mut out = Tile::new(EXTENT);
    let mut l = out.create_layer(layer);
    let reach = tile.buffered_bounds();
    for (n_feature, f) in features.into_iter().enumerate() {
        let meets =
            geo::BoundingRect::bounding_rect(f.geometry).is_some_and(|r| geo::Intersects::intersects(&r, &reach));
        if !meets {
            continue;
        }
        let Some(data) = geometry(f.geometry, &to_grid, clip).map_err(err)? else {
            continue;
        };
        let mut feature = l.into_feature(data);
        feature.set_id(n_feature as u64 + 1);
        feature.add_tag_string("id", f.id);
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

/// One feature's geometry in tile grid cells, clipped and simplified; `None` when nothing is left.
fn geometry(
    g: &Geometry<f64>,
    to_grid: &impl Fn(&Coord<f64>) -> Coord<f64>,
    clip: pointy::BBox<f64>,
) -> Result<Option<mvt::GeomData>, mvt::Error> {
    let line = |l: &LineString<f64>| -> LineString<f64> {
        LineString::from(l.coords().map(to_grid).collect::<Vec<_>>()).simplify(0.5)
    };
    let encoder = |tp: GeomType| GeomEncoder::new(tp).bbox(clip);
    let mut enc;
    match g {
        Geometry::Point(p) => {
            let c = to_grid(&p.0);
            enc = encoder(GeomType::Point);
            enc.add_point(c.x, c.y)?;
        }
        Geometry::MultiPoint(m) => {
            enc = encoder(GeomType::Point);
            for p in &m.0 {
                let c = to_grid(&p.0);
                enc.add_point(c.x, c.y)?;
            }
        }
        Geometry::LineString(l) => {
            enc = encoder(GeomType::Linestring);
            add_line(&mut enc, &line(l))?;
        }
        Geometry::MultiLineString(m) => {
            enc = encoder(GeomType::Linestring);
            for l in &m.0 {
                add_line(&mut enc, &line(l))?;
            }
        }
        Geometry::Polygon(p) => {
            enc = encoder(GeomType::Polygon);
            add_polygon(&mut enc, p, &line)?;
        }
        Geometry::MultiPolygon(m) => {
            enc = encoder(GeomType::Polygon);
            for p in &m.0 {
                add_polygon(&mut enc, p, &line)?;
            }
        }
        Geometry::Rect(r) => return geometry(&Geometry::Polygon(r.to_polygon()), to_grid, clip),
        Geometry::Triangle(t) => return geometry(&Geometry::Polygon(t.to_polygon()), to_grid, clip),
        Geometry::Line(l) => {
            return geometry(
                &Geometry::LineString(LineString::from(vec![l.start, l.end])),
                to_grid,
                clip,
            )
        }
        // The served collections hold one geometry family each: a collection is never served whole.
        Geometry::GeometryCollection(_) => return Ok(None),
    }
    let data = enc.encode()?;
    Ok((!data.is_empty()).then_some(data))
}

fn add_line(enc: &mut GeomEncoder<f64>, l: &LineString<f64>) -> Result<(), mvt::Error> {
    if l.0.len() < 2 {
        return Ok(());
    }
    for c in &l.0 {
        enc.add_point(c.x, c.y)?;
    }
    enc.complete_geom()
}

fn add_polygon(
    enc: &mut GeomEncoder<f64>,
    p: &geo::Polygon<f64>,
    line: &impl Fn(&LineString<f64>) -> LineString<f64>,
) -> Result<(), mvt::Error> {
    for (i, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
        let r = line(ring);
        // A ring simplified below a triangle is smaller than a pixel here; its holes go with it.
        if r.0.len() < 4 {
            if i == 0 {
                return Ok(());
            }
            continue;
        }
        // MVT wants exterior rings clockwise in the tile grid (y down), which is anticlockwise on the map:
        // the mvt crate writes rings as given, so the orientation of the data (exterior anticlockwise in
        // longitude/latitude, as the loader orients it) carries over.
        for c in &r.0[..r.0.len() - 1] {
            enc.add_point(c.x, c.y)?;
        }
        enc.complete_geom()?;
    }
    Ok(())
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
}
