//! Walking distance along a roads layer: a graph of the walkable roads, points joined to their nearest
//! road, and one multi-source shortest-path search from all facilities at once.
//!
//! Road vertices that coincide (to about a centimetre) are one node, so roads connect where they share a
//! vertex, as road data is drawn. A point (a residential area, a facility) joins the nearest segment at
//! its foot: the walk is the straight access to the road plus the way along it.

use crate::spatial::{ecef, geodesic_m};
use foldhash::HashMap;
use geo::Point;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A segment between two nodes, indexed by its earth-centred end points.
type Segment = GeomWithData<Line<[f64; 3]>, usize>;

/// The walkable roads as a graph.
pub struct WalkNetwork {
    /// Per segment: its two nodes and its length in metres.
    segments: Vec<(u32, u32, f64)>,
    /// Per node: (neighbour, metres).
    edges: Vec<Vec<(u32, f64)>>,
    /// Per node: the segments meeting there.
    node_segments: Vec<Vec<u32>>,
    points: Vec<Point<f64>>,
    index: RTree<Segment>,
}

/// Where a point meets the network.
#[derive(Debug, Clone, Copy)]
pub struct Join {
    pub segment: usize,
    /// Position along the segment, 0 at its first node and 1 at its second.
    pub along: f64,
    /// Straight-line metres from the point to the road.
    pub access_m: f64,
}

/// The walk from a point to the nearest source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    pub source: usize,
    pub distance_m: f64,
}

impl WalkNetwork {
    /// Builds the network from the lines of the walkable roads.
    pub fn new<'a>(lines: impl IntoIterator<Item = &'a geo::LineString<f64>>) -> WalkNetwork {
        let mut node_of: HashMap<(i64, i64), u32> = HashMap::default();
        let mut points = Vec::new();
        let mut node = |p: geo::Coord<f64>, points: &mut Vec<Point<f64>>| {
            // 1e-7° is about a centimetre: vertices closer than that are the same crossing.
            let key = ((p.x * 1e7).round() as i64, (p.y * 1e7).round() as i64);
            *node_of.entry(key).or_insert_with(|| {
                points.push(Point::from(p));
                (points.len() - 1) as u32
            })
        };
        let mut ends = Vec::new();
        for line in lines {
            for pair in line.0.windows(2) {
                let (a, b) = (node(pair[0], &mut points), node(pair[1], &mut points));
                if a != b {
                    ends.push((a, b));
                }
            }
        }
        // The lengths (a geodesic each) and the nodes' earth-centred positions on every core: at half a
        // million segments they were most of building the network.
        let segments: Vec<(u32, u32, f64)> = ends
            .par_iter()
            .map(|&(a, b)| (a, b, geodesic_m(points[a as usize], points[b as usize])))
            .collect();
        let positions: Vec<[f64; 3]> = points.par_iter().map(|&p| ecef(p)).collect();
        let mut edges = vec![Vec::new(); points.len()];
        let mut node_segments = vec![Vec::new(); points.len()];
        for (i, &(a, b, length)) in segments.iter().enumerate() {
            edges[a as usize].push((b, length));
            edges[b as usize].push((a, length));
            node_segments[a as usize].push(i as u32);
            node_segments[b as usize].push(i as u32);
        }
        let index = RTree::bulk_load(
            segments
                .iter()
                .enumerate()
                .map(|(i, &(a, b, _))| GeomWithData::new(Line::new(positions[a as usize], positions[b as usize]), i))
                .collect(),
        );
        WalkNetwork {
            segments,
            edges,
            node_segments,
            points,
            index,
        }
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Where `p` meets the nearest road, or `None` when there are no roads.
    pub fn join(&self, p: Point<f64>) -> Option<Join> {
        let q = ecef(p);
        let nearest = self.index.nearest_neighbor(&q)?;
        let line = nearest.geom();
        let (from, to) = (line.from, line.to);
        let d: [f64; 3] = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
        let len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        let along = if len2 > 0.0 {
            (((q[0] - from[0]) * d[0] + (q[1] - from[1]) * d[1] + (q[2] - from[2]) * d[2]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (a, b, _) = self.segments[nearest.data];
        let (pa, pb) = (self.points[a as usize], self.points[b as usize]);
        // Over a road segment (metres to a few hundred) the chord and the surface differ by millimetres.
        let foot = Point::new(pa.x() + (pb.x() - pa.x()) * along, pa.y() + (pb.y() - pa.y()) * along);
        Some(Join {
            segment: nearest.data,
            along,
            access_m: geodesic_m(p, foot),
        })
    }

    /// For each target, the walk to the nearest source, searched out to `limit_m` metres; `None` beyond.
    ///
    /// `sources` are `(source id, join)`; all are searched at once (one Dijkstra with many roots).
    pub fn nearest_walks(
        &self,
        sources: &[(usize, Join)],
        targets: &[Option<Join>],
        limit_m: f64,
    ) -> Vec<Option<Walk>> {
        let (best, on_segment) = self.search(sources, limit_m);
        targets
            .iter()
            .map(|join| {
                let join = join.as_ref()?;
                let (a, b, length) = self.segments[join.segment];
                let via = |node: u32, along: f64| {
                    best[node as usize].map(|w| Walk {
                        source: w.source,
                        distance_m: w.distance_m + along * length + join.access_m,
                    })
                };
                let direct = on_segment
                    .get(&join.segment)
                    .into_iter()
                    .flatten()
                    .map(|(source, s)| Walk {
                        source: *source,
                        distance_m: s.access_m + (s.along - join.along).abs() * length + join.access_m,
                    });
                [via(a, join.along), via(b, 1.0 - join.along)]
                    .into_iter()
                    .flatten()
                    .chain(direct)
                    .filter(|w| w.distance_m <= limit_m)
                    .min_by(|x, y| x.distance_m.total_cmp(&y.distance_m))
            })
            .collect()
    }

    /// For each source on its own, the targets within a `limit_m` walk of it and the walk's length, as
    /// [`WalkNetwork::nearest_walks`] measures a walk (so a site's reach is the rule's reach). One bounded
    /// search per source, touching only the roads within the limit; sources are searched in parallel.
    pub fn walks_from_each(&self, sources: &[Join], targets: &[Option<Join>], limit_m: f64) -> Vec<Vec<(usize, f64)>> {
        use rayon::prelude::*;
        let mut on_segment: HashMap<usize, Vec<usize>> = HashMap::default();
        for (t, join) in targets.iter().enumerate() {
            if let Some(join) = join {
                on_segment.entry(join.segment).or_default().push(t);
            }
        }
        sources
            .par_iter()
            .map(|source| {
                let best = self.search_sparse(source, limit_m);
                let mut segments: Vec<usize> = best
                    .keys()
                    .flat_map(|&node| self.segments_at(node))
                    .chain(std::iter::once(source.segment))
                    .collect();
                segments.sort_unstable();
                segments.dedup();
                let mut found = Vec::new();
                for segment in segments {
                    let (a, b, length) = self.segments[segment];
                    for &t in on_segment.get(&segment).into_iter().flatten() {
                        let Some(join) = targets[t] else { continue };
                        let via = |node: u32, along: f64| {
                            best.get(&node).map(|w| w.distance_m + along * length + join.access_m)
                        };
                        let direct = (segment == source.segment)
                            .then(|| source.access_m + (source.along - join.along).abs() * length + join.access_m);
                        let walk = [via(a, join.along), via(b, 1.0 - join.along), direct]
                            .into_iter()
                            .flatten()
                            .filter(|d| *d <= limit_m)
                            .min_by(|x, y| x.total_cmp(y));
                        if let Some(d) = walk {
                            found.push((t, d));
                        }
                    }
                }
                found.sort_unstable_by_key(|&(t, _)| t);
                found
            })
            .collect()
    }

    /// The segments meeting at a node.
    fn segments_at(&self, node: u32) -> impl Iterator<Item = usize> + '_ {
        self.node_segments[node as usize].iter().map(|&s| s as usize)
    }

    /// The walk from one source to every node within `limit_m`, in a map (a site reaches few nodes of a
    /// city's network, so nothing the size of the network is allocated per source).
    fn search_sparse(&self, source: &Join, limit_m: f64) -> HashMap<u32, Walk> {
        let mut best: HashMap<u32, Walk> = HashMap::default();
        self.dijkstra(&[(0, *source)], limit_m, &mut best);
        best
    }

    /// The walk from the nearest source to every node within `limit_m`, and the sources on each segment.
    #[allow(clippy::type_complexity)]
    fn search(
        &self,
        sources: &[(usize, Join)],
        limit_m: f64,
    ) -> (Vec<Option<Walk>>, HashMap<usize, Vec<(usize, Join)>>) {
        let mut best: Vec<Option<Walk>> = vec![None; self.points.len()];
        self.dijkstra(sources, limit_m, &mut best);
        let mut on_segment: HashMap<usize, Vec<(usize, Join)>> = HashMap::default();
        for &(source, join) in sources {
            on_segment.entry(join.segment).or_default().push((source, join));
        }
        (best, on_segment)
    }

    /// Dijkstra from the sources (each entering the network at both ends of its segment) to every node
    /// within `limit_m`, keeping each node's nearest source in `best`.
    fn dijkstra<S: Settled>(&self, sources: &[(usize, Join)], limit_m: f64, best: &mut S) {
        fn offer<S: Settled>(best: &mut S, queue: &mut BinaryHeap<Item>, node: u32, walk: Walk, limit_m: f64) {
            if walk.distance_m <= limit_m && best.improve(node, walk) {
                queue.push(Item { walk, node });
            }
        }
        let mut queue = BinaryHeap::new();
        for &(source, join) in sources {
            let (a, b, length) = self.segments[join.segment];
            for (node, distance_m) in [
                (a, join.access_m + join.along * length),
                (b, join.access_m + (1.0 - join.along) * length),
            ] {
                offer(best, &mut queue, node, Walk { source, distance_m }, limit_m);
            }
        }
        while let Some(Item { walk, node }) = queue.pop() {
            if best.get(node).is_some_and(|b| b.distance_m < walk.distance_m) {
                continue;
            }
            for &(next, length) in &self.edges[node as usize] {
                let onward = Walk {
                    source: walk.source,
                    distance_m: walk.distance_m + length,
                };
                offer(best, &mut queue, next, onward, limit_m);
            }
        }
    }

    /// The stretches of road within a `limit_m` walk of any source (the walk to the road included), as
    /// pairs of points: what a walking radius reaches, for maps.
    pub fn reach(&self, sources: &[(usize, Join)], limit_m: f64) -> Vec<(Point<f64>, Point<f64>)> {
        let (best, on_segment) = self.search(sources, limit_m);
        let mut out = Vec::new();
        for (i, &(a, b, length)) in self.segments.iter().enumerate() {
            if length <= 0.0 {
                continue;
            }
            let (pa, pb) = (self.points[a as usize], self.points[b as usize]);
            let at = |t: f64| Point::new(pa.x() + (pb.x() - pa.x()) * t, pa.y() + (pb.y() - pa.y()) * t);
            // How far along (0 at a, 1 at b) the walk reaches from each end, and around each source on it.
            let mut pieces: Vec<(f64, f64)> = Vec::new();
            if let Some(w) = best[a as usize] {
                pieces.push((0.0, ((limit_m - w.distance_m) / length).min(1.0)));
            }
            if let Some(w) = best[b as usize] {
                pieces.push(((1.0 - (limit_m - w.distance_m) / length).max(0.0), 1.0));
            }
            for (_, j) in on_segment.get(&i).into_iter().flatten() {
                let spare = (limit_m - j.access_m).max(0.0) / length;
                pieces.push(((j.along - spare).max(0.0), (j.along + spare).min(1.0)));
            }
            pieces.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for (from, to) in pieces.into_iter().filter(|(f, t)| t > f) {
                match merged.last_mut() {
                    Some(last) if from <= last.1 => last.1 = last.1.max(to),
                    _ => merged.push((from, to)),
                }
            }
            out.extend(merged.into_iter().map(|(f, t)| (at(f), at(t))));
        }
        out
    }
}

/// Where a search keeps each node's nearest walk: a `Vec` the size of the network for a city-wide search,
/// a map for one site's.
trait Settled {
    fn get(&self, node: u32) -> Option<Walk>;
    /// Keeps `walk` if it is the node's first or shorter than the one kept; says whether it did.
    fn improve(&mut self, node: u32, walk: Walk) -> bool;
}

impl Settled for Vec<Option<Walk>> {
    fn get(&self, node: u32) -> Option<Walk> {
        self[node as usize]
    }
    fn improve(&mut self, node: u32, walk: Walk) -> bool {
        let slot = &mut self[node as usize];
        let better = slot.is_none_or(|b| walk.distance_m < b.distance_m);
        if better {
            *slot = Some(walk);
        }
        better
    }
}

impl Settled for HashMap<u32, Walk> {
    fn get(&self, node: u32) -> Option<Walk> {
        HashMap::get(self, &node).copied()
    }
    fn improve(&mut self, node: u32, walk: Walk) -> bool {
        let better = HashMap::get(self, &node).is_none_or(|b| walk.distance_m < b.distance_m);
        if better {
            self.insert(node, walk);
        }
        better
    }
}

/// A node in the search queue, nearest first.
struct Item {
    walk: Walk,
    node: u32,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Item {}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap pops the greatest, the search wants the nearest.
        other
            .walk
            .distance_m
            .total_cmp(&self.walk.distance_m)
            .then_with(|| other.node.cmp(&self.node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::at;
    use geo::LineString;

    fn road(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::from(
            points
                .iter()
                .map(|&(e, n)| (at(e, n).x(), at(e, n).y()))
                .collect::<Vec<_>>(),
        )
    }

    /// An L-shaped street: 0,0 → 1000,0 → 1000,1000, and a separate lane far north.
    /// A facility beside the corner's start, a home beside the far end of the L: straight line
    /// ≈ 1 414 m, walk ≈ 2 000 m plus the two 10 m accesses.
    #[test]
    fn walks_follow_the_streets() {
        let lines = [
            road(&[(0.0, 0.0), (1_000.0, 0.0)]),
            road(&[(1_000.0, 0.0), (1_000.0, 1_000.0)]),
            road(&[(0.0, 5_000.0), (500.0, 5_000.0)]),
        ];
        let net = WalkNetwork::new(lines.iter());
        assert_eq!(net.segment_count(), 3);
        let facility = net.join(at(0.0, 10.0)).unwrap();
        assert!((facility.access_m - 10.0).abs() < 0.5, "{facility:?}");
        let home = net.join(at(990.0, 1_000.0)).unwrap();
        let beside = net.join(at(400.0, -10.0)).unwrap();
        let island = net.join(at(100.0, 5_010.0)).unwrap();
        let walks = net.nearest_walks(
            &[(7, facility)],
            &[Some(home), Some(beside), Some(island), None],
            3_000.0,
        );
        let home_walk = walks[0].unwrap();
        assert_eq!(home_walk.source, 7);
        assert!((home_walk.distance_m - 2_020.0).abs() < 3.0, "{home_walk:?}");
        // On the same segment as the facility: 10 + 400 + 10.
        assert!((walks[1].unwrap().distance_m - 420.0).abs() < 2.0, "{:?}", walks[1]);
        assert_eq!(walks[2], None, "no road leads there");
        assert_eq!(walks[3], None);
        // Cut off: beyond the limit nothing is reported.
        let short = net.nearest_walks(&[(7, facility)], &[Some(home)], 1_500.0);
        assert_eq!(short[0], None);
    }

    #[test]
    fn the_nearer_of_two_sources_wins() {
        let lines = [road(&[(0.0, 0.0), (500.0, 0.0), (1_000.0, 0.0), (1_500.0, 0.0)])];
        let net = WalkNetwork::new(lines.iter());
        let a = net.join(at(0.0, 5.0)).unwrap();
        let b = net.join(at(1_500.0, 5.0)).unwrap();
        let home = net.join(at(1_100.0, -5.0)).unwrap();
        let walks = net.nearest_walks(&[(1, a), (2, b)], &[Some(home)], 5_000.0);
        let w = walks[0].unwrap();
        assert_eq!(w.source, 2);
        assert!((w.distance_m - 410.0).abs() < 2.0, "{w:?}");
    }

    /// Each source alone reaches what the multi-source search says it reaches when it is the only one:
    /// on the L-shaped street, the facility by the start reaches the home beside it (420 m) and, with a
    /// 2 100 m limit, the home at the far end (about 2 020 m); a 1 500 m limit leaves that one out.
    #[test]
    fn each_source_reaches_what_the_rule_measures() {
        let lines = [
            road(&[(0.0, 0.0), (1_000.0, 0.0)]),
            road(&[(1_000.0, 0.0), (1_000.0, 1_000.0)]),
            road(&[(0.0, 5_000.0), (500.0, 5_000.0)]),
        ];
        let net = WalkNetwork::new(lines.iter());
        let start = net.join(at(0.0, 10.0)).unwrap();
        let corner = net.join(at(1_000.0, 500.0)).unwrap();
        let targets = [
            net.join(at(990.0, 1_000.0)),
            net.join(at(400.0, -10.0)),
            net.join(at(100.0, 5_010.0)),
            None,
        ];
        let each = net.walks_from_each(&[start, corner], &targets, 2_100.0);
        let from_start: Vec<usize> = each[0].iter().map(|(t, _)| *t).collect();
        assert_eq!(from_start, vec![0, 1]);
        for (t, d) in &each[0] {
            let alone = net.nearest_walks(&[(0, start)], &[targets[*t]], 2_100.0)[0].unwrap();
            assert_eq!(*d, alone.distance_m, "target {t}");
        }
        assert!((each[0][0].1 - 2_020.0).abs() < 3.0, "{:?}", each[0]);
        // From the middle of the second leg (on the road): 500 + 10 up to the home, 500 + 600 + 10 back along
        // the first leg to the other.
        assert!((each[1][0].1 - 510.0).abs() < 3.0, "{:?}", each[1]);
        assert!((each[1][1].1 - 1_110.0).abs() < 3.0, "{:?}", each[1]);
        let short = net.walks_from_each(&[start], &targets, 1_500.0);
        assert_eq!(short[0].iter().map(|(t, _)| *t).collect::<Vec<_>>(), vec![1]);
    }

    /// The L-shaped street again, a facility 10 m from its start: a 1 510 m walk reaches along the first
    /// leg (10 + 1 000) and 500 m up the second; the lane far north not at all.
    #[test]
    fn reach_follows_the_streets_to_the_limit() {
        let lines = [
            road(&[(0.0, 0.0), (1_000.0, 0.0)]),
            road(&[(1_000.0, 0.0), (1_000.0, 1_000.0)]),
            road(&[(0.0, 5_000.0), (500.0, 5_000.0)]),
        ];
        let net = WalkNetwork::new(lines.iter());
        let facility = net.join(at(0.0, 10.0)).unwrap();
        let pieces = net.reach(&[(0, facility)], 1_510.0);
        let length: f64 = pieces.iter().map(|(a, b)| geodesic_m(*a, *b)).sum();
        assert!((length - 1_500.0).abs() < 2.0, "{length} m in {pieces:?}");
        let north = at(1_000.0, 500.0);
        assert!(pieces.iter().any(|(_, b)| geodesic_m(*b, north) < 2.0), "{pieces:?}");
        assert!(pieces
            .iter()
            .all(|(a, b)| a.y() < at(0.0, 2_000.0).y() && b.y() < at(0.0, 2_000.0).y()));
        // A shorter walk: 300 m along the first leg from the facility's foot.
        let short = net.reach(&[(0, facility)], 310.0);
        let length: f64 = short.iter().map(|(a, b)| geodesic_m(*a, *b)).sum();
        assert!((length - 300.0).abs() < 2.0, "{length}");
    }
}
