"""Whole-process peer for `carecircle check --rules bench/radius-only.toml --format json`: read the dataset
folder's residential areas and facilities, judge the 700 m radius rule (anxi-2022/service-radius: counted
community facilities, strictly less than 700 m from an area's centroid), write the failing areas as JSON.

    python bench/peer_whole.py json DIR OUT.json      # json + shapely 2
    python bench/peer_whole.py pyogrio DIR OUT.json   # pyogrio + shapely 2

Distances are planar in CGCS2000 / 3-degree Gauss-Krüger CM 120E (EPSG:4549, via pyproj), so a verdict can
differ from carecircle's geodesic one for an area within centimetres of 700 m. `bench/whole.sh` runs
both beside carecircle on the same folder and prints the ratio.
"""
import json
import sys

import numpy as np
import shapely
from pyproj import Transformer

COMMUNITY = {"regional_center", "daycare_center", "station", "happiness_court"}
COUNTED = {"built", "accepted", "handed_over", "operating"}
RADIUS_M = 700.0


def read_json(folder):
    areas = json.load(open(f"{folder}/residential_areas.geojson", encoding="utf-8"))["features"]
    facilities = json.load(open(f"{folder}/facilities.geojson", encoding="utf-8"))["features"]
    ids = [a["properties"]["id"] for a in areas]
    geoms = shapely.from_geojson([json.dumps(a["geometry"]) for a in areas])
    counted = [
        f
        for f in facilities
        if f["properties"]["tier"] in COMMUNITY and f["properties"]["status"] in COUNTED
    ]
    fx = np.array([f["geometry"]["coordinates"][0] for f in counted])
    fy = np.array([f["geometry"]["coordinates"][1] for f in counted])
    return ids, geoms, fx, fy


def read_pyogrio(folder):
    import pyogrio

    areas = pyogrio.read_dataframe(f"{folder}/residential_areas.geojson", columns=["id"])
    facilities = pyogrio.read_dataframe(f"{folder}/facilities.geojson", columns=["tier", "status"])
    keep = facilities["tier"].isin(COMMUNITY) & facilities["status"].isin(COUNTED)
    counted = facilities[keep].geometry.values
    return list(areas["id"]), areas.geometry.values, shapely.get_x(counted), shapely.get_y(counted)


def main():
    how, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ids, geoms, fx, fy = (read_json if how == "json" else read_pyogrio)(folder)
    to_gk = Transformer.from_crs(4326, 4549, always_xy=True)
    centroids = shapely.centroid(geoms)
    ax, ay = to_gk.transform(shapely.get_x(centroids), shapely.get_y(centroids))
    gx, gy = to_gk.transform(fx, fy)
    tree = shapely.STRtree(shapely.points(gx, gy))
    areas = shapely.points(ax, ay)
    hits, distances = tree.query_nearest(areas, max_distance=RADIUS_M, return_distance=True)
    covered = np.zeros(len(areas), dtype=bool)
    covered[hits[0][distances < RADIUS_M]] = True
    failing = [
        {"rule": "anxi-2022/service-radius", "layer": "residential_areas", "id": ids[i]}
        for i in np.flatnonzero(~covered)
    ]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"findings": failing}, f, ensure_ascii=False, indent=2)
    print(f"{how}: {len(ids)} areas, {len(fx)} counted facilities, {len(failing)} out of reach", file=sys.stderr)


main()
