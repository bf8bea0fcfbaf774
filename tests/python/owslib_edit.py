"""OWSLib, a real OGC API - Features client, keeps a facility through Part 4: creates it, replaces it
with more beds, and deletes it, reading it back after each step. Prints one line per step; exits 1 on
anything unexpected. Run by tests/editing.rs against a running carecircle.

usage: owslib_edit.py BASE_URL TOKEN LON LAT
"""

import json
import sys

from owslib.ogcapi.features import Features

base, token, lon, lat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
api = Features(base, headers={"Authorization": f"Bearer {token}"})
collection = "demo.facilities"

station = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [lon, lat]},
    "properties": {
        "id": "S-OWS-1",
        "name": "OWSLib 新建养老服务站",
        "tier": "station",
        "floor_area_m2": 360.0,
        "status": "building",
    },
}
api.collection_item_create(collection, station)
read = api.collection_item(collection, "S-OWS-1")
assert read["properties"]["name"] == "OWSLib 新建养老服务站", read
print(f"created {read['id']} status {read['properties']['status']}")

station["properties"]["beds"] = 24
station["properties"]["status"] = "operating"
api.collection_item_update(collection, "S-OWS-1", station)
read = api.collection_item(collection, "S-OWS-1")
assert read["properties"]["beds"] == 24 and read["properties"]["status"] == "operating", read
print(f"replaced {read['id']} beds {read['properties']['beds']} status {read['properties']['status']}")

api.collection_item_delete(collection, "S-OWS-1")
try:
    api.collection_item(collection, "S-OWS-1")
    print("the deleted facility is still served")
    sys.exit(1)
except RuntimeError as gone:
    detail = json.loads(str(gone)).get("detail", "")
    print(f"deleted S-OWS-1: {detail}")
