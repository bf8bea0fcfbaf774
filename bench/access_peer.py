"""Peer for `carecircle access DIR --rules bench/radius-only.toml --rule anxi-2022/service-radius --format
json`: PySAL `access` (Access.two_stage_fca with weights.gaussian(σ)) on the same folder, then every area's
score compared with carecircle's.

    python bench/access_peer.py DIR CARECIRCLE.json SIGMA_M

Supply is the floor area of the counted community facilities; demand the areas' households; the cost is the
geodesic distance (WGS84, pyproj's Geod: GeographicLib, as carecircle) from area centroid to facility for the
pairs within the 700 m catchment (a planar EPSG:4549 pre-filter with 50 m to spare picks the pairs).
Prints the largest relative difference; exits 1 when it is above 1e-9.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import shapely
from access import Access, weights
from pyproj import Geod, Transformer

COMMUNITY = {"regional_center", "daycare_center", "station", "happiness_court"}
COUNTED = {"built", "accepted", "handed_over", "operating"}
RADIUS_M = 700.0


def main():
    folder, ours_path, sigma = sys.argv[1], sys.argv[2], float(sys.argv[3])
    started = time.perf_counter()
    areas = json.load(open(f"{folder}/residential_areas.geojson", encoding="utf-8"))["features"]
    facilities = json.load(open(f"{folder}/facilities.geojson", encoding="utf-8"))["features"]
    counted = [
        f for f in facilities if f["properties"]["tier"] in COMMUNITY and f["properties"]["status"] in COUNTED
    ]
    centroids = shapely.centroid(shapely.from_geojson([json.dumps(a["geometry"]) for a in areas]))
    alon, alat = shapely.get_x(centroids), shapely.get_y(centroids)
    flon = np.array([f["geometry"]["coordinates"][0] for f in counted])
    flat = np.array([f["geometry"]["coordinates"][1] for f in counted])
    to_gk = Transformer.from_crs(4326, 4549, always_xy=True)
    ax, ay = to_gk.transform(alon, alat)
    fx, fy = to_gk.transform(flon, flat)
    tree = shapely.STRtree(shapely.points(fx, fy))
    pairs = tree.query(shapely.points(ax, ay), predicate="dwithin", distance=RADIUS_M + 50.0)
    _, _, d = Geod(ellps="WGS84").inv(alon[pairs[0]], alat[pairs[0]], flon[pairs[1]], flat[pairs[1]])
    area_ids = [a["properties"]["id"] for a in areas]
    facility_ids = [f["properties"]["id"] for f in counted]
    cost = pd.DataFrame({"origin": np.array(area_ids)[pairs[0]], "dest": np.array(facility_ids)[pairs[1]], "cost": d})
    demand = pd.DataFrame(
        {"households": [a["properties"]["households"] for a in areas]}, index=pd.Index(area_ids, name="geoid")
    )
    supply = pd.DataFrame(
        {"floor_area": [f["properties"]["floor_area_m2"] for f in counted]},
        index=pd.Index(facility_ids, name="geoid"),
    )
    model = Access(
        demand_df=demand,
        demand_value="households",
        supply_df=supply,
        supply_value="floor_area",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    scores = model.two_stage_fca(max_cost=RADIUS_M, weight_fn=weights.gaussian(sigma))
    theirs = scores.iloc[:, 0].fillna(0.0) * 100.0  # per 100 households, as carecircle reports
    seconds = time.perf_counter() - started

    ours = {a["id"]: a["score"] for a in json.load(open(ours_path, encoding="utf-8"))["areas"]}
    worst, worst_id = 0.0, None
    for area_id in area_ids:
        a, b = ours[area_id], float(theirs.get(area_id, 0.0))
        rel = abs(a - b) / max(abs(a), abs(b), 1e-300) if (a or b) else 0.0
        if rel > worst:
            worst, worst_id = rel, area_id
    print(
        json.dumps(
            {"areas": len(area_ids), "pairs": len(cost), "max_relative_difference": worst, "at": worst_id,
             "peer_seconds": round(seconds, 3)}
        )
    )
    sys.exit(0 if worst <= 1e-9 else 1)


if __name__ == "__main__":
    main()
