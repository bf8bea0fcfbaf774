"""Peer measurement for the 700 m radius rule: shapely 2 STRtree on the same synthetic dataset.

    carecircle synth --areas 100000 --facilities 10000 --seed 1 --out /tmp/s100k
    python bench/radius_peer.py /tmp/s100k

Projects to CGCS2000 Gauss-Krüger CM 120E (EPSG:4549) with pyproj, then asks STRtree for the
nearest counted community facility within 700 m of every area's centroid. Prints the time of the
query (index build included, loading excluded) and how many areas are uncovered, to compare with
`carecircle bench` (same seed, same data).
"""
import json
import sys
import time

import numpy as np
import shapely
from pyproj import Transformer

COMMUNITY = {"regional_center", "daycare_center", "station", "happiness_court"}
COUNTED = {"built", "accepted", "handed_over", "operating"}

folder = sys.argv[1]
areas = json.load(open(f"{folder}/residential_areas.geojson"))["features"]
facilities = json.load(open(f"{folder}/facilities.geojson"))["features"]
to_gk = Transformer.from_crs(4326, 4549, always_xy=True)

centroids = shapely.centroid(shapely.from_geojson([json.dumps(a["geometry"]) for a in areas]))
ax, ay = to_gk.transform(shapely.get_x(centroids), shapely.get_y(centroids))
counted = [f for f in facilities if f["properties"]["tier"] in COMMUNITY and f["properties"]["status"] in COUNTED]
fx, fy = to_gk.transform([f["geometry"]["coordinates"][0] for f in counted], [f["geometry"]["coordinates"][1] for f in counted])
area_points = shapely.points(ax, ay)
facility_points = shapely.points(fx, fy)

start = time.perf_counter()
tree = shapely.STRtree(facility_points)
hits = tree.query_nearest(area_points, max_distance=700.0, return_distance=True)
covered = np.zeros(len(area_points), dtype=bool)
covered[hits[0][0][hits[1] < 700.0]] = True
elapsed = time.perf_counter() - start
print(f"shapely {shapely.__version__} STRtree nearest-within-700m: {elapsed:.3f} s — {len(area_points)} areas, {len(counted)} counted facilities, {int((~covered).sum())} uncovered")
