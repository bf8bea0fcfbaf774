"""Peer measurement for the 700 m walking-distance rule: networkx on the same synthetic dataset.

    carecircle synth --areas 100000 --facilities 10000 --seed 1 --out /tmp/s100k
    python bench/walk_peer.py /tmp/s100k

Written independently of carecircle's Rust, to the same definition (README, "Rules"): road vertices
that coincide (to 1e-7 degree) are one node, segments weigh their geodesic length (pyproj, WGS84);
areas (centroid) and counted community facilities join the nearest segment at its foot (shapely STRtree
on EPSG:4549-projected coordinates); the walk is access + along the streets + access. One multi-source
Dijkstra (networkx) from a virtual source, cut off at 1 400 m. Prints the time (graph, joins and search;
loading excluded) and how many areas have no counted facility within 700 m, to compare with
`carecircle bench` (its "walking rule" line, same seed).
"""
import json
import sys
import time

import networkx as nx
import numpy as np
import shapely
from pyproj import Geod, Transformer

COMMUNITY = {"regional_center", "daycare_center", "station", "happiness_court"}
COUNTED = {"built", "accepted", "handed_over", "operating"}
RADIUS = 700.0

folder = sys.argv[1]
areas = json.load(open(f"{folder}/residential_areas.geojson"))["features"]
facilities = json.load(open(f"{folder}/facilities.geojson"))["features"]
roads = json.load(open(f"{folder}/roads.geojson"))["features"]
geod = Geod(ellps="WGS84")
to_gk = Transformer.from_crs(4326, 4549, always_xy=True)

started = time.perf_counter()
node_of = {}
points = []


def node(x, y):
    key = (round(x * 1e7), round(y * 1e7))
    if key not in node_of:
        node_of[key] = len(points)
        points.append((x, y))
    return node_of[key]


segments = []
for road in roads:
    if not road["properties"].get("walkable", True):
        continue
    geometry = road["geometry"]
    lines = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
    for line in lines:
        for (x1, y1), (x2, y2) in zip(line, line[1:]):
            a, b = node(x1, y1), node(x2, y2)
            if a != b:
                segments.append((a, b, geod.inv(x1, y1, x2, y2)[2]))

graph = nx.Graph()
for a, b, length in segments:
    graph.add_edge(a, b, weight=length)

# Segments in a planar frame, to find each point's nearest segment and the foot on it.
px, py = to_gk.transform([p[0] for p in points], [p[1] for p in points])
lines = shapely.linestrings(
    [[(px[a], py[a]), (px[b], py[b])] for a, b, _ in segments]
)
tree = shapely.STRtree(lines)


def joins(lonlat):
    xs, ys = to_gk.transform([p[0] for p in lonlat], [p[1] for p in lonlat])
    pts = shapely.points(xs, ys)
    nearest = tree.query_nearest(pts, return_distance=False, all_matches=False)[1]
    out = []
    for (lon, lat), p, s in zip(lonlat, pts, nearest):
        a, b, length = segments[s]
        t = shapely.line_locate_point(lines[s], p, normalized=True)
        foot_lon = points[a][0] + (points[b][0] - points[a][0]) * t
        foot_lat = points[a][1] + (points[b][1] - points[a][1]) * t
        access = geod.inv(lon, lat, foot_lon, foot_lat)[2]
        out.append((s, t, access))
    return out


area_points = [shapely.centroid(shapely.from_geojson(json.dumps(a["geometry"]))) for a in areas]
area_lonlat = [(p.x, p.y) for p in area_points]
counted = [f for f in facilities if f["properties"]["tier"] in COMMUNITY and f["properties"]["status"] in COUNTED]
facility_lonlat = [tuple(f["geometry"]["coordinates"]) for f in counted]
area_joins = joins(area_lonlat)
facility_joins = joins(facility_lonlat)

SOURCE = -1
for s, t, access in facility_joins:
    a, b, length = segments[s]
    for n, d in ((a, access + t * length), (b, access + (1 - t) * length)):
        if not graph.has_edge(SOURCE, n) or graph[SOURCE][n]["weight"] > d:
            graph.add_edge(SOURCE, n, weight=d)
dist = nx.single_source_dijkstra_path_length(graph, SOURCE, cutoff=2 * RADIUS)

on_segment = {}
for s, t, access in facility_joins:
    on_segment.setdefault(s, []).append((t, access))
uncovered = 0
for s, t, access in area_joins:
    a, b, length = segments[s]
    best = min(dist.get(a, np.inf) + t * length, dist.get(b, np.inf) + (1 - t) * length) + access
    for ft, faccess in on_segment.get(s, []):
        best = min(best, faccess + abs(ft - t) * length + access)
    if not best < RADIUS:
        uncovered += 1
elapsed = time.perf_counter() - started
print(
    f"networkx {nx.__version__} walking 700 m: {elapsed:.3f} s — {len(areas)} areas, {len(counted)} counted "
    f"facilities, {len(segments)} segments, {uncovered} uncovered"
)
