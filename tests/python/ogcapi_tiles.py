"""Reads carecircle's vector tilesets through GDAL's OGC API driver (API=TILES), as QGIS and ogr2ogr do.

Usage: python ogcapi_tiles.py BASE_URL ZOOM COLLECTION...
The GDAL is the one pyogrio's wheel bundles (3.12): Debian bookworm's GDAL 3.6 is built without the
driver's vector tiles (OGR_ENABLE_DRIVER_GML unset in its CMake, fixed in GDAL 3.7). GDAL reads a
collection's CRS84 extent as if it were in the tile matrix set's CRS, so the extent is handed over in Web
Mercator with the MINX/MINY/MAXX/MAXY open options, as GDAL's documentation says. Prints one JSON object:
per collection, the layers GDAL made, the features of zoom ZOOM and their distinct ids.
"""
import json
import math
import sys
import urllib.request

import pyogrio


def mercator(lon, lat):
    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def main(base, zoom, collections):
    out = {}
    for cid in collections:
        c = json.load(urllib.request.urlopen(f"{base}/collections/{cid}", timeout=60))
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        (x0, y0), (x1, y1) = mercator(w, s), mercator(e, n)
        url = f"OGCAPI:{base}/collections/{cid}"
        opts = dict(API="TILES", MINX=repr(x0), MINY=repr(y0), MAXX=repr(x1), MAXY=repr(y1))
        df = pyogrio.read_dataframe(url, layer=f"Zoom level {zoom}", **opts)
        out[cid] = {
            "gdal": pyogrio.__gdal_version_string__,
            "features": len(df),
            "ids": sorted(set(df["id"].astype(str))),
            "columns": sorted(df.columns),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3:])
