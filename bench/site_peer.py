"""Whole-process peer for `carecircle site DIR --rules bench/radius-only.toml --rule anxi-2022/service-radius
--add P --min-area 0`: PySAL spopt's maximal covering (MCLP.from_cost_matrix, CBC through PuLP) with the
counted community facilities locked in (predefined_facilities_arr), as spopt's users write it.

    python bench/site_peer.py DIR P            # prints JSON: covered_households, chosen, seconds

Reads the dataset folder with Python's json; the cost matrix is every area centroid × every column (the
counted facilities, then the candidates). Distances are planar in EPSG:4549, and geodesic (WGS84, pyproj's
Geod: the same GeographicLib algorithm carecircle uses) for the pairs within 50 m of the radius, so reach
is decided as carecircle decides it. `bench/site.sh` runs both on the same folder and prints the ratio.
"""
import json
import sys
import time

import numpy as np
import pulp
import shapely
from pyproj import Geod, Transformer
from spopt.locate import MCLP

COMMUNITY = {"regional_center", "daycare_center", "station", "happiness_court"}
COUNTED = {"built", "accepted", "handed_over", "operating"}
RADIUS_M = 700.0


def main():
    started = time.perf_counter()
    folder, p = sys.argv[1], int(sys.argv[2])
    areas = json.load(open(f"{folder}/residential_areas.geojson", encoding="utf-8"))["features"]
    facilities = json.load(open(f"{folder}/facilities.geojson", encoding="utf-8"))["features"]
    candidates = json.load(open(f"{folder}/candidates.geojson", encoding="utf-8"))["features"]
    households = np.array([a["properties"]["households"] for a in areas], dtype=float)
    centroids = shapely.centroid(shapely.from_geojson([json.dumps(a["geometry"]) for a in areas]))
    alon, alat = shapely.get_x(centroids), shapely.get_y(centroids)
    locked = [
        f["geometry"]["coordinates"]
        for f in facilities
        if f["properties"]["tier"] in COMMUNITY and f["properties"]["status"] in COUNTED
    ]
    sites = [c["geometry"]["coordinates"] for c in candidates]
    columns = np.array(locked + sites, dtype=float)

    to_gk = Transformer.from_crs(4326, 4549, always_xy=True)
    ax, ay = to_gk.transform(alon, alat)
    cx, cy = to_gk.transform(columns[:, 0], columns[:, 1])
    cost = np.hypot(ax[:, None] - cx[None, :], ay[:, None] - cy[None, :])
    near = np.nonzero(np.abs(cost - RADIUS_M) < 50.0)
    _, _, exact = Geod(ellps="WGS84").inv(alon[near[0]], alat[near[0]], columns[near[1], 0], columns[near[1], 1])
    cost[near] = exact
    # carecircle's rule is strict (< 700 m); spopt counts cost <= radius: equal only on a set of measure zero.

    predefined = np.zeros(len(columns), dtype=int)
    predefined[: len(locked)] = 1
    model = MCLP.from_cost_matrix(
        cost,
        households,
        service_radius=RADIUS_M,
        p_facilities=len(locked) + p,
        predefined_facilities_arr=predefined,
        name="site-peer",
    )
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [
        candidates[j - len(locked)]["properties"]["id"]
        for j, x in enumerate(model.fac_vars)
        if j >= len(locked) and x.value() > 0.5
    ]
    covered = sum(households[i] for i, y in enumerate(model.cli_vars) if y.value() > 0.5)
    print(
        json.dumps(
            {
                "covered_households": int(round(covered)),
                "chosen": chosen,
                "status": pulp.LpStatus[model.problem.status],
                "seconds": round(time.perf_counter() - started, 3),
                "matrix": [len(areas), len(columns)],
            }
        )
    )


if __name__ == "__main__":
    main()
