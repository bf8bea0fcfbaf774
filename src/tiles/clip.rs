//! Geometry cut to a tile: clipped to the buffered tile, snapped to whole grid cells, and made as
//! MVT 2.1 §4.3.4 wants — no ring of fewer than three distinct vertices or of zero area, exterior rings
//! of positive area by the surveyor's formula in tile coordinates (y down, so they look clockwise) and
//! holes negative, no line of fewer than two distinct points.
//!
//! The `mvt` crate's own clipping moves points outside the box onto its edge one by one, which can
//! leave a polygon's part as a two-point ring along the edge; so the encoder is handed only what this
//! module has cut.

use geo::Coord;

/// A point in whole grid cells.
pub type Cell = (i32, i32);

/// The square `[lo, hi]²` of grid cells a tile keeps (the tile and its buffer).
#[derive(Debug, Clone, Copy)]
pub struct GridBox {
    pub lo: f64,
    pub hi: f64,
}

impl GridBox {
    fn holds(&self, c: Coord<f64>) -> bool {
        (self.lo..=self.hi).contains(&c.x) && (self.lo..=self.hi).contains(&c.y)
    }
}

/// Twice the signed area of a ring (given without its closing point) by the surveyor's formula.
/// In tile coordinates (y down) a ring that looks clockwise is positive: MVT's exterior ring.
///
/// ```
/// use carecircle_core::tiles::clip::doubled_area;
/// // Right, then down, then left: clockwise on screen, where y grows downwards.
/// assert_eq!(doubled_area(&[(0, 0), (10, 0), (10, 10), (0, 10)]), 200);
/// assert_eq!(doubled_area(&[(0, 0), (0, 10), (10, 10), (10, 0)]), -200);
/// ```
pub fn doubled_area(ring: &[Cell]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
        })
        .sum()
}

/// The same in floating point, about the ring's first vertex: a polygon of a fraction of a cell far from
/// the grid's origin keeps its area instead of losing it to cancellation.
fn doubled_area_f64(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i] - o, ring[(i + 1) % n] - o);
            a.x * b.y - b.x * a.y
        })
        .sum()
}

/// A closed ring (its last point may repeat the first) clipped to the box by Sutherland–Hodgman, one
/// edge of the box at a time; the result has no closing point. Where a concave ring leaves the box and
/// comes back, the part between runs along the box's edge, in the buffer, out of sight.
pub fn clip_ring(ring: &[Coord<f64>], bx: GridBox) -> Vec<Coord<f64>> {
    let mut points: Vec<Coord<f64>> = ring.to_vec();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    // Each edge of the box as (is inside, where a segment crosses it).
    type Inside = fn(Coord<f64>, f64) -> bool;
    type Cross = fn(Coord<f64>, Coord<f64>, f64) -> Coord<f64>;
    let at_x = |a: Coord<f64>, b: Coord<f64>, x: f64| Coord {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    };
    let at_y = |a: Coord<f64>, b: Coord<f64>, y: f64| Coord {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    };
    let edges: [(Inside, Cross, f64); 4] = [
        (|c, v| c.x >= v, at_x, bx.lo),
        (|c, v| c.x <= v, at_x, bx.hi),
        (|c, v| c.y >= v, at_y, bx.lo),
        (|c, v| c.y <= v, at_y, bx.hi),
    ];
    for (inside, cross, v) in edges {
        if points.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(points.len() + 4);
        let mut prev = points[points.len() - 1];
        for &cur in &points {
            match (inside(prev, v), inside(cur, v)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur, v)),
                (false, true) => {
                    out.push(cross(prev, cur, v));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
        points = out;
    }
    points
}

/// A clipped ring snapped to whole cells with repeated points dropped (the closing one too), wound
/// positive for an exterior ring and negative for a hole; `None` when fewer than three distinct vertices
/// or no area is left.
pub fn grid_ring(clipped: &[Coord<f64>], exterior: bool) -> Option<Vec<Cell>> {
    let mut ring: Vec<Cell> = Vec::with_capacity(clipped.len());
    for c in clipped {
        let cell = snap(*c);
        if ring.last() != Some(&cell) {
            ring.push(cell);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return None;
    }
    let area = doubled_area(&ring);
    if area == 0 {
        return None;
    }
    if (area > 0) != exterior {
        ring.reverse();
    }
    Some(ring)
}

fn snap(c: Coord<f64>) -> Cell {
    // Clipped points lie within the box, a few thousand cells across: the cast cannot overflow.
    (c.x.round() as i32, c.y.round() as i32)
}

/// Where a polygon part too small to draw at this zoom shows instead: the centre of its clipped exterior
/// (unsimplified), and that area, when the part really meets the box.
pub fn part_centre(exterior: &[Coord<f64>], bx: GridBox) -> Option<(Coord<f64>, f64)> {
    let clipped = clip_ring(exterior, bx);
    let area = doubled_area_f64(&clipped).abs() / 2.0;
    if clipped.len() < 3 || area <= 0.0 {
        return None;
    }
    let n = clipped.len() as f64;
    let (sx, sy) = clipped.iter().fold((0.0, 0.0), |(x, y), c| (x + c.x, y + c.y));
    Some((Coord { x: sx / n, y: sy / n }, area))
}

/// A dot's side in grid cells: two pixels of a 512-pixel tile.
pub const DOT_CELLS: i32 = 16;

/// A small square, wound as an exterior ring, standing for a polygon too small to draw at this zoom.
pub fn dot(centre: Coord<f64>, bx: GridBox) -> Vec<Cell> {
    let half = DOT_CELLS / 2;
    let lo = bx.lo as i32 + half;
    let hi = bx.hi as i32 - half;
    let (x, y) = snap(centre);
    let (x, y) = (x.clamp(lo, hi), y.clamp(lo, hi));
    // Right, down, left: clockwise with y down, so a positive area.
    vec![
        (x - half, y - half),
        (x + half, y - half),
        (x + half, y + half),
        (x - half, y + half),
    ]
}

/// A line clipped to the box (Liang–Barsky, segment by segment) and snapped: the pieces inside, each of
/// at least two distinct points, a piece that leaves and re-enters the box split in two.
pub fn line_pieces(line: &[Coord<f64>], bx: GridBox) -> Vec<Vec<Cell>> {
    let mut pieces: Vec<Vec<Cell>> = Vec::new();
    let mut current: Vec<Cell> = Vec::new();
    let mut finish = |current: &mut Vec<Cell>| {
        if current.len() >= 2 {
            pieces.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    let push = |current: &mut Vec<Cell>, c: Coord<f64>| {
        let cell = snap(c);
        if current.last() != Some(&cell) {
            current.push(cell);
        }
    };
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], bx) {
            Some((a, b, cut_end)) => {
                if current.is_empty() || current.last() != Some(&snap(a)) {
                    finish(&mut current);
                    push(&mut current, a);
                }
                push(&mut current, b);
                if cut_end {
                    finish(&mut current);
                }
            }
            None => finish(&mut current),
        }
    }
    finish(&mut current);
    pieces
}

/// The part of segment a→b inside the box, and whether its end was cut (the line leaves the box).
fn clip_segment(a: Coord<f64>, b: Coord<f64>, bx: GridBox) -> Option<(Coord<f64>, Coord<f64>, bool)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.x - bx.lo),
        (dx, bx.hi - a.x),
        (-dy, a.y - bx.lo),
        (dy, bx.hi - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    Some((at(t0), at(t1), t1 < 1.0))
}

/// The points of a (multi)point inside the box, snapped, repeats dropped.
pub fn points_inside(points: impl IntoIterator<Item = Coord<f64>>, bx: GridBox) -> Vec<Cell> {
    let mut seen = std::collections::HashSet::new();
    points
        .into_iter()
        .filter(|c| bx.holds(*c))
        .map(snap)
        .filter(|cell| seen.insert(*cell))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: GridBox = GridBox { lo: -64.0, hi: 4160.0 };

    fn coords(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    /// A square half outside the box is cut at the box's edge, and wound clockwise (positive) as an
    /// exterior ring whichever way it came in.
    #[test]
    fn a_ring_is_cut_at_the_edge_and_wound() {
        // Anticlockwise on screen (y down): negative as given.
        let square = coords(&[
            (4000.0, 100.0),
            (4000.0, 300.0),
            (4300.0, 300.0),
            (4300.0, 100.0),
            (4000.0, 100.0),
        ]);
        let clipped = clip_ring(&square, BOX);
        let ring = grid_ring(&clipped, true).unwrap();
        assert_eq!(ring.len(), 4);
        assert!(ring.iter().all(|&(x, _)| (4000..=4160).contains(&x)), "{ring:?}");
        // 160 × 200 cells.
        assert_eq!(doubled_area(&ring), 2 * 160 * 200);
        let hole = grid_ring(&clipped, false).unwrap();
        assert_eq!(doubled_area(&hole), -2 * 160 * 200);
    }

    /// A sliver whose part inside the box lies along the box's edge — what the mvt crate drew as a
    /// two-point ring — leaves nothing.
    #[test]
    fn a_ring_along_the_edge_is_dropped() {
        let sliver = coords(&[(4160.2, 10.0), (4500.0, 10.0), (4500.0, 900.0), (4160.2, 900.0)]);
        assert!(grid_ring(&clip_ring(&sliver, BOX), true).is_none());
        // Three points on one line: no area.
        assert!(grid_ring(&coords(&[(0.0, 0.0), (5.0, 5.0), (10.0, 10.0)]), true).is_none());
        // Snapped onto two cells.
        assert!(grid_ring(&coords(&[(0.1, 0.1), (0.2, 0.3), (1.1, 0.9), (0.9, 1.2)]), true).is_none());
    }

    /// A line across the box is cut at both edges; one leaving and coming back is two pieces.
    #[test]
    fn a_line_is_cut_into_pieces() {
        let across = coords(&[(-500.0, 100.0), (5000.0, 100.0)]);
        assert_eq!(line_pieces(&across, BOX), vec![vec![(-64, 100), (4160, 100)]]);
        let out_and_back = coords(&[(100.0, 100.0), (100.0, -500.0), (200.0, -500.0), (200.0, 100.0)]);
        assert_eq!(
            line_pieces(&out_and_back, BOX),
            vec![vec![(100, 100), (100, -64)], vec![(200, -64), (200, 100)]]
        );
        assert!(line_pieces(&coords(&[(5000.0, 0.0), (6000.0, 0.0)]), BOX).is_empty());
    }

    #[test]
    fn a_dot_stays_in_the_box() {
        let d = dot(Coord { x: 5000.0, y: -100.0 }, BOX);
        assert!(doubled_area(&d) > 0);
        assert!(d
            .iter()
            .all(|&(x, y)| (-64..=4160).contains(&x) && (-64..=4160).contains(&y)));
    }
}
