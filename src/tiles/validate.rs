//! A strict reader of Mapbox Vector Tiles 2.1: decodes a tile's protobuf and geometry commands and lists
//! every way it breaks the specification — what the lenient clients (MapLibre, GDAL) forgive and QGIS
//! does not. The tests hold carecircle's tiles to it; it reads any tile, with no I/O.
//!
//! ```
//! use carecircle_core::tiles::{encode, validate, TileFeature, TileId};
//! let square = geo::Geometry::Polygon(geo::Rect::new((119.44, 26.0), (119.45, 26.01)).to_polygon());
//! let tile = TileId::containing(12, 119.445, 26.005).unwrap();
//! let feature = TileFeature { number: 1, id: "A", geometry: &square, properties: Default::default() };
//! let bytes = encode(tile, "areas", [feature]).unwrap();
//! let read = validate::read(&bytes).unwrap();
//! assert!(read.problems().is_empty(), "{:?}", read.problems());
//! assert!(read.layers[0].features[0].rings()[0].1 > 0, "the exterior ring's area is positive");
//! ```

use super::clip::{doubled_area, Cell};

/// A tile as read.
#[derive(Debug)]
pub struct ReadTile {
    pub layers: Vec<ReadLayer>,
}

#[derive(Debug)]
pub struct ReadLayer {
    pub name: String,
    pub version: u64,
    pub extent: u64,
    pub keys: usize,
    pub values: usize,
    pub features: Vec<ReadFeature>,
}

/// MVT geometry types (§4.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unknown,
    Point,
    LineString,
    Polygon,
}

#[derive(Debug)]
pub struct ReadFeature {
    pub id: Option<u64>,
    pub kind: Kind,
    pub tags: Vec<u32>,
    /// The geometry as its commands draw it: each MoveTo starts a part (a point, a line, a ring).
    pub parts: Vec<Vec<Cell>>,
    /// What is wrong with the geometry's commands (§4.3), found while reading them.
    pub command_problems: Vec<String>,
}

impl ReadFeature {
    /// Each ring with twice its area by the surveyor's formula (polygons only).
    pub fn rings(&self) -> Vec<(&[Cell], i64)> {
        if self.kind != Kind::Polygon {
            return Vec::new();
        }
        self.parts.iter().map(|r| (r.as_slice(), doubled_area(r))).collect()
    }
}

impl ReadTile {
    /// Every breach of MVT 2.1 in the tile, each naming the layer and feature.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in &self.layers {
            if l.version != 2 {
                out.push(format!("layer {}: version {} (expected 2)", l.name, l.version));
            }
            if l.name.is_empty() {
                out.push("a layer has no name (§4.1)".into());
            }
            for (i, f) in l.features.iter().enumerate() {
                let at = format!("layer {} feature {i} (id {:?})", l.name, f.id);
                out.extend(f.command_problems.iter().map(|p| format!("{at}: {p}")));
                if f.tags.len() % 2 != 0 {
                    out.push(format!("{at}: an odd number of tags (§4.4)"));
                }
                for pair in f.tags.chunks(2) {
                    if pair[0] as usize >= l.keys || pair.get(1).is_some_and(|v| *v as usize >= l.values) {
                        out.push(format!("{at}: a tag refers to no key or value (§4.4)"));
                    }
                }
                out.extend(geometry_problems(f).into_iter().map(|p| format!("{at}: {p}")));
            }
        }
        out
    }
}

fn geometry_problems(f: &ReadFeature) -> Vec<String> {
    let mut out = Vec::new();
    if f.parts.is_empty() {
        out.push("no geometry".into());
        return out;
    }
    let distinct = |p: &[Cell]| {
        let mut v = p.to_vec();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    match f.kind {
        Kind::Unknown => out.push("geometry type UNKNOWN (§4.3.4)".into()),
        Kind::Point => {
            if f.parts.iter().any(|p| p.len() != 1) {
                out.push("a point part is not one MoveTo (§4.3.4.2)".into());
            }
        }
        Kind::LineString => {
            for (k, p) in f.parts.iter().enumerate() {
                if distinct(p) < 2 {
                    out.push(format!("line {k} has fewer than two distinct points (§4.3.4.3)"));
                }
            }
        }
        Kind::Polygon => {
            for (k, (ring, area)) in f.rings().into_iter().enumerate() {
                if distinct(ring) < 3 {
                    out.push(format!("ring {k} has fewer than three distinct vertices (§4.3.4.4)"));
                }
                if area == 0 {
                    out.push(format!("ring {k} has zero area (§4.3.4.4)"));
                }
                if k == 0 && area < 0 {
                    out.push(format!(
                        "the first ring has a negative area ({}): an exterior ring must be positive, clockwise in tile coordinates (§4.3.4.4)",
                        area as f64 / 2.0
                    ));
                }
                if ring.len() > 1 && ring.first() == ring.last() {
                    out.push(format!("ring {k} repeats its first point before ClosePath (§4.3.4.4)"));
                }
            }
        }
    }
    out
}

/// Reads a tile's protobuf (uncompressed); `Err` names where it is not a well-formed vector tile.
pub fn read(bytes: &[u8]) -> Result<ReadTile, String> {
    let mut layers = Vec::new();
    for field in Fields::new(bytes) {
        let (number, value) = field?;
        if number == 3 {
            layers.push(read_layer(value.bytes().ok_or("Tile.layers is not a message")?)?);
        }
    }
    Ok(ReadTile { layers })
}

fn read_layer(bytes: &[u8]) -> Result<ReadLayer, String> {
    let mut layer = ReadLayer {
        name: String::new(),
        version: 1,
        extent: 4096,
        keys: 0,
        values: 0,
        features: Vec::new(),
    };
    let mut raw_features = Vec::new();
    for field in Fields::new(bytes) {
        match field? {
            (15, Value::Varint(v)) => layer.version = v,
            (1, Value::Bytes(b)) => {
                layer.name = String::from_utf8(b.to_vec()).map_err(|_| "a layer name is not UTF-8")?
            }
            (2, Value::Bytes(b)) => raw_features.push(b),
            (3, Value::Bytes(_)) => layer.keys += 1,
            (4, Value::Bytes(_)) => layer.values += 1,
            (5, Value::Varint(v)) => layer.extent = v,
            _ => {}
        }
    }
    for b in raw_features {
        layer
            .features
            .push(read_feature(b).map_err(|e| format!("layer {}: {e}", layer.name))?);
    }
    Ok(layer)
}

fn read_feature(bytes: &[u8]) -> Result<ReadFeature, String> {
    let (mut id, mut kind, mut tags, mut geometry) = (None, Kind::Unknown, Vec::new(), Vec::new());
    for field in Fields::new(bytes) {
        match field? {
            (1, Value::Varint(v)) => id = Some(v),
            (2, Value::Bytes(b)) => tags = packed(b)?,
            (3, Value::Varint(v)) => {
                kind = match v {
                    1 => Kind::Point,
                    2 => Kind::LineString,
                    3 => Kind::Polygon,
                    _ => Kind::Unknown,
                }
            }
            (4, Value::Bytes(b)) => geometry = packed(b)?,
            _ => {}
        }
    }
    let (parts, command_problems) = commands(kind, &geometry);
    Ok(ReadFeature {
        id,
        kind,
        tags,
        parts,
        command_problems,
    })
}

/// The geometry's commands (§4.3) drawn into parts, with what is wrong in their order or counts.
fn commands(kind: Kind, data: &[u32]) -> (Vec<Vec<Cell>>, Vec<String>) {
    let (mut parts, mut problems): (Vec<Vec<Cell>>, Vec<String>) = (Vec::new(), Vec::new());
    let (mut x, mut y) = (0i64, 0i64);
    let mut i = 0;
    let mut last: Option<u32> = None;
    let zigzag = |v: u32| i64::from(v >> 1) ^ -i64::from(v & 1);
    while i < data.len() {
        let (id, count) = (data[i] & 7, data[i] >> 3);
        i += 1;
        match id {
            1 | 2 => {
                if id == 1 && kind != Kind::Point && count != 1 {
                    problems.push(format!("MoveTo with count {count} in a line or polygon (§4.3.4)"));
                }
                if id == 2 && last != Some(1) && kind == Kind::Polygon {
                    problems.push("a LineTo that does not follow a MoveTo (§4.3.4.4)".into());
                }
                if id == 2 && last != Some(1) && kind == Kind::LineString {
                    problems.push("a LineTo that does not follow a MoveTo (§4.3.4.3)".into());
                }
                if id == 2 && (kind == Kind::Point || parts.is_empty()) {
                    problems.push("a LineTo with no part to draw (§4.3.4)".into());
                    parts.push(Vec::new());
                }
                if id == 2 && kind == Kind::Polygon && count < 2 {
                    problems.push(format!("a ring's LineTo with count {count} (at least 2, §4.3.4.4)"));
                }
                for _ in 0..count {
                    let (Some(&dx), Some(&dy)) = (data.get(i), data.get(i + 1)) else {
                        problems.push("the geometry ends inside a command's parameters (§4.3)".into());
                        return (parts, problems);
                    };
                    i += 2;
                    x += zigzag(dx);
                    y += zigzag(dy);
                    let cell = (
                        x.clamp(i32::MIN.into(), i32::MAX.into()) as i32,
                        y.clamp(i32::MIN.into(), i32::MAX.into()) as i32,
                    );
                    if id == 1 {
                        parts.push(vec![cell]);
                    } else if let Some(p) = parts.last_mut() {
                        p.push(cell);
                    }
                }
            }
            7 => {
                if kind != Kind::Polygon {
                    problems.push("ClosePath outside a polygon (§4.3.3.3)".into());
                }
                if count != 1 {
                    problems.push(format!("ClosePath with count {count} (§4.3.3.3)"));
                }
                if last != Some(2) {
                    problems.push("ClosePath that does not follow a LineTo (§4.3.4.4)".into());
                }
            }
            other => {
                problems.push(format!("unknown command {other} (§4.3.2)"));
                return (parts, problems);
            }
        }
        last = Some(id);
    }
    if kind == Kind::Polygon && last.is_some() && last != Some(7) {
        problems.push("a ring that is not closed with ClosePath (§4.3.4.4)".into());
    }
    (parts, problems)
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Value<'a> {
    fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// A protobuf message's fields, in order.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Fields<'a> {
        Fields { rest: bytes }
    }
}

fn varint(bytes: &mut &[u8]) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first().ok_or("a varint runs past the end")?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a varint longer than ten bytes".into())
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let field = (|| {
            let key = varint(&mut self.rest)?;
            let value = match key & 7 {
                0 => Value::Varint(varint(&mut self.rest)?),
                1 | 5 => {
                    let n = if key & 7 == 1 { 8 } else { 4 };
                    if self.rest.len() < n {
                        return Err("a fixed-width field runs past the end".to_string());
                    }
                    self.rest = &self.rest[n..];
                    Value::Fixed
                }
                2 => {
                    let n = usize::try_from(varint(&mut self.rest)?).map_err(|_| "a length too large")?;
                    if self.rest.len() < n {
                        return Err("a length-delimited field runs past the end".to_string());
                    }
                    let (b, rest) = self.rest.split_at(n);
                    self.rest = rest;
                    Value::Bytes(b)
                }
                w => return Err(format!("wire type {w} is not one a vector tile uses")),
            };
            Ok((key >> 3, value))
        })();
        if field.is_err() {
            self.rest = &[];
        }
        Some(field)
    }
}

fn packed(mut bytes: &[u8]) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        out.push(u32::try_from(varint(&mut bytes)?).map_err(|_| "a packed value beyond 32 bits")?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tile written by hand with one polygon wound backwards and one two-point ring: both are named.
    #[test]
    fn backward_and_degenerate_rings_are_named() {
        // Geometry: MoveTo(0,0) LineTo(0,10)(10,10)(10,0) ClosePath — anticlockwise with y down — then
        // MoveTo(+5,+5) LineTo(+1,0) ClosePath: a ring of two points.
        let z = |v: i32| ((v << 1) ^ (v >> 31)) as u32;
        let geometry: Vec<u32> = vec![
            9,
            z(0),
            z(0),
            26,
            z(0),
            z(10),
            z(10),
            z(0),
            z(0),
            z(-10),
            15,
            9,
            z(-5),
            z(15),
            10,
            z(1),
            z(0),
            15,
        ];
        let mut packed = Vec::new();
        for g in geometry {
            let mut v = g;
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    packed.push(b);
                    break;
                }
                packed.push(b | 0x80);
            }
        }
        let mut feature = vec![0x18, 3, 0x22, packed.len() as u8];
        feature.extend(&packed);
        let mut layer = vec![0x78, 2, 0x0a, 1, b'a', 0x12, feature.len() as u8];
        layer.extend(&feature);
        let mut tile = vec![0x1a, layer.len() as u8];
        tile.extend(&layer);
        let problems = read(&tile).unwrap().problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("first ring has a negative area (-100)")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("ring 1 has fewer than three distinct")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("LineTo with count 1")),
            "{problems:?}"
        );
        assert!(read(&tile[..tile.len() - 3]).is_err(), "a cut tile is not read");
    }
}
